"""Pure, typed, immutable domain values and catalogues. Imports nothing else of imcap."""

from imcap.domain.catalogue import (
    CADRES,
    FACILITY_LEVELS,
    MODALITIES,
    OWNERSHIPS,
    STATUSES,
    Cadre,
    FacilityLevel,
    FunctionalStatus,
    Modality,
    Ownership,
    cadre,
    modality,
)
from imcap.domain.provenance import Provenance

__all__ = [
    "CADRES",
    "FACILITY_LEVELS",
    "MODALITIES",
    "OWNERSHIPS",
    "STATUSES",
    "Cadre",
    "FacilityLevel",
    "FunctionalStatus",
    "Modality",
    "Ownership",
    "Provenance",
    "cadre",
    "modality",
]
