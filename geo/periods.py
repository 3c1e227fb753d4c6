"""Periods as people name them: a year, a quarter, a month, or a custom range of days.

A study period is a first and a last day, both included
(:class:`geo.select.IncidentFilter`). People think of it as "2017", "the third
quarter of 2017" or "October 2017"; this module turns those into days and
back, writes them as short tokens for an address (``?period=2017-Q3``) and
lists the ones a data set has incidents in.

A calendar period is applied to the days the data covers (:func:`period_days`):
a registry whose last incident is on 1 March 2017 has no record of the rest
of 2017, so "2017" studies 1 January to 1 March, as
:func:`geo.select.default_period` does, and a rate per year is scaled by the
days really covered.

Tokens, one per kind:

============  ==========================
``year``      ``2017``
``quarter``   ``2017-Q3``
``month``     ``2017-10``
``custom``    ``2017-10-05..2017-11-20``
============  ==========================
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from geo import messages as M
from geo.i18n import N_, Tr

__all__ = [
    "DAILY_MAX_DAYS",
    "KINDS",
    "KIND_WORDS",
    "QUARTER_WORDS",
    "Period",
    "custom",
    "default_period_token",
    "label_of",
    "month",
    "parse_period",
    "period_days",
    "periods_with_data",
    "quarter",
    "series_step",
    "year",
]

KINDS = ("year", "quarter", "month", "custom")
# A period of up to this many days is charted by day; a longer one by month. Two months of days (up to 62
# bars) still read as a row of days; three months are better read as three monthly points.
DAILY_MAX_DAYS = 62
# Each quarter its own message: languages put the year and the quarter in different orders
# ("Q3 2017", "III квартал 2017", "2017-жылдын III чейреги").
QUARTER_WORDS = (N_("Q1 {year}"), N_("Q2 {year}"), N_("Q3 {year}"), N_("Q4 {year}"))
KIND_WORDS = {"year": N_("Year"), "quarter": N_("Quarter"), "month": N_("Month"), "custom": N_("Custom dates")}

_YEAR = re.compile(r"^([1-9]\d{3})$")
_QUARTER = re.compile(r"^([1-9]\d{3})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^([1-9]\d{3})-(\d{2})$")
_CUSTOM = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """A named period: its kind and its first and last day (inclusive), before any clipping to the data."""

    start: dt.date
    end: dt.date
    kind: str = "custom"

    @property
    def token(self) -> str:
        """The period as written in an address: ``2017``, ``2017-Q3``, ``2017-10``, ``2017-10-05..2017-11-20``."""
        if self.kind == "year":
            return f"{self.start.year:04d}"
        if self.kind == "quarter":
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        """Its length in days, both ends included."""
        return (self.end - self.start).days + 1

    def label(self, *, lang: str = "en") -> str:
        """The period in words of ``lang``: ``2017``, ``Q3 2017``, ``October 2017``, or the two dates."""
        _ = Tr(lang)
        if self.kind == "year":
            return str(self.start.year)  # a year is never grouped like a number ("2 017")
        if self.kind == "quarter":
            return _(QUARTER_WORDS[(self.start.month - 1) // 3], year=str(self.start.year))
        if self.kind == "month":
            return _.month_year(self.start)
        return _.period(self.start, self.end)


def year(number: int) -> Period:
    """The calendar year ``number``."""
    return Period(dt.date(number, 1, 1), dt.date(number, 12, 31), "year")


def quarter(number: int, which: int) -> Period:
    """Quarter ``which`` (1 to 4) of year ``number``."""
    if not 1 <= which <= 4:
        msg = M.PERIOD_UNREADABLE.format(value=f"{number}-Q{which}")
        raise ValueError(msg)
    first = 3 * (which - 1) + 1
    return Period(dt.date(number, first, 1), _month_end(number, first + 2), "quarter")


def month(number: int, which: int) -> Period:
    """Month ``which`` (1 to 12) of year ``number``."""
    if not 1 <= which <= 12:
        msg = M.PERIOD_UNREADABLE.format(value=f"{number}-{which:02d}")
        raise ValueError(msg)
    return Period(dt.date(number, which, 1), _month_end(number, which), "month")


def custom(start: dt.date, end: dt.date) -> Period:
    """The days from ``start`` to ``end``, both included.

    Raises
    ------
    ValueError
        ``end`` is before ``start``.
    """
    if end < start:
        msg = M.PERIOD_END_BEFORE_START.format(start=start.isoformat(), end=end.isoformat())
        raise ValueError(msg)
    return Period(start, end, "custom")


def _month_end(number: int, which: int) -> dt.date:
    nxt = dt.date(number + which // 12, which % 12 + 1, 1)  # the first of the next month (December: next year)
    return nxt - dt.timedelta(days=1)


def parse_period(token: str) -> Period:
    """The period a token names (see the module's table).

    Raises
    ------
    ValueError
        The token names no period, a day that does not exist, or ends before it starts.
    """
    text = str(token).strip()
    if m := _CUSTOM.match(text):
        try:
            start, end = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
        except ValueError:
            start = end = None  # a day that does not exist (2017-02-30)
        if start is not None and end is not None:
            return custom(start, end)  # says so when the end is before the start
    elif m := _YEAR.match(text):
        return year(int(m.group(1)))
    elif m := _QUARTER.match(text):
        return quarter(int(m.group(1)), int(m.group(2)))
    elif (m := _MONTH.match(text)) and 1 <= int(m.group(2)) <= 12:
        return month(int(m.group(1)), int(m.group(2)))
    msg = M.PERIOD_UNREADABLE.format(value=text)
    raise ValueError(msg)


def _days(times: pd.Series) -> pd.Series:
    when = pd.to_datetime(times, errors="coerce").dropna()
    if getattr(when.dt, "tz", None) is not None:
        when = when.dt.tz_localize(None)  # the wall-clock day the incident was recorded on
    return when


def periods_with_data(times: pd.Series, kind: str) -> list[Period]:
    """The years, quarters or months that hold at least one of ``times``, newest first.

    Parameters
    ----------
    times : pandas.Series
        Incident times (``occurred_at``); missing ones are ignored.
    kind : {"year", "quarter", "month"}

    Returns
    -------
    list of Period
        Empty when no time is given. A period without incidents between two
        with incidents is left out: a list to pick from holds only what can show something.
    """
    if kind not in ("year", "quarter", "month"):
        msg = M.PERIOD_KIND.format(value=kind)
        raise ValueError(msg)
    when = _days(times)
    if when.empty:
        return []
    years, months = when.dt.year.to_numpy(), when.dt.month.to_numpy()
    if kind == "year":
        found = {year(int(y)) for y in set(years.tolist())}
    elif kind == "quarter":
        found = {quarter(int(y), (int(mo) - 1) // 3 + 1) for y, mo in set(zip(years.tolist(), months.tolist()))}
    else:
        found = {month(int(y), int(mo)) for y, mo in set(zip(years.tolist(), months.tolist()))}
    return sorted(found, reverse=True)


def default_period_token(times: pd.Series) -> str | None:
    """The token of the period a study covers when none is chosen: the year of the last incident.

    Applied with :func:`period_days`, it gives :func:`geo.select.default_period`'s days. None for no times.
    """
    years = periods_with_data(times, "year")
    return years[0].token if years else None


def period_days(period: Period, first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """The days of ``period`` that the data covers: its days between ``first`` and ``last`` (the data's first
    and last incident).

    A custom period is kept as given (its days were chosen one by one). A
    calendar period that the data does not reach at all is kept whole (it
    then holds no incident, and says so).
    """
    if period.kind == "custom" or first is None or last is None:
        return period.start, period.end
    start, end = max(period.start, first), min(period.end, last)
    if end < start:
        return period.start, period.end
    return start, end


def label_of(start: dt.date | None, end: dt.date | None, *, lang: str = "en") -> str:
    """The days from ``start`` to ``end`` by name when they are a whole year, quarter or month
    (``2016``, ``Q2 2017``, ``September 2017``); the two dates otherwise."""
    if start is None or end is None:
        return Tr(lang).period(start, end)
    for candidate in (year(start.year), quarter(start.year, (start.month - 1) // 3 + 1),
                      month(start.year, start.month)):
        if (candidate.start, candidate.end) == (start, end):
            return candidate.label(lang=lang)
    return Period(start, end, "custom").label(lang=lang)


def series_step(start: dt.date | None, end: dt.date | None) -> str:
    """``"day"`` for a period of up to :data:`DAILY_MAX_DAYS` days, ``"month"`` for a longer or open one.

    The one rule of the time charts, on the pages and in the pack.
    """
    if start is None or end is None:
        return "month"
    return "day" if (end - start).days + 1 <= DAILY_MAX_DAYS else "month"
