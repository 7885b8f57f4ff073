"""Planning parameters as data: a bundled, versioned table plus user overrides.

The table ``imcap/data/planning/parameters.csv`` has one row per parameter value::

    version, parameter, modality, income_group, cadre, low, central, high, unit, source, basis

``modality``, ``income_group`` and ``cadre`` are ``*`` where the value does not depend on them.
A lookup takes the most specific row: exact modality / income group / cadre first, then ``*``
for each (modality before income group before cadre). ``basis`` says whether the figure is
``published`` (with its source) or an imcap ``assumption`` (its source says so plainly).

Users override any value with a CSV file of the same columns (``version``, ``unit``,
``source`` and ``basis`` optional) or a TOML file::

    [[parameter]]
    parameter = "purchase_price"
    modality = "CT"
    low = 450000
    central = 550000
    high = 700000
    source = "Ministry of Health tender 2024"

An override replaces the row with the same key or adds a more specific one. Each parameter is
declared once in :data:`SPECS` (unit, bounds, whether it is an integer, help text); the same
declaration validates the bundled table, override files and the docs.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from imcap.data import path as data_path
from imcap.domain.catalogue import CADRES, MODALITIES
from imcap.errors import ParameterError, ValidationReport

ANY = "*"
LEVELS = ("low", "central", "high")
INCOME_GROUPS = ("LIC", "LMC", "UMC", "HIC")
MODALITY_CODES = tuple(m.code for m in MODALITIES)
CADRE_CODES = tuple(c.code for c in CADRES)


@dataclass(frozen=True)
class Spec:
    """Declaration of one planning parameter: its unit, what it varies by, and its bounds."""

    name: str
    unit: str
    by: tuple[str, ...]  # subset of ("modality", "income_group", "cadre")
    help: str
    minimum: float = 0.0
    maximum: float | None = None
    integer: bool = False


SPECS: dict[str, Spec] = {s.name: s for s in (
    Spec("purchase_price", "US$ per unit", ("modality",), "Purchase price of one new unit."),
    Spec("installation_share", "share of purchase price", ("modality",),
         "Installation and site preparation (shielding, power, commissioning).", maximum=3),
    Spec("maintenance_share", "share of purchase price per year", ("modality",),
         "Annual maintenance (service contract or in-house) after the warranty.", maximum=1),
    Spec("warranty_years", "years", ("modality",), "Years of maintenance covered by the "
         "warranty, counted from the year of acquisition.", maximum=20, integer=True),
    Spec("lifetime_years", "years", ("modality",), "Service life; a unit is replaced when its "
         "age reaches it.", minimum=1, maximum=50, integer=True),
    Spec("throughput", "exams per unit per year", ("modality",),
         "Nominal exams one unit performs in a year at full use (one shift).", minimum=1),
    Spec("target_utilisation", "share of throughput", ("modality",),
         "Share of nominal throughput a plan counts on.", minimum=0.01, maximum=1),
    Spec("consumables_per_exam", "US$ per exam", ("modality",),
         "Consumables per exam (contrast, media, radiopharmaceuticals, catheters)."),
    Spec("energy_kwh_per_year", "kWh per unit per year", ("modality",),
         "Electricity one unit uses in a year."),
    Spec("electricity_price", "US$ per kWh", ("income_group",), "Electricity tariff."),
    Spec("staff_per_unit", "FTE per unit", ("modality", "cadre"),
         "Full-time staff one unit needs, by cadre."),
    Spec("salary_gdp_multiple", "x GDP per capita per FTE-year", ("income_group", "cadre"),
         "Annual salary with on-costs as a multiple of GDP per capita."),
    Spec("training_cost", "US$ per new staff member", ("income_group", "cadre"),
         "Cost of training one new staff member."),
    Spec("training_years", "years", ("cadre",), "Length of training of a new staff member.",
         maximum=15, integer=True),
    Spec("repair_share", "share of purchase price", ("modality",),
         "Cost of returning a repairable non-functional unit to service.", maximum=1),
    Spec("units_per_biomed", "units per biomedical engineer", ("modality",),
         "Major imaging units one biomedical engineer or technician can maintain.", minimum=0.1),
    Spec("exam_rate_per_1000", "exams per 1,000 population per year",
         ("modality", "income_group"), "Examination rate used by demand-based needs."),
)}

COLUMNS = ("version", "parameter", "modality", "income_group", "cadre", "low", "central",
           "high", "unit", "source", "basis")


@dataclass(frozen=True)
class Key:
    """Identifies one row: parameter name plus modality / income group / cadre (or ``*``)."""

    parameter: str
    modality: str = ANY
    income_group: str = ANY
    cadre: str = ANY

    def label(self) -> str:
        bits = [b for b in (self.modality, self.income_group, self.cadre) if b != ANY]
        return self.parameter + (f"[{','.join(bits)}]" if bits else "")


@dataclass(frozen=True)
class Value:
    """One parameter value with its range and provenance."""

    key: Key
    low: float
    central: float
    high: float
    unit: str
    source: str
    basis: str  # published | assumption | user
    version: str

    def level(self, level: str) -> float:
        return float(getattr(self, level))


class ParameterTable:
    """An immutable set of planning parameter rows with most-specific-first lookup."""

    def __init__(self, values: Iterable[Value], version: str) -> None:
        self._rows: dict[Key, Value] = {v.key: v for v in values}
        self.version = version

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> list[Value]:
        return list(self._rows.values())

    def find(self, parameter: str, modality: str = ANY, income_group: str = ANY,
             cadre: str = ANY) -> Value:
        """The most specific row for this parameter; ParameterError naming it if none."""
        if parameter not in SPECS:
            raise ParameterError("unknown planning parameter", expected=", ".join(SPECS),
                                 got=parameter)
        for m in dict.fromkeys((modality, ANY)):
            for g in dict.fromkeys((income_group, ANY)):
                for c in dict.fromkeys((cadre, ANY)):
                    v = self._rows.get(Key(parameter, m, g, c))
                    if v is not None:
                        return v
        raise ParameterError(
            "no value for planning parameter",
            expected="a row in the parameter table or an override",
            got=Key(parameter, modality, income_group, cadre).label(),
        )

    def get(self, parameter: str, modality: str = ANY, income_group: str = ANY,
            cadre: str = ANY, level: str = "central") -> float:
        return self.find(parameter, modality, income_group, cadre).level(level)

    def cadres_for(self, modality: str) -> list[str]:
        """Cadres with a ``staff_per_unit`` row for this modality (or for every modality)."""
        return sorted({k.cadre for k in self._rows if k.parameter == "staff_per_unit"
                       and k.modality in (modality, ANY) and k.cadre != ANY})

    def with_values(self, values: Iterable[Value]) -> ParameterTable:
        """A copy with these rows added or replaced."""
        merged = dict(self._rows)
        for v in values:
            merged[v.key] = v
        return ParameterTable(merged.values(), self.version)

    def at_level(self, key: Key, level: str) -> ParameterTable:
        """A copy where row ``key`` takes its ``level`` value as central (tornado)."""
        v = self._rows[key]
        x = v.level(level)
        return self.with_values([replace(v, central=x)])

    def to_records(self) -> list[dict[str, Any]]:
        return [{"version": v.version, "parameter": v.key.parameter, "modality": v.key.modality,
                 "income_group": v.key.income_group, "cadre": v.key.cadre, "low": v.low,
                 "central": v.central, "high": v.high, "unit": v.unit, "source": v.source,
                 "basis": v.basis} for v in self._rows.values()]


def _check_key(report: ValidationReport, row: int, column: str, value: str,
               allowed: tuple[str, ...], relevant: bool) -> None:
    if value == ANY:
        return
    if not relevant:
        report.add(row, column, f"'*' (the parameter does not vary by {column})", value)
    elif value not in allowed:
        report.add(row, column, "'*' or one of " + ", ".join(allowed), value)


def _parse_rows(records: Iterable[Mapping[str, Any]], source_name: str,
                default_version: str, default_basis: str,
                first_row: int = 2) -> list[Value]:
    """Validate raw records (from CSV or TOML); raise ValidationError listing every problem."""
    report = ValidationReport(file=source_name, kind="planning_parameters")
    values: list[Value] = []
    for i, rec in enumerate(records):
        row = first_row + i
        report.rows_read += 1
        rec = {k.strip().lower(): v for k, v in rec.items() if k is not None}
        name = str(rec.get("parameter") or "").strip()
        spec = SPECS.get(name)
        if spec is None:
            report.add(row, "parameter", "one of " + ", ".join(SPECS), name)
            continue
        mod = str(rec.get("modality") or ANY).strip().upper()
        grp = str(rec.get("income_group") or ANY).strip().upper()
        cad = str(rec.get("cadre") or ANY).strip().upper()
        _check_key(report, row, "modality", mod, MODALITY_CODES, "modality" in spec.by)
        _check_key(report, row, "income_group", grp, INCOME_GROUPS, "income_group" in spec.by)
        _check_key(report, row, "cadre", cad, CADRE_CODES, "cadre" in spec.by)
        nums: dict[str, float] = {}
        for lv in LEVELS:
            raw = rec.get(lv)
            if raw is None or str(raw).strip() == "":
                continue
            try:
                x = float(raw)
            except (TypeError, ValueError):
                report.add(row, lv, f"a number ({spec.unit})", raw)
                continue
            if x != x or x < spec.minimum or (spec.maximum is not None and x > spec.maximum):
                hi = f" and at most {spec.maximum:g}" if spec.maximum is not None else ""
                report.add(row, lv, f"a number at least {spec.minimum:g}{hi} ({spec.unit})", raw)
                continue
            if spec.integer and not float(x).is_integer():
                report.add(row, lv, f"a whole number ({spec.unit})", raw)
                continue
            nums[lv] = x
        if "central" not in nums:
            if not any(p.row == row and p.column == "central" for p in report.problems):
                report.add(row, "central", f"a number ({spec.unit})", rec.get("central"))
            continue
        c = nums["central"]
        lo, hi = nums.get("low", c), nums.get("high", c)
        if not lo <= c <= hi:
            report.add(row, "low/central/high", "low <= central <= high", f"{lo}, {c}, {hi}")
            continue
        values.append(Value(
            key=Key(name, mod, grp, cad), low=lo, central=c, high=hi,
            unit=str(rec.get("unit") or spec.unit),
            source=str(rec.get("source") or f"user override ({source_name})"),
            basis=str(rec.get("basis") or default_basis),
            version=str(rec.get("version") or default_version),
        ))
    report.raise_if_errors()
    return values


def bundled_path() -> Path:
    return data_path("planning/parameters.csv")


def load_parameters(override: str | Path | None = None) -> ParameterTable:
    """The bundled table, with the user's override file (CSV or TOML) applied if given."""
    p = bundled_path()
    with open(p, encoding="utf-8", newline="") as f:
        recs = list(csv.DictReader(f))
    versions = {r["version"] for r in recs}
    if len(versions) != 1:  # pragma: no cover - guarded by a unit test on the bundled file
        raise RuntimeError(f"bundled planning parameters mix versions {sorted(versions)}")
    version = versions.pop()
    table = ParameterTable(_parse_rows(recs, "parameters.csv", version, "assumption"), version)
    if override is None:
        return table
    return table.with_values(read_overrides(override, version))


def read_overrides(path: str | Path, version: str = "user") -> list[Value]:
    """Rows of a user's override file (CSV or TOML ``[[parameter]]`` tables)."""
    p = Path(path)
    if not p.is_file():
        raise ParameterError("parameter override file not found", expected="an existing file",
                             got=str(p))
    if p.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ParameterError("override file is not valid TOML", expected="TOML",
                                 got=str(e), where=p.name) from None
        recs = data.get("parameter")
        if not isinstance(recs, list):
            raise ParameterError("override file has no [[parameter]] tables",
                                 expected="[[parameter]] tables with parameter, central, ...",
                                 got=sorted(data), where=p.name)
        return _parse_rows(recs, p.name, f"{version}+user", "user", first_row=1)
    if p.suffix.lower() == ".csv":
        with open(p, encoding="utf-8-sig", newline="") as f:
            recs = list(csv.DictReader(f))
        return _parse_rows(recs, p.name, f"{version}+user", "user")
    raise ParameterError("unknown override file type", expected=".csv or .toml", got=p.suffix,
                         where=p.name)


Picker = Callable[[str, str, str, str], Any]


def central_picker(table: ParameterTable) -> Picker:
    """``pick(parameter, modality, income_group, cadre)`` returning central values."""
    def pick(parameter: str, modality: str = ANY, income_group: str = ANY,
             cadre: str = ANY) -> float:
        return table.get(parameter, modality, income_group, cadre)
    return pick
