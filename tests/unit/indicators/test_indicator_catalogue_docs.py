"""The indicator catalogue is declared once; the docs table is generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from imcap.domain.catalogue import CADRES, MODALITIES
from imcap.indicators import CATALOGUE, Indicator, catalogue_markdown, indicator

DOC = Path(__file__).resolve().parents[3] / "docs" / "indicators.md"


def test_ids_are_unique_and_looked_up():
    ids = [i.id for i in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert indicator("units_per_million").per == 1e6
    with pytest.raises(KeyError, match="expected one of"):
        indicator("nope")


def test_indicator_checks_its_fields_on_creation():
    with pytest.raises(ValueError, match="lower-case identifier"):
        Indicator("Bad Id", "n", "a", "b", "u", "d", None)
    with pytest.raises(ValueError, match="by must be"):
        Indicator("ok", "n", "a", "b", "u", "d", "country")  # type: ignore[arg-type]


def test_docs_table_is_generated_from_the_catalogue():
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- catalogue:start -->\n") + len("<!-- catalogue:start -->\n")
    end = text.index("<!-- catalogue:end -->")
    assert text[start:end] == catalogue_markdown(), "regenerate docs/indicators.md's table"


def test_catalogue_items_come_from_the_domain_catalogue():
    assert MODALITIES and CADRES
    assert {i.by for i in CATALOGUE} == {"modality", "cadre", None}
