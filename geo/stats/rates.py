"""Counts and rates per 100,000 residents by boundary unit."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.select import IncidentFilter, filter_boundaries, filter_incidents, inside_units

DAYS_PER_YEAR = 365.25


def unit_counts(incidents: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> pd.Series:
    """Incidents per boundary unit, in boundary order (0 where none).

    ``incidents`` needs the ``unit`` column of :func:`geo.select.assign_units`.
    """
    counts = incidents["unit"].value_counts()
    return pd.Series(
        counts.reindex(boundaries["name"].astype(str)).fillna(0).astype(int).to_numpy(),
        index=boundaries.index,
        name="count",
    )


def rate_per_100k(count: np.ndarray | pd.Series | float, population: np.ndarray | pd.Series | float,
                  *, days: int | None = None) -> np.ndarray:
    """Rate per 100,000 residents; per year when ``days`` (the period length) is given.

    A unit with no population gets NaN, not infinity.
    """
    c = np.asarray(count, dtype=float)
    p = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(p > 0, c / p * 1e5, np.nan)
    if days is not None:
        if days <= 0:
            msg = f"period length must be positive, got {days} days"
            raise ValueError(msg)
        r = r * DAYS_PER_YEAR / days
    return r


def unit_rates(incidents: pd.DataFrame, boundaries: gpd.GeoDataFrame, *, days: int | None = None) -> gpd.GeoDataFrame:
    """Boundaries with ``count`` and ``rate`` (per 100,000; per year if ``days``)."""
    out = boundaries.copy()
    out["count"] = unit_counts(incidents, boundaries)
    out["rate"] = rate_per_100k(out["count"], out["population"].astype(float), days=days)
    return out


@dataclass(frozen=True)
class Summary:
    """Headline figures for a filter: count, population, yearly rate, and the previous period's."""

    count: int
    population: float
    rate: float
    previous_count: int | None = None
    previous_rate: float | None = None


def summarize(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, f: IncidentFilter) -> Summary:
    """Incidents passing ``f``, the population of its settlements and the rate per 100,000 a year.

    Incidents are counted as the study selection counts them
    (:func:`geo.select.select_study`): outside every settlement they are left
    out. The previous period (:meth:`IncidentFilter.previous`) is compared only
    when the data covers all of it; otherwise its fields are None, since a
    partly covered period would show a fall that did not happen.
    """
    units = filter_boundaries(boundaries, f)
    pop = float(units["population"].sum()) if len(units) else 0.0

    def count(flt: IncidentFilter) -> int:
        # as geo.select.select_study counts them: where there are boundaries, only incidents inside one
        selected = filter_incidents(incidents, flt)
        return int(inside_units(selected).sum()) if len(boundaries) and len(selected) else len(selected)

    n = count(f)
    rate = float(rate_per_100k(n, pop, days=f.days)) if pop else float("nan")
    if f.start is None or f.end is None or len(incidents) == 0:
        return Summary(n, pop, rate)
    pf = f.previous()
    if incidents["occurred_at"].min().date() > pf.start:
        return Summary(n, pop, rate)
    pn = count(pf)
    prate = float(rate_per_100k(pn, pop, days=pf.days)) if pop else None
    return Summary(n, pop, rate, pn, prate)
