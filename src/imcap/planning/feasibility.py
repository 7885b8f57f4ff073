"""Feasibility checks a reviewer asks of an investment case.

Each check returns a row: ``check``, ``item``, ``status`` (ok | warn | fail | unknown),
``needed``, ``available`` and a ``detail`` sentence.

- staff: FTE the plan's new units need by the target year vs. registered staff not already
  needed by the existing units (when known) plus those trainable by the target year:
  ``trainable = training_output_per_year x max(0, target_year - start_year + 1 -
  training_years)`` (a trainee who starts in the first year finishes after ``training_years``).
- maintenance capacity: biomedical engineers needed = all units after the plan /
  ``units_per_biomed`` vs. registered biomedical engineers.
- siting: units placed by the siting step (``(facility_id, modality, units)`` rows) vs. the
  units the plan needs per modality (the needs gap for an assessed modality, the explicit
  ``[units.X]`` otherwise); ok when equal, warn when not; "unknown" when no siting result
  is given.
- siting by area: areas below the per-area minimum (``--by-area``) vs. those of them the
  sited units reach: ``available = sum over short areas of min(extra units, units placed
  there)``; ok when every short area gets its units, warn otherwise (the areas left are named).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from imcap.planning.parameters import ParameterTable


def _row(check: str, item: str, status: str, needed: float, available: float,
         detail: str) -> dict[str, Any]:
    return {"check": check, "item": item, "status": status, "needed": needed,
            "available": available, "detail": detail}


def staff_checks(new_fte: Mapping[str, float], registered_spare: Mapping[str, float],
                 training_output: Mapping[str, float], table: ParameterTable,
                 income_group: str, start_year: int, target_year: int) -> list[dict[str, Any]]:
    """Staff for the new units vs. spare registered staff plus trainable by the target year."""
    rows = []
    years = target_year - start_year + 1
    for cadre, need in sorted(new_fte.items()):
        ty = table.get("training_years", "*", income_group, cadre)
        spare = registered_spare.get(cadre, math.nan)
        out = training_output.get(cadre)
        if out is None:
            rows.append(_row("staff", cadre, "unknown", need, spare if not math.isnan(spare)
                             else math.nan,
                             f"training output per year not given; training takes {ty:g} "
                             f"years, so only trainees starting by {target_year - int(ty)} "
                             "count"))
            continue
        trainable = out * max(0, years - int(ty))
        avail = trainable + (spare if not math.isnan(spare) else 0.0)
        status = "ok" if avail >= need else ("warn" if avail >= 0.5 * need else "fail")
        rows.append(_row("staff", cadre, status, need, avail,
                         f"{out:g} trained a year x {max(0, years - int(ty))} year(s) "
                         f"(training {ty:g} y) + {0 if math.isnan(spare) else spare:g} spare "
                         "registered"))
    return rows


def maintenance_check(units_after: Mapping[str, float], registered_biomed: float | None,
                      table: ParameterTable, income_group: str) -> dict[str, Any]:
    need = sum(n / table.get("units_per_biomed", m, income_group) for m, n in
               units_after.items())
    if registered_biomed is None or math.isnan(registered_biomed):
        return _row("maintenance", "BIOMED", "unknown", need, math.nan,
                    "no registered biomedical engineers in the registry")
    status = "ok" if registered_biomed >= need else "fail"
    return _row("maintenance", "BIOMED", status, need, registered_biomed,
                "biomedical engineers needed = units / units_per_biomed")


def siting_checks(new_units: Mapping[str, int],
                  placements: Iterable[tuple[int, str, int]] | None) -> list[dict[str, Any]]:
    """Units placed by the siting step vs. ``new_units`` (units the plan needs) per
    modality."""
    if placements is None:
        return [_row("siting", m, "unknown", n, math.nan, "no siting result given")
                for m, n in sorted(new_units.items())]
    placed: dict[str, int] = {}
    facilities: dict[str, set[int]] = {}
    for fid, mod, units in placements:
        placed[mod] = placed.get(mod, 0) + int(units)
        facilities.setdefault(mod, set()).add(int(fid))
    rows = []
    for m, n in sorted(new_units.items()):
        p = placed.get(m, 0)
        status = "ok" if p == n else "warn"
        rows.append(_row("siting", m, status, n, p,
                         f"{p} unit(s) placed at {len(facilities.get(m, ()))} facilities by "
                         f"the siting step; {n} needed"))
    return rows


def area_checks(areas: pd.DataFrame, placed: pd.DataFrame) -> list[dict[str, Any]]:
    """Areas short of the per-area minimum (``areas``: area_id, area, modality, extra_units)
    vs. the units the siting step puts there (``placed``: area_id, modality, units)."""
    rows = []
    got = placed.groupby(["modality", "area_id"])["units"].sum().to_dict()
    for m, g in areas.groupby("modality", sort=True):
        short = g[g["extra_units"] > 0]
        need = int(short["extra_units"].sum())
        avail = 0
        left = []
        for r in short.itertuples():
            k = int(got.get((m, r.area_id), 0))
            avail += min(int(r.extra_units), k)
            if k < r.extra_units:
                left.append(str(r.area))
        status = "ok" if avail >= need else "warn"
        detail = (f"{len(short)} area(s) below the minimum; the sited units reach "
                  f"{len(short) - len(left)}")
        if left:
            detail += "; still short: " + ", ".join(left[:8]) + (" ..." if len(left) > 8
                                                                  else "")
        rows.append(_row("siting_areas", str(m), status, need, avail, detail))
    return rows


def checks_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["check", "item", "status", "needed", "available",
                                       "detail"])
