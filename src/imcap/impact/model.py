"""Numerical core: survival, deaths averted, life-years, costs and benefits, vectorised over
draws (D) x countries (C) x cancers (K) x modalities (M) x diagnosis years (T), on plain numpy
arrays. Equations (numbered as in docs/impact.md):

(1)  N[c,k,t]   = cases2022[c,k] * growth[c,t]                          projected cases
(2)  s0[c,k]    = 1 - MIR[c,k]                                          baseline survival
(3)  h[c,m,t]   = min(1, d[c,m,t] / dHIC[m]) ** gamma                   modality access
(4)  a[c,k,t]   = sum_m W[k,m] h[c,m,t]                                 share imaged as needed
(5)  s_img      = min(cap, s0 (1 - delta (1 - a1)) / (1 - delta (1 - a0)))   imaging scale-up
     delta      = (1 - phi) tau^eta,  tau = min(1, s0 / sHIC[k])     imaging needs treatment
(6)  s_comp     = max(s_img, s0 + R(t) f[c] max(0, sHIC[k] - s0))   imaging+treatment+quality
     f[c]       = min(1, x[c] / theta) ** xi                         share of the gap closed
     x[c]       = max(0, 1 - sum_k n s0 / sum_k n sHIC)          health-system survival gap
     R(t)       = 1 - (1 - r(t)) ** kappa                          front-loaded scale-up path
(7)  averted    = sum N (s1 - s0);  LY = sum N (s1 - s0) rho e(x)
(8)  B_FI       = sum N (s1 - s0) rho eD(x) v^(t-2020+lag) vly_fi gdp_pc (gdp_pc/gdp_w)^(eps-1)
     B_HC       = sum N (s1 - s0) rho wD(x) v^(t-2020+lag) vly_hc gdp_pc
(9)  C_img      = cost_img * price[c] * sum_{k,m,t} N W[k,m] q[m] (h1 - h0) v^(t-2020)
(10) C_trt      = cost_trt * price[c] * sum_{k,t} N R(t) f[c] max(0, sHIC - s0) / sHIC v^(t-2020)

with r(t) the linear ramp 2020 -> 2030, v = 1/1.03, price[c] = (gdp_pc[c]/gdp_pc[USA])**0.5,
q the relative procedure costs, e/eD/wD the (discounted, working-age) remaining life-years at the
age x of the averted death (``data.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imcap.impact.data import ImpactInputs
from imcap.impact.params import (
    BASE_YEAR,
    CANCERS,
    DEATH_LAG,
    DISCOUNT_RATE,
    IMAGING_WEIGHTS,
    PRICE_ELASTICITY,
    RAMP_END,
    RAMP_START,
    REL_PROCEDURE_COST,
    SURVIVAL_CAP,
    YEARS,
)

METRICS = ("deaths_baseline", "deaths_averted", "life_years", "cost", "benefit_fi",
           "benefit_hc")
W = np.array([IMAGING_WEIGHTS[k] for k in CANCERS])  # (K, M)
Q = np.array(REL_PROCEDURE_COST)  # (M,)
_T = np.array(YEARS, dtype=float)
RAMP = np.clip((_T - RAMP_START) / (RAMP_END - RAMP_START), 0.0, 1.0)  # (T,)
V = 1.0 / (1.0 + DISCOUNT_RATE)
DISC = V ** (_T - BASE_YEAR)  # (T,) costs incurred in year t
DISC_BENEFIT = V ** (_T - BASE_YEAR + DEATH_LAG)  # (T,) benefits start at the averted death


@dataclass(frozen=True)
class References:
    """Reference levels fixed for a run: the high-income mean density per modality (unweighted
    mean over high-income countries, as the Commission's 'mean level of high-income countries')
    and the high-income case-weighted mean survival per cancer."""

    d_hic: np.ndarray  # (M,)
    s_hic: np.ndarray  # (K,)
    gdp_world: float  # population-weighted mean GDP per capita, 2018 US$

    @staticmethod
    def from_inputs(inp: ImpactInputs) -> References:
        hic = inp.income_group == "HIC"
        d_hic = inp.density[hic].mean(axis=0)
        n = inp.cases[hic].sum(-1)
        s_hic = ((1 - inp.mir[hic]) * n).sum(0) / n.sum(0)
        gdp_world = float((inp.gdp_pc * inp.pop[:, 0]).sum() / inp.pop[:, 0].sum())
        return References(d_hic=d_hic, s_hic=s_hic, gdp_world=gdp_world)


def access(density: np.ndarray, d_hic: np.ndarray, gamma: np.ndarray | float) -> np.ndarray:
    """Equation (3): h = min(1, d/dHIC)**gamma; ``density`` (..., M) or (..., M, T)."""
    ref = d_hic if density.shape[-1] == len(d_hic) else d_hic[:, None]
    return np.minimum(1.0, density / ref) ** gamma


def evaluate(inp: ImpactInputs, ref: References, draws: dict[str, np.ndarray],
             d0: np.ndarray, d1: np.ndarray, mir: np.ndarray, *, comprehensive: bool,
             plan_cost: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """One block of draws. Shapes: draws[name] (D,); d0 (D, C, M) current densities;
    d1 (D, C, M, T) densities serving the cohort diagnosed in year t under the scenario;
    mir (D, C, K) lifetime death fraction; plan_cost (C, T) US$ per year or None for the
    Commission's per-patient costing. Returns each of METRICS as (D, C)."""
    g = draws["gamma"][:, None, None]
    phi = draws["phi"][:, None, None, None]
    n = inp.cases  # (C, K, T)
    h0 = access(d0, ref.d_hic, g)  # (D, C, M)
    # no added density -> exactly h0 (pow may round differently on differently shaped arrays)
    h1 = np.where(d1 > d0[..., None], np.maximum(access(d1, ref.d_hic, g[..., None]),
                                                 h0[..., None]), h0[..., None])  # (D,C,M,T)
    a0 = h0 @ W.T  # (D, C, K)
    # a1 as a0 plus the added access, so that no added access gives a1 == a0 exactly
    a1 = a0[..., None] + np.einsum("dcmt,km->dckt", h1 - h0[..., None], W, optimize=True)
    s0 = 1.0 - mir  # (D, C, K)
    tau = np.minimum(1.0, s0 / ref.s_hic)  # treatment capacity index
    delta = (1 - phi) * tau[..., None] ** draws["eta"][:, None, None, None]
    ratio = (1 - delta * (1 - a1)) / (1 - delta * (1 - a0[..., None]))
    s1 = np.minimum(np.maximum(SURVIVAL_CAP, s0[..., None]), s0[..., None] * ratio)  # (D,C,K,T)
    price = (inp.gdp_pc / inp.gdp_pc[inp.index("USA")]) ** PRICE_ELASTICITY  # (C,)
    if plan_cost is None:
        nwq = np.einsum("ckt,km->cmt", n, W * Q[None, :], optimize=True)  # (C, M, T)
        dh = h1 - h0[..., None]
        cost = draws["cost_img"][:, None] * price * np.einsum(
            "dcmt,cmt->dc", dh, nwq * DISC, optimize=True)
    else:
        cost = np.broadcast_to((plan_cost * DISC).sum(-1), (len(phi), len(price))).copy()
    if comprehensive:
        # (6): the package moves each cancer's survival towards the high-income mean by the
        # share f[c] of its gap, set by the country's case-mix-standardised survival gap x[c]
        gap = np.maximum(0.0, ref.s_hic - s0)  # (D, C, K) baseline gap to the HIC mean
        rel_gap = gap / ref.s_hic
        n_ck = n.sum(-1)  # (C, K)
        x = np.maximum(0.0, 1.0 - (s0 * n_ck).sum(-1) / (ref.s_hic * n_ck).sum(-1))  # (D, C)
        closed = np.minimum(1.0, x / draws["theta"][:, None]) ** draws["xi"][:, None]
        closed = closed[..., None]  # (D, C, 1)
        ramp = 1.0 - (1.0 - RAMP) ** draws["kappa"][:, None, None, None]  # (D, 1, 1, T)
        s1 = np.maximum(s1, s0[..., None] + ramp * (closed * gap)[..., None])
        if plan_cost is None:
            cost = cost + draws["cost_trt"][:, None] * price * np.einsum(
                "dck,dckt,ckt->dc", closed * rel_gap, ramp, n * DISC, optimize=True)
    ds = s1 - s0[..., None]  # (D, C, K, T)
    rho = draws["rho"][:, None]
    averted_ck = np.einsum("dckt,ckt->dck", ds, n, optimize=True)
    averted_disc = np.einsum("dckt,ckt->dck", ds, n * DISC_BENEFIT, optimize=True)
    return {
        "deaths_baseline": np.einsum("dck,ck->dc", mir, n.sum(-1), optimize=True),
        "deaths_averted": averted_ck.sum(-1),
        "life_years": rho * np.einsum("dck,ck->dc", averted_ck, inp.le, optimize=True),
        "cost": cost,
        "benefit_fi": rho * draws["vly_fi"][:, None] * inp.gdp_pc * (inp.gdp_pc / ref.gdp_world)
        ** (draws["vly_elasticity"][:, None] - 1) * np.einsum(
            "dck,ck->dc", averted_disc, inp.le_disc, optimize=True),
        "benefit_hc": rho * draws["vly_hc"][:, None] * inp.gdp_pc * np.einsum(
            "dck,ck->dc", averted_disc, inp.work_disc, optimize=True),
    }
