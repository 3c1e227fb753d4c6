"""Where a settlement's residents live: a dasymetric population surface, and the residents inside an area.

A settlement's population is known as one figure for the whole settlement.
Spreading it evenly over the settlement (areal weighting) makes every camera
on open land "cover" as many people as one in the centre. Here each
settlement's residents are spread over a proxy of where people live inside
it, on a square grid in the local metric CRS:

* **roads**: the length of the roads layer in each cell (road density), for
  a settlement that has roads;
* **incidents**: the number of incidents in each cell, for a settlement that
  has incidents but no roads;
* none: a settlement with neither is *not placed*: its residents are not
  counted inside any area, and the page says so, rather than claim a
  number the data cannot support.

Within a cell the residents are taken as evenly spread over the part of the
cell inside the settlement. The cells of a settlement hold exactly its
population (the weights are normalised per settlement), so the surface
never invents or loses people; the residents inside an area are the sum of
the surface inside it.

Written by hand rather than with PySAL's ``tobler``: its dasymetric method
(``masked_area_interpolate``) masks a land-cover raster by pixel classes
(built-up or not), a yes/no mask, while the proxy here is a continuous
weight (metres of road per cell) taken from a vector layer; there is no
built-up land layer to give it, and it would add ``rasterstats`` and a
raster round trip for what is a weighted sum over grid cells.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.crs import local_crs, located, metric_xy
from geo.i18n import Tr

__all__ = ["DEFAULT_SURFACE_CELL_M", "PROXIES", "PopulationSurface", "population_surface", "proxy_note",
           "residents_each", "surface_note", "surface_params"]

DEFAULT_SURFACE_CELL_M = 200.0
# The grid over the settlements' extent has at most this many cells (the cell grows for a huge area); only cells
# holding a proxy are ever made, so this bounds the cell numbers, not the memory.
MAX_SURFACE_CELLS = 25_000_000
PROXIES = ("roads", "incidents")


@dataclass(frozen=True, eq=False)
class PopulationSurface:
    """Residents of each settlement spread over the cells of a grid by a proxy.

    Attributes
    ----------
    pieces : geopandas.GeoDataFrame
        One row per part of a cell inside a settlement that holds residents,
        in ``crs``: ``unit`` (the settlement's position in the boundaries),
        ``residents`` (float: the settlement's population times the cell's
        share of its proxy).
    units : pandas.DataFrame
        One row per settlement, in the boundaries' order: ``name``,
        ``population`` (NaN where unknown), ``proxy`` (``"roads"``,
        ``"incidents"`` or None) and ``placed`` (its residents are on the
        surface).
    cell : float
        Side of the grid cells, metres.
    crs : pyproj.CRS
        The metric CRS of the pieces.
    """

    pieces: gpd.GeoDataFrame
    units: pd.DataFrame
    cell: float
    crs: pyproj.CRS
    _geoms: np.ndarray  # the pieces' polygons
    _tree: shapely.STRtree  # of the pieces
    _settlements: np.ndarray  # the settlements' metric polygons, in the boundaries' order

    @property
    def proxies(self) -> tuple[str, ...]:
        """The proxies used, in :data:`PROXIES` order (empty when no settlement is placed)."""
        used = set(self.units["proxy"].dropna())
        return tuple(p for p in PROXIES if p in used)

    @property
    def unplaced(self) -> list[str]:
        """Settlements with residents but no proxy: their residents are counted nowhere."""
        u = self.units
        return u.loc[~u["placed"] & (u["population"] > 0), "name"].astype(str).tolist()

    @property
    def total(self) -> float:
        """Residents on the surface: the population of the placed settlements."""
        return float(self.units.loc[self.units["placed"], "population"].sum())

    def residents_in(self, areas: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | None) -> float:
        """Residents inside the union of ``areas`` (a frame with a CRS, or one geometry in :attr:`crs`).

        Overlapping areas count each resident once. NaN when nobody is placed.
        """
        return float(self.by_unit(areas)["covered"].sum()) if self.units["placed"].any() else float("nan")

    def by_unit(self, areas: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | None) -> pd.DataFrame:
        """Residents inside the union of ``areas``, per settlement (:attr:`units` with ``covered``).

        ``covered`` is NaN for a settlement that is not placed.
        """
        cover = self._cover(areas)
        out = self.units.copy()
        covered = np.zeros(len(out))
        if cover is not None and len(self._geoms):
            hit = self._tree.query(cover, predicate="intersects")
            if len(hit):
                inside = shapely.area(shapely.intersection(self._geoms[hit], cover))
                share = np.minimum(inside / shapely.area(self._geoms[hit]), 1.0)
                res = self.pieces["residents"].to_numpy()[hit] * share
                covered += np.bincount(self.pieces["unit"].to_numpy()[hit], weights=res, minlength=len(out))
        out["covered"] = np.where(out["placed"].to_numpy(), covered, np.nan)
        return out

    def each(self, geoms: np.ndarray) -> np.ndarray:
        """Residents inside each of ``geoms`` (metric polygons in :attr:`crs`), counted separately.

        NaN for a polygon reaching a settlement with residents but no proxy,
        and for all when nobody is placed: those residents are unknown.
        """
        geoms = np.asarray(geoms, dtype=object)
        out = np.zeros(len(geoms))
        if len(geoms) and len(self._geoms):
            area, piece = self._tree.query(geoms, predicate="intersects")
            inside = shapely.area(shapely.intersection(self._geoms[piece], geoms[area]))
            share = np.minimum(inside / shapely.area(self._geoms[piece]), 1.0)
            out += np.bincount(area, weights=self.pieces["residents"].to_numpy()[piece] * share,
                               minlength=len(geoms))
        unplaced = self._unplaced_geoms()
        if len(unplaced) and len(geoms):
            area, unit = shapely.STRtree(unplaced).query(geoms, predicate="intersects")
            touch = shapely.area(shapely.intersection(unplaced[unit], geoms[area])) > 0
            out[np.unique(area[touch])] = np.nan
        if not self.units["placed"].any():
            out[:] = np.nan
        return out

    def added(self, existing: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame) -> np.ndarray:
        """Residents each new area brings into coverage, taking them in order, as whole people.

        Area ``r`` counts the residents inside the union of ``existing`` and
        the first ``r`` new areas, less those inside the first ``r - 1``
        (the accounting of incidents newly covered by rank). NaN for an area
        that reaches a settlement with residents but no proxy: its residents
        there are unknown, so none are claimed.
        """
        cover = self._cover(existing)
        last = self.residents_in(cover) if cover is not None else 0.0
        unplaced = self._unplaced_geoms()
        out = np.zeros(len(new))
        for i, g in enumerate(new.to_crs(self.crs).geometry.to_numpy()):
            g = shapely.make_valid(g)
            cover = g if cover is None else shapely.union(cover, g)
            now = self.residents_in(cover)
            touches = len(unplaced) and bool((shapely.area(shapely.intersection(unplaced, g)) > 0).any())
            out[i] = np.nan if touches else now - last
            last = now
        return np.round(out)

    def _unplaced_geoms(self) -> np.ndarray:
        return self._settlements[(~self.units["placed"] & (self.units["population"] > 0)).to_numpy()]

    def _cover(self, areas: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | None) -> shapely.Geometry | None:
        """One metric geometry for ``areas``; None for nothing."""
        if areas is None:
            return None
        if isinstance(areas, gpd.GeoDataFrame | gpd.GeoSeries):
            if len(areas) == 0:
                return None
            geoms = np.asarray(areas.geometry.to_crs(self.crs).to_numpy())[located(areas)]
            if len(geoms) == 0:
                return None
            return shapely.union_all(shapely.make_valid(geoms))
        return None if areas.is_empty else areas


def population_surface(boundaries: gpd.GeoDataFrame, *, roads: gpd.GeoDataFrame | None = None,
                       incidents: gpd.GeoDataFrame | None = None,
                       cell: float = DEFAULT_SURFACE_CELL_M) -> PopulationSurface:
    """Spread each settlement's ``population`` over its road density, or its incident density where it has no roads.

    Parameters
    ----------
    boundaries : geopandas.GeoDataFrame
        Settlements (polygons) with ``population`` (and ``name``) and a CRS.
    roads : geopandas.GeoDataFrame, optional
        Road lines: metres of road per cell are the weights.
    incidents : geopandas.GeoDataFrame, optional
        Points: the count per cell is the weight of a settlement without roads.
    cell : float
        Side of the grid cells, metres; larger where the settlements' extent
        would need more than :data:`MAX_SURFACE_CELLS` cells.

    Returns
    -------
    PopulationSurface
    """
    if cell <= 0:
        msg = f"cell must be positive, got {cell} m"
        raise ValueError(msg)
    ok = located(boundaries)
    # no settlement drawn: nobody can be placed, any metric CRS will do
    crs = local_crs(boundaries) if ok.any() else pyproj.CRS.from_epsg(3857)
    geoms = np.full(len(boundaries), shapely.Polygon(), dtype=object)
    geoms[ok] = shapely.make_valid(np.asarray(boundaries.geometry.to_crs(crs).to_numpy())[ok])
    pop = (pd.to_numeric(boundaries["population"], errors="coerce").to_numpy(dtype=float)
           if "population" in boundaries else np.full(len(boundaries), np.nan))
    names = (boundaries["name"].astype(str).to_numpy() if "name" in boundaries
             else np.array([str(i) for i in boundaries.index]))
    x0, y0, x1, y1 = shapely.total_bounds(geoms[ok]) if ok.any() else (0.0, 0.0, 0.0, 0.0)
    cell = max(float(cell), math.sqrt(max((x1 - x0) * (y1 - y0), 0.0) / MAX_SURFACE_CELLS))
    ncol = max(1, math.ceil((x1 - x0) / cell))
    tree = shapely.STRtree(geoms)

    def binned(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> pd.Series:
        """Weights summed per (settlement, cell); a point in two settlements goes to the first, as unit_of."""
        pt, unit = tree.query(shapely.points(x, y), predicate="within")
        pt, first = np.unique(pt, return_index=True)
        unit = unit[first]
        col = np.clip(((x[pt] - x0) // cell).astype(np.int64), 0, ncol - 1)
        row = ((y[pt] - y0) // cell).astype(np.int64)
        return pd.Series(w[pt]).groupby([unit, row * ncol + col]).sum()

    empty = pd.Series(dtype=float)
    road_w = empty
    if roads is not None and len(roads):
        lines = shapely.segmentize(np.asarray(roads.geometry.to_crs(crs).to_numpy())[located(roads)], cell / 4)
        parts = shapely.get_parts(lines)
        coords, index = shapely.get_coordinates(parts, return_index=True)
        same = index[1:] == index[:-1]  # consecutive vertices of one line: a segment
        a, b = coords[:-1][same], coords[1:][same]
        mid = (a + b) / 2
        road_w = binned(mid[:, 0], mid[:, 1], np.hypot(*(b - a).T))
    inc_w = empty
    if incidents is not None and len(incidents):
        ix, iy, iok = metric_xy(incidents, crs, what="incidents")
        inc_w = binned(ix[iok], iy[iok], np.ones(int(iok.sum())))

    proxy = np.full(len(boundaries), None, dtype=object)
    chosen = []
    for weights, name in ((road_w, "roads"), (inc_w, "incidents")):
        if len(weights) == 0:
            continue
        weights = weights[weights > 0]
        units_with = weights.index.get_level_values(0).to_numpy()
        free = np.array([proxy[u] is None for u in units_with], dtype=bool)
        take = weights[free]
        proxy[np.unique(units_with[free])] = name
        chosen.append(take)
    weights = pd.concat(chosen) if chosen else empty
    unit = weights.index.get_level_values(0).to_numpy().astype(np.intp) if len(weights) else np.zeros(0, np.intp)
    cid = weights.index.get_level_values(1).to_numpy() if len(weights) else np.zeros(0, np.int64)
    w = weights.to_numpy(dtype=float)
    boxes = shapely.box(x0 + (cid % ncol) * cell, y0 + (cid // ncol) * cell,
                        x0 + (cid % ncol + 1) * cell, y0 + (cid // ncol + 1) * cell)
    pieces = shapely.intersection(boxes, geoms[unit]) if len(unit) else np.zeros(0, dtype=object)
    keep = shapely.area(pieces) > 0 if len(unit) else np.zeros(0, bool)
    pieces, unit, w = pieces[keep], unit[keep], w[keep]
    sums = np.bincount(unit, weights=w, minlength=len(boundaries))
    known = np.isfinite(pop) & (pop >= 0)
    placed = (sums > 0) & known
    proxy[sums <= 0] = None
    with np.errstate(divide="ignore", invalid="ignore"):
        residents = np.where(placed[unit], pop[unit] * w / sums[unit], 0.0)
    keep = placed[unit]
    frame = gpd.GeoDataFrame({"unit": unit[keep], "residents": residents[keep]}, geometry=pieces[keep], crs=crs)
    units = pd.DataFrame({"name": names, "population": pop, "placed": placed})
    units.insert(2, "proxy", pd.Series(proxy, dtype=object))  # None (not NaN) where there is no proxy
    parts = np.asarray(frame.geometry.to_numpy())
    return PopulationSurface(pieces=frame, units=units, cell=cell, crs=crs, _geoms=parts,
                             _tree=shapely.STRtree(parts), _settlements=geoms)


def surface_note(surface: PopulationSurface, *, names: Mapping[str, str] | None = None, lang: str = "en") -> str:
    """How the residents covered were estimated, and whose residents are not counted, in ``lang``.

    One text for the Planner page and the pack's methods (:func:`proxy_note` of :func:`surface_params`),
    so both state the same proxy. ``names`` maps a stored settlement name to the one shown
    (:func:`geo.i18n.place_names`).
    """
    return proxy_note(**surface_params(surface), names=names, lang=lang)


def surface_params(surface: PopulationSurface) -> dict[str, object]:
    """The surface's method as JSON-ready values: ``proxies``, ``cell_m``, ``unplaced`` (settlement names)."""
    return {"proxies": list(surface.proxies), "cell_m": float(round(surface.cell)), "unplaced": surface.unplaced}


def proxy_note(*, proxies: Sequence[str], cell_m: float, unplaced: Sequence[str],
               names: Mapping[str, str] | None = None, lang: str = "en") -> str:
    """:func:`surface_note` from :func:`surface_params` (what the pack stores with its results)."""
    _ = Tr(lang)
    proxies = tuple(proxies)
    if not proxies:
        return _("Residents covered are not shown (–): the settlements have neither roads nor incidents to tell "
                 "where their residents live, and spreading them evenly would overstate what a site on open land "
                 "covers.")
    cell = _.int(round(cell_m))
    if proxies == ("roads",):
        text = _("Residents covered are estimated by spreading each settlement's residents over its roads (metres "
                 "of road in each {cell} m square), so a site where there are no roads covers few residents.",
                 cell=cell)
    elif proxies == ("incidents",):
        text = _("Residents covered are estimated by spreading each settlement's residents over its incidents "
                 "(incidents in each {cell} m square), since there are no roads to go by.", cell=cell)
    else:
        text = _("Residents covered are estimated by spreading each settlement's residents over its roads (metres "
                 "of road in each {cell} m square), or over its incidents where it has no roads, so a site where "
                 "there are neither covers few residents.", cell=cell)
    if unplaced:
        text += " " + _.plural("{n} settlement has neither roads nor incidents, so its residents are not counted "
                               "(–): {names}.",
                               "{n} settlements have neither roads nor incidents, so their residents are not "
                               "counted (–): {names}.", len(unplaced),
                               names=", ".join((names or {}).get(u, u) for u in unplaced))
    return text


def residents_each(geoms: np.ndarray, crs: pyproj.CRS | str, boundaries: gpd.GeoDataFrame, *,
                   roads: gpd.GeoDataFrame | None = None,
                   incidents: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """Residents inside each of ``geoms`` (polygons in ``crs``), from the surface of ``boundaries``.

    A shortcut for callers that hold only the boundaries (the coverage gaps): builds
    :func:`population_surface` with the proxies given and counts each polygon separately
    (:meth:`PopulationSurface.each`), rounded to whole people; NaN where not claimed.
    """
    surface = population_surface(boundaries, roads=roads, incidents=incidents)
    metric = gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=crs).to_crs(surface.crs).to_numpy()
    return np.round(surface.each(np.asarray(metric, dtype=object)))
