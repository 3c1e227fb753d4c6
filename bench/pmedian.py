"""Exact p-median on the 40 OR-Library instances (Beasley 1990): Koopsuz's ``pmedian_from_cost`` against HiGHS.

Data: ``../shared/realdata/orlib_pmed/pmed1.txt`` .. ``pmed40.txt`` (100 to
900 nodes, p = 5 to 200) and the published optima in ``pmedopt.txt``. Each
instance's cost matrix is the all-pairs shortest-path matrix of its graph
(the last occurrence of an edge counts, as in the original Fortran reader);
demand points and candidates are the nodes, weight 1.

- ours: ``pmedian_from_cost(cost, ones, p=p, time_limit=...)`` end to end
  (row merging, greedy and swap start, Lagrangian branch-and-bound).
- peer: the plain compact assignment model (``yⱼ`` binary, ``xᵢⱼ ≤ yⱼ`` for
  every pair, ``Σⱼ xᵢⱼ = 1``, ``Σ yⱼ = p``) passed whole to HiGHS
  (highspy) with the same proof standard (relative gap 0, absolute gap
  below 1 since the objective is a whole number) and ``--peer-limit``
  seconds; its time includes building the model.

Run: ``.venv/bin/python -m bench.pmedian [--limit 60] [--peer-limit 60] [--only pmed35,pmed40] [--skip-peer]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.siting import pmedian_from_cost  # noqa: E402

DATA = ROOT.parent / "shared" / "realdata" / "orlib_pmed"
NAMES = tuple(f"pmed{i}" for i in range(1, 41))


def read_orlib(path: Path) -> tuple[np.ndarray, int]:
    """The shortest-path cost matrix of an OR-Library p-median file (Beasley 1990), and its p (the tests' too)."""
    lines = Path(path).read_text().split("\n")
    n, _m, p = map(int, lines[0].split())
    edges: dict[tuple[int, int], int] = {}
    for line in lines[1:]:
        if line.strip():
            i, j, c = map(int, line.split())
            edges[(min(i, j) - 1, max(i, j) - 1)] = c  # the last occurrence of an edge counts
    ij = np.array(list(edges))
    c = np.array(list(edges.values()), dtype=float)
    g = sp.csr_matrix((np.r_[c, c], (np.r_[ij[:, 0], ij[:, 1]], np.r_[ij[:, 1], ij[:, 0]])), shape=(n, n))
    return shortest_path(g, directed=False), p


def optima() -> dict[str, int]:
    rows = (DATA / "pmedopt.txt").read_text().splitlines()[1:]
    return {r.split()[0]: int(r.split()[1]) for r in rows if r.strip()}


def peer(cost: np.ndarray, p: int, time_limit: float) -> dict:
    """The compact assignment model, every pair, solved by HiGHS directly."""
    t0 = time.perf_counter()
    n, m = cost.shape
    ii, jj = np.divmod(np.arange(n * m), m)
    npair = n * m
    # Columns: y (m), x (n*m, row-major). Rows: assignment (n), link x - y <= 0 (n*m), cardinality (1).
    rows = np.r_[ii, n + np.arange(npair), n + np.arange(npair), np.full(m, n + npair)]
    cols = np.r_[m + np.arange(npair), m + np.arange(npair), jj, np.arange(m)]
    vals = np.r_[np.ones(npair), np.ones(npair), -np.ones(npair), np.ones(m)]
    a = sp.csc_matrix((vals, (rows, cols)), shape=(n + npair + 1, m + npair))
    a.sort_indices()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1.0 - 1e-6)
    inf = h.getInfinity()
    ncol = m + npair
    h.passModel(ncol, a.shape[0], a.nnz, 1, 1, 0.0, np.r_[np.zeros(m), cost.ravel()], np.zeros(ncol),
                np.ones(ncol), np.r_[np.ones(n), np.full(npair, -inf), p], np.r_[np.ones(n), np.zeros(npair), p],
                a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32), a.data,
                np.r_[np.ones(m), np.zeros(npair)].astype(np.int32))
    h.run()
    info = h.getInfo()
    ok = info.primal_solution_status == 2
    return {"seconds": time.perf_counter() - t0, "status": h.modelStatusToString(h.getModelStatus()),
            "objective": info.objective_function_value if ok else float("nan"), "bound": info.mip_dual_bound}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=60.0, help="time limit of ours, seconds")
    ap.add_argument("--peer-limit", type=float, default=60.0, help="time limit of the HiGHS peer, seconds")
    ap.add_argument("--only", default="", help="comma-separated instances, e.g. pmed35,pmed40")
    ap.add_argument("--skip-peer", action="store_true")
    args = ap.parse_args()
    names = [s.strip() for s in args.only.split(",") if s.strip()] or list(NAMES)
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        msg = f"unknown instances: {', '.join(unknown)}"
        raise SystemExit(msg)
    if not DATA.exists():
        msg = f"real data not present: {DATA}"
        raise SystemExit(msg)
    opt = optima()
    print(f"p-median, OR-Library pmed1-40: ours (limit {args.limit:g} s) against the compact model in HiGHS "
          f"{highspy.Highs().version()} (limit {args.peer_limit:g} s)\n")
    print("| instance | n | p | optimum | ours (s) | status | gap | objective = optimum | "
          "HiGHS compact (s) | HiGHS status | HiGHS objective | HiGHS bound |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    total = 0.0
    for name in names:
        cost, p = read_orlib(DATA / f"{name}.txt")
        res = pmedian_from_cost(cost, np.ones(len(cost)), p=p, time_limit=args.limit)
        total += res.seconds
        same = "yes" if round(res.objective) == opt[name] else f"no ({res.objective:g})"
        cells = [name, str(len(cost)), str(p), str(opt[name]), f"{res.seconds:.1f}", res.status, f"{res.gap:.2%}",
                 same]
        if args.skip_peer:
            cells += ["-"] * 4
        else:
            pr = peer(cost, p, args.peer_limit)
            cells += [f"{pr['seconds']:.1f}", pr["status"], f"{pr['objective']:g}", f"{pr['bound']:.1f}"]
        print("| " + " | ".join(cells) + " |", flush=True)
    print(f"\nours, total: {total:.1f} s over {len(names)} instances")


if __name__ == "__main__":
    main()
