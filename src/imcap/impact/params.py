"""Fixed assumptions, free (calibrated) parameters and their uncertainty.

Everything the model assumes is declared here once, with its source; ``docs/impact.md`` lists the
same table. Three kinds of numbers:

- **data** (``data.py``): GLOBOCAN, WPP, World Bank, OECD/WHO densities — not touched here;
- **fixed assumptions** (module constants below), each with a source or the word *assumed*;
- **free parameters** (:class:`Params`), fitted once to the Commission's *global* results by
  :func:`imcap.impact.calibrate.fit` and stored in ``data/impact/calibration.json``. They are
  never fitted per country.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from importlib import resources

import numpy as np

CANCERS: tuple[str, ...] = ("oesophagus", "stomach", "colon", "rectum", "anus", "liver",
                            "pancreas", "lung", "breast", "cervix", "prostate")
MODALITIES: tuple[str, ...] = ("CT", "MRI", "PET", "SPECT")
YEARS: tuple[int, ...] = tuple(range(2020, 2031))  # diagnosis cohorts, as the Commission
BASE_YEAR = 2020  # discounting origin
DISCOUNT_RATE = 0.03  # Commission: costs and benefits discounted at 3%/year

# Sex of the life table used per cancer (B both, F female, M male).
SEX: dict[str, str] = {"breast": "F", "cervix": "F", "prostate": "M"}

# Median age at diagnosis, years: NCI SEER Cancer Stat Facts (2017-2021 diagnoses).
# Used only as offsets from colon: age[c, k] = SEER_AGE[k] - SEER_AGE["colon"] + mean age of
# colon cases in country c (GLOBOCAN 2022 by age); colon and rectum use their own country means.
SEER_AGE: dict[str, float] = {"oesophagus": 68, "stomach": 68, "colon": 68, "rectum": 63,
                              "anus": 63, "liver": 65, "pancreas": 70, "lung": 71,
                              "breast": 63, "cervix": 50, "prostate": 67}
# Years from diagnosis to the cancer death that scale-up averts (assumed: most deaths of the
# 11 cancers occur within 1-3 years of diagnosis; CONCORD/SEER survival curves).
DEATH_LAG = 2.0
WORKING_AGES = (15.0, 65.0)  # human-capital valuation: productive ages [15, 65) (ILO)

# Share of a patient's imaging need by modality (rows sum to 1). *Assumed* from NCCN/ESMO
# staging and treatment-planning pathways (CT for most staging; MRI for rectum, liver,
# cervix, prostate, breast; PET for lung and oesophagus; SPECT bone scan for breast and
# prostate). Ultrasound and X-ray are not modelled (no country data; see docs).
IMAGING_WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    #             CT    MRI   PET   SPECT
    "oesophagus": (0.60, 0.05, 0.35, 0.00),
    "stomach":    (0.85, 0.05, 0.10, 0.00),
    "colon":      (0.85, 0.05, 0.10, 0.00),
    "rectum":     (0.45, 0.45, 0.10, 0.00),
    "anus":       (0.45, 0.40, 0.15, 0.00),
    "liver":      (0.50, 0.50, 0.00, 0.00),
    "pancreas":   (0.70, 0.20, 0.10, 0.00),
    "lung":       (0.60, 0.05, 0.30, 0.05),
    "breast":     (0.35, 0.30, 0.10, 0.25),
    "cervix":     (0.35, 0.45, 0.20, 0.00),
    "prostate":   (0.20, 0.45, 0.10, 0.25),
}
# Relative cost of one procedure by modality (CT = 1). Approximate ratios of US Medicare
# physician-fee-schedule global payments (CT abdomen/pelvis, MRI, PET-CT, bone scan).
REL_PROCEDURE_COST: tuple[float, float, float, float] = (1.0, 1.6, 4.8, 1.0)
# Elasticity of unit costs to GDP per capita relative to the USA (assumed; equipment and
# supplies are traded, staff are local): price[c] = (gdp_pc[c] / gdp_pc[USA]) ** 0.5.
PRICE_ELASTICITY = 0.5
# Scale-up path (assumed, as the Commission: linear from 2020 to full in 2030):
# ramp(t) = (t - 2020) / 10.
RAMP_START, RAMP_END = 2020, 2030
# Highest survival a scale-up can reach (assumed cap on 1 - MIR).
SURVIVAL_CAP = 0.98
# Lower/upper bound on the mortality-to-incidence ratio used as lifetime death fraction.
MIR_BOUNDS = (0.02, 0.98)


@dataclass(frozen=True)
class Params:
    """The free parameters, fitted globally (see ``calibrate.fit``).

    phi:      5-year survival of a patient who lacks the imaging their stage and treatment need,
              relative to one who gets it (0 < phi <= 1); imaging scale-up deaths averted.
    eta:      how much the imaging effect depends on treatment being available: the effect is
              scaled by tau ** eta, tau = min(1, s0 / s_HIC), the country's baseline survival
              relative to the high-income mean (imaging only saves lives that treatment can
              save). In the comprehensive scenario treatment scales up and tau = 1.
    gamma:    curvature of access in density, h = min(1, d / d_HIC) ** gamma.
    theta:    comprehensive scale-up: the health-system survival gap x (below) at and above
              which a country's whole gap to the high-income mean survival is closed
              (0 < theta <= 1).
    xi:       comprehensive scale-up: steepness of the share of the gap closed,
              min(1, x / theta) ** xi, with x = 1 - sum_k n s0 / sum_k n s_HIC the country's
              case-mix-standardised survival shortfall relative to the high-income mean
              (0 for countries at or above it).
    kappa:    comprehensive scale-up: front-loading of the treatment and quality ramp,
              1 - (1 - r(t)) ** kappa (kappa = 1: the linear 2020-2030 ramp r(t)).
    rho:      life-years gained per averted death, as a multiple of the general-population
              remaining life expectancy at the age of the averted death.
    cost_img: US$ (2018, US prices) of imaging one additional patient fully (CT-equivalent).
    cost_trt: US$ (2018, US prices) of treatment and quality care for one patient in the gap.
    vly_fi:   value of a life-year, multiple of GDP per capita at the world mean income
              (full income).
    vly_elasticity: income elasticity of the value of a life-year across countries (full
              income): VLY[c] = vly_fi * gdp[c] * (gdp[c] / gdp_world) ** (elasticity - 1),
              the value-transfer form of Robinson, Hammitt & O'Keeffe (J Benefit Cost Anal
              2019), who recommend elasticities of 1.0-1.5.
    vly_hc:   value of a productive life-year, multiple of GDP per capita (human capital).
    """

    phi: float = 0.85
    eta: float = 1.0
    gamma: float = 0.5
    theta: float = 0.5
    xi: float = 0.0
    kappa: float = 1.0
    rho: float = 1.0
    cost_img: float = 300.0
    cost_trt: float = 5000.0
    vly_fi: float = 2.0
    vly_elasticity: float = 1.0
    vly_hc: float = 1.0

    def replace(self, **kw: float) -> Params:
        return Params(**{**asdict(self), **kw})

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


PARAM_NAMES = tuple(f.name for f in fields(Params))


def calibrated() -> Params:
    """The parameters fitted by ``python -m imcap.impact.calibrate`` (bundled JSON)."""
    f = resources.files("imcap.data") / "impact" / "calibration.json"
    doc = json.loads(f.read_text())
    return Params(**doc["params"])


# Uncertainty: (distribution, spread) per free parameter, centred on the calibrated value.
# "lognorm": value * exp(N(0, s)); "logit": logit(value) + N(0, s); "norm_rel": value*(1+N(0,s)).
# Spreads are assumed (documented in docs/impact.md), chosen so that the global 95% intervals
# are of the width the Commission reports (deaths +-3%, comprehensive cost 86-422 bn).
PARAM_UNCERTAINTY: dict[str, tuple[str, float]] = {
    "phi": ("logit", 0.35),
    "eta": ("lognorm", 0.20),
    "gamma": ("lognorm", 0.25),
    "theta": ("logit", 0.30),
    "xi": ("lognorm", 0.20),
    "kappa": ("lognorm", 0.30),
    "rho": ("norm_rel", 0.08),
    "cost_img": ("lognorm", 0.25),
    "cost_trt": ("lognorm", 0.40),
    "vly_fi": ("lognorm", 0.20),
    "vly_elasticity": ("norm_rel", 0.10),
    "vly_hc": ("lognorm", 0.20),
}
# Data uncertainty (lognormal sd): world-level common factor and country-level factor on the
# lifetime death fraction (GLOBOCAN MIR); country density factor, reported vs imputed.
MIR_SD_GLOBAL, MIR_SD_COUNTRY = 0.015, 0.05
DENSITY_SD_REPORTED, DENSITY_SD_IMPUTED = 0.10, 0.50


def draw_params(p: Params, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n draws of every free parameter (arrays of shape (n,)); draw 0 is the point estimate."""
    out: dict[str, np.ndarray] = {}
    for name in PARAM_NAMES:
        v = float(getattr(p, name))
        kind, s = PARAM_UNCERTAINTY[name]
        z = rng.standard_normal(n)
        z[0] = 0.0
        if kind == "lognorm":
            x = v * np.exp(s * z)
        elif kind == "norm_rel":
            x = v * np.maximum(1 + s * z, 0.05)
        else:  # logit
            c = min(max(v, 1e-9), 1 - 1e-9)
            x = 1 / (1 + np.exp(-(np.log(c / (1 - c)) + s * z)))
        x[0] = v
        out[name] = x
    return out
