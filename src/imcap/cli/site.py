"""``imcap site``: where to put new imaging units (or which facilities to upgrade).

One command (a Typer app whose callback runs it). Inputs come from files
(``--friction --population --candidates [--existing]``), from the registry
(``--country --modality [--level]`` with ``--friction --population``), from an access scenario
file (``--scenario S.toml|S.json``, AccessMod-style, see :mod:`imcap.access.scenario`: its
friction surface — ready or built from land cover, roads and barriers — and its optional
``population``, ``facilities`` (existing sites) and ``max_minutes``), or from a stored scenario
(``--scenario NAME``: its ``inputs`` hold the same option names; results are written back to
the scenario). The model is maximal covering (``--sites p`` and/or ``--budget B``) or set
covering (``--cover 0.9``); ``--exact`` solves with HiGHS (``--time-limit``), ``--iterative``
runs the AccessMod-style scaling-up.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from imcap.cli.common import DbOption, FormatOption, emit, open_db, progress
from imcap.errors import NotFoundError, ParameterError

app = typer.Typer()

Opt = typer.Option
_DEFAULT_MINUTES = 120.0


@app.command("site")
def site_command(
    scenario: Annotated[str | None, Opt(help="Access scenario file (.toml/.json, AccessMod "
                                        "style) or the name of a stored scenario.")] = None,
    friction: Annotated[str | None, Opt(help="Friction GeoTIFF (minutes per metre).")] = None,
    population: Annotated[str | None, Opt(help="Population GeoTIFF (people per cell).")] = None,
    population_density: Annotated[bool, Opt(help="Population is people per km².")] = False,
    existing: Annotated[str | None, Opt(help="Existing sites (always open): GeoJSON/GPKG/CSV.")
                        ] = None,
    candidates: Annotated[str | None, Opt(help="Candidate sites file.")] = None,
    country: Annotated[str | None, Opt(help="Registry: ISO3 country.")] = None,
    modality: Annotated[str, Opt(help="Registry: modality (CT, MRI, XRAY, ...; DICOM codes "
                                 "such as DX or CR accepted).")] = "CT",
    level: Annotated[list[str] | None, Opt(help="Registry: candidate facility level(s).")
                     ] = None,
    max_minutes: Annotated[float, Opt(help="Travel-time threshold (minutes).")
                           ] = _DEFAULT_MINUTES,
    radius_km: Annotated[float | None, Opt(help="Straight-line coverage instead (km).")] = None,
    sites: Annotated[int | None, Opt(help="New sites to choose (maximal covering).")] = None,
    cover: Annotated[float | None, Opt(help="Share of people to cover (set covering).")] = None,
    budget: Annotated[float | None, Opt(help="Budget for new sites (with --cost-field).")
                      ] = None,
    cost_field: Annotated[str | None, Opt(help="Candidate column with the cost.")] = None,
    capacity_field: Annotated[str | None, Opt(help="Column with site capacity (people).")
                              ] = None,
    exact: Annotated[bool, Opt(help="Solve exactly with HiGHS.")] = False,
    time_limit: Annotated[float, Opt(help="Time limit of the solver (s).")] = 60.0,
    iterative: Annotated[bool, Opt(help="AccessMod-style iterative scaling-up.")] = False,
    people_per_unit: Annotated[float | None, Opt(help="Registry: people one unit serves.")
                               ] = None,
    workers: Annotated[int | None, Opt(help="Processes for the matrix (default: all CPUs).")
                       ] = None,
    scheduler: Annotated[str | None, Opt(help="Dask scheduler address for the matrix.")
                         ] = None,
    out: Annotated[str | None, Opt(help="Write chosen sites to .csv or .geojson.")] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Where to put new imaging units: maximal / set covering with a proven gap.

    Prints the summary (covered population, upper bound, gap) and the chosen sites."""
    opts: dict[str, Any] = dict(
        friction=friction, population=population, population_density=population_density,
        existing=existing, candidates=candidates, country=country, modality=modality,
        level=level, max_minutes=max_minutes, radius_km=radius_km, sites=sites, cover=cover,
        budget=budget, cost_field=cost_field, capacity_field=capacity_field, exact=exact,
        time_limit=time_limit, iterative=iterative, people_per_unit=people_per_unit)
    stored = scenario if scenario and not _is_scenario_file(scenario) else None
    with tempfile.TemporaryDirectory(prefix="imcap-site-") as tmp:
        if scenario and not stored:
            opts.update(_scenario_file_inputs(scenario, Path(tmp), opts))
        elif stored:
            opts.update(_scenario_inputs(db, stored))
        result, table = run_siting(opts, db=db, workers=workers, scheduler=scheduler)
    rows = site_rows(result, table)
    emit([{k: (v if not isinstance(v, float) or math.isfinite(v) else None)
           for k, v in result.summary().items()}], fmt, title="Siting")
    emit(rows, fmt, title="Chosen sites")
    if out:
        from imcap.siting.geo import write_result

        write_result(out, rows)
    if stored:
        _store_results(db, stored, result)


def run_siting(opts: dict[str, Any], *, db: str | None = None, workers: int | None = None,
               scheduler: str | None = None) -> tuple[Any, Any]:
    """Build the problem from ``opts`` and solve it. Returns (SitingResult, SiteTable)."""
    from imcap.siting import iterative_scale_up, max_cover, set_cover
    from imcap.siting.geo import build_problem, concat, sites_from_file, sites_from_points

    if not opts.get("friction") or not opts.get("population"):
        raise ParameterError("friction and population rasters are needed",
                             expected="--friction F.tif --population P.tif",
                             got={k: opts.get(k) for k in ("friction", "population")})
    n_modes = sum(x is not None for x in (opts.get("sites"), opts.get("cover")))
    if not opts.get("iterative") and n_modes != 1 and opts.get("budget") is None:
        raise ParameterError("choose one model", expected="--sites p or --cover share "
                             "(or --budget B, or --iterative)", got="none or both")
    reg = None
    if opts.get("country"):
        from imcap.cli.access import modality_code
        from imcap.siting.registry import registry_sites

        reg = registry_sites(open_db(db), opts["country"],
                             modality_code(opts.get("modality") or "CT"),
                             opts.get("level") or ["district_hospital"])

        def make_sites(grid: Any) -> Any:
            return sites_from_points(grid, [str(i) for i in reg.ids], reg.names, reg.lon,
                                     reg.lat, reg.fixed)
    else:
        if not opts.get("candidates"):
            raise ParameterError("no candidates", expected="--candidates FILE or --country",
                                 got=None)

        def make_sites(grid: Any) -> Any:
            cand = sites_from_file(opts["candidates"], grid, fixed=False,
                                   cost_field=opts.get("cost_field"),
                                   capacity_field=opts.get("capacity_field"))
            if opts.get("existing"):
                ex = sites_from_file(opts["existing"], grid, fixed=True,
                                     capacity_field=opts.get("capacity_field"))
                return concat(ex, cand)
            return cand

    def checked_sites(grid: Any) -> Any:
        """The sites, refusing ``--sites p`` above the candidates before the matrix is built
        (minutes on a large raster) rather than after."""
        from imcap.siting.greedy import check_site_count

        table = make_sites(grid)
        p = opts.get("sites")
        if p is not None and not opts.get("iterative") and opts.get("cover") is None:
            check_site_count(int(p), table.fixed)
        return table

    with progress() as bar:
        task = bar.add_task("coverage matrix (sites)", total=None)

        def tick(done: int) -> None:
            bar.update(task, completed=done)

        problem, table, _ = build_problem(
            opts["friction"], opts["population"], checked_sites, max_minutes=opts["max_minutes"],
            radius_km=opts.get("radius_km"),
            population_density=bool(opts.get("population_density")),
            workers=workers, scheduler=scheduler, on_progress=tick)
        bar.update(task, total=len(table), completed=len(table))
    method = "exact" if opts.get("exact") else "greedy"
    if opts.get("iterative"):
        result = iterative_scale_up(problem, max_sites=opts.get("sites"),
                                    target_share=opts.get("cover"))
    elif opts.get("cover") is not None:
        result = set_cover(problem, float(opts["cover"]), method=method,
                           time_limit=opts.get("time_limit"))
    else:
        p = opts.get("sites")
        if p is None:
            p = int((~problem.fixed).sum())
        result = max_cover(problem, int(p), budget=opts.get("budget"), method=method,
                           time_limit=opts.get("time_limit"))
    if reg is not None:
        from imcap.siting.registry import upgrades

        result = upgrades(result, reg, opts.get("people_per_unit"))
    return result, table


def site_rows(result: Any, table: Any) -> list[dict[str, Any]]:
    """One row per chosen site: rank, id, name, lon, lat, people served, cost, units."""
    units = {str(u.facility_id): u.units for u in result.upgrades}
    rows = []
    for rank, (j, people) in enumerate(zip(result.chosen, result.site_people, strict=True), 1):
        row = {"rank": rank, "id": table.ids[j], "name": table.names[j],
               "lon": round(float(table.lon[j]), 6), "lat": round(float(table.lat[j]), 6),
               "people": round(float(people), 1)}
        if table.costs is not None:
            row["cost"] = float(table.costs[j])
        if result.upgrades:
            row["modality"] = result.upgrades[0].modality
            row["units"] = units.get(table.ids[j], 1)
        rows.append(row)
    return rows


def _is_scenario_file(value: str) -> bool:
    return value.lower().endswith((".toml", ".json"))


def _scenario_file_inputs(path: str, tmp: Path, opts: dict[str, Any]) -> dict[str, Any]:
    """Options from an access scenario file: its friction surface (built and written to a
    temporary GeoTIFF in ``tmp``), and its population, facilities and max_minutes where the
    command line did not give them."""
    from imcap.access.raster import write_geotiff
    from imcap.access.scenario import load_scenario, read_scenario_file

    if not Path(path).is_file():
        raise ParameterError("scenario file not found", expected="an existing .toml or .json "
                             "access scenario file", got=path, where="--scenario")
    spec = read_scenario_file(path)
    sc = load_scenario(path)
    if sc.dem is not None or sc.knight:
        raise ParameterError("siting uses isotropic 8-neighbour travel time",
                             expected="a scenario without dem/anisotropic or knight",
                             got={"anisotropic": sc.dem is not None, "knight": sc.knight},
                             where=path)
    friction = tmp / "friction.tif"
    write_geotiff(friction, sc.cost, sc.grid, nodata=float("nan"))
    base = Path(path).parent
    out: dict[str, Any] = {"friction": str(friction)}
    if not opts.get("population") and spec.get("population"):
        out["population"] = str(base / spec["population"])
    if not opts.get("existing") and spec.get("facilities"):
        out["existing"] = str(base / spec["facilities"])
    if sc.max_minutes is not None and opts.get("max_minutes") == _DEFAULT_MINUTES:
        out["max_minutes"] = float(sc.max_minutes)
    return out


def _scenario_inputs(db: str | None, name: str) -> dict[str, Any]:
    from sqlalchemy import select

    from imcap.store.schema import Scenario

    with open_db(db).session() as s:
        sc = s.scalars(select(Scenario).where(Scenario.name == name)).first()
        if sc is None:
            raise NotFoundError("scenario not found", expected="a stored scenario name",
                                got=name, where="--scenario")
        inputs = dict(sc.inputs or {})
    return inputs.get("siting", inputs)


def _store_results(db: str | None, name: str, result: Any) -> None:
    from sqlalchemy import select

    from imcap.store.schema import Scenario

    with open_db(db).session() as s:
        sc = s.scalars(select(Scenario).where(Scenario.name == name)).one()
        results = dict(sc.results or {})
        results["siting"] = {**result.summary(), "chosen": list(result.labels),
                             "planner_items": [list(t) for t in result.planner_items()]}
        sc.results = results
