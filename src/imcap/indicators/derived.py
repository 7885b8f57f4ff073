"""Indicators derived from the base set: subnational equity and trends over years.

- ``pop_without_functional_unit`` (% of population, by modality, national rows): the share of
  people living in areas — at the level facilities are registered in (Kenya: counties) — that
  have no functional unit of the modality in the facility inventory. A national density can
  look adequate while whole districts have nothing; this is the figure that shows it.
  value = Σ population of areas with zero functional units / Σ population of all such areas x 100.
- ``units_per_million_change`` (per million per year, by modality): the average annual change
  of ``units_per_million`` for the same place and source between its first and latest year:
  (value_last − value_first) / (year_last − year_first). Row year = the latest year.

Both keep the source, date and method of the rows they come from, and the synthetic flag.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

INVENTORY = "computed from facility inventory"
_NATIONAL = ""


def equity(df: pd.DataFrame, areas: pd.DataFrame, units: pd.DataFrame,
           lookup: Any) -> pd.DataFrame:
    """``pop_without_functional_unit`` rows from the computed frame ``df`` (area rows of
    ``functional_units_per_million``), the country's areas (id, country_iso3, level) and the
    inventory ``units`` (to find the level facilities are registered at); ``lookup`` is the
    engine's population lookup (frame with country_iso3, area, year -> population)."""
    base = df[(df["indicator"] == "functional_units_per_million") & (df["area_id"] != _NATIONAL)
              & df["method"].astype(str).str.startswith(INVENTORY)]
    if base.empty or areas.empty or units.empty:
        return pd.DataFrame()
    located = units[units["area_id"].notna()][["country_iso3", "area_id"]].drop_duplicates()
    located = located.merge(areas.rename(columns={"id": "area_id"}), on=["country_iso3", "area_id"])
    if located.empty:
        return pd.DataFrame()
    level = located.groupby("country_iso3")["level"].agg(lambda s: s.mode().iloc[0])
    rows: list[dict[str, Any]] = []
    keys = ["country_iso3", "year", "item", "source", "synthetic"]
    for (iso3, year, item, source, synthetic), g in base.groupby(keys, sort=False):
        if iso3 not in level.index:
            continue
        ids = areas[(areas["country_iso3"] == iso3) & (areas["level"] == level[iso3])]["id"]
        frame = pd.DataFrame({"country_iso3": iso3, "area": ids.to_numpy(), "year": int(year)})
        frame = lookup(frame)
        frame = frame[frame["population"].notna()]
        if frame.empty:
            continue
        served = set(g.loc[g["value"] > 0, "area_id"])
        unserved = ~frame["area"].isin(served)
        total = float(frame["population"].sum())
        without = float(frame.loc[unserved, "population"].sum())
        rows.append({
            "indicator": "pop_without_functional_unit", "country_iso3": iso3, "area_id": None,
            "year": int(year), "item": item, "value": without / total * 100.0 if total else np.nan,
            "numerator": without, "denominator": total, "unit": "%", "source": source,
            "source_date": g["source_date"].iloc[0],
            "method": (f"{INVENTORY}: population of the {int(unserved.sum())} of {len(frame)} "
                       f"level-{int(level[iso3])} areas with no functional {item} unit / "
                       "population of all of them x 100"),
            "synthetic": bool(synthetic),
        })
    return pd.DataFrame(rows)


def trends(df: pd.DataFrame) -> pd.DataFrame:
    """``units_per_million_change`` rows: average annual change per place, item and source."""
    base = df[df["indicator"] == "units_per_million"]
    if base.empty:
        return pd.DataFrame()
    keys = ["country_iso3", "area_id", "item", "source"]
    b = base.assign(area_id=base["area_id"].fillna(_NATIONAL)).sort_values("year")
    first = b.groupby(keys, sort=False).first()
    last = b.groupby(keys, sort=False).last()
    span = (last["year"] - first["year"]).astype(float)
    ok = span > 0
    if not ok.any():
        return pd.DataFrame()
    f, la, sp = first[ok], last[ok], span[ok]
    change = la["value"] - f["value"]
    out = la.reset_index()[keys + ["year", "source_date", "synthetic"]]
    out = out.assign(
        indicator="units_per_million_change",
        value=(change / sp).to_numpy(), numerator=change.to_numpy(), denominator=sp.to_numpy(),
        unit="per million per year",
        method=[f"(units per million {int(y1)} − {int(y0)}) / {int(s)} years, same source"
                for y0, y1, s in zip(f["year"], la["year"], sp, strict=True)],
    )
    out["area_id"] = out["area_id"].replace({_NATIONAL: None})
    return out
