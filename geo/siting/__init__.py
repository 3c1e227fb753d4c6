"""Where to put new police posts, patrol points or cameras: maximal covering, set covering and p-median.

Three classic location models on incident demand, each solved to proven
optimality (or to a reported gap at the time limit):

- **MCLP** (maximal covering, Church & ReVelle 1974): open ``k`` new sites so
  that the weighted demand within ``radius`` of an open site (new or existing)
  is as large as possible;
- **LSCP** (location set covering, Toregas et al. 1971): the fewest new sites
  that cover every coverable demand point, or a share ``target`` of the
  coverable weight;
- **p-median** (Hakimi 1964): open ``p`` new sites so that the weighted sum of
  distances from each demand point to its nearest open site is smallest.

The numeric core takes a sparse coverage matrix (``cover[i, j]`` is true when
candidate j covers demand point i) or a cost matrix, like spopt's
``from_cost_matrix``; :func:`site` is a thin adapter from incident, candidate
and station layers, covering within a straight-line radius or a drive time
over roads (:func:`geo.coverage.drive_time_matrix`). Existing sites are
ordinary candidate columns named by ``existing``: always open, never counted
in ``k`` or ``p``, never reported as new.

Why hand-written rather than ``spopt.locate``: spopt spends most of its time
building its PuLP model in Python (15.5 s for 200 candidates x 5,000 demand
points, some 320 s at 1,000 x 20,000), solves with CBC by default, applies no
reductions and no warm start, and its ``predefined_facilities_arr`` mixes the
existing sites into the solution it reports. Here models are built as numpy
arrays and handed to HiGHS (highspy) in bulk, after reductions that keep the
optimum exactly:

1. demand points with identical coverage rows are merged, their weights summed
   (rows are hashed, and every merge is checked index by index);
2. demand that no candidate reaches is dropped (it still counts in the total),
   and so is demand already covered by an existing site (a constant);
3. a candidate whose covered set is a subset of another's is dropped (for
   equal sets the lowest index stays), found with one sparse product
   ``AᵀA``; skipped, and recorded in ``stats``, above
   ``DOMINANCE_MAX_CANDIDATES`` candidates;
4. the classic greedy (open the site with the most uncovered weight, again and
   again), improved by 1-swaps, gives the starting solution and a lower bound;
   a greedy that covers everything coverable is optimal without a solver.

The MCLP formulation is the tight one: maximise ``Σ wᵢ yᵢ`` subject to
``yᵢ ≤ Σ_{j covers i} xⱼ``, ``Σ xⱼ ≤ k``, ``x`` binary and ``y`` continuous in
[0, 1]. ``≤ k`` rather than ``= k`` makes dropping dominated candidates safe;
sites that add nothing are not reported, so fewer than ``k`` may come back
when fewer already cover everything coverable. With tens of thousands of
demand rows its LP is slow for simplex (HiGHS needed 20 s for the root LP at
1,000 x 20,000 and did not finish it in 120 s at 2,000 x 50,000), so it is
solved by Benders decomposition on the candidate variables instead (see
:class:`_MclpBenders`): the same optimum and the same LP bound, with m + √n
columns instead of m + n, and Lagrangian reduced-cost fixing from the LP
duals that leaves a few hundred candidates for the MIP. ``method="compact"``
and ``solver="cbc"`` solve the compact model, for comparison.

LSCP is the compact set-covering model (partial covering with the same ``y``
as MCLP when ``target < 1``). The p-median uses the strong assignment
formulation (``xᵢⱼ ≤ yⱼ`` for every pair), with each demand point given only
the candidates nearer than its nearest existing site and among its
``m - p + 1`` nearest (one of those is always open), and a greedy-plus-swap
start.

When all weights (and p-median costs) are whole numbers, the objective is a
whole number and a bound less than 1 away proves optimality: HiGHS is told so
(``mip_abs_gap``), and the bound reported is rounded accordingly.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import geopandas as gpd
import highspy
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree

from geo.coverage import drive_time_matrix, road_graph
from geo.crs import WGS84, local_crs, to_metric

MODELS = ("mclp", "lscp", "pmedian")
SOLVERS = ("highs", "cbc")
DOMINANCE_MAX_CANDIDATES = 5_000
# Σ over demand rows of nnz², the work of the AᵀA product; 3e8 is some 10 s.
DOMINANCE_MAX_WORK = 300_000_000
PMEDIAN_MAX_PAIRS = 4_000_000  # assignment variables; a MIP this size already takes minutes
SWAP_MAX_WORK = 200_000_000  # n x m x p cell updates spent improving the p-median start by swaps
RADIUS_TOLERANCE = 1e-9  # a distance equal to the radius covers, whatever the rounding
MAX_GRID_POINTS = 2_000_000
ROAD_GRID = 0.01  # metres: road vertices closer than this are one node
INT_TOL = 1e-6
_HASH_SEED = 20_251_122


@dataclass
class SitingResult:
    """A solved siting model.

    Attributes
    ----------
    model : str
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    selected : numpy.ndarray
        Indices (candidate columns) of the chosen new sites, ascending.
        Existing sites are never among them. In :func:`site`, positions in
        the ``candidates`` frame.
    existing : numpy.ndarray
        Indices (candidate columns) of the existing sites, always open. In
        :func:`site`, positions in the ``stations`` frame.
    objective : float
        MCLP: weighted demand covered by existing and new sites; LSCP: number
        of new sites; p-median: total weighted distance to the nearest open
        site.
    covered : float
        Weighted demand within the radius of an open site (p-median: only
        when a radius is given, else NaN).
    bound : float
        Best bound proven by the solver (MCLP: an upper bound; LSCP and
        p-median: a lower bound). Equal to ``objective`` when optimal.
    gap : float
        ``|bound - objective| / |objective|``; 0.0 when proven optimal.
    status : str
        ``"optimal"``, ``"time limit"``, ``"infeasible"``, ...
    seconds : float
        Reductions, model building and solving.
    stats : dict
        Sizes before and after each reduction, the greedy value, the solver,
        what was skipped and why. JSON-serialisable, except the ``gains``
        table that :func:`site` adds with ``gains_up_to`` (a DataFrame).
    assignment : numpy.ndarray or None
        p-median: the open candidate column nearest to each demand point.
    """

    model: str
    selected: np.ndarray
    existing: np.ndarray
    objective: float
    covered: float
    bound: float
    gap: float
    status: str
    seconds: float
    stats: dict = field(default_factory=dict)
    assignment: np.ndarray | None = None


# --------------------------------------------------------------------------- coverage


def coverage_matrix(demand_xy: np.ndarray, candidate_xy: np.ndarray, *, radius: float) -> sp.csr_matrix:
    """Which candidates cover which demand points, by Euclidean distance.

    Parameters
    ----------
    demand_xy, candidate_xy : numpy.ndarray
        ``(n, 2)`` and ``(m, 2)`` coordinates in metres.
    radius : float
        Service radius in metres; a distance equal to it covers.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(n, m)`` boolean, sorted indices; no dense ``n x m`` array is made.
    """
    d, c = _xy(demand_xy, "demand_xy"), _xy(candidate_xy, "candidate_xy")
    _check_positive(radius, "radius")
    n, m = len(d), len(c)
    if n == 0 or m == 0:
        return sp.csr_matrix((n, m), dtype=bool)
    lists = cKDTree(c).query_ball_point(d, radius * (1 + RADIUS_TOLERANCE), workers=-1, return_sorted=True)
    lens = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    indices = np.fromiter((j for row in lists for j in row), dtype=np.int32, count=int(indptr[-1]))
    return sp.csr_matrix((np.ones(len(indices), dtype=bool), indices, indptr), shape=(n, m))


# --------------------------------------------------------------------------- MCLP


def mclp_from_coverage(cover: sp.spmatrix, weights: np.ndarray, *, k: int, existing: np.ndarray | None = None,
                       time_limit: float = 60, mip_gap: float = 0.0, solver: str = "highs",
                       method: str = "benders", reduce: bool = True) -> SitingResult:
    """Maximal covering: ``k`` new sites that cover the most weighted demand.

    Parameters
    ----------
    cover : scipy.sparse matrix
        ``(n, m)``; nonzero where candidate j covers demand point i.
    weights : numpy.ndarray
        ``(n,)`` non-negative demand weights.
    k : int
        New sites to open (at most; fewer when they already cover all that
        can be covered).
    existing : numpy.ndarray, optional
        Boolean mask of length m or indices of the columns that are existing
        sites: always open, not counted in ``k``.
    time_limit : float
        Seconds for the solver; the best solution found and its gap are
        reported when it runs out.
    mip_gap : float
        Relative gap at which the solver may stop; 0 asks for proven optimality.
    solver : {"highs", "cbc"}
        HiGHS through highspy, or CBC through PuLP (for comparison; compact
        model only).
    method : {"benders", "compact"}
        Benders cuts on the candidate variables (the default, fast with many
        demand points), or the compact model with one row per demand row
        (for comparison). CBC and ``reduce=False`` always use the compact
        model.
    reduce : bool
        False solves the plain compact model: no merging, dominance or warm
        start (for checking the reductions).

    Returns
    -------
    SitingResult
    """
    t0 = time.perf_counter()
    a, w, ex = _cover_inputs(cover, weights, existing)
    _check_count(k, "k")
    _check_solver(solver)
    if method not in ("benders", "compact"):
        msg = f"method must be 'benders' or 'compact', got {method!r}"
        raise ValueError(msg)
    red = _reduce_cover(a, w, ex, reduce=reduce)
    x, bound, status, info = _solve_mclp(red, k=k, time_limit=time_limit, mip_gap=mip_gap, solver=solver,
                                         start=None, compact=method == "compact")
    return _mclp_result(a, w, ex, red, x, bound, status, {**red.stats, **info}, t0)


def marginal_gains(cover: sp.spmatrix, weights: np.ndarray, *, k_max: int, existing: np.ndarray | None = None,
                   time_limit: float = 60, solver: str = "highs") -> pd.DataFrame:
    """Optimal covered weight for k = 1..k_max new sites: how much each extra site is worth.

    The reductions are made once; each k starts from the solution for k - 1
    plus the greedy's best next site. The optimal covered weight never falls
    as k grows, but the gain of the k-th site need not fall either (the
    optimal sets for different k can differ).

    Parameters
    ----------
    cover, weights, existing, solver
        As for :func:`mclp_from_coverage`.
    k_max : int
        Largest number of new sites.
    time_limit : float
        Seconds for each k.

    Returns
    -------
    pandas.DataFrame
        One row per k: ``k``, ``covered`` (weighted, existing sites
        included), ``gain`` (over k - 1; k = 1 over the existing sites
        alone), ``share`` (of all demand weight), ``bound``, ``gap``,
        ``status``, ``seconds`` and ``selected`` (tuple of candidate columns).
    """
    a, w, ex = _cover_inputs(cover, weights, existing)
    _check_count(k_max, "k_max")
    _check_solver(solver)
    t0 = time.perf_counter()
    red = _reduce_cover(a, w, ex, reduce=True)
    rows = []
    prev_cov = red.preset
    start: np.ndarray | None = None
    engine = None
    if red.reduced and solver == "highs" and red.a.shape[0] and red.a.shape[1]:
        # One master for every k: cuts do not depend on k.
        engine = _MclpBenders(red.a, red.w, integral=bool(np.all(red.w == np.round(red.w))))
    setup = time.perf_counter() - t0
    for k in range(1, k_max + 1):
        t1 = time.perf_counter()
        x, bound, status, info = _solve_mclp(red, k=k, time_limit=time_limit, mip_gap=0.0, solver=solver,
                                             start=start, engine=engine)
        res = _mclp_result(a, w, ex, red, x, bound, status, info, t1)
        start = x
        rows.append({"k": k, "covered": res.covered, "gain": res.covered - prev_cov,
                     "share": res.covered / red.total if red.total > 0 else 0.0, "bound": res.bound,
                     "gap": res.gap, "status": res.status, "seconds": res.seconds + (setup if k == 1 else 0.0),
                     "selected": tuple(int(j) for j in res.selected)})
        prev_cov = res.covered
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- LSCP


def lscp_from_coverage(cover: sp.spmatrix, weights: np.ndarray | None = None, *, target: float = 1.0,
                       existing: np.ndarray | None = None, time_limit: float = 60, mip_gap: float = 0.0,
                       solver: str = "highs", reduce: bool = True) -> SitingResult:
    """Set covering: the fewest new sites that cover a share of the coverable demand.

    Demand that no candidate (new or existing) reaches cannot be covered by
    any choice: it is left out, and its count and weight are reported in
    ``stats`` (``uncoverable_points``, ``uncoverable_weight``). ``target``
    is a share of the rest, so ``target=1.0`` covers every demand point that
    any candidate reaches.

    Parameters
    ----------
    cover, existing, time_limit, mip_gap, solver, reduce
        As for :func:`mclp_from_coverage`.
    weights : numpy.ndarray, optional
        Demand weights; default 1 each. Only matter when ``target < 1``;
        zero-weight points need no cover.
    target : float
        Share in (0, 1] of the coverable weight to cover, existing sites'
        cover included.

    Returns
    -------
    SitingResult
        ``objective`` is the number of new sites.
    """
    t0 = time.perf_counter()
    n = cover.shape[0]
    a, w, ex = _cover_inputs(cover, np.ones(n) if weights is None else weights, existing)
    if not (0 < target <= 1):
        msg = f"target must be a share in (0, 1], got {target}"
        raise ValueError(msg)
    _check_solver(solver)
    red = _reduce_cover(a, w, ex, reduce=reduce)
    coverable = red.total - red.uncoverable
    need = target * coverable
    tol = 1e-9 * max(coverable, 1.0)
    info: dict = {}
    m_red = red.a.shape[1]
    free = ~red.fixed
    if red.preset + red.w[red.fixed_covered].sum() >= need - tol or len(red.w) == 0:
        x, bound_red, status = red.fixed.astype(float), 0.0, "optimal"
        info["solver"] = "none (existing sites already meet the target)"
    else:
        full = target >= 1.0
        if reduce and full:
            red = _drop_implied_rows(red)
        a_csc = red.a.tocsc()
        m_red = red.a.shape[1]
        free = ~red.fixed
        if reduce:
            # Covering every row (target 1) is the greedy run to the end; a share stops at the need.
            picks, cov = _greedy(red.a, a_csc, red.w, need=None if full else need - red.preset - tol)
            start = np.zeros(m_red)
            start[picks] = 1.0
            info["greedy_sites"] = len(picks)
        else:
            start, cov = None, None
        cost = free.astype(float)
        if full:
            # Σ_{j covers i} x_j ≥ 1 for every demand row that needs cover.
            needs = (red.w > 0) & (np.diff(red.a.indptr) > 0)
            mip = _Mip(cost=cost, a=red.a.astype(float).tocsc(), row_lower=np.where(needs, 1.0, -np.inf),
                       row_upper=np.full(len(red.w), np.inf), col_lower=red.fixed.astype(float),
                       col_upper=np.ones(m_red), integer=np.ones(m_red, dtype=bool), maximize=False)
            mip_start = start
        else:
            nr = len(red.w)
            link = sp.hstack([-red.a.astype(float), sp.identity(nr, format="csr")])
            quota = sp.csr_matrix(np.r_[np.zeros(m_red), red.w][None, :])
            mip = _Mip(cost=np.r_[cost, np.zeros(nr)], a=sp.vstack([link, quota]).tocsc(),
                       row_lower=np.r_[np.full(nr, -np.inf), need - red.preset - tol],
                       row_upper=np.r_[np.zeros(nr), np.inf], col_lower=np.r_[red.fixed.astype(float), np.zeros(nr)],
                       col_upper=np.ones(m_red + nr), integer=np.r_[np.ones(m_red, bool), np.zeros(nr, bool)],
                       maximize=False)
            mip_start = None if start is None else np.r_[start, cov.astype(float)]
        sol = _solve_mip(mip, solver=solver, time_limit=time_limit, mip_gap=mip_gap, integral=True, start=mip_start)
        info.update(sol.info)
        status = sol.status
        if sol.x is None:
            x, bound_red = (start if start is not None else np.ones(m_red)), sol.bound
        else:
            x, bound_red = np.round(sol.x[:m_red]), sol.bound
    chosen = red.cols[(x > 0.5) & free]
    chosen = _prune_useless(a, w, ex, chosen) if reduce else np.sort(chosen)
    covered = _covered_weight(a, w, ex, chosen)
    if covered < need - tol and status == "optimal":
        status = "infeasible"
    obj = float(len(chosen))
    bound = float(math.ceil(bound_red - INT_TOL)) if np.isfinite(bound_red) else bound_red
    bound = min(bound, obj)
    gap = 0.0 if status == "optimal" else _gap(obj, bound)
    stats = {**red.stats, **info, "target": target, "target_weight": need}
    return SitingResult(model="lscp", selected=chosen, existing=np.flatnonzero(ex), objective=obj,
                        covered=covered, bound=bound if status != "optimal" else obj, gap=gap, status=status,
                        seconds=time.perf_counter() - t0, stats=stats)


# --------------------------------------------------------------------------- p-median


def pmedian_from_cost(cost: np.ndarray, weights: np.ndarray, *, p: int, existing: np.ndarray | None = None,
                      radius: float | None = None, time_limit: float = 60, mip_gap: float = 0.0,
                      solver: str = "highs", reduce: bool = True) -> SitingResult:
    """p-median: ``p`` new sites that make the weighted distance to the nearest open site smallest.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(n, m)`` dense distances (or travel times) from demand point i to
        candidate j; finite and non-negative.
    weights : numpy.ndarray
        ``(n,)`` non-negative demand weights.
    p : int
        New sites to open.
    existing : numpy.ndarray, optional
        Mask or indices of the columns that are existing sites, always open.
    radius : float, optional
        A service distance: ``covered`` reports the weight within it.
    time_limit, mip_gap, solver, reduce
        As for :func:`mclp_from_coverage`.

    Returns
    -------
    SitingResult
        ``objective`` is ``Σ wᵢ min_{j open} cost[i, j]``; ``assignment``
        the nearest open column of each demand point.
    """
    t0 = time.perf_counter()
    c = np.asarray(cost, dtype=float)
    if c.ndim != 2:
        msg = f"cost must be a 2-D (demand x candidate) array, got shape {c.shape}"
        raise ValueError(msg)
    n, m = c.shape
    w = _check_weights(weights, n)
    ex = _existing_mask(existing, m)
    if not np.isfinite(c).all() or (c < 0).any():
        msg = "cost must be finite and non-negative"
        raise ValueError(msg)
    _check_solver(solver)
    free_cols = np.flatnonzero(~ex)
    if not 1 <= p <= len(free_cols):
        msg = f"p must be between 1 and the {len(free_cols)} candidates that are not existing sites, got {p}"
        raise ValueError(msg)
    if n == 0:
        msg = "no demand points"
        raise ValueError(msg)
    stats: dict = {"demand_rows": n, "candidates": m, "existing_sites": int(ex.sum())}
    integral = bool(np.all(w == np.round(w)) and np.all(c == np.round(c)))
    keep = w > 0 if reduce else np.ones(n, dtype=bool)
    cr, wr = c[keep], w[keep]
    if reduce:
        gid, rep = _merge_dense_rows(cr)
        wr = np.bincount(gid, weights=wr, minlength=len(rep))
        cr = cr[rep]
        stats.update(demand_rows_positive=int(keep.sum()), demand_rows_merged=len(rep))
    # Existing sites: a constant option per demand row, the nearest existing site.
    e = cr[:, ex].min(axis=1) if ex.any() else np.full(len(wr), np.inf)
    cf = cr[:, free_cols]
    m_free = len(free_cols)
    if reduce:
        start_idx = _pmedian_start(cf, wr, e, p)
        allowed = cf < e[:, None]
        if p > 1:
            # At least one of any m - p + 1 candidates is open: farther ones are never the nearest open site.
            kth = np.partition(cf, m_free - p, axis=1)[:, m_free - p]
            allowed &= cf <= kth[:, None]
        stats["greedy_swap_value"] = float(_pmedian_value(cf, wr, e, start_idx))
    else:
        start_idx = None
        allowed = np.ones_like(cf, dtype=bool)
    ii, jj = np.nonzero(allowed)
    stats["assignment_pairs"] = len(ii)
    if len(ii) > PMEDIAN_MAX_PAIRS:
        msg = (f"the p-median needs {len(ii):,} demand-candidate pairs (limit {PMEDIAN_MAX_PAIRS:,}): "
               "aggregate the demand points (e.g. to a grid) or use fewer candidates")
        raise ValueError(msg)
    nr, npair = len(wr), len(ii)
    has_e = np.isfinite(e)
    ie = np.flatnonzero(has_e)
    # Columns: y (m_free, binary), x pairs (npair), z (existing option per demand row with one).
    ny, nz = m_free, len(ie)
    col_cost = np.r_[np.zeros(ny), wr[ii] * cf[ii, jj], wr[ie] * e[ie]]
    # Rows: assignment (nr, = 1), link x - y <= 0 (npair), cardinality (1).
    ar = np.r_[ii, nr + np.arange(npair), nr + np.arange(npair), ie, np.full(ny, nr + npair)]
    ac = np.r_[ny + np.arange(npair), ny + np.arange(npair), jj, ny + npair + np.arange(nz), np.arange(ny)]
    av = np.r_[np.ones(npair), np.ones(npair), -np.ones(npair), np.ones(nz), np.ones(ny)]
    ncol = ny + npair + nz
    a_mat = sp.csc_matrix((av, (ar, ac)), shape=(nr + npair + 1, ncol))
    mip = _Mip(cost=col_cost, a=a_mat, row_lower=np.r_[np.ones(nr), np.full(npair, -np.inf), p],
               row_upper=np.r_[np.ones(nr), np.zeros(npair), p], col_lower=np.zeros(ncol), col_upper=np.ones(ncol),
               integer=np.r_[np.ones(ny, bool), np.zeros(npair + nz, bool)], maximize=False)
    start = None
    if start_idx is not None:
        start = np.zeros(ncol)
        start[start_idx] = 1.0
        open_mask = np.zeros(m_free, bool)
        open_mask[start_idx] = True
        best = np.where(open_mask[None, :], cf, np.inf)
        near = best.argmin(axis=1)
        dnear = best[np.arange(nr), near]
        use_e = has_e & (e <= dnear)
        start[ny + npair + np.flatnonzero(use_e[ie])] = 1.0
        rows = np.flatnonzero(~use_e)
        # np.nonzero lists pairs row by row, so a pair's position is found by its flat index.
        start[ny + np.searchsorted(ii * m_free + jj, rows * m_free + near[rows])] = 1.0
    sol = _solve_mip(mip, solver=solver, time_limit=time_limit, mip_gap=mip_gap, integral=integral, start=start)
    stats.update(sol.info)
    if sol.x is not None:
        open_free = np.flatnonzero(sol.x[:ny] > 0.5)
    elif start_idx is not None:
        open_free = np.sort(start_idx)
    else:
        open_free = np.zeros(0, dtype=np.intp)
    selected = np.sort(free_cols[open_free])
    open_cols = np.r_[np.flatnonzero(ex), selected].astype(np.intp)
    status = sol.status
    if len(open_cols) == 0:
        return SitingResult(model="pmedian", selected=selected, existing=np.flatnonzero(ex), objective=math.inf,
                            covered=math.nan, bound=sol.bound, gap=math.inf, status=status,
                            seconds=time.perf_counter() - t0, stats=stats)
    sub = c[:, open_cols]
    near = sub.argmin(axis=1)
    assignment = open_cols[near]
    dist = sub[np.arange(n), near]
    obj = float(w @ dist)
    bound = sol.bound
    if integral and np.isfinite(bound):
        bound = float(math.ceil(bound - INT_TOL))
    bound = min(bound, obj)
    if status == "optimal":
        bound = obj
    covered = float(w[dist <= radius * (1 + RADIUS_TOLERANCE)].sum()) if radius is not None else math.nan
    return SitingResult(model="pmedian", selected=selected, existing=np.flatnonzero(ex), objective=obj,
                        covered=covered, bound=bound, gap=0.0 if status == "optimal" else _gap(obj, bound),
                        status=status, seconds=time.perf_counter() - t0, stats=stats, assignment=assignment)


# --------------------------------------------------------------------------- geometry adapter


def site(incidents: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, *, radius: float | None = None,
         minutes: float | None = None, roads: gpd.GeoDataFrame | nx.Graph | None = None, off_road_kmh: float = 5.0,
         model: str = "mclp", k: int | None = None, target: float | None = None,
         stations: gpd.GeoDataFrame | None = None, weight: str | None = None,
         category_weights: dict[str, float] | None = None,
         exclusion: gpd.GeoDataFrame | None = None, time_limit: float = 60,
         aggregate: float | None = None, gains_up_to: int | None = None) -> tuple[SitingResult, gpd.GeoDataFrame]:
    """Choose sites for new posts among candidate points, from incident layers.

    Everything is projected to the local metric CRS (the UTM zone of the
    incidents and candidates). Each incident weighs ``weight`` (a column,
    default 1) times ``category_weights[category]`` (default 1 for a
    category not named). Candidates inside or on an exclusion polygon are
    dropped. Existing ``stations`` are added as always-open sites: the
    incidents they cover count as covered and never pull a new site towards
    them. Candidate and station polygons or lines stand for a point on them.

    The service standard is a straight-line ``radius`` or a drive time of
    ``minutes`` over ``roads``: a site covers an incident it reaches within
    that time, by the travel model of :func:`geo.coverage.drive_time_coverage`
    (:func:`geo.coverage.drive_time_matrix` gives the coverage matrix; the
    road graph is built once, in the same local CRS). MCLP, LSCP and the
    gains table then run unchanged on that matrix; the p-median minimises
    straight-line distances and takes a radius only.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Demand points; ``category`` column needed with ``category_weights``.
    candidates : geopandas.GeoDataFrame
        Possible new sites (see :func:`grid_candidates`,
        :func:`road_intersections`).
    radius : float, optional
        Service radius in metres; give this or ``minutes``.
    minutes : float, optional
        Drive time that counts as covered; needs ``roads``.
    roads : geopandas.GeoDataFrame or networkx.Graph, optional
        Road lines (``speed_kmh``, ``road_class``) or a graph from
        :func:`geo.coverage.road_graph`, to drive along with ``minutes``.
    off_road_kmh : float
        With ``minutes``: speed between a point and its nearest road.
    model : {"mclp", "lscp", "pmedian"}
        Maximal covering (``k`` sites), set covering (fewest sites for
        ``target``, default 1.0) or p-median (``k`` sites, distances).
    k : int, optional
        New sites for ``"mclp"`` and ``"pmedian"``.
    target : float, optional
        Share of coverable weight for ``"lscp"``.
    stations : geopandas.GeoDataFrame, optional
        Existing sites.
    weight : str, optional
        Column of incident weights.
    category_weights : dict, optional
        Weight per incident category.
    exclusion : geopandas.GeoDataFrame, optional
        Polygons where no new site may go.
    time_limit : float
        Seconds for the solver.
    gains_up_to : int, optional
        MCLP only: also solve k = 1..gains_up_to and put the table of
        :func:`marginal_gains` in ``result.stats["gains"]``.
    aggregate : float, optional
        p-median only: snap incidents to the centres of square cells of this
        size in metres (weights summed) to keep the model small; distances
        are then off by at most ``aggregate / sqrt(2)``.

    Returns
    -------
    result : SitingResult
        ``selected`` holds positions in ``candidates``, ``existing``
        positions in ``stations``; ``stats`` adds the counts of incidents and
        candidates used and dropped, and the standard: ``radius`` and
        ``minutes`` (one of them None) and, with minutes, ``off_road_kmh``.
    chosen : geopandas.GeoDataFrame
        The selected candidates in WGS84, their columns kept, sorted by
        ``rank``: the order in which a greedy would add them (the largest
        ``new_covered`` first), with ``new_covered`` (weighted incidents
        newly within the radius or drive time, given the stations and the
        sites ranked before), ``new_covered_count`` (the same count of
        incidents of positive weight) and, when the incidents have a ``category``,
        ``new_<category>`` (that count per category). p-median adds ``assigned`` (weighted incidents
        whose nearest open site it is) and ``mean_distance`` (of those, in
        metres).
    """
    if model not in MODELS:
        msg = f"model must be one of {MODELS}, got {model!r}"
        raise ValueError(msg)
    _check_standard(radius, minutes, roads, model)
    if model in ("mclp", "pmedian") and k is None:
        msg = f"model {model!r} needs k, the number of new sites"
        raise ValueError(msg)
    if model == "lscp" and k is not None:
        msg = "model 'lscp' chooses the number of sites itself; give target, not k"
        raise ValueError(msg)
    stations = stations if stations is not None else candidates.iloc[:0]
    crs = local_crs(incidents, candidates)
    inc_xy, inc_ok = _points(incidents, crs)
    cand_xy, cand_ok = _points(candidates, crs)
    sta_xy, sta_ok = _points(stations, crs)
    w_all = _incident_weights(incidents, weight, category_weights)
    inc_pos = np.flatnonzero(inc_ok)
    inc_xy, w = inc_xy[inc_ok], w_all[inc_ok]
    excluded = np.zeros(len(candidates), dtype=bool)
    if exclusion is not None and len(exclusion) and len(candidates):
        polys = exclusion.geometry.to_crs(crs)
        pts = gpd.GeoSeries(shapely.points(np.where(cand_ok[:, None], cand_xy, 0.0)), crs=crs)
        hit, _ = polys.sindex.query(pts, predicate="intersects")
        excluded[hit] = True
    cand_pos = np.flatnonzero(cand_ok & ~excluded)
    sta_pos = np.flatnonzero(sta_ok)
    xy_cols = np.vstack([cand_xy[cand_pos], sta_xy[sta_pos]]) if len(sta_pos) else cand_xy[cand_pos]
    m_new, n_sta = len(cand_pos), len(sta_pos)
    existing = np.arange(m_new, m_new + n_sta)
    stats_in = {"incidents": len(incidents), "incidents_without_location": int((~inc_ok).sum()),
                "candidates_given": len(candidates), "candidates_excluded": int(excluded.sum()),
                "candidates_without_location": int((~cand_ok).sum()), "candidates_used": m_new,
                "stations": n_sta, "crs": crs.to_string(), "radius": None if radius is None else float(radius),
                "minutes": None if minutes is None else float(minutes)}
    if m_new == 0:
        msg = "no candidate sites left (all excluded or without a location)"
        raise ValueError(msg)
    if minutes is None:
        cover = coverage_matrix(inc_xy, xy_cols, radius=radius)
    else:
        stats_in["off_road_kmh"] = float(off_road_kmh)
        graph = roads if isinstance(roads, nx.Graph) else road_graph(roads, crs=crs)
        cover = drive_time_matrix(gpd.GeoDataFrame(geometry=shapely.points(inc_xy), crs=crs),
                                  gpd.GeoDataFrame(geometry=shapely.points(xy_cols), crs=crs), graph,
                                  minutes=minutes, off_road_kmh=off_road_kmh).astype(bool)
    if model == "mclp":
        res = mclp_from_coverage(cover, w, k=int(k), existing=existing, time_limit=time_limit)
        if gains_up_to:
            stats_in["gains"] = marginal_gains(cover, w, k_max=int(gains_up_to), existing=existing,
                                               time_limit=time_limit)
    elif model == "lscp":
        res = lscp_from_coverage(cover, w, target=1.0 if target is None else target, existing=existing,
                                 time_limit=time_limit)
    else:
        dxy, dw = inc_xy, w
        if aggregate is not None:
            _check_positive(aggregate, "aggregate")
            cells = np.floor(inc_xy / aggregate)
            uniq, inv = np.unique(cells, axis=0, return_inverse=True)
            dxy = (uniq + 0.5) * aggregate
            dw = np.bincount(inv.ravel(), weights=w, minlength=len(uniq))
            stats_in["aggregated_points"] = len(uniq)
        if len(dxy) * xy_cols.shape[0] > 5 * PMEDIAN_MAX_PAIRS:
            msg = (f"a p-median of {len(dxy):,} incidents x {xy_cols.shape[0]:,} sites is too large: "
                   "give aggregate (a cell size in metres) or fewer candidates")
            raise ValueError(msg)
        dist = np.sqrt(((dxy[:, None, :] - xy_cols[None, :, :]) ** 2).sum(axis=2))
        res = pmedian_from_cost(dist, dw, p=int(k), existing=existing, radius=radius, time_limit=time_limit)
    res.stats.update(stats_in)
    order, gain_w, gain_n, newly = _rank(cover, w, res.selected, existing)
    chosen_cols = res.selected[order]
    chosen = candidates.iloc[cand_pos[chosen_cols]].copy()
    chosen["rank"] = np.arange(1, len(chosen_cols) + 1)
    chosen["new_covered"] = gain_w
    chosen["new_covered_count"] = gain_n
    if "category" in incidents.columns:
        cats = incidents["category"].astype(str).to_numpy()[inc_pos]
        for c in np.unique(cats):
            chosen[f"new_{c}"] = np.array([int((cats[rows] == c).sum()) for rows in newly], dtype=np.int64)
    if model == "pmedian":
        near = _nearest_open(inc_xy, xy_cols, res)
        dist_near = np.sqrt(((inc_xy - xy_cols[near]) ** 2).sum(axis=1))
        assigned = np.bincount(near, weights=w, minlength=xy_cols.shape[0])
        dsum = np.bincount(near, weights=w * dist_near, minlength=xy_cols.shape[0])
        chosen["assigned"] = assigned[chosen_cols]
        with np.errstate(invalid="ignore", divide="ignore"):
            chosen["mean_distance"] = np.where(assigned[chosen_cols] > 0, dsum[chosen_cols] / assigned[chosen_cols],
                                               np.nan)
        res.assignment = None  # per-incident assignments in column space would mislead; see the frame
    res.selected = np.sort(cand_pos[res.selected])
    res.existing = sta_pos
    res.stats["incident_positions_used"] = len(inc_pos)
    return res, chosen.to_crs(WGS84)


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
    _check_positive(spacing, "spacing")
    geoms = area.geometry if isinstance(area, gpd.GeoDataFrame) else area
    if len(geoms) == 0:
        return gpd.GeoDataFrame({"x": [], "y": []}, geometry=[], crs=geoms.crs)
    crs = local_crs(geoms)
    shape = shapely.union_all(geoms.to_crs(crs).to_numpy())
    x0, y0, x1, y1 = shape.bounds
    nx, ny = int((x1 - x0) // spacing) + 1, int((y1 - y0) // spacing) + 1
    if nx * ny > MAX_GRID_POINTS:
        msg = f"a {spacing:g} m grid over this area has {nx * ny:,} points (limit {MAX_GRID_POINTS:,}); use a wider spacing"
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


# --------------------------------------------------------------------------- reductions


@dataclass
class _Reduced:
    """A coverage problem after reductions, in reduced rows and columns."""

    a: sp.csr_matrix  # reduced demand rows x reduced candidate columns, bool
    w: np.ndarray  # weight of each reduced row
    cols: np.ndarray  # candidate column of each reduced column
    fixed: np.ndarray  # reduced columns that are always open (only without reductions)
    fixed_covered: np.ndarray  # reduced rows covered by a fixed column
    reduced: bool  # reductions applied (else the plain model, existing sites as fixed columns)
    total: float  # all demand weight
    uncoverable: float  # weight no candidate reaches
    preset: float  # weight covered by existing sites, taken out of the model
    stats: dict


def _reduce_cover(a: sp.csr_matrix, w: np.ndarray, ex: np.ndarray, *, reduce: bool) -> _Reduced:
    n, m = a.shape
    row_nnz = np.diff(a.indptr)
    reach = row_nnz > 0
    stats: dict = {"demand_rows": n, "candidates": m, "existing_sites": int(ex.sum()),
                   "uncoverable_points": int((~reach & (w > 0)).sum()), "uncoverable_weight": float(w[~reach].sum())}
    total, uncoverable = float(w.sum()), float(w[~reach].sum())
    if not reduce:
        fixed_cov = (a[:, np.flatnonzero(ex)].getnnz(axis=1) > 0) if ex.any() else np.zeros(n, bool)
        stats["reductions"] = "none"
        return _Reduced(a=a, w=w, cols=np.arange(m), fixed=ex.copy(), fixed_covered=fixed_cov, reduced=False,
                        total=total, uncoverable=uncoverable, preset=0.0, stats=stats)
    by_existing = (a[:, np.flatnonzero(ex)].getnnz(axis=1) > 0) if ex.any() else np.zeros(n, bool)
    preset = float(w[by_existing].sum())
    keep = reach & ~by_existing & (w > 0)
    free = np.flatnonzero(~ex)
    b = a[np.flatnonzero(keep)][:, free]
    b.sort_indices()
    wk = w[keep]
    stats.update(covered_by_existing_points=int(by_existing.sum()), covered_by_existing_weight=preset,
                 demand_rows_in_model=int(keep.sum()))
    gid, rep = _merge_rows(b)
    wr = np.bincount(gid, weights=wk, minlength=len(rep))
    b = b[rep]
    stats["demand_rows_merged"] = len(rep)
    cols_keep, note = _undominated(b)
    stats["candidates_free"] = len(free)
    stats["candidates_after_dominance"] = int(cols_keep.sum())
    stats["dominance"] = note
    b = b[:, np.flatnonzero(cols_keep)]
    b.sort_indices()
    return _Reduced(a=b.tocsr(), w=wr, cols=free[cols_keep], fixed=np.zeros(b.shape[1], bool),
                    fixed_covered=np.zeros(len(wr), bool), reduced=True, total=total, uncoverable=uncoverable, preset=preset,
                    stats=stats)


def _drop_implied_rows(red: _Reduced) -> _Reduced:
    """Set covering only: a row whose candidate set contains another row's is covered whenever that one is.

    Rows kept are those that contain no other row's set (for equal sets,
    the first); candidates are then checked for dominance again, as fewer
    rows make more of them subsets of others.
    """
    a = red.a
    size = np.diff(a.indptr)
    work = float((np.bincount(a.indices, minlength=a.shape[1]).astype(np.float64) ** 2).sum())
    if work > DOMINANCE_MAX_WORK:
        red.stats["implied_rows"] = f"skipped: AAᵀ would take {work:.3g} operations > {DOMINANCE_MAX_WORK:.3g}"
        return red
    b = a.astype(np.int32)
    inter = (b @ b.T).tocoo()
    i, j, v = inter.row, inter.col, inter.data
    # Row j is implied by row i when set_i ⊆ set_j (smaller, or equal with i first).
    implied = (v == size[i]) & (i != j) & ((size[i] < size[j]) | (i < j))
    keep = np.ones(a.shape[0], dtype=bool)
    keep[j[implied]] = False
    a2 = a[np.flatnonzero(keep)]
    cols, _ = _undominated(a2.tocsr())
    a2 = a2[:, np.flatnonzero(cols)].tocsr()
    a2.sort_indices()
    red.stats.update(implied_rows=f"applied: {int((~keep).sum()):,} of {a.shape[0]:,} dropped",
                     demand_rows_after_implied=int(keep.sum()), candidates_after_implied=int(cols.sum()))
    return _Reduced(a=a2, w=red.w[keep], cols=red.cols[cols], fixed=red.fixed[cols],
                    fixed_covered=red.fixed_covered[keep], reduced=True, total=red.total,
                    uncoverable=red.uncoverable, preset=red.preset, stats=red.stats)


def _merge_rows(a: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Group rows with identical column sets: group id per row, and each group's first row.

    Rows are keyed by their length and two random 64-bit sums over their
    columns, then each row is compared entry by entry with its group's first
    row; a row that differs (a hash collision) gets a group of its own.
    Groups are numbered in the order of their first rows.
    """
    n = a.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    nnz = np.diff(a.indptr)
    rng = np.random.default_rng(_HASH_SEED)
    keys = [nnz.astype(np.uint64)]
    for _ in range(2):
        r = rng.integers(0, np.iinfo(np.uint64).max, a.shape[1], dtype=np.uint64, endpoint=True)
        cs = np.zeros(a.nnz + 1, dtype=np.uint64)
        np.cumsum(r[a.indices], out=cs[1:])  # wraps modulo 2^64, which is what a hash wants
        keys.append(cs[a.indptr[1:]] - cs[a.indptr[:-1]])
    order = np.lexsort(keys[::-1])
    ks = np.column_stack([k[order] for k in keys])
    new = np.r_[True, (ks[1:] != ks[:-1]).any(axis=1)]
    gsorted = np.cumsum(new) - 1
    first = order[new]  # lexsort is stable: the smallest row index of each group
    gid = np.empty(n, dtype=np.intp)
    gid[order] = gsorted
    rep_of = first[gid]
    row_of_entry = np.repeat(np.arange(n), nnz)
    pos = np.arange(a.nnz) - a.indptr[row_of_entry] + a.indptr[rep_of[row_of_entry]]
    bad = np.unique(row_of_entry[a.indices != a.indices[pos]])
    if len(bad):
        gid[bad] = gid.max() + 1 + np.arange(len(bad))
    # Renumber by first row so that reduced rows keep the input order.
    uniq, first_row = np.unique(gid, return_index=True)
    rank = np.empty(len(uniq), dtype=np.intp)
    rank[np.argsort(first_row, kind="stable")] = np.arange(len(uniq))
    lookup = np.empty(gid.max() + 1, dtype=np.intp)
    lookup[uniq] = rank
    gid = lookup[gid]
    return gid, np.sort(first_row)


def _merge_dense_rows(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group identical rows of a dense array: group id per row, and each group's first row."""
    if len(c) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    cc = np.ascontiguousarray(c) + 0.0  # -0.0 becomes 0.0, so equal rows have equal bytes
    v = cc.view(np.dtype((np.void, cc.dtype.itemsize * cc.shape[1]))).ravel()
    _, first, inv = np.unique(v, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inv.ravel()], np.sort(first)


def _undominated(a: sp.csr_matrix) -> tuple[np.ndarray, str]:
    """Columns to keep: drop empty columns and those whose row set is inside another's.

    Column i is dropped when some column j covers a superset of its rows and
    is larger, or equal with a lower index; every dropped column then has a
    kept column covering a superset (the relation is a strict order), so an
    optimal solution remains among the kept ones.
    """
    m = a.shape[1]
    size = np.bincount(a.indices, minlength=m)
    nonempty = size > 0
    if m > DOMINANCE_MAX_CANDIDATES:
        return nonempty, f"skipped: {m:,} candidates > {DOMINANCE_MAX_CANDIDATES:,}"
    work = float((np.diff(a.indptr).astype(np.float64) ** 2).sum())
    if work > DOMINANCE_MAX_WORK:
        return nonempty, f"skipped: AᵀA would take {work:.3g} operations > {DOMINANCE_MAX_WORK:.3g}"
    b = a.astype(np.int32)
    inter = (b.T @ b).tocoo()
    i, j, v = inter.row, inter.col, inter.data
    sub = (v == size[i]) & (i != j) & ((size[j] > size[i]) | (j < i))
    dominated = np.zeros(m, dtype=bool)
    dominated[i[sub]] = True
    keep = nonempty & ~dominated
    return keep, f"applied: {int((~keep).sum()):,} of {m:,} dropped"


def _greedy(a_csr: sp.csr_matrix, a_csc: sp.csc_matrix, w: np.ndarray, *, k: int | None = None,
            need: float | None = None, start: np.ndarray | None = None) -> tuple[list[int], np.ndarray]:
    """Greedy max coverage: open the column with the most uncovered weight until k, or need, is reached.

    ``start`` columns are open beforehand (not returned). Returns the picked
    columns and the covered-row mask.
    """
    covered = np.zeros(a_csr.shape[0], dtype=bool)
    gain = a_csc.T @ w

    def open_col(j: int) -> None:
        rows = a_csc.indices[a_csc.indptr[j]:a_csc.indptr[j + 1]]
        new = rows[~covered[rows]]
        if len(new):
            covered[new] = True
            np.subtract(gain, a_csr[new].T @ w[new], out=gain)

    for j in np.flatnonzero(start) if start is not None else ():
        open_col(int(j))
    picks: list[int] = []
    got = float(w[covered].sum())
    while (k is None or len(picks) < k) and (need is None or got < need):
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        got += float(gain[j])
        open_col(j)
        picks.append(j)
    return picks, covered


# --------------------------------------------------------------------------- MCLP solve


def _solve_mclp(red: _Reduced, *, k: int, time_limit: float, mip_gap: float, solver: str,
                start: np.ndarray | None, engine: _MclpBenders | None = None,
                compact: bool = False) -> tuple[np.ndarray, float, str, dict]:
    """Solve the (reduced) MCLP: column values, upper bound (preset included), status, info.

    The reduced problem goes to the Benders engine with HiGHS; the plain
    model (``reduce=False``) and ``solver="cbc"`` go to the compact model.
    """
    nr, mr = red.a.shape
    free = ~red.fixed
    upper_all = red.preset + float(red.w.sum())
    if nr == 0 or mr == 0:
        return red.fixed.astype(float), red.preset, "optimal", {"solver": "none (nothing left to cover)"}
    if int(free.sum()) <= k:
        return np.ones(mr), upper_all, "optimal", {"solver": "none (k opens every useful candidate)"}
    integral = bool(np.all(red.w == np.round(red.w)))
    if red.reduced and solver == "highs" and not compact:
        eng = engine if engine is not None else _MclpBenders(red.a, red.w, integral=integral)
        x, bound, status, info = eng.solve(k, start=start, time_limit=time_limit, mip_gap=mip_gap)
        return x, bound + red.preset, status, info
    info: dict = {"method": "compact"}
    x0 = None
    if red.reduced:
        picks, cov = _greedy(red.a, red.a.tocsc(), red.w, k=k)
        x0 = np.zeros(mr)
        x0[picks] = 1.0
        info["greedy_value"] = red.preset + float(red.w[cov].sum())
        x0 = np.r_[x0, cov.astype(float)]
    # max Σ w y  s.t.  y_i - Σ_{j covers i} x_j ≤ 0,  Σ_{free} x_j ≤ k.
    link = sp.hstack([-red.a.astype(float), sp.identity(nr, format="csr")])
    card = sp.csr_matrix(np.r_[free.astype(float), np.zeros(nr)][None, :])
    mip = _Mip(cost=np.r_[np.zeros(mr), red.w], a=sp.vstack([link, card]).tocsc(),
               row_lower=np.full(nr + 1, -np.inf), row_upper=np.r_[np.zeros(nr), k],
               col_lower=np.r_[red.fixed.astype(float), np.zeros(nr)], col_upper=np.ones(mr + nr),
               integer=np.r_[np.ones(mr, bool), np.zeros(nr, bool)], maximize=True)
    sol = _solve_mip(mip, solver=solver, time_limit=time_limit, mip_gap=mip_gap, integral=integral, start=x0)
    info.update(sol.info)
    if sol.x is None:
        x = np.zeros(mr) if x0 is None else x0[:mr]
    else:
        x = np.round(sol.x[:mr])
    return x, sol.bound + red.preset, sol.status, info


class _MclpBenders:
    """Maximal covering by Benders cuts on the candidate variables, solved with HiGHS.

    The covered weight of demand group g, ``f_g(x) = Σ_{i in g} wᵢ min(1, aᵢ·x)``,
    is concave in x; at any point x̂, with C the rows that x̂ covers fully,
    ``θ_g ≤ Σ_{i in g∩C} wᵢ + Σ_{i in g∖C} wᵢ aᵢ·x`` is a valid cut. The master
    maximises ``Σ θ_g`` over ``Σ xⱼ ≤ k`` and the cuts: m + G columns instead
    of m + n, which is what makes 100,000 demand points fast (Cordeau, Furini
    & Ljubić 2019 do the same for partial set covering and MCLP).

    1. A start: the greedy (from the previous k's solution, if given), then
       1-swap local search.
    2. The LP relaxation by Kelley's cutting planes with in-out
       stabilisation (cuts separated between the LP point and a stable
       interior point), one cut per group (multi-cut, G about √n groups of
       neighbouring rows).
    3. From the LP duals, Lagrangian multipliers uᵢ ∈ [0, wᵢ] with the bound
       ``L(u) = Σ (wᵢ - uᵢ) + (sum of the k largest (Aᵀu)ⱼ)``, valid whatever
       the accuracy of the duals. Candidates that cannot reach a better value
       than the best known solution (``L(u | xⱼ = 1)`` or ``L(u | xⱼ = 0)``
       not above it) are fixed.
    4. The problem left after fixing (free candidates, rows merged again):
       up to ``COMPACT_MAX_ROWS`` rows as a compact MIP, where HiGHS can cut
       on the rows; beyond, the master as a MIP (x binary), warm-started, an
       integer point whose cuts overstate it getting its cuts and the MIP
       solved again, until the master's bound meets the best solution.
    """

    ALPHA = 0.5  # in-out: separate half way between the stable point and the LP point
    LP_MAX_ROUNDS = 400
    SWAP_MAX_MOVES = 200
    # Up to this many rows the residual's compact model beats the master (HiGHS can cut on its rows).
    COMPACT_MAX_ROWS = 4_000

    def __init__(self, a: sp.csr_matrix, w: np.ndarray, *, integral: bool) -> None:
        t0 = time.perf_counter()
        perm, self.bounds = _row_groups(a)
        self.a = a[perm].astype(np.float64).tocsr()
        self.ac = self.a.tocsc()
        self.w = np.asarray(w, dtype=float)[perm]
        self.n, self.m = self.a.shape
        self.G = len(self.bounds) - 1
        self.grp = np.repeat(np.arange(self.G), np.diff(self.bounds))
        self.P = sp.csr_matrix((np.ones(self.n), (self.grp, np.arange(self.n))), shape=(self.G, self.n))
        self.W = self.P @ self.w
        self.integral = integral
        self.total = float(self.w.sum())
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        self.inf = h.getInfinity()
        m, G = self.m, self.G
        h.addVars(m + G, np.zeros(m + G), np.r_[np.ones(m), self.W])
        h.changeColsCost(m + G, np.arange(m + G, dtype=np.int32), np.r_[np.zeros(m), np.ones(G)])
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.addRow(-self.inf, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
        self.h = h
        self.cut_rows: list[np.ndarray] = []  # uncovered rows of each cut, for the Lagrangian multipliers
        self.setup_seconds = time.perf_counter() - t0

    # ---- evaluation and cuts

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix, np.ndarray]:
        """Per-group value at x, the cuts' constants and coefficient rows, and the rows not fully covered."""
        ax = self.a @ x
        full = ax >= 1.0 - 1e-9
        const = self.P @ np.where(full, self.w, 0.0)
        value = const + self.P @ np.where(full, 0.0, self.w * np.minimum(ax, 1.0))
        coef = (self.P.multiply(np.where(full, 0.0, self.w)[None, :]) @ self.a).tocsr()
        return value, const, coef, ~full

    def add_cuts(self, const: np.ndarray, coef: sp.csr_matrix, open_rows: np.ndarray, groups: np.ndarray) -> int:
        if len(groups) == 0:
            return 0
        sub = coef[groups]
        # θ_g - coef·x ≤ const: the coefficient rows with θ_g's column appended.
        lens = np.diff(sub.indptr) + 1
        starts = np.r_[0, np.cumsum(lens)[:-1]]
        idx = np.empty(int(lens.sum()), dtype=np.int32)
        val = np.empty(int(lens.sum()))
        pos = np.repeat(starts, lens - 1) + (np.arange(sub.nnz) - np.repeat(sub.indptr[:-1], lens - 1))
        idx[pos], val[pos] = sub.indices, -sub.data
        idx[starts + lens - 1], val[starts + lens - 1] = self.m + groups, 1.0
        self.h.addRows(len(groups), np.full(len(groups), -self.inf), const[groups], len(idx),
                       starts.astype(np.int32), idx, val)
        for g in groups:
            lo = self.bounds[g]
            self.cut_rows.append(lo + np.flatnonzero(open_rows[lo:self.bounds[g + 1]]))
        return len(groups)

    def covered(self, x: np.ndarray) -> float:
        return float(self.w[(self.a @ x) > 0.5].sum())

    # ---- bounds

    def proven(self, upper: float, lower: float, mip_gap: float) -> bool:
        if self.integral:
            return math.floor(upper + INT_TOL) <= lower or upper - lower <= mip_gap * abs(lower)
        return upper - lower <= max(mip_gap * abs(lower), 1e-9 * max(self.total, 1.0))

    def lagrangian(self, k: int) -> tuple[float, np.ndarray]:
        """L(u) from the current master LP's duals, and the column scores s = Aᵀu."""
        duals = np.abs(np.asarray(self.h.getSolution().row_dual)[1:])
        beta = np.zeros(self.n)
        for d, rows in zip(duals, self.cut_rows, strict=True):
            if d > 0:
                beta[rows] += d
        u = self.w * np.clip(beta, 0.0, 1.0)
        s = self.ac.T @ u
        top = np.sort(s)[::-1][:k]
        return float((self.w - u).sum() + top.sum()), s

    # ---- heuristics

    def swap_search(self, picks: np.ndarray, deadline: float) -> np.ndarray:
        """Best-improvement 1-swap local search from a set of open columns."""
        cur = np.array(picks, dtype=np.intp)
        x = np.zeros(self.m)
        x[cur] = 1.0
        for _ in range(self.SWAP_MAX_MOVES):
            if time.perf_counter() > deadline or len(cur) == 0:
                break
            cnt = self.a @ x
            gain = self.ac.T @ np.where(cnt < 0.5, self.w, 0.0)
            single = np.where(np.abs(cnt - 1.0) < 0.5, self.w, 0.0)
            best, best_t, best_j = 1e-9 * max(self.total, 1.0), -1, -1
            for t, j_out in enumerate(cur):
                rows = self.ac.indices[self.ac.indptr[j_out]:self.ac.indptr[j_out + 1]]
                loss = single[rows].sum()
                only = rows[single[rows] > 0]
                delta = gain - loss + (self.a[only].T @ self.w[only] if len(only) else 0.0)
                delta[cur] = -np.inf
                j = int(np.argmax(delta))
                if delta[j] > best:
                    best, best_t, best_j = float(delta[j]), t, j
            if best_t < 0:
                break
            x[cur[best_t]] = 0.0
            x[best_j] = 1.0
            cur[best_t] = best_j
        return x

    # ---- the solve

    def solve(self, k: int, *, start: np.ndarray | None, time_limit: float,
              mip_gap: float) -> tuple[np.ndarray, float, str, dict]:
        t0 = time.perf_counter()
        deadline = t0 + time_limit
        h, m, G = self.h, self.m, self.G
        info: dict = {"solver": f"HiGHS {h.version()}", "method": "benders", "demand_groups": G}
        # 1. A start: greedy from the given sites, then swaps.
        if start is not None and int((start > 0.5).sum()) > k:
            start = None
        n_start = 0 if start is None else int((start > 0.5).sum())
        picks, cov = _greedy(self.a, self.ac, self.w, k=k - n_start, start=start)
        x_best = np.zeros(m)
        if start is not None:
            x_best[start > 0.5] = 1.0
        x_best[picks] = 1.0
        info["greedy_value"] = float(self.w[cov].sum())
        if cov.all():
            info["phase"] = "greedy covers every coverable point"
            return x_best, self.total, "optimal", info
        x_best = self.swap_search(np.flatnonzero(x_best), deadline)
        lower = self.covered(x_best)
        info["swap_value"] = lower
        # 2. LP relaxation by stabilised multi-cut Kelley.
        h.changeRowBounds(0, -self.inf, float(k))
        h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.zeros(m, dtype=np.int32))
        h.changeColsBounds(m, np.arange(m, dtype=np.int32), np.zeros(m), np.ones(m))
        h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        stable = 0.5 * x_best + 0.5 * k / m
        value, const, coef, open_rows = self.evaluate(stable)
        f_stable = float(value.sum())
        if not self.cut_rows:
            self.add_cuts(const, coef, open_rows, np.arange(G))
        upper, f_lp, rounds = math.inf, -math.inf, 0
        x_lp = stable
        t_lp = time.perf_counter()
        for rounds in range(1, self.LP_MAX_ROUNDS + 1):
            h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            sol = np.asarray(h.getSolution().col_value)
            x_lp, theta = sol[:m], sol[m:]
            upper = min(upper, float(theta.sum()))
            if self.proven(upper, lower, mip_gap) or upper - f_lp <= 1e-9 * max(upper, 1.0):
                break
            sep = self.ALPHA * stable + (1 - self.ALPHA) * x_lp
            value, const, coef, open_rows = self.evaluate(sep)
            f_lp = max(f_lp, float(value.sum()))
            viol = np.flatnonzero(const + coef @ x_lp < theta - 1e-9 * np.maximum(self.W, 1.0))
            if len(viol) == 0:
                value, const, coef, open_rows = self.evaluate(x_lp)
                f_lp = max(f_lp, float(value.sum()))
                viol = np.flatnonzero(const + coef @ x_lp < theta - 1e-9 * np.maximum(self.W, 1.0))
                if len(viol) == 0:
                    f_lp = upper
                    break
                sep = x_lp
            self.add_cuts(const, coef, open_rows, viol)
            if float(value.sum()) > f_stable:
                stable, f_stable = sep, float(value.sum())
            if time.perf_counter() > deadline:
                break
        if h.getSolution().row_dual is None or len(h.getSolution().row_dual) != len(self.cut_rows) + 1:
            h.run()  # the last cuts were added after the last solve: duals must match the cuts
        info.update(lp_rounds=rounds, lp_bound=upper, lp_seconds=time.perf_counter() - t_lp, cuts=len(self.cut_rows))
        # 3. Lagrangian bound, LP rounding, fixing.
        fixed0 = np.zeros(m, dtype=bool)
        fixed1 = np.zeros(m, dtype=bool)
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            lag, s = self.lagrangian(k)
            upper = min(upper, lag)
            info["lagrangian_bound"] = lag
            for guide in (x_lp, s):
                cand = self.swap_search(np.argsort(-guide, kind="stable")[:k], deadline)
                if self.covered(cand) > lower:
                    x_best, lower = cand, self.covered(cand)
            info["heuristic_value"] = lower
            if not self.proven(upper, lower, 0.0):
                order = np.argsort(-s, kind="stable")
                sk, sk1 = s[order[k - 1]], (s[order[k]] if m > k else 0.0)
                in_top = np.zeros(m, dtype=bool)
                in_top[order[:k]] = True
                # A candidate is fixed when forcing the other way cannot beat the best solution.
                fixed0 = ~in_top & self._no_better(lag - sk + s, lower)
                fixed1 = in_top & self._no_better(lag - s + sk1, lower)
                fixed1 &= x_best > 0.5  # keep the best solution feasible
                fixed0 &= x_best < 0.5
        info.update(fixed_out=int(fixed0.sum()), fixed_in=int(fixed1.sum()))
        status = "optimal" if self.proven(upper, lower, mip_gap) else "time limit"
        # 4. The master MIP until its bound meets the best solution.
        if status != "optimal" and time.perf_counter() < deadline:
            t_mip = time.perf_counter()
            residual = self.residual(fixed0, fixed1)
            info["residual_rows"], info["residual_candidates"] = residual[0].shape
            if residual[0].shape[0] <= self.COMPACT_MAX_ROWS:
                info["mip"] = "compact residual"
                x_best, lower, up_mip, status = self.compact_mip(residual, fixed1, x_best, lower, k,
                                                                 deadline=deadline, mip_gap=mip_gap)
            else:
                info["mip"] = "master"
                x_best, lower, up_mip, status = self.master_mip(np.where(fixed1, 1.0, 0.0),
                                                                np.where(fixed0, 0.0, 1.0), x_best, lower,
                                                                deadline=deadline, mip_gap=mip_gap, global_bound=True)
            upper = min(upper, max(up_mip, lower))
            info.update(mip_seconds=time.perf_counter() - t_mip)
            # Leave the master as an LP over all candidates for the next k.
            h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.zeros(m, dtype=np.int32))
            h.changeColsBounds(m, np.arange(m, dtype=np.int32), np.zeros(m), np.ones(m))
        if self.proven(upper, lower, mip_gap):
            status = "optimal"
        elif status == "optimal":
            status = "not proven"  # the master stopped without closing the gap (should not happen)
        info["seconds"] = time.perf_counter() - t0
        return x_best, upper if status != "optimal" else lower, status, info

    def residual(self, fixed0: np.ndarray, fixed1: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, float]:
        """The problem left after fixing: rows (merged again) by free columns, weights, free columns, constant."""
        free = np.flatnonzero(~fixed0 & ~fixed1)
        on = np.flatnonzero(fixed1)
        done = (self.ac[:, on].getnnz(axis=1) > 0) if len(on) else np.zeros(self.n, dtype=bool)
        b = self.a[:, free].astype(bool).tocsr()
        keep = np.flatnonzero((b.getnnz(axis=1) > 0) & ~done)
        b = b[keep]
        b.sort_indices()
        gid, first = _merge_rows(b)
        return b[first], np.bincount(gid, weights=self.w[keep], minlength=len(first)), free, float(
            self.w[done].sum())

    def compact_mip(self, residual: tuple[sp.csr_matrix, np.ndarray, np.ndarray, float], fixed1: np.ndarray,
                    x_best: np.ndarray, lower: float, k: int, *, deadline: float,
                    mip_gap: float) -> tuple[np.ndarray, float, float, str]:
        """The compact model of the residual problem: fast while it has a few thousand rows."""
        b, wr, free, const = residual
        nr, mr = b.shape
        link = sp.hstack([-b.astype(float), sp.identity(nr, format="csr")])
        card = sp.csr_matrix(np.r_[np.ones(mr), np.zeros(nr)][None, :])
        mip = _Mip(cost=np.r_[np.zeros(mr), wr], a=sp.vstack([link, card]).tocsc(),
                   row_lower=np.full(nr + 1, -np.inf), row_upper=np.r_[np.zeros(nr), k - int(fixed1.sum())],
                   col_lower=np.zeros(mr + nr), col_upper=np.ones(mr + nr),
                   integer=np.r_[np.ones(mr, bool), np.zeros(nr, bool)], maximize=True)
        xs = x_best[free]
        start = np.r_[xs, ((b @ xs) > 0.5).astype(float)]
        sol = _solve_mip(mip, solver="highs", time_limit=max(deadline - time.perf_counter(), 0.01),
                         mip_gap=mip_gap, integral=self.integral, start=start)
        if sol.x is not None:
            x = np.zeros(self.m)
            x[fixed1] = 1.0
            x[free] = np.round(sol.x[:mr])
            if self.covered(x) > lower:
                x_best, lower = x, self.covered(x)
        return x_best, lower, sol.bound + const, sol.status

    def master_mip(self, lo: np.ndarray, hi: np.ndarray, x_best: np.ndarray, lower: float, *, deadline: float,
                   mip_gap: float, global_bound: bool) -> tuple[np.ndarray, float, float, str]:
        """Solve the master with x binary within [lo, hi], adding cuts at integer points it overrates.

        Returns the best solution, its value, the master's bound (inf when
        ``global_bound`` is False or none was proven) and a status.
        """
        h, m = self.h, self.m
        h.changeColsBounds(m, np.arange(m, dtype=np.int32), lo, hi)
        h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.ones(m, dtype=np.int32))
        h.setOptionValue("mip_rel_gap", float(mip_gap))
        if self.integral:
            h.setOptionValue("mip_abs_gap", 1.0 - 1e-6)
        upper, status = math.inf, "time limit"
        while time.perf_counter() < deadline:
            value_best = self.evaluate(x_best)[0]
            sol = highspy.HighsSolution()
            sol.col_value = list(np.r_[x_best, value_best])
            sol.value_valid = True
            h.setSolution(sol)
            h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
            h.run()
            mi = h.getInfo()
            if global_bound and np.isfinite(mi.mip_dual_bound):
                upper = min(upper, float(mi.mip_dual_bound))
            if mi.primal_solution_status != 2:
                break
            sol_v = np.asarray(h.getSolution().col_value)
            x_star, theta = np.round(sol_v[:m]), sol_v[m:]
            value, const, coef, open_rows = self.evaluate(x_star)
            if float(value.sum()) > lower:
                x_best, lower = x_star, float(value.sum())
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            viol = np.flatnonzero(value < theta - 1e-7 * np.maximum(self.W, 1.0))
            if len(viol) == 0:
                status = "optimal"
                break
            self.add_cuts(const, coef, open_rows, viol)
        return x_best, lower, upper, status

    def _no_better(self, bound: np.ndarray, lower: float) -> np.ndarray:
        if self.integral:
            return np.floor(bound + INT_TOL) <= lower
        return bound < lower - 1e-9 * max(self.total, 1.0)


def _row_groups(a: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Order rows so that rows near each other (sharing candidates) are adjacent, and cut into ~√n groups.

    Candidates are ordered by reverse Cuthill-McKee on their overlap graph
    (``AᵀA``), a cheap bandwidth-reducing order that keeps neighbours close;
    rows follow their first candidate in that order.
    """
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    n, m = a.shape
    pattern = (a.T.astype(np.int32) @ a.astype(np.int32)).tocsr()
    pos = np.empty(m, dtype=np.int64)
    pos[reverse_cuthill_mckee(pattern, symmetric_mode=True)] = np.arange(m)
    key = np.minimum.reduceat(pos[a.indices], a.indptr[:-1]) if a.nnz else np.zeros(n, dtype=np.int64)
    perm = np.argsort(key, kind="stable")
    g = int(np.clip(round(math.sqrt(n)), 1, 400))
    bounds = np.unique(np.linspace(0, n, g + 1).round().astype(np.int64))
    return perm, bounds


def _mclp_result(a: sp.csr_matrix, w: np.ndarray, ex: np.ndarray, red: _Reduced, x: np.ndarray, bound: float,
                 status: str, stats: dict, t0: float) -> SitingResult:
    chosen = red.cols[(x > 0.5) & ~red.fixed]
    chosen = _prune_useless(a, w, ex, chosen)
    covered = _covered_weight(a, w, ex, chosen)
    if np.isfinite(bound) and np.all(w == np.round(w)):
        bound = float(math.floor(bound + INT_TOL))
    bound = max(bound, covered) if np.isfinite(bound) else bound
    if status == "optimal":
        bound = covered
    return SitingResult(model="mclp", selected=chosen, existing=np.flatnonzero(ex), objective=covered,
                        covered=covered, bound=bound, gap=0.0 if status == "optimal" else _gap(covered, bound),
                        status=status, seconds=time.perf_counter() - t0, stats=stats)


def _prune_useless(a: sp.csr_matrix, w: np.ndarray, ex: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Drop chosen sites that add no covered weight given all the others (ties between twins: keep the first)."""
    chosen = np.sort(np.asarray(chosen, dtype=np.intp))
    if len(chosen) == 0:
        return chosen
    a_csc = a.tocsc()
    count = np.zeros(a.shape[0], dtype=np.int64)
    for j in np.r_[np.flatnonzero(ex), chosen]:
        count[a_csc.indices[a_csc.indptr[j]:a_csc.indptr[j + 1]]] += 1
    keep = []
    for j in chosen[::-1]:  # the last of equal twins goes first
        rows = a_csc.indices[a_csc.indptr[j]:a_csc.indptr[j + 1]]
        if float(w[rows[count[rows] == 1]].sum()) > 0:
            keep.append(j)
        else:
            count[rows] -= 1
    return np.sort(np.array(keep, dtype=np.intp))


def _covered_weight(a: sp.csr_matrix, w: np.ndarray, ex: np.ndarray, chosen: np.ndarray) -> float:
    cols = np.r_[np.flatnonzero(ex), chosen].astype(np.intp)
    if len(cols) == 0:
        return 0.0
    hit = a[:, cols].getnnz(axis=1) > 0
    return float(w[hit].sum())


def _rank(a: sp.csr_matrix, w: np.ndarray, chosen: np.ndarray,
          existing: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Order chosen columns by greedy marginal coverage given the existing ones.

    Returns the order, each site's newly covered weight and count (rows of
    positive weight), and the newly covered rows of positive weight.
    """
    a_csc = a.tocsc()
    covered = np.zeros(a.shape[0], dtype=bool)
    for j in existing:
        covered[a_csc.indices[a_csc.indptr[j]:a_csc.indptr[j + 1]]] = True
    left = list(range(len(chosen)))
    order, gw, gn, newly = [], [], [], []
    pos = w > 0
    while left:
        best, best_key = None, None
        for t in left:
            rows = a_csc.indices[a_csc.indptr[chosen[t]]:a_csc.indptr[chosen[t] + 1]]
            new = rows[~covered[rows]]
            key = (float(w[new].sum()), int(pos[new].sum()))
            if best_key is None or key > best_key:
                best, best_key = t, key
        rows = a_csc.indices[a_csc.indptr[chosen[best]]:a_csc.indptr[chosen[best] + 1]]
        new = rows[~covered[rows]]
        newly.append(new[pos[new]])
        covered[rows] = True
        order.append(best)
        gw.append(best_key[0])
        gn.append(best_key[1])
        left.remove(best)
    return np.array(order, dtype=np.intp), np.array(gw, dtype=float), np.array(gn, dtype=np.int64), newly


# --------------------------------------------------------------------------- p-median start


def _pmedian_value(cf: np.ndarray, w: np.ndarray, e: np.ndarray, open_idx: np.ndarray) -> float:
    d = np.minimum(cf[:, open_idx].min(axis=1), e) if len(open_idx) else e
    return float(w @ d)


def _pmedian_start(cf: np.ndarray, w: np.ndarray, e: np.ndarray, p: int) -> np.ndarray:
    """Greedy add, then best-improvement swaps while they pay and the work budget lasts."""
    n, m = cf.shape
    d = e.copy()
    open_idx: list[int] = []
    for _ in range(p):
        tot = w @ np.minimum(d[:, None], cf)
        tot[open_idx] = np.inf
        j = int(np.argmin(tot))
        open_idx.append(j)
        d = np.minimum(d, cf[:, j])
    opened = np.array(open_idx, dtype=np.intp)
    budget = SWAP_MAX_WORK
    best_val = _pmedian_value(cf, w, e, opened)
    while budget > n * m * p:
        budget -= n * m * p
        improved = False
        for t in range(p):
            others = np.delete(opened, t)
            base = np.minimum(cf[:, others].min(axis=1), e) if len(others) else e.copy()
            tot = w @ np.minimum(base[:, None], cf)
            tot[others] = np.inf
            j = int(np.argmin(tot))
            if tot[j] < best_val - 1e-9 * max(1.0, abs(best_val)):
                opened[t] = j
                best_val = float(tot[j])
                improved = True
        if not improved:
            break
    return opened


def _nearest_open(xy: np.ndarray, cols_xy: np.ndarray, res: SitingResult) -> np.ndarray:
    """Column of the nearest open site (new or existing) of each point; ``res.selected`` in column space."""
    open_cols = np.r_[res.existing, res.selected].astype(np.intp)
    _, near = cKDTree(cols_xy[open_cols]).query(xy, workers=-1)
    return open_cols[near]


# --------------------------------------------------------------------------- MIP solvers


@dataclass
class _Mip:
    """A MIP in matrix form: optimise ``cost @ x`` s.t. ``row_lower <= a @ x <= row_upper``, bounds, integrality."""

    cost: np.ndarray
    a: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    maximize: bool


@dataclass
class _Solution:
    x: np.ndarray | None
    objective: float
    bound: float
    status: str
    info: dict


def _solve_mip(mip: _Mip, *, solver: str, time_limit: float, mip_gap: float, integral: bool,
               start: np.ndarray | None) -> _Solution:
    if solver == "cbc":
        return _solve_cbc(mip, time_limit=time_limit, mip_gap=mip_gap, start=start)
    return _solve_highs(mip, time_limit=time_limit, mip_gap=mip_gap, integral=integral, start=start)


def _solve_highs(mip: _Mip, *, time_limit: float, mip_gap: float, integral: bool,
                 start: np.ndarray | None) -> _Solution:
    t0 = time.perf_counter()
    a = mip.a.tocsc()
    a.sort_indices()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if integral:
        # A whole-number objective: a bound less than 1 away is proof of optimality.
        h.setOptionValue("mip_abs_gap", 1.0 - 1e-6)
    inf = h.getInfinity()
    h.passModel(a.shape[1], a.shape[0], a.nnz, 1, -1 if mip.maximize else 1, 0.0,
                mip.cost.astype(float), mip.col_lower.astype(float), mip.col_upper.astype(float),
                np.nan_to_num(mip.row_lower.astype(float), neginf=-inf, posinf=inf),
                np.nan_to_num(mip.row_upper.astype(float), neginf=-inf, posinf=inf),
                a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
                mip.integer.astype(np.int32))
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, start))
        sol.value_valid = True
        h.setSolution(sol)
    built = time.perf_counter() - t0
    h.run()
    ms = h.getModelStatus()
    info_h = h.getInfo()
    status = _highs_status(h, ms)
    has_x = info_h.primal_solution_status == 2
    x = np.asarray(h.getSolution().col_value) if has_x else None
    bound = float(info_h.mip_dual_bound)
    if ms == highspy.HighsModelStatus.kOptimal:
        bound = float(info_h.objective_function_value) if not np.isfinite(bound) else bound
    info = {"solver": f"HiGHS {h.version()}", "mip_columns": a.shape[1], "mip_rows": a.shape[0],
            "mip_nonzeros": int(a.nnz), "build_seconds": built, "solve_seconds": time.perf_counter() - t0 - built,
            "solver_gap": float(info_h.mip_gap), "mip_nodes": int(info_h.mip_node_count),
            "warm_start": start is not None}
    return _Solution(x=x, objective=float(info_h.objective_function_value) if has_x else math.nan, bound=bound,
                     status=status, info=info)


def _highs_status(h: highspy.Highs, ms: highspy.HighsModelStatus) -> str:
    names = {highspy.HighsModelStatus.kOptimal: "optimal", highspy.HighsModelStatus.kTimeLimit: "time limit",
             highspy.HighsModelStatus.kInfeasible: "infeasible", highspy.HighsModelStatus.kInterrupt: "interrupted"}
    return names.get(ms, h.modelStatusToString(ms).lower())


def _solve_cbc(mip: _Mip, *, time_limit: float, mip_gap: float, start: np.ndarray | None) -> _Solution:
    import pulp  # only for comparison runs; the default solver is HiGHS

    t0 = time.perf_counter()
    a = mip.a.tocsr()
    prob = pulp.LpProblem("siting", pulp.LpMaximize if mip.maximize else pulp.LpMinimize)
    xs = [pulp.LpVariable(f"x{j}", lowBound=float(lo), upBound=float(up),
                          cat=pulp.LpBinary if (ig and lo == 0 and up == 1) else
                          (pulp.LpInteger if ig else pulp.LpContinuous))
          for j, (lo, up, ig) in enumerate(zip(mip.col_lower, mip.col_upper, mip.integer, strict=True))]
    prob += pulp.LpAffineExpression([(xs[j], float(c)) for j, c in enumerate(mip.cost) if c != 0])
    for i in range(a.shape[0]):
        s, e = a.indptr[i], a.indptr[i + 1]
        expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in zip(a.indices[s:e], a.data[s:e], strict=True)])
        lo, up = mip.row_lower[i], mip.row_upper[i]
        if np.isfinite(lo) and np.isfinite(up) and lo == up:
            prob += expr == float(lo)
        else:
            if np.isfinite(lo):
                prob += expr >= float(lo)
            if np.isfinite(up):
                prob += expr <= float(up)
    if start is not None:
        for v, s0 in zip(xs, start, strict=True):
            v.setInitialValue(float(s0))
    built = time.perf_counter() - t0
    cmd = pulp.PULP_CBC_CMD(msg=False, timeLimit=float(time_limit), gapRel=float(mip_gap),
                            warmStart=start is not None)
    prob.solve(cmd)
    status = {1: "optimal", 0: "time limit", -1: "infeasible", -2: "unbounded"}.get(prob.status, "undefined")
    vals = np.array([v.value() if v.value() is not None else math.nan for v in xs], dtype=float)
    has_x = np.isfinite(vals).all() and prob.sol_status in (1, 2)
    obj = float(pulp.value(prob.objective)) if has_x else math.nan
    if prob.status == 1 and prob.sol_status == 1:
        status, bound = "optimal", obj
    else:
        status, bound = ("time limit" if has_x else status), (math.inf if mip.maximize else -math.inf)
    info = {"solver": f"CBC via PuLP {pulp.__version__}", "mip_columns": a.shape[1], "mip_rows": a.shape[0],
            "mip_nonzeros": int(a.nnz), "build_seconds": built, "solve_seconds": time.perf_counter() - t0 - built,
            "warm_start": start is not None}
    return _Solution(x=vals if has_x else None, objective=obj, bound=bound, status=status, info=info)


# --------------------------------------------------------------------------- inputs


def _cover_inputs(cover: sp.spmatrix, weights: np.ndarray,
                  existing: np.ndarray | None) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    if not sp.issparse(cover):
        msg = "cover must be a scipy.sparse matrix (see coverage_matrix)"
        raise ValueError(msg)
    a = sp.csr_matrix(cover, dtype=bool, copy=True)
    a.eliminate_zeros()
    a.sum_duplicates()
    a.sort_indices()
    n, m = a.shape
    return a, _check_weights(weights, n), _existing_mask(existing, m)


def _check_weights(weights: np.ndarray, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float).ravel()
    if len(w) != n:
        msg = f"weights has {len(w)} values for {n} demand points"
        raise ValueError(msg)
    if not np.isfinite(w).all() or (w < 0).any():
        msg = "weights must be finite and non-negative"
        raise ValueError(msg)
    return w


def _existing_mask(existing: np.ndarray | None, m: int) -> np.ndarray:
    if existing is None:
        return np.zeros(m, dtype=bool)
    e = np.asarray(existing)
    if e.dtype == bool:
        if e.shape != (m,):
            msg = f"an existing-site mask needs {m} values, got {e.shape}"
            raise ValueError(msg)
        return e.copy()
    idx = e.astype(np.int64).ravel()
    if len(idx) and (idx.min() < 0 or idx.max() >= m):
        msg = f"existing-site indices must be in 0..{m - 1}"
        raise ValueError(msg)
    mask = np.zeros(m, dtype=bool)
    mask[idx] = True
    return mask


def _check_count(k: int, name: str) -> None:
    if isinstance(k, bool) or int(k) != k or k < 1:
        msg = f"{name} must be a whole number >= 1, got {k!r}"
        raise ValueError(msg)


def _check_positive(v: float, name: str) -> None:
    if not (np.isfinite(v) and v > 0):
        msg = f"{name} must be a positive number of metres, got {v!r}"
        raise ValueError(msg)


def _check_standard(radius: float | None, minutes: float | None, roads: object, model: str) -> None:
    """Exactly one service standard: a radius, or minutes with roads (not for the p-median)."""
    if (radius is None) == (minutes is None):
        msg = ("give exactly one service standard: radius (metres in a straight line) "
               "or minutes (drive time over roads)")
        raise ValueError(msg)
    if radius is not None:
        _check_positive(radius, "radius")
        if roads is not None:
            msg = "roads are for a drive-time standard (minutes); a radius is measured in a straight line"
            raise ValueError(msg)
        return
    if not (isinstance(minutes, int | float | np.number) and np.isfinite(minutes) and minutes > 0):
        msg = f"minutes must be a positive drive time, got {minutes!r}"
        raise ValueError(msg)
    if roads is None:
        msg = "minutes needs roads: a road layer (or road_graph) to drive along"
        raise ValueError(msg)
    if model == "pmedian":
        msg = "the p-median uses straight-line distances: give radius, or use mclp or lscp with minutes"
        raise ValueError(msg)


def _check_solver(solver: str) -> None:
    if solver not in SOLVERS:
        msg = f"solver must be one of {SOLVERS}, got {solver!r}"
        raise ValueError(msg)


def _xy(v: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.ndim != 2 or a.shape[1] != 2:
        msg = f"{name} must be an (n, 2) array of coordinates, got shape {a.shape}"
        raise ValueError(msg)
    if not np.isfinite(a).all():
        msg = f"{name} has coordinates that are not finite"
        raise ValueError(msg)
    return a


def _gap(obj: float, bound: float) -> float:
    if not np.isfinite(bound):
        return math.inf
    return abs(bound - obj) / max(abs(obj), 1e-12)


def _points(frame: gpd.GeoDataFrame, crs: object) -> tuple[np.ndarray, np.ndarray]:
    """Metric x, y of each feature (a point on it for lines and polygons) and whether it has one."""
    if len(frame) == 0:
        return np.zeros((0, 2)), np.zeros(0, dtype=bool)
    if frame.crs is None:
        msg = "a layer without a CRS cannot be placed; give its CRS (e.g. EPSG:4326)"
        raise ValueError(msg)
    g = frame.geometry.to_crs(crs).to_numpy()
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
    pts = np.where(shapely.get_type_id(g) == 0, g, None)
    other = ok & (shapely.get_type_id(g) != 0)
    pts[other] = shapely.point_on_surface(g[other])
    xy = np.full((len(g), 2), np.nan)
    xy[ok] = shapely.get_coordinates(pts[ok])
    ok &= np.isfinite(xy).all(axis=1)
    return xy, ok


def _incident_weights(incidents: gpd.GeoDataFrame, weight: str | None,
                      category_weights: dict[str, float] | None) -> np.ndarray:
    w = np.ones(len(incidents))
    if weight is not None:
        if weight not in incidents.columns:
            msg = f"no weight column {weight!r} among the incidents' columns"
            raise ValueError(msg)
        w = pd.to_numeric(incidents[weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(w).all() or (w < 0).any():
            msg = f"weight column {weight!r} must hold non-negative numbers"
            raise ValueError(msg)
    if category_weights:
        if "category" not in incidents.columns:
            msg = "category_weights needs a 'category' column in the incidents"
            raise ValueError(msg)
        bad = {c: v for c, v in category_weights.items() if not (np.isfinite(v) and v >= 0)}
        if bad:
            msg = f"category weights must be non-negative numbers, got {bad}"
            raise ValueError(msg)
        w = w * incidents["category"].map(category_weights).fillna(1.0).to_numpy(dtype=float)
    return w


def along_roads(roads: gpd.GeoDataFrame, *, spacing: float) -> gpd.GeoDataFrame:
    """Candidate points every ``spacing`` metres along the road lines (cameras watch roads).

    Returns points in the roads' CRS with the road's ``name`` where it has one.
    """
    _check_positive(spacing, "spacing")
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
