"""``imcap plan``: needs assessment, investment case, scenario comparison."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated

import typer

from imcap.cli.common import DbOption, FormatOption, check_format, console, emit, open_db
from imcap.errors import ParameterError
from imcap.planning.needs import METHODS, TARGETS, assess_needs
from imcap.planning.parameters import load_parameters

app = typer.Typer(help="Needs assessment and costed, phased investment case (WHA78.13).",
                  no_args_is_help=True)


def _target(text: str) -> str | float:
    if text in TARGETS:
        return text
    try:
        return float(text)
    except ValueError:
        raise ParameterError("unknown target", expected=" | ".join(TARGETS) + " or a number "
                             "per million", got=text, where="--target") from None


def _rows(df) -> list[dict]:  # type: ignore[no-untyped-def]
    return [{str(k): (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in r.items()} for r in df.to_dict(orient="records")]


@app.command()
def needs(
    iso3: Annotated[str, typer.Argument(help="Country ISO3 code, e.g. KEN.")],
    target: Annotated[str, typer.Option(help="next_income_median | income_median | hic_mean "
                                        "| a density per million.")] = "next_income_median",
    year: Annotated[int, typer.Option(help="Target year.")] = 2030,
    base_year: Annotated[int | None, typer.Option(help="Year of the current situation "
                                                  "(default: this year).")] = None,
    modality: Annotated[list[str] | None, typer.Option(help="Modality (repeatable).")] = None,
    method: Annotated[str, typer.Option(help="benchmark | demand | max.")] = "benchmark",
    by_area: Annotated[bool, typer.Option("--by-area", help="Per-area minimum and table.")]
    = False,
    min_units: Annotated[int, typer.Option(help="Per-area minimum functional units.")] = 1,
    min_population: Annotated[float, typer.Option(help="Areas at least this populous get "
                                                  "the minimum.")] = 500_000,
    parameters: Annotated[str | None, typer.Option(help="Parameter override file "
                                                   "(CSV or TOML).")] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Units and staff needed by the target year, and the gap to what works today."""
    check_format(fmt)
    if method not in METHODS:
        raise ParameterError("unknown method", expected=" | ".join(METHODS), got=method,
                             where="--method")
    base = base_year or dt.date.today().year
    mods = tuple(m.upper() for m in (modality or ["CT", "MRI"]))
    res = assess_needs(open_db(db), iso3, table=load_parameters(parameters), base_year=base,
                       target_year=year, target=_target(target), method=method,
                       modalities=mods, by_area=by_area, min_units=min_units,
                       min_population=min_population)
    cols = ["modality", "population", "functional", "target_per_million",
            "benchmark_required", "demand_required", "repair", "replace_beyond_repair",
            "replace_aged", "gap", "area_minimum_extra", "new_units"]
    if fmt != "table":
        cols += ["target_basis", "functional_source"]
    emit(_rows(res.national), fmt, title=f"{res.iso3} ({res.income_group}) needs by {year}, "
         f"target {res.target}, method {res.method}", columns=cols)
    if by_area and not res.areas.empty:
        emit(_rows(res.areas), fmt, title="by area")
    emit(_rows(res.workforce), fmt, title="workforce")
    if fmt == "table":
        for r in res.national.itertuples():
            console.print(f"{r.modality}: target {r.target_basis}; functional units: "
                          f"{r.functional_source}")
        for n in res.notes:
            console.print(f"note: {n}")


@app.command()
def invest(
    iso3: Annotated[str, typer.Argument(help="Country ISO3 code (must match the scenario).")],
    scenario: Annotated[str, typer.Option(help="Scenario TOML file.")],
    draws: Annotated[int, typer.Option(help="Probabilistic draws (0: none).")] = 0,
    seed: Annotated[int, typer.Option(help="Random seed of the draws.")] = 20250513,
    out: Annotated[str | None, typer.Option(help="Write plan.xlsx or plan.csv.")] = None,
    save: Annotated[bool, typer.Option(help="Save the scenario in the store.")] = True,
    impact_plan: Annotated[str | None, typer.Option(help="Also write the plan as JSON for "
                                                    "`imcap impact` (units added, costs).")]
    = None,
    siting: Annotated[str | None, typer.Option(help="Stored siting scenario (`imcap site "
                                               "--scenario NAME`) whose units to buy, "
                                               "where it puts them.")] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Costed, phased investment case of a scenario; saved in the store by name."""
    from imcap.planning.export import write
    from imcap.planning.scenario import load_scenario, run_scenario, save_run

    check_format(fmt)
    sc = load_scenario(scenario)
    if sc.country != iso3.upper():
        raise ParameterError("the scenario is for another country", expected=iso3.upper(),
                             got=sc.country, where=scenario)
    if siting:
        sc = sc.with_siting(siting)
    d = open_db(db)
    run = run_scenario(d, sc, draws=draws, seed=seed)
    if save:
        save_run(d, run)
    s = run.case.summary
    rows = [{"measure": k, "value": v} for k, v in s.items()]
    if run.uncertainty is not None:
        for r in run.uncertainty["intervals"].itertuples():
            if r.measure in ("total", "npv"):
                rows.append({"measure": f"{r.measure} 95% interval",
                             "value": f"{r.p2_5:,.0f} - {r.p97_5:,.0f}"})
    emit(rows, fmt, title=f"investment case {sc.name} ({sc.country})")
    if fmt == "table":
        emit(_rows(run.case.by_line().reset_index()), fmt, title="cost by line and year (US$)")
        if run.placements is not None:
            by_area = (run.placements.groupby(["area", "modality"], dropna=False)
                       .agg(facilities=("facility_id", "nunique"), units=("units", "sum"))
                       .reset_index())
            emit(_rows(by_area), fmt, title="units placed by the siting step, by area")
        emit(_rows(run.feasibility), fmt, title="feasibility")
    if impact_plan:
        import json
        from pathlib import Path

        from imcap.planning.case import to_impact_plan

        Path(impact_plan).write_text(json.dumps(to_impact_plan(run.case), indent=1),
                                     encoding="utf-8")
    if out:
        for p in write(run, out):
            if fmt == "table":
                console.print(f"wrote {p}")


@app.command()
def compare(
    names: Annotated[list[str], typer.Argument(help="Names of saved plan scenarios.")],
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Saved plan scenarios side by side."""
    from imcap.planning.scenario import compare as compare_saved

    df = compare_saved(open_db(db), list(names)).reset_index()
    emit(_rows(df), fmt, title="plan scenarios")


@app.command("parameters")
def parameters_cmd(
    parameters: Annotated[str | None, typer.Option(help="Override file to apply.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """The planning parameter table (bundled, with overrides applied)."""
    t = load_parameters(parameters)
    emit(t.to_records(), fmt, title=f"planning parameters {t.version}",
         columns=["parameter", "modality", "income_group", "cadre", "low", "central", "high",
                  "unit", "basis", "source"])
