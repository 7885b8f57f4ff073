"""Scenario files (TOML), running a scenario, saving it in the store, comparing scenarios.

A scenario file (documented with an example in docs/planning.md)::

    name = "kenya_ct_2030"
    country = "KEN"
    start_year = 2026          # first year of acquisition
    target_year = 2030         # last year of acquisition
    horizon_year = 2035        # costs run to this year (default: target_year)
    discount_rate = 0.03
    phasing = "linear"         # linear | front_loaded | back_loaded
    train_share = 1.0          # share of new units' staff who must be trained
    parameters = "overrides.csv"   # optional override file, relative to this file

    [needs]                    # used for every modality without explicit [units.X]
    target = "next_income_median"  # income_median | hic_mean | a number per million
    method = "benchmark"       # benchmark | demand | max
    modalities = ["CT"]
    by_area = true
    min_units = 1
    min_population = 500000

    [units.MRI]                # explicit units instead of needs (optional)
    new = 4
    replace = 0
    repair = 0
    schedule = { 2027 = 1, 2029 = 1 }   # optional weights by year

    [workforce.training_output]   # new staff trained per year (feasibility)
    RADIOLOGIST = 8

    siting = "kenya_ct_sites"  # optional: a stored registry siting run (`imcap site
                               # --scenario NAME`); its units are bought, at its facilities
    # or: [siting] scenario = "NAME"   or   [siting] file = "siting.csv"
    #     (CSV facility_id, modality, units)

Siting: the placements (``(facility_id, modality, units)``) set the new units of each modality
they cover, unless ``[units.X]`` gives them explicitly (then they are only checked against
them). Needs are still assessed for a sited modality (replacements, repairs, the gap the
siting is checked against, per-area minimum).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from imcap.errors import NotFoundError, ParameterError
from imcap.planning import feasibility, placement
from imcap.planning.case import CaseResult, ModalityPlan, PlanSpec, build_case
from imcap.planning.context import country_context
from imcap.planning.needs import NeedsResult, assess_needs
from imcap.planning.parameters import MODALITY_CODES, ParameterTable, load_parameters
from imcap.planning.sensitivity import probabilistic, tornado
from imcap.store.db import Database
from imcap.store.repo import record_change, row_dict
from imcap.store.schema import Scenario

KIND = "plan"
_TOP = {"name", "country", "start_year", "target_year", "horizon_year", "discount_rate",
        "phasing", "train_share", "parameters", "needs", "units", "workforce", "siting",
        "description", "gdp_per_capita"}


@dataclass(frozen=True)
class ScenarioFile:
    """A parsed, checked scenario file (``raw`` keeps it as written, for the store)."""

    name: str
    country: str
    start_year: int
    target_year: int
    horizon_year: int | None
    discount_rate: float
    phasing: str
    train_share: float
    parameters: Path | None
    needs: dict[str, Any]
    units: dict[str, dict[str, Any]]
    training_output: dict[str, float]
    siting: list[tuple[int, str, int]] | None
    gdp_per_capita: float | None
    raw: dict[str, Any] = field(default_factory=dict)
    siting_scenario: str | None = None  # stored siting scenario (read when the run starts)

    def with_siting(self, name: str) -> ScenarioFile:
        """This scenario with its units placed by the stored siting scenario ``name``."""
        return dataclasses.replace(self, siting=None, siting_scenario=name,
                                   raw={**self.raw, "siting": name})


def _int(d: dict[str, Any], key: str, where: str, default: int | None = None) -> int:
    v = d.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool):
        raise ParameterError(f"{key} must be a whole number", expected="e.g. 2030", got=v,
                             where=where)
    return v


def parse_scenario(data: dict[str, Any], where: str = "scenario",
                   base_dir: Path | None = None, today: int | None = None) -> ScenarioFile:
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise ParameterError("unknown key in scenario", expected=", ".join(sorted(_TOP)),
                             got=unknown, where=where)
    for key in ("name", "country"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ParameterError(f"scenario needs a {key}", expected="a text value",
                                 got=data.get(key), where=where)
    this_year = today or dt.date.today().year
    start = _int(data, "start_year", where, this_year)
    target = _int(data, "target_year", where)
    if target < this_year:
        raise ParameterError("target year is in the past", expected=f">= {this_year}",
                             got=target, where=f"{where}: target_year")
    horizon = data.get("horizon_year")
    if horizon is not None:
        horizon = _int(data, "horizon_year", where)
    needs = dict(data.get("needs", {}))
    mods = needs.get("modalities", [])
    units = {str(k).upper(): dict(v) for k, v in data.get("units", {}).items()}
    for m in [*mods, *units]:
        if str(m).upper() not in MODALITY_CODES:
            raise ParameterError("unknown modality", expected=", ".join(MODALITY_CODES), got=m,
                                 where=where)
    if not mods and not units:
        raise ParameterError("scenario names no modality", expected="[needs] modalities = "
                             "[...] or [units.X] tables", got="none", where=where)
    for m, u in units.items():
        bad = sorted(set(u) - {"new", "replace", "repair", "schedule"})
        if bad:
            raise ParameterError("unknown key in units table", expected="new, replace, "
                                 "repair, schedule", got=bad, where=f"{where}: units.{m}")
    params = data.get("parameters")
    ppath = None
    if params:
        ppath = Path(params)
        if not ppath.is_absolute() and base_dir is not None:
            ppath = base_dir / ppath
    siting, siting_scenario = None, None
    st = data.get("siting")
    if isinstance(st, dict) and set(st) - {"file", "scenario"}:
        raise ParameterError("unknown key in siting table", expected="file or scenario",
                             got=sorted(set(st) - {"file", "scenario"}), where=where)
    if isinstance(st, str) and st.strip():
        siting_scenario = st.strip()
    elif isinstance(st, dict) and len(st) == 1 and isinstance(st.get("scenario"), str):
        siting_scenario = st["scenario"].strip()
    elif isinstance(st, dict) and len(st) == 1 and isinstance(st.get("file"), str):
        sp = Path(st["file"])
        if not sp.is_absolute() and base_dir is not None:
            sp = base_dir / sp
        siting = read_siting(sp)
    elif st is not None:
        raise ParameterError("bad siting entry", expected='siting = "STORED_SCENARIO", or a '
                             '[siting] table with one of scenario = "NAME" or file = "F.csv"',
                             got=st, where=where)
    return ScenarioFile(
        name=data["name"].strip(), country=data["country"].strip().upper(), start_year=start,
        target_year=target, horizon_year=horizon,
        discount_rate=float(data.get("discount_rate", 0.03)),
        phasing=str(data.get("phasing", "linear")),
        train_share=float(data.get("train_share", 1.0)), parameters=ppath, needs=needs,
        units=units,
        training_output={str(k).upper(): float(v) for k, v in
                         data.get("workforce", {}).get("training_output", {}).items()},
        siting=siting, gdp_per_capita=data.get("gdp_per_capita"), raw=data,
        siting_scenario=siting_scenario)


def load_scenario(path: str | Path, today: int | None = None) -> ScenarioFile:
    p = Path(path)
    if not p.is_file():
        raise ParameterError("scenario file not found", expected="a TOML file", got=str(p))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ParameterError("scenario file is not valid TOML", expected="TOML", got=str(e),
                             where=p.name) from None
    return parse_scenario(data, p.name, p.parent, today)


def read_siting(path: Path) -> list[tuple[int, str, int]]:
    """A siting result as CSV with columns facility_id, modality, units."""
    return placement.read_csv(path)


@dataclass(frozen=True)
class PlanRun:
    scenario: ScenarioFile
    table: ParameterTable
    needs: NeedsResult | None
    case: CaseResult
    tornado: pd.DataFrame
    uncertainty: dict[str, Any] | None
    feasibility: pd.DataFrame
    placements: pd.DataFrame | None = None  # facility_id, facility, area_id, area, modality,
    #                                         units (None without a siting result)


def run_scenario(db: Database, sc: ScenarioFile, *, draws: int = 0,
                 seed: int | None = 20250513) -> PlanRun:
    """Needs (for modalities without explicit units), the case, tornado, draws, checks."""
    table = load_parameters(sc.parameters)
    until = max(sc.target_year, sc.horizon_year or sc.target_year)
    ctx = country_context(db, sc.country, sc.start_year, until)
    items = sc.siting
    if sc.siting_scenario:
        items = placement.stored_items(db, sc.siting_scenario)
    placed = None
    if items is not None:
        placed = placement.by_facility(db, sc.country, items, ctx.area_names)
    sited = {m: n for m, n in placement.units_by_modality(items or []).items()
             if m not in sc.units}
    unknown = sorted(set(sited) - set(MODALITY_CODES))
    if unknown:
        raise ParameterError("unknown modality in siting result",
                             expected=", ".join(MODALITY_CODES), got=unknown, where="siting")
    n = sc.needs
    mods = tuple(str(m).upper() for m in n.get("modalities", []) if str(m).upper()
                 not in sc.units)
    needs = None
    if mods:
        needs = assess_needs(
            db, sc.country, table=table, base_year=sc.start_year, target_year=sc.target_year,
            target=n.get("target", "next_income_median"), method=n.get("method", "benchmark"),
            modalities=mods, by_area=bool(n.get("by_area", False)),
            min_units=int(n.get("min_units", 1)),
            min_population=float(n.get("min_population", 500_000)), context=ctx)
    plans = []
    if needs is not None:
        for r in needs.national.itertuples():
            plans.append(ModalityPlan(r.modality, int(sited.get(r.modality, r.new_units)),
                                      int(r.replace_aged + r.replace_beyond_repair),
                                      int(r.repair)))
    needs_mods = set(mods)
    for m, k in sorted(sited.items()):
        if m not in needs_mods:  # sited, neither assessed nor explicit: the siting's units
            plans.append(ModalityPlan(m, int(k), 0, 0))
    for m, u in sc.units.items():
        sched = {int(k): float(v) for k, v in u.get("schedule", {}).items()} or None
        plans.append(ModalityPlan(m, int(u.get("new", 0)), int(u.get("replace", 0)),
                                  int(u.get("repair", 0)), sched))
    spec = PlanSpec(
        country_iso3=sc.country, income_group=ctx.income_group,
        gdp_per_capita=float(sc.gdp_per_capita or ctx.gdp_per_capita),
        start_year=sc.start_year, target_year=sc.target_year, horizon_year=sc.horizon_year,
        modalities=tuple(plans), phasing=sc.phasing, discount_rate=sc.discount_rate,
        train_share=sc.train_share, population=ctx.population, name=sc.name)
    case = build_case(spec, table)
    tor = tornado(spec, table)
    unc = probabilistic(spec, table, draws=draws, seed=seed) if draws else None
    return PlanRun(sc, table, needs, case, tor, unc,
                   _feasibility(case, needs, sc, table, items, placed), placed)


def _feasibility(case: CaseResult, needs: NeedsResult | None, sc: ScenarioFile,
                 table: ParameterTable, items: list[tuple[int, str, int]] | None = None,
                 placed: pd.DataFrame | None = None) -> pd.DataFrame:
    spec = case.spec
    at_target = case.staff[case.staff["year"] == spec.target_year]
    new_fte = at_target.groupby("cadre")["fte"].sum().to_dict()
    spare: dict[str, float] = {}
    biomed = None
    new_by_mod = {p.modality: p.new_units for p in spec.modalities}
    units_after = {m: float(k) for m, k in new_by_mod.items()}
    needed = {m: k for m, k in new_by_mod.items()}
    if needs is not None:
        existing: dict[str, float] = {}  # FTE the existing units (after repair) need
        for r in needs.national.itertuples():
            units_after[r.modality] = float(r.functional_after_repair
                                            + new_by_mod.get(r.modality, 0))
            needed[r.modality] = int(r.new_units)
            for c in table.cadres_for(r.modality):
                existing[c] = existing.get(c, 0.0) + r.functional_after_repair * table.get(
                    "staff_per_unit", r.modality, spec.income_group, c)
        for r in needs.workforce.itertuples():
            if r.cadre == "BIOMED":
                biomed = r.registered
            elif not math.isnan(r.registered):
                spare[r.cadre] = max(0.0, r.registered - existing.get(r.cadre, 0.0))
    rows = feasibility.staff_checks(new_fte, spare, sc.training_output, table,
                                    spec.income_group, spec.start_year, spec.target_year)
    rows.append(feasibility.maintenance_check(units_after, biomed, table, spec.income_group))
    for m in sc.units:  # explicit units: the siting is checked against them
        needed[m] = new_by_mod[m]
    rows += feasibility.siting_checks(needed, items)
    if needs is not None and placed is not None and not needs.areas.empty:
        rows += feasibility.area_checks(needs.areas, placed)
    return feasibility.checks_frame(rows)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in r.items()} for r in df.astype(object).to_dict(orient="records")]


def results_json(run: PlanRun) -> dict[str, Any]:
    """JSON-safe results of a run, as saved in the ``scenario`` table."""
    s = {k: (None if isinstance(v, float) and math.isnan(v) else v)
         for k, v in run.case.summary.items()}
    by_line = run.case.by_line()
    out: dict[str, Any] = {
        "summary": s,
        "parameters_version": run.table.version,
        "units": _records(run.case.units),
        "costs_by_line": {str(line): {str(k): float(v) for k, v in row.items()}
                          for line, row in by_line.iterrows()},
        "feasibility": _records(run.feasibility),
        "tornado": _records(run.tornado.head(15)),
    }
    if run.needs is not None:
        out["needs"] = _records(run.needs.national)
        out["workforce"] = _records(run.needs.workforce)
    if run.placements is not None:
        out["placements"] = _records(run.placements)
        if sc_name := run.scenario.siting_scenario:
            out["siting_scenario"] = sc_name
    if run.uncertainty is not None:
        out["uncertainty"] = {"draws": run.uncertainty["draws"],
                              "seed": run.uncertainty["seed"],
                              "intervals": _records(run.uncertainty["intervals"])}
    return out


def save_run(db: Database, run: PlanRun, actor: str = "cli") -> int:
    """Insert or update the scenario row (by name) with inputs and results; history kept."""
    sc = run.scenario
    inputs = {"file": sc.raw, "parameters_version": run.table.version,
              "overrides": [r for r in run.table.to_records() if r["basis"] == "user"]}
    results = results_json(run)
    with db.session() as s:
        row = s.scalars(select(Scenario).where(Scenario.name == sc.name)).first()
        if row is None:
            row = Scenario(name=sc.name, kind=KIND, country_iso3=sc.country, inputs=inputs,
                           results=results, actor=actor)
            s.add(row)
            s.flush()
            record_change(s, "scenario", str(row.id), "insert", None,
                          {"name": sc.name, "kind": KIND}, actor=actor)
        else:
            if row.kind != KIND:
                raise ParameterError("a scenario of another kind has this name",
                                     expected=f"a {KIND} scenario name", got=sc.name)
            before = row_dict(row)
            row.inputs, row.results = inputs, results
            row.country_iso3 = sc.country
            row.version = (row.version or 0) + 1
            row.updated_at = dt.datetime.now()
            s.flush()
            record_change(s, "scenario", str(row.id), "update",
                          {"version": before["version"]}, {"version": row.version},
                          actor=actor)
        return int(row.id)


def load_saved(db: Database, name: str) -> dict[str, Any]:
    with db.session() as s:
        row = s.scalars(select(Scenario).where(Scenario.name == name,
                                               Scenario.kind == KIND)).first()
        if row is None:
            names = s.scalars(select(Scenario.name).where(Scenario.kind == KIND)).all()
            raise NotFoundError("no saved plan scenario of that name",
                                expected=", ".join(names) or "a scenario saved by "
                                "`imcap plan invest`", got=name)
        return {"name": row.name, "country": row.country_iso3, "version": row.version,
                "inputs": row.inputs, "results": row.results or {}}


COMPARE_ROWS = ("total", "capital", "recurrent", "npv", "per_capita", "per_exam",
                "new_units", "replaced_units", "repaired_units", "exams")


def compare(db: Database, names: list[str]) -> pd.DataFrame:
    """Headline figures and cost lines of saved scenarios side by side (one column each)."""
    if len(names) < 2:
        raise ParameterError("compare needs two scenarios or more", expected=">= 2 names",
                             got=names)
    cols: dict[str, dict[str, Any]] = {}
    for n in names:
        saved = load_saved(db, n)
        res = saved["results"]
        col: dict[str, Any] = {"country": saved["country"]}
        summary = res.get("summary", {})
        col["years"] = summary.get("years")
        for k in COMPARE_ROWS:
            col[k] = summary.get(k)
        for line, row in res.get("costs_by_line", {}).items():
            col[f"line:{line}"] = row.get("total")
        for r in res.get("uncertainty", {}).get("intervals", []):
            if r["measure"] in ("total", "npv"):
                col[f"{r['measure']} 95% interval"] = f"{r['p2_5']:,.0f} - {r['p97_5']:,.0f}"
        cols[n] = col
    df = pd.DataFrame(cols)
    df.index.name = "measure"
    return df
