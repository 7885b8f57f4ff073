"""Rebuild imcap's bundled reference data (src/imcap/data/reference) from ../shared/data.

Run from the repository root:  .venv/bin/python tools/build_reference_data.py [SHARED_DATA]

Outputs (all small, text):
- countries.csv: iso3, iso2, m49, name, who_region, wb_region, income_group (WB FY23), is_who_member
- population.csv: iso3, year, population (World Bank SP.POP.TOTL, 1960-2024, countries only)
- world_110m.geojson: Natural Earth 1:110m countries, properties iso3 + name only
- areas_KEN.geojson: 47 Kenyan counties (OSM via Mondieki/kenya-counties-subcounties)
- areas_MWI.geojson: Malawi regions/zones/districts (mrc-ide/naomi demo areas)
- area_population.csv: area_id, year, population, source, method (Malawi: naomi census-2018
  projections; Kenya: WorldPop 2020 (afrilearndata 20 km) summed within each county, scaled to
  the World Bank national total for the year)
- sources/: the raw WHO GHO and OECD exports the demo imports, byte for byte.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import rasterio
import rasterio.features
from shapely.geometry import shape

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "imcap" / "data" / "reference"

WHO_REGIONS = {
    "African Region": "AFR",
    "Region of the Americas": "AMR",
    "South-East Asia Region": "SEAR",
    "European Region": "EUR",
    "Eastern Mediterranean Region": "EMR",
    "Western Pacific Region": "WPR",
}
INCOME = {
    "Low income": "LIC",
    "Lower middle income": "LMC",
    "Upper middle income": "UMC",
    "High income": "HIC",
}


def _round_coords(geom: dict, nd: int = 4) -> dict:
    def r(c):  # type: ignore[no-untyped-def]
        if isinstance(c[0], int | float):
            return [round(c[0], nd), round(c[1], nd)]
        return [r(x) for x in c]

    return {"type": geom["type"], "coordinates": r(geom["coordinates"])}


def build(shared: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sources").mkdir(exist_ok=True)
    ref = shared / "country_ref"

    who = {}
    with open(ref / "who_member_states_regions.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            who[row["iso_3166"]] = (
                row["who_member_state"] == "TRUE",
                WHO_REGIONS.get(row["who_region"] or ""),
            )
    wb = {}
    with open(ref / "WB_CLASS_2023-01_economies.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            wb[row["Code"]] = (row["Region"] or None, INCOME.get(row["Income group"] or ""))
    codes = {}
    with open(ref / "datahub_country-codes.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            iso3 = row["ISO3166-1-Alpha-3"]
            if iso3:
                codes[iso3] = row
    rows = []
    for iso3, c in sorted(codes.items()):
        member, region = who.get(iso3, (False, None))
        wb_region, income = wb.get(iso3, (None, None))
        name = c.get("CLDR display name") or c.get("UNTERM English Short") or c["official_name_en"]
        m49 = c.get("M49") or c.get("ISO3166-1-numeric")
        rows.append(
            {
                "iso3": iso3,
                "iso2": c["ISO3166-1-Alpha-2"],
                "m49": int(m49) if m49 else "",
                "name": name,
                "who_region": region or "",
                "wb_region": wb_region or "",
                "income_group": income or "",
                "is_who_member": int(member),
            }
        )
    # Kosovo is classified by the World Bank (XKX) but has no ISO code.
    with open(OUT / "countries.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    known = {r["iso3"] for r in rows}

    pops = []
    with open(shared / "population_wb" / "WB_SP.POP.TOTL_population.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Country Code"] in known and row["Value"]:
                pops.append((row["Country Code"], int(row["Year"]), int(float(row["Value"]))))
    with open(OUT / "population.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["iso3", "year", "population"])
        w.writerows(sorted(pops))
    wb_pop = {(i, y): p for i, y, p in pops}

    ne = json.loads((shared / "natural_earth" / "ne_110m_admin_0_countries.json").read_text())
    feats = []
    for ft in ne["features"]:
        p = ft["properties"]
        iso3 = p["ISO_A3"] if p["ISO_A3"] != "-99" else p["ISO_A3_EH"]
        if iso3 == "-99":
            iso3 = p["ADM0_A3"]
        feats.append(
            {
                "type": "Feature",
                "properties": {"iso3": iso3, "name": p["NAME"]},
                "geometry": _round_coords(ft["geometry"], 3),
            }
        )
    (OUT / "world_110m.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":"))
    )

    adm = shared / "admin_boundaries_lmic"
    ken = json.loads((adm / "kenya_counties_osm_simplified.geojson").read_text())
    kfeats = []
    for ft in ken["features"]:
        p = ft["properties"]
        kfeats.append(
            {
                "type": "Feature",
                "properties": {
                    "area_id": f"KEN_{int(p['code']):03d}",
                    "name": p["name"],
                    "code": str(p["code"]),
                    "level": 1,
                    "level_name": "County",
                    "parent_area_id": None,
                    "capital": p.get("capital"),
                },
                "geometry": _round_coords(ft["geometry"]),
            }
        )
    (OUT / "areas_KEN.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": kfeats}, separators=(",", ":"))
    )

    mwi = json.loads((adm / "malawi_naomi_demo_areas.geojson").read_text())
    mfeats = []
    for ft in mwi["features"]:
        p = ft["properties"]
        if p["area_level"] == 0:
            continue  # the country itself is the country row
        parent = p["parent_area_id"] if p["parent_area_id"] != "MWI" else None
        mfeats.append(
            {
                "type": "Feature",
                "properties": {
                    "area_id": p["area_id"],
                    "name": p["area_name"],
                    "code": p["area_id"],
                    "level": int(p["area_level"]),
                    "level_name": p["area_level_label"],
                    "parent_area_id": parent,
                },
                "geometry": _round_coords(ft["geometry"]),
            }
        )
    (OUT / "areas_MWI.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": mfeats}, separators=(",", ":"))
    )

    apop = []
    with open(adm / "malawi_naomi_demo_population_totals_by_area_year.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            year = int(row["calendar_quarter"][2:6])
            apop.append(
                (
                    row["area_id"],
                    year,
                    round(float(row["population"])),
                    "Malawi NSO Census 2018 projections (mrc-ide/naomi demo data)",
                    "reported",
                )
            )
    # Kenya: WorldPop 2020 at 20 km summed per county, scaled to the WB national total.
    with rasterio.open(shared / "afrilearndata_cc0" / "afripop2020.tif") as src:
        dens = src.read(1).astype("float64")
        nod = src.nodata
        if nod is not None:
            dens[dens == nod] = 0.0
        dens[~np.isfinite(dens)] = 0.0
        # afripop is people per km2 on a geographic grid: multiply by cell area (km2) per row.
        tr = src.transform
        rows_lat = tr.f + (np.arange(src.height) + 0.5) * tr.e
        km_per_deg = 111.32
        cell_km2 = (abs(tr.a) * km_per_deg * np.cos(np.radians(rows_lat))) * (
            abs(tr.e) * km_per_deg
        )
        people = dens * cell_km2[:, None]
        sums = defaultdict(float)
        for ft in kfeats:
            mask = rasterio.features.geometry_mask(
                [shape(ft["geometry"])],
                out_shape=dens.shape,
                transform=tr,
                invert=True,
                all_touched=False,
            )
            sums[ft["properties"]["area_id"]] = float(people[mask].sum())
    total = sum(sums.values())
    for year in range(2015, 2025):
        nat = wb_pop.get(("KEN", year))
        if not nat:
            continue
        for aid, s in sums.items():
            apop.append(
                (
                    aid,
                    year,
                    round(s / total * nat),
                    "WorldPop 2020 (afrilearndata 20 km) x World Bank SP.POP.TOTL",
                    "derived: county share of WorldPop 2020 x national WB population",
                )
            )
    with open(OUT / "area_population.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["area_id", "year", "population", "source", "method"])
        w.writerows(apop)

    for src_path in [
        shared / "who_gho_devices_afro" / "Total_density_per_million_population_CT.csv",
        shared / "who_gho_devices_afro" / "Total_density_per_million_population_MRI.csv",
        shared / "oecd_med_tech" / "OECD_DF_MED_TECH_per_million.csv",
        shared / "facilities_ssa" / "who_kemri_facilities_KEN.csv",
        shared / "facilities_ssa" / "who_kemri_facilities_MWI.csv",
        shared / "facilities_ssa" / "who_kemri_facilities_SLE.csv",
    ]:
        shutil.copyfile(src_path, OUT / "sources" / src_path.name)
    print(
        f"wrote {len(rows)} countries, {len(pops)} population rows, {len(feats)} world shapes, "
        f"{len(kfeats)} KEN + {len(mfeats)} MWI areas, {len(apop)} area population rows"
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
