"""``imcap import gho|oecd|table|facilities|inventory FILE``: validate a file and import it.

Every command reads CSV or xlsx, validates the whole file and prints the report (``--format
table`` or ``json``). A file with problems exits 1 with every problem listed (sheet, row,
column, expected, got) and nothing written; ``--dry-run`` validates and counts what would
change without writing. Formats and mapping files: docs/importing.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from imcap.cli.common import DbOption, check_format, console, open_db, progress
from imcap.errors import ValidationReport
from imcap.ingest import (
    import_facilities,
    import_gho,
    import_inventory,
    import_oecd,
    import_table,
)
from imcap.ingest.tabular import STAGES

app = typer.Typer(help="Import data files (WHO GHO, OECD, country tables, facility lists, "
                  "unit inventories) with a row-level validation report.",
                  no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="CSV or xlsx file.", exists=False)]
MappingOption = Annotated[
    Path | None, typer.Option("--mapping", "-m", help="TOML file mapping your column names "
                              "and values to imcap fields (docs/importing.md).")]
CountryOption = Annotated[
    str | None, typer.Option("--country", "-c", help="ISO3 code: the country of rows without "
                             "one; rows of other countries are skipped.")]
SourceOption = Annotated[
    str | None, typer.Option("--source", help="Provenance: who published the data "
                             "(when the file has no source column).")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Validate only: report what would change, write "
                       "nothing.")]
ReportFormat = Annotated[
    str, typer.Option("--format", "-f", help="Report format: table or json.")]

SHOWN = 50
"""Problems listed in the table format (all of them in json)."""


@contextmanager
def _bar(path: Path) -> Iterator[Callable[[str], None]]:
    """A progress bar over the import stages (read, validate, write) for files over 1 MB."""
    big = path.is_file() and path.stat().st_size > 1_000_000
    if not big:
        yield lambda _s: None
        return
    with progress(transient=True) as p:
        task = p.add_task(f"importing {path.name}", total=len(STAGES))
        done: list[str] = []

        def hook(name: str) -> None:
            if done:
                p.advance(task)
            done.append(name)
            p.update(task, description=f"{name} {path.name}")

        yield hook
        p.update(task, completed=len(STAGES))


def print_report(report: ValidationReport, fmt: str) -> None:
    """Print a report; exit 1 when it has problems."""
    check_format(fmt, ("table", "json"))
    if fmt == "json":
        typer.echo(json.dumps(report.to_dict(), indent=1, default=str))
    else:
        style = "bold green" if report.ok else "bold red"
        console.print(report.summary(), style=style, markup=False)
        for n in report.notes:
            console.print(f"  note: {n}", markup=False)
        if report.problems:
            t = Table(title=f"{len(report.problems)} problem(s)")
            for c in ("sheet", "row", "column", "expected", "got"):
                t.add_column(c, overflow="fold")
            for p in report.problems[:SHOWN]:
                t.add_row(p.sheet or "", "" if p.row is None else str(p.row), p.column or "",
                          p.expected, p.got)
            console.print(t)
            more = len(report.problems) - SHOWN
            if more > 0:
                console.print(f"... and {more} more (use --format json to list all)")
    if not report.ok:
        raise SystemExit(1)


def _run(fn: Callable[..., ValidationReport], file: Path, db: str | None, fmt: str,
         **kw: Any) -> None:
    check_format(fmt, ("table", "json"))
    d = open_db(db)
    try:
        with _bar(file) as hook:
            report = fn(d, file, progress=hook, **kw)
    finally:
        d.dispose()
    print_report(report, fmt)


@app.command()
def gho(file: FileArg, db: DbOption = None, dry_run: DryRunOption = False,
        fmt: ReportFormat = "table") -> None:
    """WHO GHO medical-device density export (DEVICES indicators: CT, MRI, PET, gamma camera,
    mammographs, radiotherapy)."""
    _run(import_gho, file, db, fmt, dry_run=dry_run)


@app.command()
def oecd(file: FileArg, db: DbOption = None, dry_run: DryRunOption = False,
         fmt: ReportFormat = "table") -> None:
    """OECD Health Statistics MED_TECH SDMX CSV (CT, MRI, PET, gamma cameras, mammographs,
    radiotherapy; per million or number)."""
    _run(import_oecd, file, db, fmt, dry_run=dry_run)


@app.command()
def table(file: FileArg, mapping: MappingOption = None, country: CountryOption = None,
          source: SourceOption = None, db: DbOption = None, dry_run: DryRunOption = False,
          fmt: ReportFormat = "table") -> None:
    """Country or area table: one row per place, year and modality or cadre, with a count
    and/or a density per million (an IMAGINE extract, a workforce table...)."""
    _run(import_table, file, db, fmt, mapping=mapping, country=country, source=source,
         dry_run=dry_run)


@app.command()
def facilities(file: FileArg, mapping: MappingOption = None, country: CountryOption = None,
               source: SourceOption = None, db: DbOption = None,
               dry_run: DryRunOption = False, fmt: ReportFormat = "table") -> None:
    """Facility list (generic columns, or the WHO-KEMRI sub-Saharan Africa layout)."""
    _run(import_facilities, file, db, fmt, mapping=mapping, country=country, source=source,
         dry_run=dry_run)


@app.command()
def inventory(file: FileArg, mapping: MappingOption = None, country: CountryOption = None,
              source: SourceOption = None, db: DbOption = None,
              dry_run: DryRunOption = False, fmt: ReportFormat = "table") -> None:
    """Imaging-unit inventory: one row per unit, facility by its facility_id."""
    _run(import_inventory, file, db, fmt, mapping=mapping, country=country, source=source,
         dry_run=dry_run)
