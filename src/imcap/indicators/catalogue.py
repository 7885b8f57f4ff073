"""The indicator catalogue: every indicator imcap computes, declared once.

The engine (:mod:`imcap.indicators.engine`), the CLI (``imcap indicators``), the benchmarks and
the docs table in ``docs/indicators.md`` (:func:`catalogue_markdown`) all read this tuple.

``by`` says what the ``item`` column of an indicator row holds: a modality code
(:data:`imcap.domain.catalogue.MODALITIES`), a cadre code (:data:`imcap.domain.catalogue.CADRES`)
or, for ``by=None``, a facility level (``FacilityLevel``) or nothing.
``per`` is the population scale of a density (1e6 for "per million", 1e3 for "per 1,000"),
``None`` for ratios and shares; benchmarks use it to turn a density gap into a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

By = Literal["modality", "cadre"] | None


@dataclass(frozen=True)
class Indicator:
    """One indicator: value = numerator / denominator x scale, in ``unit``."""

    id: str
    name: str
    numerator: str
    denominator: str
    unit: str
    description: str
    by: By
    per: float | None = None

    def __post_init__(self) -> None:
        if not self.id.isidentifier() or self.id.lower() != self.id:
            raise ValueError(f"indicator id must be a lower-case identifier, got {self.id!r}")
        if self.by not in ("modality", "cadre", None):
            raise ValueError(f"{self.id}: by must be 'modality', 'cadre' or None, got {self.by!r}")


CATALOGUE: tuple[Indicator, ...] = (
    Indicator(
        "units_per_million", "Imaging units per million population",
        "imaging units in the inventory (every status except decommissioned)",
        "population", "per million",
        "All units of a modality per 1,000,000 people. From a facility inventory where one exists "
        "(method 'computed from facility inventory'), and as the source reports it otherwise "
        "(WHO GHO DEVICES08/09, OECD MED_TECH, national tables); both are kept, told apart by "
        "source and method.", "modality", 1e6),
    Indicator(
        "functional_units_per_million", "Functional imaging units per million population",
        "functional or partially functional units", "population", "per million",
        "Units that deliver examinations (status functional or partially functional) per "
        "1,000,000 people. Facility inventories only: source tables report totals.",
        "modality", 1e6),
    Indicator(
        "functional_share", "Share of units functional",
        "functional or partially functional units", "units in the inventory", "%",
        "Percentage of inventory units of a modality that work.", "modality"),
    Indicator(
        "share_over_lifetime", "Share of units older than their service life",
        "units with age (year - year installed) above the modality lifetime",
        "units in the inventory with a known installation year", "%",
        "Percentage of units due for replacement: age greater than the modality's service "
        "life (imcap.domain.catalogue: 10 years for most modalities, 7 for ultrasound).",
        "modality"),
    Indicator(
        "units_per_facility_by_level", "Imaging units per facility, by level of care",
        "imaging units in the inventory at facilities of the level (all modalities)",
        "facilities of the level", "units per facility",
        "Average number of imaging units per facility at each level of care (item = level).",
        None),
    Indicator(
        "staff_per_million", "Imaging staff per million population",
        "staff headcount of the cadre", "population", "per million",
        "Workforce of a cadre per 1,000,000 people, from facility, area or national counts and "
        "from reported country figures; each source kept separately.", "cadre", 1e6),
    Indicator(
        "exams_per_1000", "Examinations per 1,000 population",
        "examinations in the year", "population", "per 1,000",
        "Imaging examinations of a modality per 1,000 people per year.", "modality", 1e3),
    Indicator(
        "utilisation", "Utilisation of functional units",
        "examinations in the year", "functional units x typical throughput", "%",
        "Examinations as a percentage of the capacity of functional units at the modality's "
        "typical throughput (imcap.domain.catalogue, one shift).", "modality"),
    Indicator(
        "pop_without_functional_unit", "Population in areas without a functional unit",
        "population of areas with no functional unit of the modality",
        "population of all areas at the level facilities are registered in", "%",
        "Subnational equity: the share of people living in areas (e.g. Kenya's counties) with "
        "no functional unit of the modality in the facility inventory.", "modality"),
    Indicator(
        "units_per_million_change", "Change in units per million per year",
        "units per million in the latest year minus the first year (same place and source)",
        "years between them", "per million per year",
        "Trend: average annual change of the density of a modality, per place and source.",
        "modality"),
)

BY_ID: dict[str, Indicator] = {i.id: i for i in CATALOGUE}


def indicator(ident: str) -> Indicator:
    """The catalogue entry ``ident``; KeyError naming the known ids otherwise."""
    try:
        return BY_ID[ident]
    except KeyError:
        raise KeyError(f"unknown indicator {ident!r}; expected one of {', '.join(BY_ID)}") from None


def catalogue_markdown() -> str:
    """The catalogue as a Markdown table (docs/indicators.md embeds it verbatim)."""
    lines = [
        "| id | name | numerator | denominator | unit | item |",
        "|---|---|---|---|---|---|",
    ]
    for i in CATALOGUE:
        item = i.by or ("facility level" if "level" in i.id else "-")
        lines.append(f"| `{i.id}` | {i.name} | {i.numerator} | {i.denominator} | {i.unit} "
                     f"| {item} |")
    return "\n".join(lines) + "\n"
