"""The study selection: which incidents, in which settlements, over which period.

Every page, the action-plan pack and the command line select their study
through this module, so that the same settings give the same incidents
everywhere:

* incidents are placed in boundary units once (:func:`assign_units`, a
  spatial join in the local metric CRS; where units overlap the first unit in
  table order wins, :func:`unit_of`); every later filter is then a column
  mask, cheap enough to run on each page interaction with 100,000 incidents;
* the default period is the latest calendar year of the data, to its last
  incident (:func:`default_period`, :func:`resolve_period`);
* where there are boundaries the study area is the selected settlements:
  incidents outside every settlement are left out and counted
  (:attr:`Study.outside`), and stations, cameras and roads are those that
  touch the settlements (:func:`select_study`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import messages as M
from geo.crs import WGS84, local_crs
from geo.schema import LAYERS

__all__ = [
    "LAYER_NAMES",
    "UNASSIGNED",
    "IncidentFilter",
    "Study",
    "assign_units",
    "categories_present",
    "default_period",
    "empty_layer",
    "filter_boundaries",
    "filter_incidents",
    "inside_units",
    "period_of",
    "resolve_period",
    "select_study",
    "unit_of",
    "within_boundaries",
]

UNASSIGNED = ""
LAYER_NAMES = ("incidents", "stations", "cameras", "boundaries", "roads")


@dataclass(frozen=True)
class IncidentFilter:
    """What to keep. ``None`` means no restriction on that dimension.

    ``end`` is inclusive (the whole day).
    """

    area: str | None = None
    units: tuple[str, ...] | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] | None = None

    def previous(self) -> IncidentFilter:
        """The same filter on the period just before this one.

        Whole calendar months (a month, a quarter, a year) step back by the
        same number of months, so 2017 compares with 2016; any other period
        steps back by its length in days.
        """
        if self.start is None or self.end is None:
            msg = M.SEL_PREVIOUS
            raise ValueError(msg)
        next_day = self.end + dt.timedelta(days=1)
        if self.start.day == 1 and next_day.day == 1:
            months = (next_day.year - self.start.year) * 12 + next_day.month - self.start.month
            total = self.start.year * 12 + self.start.month - 1 - months
            start = dt.date(total // 12, total % 12 + 1, 1)
        else:
            start = self.start - dt.timedelta(days=(self.end - self.start).days + 1)
        return replace(self, start=start, end=self.start - dt.timedelta(days=1))

    @property
    def days(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1


def unit_of(points: gpd.GeoSeries | gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> np.ndarray:
    """Position in ``units`` of the unit each point lies in, -1 outside every unit.

    The one point-in-unit rule of the platform: where units overlap, the
    first unit in table order wins, so each point is counted once.

    Parameters
    ----------
    points : geopandas.GeoSeries or geopandas.GeoDataFrame
        Points with a CRS.
    units : geopandas.GeoDataFrame
        Polygons with a CRS.

    Returns
    -------
    numpy.ndarray
        Integer positions (not index labels), one per point.
    """
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0 or len(units) == 0:
        return out
    crs = local_crs(units)
    pts = points.geometry.to_crs(crs)
    polys = units.geometry.to_crs(crs)
    ipt, ipoly = polys.sindex.query(pts, predicate="within")
    order = np.lexsort((ipoly, ipt))
    ipt, ipoly = ipt[order], ipoly[order]
    first = np.r_[True, ipt[1:] != ipt[:-1]] if len(ipt) else np.array([], dtype=bool)
    out[ipt[first]] = ipoly[first]
    return out


def assign_units(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``unit`` (boundary name) and ``area`` columns by point in polygon (:func:`unit_of`).

    Points outside every boundary get ``""`` in both.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``incidents`` with the two columns, same index and order.
    """
    out = incidents.copy()
    out["unit"] = UNASSIGNED
    out["area"] = UNASSIGNED
    if len(out) == 0 or len(boundaries) == 0:
        return out
    pos = unit_of(out, boundaries)
    inside = pos >= 0
    names = boundaries["name"].astype(str).to_numpy()
    areas = (boundaries["area"] if "area" in boundaries else pd.Series("", index=boundaries.index))
    areas = areas.fillna("").astype(str).to_numpy()
    unit = np.full(len(out), UNASSIGNED, dtype=object)
    area = np.full(len(out), UNASSIGNED, dtype=object)
    unit[inside] = names[pos[inside]]
    area[inside] = areas[pos[inside]]
    out["unit"] = unit
    out["area"] = area
    return out


def filter_incidents(incidents: gpd.GeoDataFrame, f: IncidentFilter) -> gpd.GeoDataFrame:
    """Rows of ``incidents`` that pass ``f``.

    Area and unit filters need the columns of :func:`assign_units`.
    """
    keep = np.ones(len(incidents), dtype=bool)
    if f.area is not None:
        _need(incidents, "area")
        keep &= (incidents["area"] == f.area).to_numpy()
    if f.units is not None:
        _need(incidents, "unit")
        keep &= incidents["unit"].isin(f.units).to_numpy()
    if f.start is not None or f.end is not None:
        t = incidents["occurred_at"].to_numpy()
        if f.start is not None:
            keep &= t >= np.datetime64(pd.Timestamp(f.start))
        if f.end is not None:
            keep &= t < np.datetime64(pd.Timestamp(f.end) + pd.Timedelta(days=1))
    if f.categories is not None:
        keep &= incidents["category"].isin(f.categories).to_numpy()
    return incidents[keep]


def filter_boundaries(boundaries: gpd.GeoDataFrame, f: IncidentFilter) -> gpd.GeoDataFrame:
    """Boundary units inside the filter's area and unit selection."""
    keep = np.ones(len(boundaries), dtype=bool)
    if f.area is not None and "area" in boundaries:
        keep &= (boundaries["area"] == f.area).fillna(False).to_numpy()
    if f.units is not None:
        keep &= boundaries["name"].isin(f.units).to_numpy()
    return boundaries[keep]


def within_boundaries(layer: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Features of ``layer`` that intersect any of ``boundaries``."""
    if len(layer) == 0 or len(boundaries) == 0:
        return layer.iloc[:0]
    crs = local_crs(boundaries)
    idx, _ = boundaries.geometry.to_crs(crs).sindex.query(layer.geometry.to_crs(crs), predicate="intersects")
    return layer.iloc[np.unique(idx)]


def period_of(incidents: gpd.GeoDataFrame) -> tuple[dt.date, dt.date] | None:
    """First and last day with an incident, or None for no incidents."""
    t = incidents["occurred_at"].dropna()
    if t.empty:
        return None
    return t.min().date(), t.max().date()


def _need(frame: pd.DataFrame, col: str) -> None:
    if col not in frame.columns:
        msg = M.SEL_NO_UNITS.format(column=col)
        raise ValueError(msg)


def categories_present(incidents: pd.DataFrame, order: Sequence[str]) -> list[str]:
    """Categories that occur, in the platform's order."""
    present = set(incidents["category"].dropna().astype(str))
    return [c for c in order if c in present]


def inside_units(incidents: pd.DataFrame) -> np.ndarray:
    """Mask of the incidents that lie in some unit (needs the ``unit`` column of :func:`assign_units`)."""
    _need(incidents, "unit")
    return (incidents["unit"] != UNASSIGNED).to_numpy()


def default_period(incidents: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """The period a study covers when none is chosen: the latest calendar year of the data.

    From 1 January of the year of the last incident (or the first incident,
    if later) to the last incident; None for no incidents.
    """
    period = period_of(incidents) if len(incidents) else None
    if period is None:
        return None
    lo, hi = period
    return max(lo, dt.date(hi.year, 1, 1)), hi


def resolve_period(incidents: pd.DataFrame, start: dt.date | None,
                   end: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """``start`` and ``end`` with what is missing taken from :func:`default_period`.

    A given start keeps the default end (the last incident, or the start if
    later); a given end keeps the default start unless that is after the end.
    """
    period = default_period(incidents)
    if period is None or (start is not None and end is not None):
        return start, end
    lo, hi = period
    if end is None:
        end = max(hi, start) if start is not None else hi
    if start is None:
        start = min(lo, end)
    return start, end


def empty_layer(name: str) -> gpd.GeoDataFrame:
    """An empty layer of type ``name`` with its fields, in WGS84."""
    return gpd.GeoDataFrame({f: pd.Series(dtype=object) for f in LAYERS[name].field_names}, geometry=[], crs=WGS84)


@dataclass(frozen=True, eq=False)
class Study:
    """One study selection: the settlements, the incidents in them and what touches them.

    Attributes
    ----------
    filter : IncidentFilter
        The filter applied (its period as given or resolved by the caller).
    units : geopandas.GeoDataFrame
        The selected settlements (all of the area, or the chosen ones).
    incidents : geopandas.GeoDataFrame
        Incidents passing the filter and lying in a selected settlement
        (every incident passing it where there are no boundaries), with
        ``unit`` and ``area``.
    stations, cameras, roads : geopandas.GeoDataFrame
        Those that touch the selected settlements (all, without boundaries).
    outside : int
        Incidents passing the filter that lie outside every settlement and are
        left out.
    """

    filter: IncidentFilter
    units: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    outside: int = 0

    @property
    def days(self) -> int | None:
        """Length of the period in days, or None for an open period."""
        return self.filter.days

    @property
    def has_population(self) -> bool:
        """Whether some selected settlement has a population above zero (rates need it)."""
        return ("population" in self.units and len(self.units) > 0
                and bool((pd.to_numeric(self.units["population"], errors="coerce") > 0).any()))

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The five layers of the study, keyed as in a workspace."""
        return {"incidents": self.incidents, "stations": self.stations, "cameras": self.cameras,
                "boundaries": self.units, "roads": self.roads}


def select_study(layers: Mapping[str, gpd.GeoDataFrame | None], f: IncidentFilter) -> Study:
    """The study that ``f`` selects from a workspace's layers.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        ``incidents``, ``stations``, ``cameras``, ``boundaries``, ``roads``;
        a missing layer is taken as empty. Incidents without the ``unit``
        column are placed in the boundaries first (:func:`assign_units`).
    f : IncidentFilter
        What to keep. An open period (``start`` or ``end`` None) is not
        restricted: pass it through :func:`resolve_period` first for the
        default period of the pages and the pack.

    Returns
    -------
    Study

    Raises
    ------
    ValueError
        An area or settlements are chosen without boundaries, no settlement
        matches them, or a chosen settlement does not exist.
    """
    get = {name: _layer(layers, name) for name in LAYER_NAMES}
    boundaries, incidents = get["boundaries"], get["incidents"]
    if len(incidents) and len(boundaries) and "unit" not in incidents:
        incidents = assign_units(incidents, boundaries)
    if len(boundaries) == 0 and (f.area is not None or f.units is not None):
        msg = M.SEL_NO_BOUNDARIES
        raise ValueError(msg)
    if len(boundaries):
        units = filter_boundaries(boundaries, f)
        if len(units) == 0:
            areas = sorted(set(boundaries["area"].dropna().astype(str)) - {""}) if "area" in boundaries else []
            said = ([M.SEL_AREA.format(name=f.area)] if f.area is not None else []) \
                + ([M.SEL_SETTLEMENTS.format(names=", ".join(f.units))] if f.units else [])
            chosen = M.SEL_BOTH.format(area=said[0], settlements=said[1]) if len(said) == 2 else "".join(said)
            msg = (M.SEL_NO_MATCH_AREAS.format(chosen=chosen, names=", ".join(areas)) if areas
                   else M.SEL_NO_MATCH.format(chosen=chosen))
            raise ValueError(msg)
        if f.units is not None and (missing := sorted(set(f.units) - set(units["name"].astype(str)))):
            msg = M.SEL_UNKNOWN.format(names=", ".join(missing))
            raise ValueError(msg)
    else:
        units = boundaries
    outside = 0
    if len(incidents):
        selected = filter_incidents(incidents, f)
        if len(boundaries):
            inside = inside_units(selected)
            outside = int((~inside).sum())
            selected = selected[inside]
    else:
        selected = incidents

    def near(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return within_boundaries(layer, units) if len(units) else layer

    return Study(filter=f, units=units, incidents=selected, stations=near(get["stations"]),
                 cameras=near(get["cameras"]), roads=near(get["roads"]), outside=outside)


def _layer(layers: Mapping[str, gpd.GeoDataFrame | None], name: str) -> gpd.GeoDataFrame:
    frame = layers.get(name)
    if frame is None:
        return empty_layer(name)
    if len(frame) and frame.crs is None:
        msg = M.SEL_LAYER_NO_CRS.format(layer=name)
        raise ValueError(msg)
    return frame
