"""Read-only pages: home (world map, headline figures), countries, country profile (with its
HTML/PDF report download), facility page, scenarios."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from imcap.reports import figures
from imcap.reports.profile import _latest_figures
from imcap.store.repo import row_dict
from imcap.store.schema import Country, Facility, ImagingUnit, UnitStatus
from imcap.web import cache as vcache
from imcap.web import editing
from imcap.web.api.analysis import cached_profile
from imcap.web.auth.policy import Principal
from imcap.web.deps import jsonable, principal, reader, registry_reader, session

router = APIRouter()


def render(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> Response:
    p = getattr(request.state, "principal", None)
    base = {"user": p, "site_name": request.app.state.settings.site_name}
    return request.app.state.templates.TemplateResponse(request, name, {**base, **ctx},
                                                        status_code=status)


def fig_json(fig: dict[str, Any]) -> str:
    """Figure JSON safe to embed in <script type="application/json">."""
    return json.dumps(jsonable(fig), separators=(",", ":")).replace("</", "<\\/")


def _home_data(s: Any) -> dict[str, Any]:
    latest = _latest_figures(s)
    ct = {iso: v["value"] for (iso, item), v in latest.items() if item == "CT"}
    units = s.execute(select(ImagingUnit.status, func.count()).group_by(ImagingUnit.status)).all()
    n_units = sum(n for st, n in units if st != "decommissioned")
    n_fun = sum(n for st, n in units if st in ("functional", "partially_functional"))
    return {
        "world_svg": figures.world_svg(ct, "CT units per million (latest reported)",
                                       title="CT units per million population"),
        "world_fig": fig_json(figures.world_figure(ct, "CT units per million")),
        "headline": {
            "countries_with_figures": len({iso for iso, _ in latest}),
            "facilities": s.scalar(select(func.count()).select_from(Facility)) or 0,
            "units": n_units, "functional_share": (100 * n_fun / n_units) if n_units else None,
            "inventory_countries": s.scalar(select(func.count(func.distinct(
                Facility.country_iso3))).join(ImagingUnit, ImagingUnit.facility_id == Facility.id
                                              )) or 0},
        "top": sorted(((v, iso) for iso, v in ct.items()), reverse=True)[:10],
        "inventory": [dict(r._mapping) for r in s.execute(
            select(Country.iso3, Country.name, func.count(ImagingUnit.id).label("units"))
            .join(Facility, Facility.country_iso3 == Country.iso3)
            .join(ImagingUnit, ImagingUnit.facility_id == Facility.id)
            .group_by(Country.iso3, Country.name).order_by(Country.name))],
    }


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, p: Principal = Depends(reader)) -> Response:
    with session(request) as s:
        data = request.app.state.cache.get(("home", vcache.generation(request, s)),
                                           lambda: _home_data(s))
        names = {c.iso3: c.name for c in s.scalars(select(Country))}
    return render(request, "home.html", {**data, "names": names})


@router.get("/countries", response_class=HTMLResponse)
async def countries(request: Request, q: str | None = Query(None, max_length=100),
                    p: Principal = Depends(reader)) -> Response:
    with session(request) as s:
        stmt = select(Country).order_by(Country.name)
        if q:
            stmt = stmt.where(Country.name.ilike(f"%{q}%"))
        rows = [row_dict(c) for c in s.scalars(stmt)]
    return render(request, "countries.html", {"countries": rows, "q": q or ""})


@router.get("/countries/{iso3}", response_class=HTMLResponse)
async def country(request: Request, iso3: str = Path(..., min_length=3, max_length=3),
                  year: int | None = Query(None, ge=1950, le=2100),
                  p: Principal = Depends(reader)) -> Response:
    with session(request) as s:
        prof = cached_profile(request, s, iso3, year)
        key = ("country-figs", prof["country"]["iso3"], year, vcache.generation(request, s))
        figs, svgs = request.app.state.cache.get(
            key, lambda: ({k: fig_json(v) for k, v in figures.page_figures(s, prof).items()},
                          figures.report_svgs(s, prof)))
    return render(request, "country.html", {"p": prof, "figs": figs, "svgs": svgs,
                                            "can_see_registry": p.can_read_registry()})


@router.get("/countries/{iso3}/report.{fmt}")
async def country_report(request: Request, iso3: str = Path(..., min_length=3, max_length=3),
                         fmt: str = Path(..., pattern="^(html|pdf)$"),
                         year: int | None = Query(None, ge=1950, le=2100),
                         p: Principal = Depends(reader)) -> Response:
    from imcap.reports.country import render_html, render_pdf

    with session(request) as s:
        prof = cached_profile(request, s, iso3, year)
        html = render_html(s, prof, site_name=request.app.state.settings.site_name)
    iso = prof["country"]["iso3"]
    if fmt == "html":
        return HTMLResponse(html)
    return Response(render_pdf(html), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="imcap-profile-{iso}.pdf"'})


@router.get("/facilities/{facility_id}", response_class=HTMLResponse)
async def facility(request: Request, facility_id: int = Path(..., ge=1, le=2**31 - 1),
                   p: Principal = Depends(registry_reader)) -> Response:
    with session(request) as s:
        f = editing.get_facility(s, facility_id)
        c = s.get(Country, f.country_iso3)
        units = list(s.scalars(select(ImagingUnit).where(ImagingUnit.facility_id == f.id)
                               .order_by(ImagingUnit.modality, ImagingUnit.external_id)))
        hist: dict[int, list[dict]] = {u.id: [] for u in units}
        for h in s.scalars(select(UnitStatus).where(UnitStatus.unit_id.in_(list(hist)))
                           .order_by(UnitStatus.id.desc())):
            hist[h.unit_id].append(row_dict(h))
        can_edit = p.can_write_facility(f.id, f.country_iso3)
        ctx = {"f": row_dict(f), "country": row_dict(c) if c else {},
               "units": [row_dict(u) for u in units], "history": hist, "can_edit": can_edit}
    return render(request, "facility.html", ctx)


_ = principal
