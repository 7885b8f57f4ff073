"""A small registry for the web tests: bundled reference data, WHO GHO CT/MRI densities, six
Kenyan facilities with units, one in Malawi, a workforce count and an access result.
Built once per session and copied per test (load_reference takes a few seconds)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from imcap.data import path as data_path
from imcap.ingest.reference import load_reference
from imcap.store.db import Database
from imcap.store.schema import (
    CountryFigure,
    Facility,
    ImagingUnit,
    IndicatorValue,
    UnitStatus,
    Workforce,
)
from imcap.web.auth import accounts

FAST_ARGON = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}
PASSWORD = "correct horse battery"
# (external id, name, area, lat, lon, units [(id, modality, status, year)])
KEN_FACILITIES = [
    ("KNH", "Kenyatta National Hospital", "KEN_047", -1.3010, 36.8070,
     [("KNH-CT-1", "CT", "functional", 2016), ("KNH-CT-2", "CT", "functional", 2019),
      ("KNH-MR-1", "MRI", "functional", 2015), ("KNH-XR-1", "XRAY", "partially_functional", 2010)]),
    ("MTRH", "Moi Teaching and Referral Hospital", "KEN_027", 0.5143, 35.2698,
     [("MTRH-CT-1", "CT", "functional", 2018), ("MTRH-MR-1", "MRI", "non_functional_repairable",
                                               2012)]),
    ("CGH", "Coast General Hospital", "KEN_001", -4.0547, 39.6636,
     [("CGH-CT-1", "CT", "functional", 2020), ("CGH-XR-1", "XRAY", "functional", 2021)]),
    ("KSM", "Jaramogi Oginga Odinga Hospital", "KEN_042", -0.0917, 34.7680,
     [("KSM-CT-1", "CT", "non_functional_beyond_repair", 2008)]),
    ("NKR", "Nakuru Level 5 Hospital", "KEN_032", -0.2833, 36.0667,
     [("NKR-XR-1", "XRAY", "functional", 2017), ("NKR-US-1", "US", "functional", 2022)]),
    ("GAR", "Garissa County Referral Hospital", "KEN_007", -0.4536, 39.6460, []),
]


def _gho_rows() -> list[dict]:
    out = []
    for item, name in (("CT", "Total_density_per_million_population_CT.csv"),
                       ("MRI", "Total_density_per_million_population_MRI.csv")):
        with open(data_path(f"reference/sources/{name}"), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if not r["FactValueNumeric"] or len(r["SpatialDimValueCode"]) != 3:
                    continue
                out.append({"country_iso3": r["SpatialDimValueCode"], "year": int(r["Period"]),
                            "item": item, "value": float(r["FactValueNumeric"])})
    return out


def build(db: Database) -> dict[str, int]:
    load_reference(db)
    ids: dict[str, int] = {}
    with db.session() as s:
        known = {c for (c,) in s.execute(__import__("sqlalchemy").text("select iso3 from country"))}
        for r in _gho_rows():
            if r["country_iso3"] in known:
                s.add(CountryFigure(item_kind="modality", measure="per_million", sector="total",
                                    source="WHO GHO DEVICES09/DEVICES08 (MD Survey 2021)",
                                    source_date=dt.date(2023, 6, 18), method="reported", **r))
        for ext, name, area, lat, lon, units in KEN_FACILITIES:
            f = Facility(external_id=ext, country_iso3="KEN", area_id=area, name=name,
                         level="national_referral" if ext in ("KNH", "MTRH") else
                         "regional_hospital", ownership="public", lat=lat, lon=lon,
                         source="test fixture", method="reported", version=1)
            s.add(f)
            s.flush()
            ids[ext] = f.id
            for uid, mod, status, year in units:
                u = ImagingUnit(external_id=uid, facility_id=f.id, modality=mod, status=status,
                                status_date=dt.date(2024, 5, 1), year_installed=year,
                                source="test fixture", source_date=dt.date(2024, 5, 1),
                                method="reported", version=1, make="Siemens")
                s.add(u)
                s.flush()
                ids[uid] = u.id
                s.add(UnitStatus(unit_id=u.id, status=status, status_date=dt.date(2024, 5, 1),
                                 source="test fixture", method="reported"))
        m = Facility(external_id="QECH", country_iso3="MWI", name="Queen Elizabeth Central "
                     "Hospital", level="national_referral", ownership="public", lat=-15.80,
                     lon=35.02, source="test fixture", method="reported", version=1)
        s.add(m)
        s.flush()
        ids["QECH"] = m.id
        mu = ImagingUnit(external_id="QECH-CT-1", facility_id=m.id, modality="CT",
                         status="functional", source="test fixture", method="reported",
                         version=1, status_date=dt.date(2024, 5, 1))
        s.add(mu)
        s.flush()
        ids["QECH-CT-1"] = mu.id
        s.add(Workforce(country_iso3="KEN", cadre="RADIOLOGIST", year=2022, count=250,
                        source="test fixture", method="reported"))
        s.add(IndicatorValue(indicator="pop_within_2h_ct_pct", country_iso3="KEN", year=2024,
                             value=61.5, source="imcap access (test fixture)",
                             method="travel time"))
        ph = accounts.hasher(1, 1024)
        for name, role, countries, facilities in (
                ("admin", "admin", [], []), ("manager", "country_manager", ["KEN"], []),
                ("editor", "facility_editor", [], [ids["KNH"]]), ("analyst", "analyst", [], []),
                ("reader", "public", [], [])):
            u = accounts.create_user(s, name, PASSWORD, role, actor="fixture",
                                     countries=countries, facilities=facilities, ph=ph)
            ids[f"user:{name}"] = u.id
    return ids


_TEMPLATE: dict[str, tuple[Path, dict[str, int]]] = {}


def fixture_db(tmp_path: Path, template_dir: Path) -> tuple[Database, dict[str, int]]:
    """A fresh copy of the fixture database in ``tmp_path``."""
    if "t" not in _TEMPLATE:
        tpl = template_dir / "template.db"
        d = Database(f"sqlite:///{tpl}")
        ids = build(d)
        with d.engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        d.dispose()
        _TEMPLATE["t"] = (tpl, ids)
    tpl, ids = _TEMPLATE["t"]
    target = tmp_path / "imcap.db"
    shutil.copy(tpl, target)
    return Database(f"sqlite:///{target}"), dict(ids)


PG_URL = os.environ.get("IMCAP_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def pg_fixture_db() -> Iterator[tuple[Database, dict[str, int]]]:
    """The fixture registry built in a fresh PostgreSQL schema (dropped afterwards)."""
    import uuid

    import pytest
    import sqlalchemy as sa

    admin = sa.create_engine(PG_URL)
    schema = "tw_" + uuid.uuid4().hex[:12]
    try:
        with admin.begin() as c:
            c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as e:  # pragma: no cover - the server is part of the setup
        pytest.fail(f"PostgreSQL test server not reachable at {PG_URL}: {e}")
    sep = "&" if "?" in PG_URL else "?"
    d = Database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield d, build(d)
    finally:
        d.dispose()
        with admin.begin() as c:
            c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def client_class():  # type: ignore[no-untyped-def]
    """starlette's TestClient, imported without its deprecation warning about httpx (warnings
    are errors in this suite; the warning is about a future package rename, not our code)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient


def tokens_for(db: Database, names: tuple[str, ...] = ("admin", "manager", "editor", "analyst",
                                                        "reader")) -> dict[str, str]:
    from imcap.web.auth import accounts as acc

    out = {}
    with db.session() as s:
        for n in names:
            _, secret = acc.issue_token(s, acc.user_by_name(s, n), "tests", actor="fixture")
            out[n] = secret
    return out


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
