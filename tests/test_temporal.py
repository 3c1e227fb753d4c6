"""Hour-by-weekday matrix, monthly series and busiest cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.stats.temporal import HOURS, WEEKDAYS, busiest, hour_weekday, monthly


def incidents(times: list[str | None], categories: list[str | None] | None = None) -> pd.DataFrame:
    cats = categories if categories is not None else ["burglary"] * len(times)
    return pd.DataFrame({"id": [f"I{i}" for i in range(len(times))],
                         "occurred_at": pd.to_datetime(times, format="mixed"), "category": cats})


@pytest.fixture
def year() -> pd.DataFrame:
    """500 random incidents over 2016-2017, some without a time, none in March-April 2017."""
    rng = np.random.default_rng(3)
    start = pd.Timestamp("2016-01-01").value
    t = pd.to_datetime(rng.integers(start, pd.Timestamp("2018-01-01").value, 500))
    t = t[(t < pd.Timestamp("2017-03-01")) | (t >= pd.Timestamp("2017-05-01"))]
    frame = pd.DataFrame({"occurred_at": t, "category": rng.choice(["burglary", "public_order", "other"], len(t))})
    frame.loc[frame.index[::50], "occurred_at"] = pd.NaT
    return frame


def test_matrix_is_7_by_24_and_sums_to_incidents_with_a_time(year):
    m = hour_weekday(year)
    assert m.shape == (7, 24)
    assert list(m.index) == list(WEEKDAYS) and list(m.columns) == list(HOURS)
    assert int(m.to_numpy().sum()) == year["occurred_at"].notna().sum() < len(year)
    assert (m.to_numpy() >= 0).all()


def test_known_incident_lands_on_monday_at_22():
    assert pd.Timestamp("2016-02-01").day_name() == "Monday"
    m = hour_weekday(incidents(["2016-02-01 22:30", "2016-02-01 23:00", None]))
    assert m.loc["Monday", 22] == 1 and m.loc["Monday", 23] == 1
    assert int(m.to_numpy().sum()) == 2


def test_no_incidents_give_an_empty_matrix():
    m = hour_weekday(incidents([]))
    assert m.shape == (7, 24) and int(m.to_numpy().sum()) == 0


def test_monthly_fills_empty_months_and_keeps_the_total(year):
    m = monthly(year)
    timed = year["occurred_at"].notna().sum()
    assert int(m.to_numpy().sum()) == timed
    assert m.index[0] == pd.Timestamp("2016-01-01") and m.index[-1] == pd.Timestamp("2017-12-01")
    assert len(m) == 24 and (m.index == pd.date_range("2016-01-01", "2017-12-01", freq="MS")).all()
    assert (m.loc["2017-03-01":"2017-04-01"] == 0).all().all()
    assert list(m.columns) == ["public_order", "burglary", "other"]  # the platform's category order
    single = monthly(year, by=None)
    assert list(single.columns) == ["incidents"] and int(single["incidents"].sum()) == timed


def test_monthly_gap_in_a_short_series():
    m = monthly(incidents(["2016-01-31 23:59", "2016-04-01 00:00", "2016-04-15"],
                          ["burglary", None, "burglary"]))
    assert list(m.index) == list(pd.date_range("2016-01-01", "2016-04-01", freq="MS"))
    assert m["burglary"].tolist() == [1, 0, 0, 1]
    assert m["unknown"].tolist() == [0, 0, 0, 1]  # a missing category is still counted


def test_monthly_by_another_column_and_bad_input():
    frame = incidents(["2016-01-05", "2016-02-05"]).assign(area=["South", "North"])
    assert list(monthly(frame, by="area").columns) == ["North", "South"]
    with pytest.raises(ValueError, match="'district'"):
        monthly(frame, by="district")
    with pytest.raises(ValueError, match="datetime"):
        hour_weekday(frame.assign(occurred_at="2016-01-05"))
    assert monthly(incidents([None])).empty


def test_busiest_order():
    times = (["2016-02-05 18:10"] * 4      # Friday 18: 4
             + ["2016-02-01 09:00"] * 2    # Monday 9: 2
             + ["2016-02-07 02:00"] * 2    # Sunday 2: 2
             + ["2016-02-03 13:00"] * 3)   # Wednesday 13: 3
    m = hour_weekday(incidents(times))
    assert busiest(m) == [("Friday", 18, 4), ("Wednesday", 13, 3), ("Monday", 9, 2)]
    assert busiest(m, 10) == [("Friday", 18, 4), ("Wednesday", 13, 3), ("Monday", 9, 2), ("Sunday", 2, 2)]
    assert busiest(m, 0) == []
    assert busiest(hour_weekday(incidents([]))) == []
