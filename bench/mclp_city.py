"""Maximal covering at city scale: camera or patrol programmes where every block is a candidate and a demand point.

Instances (deterministic): a regular grid of points over a real city
outline; every point is both a candidate site and a demand point weighted by
its residents; radius 400-800 m, p = 50-100 new sites.

- Chicago: the 77 community areas with their 2010 census population
  (``../shared/realdata/chicago/community_areas_pop2000_2010.geojson``,
  City of Chicago / GeoDa, see its PROVENANCE.md). Each area's residents are
  shared among its grid points in proportion to seeded log-normal weights
  (so blocks differ, as they do), then rounded down to whole people.
- Bishkek: the OpenStreetMap city outline
  (``../shared/realdata/bishkek_osm_outline``, ODbL, © OpenStreetMap
  contributors). The data folder has no population for Bishkek, so its
  weights are synthetic: a seeded density falling from the centre, with the
  same log-normal block noise, scaled to 1,000,000 residents.

Solvers, each with the same time limit (``--time-limit``, default 60 s):

- ours: ``coverage_matrix`` + ``mclp_from_coverage`` (reductions, greedy and
  swaps, Benders LP, Lagrangian fixing, region re-solves, residual MIP with
  HiGHS); the time covers the coverage matrix too;
- CBC: the compact model (x binary, y in [0, 1], ``y_i ≤ Σ x_j``,
  ``Σ x ≤ p``) built with PuLP and solved by its bundled CBC
  (``PULP_CBC_CMD``); its bound is read from CBC's log; the time includes
  PuLP's model build;
- plain HiGHS: the same compact model passed whole to highspy, no
  reductions and no start (``mclp_from_coverage(reduce=False)``).

"gap" is (bound - objective) / objective. Run:
``.venv/bin/python -m bench.mclp_city [--quick] [--time-limit 60] [--skip-peers] [--only N ...]``.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.siting import coverage_matrix, mclp_from_coverage  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"
CHICAGO = REALDATA / "chicago" / "community_areas_pop2000_2010.geojson"
BISHKEK = REALDATA / "bishkek_osm_outline" / "bishkek_city_boundary_osm.geojson"
SEED = 20_261_201
BISHKEK_RESIDENTS = 1_000_000
# (place, grid spacing m, radius m, p); the spacing sets the number of points.
INSTANCES = (
    ("chicago", 400, 800, 100),
    ("chicago", 350, 600, 50),
    ("chicago", 300, 400, 100),
    ("chicago", 300, 800, 50),
    ("chicago", 280, 800, 100),
    ("bishkek", 200, 600, 50),
    ("bishkek", 180, 400, 100),
    ("bishkek", 150, 800, 100),
)
QUICK = (0, 5)


def _grid_in(geoms: object, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid points inside the union of ``geoms`` and the index of the polygon holding each."""
    import shapely

    x0, y0, x1, y1 = geoms.total_bounds
    gx, gy = np.meshgrid(np.arange(x0 + spacing / 2, x1, spacing), np.arange(y0 + spacing / 2, y1, spacing))
    px, py = gx.ravel(), gy.ravel()
    owner = np.full(len(px), -1)
    for t, g in enumerate(geoms):
        owner[shapely.contains_xy(g, px, py) & (owner < 0)] = t
    keep = owner >= 0
    return np.column_stack([px[keep], py[keep]]), owner[keep]


def chicago(spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid points over Chicago (UTM 16N metres) and their residents, from the 2010 community-area census."""
    import geopandas as gpd

    areas = gpd.read_file(CHICAGO).to_crs(26916)
    areas["geometry"] = areas.geometry.make_valid()  # the GeoDa file has invalid polygons (see PROVENANCE.md)
    xy, owner = _grid_in(areas.geometry, spacing)
    share = np.random.default_rng(SEED).lognormal(0.0, 0.8, len(xy))
    pop = areas["POP2010"].to_numpy(float)
    per_area = np.bincount(owner, weights=share, minlength=len(areas))
    return xy, np.floor(pop[owner] * share / per_area[owner])


def bishkek(spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid points over Bishkek (UTM 43N metres) and synthetic residents: denser towards the centre."""
    import geopandas as gpd

    outline = gpd.read_file(BISHKEK).to_crs(32643)
    xy, _ = _grid_in(outline.geometry, spacing)
    centre = np.asarray(outline.union_all().centroid.coords[0])
    dist = np.hypot(*(xy - centre).T)
    dens = np.exp(-dist / 4_000.0) * np.random.default_rng(SEED + 1).lognormal(0.0, 0.8, len(xy))
    return xy, np.floor(BISHKEK_RESIDENTS * dens / dens.sum())


def cbc(cover: object, w: np.ndarray, p: int, time_limit: float) -> dict:
    """The compact MCLP through PuLP and CBC: objective and the bound from CBC's log."""
    import pulp

    t0 = time.perf_counter()
    a = cover.tocsr()
    n, m = a.shape
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat=pulp.LpBinary) for j in range(m)]
    y = [pulp.LpVariable(f"y{i}", lowBound=0, upBound=1) for i in range(n)]
    prob += pulp.lpSum(float(w[i]) * y[i] for i in range(n))
    for i in range(n):
        prob += y[i] <= pulp.lpSum(x[j] for j in a.indices[a.indptr[i]:a.indptr[i + 1]])
    prob += pulp.lpSum(x) <= p
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=0.0, logPath=str(log)))
        text = log.read_text(errors="replace") if log.exists() else ""
    secs = time.perf_counter() - t0
    obj = pulp.value(prob.objective) if prob.sol_status in (1, 2) else math.nan
    obj = float(obj) if obj is not None else math.nan
    bound = math.nan
    # CBC minimises -Σ w y: its "Lower bound" is minus our upper bound.
    found = re.findall(r"Lower bound:\s*(-?[\d.e+]+)", text)
    if prob.status == 1 and prob.sol_status == 1:
        bound = obj
    elif found:
        bound = abs(float(found[-1]))
    return {"seconds": secs, "objective": obj, "bound": bound,
            "status": "optimal" if prob.status == 1 and prob.sol_status == 1 else "time limit"}


def gap(obj: float, bound: float) -> float:
    if not (np.isfinite(obj) and np.isfinite(bound)) or obj <= 0:
        return math.nan
    return max(bound - obj, 0.0) / obj


def fmt_obj(v: float) -> str:
    return "none" if not np.isfinite(v) else f"{v:,.0f}"


def fmt_gap(g: float) -> str:
    return "-" if not np.isfinite(g) else f"{g:.3%}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds for each solver (default 60)")
    ap.add_argument("--quick", action="store_true", help=f"instances {QUICK} only")
    ap.add_argument("--only", type=int, nargs="*", help="instance numbers (0-based) to run")
    ap.add_argument("--skip-peers", action="store_true", help="ours only")
    args = ap.parse_args()
    missing = [str(p) for p in (CHICAGO, BISHKEK) if not p.exists()]
    if missing:
        print(f"skipped: real data absent ({', '.join(missing)}); see ../shared/realdata/README.md")
        return
    picked = args.only if args.only else (QUICK if args.quick else range(len(INSTANCES)))
    tl = args.time_limit
    print(f"MCLP on city grids, demand = candidates, time limit {tl:g} s per solver\n", flush=True)
    head = ("| instance (place, points, radius, p) | ours s | status | objective | bound | gap | "
            "CBC s | CBC objective | CBC gap | HiGHS s | HiGHS objective | HiGHS gap |")
    rows = []
    for t in picked:
        place, spacing, radius, p = INSTANCES[t]
        xy, w = (chicago if place == "chicago" else bishkek)(spacing)
        t0 = time.perf_counter()
        cover = coverage_matrix(xy, xy, radius=radius)
        res = mclp_from_coverage(cover, w, k=p, time_limit=tl)
        secs = time.perf_counter() - t0
        cells = [f"{t}: {place}, {len(xy):,}, {radius} m, {p}", f"{secs:.1f}", res.status,
                 f"{res.objective:,.0f}", f"{res.bound:,.0f}", fmt_gap(res.gap)]
        if args.skip_peers:
            cells += ["-"] * 6
        else:
            c = cbc(cover, w, p, tl)
            cells += [f"{c['seconds']:.1f}", fmt_obj(c["objective"]), fmt_gap(gap(c["objective"], c["bound"]))]
            t0 = time.perf_counter()
            plain = mclp_from_coverage(cover, w, k=p, time_limit=tl, reduce=False)
            cells += [f"{time.perf_counter() - t0:.1f}", f"{plain.objective:,.0f}",
                      fmt_gap(gap(plain.objective, plain.bound))]
            if np.nanmax([c["objective"], plain.objective]) > res.bound + 1e-6:
                cells[2] += " (BOUND BELOW A PEER'S SOLUTION)"
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], file=sys.stderr, flush=True)
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    print("\n".join(rows))
    print("\nObjective and bound in residents; gap = (bound - objective) / objective; CBC's bound is read "
          "from its log (- when it reported none; none: no solution). CBC may overrun the time limit.")


if __name__ == "__main__":
    main()
