"""p95/p99 latency of the country profile and indicator endpoints at 32 concurrent clients on
loopback, on SQLite and PostgreSQL, against the 50 ms budget of DESIGN.md.

Data: bundled reference data, WHO GHO CT/MRI densities (bundled extracts), Kenya's WHO-KEMRI
facility list and the labelled synthetic Kenyan inventory (``imcap.indicators.synthetic``).
The server (uvicorn, one process) and the clients (32 concurrent, one keep-alive connection
each) run on the same machine, so they compete for CPU. The default client (``--client raw``)
is a minimal HTTP/1.1 client on asyncio streams (about a tenth of the CPU per request of
httpx, which ``--client httpx`` uses). Each endpoint is warmed up first; timings are per
request, wall clock, measured by the client.

    python -m bench.api [--requests 2000] [--clients 32] [--backends sqlite,postgres]
                        [--client raw|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import sqlalchemy as sa

from imcap.data import path as data_path
from imcap.ingest import import_facilities, import_gho
from imcap.ingest.reference import load_reference
from imcap.store.db import Database

BUDGET_MS = 50.0
PG_URL = os.environ.get("IMCAP_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_api"
ENDPOINTS = {"profile": "/api/v1/countries/KEN/profile",
             "indicators": "/api/v1/indicators?country=KEN&limit=200"}


def build(url: str) -> dict:
    db = Database(url)
    load_reference(db)
    for f in ("Total_density_per_million_population_CT.csv",
              "Total_density_per_million_population_MRI.csv"):
        import_gho(db, data_path(f"reference/sources/{f}"))
    import_facilities(db, data_path("reference/sources/who_kemri_facilities_KEN.csv"),
                      country="KEN")
    from imcap.indicators.synthetic import build_synthetic_inventory

    summary = build_synthetic_inventory(db, "KEN")
    with db.engine.connect() as c:
        n = c.execute(sa.text("select count(*) from imaging_unit")).scalar()
        nf = c.execute(sa.text("select count(*) from facility")).scalar()
    db.dispose()
    return {"units": int(n or 0), "facilities": int(nf or 0), "synthetic": str(summary)[:80]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def hammer(base: str, path: str, n: int, clients: int) -> np.ndarray:
    lat: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as c:
        for _ in range(5):
            (await c.get(path)).raise_for_status()
        todo = iter(range(n))

        async def worker() -> None:
            for _ in todo:
                t = time.perf_counter()
                r = await c.get(path)
                lat.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()

        await asyncio.gather(*(worker() for _ in range(clients)))
    return np.array(lat)


async def hammer_raw(base: str, path: str, n: int, clients: int) -> np.ndarray:
    """The same load from a minimal keep-alive HTTP/1.1 client (one connection per client):
    send the request, read the head, read Content-Length bytes."""
    host, port = base.split("//", 1)[1].split(":")
    req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\n"
           f"Cookie: imcap_csrf=bench\r\n\r\n").encode()
    lat: list[float] = []
    todo = iter(range(n))

    async def get(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(req)
        head = await r.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head[:200].decode())
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        await r.readexactly(length)

    async def worker() -> None:
        r, w = await asyncio.open_connection(host, int(port), limit=2**22)
        try:
            for _ in range(2):
                await get(r, w)
            for _ in todo:
                t = time.perf_counter()
                await get(r, w)
                lat.append((time.perf_counter() - t) * 1000)
        finally:
            w.close()

    r, w = await asyncio.open_connection(host, int(port), limit=2**22)
    for _ in range(5):
        await get(r, w)
    w.close()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return np.array(lat)


def run_backend(name: str, url: str, n: int, clients: int, client: str = "raw"
                ) -> list[dict]:
    t = time.perf_counter()
    info = build(url)
    build_s = time.perf_counter() - t
    port = free_port()
    env = {**os.environ, "IMCAP_PUBLIC_ACCESS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bench.api.serve", url, str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/api/v1/roles", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rows = []
        for ep, path in ENDPOINTS.items():
            t = time.perf_counter()
            load = hammer_raw if client == "raw" else hammer
            lat = asyncio.run(load(base, path, n, clients))
            wall = time.perf_counter() - t
            rows.append({"backend": name, "endpoint": ep, "requests": len(lat),
                         "clients": clients, "p50_ms": np.percentile(lat, 50),
                         "p95_ms": np.percentile(lat, 95), "p99_ms": np.percentile(lat, 99),
                         "max_ms": lat.max(), "req_per_s": len(lat) / wall,
                         "within_budget": bool(np.percentile(lat, 95) < BUDGET_MS),
                         "units": info["units"], "build_s": build_s,
                         "client": client, "load_avg": os.getloadavg()[0]})
        return rows
    finally:
        proc.terminate()
        proc.wait(10)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--client", default="raw", choices=("raw", "httpx"))
    a = ap.parse_args(argv)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in a.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            else:
                admin = sa.create_engine(PG_URL)
                with admin.begin() as c:
                    c.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                    c.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
                admin.dispose()
                url = f"{PG_URL}?options=-csearch_path%3D{SCHEMA}"
            rows += run_backend(backend, url, a.requests, a.clients, a.client)
    cols = ["backend", "endpoint", "requests", "clients", "p50_ms", "p95_ms", "p99_ms",
            "max_ms", "req_per_s", "within_budget", "units", "client", "load_avg"]
    print(f"| {' | '.join(cols)} |\n|{'---|' * len(cols)}")
    for r in rows:
        print("| " + " | ".join(f"{r[c]:.1f}" if isinstance(r[c], float) else str(r[c])
                                for c in cols) + " |")
    print(f"\nbudget: p95 < {BUDGET_MS:.0f} ms (DESIGN.md)")


if __name__ == "__main__":
    main()
