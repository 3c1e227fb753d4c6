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
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import messages as M
from geo.crs import WGS84, local_crs
from geo.i18n import area_names, place_names
from geo.schema import LAYERS

__all__ = [
    "LAYER_NAMES",
    "UNASSIGNED",
    "UNIT_ID",
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
    "resolve_units",
    "select_study",
    "unit_ids",
    "unit_labels",
    "unit_of",
    "with_unit_ids",
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

    def history(self) -> IncidentFilter:
        """The same filter from the data's first day to this one's end: the months that trend and forecast
        analyses (emerging hot spots, which map predicts best) read, for the area and categories chosen."""
        return replace(self, start=None)

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


UNIT_ID = "unit_id"


def unit_ids(boundaries: pd.DataFrame) -> pd.Series:
    """Each unit's identifier, as text: the stored ``unit_id``, derived where it is missing.

    Names repeat in real boundaries (villages of one name in two rayons,
    census block groups "1" to "7" in every tract), so every count, join and
    filter goes by this id, never by the name. Workspaces written before
    units had ids (and rows whose id is empty) get one derived from the row
    alone, so that any subset of the layer derives the same ids: the name
    where it is unique in ``boundaries``, else the name and a short hash of
    the row's names, population and extent. Call it on the whole layer (or
    use :func:`with_unit_ids` once) before selecting from it. A repeated
    stored id keeps its first row; later ones get ``"-2"``, ``"-3"``...

    Parameters
    ----------
    boundaries : pandas.DataFrame
        The boundaries layer (``name``; ``unit_id`` optional).

    Returns
    -------
    pandas.Series
        Strings, same index as ``boundaries``.
    """
    n = len(boundaries)
    stored = (boundaries[UNIT_ID].astype("string").str.strip() if UNIT_ID in boundaries
              else pd.Series(pd.NA, index=boundaries.index, dtype="string"))
    have = (stored.notna() & (stored != "")).fillna(False).to_numpy(dtype=bool)
    if have.all():
        ids = stored.astype(str)
    else:
        names = boundaries["name"].astype("string").fillna("").astype(str) if "name" in boundaries \
            else pd.Series("", index=boundaries.index)
        repeated = names.duplicated(keep=False).to_numpy() | (names == "").to_numpy()
        derived = names.to_numpy(dtype=object).copy()
        if repeated.any():
            derived[repeated] = [f"{nm or 'u'}#{h}" for nm, h in
                                 zip(names[repeated], _row_hashes(boundaries[repeated]), strict=True)]
        ids = pd.Series(np.where(have, stored.fillna("").astype(str).to_numpy(dtype=object), derived),
                        index=boundaries.index, dtype=object).astype(str)
    if n and ids.duplicated().any():
        seen: dict[str, int] = {}
        fixed = []
        for v in ids:
            k = seen.get(v, 0) + 1
            seen[v] = k
            fixed.append(v if k == 1 else f"{v}-{k}")
        ids = pd.Series(fixed, index=boundaries.index, dtype=object)
    return ids.rename(UNIT_ID)


def _row_hashes(rows: pd.DataFrame) -> list[str]:
    """A short hash of each row's names, population and extent (WGS84, rounded): the same row, the same hash."""
    cols = [c for c in ("name", "area", "district", "name_ru", "name_ky", "population") if c in rows]
    if isinstance(rows, gpd.GeoDataFrame) and rows.crs is not None and len(rows):
        bounds = np.round(rows.geometry.to_crs(WGS84).bounds.to_numpy(dtype=float), 5)
    else:
        bounds = np.zeros((len(rows), 4))
    out = []
    for i in range(len(rows)):
        key = "|".join(str(rows[c].iloc[i]) for c in cols) + "|" + ",".join(f"{b:.5f}" for b in bounds[i])
        out.append(hashlib.sha1(key.encode("utf-8")).hexdigest()[:6])
    return out


def with_unit_ids(boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``boundaries`` with every ``unit_id`` filled (:func:`unit_ids`); unchanged when all are there."""
    if UNIT_ID in boundaries and len(boundaries) == 0:
        return boundaries
    ids = unit_ids(boundaries)
    if UNIT_ID in boundaries and (boundaries[UNIT_ID].astype("string") == ids.astype("string")).fillna(False).all():
        return boundaries
    return boundaries.assign(**{UNIT_ID: ids})


def unit_labels(boundaries: pd.DataFrame, lang: str = "en") -> pd.Series:
    """Each unit's name in ``lang`` as a person reads it, told apart where names repeat.

    The name in the language (:func:`geo.i18n.place_names`); where that name
    repeats within ``boundaries``, followed by its parent in brackets: the
    district where there is one, else the area ("Ak-Suu (Issyk-Kul rayon)");
    where name and parent still repeat, by the unit's id too
    ("1 (Tract 8391, 170318391001)"). Pass the whole layer, so a unit is
    named the same on every page.

    Returns
    -------
    pandas.Series
        Strings, same index as ``boundaries``.
    """
    if len(boundaries) == 0:
        return pd.Series([], index=boundaries.index, dtype=object)
    names = place_names(boundaries, lang)
    out = names.copy()
    repeated = names.duplicated(keep=False)
    if not repeated.any():
        return out
    areas = area_names(boundaries, lang)
    district = (boundaries["district"].astype("string").str.strip().fillna("") if "district" in boundaries
                else pd.Series("", index=boundaries.index))
    area = (boundaries["area"].astype("string").fillna("").map(lambda a: areas.get(a, a)) if "area" in boundaries
            else pd.Series("", index=boundaries.index))
    parent = district.where(district != "", area).astype(str)
    ids = unit_ids(boundaries)
    with_parent = names + " (" + parent + ")"
    still = with_parent.duplicated(keep=False) | (parent == "")
    labelled = with_parent.where(~still, names + " (" + parent.where(parent == "", parent + ", ") + ids + ")")
    return out.where(~repeated, labelled).astype(str)


def resolve_units(boundaries: pd.DataFrame, wanted: Sequence[str]) -> tuple[str, ...]:
    """The ids of the settlements ``wanted`` names, each given by its id or by a name that is not repeated.

    An id wins over a name. A name may be the stored one, the Russian or
    Kyrgyz one, or a label of :func:`unit_labels`. A value that matches
    nothing is kept as given (the selection then reports it unknown).

    Raises
    ------
    ValueError
        A name shared by several settlements: the message lists their ids
        with their parents, to choose one.
    """
    ids = unit_ids(boundaries)
    known = set(ids)
    by_name: dict[str, list[int]] = {}
    columns = [place_names(boundaries, lang) for lang in ("en", "ru", "ky")]
    columns += [unit_labels(boundaries, lang) for lang in ("en", "ru", "ky")]
    for col in columns:
        for i, v in enumerate(col.astype(str)):
            rows = by_name.setdefault(v, [])
            if i not in rows:
                rows.append(i)
    out: list[str] = []
    for w in wanted:
        w = str(w)
        if w in known:
            out.append(w)
            continue
        rows = by_name.get(w, [])
        if len(rows) > 1:
            labels = unit_labels(boundaries, "en")
            listed = ", ".join(f"{ids.iloc[i]} ({labels.iloc[i]})" for i in rows)
            msg = M.SEL_UNIT_REPEATED.format(name=w, n=len(rows), ids=listed)
            raise ValueError(msg)
        out.append(str(ids.iloc[rows[0]]) if rows else w)
    return tuple(dict.fromkeys(out))


def assign_units(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``unit`` (the unit's id, :func:`unit_ids`) and ``area`` columns by point in polygon (:func:`unit_of`).

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
    names = unit_ids(boundaries).to_numpy(dtype=object)
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
    """Boundary units inside the filter's area and unit selection (``f.units`` holds ids), with ``unit_id``."""
    boundaries = with_unit_ids(boundaries)
    keep = np.ones(len(boundaries), dtype=bool)
    if f.area is not None and "area" in boundaries:
        keep &= (boundaries["area"] == f.area).fillna(False).to_numpy()
    if f.units is not None:
        keep &= boundaries[UNIT_ID].astype(str).isin(f.units).to_numpy()
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
    if f.area == OUTSIDE:  # the incidents outside every unit, studied on their own (see outside_study)
        return outside_study(get, f)
    boundaries, incidents = with_unit_ids(get["boundaries"]), get["incidents"]
    if f.units is not None and len(boundaries):
        f = replace(f, units=resolve_units(boundaries, f.units))
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
        if f.units is not None and (missing := sorted(set(f.units) - set(units[UNIT_ID].astype(str)))):
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


# ---------------------------------------------------------------- incidents outside every unit (issue 13, item 2)
# The pseudo-area of the incidents that lie in no unit: the area they carry (UNASSIGNED). Chosen as the filter's
# area, the study is those incidents on their own, over their own extent, without units (so without rates): what
# a workspace of imported incidents and boundaries of another place (the demo's) can still show truthfully.
OUTSIDE = UNASSIGNED
__all__ += ["OUTSIDE", "OUTSIDE_NEAR_M", "outside_study"]
OUTSIDE_NEAR_M = 50_000.0  # stations, cameras and roads this near the incidents' extent belong to their study


def outside_study(layers: Mapping[str, gpd.GeoDataFrame | None], f: IncidentFilter, *,
                  near_m: float = OUTSIDE_NEAR_M) -> Study:
    """The study of the incidents outside every unit (``f.area`` is :data:`OUTSIDE`).

    Incidents pass ``f``'s period and categories and lie in no unit; there
    are no units (no population: rates are not defined); stations, cameras
    and roads are those within ``near_m`` metres of the incidents' extent,
    never a continent away.
    """
    get = {name: _layer(layers, name) for name in LAYER_NAMES}
    boundaries, incidents = get["boundaries"], get["incidents"]
    if len(incidents) and len(boundaries) and "unit" not in incidents:
        incidents = assign_units(incidents, with_unit_ids(boundaries))
    selected = filter_incidents(incidents, replace(f, area=None, units=None)) if len(incidents) else incidents
    if len(selected) and len(boundaries):
        selected = selected[~inside_units(selected)]
    units = boundaries.iloc[:0]
    if len(selected) == 0:
        return Study(filter=f, units=units, incidents=selected, stations=get["stations"].iloc[:0],
                     cameras=get["cameras"].iloc[:0], roads=get["roads"].iloc[:0])
    from shapely import box  # here: this block is appended to the module, its imports stay untouched

    crs = local_crs(selected)
    extent = gpd.GeoDataFrame(geometry=[box(*selected.geometry.to_crs(crs).total_bounds).buffer(near_m)], crs=crs)
    return Study(filter=f, units=units, incidents=selected, stations=within_boundaries(get["stations"], extent),
                 cameras=within_boundaries(get["cameras"], extent), roads=within_boundaries(get["roads"], extent))
