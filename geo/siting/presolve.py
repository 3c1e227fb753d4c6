"""Reductions that shrink a covering problem and keep its optimum exactly, and the greedy start.

1. Demand points with identical coverage rows are merged, their weights
   summed (rows are hashed, and every merge is checked index by index).
2. Demand that no candidate reaches is dropped (it still counts in the
   total), and so is demand already covered by an existing site (a constant).
3. A candidate whose covered set is a subset of another's is dropped (for
   equal sets the lowest index stays), found with one sparse product ``AᵀA``;
   skipped, and recorded in ``stats``, above ``DOMINANCE_MAX_CANDIDATES``
   candidates or ``DOMINANCE_MAX_WORK`` operations.
4. Set covering only: a demand row whose candidate set contains another
   row's is covered whenever that one is, and is dropped.

The classic greedy (open the site with the most uncovered weight, again and
again) gives the starting solutions. Written here rather than taken from a
library: spopt and PuLP apply none of these, and the solvers' own presolve
sees the model only after it has been built row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

DOMINANCE_MAX_CANDIDATES = 20_000
# Σ over demand rows of nnz², the work of the AᵀA product; 3e8 is some 10 s.
DOMINANCE_MAX_WORK = 300_000_000
_HASH_SEED = 20_251_122


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
    """Reductions 1 to 3; with ``reduce=False`` the plain problem, existing sites as fixed columns."""
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
                    fixed_covered=np.zeros(len(wr), bool), reduced=True, total=total, uncoverable=uncoverable,
                    preset=preset, stats=stats)


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
