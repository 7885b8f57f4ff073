"""``imcap access``: travel time, catchments and population coverage (AccessMod terms)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from imcap.access.coverage import (
    DEFAULT_THRESHOLDS,
    capacity_coverage,
    catchment_table,
    check_thresholds,
    coverage_table,
)
from imcap.access.raster import (
    Facilities,
    Grid,
    align_population,
    check_on_passable,
    check_output,
    facilities_at,
    load_facilities,
    lonlat_to_grid_crs,
    minutes_to_raster,
    rasterize_zones,
    read_raster,
    same_grid,
    write_catchment_polygons,
    write_geotiff,
)
from imcap.access.workflow import compute_travel_time, open_surface
from imcap.cli.common import (
    DbOption,
    FormatOption,
    check_format,
    emit,
    err_console,
    open_db,
    progress,
)
from imcap.errors import ParameterError, UserError
from imcap.store.db import Database

app = typer.Typer(help="Geographic access: travel time to the nearest facility, catchments, "
                       "population coverage within thresholds (like WHO AccessMod).",
                  no_args_is_help=True)

ScenarioOpt = Annotated[Path | None, typer.Option("--scenario", help="Scenario file (TOML/JSON): "
                        "land cover + roads + barriers (+ DEM), or a friction surface.")]
FrictionOpt = Annotated[Path | None, typer.Option("--friction", help="Friction surface GeoTIFF in "
                        "minutes per metre (e.g. Malaria Atlas Project).")]
FacilitiesOpt = Annotated[Path | None, typer.Option("--facilities", help="Facilities: GeoPackage/"
                          "GeoJSON/Shapefile, or CSV with x,y (raster CRS) or lon,lat.")]
CountryOpt = Annotated[str | None, typer.Option("--country", help="ISO3: take facilities with a "
                       "functional unit of --modality from the registry.")]
ModalityOpt = Annotated[str, typer.Option("--modality", help="Modality: catalogue code (CT, MRI, "
                        "XRAY, MAMMO, US, ...) or DICOM code/alias (DX, CR -> XRAY).")]


def modality_code(text: str, where: str = "--modality") -> str:
    """The catalogue code of a modality given by code, name, DICOM code or alias;
    ParameterError naming the accepted codes otherwise."""
    from imcap.domain.catalogue import MODALITIES, modality

    try:
        return modality(text).code
    except KeyError:
        codes = ", ".join(m.code for m in MODALITIES)
        raise ParameterError(f"unknown modality {text!r}", expected=f"one of {codes}",
                             got=text, where=where) from None


def _thresholds(text: str) -> tuple[float, ...]:
    try:
        return check_thresholds([float(x) for x in text.split(",") if x.strip()])
    except ValueError:
        raise ParameterError("bad thresholds", expected="minutes separated by commas",
                             got=text, where="--thresholds") from None


def _facilities(path: Path | None, country: str | None, modality: str | None,
                db: str | None, grid: Grid, capacity_field: str | None = None,
                option: str = "--facilities") -> Facilities:
    """Facilities from a file, or from the registry: those with a functional unit of
    ``modality`` (every located facility of the country when ``modality`` is None)."""
    if (path is None) == (country is None):
        raise ParameterError("give facilities", expected=f"{option} FILE or --country ISO3 "
                             "(registry)", got={option: path, "country": country})
    if path is not None:
        return load_facilities(path, grid, capacity_field=capacity_field)
    from imcap.access.registry import functional_facilities, located_facilities

    found = (functional_facilities(open_db(db), country or "", modality) if modality
             else located_facilities(open_db(db), country or ""))
    if not found:
        what = f"a functional {modality.upper()}" if modality else "coordinates"
        raise UserError("no such facility in the registry",
                        expected=f"at least one facility with {what}", got=0,
                        where=f"--country {country}")
    x, y = lonlat_to_grid_crs(np.array([f.lon for f in found]),
                              np.array([f.lat for f in found]), grid)
    return facilities_at(x, y, [f.name for f in found], grid, where="registry")


@app.command("traveltime")
def traveltime(
    out: Annotated[Path, typer.Option("--out", help="Output GeoTIFF: minutes (float32, "
                                      "nodata -1 where unreachable).")],
    scenario: ScenarioOpt = None,
    friction: FrictionOpt = None,
    facilities: FacilitiesOpt = None,
    country: CountryOpt = None,
    modality: ModalityOpt = "CT",
    catchments: Annotated[Path | None, typer.Option(
        "--catchments", help="Output GeoTIFF: nearest facility, 1-based row of the facility "
        "list (int32, nodata 0).")] = None,
    max_minutes: Annotated[float | None, typer.Option("--max-minutes", help="Stop at this "
                                                      "travel time.")] = None,
    knight: Annotated[bool, typer.Option("--knight", help="16 directions (knight's move).")]
    = False,
    catchment_polygons: Annotated[Path | None, typer.Option(
        "--catchment-polygons", help="Also write each facility's catchment as a polygon "
        "(.gpkg, .geojson or .shp) with its cells and median/greatest minutes.")] = None,
    map_html: Annotated[Path | None, typer.Option(
        "--map", help="Also write a map (offline HTML page): travel time in bands, the "
        "facilities, source, date and method.")] = None,
    thresholds: Annotated[str, typer.Option("--thresholds", help="Band limits of the map, "
                                            "minutes.")]
    = ",".join(f"{t:g}" for t in DEFAULT_THRESHOLDS),
    db: DbOption = None,
) -> None:
    """Travel time from every cell to the nearest facility (and its catchment)."""
    for path, opt in ((out, "--out"), (catchments, "--catchments"),
                      (catchment_polygons, "--catchment-polygons"), (map_html, "--map")):
        check_output(path, opt)
    sc = open_surface(scenario, friction)
    fac = _facilities(facilities, country, modality_code(modality), db, sc.grid)
    minutes, nearest = compute_travel_time(sc, fac, max_minutes=max_minutes,
                                           knight=knight or sc.knight)
    write_geotiff(out, minutes_to_raster(minutes), sc.grid, nodata=-1.0)
    if catchments is not None:
        write_geotiff(catchments, nearest + 1, sc.grid, nodata=0, dtype="int32")
    reach = np.isfinite(minutes)
    err_console.print(f"{len(fac)} facilities; {reach.mean():.1%} of cells reachable; "
                      f"median {np.median(minutes[reach]):.0f} min; wrote {out}")
    if catchment_polygons is not None:
        n = write_catchment_polygons(catchment_polygons, nearest, minutes, sc.grid, fac.names)
        err_console.print(f"wrote {n} catchment polygons to {catchment_polygons}")
    if map_html is not None:
        from imcap.reports.access_map import traveltime_figure, write_traveltime_map

        fig = traveltime_figure(minutes, sc.grid, fac, thresholds=_thresholds(thresholds),
                                title=f"Travel time to the nearest of {len(fac)} facilities")
        what = (facilities.name if facilities is not None else
                f"registry {country}: facilities with a functional {modality_code(modality)}")
        write_traveltime_map(
            map_html, fig, surface=sc.source, facilities=what,
            method="least-cost travel time (imcap.access, r.cost/MCP_Geometric move rule"
            f"{', knight' if knight or sc.knight else ''}"
            f"{', max ' + format(max_minutes, 'g') + ' min' if max_minutes else ''})",
            note="Unreachable cells are blank.")
        err_console.print(f"wrote map {map_html}")


@app.command("coverage")
def coverage(
    traveltime: Annotated[Path, typer.Option("--traveltime", help="Travel-time GeoTIFF "
                                             "(minutes) from `imcap access traveltime`.")],
    population: Annotated[Path, typer.Option("--population", help="Population GeoTIFF "
                                             "(people per cell; any grid, resampled keeping "
                                             "totals).")],
    density: Annotated[bool, typer.Option("--density", help="The population raster holds "
                                          "people per km² (e.g. WorldPop density).")] = False,
    zones: Annotated[Path | None, typer.Option("--zones", help="Zone polygons for zonal "
                                               "statistics.")] = None,
    zone_field: Annotated[str | None, typer.Option("--zone-field", help="Zone name column.")]
    = None,
    catchments: Annotated[Path | None, typer.Option("--catchments", help="Catchment GeoTIFF: "
                                                    "add one row per facility.")] = None,
    facilities: FacilitiesOpt = None,
    thresholds: Annotated[str, typer.Option("--thresholds", help="Minutes, comma-separated.")]
    = ",".join(f"{t:g}" for t in DEFAULT_THRESHOLDS),
    store: Annotated[bool, typer.Option("--store", help="Store the national figures as "
                                        "indicators (needs --country, --modality, --year).")]
    = False,
    country: Annotated[str | None, typer.Option("--country", help="ISO3 for --store.")] = None,
    modality: ModalityOpt = "CT",
    year: Annotated[int | None, typer.Option("--year", help="Year for --store.")] = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Population and share within each threshold: national, per zone, per catchment."""
    check_format(fmt)
    ts = _thresholds(thresholds)
    minutes, grid = read_raster(traveltime, what="travel-time raster")
    minutes[~(minutes >= 0)] = np.inf
    pop, pgrid = read_raster(population, what="population raster")
    # people go onto cells the travel-time raster has a value for (not the sea)
    people = align_population(pop, pgrid, grid, density=density, passable=np.isfinite(minutes))
    zone_idx, names = (None, None)
    if zones is not None:
        if not zone_field:
            raise ParameterError("--zones needs --zone-field", expected="a column name",
                                 got=None, where="--zone-field")
        zone_idx, names = rasterize_zones(zones, zone_field, grid)
    rows = coverage_table(minutes, people, ts, zones=zone_idx, zone_names=names)
    n_catch = None
    if catchments is not None:
        lab, cgrid = read_raster(catchments, what="catchment raster")
        same_grid(grid, cgrid, "--catchments")
        nearest = np.where(np.isfinite(lab), lab, 0).astype(np.int64) - 1
        n = int(nearest.max()) + 1
        fnames = (load_facilities(facilities, grid).names if facilities is not None
                  else [f"facility {i + 1}" for i in range(n)])
        n_catch = int(np.unique(nearest[nearest >= 0]).size)
        for r in catchment_table(minutes, nearest, people, fnames, ts):
            r["area"] = f"catchment: {r.pop('facility')}"
            rows.append(r)
    if store:
        if not (country and year):
            raise ParameterError("--store needs --country and --year", expected="both",
                                 got={"country": country, "year": year}, where="--store")
        rows += _store_rows(open_db(db), country, modality_code(modality), year, rows, ts,
                            minutes, people, grid, traveltime=traveltime, population=population,
                            facilities=facilities, catchment_rows=n_catch)
    emit(rows, fmt, title="Population within travel time")


def _store_rows(dbh: Database, country: str, modality: str, year: int,
                rows: list[dict[str, object]], ts: tuple[float, ...], minutes: np.ndarray,
                people: np.ndarray, grid: Grid, *, traveltime: Path, population: Path,
                facilities: Path | None, catchment_rows: int | None) -> list[dict[str, object]]:
    """Store national and registry-area rows; returns the area rows (for the output table).
    Facility count: the --facilities file, else the facilities present in --catchments, else
    the registry's facilities with a functional unit of the modality."""
    from imcap.access.registry import (
        area_coverage_rows,
        country_areas,
        functional_facilities,
        store_coverage,
    )

    if facilities is not None:
        n_fac, what = len(load_facilities(facilities, grid)), f"facilities {facilities.name}"
    elif catchment_rows is not None:
        n_fac, what = catchment_rows, "facilities of the catchment raster"
    else:
        n_fac = len(functional_facilities(dbh, country, modality))
        what = f"registry facilities ({n_fac} with a functional {modality.upper()})"
    area_rows = area_coverage_rows(minutes, people, grid, country_areas(dbh, country), ts)
    n = store_coverage(dbh, country, modality, year, [rows[0], *area_rows], ts,
                       source=f"imcap access: {traveltime.name}; population {population.name}; "
                              f"{what}", n_facilities=n_fac)
    err_console.print(f"stored {n} indicator value(s) for {country.upper()} {year} "
                      f"(national and {len(area_rows)} area(s))")
    for r in area_rows:
        r["area"] = f"area: {r['area']}"
    return area_rows


@app.command("indicators")
def indicators(
    population: Annotated[Path, typer.Option("--population", help="Population GeoTIFF "
                                             "(people per cell; any grid).")],
    country: Annotated[str, typer.Option("--country", help="ISO3 code(s), comma-separated.")],
    year: Annotated[int, typer.Option("--year", help="Year of the stored indicators.")],
    modality: Annotated[str, typer.Option("--modality", help="Modality code(s), "
                                          "comma-separated (CT,MRI,XRAY...; DICOM codes "
                                          "such as DX or CR accepted).")] = "CT",
    scenario: ScenarioOpt = None,
    friction: FrictionOpt = None,
    density: Annotated[bool, typer.Option("--density", help="Population in people per km².")]
    = False,
    thresholds: Annotated[str, typer.Option("--thresholds", help="Minutes, comma-separated.")]
    = ",".join(f"{t:g}" for t in DEFAULT_THRESHOLDS),
    max_minutes: Annotated[float | None, typer.Option("--max-minutes", help="Stop the search "
                                                      "at this travel time.")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Run the (country, "
                         "modality) jobs on Dask: 'local' (a LocalCluster) or a scheduler "
                         "address (tcp://host:8786).")] = None,
    store: Annotated[bool, typer.Option("--store/--no-store", help="Store the indicators.")]
    = True,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Registry coverage indicators: national and per area, for each country and modality."""
    from imcap.access.batch import Surface, registry_coverage

    check_format(fmt)
    ts = _thresholds(thresholds)
    open_surface(scenario, friction)  # one clear error before any job starts
    surface = Surface(str(population), str(friction) if friction else None,
                      str(scenario) if scenario else None, density, max_minutes)
    mods = [modality_code(m) for m in _codes(modality)]
    results = registry_coverage(open_db(db), _codes(country), mods, year, surface,
                                ts, store=store, scheduler=scheduler)
    out = []
    for r in results:
        for row in r.rows:
            out.append({"country": r.iso3, "modality": r.modality, "facilities": r.n_facilities,
                        **{k: v for k, v in row.items() if k != "level"}})
        if store:
            err_console.print(f"{r.iso3} {r.modality}: stored {r.stored} indicator value(s)")
    emit(out, fmt, title="Population within travel time (registry)")


@app.command("referral")
def referral(
    scenario: ScenarioOpt = None,
    friction: FrictionOpt = None,
    origins: Annotated[Path | None, typer.Option("--from", help="Origin facilities (file), "
                                                 "e.g. district hospitals.")] = None,
    destinations: Annotated[Path | None, typer.Option("--to", help="Destination facilities "
                                                      "(file), e.g. CT centres.")] = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO3: take the facilities "
                                                "from the registry.")] = None,
    from_modality: Annotated[str | None, typer.Option(
        "--from-modality", help="Registry origins: facilities with a functional unit of this "
        "modality (default: every located facility).")] = None,
    to_modality: Annotated[str | None, typer.Option(
        "--to-modality", help="Registry destinations: facilities with a functional unit of "
        "this modality (default CT).")] = None,
    matrix: Annotated[bool, typer.Option("--matrix", help="Every origin x destination pair, "
                                         "not only the nearest destination.")] = False,
    max_minutes: Annotated[float | None, typer.Option("--max-minutes", help="Farthest "
                                                      "referral searched.")] = None,
    knight: Annotated[bool, typer.Option("--knight", help="16 directions.")] = False,
    thresholds: Annotated[str, typer.Option("--thresholds", help="Minutes for the summary.")]
    = ",".join(f"{t:g}" for t in DEFAULT_THRESHOLDS),
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Referral time and path length from each origin facility to the nearest destination
    (or to every destination with --matrix), with a summary on stderr."""
    from imcap.access.referral import referral_times, summarise

    check_format(fmt)
    ts = _thresholds(thresholds)
    sc = open_surface(scenario, friction)
    if country is None and (origins is None or destinations is None):
        raise ParameterError("give origins and destinations", expected="--from FILE and "
                             "--to FILE, or --country ISO3 (registry)",
                             got={"from": origins, "to": destinations, "country": country})
    unused = {opt: val for opt, val, clash in (
        ("--country", country, origins is not None and destinations is not None),
        ("--from-modality", from_modality, origins is not None),
        ("--to-modality", to_modality, destinations is not None)) if val and clash}
    if unused:
        raise ParameterError("options that would be ignored", expected="--country and "
                             "--from/--to-modality only for facilities taken from the registry",
                             got=unused)
    ori = _facilities(origins, None if origins else country,
                      modality_code(from_modality, "--from-modality") if from_modality else None,
                      db, sc.grid, option="--from")
    dst = _facilities(destinations, None if destinations else country,
                      modality_code(to_modality or "CT", "--to-modality"), db, sc.grid,
                      option="--to")
    with progress(transient=True) as bar:
        task = bar.add_task(f"referral: {len(ori)} origins, {len(dst)} destinations",
                            total=len(dst) if matrix else 1)
        refs = referral_times(sc, ori, dst, max_minutes=max_minutes,
                              knight=knight or sc.knight, matrix=matrix,
                              on_progress=lambda done, _n: bar.update(task, completed=done))
    emit([r.as_row() for r in refs], fmt, title="Referral time (minutes) and path length (km)")
    summary = summarise(refs, ts)
    err_console.print("; ".join(f"{k} {v}" for k, v in summary.items()))


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.split(",") if c.strip()]


@app.command("capacity")
def capacity(
    population: Annotated[Path, typer.Option("--population", help="Population GeoTIFF.")],
    capacity_field: Annotated[str, typer.Option("--capacity-field", help="Facility column: "
                                                "people each facility can serve.")],
    facilities: FacilitiesOpt = None,
    scenario: ScenarioOpt = None,
    friction: FrictionOpt = None,
    max_minutes: Annotated[float, typer.Option("--max-minutes", help="Farthest a facility "
                                               "serves.")] = 120.0,
    order: Annotated[str, typer.Option("--order", help="capacity (largest first) or input.")]
    = "capacity",
    density: Annotated[bool, typer.Option("--density", help="Population in people per km².")]
    = False,
    fmt: FormatOption = "table",
) -> None:
    """Capacity-limited coverage: each facility serves its nearest people up to capacity."""
    check_format(fmt)
    sc = open_surface(scenario, friction)
    if facilities is None:
        raise ParameterError("--facilities is required", expected="a facility file", got=None)
    fac = load_facilities(facilities, sc.grid, capacity_field=capacity_field)
    check_on_passable(fac, sc.cost)
    pop, pgrid = read_raster(population, what="population raster")
    people = align_population(pop, pgrid, sc.grid, density=density,
                              passable=np.isfinite(sc.cost) & (sc.cost >= 0))
    res = capacity_coverage(sc.cost, sc.grid.cell_size(), people, fac.rows, fac.cols,
                            fac.capacity, max_minutes=max_minutes, order=order,  # type: ignore[arg-type]
                            knight=sc.knight)
    rows = [{"facility": fac.names[i], "capacity": float(res.capacity[i]),
             "served": float(res.served[i]), "max_minutes_served": float(res.max_minutes_served[i])}
            for i in res.order]
    rows.append({"facility": "unserved", "capacity": None, "served": res.unserved,
                 "max_minutes_served": None})
    emit(rows, fmt, title=f"Capacity-limited coverage within {max_minutes:g} min")
