"""When incidents happen: hour by weekday, and month by month.

All counts use the ``occurred_at`` column as stored (local wall-clock time).
Incidents without a time (NaT) are left out of every count. Registries that
give only a date are read as 00:00 by the importer, so hour 0 also holds
the incidents whose hour is unknown.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geo.checks import check_count
from geo.periods import series_step
from geo.categories import CategoryList, categories_of

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS = tuple(range(24))
MISSING = "unknown"


def _times(incidents: pd.DataFrame) -> pd.Series:
    if "occurred_at" not in incidents.columns:
        msg = "incidents have no 'occurred_at' column"
        raise ValueError(msg)
    when = incidents["occurred_at"]
    if not pd.api.types.is_datetime64_any_dtype(when):
        msg = f"occurred_at must be a datetime column, got {when.dtype}"
        raise ValueError(msg)
    if when.dt.tz is not None:
        when = when.dt.tz_localize(None)  # keep the wall-clock time the incident was recorded in
    return when


def hour_weekday(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents per weekday and hour of day.

    Returns
    -------
    pandas.DataFrame
        7 x 24 integer counts: index ``Monday`` .. ``Sunday`` (named
        ``weekday``), columns the hours 0 .. 23 (named ``hour``), 0 where
        there is none. It sums to the number of incidents with a time.
    """
    when = _times(incidents).dropna()
    # one bincount over weekday * 24 + hour: every cell exists even when empty
    cell = when.dt.day_of_week.to_numpy(dtype=np.int64) * 24 + when.dt.hour.to_numpy(dtype=np.int64)
    counts = np.bincount(cell, minlength=7 * 24).astype(np.int64).reshape(7, 24)
    return pd.DataFrame(counts, index=pd.Index(WEEKDAYS, name="weekday"), columns=pd.Index(HOURS, name="hour"))


def monthly(incidents: pd.DataFrame, *, by: str | None = "category",
            categories: CategoryList | None = None) -> pd.DataFrame:
    """Incidents per calendar month, split by a column.

    Parameters
    ----------
    incidents
        Incidents with ``occurred_at`` (and the ``by`` column).
    by
        Column to split by; None for a single ``incidents`` column. Rows with
        no value in it are counted under ``"unknown"``.
    categories
        The workspace's list, whose order the ``category`` columns follow; by default the list the
        incidents carry (:func:`geo.categories.categories_of`), else the default list.

    Returns
    -------
    pandas.DataFrame
        Integer counts. The index (named ``month``) is the first day of each
        month, every month from the first incident's to the last's, with
        zeros where there were none, so a chart shows the gaps. Columns are
        the values of ``by`` that occur: for ``category`` in the platform's
        category order, otherwise sorted. No incidents with a time give an
        empty frame.
    """
    when = _times(incidents)
    if by is not None and by not in incidents.columns:
        msg = f"incidents have no {by!r} column"
        raise ValueError(msg)
    keep = when.notna().to_numpy()
    month = when[keep].dt.to_period("M").dt.to_timestamp()
    if by is None:
        key = pd.Series("incidents", index=month.index)
    else:
        col = incidents.loc[keep, by]
        key = col.astype(object).where(col.notna(), MISSING).astype(str)
    if len(month):
        table = pd.crosstab(month.to_numpy(), key.to_numpy())
        index = pd.date_range(month.min(), month.max(), freq="MS", name="month")
    else:
        table = pd.DataFrame()
        index = pd.DatetimeIndex([], name="month")
    columns = [str(c) for c in table.columns]
    if by == "category":
        lst = categories if categories is not None else categories_of(incidents)
        rank = {c: i for i, c in enumerate(lst.keys)}
        columns.sort(key=lambda c: (rank.get(c, len(rank)), c))
    else:
        columns.sort()
    out = table.reindex(index=index, columns=columns, fill_value=0).astype(np.int64)
    out.columns.name = by
    return out


def busiest(matrix: pd.DataFrame, n: int = 3) -> list[tuple[str, int, int]]:
    """The ``n`` busiest cells of an :func:`hour_weekday` matrix.

    Returns
    -------
    list of (weekday, hour, count)
        Largest count first; equal counts in weekday then hour order. Empty
        cells are never listed, so fewer than ``n`` may come back.
    """
    n = check_count(n, "n", minimum=0)
    values = matrix.to_numpy()
    flat = values.ravel()
    order = np.argsort(-flat, kind="stable")[:n]  # stable: ties keep row-major (weekday, hour) order
    ncol = values.shape[1]
    return [(str(matrix.index[i // ncol]), int(matrix.columns[i % ncol]), int(flat[i]))
            for i in order if flat[i] > 0]


def time_series(incidents: pd.DataFrame, *, start: dt.date | None = None, end: dt.date | None = None,
                by: str | None = "category") -> pd.DataFrame:
    """Incidents per day or per month over a study period: the one series of every time chart.

    A period of up to :data:`geo.periods.DAILY_MAX_DAYS` days is counted by
    day (:func:`geo.periods.series_step`), a longer or open one by month, so a
    one-month period gives thirty bars rather than one point.

    Parameters
    ----------
    incidents
        Incidents with ``occurred_at`` (and the ``by`` column).
    start, end
        The study period, both days included. The series runs over all of it,
        with zeros where there was nothing, so a chart is never empty and shows
        quiet days; an open period runs from the first incident to the last.
    by
        Column to split by, as :func:`monthly`.

    Returns
    -------
    pandas.DataFrame
        Integer counts, index the first day of each month (named ``month``) or
        each day (named ``day``), columns as :func:`monthly` orders them; with
        no incident, one ``incidents`` column of zeros over the period.
    """
    step = series_step(start, end)
    when = _times(incidents)
    columns = monthly(incidents, by=by).columns  # the columns and their order: the same as the monthly chart's
    keep = when.notna().to_numpy().copy()  # a fresh mask: the series' own array may be read-only
    if start is not None:
        keep &= (when >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (when < pd.Timestamp(end) + pd.Timedelta(days=1)).to_numpy()
    when = when[keep]
    freq, name = ("D", "day") if step == "day" else ("MS", "month")
    stamp = when.dt.normalize() if step == "day" else when.dt.to_period("M").dt.to_timestamp()
    first = pd.Timestamp(start) if start is not None else (stamp.min() if len(stamp) else None)
    last = pd.Timestamp(end) if end is not None else (stamp.max() if len(stamp) else None)
    if first is None or last is None:
        return pd.DataFrame(index=pd.DatetimeIndex([], name=name), columns=list(columns) or ["incidents"],
                            dtype=np.int64)
    if step == "month":
        first = first.to_period("M").to_timestamp()
    index = pd.date_range(first, last, freq=freq, name=name)
    if by is None:
        key = pd.Series("incidents", index=stamp.index)
    else:
        col = incidents.loc[keep, by]
        key = col.astype(object).where(col.notna(), MISSING).astype(str)
    table = pd.crosstab(stamp.to_numpy(), key.to_numpy()) if len(stamp) else pd.DataFrame()
    names = [c for c in map(str, columns) if c in set(map(str, table.columns))] or ["incidents"]
    out = table.reindex(index=index, columns=names, fill_value=0).astype(np.int64)
    out.columns.name = by
    return out
