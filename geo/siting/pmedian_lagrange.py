"""Exact p-median by Lagrangian branch-and-bound: subgradient bounds, reduced-cost fixing, swap local search.

The assignment constraints ``Σⱼ xᵢⱼ = 1`` of the strong p-median
formulation are relaxed with multipliers ``uᵢ`` (Cornuéjols, Fisher &
Nemhauser 1977; Beasley 1985, "A note on solving large p-median problems",
EJOR 21; Beasley 1993, "Lagrangean heuristics for location problems",
EJOR 65). For fixed ``u`` the relaxation falls apart per candidate:

``L(u) = Σᵢ uᵢ + Σ_{j ∈ S} ρⱼ``, ``ρⱼ = Σᵢ min(0, wᵢcᵢⱼ - uᵢ)``,

with ``S`` the ``p`` most negative ``ρⱼ``; ``L(u)`` is a lower bound for
every ``u`` and its maximum equals the LP bound of the strong formulation.
It is maximised by subgradient steps (Held, Wolfe & Crowder 1974), a few
milliseconds each with numpy, where the simplex method needs minutes on the
same LP for 800 points and p = 5. The sorted ``ρ`` also bound every
solution that opens (or closes) a candidate against the relaxation's choice,
which fixes most candidates for good (Beasley 1993); the rest is settled by
depth-first branching on one candidate, open or closed, with the same bounds
in every node. An open candidate is then an existing site for the subtree,
so every node is a smaller p-median with existing sites. Upper bounds come
from the relaxation's ``S`` improved by best-improvement swaps (Teitz & Bart
1968, with Whitaker's 1983 fast interchange evaluation as one matrix
product per step).

Hand-written because no Python library offers an exact p-median solver
that scales like this: spopt and PuLP only build the compact MIP, whose LP
is what is slow.

Bounds are exact floating-point evaluations of ``L(u)``; with whole-number
costs and weights a bound is rounded up (less a 1e-6 allowance for round-off),
so a node is only discarded when no solution in it can be better than the
incumbent, and "optimal" means every node was discarded that way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


ROOT_MAX_ITER = 3000  # subgradient steps at the root, where most candidates get fixed
NODE_MAX_ITER = 60  # subgradient steps in a node, warm-started from its parent's multipliers
NODE_STEP = 2.0  # first step factor in a node, as at the root (Held, Wolfe & Crowder's usual 2)
NODE_PATIENCE = 5  # steps without a better bound before a node halves its step factor
ROUND_OFF = 1e-6  # allowance for floating-point error in a bound before it is rounded up


@dataclass
class _Search:
    """What the branch-and-bound has found: the incumbent (column indices), its value, the bound and counts."""

    best: np.ndarray
    value: float
    bound: float
    status: str
    stats: dict = field(default_factory=dict)


def _value(wc: np.ndarray, we: np.ndarray, idx: np.ndarray) -> float:
    d = np.minimum(wc[:, idx].min(axis=1), we) if len(idx) else we
    return float(d.sum())


def _swap_search(wc: np.ndarray, we: np.ndarray, idx: np.ndarray, *, deadline: float) -> tuple[np.ndarray, float]:
    """Best-improvement swaps from ``idx`` until none pays (or the deadline): Whitaker's fast interchange.

    ``wc`` holds weighted costs, ``we`` each row's weighted cost to its nearest
    existing site (``inf`` without one). Removing open site ``t`` and adding
    ``j`` changes the value by ``Σᵢ min(d1ᵢ, wcᵢⱼ) - d1ᵢ`` (the gain of ``j``)
    plus, over the rows whose nearest site is ``t``, ``min(d2ᵢ, wcᵢⱼ) -
    min(d1ᵢ, wcᵢⱼ)`` (what losing ``t`` costs them), with ``d1``, ``d2`` the
    nearest and second-nearest open costs: all pairs at once in one product.
    """
    n, m = wc.shape
    idx = np.array(idx, dtype=np.intp)
    p = len(idx)
    rows = np.arange(n)
    while p and time.perf_counter() < deadline:
        sub = wc[:, idx]
        if p > 1:
            two = np.argpartition(sub, 1, axis=1)[:, :2]
            a, b = sub[rows, two[:, 0]], sub[rows, two[:, 1]]
            near = np.where(a <= b, two[:, 0], two[:, 1])
            d1, d2 = np.minimum(a, b), np.maximum(a, b)
        else:
            near, d1, d2 = np.zeros(n, dtype=np.intp), sub[:, 0], np.full(n, np.inf)
        by_e = we < d1  # rows served by an existing site lose nothing when an open site goes
        d2 = np.where(by_e, d1, np.minimum(d2, we))
        d1 = np.minimum(d1, we)
        with np.errstate(invalid="ignore"):
            gain = np.minimum(wc, d1[:, None]).sum(axis=0) - d1.sum()
            loss_rows = np.minimum(wc, d2[:, None]) - np.minimum(wc, d1[:, None])
        loss_rows[by_e] = 0.0
        owner = np.zeros((p, n))
        owner[near[~by_e], rows[~by_e]] = 1.0
        delta = owner @ loss_rows + gain[None, :]
        delta[:, idx] = np.inf
        t, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        cur = _value(wc, we, idx)
        if not delta[t, j] < -1e-9 * max(1.0, abs(cur)):
            break
        trial = idx.copy()
        trial[t] = j
        # The delta is recomputed exactly before it is trusted: inf - inf cells can hide in it.
        if _value(wc, we, trial) >= cur:
            break
        idx = trial
    return idx, _value(wc, we, idx)


def _rounded(bound: float | np.ndarray, *, integral: bool) -> np.ndarray:
    """A bound as proven: rounded up (less the round-off allowance) when every solution value is a whole number."""
    return np.ceil(np.asarray(bound) - ROUND_OFF) if integral else np.asarray(bound)


def _prunes(bound: float | np.ndarray, ub: float, *, integral: bool, mip_gap: float) -> np.ndarray:
    """Whether subtrees with these lower bounds cannot hold a solution better than ``ub`` (within ``mip_gap``)."""
    slack = mip_gap * abs(ub) + (0.0 if integral else 1e-9 * max(1.0, abs(ub)))
    return _rounded(bound, integral=integral) >= ub - slack


def _subgradient(wt: np.ndarray, we: np.ndarray, k: int, u: np.ndarray, *, ub: float, const: float,
                 max_iter: int, lam: float, patience: int, prune: Callable[[float, float], bool], deadline: float,
                 track: bool) -> tuple[float, np.ndarray, np.ndarray, int, np.ndarray | None, float]:
    """Maximise ``L(u)`` by projected subgradient steps.

    ``wt`` is the node's weighted cost matrix (active rows x free columns),
    ``we`` its rows' cost to an open or existing site, ``k`` the sites still
    to open; ``uᵢ`` is kept at most ``weᵢ`` (beyond it the existing option
    takes it back). ``prune(bound, ub)`` says when to stop. With ``track``
    every relaxation solution is priced as a solution too (Beasley's
    Lagrangian heuristic): near the optimal multipliers they are often optimal.

    The steps work in single precision, which halves the memory traffic
    that bounds their speed; the bound returned is ``L`` at the best
    multipliers evaluated again in double precision, so only it is trusted.

    Returns
    -------
    tuple
        Best bound, its multipliers, the ``ρ`` at them, steps taken, the
        best relaxation solution seen (columns of ``wt``, or None) and its value.
    """
    u = np.minimum(u, we)
    w32 = wt.astype(np.float32)
    buf = np.empty_like(w32)
    best, best_u, stall = -math.inf, u.copy(), 0
    best_s, best_val = None, math.inf
    it = 0
    for it in range(1, max_iter + 1):
        np.subtract(w32, u.astype(np.float32)[:, None], out=buf)
        np.minimum(buf, 0.0, out=buf)
        rho = buf.sum(axis=0, dtype=np.float64)
        s = np.argpartition(rho, k - 1)[:k] if k < len(rho) else np.arange(len(rho))
        bound = const + float(u.sum()) + float(rho[s].sum())
        if track:
            val = const + float(np.minimum(wt[:, s].min(axis=1), we).sum())
            if val < best_val:
                best_s, best_val = s, val
                ub = min(ub, val)
        if best == -math.inf or bound > best + 1e-12 * max(1.0, abs(best)):
            best, best_u, stall = bound, u.copy(), 0
            if prune(best, ub):
                break
        else:
            stall += 1
            if stall >= patience:
                lam, stall = lam / 2, 0
                if lam < 1e-4:
                    break
        if time.perf_counter() > deadline:
            break
        g = 1.0 - (buf[:, s] < 0).sum(axis=1)
        g[(g > 0) & (u >= we)] = 0.0  # the bound uᵢ ≤ weᵢ is active: no step that way
        gg = float(g @ g)
        if gg == 0.0:
            break  # the relaxation's solution is feasible, so its bound is the node's optimum
        u = np.minimum(u + lam * max(ub - bound, 1e-9 * max(1.0, abs(ub))) / gg * g, we)
    rho = np.minimum(wt - best_u[:, None], 0.0).sum(axis=0)
    s = np.argpartition(rho, k - 1)[:k] if k < len(rho) else np.arange(len(rho))
    return const + float(best_u.sum()) + float(rho[s].sum()), best_u, rho, it, best_s, best_val


def _lagrangian_bb(wc: np.ndarray, we: np.ndarray, p: int, *, start: np.ndarray, time_limit: float,
                   integral: bool, mip_gap: float) -> _Search:
    """Exact p-median on weighted costs ``wc`` (rows with positive weight) with existing-site costs ``we``.

    Parameters
    ----------
    wc : numpy.ndarray
        ``(n, m)`` weight x cost of each demand row to each free candidate.
    we : numpy.ndarray
        ``(n,)`` weight x cost to the nearest existing site, ``inf`` without one.
    p : int
        Candidates to open, ``1 <= p <= m``.
    start : numpy.ndarray
        ``p`` candidate indices, the heuristic start.
    time_limit : float
        Seconds; on expiry the best solution and the smallest open bound are returned.
    integral, mip_gap
        Whole-number costs (bounds round up), and the relative gap accepted.

    Returns
    -------
    _Search
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    n, m = wc.shape
    best, ub = _swap_search(wc, we, start, deadline=deadline)
    stats = {"swap_start_value": ub, "nodes": 0, "subgradient_steps": 0, "root_bound": math.nan,
             "root_fixed_closed": 0, "root_fixed_open": 0}
    pruned_min = math.inf  # smallest bound of a discarded subtree: with a gap accepted it bounds the optimum
    # A node: open candidates (an existing site to the subtree), still-free candidates, parent's bound, multipliers.
    stack: list[tuple[np.ndarray, np.ndarray, float, np.ndarray]] = [
        (np.zeros(0, dtype=np.intp), np.arange(m), -math.inf, np.minimum(wc[:, best].min(axis=1), we))]
    status = "optimal"

    def prune(b: float, ub_now: float) -> bool:
        return bool(_prunes(b, ub_now, integral=integral, mip_gap=mip_gap))

    while stack:
        if time.perf_counter() > deadline:
            status = "time limit"
            break
        opened, free, _parent_bound, u_all = stack.pop()
        stats["nodes"] += 1
        root = stats["nodes"] == 1
        while True:
            k = p - len(opened)
            e_node = np.minimum(we, wc[:, opened].min(axis=1)) if len(opened) else we
            if k == 0 or len(free) <= k:
                cand = np.r_[opened, free].astype(np.intp)
                if len(cand) < p:
                    # Too few left to open: the subtree holds no solution, but any p-set containing these
                    # is at least as good, so they make a valid one.
                    cand = np.r_[cand, np.setdiff1d(np.arange(m), cand)[: p - len(cand)]].astype(np.intp)
                val = _value(wc, we, cand)
                if val < ub:
                    best, ub = cand, val
                pruned_min = min(pruned_min, val)
                break
            active = e_node > wc[:, free].min(axis=1)
            const = float(e_node[~active].sum())
            wt = wc[np.ix_(active, free)]

            bound, u, rho, steps, lag_s, lag_val = _subgradient(
                wt, e_node[active], k, u_all[active], ub=ub, const=const,
                max_iter=ROOT_MAX_ITER if root else NODE_MAX_ITER, lam=2.0 if root else NODE_STEP,
                patience=30 if root else NODE_PATIENCE, prune=prune, deadline=deadline,
                track=root)
            if lag_s is not None:
                cand, val = _swap_search(wc, we, np.r_[opened, free[lag_s]].astype(np.intp), deadline=deadline)
                if val < ub:
                    best, ub = cand, val
            stats["subgradient_steps"] += steps
            u_all = u_all.copy()
            u_all[active] = u
            if root and math.isnan(stats["root_bound"]):
                stats["root_bound"] = bound
            if _prunes(bound, ub, integral=integral, mip_gap=mip_gap):
                pruned_min = min(pruned_min, float(_rounded(bound, integral=integral)))
                break
            order = np.argsort(rho, kind="stable")
            chosen = free[order[:k]]
            cand = np.r_[opened, chosen].astype(np.intp)
            val = _value(wc, we, cand)
            if val < ub or root:
                cand, val = _swap_search(wc, we, cand, deadline=deadline)
                if val < ub:
                    best, ub = cand, val
            # Reduced-cost fixing: opening a candidate outside S (or closing one inside) must
            # swap it against the k-th (or k+1-th) cheapest, which alone may prove the subtree useless.
            kth, after = rho[order[k - 1]], rho[order[k]]
            close = np.zeros(len(free), dtype=bool)
            force = np.zeros(len(free), dtype=bool)
            if_open = bound + rho[order[k:]] - kth
            if_closed = bound - rho[order[:k]] + after
            close[order[k:]] = _prunes(if_open, ub, integral=integral, mip_gap=mip_gap)
            force[order[:k]] = _prunes(if_closed, ub, integral=integral, mip_gap=mip_gap)
            cut = np.r_[if_open[close[order[k:]]], if_closed[force[order[:k]]]]
            if len(cut):
                pruned_min = min(pruned_min, float(_rounded(cut.min(), integral=integral)))
            if root:
                stats["root_fixed_closed"] += int(close.sum())
                stats["root_fixed_open"] += int(force.sum())
            if close.any() or force.any():
                opened = np.r_[opened, free[force]].astype(np.intp)
                free = free[~close & ~force]
                continue  # the smaller node gets its own, usually better, bound
            # Branch on the relaxation's most valuable free choice: open it (searched first), or close it.
            j = int(order[0])
            stack.append((opened, np.delete(free, j), bound, u_all))
            stack.append((np.r_[opened, free[j]].astype(np.intp), np.delete(free, j), bound, u_all))
            break
    if status == "optimal":
        lower = ub if mip_gap == 0 else min(ub, pruned_min)
    else:
        lower = min([ub, pruned_min] + [b for _o, _f, b, _u in stack])
    stats["seconds"] = time.perf_counter() - t0
    return _Search(best=np.sort(best), value=ub, bound=lower, status=status, stats=stats)
