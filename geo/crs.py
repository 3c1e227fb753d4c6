"""Coordinate reference systems: a local metric CRS for analysis, WGS84 for display.

Distances, areas and densities are computed in the UTM zone that holds the
data (Bishkek: EPSG:32643, Jeti-Oguz: EPSG:32644); maps are drawn in WGS84.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

WGS84 = CRS.from_epsg(4326)


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS that contains a lon/lat point."""
    if not (np.isfinite(lon) and np.isfinite(lat)) or abs(lat) > 84 or abs(lon) > 180:
        msg = f"cannot choose a UTM zone for lon={lon}, lat={lat}"
        raise ValueError(msg)
    zone = min(int((lon + 180) // 6) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def local_crs(*frames: gpd.GeoSeries | gpd.GeoDataFrame) -> CRS:
    """The UTM zone at the centre of the frames' joint WGS84 bounds.

    The centre of the bounds, not the centroid of the features, so that a
    dense city and a sparse rural layer get the zone of the region they span.
    """
    boxes = []
    for f in frames:
        if f is None or len(f) == 0:
            continue
        if f.crs is None:
            msg = "a layer without a CRS cannot be placed; give its CRS (e.g. EPSG:4326)"
            raise ValueError(msg)
        b = f.to_crs(WGS84).total_bounds
        if np.isfinite(b).all():
            boxes.append(b)
    if not boxes:
        msg = "no located features to choose a local CRS from"
        raise ValueError(msg)
    b = np.array(boxes)
    lon = (b[:, 0].min() + b[:, 2].max()) / 2
    lat = (b[:, 1].min() + b[:, 3].max()) / 2
    return utm_crs(lon, lat)


def to_metric(gdf: gpd.GeoDataFrame, crs: CRS | None = None) -> gpd.GeoDataFrame:
    """Project to ``crs``, or to the local UTM zone when ``crs`` is None."""
    target = crs if crs is not None else local_crs(gdf)
    if not CRS.from_user_input(target).is_projected:
        msg = f"{target} is not a projected (metric) CRS"
        raise ValueError(msg)
    return gdf.to_crs(target)


def to_display(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Project to WGS84 lon/lat for web maps."""
    return gdf if gdf.crs is not None and CRS(gdf.crs) == WGS84 else gdf.to_crs(WGS84)


def xy_arrays(x: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates as two flat float arrays of one length, all finite (checked)."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        msg = f"x and y differ in length: {len(x)} and {len(y)}"
        raise ValueError(msg)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        msg = "coordinates must be finite"
        raise ValueError(msg)
    return x, y
