"""Impact of scaling up imaging: cancer deaths averted, life-years, costs and economic return.

A transparent, vectorised re-implementation in the spirit of the Lancet Oncology Commission on
Medical Imaging and Nuclear Medicine (2021), calibrated once to its published global results.
See docs/impact.md for every equation, its source, and what the model leaves out.

Typical use::

    from imcap.impact import load_inputs, make_draws, simulate, builtin, summarise
    inp = load_inputs()
    draws = make_draws(inp, 1000)
    res = simulate(inp, builtin("imaging"), draws)
    rows = summarise(res, by="income")
"""

from imcap.impact.data import (
    ImpactInputs,
    densities_from_db,
    load_inputs,
    load_inputs_with_registry,
)
from imcap.impact.params import CANCERS, MODALITIES, Params, calibrated
from imcap.impact.run import (
    GROUPINGS,
    OUTPUTS,
    Draws,
    ImpactResult,
    make_draws,
    simulate,
    summarise,
    totals,
)
from imcap.impact.scenarios import BUILTIN, ScaleUpPlan, ScenarioSpec, builtin, from_plans

__all__ = [
    "BUILTIN",
    "CANCERS",
    "GROUPINGS",
    "MODALITIES",
    "OUTPUTS",
    "Draws",
    "ImpactInputs",
    "ImpactResult",
    "Params",
    "ScaleUpPlan",
    "ScenarioSpec",
    "builtin",
    "calibrated",
    "densities_from_db",
    "from_plans",
    "load_inputs",
    "load_inputs_with_registry",
    "make_draws",
    "simulate",
    "summarise",
    "totals",
]
