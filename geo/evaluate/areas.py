"""The adapter: an intervention's treated area, displacement ring and control, counted over aligned periods.

Given an intervention (its geometry and start date) and the incidents, this draws the three areas the
field compares (Bowers & Johnson 2003; Ratcliffe's spreadsheet asks the analyst to draw them by hand):

- the **treated** area: the intervention's polygon, or a buffer of ``radius`` metres round its point or
  line (a station's street, a road's cameras);
- the **displacement ring**: ``ring`` metres round the treated area, where displaced incidents would go;
- the **control**: settlements chosen by the user, or proposed (:func:`propose_control`): those most alike
  the treated area before the intervention in count and trend, away from the treated area and its ring;

and the two **periods** of equal length (:func:`aligned_periods`): up to a year after the start against the
same months a year earlier (so that seasons match), longer ones against the months just before. The counts
go to :func:`geo.evaluate.effects`; the monthly series to the chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import messages as M
from geo.crs import local_crs
from geo.evaluate.effects import Counts, Effects, effects

__all__ = ["DEFAULT_RADIUS", "DEFAULT_RING", "Evaluation", "Periods", "aligned_periods", "evaluate",
           "index_series", "propose_control", "study_areas"]

DEFAULT_RADIUS = 400.0  # metres round a point or line: a station's or a camera's streets
DEFAULT_RING = 400.0  # metres round the treated area
MAX_MONTHS = 60
CONTROLS = 3  # settlements proposed as the control


@dataclass(frozen=True)
class Periods:
    """Before ``[before_start, before_end)`` and after ``[after_start, after_end)``, of equal length in months."""

    before_start: dt.date
    before_end: dt.date
    after_start: dt.date
    after_end: dt.date
    months: int
    seasonal: bool  # the before period is the same months a year earlier

    def label(self, which: str) -> tuple[dt.date, dt.date]:
        """``(first day, last day)`` of ``"before"`` or ``"after"`` (inclusive, as people name a period)."""
        start, end = ((self.before_start, self.before_end) if which == "before" else (self.after_start, self.after_end))
        return start, end - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def aligned_periods(started: dt.date | pd.Timestamp, *, months: int | None = 12, first: dt.date | None = None,
                    last: dt.date | None = None) -> Periods:
    """The before and after periods of an intervention that started on ``started`` (from its month's first day).

    Up to 12 months, the before period is the same months a year earlier (seasons match); where the data
    (``first``) do not reach back that far, or for longer periods, it is the months just before the start.
    ``months=None`` takes the longest period up to 12 months that the data (``first`` to ``last``) hold.

    Raises
    ------
    ValueError
        ``months`` outside 1 to 60, or periods that run outside ``first`` to ``last``.
    """
    start = pd.Timestamp(started).date().replace(day=1)
    if months is None:
        for m in range(12, 0, -1):
            try:
                return aligned_periods(started, months=m, first=first, last=last)
            except ValueError:
                continue
        months = 1  # the error of the shortest period says what is missing
    if not 1 <= int(months) <= MAX_MONTHS:
        msg = M.EVAL_BAD_MONTHS.format(value=months, most=MAX_MONTHS)
        raise ValueError(msg)
    months = int(months)
    after_end = _add_months(start, months)
    if last is not None and after_end > last + dt.timedelta(days=1):
        fit = (last.year - start.year) * 12 + last.month - start.month + (1 if last.day >= 28 else 0)
        msg = M.EVAL_PAST_DATA.format(end=(after_end - dt.timedelta(days=1)).isoformat(), last=last.isoformat(),
                                      n=max(fit, 0))
        raise ValueError(msg)
    seasonal = months <= 12 and (first is None or _add_months(start, -12) >= first)
    before_start = _add_months(start, -12) if seasonal else _add_months(start, -months)
    if first is not None and before_start < first:
        msg = M.EVAL_BEFORE_DATA.format(start=before_start.isoformat(), first=first.isoformat())
        raise ValueError(msg)
    return Periods(before_start, _add_months(before_start, months), start, after_end, months, seasonal)


def study_areas(geometry: shapely.Geometry, *, crs: object, radius: float | None = None,
                ring: float = DEFAULT_RING, boundaries: gpd.GeoDataFrame | None = None,
                control: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """The treated area, its ring and the control (the named settlements), in the metric ``crs``.

    ``geometry`` is in ``crs`` already. Returns a frame with ``role`` (``treated``, ``ring``, ``control``)
    and ``area_km2``; a ring of 0 m or no control named leaves that row out.
    """
    geom = shapely.make_valid(geometry)
    polygonal = geom.geom_type in ("Polygon", "MultiPolygon")
    treated = geom if polygonal and radius is None else geom.buffer(radius or DEFAULT_RADIUS)
    rows = [("treated", treated)]
    outer = treated
    if ring > 0:
        outer = treated.buffer(ring)
        rows.append(("ring", outer.difference(treated)))
    if control:
        if boundaries is None or "name" not in boundaries:
            raise ValueError(M.EVAL_NO_BOUNDARIES)
        b = boundaries.to_crs(crs)
        missing = sorted(set(control) - set(b["name"].astype(str)))
        if missing:
            msg = M.EVAL_UNKNOWN_CONTROL.format(names=", ".join(missing))
            raise ValueError(msg)
        chosen = shapely.union_all(b[b["name"].astype(str).isin(control)].geometry.to_numpy())
        rows.append(("control", chosen.difference(outer)))
    out = gpd.GeoDataFrame({"role": [r for r, _g in rows]}, geometry=[g for _r, g in rows], crs=crs)
    out["area_km2"] = out.area / 1e6
    return out


def _monthly(incidents: gpd.GeoDataFrame, area: shapely.Geometry, start: dt.date, end: dt.date) -> pd.Series:
    inside = incidents[incidents.within(area)] if not area.is_empty else incidents.iloc[:0]
    months = pd.period_range(start, end - dt.timedelta(days=1), freq="M")
    got = inside["occurred_at"].dt.to_period("M").value_counts()
    return got.reindex(months, fill_value=0).astype(int)


def _in(incidents: gpd.GeoDataFrame, start: dt.date, end: dt.date) -> gpd.GeoDataFrame:
    when = incidents["occurred_at"]
    return incidents[(when >= pd.Timestamp(start)) & (when < pd.Timestamp(end))]


def propose_control(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, *, treated: shapely.Geometry,
                    exclude: shapely.Geometry, periods: Periods, n: int = CONTROLS) -> list[str]:
    """The ``n`` settlements most alike the treated area before the intervention, away from it and its ring.

    Alike in the before period's count (on a log scale) and in its monthly trend (slope relative to the
    mean), as the field matches a control by prior level and trend; settlements touching ``exclude`` and
    those with no incident before are left out. Where ``boundaries`` has an ``area`` column (a city, a
    rayon), only settlements of the treated area's own are considered while there are any: a village of
    another rayon, with its own police and its own trend, is no control for a city estate, however alike
    its counts. ``incidents`` and ``boundaries`` are in one metric CRS.
    """
    if "area" in boundaries.columns:
        home = set(boundaries.loc[boundaries.intersects(treated), "area"].dropna().astype(str))
        same = boundaries[boundaries["area"].astype(str).isin(home)]
        if home and len(same) < len(boundaries):
            found = propose_control(incidents, same.drop(columns="area"), treated=treated, exclude=exclude,
                                    periods=periods, n=n)
            if found:
                return found
    before = _in(incidents, periods.before_start, periods.before_end)

    def profile(area: shapely.Geometry) -> tuple[float, float]:
        series = _monthly(before, area, periods.before_start, periods.before_end).to_numpy(dtype=float)
        total = series.sum()
        slope = np.polyfit(np.arange(len(series)), series, 1)[0] / (series.mean() or 1.0) if len(series) > 1 else 0.0
        return float(np.log1p(total)), float(slope)

    target = np.array(profile(treated))
    scores = []
    for name, geom in zip(boundaries["name"].astype(str), boundaries.geometry, strict=True):
        if geom is None or geom.intersects(exclude):
            continue
        p = np.array(profile(geom))
        if p[0] == 0:
            continue
        scores.append((float(np.hypot(*(p - target))), name))
    return [name for _score, name in sorted(scores)[:n]]


def _treated_by(others: gpd.GeoDataFrame | None, crs: object, periods: Periods) -> list[shapely.Geometry]:
    """The treated areas (as :func:`study_areas` draws them by default) of ``others`` active in ``periods``."""
    if others is None or others.empty or "started" not in others.columns:
        return []
    start = pd.to_datetime(others["started"], errors="coerce")
    end = pd.to_datetime(others["ended"] if "ended" in others.columns else pd.Series(pd.NaT, index=others.index),
                         errors="coerce")
    active = (start.notna() & (start < pd.Timestamp(periods.after_end))
              & (end.isna() | (end >= pd.Timestamp(periods.before_start))))
    out = []
    for geom in others.loc[active].to_crs(crs).geometry:
        if geom is None or geom.is_empty:
            continue
        out.append(geom if geom.geom_type in ("Polygon", "MultiPolygon") else geom.buffer(DEFAULT_RADIUS))
    return out


@dataclass(frozen=True)
class Evaluation:
    """One intervention evaluated: the measures, the areas, the periods, the counts and the monthly series."""

    effects: Effects
    periods: Periods
    areas: gpd.GeoDataFrame
    control: tuple[str, ...]
    proposed: bool  # the control was proposed, not chosen
    categories: tuple[str, ...] | None
    by_category: pd.DataFrame  # category × (treated, ring, control) × (before, after)
    series: pd.DataFrame  # month, treated, ring, control
    notes: tuple[str, ...] = field(default=())


def evaluate(incidents: gpd.GeoDataFrame, geometry: shapely.Geometry, started: dt.date | pd.Timestamp, *,
             boundaries: gpd.GeoDataFrame, geometry_crs: object = "EPSG:4326", radius: float | None = None,
             ring: float = DEFAULT_RING, control: Sequence[str] = (), months: int | None = None,
             categories: Sequence[str] | None = None, alpha: float = 0.05,
             others: gpd.GeoDataFrame | None = None) -> Evaluation:
    """Evaluate an intervention from the incidents: areas, aligned periods, counts, WDD and WDQ.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        With ``occurred_at`` and ``category``; any CRS.
    geometry : shapely geometry
        The intervention's point, line or polygon, in ``geometry_crs``.
    started : date
        Its start; the periods begin on that month's first day.
    boundaries : geopandas.GeoDataFrame
        Settlements (``name``): the control is made of them.
    radius, ring : float
        Metres: the treated buffer round a point or line (a polygon is used as it is unless ``radius`` is
        given), and the displacement ring round it (0: none).
    control : sequence of str
        Settlement names; empty: proposed (:func:`propose_control`).
    months : int, optional
        Length of each period (1 to 60); default the longest up to a year that the data hold.
    categories : sequence of str, optional
        Only these categories (an intervention's targets); default all.
    alpha : float
        1 - the confidence of the interval.
    others : geopandas.GeoDataFrame, optional
        The other interventions (``started``, and ``ended`` where known; any CRS): a settlement one of them
        touched during the two periods is not proposed as a control, as its own action would pass for chance.

    Raises
    ------
    ValueError
        No incidents, months out of range, an after period past the data, unknown control settlements,
        or no settlement to propose as a control.
    """
    if incidents is None or len(incidents) == 0:
        raise ValueError(M.EVAL_NO_INCIDENTS)
    crs = local_crs(boundaries if len(boundaries) else incidents)
    inc = incidents.to_crs(crs)
    if categories:
        inc = inc[inc["category"].astype(str).isin(list(categories))]
    first = pd.Timestamp(incidents["occurred_at"].min()).date()
    last = pd.Timestamp(incidents["occurred_at"].max()).date()
    # a month the data cover only in part would look like a fall: whole months only
    first = first if first.day == 1 else _add_months(first, 1)
    periods = aligned_periods(started, months=months, first=first, last=last)
    geom = gpd.GeoSeries([geometry], crs=geometry_crs).to_crs(crs).iloc[0]
    areas = study_areas(geom, crs=crs, radius=radius, ring=ring, boundaries=boundaries, control=control)
    notes: list[str] = []
    proposed = not control
    if proposed:
        treated_geom = areas.geometry.iloc[0]
        exclude = shapely.union_all([*areas.geometry.to_numpy(), *_treated_by(others, crs, periods)])
        chosen = propose_control(inc, boundaries.to_crs(crs), treated=treated_geom, exclude=exclude, periods=periods)
        if not chosen:
            raise ValueError(M.EVAL_NO_CONTROL)
        areas = study_areas(geom, crs=crs, radius=radius, ring=ring, boundaries=boundaries, control=chosen)
        control = chosen
    area = dict(zip(areas["role"], areas.geometry, strict=True))
    before = _in(inc, periods.before_start, periods.before_end)
    after = _in(inc, periods.after_start, periods.after_end)

    def counts(role: str, frame: gpd.GeoDataFrame | None = None) -> Counts:
        b = before if frame is None else before[before["category"] == frame]
        a = after if frame is None else after[after["category"] == frame]
        return Counts(float(b.within(area[role]).sum()), float(a.within(area[role]).sum()))

    treated, ctrl = counts("treated"), counts("control")
    ring_counts = counts("ring") if "ring" in area else None
    if treated.before + treated.after == 0:
        notes.append(M.EVAL_EMPTY_TREATED)
    if not periods.seasonal:
        notes.append(M.EVAL_NOT_SEASONAL)
    # The control is often whole settlements, the treated area a few streets: changes are compared per area of
    # the treated area's size (Wheeler's area weights), so the control's size does not swamp the difference.
    km2 = dict(zip(areas["role"], areas["area_km2"], strict=True))
    unit = km2["treated"] or 1.0
    a_c = (km2.get("control") or unit) / unit
    a_d = (km2.get("ring") or unit) / unit
    result = effects(treated, ctrl, displacement=ring_counts, alpha=alpha, area_weights=(a_c, 1.0, a_c, a_d))
    cats = sorted(set(before["category"].astype(str)) | set(after["category"].astype(str)))
    rows = []
    for cat in cats:
        row = {"category": cat}
        for role in area:
            c = counts(role, cat)
            row[f"{role}_before"], row[f"{role}_after"] = int(c.before), int(c.after)
        rows.append(row)
    by_category = pd.DataFrame(rows)
    series = pd.DataFrame({role: _monthly(inc, area[role], periods.before_start, periods.after_end)
                           for role in area})
    series.index = series.index.to_timestamp()
    series = series.rename_axis("month").reset_index()
    return Evaluation(effects=result, periods=periods, areas=areas, control=tuple(control), proposed=proposed,
                      categories=None if not categories else tuple(categories), by_category=by_category,
                      series=series, notes=tuple(notes))


def index_series(ev: Evaluation) -> pd.DataFrame:
    """Each area's monthly count against its own monthly average before the start (= 100), for the chart.

    Areas of any size on one scale: the treated area of a few streets and a control of whole settlements
    are compared by their change, as the measures compare them. An area with no incident before the start
    has no index (None), never a division by zero. Rows: ``month`` (timestamp of its first day), ``role``
    (treated, ring, control), ``count``, ``index``. The page's chart and the pack's chart page both draw it.
    """
    when = ev.series["month"]
    p = ev.periods
    before = ev.series[(when >= pd.Timestamp(p.before_start)) & (when < pd.Timestamp(p.before_end))]  # end exclusive
    rows = []
    for role in [r for r in ("treated", "ring", "control") if r in ev.series]:
        base = float(before[role].mean()) if len(before) else 0.0
        for month, n in zip(when, ev.series[role], strict=True):
            rows.append({"month": month, "role": role, "count": int(n),
                         "index": None if not base else round(100 * float(n) / base, 1)})
    return pd.DataFrame(rows, columns=["month", "role", "count", "index"])
