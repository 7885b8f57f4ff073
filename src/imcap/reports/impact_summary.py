"""The impact estimate of a country profile: what scaling up imaging would avert, from
:mod:`imcap.impact` (the Lancet Oncology Commission on Medical Imaging and Nuclear Medicine
method, Hricak et al. 2021 / Ward et al. 2021, re-implemented and calibrated to its published
results; docs/impact.md), with its provenance.

The built-in ``imaging`` scenario (imaging scaled up to the mean high-income density for the
Commission's 2020-2030 cohorts) is run for every country (the model's references are global)
with the registry's densities where it has them, and the country's row is summarised: point
estimate (draw 0) and 95% interval over ``draws`` probabilistic draws.
"""

from __future__ import annotations

from typing import Any

from imcap.impact import builtin, load_inputs_with_registry, make_draws, simulate, summarise
from imcap.impact.params import MODALITIES, YEARS
from imcap.store.db import Database

SEED = 20210301
OUTPUTS = (("deaths_averted", "cancer deaths averted", "deaths"),
           ("life_years", "life-years gained", "years"),
           ("cost", "cost (discounted, US$)", "US$"),
           ("benefit_fi", "economic benefit, full income (US$)", "US$"),
           ("return_fi", "return per dollar, full income", "US$ per US$"))


def country_impact(db: Database | None, iso3: str, draws: int = 100) -> dict[str, Any] | None:
    """The ``imaging`` scale-up estimate for ``iso3`` (None if the model has no such country):
    ``{"scenario", "rows": [{"output", "label", "unit", "value", "lo", "hi"}], "provenance"}``.
    Runs in about half a second for 100 draws (all 185 countries)."""
    inp = load_inputs_with_registry(db)
    codes = [str(c) for c in inp.iso3]
    if iso3 not in codes:
        return None
    res = simulate(inp, builtin("imaging"), make_draws(inp, draws, seed=SEED))
    row = summarise(res, by="country", only=[iso3])[0]
    i = codes.index(iso3)
    densities = [{"modality": m, "per_million": float(inp.density[i][k]),
                  "source": str(inp.density_source[i][k])} for k, m in enumerate(MODALITIES)]
    return {
        "scenario": "imaging",
        "rows": [{"output": key, "label": label, "unit": unit, "value": row[key],
                  "lo": row[f"{key}_lo"], "hi": row[f"{key}_hi"]}
                 for key, label, unit in OUTPUTS],
        "provenance": {
            "model": "imcap.impact: Lancet Oncology Commission on Medical Imaging and Nuclear "
                     "Medicine method (Hricak et al., Lancet Oncol 2021;22:e136-72; Ward et "
                     "al., Lancet Oncol 2021;22:341-50), re-implemented and calibrated to its "
                     "published global results (docs/impact.md)",
            "scenario": "imaging (CT, MRI, PET, SPECT) scaled up to the mean density of "
                        "high-income countries, "
                        f"cancer patients diagnosed {min(YEARS)}-{max(YEARS)}",
            "inputs": "GLOBOCAN 2022 cases and deaths, UN WPP 2019 life tables, World Bank GDP "
                      "(bundled with imcap.impact); current densities per million",
            "densities": densities,
            "draws": draws, "seed": SEED,
            "interval": "95% interval (2.5th-97.5th percentile over draws); value = point "
                        "estimate (all parameters at calibrated values)",
        },
    }


def with_impact(profile: dict[str, Any], imp: dict[str, Any] | None) -> dict[str, Any]:
    """``profile`` with ``impact`` set to ``imp`` (:func:`country_impact`) and, when there is
    one, the estimate's provenance added to its sources (web profile and printed report)."""
    profile["impact"] = imp
    if imp is not None:
        prov = imp["provenance"]
        profile["sources"] = sorted([*profile["sources"], {
            "figure": "Impact estimate (imaging scale-up)", "source": prov["model"],
            "year": None, "source_date": None,
            "method": f"{prov['scenario']}; {prov['draws']} draws"}],
            key=lambda r: r["figure"])
    return profile
