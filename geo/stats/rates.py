"""Counts and rates per 100,000 residents by boundary unit.

Units are joined to their incidents by id (:func:`geo.select.unit_ids`),
never by name: real boundaries repeat names. A unit with fewer residents
than :data:`MIN_POPULATION` gets no rate: one incident among 39 residents is
a rate of 2,564 per 100,000, which says nothing about the place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.messages import RATE_FEW_RESIDENTS, RATE_NO_POPULATION
from geo.select import OUTSIDE, IncidentFilter, filter_boundaries, filter_incidents, inside_units, unit_ids

DAYS_PER_YEAR = 365.25
MIN_POPULATION = 100
"""Fewest residents for a rate: below it a unit gets NaN and the reason ``fewer than 100 residents: no rate``."""


def unit_counts(incidents: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> pd.Series:
    """Incidents per boundary unit, in boundary order (0 where none), joined by unit id.

    ``incidents`` needs the ``unit`` column of :func:`geo.select.assign_units`,
    made from the same boundaries layer (or the whole layer ``boundaries``
    was selected from, :func:`geo.select.filter_boundaries`).
    """
    counts = incidents["unit"].value_counts()
    return pd.Series(
        counts.reindex(unit_ids(boundaries)).fillna(0).astype(int).to_numpy(),
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


def rate_notes(population: np.ndarray | pd.Series, *, min_population: float = MIN_POPULATION) -> np.ndarray:
    """Why each unit has no rate, in English (pages translate with ``Tr.message``); "" where it has one."""
    p = pd.to_numeric(pd.Series(population), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    out = np.full(p.shape, "", dtype=object)
    out[~(p > 0)] = RATE_NO_POPULATION
    out[(p > 0) & (p < min_population)] = RATE_FEW_RESIDENTS.format(n=f"{min_population:,.0f}")
    return out


def unit_rates(incidents: pd.DataFrame, boundaries: gpd.GeoDataFrame, *, days: int | None = None,
               min_population: float = MIN_POPULATION) -> gpd.GeoDataFrame:
    """Boundaries with ``count``, ``rate`` (per 100,000; per year if ``days``) and ``rate_note``.

    Parameters
    ----------
    incidents
        With the ``unit`` column of :func:`geo.select.assign_units`.
    boundaries
        Units with ``population`` (NaN or 0 where unknown).
    days
        Length of the period; given, rates are per 100,000 a year.
    min_population
        Fewest residents for a rate (:data:`MIN_POPULATION`): below it the
        rate is NaN.

    Returns
    -------
    geopandas.GeoDataFrame
        ``boundaries`` with ``unit_id``, ``count``, ``rate`` and
        ``rate_note`` (why there is no rate, "" where there is one).
    """
    out = boundaries.assign(unit_id=unit_ids(boundaries))
    out["count"] = unit_counts(incidents, boundaries)
    pop = pd.to_numeric(out["population"], errors="coerce").to_numpy(dtype=float, na_value=np.nan) \
        if "population" in out else np.full(len(out), np.nan)
    usable = np.where(pop >= min_population, pop, np.nan)
    out["rate"] = rate_per_100k(out["count"], usable, days=days)
    out["rate_note"] = rate_notes(pop, min_population=min_population)
    return out


@dataclass(frozen=True)
class Summary:
    """Headline figures for a filter: count, population, yearly rate, and the previous period's."""

    count: int
    population: float
    rate: float
    previous_count: int | None = None
    previous_rate: float | None = None


def summarize(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame, f: IncidentFilter, *,
              min_population: float = MIN_POPULATION) -> Summary:
    """Incidents passing ``f``, the population of its settlements and the rate per 100,000 a year.

    Incidents are counted as the study selection counts them
    (:func:`geo.select.select_study`): outside every settlement they are left
    out. With fewer residents than ``min_population`` in all, the rates are
    NaN (None). The previous period (:meth:`IncidentFilter.previous`) is compared only
    when the data covers all of it; otherwise its fields are None, since a
    partly covered period would show a fall that did not happen.
    """
    alone = f.area == OUTSIDE  # the incidents outside every unit on their own: no units, so no population
    units = boundaries.iloc[:0] if alone else filter_boundaries(boundaries, f)
    pop = float(units["population"].sum()) if len(units) else 0.0

    def count(flt: IncidentFilter) -> int:
        # as geo.select.select_study counts them: where there are boundaries, only incidents inside one
        selected = filter_incidents(incidents, replace(flt, area=None) if alone else flt)
        if alone and len(boundaries) and len(selected):
            return int((~inside_units(selected)).sum())
        return int(inside_units(selected).sum()) if len(boundaries) and len(selected) else len(selected)

    n = count(f)
    pop_ok = pop >= min_population  # a total under the minimum (or no population) has no rate
    rate = float(rate_per_100k(n, pop, days=f.days)) if pop_ok else float("nan")
    if f.start is None or f.end is None or len(incidents) == 0:
        return Summary(n, pop, rate)
    pf = f.previous()
    if incidents["occurred_at"].min().date() > pf.start:
        return Summary(n, pop, rate)
    pn = count(pf)
    prate = float(rate_per_100k(pn, pop, days=pf.days)) if pop_ok else None
    return Summary(n, pop, rate, pn, prate)
