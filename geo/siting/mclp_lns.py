"""Large-neighbourhood search for maximal covering: re-solve one region exactly, keep the rest.

A local search whose moves are sub-MIPs (the POPMUSIC scheme of Taillard
& Voss 2002, used for large location problems; here with the region
neighbourhoods of Lamb et al.'s spatial LNS): pick a seed among the open
sites, take the ``region_sites`` open sites nearest to it in the overlap
graph (two sites are neighbours when some demand row is covered by both
candidates they can be swapped with), free every candidate that shares a
demand row with one of them, keep every other open site, and solve the
compact MCLP of that region with HiGHS: as many sites as the region had,
over the demand rows its free candidates cover and the fixed sites do not.
The region's optimum (or HiGHS's best within ``sub_time``) replaces it
when better. The search stops when every open site has seeded a region
without improvement (a local optimum for all those neighbourhoods), or at
the deadline.

Swap local search (:mod:`geo.siting.mclp_search`) moves one site at a
time; city-scale instances with overlapping disks need coordinated moves of
several neighbouring sites, which a small exact solve finds at once.
Hand-written for the same reason as the swap search: no library offers it.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from geo.siting.mip import _Mip, _solve_mip


def _region_compact(b: sp.csr_matrix, wr: np.ndarray, k: int) -> _Mip:
    """max Σ wᵢ yᵢ  s.t.  yᵢ ≤ Σ_{j covers i} xⱼ,  Σ xⱼ ≤ k,  x binary, y in [0, 1]."""
    nr, mr = b.shape
    link = sp.hstack([-b.astype(float), sp.identity(nr, format="csr")])
    card = sp.csr_matrix(np.r_[np.ones(mr), np.zeros(nr)][None, :])
    return _Mip(cost=np.r_[np.zeros(mr), wr], a=sp.vstack([link, card]).tocsc(),
                row_lower=np.full(nr + 1, -np.inf), row_upper=np.r_[np.zeros(nr), k],
                col_lower=np.zeros(mr + nr), col_upper=np.ones(mr + nr),
                integer=np.r_[np.ones(mr, bool), np.zeros(nr, bool)], maximize=True)


def _region_search(a: sp.csr_matrix, w: np.ndarray, picks: np.ndarray, *, deadline: float, seed: int = 0,
                   region_sites: int = 10, sub_time: float = 5.0, free: np.ndarray | None = None,
                   integral: bool = False) -> tuple[np.ndarray, float, dict]:
    """Improve ``picks`` region by region; returns the open columns, their covered weight and statistics.

    ``free`` marks the columns that may be opened (default: all); every
    move keeps the number of open sites.
    """
    a = a.tocsr().astype(np.float64)
    ac = a.tocsc()
    n, m = a.shape
    free = np.ones(m, dtype=bool) if free is None else free
    cur = np.array(picks, dtype=np.intp)
    info = {"lns_regions": 0, "lns_improved": 0}
    if len(cur) == 0 or m == 0:
        return cur, 0.0, info
    rng = np.random.default_rng(seed)
    overlap = (ac.T @ ac).tocsr()  # columns sharing a demand row
    overlap.data[:] = 1.0
    x = np.zeros(m)
    x[cur] = 1.0
    value = float(w[(a @ x) > 0.5].sum())
    tol = 1e-9 * max(float(w.sum()), 1.0)
    untried = list(rng.permutation(cur))
    while untried and time.perf_counter() < deadline - 0.05:
        s = int(untried.pop())
        if s not in cur:
            continue
        # Open sites near s: breadth first over candidates, two overlap steps at a time.
        reach = np.zeros(m, dtype=bool)
        reach[s] = True
        region = [s]
        frontier = np.array([s])
        for _ in range(8):
            step = overlap[frontier].indices
            step = overlap[np.unique(step)].indices
            new = np.unique(step[~reach[step]])
            if len(new) == 0:
                break
            reach[new] = True
            got = [int(j) for j in cur if reach[j] and j not in region]
            if len(region) + len(got) >= region_sites:
                # Nearest first: those sharing the most overlap with the region so far.
                score = np.asarray(overlap[got][:, region].sum(axis=1)).ravel()
                got = [got[t] for t in np.argsort(-score, kind="stable")[:region_sites - len(region)]]
            region += got
            frontier = new
            if len(region) >= region_sites:
                break
        region_arr = np.array(sorted(region), dtype=np.intp)
        fixed = np.setdiff1d(cur, region_arr)
        cand = np.unique(overlap[region_arr].indices)
        cand = cand[free[cand] & ~np.isin(cand, fixed)]
        xf = np.zeros(m)
        xf[fixed] = 1.0
        done = (a @ xf) > 0.5
        rows = np.unique(ac[:, cand].tocsc().indices) if len(cand) else np.zeros(0, dtype=np.intp)
        rows = rows[~done[rows]]
        if len(rows) == 0 or len(cand) <= len(region_arr):
            continue
        b = a[rows][:, cand].tocsr()
        start_x = np.isin(cand, region_arr).astype(float)
        start = np.r_[start_x, ((b @ start_x) > 0.5).astype(float)]
        budget = min(sub_time, deadline - time.perf_counter())
        if budget <= 0.05:
            break
        sol = _solve_mip(_region_compact(b, w[rows], len(region_arr)), solver="highs", time_limit=budget,
                         mip_gap=0.0, integral=integral, start=start)
        info["lns_regions"] += 1
        if sol.x is None:
            continue
        pick_r = cand[np.round(sol.x[:len(cand)]) > 0.5]
        trial = np.r_[fixed, pick_r]
        xt = np.zeros(m)
        xt[trial] = 1.0
        v = float(w[(a @ xt) > 0.5].sum())
        if v > value + tol and len(trial) <= len(cur):
            value, cur = v, trial.astype(np.intp)
            info["lns_improved"] += 1
            # The changed area may now improve elsewhere: retry its neighbours.
            changed = np.setdiff1d(pick_r, region_arr)
            near = np.unique(overlap[changed].indices) if len(changed) else np.zeros(0, dtype=np.intp)
            retry = [int(j) for j in cur if j in set(near.tolist()) | set(pick_r.tolist())]
            untried = [j for j in untried if j not in retry] + retry
    return np.sort(cur), value, info
