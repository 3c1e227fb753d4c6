"""The one study selection (geo.select): what every page, the pack and the CLI keep."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.report import ReportOptions
from geo.report.study import pack_study
from geo.select import (IncidentFilter, assign_units, default_period, resolve_period, select_study, unit_of)
from geo.stats.rates import summarize


def test_incidents_outside_every_settlement_are_left_out_and_counted(tiny):
    study = select_study(tiny, IncidentFilter())
    assert study.outside == 1  # the one point outside every unit
    assert len(study.incidents) == len(tiny["incidents"]) - 1
    assert "outside" not in set(study.incidents["description"])
    # the Overview's headline count is the study's
    inc = assign_units(tiny["incidents"], tiny["boundaries"])
    assert summarize(inc, tiny["boundaries"], IncidentFilter()).count == len(study.incidents)


def test_the_area_selects_its_settlements_and_what_touches_them(tiny):
    study = select_study(tiny, IncidentFilter(area="South"))
    assert study.units["name"].tolist() == ["C"]
    assert study.stations["name"].tolist() == ["Station C"]
    assert len(study.cameras) == 0 and len(study.roads) == 0
    assert set(study.incidents["unit"]) == {"C"} and study.outside == 0
    assert study.has_population


def test_the_pack_selects_what_the_pages_select(tiny):
    o = ReportOptions(area="North", start=dt.date(2017, 1, 1), end=dt.date(2017, 12, 31))
    pack = pack_study(tiny, o).study
    page = select_study(tiny, IncidentFilter(area="North", start=o.start, end=o.end))
    for name, frame in page.layers().items():
        assert frame.index.tolist() == pack.layers()[name].index.tolist(), name


@pytest.mark.parametrize(("f", "message"), [
    (IncidentFilter(area="Nowhere"), "no settlements match area 'Nowhere'; areas: North, South"),
    (IncidentFilter(units=("A", "Z")), "unknown settlements Z"),
])
def test_a_selection_that_matches_nothing_says_why(tiny, f, message):
    with pytest.raises(ValueError, match=message):
        select_study(tiny, f)


def test_an_area_without_boundaries_is_refused(tiny):
    layers = {**tiny, "boundaries": None}
    with pytest.raises(ValueError, match="needs a boundaries layer"):
        select_study(layers, IncidentFilter(area="North"))
    study = select_study(layers, IncidentFilter())  # without boundaries every incident is in the study
    assert len(study.incidents) == len(tiny["incidents"]) and study.outside == 0


def test_default_period_is_the_latest_calendar_year():
    inc = pd.DataFrame({"occurred_at": pd.to_datetime(["2015-06-01", "2016-02-01", "2017-03-05"])})
    assert default_period(inc) == (dt.date(2017, 1, 1), dt.date(2017, 3, 5))
    assert default_period(inc.iloc[:0]) is None
    assert resolve_period(inc, dt.date(2016, 1, 1), None) == (dt.date(2016, 1, 1), dt.date(2017, 3, 5))
    assert resolve_period(inc, None, dt.date(2016, 6, 30)) == (dt.date(2016, 6, 30), dt.date(2016, 6, 30))
    only = pd.DataFrame({"occurred_at": pd.to_datetime(["2017-05-01", "2017-06-01"])})
    assert default_period(only) == (dt.date(2017, 5, 1), dt.date(2017, 6, 1))


def test_unit_of_gives_the_first_unit_where_units_overlap():
    units = gpd.GeoDataFrame({"name": ["big", "small"]}, geometry=[box(74.0, 42.0, 74.1, 42.1),
                                                                  box(74.04, 42.04, 74.06, 42.06)], crs=4326)
    pts = gpd.GeoSeries([Point(74.05, 42.05), Point(74.01, 42.01), Point(75.0, 43.0)], crs=4326)
    np.testing.assert_array_equal(unit_of(pts, units), [0, 0, -1])
    np.testing.assert_array_equal(unit_of(pts, units.iloc[::-1].reset_index(drop=True)), [0, 1, -1])
