"""Where the plan's units go: the siting step's result, read from the store or a CSV.

A siting run on the registry (``imcap site --scenario NAME --country ...``) stores its
facilities to equip in ``scenario.results["siting"]["planner_items"]`` as
``[[facility_id, modality, units], ...]`` (:meth:`imcap.siting.result.SitingResult
.planner_items`). A plan scenario that names that siting scenario (``siting = "NAME"``) buys
those units, at those facilities. This module reads them (planning does not import
:mod:`imcap.siting`; it reads the stored rows) and maps each facility to its area, so that the
plan can say which areas the new units serve and which areas below the per-area minimum stay
without one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from imcap.errors import NotFoundError, ParameterError
from imcap.store.db import Database
from imcap.store.schema import Area, Facility, Scenario

PlannerItem = tuple[int, str, int]

COLUMNS = ["facility_id", "facility", "area_id", "area", "modality", "units"]


def _items(rows: Iterable[object], where: str) -> list[PlannerItem]:
    out = []
    for r in rows:
        try:
            fid, mod, units = r  # type: ignore[misc]
            item = (int(fid), str(mod).strip().upper(), int(units))
        except (TypeError, ValueError) as e:
            raise ParameterError("bad siting item", expected="facility_id, modality, units "
                                 "(whole numbers)", got=r, where=where) from e
        if item[2] < 0:
            raise ParameterError("negative units in siting result", expected=">= 0",
                                 got=item[2], where=where)
        out.append(item)
    return out


def read_csv(path: Path) -> list[PlannerItem]:
    """A siting result as CSV with columns facility_id, modality, units."""
    if not path.is_file():
        raise ParameterError("siting file not found", expected="a CSV file", got=str(path))
    with open(path, encoding="utf-8-sig", newline="") as f:
        try:
            rows = [(r["facility_id"], r["modality"], r["units"]) for r in csv.DictReader(f)]
        except KeyError as e:
            raise ParameterError("bad siting file", expected="columns facility_id, modality, "
                                 "units", got=str(e), where=path.name) from None
    return _items(rows, path.name)


def stored_items(db: Database, name: str) -> list[PlannerItem]:
    """``planner_items`` of the stored siting scenario ``name`` (error if it has none)."""
    with db.session() as s:
        row = s.scalars(select(Scenario).where(Scenario.name == name)).first()
        if row is None:
            names = s.scalars(select(Scenario.name).where(Scenario.kind != "plan")).all()
            raise NotFoundError("no stored siting scenario of that name",
                                expected=", ".join(names) or "a scenario run by "
                                "`imcap site --scenario NAME`", got=name, where="siting")
        kind, results = row.kind, dict(row.results or {})
    items = (results.get("siting") or {}).get("planner_items")
    if kind == "plan" or items is None:
        raise NotFoundError("the scenario holds no siting result",
                            expected="a registry siting run (`imcap site --scenario NAME "
                            "--country ISO3 ...`) stored under that name",
                            got=f"{name} (kind {kind})", where="siting")
    return _items(items, f"siting scenario {name}")


def by_facility(db: Database, iso3: str, items: list[PlannerItem],
                area_names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per item with the facility's name and area; every facility must be in
    ``iso3`` (a siting result of another country is an error)."""
    ids = sorted({fid for fid, _, _ in items})
    with db.session() as s:
        facs = {f.id: (f.name, f.area_id, f.country_iso3) for f in
                s.scalars(select(Facility).where(Facility.id.in_(ids))).all()} if ids else {}
        if area_names is None:
            area_names = dict(s.execute(select(Area.id, Area.name)
                                        .where(Area.country_iso3 == iso3)).all())
    bad = [fid for fid in ids if fid not in facs or facs[fid][2] != iso3]
    if bad:
        raise ParameterError("siting result names facilities outside the country",
                             expected=f"facility ids of {iso3} in the registry", got=bad[:10],
                             where="siting")
    rows = [{"facility_id": fid, "facility": facs[fid][0], "area_id": facs[fid][1],
             "area": area_names.get(facs[fid][1] or "", facs[fid][1]), "modality": mod,
             "units": units} for fid, mod, units in items]
    return pd.DataFrame(rows, columns=COLUMNS)


def units_by_modality(items: Iterable[PlannerItem]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, mod, units in items:
        out[mod] = out.get(mod, 0) + int(units)
    return out
