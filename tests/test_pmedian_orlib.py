"""The exact p-median: all 40 OR-Library instances proven optimal, and the Lagrangian core against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from geo.siting import pmedian_from_cost
from geo.siting.pmedian_lagrange import _lagrangian_bb, _swap_search
from test_siting_optima import orlib, orlib_optimum


@pytest.mark.realdata
@pytest.mark.parametrize("name", [f"pmed{i}" for i in range(1, 41)])
def test_every_or_library_instance_is_proven_optimal(name):
    cost, p = orlib(name)
    res = pmedian_from_cost(cost, np.ones(len(cost)), p=p, time_limit=60)
    assert res.status == "optimal" and res.gap == 0
    assert round(res.objective) == orlib_optimum(name)
    assert res.bound == res.objective and len(res.selected) == p


def brute_force(cost: np.ndarray, w: np.ndarray, p: int, existing: np.ndarray) -> float:
    """The smallest weighted distance over every p-subset of the columns that are not existing sites."""
    free = np.setdiff1d(np.arange(cost.shape[1]), existing)
    best = math.inf
    for sub in itertools.combinations(free, p):
        cols = np.r_[existing, sub].astype(int)
        best = min(best, float(w @ cost[:, cols].min(axis=1)))
    return best


def tiny(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random non-square instance: clustered points, ties (whole numbers) or not, some existing sites."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(4, 30)), int(rng.integers(3, 12))
    xy = rng.uniform(0, 100, (n, 2))
    cand = xy[rng.choice(n, min(m, n), replace=False)] if seed % 2 else rng.uniform(0, 100, (m, 2))
    cost = np.sqrt(((xy[:, None, :] - cand[None, :, :]) ** 2).sum(axis=2))
    if seed % 3 == 0:
        cost = np.round(cost / 10)  # few distinct values: many ties among the candidates
        w = rng.integers(0, 4, n).astype(float)
    else:
        w = rng.uniform(0.1, 3, n)
    existing = rng.choice(cost.shape[1], int(rng.integers(0, 3)), replace=False)
    return cost, w, np.sort(existing)


@pytest.mark.parametrize("seed", range(40))
def test_the_lagrangian_search_equals_brute_force(seed):
    cost, w, existing = tiny(seed)
    for p in range(1, min(4, cost.shape[1] - len(existing)) + 1):
        res = pmedian_from_cost(cost, w, p=p, existing=existing)
        assert res.status == "optimal" and res.gap == 0
        assert res.objective == pytest.approx(brute_force(cost, w, p, existing), rel=1e-9, abs=1e-9)
        assert len(res.selected) == p and not np.isin(res.selected, existing).any()
        assert res.stats["method"] == "lagrangian branch-and-bound"


@pytest.mark.parametrize("seed", range(6))
def test_the_core_on_weighted_costs_equals_brute_force(seed):
    """``_lagrangian_bb`` alone, from a poor start, on weighted costs with existing-site costs."""
    cost, w, existing = tiny(100 + seed)
    w = w + 1.0
    free = np.setdiff1d(np.arange(cost.shape[1]), existing)
    wc = w[:, None] * cost[:, free]
    we = w * cost[:, existing].min(axis=1) if len(existing) else np.full(len(w), np.inf)
    p = min(3, len(free))
    found = _lagrangian_bb(wc, we, p, start=np.arange(p), time_limit=30, integral=False, mip_gap=0.0)
    assert found.status == "optimal"
    assert found.value == pytest.approx(brute_force(cost, w, p, existing), rel=1e-9)
    assert found.bound == found.value and len(np.unique(found.best)) == p


def test_swaps_never_make_a_start_worse():
    cost, w, _ = tiny(7)
    start = np.arange(3)
    idx, val = _swap_search(w[:, None] * cost, np.full(len(w), np.inf), start, deadline=math.inf)
    assert val <= float(w @ cost[:, start].min(axis=1)) + 1e-9 and len(np.unique(idx)) == 3


def test_a_time_limit_of_zero_still_gives_a_solution_and_a_valid_bound():
    rng = np.random.default_rng(3)
    cost = rng.integers(0, 50, (60, 40)).astype(float)
    res = pmedian_from_cost(cost, np.ones(60), p=5, time_limit=0)
    assert len(res.selected) == 5 and np.isfinite(res.objective)
    assert res.bound <= res.objective and (res.status == "optimal" or res.status == "time limit")


def test_an_accepted_gap_is_honoured():
    cost, p = np.abs(np.subtract.outer(np.arange(40.0), np.arange(40.0))) ** 1.5, 4
    exact = pmedian_from_cost(cost, np.ones(40), p=p)
    loose = pmedian_from_cost(cost, np.ones(40), p=p, mip_gap=0.05)
    assert loose.bound <= exact.objective + 1e-9 and loose.objective <= exact.objective * 1.05 + 1e-9
    assert exact.gap == 0 and exact.status == "optimal"


def test_the_mip_path_agrees():
    """``reduce=False`` hands the plain assignment model to HiGHS: the same optimum."""
    cost, w, existing = tiny(9)
    fast = pmedian_from_cost(cost, w, p=2, existing=existing)
    plain = pmedian_from_cost(cost, w, p=2, existing=existing, reduce=False)
    assert plain.stats["method"] == "assignment MIP"
    assert fast.objective == pytest.approx(plain.objective, rel=1e-9)
