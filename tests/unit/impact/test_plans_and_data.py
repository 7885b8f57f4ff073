"""Plans from the planner, registry densities, inputs."""

import datetime as dt

import numpy as np
import pytest

from imcap.errors import NotFoundError, ParameterError
from imcap.impact import (
    ScaleUpPlan,
    densities_from_db,
    from_plans,
    load_inputs,
    make_draws,
    simulate,
    summarise,
)
from imcap.impact.params import MODALITIES

INP = load_inputs()


def test_inputs_cover_globocan_countries_and_bounds():
    assert len(INP.iso3) == 185
    assert INP.cases.shape == (185, 11, 11)
    assert np.all((INP.mir > 0) & (INP.mir < 1))
    assert np.all(INP.density >= 0)
    assert np.all(INP.le > 0) and np.all(INP.le_disc < INP.le)
    assert set(INP.income_group) == {"LIC", "LMC", "UMC", "HIC"}


def test_plan_units_and_costs_are_counted_and_out_of_window_noted():
    plan = ScaleUpPlan.from_dict({"country_iso3": "mwi", "name": "p",
                                  "units_added": {"CT": {"2024": 2}, "XRAY": {"2024": 5}},
                                  "costs": {"2024": 1e6, "2033": 5e5}})
    spec = from_plans([plan], INP)
    i = INP.index("MWI")
    assert spec.plan_units[i, MODALITIES.index("CT"), 4:].tolist() == [2.0] * 7
    assert spec.plan_units[i, MODALITIES.index("CT"), :4].sum() == 0
    assert spec.plan_cost[i].sum() == 1e6
    assert any("XRAY" in n for n in spec.notes) and any("2033" in n for n in spec.notes)
    res = simulate(INP, spec, make_draws(INP, 5))
    row = summarise(res, "country", only=["MWI"])[0]
    assert row["deaths_averted"] > 0
    assert row["cost"] == pytest.approx(1e6 / 1.03 ** 4)


@pytest.mark.parametrize("doc", [{"units_added": {}}, {"country_iso3": "MWI",
                                                       "units_added": {"CT": {"x": 1}}}])
def test_bad_plan_is_a_user_error(doc):
    with pytest.raises(ParameterError):
        ScaleUpPlan.from_dict(doc)


def test_negative_units_rejected():
    with pytest.raises(ParameterError):
        ScaleUpPlan("MWI", {"CT": {2025: -1}})


def test_unknown_country_is_not_found():
    with pytest.raises(NotFoundError):
        INP.index("XXX")


def test_registry_densities_latest_year_per_modality(db):
    from imcap.store.schema import Country, CountryFigure

    with db.session() as s:
        s.add(Country(iso3="MWI", name="Malawi", source="test"))
        for year, item, measure, value in [(2019, "CT", "per_million", 0.2),
                                           (2021, "CT", "per_million", 0.5),
                                           (2022, "CT", "count", 12),
                                           (2020, "MRI", "per_million", 0.1),
                                           (2021, "MAMMO", "per_million", 3.0)]:
            s.add(CountryFigure(country_iso3="MWI", year=year, item_kind="modality", item=item,
                                measure=measure, value=value, source="test",
                                source_date=dt.date(2023, 1, 1)))
    got = densities_from_db(db)
    assert got == {"MWI": {"CT": 0.5, "MRI": 0.1}}
    inp = INP.with_densities(got)
    i = inp.index("MWI")
    assert inp.density[i, 0] == 0.5 and inp.density_source[i, 0] == "registry"
    assert inp.density[i, 2] == INP.density[i, 2]  # PET: bundled fall-back
