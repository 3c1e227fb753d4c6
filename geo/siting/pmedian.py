"""The p-median model on a cost matrix: new sites that make the weighted distance to the nearest open one smallest.

**p-median** (Hakimi 1964): open ``p`` new sites so that the weighted sum of
distances (or travel times) from each demand point to its nearest open site,
new or existing, is smallest. The strong assignment formulation
(``xᵢⱼ ≤ yⱼ`` for every pair), with each demand point given only the
candidates nearer than its nearest existing site and among its
``m - p + 1`` nearest (one of those is always open), and a greedy-plus-swap
start; identical demand rows are merged first. Takes a dense cost matrix,
like spopt's ``PMedian.from_cost_matrix``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from geo.messages import SITE_PMEDIAN_PAIRS
from geo.siting.mip import _Mip, _solve_mip
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
        msg = SITE_PMEDIAN_PAIRS.format(n=f"{len(ii):,}", limit=f"{PMEDIAN_MAX_PAIRS:,}")
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
