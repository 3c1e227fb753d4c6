"""What the coverage summary and the gaps share: the mode, the metric CRS, who covers whom, the covered union.

Both decide coverage the same way (exact distances for a radius, an
STR-tree for areas), so the page's counts and its gaps agree.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from geo.checks import check_positive
from geo.crs import local_crs, located, metric_xy
from geo.messages import COVER_NO_POPULATION
from geo.network.areas import CIRCLE_QUAD_SEGS
from geo.network.labels import facility_names


def coverage_mode(radius: float | None, areas: gpd.GeoDataFrame | None) -> str:
    """``"radius"`` or ``"areas"``: exactly one of them given (a radius checked)."""
    if (radius is None) == (areas is None):
        msg = "give either radius (metres around each facility) or areas (covered polygons), not both or neither"
        raise ValueError(msg)
    if radius is not None:
        check_positive(radius, "radius", unit="metres")
        return "radius"
    return "areas"


def crs_of(*frames: gpd.GeoDataFrame | None, fallback: gpd.GeoDataFrame | None = None) -> pyproj.CRS:
    """The local metric CRS of the frames, or of ``fallback`` when they hold nothing located."""
    present = [f for f in frames if f is not None]
    if fallback is not None and not any(np.isfinite(f.total_bounds).all() for f in present if len(f)):
        present = [fallback]
    return local_crs(*present)


def covering_pairs(ix: np.ndarray, iy: np.ndarray, iok: np.ndarray, sources: gpd.GeoDataFrame, *, mode: str,
                   radius: float | None, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    """(incident position, facility position) of every facility covering every incident."""
    empty = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))
    ipos = np.flatnonzero(iok)
    if len(ipos) == 0 or len(sources) == 0:
        return empty
    if mode == "radius":
        fx, fy, fok = metric_xy(sources, crs, what="facilities")
        if not fok.any():
            return empty
        # The tree holds the incidents: one ball query per facility, each a list of the incidents in range.
        tree = cKDTree(np.column_stack([ix[ipos], iy[ipos]]))
        hits = tree.query_ball_point(np.column_stack([fx[fok], fy[fok]]), r=radius, workers=-1)
        sizes = np.array([len(h) for h in hits])
        inc = ipos[np.concatenate([np.asarray(h, dtype=np.intp) for h in hits])] if sizes.sum() else empty[0]
        return inc, np.repeat(np.flatnonzero(fok), sizes)
    ok = located(sources)
    geoms = np.asarray(sources.geometry.to_crs(crs).to_numpy())[ok]
    hit_pt, hit_area = shapely.STRtree(geoms).query(shapely.points(ix[ipos], iy[ipos]), predicate="intersects")
    return ipos[hit_pt], np.flatnonzero(ok)[hit_area]


def cover_union(sources: gpd.GeoDataFrame, *, mode: str, radius: float | None,
                crs: pyproj.CRS) -> shapely.Geometry | None:
    """The union of the covered areas in the metric CRS; None when nothing is covered."""
    ok = located(sources)
    if not ok.any():
        return None
    metric = np.asarray(sources.geometry.to_crs(crs).to_numpy())[ok]
    geoms = shapely.buffer(metric, radius, quad_segs=CIRCLE_QUAD_SEGS) if mode == "radius" else metric
    return shapely.union_all(shapely.make_valid(geoms))


def boundary_arrays(boundaries: gpd.GeoDataFrame, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Metric polygons, populations (NaN where unknown) and names of the located boundary units."""
    if "population" not in boundaries:
        msg = COVER_NO_POPULATION
        raise ValueError(msg)
    ok = located(boundaries)
    geoms = shapely.make_valid(np.asarray(boundaries.geometry.to_crs(crs).to_numpy())[ok])
    pop = pd.to_numeric(boundaries["population"], errors="coerce").to_numpy(dtype=float)[ok]
    return geoms, pop, facility_names(boundaries)[ok]
