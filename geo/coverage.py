"""Areas that facilities cover: camera viewing sectors.

Sectors are built in the local metric CRS so that ranges are true metres.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import local_crs

DEFAULT_CAMERA_RANGE_M = 100.0


def sector(x: float, y: float, *, direction_deg: float, fov_deg: float, range_m: float,
           segments: int = 32) -> shapely.Polygon:
    """A circular sector with apex (x, y), in metric coordinates.

    ``direction_deg`` is clockwise from north (a compass bearing); a field of
    view of 360 degrees or more gives a full circle.
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
