"""Strict, cheap checks run with the tests (STYLE.md #15): ruff on the tree, mypy on the typed
core (imcap.domain, imcap.errors)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    exe = BIN / name
    return str(exe) if exe.exists() else (shutil.which(name) or name)


def test_ruff_is_clean():
    r = subprocess.run([_tool("ruff"), "check", "src", "tests", "bench", "tools"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]


def test_mypy_strict_on_the_typed_core():
    r = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
