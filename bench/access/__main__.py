"""Travel-time benchmark: imcap vs scikit-image MCP_Geometric vs GRASS r.cost, side by side.

    python -m bench.access                 # 500² and 2000²
    python -m bench.access --sizes 500,2000,4000   # 4000² is opt-in

Each method runs in its own process on the same fixed-seed problem (see synth.py); answers
are compared with imcap's. Prints a markdown table; GRASS is skipped when not installed.
Peak memory is the resident memory added during the computation (inputs already loaded).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from bench.access.grass import available as grass_available
from bench.access.synth import make_problem


def _run(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", *args], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(d: Path, method: str) -> dict:
    ref = np.load(d / "imcap_minutes.npy")
    other = np.load(d / f"{method}_minutes.npy")
    fin_r, fin_o = np.isfinite(ref), np.isfinite(other)
    both = fin_r & fin_o
    diff = np.abs(ref[both] - other[both])
    rel = diff / np.maximum(np.abs(ref[both]), 1e-12)
    out = {"max_abs_diff": float(diff.max()) if diff.size else 0.0,
           "max_rel_diff": float(rel[ref[both] > 1e-9].max()) if diff.size else 0.0,
           "unreachable_agree": float((fin_r == fin_o).mean())}
    near = d / f"{method}_nearest.npy"
    if near.exists():
        a, b = np.load(d / "imcap_nearest.npy"), np.load(near)
        out["catchment_agree"] = float((a[both] == b[both]).mean())
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500,2000")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = ap.parse_args()
    rows = []
    methods = ["imcap", "skimage"] + (["grass"] if grass_available() else [])
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            friction, src = make_problem(n)
            np.save(d / "friction.npy", friction)
            np.save(d / "sources.npy", src)
            res = {}
            for m in methods:
                res[m] = (_run(["bench.access.grass", str(d)]) if m == "grass"
                          else _run(["bench.access.worker", m, str(d)]))
                res[m].update(compare(d, m) if m != "imcap" else {})
            for m in methods:
                r = res[m]
                rows.append({"size": f"{n}²", "method": m, "wall_s": r["wall_s"],
                             "cpu_s": r["cpu_s"],
                             "peak_MB": r["peak_bytes"] / 2**20,
                             "bytes_per_cell": r["peak_bytes"] / n**2,
                             "Mcells_per_s": n**2 / r["wall_s"] / 1e6,
                             "max_abs_diff_min": r.get("max_abs_diff"),
                             "max_rel_diff": r.get("max_rel_diff"),
                             "unreachable_agree": r.get("unreachable_agree"),
                             "catchment_agree": r.get("catchment_agree"),
                             "imcap_speedup": r["wall_s"] / res["imcap"]["wall_s"],
                             "imcap_cpu_speedup": r["cpu_s"] / res["imcap"]["cpu_s"]})
    cols = list(rows[0])
    print(f"machine: {platform.processor() or platform.machine()}, {platform.platform()}, "
          f"python {platform.python_version()}")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        cells = []
        for c in cols:
            v = r[c]
            cells.append("—" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v)))
        print("| " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
