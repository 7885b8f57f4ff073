"""Export a plan run to xlsx (one sheet per table; planners work in Excel) or CSV files.

Sheets / files: summary, needs, areas, workforce, placements (with a siting result), units,
costs_by_year (lines x years), costs_by_modality, costs_long, staff, tornado, uncertainty,
feasibility, parameters.
CSV export writes ``<stem>_<table>.csv`` beside the path given.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from imcap.errors import ParameterError
from imcap.planning.scenario import PlanRun


def tables(run: PlanRun) -> dict[str, pd.DataFrame]:
    """Every table of a run, in sheet order."""
    case = run.case
    spec = case.spec
    summary: list[tuple[str, Any]] = [
        ("scenario", run.scenario.name), ("country", spec.country_iso3),
        ("income group", spec.income_group),
        ("GDP per capita (US$)", spec.gdp_per_capita),
        ("acquisition years", f"{spec.start_year}-{spec.target_year}"),
        ("cost years", case.summary["years"]), ("phasing", spec.phasing),
        ("discount rate", spec.discount_rate),
        ("parameters version", run.table.version),
    ]
    summary += [(k, v) for k, v in case.summary.items() if k not in ("years", "discount_rate")]
    if run.needs is not None:
        summary.append(("needs target", run.needs.target))
        summary.append(("needs method", run.needs.method))
        summary += [("note", n) for n in run.needs.notes]
    if run.uncertainty is not None:
        summary.append(("uncertainty draws", run.uncertainty["draws"]))
    out: dict[str, pd.DataFrame] = {
        "summary": pd.DataFrame(summary, columns=["item", "value"]).astype({"value": object}),
    }
    if run.needs is not None:
        out["needs"] = run.needs.national
        if not run.needs.areas.empty:
            out["areas"] = run.needs.areas
        out["workforce"] = run.needs.workforce
    if run.placements is not None:
        out["placements"] = run.placements
    out["units"] = case.units
    out["costs_by_year"] = case.by_line().reset_index()
    out["costs_by_modality"] = case.by_modality().reset_index()
    out["costs_long"] = case.costs
    out["staff"] = case.staff
    out["tornado"] = run.tornado
    if run.uncertainty is not None:
        out["uncertainty"] = run.uncertainty["intervals"]
    out["feasibility"] = run.feasibility
    out["parameters"] = pd.DataFrame(run.table.to_records())
    return out


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    return df.astype(object).where(df.notna(), None).map(
        lambda v: None if isinstance(v, float) and math.isnan(v) else v)


def write_xlsx(run: PlanRun, path: str | Path) -> Path:
    from openpyxl.utils import get_column_letter

    p = Path(path)
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        for name, df in tables(run).items():
            _clean(df).to_excel(xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            ws.freeze_panes = "A2"
            for i, col in enumerate(df.columns, start=1):
                width = min(60, max(10, len(str(col)) + 2))
                ws.column_dimensions[get_column_letter(i)].width = width
    return p


def write_csv(run: PlanRun, path: str | Path) -> list[Path]:
    p = Path(path)
    stem = p.with_suffix("")
    written = []
    for name, df in tables(run).items():
        q = Path(f"{stem}_{name}.csv")
        _clean(df).to_csv(q, index=False)
        written.append(q)
    return written


def write(run: PlanRun, path: str | Path) -> list[Path]:
    """xlsx for ``.xlsx``, CSV files for ``.csv``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return [write_xlsx(run, path)]
    if suffix == ".csv":
        return write_csv(run, path)
    raise ParameterError("unknown output file type", expected=".xlsx or .csv", got=suffix,
                         where="--out")
