"""Shared CLI helpers: options, output formats, progress bars, database opening."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from imcap.errors import ParameterError
from imcap.store.db import Database

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL or SQLite file (default: IMCAP_DATABASE_URL or ./imcap.db)."
    ),
]
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="Output format: table, csv or json.")
]

FORMATS = ("table", "csv", "json")


def open_db(db: str | None) -> Database:
    """Open (and migrate) the database named by --db / IMCAP_DATABASE_URL / ./imcap.db."""
    return Database(db)


def check_format(fmt: str, allowed: Sequence[str] = FORMATS) -> str:
    if fmt not in allowed:
        raise ParameterError(
            "unknown output format", expected=" or ".join(allowed), got=fmt, where="--format"
        )
    return fmt


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def _json_default(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return str(v)


_MAX_CELL = 40


def _fit_columns(
    rows: Sequence[dict[str, Any]], cols: Sequence[str], width: int
) -> tuple[dict[str, int], list[str]]:
    """Columns that fit the screen, in order, with their widths; the first column always
    shows. Cells are cut at
    ``_MAX_CELL`` characters, so a wide text column does not push the figures off screen."""
    shown: dict[str, int] = {}
    used = 1
    for c in cols:
        sample = [len(_cell(r.get(c))) for r in rows[:5000]]
        need = min(max([len(c), *sample]), _MAX_CELL)
        if shown and used + need + 3 > width:
            continue
        shown[c] = need
        used += need + 3
    return shown, [c for c in cols if c not in shown]


def render(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> str | Table:
    """Rows as a rich Table (fmt=table), CSV text or JSON text."""
    check_format(fmt)
    cols = list(columns) if columns else (list(rows[0].keys()) if rows else [])
    if fmt == "json":
        return json.dumps(
            [{c: r.get(c) for c in cols} for r in rows], default=_json_default, indent=1
        )
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})
        return buf.getvalue()
    shown, hidden = _fit_columns(rows, cols, console.width)
    caption = None
    if hidden:
        caption = (f"{len(hidden)} more column(s) not shown at this width: {', '.join(hidden)}; "
                   "use --format csv or json for every column")
    table = Table(title=title, show_lines=False, caption=caption, caption_justify="left")
    for c, w in shown.items():
        numeric = bool(rows) and isinstance(rows[0].get(c), int | float)
        table.add_column(c, justify="right" if numeric else "left", no_wrap=True,
                         overflow="ellipsis", min_width=w, max_width=_MAX_CELL)
    for r in rows:
        table.add_row(*(_cell(r.get(c)) for c in shown))
    return table


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str = "table",
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Print rows to stdout in the chosen format (machine formats are printed verbatim)."""
    out = render(rows, fmt, title=title, columns=columns)
    if isinstance(out, str):
        typer.echo(out, nl=not out.endswith("\n"))
    else:
        console.print(out)


@contextmanager
def progress(transient: bool = False) -> Iterator[Progress]:
    """A rich progress bar on stderr (so --format csv/json on stdout stays clean)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
    ) as p:
        yield p


def track(items: Iterable[Any], description: str, total: int | None = None) -> Iterator[Any]:
    with progress() as p:
        task = p.add_task(description, total=total if total is not None else len(items))  # type: ignore[arg-type]
        for it in items:
            yield it
            p.advance(task)
