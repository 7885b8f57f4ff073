"""Imports flow one way: domain <- store <- services <- interfaces (DESIGN.md, STYLE.md #1)."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "imcap"
LAYER = {
    "errors": 0,
    "domain": 0,
    "data": 0,
    "store": 1,
    "ingest": 2,
    "indicators": 2,
    "access": 2,
    "siting": 2,
    "planning": 2,
    "impact": 2,
    "exchange": 2,
    "quality": 2,
    "cli": 3,
    "web": 3,
    "reports": 3,
}
# Services that may use another service (DESIGN.md): siting builds on access; planning on
# indicators (and takes siting/impact results); impact on indicators (registry densities).
SERVICE_DEPS = {
    "siting": {"access"},
    "planning": {"indicators", "siting", "impact", "ingest"},
    "impact": {"indicators"},
    "indicators": {"ingest"},
    "access": {"indicators"},
}

# Interfaces: the CLI starts the web app and writes reports; the web app serves reports.
INTERFACE_DEPS = {"cli": {"web", "reports"}, "web": {"reports"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("imcap."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("imcap."):
                    out.add(a.name.split(".")[1])
    return out


MODULES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_one_way(path):
    rel = path.relative_to(SRC)
    pkg = rel.parts[0].removesuffix(".py")
    if pkg == "__init__":
        return
    assert pkg in LAYER, f"new top-level package {pkg!r}: give it a layer in this test"
    for target in _imports(path):
        if target == pkg:
            continue
        assert target in LAYER, f"{rel} imports unknown imcap.{target}"
        if LAYER[target] < LAYER[pkg] or target == "errors":
            continue
        if LAYER[target] == LAYER[pkg] == 2 and target in SERVICE_DEPS.get(pkg, set()):
            continue
        if LAYER[target] == LAYER[pkg] == 3 and target in INTERFACE_DEPS.get(pkg, set()):
            continue
        pytest.fail(f"{rel} (layer {LAYER[pkg]}) imports imcap.{target} (layer {LAYER[target]})")


def test_modules_stay_small():
    big = [
        (str(p.relative_to(SRC)), n)
        for p in MODULES
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    ]
    assert not big, f"modules over 600 lines: {big}"
