"""The p-median model on a cost matrix: new sites that make the weighted distance to the nearest open one smallest.

**p-median** (Hakimi 1964): open ``p`` new sites so that the weighted sum of
distances (or travel times) from each demand point to its nearest open site,
new or existing, is smallest. Identical demand rows are merged first and
rows of weight zero dropped. Takes a dense cost matrix, like spopt's
``PMedian.from_cost_matrix``.

The default exact method is a Lagrangian branch-and-bound
(:mod:`geo.siting.pmedian_lagrange`; Beasley 1985 and 1993): subgradient
bounds of the assignment relaxation, reduced-cost fixing of candidates,
depth-first branching on a candidate and swap local search. Its bound is the
strong formulation's LP bound, which it reaches in a few seconds where the
simplex method on that LP needs minutes (OR-Library pmed35: 800 points,
p = 5; Elloumi's 2010 distinct-distance formulation did not finish its root
LP in HiGHS within 120 s either); it proves all 40 OR-Library instances
optimal (``bench.pmedian``). It is hand-written because no Python library
offers an exact p-median method: spopt and PuLP only build the compact MIP.
With ``solver="cbc"`` or ``reduce=False`` the strong assignment formulation
(``xᵢⱼ ≤ yⱼ`` for every pair) is handed to a MIP solver instead, each demand
point given only the candidates nearer than its nearest existing site and
among its ``m - p + 1`` nearest (one of those is always open), with a
greedy-plus-swap start; kept for comparison runs.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from geo.messages import SITE_PMEDIAN_PAIRS
from geo.siting.mip import _Mip, _solve_mip
from geo.siting.pmedian_lagrange import _lagrangian_bb
from geo.siting.presolve import _merge_dense_rows
from geo.siting.result import (
    INT_TOL,
    RADIUS_TOLERANCE,
    SitingResult,
    _check_solver,
    _check_weights,
    _existing_mask,
    _gap,
)

__all__ = ["PMEDIAN_MAX_PAIRS", "pmedian_from_cost"]

PMEDIAN_MAX_PAIRS = 4_000_000  # assignment variables; a MIP this size already takes minutes
SWAP_MAX_WORK = 200_000_000  # n x m x p cell updates spent improving the p-median start by swaps


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
        As for :func:`mclp_from_coverage`. With ``solver="highs"`` (the
        default) and ``reduce`` the Lagrangian branch-and-bound runs and no
        MIP solver is called; ``"cbc"`` or ``reduce=False`` solve the
        assignment MIP with CBC or HiGHS.

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
        allowed = cf < e[:, None]
        if p > 1:
            # At least one of any m - p + 1 candidates is open: farther ones are never the nearest open site.
            kth = np.partition(cf, m_free - p, axis=1)[:, m_free - p]
            allowed &= cf <= kth[:, None]
    else:
        allowed = np.ones_like(cf, dtype=bool)
    npair = int(allowed.sum())
    stats["assignment_pairs"] = npair
    if npair > PMEDIAN_MAX_PAIRS:
        msg = SITE_PMEDIAN_PAIRS.format(n=f"{npair:,}", limit=f"{PMEDIAN_MAX_PAIRS:,}")
        raise ValueError(msg)
    if reduce and solver == "highs":
        open_free, status, bound = _pmedian_lagrangian(
            cf, wr, e, p, time_limit=time_limit - (time.perf_counter() - t0), mip_gap=mip_gap, integral=integral,
            stats=stats)
    else:
        open_free, status, bound = _pmedian_mip(cf, wr, e, p, allowed, reduce=reduce, time_limit=time_limit,
                                                mip_gap=mip_gap, solver=solver, integral=integral, stats=stats)
    selected = np.sort(free_cols[open_free])
    open_cols = np.r_[np.flatnonzero(ex), selected].astype(np.intp)
    if len(open_cols) == 0:
        return SitingResult(model="pmedian", selected=selected, existing=np.flatnonzero(ex), objective=math.inf,
                            covered=math.nan, bound=bound, gap=math.inf, status=status,
                            seconds=time.perf_counter() - t0, stats=stats)
    sub = c[:, open_cols]
    near = sub.argmin(axis=1)
    assignment = open_cols[near]
    dist = sub[np.arange(n), near]
    obj = float(w @ dist)
    if integral and np.isfinite(bound):
        bound = float(math.ceil(bound - INT_TOL))
    bound = min(bound, obj)
    proven = status == "optimal" and mip_gap == 0
    if proven:
        bound = obj
    covered = float(w[dist <= radius * (1 + RADIUS_TOLERANCE)].sum()) if radius is not None else math.nan
    return SitingResult(model="pmedian", selected=selected, existing=np.flatnonzero(ex), objective=obj,
                        covered=covered, bound=bound, gap=0.0 if proven else _gap(obj, bound),
                        status=status, seconds=time.perf_counter() - t0, stats=stats, assignment=assignment)


def _pmedian_lagrangian(cf: np.ndarray, w: np.ndarray, e: np.ndarray, p: int, *, time_limit: float,
                        mip_gap: float, integral: bool, stats: dict) -> tuple[np.ndarray, str, float]:
    """Lagrangian branch-and-bound (:mod:`geo.siting.pmedian_lagrange`): open columns of ``cf``, status, bound."""
    stats["method"] = "lagrangian branch-and-bound"
    if len(w) == 0:
        return np.arange(p), "optimal", 0.0  # no demand with weight: every choice costs nothing
    wc = w[:, None] * cf
    we = np.where(np.isfinite(e), w * e, np.inf)
    start = _pmedian_greedy(cf, w, e, p)
    stats["greedy_value"] = float(_pmedian_value(cf, w, e, start))
    search = _lagrangian_bb(wc, we, p, start=start, time_limit=max(time_limit, 0.0), integral=integral,
                            mip_gap=mip_gap)
    stats.update({f"bb_{k}": v for k, v in search.stats.items()})
    return search.best, search.status, search.bound


def _pmedian_mip(cf: np.ndarray, wr: np.ndarray, e: np.ndarray, p: int, allowed: np.ndarray, *, reduce: bool,
                 time_limit: float, mip_gap: float, solver: str, integral: bool,
                 stats: dict) -> tuple[np.ndarray, str, float]:
    """The strong assignment MIP on the ``allowed`` pairs: open columns of ``cf``, status, bound."""
    stats["method"] = "assignment MIP"
    m_free = cf.shape[1]
    start_idx = None
    if reduce:
        start_idx = _pmedian_start(cf, wr, e, p)
        stats["greedy_swap_value"] = float(_pmedian_value(cf, wr, e, start_idx))
    ii, jj = np.nonzero(allowed)
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
    return open_free, sol.status, sol.bound


def _pmedian_greedy(cf: np.ndarray, w: np.ndarray, e: np.ndarray, p: int) -> np.ndarray:
    """Greedy add: each step opens the candidate that lowers the weighted distance most."""
    d = e.copy()
    open_idx: list[int] = []
    for _ in range(p):
        tot = w @ np.minimum(d[:, None], cf)
        tot[open_idx] = np.inf
        j = int(np.argmin(tot))
        open_idx.append(j)
        d = np.minimum(d, cf[:, j])
    return np.array(open_idx, dtype=np.intp)


def _pmedian_value(cf: np.ndarray, w: np.ndarray, e: np.ndarray, open_idx: np.ndarray) -> float:
    d = np.minimum(cf[:, open_idx].min(axis=1), e) if len(open_idx) else e
    return float(w @ d)


def _pmedian_start(cf: np.ndarray, w: np.ndarray, e: np.ndarray, p: int) -> np.ndarray:
    """Greedy add, then best-improvement swaps while they pay and the work budget lasts."""
    n, m = cf.shape
    opened = _pmedian_greedy(cf, w, e, p)
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
