"""Periods as people name them: the library (geo.periods, the time series) and the sidebar's period picker."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from conftest import ROOT, tiny_layers
from geo.i18n import Tr
from geo.periods import (DAILY_MAX_DAYS, custom, default_period_token, label_of, month, parse_period, period_days,
                         periods_with_data, quarter, series_step, year)
from geo.select import default_period
from geo.stats.temporal import time_series


# ---------------------------------------------------------------- the library
@pytest.mark.parametrize(("token", "start", "end"), [
    ("2017", dt.date(2017, 1, 1), dt.date(2017, 12, 31)),
    ("2017-Q1", dt.date(2017, 1, 1), dt.date(2017, 3, 31)),
    ("2017-Q2", dt.date(2017, 4, 1), dt.date(2017, 6, 30)),
    ("2017-Q3", dt.date(2017, 7, 1), dt.date(2017, 9, 30)),
    ("2017-Q4", dt.date(2017, 10, 1), dt.date(2017, 12, 31)),
    ("2016-02", dt.date(2016, 2, 1), dt.date(2016, 2, 29)),  # leap year
    ("2017-02", dt.date(2017, 2, 1), dt.date(2017, 2, 28)),
    ("2000-02", dt.date(2000, 2, 1), dt.date(2000, 2, 29)),  # divisible by 400: leap
    ("1900-02", dt.date(1900, 2, 1), dt.date(1900, 2, 28)),  # divisible by 100 only: not leap
    ("2017-04", dt.date(2017, 4, 1), dt.date(2017, 4, 30)),
    ("2017-12", dt.date(2017, 12, 1), dt.date(2017, 12, 31)),  # the month end across the year
    ("2016-02-28..2016-03-01", dt.date(2016, 2, 28), dt.date(2016, 3, 1)),
])
def test_a_token_names_its_days_and_comes_back(token, start, end):
    p = parse_period(token)
    assert (p.start, p.end) == (start, end)
    assert p.token == token
    assert parse_period(p.token) == p


def test_lengths_of_leap_and_common_periods():
    assert year(2016).days == 366 and year(2017).days == 365
    assert quarter(2016, 1).days == 91 and quarter(2017, 1).days == 90
    assert sum(month(2016, m).days for m in range(1, 13)) == 366
    assert [quarter(2017, q).days for q in range(1, 5)] == [90, 91, 92, 92]


@pytest.mark.parametrize("token", ["", "17", "2017-13", "2017-00", "2017-Q5", "2017Q3", "0000",
                                   "2017-02-30..2017-03-01", "2017-10-01..", "last year"])
def test_an_unreadable_token_says_how_to_write_one(token):
    with pytest.raises(ValueError, match="cannot be read: write a year"):
        parse_period(token)


def test_a_custom_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="the period ends on 2017-10-01, before it starts on 2017-10-05"):
        parse_period("2017-10-05..2017-10-01")
    with pytest.raises(ValueError, match="before it starts"):
        custom(dt.date(2017, 1, 2), dt.date(2017, 1, 1))
    assert custom(dt.date(2017, 1, 1), dt.date(2017, 1, 1)).days == 1


def test_periods_with_data_span_years_newest_first_and_skip_empty_ones():
    times = pd.Series(pd.to_datetime(["2016-11-30 23:59", "2016-12-31 23:00", "2017-01-01 00:00",
                                      "2017-08-15 12:00", None]))
    assert [p.token for p in periods_with_data(times, "year")] == ["2017", "2016"]
    # 2017-Q2 has nothing and is not offered
    assert [p.token for p in periods_with_data(times, "quarter")] == ["2017-Q3", "2017-Q1", "2016-Q4"]
    assert [p.token for p in periods_with_data(times, "month")] == ["2017-08", "2017-01", "2016-12", "2016-11"]
    assert periods_with_data(times.iloc[:0], "month") == []
    with pytest.raises(ValueError, match="not a kind of period"):
        periods_with_data(times, "week")


def test_the_default_token_gives_the_default_period_of_the_pages_and_the_pack():
    inc = tiny_layers()["incidents"]
    token = default_period_token(inc["occurred_at"])
    assert token == "2017"
    first, last = inc["occurred_at"].min().date(), inc["occurred_at"].max().date()
    assert period_days(parse_period(token), first, last) == default_period(inc)


def test_a_calendar_period_is_cut_to_the_days_the_data_covers():
    first, last = dt.date(2016, 3, 10), dt.date(2017, 2, 14)
    assert period_days(year(2016), first, last) == (dt.date(2016, 3, 10), dt.date(2016, 12, 31))
    assert period_days(month(2017, 2), first, last) == (dt.date(2017, 2, 1), dt.date(2017, 2, 14))
    assert period_days(quarter(2016, 3), first, last) == (dt.date(2016, 7, 1), dt.date(2016, 9, 30))
    assert period_days(year(2015), first, last) == (dt.date(2015, 1, 1), dt.date(2015, 12, 31))  # no data: whole
    days = custom(dt.date(2016, 1, 1), dt.date(2016, 1, 5))
    assert period_days(days, first, last) == (days.start, days.end)  # chosen day by day: kept


def test_labels_name_the_period_in_each_language():
    assert [p.label() for p in (year(2017), quarter(2017, 3), month(2017, 10))] == ["2017", "Q3 2017",
                                                                                      "October 2017"]
    assert quarter(2017, 3).label(lang="ru") == "III квартал 2017"
    assert quarter(2017, 1).label(lang="ky") == "2017-жылдын I чейреги"
    assert month(2017, 10).label(lang="ru") == Tr("ru").month_year(dt.date(2017, 10, 1))
    assert year(2017).label(lang="ru") == "2017"  # not "2 017"
    assert label_of(dt.date(2016, 1, 1), dt.date(2016, 12, 31)) == "2016"
    assert label_of(dt.date(2017, 4, 1), dt.date(2017, 6, 30)) == "Q2 2017"
    assert label_of(dt.date(2017, 9, 1), dt.date(2017, 9, 30)) == "September 2017"
    assert label_of(dt.date(2017, 9, 1), dt.date(2017, 9, 29)) == Tr("en").period(dt.date(2017, 9, 1),
                                                                                   dt.date(2017, 9, 29))


def test_series_step_counts_days_up_to_two_months():
    start = dt.date(2017, 1, 1)
    assert series_step(start, start) == "day"
    assert series_step(start, start + dt.timedelta(days=DAILY_MAX_DAYS - 1)) == "day"
    assert series_step(start, start + dt.timedelta(days=DAILY_MAX_DAYS)) == "month"
    assert series_step(None, None) == "month"


def _incidents(times: list[str], categories: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"occurred_at": pd.to_datetime(pd.Series(times, dtype=object), format="ISO8601"),
                         "category": categories or ["burglary"] * len(times)})


def test_one_month_is_counted_by_day_over_all_its_days():
    inc = _incidents(["2017-10-03 10:00", "2017-10-03 23:59", "2017-10-31 00:00", "2017-11-01 00:00",
                      "2017-09-30 23:59"], ["burglary", "theft", "burglary", "burglary", "burglary"])
    s = time_series(inc, start=dt.date(2017, 10, 1), end=dt.date(2017, 10, 31))
    assert s.index.name == "day" and len(s) == 31
    assert s.index[0] == pd.Timestamp("2017-10-01") and s.index[-1] == pd.Timestamp("2017-10-31")
    assert s.loc["2017-10-03"].to_dict() == {"burglary": 1, "theft": 1}
    assert s.loc["2017-10-31", "burglary"] == 1
    assert int(s.to_numpy().sum()) == 3  # the days either side are not counted
    assert (s.sum(axis=1) == 0).sum() == 29  # the quiet days are there, with zeros


def test_a_year_across_the_data_is_counted_by_month_with_every_month():
    inc = _incidents(["2016-12-31 23:00", "2017-01-01 00:00", "2017-03-05 00:00"])
    s = time_series(inc, start=dt.date(2017, 1, 1), end=dt.date(2017, 12, 31), by=None)
    assert s.index.name == "month" and len(s) == 12
    assert s["incidents"].tolist() == [1, 0, 1] + [0] * 9
    whole = time_series(inc)  # an open period: the data's months
    assert whole.index.name == "month" and int(whole.to_numpy().sum()) == 3 and len(whole) == 4


def test_a_period_without_incidents_still_has_its_days():
    s = time_series(_incidents([]), start=dt.date(2017, 2, 1), end=dt.date(2017, 2, 28))
    assert len(s) == 28 and list(s.columns) == ["incidents"] and int(s.to_numpy().sum()) == 0


# ---------------------------------------------------------------- the sidebar (AppTest)
def spread_layers(seed: int = 13) -> dict[str, gpd.GeoDataFrame]:
    """The tiny boundaries with 400 incidents on random days from 15 Nov 2016 to 10 Feb 2018, in A, B and C."""
    layers = tiny_layers()
    rng = np.random.default_rng(seed)
    n = 400
    first = pd.Timestamp("2016-11-15")
    minutes = rng.integers(0, int((pd.Timestamp("2018-02-10 23:59") - first).total_seconds() // 60), n)
    x0, y0 = 74.60, 42.85
    spots = [(x0 + 0.005, y0 + 0.005), (x0 + 0.015, y0 + 0.005), (x0 + 0.01, y0 - 0.015)]  # in A, B, C
    where = rng.integers(0, 3, n)
    layers["incidents"] = gpd.GeoDataFrame(
        {"id": [f"S-{i:04d}" for i in range(n)],
         "occurred_at": (first + pd.to_timedelta(np.sort(minutes), unit="min")).astype("datetime64[ms]"),
         "category": rng.choice(["burglary", "public_order", "theft"], n),
         "description": ["plain"] * n},
        geometry=[Point(spots[w][0] + 0.001 * rng.random(), spots[w][1] + 0.001 * rng.random()) for w in where],
        crs=4326)
    return layers


@pytest.fixture
def spread_workspace(tmp_path):
    from geo.io.store import Workspace
    from geo.schema import require_valid

    path = tmp_path / "spread.gpkg"
    Workspace(path).write({k: require_valid(v, k) for k, v in spread_layers().items()}, meta={"title": "spread"})
    return path


def app(monkeypatch, workspace, *, period: str | None = None) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if period is not None:
        at.query_params["period"] = period
    at.run()
    assert not at.exception, at.exception
    return at


def direct_count(start: dt.date, end: dt.date) -> int:
    """Incidents in the North (units A and B) from ``start`` to ``end``, counted without the platform."""
    inc = spread_layers()["incidents"]
    day = inc["occurred_at"].dt.date
    # A and B lie north of the area's middle latitude, C south of it
    north = inc.geometry.y > 42.845
    return int(((day >= start) & (day <= end) & north).sum())


def test_the_default_is_the_latest_year_and_the_address_says_so(monkeypatch, spread_workspace):
    at = app(monkeypatch, spread_workspace)
    assert at.radio(key="f_period_kind").value == "year"
    assert at.selectbox(key="f_period_year").options == ["2018", "2017", "2016"]
    f = at.session_state["filter"]
    assert (f.start, f.end) == default_period(spread_layers()["incidents"])
    assert at.query_params["period"] == ["2018"] or at.query_params["period"] == "2018"


def test_a_quarter_filters_exactly_its_days(monkeypatch, spread_workspace):
    at = app(monkeypatch, spread_workspace)
    at.radio(key="f_period_kind").set_value("quarter").run()
    box = at.selectbox(key="f_period_quarter")
    # only quarters with incidents, newest first; the labels name them
    assert box.options[:3] == ["Q1 2018", "Q4 2017", "Q3 2017"] and box.options[-1] == "Q4 2016"
    box.set_value("2017-Q3").run()
    assert not at.exception, at.exception
    f = at.session_state["filter"]
    assert (f.start, f.end) == (dt.date(2017, 7, 1), dt.date(2017, 9, 30))
    metrics = {m.label: m for m in at.metric}
    assert metrics["Incidents"].value == f"{direct_count(dt.date(2017, 7, 1), dt.date(2017, 9, 30)):,}"
    # the change is said against the quarter before, by name
    previous = direct_count(dt.date(2017, 4, 1), dt.date(2017, 6, 30))
    diff = direct_count(dt.date(2017, 7, 1), dt.date(2017, 9, 30)) - previous
    assert metrics["Incidents"].delta == f"{'-' if diff < 0 else '+'}{abs(diff):,}"
    assert metrics["Incidents"].proto.delta_description == "against Q2 2017"
    assert metrics["Rate per 100,000 a year"].proto.delta_description == "against Q2 2017"
    assert not metrics["Population"].delta  # a level, not a change: no arrow
    assert at.query_params["period"] in ("2017-Q3", ["2017-Q3"])


def test_the_address_reproduces_the_period(monkeypatch, spread_workspace):
    at = app(monkeypatch, spread_workspace, period="2017-03")
    assert at.radio(key="f_period_kind").value == "month"
    assert at.selectbox(key="f_period_month").value == "2017-03"
    f = at.session_state["filter"]
    assert (f.start, f.end) == (dt.date(2017, 3, 1), dt.date(2017, 3, 31))
    assert {m.label: m for m in at.metric}["Incidents"].value == str(direct_count(f.start, f.end))
    custom_at = app(monkeypatch, spread_workspace, period="2017-02-10..2017-04-20")
    assert custom_at.radio(key="f_period_kind").value == "custom"
    assert (custom_at.date_input(key="f_period_start").value,
            custom_at.date_input(key="f_period_end").value) == (dt.date(2017, 2, 10), dt.date(2017, 4, 20))
    assert custom_at.session_state["filter"].end == dt.date(2017, 4, 20)


def test_a_link_to_a_period_without_data_says_so(monkeypatch, spread_workspace):
    at = app(monkeypatch, spread_workspace, period="2015-Q2")
    assert [w.value for w in at.sidebar.warning] == [
        "The link asks for Q2 2015, which has no incidents in this workspace: the latest year with incidents is "
        "shown instead."]
    assert at.selectbox(key="f_period_year").value == "2018"
    bad = app(monkeypatch, spread_workspace, period="last-year")
    assert any("cannot be read" in w.value for w in bad.sidebar.warning)


def test_custom_dates_apply_at_once_and_an_end_before_the_start_is_refused(monkeypatch, spread_workspace):
    at = app(monkeypatch, spread_workspace)
    at.radio(key="f_period_kind").set_value("custom").run()
    at.date_input(key="f_period_start").set_value(dt.date(2017, 5, 3)).run()
    at.date_input(key="f_period_end").set_value(dt.date(2017, 5, 20)).run()
    assert not at.exception, at.exception
    f = at.session_state["filter"]
    assert (f.start, f.end) == (dt.date(2017, 5, 3), dt.date(2017, 5, 20))
    assert {m.label: m for m in at.metric}["Incidents"].value == str(direct_count(f.start, f.end))
    assert at.query_params["period"] in ("2017-05-03..2017-05-20", ["2017-05-03..2017-05-20"])
    at.date_input(key="f_period_end").set_value(dt.date(2017, 5, 1)).run()
    assert [e.value for e in at.sidebar.error] == [
        "The last day, May 1, 2017, is before the first day, May 3, 2017: choose a last day on or after the first."]
    assert not at.metric  # no page shows figures for a period that does not exist


def _chart(at: AppTest, title: str) -> pd.DataFrame:
    """The data of the chart titled ``title`` (its Vega-Lite spec and Arrow dataset)."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        named = spec.get("title")
        if (named.get("text") if isinstance(named, dict) else named) == title:
            return pd.concat([convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets])
    msg = f"no chart titled {title!r}"
    raise AssertionError(msg)


def test_a_month_draws_its_time_chart_by_day(monkeypatch, spread_workspace):
    at = app(monkeypatch, spread_workspace, period="2017-03")
    at.switch_page("views/hotspots.py").run()
    assert not at.exception, at.exception
    days = _chart(at, "Incidents per day")
    assert days["Day"].nunique() == 31  # every day of March, the quiet ones too
    per_day = days.groupby("Day")["Incidents"].sum()
    assert (per_day > 0).sum() > 5
    assert int(per_day.sum()) == direct_count(dt.date(2017, 3, 1), dt.date(2017, 3, 31))
    assert any("Days: incidents of each category on each day" in c.value for c in at.caption)
    # a year: by month
    at.radio(key="f_period_kind").set_value("year").run()
    at.selectbox(key="f_period_year").set_value("2017").run()
    months = _chart(at, "Incidents per month")
    assert months["Month"].nunique() == 12
    assert int(months["Incidents"].sum()) == direct_count(dt.date(2017, 1, 1), dt.date(2017, 12, 31))
