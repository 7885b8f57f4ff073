"""File-level workflows behind ``imcap access``: surface + facilities -> travel time -> coverage.

Each step is a plain function so the CLI, the web app and tests share them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from imcap.access.engine import travel_time
from imcap.access.raster import Facilities, check_on_passable, read_raster
from imcap.access.scenario import Scenario, build_scenario, load_scenario
from imcap.errors import ParameterError


def open_surface(scenario: str | Path | None = None,
                 friction: str | Path | None = None) -> Scenario:
    """A scenario file, or a ready friction surface in minutes per metre."""
    if (scenario is None) == (friction is None):
        raise ParameterError("give exactly one surface", expected="--scenario S or "
                             "--friction F.tif", got={"scenario": scenario, "friction": friction})
    if scenario is not None:
        return load_scenario(scenario)
    path = Path(friction)  # type: ignore[arg-type]
    read_raster(path, what="friction surface")  # clear error if unreadable
    return build_scenario({"friction": path.name}, path.parent)


def compute_travel_time(sc: Scenario, fac: Facilities, *, max_minutes: float | None = None,
                        knight: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Minutes to the nearest facility (inf unreachable) and its index (-1 unreachable)."""
    check_on_passable(fac, sc.cost)
    return travel_time(
        sc.cost, np.column_stack([fac.rows, fac.cols]), sc.grid.cell_size(),
        max_cost=max_minutes if max_minutes is not None else sc.max_minutes,
        knight=sc.knight if knight is None else knight,
        dem=sc.dem, walk_mask=sc.walk_mask, direction=sc.direction)
