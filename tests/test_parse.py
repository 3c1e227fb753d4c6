"""Parsing of messy registry columns: dates, numbers, coordinates (geo.io.numbers, geo.io.dates, geo.io.points)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer

from conftest import realdata
from geo.io.dates import combine_parts, parse_datetimes
from geo.io.numbers import parse_numbers
from geo.io.points import detect_crs, parse_points

BISHKEK = (74.6122, 42.8746)  # lon, lat
CHICAGO = (-87.6298, 41.8781)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def one(value: object, **kw: object) -> tuple[object, str, str]:
    """Parse a single date value: (value, error, note)."""
    r = parse_datetimes(pd.Series([value], dtype=object), **kw)
    return r.values.iloc[0], r.errors.iloc[0], r.notes.iloc[0]


# --- dates: the families ----------------------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    ("2016-03-15", "2016-03-15"),
    ("2016-03-15 14:30", "2016-03-15 14:30"),
    ("2016-3-5 4:05:06", "2016-03-05 04:05:06"),
    ("2016-03-15T14:30:15", "2016-03-15 14:30:15"),
    ("2016-03-15 14:30:15.250", "2016-03-15 14:30:15.250"),
    ("2016-03-15 14:30:15.123456", "2016-03-15 14:30:15.123"),
    ("15.03.2016", "2016-03-15"),
    ("15.03.2016 14:30", "2016-03-15 14:30"),
    ("5.3.2016 14:30:59", "2016-03-05 14:30:59"),
    ("15.03.16", "2016-03-15"),
    ("15.03.87", "1987-03-15"),
    ("20160315", "2016-03-15"),
    ("  15.03.2016 14:30  ", "2016-03-15 14:30"),
])
def test_unambiguous_families(text: str, want: str) -> None:
    value, error, note = one(text)
    assert error == ""
    assert note == ""
    assert value == ts(want)


def test_aware_iso_keeps_the_clock_time_and_says_so() -> None:
    r = parse_datetimes(pd.Series(["2016-03-15T14:30:00Z", "2016-03-15T14:30:00+06:00", "2016-03-15T14:30:00"]))
    assert (r.values == ts("2016-03-15 14:30")).all()
    assert r.errors.tolist() == ["", "", ""]
    assert r.notes.iloc[0] == "time zone Z dropped; the clock time is kept as written"
    assert "+06:00 dropped" in r.notes.iloc[1]
    assert r.notes.iloc[2] == ""
    assert r.values.dtype == "datetime64[ms]"


def test_dotted_dates_with_and_without_time_are_day_first() -> None:
    r = parse_datetimes(pd.Series(["01.02.2016", "01.02.2016 10:15", "12.11.2016 23:59"]))
    assert r.values.tolist() == [ts("2016-02-01"), ts("2016-02-01 10:15"), ts("2016-11-12 23:59")]
    assert r.summary["formats"] == {"dd.mm.yyyy HH:MM": 2, "dd.mm.yyyy": 1}
    assert r.summary["order"] == {}  # nothing was ambiguous
    assert (r.notes == "").all()


def test_chicago_mix_as_in_its_provenance() -> None:
    """1-12 Sept as yyyy/dd/mm (with and without time), 13-30 Sept as mm/dd/yyyy hh:mm:ss AM/PM."""
    dates = pd.Series(["2014/05/09 13:45:00", "2014/05/09", "09/15/2014 02:30:00 PM", "09/30/2014 12:00:00 AM",
                       "2014/12/09 23:56:00", "2014/09/09 08:00:00", "09/13/2014 11:59:00 AM"])
    r = parse_datetimes(dates)
    assert r.values.tolist() == [ts("2014-09-05 13:45"), ts("2014-09-05"), ts("2014-09-15 14:30"),
                                 ts("2014-09-30"), ts("2014-09-12 23:56"), ts("2014-09-09 08:00"),
                                 ts("2014-09-13 11:59")]
    assert (r.errors == "").all()
    note = ("ambiguous date read as year/day/month (yyyy/dd/mm), matching the file's other dates "
            "(2014-09-13 to 2014-09-30)")
    assert r.notes.tolist() == [note, note, "", "", note, "", ""]  # 2014/09/09 reads the same either way
    assert r.summary["order"]["yyyy/a/b"]["read_as"] == "yyyy/dd/mm"
    assert r.summary["order"]["yyyy/a/b"]["basis"] == "other dates"
    assert r.summary["order"]["a/b/yyyy"]["read_as"] == "mm/dd/yyyy"
    assert r.summary["order"]["a/b/yyyy"]["basis"] == "evidence"
    assert r.summary["formats"] == {"yyyy/dd/mm HH:MM:SS": 3, "mm/dd/yyyy hh:mm:ss AM/PM": 3, "yyyy/dd/mm": 1}


@pytest.mark.realdata
def test_chicago_file_dates_all_fall_in_september_2014() -> None:
    frame = pd.read_csv(realdata("chicago", "crimes_2014_09.csv"), dtype=str, keep_default_na=False)
    r = parse_datetimes(frame["Date"])
    assert r.summary["errors"] == 0
    days = r.values.dt.normalize().value_counts()
    assert r.values.min() == ts("2014-09-01")
    assert r.values.max().normalize() == ts("2014-09-30")
    assert days[ts("2014-09-30")] == 2  # the extract was cut on that day
    assert len(days) == 30


@pytest.mark.parametrize(("text", "want"), [
    ("03/04/2016 12:00 AM", "2016-03-04 00:00"),
    ("03/04/2016 12:30 AM", "2016-03-04 00:30"),
    ("03/04/2016 12:30 PM", "2016-03-04 12:30"),
    ("03/04/2016 12:00:00 pm", "2016-03-04 12:00"),
    ("03/04/2016 1:05 PM", "2016-03-04 13:05"),
    ("03/04/2016 11:59:59 P.M.", "2016-03-04 23:59:59"),
    ("03/04/2016 01:00 am", "2016-03-04 01:00"),
])
def test_twelve_hour_clock(text: str, want: str) -> None:
    value, error, _ = one(text, order="mdy")
    assert error == ""
    assert value == ts(want)


def test_impossible_twelve_hour_times_are_refused() -> None:
    r = parse_datetimes(pd.Series(["03/04/2016 13:30 AM", "03/04/2016 0:30 PM", "03/04/2016 13:30 PM"]), order="mdy")
    assert r.errors.iloc[0] == "hour 13 does not go with AM in '03/04/2016 13:30 AM'"
    assert r.errors.iloc[1] == "hour 0 does not go with PM in '03/04/2016 0:30 PM'"
    assert r.errors.iloc[2] == ""  # clear enough, but noted
    assert r.values.iloc[2] == ts("2016-03-04 13:30")
    assert "24-hour clock" in r.notes.iloc[2]


def test_separate_time_column() -> None:
    dates = pd.Series(["15.03.2016", "16.03.2016", "17.03.2016", "18.03.2016 10:00", "19.03.2016",
                       "20.03.2016 00:00", ""])
    times = pd.Series(["14:30", "2:30 PM", None, "11:00", "25:00", "8:15:30", "10:00"])
    r = parse_datetimes(dates, times)
    assert r.values.iloc[:3].tolist() == [ts("2016-03-15 14:30"), ts("2016-03-16 14:30"), ts("2016-03-17")]
    assert r.notes.iloc[2] == "no time given; read as 00:00"
    assert r.errors.iloc[3] == "date '18.03.2016 10:00' has a time that differs from the time column ('11:00')"
    assert r.errors.iloc[4] == "hour 25 is out of range in time '25:00'"
    assert r.values.iloc[5] == ts("2016-03-20 08:15:30")  # a midnight date takes the time column's time
    assert r.errors.iloc[6] == "empty"


def test_time_column_of_time_objects_and_timedeltas() -> None:
    dates = pd.Series(["2016-03-15", "2016-03-16"])
    objs = pd.Series([dt.time(14, 30), dt.time(1, 2, 3)], dtype=object)
    assert parse_datetimes(dates, objs).values.tolist() == [ts("2016-03-15 14:30"), ts("2016-03-16 01:02:03")]
    deltas = pd.Series(pd.to_timedelta(["14:30:00", "01:02:03"]))
    assert parse_datetimes(dates, deltas).values.tolist() == [ts("2016-03-15 14:30"), ts("2016-03-16 01:02:03")]
    text = pd.Series(["half past two", "14:30"])
    r = parse_datetimes(dates, text)
    assert r.errors.iloc[0] == "time 'half past two' is not a time of day (such as 14:30 or 2:30 PM)"


# --- dates: the day/month order ---------------------------------------------

def test_evidence_decides_the_order_and_notes_only_the_ambiguous_rows() -> None:
    r = parse_datetimes(pd.Series(["03/04/2016", "12/25/2016", "05/05/2016", "01/31/2016", "03/04/2016"]))
    assert r.values.tolist() == [ts("2016-03-04"), ts("2016-12-25"), ts("2016-05-05"), ts("2016-01-31"),
                                 ts("2016-03-04")]
    note = "date read as mm/dd/yyyy (month/day/year): 2 values in this format have a day above 12"
    assert r.notes.tolist() == [note, "", "", "", note]
    assert r.summary["order"]["a/b/yyyy"] == {"values": 5, "read_as": "mm/dd/yyyy", "basis": "evidence",
                                              "why": "2 values in this format have a day above 12"}


def test_evidence_for_day_first_and_year_first() -> None:
    r = parse_datetimes(pd.Series(["03/04/2016", "25/12/2016"]))
    assert r.values.tolist() == [ts("2016-04-03"), ts("2016-12-25")]
    r = parse_datetimes(pd.Series(["2016/04/03", "2016/25/12 10:00"]))
    assert r.values.tolist() == [ts("2016-03-04"), ts("2016-12-25 10:00")]
    assert "yyyy/dd/mm (year/day/month)" in r.notes.iloc[0]
    r = parse_datetimes(pd.Series(["03-04-2016", "12-25-2016"]))
    assert r.values.tolist() == [ts("2016-03-04"), ts("2016-12-25")]


def test_no_evidence_is_an_error_quoting_the_value_never_a_guess() -> None:
    r = parse_datetimes(pd.Series(["03/04/2016", "05/05/2016", "11/12/2016 10:00"]))
    assert r.errors.iloc[0] == ("ambiguous date '03/04/2016': day and month could be either; choose the order "
                                "(dd/mm/yyyy or mm/dd/yyyy)")
    assert pd.isna(r.values.iloc[0])
    assert r.errors.iloc[1] == ""  # the same date either way
    assert r.values.iloc[1] == ts("2016-05-05")
    assert "'11/12/2016 10:00'" in r.errors.iloc[2]
    assert r.summary["order"]["a/b/yyyy"]["basis"] == "undecided"


def test_other_dates_that_fit_both_readings_do_not_decide() -> None:
    # a whole year of dotted dates: 03/04 as 3 April or 4 March are both inside it
    dotted = [f"{d:02d}.{m:02d}.2016" for m in range(1, 13) for d in (1, 15, 28)]
    r = parse_datetimes(pd.Series([*dotted, "03/04/2016"]))
    assert "ambiguous date '03/04/2016'" in r.errors.iloc[-1]


def test_order_overrides_evidence_and_contradictions_are_errors() -> None:
    dates = pd.Series(["03/04/2016", "13/04/2016", "04/13/2016"])
    r = parse_datetimes(dates, order="dmy")
    assert r.values.iloc[0] == ts("2016-04-03")
    assert r.values.iloc[1] == ts("2016-04-13")
    assert r.errors.iloc[2] == ("date '04/13/2016' does not fit the order of this column (dd/mm/yyyy): "
                                "there is no month 13")
    assert (r.notes == "").all()  # the caller chose; nothing to explain
    assert r.summary["order"]["a/b/yyyy"]["basis"] == "given"
    r = parse_datetimes(dates, order="mdy")
    assert r.values.iloc[0] == ts("2016-03-04")
    assert "does not fit" in r.errors.iloc[1]


@pytest.mark.parametrize(("order", "want"), [("dd/mm/yyyy", "2016-04-03"), ("dm", "2016-04-03"),
                                             ("MM/DD/YYYY", "2016-03-04"), ("mdy,ydm", "2016-03-04")])
def test_order_spellings(order: str, want: str) -> None:
    assert one("03/04/2016", order=order)[0] == ts(want)


def test_order_for_year_first_does_not_touch_year_last() -> None:
    r = parse_datetimes(pd.Series(["2016/03/04", "03/04/2016", "03/05/2016"]), order="ydm")
    assert r.values.iloc[0] == ts("2016-04-03")
    assert r.summary["order"]["yyyy/a/b"]["basis"] == "given"
    # the year-last values are decided on their own: by the given date, not by the given order
    assert r.summary["order"]["a/b/yyyy"]["basis"] == "other dates"
    assert r.values.iloc[1:].tolist() == [ts("2016-04-03"), ts("2016-05-03")]
    assert "matching the file's other dates (2016-04-03 to 2016-04-03)" in r.notes.iloc[1]


def test_unknown_order_raises() -> None:
    with pytest.raises(ValueError, match="unknown date order"):
        parse_datetimes(pd.Series(["03/04/2016"]), order="xyz")


def test_a_contradicting_month_13_is_an_error() -> None:
    r = parse_datetimes(pd.Series(["13/13/2016", "12/25/2016", "03/04/2016"]))
    assert r.errors.iloc[0] == "date '13/13/2016' does not exist (there is no month 13)"
    assert r.values.iloc[1:].tolist() == [ts("2016-12-25"), ts("2016-03-04")]


def test_a_few_contradictions_do_not_spoil_a_clear_order() -> None:
    good = [f"{m:02d}/{d:02d}/2016" for m in range(1, 13) for d in range(13, 29)]  # 192 month-first
    r = parse_datetimes(pd.Series([*good, "25/03/2016", "03/04/2016"]))
    assert r.values.iloc[-1] == ts("2016-03-04")
    assert "does not fit the order of this column (mm/dd/yyyy)" in r.errors.iloc[-2]


def test_a_real_mix_reads_each_unambiguous_value_its_only_way() -> None:
    r = parse_datetimes(pd.Series(["25/03/2016", "26/03/2016", "03/25/2016", "03/26/2016", "03/04/2016"]))
    assert r.values.iloc[:4].tolist() == [ts("2016-03-25"), ts("2016-03-26"), ts("2016-03-25"), ts("2016-03-26")]
    assert "only reading that is a date" in r.notes.iloc[0]
    assert "mixes day-first and month-first" in r.errors.iloc[4]
    assert r.summary["order"]["a/b/yyyy"]["basis"] == "mixed"


# --- dates: bad values ------------------------------------------------------

@pytest.mark.parametrize(("text", "error"), [
    ("31.02.2016", "date '31.02.2016' does not exist (February 2016 has 29 days)"),
    ("29.02.2015", "date '29.02.2015' does not exist (February 2015 has 28 days)"),
    ("00.01.2016", "date '00.01.2016' does not exist (there is no day 0)"),
    ("15.13.2016", "date '15.13.2016' does not exist (there is no month 13)"),
    ("2016-04-31", "date '2016-04-31' does not exist (April 2016 has 30 days)"),
    ("15.03.2016 24:00", "hour 24 is out of range in '15.03.2016 24:00'"),
    ("15.03.2016 12:60", "minute 60 is out of range in '15.03.2016 12:60'"),
    ("15.03.2016 12:00:61", "second 61 is out of range in '15.03.2016 12:00:61'"),
    ("15.03.3016", "year 3016 is out of range (1900 to 2100) in '15.03.3016'"),
    ("1850-01-01", "year 1850 is out of range (1900 to 2100) in '1850-01-01'"),
    ("yesterday", "'yesterday' is not a date in a known format (such as dd.mm.yyyy, yyyy-mm-dd or mm/dd/yyyy)"),
    ("42430", "'42430' is a number, not a date (an Excel day number? export the column as dates)"),
    ("15 марта 2016", "'15 марта 2016' is not a date in a known format (such as dd.mm.yyyy, yyyy-mm-dd or mm/dd/yyyy)"),
])
def test_bad_dates_say_why_and_quote_the_value(text: str, error: str) -> None:
    value, got, note = one(text)
    assert pd.isna(value)
    assert got == error
    assert note == ""


def test_long_values_are_cut_in_messages() -> None:
    text = "x" * 100
    error = one(text)[1]
    assert f"'{'x' * 39}…'" in error
    assert len(error) < 130


@pytest.mark.parametrize("empty", [None, np.nan, "", "   ", pd.NA])
def test_empty_dates(empty: object) -> None:
    value, error, _ = one(empty)
    assert pd.isna(value)
    assert error == "empty"


def test_datetimes_pass_through() -> None:
    col = pd.Series(pd.to_datetime(["2016-03-01 10:00", None, "1850-01-01 00:00"]), index=[7, 8, 9])
    r = parse_datetimes(col)
    assert r.values.index.tolist() == [7, 8, 9]
    assert r.values.iloc[0] == ts("2016-03-01 10:00")
    assert r.errors.tolist() == ["", "empty", "year 1850 is out of range (1900 to 2100) in '1850-01-01'"]
    assert r.summary["formats"] == {"datetime": 2}
    aware = pd.Series(pd.to_datetime(["2016-03-01 10:00"]).tz_localize("Asia/Bishkek"))
    r = parse_datetimes(aware)
    assert r.values.iloc[0] == ts("2016-03-01 10:00")
    assert r.values.dt.tz is None
    assert "Asia/Bishkek dropped" in r.notes.iloc[0]


def test_excel_cells_mixing_datetimes_and_text() -> None:
    col = pd.Series([dt.datetime(2016, 3, 1, 10, 0), "15.03.2016 14:30", dt.date(2016, 3, 2), 20160303], dtype=object)
    r = parse_datetimes(col)
    assert r.values.tolist() == [ts("2016-03-01 10:00"), ts("2016-03-15 14:30"), ts("2016-03-02"), ts("2016-03-03")]


def test_numeric_yyyymmdd_column() -> None:
    r = parse_datetimes(pd.Series([20160315.0, np.nan, 20161231.0]))
    assert r.values.tolist()[::2] == [ts("2016-03-15"), ts("2016-12-31")]
    assert r.errors.iloc[1] == "empty"


def test_result_keeps_the_index_and_counts() -> None:
    col = pd.Series(["15.03.2016", "bad", None], index=["a", "b", "c"])
    r = parse_datetimes(col)
    assert r.values.index.tolist() == r.errors.index.tolist() == r.notes.index.tolist() == ["a", "b", "c"]
    assert r.values.dtype == "datetime64[ms]"
    assert r.ok.tolist() == [True, False, False]
    assert {k: r.summary[k] for k in ("rows", "values", "errors", "empty", "unrecognised")} == {
        "rows": 3, "values": 1, "errors": 2, "empty": 1, "unrecognised": 1}


def test_empty_column() -> None:
    r = parse_datetimes(pd.Series([], dtype=object))
    assert len(r.values) == 0
    assert r.summary["rows"] == 0


# --- dates: properties ------------------------------------------------------

FAMILY_FORMATS = [  # (strftime format, order to give, precision to compare at)
    ("%Y-%m-%d %H:%M:%S", None, "s"),
    ("%Y-%m-%dT%H:%M:%S", None, "s"),
    ("%Y-%m-%d", None, "D"),
    ("%d.%m.%Y %H:%M", None, "min"),
    ("%d.%m.%Y", None, "D"),
    ("%Y%m%d", None, "D"),
    ("%m/%d/%Y %I:%M:%S %p", "mdy", "s"),
    ("%d/%m/%Y %H:%M", "dmy", "min"),
    ("%d-%m-%Y %H:%M:%S", "dmy", "s"),
    ("%Y/%d/%m %H:%M:%S", "ydm", "s"),
    ("%Y.%m.%d", "ymd", "D"),
]
moments = st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2050, 12, 31))


@PROPERTY
@given(st.lists(moments, min_size=1, max_size=30), st.sampled_from(FAMILY_FORMATS))
def test_every_family_reads_back_exactly(when: list[dt.datetime], family: tuple[str, str | None, str]) -> None:
    fmt, order, unit = family
    col = pd.Series([w.strftime(fmt) for w in when])
    r = parse_datetimes(col, order=order)
    assert (r.errors == "").all(), r.errors[r.errors != ""].tolist()
    want = pd.Series(pd.DatetimeIndex(when).floor(unit)).astype("datetime64[ms]")
    assert r.values.tolist() == want.tolist()


@PROPERTY
@given(st.lists(moments, min_size=1, max_size=30), st.sampled_from(["%m/%d/%Y %I:%M %p", "%d/%m/%Y", "%Y/%d/%m"]))
def test_order_from_evidence_reads_back_exactly(when: list[dt.datetime], fmt: str) -> None:
    # one value with a day above 12 is enough evidence for the whole column
    probe = dt.datetime(2001, 2, 25, 10, 30)
    col = pd.Series([w.strftime(fmt) for w in [*when, probe]])
    r = parse_datetimes(col)
    assert (r.errors == "").all()
    unit = "min" if "%M" in fmt else "D"
    assert r.values.tolist() == pd.Series(pd.DatetimeIndex([*when, probe]).floor(unit)).tolist()


@PROPERTY
@given(st.lists(moments, min_size=1, max_size=40))
def test_day_first_dates_are_right_or_refused_never_wrong(when: list[dt.datetime]) -> None:
    col = pd.Series([w.strftime("%d/%m/%Y") for w in when])
    r = parse_datetimes(col)
    truth = pd.Series(pd.DatetimeIndex(when).floor("D"))
    ok = (r.errors == "").to_numpy()
    assert (r.values[ok].to_numpy() == truth[ok].to_numpy()).all()
    ambiguous = np.array([w.day <= 12 and w.day != w.month for w in when])
    if not any(w.day > 12 for w in when):
        assert (~ok == ambiguous).all()  # no evidence: exactly the ambiguous ones are refused
    else:
        assert ok.all()


@PROPERTY
@given(st.lists(st.one_of(st.text(max_size=30), st.none(), st.floats(), st.integers()), max_size=20))
def test_garbage_never_raises_and_every_row_has_a_value_or_an_error(cells: list[object]) -> None:
    r = parse_datetimes(pd.Series(cells, dtype=object))
    assert len(r.values) == len(cells)
    assert ((r.errors != "") == r.values.isna()).all()
    n = parse_numbers(pd.Series(cells, dtype=object))
    assert ((n.errors != "") == n.values.isna()).all()


@PROPERTY
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=20))
def test_garbage_points_never_raise(pairs: list[tuple[str, str]]) -> None:
    a = pd.Series([p[0] for p in pairs], dtype=object)
    b = pd.Series([p[1] for p in pairs], dtype=object)
    r = parse_points(a, b)
    assert ((r.errors != "") == r.values.isna()).all()


# --- combine_parts ----------------------------------------------------------

def test_combine_parts() -> None:
    r = combine_parts(year=pd.Series(["2016", 2016, "2016", None, "2016", "3016", "2016", "2016"]),
                      month=pd.Series([3.0, 13, 2, 1, "x", 1, "4", 2.5]),
                      day=pd.Series([1, 1, 30, 1, 1, 1, None, 1]),
                      hour=pd.Series(["14", None, 1, 1, 1, 1, 1, 1]),
                      minute=pd.Series(["05", 0, 0, 0, 0, 0, 0, 0]))
    assert r.values.iloc[0] == ts("2016-03-01 14:05")
    assert r.errors.tolist() == ["", "month 13 is out of range (1 to 12)", "day 30 does not exist in February 2016",
                                 "year is empty", "month: 'x' is not a number",
                                 "year 3016 is out of range (1900 to 2100)", "day is empty",
                                 "month 2.5 is not a whole number"]
    assert r.notes.iloc[1] == ""  # failed rows carry no notes
    ok = combine_parts(year=pd.Series([2016]), month=pd.Series([3]), day=pd.Series([1]), hour=pd.Series([None]))
    assert ok.values.iloc[0] == ts("2016-03-01")
    assert ok.notes.iloc[0] == "hour is empty; read as 0"


# --- numbers ----------------------------------------------------------------

def test_numbers_in_every_usual_spelling() -> None:
    r = parse_numbers(pd.Series(["42.87", "42,87", " 74.6 ", "1 234,5", "-87.6", "1.234,5", "1,234.5",
                                 "1.234.567", "1\u00a0234", "\u22125", "+3", ".5", "1e3"]))
    assert r.values.tolist() == [42.87, 42.87, 74.6, 1234.5, -87.6, 1234.5, 1234.5, 1234567, 1234, -5, 3, 0.5,
                                 1000]
    assert (r.errors == "").all()
    assert r.summary["decimal_comma"] == 3


def test_bad_numbers() -> None:
    r = parse_numbers(pd.Series(["", None, "abc", "inf", "NaN", "-Infinity", "1e999", "12 abc", "1,2,3,4"],
                                index=range(10, 19)))
    assert r.errors.tolist() == ["empty", "empty", "'abc' is not a number", "not a finite number",
                                 "not a finite number", "not a finite number", "not a finite number",
                                 "'12 abc' is not a number", "'1,2,3,4' is not a number"]
    assert r.values.isna().all()
    assert r.values.index.tolist() == list(range(10, 19))


def test_numeric_columns_pass_through() -> None:
    r = parse_numbers(pd.Series([1.5, np.nan, np.inf, 3]))
    assert r.values.iloc[0] == 1.5
    assert r.errors.tolist() == ["", "empty", "not a finite number", ""]


@PROPERTY
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=20))
def test_decimal_commas_read_back(values: list[float]) -> None:
    text = pd.Series([f"{v:.6f}".replace(".", ",") for v in values])
    r = parse_numbers(text)
    assert (r.errors == "").all()
    assert np.allclose(r.values.to_numpy(), np.round(values, 6), rtol=0, atol=1e-9)


# --- coordinates ------------------------------------------------------------

def cloud(centre: tuple[float, float], n: int = 60, spread: float = 0.03, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return centre[0] + rng.normal(0, spread, n), centre[1] + rng.normal(0, spread, n)


def test_detect_degrees_kyrg06_and_utm() -> None:
    lon, lat = cloud(BISHKEK)
    crs, why = detect_crs(lon, lat)
    assert crs == CRS.from_epsg(4326)
    assert "degrees" in why
    x, y = Transformer.from_crs(4326, 7694, always_xy=True).transform(lon, lat)
    crs, why = detect_crs(np.asarray(x), np.asarray(y))
    assert crs == CRS.from_epsg(7694)
    assert "Kyrg-06 zone 3" in why
    ux, uy = Transformer.from_crs(4326, 32643, always_xy=True).transform(lon, lat)
    crs, why = detect_crs(np.asarray(ux), np.asarray(uy))
    assert crs is None
    assert "give the EPSG code" in why
    crs, why = detect_crs(np.array([1.1e6, 1.2e6]), np.array([1.9e6, 1.8e6]))  # Illinois State Plane feet
    assert crs is None
    assert "fit no CRS" in why


def test_points_in_degrees() -> None:
    lon, lat = cloud(BISHKEK)
    r = parse_points(pd.Series([f"{v:.6f}" for v in lon]), pd.Series([f"{v:.6f}".replace(".", ",") for v in lat]))
    assert r.summary["crs"] == "EPSG:4326"
    assert r.values.crs == CRS.from_epsg(4326)
    assert (r.errors == "").all()
    assert np.allclose(r.values.x, lon, atol=1e-6)
    assert np.allclose(r.values.y, lat, atol=1e-6)


def test_kyrg06_zone3_is_recognised_and_kept() -> None:
    lon, lat = cloud(BISHKEK)
    x, y = Transformer.from_crs(4326, 7694, always_xy=True).transform(lon, lat)
    r = parse_points(pd.Series(x), pd.Series(y))
    assert r.summary["crs"] == "EPSG:7694"
    assert (r.errors == "").all()
    assert np.allclose(r.values.x, x)
    back = r.values.to_crs(4326)
    assert np.allclose(back.x, lon, atol=1e-7)
    assert np.allclose(back.y, lat, atol=1e-7)


def test_kyrg06_with_northing_first_as_in_soviet_surveys() -> None:
    lon, lat = cloud(BISHKEK)
    x, y = Transformer.from_crs(4326, 7694, always_xy=True).transform(lon, lat)
    r = parse_points(pd.Series(y), pd.Series(x), order="xy")  # a column headed "X" holding northings
    assert r.summary["crs"] == "EPSG:7694"
    assert r.summary["order"] == "yx"
    assert np.allclose(r.values.x, x)


def test_utm_needs_its_epsg_code() -> None:
    lon, lat = cloud(BISHKEK)
    ux, uy = Transformer.from_crs(4326, 32643, always_xy=True).transform(lon, lat)
    r = parse_points(pd.Series(ux), pd.Series(uy))
    assert r.summary["crs"] is None
    assert r.values.isna().all()
    assert r.errors.str.contains("give the EPSG code").all()
    r = parse_points(pd.Series(ux), pd.Series(uy), crs=32643)
    assert r.summary["crs"] == "EPSG:32643"
    assert (r.errors == "").all()
    assert np.allclose(r.values.x, ux)
    assert np.allclose(r.values.y, uy)
    r = parse_points(pd.Series(uy), pd.Series(ux), crs="EPSG:32643", order="xy")
    assert np.allclose(r.values.x, ux)  # northings first: only that reading falls in the zone


@pytest.mark.parametrize("centre", [BISHKEK, CHICAGO])
def test_whole_columns_swapped_are_read_the_right_way(centre: tuple[float, float]) -> None:
    lon, lat = cloud(centre)
    r = parse_points(pd.Series(lat), pd.Series(lon))  # latitude first, order unknown
    assert r.summary["order"] == "yx"
    assert "smaller median" in r.summary["order_reason"]
    assert np.allclose(r.values.x, lon)
    assert np.allclose(r.values.y, lat)
    r = parse_points(pd.Series(lon), pd.Series(lat))
    assert r.summary["order"] == "xy"
    assert np.allclose(r.values.y, lat)


def test_latitude_told_by_range_when_longitude_is_above_90() -> None:
    lon, lat = cloud((120.0, 30.0))  # east of 90: beyond any latitude
    r = parse_points(pd.Series(lon), pd.Series(lat))
    assert "second is latitude" in r.summary["order_reason"]
    assert np.allclose(r.values.y, lat)


@pytest.mark.parametrize("centre", [BISHKEK, CHICAGO])
def test_one_swapped_row_is_fixed_with_a_note(centre: tuple[float, float]) -> None:
    lon, lat = cloud(centre)
    a, b = lon.copy(), lat.copy()
    a[7], b[7] = lat[7], lon[7]
    r = parse_points(pd.Series(a), pd.Series(b), order="xy")
    assert r.summary["swapped"] == 1
    assert r.notes.iloc[7] == "latitude and longitude were swapped; fixed"
    assert (r.notes.drop(7) == "").all()
    assert r.values.iloc[7].x == pytest.approx(lon[7])
    assert r.values.iloc[7].y == pytest.approx(lat[7])


def test_withheld_placeholders_and_out_of_range() -> None:
    lon, lat = cloud(BISHKEK, n=20)
    a = pd.Series([f"{v}" for v in lon], dtype=object)
    b = pd.Series([f"{v}" for v in lat], dtype=object)
    a[0], b[0] = "0", "0.0"
    a[1], b[1] = "99", "99"
    a[2], b[2] = "74.6", "123.4"
    a[3], b[3] = "", "42.8"
    a[4], b[4] = "74.6", ""
    a[5], b[5] = "inf", "42.8"
    a[6], b[6] = "74.6", "NaN"
    a[7], b[7] = "east", "42.8"
    a[8], b[8] = None, None
    a[9], b[9] = "42.87", "42.87"
    a[10], b[10] = "274.6", "42.8"
    for kw in ({}, {"crs": 4326, "order": "xy"}):
        r = parse_points(a, b, **kw)
        assert r.errors.iloc[:11].tolist() == [
            "coordinates withheld (0, 0)", "placeholder coordinates (99, 99)",
            "latitude 123.4 is out of range (-90 to 90)",
            "longitude is empty", "latitude is empty", "longitude is not a finite number",
            "latitude is not a finite number", "longitude: 'east' is not a number", "coordinates are empty",
            "both coordinates are 42.87; one was probably copied into the other",
            "longitude 274.6 is out of range (-180 to 180)"]
        assert r.values.iloc[:11].isna().all()
        assert r.values.iloc[11:].notna().all()
        assert r.summary["withheld"] == 1
        assert r.summary["placeholders"] == 2


def test_points_keep_the_index_and_check_their_arguments() -> None:
    lon, lat = cloud(BISHKEK, n=5)
    r = parse_points(pd.Series(lon, index=list("abcde")), pd.Series(lat, index=list("abcde")))
    assert r.values.index.tolist() == list("abcde")
    assert r.errors.index.tolist() == list("abcde")
    with pytest.raises(ValueError, match="unknown coordinate order"):
        parse_points(pd.Series(lon), pd.Series(lat), order="lonlat")
    with pytest.raises(ValueError, match="unknown CRS"):
        parse_points(pd.Series(lon), pd.Series(lat), crs="EPSG:nonsense")
    with pytest.raises(ValueError, match="differ in length"):
        parse_points(pd.Series(lon), pd.Series(lat[:3]))


@pytest.mark.realdata
def test_chicago_points() -> None:
    frame = pd.read_csv(realdata("chicago", "crimes_2014_09.csv"), dtype=str, keep_default_na=False)
    r = parse_points(frame["Latitude"], frame["Longitude"])
    assert r.summary["crs"] == "EPSG:4326"
    assert r.summary["order"] == "yx"
    assert r.summary["values"] == 21_559
    assert (r.errors[r.errors != ""] == "coordinates are empty").all()
    assert r.values.dropna().x.between(-87.95, -87.5).all()
