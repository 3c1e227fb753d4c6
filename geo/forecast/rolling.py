"""Which map predicts next month best: each method's map from a training window, scored on the month after.

For every test month of the last ``test_months`` months of the data, each method builds a map (a score per
cell) from the incidents of the ``train_months`` months before it, and the map is scored by hit rate, PAI
and PEI (:mod:`geo.forecast.accuracy`) against that month's incidents, at a few shares of the area (the
table) and at every half per cent up to 20 % (the chart's curve). :func:`best_method` recommends the method
with the highest mean PEI on those held-out months.

The methods (:data:`METHODS`, simplest first):

- ``last_period``: the counts of the last training month (the test window is one month): "where it
  happened last month";
- ``kde``: kernel density of the training incidents, as the pages draw it
  (:func:`geo.stats.density.density_from_xy`, quartic kernel, ArcGIS's Silverman search radius);
- ``gistar``: Gi* z-scores of the training counts (:func:`geo.stats.gistar.gi_star_grid`, with the band
  the hot-spot page's :func:`geo.stats.hotspots.hotspots` takes by default). The top share of cells by z
  is selected, hottest first: a fixed area must be filled whether or not that many cells are significant;
- ``prospective``: prospective hot-spotting (Bowers, Johnson & Pease 2004, *British Journal of Criminology*
  44:641-658): a cell scores ``sum 1 / ((1 + d)(1 + t))`` over the training incidents within ``radius``
  (400 m) and ``weeks`` (8, "two months") before the end of training, ``d`` the distance between the centre
  of the incident's cell and the cell's centre in cell widths, ``t`` the whole weeks elapsed. As the weight
  is a product, the sum is one convolution of the time-weighted counts with the ``1 / (1 + d)`` disk.

- ``emerging``: 1 on the cells Emerging Hot Spot Analysis of the training months (:mod:`geo.spacetime.emerging`)
  calls persistent or intensifying hot spots, else 0 (:func:`emerging_score`): the other cells tie, so the
  rest of a share is filled from them in part.

The registry is the hook for more methods: a method is any callable ``f(window: Window) -> scores`` with
scores of the grid's shape (NaN outside the study area is fine). Options go in with ``functools.partial``,
and ``methods={**METHODS, "mine": f}`` adds one; the order of :data:`METHODS` is the tie-break of
:func:`best_method`. :attr:`Window.cube` gives a method the training counts month by month.

:func:`rolling_accuracy` is the numeric core (metric coordinates and times in, tables out);
:func:`forecast_accuracy` is the adapter from an incident GeoDataFrame with ``occurred_at``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import messages as M
from geo.checks import check_choice, check_count, check_positive
from geo.crs import local_crs, metric_xy
from geo.forecast.accuracy import (CURVE_SHARES, NO_TEST_INCIDENTS, SHARES, best_captured, captured, cells_for,
                                   check_shares, rates)
from geo.stats.density import density_from_xy, silverman_bandwidth
from geo.stats.gistar import gi_star_grid
from geo.stats.hotspots import MIN_INCIDENTS, _boundary_region, _knn_band, optimized_cell_size
from geo.stats.lattice import BAND_TOLERANCE, square_grid, stencil_sum
from geo.stats.temporal import _times

__all__ = ["METHODS", "Forecast", "Grid", "Method", "Window", "best_method", "emerging_score", "forecast_accuracy",
           "gistar_score",
           "kde_score", "last_period_score", "prospective_score", "rolling_accuracy", "summarize"]

TRAIN_MONTHS = 12
TEST_MONTHS = 24
# Bowers, Johnson & Pease (2004): burglary risk is raised within 400 m for up to two months (8 weeks).
PROSPECTIVE_RADIUS = 400.0
PROSPECTIVE_WEEKS = 8
DISTANCES = ("euclidean", "chebyshev")
# Scores are rounded to this fraction of the map's largest: FFT sums leave ~1e-16 of round-off, which would
# break ties that are exact in arithmetic (cells no kernel reaches, cells with the same neighbourhood).
SCORE_RESOLUTION = 1e-10
FEW_TRAIN = M.FC_FEW_TRAIN
DAY_NS = 86_400 * 10**9


@dataclass(frozen=True, eq=False)
class Grid:
    """A square grid in a metric CRS and its study area.

    Attributes
    ----------
    x0, y0 : float
        South-west corner of cell ``[0, 0]``, metres; row 0 is the southernmost (as
        :func:`geo.stats.lattice.square_grid`).
    cell : float
        Side of a cell, metres.
    mask : numpy.ndarray
        ``(rows, cols)`` bool, True for the cells of the study area (``A``).
    """

    x0: float
    y0: float
    cell: float
    mask: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.mask.shape

    @property
    def n_cells(self) -> int:
        """``C``: the cells of the study area."""
        return int(self.mask.sum())

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the grid's outer edges."""
        rows, cols = self.shape
        return self.x0, self.y0, self.x0 + cols * self.cell, self.y0 + rows * self.cell

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat index ``row * cols + col`` of the cell holding each point; -1 off the grid or the study area."""
        rows, cols = self.shape
        fx = (np.asarray(x, dtype=float) - self.x0) / self.cell
        fy = (np.asarray(y, dtype=float) - self.y0) / self.cell
        # A point on the grid's east or north edge belongs to the last cell, as square_grid counts it.
        ix = np.where(fx == cols, cols - 1, np.floor(fx))
        iy = np.where(fy == rows, rows - 1, np.floor(fy))
        ok = (ix >= 0) & (ix < cols) & (iy >= 0) & (iy < rows)  # False for NaN too
        flat = np.where(ok, np.where(ok, iy, 0) * cols + np.where(ok, ix, 0), -1).astype(np.int64)
        flat[ok] = np.where(self.mask.ravel()[flat[ok]], flat[ok], -1)
        return flat


@dataclass(frozen=True, eq=False)
class Window:
    """What a method may know when it draws its map: the training incidents and the grid.

    Attributes
    ----------
    grid : Grid
    x, y : numpy.ndarray
        Metric coordinates of the training incidents in the study area.
    cell_index : numpy.ndarray
        Their flat cell index (``row * cols + col``).
    age_days : numpy.ndarray
        Days from each incident to the end of training (the start of the test month), above 0.
    cube : numpy.ndarray
        ``(train_months, rows, cols)`` counts month by month, oldest first (for space-time methods).
    counts : numpy.ndarray
        ``(rows, cols)`` counts of the whole training window (``cube.sum(axis=0)``).
    start, end : numpy.datetime64
        First day of the first training month; first day of the test month (training ends just before).
    test_days : int
        Days in the test month.
    """

    grid: Grid
    x: np.ndarray
    y: np.ndarray
    cell_index: np.ndarray
    age_days: np.ndarray
    cube: np.ndarray
    counts: np.ndarray
    start: np.datetime64
    end: np.datetime64
    test_days: int


Method = Callable[[Window], np.ndarray]


# --------------------------------------------------------------------------- the methods' maps


def last_period_score(window: Window) -> np.ndarray:
    """Counts of the last training period as long as the test window: the last month."""
    return window.cube[-1].astype(float)


def kde_score(window: Window, *, kernel: str = "quartic", bandwidth: float | None = None) -> np.ndarray:
    """Kernel density of the training incidents at the cell centres, as the hot-spot page draws it.

    ``bandwidth`` (metres) defaults to :func:`geo.stats.density.silverman_bandwidth` of the training
    incidents, the page's default. Incidents just outside the grid are not in the window, so the surface
    near the edge holds only what the study area's incidents spread there.
    """
    if bandwidth is None:
        bandwidth = silverman_bandwidth(window.x, window.y)
    values = density_from_xy(window.x, window.y, kernel=kernel, bandwidth=bandwidth, cell=window.grid.cell,
                             extent=window.grid.extent)
    return np.flipud(values)  # density grids have row 0 in the north, the lattice in the south


def _window_band(window: Window) -> float:
    """The hot-spot page's band for a training window: Optimized Hot Spot Analysis's k-nearest-neighbour band
    of the grid's non-empty cells (:func:`geo.stats.hotspots.default_band`'s rule on cells already counted)."""
    rows, cols = np.nonzero(window.grid.mask & (window.counts > 0))
    cell = window.grid.cell
    centres = np.column_stack([window.grid.x0 + (cols + 0.5) * cell, window.grid.y0 + (rows + 0.5) * cell])
    return _knn_band(centres, cell)[0]


def gistar_score(window: Window, *, band: float | None = None) -> np.ndarray:
    """Gi* z-scores of the training counts, as :func:`geo.stats.hotspots.hotspots` computes them.

    ``band`` (metres) defaults to what the hot-spot page's analysis takes: Optimized Hot Spot Analysis's
    k-nearest-neighbour band of the non-empty cells of the grid (:func:`geo.stats.hotspots.default_band`'s
    rule, on the cells already counted rather than re-binning the incidents).
    """
    if band is None:
        band = _window_band(window)
    z, _p = gi_star_grid(window.counts, band_cells=band / window.grid.cell, mask=window.grid.mask)
    return z


def prospective_score(window: Window, *, radius: float = PROSPECTIVE_RADIUS, weeks: int = PROSPECTIVE_WEEKS,
                      distance: str = "euclidean") -> np.ndarray:
    """Prospective hot-spotting (Bowers, Johnson & Pease 2004): ``sum 1 / ((1 + d)(1 + t))`` per cell.

    Parameters
    ----------
    window : Window
    radius : float
        Space bandwidth, metres: incidents whose cell centre is at most this far from the cell's count.
    weeks : int
        Time bandwidth: incidents fewer than this many whole weeks before the end of training count
        (``t = floor(age / 7 days)``, so 8 weeks takes ``t = 0..7``). Training windows shorter than this
        bound it.
    distance : {"euclidean", "chebyshev"}
        ``d`` between cell centres in cell widths: straight-line, or the larger of the row and column
        steps (open_cp's ``DistanceDiagonalsSame``). The original counted whole half-cell widths on 50 m
        cells; here ``d`` is in cells, so the weight depends on the cell as there.
    """
    check_positive(radius, "radius", unit="metres")
    weeks = check_count(weeks, "weeks")
    check_choice(distance, DISTANCES, "distance")
    t = np.floor(window.age_days / 7.0)
    keep = t < weeks
    rows, cols = window.grid.shape
    # The weight is 1/(1+d) times 1/(1+t): summing the time weights per cell first leaves one convolution.
    timed = np.bincount(window.cell_index[keep], weights=1.0 / (1.0 + t[keep]),
                        minlength=rows * cols).reshape(rows, cols)
    band = radius / window.grid.cell
    h = math.floor(band * (1 + BAND_TOLERANCE))  # a distance equal to the radius is within it, as Gi*'s band
    d = np.arange(-h, h + 1, dtype=float)
    dist = np.hypot(d[:, None], d[None, :]) if distance == "euclidean" else np.maximum(abs(d)[:, None], abs(d))
    kernel = np.where(dist <= band * (1 + BAND_TOLERANCE), 1.0 / (1.0 + dist), 0.0)
    return np.where(window.grid.mask, stencil_sum(timed, kernel, exact=False), np.nan)


# The registry, simplest first: best_method breaks ties by this order. Read-only, so no session changes it
# for another. The emerging-hot-spot map joins the defaults here, after "prospective".
def emerging_score(window: Window, *, band: float | None = None, time_lag: int = 1) -> np.ndarray:
    """1 for the cells that the training months make persistent or intensifying hot spots, else 0.

    Emerging Hot Spot Analysis (:func:`geo.spacetime.emerging.emerging_from_cube`) of the training counts month
    by month, with the Gi* band of :func:`gistar_score`: the map a planner reads as "hot all along, and staying
    so". The other cells tie at 0, so a share larger than those cells is filled from them in part (the tie
    rule of :func:`geo.forecast.accuracy.captured`), never in the order the cells happen to be stored.
    """
    from geo.spacetime.emerging import CATEGORY_CODES, emerging_from_cube

    if band is None:
        band = _window_band(window)
    res = emerging_from_cube(window.cube, band_cells=band / window.grid.cell, time_lag=time_lag,
                             mask=window.grid.mask)
    keep = np.isin(res.category, [CATEGORY_CODES["persistent_hot"], CATEGORY_CODES["intensifying_hot"]])
    return np.where(window.grid.mask, keep.astype(float), np.nan)


METHODS: Mapping[str, Method] = MappingProxyType({
    "last_period": last_period_score,
    "kde": kde_score,
    "gistar": gistar_score,
    "prospective": prospective_score,
    "emerging": emerging_score,
})


# --------------------------------------------------------------------------- the rolling evaluation


@dataclass(eq=False)
class Forecast:
    """Every method's accuracy on every held-out month.

    Attributes
    ----------
    table : pandas.DataFrame
        Tidy, one row per method, test month and share: ``method`` (ordered categorical, simplest first),
        ``test_month`` (first day), ``share``, ``cells`` (k), ``hit_rate``, ``pai``, ``pei``, ``n``, ``N``,
        ``note`` (missing, or why the measures are NaN).
    curve : pandas.DataFrame
        The same at every share of :data:`geo.forecast.accuracy.CURVE_SHARES`, for the chart of PAI by share.
    summary : pandas.DataFrame
        :func:`summarize` of ``table``.
    windows : pandas.DataFrame
        One row per test month: ``test_month``, ``train_start``, ``train_end`` (the last training month),
        ``n_train``, ``N``.
    grid : Grid
    params : dict
        What was used, JSON-serialisable.
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    summary: pd.DataFrame
    windows: pd.DataFrame
    grid: Grid
    params: dict = field(default_factory=dict)

    def best(self, share: float = 0.05) -> str | None:
        """:func:`best_method` of :attr:`summary` at ``share``."""
        return best_method(self.summary, share=share)


def rolling_accuracy(x: np.ndarray, y: np.ndarray, when: np.ndarray | pd.Series, *, grid: Grid,
                     train_months: int = TRAIN_MONTHS, test_months: int = TEST_MONTHS,
                     shares: Sequence[float] = SHARES, curve_shares: Sequence[float] = CURVE_SHARES,
                     methods: Sequence[str] | Mapping[str, Method] | None = None) -> Forecast:
    """Each method trained on ``train_months`` months and scored on the month after, rolling over the data.

    The months are the calendar months from the first incident's to the last's; the test months are the
    last ``test_months`` of them that have ``train_months`` months before them (fewer when the data are
    shorter). A partial last month is scored as it is. Each map is rounded to 1e-10 of its largest value
    before it is ranked, so that cells equal in arithmetic tie (:data:`SCORE_RESOLUTION`); a month with no
    test incident, or fewer than 3 to train on, or whose map a method cannot draw (its ``ValueError``),
    gets NaN with the reason in ``note``.

    Parameters
    ----------
    x, y : numpy.ndarray
        Incident coordinates in the grid's metric CRS. Incidents off the study area are left out.
    when : numpy.ndarray or pandas.Series
        Their times (datetime64; wall-clock, no time zone). NaT is left out.
    grid : Grid
        The cells and the study area.
    train_months, test_months : int
        Length of the training window; number of test months at most.
    shares : sequence of float
        Shares of the area for :attr:`Forecast.table`.
    curve_shares : sequence of float
        Shares of the area for :attr:`Forecast.curve`.
    methods : sequence of str or mapping, optional
        Names from :data:`METHODS`, or a mapping name -> method (the hook for other maps). Default: all of
        :data:`METHODS`.

    Returns
    -------
    Forecast

    Raises
    ------
    ValueError
        Fewer than ``train_months + 1`` months of incidents, a share outside (0, 1], an unknown method, or a
        map not of the grid's shape.
    """
    train_months = check_count(train_months, "train_months")
    test_months = check_count(test_months, "test_months")
    share, curve = check_shares(shares), check_shares(curve_shares)
    chosen = _methods(methods)
    rows, cols = grid.shape
    n_cells = grid.n_cells
    if n_cells < 1:
        msg = "the study area holds no cell of the grid"
        raise ValueError(msg)
    xs, ys, flat, month, day, months0 = _incidents(x, y, when, grid)
    n_months = int(month.max()) + 1 if len(month) else 0
    if n_months < train_months + 1:
        msg = M.FC_FEW_MONTHS.format(train=train_months, need=train_months + 1, n=n_months)
        raise ValueError(msg)
    order = np.argsort(month, kind="stable")
    xs, ys, flat, month, day = xs[order], ys[order], flat[order], month[order], day[order]
    cube = np.bincount(month * (rows * cols) + flat, minlength=n_months * rows * cols).astype(float)
    cube = cube.reshape(n_months, rows, cols)
    cum = np.concatenate([np.zeros((1, rows, cols)), np.cumsum(cube, axis=0)])
    mask = grid.mask
    k_table, k_curve = cells_for(share, n_cells), cells_for(curve, n_cells)
    ks = np.concatenate([k_table, k_curve])
    first_test = max(train_months, n_months - test_months)
    out_rows: list[dict] = []
    windows = []
    nan = np.full(len(ks), np.nan)
    for m in range(first_test, n_months):
        lo, hi = np.searchsorted(month, [m - train_months, m])
        start = (months0 + np.timedelta64(m - train_months, "M")).astype("datetime64[D]")
        end = (months0 + np.timedelta64(m, "M")).astype("datetime64[D]")
        test_days = int(((months0 + np.timedelta64(m + 1, "M")).astype("datetime64[D]") - end).astype(int))
        end_day = float((end - np.datetime64("1970-01-01", "D")).astype(int))
        test = cube[m][mask]
        total = float(test.sum())
        windows.append({"test_month": pd.Timestamp(end), "train_start": pd.Timestamp(start),
                        "train_end": pd.Timestamp(months0 + np.timedelta64(m - 1, "M")), "n_train": int(hi - lo),
                        "N": total})
        # Nothing to score, or too little to draw a map from: every method gets NaN with the same reason.
        note = (FEW_TRAIN.format(need=MIN_INCIDENTS) if hi - lo < MIN_INCIDENTS
                else NO_TEST_INCIDENTS if total == 0 else None)
        if note is None:
            window = Window(grid=grid, x=xs[lo:hi], y=ys[lo:hi], cell_index=flat[lo:hi],
                            age_days=end_day - day[lo:hi], cube=cube[m - train_months:m],
                            counts=cum[m] - cum[m - train_months], start=start, end=end, test_days=test_days)
            n_best = best_captured(test, ks)
        for name, method in chosen.items():
            why = note
            if why is None:
                try:
                    raw = method(window)
                except ValueError as e:  # the library's "these data allow no map" (all at one place...)
                    why = str(e)
            if why is None:
                n = captured(_scores(raw, grid.shape, name)[mask], test, ks)
                hit, pai, _best, pei = rates(n, n_best, total, ks, n_cells)
            else:
                n = hit = pai = pei = nan
            out_rows.append({"method": name, "test_month": pd.Timestamp(end), "n": n, "hit": hit, "pai": pai,
                             "pei": pei, "N": total, "note": why})
    order_names = list(chosen)
    table = _tidy(out_rows, share, k_table, slice(0, len(share)), order_names)
    curve_table = _tidy(out_rows, curve, k_curve, slice(len(share), len(ks)), order_names)
    params = {"train_months": train_months, "test_months": n_months - first_test,
              "test_months_asked": test_months, "months": n_months,
              "first_month": str(months0), "methods": order_names, "shares": share.tolist(),
              "cell": grid.cell, "cells": n_cells, "grid": [rows, cols], "origin": [grid.x0, grid.y0],
              "incidents": int(len(flat)), "tie_rule": "boundary ties count fractionally (expected value)",
              "recommend_by": "mean PEI"}
    return Forecast(table=table, curve=curve_table, summary=summarize(table), windows=pd.DataFrame(windows),
                    grid=grid, params=params)


def summarize(table: pd.DataFrame, *, common: bool = True) -> pd.DataFrame:
    """Mean and median PAI and PEI, and mean hit rate, per method and share over the scored months.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`Forecast.table` or :attr:`Forecast.curve`.
    common : bool
        Only the months every method scored (at that share): the methods are compared on the same held-out
        months, so a month one method could not draw does not flatter or sink it. Otherwise each method's
        own scored months.

    Returns
    -------
    pandas.DataFrame
        ``method``, ``share``, ``months`` (scored: N > 0, enough to train on, a map drawn), ``mean_pai``,
        ``median_pai``, ``mean_pei``, ``median_pei``, ``mean_hit_rate``; methods in the table's order.
    """
    if common and len(table):
        scored = table["pei"].notna()
        everyone = scored.groupby([table["test_month"], table["share"]]).transform("all")
        table = table.assign(pai=table["pai"].where(everyone), pei=table["pei"].where(everyone),
                             hit_rate=table["hit_rate"].where(everyone))
    g = table.groupby(["method", "share"], observed=True, sort=True)
    out = g.agg(months=("pei", "count"), mean_pai=("pai", "mean"), median_pai=("pai", "median"),
                mean_pei=("pei", "mean"), median_pei=("pei", "median"), mean_hit_rate=("hit_rate", "mean"))
    return out.reset_index()


def best_method(summary: pd.DataFrame, *, share: float = 0.05) -> str | None:
    """The method with the highest mean PEI at ``share`` on the held-out months; None when none was scored.

    Mean PEI rather than PAI: PAI's ceiling differs from month to month (it is higher in a month whose
    incidents were concentrated in few cells), so a mean PAI weighs the months unevenly; PEI is each month's
    PAI as a share of that month's ceiling. Means within 1e-9 of each other are a tie, won by the simpler
    method: the earlier in the ``method`` column's order (the registry's, simplest first), else the name.
    """
    rows = summary[np.isclose(summary["share"].to_numpy(dtype=float), share, rtol=0, atol=1e-12)]
    rows = rows[rows["mean_pei"].notna()]
    if rows.empty:
        return None
    top = float(rows["mean_pei"].max())
    tied = rows[rows["mean_pei"] >= top - 1e-9]
    method = tied["method"]
    if isinstance(method.dtype, pd.CategoricalDtype):
        return str(method.iloc[int(np.argmin(method.cat.codes.to_numpy()))])
    return str(sorted(method.astype(str))[0])


# --------------------------------------------------------------------------- the adapter


def forecast_accuracy(incidents: gpd.GeoDataFrame, *, cell: float | None = None,
                      boundary: gpd.GeoDataFrame | gpd.GeoSeries | None = None, train_months: int = TRAIN_MONTHS,
                      test_months: int = TEST_MONTHS, shares: Sequence[float] = SHARES,
                      methods: Sequence[str] | Mapping[str, Method] | None = None,
                      crs: CRS | str | int | None = None) -> Forecast:
    """:func:`rolling_accuracy` of incident points with their ``occurred_at`` times.

    The grid is the hot-spot page's: square cells in the local UTM zone, ``cell`` by default
    :func:`geo.stats.hotspots.optimized_cell_size` of all the incidents. The study area (``A`` of PAI) is
    the cells whose centre lies inside ``boundary``, incidents outside it left out; without a boundary,
    inside the convex hull of the incidents grown by half a cell. PAI depends on ``A``: give the boundary
    of the area the maps are for.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Points with a CRS and an ``occurred_at`` datetime column. Rows without a place or a time are skipped.
    cell : float, optional
        Cell size in metres.
    boundary : geopandas.GeoDataFrame or geopandas.GeoSeries, optional
        Polygons of the study area.
    train_months, test_months, shares, methods
        As :func:`rolling_accuracy`.
    crs : optional
        Metric CRS; default the local UTM zone.

    Returns
    -------
    Forecast
    """
    when = _times(incidents)
    target = CRS.from_user_input(crs) if crs is not None else local_crs(incidents)
    if not target.is_projected:
        msg = f"the CRS for a forecast must be projected (metres), got {target}"
        raise ValueError(msg)
    x, y, ok = metric_xy(incidents, target, what="incidents")
    ok &= when.notna().to_numpy()
    region = None
    if boundary is not None:
        region = _boundary_region(boundary, target)
        ok &= shapely.intersects_xy(region, np.where(ok, x, 0.0), np.where(ok, y, 0.0))
    if ok.sum() < MIN_INCIDENTS:
        msg = M.FC_TOO_FEW.format(need=MIN_INCIDENTS, n=int(ok.sum()))
        raise ValueError(msg)
    x, y, when = x[ok], y[ok], when.to_numpy()[ok]
    if cell is None:
        cell = optimized_cell_size(x, y)
        cell_rule = "optimized_cell_size of the incidents (as the hot-spot page)"
    else:
        cell = check_positive(cell, "cell", unit="metres")
        cell_rule = "given"
    if region is None:
        region = shapely.MultiPoint(np.column_stack([x, y])).convex_hull.buffer(cell / 2)
        area_rule = "cells whose centre is inside the incidents' convex hull grown by half a cell"
    else:
        area_rule = "cells whose centre is inside the boundary"
    lattice = square_grid(x[:0], y[:0], x[:0], region, cell)  # the grid and its mask; counting comes later
    grid = Grid(x0=lattice.x0, y0=lattice.y0, cell=float(cell), mask=lattice.mask)
    result = rolling_accuracy(x, y, when, grid=grid, train_months=train_months, test_months=test_months,
                              shares=shares, methods=methods)
    result.params.update({"crs": target.to_string(), "cell_rule": cell_rule, "area_rule": area_rule,
                          "incidents_left_out": int(len(incidents) - result.params["incidents"])})
    return result


# --------------------------------------------------------------------------- helpers


def _methods(methods: Sequence[str] | Mapping[str, Method] | None) -> dict[str, Method]:
    if methods is None:
        return dict(METHODS)
    if isinstance(methods, Mapping):
        chosen = dict(methods)
    else:
        if isinstance(methods, str):
            methods = [methods]
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            msg = f"unknown method {unknown[0]!r}; choose from {', '.join(METHODS)} or pass a mapping"
            raise ValueError(msg)
        chosen = {m: METHODS[m] for m in methods}
    if not chosen or not all(callable(f) for f in chosen.values()):
        msg = "methods must name at least one method, each mapped to a callable"
        raise ValueError(msg)
    return chosen


def _incidents(x: np.ndarray, y: np.ndarray, when: np.ndarray | pd.Series, grid: Grid
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.datetime64]:
    """The incidents in the study area: x, y, cell, month (from the first incident's), day since 1970, first month."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    t = pd.Series(when).to_numpy()
    if not np.issubdtype(t.dtype, np.datetime64) or not (len(x) == len(y) == len(t)):
        msg = "x, y and when must be of one length, when of datetime64 (no time zone)"
        raise ValueError(msg)
    t = t.astype("datetime64[ns]")
    flat = grid.locate(x, y)
    keep = (flat >= 0) & ~np.isnat(t)
    x, y, flat, t = x[keep], y[keep], flat[keep], t[keep]
    if not len(t):
        return x, y, flat, np.zeros(0, dtype=np.int64), np.zeros(0), np.datetime64("1970-01", "M")
    mon = t.astype("datetime64[M]")
    first = mon.min()
    month = (mon - first).astype(np.int64)
    day = t.astype(np.int64) / DAY_NS
    return x, y, flat, month, day, first


def _scores(raw: np.ndarray, shape: tuple[int, int], name: str) -> np.ndarray:
    s = np.asarray(raw, dtype=float)
    if s.shape != shape:
        msg = f"method {name!r} returned a map of shape {s.shape}, the grid is {shape}"
        raise ValueError(msg)
    finite = np.isfinite(s)
    if finite.any():
        scale = float(np.abs(s[finite]).max())
        if scale > 0:
            step = scale * SCORE_RESOLUTION
            s = np.where(finite, np.round(s / step) * step, s)
    return s


def _tidy(rows: list[dict], share: np.ndarray, cells: np.ndarray, part: slice, order: list[str]) -> pd.DataFrame:
    if not rows:
        cols = ["method", "test_month", "share", "cells", "hit_rate", "pai", "pei", "n", "N", "note"]
        return pd.DataFrame(columns=cols)
    reps = len(share)
    frame = pd.DataFrame({
        "method": np.repeat([r["method"] for r in rows], reps),
        "test_month": np.repeat([r["test_month"] for r in rows], reps),
        "share": np.tile(share, len(rows)),
        "cells": np.tile(cells, len(rows)),
        "hit_rate": np.concatenate([r["hit"][part] for r in rows]),
        "pai": np.concatenate([r["pai"][part] for r in rows]),
        "pei": np.concatenate([r["pei"][part] for r in rows]),
        "n": np.concatenate([r["n"][part] for r in rows]),
        "N": np.repeat([r["N"] for r in rows], reps),
        "note": pd.Series(np.repeat(np.array([r["note"] for r in rows], dtype=object), reps), dtype="str"),
    })
    frame["method"] = pd.Categorical(frame["method"], categories=order, ordered=True)
    return frame
