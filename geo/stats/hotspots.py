"""Hot spots of incidents, as ArcGIS's Optimized Hot Spot Analysis finds them: the defaults and the adapter.

Incidents are counted in square (fishnet) or hexagonal cells in the local
metric CRS (:mod:`geo.stats.lattice`); each analysed cell gets a Gi* z-score,
a p-value and a confidence bin (-3..3, ArcGIS's ``Gi_Bin``) with False
Discovery Rate correction (:mod:`geo.stats.gistar`). This module chooses what
ArcGIS would choose when the user gives nothing (:func:`optimized_cell_size`,
:func:`default_band`) and turns incident points into the analysed cells
(:func:`hotspots`).

The numeric core is re-exported here, so ``from geo.stats.hotspots import
gi_star_grid, fdr_bins`` keeps working.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree

from geo import messages as M
from geo.checks import check_count, check_positive
from geo.crs import local_crs, located, metric_xy, xy_arrays
from geo.stats.gistar import _gi_star, _is_integral, fdr_bins, gi_star_grid, gi_star_permutation
from geo.stats.lattice import (BAND_TOLERANCE, HEX_R, check_shape, hex_centres, hex_grid, hex_round, label_cells,
                               square_grid)

__all__ = [
    "ADJACENCY", "CELL_CEILING", "CELL_FLOOR", "CELL_TARGET", "MIN_INCIDENTS", "MIN_TOP_INCIDENTS", "HotspotResult",
    "default_band", "fdr_bins", "gi_star_grid", "gi_star_permutation", "hot_clusters", "hotspots", "incident_cells",
    "optimized_cell_size",
]

MIN_INCIDENTS = 3
# The default cell (optimized_cell_size): cells with incidents hold on average at least CELL_TARGET of them, within
# CELL_FLOOR (a geocoded address is rarely surer than 100 m) and CELL_CEILING or a tenth of the extent (a larger
# "hot spot" names no place a patrol can cover); the cell grows by CELL_STEP until it does.
CELL_TARGET = 3.0
CELL_FLOOR = 100.0
CELL_CEILING = 2_000.0
CELL_EXTENT_SHARE = 0.1
CELL_STEP = 1.25
# A "top hot spot" holds at least this many incidents: one incident is not a place to act on.
MIN_TOP_INCIDENTS = 2
# Adjacent hot cells merge into one hot spot: "queen" (sharing an edge or a corner) or "rook" (an edge only);
# hexagons share an edge with each of their six neighbours either way.
ADJACENCY = ("queen", "rook")
# ArcGIS's k-nearest-neighbour fallback: k = 5 % of the features, at least 3, at most 30.
KNN_SHARE, KNN_MIN, KNN_MAX = 0.05, 3, 30


@dataclass
class HotspotResult:
    """Gi* hot spots of incidents on a grid.

    Attributes
    ----------
    cells : geopandas.GeoDataFrame
        One row per analysed cell, in the local metric CRS: ``row``, ``col``
        (square; row 0 is the southernmost) or ``q``, ``r`` (hexagon axial
        coordinates), ``count`` (incidents, or summed weights), ``n_neighbors``
        (cells within the band, the cell itself included: ArcGIS's
        NNeighbors), ``gi_z``, ``gi_p`` (two-sided, analytic), ``gi_p_sim``
        (only with permutations), ``gi_bin`` (-3..3) and the cell polygon.
    cell : float
        Cell size in metres (side of a square; a hexagon has the same area).
    band : float
        Distance band in metres between cell centres.
    shape : str
        ``"square"`` or ``"hex"``.
    crs : pyproj.CRS
        The metric CRS of ``cells``.
    n_incidents : int
        Incidents counted in analysed cells.
    fdr : bool
        Whether the bins are corrected for multiple testing (False Discovery Rate).
    permutations : int
        Permutations for pseudo p-values; 0 for analytic p-values only.
    params : dict
        Everything used and how it was chosen, JSON-serialisable.
    region : shapely.Geometry, optional
        The study area in ``crs`` when a boundary was given: only incidents
        inside it were counted.
    """

    cells: gpd.GeoDataFrame
    cell: float
    band: float
    shape: str
    crs: CRS
    n_incidents: int
    fdr: bool
    permutations: int
    params: dict = field(default_factory=dict)
    region: shapely.Geometry | None = None


# --------------------------------------------------------------------------- defaults (Optimized Hot Spot Analysis)


def optimized_cell_size(x: np.ndarray, y: np.ndarray, *, target: float = CELL_TARGET,
                        floor: float = CELL_FLOOR, ceiling: float = CELL_CEILING) -> float:
    """Default cell size for incident points: ArcGIS's Optimized Hot Spot Analysis, then sized to hold a few each.

    Modelled on ESRI's "How Optimized Hot Spot Analysis works" (incident
    aggregation into fishnet or hexagon polygons), whose fishnet size comes
    from the nearest-neighbour distances of the distinct incident locations.
    Implemented:

    1. distinct locations (coincident incidents are one location) and each
       one's distance ``d`` to its nearest other location;
    2. locational outliers left out: ``d > mean(d) + 3 sd(d)``;
    3. ``D = max(mean(d), median(d))``, scaled by
       ``max(2, max(mean, median) / min(mean, median))`` (at least twice the
       typical spacing, more when the spacing is very uneven);
    4. ``cell = max(D_scaled, min(width, height) / 100)``, width and height
       being the incidents' extent (the larger side when the points are
       collinear), so a dense city never gets cells too small to read;
    5. grown by steps of 25 % until the cells that hold incidents hold on
       average at least ``target`` each (grid origin at the incidents'
       lower-left corner), since a cell of one incident says nothing about a
       place; it grows no further than ``ceiling`` or a tenth of the longer
       side of the extent, so that about ten cells across remain to compare;
    6. kept within ``floor`` and ``ceiling``: below 100 m a cell is smaller
       than the precision of a geocoded address; above 2 km a "hot spot" no
       longer names a place a patrol can cover.

    Steps 1-3 follow ArcGIS's published OHSA scale decision; the outlier rule
    of step 2 is an approximation of ArcGIS's locational outlier test and
    steps 4-6 are this module's own. The sizes are chosen on the incidents
    given, so on the period and categories the user selected.

    Parameters
    ----------
    x, y : numpy.ndarray
        Incident coordinates in metres (a projected CRS).
    target : float
        Mean incidents per non-empty cell to reach (step 5).
    floor, ceiling : float
        Bounds of the cell size in metres (step 6).

    Returns
    -------
    float
        Cell size in metres.
    """
    return _cell_size(x, y, target=target, floor=floor, ceiling=ceiling)[0]


def _cell_size(x: np.ndarray, y: np.ndarray, *, target: float = CELL_TARGET, floor: float = CELL_FLOOR,
               ceiling: float = CELL_CEILING) -> tuple[float, str]:
    """:func:`optimized_cell_size` and the rule that decided it, in words (English, for the parameters)."""
    x, y = _coords(x, y)
    xy = np.unique(np.column_stack([x, y]), axis=0)
    if len(xy) < 2:
        msg = "the incidents are all at one location: a cell size cannot be chosen; give one"
        raise ValueError(msg)
    d = cKDTree(xy).query(xy, k=2)[0][:, 1]
    if d.std() > 0:
        d = d[d <= d.mean() + 3 * d.std()]
    avg, med = float(d.mean()), float(np.median(d))
    big, small = max(avg, med), min(avg, med)
    nn_cell = big * max(2.0, big / small)
    w, h = float(x.max() - x.min()), float(y.max() - y.min())
    low = (min(w, h) if min(w, h) > 0 else max(w, h)) / 100
    cell = float(max(nn_cell, low))
    # Growth stops at a tenth of the extent (about ten cells across remain to compare) and at the ceiling.
    top = min(ceiling, max(w, h) * CELL_EXTENT_SHARE)
    rule = (f"Optimized Hot Spot Analysis: max(mean, median) nearest-neighbour distance of the {len(xy):,} distinct "
            f"locations x max(2, their ratio), at least the shorter side of the extent / 100 ({cell:,.1f} m)")
    grown = cell
    while grown < top and _mean_per_cell(x, y, grown) < target:
        grown *= CELL_STEP
    if grown > cell:
        cell = min(grown, max(top, cell))
        rule += (f"; grown until the cells with incidents hold on average at least {target:g}, up to {top:,.0f} m "
                 f"(the smaller of {ceiling:,.0f} m and a tenth of the extent)")
    if cell > ceiling:
        cell = ceiling
        rule += f"; at most {ceiling:,.0f} m"
    if cell < floor:
        cell = floor
        rule += f"; at least {floor:,.0f} m"
    if _mean_per_cell(x, y, cell) < target:
        rule += f" (the cells with incidents hold fewer than {target:g} on average: too few incidents for more)"
    return float(cell), rule


def _mean_per_cell(x: np.ndarray, y: np.ndarray, cell: float) -> float:
    """Mean incidents in the square cells of ``cell`` that hold any (origin: the lower-left incident)."""
    ix = np.floor((x - x.min()) / cell).astype(np.int64)
    iy = np.floor((y - y.min()) / cell).astype(np.int64)
    return len(x) / len(np.unique(iy * (int(ix.max()) + 1) + ix))


def default_band(x: np.ndarray, y: np.ndarray, cell: float, *, shape: str = "square") -> float:
    """Default distance band for a grid of ``cell``, after ArcGIS's Optimized Hot Spot Analysis.

    OHSA takes the first peak of Incremental Spatial Autocorrelation when it
    finds one; otherwise "the average distance at which every feature has K
    neighbours". This implements only that documented fallback, cheap with a
    k-d tree: the incidents are counted in cells of ``cell`` (grid origin at
    their lower-left corner), and the band is the mean distance from each
    non-empty cell centre to its k-th nearest non-empty cell centre, with
    ArcGIS's ``k = 5 %`` of the non-empty cells clamped to 3..30, capped at
    one standard distance of those centres (as ArcGIS caps it) and never
    less than one cell diagonal (``sqrt(2) * cell``) so every cell has
    neighbours.

    Parameters
    ----------
    x, y : numpy.ndarray
        Incident coordinates in metres.
    cell : float
        Cell size in metres.
    shape : {"square", "hex"}
        Cell shape; hexagons have the area of a ``cell`` square.

    Returns
    -------
    float
        Distance band in metres.
    """
    x, y = _coords(x, y)
    check_shape(shape)
    check_positive(cell, "cell", unit="metres")
    x0, y0 = float(x.min()), float(y.min())
    if shape == "square":
        cx = x0 + (np.floor((x - x0) / cell) + 0.5) * cell
        cy = y0 + (np.floor((y - y0) / cell) + 0.5) * cell
    else:
        radius = cell * HEX_R
        q, r = hex_round(x - x0, y - y0, radius)
        cx, cy = hex_centres(q, r, radius, x0, y0)
    centres = np.unique(np.column_stack([cx, cy]), axis=0)
    return _knn_band(centres, cell)[0]


def _knn_band(centres: np.ndarray, cell: float) -> tuple[float, str]:
    floor = math.sqrt(2.0) * cell
    n = len(centres)
    if n < 2:
        return floor, "one cell diagonal (fewer than two non-empty cells)"
    k = min(max(int(n * KNN_SHARE), KNN_MIN), KNN_MAX, n - 1)
    mean_k = float(cKDTree(centres).query(centres, k=k + 1)[0][:, k].mean())
    sd = float(np.sqrt(((centres - centres.mean(axis=0)) ** 2).sum(axis=1).mean()))
    band = min(mean_k, sd) if sd > 0 else mean_k
    rule = (f"mean distance from each of {n:,} non-empty cells to its {k}th nearest non-empty cell "
            f"({mean_k:,.1f} m; Optimized Hot Spot Analysis's k-nearest-neighbour fallback, "
            f"k = 5% of cells within 3..30)")
    if band < mean_k:
        rule += f", capped at one standard distance ({sd:,.1f} m)"
    if band < floor:
        band = floor
        rule += f", raised to one cell diagonal ({floor:,.1f} m)"
    return float(band), rule


# --------------------------------------------------------------------------- incidents to a grid


def hotspots(incidents: gpd.GeoDataFrame, *, cell: float | None = None, shape: str = "square",
             band: float | None = None, boundary: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
             fdr: bool = True, permutations: int = 0, weight: str | None = None,
             crs: CRS | str | int | None = None, seed: int = 0) -> HotspotResult:
    """Gi* hot and cold spots of incident points, as ArcGIS's Optimized Hot Spot Analysis.

    The incidents are counted in a grid of squares or hexagons in a metric
    CRS, and each analysed cell gets Gi* with a binary distance band, FDR-
    corrected confidence bins and optionally permutation pseudo p-values.

    Which cells are analysed: with ``boundary`` (e.g. settlement polygons),
    the cells whose centre lies inside their union; incidents outside the
    boundary, or in a cell whose centre is outside, are left out (counted in
    ``params["incidents_outside"]``); empty cells inside are analysed, as the
    background that makes a hot spot hot. Without a boundary, only the cells
    holding at least one incident, as ArcGIS does: empty ground outside any
    settlement would otherwise show as cold spots.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points with a CRS. Rows without geometry are skipped.
    cell : float, optional
        Cell size in metres (the side of a square; hexagons have the same
        area). Default: :func:`optimized_cell_size`.
    shape : {"square", "hex"}
        Square fishnet or pointy-top hexagons.
    band : float, optional
        Distance band in metres between cell centres, at least ``cell`` (and
        the spacing of hexagons). Default: :func:`default_band` on the
        non-empty cells.
    boundary : geopandas.GeoDataFrame or geopandas.GeoSeries, optional
        Polygons of the study area.
    fdr : bool
        Correct the bins for multiple testing (False Discovery Rate).
    permutations : int
        0: analytic p-values (ArcGIS's way). Otherwise the bins use
        :func:`gi_star_permutation`'s pseudo p-values with this many draws,
        reported in column ``gi_p_sim``.
    weight : str, optional
        Column of incident weights to sum instead of counting (non-negative).
    crs : optional
        Metric CRS for the analysis. Default: the local UTM zone.
    seed : int
        Seed of the permutations.

    Returns
    -------
    HotspotResult
        The analysed cells and the parameters used.
    """
    check_shape(shape)
    permutations = check_count(permutations, "permutations", minimum=0)
    if cell is not None:
        check_positive(cell, "cell", unit="metres")
    if band is not None:
        check_positive(band, "band", unit="metres")
        if cell is not None and band < cell:
            msg = M.HS_BAND_CELL.format(band=f"{band:g}", cell=f"{cell:g}")
            raise ValueError(msg)

    x, y, values, target = _points(incidents, weight=weight, crs=crs)
    n_total = len(x) if weight is None else float(values.sum())
    region = None
    if boundary is not None:
        # As ArcGIS: only incidents that intersect the study area take part, also in choosing the cell.
        region = _boundary_region(boundary, target)
        keep = shapely.intersects_xy(region, x, y)
        x, y, values = x[keep], y[keep], values[keep]
        if len(x) < MIN_INCIDENTS:
            msg = M.HS_TOO_FEW.format(need=MIN_INCIDENTS, n=len(x))
            raise ValueError(msg)
    if cell is None:
        cell, cell_rule = _cell_size(x, y)
        if band is not None and band < cell:
            msg = M.HS_BAND_AUTO.format(band=f"{band:g}", cell=f"{cell:,.1f}")
            raise ValueError(msg)
    else:
        cell = float(cell)
        cell_rule = "given"

    if region is not None:
        mask_rule = "cells whose centre is inside the boundary"
    else:
        region = shapely.MultiPoint(np.column_stack([x, y])).convex_hull.buffer(cell / 2)
        mask_rule = "cells with at least one incident (no boundary given), as ArcGIS"
    grid = square_grid(x, y, values, region, cell) if shape == "square" else hex_grid(x, y, values, region, cell)
    mask = grid.mask if boundary is not None else grid.counts > 0
    counts = grid.counts
    spacing = grid.spacing
    n_cells = int(mask.sum())
    if n_cells < MIN_INCIDENTS:
        msg = M.HS_FEW_CELLS.format(n=n_cells)
        raise ValueError(msg)

    if band is None:
        busy = mask & (counts > 0)
        band, band_rule = _knn_band(np.column_stack([grid.cx[busy], grid.cy[busy]]), cell)
    else:
        band = float(band)
        band_rule = "given"
    if band < spacing * (1 - BAND_TOLERANCE):
        msg = M.HS_BAND_HEX.format(band=f"{band:,.1f}", spacing=f"{spacing:,.1f}")
        raise ValueError(msg)
    band_cells = band / spacing

    z, p, w = _gi_star(counts, band_cells=band_cells, mask=mask, shape=shape)
    p_sim = (gi_star_permutation(counts, band_cells=band_cells, permutations=permutations, seed=seed,
                                 mask=mask, shape=shape) if permutations else None)
    bins = fdr_bins(z, p if p_sim is None else p_sim, fdr=fdr)

    ii, jj = np.nonzero(mask)
    ids = {"row": ii, "col": jj} if shape == "square" else {"q": jj + grid.q0, "r": ii + grid.r0}
    cnt = counts[mask]
    columns = {
        **ids,
        "count": cnt.astype(np.int64) if _is_integral(cnt) else cnt,
        "n_neighbors": w[mask],
        "gi_z": z[mask],
        "gi_p": p[mask],
        **({"gi_p_sim": p_sim[mask]} if p_sim is not None else {}),
        "gi_bin": bins[mask],
    }
    cells = gpd.GeoDataFrame(columns, geometry=grid.polygons(mask), crs=target)
    n_in = float(cnt.sum())
    n_in = round(n_in) if weight is None else n_in
    params = {
        "shape": shape,
        "cell": cell,
        "cell_rule": cell_rule,
        "band": band,
        "band_rule": band_rule,
        "band_cells": band_cells,
        "crs": target.to_string(),
        "cells": n_cells,
        "grid": [int(counts.shape[0]), int(counts.shape[1])],
        "origin": [grid.x0, grid.y0],
        "mask_rule": mask_rule,
        "incidents": n_in,
        "incidents_outside": n_total - n_in,
        "weight": weight,
        "fdr": fdr,
        "permutations": permutations,
        "seed": seed if permutations else None,
        "p_for_bins": "permutation pseudo p (esda p_sim, folded one-tailed)" if permutations else "analytic, two-sided",
        "zero_variance": bool(np.all(cnt == cnt[0])),
    }
    if shape == "hex":
        params["hex_circumradius"] = cell * HEX_R
        params["hex_spacing"] = spacing
    return HotspotResult(cells=cells, cell=cell, band=band, shape=shape, crs=target, n_incidents=n_in,
                         fdr=fdr, permutations=permutations, params=params,
                         region=region if boundary is not None else None)


# --------------------------------------------------------------------------- hot cells to places


def hot_clusters(result: HotspotResult, *, adjacency: str = "queen") -> np.ndarray:
    """Each cell's hot spot: adjacent hot cells (``gi_bin > 0``) merged into one, labelled 1..k; 0 elsewhere.

    A patrol goes to a place, not to a cell: a cluster of neighbouring hot
    cells is one place. Squares are adjacent when they share an edge or, with
    ``adjacency="queen"`` (the default), a corner; hexagons when they share
    an edge (their six neighbours; both rules agree).

    Parameters
    ----------
    result : HotspotResult
        As from :func:`hotspots`.
    adjacency : {"queen", "rook"}
        Whether squares touching at a corner belong to one hot spot.

    Returns
    -------
    numpy.ndarray
        ``int64`` label per row of ``result.cells``.
    """
    if adjacency not in ADJACENCY:
        msg = f"unknown adjacency {adjacency!r}; choose one of {', '.join(ADJACENCY)}"
        raise ValueError(msg)
    cells = result.cells
    hot = cells["gi_bin"].to_numpy() > 0
    rows, cols = (("row", "col") if result.shape == "square" else ("r", "q"))
    out = np.zeros(len(cells), dtype=np.int64)
    out[hot] = label_cells(cells[rows].to_numpy()[hot], cells[cols].to_numpy()[hot], result.shape,
                           diagonal=adjacency == "queen")
    return out


def incident_cells(result: HotspotResult, incidents: gpd.GeoDataFrame) -> np.ndarray:
    """Row of ``result.cells`` holding each incident, -1 for an incident in no analysed cell (or not located).

    The incidents are placed as :func:`hotspots` counted them (the same grid
    origin, cell and shape; incidents outside its boundary left out), so the
    incidents of a cell number its ``count``.
    """
    x, y, ok = metric_xy(incidents, result.crs, what="incidents")
    ok = ok & located(incidents)
    if result.region is not None:  # as hotspots(): incidents outside the study area were not counted
        ok &= shapely.intersects_xy(result.region, np.where(ok, x, 0.0), np.where(ok, y, 0.0))
    x0, y0 = result.params["origin"]
    rows_n, cols_n = result.params["grid"]
    cells = result.cells
    if result.shape == "square":
        a = np.minimum(np.floor((x - x0) / result.cell), cols_n - 1)
        b = np.minimum(np.floor((y - y0) / result.cell), rows_n - 1)
        keys = cells["row"].to_numpy(dtype=np.int64) * cols_n + cells["col"].to_numpy(dtype=np.int64)
    else:
        q, r = hex_round(np.where(ok, x - x0, 0.0), np.where(ok, y - y0, 0.0), result.cell * HEX_R)
        a, b = q.astype(float), r.astype(float)
        span = 1 << 31  # axial coordinates may be negative: offset them into one non-negative key
        keys = (cells["r"].to_numpy(dtype=np.int64) + span) * (2 * span) + cells["q"].to_numpy(dtype=np.int64) + span
    out = np.full(len(incidents), -1, dtype=np.int64)
    ok = ok & np.isfinite(a) & np.isfinite(b) & (a >= (0 if result.shape == "square" else -np.inf))
    ok &= b >= (0 if result.shape == "square" else -np.inf)
    a, b = a[ok].astype(np.int64), b[ok].astype(np.int64)
    inc_keys = b * cols_n + a if result.shape == "square" else (b + span) * (2 * span) + a + span
    order = np.argsort(keys)
    pos = np.searchsorted(keys[order], inc_keys)
    pos = np.minimum(pos, len(keys) - 1)
    found = keys[order][pos] == inc_keys
    out[np.flatnonzero(ok)[found]] = order[pos[found]]
    return out


# --------------------------------------------------------------------------- helpers


def _coords(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = xy_arrays(x, y)
    if len(x) < MIN_INCIDENTS:
        msg = M.HS_TOO_FEW_ALL.format(need=MIN_INCIDENTS, n=len(x))
        raise ValueError(msg)
    return x, y


def _points(incidents: gpd.GeoDataFrame, *, weight: str | None,
            crs: CRS | str | int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, CRS]:
    """Metric x and y of the located incidents, their weights (1 without a weight column) and the CRS."""
    if incidents.crs is None:
        msg = M.HS_NO_CRS
        raise ValueError(msg)
    keep = located(incidents)
    geom = incidents.geometry[keep]
    if len(geom) and not (geom.geom_type == "Point").all():
        msg = M.HS_NOT_POINTS
        raise ValueError(msg)
    if len(geom) < MIN_INCIDENTS:
        msg = M.HS_TOO_FEW_ALL.format(need=MIN_INCIDENTS, n=len(geom))
        raise ValueError(msg)
    target = CRS.from_user_input(crs) if crs is not None else local_crs(geom)
    if not target.is_projected:
        msg = M.CRS_NOT_METRIC.format(crs=target)
        raise ValueError(msg)
    x, y, ok = metric_xy(incidents, target, what="incidents")
    if weight is None:
        values = np.ones(len(geom))
    else:
        if weight not in incidents.columns:
            msg = f"incidents have no weight column {weight!r}"
            raise ValueError(msg)
        values = pd.to_numeric(incidents[weight][keep], errors="coerce").to_numpy(dtype=float)
        if not (np.isfinite(values).all() and (values >= 0).all()):
            msg = f"weights in {weight!r} must be non-negative numbers"
            raise ValueError(msg)
    if not ok[keep].all():
        msg = "some incidents cannot be projected to the analysis CRS"
        raise ValueError(msg)
    return x[keep], y[keep], values, target


def _boundary_region(boundary: gpd.GeoDataFrame | gpd.GeoSeries, crs: CRS) -> shapely.Geometry:
    if boundary.crs is None:
        msg = "a boundary without a CRS cannot be placed; give its CRS (e.g. EPSG:4326)"
        raise ValueError(msg)
    region = shapely.make_valid(boundary.geometry.to_crs(crs).union_all())
    if region.is_empty or region.area <= 0:
        msg = "the boundary has no area"
        raise ValueError(msg)
    return region
