"""Tables, charts and exports of impact results (thin layer over ``run.summarise`` rows).

Charts are plotly cartesian figures (bars with 95% interval error bars), which render offline;
``write_chart`` embeds plotly.js in the HTML file so nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Columns of the compact table (CLI, country profile): point, median and interval per output.
TABLE_COLUMNS = ("scenario", "code", "name", "deaths_baseline_median", "deaths_averted_median",
                 "deaths_averted_lo", "deaths_averted_hi", "life_years_median", "cost_median",
                 "benefit_fi_median", "net_benefit_fi_median", "return_fi_median",
                 "return_fi_lo", "return_fi_hi", "benefit_hc_median", "net_benefit_hc_median",
                 "return_hc_median", "return_hc_lo", "return_hc_hi")


def table_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows restricted to ``TABLE_COLUMNS`` with short headers (csv/json)."""
    short = {c: c.replace("_median", "") for c in TABLE_COLUMNS}
    return [{short[c]: r.get(c) for c in TABLE_COLUMNS} for r in rows]


def _num(x: float, money: bool = False) -> str:
    if x != x:  # NaN
        return "-"
    a = abs(x)
    for div, suf in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{'$' if money else ''}{x / div:.3g}{suf}"
    return f"{'$' if money else ''}{x:.3g}"


def display_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Narrow rows for a terminal table: 'median (2.5%-97.5%)' strings."""
    def ui(r: dict[str, Any], m: str, money: bool = False) -> str:
        return (f"{_num(r[m + '_median'], money)} ({_num(r[m + '_lo'], money)}-"
                f"{_num(r[m + '_hi'], money)})")

    return [{"scenario": r["scenario"], "where": r["code"],
             "deaths (no scale-up)": _num(r["deaths_baseline_median"]),
             "deaths averted": ui(r, "deaths_averted"),
             "life-years": _num(r["life_years_median"]),
             "cost": _num(r["cost_median"], True),
             "return/$ FI": ui(r, "return_fi"), "return/$ HC": ui(r, "return_hc")}
            for r in rows]


def export_xlsx(rows: Sequence[dict[str, Any]], path: str | Path,
                notes: Sequence[str] = ()) -> Path:
    """All columns (point, median, 2.5% and 97.5% per output) to an xlsx workbook, with a
    'about' sheet giving units, sources and notes."""
    import pandas as pd

    path = Path(path)
    about = pd.DataFrame({"item": [
        "model", "units", "interval", "costs", "benefits", "source data", *(["note"] * len(notes))],
        "value": [
            "imcap.impact, calibrated to the Lancet Oncology Commission (2021) global results",
            "deaths and life-years: persons/years; money: 2018 US$, discounted 3%/yr to 2020",
            "median and 95% interval over the probabilistic draws; 'point' = calibrated values",
            "imaging/comprehensive: Commission per-patient costing; plans: the plan's own costs",
            "full income (FI) and human capital (HC) valuations of life-years gained",
            "GLOBOCAN 2022, UN WPP, World Bank, OECD, WHO GHO (see docs/impact.md)", *notes]})
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame(list(rows)).to_excel(xw, sheet_name="impact", index=False)
        about.to_excel(xw, sheet_name="about", index=False)
    return path


def figure(rows: Sequence[dict[str, Any]], metric: str = "deaths_averted") -> Any:
    """A plotly bar chart of ``metric`` (median with 95% interval) per group and scenario."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for scen in dict.fromkeys(r["scenario"] for r in rows):
        rs = [r for r in rows if r["scenario"] == scen]
        med = [r[f"{metric}_median"] for r in rs]
        fig.add_trace(go.Bar(
            name=str(scen), x=[str(r["name"]) for r in rs], y=med,
            error_y={"type": "data", "symmetric": False,
                     "array": [r[f"{metric}_hi"] - m for r, m in zip(rs, med, strict=True)],
                     "arrayminus": [m - r[f"{metric}_lo"] for r, m in zip(rs, med, strict=True)]}))
    fig.update_layout(barmode="group", title=metric.replace("_", " ") + " (median, 95% interval)",
                      yaxis_title=metric.replace("_", " "), template="plotly_white")
    return fig


def write_chart(rows: Sequence[dict[str, Any]], path: str | Path,
                metrics: Sequence[str] = ("deaths_averted", "return_fi")) -> Path:
    """Self-contained HTML (plotly.js embedded: works offline) with one chart per metric."""
    path = Path(path)
    parts = [figure(rows, m).to_html(full_html=False, include_plotlyjs=(i == 0))
             for i, m in enumerate(metrics)]
    path.write_text("<!doctype html><html><head><meta charset='utf-8'><title>imcap impact"
                    "</title></head><body>" + "\n".join(parts) + "</body></html>")
    return path
