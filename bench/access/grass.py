"""GRASS ``r.cost`` on the same problem (Debian ``grass-core``), timed around r.cost alone.

Cost per cell = friction (min/m) x 100 m (r.cost's input is the cost of crossing one cell
width); impassable cells are NULL. 8 neighbours (no -k), ``memory`` large enough to stay in
RAM. Wall time and peak RSS come from ``/usr/bin/time`` on the r.cost process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

X0, Y0 = 200000.0, 1800000.0


def available() -> bool:
    return shutil.which("grass") is not None and Path("/usr/bin/time").exists()


def main(d: Path) -> None:
    import rasterio
    from affine import Affine
    from bench.access.synth import CELL_M

    friction = np.load(d / "friction.npy")
    src = np.load(d / "sources.npy")
    n_rows, n_cols = friction.shape
    with rasterio.open(d / "cost.tif", "w", driver="GTiff", height=n_rows, width=n_cols,
                       count=1, dtype="float64", crs="EPSG:32628", nodata=np.nan,
                       transform=Affine(CELL_M, 0, X0, 0, -CELL_M, Y0)) as dst:
        dst.write((friction.astype(np.float64) * CELL_M), 1)
    with open(d / "starts.txt", "w") as f:
        for k, (r, c) in enumerate(src):
            f.write(f"{X0 + (c + 0.5) * CELL_M}|{Y0 - (r + 0.5) * CELL_M}|{k + 1}\n")
    script = d / "run.sh"
    script.write_text(f"""set -e
cd {d}
r.in.gdal -o input=cost.tif output=cost --quiet
g.region raster=cost
v.in.ascii input=starts.txt output=starts separator=pipe x=1 y=2 cat=3 --quiet
/usr/bin/time -f "%e %U %S %M" -o rcost_time.txt r.cost input=cost output=acc nearest=near \\
    start_points=starts memory=8000 --quiet
r.out.gdal input=acc output=grass_acc.tif type=Float64 --quiet -c -f
r.out.gdal input=near output=grass_near.tif type=Int32 nodata=0 --quiet -c -f
""")
    subprocess.run(["grass", "--tmp-location", "EPSG:32628", "--exec", "bash", str(script)],
                   check=True, capture_output=True)
    wall, user, sys_, kb = (d / "rcost_time.txt").read_text().split()[-4:]
    with rasterio.open(d / "grass_acc.tif") as r:
        acc = r.read(1, masked=True).filled(np.inf)
    with rasterio.open(d / "grass_near.tif") as r:
        near = r.read(1).astype(np.int64) - 1
    np.save(d / "grass_minutes.npy", acc)
    np.save(d / "grass_nearest.npy", np.where(np.isfinite(acc), near, -1))
    print(json.dumps({"method": "grass", "wall_s": float(wall),
                      "cpu_s": float(user) + float(sys_), "peak_bytes": int(kb) * 1024}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
