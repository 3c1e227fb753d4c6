"""Solving the maximal covering model: Benders decomposition on the candidates, or the compact MIP.

The tight MCLP formulation maximises ``Σ wᵢ yᵢ`` subject to
``yᵢ ≤ Σ_{j covers i} xⱼ``, ``Σ xⱼ ≤ k``, ``x`` binary and ``y`` continuous in
[0, 1]. With tens of thousands of demand rows its LP is slow for simplex
(HiGHS needed 20 s for the root LP at 1,000 x 20,000 and did not finish it in
120 s at 2,000 x 50,000), so the reduced problem is solved by Benders
decomposition on the candidate variables instead (:class:`_MclpBenders`):
the same optimum and the same LP bound, with m + √n columns instead of
m + n, and Lagrangian reduced-cost fixing from the LP duals that leaves a few
hundred candidates for the MIP. At city scale (a few thousand candidates
that are also the demand points) the
compact LP by interior point is faster than the cutting planes, and the
LP gap is larger (0.2-1 % at p = 100 and 800 m), so a region search
(:mod:`geo.siting.mclp_lns`) brings the incumbent near the optimum before
fixing. Hand-written because no Python library
offers a Benders MCLP; HiGHS solves every LP and MIP in it. The compact
model (``method="compact"``, ``solver="cbc"``, ``reduce=False``) is kept for
comparison.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np
import scipy.sparse as sp

from geo.siting.mclp_lns import _region_search
from geo.siting.mclp_search import _swap_descent
from geo.siting.mip import _Mip, _solve_mip
from geo.siting.presolve import _greedy, _merge_rows, _Reduced
from geo.siting.result import INT_TOL


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
    mip = _compact_mclp(red.a, red.w, k=k, counted=free, fixed=red.fixed)
    sol = _solve_mip(mip, solver=solver, time_limit=time_limit, mip_gap=mip_gap, integral=integral, start=x0)
    info.update(sol.info)
    if sol.x is None:
        x = np.zeros(mr) if x0 is None else x0[:mr]
    else:
        x = np.round(sol.x[:mr])
    return x, sol.bound + red.preset, sol.status, info


def _compact_mclp(a: sp.csr_matrix, w: np.ndarray, *, k: int, counted: np.ndarray, fixed: np.ndarray) -> _Mip:
    """The compact MCLP: columns x (one per candidate) then y (one per demand row).

    max Σ w y  s.t.  y_i - Σ_{j covers i} x_j ≤ 0,  Σ_{counted} x_j ≤ k,
    x binary (``fixed`` ones at 1), y in [0, 1].
    """
    nr, mr = a.shape
    link = sp.hstack([-a.astype(float), sp.identity(nr, format="csr")])
    card = sp.csr_matrix(np.r_[counted.astype(float), np.zeros(nr)][None, :])
    return _Mip(cost=np.r_[np.zeros(mr), w], a=sp.vstack([link, card]).tocsc(),
                row_lower=np.full(nr + 1, -np.inf), row_upper=np.r_[np.zeros(nr), k],
                col_lower=np.r_[fixed.astype(float), np.zeros(nr)], col_upper=np.ones(mr + nr),
                integer=np.r_[np.ones(mr, bool), np.zeros(nr, bool)], maximize=True)


class _MclpBenders:
    """Maximal covering by Benders cuts on the candidate variables, solved with HiGHS.

    The covered weight of demand group g, ``f_g(x) = Σ_{i in g} wᵢ min(1, aᵢ·x)``,
    is concave in x; at any point x̂, with C the rows that x̂ covers fully,
    ``θ_g ≤ Σ_{i in g∩C} wᵢ + Σ_{i in g∖C} wᵢ aᵢ·x`` is a valid cut. The master
    maximises ``Σ θ_g`` over ``Σ xⱼ ≤ k`` and the cuts: m + G columns instead
    of m + n, which is what makes 100,000 demand points fast (Cordeau, Furini
    & Ljubić 2019 do the same for partial set covering and MCLP).

    1. A start: the greedy (from the previous k's solution, if given), then
       best-improvement 1-swap local search (:mod:`geo.siting.mclp_search`).
    2. The LP relaxation: with at most ``COMPACT_LP_ROW_RATIO`` demand rows
       a candidate and at most ``COMPACT_LP_MAX_ROWS`` rows, the compact LP
       by interior point with crossover (fast at city scale: thousands of
       candidates that are also the demand points); otherwise by
       Kelley's cutting planes with in-out stabilisation (cuts separated
       between the LP point and a stable interior point), one cut per group
       (multi-cut, G about √n groups of neighbouring rows).
    3. From the LP duals, Lagrangian multipliers uᵢ ∈ [0, wᵢ] with the bound
       ``L(u) = Σ (wᵢ - uᵢ) + (sum of the k largest (Aᵀu)ⱼ)``, valid whatever
       the accuracy of the duals; swaps from LP-guided starts; a first try
       of step 4 with ``QUICK_SHARE`` of the time left; then region
       re-solves (:mod:`geo.siting.mclp_lns`, at most ``LNS_SHARE`` of the
       time left) over the candidates not yet ruled out. Candidates that
       cannot reach a better value than the best known solution
       (``L(u | xⱼ = 1)`` or ``L(u | xⱼ = 0)`` not above it) are fixed.
    4. The problem left after fixing (free candidates, rows merged again):
       up to ``COMPACT_MAX_ROWS`` rows (or after the compact LP, when the
       master has no cuts) as a compact MIP, where HiGHS can cut on the
       rows, warm-started; beyond, the master as a MIP (x binary),
       warm-started, an integer point whose cuts overstate it getting its
       cuts and the MIP solved again, until the master's bound meets the
       best solution.

    "optimal" is reported only when the bound (Lagrangian, or the MIP's)
    meets the best solution found; otherwise the bound is reported with it.
    """

    ALPHA = 0.5  # in-out: separate half way between the stable point and the LP point
    LP_MAX_ROUNDS = 400
    SWAP_MAX_MOVES = 200
    # Share of the time left after the LP for the region search, and its region sizes (open sites).
    LNS_SHARE = 0.2
    QUICK_SHARE = 0.1  # of the time left, for a first try of the residual MIP before the region search
    LNS_REGION_SITES = (6, 12, 20)
    # Up to this many rows the residual's compact model beats the master (HiGHS can cut on its rows).
    COMPACT_MAX_ROWS = 4_000
    # With about as many demand rows as candidates (city grids: every point both), up to this many rows, the
    # compact LP by interior point (about 1.5 s at 7,600 rows) beats Kelley's cutting planes (15-30 s
    # there); with many more rows than candidates Kelley wins (0.03 s against 9 s at 1,000 x 11,280).
    COMPACT_LP_MAX_ROWS = 12_000
    COMPACT_LP_ROW_RATIO = 2.0

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
        cur = _swap_descent(self.a, self.ac, self.w, np.asarray(picks, dtype=np.intp),
                            free=np.ones(self.m, dtype=bool), deadline=deadline, max_moves=self.SWAP_MAX_MOVES)
        x = np.zeros(self.m)
        x[cur] = 1.0
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
        # 2. The LP relaxation: the compact LP by interior point while it is small, else Benders cuts.
        lag_s: tuple[float, np.ndarray] | None = None
        lp_compact = self.n <= min(self.COMPACT_LP_MAX_ROWS, self.COMPACT_LP_ROW_RATIO * m)
        if lp_compact:
            t_lp = time.perf_counter()
            x_lp, upper, lag_s = self.compact_lp(k, deadline)
            info.update(lp="compact (interior point)", lp_bound=upper, lp_seconds=time.perf_counter() - t_lp)
        else:
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
            info.update(lp_rounds=rounds, lp_bound=upper, lp_seconds=time.perf_counter() - t_lp,
                        cuts=len(self.cut_rows))
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                lag_s = self.lagrangian(k)
        # 3. Lagrangian bound, LP rounding, fixing.
        fixed0 = np.zeros(m, dtype=bool)
        fixed1 = np.zeros(m, dtype=bool)
        if lag_s is not None:
            lag, s = lag_s
            upper = min(upper, lag)
            info["lagrangian_bound"] = lag
            for guide in (x_lp, s):
                cand = self.swap_search(np.argsort(-guide, kind="stable")[:k], deadline)
                if self.covered(cand) > lower:
                    x_best, lower = cand, self.covered(cand)
            info["heuristic_value"] = lower
            if not self.proven(upper, lower, mip_gap) and 1 < k < m:
                # A short try of the residual MIP first: after fixing, many instances are proven in no time.
                fixed0, fixed1 = self._fixings(lag, s, k, lower, x_best)
                residual = self.residual(fixed0, fixed1)
                if lp_compact or residual[0].shape[0] <= self.COMPACT_MAX_ROWS:
                    t_q = time.perf_counter()
                    quick = t_q + self.QUICK_SHARE * max(deadline - t_q, 0.0)
                    x_best, lower, up_mip, st = self.compact_mip(residual, fixed1, x_best, lower, k,
                                                                 deadline=quick, mip_gap=mip_gap)
                    if st == "optimal":
                        upper = min(upper, max(up_mip, lower))
                    info.update(mip="compact residual", quick_mip_seconds=time.perf_counter() - t_q,
                                quick_mip_value=lower)
                    info["residual_rows"], info["residual_candidates"] = residual[0].shape
            if not self.proven(upper, lower, mip_gap) and 1 < k < m:
                # Region re-solves over the candidates that could still improve the best solution.
                t_lns = time.perf_counter()
                lns_deadline = t_lns + self.LNS_SHARE * max(deadline - t_lns, 0.0)
                fixed0, _ = self._fixings(lag, s, k, lower, x_best)
                picks = np.flatnonzero(x_best > 0.5)
                regions = improved = 0
                for size in self.LNS_REGION_SITES:
                    if time.perf_counter() > lns_deadline or self.proven(upper, lower, mip_gap):
                        break
                    picks, value, got = _region_search(self.a, self.w, picks, deadline=lns_deadline,
                                                       region_sites=min(size, k), free=~fixed0,
                                                       integral=self.integral, seed=size)
                    regions, improved = regions + got["lns_regions"], improved + got["lns_improved"]
                    if value > lower:
                        x_best = np.zeros(m)
                        x_best[picks] = 1.0
                        lower = self.covered(x_best)
                    if size >= k:
                        break
                info.update(lns_value=lower, lns_regions=regions, lns_improved=improved,
                            lns_seconds=time.perf_counter() - t_lns)
            if not self.proven(upper, lower, 0.0):
                fixed0, fixed1 = self._fixings(lag, s, k, lower, x_best)
        info.update(fixed_out=int(fixed0.sum()), fixed_in=int(fixed1.sum()))
        status = "optimal" if self.proven(upper, lower, mip_gap) else "time limit"
        # 4. The master MIP until its bound meets the best solution.
        if status != "optimal" and time.perf_counter() < deadline:
            t_mip = time.perf_counter()
            residual = self.residual(fixed0, fixed1)
            info["residual_rows"], info["residual_candidates"] = residual[0].shape
            if lp_compact or residual[0].shape[0] <= self.COMPACT_MAX_ROWS:
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

    def compact_lp(self, k: int, deadline: float) -> tuple[np.ndarray, float, tuple[float, np.ndarray] | None]:
        """The compact LP by interior point (with crossover): x, its bound and the Lagrangian from its duals.

        The Lagrangian bound ``L(u)`` is valid for any ``u`` in [0, w], so
        inexact duals cost strength, never validity.
        """
        n, m = self.n, self.m
        mip = _compact_mclp(self.a, self.w, k=k, counted=np.ones(m, bool), fixed=np.zeros(m, bool))
        a = mip.a.tocsc()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        inf = h.getInfinity()
        h.passModel(a.shape[1], a.shape[0], a.nnz, 1, -1, 0.0, mip.cost, mip.col_lower, mip.col_upper,
                    np.nan_to_num(mip.row_lower, neginf=-inf), mip.row_upper, a.indptr[:-1].astype(np.int32),
                    a.indices.astype(np.int32), a.data.astype(float), np.zeros(a.shape[1], dtype=np.int32))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return np.full(m, k / m), math.inf, None
        sol = h.getSolution()
        u = np.clip(np.abs(np.asarray(sol.row_dual)[:n]), 0.0, self.w)
        s = self.ac.T @ u
        lag = float((self.w - u).sum() + np.sort(s)[::-1][:k].sum())
        return np.asarray(sol.col_value)[:m], lag, (lag, s)

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
        mr = b.shape[1]
        mip = _compact_mclp(b, wr, k=k - int(fixed1.sum()), counted=np.ones(mr, bool), fixed=np.zeros(mr, bool))
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

    def _fixings(self, lag: float, s: np.ndarray, k: int, lower: float,
                 x_best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Candidates fixed out and in by Lagrangian reduced costs: forcing them the other way cannot beat ``lower``."""
        m = self.m
        order = np.argsort(-s, kind="stable")
        sk, sk1 = s[order[k - 1]], (s[order[k]] if m > k else 0.0)
        in_top = np.zeros(m, dtype=bool)
        in_top[order[:k]] = True
        fixed0 = ~in_top & self._no_better(lag - sk + s, lower)
        fixed1 = in_top & self._no_better(lag - s + sk1, lower)
        fixed1 &= x_best > 0.5  # keep the best solution feasible
        fixed0 &= x_best < 0.5
        return fixed0, fixed1

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
