"""Maximal covering at city scale, and the swap and region searches against brute force.

A city-like instance (every grid point a candidate and a demand point,
weighted by residents) must be proven optimal (gap 0) with the same covered
weight as the compact model solved to optimality by HiGHS; the heuristics
are checked on small random instances against enumeration of all k-subsets.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from geo.siting import coverage_matrix, mclp_from_coverage
from geo.siting.mclp_lns import _region_search
from geo.siting.mclp_search import _best_swap, _covered_value, _swap_descent

CHICAGO = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "chicago" / \
    "community_areas_pop2000_2010.geojson"


def _city(spacing: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A 9 km square grid, residents from five dense neighbourhoods plus block noise (whole people)."""
    rng = np.random.default_rng(seed)
    c = np.arange(spacing / 2, 9_000, spacing)
    gx, gy = np.meshgrid(c, c)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    centres = rng.uniform(1_500, 7_500, (5, 2))
    dens = sum(np.exp(-np.hypot(*(xy - z).T) / rng.uniform(800, 2_000)) for z in centres)
    return xy, np.floor(3_000 * dens * rng.lognormal(0.0, 0.8, len(xy)))


def _brute(a: sp.csr_matrix, w: np.ndarray, k: int, existing: np.ndarray) -> float:
    a = a.tocsr()
    new = [j for j in range(a.shape[1]) if j not in set(existing.tolist())]
    best = 0.0
    for sub in itertools.combinations(new, min(k, len(new))):
        cols = np.r_[existing, np.array(sub, dtype=np.intp)].astype(np.intp)
        best = max(best, _covered_value(a, w, cols))
    return best


def _random(seed: int, n: int = 16, m: int = 11) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    d, c = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))
    return coverage_matrix(d, c, radius=rng.uniform(2.0, 4.5)), rng.integers(0, 20, n).astype(float)


def test_city_instance_is_proven_optimal_and_matches_the_compact_model():
    # 900 points, 20 sites of 600 m: the LP bound is 1.5 % above the optimum, so this needs the whole chain
    # (swaps, region search, fixing, residual MIP); the compact model alone takes some 10 s.
    xy, w = _city(300.0, seed=3)
    assert len(xy) == 900
    cover = coverage_matrix(xy, xy, radius=600.0)
    res = mclp_from_coverage(cover, w, k=20, time_limit=60)
    assert res.status == "optimal" and res.gap == 0.0 and res.bound == res.objective
    ref = mclp_from_coverage(cover, w, k=20, time_limit=120, reduce=False)
    assert ref.status == "optimal"
    assert res.objective == ref.objective
    assert len(res.selected) <= 20
    assert res.stats["lp_bound"] > res.objective


@pytest.mark.realdata
@pytest.mark.skipif(not CHICAGO.exists(), reason=f"real data absent: {CHICAGO} (see ../shared/realdata/README.md)")
def test_chicago_grid_is_proven_optimal():
    gpd = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely")
    areas = gpd.read_file(CHICAGO).to_crs(26916)
    areas["geometry"] = areas.geometry.make_valid()
    x0, y0, x1, y1 = areas.total_bounds
    gx, gy = np.meshgrid(np.arange(x0 + 300, x1, 600.0), np.arange(y0 + 300, y1, 600.0))
    px, py = gx.ravel(), gy.ravel()
    owner = np.full(len(px), -1)
    for t, g in enumerate(areas.geometry):
        owner[shapely.contains_xy(g, px, py) & (owner < 0)] = t
    keep = owner >= 0
    xy, owner = np.column_stack([px[keep], py[keep]]), owner[keep]
    per = np.bincount(owner, minlength=len(areas))
    w = np.floor(areas["POP2010"].to_numpy(float)[owner] / per[owner])
    cover = coverage_matrix(xy, xy, radius=800.0)
    res = mclp_from_coverage(cover, w, k=30, time_limit=60)
    ref = mclp_from_coverage(cover, w, k=30, time_limit=120, reduce=False)
    assert res.status == "optimal" and res.gap == 0.0
    assert ref.status == "optimal" and res.objective == ref.objective


@pytest.mark.parametrize("seed", range(12))
def test_mclp_matches_brute_force_with_existing_sites(seed):
    a, w = _random(seed)
    rng = np.random.default_rng(100 + seed)
    existing = np.sort(rng.choice(a.shape[1], size=seed % 3, replace=False))
    k = 2 + seed % 3
    res = mclp_from_coverage(a, w, k=k, existing=existing, time_limit=30)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(_brute(a, w, k, existing))
    assert not set(res.selected.tolist()) & set(existing.tolist())
    assert len(res.selected) <= k


@pytest.mark.parametrize("seed", range(8))
def test_swap_descent_ends_at_a_swap_local_optimum(seed):
    a, w = _random(seed, n=18, m=12)
    a = a.astype(float).tocsr()
    k = 3
    start = np.arange(k)
    got = _swap_descent(a, a.tocsc(), w, start, free=np.ones(a.shape[1], bool), deadline=time.perf_counter() + 30)
    assert len(set(got.tolist())) == k
    v = _covered_value(a, w, got)
    assert v >= _covered_value(a, w, start)
    assert v <= _brute(a, w, k, np.zeros(0, dtype=np.intp)) + 1e-9
    for r, j in itertools.product(range(k), range(a.shape[1])):
        if j in got:
            continue
        trial = got.copy()
        trial[r] = j
        assert _covered_value(a, w, trial) <= v + 1e-9
    # The neighbourhood algebra agrees with a direct evaluation of the best swap.
    delta, r, j = _best_swap(a, a.tocsc(), w, np.array([0, 1, 2]), np.ones(a.shape[1], bool), 1e-12)
    if r >= 0:
        trial = np.array([0, 1, 2])
        trial[r] = j
        assert _covered_value(a, w, trial) - _covered_value(a, w, np.array([0, 1, 2])) == pytest.approx(delta)


@pytest.mark.parametrize("seed", range(8))
def test_region_search_improves_and_never_beats_brute_force(seed):
    a, w = _random(seed, n=18, m=12)
    k = 3
    start = np.array([0, 1, 2])
    got, v, info = _region_search(a, w, start, deadline=time.perf_counter() + 30, region_sites=k)
    assert len(got) <= k and len(set(got.tolist())) == len(got)
    assert v == pytest.approx(_covered_value(a.tocsr(), w, got))
    assert _covered_value(a.tocsr(), w, start) <= v <= _brute(a, w, k, np.zeros(0, dtype=np.intp)) + 1e-9
    # With every candidate sharing a demand point, one region is the whole problem: exact.
    dense = sp.csr_matrix(np.ones((4, a.shape[1]), dtype=bool))
    a_all = sp.vstack([a, dense]).tocsr()
    w_all = np.r_[w, np.zeros(4)]
    _, v_all, _ = _region_search(a_all, w_all, start, deadline=time.perf_counter() + 30, region_sites=k)
    assert v_all == pytest.approx(_brute(a_all, w_all, k, np.zeros(0, dtype=np.intp)))


def test_region_search_keeps_to_free_columns():
    a, w = _random(5, n=18, m=12)
    free = np.ones(a.shape[1], bool)
    free[[3, 4, 5]] = False
    got, _, _ = _region_search(a, w, np.array([0, 1, 2]), deadline=time.perf_counter() + 30, region_sites=3,
                               free=free)
    assert not set(got.tolist()) & {3, 4, 5}
