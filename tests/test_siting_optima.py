"""Known optima: OR-Library p-median and Sao Jose dos Campos maximal covering (../shared/realdata)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.pmedian import read_orlib
from conftest import realdata
from geo.siting import coverage_matrix, mclp_from_coverage, pmedian_from_cost


def orlib(name: str) -> tuple[np.ndarray, int]:
    return read_orlib(realdata("orlib_pmed", f"{name}.txt"))


def orlib_optimum(name: str) -> int:
    for line in realdata("orlib_pmed", "pmedopt.txt").read_text().splitlines()[1:]:
        parts = line.split()
        if parts and parts[0] == name:
            return int(parts[1])
    raise KeyError(name)


@pytest.mark.parametrize("name", [f"pmed{i}" for i in range(1, 6)])
def test_pmedian_reaches_the_or_library_optimum(name):
    cost, p = orlib(name)
    res = pmedian_from_cost(cost, np.ones(len(cost)), p=p, time_limit=120)
    assert res.gap == 0 and res.status == "optimal"
    assert round(res.objective) == orlib_optimum(name)


def sjc(n: int) -> tuple[np.ndarray, np.ndarray]:
    lines = realdata("sjc_lorena", f"SJC{n}.txt").read_text().split("\n")
    xy = np.array([list(map(float, ln.split())) for ln in lines[1:] if ln.strip()])[: int(lines[0])]
    demand = np.array(realdata("sjc_lorena", f"demand-SJC{n}.dat").read_text().split(), dtype=float)
    return xy, demand


# optima computed with an exact MILP solver, as given in ../shared/realdata/sjc_lorena/PROVENANCE.md
SJC_OPTIMA = {(324, 800): {1: 5461, 2: 8790, 3: 11604, 4: 12106, 5: 12152},
              (324, 1200): {1: 9932, 2: 11555, 3: 12152},
              (818, 800): {1: 8393, 2: 13306, 3: 17507, 5: 24531, 8: 27813, 10: 28838}}


@pytest.mark.parametrize(("inst", "radius"), list(SJC_OPTIMA))
def test_mclp_reaches_the_sjc_optima(inst, radius):
    xy, demand = sjc(inst)
    cover = coverage_matrix(xy, xy, radius=radius)
    for p, best in SJC_OPTIMA[(inst, radius)].items():
        res = mclp_from_coverage(cover, demand, k=p, time_limit=120)
        assert res.gap == 0, (inst, radius, p, res.status)
        assert round(res.objective) == best, (inst, radius, p)


def test_existing_sites_are_kept_and_counted():
    xy, demand = sjc(324)
    cover = coverage_matrix(xy, xy, radius=800)
    free = mclp_from_coverage(cover, demand, k=2)
    existing = np.zeros(len(xy), dtype=bool)
    existing[free.selected[0]] = True  # one of the best pair already exists
    res = mclp_from_coverage(cover, demand, k=1, existing=existing)
    assert free.selected[0] not in res.selected
    assert round(res.objective) == round(free.objective) == 8790


def test_same_optimum_as_spopt():
    """spopt's MCLP (PuLP + CBC) and ours on one clustered instance: the same covered demand."""
    import pulp
    from spopt.locate import MCLP

    rng = np.random.default_rng(5)
    centres = rng.uniform(0, 10_000, (6, 2))
    demand_xy = np.vstack([c + rng.normal(0, 700, (60, 2)) for c in centres] + [rng.uniform(0, 10_000, (40, 2))])
    cand_xy = rng.uniform(0, 10_000, (60, 2))
    weights = rng.integers(1, 5, len(demand_xy)).astype(float)
    cost = np.sqrt(((demand_xy[:, None, :] - cand_xy[None, :, :]) ** 2).sum(axis=2))
    peer = MCLP.from_cost_matrix(cost, weights, service_radius=1500, p_facilities=4, name="peer")
    peer = peer.solve(pulp.PULP_CBC_CMD(msg=False))
    covered_by_peer = [i for i, facilities in enumerate(peer.cli2fac) if len(facilities)]
    peer_covered = float(weights[covered_by_peer].sum())
    ours = mclp_from_coverage(coverage_matrix(demand_xy, cand_xy, radius=1500), weights, k=4)
    assert ours.gap == 0
    assert ours.objective == pytest.approx(peer_covered)
