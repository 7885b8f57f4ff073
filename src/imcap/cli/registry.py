"""Registry commands: ``imcap init`` and ``imcap history``."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from imcap.cli.common import DbOption, FormatOption, console, emit, open_db
from imcap.ingest.reference import load_reference
from imcap.store.schema import ChangeLog

app = typer.Typer()


@app.command()
def init(db: DbOption = None) -> None:
    """Create the database (or migrate it) and load the bundled reference data."""
    d = open_db(db)
    summary = load_reference(d)
    console.print(f"database ready at [bold]{d.url}[/]")
    for part, counts in summary.items():
        console.print(f"  {part}: {counts}")


@app.command()
def history(
    entity: Annotated[str, typer.Argument(help="Table name, e.g. imaging_unit, country_figure.")],
    key: Annotated[str | None, typer.Option(help="Entity key (primary key value).")] = None,
    limit: Annotated[int, typer.Option(help="Most recent N changes.")] = 50,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Show the change history (append-only) of registry rows."""
    d = open_db(db)
    with d.session() as s:
        stmt = select(ChangeLog).where(ChangeLog.entity == entity)
        if key:
            stmt = stmt.where(ChangeLog.entity_key == key)
        logs = list(s.scalars(stmt.order_by(ChangeLog.id.desc()).limit(limit)))
        rows = [
            {
                "id": c.id,
                "at": c.at,
                "actor": c.actor,
                "key": c.entity_key,
                "action": c.action,
                "batch": c.batch_id,
                "changed": ", ".join(
                    sorted(
                        k
                        for k in (c.after or {})
                        if (c.before or {}).get(k) != (c.after or {}).get(k)
                    )
                ),
            }
            for c in logs
        ]
    emit(rows, fmt, title=f"history of {entity}")
