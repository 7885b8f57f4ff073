"""``imcap impact``: deaths averted, life-years and economic return of scaling up imaging.

    imcap impact [--country ISO3 ... | --group income|region | --world]
                 [--scenario imaging|comprehensive|PLAN.json] [--draws N] [--format table|csv|json]
                 [--xlsx FILE] [--chart FILE.html] [--db URL] [--scheduler ADDRESS]
    imcap impact calibration      the calibrated parameters and the fit to the published targets
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from imcap.cli.common import FormatOption, check_format, emit, err_console
from imcap.errors import ParameterError

app = typer.Typer(help="Impact of scaling up imaging: cancer deaths averted, life-years, "
                       "cost and return per dollar (Lancet Oncology Commission 2021 method).",
                  invoke_without_command=True)


def _plans(path: Path) -> list:
    from imcap.impact import ScaleUpPlan

    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ParameterError("cannot read the plan file", expected="a JSON plan file",
                             got=str(e), where=str(path)) from None
    docs = doc if isinstance(doc, list) else doc.get("plans", [doc]) if isinstance(doc, dict) \
        else None
    if not docs:
        raise ParameterError("not a plan file", expected="a plan object or a list of them",
                             got=type(doc).__name__, where=str(path))
    return [ScaleUpPlan.from_dict(d) for d in docs]


@app.callback()
def impact(
    ctx: typer.Context,
    country: Annotated[list[str] | None, typer.Option(
        "--country", "-c", help="ISO3 code(s): results for these countries.")] = None,
    group: Annotated[str | None, typer.Option(
        "--group", "-g", help="income (World Bank group) or region (WHO region).")] = None,
    world: Annotated[bool, typer.Option("--world", help="World total (the default).")] = False,
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", "-s", help="imaging | comprehensive | a plan JSON file; repeatable "
        "(default: imaging and comprehensive).")] = None,
    draws: Annotated[int, typer.Option("--draws", "-n", help="Probabilistic draws.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 20210301,
    fmt: FormatOption = "table",
    full: Annotated[bool, typer.Option(
        "--full", help="All columns (point, median, 2.5%, 97.5% of every output).")] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write an xlsx file.")] = None,
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="Also write an offline HTML chart.")] = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="Registry database: its current densities replace the bundled ones "
        "(default: IMCAP_DATABASE_URL if set, else bundled densities only).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Dask scheduler address to spread the draws on.")] = None,
) -> None:
    """Run the impact model (when no sub-command is given)."""
    if ctx.invoked_subcommand is not None:
        return
    from imcap.impact import builtin, from_plans, load_inputs, make_draws, simulate, summarise
    from imcap.impact.data import load_inputs_with_registry
    from imcap.impact.report import display_rows, table_rows, write_chart
    from imcap.impact.report import export_xlsx as write_xlsx

    check_format(fmt)
    chosen = [x for x in (bool(country), group is not None, world) if x]
    if len(chosen) > 1:
        raise ParameterError("choose one of --country, --group, --world",
                             expected="at most one", got=len(chosen), where="options")
    if group is not None and group not in ("income", "region"):
        raise ParameterError("unknown group", expected="income or region", got=group,
                             where="--group")
    if draws < 1 or draws > 100_000:
        raise ParameterError("bad number of draws", expected="1 to 100000", got=draws,
                             where="--draws")
    url = db or os.environ.get("IMCAP_DATABASE_URL")
    if url:
        from imcap.cli.common import open_db

        database = open_db(url)
        try:
            inp = load_inputs_with_registry(database)
        finally:
            database.dispose()
    else:
        inp = load_inputs()
    codes = [c.upper() for c in country or []]
    for c in codes:
        inp.index(c)  # NotFoundError for unknown codes
    by = "country" if codes else (group or "world")
    specs = []
    for s in scenario or ["imaging", "comprehensive"]:
        if s in ("imaging", "comprehensive", "none"):
            specs.append(builtin(s))
        else:
            specs.append(from_plans(_plans(Path(s)), inp, name=Path(s).stem))
    dr = make_draws(inp, draws, seed=seed)
    rows, notes = [], []
    for spec in specs:
        res = simulate(inp, spec, dr, scheduler=scheduler)
        rows += summarise(res, by=by, only=codes or None)
        notes += list(res.notes)
    for n in notes:
        err_console.print(f"note: {n}")
    if xlsx:
        write_xlsx(rows, xlsx, notes)
    if chart:
        write_chart(rows, chart)
    title = (f"Impact of scale-up, {draws} draws (median; 95% interval lo-hi; "
             "money in 2018 US$, discounted 3%)")
    if full:
        emit(rows, fmt, title=title)
    else:
        emit(display_rows(rows) if fmt == "table" else table_rows(rows), fmt, title=title)


@app.command("calibration")
def calibration(fmt: FormatOption = "table") -> None:
    """The calibrated parameters and how the model matches the published global results."""
    from importlib import resources

    doc = json.loads((resources.files("imcap.data") / "impact" / "calibration.json").read_text())
    rows = [{"target": k, "published": v, "model": doc["model"][k],
             "error_pct": round(100 * doc["relative_error"][k], 2)}
            for k, v in doc["targets"].items()]
    rows += [{"target": f"param {k}", "published": None, "model": v, "error_pct": None}
             for k, v in doc["params"].items()]
    emit(rows, fmt, title="Calibration to the Lancet Oncology Commission (2021)")
