"""Kernel density surfaces of incidents, as ArcGIS Pro "Kernel Density" and CrimeStat draw them.

Hand-written because the ready-made estimators do not fit: ``scipy.stats.gaussian_kde``
evaluates every point at every cell, O(n * cells), over 1000 times slower on a
city grid, and has only the gaussian; KDEpy is fast but has only some kernels
in ArcGIS's form (it scales every kernel by its standard deviation, not by a
search radius), no ArcGIS bandwidth rule, needs its grid to hold every point
(no surface for a given window) and writes no GeoTIFF.

Here points are split between the four nearest cell centres (bilinear
binning) and the bins are convolved by FFT with the kernel sampled on the same
grid, O(n + cells log cells). Against direct summation of every kernel at
every cell centre (:func:`direct_density`), the largest error as a fraction of
the peak, with the bandwidth in cells (200 clustered points; more points
average it down):

============  ======  ======  ======
kernel        5       10      15
============  ======  ======  ======
quartic       6e-3    8e-4    3e-4
gaussian      3e-4    4e-5    2e-5
epanechnikov  1e-2    3e-3    2e-3
triangular    1e-2    3e-3    1e-3
uniform       1e-1    6e-2    5e-2
============  ======  ======  ======

The kernels with a kink or a step at the rim are the least exact: moving a
point by a fraction of a cell moves its rim across cell centres. The total is
exact whatever the kernel: the surface holds all the weight.

Everything is computed in a local metric CRS (UTM) so that bandwidths and
cells are metres; densities are incidents (or summed weights) per km².
:func:`density_from_xy` is the numeric core on arrays; :func:`kernel_density`
is the thin adapter from point geometries that picks the CRS, the bandwidth,
the cell and the extent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import affine
import geopandas as gpd
import numpy as np
import pyproj
import rasterio
import scipy.fft
import shapely

from geo.checks import check_positive
from geo import messages as M
from geo.crs import WGS84, to_metric, xy_arrays

KERNELS = ("quartic", "gaussian", "epanechnikov", "triangular", "uniform")

# The gaussian kernel is cut at 4 bandwidths (it would otherwise cover the
# whole grid); the 0.03 % of its mass beyond is put back by renormalising.
GAUSSIAN_CUTOFF = 4.0
MAX_CELLS = 50_000_000
DEFAULT_CELLS_ACROSS = 250
PER_KM2 = 1e6


# eq=False: the fields hold an array, so compare grids by their values, not with ==.
@dataclass(frozen=True, eq=False)
class DensityGrid:
    """A density surface on a north-up grid in a metric CRS.

    Attributes
    ----------
    values : numpy.ndarray
        ``(rows, cols)`` float64, incidents (or weight) per km²; row 0 is north.
    transform : affine.Affine
        Rasterio transform of the grid, in metres.
    crs : pyproj.CRS
        The metric CRS of the grid.
    kernel, bandwidth, cell :
        The kernel name, its bandwidth (search radius) and the cell size, metres.
    n : int
        Number of points.
    total_weight : float
        Sum of the weights (``n`` when unweighted); ``values.sum() * cell² / 1e6``.
    """

    values: np.ndarray
    transform: affine.Affine
    crs: pyproj.CRS
    kernel: str
    bandwidth: float
    cell: float
    n: int
    total_weight: float

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        return self.values.shape

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the grid's outer edges, in :attr:`crs`."""
        rows, cols = self.values.shape
        xmin, ymax = self.transform.c, self.transform.f
        return xmin, ymax - rows * self.cell, xmin + cols * self.cell, ymax

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre x (west to east) and y (north to south) coordinates."""
        return cell_centres(self.bounds, self.cell)

    def wgs84_bounds(self) -> list[list[float]]:
        """``[[south, west], [north, east]]`` around the grid, for a folium ImageOverlay.

        The grid is north-up in UTM, so drawn on a Web Mercator map it is
        slightly rotated (grid convergence, under a degree at city scale);
        these bounds enclose all its corners and edges.
        """
        west, south, east, north = pyproj.Transformer.from_crs(self.crs, WGS84, always_xy=True).transform_bounds(
            *self.bounds, densify_pts=21)
        return [[south, west], [north, east]]

    def to_cells(self, *, min_value: float = 0.0) -> gpd.GeoDataFrame:
        """Cells with density above ``min_value`` as square polygons in :attr:`crs`.

        Columns ``row``, ``col``, ``density`` (per km²) and the geometry.
        """
        rows, cols = np.nonzero(self.values > min_value)
        x0 = self.transform.c + cols * self.cell
        y1 = self.transform.f - rows * self.cell
        geoms = shapely.box(x0, y1 - self.cell, x0 + self.cell, y1)
        return gpd.GeoDataFrame({"row": rows, "col": cols, "density": self.values[rows, cols]},
                                geometry=geoms, crs=self.crs)

    def to_geotiff(self, path: str | Path) -> Path:
        """Write the surface as a float32 GeoTIFF with the parameters as tags.

        The same grid gives the same bytes (no timestamps), so files can be
        compared or cached by hash.
        """
        path = Path(path)
        rows, cols = self.values.shape
        profile = {"driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": "float32",
                   "crs": self.crs.to_wkt(), "transform": self.transform, "nodata": None,
                   "compress": "deflate", "tiled": False}
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(self.values.astype(np.float32), 1)
            dst.update_tags(kernel=self.kernel, bandwidth_m=repr(self.bandwidth), cell_m=repr(self.cell),
                            n=str(self.n), total_weight=repr(self.total_weight), units="per km2")
        return path


def silverman_bandwidth(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """ArcGIS Pro's default search radius (a spatial Silverman rule), in the units of x and y.

    ``h = 0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2`` where SD is the
    standard distance about the (weighted) mean centre, Dm the (weighted)
    median distance to it and n the number of points, or the sum of the
    weights when weights are given, as ArcGIS does with a population field.

    Raises
    ------
    ValueError
        With fewer than two points, or when the rule gives 0 (all points, or
        all the weight, at one place).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2:
        msg = M.KDE_TOO_FEW.format(n=len(x))
        raise ValueError(msg)
    w = np.ones_like(x) if weights is None else _check_weights(weights, len(x), "weights")
    total = w.sum()
    cx, cy = (w * x).sum() / total, (w * y).sum() / total
    d = np.hypot(x - cx, y - cy)
    sd = math.sqrt((w * d * d).sum() / total)
    n = len(x) if weights is None else total
    h = 0.9 * min(sd, math.sqrt(1 / math.log(2)) * _weighted_median(d, w)) * n**-0.2
    if not h > 0:
        msg = M.KDE_ZERO
        raise ValueError(msg)
    return float(h)


def kernel_density(points: gpd.GeoDataFrame | gpd.GeoSeries, *, kernel: str = "quartic",
                   bandwidth: float | None = None, cell: float | None = None,
                   weight: str | np.ndarray | None = None,
                   extent: tuple[float, float, float, float] | None = None,
                   crs: pyproj.CRS | str | int | None = None) -> DensityGrid:
    """Kernel density of point features, per km², on a grid in a metric CRS.

    Parameters
    ----------
    points : geopandas.GeoDataFrame or geopandas.GeoSeries
        Point features with a CRS. Missing and empty geometries are left out
        (they are not counted in ``n``).
    kernel : str
        One of :data:`KERNELS`. ``"quartic"`` is ArcGIS's and CrimeStat's default.
    bandwidth : float, optional
        Search radius in metres; by default :func:`silverman_bandwidth`.
    cell : float, optional
        Cell size in metres; by default the shorter side of the points'
        bounds divided by 250, as ArcGIS (the padded extent's when the points
        lie on a line or at one place).
    weight : str or numpy.ndarray, optional
        A column name or an array of non-negative weights, one per feature
        (e.g. victims per incident).
    extent : tuple of float, optional
        ``(xmin, ymin, xmax, ymax)`` in the metric CRS. By default the points'
        bounds padded by the kernel's reach (the bandwidth; 4 bandwidths for the
        gaussian) plus two cells, so no kernel is cut at the edge and the
        surface holds all the weight (ArcGIS uses the bare input extent and
        cuts the kernels of points near it). Either way the extent is widened
        to whole cells aligned to multiples of ``cell``, so surfaces with the
        same extent and cell share a grid; points outside it still add what
        reaches inside.
    crs : pyproj.CRS, str or int, optional
        Projected CRS to work in; by default the local UTM zone.

    Returns
    -------
    DensityGrid
    """
    _profile(kernel)  # an unknown kernel fails here, before any work
    frame = points if isinstance(points, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=points)
    w = _weights_of(frame, weight)
    geom = frame.geometry
    located = ~(geom.isna() | geom.is_empty).to_numpy()
    if located.any() and not (geom[located].geom_type == "Point").all():
        msg = M.KDE_NOT_POINTS
        raise ValueError(msg)
    frame = frame[located]
    if w is not None:
        w = w[located]
    if len(frame) == 0:
        msg = M.KDE_NO_POINTS
        raise ValueError(msg)
    metric = to_metric(frame, crs)
    x, y = metric.geometry.x.to_numpy(), metric.geometry.y.to_numpy()
    if bandwidth is None:
        bandwidth = silverman_bandwidth(x, y, w)
    check_positive(bandwidth, "bandwidth", unit="metres")
    if extent is None:
        reach = _reach(kernel, bandwidth)
        width, height = x.max() - x.min(), y.max() - y.min()
        if cell is None:
            side = min(width, height) or max(width, height)
            cell = (side or 2 * reach) / DEFAULT_CELLS_ACROSS
        # Two cells more: one for the bilinear split of an edge point, one for the sharpened taps' outer ring.
        margin = reach + 2 * cell
        extent = (x.min() - margin, y.min() - margin, x.max() + margin, y.max() + margin)
    elif cell is None:
        cell = min(extent[2] - extent[0], extent[3] - extent[1]) / DEFAULT_CELLS_ACROSS
    check_positive(cell, "cell", unit="metres")
    xmin, ymin, xmax, ymax = (math.floor(extent[0] / cell) * cell, math.floor(extent[1] / cell) * cell,
                              math.ceil(extent[2] / cell) * cell, math.ceil(extent[3] / cell) * cell)
    values = density_from_xy(x, y, weights=w, kernel=kernel, bandwidth=bandwidth, cell=cell,
                             extent=(xmin, ymin, xmax, ymax))
    return DensityGrid(values=values, transform=affine.Affine(cell, 0.0, xmin, 0.0, -cell, ymax),
                       crs=pyproj.CRS.from_user_input(metric.crs), kernel=kernel, bandwidth=float(bandwidth),
                       cell=float(cell), n=len(x), total_weight=float(len(x) if w is None else w.sum()))


def density_from_xy(x: np.ndarray, y: np.ndarray, *, weights: np.ndarray | None = None, kernel: str,
                    bandwidth: float, cell: float, extent: tuple[float, float, float, float]) -> np.ndarray:
    """Kernel density of points given as metric coordinates, per km² of the coordinates' unit (m).

    The grid starts at the extent's north-west corner and has
    ``ceil(width / cell)`` columns and ``ceil(height / cell)`` rows (the last
    may reach past the east and south edges); see :func:`cell_centres`. Each
    point is split between its four nearest cell centres in proportion to
    its distance from them (bilinear binning), and the binned weights are
    convolved by FFT with the kernel sampled at cell-centre offsets (sharpened
    to cancel the binning's blur, see :func:`_sampled_kernel`) and scaled to
    sum exactly to ``1 / cell²``, so no weight is created or lost: the grid
    sums, times the cell area, to the weight whose kernels fall inside it.

    Parameters
    ----------
    x, y : numpy.ndarray
        Point coordinates in metres.
    weights : numpy.ndarray, optional
        Non-negative weight of each point; 1 by default.
    kernel : str
        One of :data:`KERNELS`.
    bandwidth, cell : float
        Kernel radius (the gaussian's standard deviation) and cell size, metres.
    extent : tuple of float
        ``(xmin, ymin, xmax, ymax)``, metres.

    Returns
    -------
    numpy.ndarray
        ``(rows, cols)`` float64, row 0 north.
    """
    x, y = xy_arrays(x, y)
    w = None if weights is None else _check_weights(weights, len(x), "weights")
    rows, cols = _grid_shape(extent, cell)
    taps = _sampled_kernel(kernel, bandwidth, cell)
    half = taps.shape[0] // 2
    # Bin on the grid widened by the kernel's reach plus a cell: points off the
    # grid still add what reaches inside, and a point dropped for having a
    # neighbour off the widened grid is too far away to reach the grid.
    pad = half + 1
    xmin, ymax = extent[0], extent[3]
    binned = _bilinear_bins((x - xmin) / cell - 0.5 + pad, (ymax - y) / cell - 0.5 + pad, w,
                            rows + 2 * pad, cols + 2 * pad)
    # Circular convolution at >= the binned size: the wrap-around only lands
    # on the first 2 * half rows and columns, which are cut off.
    shape = (scipy.fft.next_fast_len(rows + 2 * pad, real=True), scipy.fft.next_fast_len(cols + 2 * pad, real=True))
    spectrum = scipy.fft.rfft2(binned, shape, workers=-1)
    spectrum *= scipy.fft.rfft2(taps, shape, workers=-1)
    full = scipy.fft.irfft2(spectrum, shape, workers=-1, overwrite_x=True)
    start = pad + half
    out = full[start:start + rows, start:start + cols]
    # The sharpened taps dip slightly below zero just past the rim of an
    # isolated point's kernel (and FFT round-off leaves ~1e-16 noise where
    # there is no density). A density is never negative, so clip, and scale
    # back to the grid's sum so no weight is created or lost.
    total = out.sum()
    np.maximum(out, 0.0, out=out)
    kept = out.sum()
    if kept > 0:
        out *= total / kept
    return out * PER_KM2


def direct_density(x: np.ndarray, y: np.ndarray, grid_x: np.ndarray, grid_y: np.ndarray, *,
                   weights: np.ndarray | None = None, kernel: str, bandwidth: float) -> np.ndarray:
    """Kernel density by summing every point's kernel at every cell centre, per km².

    O(n * cells): the reference the FFT path is tested against, not for use
    on real grids. The gaussian is truncated at 4 bandwidths and rescaled by
    the mass it keeps, as in :func:`density_from_xy`.

    Parameters
    ----------
    grid_x, grid_y : numpy.ndarray
        Cell-centre coordinates: x west to east (columns), y north to south (rows).

    Returns
    -------
    numpy.ndarray
        ``(len(grid_y), len(grid_x))`` float64.
    """
    profile = _profile(kernel)
    check_positive(bandwidth, "bandwidth", unit="metres")
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else _check_weights(weights, len(x), "weights")
    gx, gy = np.asarray(grid_x, dtype=float), np.asarray(grid_y, dtype=float)
    out = np.zeros((len(gy), len(gx)))
    for i in range(0, len(x), 256):
        dx = (gx[None, None, :] - x[i:i + 256, None, None]) / bandwidth
        dy = (gy[None, :, None] - y[i:i + 256, None, None]) / bandwidth
        out += np.tensordot(w[i:i + 256], profile(np.sqrt(dx * dx + dy * dy)), axes=1)
    return out * _KERNEL_SCALE[kernel] / (math.pi * bandwidth**2) * PER_KM2


def cell_centres(extent: tuple[float, float, float, float], cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre x (west to east) and y (north to south) of the grid :func:`density_from_xy` uses."""
    rows, cols = _grid_shape(extent, cell)
    return extent[0] + (np.arange(cols) + 0.5) * cell, extent[3] - (np.arange(rows) + 0.5) * cell


# Kernel shapes as functions of r = d / h, and the constants c that make
# c / (pi h²) * shape(r) integrate to 1 over the plane.
def _quartic(r: np.ndarray) -> np.ndarray:
    return np.where(r < 1, (1 - r * r) ** 2, 0.0)


def _epanechnikov(r: np.ndarray) -> np.ndarray:
    return np.where(r < 1, 1 - r * r, 0.0)


def _triangular(r: np.ndarray) -> np.ndarray:
    return np.where(r < 1, 1 - r, 0.0)


def _uniform(r: np.ndarray) -> np.ndarray:
    return np.where(r < 1, 1.0, 0.0)


def _gaussian(r: np.ndarray) -> np.ndarray:
    return np.where(r < GAUSSIAN_CUTOFF, np.exp(-0.5 * r * r), 0.0)


_PROFILES = {"quartic": _quartic, "gaussian": _gaussian, "epanechnikov": _epanechnikov,
             "triangular": _triangular, "uniform": _uniform}
_KERNEL_SCALE = {"quartic": 3.0, "epanechnikov": 2.0, "triangular": 3.0, "uniform": 1.0,
                 "gaussian": 0.5 / (1 - math.exp(-0.5 * GAUSSIAN_CUTOFF**2))}


def _profile(kernel: str) -> Callable[[np.ndarray], np.ndarray]:
    if kernel not in _PROFILES:
        msg = f"unknown kernel {kernel!r}; choose one of {', '.join(KERNELS)}"
        raise ValueError(msg)
    return _PROFILES[kernel]


def _sampled_kernel(kernel: str, bandwidth: float, cell: float) -> np.ndarray:
    """The kernel at cell-centre offsets, square and odd-sized, summing to 1 / cell².

    Bilinear binning spreads each point over a cell, which on average adds
    ``cell² / 12`` times the kernel's Laplacian to the surface (the error of
    linear interpolation, averaged over where the point falls). The taps are
    sharpened by the same amount, so the surface agrees with direct summation
    to O(cell⁴) rather than O(cell²) on average: for the quartic, 6e-3 of the
    peak becomes 7e-4 at a bandwidth of 10 cells. The uniform kernel is left
    as is: its Laplacian is a ring on the rim, where no grid method is exact.
    """
    profile = _profile(kernel)
    check_positive(bandwidth, "bandwidth", unit="metres")
    check_positive(cell, "cell", unit="metres")
    reach = _reach(kernel, bandwidth)
    # One more ring than the kernel reaches, for the sharpening to spill into.
    half = math.ceil(reach / cell) + 1
    if (2 * half + 1) ** 2 > MAX_CELLS:
        msg = M.KDE_WIDE.format(bandwidth=f"{bandwidth:g}", cell=f"{cell:g}")
        raise ValueError(msg)
    offsets = np.arange(-half, half + 1) * (cell / bandwidth)
    taps = profile(np.hypot(offsets[:, None], offsets[None, :]))
    taps /= taps.sum()
    # Below 2 cells the Taylor argument fails and the sharpened taps go negative.
    if kernel != "uniform" and bandwidth >= 2 * cell:
        ring = np.pad(taps, 1)
        taps -= (ring[:-2, 1:-1] + ring[2:, 1:-1] + ring[1:-1, :-2] + ring[1:-1, 2:] - 4 * taps) / 12
    # Renormalise: the sampled kernel must hold exactly the unit mass the
    # continuous one does, whatever the cell.
    return taps / (taps.sum() * cell * cell)


def _reach(kernel: str, bandwidth: float) -> float:
    """How far from a point its kernel is non-zero."""
    return bandwidth * (GAUSSIAN_CUTOFF if kernel == "gaussian" else 1.0)


def _bilinear_bins(fx: np.ndarray, fy: np.ndarray, w: np.ndarray | None, rows: int, cols: int) -> np.ndarray:
    """Split each weight between the four cells around (fx, fy), in cell units from cell 0's centre."""
    ix, iy = np.floor(fx), np.floor(fy)
    inside = (ix >= 0) & (ix < cols - 1) & (iy >= 0) & (iy < rows - 1)
    if not inside.all():
        fx, fy, ix, iy = fx[inside], fy[inside], ix[inside], iy[inside]
        w = None if w is None else w[inside]
    tx, ty = fx - ix, fy - iy
    flat = iy.astype(np.intp) * cols + ix.astype(np.intp)
    wy1 = ty if w is None else w * ty
    wy0 = (1 - ty) if w is None else w - wy1
    size = rows * cols
    bins = np.bincount(flat, wy0 * (1 - tx), minlength=size)
    bins += np.bincount(flat + 1, wy0 * tx, minlength=size)
    bins += np.bincount(flat + cols, wy1 * (1 - tx), minlength=size)
    bins += np.bincount(flat + cols + 1, wy1 * tx, minlength=size)
    return bins.reshape(rows, cols)


def _grid_shape(extent: tuple[float, float, float, float], cell: float) -> tuple[int, int]:
    check_positive(cell, "cell", unit="metres")
    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    if not (xmax > xmin and ymax > ymin):
        msg = f"extent must have xmax > xmin and ymax > ymin, got {extent}"
        raise ValueError(msg)
    # The tolerance keeps an extent of whole cells from gaining one to round-off.
    cols = max(1, math.ceil((xmax - xmin) / cell - 1e-9))
    rows = max(1, math.ceil((ymax - ymin) / cell - 1e-9))
    if rows * cols > MAX_CELLS:
        larger = cell * math.sqrt(rows * cols / MAX_CELLS) * 1.01
        msg = M.GRID_TOO_LARGE.format(cell=f"{cell:g}", rows=f"{rows:,}", cols=f"{cols:,}", limit=f"{MAX_CELLS:,}",
                                      larger=f"{larger:.3g}")
        raise ValueError(msg)
    return rows, cols


def _check_weights(weights: np.ndarray, n: int, name: str, labels: object = None) -> np.ndarray:
    w = np.asarray(weights, dtype=float).ravel()
    if len(w) != n:
        msg = f"{name} has {len(w)} values for {n} points"
        raise ValueError(msg)
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if len(bad):
        where = bad[0] if labels is None else list(labels)[bad[0]]
        msg = f"{name} must be finite and non-negative; row {where} has {w[bad[0]]}"
        raise ValueError(msg)
    if not w.sum() > 0:
        msg = f"{name}: the weights sum to 0, there is nothing to spread"
        raise ValueError(msg)
    return w


def _weights_of(frame: gpd.GeoDataFrame, weight: str | np.ndarray | None) -> np.ndarray | None:
    if weight is None:
        return None
    if isinstance(weight, str):
        if weight not in frame.columns:
            msg = f"no weight column {weight!r}; columns are {', '.join(map(str, frame.columns))}"
            raise ValueError(msg)
        values = frame[weight].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        return _check_weights(values, len(frame), f"weight column {weight!r}", frame.index)
    return _check_weights(weight, len(frame), "weight", frame.index)


def _weighted_median(d: np.ndarray, w: np.ndarray) -> float:
    """The median of d with weights w; the mean of the two middle values on a tie, as np.median."""
    order = np.argsort(d)
    d, c = d[order], np.cumsum(w[order])
    half = c[-1] / 2
    i = int(np.searchsorted(c, half))
    i = min(i, len(d) - 1)
    if np.isclose(c[i], half) and i + 1 < len(d):
        return float((d[i] + d[i + 1]) / 2)
    return float(d[i])
