"""docs/data-dictionary.md is generated from the catalogue and must be current."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_data_dictionary_is_current():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "tools" / "gen_dictionary.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    current = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert current == gen.render(), "run: .venv/bin/python tools/gen_dictionary.py"
