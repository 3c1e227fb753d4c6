"""The MIP back-ends: one matrix-form model handed to HiGHS (highspy) in bulk, or to CBC through PuLP.

The models are built as numpy arrays and passed whole with
``Highs.passModel``: building a PuLP or Pyomo model row by row in Python is
what makes spopt slow (15.5 s for 200 candidates x 5,000 demand points). CBC
through PuLP is kept for comparison runs only.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp


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
    """A solver's answer: column values (None without a feasible point), objective, bound, status, statistics."""

    x: np.ndarray | None
    objective: float
    bound: float
    status: str
    info: dict


def _solve_mip(mip: _Mip, *, solver: str, time_limit: float, mip_gap: float, integral: bool,
               start: np.ndarray | None) -> _Solution:
    """Solve ``mip`` with ``solver``; ``integral`` declares a whole-number objective, ``start`` a warm start."""
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
