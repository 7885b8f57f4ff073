"""Running the model: probabilistic draws (vectorised, in blocks; on a Dask cluster when a
scheduler is given), results per draw and country, and summaries (median, 95% interval) by
country, income group, region and world.

Draw 0 is always the point estimate (every parameter at its calibrated value, no data noise).
All randomness comes from one ``numpy.random.SeedSequence(seed)``, drawn up front, so results
are identical whether blocks run locally or on Dask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from imcap.errors import ParameterError
from imcap.impact.data import INCOME_GROUPS, ImpactInputs
from imcap.impact.model import METRICS, References, evaluate
from imcap.impact.params import (
    DENSITY_SD_IMPUTED,
    DENSITY_SD_REPORTED,
    MIR_BOUNDS,
    MIR_SD_COUNTRY,
    MIR_SD_GLOBAL,
    Params,
    calibrated,
    draw_params,
)
from imcap.impact.scenarios import ScenarioSpec

BLOCK = 100  # draws per vectorised block (bounds memory at ~ BLOCK*C*K*T*8 bytes per array)


@dataclass(frozen=True)
class Draws:
    """Everything random in a run: parameters (D,), MIR (D, C, K), current densities (D, C, M)."""

    params: dict[str, np.ndarray]
    mir: np.ndarray
    d0: np.ndarray

    @property
    def n(self) -> int:
        return len(self.mir)

    def block(self, lo: int, hi: int) -> Draws:
        return Draws({k: v[lo:hi] for k, v in self.params.items()}, self.mir[lo:hi],
                     self.d0[lo:hi])


def make_draws(inp: ImpactInputs, n: int, seed: int = 20210301,
               params: Params | None = None) -> Draws:
    """n draws (n >= 1). Draw 0: point estimate. Parameter spreads: ``params.PARAM_UNCERTAINTY``;
    MIR: lognormal world factor x country factor; densities: lognormal per country and
    modality, wider where imputed."""
    if n < 1:
        raise ParameterError("too few draws", expected="at least 1", got=n, where="--draws")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    p = draw_params(params or calibrated(), n, rng)
    zg = rng.standard_normal((n, 1, 1)) * MIR_SD_GLOBAL
    zc = rng.standard_normal((n, len(inp.iso3), 1)) * MIR_SD_COUNTRY
    zg[0] = 0.0
    zc[0] = 0.0
    mir = np.clip(inp.mir[None] * np.exp(zg + zc), *MIR_BOUNDS)
    sd = np.where(inp.density_source == "imputed", DENSITY_SD_IMPUTED, DENSITY_SD_REPORTED)
    zd = rng.standard_normal((n, *inp.density.shape)) * sd
    zd[0] = 0.0
    d0 = inp.density[None] * np.exp(zd)
    return Draws(p, mir, d0)


def _run_block(inp: ImpactInputs, ref: References, spec: ScenarioSpec,
               draws: Draws) -> dict[str, np.ndarray]:
    d1 = spec.target_density(draws.d0, ref.d_hic, inp.pop)
    return evaluate(inp, ref, draws.params, draws.d0, d1, draws.mir,
                    comprehensive=spec.comprehensive, plan_cost=spec.plan_cost)


@dataclass(frozen=True)
class ImpactResult:
    """Per draw and country results of one scenario: ``values[metric]`` is (D, C)."""

    scenario: str
    inputs: ImpactInputs
    values: dict[str, np.ndarray]
    notes: tuple[str, ...] = ()

    @property
    def n_draws(self) -> int:
        return int(self.values["deaths_averted"].shape[0])


def simulate(inp: ImpactInputs, spec: ScenarioSpec, draws: Draws,
             ref: References | None = None, scheduler: str | Any | None = None) -> ImpactResult:
    """Evaluate ``spec`` for all draws, in blocks of BLOCK draws. ``scheduler``: None (local),
    a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``."""
    ref = ref or References.from_inputs(inp)
    bounds = [(lo, min(lo + BLOCK, draws.n)) for lo in range(0, draws.n, BLOCK)]
    if scheduler is None:
        parts = [_run_block(inp, ref, spec, draws.block(lo, hi)) for lo, hi in bounds]
    else:
        from distributed import Client

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
        try:
            futs = client.map(_run_block, [inp] * len(bounds), [ref] * len(bounds),
                              [spec] * len(bounds), [draws.block(lo, hi) for lo, hi in bounds],
                              pure=False)
            parts = client.gather(futs)
        finally:
            if client is not scheduler:
                client.close()
    values = {m: np.concatenate([p[m] for p in parts], axis=0) for m in METRICS}
    return ImpactResult(scenario=spec.name, inputs=inp, values=values, notes=spec.notes)


# ----------------------------------------------------------------------------- summaries
GROUPINGS = ("country", "income", "region", "wb_region", "world")
OUTPUTS = ("deaths_baseline", "deaths_averted", "life_years", "cost", "benefit_fi",
           "benefit_hc", "net_benefit_fi", "net_benefit_hc", "return_fi", "return_hc")


def group_labels(inp: ImpactInputs, by: str) -> np.ndarray:
    if by == "country":
        return inp.iso3
    if by == "income":
        return inp.income_group
    if by in ("region", "wb_region"):
        # territories outside WHO membership (e.g. Puerto Rico, French overseas departments)
        # are kept in a group of their own so that groups always add up to the world
        lab = inp.who_region if by == "region" else inp.wb_region
        return np.where(lab == "", "other", lab)
    if by == "world":
        return np.full(len(inp.iso3), "WLD")
    raise ParameterError("unknown grouping", expected=" | ".join(GROUPINGS), got=by,
                         where="--group")


def totals(result: ImpactResult, by: str = "world") -> tuple[list[str], dict[str, np.ndarray]]:
    """Sums over the countries of each group, per draw, plus derived outputs: net benefit =
    benefit - cost; return per dollar = benefit / cost (NaN where cost is 0).
    Returns (group labels, {output: (D, G)})."""
    labels = group_labels(result.inputs, by)
    order = list(INCOME_GROUPS) if by == "income" else sorted(set(labels))
    order = [g for g in order if g in set(labels)]
    onehot = (labels[:, None] == np.array(order)[None, :]).astype(float)  # (C, G)
    out = {m: result.values[m] @ onehot for m in METRICS}
    cost = out["cost"]
    for v in ("fi", "hc"):
        out[f"net_benefit_{v}"] = out[f"benefit_{v}"] - cost
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"return_{v}"] = np.where(cost > 0, out[f"benefit_{v}"] / cost, np.nan)
    return order, out


def summarise(result: ImpactResult, by: str = "world",
              only: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One row per group: for each output its point estimate (draw 0), median and 95%
    interval (2.5th and 97.5th percentiles over draws)."""
    labels, out = totals(result, by)
    inp = result.inputs
    names = dict(zip(inp.iso3, inp.name, strict=True))
    rows = []
    for g, label in enumerate(labels):
        if only and label not in only:
            continue
        row: dict[str, Any] = {"scenario": result.scenario, "group": by, "code": label,
                               "name": names.get(label, label) if by == "country" else label,
                               "draws": result.n_draws}
        for m in OUTPUTS:
            x = out[m][:, g]
            row[m] = float(x[0])
            ok = x[np.isfinite(x)]
            if len(ok):
                lo, med, hi = np.percentile(ok, [2.5, 50, 97.5])
            else:
                lo = med = hi = float("nan")
            row[f"{m}_median"] = float(med)
            row[f"{m}_lo"] = float(lo)
            row[f"{m}_hi"] = float(hi)
        rows.append(row)
    return rows
