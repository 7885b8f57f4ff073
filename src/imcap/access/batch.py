"""Registry coverage indicators for several countries and modalities, serially or on Dask.

One *job* is a (country, modality, year): the facilities of the country with a functional unit
of the modality (from the registry), the travel time to the nearest of them on a friction
surface (or scenario), and the population within each threshold, national and per registry
area (:mod:`imcap.access.registry`). The registry is read in the calling process; each job's
computation (:func:`compute_job`: plain data and file paths in, rows out) runs here or as one
Dask task, on a ``LocalCluster`` (``scheduler="local"``) or any scheduler address (DESIGN:
scale-out on Dask distributed; workers must see the raster files at the same paths). Results
are stored from the calling process, one job after the other, so a Dask run stores exactly what
the serial run stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from imcap.access.coverage import DEFAULT_THRESHOLDS, check_thresholds, coverage_table
from imcap.access.raster import align_population, facilities_at, lonlat_to_grid_crs, read_raster
from imcap.access.registry import (
    RegistryArea,
    RegistryFacility,
    area_coverage_rows,
    country_areas,
    functional_facilities,
    store_coverage,
)
from imcap.access.workflow import compute_travel_time, open_surface
from imcap.errors import ParameterError
from imcap.store.db import Database


@dataclass(frozen=True)
class Surface:
    """The inputs shared by all jobs: a scenario file or friction surface (min/m), and a
    population raster (people per cell, or per km² with ``density``)."""

    population: str
    friction: str | None = None
    scenario: str | None = None
    density: bool = False
    max_minutes: float | None = None

    def source(self, n_facilities: int, modality: str) -> str:
        surf = Path(self.scenario or self.friction or "").name
        return (f"imcap access: {'scenario' if self.scenario else 'friction'} {surf}; "
                f"population {Path(self.population).name}; registry facilities "
                f"({n_facilities} with a functional {modality})")


@dataclass(frozen=True)
class Job:
    iso3: str
    modality: str
    year: int
    facilities: tuple[RegistryFacility, ...] = ()
    areas: tuple[RegistryArea, ...] = ()


@dataclass
class JobResult:
    """National row first, then one row per area (with ``area_id``)."""

    iso3: str
    modality: str
    year: int
    n_facilities: int
    rows: list[dict[str, Any]]
    source: str
    stored: int = field(default=0)


def compute_job(job: Job, surface: Surface, thresholds: tuple[float, ...]) -> JobResult:
    """Travel time and coverage of one job (no database access: safe on any Dask worker).
    With no facility, every cell is unreachable and every share is 0."""
    sc = open_surface(surface.scenario, surface.friction)
    if job.facilities:
        x, y = lonlat_to_grid_crs(np.array([f.lon for f in job.facilities]),
                                  np.array([f.lat for f in job.facilities]), sc.grid)
        fac = facilities_at(x, y, [f.name for f in job.facilities], sc.grid,
                            where=f"registry {job.iso3} {job.modality}")
        minutes, _ = compute_travel_time(sc, fac, max_minutes=surface.max_minutes)
    else:
        minutes = np.full(sc.grid.shape, np.inf)
    pop, pgrid = read_raster(surface.population, what="population raster")
    people = align_population(pop, pgrid, sc.grid, density=surface.density,
                              passable=np.isfinite(sc.cost) & (sc.cost >= 0))
    rows = coverage_table(minutes, people, thresholds, label=job.iso3)
    rows += area_coverage_rows(minutes, people, sc.grid, job.areas, thresholds)
    return JobResult(job.iso3, job.modality, job.year, len(job.facilities), rows,
                     surface.source(len(job.facilities), job.modality))


def make_jobs(db: Database, countries: Sequence[str], modalities: Sequence[str],
              year: int) -> list[Job]:
    """One job per (country, modality), in that order, with facilities and areas read now."""
    if not countries or not modalities:
        raise ParameterError("nothing to compute", expected="at least one country and one "
                             "modality", got={"countries": list(countries),
                                              "modalities": list(modalities)})
    jobs = []
    for iso3 in countries:
        areas = tuple(country_areas(db, iso3))
        for mod in modalities:
            fac = tuple(functional_facilities(db, iso3, mod))
            jobs.append(Job(iso3.upper(), mod.upper(), year, fac, areas))
    return jobs


def run_jobs(jobs: Sequence[Job], surface: Surface,
             thresholds: Sequence[float] = DEFAULT_THRESHOLDS, *,
             scheduler: str | Any | None = None) -> list[JobResult]:
    """Results in job order. ``scheduler``: None (serial, this process), ``"local"`` (a
    ``LocalCluster`` of one single-threaded process per CPU, up to the number of jobs), a Dask
    scheduler address (``tcp://host:8786``) or a ``distributed.Client``."""
    ts = check_thresholds(thresholds)
    if scheduler is None:
        return [compute_job(j, surface, ts) for j in jobs]
    from distributed import Client, LocalCluster

    cluster = None
    if isinstance(scheduler, Client):
        client = scheduler
    elif scheduler == "local":
        import os

        cluster = LocalCluster(n_workers=max(1, min(len(jobs), os.cpu_count() or 1)),
                               threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futs = client.map(compute_job, list(jobs), [surface] * len(jobs), [ts] * len(jobs),
                          pure=False)
        return list(client.gather(futs))
    finally:
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()


def registry_coverage(db: Database, countries: Sequence[str], modalities: Sequence[str],
                      year: int, surface: Surface,
                      thresholds: Sequence[float] = DEFAULT_THRESHOLDS, *, store: bool = True,
                      scheduler: str | Any | None = None, actor: str = "cli") -> list[JobResult]:
    """Coverage indicators for every (country, modality), national and per area, stored
    (``store``) as :func:`imcap.access.registry.store_coverage` does."""
    ts = check_thresholds(thresholds)
    results = run_jobs(make_jobs(db, countries, modalities, year), surface, ts,
                       scheduler=scheduler)
    if store:
        for r in results:
            r.stored = store_coverage(db, r.iso3, r.modality, r.year, r.rows, ts,
                                      source=r.source, n_facilities=r.n_facilities, actor=actor)
    return results
