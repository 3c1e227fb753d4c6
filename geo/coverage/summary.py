"""What facilities cover: incidents and residents, overall, per facility and per category; the nearest facility.

Which incidents a radius covers is decided exactly, on distances between
points (``scipy.spatial.cKDTree``), not on buffered polygons, whose chords
cut a sliver off every circle; the polygons are used only where an area is
needed (the population covered). Nearest facilities are exact too (a k-d
tree, queried only where a grid cell straddles two Voronoi cells, see
:func:`_nearest_sites`): 1,000,000 incidents among 50 stations in 0.08 s,
0.4 s with choosing the CRS and projecting.

Covered population is the sum of a population surface inside the coverage
(``surface=``, :mod:`geo.stats.population`: each settlement's residents
spread over its road density, or its incident density); without one it is
areal weighting: each boundary unit's residents are taken as spread evenly
over it, so a unit half inside the service areas adds half its population.
Overlapping boundary layers (a district and its villages) would count
people twice; give one level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from geo.coverage._common import boundary_arrays, cover_union, coverage_mode, covering_pairs, crs_of
from geo.crs import metric_xy
from geo.network import Roads, drive_time_areas, drive_time_matrix
from geo.network.drive import checked_network
from geo.network.labels import facility_labels, facility_names
from geo.plain import plain_dict
from geo.stats.population import PopulationSurface

__all__ = ["CoverageSummary", "coverage_summary", "nearest_facility"]

# The corner grid of _nearest_sites: up to 256 x 256 cells, and not for fewer than 8 x 8 (n < 1,024).
NEAREST_GRID_MAX, NEAREST_GRID_MIN = 256, 8


def nearest_facility(incidents: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, *,
                     workers: int = -1) -> pd.DataFrame:
    """Straight-line distance from each incident to its nearest facility.

    Exact nearest neighbours in the local metric CRS, as a k-d tree of the
    facilities (``scipy.spatial.cKDTree``) gives them, but the tree is only
    queried where needed (:func:`_nearest_sites`): 0.08 s for 1,000,000
    incidents among 50 stations on two cores (the plain tree query: 0.23 s),
    0.4 s in all with choosing the CRS and projecting the points.

    Parameters
    ----------
    incidents, facilities : geopandas.GeoDataFrame
        Points with a CRS. Rows without a location are skipped (incidents get
        NaN and no facility).
    workers : int
        Threads for the query; -1 for all cores.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``incidents``: ``distance_m``, ``facility`` (the
        facility's index label) and ``facility_name`` (a categorical of its
        ``name``, or of the label when it has none).
    """
    crs = crs_of(incidents, facilities)
    ix, iy, iok = metric_xy(incidents, crs, what="incidents")
    fx, fy, fok = metric_xy(facilities, crs, what="facilities")
    pos = np.full(len(incidents), -1)
    dist = np.full(len(incidents), np.nan)
    if fok.any() and iok.any():
        d, j = _nearest_sites(ix[iok], iy[iok], fx[fok], fy[fok], workers=workers)
        dist[iok] = d
        pos[iok] = np.flatnonzero(fok)[j]
    label, name = facility_labels(facilities, pos)
    return pd.DataFrame({"distance_m": dist, "facility": label, "facility_name": name}, index=incidents.index)


# eq=False: the fields hold arrays and frames, which == cannot compare.
@dataclass(frozen=True, eq=False)
class CoverageSummary:
    """Incidents and residents inside the facilities' coverage.

    Attributes
    ----------
    overall : dict
        ``incidents`` (located ones), ``covered``, ``share`` (NaN with no
        incidents), ``unlocated`` (incidents without a location, never
        covered) and, with a weight, ``weight``, ``covered_weight``,
        ``weighted_share``.
    per_facility : pandas.DataFrame
        One row per facility (or area), in input order: ``facility`` (index
        label), ``name``, ``incidents`` (within its coverage), ``share`` (of
        all located incidents), ``unique`` (covered by it and no other; what
        closing it would uncover) and, with a weight, ``weight`` and
        ``weighted_share``.
    by_category : pandas.DataFrame or None
        One row per value of the ``by`` column, most incidents first:
        the value (column named as ``by``), ``incidents``, ``covered``,
        ``share`` (and ``weight``, ``covered_weight``, ``weighted_share``).
    population : dict or None
        With boundaries: ``covered`` (areal weighting), ``total`` and
        ``share``; units without a population figure are left out of both.
    population_by_boundary : pandas.DataFrame or None
        ``name``, ``population``, ``covered_area_share`` (0..1) and
        ``covered_population`` per boundary unit.
    covered : numpy.ndarray
        Bool per incident, in input order.
    cover_count : numpy.ndarray
        How many facilities cover each incident (0 for uncovered).
    mode : str
        ``"radius"``, ``"areas"`` or ``"drive"``.
    radius : float or None
        The radius in metres (radius mode).
    crs : pyproj.CRS
        The metric CRS the coverage was computed in.
    """

    overall: dict[str, float]
    per_facility: pd.DataFrame
    by_category: pd.DataFrame | None
    population: dict[str, float] | None
    population_by_boundary: pd.DataFrame | None
    covered: np.ndarray
    cover_count: np.ndarray
    mode: str
    radius: float | None
    crs: pyproj.CRS

    def as_dict(self) -> dict:
        """The figures as JSON-serialisable dicts and lists (not the per-incident arrays)."""
        def records(df: pd.DataFrame | None) -> list[dict] | None:
            return None if df is None else [plain_dict(r) for r in df.to_dict("records")]

        return {
            "mode": self.mode,
            "radius_m": self.radius,
            "crs": self.crs.to_string(),
            "overall": plain_dict(self.overall),
            "per_facility": records(self.per_facility),
            "by_category": records(self.by_category),
            "population": None if self.population is None else plain_dict(self.population),
            "population_by_boundary": records(self.population_by_boundary),
        }


def coverage_summary(incidents: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame | None, *,
                     radius: float | None = None, areas: gpd.GeoDataFrame | None = None,
                     minutes: float | None = None, roads: Roads | None = None,
                     off_road_kmh: float = 5.0, boundaries: gpd.GeoDataFrame | None = None,
                     weight: str | None = None, by: str | None = "category",
                     surface: PopulationSurface | None = None) -> CoverageSummary:
    """Incidents (and residents) covered by facilities, overall, per facility and per category.

    Three modes, give exactly one of ``radius``, ``areas`` and ``minutes``:

    * radius: an incident is covered when some facility is at most
      ``radius`` metres away, decided on exact point distances
      (``cKDTree.query_ball_point``), so the counts equal a brute-force count;
    * areas (e.g. :func:`camera_areas`): an incident is covered when it lies
      in or on the edge of any area polygon (an STR-tree query, predicate
      ``intersects``). The areas are the facilities; ``facilities`` is not used
      and may be None;
    * drive time: an incident is covered when some facility reaches it over
      ``roads`` within ``minutes`` (every trip of :func:`drive_time_matrix`),
      and residents are counted in the :func:`drive_time_areas`.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points with a CRS.
    facilities : geopandas.GeoDataFrame or None
        Points with a CRS (radius mode).
    radius : float, optional
        Metres.
    areas : geopandas.GeoDataFrame, optional
        Polygons with a CRS, one row per facility.
    minutes : float, optional
        Drive time; needs ``roads``.
    roads : geopandas.GeoDataFrame or networkx.Graph or RoadNetwork, optional
        Road lines, a graph from :func:`road_graph` or a
        :class:`geo.network.RoadNetwork` (drive-time mode; a network is
        used by both the counts and the areas without being rebuilt).
    off_road_kmh : float
        Speed between a point and its road (drive-time mode).
    boundaries : geopandas.GeoDataFrame, optional
        Units with ``population`` (and ``name``), for the covered population.
    weight : str, optional
        Column of incident weights (missing: 1), for the weighted figures.
    by : str or None
        Column to break the coverage down by; None for no breakdown.
    surface : PopulationSurface, optional
        Where the residents live (:func:`geo.stats.population.population_surface`):
        the residents covered are the surface inside the coverage, not the
        areal weighting of ``boundaries`` (which it replaces).

    Returns
    -------
    CoverageSummary
    """
    if minutes is not None:
        if radius is not None or areas is not None:
            msg = "give one of radius, areas and minutes, not several"
            raise ValueError(msg)
        if roads is None:
            msg = "the drive-time mode needs roads"
            raise ValueError(msg)
        mode = "drive"
    else:
        mode = coverage_mode(radius, areas)
    sources = areas if mode == "areas" else facilities
    if sources is None:
        msg = f"{mode} mode needs the facilities"
        raise ValueError(msg)
    if by is not None and by not in incidents:
        msg = f"incidents have no column {by!r} to break coverage down by; pass by=None"
        raise ValueError(msg)
    crs = crs_of(incidents, sources, fallback=boundaries)
    ix, iy, iok = metric_xy(incidents, crs, what="incidents")
    if mode == "drive":
        # Road lines become one network for the counts and the areas both.
        roads = checked_network(roads, minutes=minutes, off_road_kmh=off_road_kmh, default_speeds=None)
        trips = drive_time_matrix(incidents, sources, roads, minutes=minutes, off_road_kmh=off_road_kmh).tocoo()
        inc, src = trips.row.astype(np.intp), trips.col.astype(np.intp)
    else:
        inc, src = covering_pairs(ix, iy, iok, sources, mode=mode, radius=radius, crs=crs)
    count = np.bincount(inc, minlength=len(incidents))
    covered = count > 0
    w = _weights(incidents, weight)
    n = int(iok.sum())

    overall: dict[str, float] = {"incidents": n, "covered": int(covered.sum()), "share": _share(covered.sum(), n),
                                 "unlocated": len(incidents) - n}
    per = pd.DataFrame({
        "facility": sources.index.to_numpy(),
        "name": facility_names(sources),
        "incidents": np.bincount(src, minlength=len(sources)),
    })
    per["share"] = per["incidents"] / n if n else np.nan
    per["unique"] = np.bincount(src[count[inc] == 1], minlength=len(sources))
    if w is not None:
        total_w = float(w[iok].sum())
        overall |= {"weight": total_w, "covered_weight": float(w[covered].sum()),
                    "weighted_share": _share(w[covered].sum(), total_w)}
        per["weight"] = np.bincount(src, weights=w[inc], minlength=len(sources))
        per["weighted_share"] = per["weight"] / total_w if total_w else np.nan

    by_category = _by_category(incidents, by, covered, iok, w) if by is not None else None
    population = population_by_boundary = None
    if surface is not None or boundaries is not None:
        if mode == "drive":
            cover = (drive_time_areas(sources, roads, minutes=minutes, off_road_kmh=off_road_kmh).to_crs(crs)
                     .union_all() if len(sources) else None)
        else:
            cover = cover_union(sources, mode=mode, radius=radius, crs=crs)
        population, population_by_boundary = (_population(boundaries, cover, crs) if surface is None
                                               else _surface_population(surface, cover, crs))
    return CoverageSummary(overall=overall, per_facility=per, by_category=by_category, population=population,
                           population_by_boundary=population_by_boundary, covered=covered, cover_count=count,
                           mode=mode, radius=None if radius is None else float(radius), crs=crs)


def _by_category(incidents: gpd.GeoDataFrame, by: str, covered: np.ndarray, iok: np.ndarray,
                 w: np.ndarray | None) -> pd.DataFrame:
    """Located incidents and the covered ones per value of the ``by`` column, most incidents first."""
    frame = pd.DataFrame({by: incidents[by].to_numpy()[iok], "covered": covered[iok]})
    if w is not None:
        frame["weight"] = w[iok]
        frame["covered_weight"] = np.where(covered[iok], w[iok], 0.0)
    groups = frame.groupby(by, dropna=False, sort=False)
    out = groups.size().rename("incidents").to_frame()
    out["covered"] = groups["covered"].sum().astype(int)
    out["share"] = out["covered"] / out["incidents"]
    if w is not None:
        out["weight"] = groups["weight"].sum()
        out["covered_weight"] = groups["covered_weight"].sum()
        out["weighted_share"] = out["covered_weight"] / out["weight"].where(out["weight"] > 0)
    return out.reset_index().sort_values(["incidents", by], ascending=[False, True], kind="stable").reset_index(
        drop=True)


def _weights(incidents: gpd.GeoDataFrame, weight: str | None) -> np.ndarray | None:
    if weight is None:
        return None
    if weight not in incidents:
        msg = f"incidents have no weight column {weight!r}"
        raise ValueError(msg)
    w = pd.to_numeric(incidents[weight], errors="coerce").fillna(1.0).to_numpy(dtype=float)
    if not (np.isfinite(w).all() and (w >= 0).all()):
        msg = f"weights in {weight!r} must be finite and non-negative"
        raise ValueError(msg)
    return w


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else float("nan")


def _surface_population(surface: PopulationSurface, cover: shapely.Geometry | None,
                        crs: pyproj.CRS) -> tuple[dict[str, float], pd.DataFrame]:
    """Residents in ``cover`` (metric, in ``crs``) from a population surface, in whole people.

    ``covered`` is NaN when no settlement has a proxy; settlements without
    one are left out of ``covered`` and ``total`` and named in ``unplaced``.
    """
    if cover is not None and pyproj.CRS(crs) != pyproj.CRS(surface.crs):
        cover = gpd.GeoSeries([cover], crs=crs).to_crs(surface.crs).iloc[0]
    per = surface.by_unit(cover)
    total = surface.total
    placed = bool(per["placed"].any())
    covered = float(round(per["covered"].sum())) if placed else float("nan")
    out = {"covered": covered, "total": total, "share": _share(covered, total) if placed else float("nan"),
           "proxy": ", ".join(surface.proxies), "unplaced": surface.unplaced}
    frame = pd.DataFrame({"name": per["name"], "population": per["population"], "proxy": per["proxy"],
                          "covered_population": per["covered"].round()})
    return out, frame


def _population(boundaries: gpd.GeoDataFrame, cover: shapely.Geometry | None,
                crs: pyproj.CRS) -> tuple[dict[str, float], pd.DataFrame]:
    """Residents in ``cover`` by areal weighting: the totals and the figures per boundary unit."""
    geoms, pop, names = boundary_arrays(boundaries, crs)
    area = shapely.area(geoms)
    inside = shapely.area(shapely.intersection(geoms, cover)) if cover is not None else np.zeros(len(geoms))
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(area > 0, np.minimum(inside / area, 1.0), np.nan)
    covered_pop = pop * frac
    known = np.isfinite(covered_pop)
    total = float(pop[known].sum())
    covered = float(covered_pop[known].sum())
    per = pd.DataFrame({"name": names, "population": pop, "covered_area_share": frac,
                        "covered_population": covered_pop})
    return {"covered": covered, "total": total, "share": _share(covered, total)}, per


def _nearest_sites(x: np.ndarray, y: np.ndarray, sx: np.ndarray, sy: np.ndarray, *,
                   workers: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and position of the nearest site of each point: exact, like ``cKDTree.query``.

    A k-d tree query costs about 0.4 µs a point whatever the number of
    sites. With many more points than sites most of that is avoidable: the
    points are binned on a grid over their extent and the tree is queried
    at the grid's corners only. A Voronoi cell is convex, so a grid cell
    whose four corners share their nearest site lies wholly in that site's
    cell, and its points have that site without a query; only the points
    in cells crossed by a Voronoi edge (a few percent) are queried. For
    1,000,000 points among 50 sites: 0.05 s instead of 0.4 s on one core.
    """
    tree = cKDTree(np.column_stack([sx, sy]))
    cells = min(NEAREST_GRID_MAX, int(math.sqrt(len(x)) / 4))
    if len(sx) == 1 or cells < NEAREST_GRID_MIN:
        return tree.query(np.column_stack([x, y]), workers=workers)
    xmin, ymin = x.min(), y.min()
    width, height = max(x.max() - xmin, 1e-9), max(y.max() - ymin, 1e-9)
    col = np.minimum(((x - xmin) * (cells / width)).astype(np.intp), cells - 1)
    row = np.minimum(((y - ymin) * (cells / height)).astype(np.intp), cells - 1)
    gx, gy = np.meshgrid(xmin + width * np.arange(cells + 1) / cells, ymin + height * np.arange(cells + 1) / cells)
    corner = tree.query(np.column_stack([gx.ravel(), gy.ravel()]), workers=workers)[1].reshape(cells + 1, cells + 1)
    sw = corner[:-1, :-1]
    whole = (sw == corner[1:, :-1]) & (sw == corner[:-1, 1:]) & (sw == corner[1:, 1:])
    row *= cells
    row += col
    j = np.where(whole, sw, -1).ravel()[row]
    mixed = np.flatnonzero(j < 0)
    j[mixed] = 0  # a placeholder, replaced below
    dx, dy = x - sx[j], y - sy[j]
    d = np.sqrt(dx * dx + dy * dy)
    if len(mixed):
        d[mixed], j[mixed] = tree.query(np.column_stack([x[mixed], y[mixed]]), workers=workers)
    return d, j
