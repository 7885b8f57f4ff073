"""Scenario pages: the list, one scenario with its results as charts and tables, and the
"Run" button (analysts, admins, country managers of its country)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from imcap.errors import NotFoundError, ParameterError
from imcap.reports import charts
from imcap.store.repo import row_dict
from imcap.store.schema import Scenario
from imcap.web.api.analysis import run_and_store
from imcap.web.auth.policy import Principal
from imcap.web.deps import expected_version, jsonable, registry_reader, session
from imcap.web.pages.public import fig_json, render

router = APIRouter()
COST_LINES_SKIP = ("total",)


def _get(s: Any, sid: int) -> Scenario:
    sc = s.get(Scenario, sid)
    if sc is None:
        raise NotFoundError("no such scenario", expected="an existing scenario id", got=sid,
                            where="scenario")
    return sc


def plan_figures(res: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(title, SVG, plotly dict) of a plan run's results (:func:`imcap.planning.scenario.
    results_json`): costs by year and line, units by year, needs by modality."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    lines = res.get("costs_by_line") or {}
    if lines:
        years = sorted({y for row in lines.values() for y in row if y not in COST_LINES_SKIP})
        series = [(line, [row.get(y) for y in years]) for line, row in lines.items()
                  if any(row.get(y) for y in years)]
        if series:
            out.append(("Costs by year (USD)", charts.svg_bars(years, series, "USD"),
                        charts.plotly_bars(years, series, "USD", stacked=True)))
    units = res.get("units") or []
    if units:
        years = sorted({str(u["year"]) for u in units})
        series = []
        for mod in sorted({u["modality"] for u in units}):
            for kind in ("new", "replaced", "repaired"):
                vals = [sum(u[kind] for u in units if u["modality"] == mod
                            and str(u["year"]) == y) for y in years]
                if any(vals):
                    series.append((f"{mod} {kind}", vals))
        if series:
            out.append(("Units acquired by year", charts.svg_bars(years, series, "units"),
                        charts.plotly_bars(years, series, "units", stacked=True)))
    needs = res.get("needs") or []
    if needs:
        mods = [n["modality"] for n in needs]
        cols = [c for c in ("functional", "functional_after_repair", "new_units",
                            "units_after_plan") if c in needs[0]]
        series = [(c.replace("_", " "), [n.get(c) for n in needs]) for c in cols]
        if series:
            out.append(("Needs by modality", charts.svg_bars(mods, series, "units"),
                        charts.plotly_bars(mods, series, "units")))
    return out


def generic_figures(res: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Bar charts of numeric series found in other scenarios' results."""
    out = []
    for key, val in res.items():
        if isinstance(val, dict) and val and all(isinstance(v, int | float)
                                                 for v in val.values()):
            cats, series = list(map(str, val)), [(key, list(val.values()))]
        elif isinstance(val, list) and val and all(isinstance(r, dict) for r in val):
            cols = [k for k, v in val[0].items() if isinstance(v, int | float)]
            label = next((k for k, v in val[0].items() if isinstance(v, str)), None)
            if not cols or len(val) > 60:
                continue
            cats = [str(r.get(label, i)) if label else str(i) for i, r in enumerate(val)]
            series = [(c, [r.get(c) for r in val]) for c in cols[:4]]
        else:
            continue
        out.append((key.replace("_", " "), charts.svg_bars(cats, series, title=key),
                    charts.plotly_bars(cats, series, "")))
    return out


@router.get("/scenarios", response_class=HTMLResponse)
async def scenarios(request: Request, p: Principal = Depends(registry_reader)) -> Response:
    with session(request) as s:
        rows = [row_dict(x) for x in s.scalars(select(Scenario).order_by(Scenario.id.desc()))]
    return render(request, "scenarios.html", {"scenarios": rows})


@router.get("/scenarios/{scenario_id}", response_class=HTMLResponse)
async def scenario(request: Request, scenario_id: int = Path(..., ge=1, le=2**31 - 1),
                   p: Principal = Depends(registry_reader)) -> Response:
    with session(request) as s:
        d = jsonable(row_dict(_get(s, scenario_id)))
    res = d.get("results") if isinstance(d.get("results"), dict) else {}
    figs = plan_figures(res) if d["kind"] == "plan" else generic_figures(res)
    return render(request, "scenario.html", {
        "sc": d, "res": res, "can_run": p.can_run_scenarios(d["country_iso3"]),
        "figs": [(i, title, svg, fig_json(fig)) for i, (title, svg, fig) in enumerate(figs)],
        "inputs_json": json.dumps(d.get("inputs"), indent=1),
        "results_json": json.dumps(res, indent=1)[:20000]})


@router.post("/scenarios/{scenario_id}/run", response_class=HTMLResponse)
async def run(request: Request, scenario_id: int = Path(..., ge=1, le=2**31 - 1),
              p: Principal = Depends(registry_reader)) -> Response:
    """Run the scenario with imcap.planning and show it (CSRF checked by the principal). The
    form names the version the user saw (hidden ``version`` field, or ``If-Match``): a stale
    one is a conflict (409), none is 428, as for every other update."""
    form = await request.form()
    raw = str(form.get("version") or "").strip()
    try:
        body_version = int(raw) if raw else None
    except ValueError:
        raise ParameterError("bad version field", expected="the scenario version shown on the "
                             "page (an integer)", got=raw, where="version") from None
    version = expected_version(request, body_version)

    def work() -> None:
        with session(request) as s:
            run_and_store(request, s, _get(s, scenario_id), p, via="web", version=version)

    await run_in_threadpool(work)
    return RedirectResponse(f"/scenarios/{scenario_id}#results", status_code=303)
