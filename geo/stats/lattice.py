"""Regular lattices of square or hexagonal cells: counting points in cells, and sums over a disk of cells.

A square lattice (a fishnet) is indexed ``[row, col]`` with row 0 in the
south; a hexagonal one holds pointy-top hexagons indexed ``[r, q]`` by axial
coordinates, with the area of a square of the same ``cell`` size. On either
lattice the cells within a distance of a cell's centre form a fixed stencil,
so "the sum over every cell's neighbours" is one convolution
(:func:`stencil_sum`). This is what makes Gi* (:mod:`geo.stats.gistar`) on a
grid a few array operations instead of a weights object with a neighbour list
per cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage, signal

from geo.messages import LATTICE_TOO_LARGE

__all__ = [
    "BAND_TOLERANCE", "HEX_R", "MAX_GRID_CELLS", "SHAPES", "SQRT3", "Lattice", "check_shape", "disk_stencil",
    "hex_centres", "hex_grid", "hex_round", "label_cells", "square_grid", "stencil_sum",
]

SHAPES = ("square", "hex")
MAX_GRID_CELLS = 25_000_000  # about 1 GB of working arrays; a smaller cell than this is a typo
# Lattice distances equal to a band count as within it, up to this relative difference.
BAND_TOLERANCE = 1e-9
DIRECT_STENCIL_MAX = 25  # stencils up to 5x5 are faster as a direct convolution than by FFT
SQRT3 = math.sqrt(3.0)
# A pointy-top hexagon with circumradius R has area 3*sqrt(3)/2 R²; equal to cell² when R = cell * HEX_R.
HEX_R = math.sqrt(2.0 / (3.0 * SQRT3))


@dataclass(frozen=True, eq=False)
class Lattice:
    """Points counted on a lattice that covers a region.

    Attributes
    ----------
    counts : numpy.ndarray
        2-D summed values per cell (``[row, col]``, or ``[r - r0, q - q0]``
        for hexagons).
    mask : numpy.ndarray
        True for the cells whose centre lies inside the region.
    cx, cy : numpy.ndarray
        Cell-centre coordinates, same shape as ``counts``.
    spacing : float
        Distance between the centres of adjacent cells.
    x0, y0 : float
        Origin of the lattice (the region's lower-left corner).
    polygons : callable
        Cell polygons (a shapely array) of the cells selected by a mask.
    q0, r0 : int
        Axial coordinates of the first column and row (hexagons; 0 for squares).
    """

    counts: np.ndarray
    mask: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    spacing: float
    x0: float
    y0: float
    polygons: Callable[[np.ndarray], np.ndarray]
    q0: int = 0
    r0: int = 0


def check_shape(shape: str) -> None:
    """An error unless ``shape`` is one of :data:`SHAPES`."""
    if shape not in SHAPES:
        msg = f"unknown cell shape {shape!r}; choose one of {', '.join(SHAPES)}"
        raise ValueError(msg)


def disk_stencil(band_cells: float, shape: str) -> np.ndarray:
    """Binary disk of radius ``band_cells`` (centre spacings) on the lattice, centre included."""
    if not (np.isfinite(band_cells) and band_cells > 0):
        msg = f"band_cells must be a positive number, got {band_cells!r}"
        raise ValueError(msg)
    limit = band_cells * band_cells * (1 + BAND_TOLERANCE)
    if shape == "square":
        h = math.floor(band_cells * (1 + BAND_TOLERANCE))
        d = np.arange(-h, h + 1)
        dist2 = d[:, None] ** 2 + d[None, :] ** 2
    else:
        # |dq| can reach band / sqrt(3/4) in axial units (dq² + dq dr + dr² >= 3/4 dq²).
        h = math.ceil(band_cells / math.sqrt(0.75)) + 1
        d = np.arange(-h, h + 1)
        dist2 = d[None, :] ** 2 + d[None, :] * d[:, None] + d[:, None] ** 2  # [dr, dq]
    k = dist2 <= limit
    used = np.flatnonzero(k.any(axis=0) | k.any(axis=1))  # the disk is symmetric: trim to a centred box
    lo, hi = used.min(), used.max() + 1
    return k[lo:hi, lo:hi].astype(float)


def stencil_sum(a: np.ndarray, kernel: np.ndarray, *, exact: bool) -> np.ndarray:
    """Sum of ``a`` over the stencil around each cell, zero outside the lattice.

    ``exact`` rounds the FFT result to whole numbers, for integer ``a``.
    """
    if kernel.size <= DIRECT_STENCIL_MAX:
        return ndimage.convolve(a, kernel, mode="constant", cval=0.0)  # exact for integers
    out = signal.fftconvolve(a, kernel, mode="same")
    return np.rint(out) if exact else out  # FFT leaves ~1e-12 on integer sums


def square_grid(x: np.ndarray, y: np.ndarray, values: np.ndarray, region: shapely.Geometry, cell: float) -> Lattice:
    """``values`` summed in square cells of side ``cell`` over the bounds of ``region``."""
    x0, y0, x1, y1 = region.bounds
    cols = max(1, math.ceil((x1 - x0) / cell))
    rows = max(1, math.ceil((y1 - y0) / cell))
    _check_size(rows, cols)
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    ix = np.minimum(((x[inside] - x0) // cell).astype(np.int64), cols - 1)
    iy = np.minimum(((y[inside] - y0) // cell).astype(np.int64), rows - 1)
    counts = np.bincount(iy * cols + ix, weights=values[inside], minlength=rows * cols).reshape(rows, cols)
    cx = x0 + (np.arange(cols) + 0.5) * cell
    cy = y0 + (np.arange(rows) + 0.5) * cell
    cxx, cyy = np.meshgrid(cx, cy)
    shapely.prepare(region)
    mask = shapely.contains_xy(region, cxx, cyy)

    def polygons(m: np.ndarray) -> np.ndarray:
        ii, jj = np.nonzero(m)
        return shapely.box(x0 + jj * cell, y0 + ii * cell, x0 + (jj + 1) * cell, y0 + (ii + 1) * cell)

    return Lattice(counts=counts, mask=mask, cx=cxx, cy=cyy, spacing=cell, x0=x0, y0=y0, polygons=polygons)


def hex_round(x: np.ndarray, y: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial (q, r) of the pointy-top hexagon holding each point (cube rounding), origin at a centre."""
    qf = (SQRT3 / 3 * x - y / 3) / radius
    rf = (2 / 3 * y) / radius
    sf = -qf - rf
    q, r, s = np.rint(qf), np.rint(rf), np.rint(sf)
    dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    q = np.where(fix_q, -r - s, q)
    r = np.where(fix_r, -q - s, r)
    return q.astype(np.int64), r.astype(np.int64)


def hex_centres(q: np.ndarray, r: np.ndarray, radius: float, x0: float, y0: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the hexagons at axial (q, r) of circumradius ``radius``, hexagon (0, 0) at (x0, y0)."""
    return x0 + radius * SQRT3 * (q + r / 2), y0 + radius * 1.5 * r


def hex_grid(x: np.ndarray, y: np.ndarray, values: np.ndarray, region: shapely.Geometry, cell: float) -> Lattice:
    """``values`` summed in pointy-top hexagons with the area of a ``cell`` square, over ``region``'s bounds."""
    radius = cell * HEX_R
    x0, y0, x1, y1 = region.bounds
    corners_x = np.array([0.0, x1 - x0, 0.0, x1 - x0])
    corners_y = np.array([0.0, 0.0, y1 - y0, y1 - y0])
    qf = (SQRT3 / 3 * corners_x - corners_y / 3) / radius
    rf = (2 / 3 * corners_y) / radius
    q0, q1 = math.floor(qf.min()) - 1, math.ceil(qf.max()) + 1
    r0, r1 = math.floor(rf.min()) - 1, math.ceil(rf.max()) + 1
    rows, cols = r1 - r0 + 1, q1 - q0 + 1
    _check_size(rows, cols)
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    q, r = hex_round(x[inside] - x0, y[inside] - y0, radius)
    counts = np.bincount((r - r0) * cols + (q - q0), weights=values[inside],
                         minlength=rows * cols).reshape(rows, cols)
    qq, rr = np.meshgrid(np.arange(q0, q1 + 1), np.arange(r0, r1 + 1))
    cx, cy = hex_centres(qq, rr, radius, x0, y0)
    shapely.prepare(region)
    mask = shapely.contains_xy(region, cx, cy)
    angles = np.radians(30 + 60 * np.arange(7))  # pointy top: a vertex at 90 degrees
    dx, dy = radius * np.cos(angles), radius * np.sin(angles)

    def polygons(m: np.ndarray) -> np.ndarray:
        ring = np.stack([cx[m][:, None] + dx[None, :], cy[m][:, None] + dy[None, :]], axis=-1)
        return shapely.polygons(ring)

    return Lattice(counts=counts, mask=mask, cx=cx, cy=cy, spacing=radius * SQRT3, x0=x0, y0=y0,
                   polygons=polygons, q0=q0, r0=r0)


def _check_size(rows: int, cols: int) -> None:
    if rows * cols > MAX_GRID_CELLS:
        msg = LATTICE_TOO_LARGE.format(rows=f"{rows:,}", cols=f"{cols:,}")
        raise ValueError(msg)


def label_cells(rows: np.ndarray, cols: np.ndarray, shape: str, *, diagonal: bool = True) -> np.ndarray:
    """Connected groups of the given lattice cells: a label 1..k per cell, adjacent cells sharing one.

    Parameters
    ----------
    rows, cols : numpy.ndarray
        Integer lattice coordinates of the cells: ``[row, col]`` of a square
        lattice, or ``[r, q]`` (axial) of a hexagonal one.
    shape : {"square", "hex"}
        The lattice. A hexagon's neighbours are the six that share an edge
        with it (axial offsets ``(0, ±1)``, ``(±1, 0)``, ``(1, -1)``, ``(-1, 1)``).
    diagonal : bool
        Squares only: cells touching at a corner are adjacent too (queen);
        otherwise only cells sharing an edge (rook).

    Returns
    -------
    numpy.ndarray
        ``int64`` labels 1..k, numbered in the order of the cells' first appearance.
    """
    check_shape(shape)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    r0, c0 = rows.min(), cols.min()
    grid = np.zeros((int(rows.max() - r0) + 1, int(cols.max() - c0) + 1), dtype=bool)
    grid[rows - r0, cols - c0] = True
    if shape == "hex":
        # [dr, dq]: (-1, -1) and (1, 1) are two steps apart on a hexagonal lattice, not neighbours.
        structure = np.array([[0, 1, 1], [1, 1, 1], [1, 1, 0]], dtype=bool)
    else:
        structure = np.ones((3, 3), dtype=bool) if diagonal else ndimage.generate_binary_structure(2, 1)
    labels, _n = ndimage.label(grid, structure=structure)
    raw = labels[rows - r0, cols - c0]
    # Renumber by first appearance, so the labels do not depend on the lattice's scan order.
    _u, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(1, len(first) + 1)
    return rank[inverse]
