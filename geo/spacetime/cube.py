"""A space-time cube of incident counts: square cells in a metric CRS by calendar or fixed time steps.

ArcGIS's Create Space Time Cube By Aggregating Points, for the analyses of
:mod:`geo.spacetime`: each incident falls in one cell of a square fishnet
(:func:`geo.stats.lattice.square_grid`) and in one time step, and the cube
holds the count of every cell in every step, zero where there is none. The
cell size and the study area are chosen as for Gi* hot spots
(:func:`geo.stats.hotspots.hotspots`): the default cell is
:func:`geo.stats.hotspots.optimized_cell_size`; with a ``boundary`` the cells
whose centre lies inside it are analysed (incidents outside left out);
without one, as ArcGIS does, the cells with at least one incident in at least
one step, each over every step.

Time steps (``step``):

- ``"month"`` (the default) and ``"quarter"``: calendar months and quarters,
  from the one holding ``start`` to the one holding ``end``. Months differ in
  length (28 to 31 days) and the counts are not scaled for it; ESRI advises
  fixed steps for that reason, so ``"week"`` is the choice when it matters.
  The first and last step hold only the days from ``start`` and up to
  ``end`` (``params["partial_steps"]``).
- ``"week"`` and ``"day"``: steps of 7 days or one day aligned to ``end``
  (ArcGIS's "End time" alignment): the last step ends on ``end`` and is whole;
  the first one may be short.

``start`` and ``end`` are days, both included; by default the days of the
first and the last incident. Incidents without a time, or outside the
period, are left out (counted in ``params``). Times are read as stored (local
wall-clock time), as :mod:`geo.stats.temporal` does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import messages as M
from geo.checks import check_choice, check_positive
from geo.crs import located
from geo.stats.hotspots import MIN_INCIDENTS, _boundary_region, _cell_size, _points
from geo.stats.lattice import Lattice, square_grid

__all__ = ["STEPS", "TIME_COLUMNS", "SpaceTimeCube", "space_time_cube", "step_index"]

STEPS = ("month", "quarter", "week", "day")
# Where incidents carry their time: the workspace's schema names it occurred_at; imported tables may say date.
TIME_COLUMNS = ("occurred_at", "date", "occurred")
_FIXED_DAYS = {"week": 7, "day": 1}
_MONTHS = {"month": 1, "quarter": 3}


@dataclass(frozen=True, eq=False)
class SpaceTimeCube:
    """Incidents counted by cell and time step.

    Attributes
    ----------
    counts : numpy.ndarray
        ``int64`` counts of shape ``(steps, rows, cols)``; row 0 is the
        southernmost. Cells outside ``mask`` hold the incidents that fell in
        them but are not analysed.
    mask : numpy.ndarray
        ``(rows, cols)``, True for the analysed cells.
    steps : pandas.DatetimeIndex
        First day of each step (the start of its calendar month or quarter,
        or of its 7 days); the first step may begin before ``start``.
    lattice : geo.stats.lattice.Lattice
        The fishnet: cell centres, origin and cell polygons.
    cell : float
        Side of a cell in metres.
    crs : pyproj.CRS
        The metric CRS of the lattice.
    region : shapely.Geometry, optional
        The study area in ``crs`` when a boundary was given.
    params : dict
        How the cube was made, JSON-serialisable.
    """

    counts: np.ndarray
    mask: np.ndarray
    steps: pd.DatetimeIndex
    lattice: Lattice
    cell: float
    crs: CRS
    region: shapely.Geometry | None = None
    params: dict = field(default_factory=dict)


def step_index(when: pd.Series, *, step: str = "month", start: dt.date | str | pd.Timestamp,
               end: dt.date | str | pd.Timestamp) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """The time step of each time, and the first day of every step from ``start`` to ``end``.

    Parameters
    ----------
    when : pandas.Series
        Datetimes (NaT allowed); only their day counts.
    step : {"month", "quarter", "week", "day"}
        Calendar months or quarters, or 7 or 1 days aligned to ``end`` (see the module docstring).
    start, end : date-like
        First and last day of the period, both included.

    Returns
    -------
    index : numpy.ndarray
        ``int64`` step of each time, 0 for the first; -1 for NaT or a day outside the period.
    steps : pandas.DatetimeIndex
        First day of each step.
    """
    check_choice(step, STEPS, "step")
    first, last = _day(start, "start"), _day(end, "end")
    if last < first:
        msg = f"the period ends ({last.date()}) before it starts ({first.date()})"
        raise ValueError(msg)
    day = pd.to_datetime(when).dt.normalize()
    ok = (day.notna() & (day >= first) & (day <= last)).to_numpy()
    index = np.full(len(day), -1, dtype=np.int64)
    if step in _MONTHS:
        per = _MONTHS[step]
        k0 = (first.year * 12 + first.month - 1) // per
        k1 = (last.year * 12 + last.month - 1) // per
        keys = (day.dt.year.to_numpy(dtype=float) * 12 + day.dt.month.to_numpy(dtype=float) - 1) // per
        index[ok] = keys[ok].astype(np.int64) - k0
        steps = pd.DatetimeIndex([pd.Timestamp(year=k * per // 12, month=k * per % 12 + 1, day=1)
                                  for k in range(k0, k1 + 1)])
    else:
        days = _FIXED_DAYS[step]
        n = (last - first).days // days + 1
        back = (last.to_datetime64() - day.to_numpy(dtype="datetime64[ns]")[ok]) // np.timedelta64(1, "D")
        index[ok] = n - 1 - back.astype(np.int64) // days
        steps = pd.DatetimeIndex([last - pd.Timedelta(days=(n - 1 - k) * days + days - 1) for k in range(n)])
    return index, steps


def space_time_cube(incidents: gpd.GeoDataFrame, *, cell: float | None = None, step: str = "month",
                    boundary: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                    start: dt.date | str | pd.Timestamp | None = None,
                    end: dt.date | str | pd.Timestamp | None = None, time_column: str | None = None,
                    crs: CRS | str | int | None = None) -> SpaceTimeCube:
    """Count incidents by square cell and time step (see the module docstring for the rules).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points with a CRS and a datetime column. Rows without a geometry are skipped.
    cell : float, optional
        Cell side in metres. Default: :func:`geo.stats.hotspots.optimized_cell_size`
        of the incidents in the period.
    step : {"month", "quarter", "week", "day"}
        Length of a time step.
    boundary : geopandas.GeoDataFrame or geopandas.GeoSeries, optional
        Polygons of the study area.
    start, end : date-like, optional
        First and last day of the period (both included). Default: the first and last incident's day.
    time_column : str, optional
        Column of incident times. Default: the first of :data:`TIME_COLUMNS` the incidents have.
    crs : optional
        Metric CRS. Default: the local UTM zone.

    Returns
    -------
    SpaceTimeCube
    """
    check_choice(step, STEPS, "step")
    if cell is not None:
        cell = check_positive(cell, "cell", unit="metres")
    when = _times(incidents, time_column)
    known = when.dropna()
    if known.empty:
        msg = M.ST_NO_TIMES
        raise ValueError(msg)
    first = _day(start, "start") if start is not None else known.min().normalize()
    last = _day(end, "end") if end is not None else known.max().normalize()
    index, steps = step_index(when, step=step, start=first, end=last)
    keep = (index >= 0) & located(incidents)
    n_untimed = int(when.isna().sum())
    n_outside_period = int(((index < 0) & when.notna().to_numpy()).sum())
    if keep.sum() < MIN_INCIDENTS:
        msg = M.HS_TOO_FEW_ALL.format(need=MIN_INCIDENTS, n=int(keep.sum()))
        raise ValueError(msg)
    x, y, _, target = _points(incidents[keep], weight=None, crs=crs)
    t = index[keep]
    region = None
    if boundary is not None:
        region = _boundary_region(boundary, target)
        inside = shapely.intersects_xy(region, x, y)
        x, y, t = x[inside], y[inside], t[inside]
        if len(x) < MIN_INCIDENTS:
            msg = M.HS_TOO_FEW.format(need=MIN_INCIDENTS, n=len(x))
            raise ValueError(msg)
    if cell is None:
        cell, cell_rule = _cell_size(x, y)
    else:
        cell_rule = "given"
    area = region if region is not None else shapely.MultiPoint(np.column_stack([x, y])).convex_hull.buffer(cell / 2)
    grid = square_grid(x, y, np.ones(len(x)), area, cell)
    rows, cols = grid.counts.shape
    ix = np.minimum(((x - grid.x0) // cell).astype(np.int64), cols - 1)
    iy = np.minimum(((y - grid.y0) // cell).astype(np.int64), rows - 1)
    n_steps = len(steps)
    counts = np.bincount((t * rows + iy) * cols + ix, minlength=n_steps * rows * cols).reshape(n_steps, rows, cols)
    mask = grid.mask if region is not None else counts.sum(axis=0) > 0
    n_in = int(counts[:, mask].sum())
    params = {
        "step": step,
        "steps": n_steps,
        "start": str(first.date()),
        "end": str(last.date()),
        "first_step": str(steps[0].date()),
        "partial_steps": _partial(step, first, last, steps),
        "time_column": when.name,
        "cell": float(cell),
        "cell_rule": cell_rule,
        "crs": target.to_string(),
        "grid": [int(rows), int(cols)],
        "origin": [grid.x0, grid.y0],
        "cells": int(mask.sum()),
        "mask_rule": ("cells whose centre is inside the boundary" if region is not None
                      else "cells with at least one incident in at least one step (no boundary given), as ArcGIS"),
        "incidents": n_in,
        "incidents_untimed": n_untimed,
        "incidents_outside_period": n_outside_period,
        "incidents_outside_area": int(keep.sum()) - n_in,
    }
    return SpaceTimeCube(counts=counts, mask=mask, steps=steps, lattice=grid, cell=float(cell), crs=target,
                         region=region, params=params)


def _times(incidents: pd.DataFrame, column: str | None) -> pd.Series:
    """The incidents' times as naive datetimes (local wall-clock time), NaT where unknown."""
    if column is None:
        column = next((c for c in TIME_COLUMNS if c in incidents.columns), None)
        if column is None:
            msg = f"incidents have no time column ({', '.join(TIME_COLUMNS)}); name it with time_column"
            raise ValueError(msg)
    elif column not in incidents.columns:
        msg = f"incidents have no time column {column!r}"
        raise ValueError(msg)
    when = incidents[column]
    if not pd.api.types.is_datetime64_any_dtype(when):
        values = when.dropna()
        if not all(isinstance(v, dt.date) for v in values):  # a column of dates (datetime.date) reads as datetimes
            msg = f"{column} must be a datetime column, got {when.dtype}"
            raise ValueError(msg)
        when = pd.to_datetime(when)
    if when.dt.tz is not None:
        when = when.dt.tz_localize(None)  # the wall-clock time the incident was recorded in
    return when.rename(column)


def _day(value: dt.date | str | pd.Timestamp, name: str) -> pd.Timestamp:
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        msg = f"{name} must be a date, got {value!r}"
        raise ValueError(msg)
    if day.tz is not None:
        day = day.tz_localize(None)
    return day.normalize()


def _partial(step: str, first: pd.Timestamp, last: pd.Timestamp, steps: pd.DatetimeIndex) -> list[str]:
    """The steps the period covers only in part: the first when it starts before ``start``, the last likewise."""
    out = []
    if steps[0] < first:
        out.append(f"first step from {first.date()} (not {steps[0].date()})")
    if step in _MONTHS:
        step_end = (steps[-1] + pd.DateOffset(months=_MONTHS[step])) - pd.Timedelta(days=1)
        if last < step_end:
            out.append(f"last step to {last.date()} (not {step_end.date()})")
    return out
