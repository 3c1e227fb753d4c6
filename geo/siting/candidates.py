"""Candidate sites for the siting models: a grid over an area, road junctions, points along roads.

Each returns points in the CRS of its input; the spacing is in metres of the
local metric CRS (:func:`geo.crs.local_crs`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.checks import check_positive
from geo.crs import local_crs, to_metric
from geo.messages import SITE_GRID_LARGE

__all__ = ["MAX_GRID_POINTS", "ROAD_GRID", "along_roads", "grid_candidates", "road_intersections"]

MAX_GRID_POINTS = 2_000_000
ROAD_GRID = 0.01  # metres: road vertices closer than this are one node


def grid_candidates(area: gpd.GeoDataFrame | gpd.GeoSeries, *, spacing: float) -> gpd.GeoDataFrame:
    """Candidate sites on a regular grid inside polygons.

    Points ``spacing`` metres apart in the local metric CRS, the first half a
    spacing in from the lower-left corner of the area's bounds, kept where
    they fall inside (or on) a polygon.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in the area's CRS, with ``x`` and ``y`` (metric) columns.
    """
    check_positive(spacing, "spacing", unit="metres")
    geoms = area.geometry if isinstance(area, gpd.GeoDataFrame) else area
    if len(geoms) == 0:
        return gpd.GeoDataFrame({"x": [], "y": []}, geometry=[], crs=geoms.crs)
    crs = local_crs(geoms)
    shape = shapely.union_all(geoms.to_crs(crs).to_numpy())
    x0, y0, x1, y1 = shape.bounds
    nx, ny = int((x1 - x0) // spacing) + 1, int((y1 - y0) // spacing) + 1
    if nx * ny > MAX_GRID_POINTS:
        msg = SITE_GRID_LARGE.format(spacing=f"{spacing:g}", n=f"{nx * ny:,}", limit=f"{MAX_GRID_POINTS:,}")
        raise ValueError(msg)
    gx, gy = np.meshgrid(x0 + (np.arange(nx) + 0.5) * spacing, y0 + (np.arange(ny) + 0.5) * spacing)
    gx, gy = gx.ravel(), gy.ravel()
    shapely.prepare(shape)
    inside = shapely.intersects_xy(shape, gx, gy)
    out = gpd.GeoDataFrame({"x": gx[inside], "y": gy[inside]}, geometry=shapely.points(gx[inside], gy[inside]),
                           crs=crs)
    return out.to_crs(geoms.crs)


def road_intersections(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Road junctions: nodes where three or more road segment ends meet, or roads cross.

    The lines are noded together in the local metric CRS (vertices snapped to
    ``ROAD_GRID`` metres), so crossing roads are split where they cross and
    that point has four segment ends; a road continuing into the next one
    (two ends) is not a junction.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in the roads' CRS with ``degree`` (segment ends meeting there),
        highest degree first.
    """
    lines = roads.geometry[~(roads.geometry.isna() | roads.geometry.is_empty)]
    lines = lines[lines.geom_type.isin(["LineString", "MultiLineString", "LinearRing"])]
    if len(lines) == 0:
        return gpd.GeoDataFrame({"degree": np.zeros(0, dtype=np.int64)}, geometry=[], crs=roads.crs)
    crs = local_crs(lines)
    noded = shapely.union_all(lines.to_crs(crs).to_numpy(), grid_size=ROAD_GRID)
    parts = shapely.get_parts(noded)
    parts = parts[shapely.get_type_id(parts) == 1]  # LineString
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(parts, 0)),
                      shapely.get_coordinates(shapely.get_point(parts, -1))])
    # A closed loop's start and end are one node with two segment ends, as they should be.
    uniq, counts = np.unique(np.round(ends / ROAD_GRID).astype(np.int64), axis=0, return_counts=True)
    keep = counts >= 3
    xy = uniq[keep] * ROAD_GRID
    deg = counts[keep]
    order = np.lexsort((xy[:, 1], xy[:, 0], -deg))
    out = gpd.GeoDataFrame({"degree": deg[order]}, geometry=shapely.points(xy[order]), crs=crs)
    return out.to_crs(roads.crs)


def along_roads(roads: gpd.GeoDataFrame, *, spacing: float) -> gpd.GeoDataFrame:
    """Candidate points every ``spacing`` metres along the road lines (cameras watch roads).

    Returns points in the roads' CRS with the road's ``name`` where it has one.
    """
    check_positive(spacing, "spacing", unit="metres")
    if len(roads) == 0:
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs=roads.crs)
    metric = to_metric(roads)
    pts, names = [], []
    label = roads["name"] if "name" in roads else pd.Series(None, index=roads.index)
    for geom, name in zip(metric.geometry, label, strict=True):
        if geom is None or geom.is_empty:
            continue
        for line in getattr(geom, "geoms", [geom]):
            steps = np.arange(spacing / 2, line.length, spacing)
            pts.extend(shapely.line_interpolate_point(line, steps))
            names.extend([name] * len(steps))
    out = gpd.GeoDataFrame({"name": names}, geometry=pts, crs=metric.crs)
    return out.to_crs(roads.crs)
