"""Calibration: the one global fit of the free parameters to the Commission's published results
(Ward et al., Lancet Oncol 2021;22:341-50; Hricak et al., Lancet Oncol 2021;22:e136-72).

Run ``python -m imcap.impact.calibrate`` to refit and rewrite
``src/imcap/data/impact/calibration.json``. Deterministic (no randomness: the point estimate,
draw 0, is evaluated with root finding and closed forms); about two minutes (768 grid points).

Procedure, for a given access curvature gamma, treatment dependence eta, gap-closure steepness
xi and scale-up front-loading kappa (outer grid):

1. phi    : root of  deaths averted, imaging only         = 2.46 M   (Brent)
2. theta  : root of  deaths averted, comprehensive        = 9.55 M   (Brent)
3. rho    : least squares in logs on life-years, both scenarios (54.92 M, 232.30 M); closed form
4. cost_img: imaging-only cost = US$ 6.84 bn; closed form (cost is linear in cost_img)
5. cost_trt: comprehensive cost = US$ 232.9 bn; closed form
6. vly_elasticity: root in [0.5, 2.0] (Robinson et al. 2019's range) of
   return_FI(imaging) / return_FI(comprehensive) = 179.19 / 12.43; the nearer bound if none;
   vly_fi: then closed form for the two full-income returns (least squares in logs)
7. vly_hc : least squares in logs on the two human-capital returns (31.61, 2.46)

Outer grid: GAMMA_GRID x ETA_GRID x XI_GRID x KAPPA_GRID; keep the point with the smallest
``score``: the worst fitted global relative error in units of 5%, or INCOME_WEIGHT (0.5) x the
worst deviation of the published income-group figures (INCOME_TARGETS) in units of their 95% UI
half-width, whichever is larger. Deaths with no scale-up are *not* fitted: they follow from
GLOBOCAN 2022 mortality-to-incidence ratios and projected cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from imcap.impact.data import ImpactInputs, load_inputs
from imcap.impact.model import References
from imcap.impact.params import Params
from imcap.impact.run import make_draws, simulate, totals
from imcap.impact.scenarios import builtin

# Published global results (PUBLISHED_TARGETS.md): value, in model units (persons, US$).
TARGETS: dict[str, float] = {
    "deaths_baseline": 76.0e6,
    "imaging.deaths_averted": 2.46e6,
    "imaging.life_years": 54.92e6,
    "imaging.cost": 6.84e9,
    "imaging.return_fi": 179.19,
    "imaging.return_hc": 31.61,
    "comprehensive.deaths_averted": 9.55e6,
    "comprehensive.life_years": 232.30e6,
    "comprehensive.cost": 232.9e9,
    "comprehensive.return_fi": 12.43,
    "comprehensive.return_hc": 2.46,
}
# Published income-group results (Ward et al. 2021, Findings): share of the group's deaths with
# no scale-up that comprehensive scale-up averts, point and 95% UI. Part of the objective with
# weight INCOME_WEIGHT (``score``; docs/impact.md, "Income-group split").
INCOME_TARGETS: dict[str, tuple[float, float, float]] = {
    "comprehensive.relative_reduction.LIC": (0.382, 0.326, 0.445),
    "comprehensive.relative_reduction.HIC": (0.028, 0.018, 0.043),
}
ELASTICITY_RANGE = (0.5, 2.0)
THETA_RANGE = (1e-6, 1.0)
GAMMA_GRID = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
ETA_GRID = (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0)
XI_GRID = (0.5, 1.0, 1.5, 2.0)
KAPPA_GRID = (1.0, 3.0, 10.0, 30.0)
# Objective weights (``score``): a global target GLOBAL_TOL off counts as much as an income
# target 1 / INCOME_WEIGHT UI half-widths off, i.e. an income figure at its 95% UI bound
# counts as much as a global target 2.5% off.
GLOBAL_TOL = 0.05
INCOME_WEIGHT = 0.5


def world(inp: ImpactInputs, p: Params, scenario: str,
          ref: References | None = None) -> dict[str, float]:
    """Point estimate of the world totals of one built-in scenario for parameters ``p``."""
    r = simulate(inp, builtin(scenario), make_draws(inp, 1, params=p), ref=ref)
    _, out = totals(r, "world")
    return {k: float(v[0, 0]) for k, v in out.items()}


def results(inp: ImpactInputs, p: Params) -> dict[str, float]:
    """The model's values of every target, keyed like ``TARGETS``."""
    ref = References.from_inputs(inp)
    img = world(inp, p, "imaging", ref)
    comp = world(inp, p, "comprehensive", ref)
    out = {"deaths_baseline": img["deaths_baseline"]}
    for name, w in (("imaging", img), ("comprehensive", comp)):
        for k in ("deaths_averted", "life_years", "cost", "return_fi", "return_hc"):
            out[f"{name}.{k}"] = w[k]
    return out


def income_split(inp: ImpactInputs, p: Params) -> dict[str, float]:
    """Point estimate, per scenario and income group, of the share of the group's baseline
    deaths averted (``{scenario}.relative_reduction.{group}``) and of the group's share of the
    world's deaths averted (``{scenario}.share_of_averted.{group}``)."""
    ref = References.from_inputs(inp)
    draws = make_draws(inp, 1, params=p)
    out: dict[str, float] = {}
    for scn in ("imaging", "comprehensive"):
        labels, t = totals(simulate(inp, builtin(scn), draws, ref=ref), "income")
        averted, base = t["deaths_averted"][0], t["deaths_baseline"][0]
        for g, a, b in zip(labels, averted, base, strict=True):
            out[f"{scn}.relative_reduction.{g}"] = float(a / b)
            out[f"{scn}.share_of_averted.{g}"] = float(a / averted.sum())
    return out


def _fit_phi(inp: ImpactInputs, gamma: float, eta: float) -> float:
    """Step 1: phi such that imaging alone averts the published deaths (depends on gamma, eta
    only)."""
    ref = References.from_inputs(inp)
    p = Params(gamma=gamma, eta=eta)
    return float(brentq(lambda x: world(inp, p.replace(phi=x), "imaging", ref)["deaths_averted"]
                        - TARGETS["imaging.deaths_averted"], 1e-4, 1 - 1e-9, xtol=1e-10))


def _fit_given(inp: ImpactInputs, gamma: float, eta: float, xi: float, kappa: float,
               phi: float | None = None) -> Params:
    """Steps 1-7 for one point of the outer grid (``phi`` from ``_fit_phi`` if given)."""
    ref = References.from_inputs(inp)
    T = TARGETS  # noqa: N806
    phi = _fit_phi(inp, gamma, eta) if phi is None else phi
    p = Params(gamma=gamma, eta=eta, xi=xi, kappa=kappa, phi=phi)

    def averted(scn: str, q: Params) -> float:
        return world(inp, q, scn, ref)["deaths_averted"]

    # averted deaths fall as theta rises (less of the gap closed): theta small = most closed
    target = T["comprehensive.deaths_averted"]
    most = averted("comprehensive", p.replace(theta=THETA_RANGE[0]))
    least = averted("comprehensive", p.replace(theta=THETA_RANGE[1]))
    theta = THETA_RANGE[0] if most < target else THETA_RANGE[1] if least > target else brentq(
        lambda x: averted("comprehensive", p.replace(theta=x)) - target, *THETA_RANGE,
        xtol=1e-12)
    p = p.replace(theta=theta)
    img = world(inp, p, "imaging", ref)
    comp = world(inp, p, "comprehensive", ref)
    rho = p.rho * np.sqrt(T["imaging.life_years"] / img["life_years"]
                          * T["comprehensive.life_years"] / comp["life_years"])
    cost_img = p.cost_img * T["imaging.cost"] / img["cost"]
    p = p.replace(rho=float(rho), cost_img=float(cost_img))
    c_img_in_comp = world(inp, p.replace(cost_trt=0.0), "comprehensive", ref)["cost"]
    cost_trt = p.cost_trt * (T["comprehensive.cost"] - c_img_in_comp) / (
        world(inp, p, "comprehensive", ref)["cost"] - c_img_in_comp)
    p = p.replace(cost_trt=float(max(cost_trt, 0.0)))
    want = T["imaging.return_fi"] / T["comprehensive.return_fi"]

    def ratio(e: float) -> float:
        q = p.replace(vly_elasticity=e)
        return world(inp, q, "imaging", ref)["return_fi"] / world(
            inp, q, "comprehensive", ref)["return_fi"]

    lo_e, hi_e = ELASTICITY_RANGE
    try:
        eps = brentq(lambda e: np.log(ratio(e) / want), lo_e, hi_e, xtol=1e-8)
    except ValueError:  # no root in range: the bound closest to the target ratio
        eps = min((lo_e, hi_e), key=lambda e: abs(np.log(ratio(e) / want)))
    p = p.replace(vly_elasticity=float(eps))
    img = world(inp, p, "imaging", ref)
    comp = world(inp, p, "comprehensive", ref)
    f_fi = np.sqrt(T["imaging.return_fi"] / img["return_fi"]
                   * T["comprehensive.return_fi"] / comp["return_fi"])
    f_hc = np.sqrt(T["imaging.return_hc"] / img["return_hc"]
                   * T["comprehensive.return_hc"] / comp["return_hc"])
    return p.replace(vly_fi=float(p.vly_fi * f_fi), vly_hc=float(p.vly_hc * f_hc))


def relative_errors(inp: ImpactInputs, p: Params) -> dict[str, float]:
    got = results(inp, p)
    return {k: got[k] / v - 1 for k, v in TARGETS.items()}


@dataclass(frozen=True)
class Fit:
    params: Params
    errors: dict[str, float]  # model / target - 1, per target
    values: dict[str, float]


def income_deviation(split: dict[str, float]) -> dict[str, float]:
    """Each income target's deviation in units of its 95% UI half-width on the side of the
    model's value: 0 at the published point, +-1 at the UI bounds."""
    out = {}
    for k, (point, lo, hi) in INCOME_TARGETS.items():
        m = split[k]
        out[k] = (m - point) / ((hi - point) if m >= point else (point - lo))
    return out


def score(errors: dict[str, float], split: dict[str, float]) -> float:
    """The calibration objective (smaller is better): the worst of every fitted global target's
    relative error (deaths with no scale-up are not fitted: no parameter moves them) in units
    of GLOBAL_TOL and INCOME_WEIGHT x every income target's deviation
    in UI half-widths (``income_deviation``)."""
    g = max(abs(e) for k, e in errors.items() if k != "deaths_baseline") / GLOBAL_TOL
    i = max(abs(z) for z in income_deviation(split).values())
    return max(g, INCOME_WEIGHT * i)


def fit(inp: ImpactInputs | None = None, gammas: tuple[float, ...] = GAMMA_GRID,
        etas: tuple[float, ...] = ETA_GRID, xis: tuple[float, ...] = XI_GRID,
        kappas: tuple[float, ...] = KAPPA_GRID) -> Fit:
    """The global calibration (module docstring). Deterministic."""
    inp = inp or load_inputs()
    best: tuple[float, Params] | None = None
    for g, eta in ((g, e) for g in gammas for e in etas):
        phi = _fit_phi(inp, float(g), float(eta))
        for xi, kappa in ((x, k) for x in xis for k in kappas):
            p = _fit_given(inp, float(g), float(eta), float(xi), float(kappa), phi=phi)
            sc = score(relative_errors(inp, p), income_split(inp, p))
            if best is None or sc < best[0] - 1e-12:
                best = (sc, p)
    assert best is not None
    p = best[1]
    return Fit(params=p, errors=relative_errors(inp, p), values=results(inp, p))


def write(f: Fit, path: Path | None = None) -> Path:
    path = path or Path(__file__).resolve().parents[1] / "data" / "impact" / "calibration.json"
    doc = {
        "about": "Free parameters of imcap.impact fitted to the Commission's global results "
                 "by `python -m imcap.impact.calibrate` (see docs/impact.md). Do not edit.",
        "params": {k: round(v, 10) for k, v in f.params.as_dict().items()},
        "targets": TARGETS,
        "model": {k: round(v, 4) for k, v in f.values.items()},
        "relative_error": {k: round(v, 5) for k, v in f.errors.items()},
        "income_targets": {k: {"published": v[0], "ui95": [v[1], v[2]],
                               "weight": INCOME_WEIGHT} for k, v in INCOME_TARGETS.items()},
        "income_split": {k: round(v, 5) for k, v in income_split(load_inputs(),
                                                                 f.params).items()},
    }
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


def main() -> None:
    f = fit()
    print("parameters:", json.dumps(f.params.as_dict(), indent=1))
    for k, v in TARGETS.items():
        print(f"  {k:32s} target {v:14.4g}  model {f.values[k]:14.4g}  "
              f"error {100 * f.errors[k]:+6.2f}%")
    print("written:", write(f))


if __name__ == "__main__":
    main()
