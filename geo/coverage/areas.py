"""Covered areas as polygons: a station's service circle, a camera's viewing sector.

Drawn in the local metric CRS (:func:`geo.crs.local_crs`), so radii are true
metres on the ground, and returned in the input's CRS.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.checks import check_positive
from geo.crs import local_crs, located
from geo.network.areas import CIRCLE_QUAD_SEGS

__all__ = ["DEFAULT_CAMERA_RANGE_M", "camera_areas", "camera_sectors", "sector", "service_areas"]

DEFAULT_CAMERA_RANGE_M = 100.0


def sector(x: float, y: float, *, direction_deg: float, fov_deg: float, range_m: float,
           segments: int = 32) -> shapely.Polygon:
    """A circular sector with apex (x, y), in metric coordinates.

    ``direction_deg`` is clockwise from north (a compass bearing); a field of
    view of 360 degrees or more gives a full circle.

    Parameters
    ----------
    x, y : float
        The apex, metres.
    direction_deg : float
        Bearing of the sector's axis.
    fov_deg : float
        Opening angle.
    range_m : float
        Radius, metres.
    segments : int, default 32
        Segments of the arc.

    Returns
    -------
    shapely.Polygon
    """
    if range_m <= 0:
        msg = f"range must be positive, got {range_m} m"
        raise ValueError(msg)
    if fov_deg >= 360:
        return shapely.Point(x, y).buffer(range_m, quad_segs=segments // 2)
    bearings = np.radians(np.linspace(direction_deg - fov_deg / 2, direction_deg + fov_deg / 2, segments + 1))
    arc = np.column_stack([x + range_m * np.sin(bearings), y + range_m * np.cos(bearings)])
    return shapely.Polygon(np.vstack([[x, y], arc, [x, y]]))


def camera_sectors(cameras: gpd.GeoDataFrame, *, default_range_m: float = DEFAULT_CAMERA_RANGE_M) -> gpd.GeoDataFrame:
    """Viewing area of each camera, as polygons in the cameras' CRS.

    A camera with direction and field of view gets its sector; one without
    (a dome camera) gets a circle of its range. ``range_m`` falls back to
    ``default_range_m``. Adds column ``shape``: ``"sector"`` or ``"circle"``.

    Parameters
    ----------
    cameras : geopandas.GeoDataFrame
        Points with a CRS; optional ``direction_deg``, ``fov_deg``, ``range_m``.
    default_range_m : float
        Metres, where a camera has no range.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    if len(cameras) == 0:
        return cameras.assign(shape=[])
    crs = local_crs(cameras)
    pts = cameras.geometry.to_crs(crs)

    def col(name: str) -> np.ndarray:
        if name not in cameras:
            return np.full(len(cameras), np.nan)
        return cameras[name].astype("Float64").to_numpy(dtype=float, na_value=np.nan)

    direction, fov, rng = col("direction_deg"), col("fov_deg"), col("range_m")
    rng = np.where(np.isfinite(rng) & (rng > 0), rng, default_range_m)
    has_sector = np.isfinite(direction) & np.isfinite(fov) & (fov > 0)
    geoms = [
        sector(p.x, p.y, direction_deg=d, fov_deg=f, range_m=r) if s else p.buffer(r)
        for p, d, f, r, s in zip(pts, direction, fov, rng, has_sector, strict=True)
    ]
    out = cameras.copy()
    out["shape"] = np.where(has_sector, "sector", "circle")
    return out.set_geometry(gpd.GeoSeries(geoms, index=cameras.index, crs=crs)).to_crs(cameras.crs)


def camera_areas(cameras: gpd.GeoDataFrame, *, default_range_m: float = DEFAULT_CAMERA_RANGE_M) -> gpd.GeoDataFrame:
    """The areas cameras cover, for ``areas=`` of :func:`coverage_summary` and :func:`coverage_gaps`.

    The same as :func:`camera_sectors`: a camera covers what it sees, its
    sector (or a dome camera's circle), not a circle around it.
    """
    return camera_sectors(cameras, default_range_m=default_range_m)


def service_areas(facilities: gpd.GeoDataFrame, *, radius: float,
                  quad_segs: int = CIRCLE_QUAD_SEGS) -> gpd.GeoDataFrame:
    """A circle of ``radius`` metres around each facility, in the facilities' CRS.

    The circles are drawn in the local metric CRS, so they are true circles
    on the ground (slightly oval on a lon/lat plot). Rows without a location
    keep an empty geometry.

    Parameters
    ----------
    facilities : geopandas.GeoDataFrame
        Points (stations, posts) with a CRS; the columns are kept.
    radius : float
        Metres.
    quad_segs : int
        Segments per quarter circle (``4 * quad_segs``-gons).

    Returns
    -------
    geopandas.GeoDataFrame
        ``facilities`` with circle polygons as geometry.
    """
    check_positive(radius, "radius", unit="metres")
    if len(facilities) == 0:
        return facilities.copy()
    crs = local_crs(facilities)
    metric = facilities.geometry.to_crs(crs)
    ok = located(facilities)
    geoms = np.full(len(facilities), shapely.Polygon(), dtype=object)
    geoms[ok] = shapely.buffer(metric.to_numpy()[ok], radius, quad_segs=quad_segs)
    out = facilities.copy()
    return out.set_geometry(gpd.GeoSeries(geoms, index=facilities.index, crs=crs)).to_crs(facilities.crs)
