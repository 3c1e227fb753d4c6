"""Covering models on a coverage matrix: maximal covering (MCLP) and set covering (LSCP).

- **MCLP** (maximal covering, Church & ReVelle 1974): open ``k`` new sites so
  that the weighted demand within reach of an open site (new or existing) is
  as large as possible;
- **LSCP** (location set covering, Toregas et al. 1971): the fewest new sites
  that cover every coverable demand point, or a share ``target`` of the
  coverable weight.

Both take a sparse coverage matrix (``cover[i, j]`` is true when candidate j
covers demand point i), like spopt's ``from_cost_matrix``, and solve to
proven optimality (or a reported gap at the time limit) after the exact
reductions of :mod:`geo.siting.presolve`. ``Σ xⱼ ≤ k`` rather than ``= k``
makes dropping dominated candidates safe; sites that add nothing are not
reported, so fewer than ``k`` may come back when fewer already cover
everything coverable. LSCP is the compact set-covering model (partial
covering with the same ``y`` as MCLP when ``target < 1``); the MCLP solve is
in :mod:`geo.siting.benders`.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.checks import check_choice, check_count, check_positive
from geo.siting.benders import _MclpBenders, _solve_mclp
from geo.siting.mip import _Mip, _solve_mip
from geo.siting.presolve import _drop_implied_rows, _greedy, _Reduced, _reduce_cover
from geo.siting.result import (
    INT_TOL,
    RADIUS_TOLERANCE,
    SitingResult,
    _check_solver,
    _cover_inputs,
    _gap,
    _xy,
)

__all__ = ["coverage_matrix", "lscp_from_coverage", "marginal_gains", "mclp_from_coverage"]


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
    check_positive(radius, "radius", unit="metres")
    n, m = len(d), len(c)
    if n == 0 or m == 0:
        return sp.csr_matrix((n, m), dtype=bool)
    lists = cKDTree(c).query_ball_point(d, radius * (1 + RADIUS_TOLERANCE), workers=-1, return_sorted=True)
    lens = np.fromiter(map(len, lists), dtype=np.int64, count=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    indices = np.fromiter((j for row in lists for j in row), dtype=np.int32, count=int(indptr[-1]))
    return sp.csr_matrix((np.ones(len(indices), dtype=bool), indices, indptr), shape=(n, m))


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
    check_count(k, "k")
    _check_solver(solver)
    check_choice(method, ("benders", "compact"), "method")
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
    check_count(k_max, "k_max")
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
