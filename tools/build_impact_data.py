"""Build the compact inputs of the impact model (``src/imcap/data/impact/``) from the shared
public datasets (``../shared/data``, see its MANIFEST.md and impact/MANIFEST.md).

Usage::

    python tools/build_impact_data.py [SHARED_DATA_DIR]

Writes (all small CSV, a few hundred kB in total):

- ``globocan.csv``   iso3, cancer, cases, deaths: GLOBOCAN 2022, both sexes, all ages, 11 sites.
- ``countries.csv``  one row per GLOBOCAN country: names, income group (World Bank FY23), WB and
  WHO region, GDP per capita 2018 (current US$ = 2018 US$), population 2020-2030 (WPP 2022/2019),
  age-weighted case growth 2020-2030 relative to 2022, mean age of colon and rectum cases
  (GLOBOCAN 2022 by age), baseline imaging densities per million (CT, MRI, PET, SPECT)
  and where each came from (``oecd``, ``who_gho`` or ``imputed``).
- ``lifetables.csv`` m49, sex (B/M/F), x, n, lx, Lx: UN WPP 2019 abridged life tables 2015-2020.

Nothing here is tuned; the calibration (``python -m imcap.impact.calibrate``) is separate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "imcap" / "data" / "impact"
SITES = {6: "oesophagus", 7: "stomach", 8: "colon", 9: "rectum", 10: "anus", 11: "liver",
         13: "pancreas", 15: "lung", 20: "breast", 23: "cervix", 27: "prostate"}
YEARS = list(range(2020, 2031))
OECD_MOD = {"CT_SCAN": "CT", "MRI": "MRI", "PET_SCAN": "PET", "GAMMA": "SPECT"}
MODALITIES = ["CT", "MRI", "PET", "SPECT"]
INCOME = {"Low income": "LIC", "Lower middle income": "LMC", "Upper middle income": "UMC",
          "High income": "HIC"}
WHO_REGION = {"African Region": "AFR", "Region of the Americas": "AMR",
              "South-East Asia Region": "SEAR", "European Region": "EUR",
              "Eastern Mediterranean Region": "EMR", "Western Pacific Region": "WPR"}


def _globocan(d: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    g = d / "impact" / "globocan2022_kjpaez"
    inc = pd.read_csv(g / "globocan_incidence.csv")
    mor = pd.read_csv(g / "globocan_mortality.csv")
    inc = inc[inc["Cancer code"].isin(SITES)]
    mor = mor[mor["Cancer code"].isin(SITES)]
    key = ["Alpha-3 code", "Cancer code"]
    df = inc[key + ["Population code (ISO/UN)", "Number"]].merge(
        mor[key + ["Number"]], on=key, how="left", suffixes=("_i", "_m"))
    df = df.rename(columns={"Alpha-3 code": "iso3", "Population code (ISO/UN)": "m49",
                            "Number_i": "cases", "Number_m": "deaths"})
    df["cancer"] = df["Cancer code"].map(SITES)
    df["deaths"] = df["deaths"].fillna(0).astype(int)
    df["m49"] = df["m49"].astype(int)
    countries = df[["iso3", "m49"]].drop_duplicates().sort_values("iso3").reset_index(drop=True)
    return df[["iso3", "cancer", "cases", "deaths"]].sort_values(["iso3", "cancer"]), countries


def _age_rows(path: Path) -> pd.DataFrame:
    t = pd.read_csv(path, sep="\t")
    t = t.melt(id_vars=["country_code", "name", "age"], var_name="year", value_name="pop")
    t["year"] = t["year"].astype(int)
    return t


def _case_growth(d: Path, countries: pd.DataFrame) -> pd.DataFrame:
    """Growth of expected cases from 2022, holding 2022 age-specific rates fixed.

    Age schedule: world colorectal (colon+rectum) incidence per person by 5-year age group,
    GLOBOCAN 2022 (the only site staged by age), applied to WPP 2019 population by age
    (estimates 2015/2020, medium projections 2025/2030), linearly interpolated by year.
    growth[c, t] = sum_a r_a pop[c, a, t] / sum_a r_a pop[c, a, 2022]."""
    crc = d / "impact" / "globocan2022_crc_age_eyeflame"
    rates = None
    for site in ("colon", "rectum"):
        t = pd.read_csv(crc / f"2022_{site}_data_all_regions.csv")
        w = t[t.ISOcode == 900].set_index("AgeStart")
        rates = w.Ri if rates is None else rates + w.Ri
        ni = w.Ni
    r = (rates / ni).to_numpy()  # 18 age groups 0-4 .. 85+
    p = d / "impact" / "wpp2019_pop_ppgp"
    pop = pd.concat([_age_rows(p / f) for f in
                     ("popM.txt", "popF.txt", "popMprojMed.txt", "popFprojMed.txt")])
    pop = pop[pop.year.isin([2015, 2020, 2025, 2030])]
    ages = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
            "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84"]
    old = ~pop.age.isin(ages)
    pop.loc[old, "age"] = "85+"
    pop = pop.groupby(["country_code", "year", "age"], as_index=False)["pop"].sum()
    order = {a: i for i, a in enumerate(ages + ["85+"])}
    pop["w"] = pop.age.map(order).map(lambda i: r[i]) * pop["pop"]
    e = pop.groupby(["country_code", "year"])["w"].sum().unstack("year")
    rows = []
    for _, c in countries.iterrows():
        if c.m49 in e.index:
            v = e.loc[c.m49]
            knots = [2015, 2020, 2025, 2030]
            series = np.interp(YEARS + [2022], knots, v[knots])
            g = series[:-1] / series[-1]
        else:
            g = np.full(len(YEARS), np.nan)
        rows.append({"iso3": c.iso3, **{f"growth_{y}": round(float(x), 5)
                                        for y, x in zip(YEARS, g, strict=True)}})
    out = pd.DataFrame(rows)
    # countries WPP 2019 lacks: world-median growth (labelled by the NaN -> filled flag below)
    for y in YEARS:
        out[f"growth_{y}"] = out[f"growth_{y}"].fillna(out[f"growth_{y}"].median())
    return out


def _population(d: Path, countries: pd.DataFrame) -> pd.DataFrame:
    """Total population 2020-2030 (persons): WPP 2022 medium 2022-2030, WPP 2019 2020 + 2021
    interpolated to the 2022 WPP 2022 value."""
    p = pd.read_csv(d / "impact" / "wpp2022_ppgp" / "popprojMed.txt", sep="\t").set_index(
        "country_code")
    old = pd.concat([_age_rows(d / "impact" / "wpp2019_pop_ppgp" / f)
                     for f in ("popM.txt", "popF.txt")])
    old = old[old.year == 2020].groupby("country_code")["pop"].sum()
    rows = []
    for _, c in countries.iterrows():
        if c.m49 not in p.index:
            rows.append({"iso3": c.iso3})
            continue
        v = {y: float(p.loc[c.m49, str(y)]) * 1000 for y in range(2022, 2031)}
        p20 = float(old.get(c.m49, np.nan)) * 1000
        if not np.isfinite(p20):
            p20 = v[2022]
        v[2020] = p20
        v[2021] = (p20 + v[2022]) / 2
        rows.append({"iso3": c.iso3, **{f"pop_{y}": round(v[y]) for y in YEARS}})
    return pd.DataFrame(rows)


def _mean_ages(d: Path, countries: pd.DataFrame) -> pd.DataFrame:
    crc = d / "impact" / "globocan2022_crc_age_eyeflame"
    out = countries[["iso3", "m49"]].copy()
    for site in ("colon", "rectum"):
        t = pd.read_csv(crc / f"2022_{site}_data_all_regions.csv")
        t["mid"] = np.where(t.AgeStart >= 85, 88.0, (t.AgeStart + t.AgeEnd + 1) / 2)
        t["w"] = t.Ri * t.mid
        g = t.groupby("ISOcode")[["w", "Ri"]].sum()
        mean = (g.w / g.Ri).rename(f"age_{site}")
        world = float(mean.loc[900])
        out = out.merge(mean, left_on="m49", right_index=True, how="left")
        out[f"age_{site}"] = out[f"age_{site}"].fillna(world).round(2)
    return out.drop(columns="m49")


def _classes(d: Path, countries: pd.DataFrame) -> pd.DataFrame:
    e = pd.read_csv(d / "country_ref" / "WB_CLASS_2023-01_economies.csv")
    e = e.rename(columns={"Code": "iso3", "Economy": "name", "Region": "wb_region"})
    e["income_group"] = e["Income group"].map(INCOME)
    w = pd.read_csv(d / "country_ref" / "who_member_states_regions.tsv", sep="\t")
    w = w.rename(columns={"iso_3166": "iso3"})
    w["who_region"] = w.who_region.map(WHO_REGION)
    out = countries[["iso3"]].merge(e[["iso3", "name", "wb_region", "income_group"]],
                                    on="iso3", how="left")
    out = out.merge(w[["iso3", "who_region"]], on="iso3", how="left")
    # GLOBOCAN territories without an FY23 income group (e.g. Venezuela, unclassified since
    # 2021) take the group of their last classification: UMC for VEN, HIC for French overseas
    # departments and other high-income territories.
    manual = {"VEN": "UMC", "GUF": "HIC", "GLP": "HIC", "MTQ": "HIC", "REU": "HIC", "MYT": "UMC",
              "ESH": "LMC", "TWN": "HIC"}
    for k, v in manual.items():
        out.loc[(out.iso3 == k) & out.income_group.isna(), "income_group"] = v
    return out


def _gdp(d: Path, countries: pd.DataFrame, classes: pd.DataFrame) -> pd.DataFrame:
    """GDP per capita, current US$, 2018 (= 2018 US$, the Commission's price year); nearest
    year 2015-2022 if 2018 is missing; else the income-group median (flag 'imputed')."""
    g = pd.read_csv(d / "impact" / "wb_gdp_pop_datasets" / "DERIVED_gdp_per_capita_current_usd.csv")
    g = g[g.Year.between(2015, 2022)].dropna(subset=["gdp_per_capita_usd"])
    g["dist"] = (g.Year - 2018).abs()
    g = g.sort_values(["iso3", "dist"]).groupby("iso3").first()
    out = countries[["iso3"]].merge(classes[["iso3", "income_group"]], on="iso3", how="left")
    out["gdp_pc"] = out.iso3.map(g.gdp_per_capita_usd)
    out["gdp_source"] = np.where(out.gdp_pc.notna(), "world_bank", "imputed")
    med = out.groupby("income_group").gdp_pc.median()
    out["gdp_pc"] = out.gdp_pc.fillna(out.income_group.map(med)).round(1)
    return out[["iso3", "gdp_pc", "gdp_source"]]


def _densities(d: Path, countries: pd.DataFrame, gdp: pd.DataFrame) -> pd.DataFrame:
    """Baseline units per million: OECD (latest year) or WHO GHO AFRO (latest year), else
    imputed. CT and MRI: OLS of log density on log GDP per capita over the countries that report
    it (OECD + WHO AFRO span LIC to HIC). PET and SPECT are reported by OECD countries only, so a
    GDP regression would extrapolate far out of range: they are imputed as the country's CT
    density times the median PET/CT (SPECT/CT) ratio of the reporting countries."""
    o = pd.read_csv(d / "oecd_med_tech" / "OECD_DF_MED_TECH_per_million.csv")
    o = o[o.MEDICAL_TECH.isin(OECD_MOD)].dropna(subset=["OBS_VALUE"])
    o["mod"] = o.MEDICAL_TECH.map(OECD_MOD)
    o = o.sort_values("TIME_PERIOD").groupby(["REF_AREA", "mod"]).OBS_VALUE.last()
    obs: dict[tuple[str, str], tuple[float, str]] = {
        (k[0], k[1]): (float(v), "oecd") for k, v in o.items()}
    for mod, fname in (("CT", "CT"), ("MRI", "MRI")):
        w = pd.read_csv(d / "who_gho_devices_afro"
                        / f"Total_density_per_million_population_{fname}.csv")
        w = w.dropna(subset=["FactValueNumeric"]).sort_values("Period")
        for iso, v in w.groupby("SpatialDimValueCode").FactValueNumeric.last().items():
            obs.setdefault((iso, mod), (float(v), "who_gho"))
    out = countries[["iso3"]].merge(gdp, on="iso3")
    lg = np.log(out.gdp_pc.to_numpy())
    for mod in MODALITIES:
        if mod in ("PET", "SPECT"):
            ratios = [obs[(iso, mod)][0] / obs[(iso, "CT")][0] for iso in out.iso3
                      if (iso, mod) in obs and (iso, "CT") in obs and obs[(iso, "CT")][0] > 0]
            ratio = float(np.median(ratios))
            src = np.array([obs[(iso, mod)][1] if (iso, mod) in obs else "imputed"
                            for iso in out.iso3], dtype=object)
            val = np.array([obs[(iso, mod)][0] if (iso, mod) in obs else ratio * ct
                            for iso, ct in zip(out.iso3, out["CT"], strict=True)])
            out[mod] = np.round(val, 3)
            out[f"{mod}_source"] = src
            print(f"  {mod}: {len(ratios)} observed, median ratio to CT {ratio:.3f}")
            continue
        have = [(i, obs[(iso, mod)][0]) for i, iso in enumerate(out.iso3) if (iso, mod) in obs]
        idx = np.array([i for i, _ in have])
        y = np.log(np.maximum([v for _, v in have], 0.01))
        b, a = np.polyfit(lg[idx], y, 1)
        pred = np.exp(a + b * lg)
        val = pred.copy()
        src = np.array(["imputed"] * len(out), dtype=object)
        for i, v in have:
            val[i] = v
            src[i] = obs[(out.iso3[i], mod)][1]
        out[mod] = np.round(val, 3)
        out[f"{mod}_source"] = src
        print(f"  {mod}: {len(have)} observed, log-log slope {b:.2f}")
    return out[["iso3"] + [c for m in MODALITIES for c in (m, f"{m}_source")]]


def _lifetables(d: Path, countries: pd.DataFrame) -> pd.DataFrame:
    t = pd.read_csv(d / "impact" / "lemur_lifetables" / "wpp2019_abridged_lt_2015_2020.csv")
    t = t[t.type == "Country/Area"]
    t["m49"] = t.country_code.astype(int)
    t = t[t.m49.isin(countries.m49)]
    t["sex"] = t.sex.str[0]
    t = t.rename(columns={"Lxn": "Lx"})
    return t[["m49", "sex", "x", "n", "lx", "Lx"]].round(
        {"x": 0, "n": 0, "lx": 1, "Lx": 1}).astype({"x": int, "n": int})


def main(shared: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    glob, countries = _globocan(shared)
    classes = _classes(shared, countries)
    gdp = _gdp(shared, countries, classes)
    c = (countries.merge(classes, on="iso3").merge(gdp, on="iso3")
         .merge(_population(shared, countries), on="iso3")
         .merge(_case_growth(shared, countries), on="iso3")
         .merge(_mean_ages(shared, countries), on="iso3")
         .merge(_densities(shared, countries, gdp), on="iso3"))
    lt = _lifetables(shared, countries)
    missing_lt = sorted(set(countries.m49) - set(lt.m49))
    c["lifetable_m49"] = c.m49.where(~c.m49.isin(missing_lt), -1)
    glob.to_csv(OUT / "globocan.csv", index=False)
    c.to_csv(OUT / "countries.csv", index=False)
    lt.to_csv(OUT / "lifetables.csv", index=False)
    print(f"{len(c)} countries, {len(glob)} country-cancer rows, life tables missing for "
          f"{len(missing_lt)} ({missing_lt}); no income group: "
          f"{sorted(c.iso3[c.income_group.isna()])}; no population: "
          f"{sorted(c.iso3[c.pop_2022.isna()])}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
