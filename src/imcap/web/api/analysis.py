"""Analysis resources: country profiles, indicators, benchmarks, access results, scenarios."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from imcap.errors import ConflictError, NotFoundError, ParameterError
from imcap.indicators import compute
from imcap.reports.impact_summary import country_impact, with_impact
from imcap.reports.profile import (
    benchmark_table,
    benchmarks,
    benchmarks_from_table,
    country_profile,
    national_table,
)
from imcap.store.repo import row_dict
from imcap.store.schema import IndicatorValue, Scenario
from imcap.web import cache as vcache
from imcap.web import editing
from imcap.web.api.models import ISO3, ScenarioIn, ScenarioPatch
from imcap.web.auth.audit import audit
from imcap.web.auth.policy import Principal, require
from imcap.web.deps import (
    Page,
    client_ip,
    db_of,
    etag,
    expected_version,
    jsonable,
    listing,
    page_limit,
    paging,
    reader,
    registry_reader,
    session,
)

router = APIRouter()
YEAR = Query(None, ge=1950, le=2100, description="reference year (default: latest)")

INDICATOR_COLUMNS = ("indicator", "country_iso3", "area_id", "year", "item", "value",
                     "numerator", "denominator", "unit", "source", "source_date", "method",
                     "synthetic")


def cached_national(request: Request, gen: tuple) -> Any:
    """National indicator rows of every country (what benchmarks and gaps come from)."""
    return request.app.state.cache.get(("national", gen),
                                       lambda: national_table(db_of(request)))


def cached_bench_table(request: Request, gen: tuple) -> Any:
    return request.app.state.cache.get(("bench", gen), lambda: benchmark_table(
        db_of(request), cached_national(request, gen)))


def cached_profile(request: Request, s: Any, iso3: str, year: int | None) -> dict[str, Any]:
    """The country profile plus the impact estimate of scaling up imaging
    (:func:`imcap.reports.impact_summary.country_impact`, cited in the sources)."""
    iso3 = iso3.upper()
    gen = vcache.generation(request, s)

    def make() -> dict[str, Any]:
        prof = country_profile(s, iso3, year, db=db_of(request),
                               bench_table=cached_bench_table(request, gen),
                               national=cached_national(request, gen))
        imp = request.app.state.cache.get(("impact", iso3, gen),
                                          lambda: country_impact(db_of(request), iso3))
        return jsonable(with_impact(prof, imp))  # type: ignore[no-any-return]

    return request.app.state.cache.get(("profile", iso3, year, gen), make)  # type: ignore


def indicator_rows(request: Request, s: Any, iso3: str | None, year: int | None
                   ) -> list[dict[str, Any]]:
    """Indicator rows of :func:`imcap.indicators.compute` (cached per data generation)."""
    key = ("indicators", iso3, year, vcache.generation(request, s))

    def make() -> list[dict[str, Any]]:
        df = compute(db_of(request), country=iso3, year=year)
        return jsonable(df.to_dict("records"))  # type: ignore[no-any-return]

    return request.app.state.cache.get(key, make)  # type: ignore[no-any-return]


def _json_response(request: Request, body: bytes, tag: str) -> Response:
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(body, media_type="application/json", headers={"ETag": tag})


def cached_json(request: Request, key: tuple, make: Any) -> Response:
    """A JSON body serialised once per data generation, with an ETag (304 when unchanged)."""
    def build() -> tuple[bytes, str]:
        body = json.dumps(make(), separators=(",", ":")).encode()
        return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    body, tag = request.app.state.cache.get(key, build)
    return _json_response(request, body, tag)


async def served_json(request: Request, key: tuple, slow: Any) -> Response:
    """The hot path of the cached JSON endpoints, on the event loop: when the generation is
    fresh and the body of ``(*key, generation)`` is cached, answer its bytes (or 304) without
    touching the database or the threadpool; otherwise run ``slow()`` (which computes,
    caches and answers) in the threadpool."""
    gen = vcache.Generation.of(db_of(request)).fresh()
    if gen is not None:
        hit = request.app.state.cache.peek(("json", *key, gen))
        if hit is not None:
            return _json_response(request, *hit)
    return await run_in_threadpool(slow)  # type: ignore[no-any-return]


@router.get("/countries/{iso3}/profile", tags=["analysis"], summary="Country profile")
async def profile(request: Request, iso3: str = ISO3, year: int | None = YEAR,
                  _p: Principal = Depends(reader)) -> Response:
    key = ("profile", iso3.upper(), year)

    def slow() -> Response:
        with session(request) as s:
            gen = vcache.generation(request, s)
            return cached_json(request, ("json", *key, gen),
                               lambda: cached_profile(request, s, iso3, year))

    return await served_json(request, key, slow)


@router.get("/indicators", tags=["analysis"], summary="Indicators (densities, coverage...)")
async def indicators(request: Request, page: Page = Depends(paging),
                     _p: Principal = Depends(reader),
                     country: str = Query(..., min_length=3, max_length=3),
                     year: int | None = YEAR,
                     indicator: str | None = Query(None, max_length=80),
                     item: str | None = Query(None, max_length=20)) -> Response:
    as_json = page.format == "json" and "text/csv" not in request.headers.get("accept", "")
    key = ("indicators", str(request.url.query))

    def slow() -> Response:
        with session(request) as s:
            gen = vcache.generation(request, s)

            def select_rows() -> tuple[list[dict[str, Any]], int]:
                editing.get_country(s, country)
                rows = indicator_rows(request, s, country.upper(), year)
                if indicator:
                    rows = [r for r in rows if r.get("indicator") == indicator]
                if item:
                    rows = [r for r in rows if str(r.get("item")).upper() == item.upper()]
                lim = page_limit(request, page)
                return rows[page.offset:page.offset + lim], len(rows)

            if as_json:
                def body() -> dict[str, Any]:
                    rows, total = select_rows()
                    return {"items": rows, "total": total, "limit": page.limit,
                            "offset": page.offset}
                return cached_json(request, ("json", *key, gen), body)
            rows, total = select_rows()
        return listing(request, rows, page, total, INDICATOR_COLUMNS)

    if not as_json:
        return await run_in_threadpool(slow)  # type: ignore[no-any-return]
    return await served_json(request, key, slow)


@router.get("/benchmarks", tags=["analysis"], summary="Income-group and region medians")
def get_benchmarks(request: Request, page: Page = Depends(paging), _p: Principal = Depends(reader),
                   country: str = Query(..., min_length=3, max_length=3)):
    with session(request) as s:
        c = editing.get_country(s, country)
        table = cached_bench_table(request, vcache.generation(request, s))
        b = benchmarks_from_table(table, c) if table is not None else benchmarks(s, c)
    rows = [{"modality": m, "country_iso3": c.iso3, "income_group": c.income_group,
             "who_region": c.who_region, "income_group_median": v["income_group"],
             "income_group_n": v["income_group_n"], "region_median": v["region"],
             "region_n": v["region_n"], "source": v["source"]} for m, v in b.items()]
    return listing(request, rows, page, len(rows))


@router.get("/access", tags=["analysis"], summary="Stored access results (coverage)")
def access_results(request: Request, page: Page = Depends(paging), _p: Principal = Depends(reader),
                   country: str | None = Query(None, min_length=3, max_length=3),
                   indicator: str | None = Query(None, max_length=80)):
    with session(request) as s:
        stmt = select(IndicatorValue).order_by(IndicatorValue.id)
        if country:
            stmt = stmt.where(IndicatorValue.country_iso3 == country.upper())
        if indicator:
            stmt = stmt.where(IndicatorValue.indicator == indicator)
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.limit(page_limit(request, page)).offset(page.offset))
        return listing(request, [row_dict(r) for r in rows], page, int(total or 0))


# ----------------------------------------------------------------------------- scenarios

SERVER_FILE_KEYS = ("parameters", "siting")


def run_scenario(request: Request, sc: Scenario) -> dict[str, Any]:
    """Run a ``plan`` scenario with :mod:`imcap.planning` and return its JSON results.

    ``inputs`` is the scenario file as a dict (the TOML of docs/planning.md, or
    ``{"file": {...}}`` as ``imcap plan`` stores it); ``name`` and ``country`` default to the
    scenario's own. Keys naming files on the server (``parameters``, ``siting``) are refused:
    an API client must not make the server read its files."""
    from imcap.planning import scenario as planning

    if sc.kind != planning.KIND:
        raise ParameterError("only plan scenarios can be run through the API",
                             expected=f"kind = {planning.KIND!r}", got=sc.kind, where="kind")
    data = dict(sc.inputs.get("file", sc.inputs) if isinstance(sc.inputs, dict) else {})
    bad = [k for k in SERVER_FILE_KEYS if k in data]
    if bad:
        raise ParameterError("scenario inputs may not name files on the server",
                             expected="inputs without " + " / ".join(SERVER_FILE_KEYS),
                             got=bad, where="inputs")
    data.setdefault("name", sc.name)
    if sc.country_iso3:
        data.setdefault("country", sc.country_iso3)
        if str(data["country"]).strip().upper() != sc.country_iso3:
            raise ParameterError("the inputs name another country than the scenario",
                                 expected=sc.country_iso3, got=data["country"],
                                 where="inputs.country")
    plan = planning.parse_scenario(data, where="inputs")
    run = planning.run_scenario(db_of(request), plan)
    results = jsonable(planning.results_json(run))
    results["ran_at"] = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return results  # type: ignore[no-any-return]


def check_scenario_version(sc: Scenario, version: int | None) -> None:
    """The version the user saw must be the stored one: none is PreconditionRequired (428),
    another is a ConflictError (409); nothing is written in either case."""
    want = editing.require_version(version, f"scenario {sc.id}")
    if want != sc.version:
        raise ConflictError("the scenario was changed by someone else since you loaded it",
                            expected=f"version {want}", got=f"version {sc.version}",
                            where=f"scenario {sc.id}")


def run_and_store(request: Request, s: Any, sc: Scenario, p: Principal, via: str,
                  version: int | None) -> None:
    """Re-run a stored scenario as ``p`` (analysts, admins, managers of its country), store
    the results (version + 1) and audit it. ``version`` is the one the user saw
    (:func:`check_scenario_version`), as for every other update."""
    require(p.can_run_scenarios(sc.country_iso3), "run scenarios", p, "scenario")
    check_scenario_version(sc, version)
    before = row_dict(sc)
    sc.results = run_scenario(request, sc)
    sc.version += 1
    sc.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    s.flush()
    audit(s, p.username, "run", "scenario", sc.id, before, row_dict(sc), via=via,
          ip=client_ip(request))


def _scenario(s: Any, sid: int) -> Scenario:
    sc = s.get(Scenario, sid)
    if sc is None:
        raise NotFoundError("no such scenario", expected="an existing scenario id", got=sid,
                            where="scenario")
    return sc


@router.get("/scenarios", tags=["scenarios"], summary="List scenarios")
def list_scenarios(request: Request, page: Page = Depends(paging),
                   _p: Principal = Depends(registry_reader),
                   country: str | None = Query(None, min_length=3, max_length=3),
                   kind: str | None = Query(None, max_length=20)):
    with session(request) as s:
        stmt = select(Scenario).order_by(Scenario.id)
        if country:
            stmt = stmt.where(Scenario.country_iso3 == country.upper())
        if kind:
            stmt = stmt.where(Scenario.kind == kind)
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.limit(page_limit(request, page)).offset(page.offset))
        return listing(request, [row_dict(r) for r in rows], page, int(total or 0))


@router.post("/scenarios", tags=["scenarios"], status_code=201, summary="Create a scenario")
def create_scenario(request: Request, body: ScenarioIn,
                    p: Principal = Depends(registry_reader)):
    with session(request) as s:
        if body.country:
            editing.get_country(s, body.country)
        require(p.can_run_scenarios(body.country), "create scenarios", p, "scenario")
        if s.scalars(select(Scenario).where(Scenario.name == body.name)).first():
            raise ConflictError("a scenario with this name exists", expected="a new name",
                                got=body.name, where="name")
        sc = Scenario(name=body.name, kind=body.kind[:20], country_iso3=body.country,
                      inputs=body.inputs, actor=p.username, version=1)
        s.add(sc)
        s.flush()
        if body.run:
            sc.results = run_scenario(request, sc)
        audit(s, p.username, "create", "scenario", sc.id, None, row_dict(sc), via="api",
              ip=client_ip(request))
        return JSONResponse(jsonable(row_dict(sc)), status_code=201,
                            headers={"ETag": etag("scenario", sc.id, sc.version)})


@router.get("/scenarios/{scenario_id}", tags=["scenarios"], summary="One scenario")
def get_scenario(request: Request, scenario_id: int = Path(..., ge=1, le=2**31 - 1),
                 _p: Principal = Depends(registry_reader)):
    with session(request) as s:
        sc = _scenario(s, scenario_id)
        return JSONResponse(jsonable(row_dict(sc)),
                            headers={"ETag": etag("scenario", sc.id, sc.version)})


@router.patch("/scenarios/{scenario_id}", tags=["scenarios"], summary="Edit or re-run")
def update_scenario(request: Request, body: ScenarioPatch,
                    scenario_id: int = Path(..., ge=1, le=2**31 - 1),
                    p: Principal = Depends(registry_reader)):
    with session(request) as s:
        sc = _scenario(s, scenario_id)
        require(p.can_run_scenarios(sc.country_iso3), "edit scenarios", p, "scenario")
        check_scenario_version(sc, expected_version(request, body.version))
        before = row_dict(sc)
        if body.name is not None:
            sc.name = body.name.strip()[:200] or sc.name
        if body.inputs is not None:
            sc.inputs = body.inputs
        if body.run:
            sc.results = run_scenario(request, sc)
        sc.version += 1
        sc.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        s.flush()
        audit(s, p.username, "update", "scenario", sc.id, before, row_dict(sc), via="api",
              ip=client_ip(request))
        return JSONResponse(jsonable(row_dict(sc)),
                            headers={"ETag": etag("scenario", sc.id, sc.version)})


@router.delete("/scenarios/{scenario_id}", tags=["scenarios"], status_code=204,
               summary="Delete a scenario")
def delete_scenario(request: Request, scenario_id: int = Path(..., ge=1, le=2**31 - 1),
                    p: Principal = Depends(registry_reader)):
    with session(request) as s:
        sc = _scenario(s, scenario_id)
        require(p.can_run_scenarios(sc.country_iso3), "delete scenarios", p, "scenario")
        before = row_dict(sc)
        s.delete(sc)
        s.flush()
        audit(s, p.username, "delete", "scenario", scenario_id, before, None, via="api",
              ip=client_ip(request))
    return Response(status_code=204)
