"""Country profile report, WHO-Atlas style: HTML (self-contained, inline SVG charts and map)
and PDF (WeasyPrint, which runs no JavaScript, hence SVG). Every figure lists its source."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from imcap.errors import UserError
from imcap.reports.charts import svg_interval
from imcap.reports.figures import report_svgs
from imcap.reports.impact_summary import country_impact, with_impact
from imcap.reports.profile import country_profile
from imcap.store.db import Database


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(resources.files("imcap.reports") /
                                                  "templates")),
                      autoescape=select_autoescape(["html"]))
    env.filters["num"] = _num
    env.globals["svg_interval"] = svg_interval
    return env


def _num(v: Any, digits: int = 2) -> str:
    if v is None:
        return "–"
    if isinstance(v, int | float):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{int(v)}" if float(v).is_integer() else f"{v:.{digits}f}"
    return str(v)


def render_html(s: Session, profile: dict[str, Any], *, site_name: str = "imcap") -> str:
    css = (resources.files("imcap.reports") / "templates" / "report.css").read_text("utf-8")
    return _env().get_template("country_report.html").render(
        p=profile, svgs=report_svgs(s, profile), css=css, site_name=site_name,
        generated=dt.date.today().isoformat())


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf()  # type: ignore[no-any-return]


def write_report(db: Database, iso3: str, fmt: str, out: Path | str,
                 year: int | None = None) -> Path:
    """Write the profile of ``iso3`` as ``html`` or ``pdf`` to ``out``; returns the path.

    A missing folder of ``out`` is created; a path that cannot be written (a file where a
    folder is expected, a folder named as the file, no permission) is a UserError, checked
    before the profile is computed."""
    out = Path(out)

    def unwritable(e: OSError) -> UserError:
        return UserError("cannot write the report there",
                         expected="a writable file path (missing folders are created)",
                         got=f"{out} ({e.strerror or e})", where="--out")

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.is_dir():
            raise IsADirectoryError(21, "is a folder", str(out))
    except OSError as e:
        raise unwritable(e) from None
    with db.session() as s:
        profile = country_profile(s, iso3, year, db=db)
        html = render_html(s, with_impact(profile, country_impact(db, profile["country"]
                                                                  ["iso3"])))
    data = html.encode("utf-8") if fmt == "html" else render_pdf(html)
    try:
        out.write_bytes(data)
    except OSError as e:
        raise unwritable(e) from None
    return out
