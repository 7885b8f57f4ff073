"""Write docs/data-dictionary.md from the domain catalogue (one declaration, many uses).

Run: .venv/bin/python tools/gen_dictionary.py   (tests/unit/domain/test_dictionary.py checks it
is current).
"""

from __future__ import annotations

from pathlib import Path

from imcap.domain.catalogue import CADRES, MODALITIES, FacilityLevel, FunctionalStatus, Ownership
from imcap.domain.fields import FACILITY_FIELDS, TABLE_FIELDS, UNIT_FIELDS, Field

OUT = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"


def _fields(title: str, fields: tuple[Field, ...]) -> list[str]:
    lines = [f"## {title}", "", "| field | label | type | required | description | example |",
             "|---|---|---|---|---|---|"]
    for f in fields:
        desc = f.description
        if f.choices:
            desc += " Allowed: " + ", ".join(f"`{c}`" for c in f.choices) + "."
        lines.append(f"| `{f.name}` | {f.label} | {f.kind} | {'yes' if f.required else ''} | "
                     f"{desc} | {f.example} |")
    return [*lines, ""]


def render() -> str:
    lines = ["# Data dictionary", "",
             "Generated from `imcap.domain` by `tools/gen_dictionary.py`; do not edit by hand.", "",
             "## Modalities", "",
             "| code | name | DICOM | ionising | lifetime (years) | throughput (exams/unit/year) "
             "| sources |", "|---|---|---|---|---|---|---|"]
    for m in MODALITIES:
        lines.append(f"| `{m.code}` | {m.name} | {', '.join(m.dicom)} | "
                     f"{'yes' if m.ionising else 'no'} | {m.lifetime_years} | {m.throughput:,} | "
                     f"lifetime: {m.lifetime_source}; throughput: {m.throughput_source} |")
    lines += ["", "## Workforce cadres", "", "| code | name | ISCO-08 |", "|---|---|---|"]
    lines += [f"| `{c.code}` | {c.name} | {c.isco} |" for c in CADRES]
    lines += ["", "## Functional statuses", "", "| status | counts as functional | in inventory |",
              "|---|---|---|"]
    lines += [f"| `{s.value}` | {'yes' if s.counts_as_functional else 'no'} | "
              f"{'yes' if s.in_inventory else 'no'} |" for s in FunctionalStatus]
    lines += ["", "## Facility levels", ""]
    lines += [f"- `{lv.value}`{' (hospital)' if lv.is_hospital else ''}" for lv in FacilityLevel]
    lines += ["", "## Ownership", ""] + [f"- `{o.value}`" for o in Ownership] + [""]
    lines += _fields("Facility list fields", FACILITY_FIELDS)
    lines += _fields("Imaging unit inventory fields", UNIT_FIELDS)
    lines += _fields("Country or area table fields", TABLE_FIELDS)
    return "\n".join(lines)


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
