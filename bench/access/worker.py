"""One method on one problem, in its own process: ``python -m bench.access.worker METHOD DIR``.

Reads DIR/friction.npy and DIR/sources.npy, writes DIR/METHOD_minutes.npy (and
_nearest.npy) and prints one JSON line: wall and CPU seconds of the computation (CPU time is
the fairer figure on a shared machine: it leaves out the time spent waiting for a core) and peak
resident
memory added during it (bytes; inputs already loaded, so it counts work arrays and outputs).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(method: str, d: Path) -> None:
    friction = np.load(d / "friction.npy")
    src = np.load(d / "sources.npy")
    from bench.access.synth import CELL_M

    if method == "imcap":
        from imcap.access.engine import travel_time

        travel_time(friction[:64, :64], np.array([[1, 1]]), CELL_M)  # load the jit cache
        before = _rss()
        c0, t0 = time.process_time(), time.perf_counter()
        minutes, nearest = travel_time(friction, src, CELL_M)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    elif method == "skimage":
        from skimage.graph import MCP_Geometric

        costs = np.where(np.isfinite(friction), friction, -1.0)  # negative: impassable
        before = _rss()
        c0, t0 = time.process_time(), time.perf_counter()
        mcp = MCP_Geometric(costs, fully_connected=True, sampling=(CELL_M, CELL_M))
        minutes, _ = mcp.find_costs([tuple(s) for s in src])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        nearest = None
    else:
        raise SystemExit(f"unknown method {method}")
    peak = max(0, _maxrss() - before)
    np.save(d / f"{method}_minutes.npy", minutes)
    if nearest is not None:
        np.save(d / f"{method}_nearest.npy", nearest)
    print(json.dumps({"method": method, "wall_s": wall, "cpu_s": cpu, "peak_bytes": peak}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
