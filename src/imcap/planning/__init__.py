"""Needs assessment and investment case for imaging capacity (WHA78.13).

Public API (see docs/planning.md):

- parameters: :func:`load_parameters`, :class:`ParameterTable` (bundled, versioned, sourced
  low/central/high values; user overrides in CSV or TOML).
- cost engine on arrays: :mod:`imcap.planning.costs` (``cost_lines``, ``npv``).
- phasing: :func:`phase`.
- investment case: :class:`PlanSpec`, :class:`ModalityPlan`, :func:`build_case`,
  :class:`CaseResult`.
- uncertainty: :func:`tornado`, :func:`probabilistic`.
"""

from imcap.planning.case import CaseResult, ModalityPlan, PlanSpec, build_case
from imcap.planning.costs import LINES, cost_lines, npv
from imcap.planning.parameters import SPECS, ParameterTable, load_parameters
from imcap.planning.phasing import phase
from imcap.planning.sensitivity import probabilistic, tornado

__all__ = [
    "LINES", "SPECS", "CaseResult", "ModalityPlan", "ParameterTable", "PlanSpec", "build_case",
    "cost_lines", "load_parameters", "npv", "phase", "probabilistic", "tornado",
]
