"""Emerging hot spots, as ArcGIS Pro's Emerging Hot Spot Analysis: space-time Gi*, Mann-Kendall, 17 patterns.

Incidents are counted in a space-time cube (:mod:`geo.spacetime.cube`), every
bin (a cell in a time step) gets a space-time Gi* z-score and a confidence
bin, each cell's series of z-scores gets a Mann-Kendall trend, and each cell
one of ArcGIS's 17 patterns. The rules follow ESRI's "How Emerging Hot Spot
Analysis works" (ArcGIS Pro); where its sentences leave room, the reading
taken here is stated below (sfdep, for one, reads some differently).

**Space-time Gi\\*** (:func:`space_time_gi_star`). The neighbours of bin
(i, t) are the analysed cells within the distance band of cell i (i itself
included) in step t and in the ``time_lag`` steps before it (ArcGIS's
Neighborhood Time Step; later steps never; near the first step there are
fewer). Binary weights; the global statistics are those of the whole cube
(ArcGIS's default global window, "Entire cube"): with the n = cells x steps
analysed bins, x̄ and ``s² = Σx²/n - x̄²`` over all of them, ``W`` the
number of neighbour bins::

    z = (Σ_neighbours x - x̄ W) / (s sqrt((n W - W²) / (n - 1)))

the Gi* of :func:`geo.stats.gistar.gi_star_grid` (esda's ``G_Local(star=True,
transform="B")``) on the graph of space-time neighbours, computed as one 2-D
convolution per step and a moving sum over time. ``p = 2 norm.sf(|z|)``.

**Hot and cold bins.** Per step, the bins are corrected for multiple testing
with the False Discovery Rate (:func:`geo.stats.gistar.fdr_bins`, each step
on its own; ``fdr=False`` turns it off). A bin is *hot* when it is
significant at ``alpha`` (default 0.10: 90 % confidence, bins 1..3) with
z > 0, *cold* likewise with z < 0.

**Trend** (:func:`mann_kendall`). The Mann-Kendall test of each cell's z
series, as ``pymannkendall.original_test``: S = Σ_{j>k} sign(z_j - z_k),
``var S = (n(n-1)(2n+5) - Σ t(t-1)(2t+5)) / 18`` over groups of t equal values,
Z = (S - sign(S)) / sqrt(var S), two-sided p. The trend is significant when
``p < trend_alpha`` (default 0.05), upward when Z > 0.

**Patterns** (:func:`classify`). With T steps, h hot and c cold bins, "90 %"
means ``h >= 0.9 T`` (a share of the steps, so 54 of 60), "the final run"
the hot bins up to and including the final step without a break:

- ``historical_hot``: the final step is not hot and h >= 90 %;
- ``new_hot``: the final step is hot and no other is (cold bins before may exist);
- ``consecutive_hot``: the final step is hot; the final run is at least 2
  long and holds every hot bin (none before it; cold bins may be); h < 90 %;
- ``intensifying_hot``: the final step is hot, h >= 90 %, a significant upward trend;
- ``persistent_hot``: the final step is hot, h >= 90 %, no significant trend;
- ``diminishing_hot``: the final step is hot, h >= 90 %, a significant downward trend;
- ``sporadic_hot``: the final step is hot, a hot bin before the final run, h < 90 %, no cold bin ever;
- ``oscillating_hot``: the final step is hot, a hot bin before the final run, h < 90 %, a cold bin before;
- the cold patterns mirror these with hot and cold swapped; "intensifying"
  is a significant downward trend of z (colder), "diminishing" an upward one;
- ``no_pattern``: none of these (e.g. hot in the past but neither hot now nor for 90 % of the steps).

These partition the cells: exactly one pattern each. Where ESRI's sentences
leave room: "new" means never hot before, so earlier cold bins do not matter
(sfdep asks for no significant bin at all); sporadic needs the final step
hot, as ArcGIS Pro's current text says (older texts and sfdep do not);
persistent, like intensifying and diminishing, needs the final step hot, or
it would also be historical; a cell hot for 90 % of the steps and cold in
the final one is historical hot, not a new, consecutive or oscillating cold
spot (mirrored for cold). ESRI gives no level for the trend: ``trend_alpha``
here. Codes: 1..8 the hot patterns in the order of ESRI's table (new ..
historical), -1..-8 the cold ones, 0 no pattern (:data:`CATEGORIES`).

At least :data:`MIN_STEPS` steps: with fewer, "90 %" leaves no step to miss
and the normal approximation of Mann-Kendall's S is poor; ESRI's default
step interval aims at no fewer. ``time_lag`` may be at most 75 % of the
steps (ESRI's limit).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from scipy import ndimage, signal, stats

from geo import messages as M
from geo.checks import check_count, check_positive
from geo.spacetime.cube import SpaceTimeCube, space_time_cube
from geo.stats.gistar import LEVELS, _is_integral, fdr_bins
from geo.stats.hotspots import _knn_band
from geo.stats.lattice import BAND_TOLERANCE, DIRECT_STENCIL_MAX, disk_stencil, stencil_sum

__all__ = [
    "CATEGORIES", "CATEGORY_CODES", "MIN_STEPS", "EmergingResult", "MannKendall", "classify", "emerging_from_cube",
    "emerging_hotspots", "mann_kendall", "space_time_gi_star",
]

MIN_STEPS = 10
MAX_LAG_SHARE = 0.75  # ESRI: the neighbourhood time step may span at most 75 % of the steps
SHARE_90 = (9, 10)  # "ninety percent of the time-step intervals": 10 h >= 9 T
_KINDS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating", "historical")
# Pattern codes: 1..8 hot in the order of ESRI's table, -1..-8 cold, 0 no pattern.
CATEGORIES: dict[int, str] = {0: "no_pattern",
                              **{i + 1: f"{k}_hot" for i, k in enumerate(_KINDS)},
                              **{-(i + 1): f"{k}_cold" for i, k in enumerate(_KINDS)}}
CATEGORY_CODES: dict[str, int] = {v: k for k, v in CATEGORIES.items()}
_LEVEL_OF_ALPHA = {alpha: level for level, alpha in LEVELS}


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall trend test of each series: S, its variance (with ties), Z, two-sided p and Kendall's tau."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray


@dataclass(frozen=True, eq=False)
class EmergingResult:
    """Emerging hot spots of a space-time cube.

    Attributes
    ----------
    z, p : numpy.ndarray
        Space-time Gi* z-scores and two-sided p-values, ``(steps, rows, cols)``; NaN outside the mask.
    bins : numpy.ndarray
        ``int8`` confidence bins -3..3 per step (FDR per step), 0 outside the mask.
    trend : MannKendall
        Mann-Kendall test of each cell's z series, arrays ``(rows, cols)``; NaN outside the mask.
    category : numpy.ndarray
        ``int8`` pattern code per cell (:data:`CATEGORIES`), 0 outside the mask.
    n_hot, n_cold : numpy.ndarray
        Steps in which each cell is a significant hot (cold) spot at ``alpha``.
    mask : numpy.ndarray
        True for the analysed cells.
    params : dict
        Everything used, JSON-serialisable.
    cells : geopandas.GeoDataFrame, optional
        From :func:`emerging_hotspots`: one row per analysed cell (see there).
    steps : pandas.DatetimeIndex, optional
        From :func:`emerging_hotspots`: the first day of each step.
    crs : pyproj.CRS, optional
        From :func:`emerging_hotspots`: the CRS of ``cells``.
    """

    z: np.ndarray
    p: np.ndarray
    bins: np.ndarray
    trend: MannKendall
    category: np.ndarray
    n_hot: np.ndarray
    n_cold: np.ndarray
    mask: np.ndarray
    params: dict = field(default_factory=dict)
    cells: gpd.GeoDataFrame | None = None
    steps: pd.DatetimeIndex | None = None
    crs: CRS | None = None

    @property
    def category_names(self) -> np.ndarray:
        """The pattern key of each cell (``"new_hot"`` ...), ``None`` outside the mask."""
        out = np.full(self.category.shape, None, dtype=object)
        for code, name in CATEGORIES.items():
            out[self.mask & (self.category == code)] = name
        return out

    def counts(self) -> dict[str, int]:
        """Analysed cells per pattern, all 17 keys in code order (hot, cold, none)."""
        codes = self.category[self.mask]
        order = [*range(1, 9), *range(-1, -9, -1), 0]
        return {CATEGORIES[c]: int((codes == c).sum()) for c in order}


# --------------------------------------------------------------------------- the numeric core


def space_time_gi_star(cube: np.ndarray, *, band_cells: float, time_lag: int = 1,
                       mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Space-time Gi* of every bin of a cube (see the module docstring for the definition).

    Parameters
    ----------
    cube : numpy.ndarray
        Values ``(steps, rows, cols)`` on a square lattice.
    band_cells : float
        Distance band between cell centres, in cell sides.
    time_lag : int
        Earlier steps in the neighbourhood (0: the step alone).
    mask : numpy.ndarray, optional
        ``(rows, cols)``, True for analysed cells; the others are neither analysed nor neighbours.

    Returns
    -------
    z, p : numpy.ndarray
        ``(steps, rows, cols)``, NaN outside the mask; z = 0 and p = 1 where
        Gi* is undefined (a cube without variation, or a bin whose
        neighbourhood covers the whole cube).
    w : numpy.ndarray
        ``int64`` neighbour bins of each bin (itself included), 0 outside the mask.
    """
    x, m = _check_cube(cube, mask)
    time_lag = check_count(time_lag, "time_lag", minimum=0)
    kernel = disk_stencil(band_cells, "square")
    steps = x.shape[0]
    n = int(m.sum()) * steps
    if n < 2:
        msg = f"Gi* needs at least 2 analysed bins, got {n}"
        raise ValueError(msg)
    xm = np.where(m, x, 0.0)
    lag = _moving_sum(_stencil_sum_steps(xm, kernel, exact=_is_integral(xm)), time_lag)[:, m]  # (steps, cells)
    w_space = stencil_sum(m.astype(float), kernel, exact=True)[m]
    wi = (np.minimum(np.arange(steps), time_lag) + 1)[:, None] * w_space[None, :]
    values = x[:, m]
    mean = float(values.mean())
    s = math.sqrt(float(((values - mean) ** 2).mean()))  # Σx²/n - x̄², without the cancellation
    den = s * np.sqrt(np.maximum(n * wi - wi * wi, 0.0) / (n - 1))
    zi = np.zeros(lag.shape)
    ok = den > 0
    zi[ok] = (lag[ok] - mean * wi[ok]) / den[ok]
    z = np.full(x.shape, np.nan)
    p = np.full(x.shape, np.nan)
    w = np.zeros(x.shape, dtype=np.int64)
    z[:, m] = zi
    p[:, m] = 2.0 * stats.norm.sf(np.abs(zi))
    w[:, m] = np.rint(wi).astype(np.int64)
    return z, p, w


def mann_kendall(series: np.ndarray) -> MannKendall:
    """Mann-Kendall trend test along the first axis, for every series at once.

    Equal to ``pymannkendall.original_test`` on each series: ``S = Σ_{j>k}
    sign(x_j - x_k)``; ``var S = (n(n-1)(2n+5) - Σ t(t-1)(2t+5)) / 18`` with
    t the size of each group of equal values; ``Z = (S - 1) / sqrt(var S)``
    for S > 0, ``(S + 1) / sqrt(var S)`` for S < 0, else 0; ``p = 2
    norm.sf(|Z|)``; ``tau = S / (n(n-1)/2)``. Vectorised over series: one
    pass per time lag for S (n - 1 passes) and one sort for the ties.

    Parameters
    ----------
    series : numpy.ndarray
        Finite values, time along axis 0 (at least 2 steps), any shape after it.

    Returns
    -------
    MannKendall
        Arrays of the shape after axis 0.
    """
    x = np.asarray(series, dtype=float)
    if x.ndim < 1 or x.shape[0] < 2:
        msg = f"a Mann-Kendall test needs at least 2 time steps, got {x.shape[0] if x.ndim else 0}"
        raise ValueError(msg)
    if not np.isfinite(x).all():
        msg = "a Mann-Kendall test needs finite values"
        raise ValueError(msg)
    n = x.shape[0]
    s = np.zeros(x.shape[1:], dtype=np.int64)
    for d in range(1, n):
        later, earlier = x[d:], x[:-d]
        s += np.count_nonzero(later > earlier, axis=0) - np.count_nonzero(later < earlier, axis=0)
    srt = np.sort(x, axis=0)
    ties = np.zeros(x.shape[1:], dtype=np.int64)
    run = np.ones(x.shape[1:], dtype=np.int64)
    for i in range(1, n):
        same = srt[i] == srt[i - 1]
        ties += np.where(same, 0, run * (run - 1) * (2 * run + 5))
        run = np.where(same, run + 1, 1)
    ties += run * (run - 1) * (2 * run + 5)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    sd = np.sqrt(var_s)
    z = np.zeros(s.shape)
    pos, neg = (s > 0) & (sd > 0), (s < 0) & (sd > 0)
    z[pos] = (s[pos] - 1) / sd[pos]
    z[neg] = (s[neg] + 1) / sd[neg]
    p = 2.0 * stats.norm.sf(np.abs(z))
    return MannKendall(s=s, var_s=var_s, z=z, p=p, tau=s / (0.5 * n * (n - 1)))


def classify(bins: np.ndarray, trend_z: np.ndarray, trend_p: np.ndarray, *, alpha: float = 0.10,
             trend_alpha: float = 0.05) -> np.ndarray:
    """ArcGIS's pattern code of each location from its bins over time and its trend (rules: module docstring).

    Parameters
    ----------
    bins : numpy.ndarray
        Confidence bins -3..3 (or any signed significance levels), time along axis 0.
    trend_z, trend_p : numpy.ndarray
        Mann-Kendall Z and p of each location (the shape of ``bins`` after axis 0).
    alpha : {0.10, 0.05, 0.01}
        Confidence a bin needs to count as hot or cold: bins of at least 1, 2 or 3 in absolute value.
    trend_alpha : float
        A trend is significant when ``trend_p < trend_alpha``.

    Returns
    -------
    numpy.ndarray
        ``int8`` codes of :data:`CATEGORIES`.
    """
    level = _level(alpha)
    trend_alpha = _check_share(trend_alpha, "trend_alpha")
    b = np.asarray(bins)
    if b.ndim < 1 or b.shape[0] < 1:
        msg = "bins need a time axis (axis 0) with at least one step"
        raise ValueError(msg)
    tz, tp = np.asarray(trend_z, dtype=float), np.asarray(trend_p, dtype=float)
    if tz.shape != b.shape[1:] or tp.shape != b.shape[1:]:
        msg = f"trend_z and trend_p must have the shape of bins after axis 0, {b.shape[1:]}"
        raise ValueError(msg)
    sig = tp < trend_alpha
    hot, cold = b >= level, b <= -level
    up, down = sig & (tz > 0), sig & (tz < 0)
    h = _patterns(hot, cold.any(axis=0), up, down)
    c = _patterns(cold, hot.any(axis=0), down, up)  # colder is "intensifying" for a cold spot
    # The sides overlap only where one is historical (>= 90 % of the steps, not the final one): historical wins.
    out = np.where(h == 8, 8, np.where(c == 8, -8, np.where(h > 0, h, -c)))
    return out.astype(np.int8)


def _patterns(this: np.ndarray, other_ever: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """Codes 0..8 for one side (hot or cold) from its significant bins ``this`` (time along axis 0)."""
    steps = this.shape[0]
    h = this.sum(axis=0)
    final = this[-1]
    ninety = SHARE_90[1] * h >= SHARE_90[0] * steps
    broken = ~this[::-1]
    run = np.where(broken.any(axis=0), broken.argmax(axis=0), steps)  # length of the final run
    before = h > run
    code = np.zeros(h.shape, dtype=np.int8)
    rules = (
        (8, ~final & ninety),
        (1, final & (h == 1)),
        (2, final & ~before & (run >= 2) & ~ninety),
        (3, final & ninety & up),
        (5, final & ninety & down),
        (4, final & ninety & ~up & ~down),
        (6, final & before & ~ninety & ~other_ever),
        (7, final & before & ~ninety & other_ever),
    )
    for value, where in rules:
        code[where & (code == 0)] = value
    return code


def emerging_from_cube(cube: np.ndarray, *, band_cells: float, time_lag: int = 1, mask: np.ndarray | None = None,
                       alpha: float = 0.10, fdr: bool = True, trend_alpha: float = 0.05) -> EmergingResult:
    """Emerging hot spots of a cube of counts (or any values): space-time Gi*, FDR bins, trend, pattern.

    Parameters
    ----------
    cube : numpy.ndarray
        ``(steps, rows, cols)`` values on a square lattice, at least :data:`MIN_STEPS` steps.
    band_cells : float
        Distance band between cell centres, in cell sides (1.5: the 8 queen neighbours).
    time_lag : int
        Earlier steps in each bin's neighbourhood (ArcGIS's Neighborhood Time
        Step, default 1); at most 75 % of the steps. 0 gives each step's own
        Gi* with the cube's global statistics.
    mask : numpy.ndarray, optional
        ``(rows, cols)``, True for analysed cells. Default: all.
    alpha : {0.10, 0.05, 0.01}
        Confidence for a hot or cold bin.
    fdr : bool
        False Discovery Rate correction of the bins, per step.
    trend_alpha : float
        Level of the Mann-Kendall trend test.

    Returns
    -------
    EmergingResult
        Without ``cells``, ``steps`` and ``crs``.
    """
    x, m = _check_cube(cube, mask)
    steps = x.shape[0]
    if steps < MIN_STEPS:
        msg = M.EM_FEW_STEPS.format(need=MIN_STEPS, steps=steps)
        raise ValueError(msg)
    time_lag = check_count(time_lag, "time_lag", minimum=0)
    if time_lag > MAX_LAG_SHARE * steps:
        msg = M.EM_LAG.format(lag=time_lag, steps=steps)
        raise ValueError(msg)
    level = _level(alpha)
    trend_alpha = _check_share(trend_alpha, "trend_alpha")
    z, p, w = space_time_gi_star(x, band_cells=band_cells, time_lag=time_lag, mask=m)
    bins = np.zeros(x.shape, dtype=np.int8)
    for t in range(steps):
        bins[t] = fdr_bins(z[t], p[t], fdr=fdr)
    mk = mann_kendall(z[:, m])
    codes = np.zeros(m.shape, dtype=np.int8)
    codes[m] = classify(bins[:, m], mk.z, mk.p, alpha=alpha, trend_alpha=trend_alpha)
    trend = MannKendall(**{k: _spread(getattr(mk, k), m) for k in ("s", "var_s", "z", "p", "tau")})
    n_hot = np.where(m, (bins >= level).sum(axis=0), 0)
    n_cold = np.where(m, (bins <= -level).sum(axis=0), 0)
    values = x[:, m]
    params = {
        "steps": steps,
        "cells": int(m.sum()),
        "band_cells": float(band_cells),
        "time_lag": time_lag,
        "global_window": "entire cube",
        "mean": float(values.mean()),
        "sd": float(values.std()),
        "alpha": float(alpha),
        "fdr": bool(fdr),
        "fdr_scope": "per time step" if fdr else None,
        "trend_alpha": float(trend_alpha),
        "neighbour_bins_max": int(w.max()),
        "zero_variance": bool(np.all(values == values.flat[0])),
    }
    return EmergingResult(z=z, p=p, bins=bins, trend=trend, category=codes, n_hot=n_hot, n_cold=n_cold, mask=m,
                          params=params)


# --------------------------------------------------------------------------- incidents to patterns


def emerging_hotspots(incidents: gpd.GeoDataFrame, *, cell: float | None = None, step: str = "month",
                      time_lag: int = 1, band: float | None = None,
                      boundary: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                      start: dt.date | str | pd.Timestamp | None = None,
                      end: dt.date | str | pd.Timestamp | None = None, time_column: str | None = None,
                      alpha: float = 0.10, fdr: bool = True, trend_alpha: float = 0.05,
                      crs: CRS | str | int | None = None) -> EmergingResult:
    """Emerging hot spots of incident points, as ArcGIS Pro's Emerging Hot Spot Analysis.

    The incidents are counted by square cell and time step
    (:func:`geo.spacetime.cube.space_time_cube`: cell, study area, steps and
    period), then analysed by :func:`emerging_from_cube`.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points with a CRS and a time column (``occurred_at`` in the workspace).
    cell : float, optional
        Cell side in metres. Default: as for Gi* hot spots (:func:`geo.stats.hotspots.optimized_cell_size`).
    step : {"month", "quarter", "week", "day"}
        Time step.
    time_lag : int
        Earlier steps in each bin's neighbourhood.
    band : float, optional
        Distance band in metres between cell centres, at least ``cell``.
        Default: as for Gi* hot spots, on the cells with incidents.
    boundary : geopandas.GeoDataFrame or geopandas.GeoSeries, optional
        Polygons of the study area; without one, the cells with at least one incident are analysed.
    start, end : date-like, optional
        First and last day of the period, both included. Default: the incidents' first and last day.
    time_column : str, optional
        Column of incident times. Default: ``occurred_at``, else ``date``, else ``occurred``.
    alpha, fdr, trend_alpha
        As :func:`emerging_from_cube`.
    crs : optional
        Metric CRS. Default: the local UTM zone.

    Returns
    -------
    EmergingResult
        With ``cells``: one row per analysed cell in ``crs``: ``row``, ``col``
        (row 0 southernmost), ``count`` (incidents over all steps), ``n_hot``,
        ``n_cold``, ``final_bin`` (-3..3 in the final step), ``final_z``,
        ``trend_z``, ``trend_p``, ``trend_tau``, ``category`` (code),
        ``pattern`` (key of :data:`CATEGORIES`) and the cell polygon.
    """
    if band is not None:
        band = check_positive(band, "band", unit="metres")
        if cell is not None and band < cell:
            msg = M.HS_BAND_CELL.format(band=f"{band:g}", cell=f"{cell:g}")
            raise ValueError(msg)
    st: SpaceTimeCube = space_time_cube(incidents, cell=cell, step=step, boundary=boundary, start=start, end=end,
                                        time_column=time_column, crs=crs)
    mask, counts = st.mask, st.counts
    if mask.sum() < 2:
        msg = M.HS_FEW_CELLS.format(n=int(mask.sum()))
        raise ValueError(msg)
    if band is None:
        busy = mask & (counts.sum(axis=0) > 0)
        grid = st.lattice
        band, band_rule = _knn_band(np.column_stack([grid.cx[busy], grid.cy[busy]]), st.cell)
    else:
        band_rule = "given"
    if band < st.cell * (1 - BAND_TOLERANCE):
        msg = M.HS_BAND_AUTO.format(band=f"{band:g}", cell=f"{st.cell:,.1f}")
        raise ValueError(msg)
    res = emerging_from_cube(counts, band_cells=band / st.cell, time_lag=time_lag, mask=mask, alpha=alpha, fdr=fdr,
                             trend_alpha=trend_alpha)
    ii, jj = np.nonzero(mask)
    codes = res.category[mask]
    cells = gpd.GeoDataFrame({
        "row": ii,
        "col": jj,
        "count": counts[:, mask].sum(axis=0).astype(np.int64),
        "n_hot": res.n_hot[mask],
        "n_cold": res.n_cold[mask],
        "final_bin": res.bins[-1][mask],
        "final_z": res.z[-1][mask],
        "trend_z": res.trend.z[mask],
        "trend_p": res.trend.p[mask],
        "trend_tau": res.trend.tau[mask],
        "category": codes,
        "pattern": pd.Categorical([CATEGORIES[int(c)] for c in codes], categories=list(CATEGORY_CODES)),
    }, geometry=st.lattice.polygons(mask), crs=st.crs)
    params = {**st.params, **res.params, "band": float(band), "band_rule": band_rule, "shape": "square"}
    return EmergingResult(z=res.z, p=res.p, bins=res.bins, trend=res.trend, category=res.category, n_hot=res.n_hot,
                          n_cold=res.n_cold, mask=mask, params=params, cells=cells, steps=st.steps, crs=st.crs)


# --------------------------------------------------------------------------- helpers


def _check_cube(cube: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(cube, dtype=float)
    if x.ndim != 3:
        msg = f"a space-time cube has 3 dimensions (steps, rows, cols), got {x.ndim}"
        raise ValueError(msg)
    m = np.ones(x.shape[1:], dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != x.shape[1:]:
        msg = f"mask shape {m.shape} differs from the cube's cells {x.shape[1:]}"
        raise ValueError(msg)
    if not m.any():
        msg = "no cell to analyse: the mask is empty"
        raise ValueError(msg)
    if not np.isfinite(x[:, m]).all():
        msg = "cube values must be finite in the analysed cells"
        raise ValueError(msg)
    return x, m


def _stencil_sum_steps(a: np.ndarray, kernel: np.ndarray, *, exact: bool) -> np.ndarray:
    """:func:`geo.stats.lattice.stencil_sum` of every step of ``a`` at once."""
    k3 = kernel[None]
    if kernel.size <= DIRECT_STENCIL_MAX:
        return ndimage.convolve(a, k3, mode="constant", cval=0.0)
    out = signal.fftconvolve(a, k3, mode="same", axes=(1, 2))
    return np.rint(out) if exact else out


def _moving_sum(a: np.ndarray, lag: int) -> np.ndarray:
    """Sum over steps t - lag .. t along axis 0 (fewer at the start)."""
    if lag == 0:
        return a
    c = np.cumsum(a, axis=0)
    c[lag + 1:] -= c[:-lag - 1].copy()
    return c


def _spread(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.full(mask.shape, np.nan)
    out[mask] = values
    return out


def _level(alpha: float) -> int:
    level = _LEVEL_OF_ALPHA.get(alpha) if isinstance(alpha, numbers.Real) else None
    if level is None:
        msg = f"alpha must be one of {', '.join(f'{a:g}' for _, a in LEVELS)} (the confidence bins), got {alpha!r}"
        raise ValueError(msg)
    return level


def _check_share(value: float, name: str) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < float(value) < 1
    if not ok:
        msg = f"{name} must be a number between 0 and 1, got {value!r}"
        raise ValueError(msg)
    return float(value)
