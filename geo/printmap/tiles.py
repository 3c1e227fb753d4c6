"""Raster base tiles for the print maps: the HTTP tile fetch with its disk cache.

This is the only network I/O of the whole library: nothing else under ``geo/``
opens a connection (or imports :mod:`urllib`). It runs only when a map asks
for ``tiles``, and a failure of any kind (no network, an HTTP error, a broken
image) is raised for the caller to fall back to the vector base.

Tiles are chosen at about :data:`TILE_DPI` of the printed frame (at most
:data:`MAX_TILES`), kept in a disk cache (``<cache>/<hash of the
template>/z/x/y.png``; delete it to refresh), mosaicked in Web Mercator and
warped onto the map's UTM frame. It is written by hand because contextily,
which would do it, is not in the requirements; a few dozen lines also give
the caller one exception to catch for any failure, so that an export never
fails for lack of internet.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pyproj
import rasterio.warp
from affine import Affine
from PIL import Image

from geo.atomic import atomic_write
from geo.crs import WGS84
from geo.i18n import N_, Tr

__all__ = ["MAX_TILES", "OSM_ATTRIBUTION", "OSM_TILES", "TILE_DPI", "basemap", "tile_credit", "tile_template"]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = N_("© OpenStreetMap contributors")
USER_AGENT = "Koopsuz"
TILE_TIMEOUT_S = 5.0
MAX_TILES = 64
TILE_DPI = 150  # tiles are chosen (and warped) for this resolution of the printed frame
MERCATOR_HALF = 20037508.342789244  # half the Web Mercator world, metres


def tile_template(tiles: str | None) -> str | None:
    """The URL template of ``tiles`` ("osm" or an http(s) template with {z}, {x}, {y}); None for no tiles."""
    if tiles is None:
        return None
    t = str(tiles).strip()
    if t.lower() in ("osm", "openstreetmap"):
        return OSM_TILES
    if not all(k in t for k in ("{z}", "{x}", "{y}")) or not t.startswith(("http://", "https://")):
        msg = f"tiles must be 'osm' or an http(s) URL template with {{z}}, {{x}} and {{y}}, not {t!r}"
        raise ValueError(msg)
    return t


def tile_credit(template: str | None, *, lang: str = "en") -> str | None:
    """The footer's credit for the tiles of ``template`` in ``lang``: OSM's attribution, or the tile server's host."""
    if template is None:
        return None
    _ = Tr(lang)
    if template == OSM_TILES:
        return _(OSM_ATTRIBUTION)
    return _("Tiles: {host}", host=urllib.parse.urlsplit(template).hostname)


def basemap(template: str, tile_cache: str | Path | None, crs: pyproj.CRS, extent: tuple[float, float, float, float],
            frame_in: tuple[float, float]) -> np.ndarray:
    """RGBA tiles warped onto the map frame (row 0 north), at :data:`TILE_DPI`; raises on any failure.

    Parameters
    ----------
    template : str
        A checked URL template (:func:`tile_template`).
    tile_cache : str or pathlib.Path, optional
        The cache directory; by default ``$XDG_CACHE_HOME/koopsuz/tiles``.
    crs : pyproj.CRS
        The map's metric CRS.
    extent : tuple of float
        The frame's (xmin, ymin, xmax, ymax) in ``crs``.
    frame_in : tuple of float
        The frame's printed width and height in inches.

    Returns
    -------
    numpy.ndarray
        ``(height, width, 4)`` uint8.
    """
    xmin, ymin, xmax, ymax = extent
    mx0, my0, mx1, my1 = pyproj.Transformer.from_crs(crs, "EPSG:3857", always_xy=True).transform_bounds(
        *extent, densify_pts=21)
    lat = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True).transform((xmin + xmax) / 2, (ymin + ymax) / 2)[1]
    # Mercator metres per ground metre is 1 / cos(lat): pick the zoom whose pixels are as fine as the print's.
    res = (xmax - xmin) / (frame_in[0] * TILE_DPI) / math.cos(math.radians(lat))
    zoom = min(19, max(0, math.ceil(math.log2(2 * MERCATOR_HALF / 256 / res))))
    while True:
        tiles_m = 2 * MERCATOR_HALF / 2**zoom
        tx0, tx1 = _tile_index(mx0, tiles_m, zoom), _tile_index(mx1, tiles_m, zoom)
        ty0, ty1 = _tile_index(-my1, tiles_m, zoom), _tile_index(-my0, tiles_m, zoom)  # rows count down from north
        if (tx1 - tx0 + 1) * (ty1 - ty0 + 1) <= MAX_TILES or zoom == 0:
            break
        zoom -= 1

    root = Path(tile_cache) if tile_cache is not None else _default_cache()
    cache = root / hashlib.sha256(template.encode()).hexdigest()[:16]
    rows = []
    size = None
    for ty in range(ty0, ty1 + 1):
        row = []
        for tx in range(tx0, tx1 + 1):
            img = _tile(template, cache, zoom, tx, ty)
            if size is None:
                size = img.shape[0]
            if img.shape[:2] != (size, size):
                msg = f"tile {zoom}/{tx}/{ty} is {img.shape[1]}x{img.shape[0]} pixels, the others {size}x{size}"
                raise ValueError(msg)
            row.append(img)
        rows.append(np.concatenate(row, axis=1))
    mosaic = np.concatenate(rows, axis=0)
    px = tiles_m / size
    src_transform = Affine(px, 0, -MERCATOR_HALF + tx0 * tiles_m, 0, -px, MERCATOR_HALF - ty0 * tiles_m)
    width, height = math.ceil(frame_in[0] * TILE_DPI), math.ceil(frame_in[1] * TILE_DPI)
    dst_transform = Affine((xmax - xmin) / width, 0, xmin, 0, -(ymax - ymin) / height, ymax)
    out = np.zeros((4, height, width), dtype=np.uint8)
    rasterio.warp.reproject(np.moveaxis(mosaic, 2, 0), out, src_transform=src_transform, src_crs="EPSG:3857",
                            dst_transform=dst_transform, dst_crs=crs, resampling=rasterio.warp.Resampling.bilinear)
    return np.moveaxis(out, 0, 2)


def _tile_index(v: float, tiles_m: float, zoom: int) -> int:
    """The tile column holding Web Mercator x = ``v`` (or the row holding y = ``-v``)."""
    return min(2**zoom - 1, max(0, math.floor((v + MERCATOR_HALF) / tiles_m)))


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "koopsuz" / "tiles"


def _tile(template: str, cache: Path, z: int, x: int, y: int) -> np.ndarray:
    """One tile as an RGBA array, from the cache or the server (then cached)."""
    path = cache / str(z) / str(x) / f"{y}.png"
    if path.exists():
        with contextlib.suppress(OSError, ValueError):  # a damaged cache file is fetched again
            return _decode(path.read_bytes())
    url = template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # http(s) only: checked by tile_template
    with urllib.request.urlopen(req, timeout=TILE_TIMEOUT_S) as resp:
        data = resp.read()
    img = _decode(data)  # before caching: a page that is no tile is not kept
    atomic_write(path, data)
    return img


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        if im.width != im.height or im.width < 64:
            msg = f"not a map tile: {im.width}x{im.height} pixels"
            raise ValueError(msg)
        return np.asarray(im.convert("RGBA"))
