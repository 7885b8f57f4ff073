"""Provenance: where a figure came from, when, and how it was made."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Provenance:
    """Source, date and method of a value. Every stored value carries one.

    ``source`` names the publisher and dataset ("WHO GHO DEVICES09", "Kenya MoH survey 2024");
    ``source_date`` is the date the source gives for the value (or its publication date);
    ``method`` says how the value was obtained ("reported", "computed: units / population x 1e6",
    "synthetic: placed on real facilities to match WHO density").
    """

    source: str
    method: str = "reported"
    source_date: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.source or not self.source.strip():
            raise ValueError("provenance needs a non-empty source")
        if not self.method or not self.method.strip():
            raise ValueError("provenance needs a non-empty method")

    def label(self) -> str:
        when = f", {self.source_date.isoformat()}" if self.source_date else ""
        return f"{self.source}{when} ({self.method})"
