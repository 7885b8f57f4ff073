"""Commands ``imcap indicators``, ``imcap benchmark`` and ``imcap demo``.

- ``imcap indicators [--country ISO3] [--year Y] [--indicator ID] [--national] [--format]``:
  the indicator table (:func:`imcap.indicators.compute`); synthetic rows say so in the
  ``synthetic`` column and, in the table format, in the title.
- ``imcap benchmark ISO3 [--peers A,B] [--target next_income_median|income_median|hic_mean|N]``:
  the country's position against its income group, WHO region and peers, and its gap to the
  target for each per-million indicator.
- ``imcap demo [--out DIR] [--db URL]``: builds the whole demo (default database
  ``DIR/imcap.db``): reference data, bundled WHO GHO and OECD tables, Kenya's WHO-KEMRI
  facility list, the synthetic Kenya inventory, then writes ``DIR/indicators.csv``,
  ``DIR/benchmarks.csv`` and ``DIR/atlas.html``.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from imcap.cli.common import DbOption, FormatOption, check_format, console, emit, open_db, progress
from imcap.errors import ImcapError, NotFoundError, ParameterError
from imcap.indicators import CATALOGUE, compute
from imcap.indicators.benchmarks import (
    TARGETS,
    benchmark_table,
    country_groups,
    gap_to_target,
    position,
)

app = typer.Typer(help="Indicators, benchmarks and the demo.")

# on screen, the columns that identify a row and its figure come first (the terminal may be
# narrow; csv/json keep every column)
SHOW = ["indicator", "item", "country_iso3", "year", "value", "synthetic", "area_id", "unit",
        "source", "numerator", "denominator", "method"]
SCREEN_NAMES = {"country_iso3": "iso3", "area_id": "area"}


def _records(df: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    out = []
    for rec in df[columns].to_dict("records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else
                        v.item() if hasattr(v, "item") else v) for k, v in rec.items()})
    return out


@app.command()
def indicators(
    country: Annotated[str | None, typer.Option("--country", help="ISO3 code.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this year.")] = None,
    indicator: Annotated[str | None, typer.Option(
        "--indicator", help="Only this indicator id: " + ", ".join(i.id for i in CATALOGUE))
    ] = None,
    national: Annotated[bool, typer.Option("--national", help="Leave out subnational rows.")
                        ] = False,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Imaging capacity indicators for every country, area and year (or the ones asked)."""
    check_format(fmt)
    if indicator and indicator not in {i.id for i in CATALOGUE}:
        raise ParameterError("unknown indicator", expected=", ".join(i.id for i in CATALOGUE),
                             got=indicator, where="--indicator")
    df = compute(open_db(db), country=country, year=year, area_level=not national)
    if indicator:
        df = df[df["indicator"] == indicator]
    if df.empty:
        raise NotFoundError("no indicator values for this selection",
                            expected="data imported for the country and year",
                            got=f"country={country or 'any'}, year={year or 'any'}")
    cols = SHOW if fmt == "table" else list(df.columns)
    title = "imaging capacity indicators"
    if df["synthetic"].any():
        title += " (rows with synthetic=True are SYNTHETIC demo data, not real)"
    rows = _records(df, cols)
    if fmt == "table":
        rows = [{SCREEN_NAMES.get(k, k): v for k, v in r.items()} for r in rows]
        cols = [SCREEN_NAMES.get(c, c) for c in cols]
    emit(rows, fmt, title=title, columns=cols)


def _target(text: str) -> str | float:
    if text in TARGETS:
        return text
    try:
        return float(text)
    except ValueError:
        raise ParameterError("unknown target", expected=" | ".join(TARGETS) + " or a number",
                             got=text, where="--target") from None


@app.command()
def benchmark(
    iso3: Annotated[str, typer.Argument(help="Country ISO3 code.")],
    peers: Annotated[str, typer.Option("--peers", help="Peer countries, e.g. TZA,UGA.")] = "",
    target: Annotated[str, typer.Option(
        "--target", help="next_income_median, income_median, hic_mean or a number")
    ] = "next_income_median",
    year: Annotated[int | None, typer.Option("--year", help="Year (default: latest).")] = None,
    db: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """A country against its income group, WHO region and peers, with the gap to a target."""
    check_format(fmt)
    tgt = _target(target)
    df = compute(open_db(db), area_level=False)
    peer_list = [p.strip().upper() for p in peers.split(",") if p.strip()]
    known = set(country_groups()["iso3"])
    unknown = [p for p in peer_list if p not in known]
    if unknown:
        raise ParameterError("unknown peer country code(s)",
                             expected="ISO 3166-1 alpha-3 codes such as TZA,UGA",
                             got=",".join(unknown), where="--peers")
    pos = position(df, iso3, peers=peer_list, year=year)
    rows = []
    for rec in _records(pos, list(pos.columns)):
        row = {k: rec[k] for k in ("indicator", "item", "year", "value", "unit")}
        med = rec["income_median"]
        row.update({"income": f"{rec['income_group']} median "
                              + (f"{med:.3g}" if med is not None else "none")
                              + f" (n={rec['income_n']})", "vs income": rec["income_quartile"],
                    "vs region": f"{rec['region_quartile']} ({rec['region_group']})"})
        if peer_list:
            row["vs peers"] = rec["peers_quartile"]
        try:
            g = gap_to_target(df, iso3, rec["indicator"], rec["item"], tgt, year=year)
            row["target"] = g.target
            row["gap"] = g.gap
            row["gap (count)"] = g.gap_count_whole
        except ImcapError:
            row["target"] = row["gap"] = row["gap (count)"] = None
        row["source"] = rec["source"]
        row["synthetic"] = rec["synthetic"]
        rows.append(row)
    emit(rows, fmt, title=f"{iso3.upper()} benchmarks (target: {target}; latest year per country"
         " unless --year)")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    db: DbOption = None,
    country: Annotated[str, typer.Option("--country", help="Country of the synthetic "
                                         "inventory (needs its WHO-KEMRI list).")] = "KEN",
) -> None:
    """Build the demo: database, imports, synthetic Kenya inventory, indicators, atlas."""
    from imcap.cli.demo_run import run_demo  # the long pipeline lives beside this module

    out.mkdir(parents=True, exist_ok=True)
    url = db or f"sqlite:///{(out / 'imcap.db').as_posix()}"
    t0 = time.perf_counter()
    with progress() as bar:
        result = run_demo(url, out, country.upper(), bar)
    console.print(f"[bold]imcap demo[/] done in {time.perf_counter() - t0:.1f} s")
    for line in result["summary_lines"]:
        console.print("  " + line)
    console.print(f"  database:   {result['db']}")
    for name in ("indicators", "benchmarks", "atlas"):
        console.print(f"  {name + ':':<11} {result[name]}")


__all__ = ["app", "benchmark_table"]
