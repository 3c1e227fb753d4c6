"""Maximal covering (MCLP): Koopsuz's ``geo.siting`` against spopt, and nearest-station lookups.

Demand: clustered synthetic incidents (30 gaussian clusters of 200 m to
1.2 km plus 20 % background, in a 20 km square, metres), weight 1 each.
Candidates: a regular grid over the square (the first m points of the
smallest square grid with at least m). Service radius 1.5 km.

- Koopsuz: ``coverage_matrix`` (k-d tree) + ``mclp_from_coverage`` (reductions,
  greedy and swap start, Benders LP, fixing, master MIP with HiGHS); the time
  covers all of it, the coverage matrix included.
- spopt 0.7: ``MCLP.from_cost_matrix`` + ``solve(PULP_CBC_CMD)`` (its default
  CBC), end to end from the dense distance matrix (computed before timing, as
  spopt's user would hand it over). It runs in a child process stopped after
  ``--spopt-cap`` seconds; to save time it is run at 200 x 5,000 (p = 5 and
  20) and at 1,000 x 20,000 (p = 5 only): its time is dominated by building
  its PuLP model, which grows with m x n and does not depend on p, so at
  2,000 x 50,000 it would take well over the cap.
- Solver choice, at 1,000 x 20,000: the same reduced problem as a compact
  model with HiGHS and with CBC (PuLP), against the Benders default.
- Nearest station for 1,000,000 incidents among 50 stations, and whether it
  is within the radius: ``cKDTree.query(workers=-1)`` against
  ``geopandas.sjoin_nearest``.

Run: ``.venv/bin/python -m bench.siting [--spopt-cap 400] [--skip-spopt]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.siting import coverage_matrix, mclp_from_coverage  # noqa: E402

SIDE = 20_000.0
RADIUS = 1_500.0
SIZES = ((200, 5_000), (1_000, 20_000), (2_000, 50_000), (2_000, 100_000))
PS = (5, 20)
SPOPT_RUNS = {(200, 5_000, 5), (200, 5_000, 20), (1_000, 20_000, 5)}
TIME_LIMIT = 300.0
SOLVER_TIME_LIMIT = 120.0

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np, pulp
from spopt.locate import MCLP
data = np.load(sys.argv[1])
t0 = time.perf_counter()
model = MCLP.from_cost_matrix(data["cost"], data["w"], service_radius=float(data["radius"]),
                              p_facilities=int(data["p"]))
built = time.perf_counter() - t0
model.solve(pulp.PULP_CBC_CMD(msg=False))
secs = time.perf_counter() - t0
print(json.dumps({"seconds": secs, "build": built, "objective": pulp.value(model.problem.objective)}))
"""


def clustered(n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.15 * SIDE, 0.85 * SIDE, (30, 2))
    spread = rng.uniform(200, 1200, 30)
    k = rng.integers(0, 30, n)
    p = centres[k] + rng.normal(0, 1, (n, 2)) * spread[k, None]
    background = rng.random(n) < 0.2
    p[background] = rng.uniform(0, SIDE, (background.sum(), 2))
    return np.clip(p, 0, SIDE)


def grid(m: int) -> np.ndarray:
    side = int(np.ceil(np.sqrt(m)))
    c = (np.arange(side) + 0.5) * SIDE / side
    gx, gy = np.meshgrid(c, c)
    return np.column_stack([gx.ravel(), gy.ravel()])[:m]


def ours(d: np.ndarray, c: np.ndarray, p: int, time_limit: float = TIME_LIMIT, **kw: object) -> tuple[float, object]:
    t0 = time.perf_counter()
    cover = coverage_matrix(d, c, radius=RADIUS)
    res = mclp_from_coverage(cover, np.ones(len(d)), k=p, time_limit=time_limit, **kw)
    return time.perf_counter() - t0, res


def spopt_run(d: np.ndarray, c: np.ndarray, p: int, cap: float) -> dict | None:
    cost = np.sqrt(((d[:, None, :] - c[None, :, :]) ** 2).sum(axis=2))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.npz"
        np.savez(path, cost=cost, w=np.ones(len(d)), radius=RADIUS, p=p)
        del cost
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=cap)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None
    return json.loads(out.strip().splitlines()[-1])


def nearest_station_bench() -> list[str]:
    import geopandas as gpd
    import shapely
    from scipy.spatial import cKDTree

    n = 1_000_000
    inc = clustered(n, seed=3)
    rng = np.random.default_rng(5)
    sta = rng.uniform(0, SIDE, (50, 2))
    t0 = time.perf_counter()
    dist, _ = cKDTree(sta).query(inc, workers=-1)
    within = dist <= RADIUS
    t_tree = time.perf_counter() - t0
    crs = "EPSG:32643"
    g_inc = gpd.GeoDataFrame(geometry=shapely.points(inc), crs=crs)
    g_sta = gpd.GeoDataFrame({"station": np.arange(50)}, geometry=shapely.points(sta), crs=crs)
    t0 = time.perf_counter()
    joined = gpd.sjoin_nearest(g_inc, g_sta, distance_col="dist")
    joined = joined[~joined.index.duplicated()]  # equidistant ties give extra rows
    within_gpd = joined["dist"].to_numpy() <= RADIUS
    t_gpd = time.perf_counter() - t0
    same = bool(np.allclose(joined["dist"].to_numpy(), dist) and (within_gpd == within).all())
    return [f"| cKDTree.query(workers=-1) + radius test | {t_tree:.3f} |",
            f"| geopandas.sjoin_nearest + radius test | {t_gpd:.3f} |",
            (f"\nSame distances and coverage: {same}; {within.mean():.1%} of incidents within {RADIUS:,.0f} m; "
             f"ratio {t_gpd / t_tree:.0f}x.")]


def fmt_status(res: object) -> str:
    return res.status if res.status == "optimal" else f"{res.status}, gap {res.gap:.2%}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spopt-cap", type=float, default=400.0)
    ap.add_argument("--skip-spopt", action="store_true")
    ap.add_argument("--skip-solvers", action="store_true")
    args = ap.parse_args()
    rows = []
    print(f"MCLP, clustered incidents in a {SIDE / 1000:g} km square, radius {RADIUS:,.0f} m, "
          f"time limit {TIME_LIMIT:g} s\n", flush=True)
    for m, n in SIZES:
        d, c = clustered(n), grid(m)
        for p in PS:
            secs, res = ours(d, c, p)
            st = res.stats
            peer = "not run (time)"
            ratio = equal = "-"
            if (m, n, p) in SPOPT_RUNS and not args.skip_spopt:
                got = spopt_run(d, c, p, args.spopt_cap)
                if got is None:
                    peer = f"not run: > {args.spopt_cap:g} s"
                else:
                    peer = f"{got['seconds']:.1f} s (build {got['build']:.1f} s), {got['objective']:,.0f}"
                    ratio = f"{got['seconds'] / secs:.0f}x"
                    equal = "yes" if got["objective"] == res.objective else "NO"
            elif (m, n) == SIZES[-1]:
                peer = "not run (ours only)"
            elif m * n > 20_000_000:
                # spopt's model build grows with m x n: about 150-320 s at 1,000 x 20,000.
                peer = f"not run: > {args.spopt_cap:g} s (build grows with m x n)"
            else:
                peer = "not run (p = 5 only at this size)"
            rows.append(f"| {m:,} x {n:,} | {p} | {secs:.2f} | {fmt_status(res)} | {res.objective:,.0f} | "
                        f"{st.get('greedy_value', float('nan')):,.0f} | {st['demand_rows_merged']:,} | "
                        f"{st['candidates_after_dominance']:,} | {st.get('fixed_out', 0):,} | {peer} | {ratio} | "
                        f"{equal} |")
            print(rows[-1], file=sys.stderr, flush=True)
    print("\n| candidates x demand | p | ours (s) | status | covered | greedy | rows merged | "
          "candidates kept | fixed out | spopt + CBC | spopt / ours | equal |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if not args.skip_solvers:
        print("\nSolver choice on the same reduced problem, 1,000 x 20,000 (time limit "
              f"{SOLVER_TIME_LIMIT:g} s):\n")
        print("| p | Benders + HiGHS (s) | compact + HiGHS (s) | compact + CBC (s) |")
        print("|---|---|---|---|")
        d, c = clustered(20_000), grid(1_000)
        for p in PS:
            cells = []
            for kw in ({}, {"method": "compact"}, {"solver": "cbc"}):
                secs, res = ours(d, c, p, time_limit=SOLVER_TIME_LIMIT, **kw)
                cells.append(f"{secs:.1f} ({fmt_status(res)}, {res.objective:,.0f})")
            print(f"| {p} | {' | '.join(cells)} |", flush=True)
    print("\nNearest station, 1,000,000 incidents, 50 stations:\n")
    print("| method | seconds |")
    print("|---|---|")
    print("\n".join(nearest_station_bench()))


if __name__ == "__main__":
    main()
