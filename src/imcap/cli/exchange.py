"""``imcap survey template`` and ``imcap export units|facilities|figures``.

Registered by main.py as a group-less module (``("exchange", "")``): its sub-groups
``survey`` and ``export`` become top-level commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from imcap.cli.common import DbOption, console, open_db
from imcap.ingest.export import export as export_registry
from imcap.ingest.survey import write_survey_template

app = typer.Typer(help="Survey workbooks and open-data export.")
survey = typer.Typer(help="Survey workbooks generated from the field catalogue.",
                     no_args_is_help=True)
export = typer.Typer(help="Export the registry to CSV, Parquet or GeoJSON.", no_args_is_help=True)
app.add_typer(survey, name="survey")
app.add_typer(export, name="export")

OutOption = Annotated[Path, typer.Option("--out", "-o", help="Output file; the format follows "
                                         "its extension (.csv, .parquet, .geojson).")]
CountryOption = Annotated[str | None, typer.Option("--country", "-c", help="ISO3: only this "
                                                   "country.")]
FmtOption = Annotated[str | None, typer.Option("--format", "-f", help="csv, parquet or "
                                               "geojson (default: from --out).")]


@survey.command("template")
def survey_template(
    out: Annotated[Path, typer.Option("--out", "-o", help="The .xlsx file to write.")] = Path(
        "imcap_survey.xlsx"),
) -> None:
    """Write a survey workbook: one sheet per table with drop-downs, and a data dictionary."""
    p = write_survey_template(out)
    console.print(f"survey workbook written to [bold]{p}[/] (sheets Facilities, Units, "
                  "Country figures, Data dictionary)")


def _export(what: str, out: Path, db: str | None, country: str | None, fmt: str | None) -> None:
    d = open_db(db)
    try:
        p, n = export_registry(d, what, out, fmt=fmt, country=country)
    finally:
        d.dispose()
    console.print(f"{n} {what} row(s) written to [bold]{p}[/]")


@export.command("units")
def export_units(out: OutOption, country: CountryOption = None, fmt: FmtOption = None,
                 db: DbOption = None) -> None:
    """Imaging units with their facility (CSV/Parquet), or facilities with unit counts
    (GeoJSON)."""
    _export("units", out, db, country, fmt)


@export.command("facilities")
def export_facilities(out: OutOption, country: CountryOption = None, fmt: FmtOption = None,
                      db: DbOption = None) -> None:
    """Facilities with unit counts by modality (GeoJSON points, CSV or Parquet)."""
    _export("facilities", out, db, country, fmt)


@export.command("figures")
def export_figures(out: OutOption, country: CountryOption = None, fmt: FmtOption = None,
                   db: DbOption = None) -> None:
    """Country and area figures (counts and densities with their sources), CSV or Parquet."""
    _export("figures", out, db, country, fmt)
