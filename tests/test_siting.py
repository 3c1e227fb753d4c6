"""Siting models: optima of published instances, agreement with spopt, reductions, existing sites, the adapter."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import pytest
import scipy.sparse as sp
from conftest import realdata
from scipy.sparse.csgraph import shortest_path
from shapely.geometry import LineString, Point, box

from geo.coverage import drive_time_coverage, drive_time_matrix, road_graph
from geo.siting import (
    benders,
    coverage_matrix,
    grid_candidates,
    lscp_from_coverage,
    marginal_gains,
    mclp_from_coverage,
    pmedian_from_cost,
    presolve,
    road_intersections,
    site,
)

# Optimal covered demand of the São José dos Campos instances, from ../shared/realdata/sjc_lorena/PROVENANCE.md
# (computed there with scipy.optimize.milp, Euclidean, candidates = demand nodes), for p = 1, 2, 3, 4, 5, 6, 8, 10.
SJC_P = (1, 2, 3, 4, 5, 6, 8, 10)
SJC_OPT = {
    ("SJC324", 800): (5461, 8790, 11604, 12106, 12152, 12152, 12152, 12152),
    ("SJC324", 1200): (9932, 11555, 12152, 12152, 12152, 12152, 12152, 12152),
    ("SJC402", 800): (6555, 11339, 14690, 15658, 15970, 15984, 15984, 15984),
    ("SJC402", 1200): (10607, 14832, 15984, 15984, 15984, 15984, 15984, 15984),
    ("SJC500", 800): (7944, 12454, 15730, 17794, 18859, 19525, 19707, 19707),
    ("SJC500", 1200): (10726, 18070, 19393, 19707, 19707, 19707, 19707, 19707),
    ("SJC708", 800): (8393, 13306, 17272, 20338, 21486, 22504, 23684, 24190),
    ("SJC708", 1200): (11612, 20376, 22422, 23884, 24142, 24192, 24192, 24192),
    ("SJC818", 800): (8393, 13306, 17507, 21428, 24531, 25908, 27813, 28838),
    ("SJC818", 1200): (11612, 20290, 25211, 27029, 28513, 29137, 29168, 29168),
}


def clustered(n: int, m: int, *, side: float = 10.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand in a few gaussian clusters plus background, candidates uniform, integer weights."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.2 * side, 0.8 * side, (5, 2))
    k = rng.integers(0, 5, n)
    d = centres[k] + rng.normal(0, side / 15, (n, 2))
    bg = rng.random(n) < 0.2
    d[bg] = rng.uniform(0, side, (bg.sum(), 2))
    c = rng.uniform(0, side, (m, 2))
    return d, c, rng.integers(1, 10, n).astype(float)


def dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))


def covered_by(cover: sp.csr_matrix, w: np.ndarray, cols: np.ndarray) -> float:
    cols = np.asarray(cols, dtype=int)
    return float(w[cover[:, cols].getnnz(axis=1) > 0].sum()) if len(cols) else 0.0


# --------------------------------------------------------------------------- published optima


def orlib(k: int) -> tuple[np.ndarray, int, float]:
    folder = realdata("orlib_pmed")
    lines = (folder / f"pmed{k}.txt").read_text().split("\n")
    n, m, p = map(int, lines[0].split())
    last: dict[tuple[int, int], float] = {}
    for line in lines[1 : m + 1]:
        i, j, c = map(int, line.split())
        last[(min(i, j), max(i, j))] = float(c)  # OR-Library: the last occurrence of an edge counts
    e = np.array([(i - 1, j - 1, c) for (i, j), c in last.items() if i != j])
    g = sp.coo_matrix((e[:, 2], (e[:, 0].astype(int), e[:, 1].astype(int))), shape=(n, n)).tocsr()
    opt = {a: float(b) for a, b in (ln.split() for ln in (folder / "pmedopt.txt").read_text().splitlines()[1:]
                                    if ln.strip())}
    return shortest_path(g, directed=False), p, opt[f"pmed{k}"]


@pytest.mark.realdata
@pytest.mark.parametrize("k", range(1, 11))
def test_pmedian_matches_orlib_optimum(k: int) -> None:
    d, p, opt = orlib(k)
    res = pmedian_from_cost(d, np.ones(len(d)), p=p, time_limit=120)
    assert res.status == "optimal"
    assert res.objective == opt
    assert res.bound == opt and res.gap == 0.0
    assert len(res.selected) == p
    # The objective is the distance to the nearest open site, which the assignment names.
    assert np.isin(res.assignment, res.selected).all()
    assert d[np.arange(len(d)), res.assignment].sum() == opt


def sjc(name: str) -> tuple[np.ndarray, np.ndarray]:
    folder = realdata("sjc_lorena")
    lines = (folder / f"{name}.txt").read_text().split("\n")
    n = int(lines[0].split()[0])
    xy = np.array([[float(v) for v in ln.split()[:2]] for ln in lines[1 : n + 1]])
    w = np.array([float(v) for v in (folder / f"demand-{name}.dat").read_text().split()])
    assert len(w) == n
    return xy, w


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "radius"), list(SJC_OPT))
def test_mclp_matches_sjc_optima(name: str, radius: int) -> None:
    xy, w = sjc(name)
    cover = coverage_matrix(xy, xy, radius=radius)
    for p, opt in zip(SJC_P, SJC_OPT[(name, radius)], strict=True):
        res = mclp_from_coverage(cover, w, k=p)
        assert (res.status, res.objective, res.gap) == ("optimal", opt, 0.0), (name, radius, p)
        assert len(res.selected) <= p
        assert covered_by(cover, w, res.selected) == opt


# --------------------------------------------------------------------------- spopt


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_mclp_and_lscp_agree_with_spopt() -> None:
    from spopt.locate import LSCP, MCLP

    d, c, w = clustered(400, 60, seed=3)
    cost = dist(d, c)
    radius = 1.2
    cover = coverage_matrix(d, c, radius=radius)
    ours = mclp_from_coverage(cover, w, k=4)
    peer = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=4)
    peer.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.status == "optimal"
    assert ours.objective == pulp.value(peer.problem.objective)

    # spopt's LSCP needs every demand point coverable: give it only those.
    reach = (cost <= radius).any(axis=1)
    lscp = LSCP.from_cost_matrix(cost[reach], service_radius=radius)
    lscp.solve(pulp.PULP_CBC_CMD(msg=False))
    res = lscp_from_coverage(cover, target=1.0)
    assert res.status == "optimal"
    assert res.objective == pulp.value(lscp.problem.objective)
    assert res.stats["uncoverable_points"] == int((~reach).sum())
    assert (cover[reach][:, res.selected].getnnz(axis=1) > 0).all()


# --------------------------------------------------------------------------- existing sites


def test_existing_sites_are_kept_and_counted() -> None:
    d, c, w = clustered(300, 40, seed=5)
    cover = coverage_matrix(d, c, radius=1.5)
    existing = np.array([3, 17])
    plain = mclp_from_coverage(cover, w, k=3)
    res = mclp_from_coverage(cover, w, k=3, existing=existing)
    assert res.status == "optimal"
    assert not np.isin(res.selected, existing).any()
    assert np.array_equal(res.existing, existing)
    assert res.objective == covered_by(cover, w, np.r_[existing, res.selected])
    assert res.objective >= plain.objective
    # A boolean mask means the same.
    mask = np.zeros(40, dtype=bool)
    mask[existing] = True
    assert mclp_from_coverage(cover, w, k=3, existing=mask).objective == res.objective


def test_demand_covered_only_by_an_existing_site_does_not_pull_a_new_one() -> None:
    # Candidates 0 and 1 both cover the heavy cluster A; 0 is an existing station. Candidate 2 covers cluster B.
    cover = sp.csr_matrix(np.array([
        [1, 1, 0],  # A: heavy, already covered by the station
        [1, 1, 0],
        [0, 0, 1],  # B: light
    ], dtype=bool))
    w = np.array([100.0, 100.0, 1.0])
    res = mclp_from_coverage(cover, w, k=1, existing=[0])
    assert res.selected.tolist() == [2]
    assert res.objective == 201.0
    assert res.stats["covered_by_existing_weight"] == 200.0
    # LSCP: the station already covers A, so one new site (for B) suffices.
    assert lscp_from_coverage(cover, w, existing=[0]).selected.tolist() == [2]


# --------------------------------------------------------------------------- reductions


@pytest.mark.parametrize("seed", range(6))
def test_reductions_keep_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d, c, w = clustered(250, 30, seed=seed)
    d = np.vstack([d, d[:50]])  # duplicate rows to merge
    w = np.r_[w, w[:50]]
    if seed % 2:
        w = w + rng.random(len(w))  # non-integral weights too
    c = np.vstack([c, c[:5] + 0.01])  # near-twins, often dominated
    cover = coverage_matrix(d, c, radius=1.3)
    existing = rng.choice(len(c), 2, replace=False) if seed % 3 == 0 else None
    for k in (2, 4, 7):
        fast = mclp_from_coverage(cover, w, k=k, existing=existing)
        plain = mclp_from_coverage(cover, w, k=k, existing=existing, reduce=False)
        assert fast.status == plain.status == "optimal"
        assert fast.objective == pytest.approx(plain.objective, rel=1e-12, abs=1e-9)
    assert fast.stats["demand_rows_merged"] < fast.stats["demand_rows_in_model"]
    for target in (1.0, 0.8):
        fast = lscp_from_coverage(cover, w, target=target, existing=existing)
        plain = lscp_from_coverage(cover, w, target=target, existing=existing, reduce=False)
        assert fast.objective == plain.objective
    cost = dist(d[::3], c)
    fast = pmedian_from_cost(cost, w[::3], p=4, existing=existing)
    plain = pmedian_from_cost(cost, w[::3], p=4, existing=existing, reduce=False)
    assert fast.objective == pytest.approx(plain.objective, rel=1e-9)


def city(n: int, *, seed: int = 7) -> np.ndarray:
    """Incidents as in bench.siting: 30 gaussian clusters (200 m to 1.2 km) and 20 % background in 20 km."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(3_000, 17_000, (30, 2))
    spread = rng.uniform(200, 1_200, 30)
    k = rng.integers(0, 30, n)
    p = centres[k] + rng.normal(0, 1, (n, 2)) * spread[k, None]
    bg = rng.random(n) < 0.2
    p[bg] = rng.uniform(0, 20_000, (bg.sum(), 2))
    return p


@pytest.mark.parametrize("residual", ["compact residual", "master"])
def test_benders_path_matches_the_compact_model(residual: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A 14 x 14 grid of candidates over a clustered city: at k = 12 and 20 the LP bound is not met by the
    # heuristics, so the LP, the fixing and a MIP on the rest all run; the rest goes to the compact model when
    # small, else to the Benders master (forced here by a zero threshold).
    if residual == "master":
        monkeypatch.setattr(benders._MclpBenders, "COMPACT_MAX_ROWS", 0)
    g = (np.arange(14) + 0.5) * 20_000 / 14
    gx, gy = np.meshgrid(g, g)
    d = city(4_000)
    cover = coverage_matrix(d, np.c_[gx.ravel(), gy.ravel()], radius=1_500)
    w = np.ones(len(d))
    for k in (12, 20):
        fast = mclp_from_coverage(cover, w, k=k)
        plain = mclp_from_coverage(cover, w, k=k, reduce=False)
        assert fast.status == plain.status == "optimal"
        assert fast.objective == plain.objective
        assert (fast.stats["method"], fast.stats["mip"]) == ("benders", residual)
        assert fast.stats["fixed_out"] > 0
        assert fast.stats["heuristic_value"] < fast.stats["lp_bound"]


def test_row_merging_is_exact() -> None:
    rng = np.random.default_rng(2)
    base = sp.random(200, 50, density=0.1, random_state=3, format="csr").astype(bool)
    rows = rng.integers(0, 200, 1000)
    a = base[rows]
    gid, first = presolve._merge_rows(a)
    dense = a.toarray()
    # Same group if and only if the rows are equal; each group's first row is its smallest.
    same = gid[:, None] == gid[None, :]
    equal = (dense[:, None, :] == dense[None, :, :]).all(axis=2)
    assert np.array_equal(same, equal)
    assert np.array_equal(first, np.sort([np.flatnonzero(gid == g)[0] for g in range(len(first))]))


def test_dominated_candidates_are_dropped_safely() -> None:
    a = sp.csr_matrix(np.array([
        [1, 1, 0, 1],
        [1, 1, 0, 1],
        [0, 1, 1, 1],
        [0, 0, 1, 0],
    ], dtype=bool))
    keep, note = presolve._undominated(a)
    # Column 1 and 3 are equal supersets of column 0: 1 is kept (lower index); 2 is not a subset of anything.
    assert keep.tolist() == [False, True, True, False]
    assert note.startswith("applied")


# --------------------------------------------------------------------------- marginal gains, LSCP


def test_marginal_gains() -> None:
    d, c, w = clustered(500, 50, seed=8)
    cover = coverage_matrix(d, c, radius=1.0)
    gains = marginal_gains(cover, w, k_max=6)
    assert gains["k"].tolist() == list(range(1, 7))
    assert (gains["status"] == "optimal").all()
    assert (np.diff(gains["covered"]) >= 0).all()
    best_single = max(covered_by(cover, w, [j]) for j in range(50))
    assert gains["covered"].iloc[0] == best_single
    assert gains["gain"].sum() == gains["covered"].iloc[-1]
    for k in (3, 6):
        assert gains["covered"].iloc[k - 1] == mclp_from_coverage(cover, w, k=k).objective
    with_ex = marginal_gains(cover, w, k_max=2, existing=[0])
    assert with_ex["gain"].iloc[0] == with_ex["covered"].iloc[0] - covered_by(cover, w, [0])


def test_lscp_is_minimal_by_brute_force() -> None:
    d, c, w = clustered(60, 12, seed=4)
    cover = coverage_matrix(d, c, radius=2.0)
    reach = cover.getnnz(axis=1) > 0
    res = lscp_from_coverage(cover)
    assert res.status == "optimal"
    assert (cover[reach][:, res.selected].getnnz(axis=1) > 0).all()
    best = next(r for r in range(1, 13) for s in itertools.combinations(range(12), r)
                if (cover[reach][:, list(s)].getnnz(axis=1) > 0).all())
    assert res.objective == best == len(res.selected)
    half = lscp_from_coverage(cover, w, target=0.5)
    assert half.covered >= 0.5 * w[reach].sum()
    assert half.objective <= res.objective


def test_coverage_matrix_matches_brute_force() -> None:
    d, c, _ = clustered(300, 40, seed=1)
    c[0] = d[0] + [1.0, 0.0]  # exactly on the radius: covered
    cover = coverage_matrix(d, c, radius=1.0)
    assert cover.dtype == bool and cover.has_sorted_indices
    assert np.array_equal(cover.toarray(), dist(d, c) <= 1.0 + 1e-12)
    assert cover[0, 0]


def test_bad_input_is_refused() -> None:
    cover = sp.csr_matrix(np.eye(3, dtype=bool))
    with pytest.raises(ValueError, match="weights"):
        mclp_from_coverage(cover, np.array([1.0, -1.0, 1.0]), k=1)
    with pytest.raises(ValueError, match="k must"):
        mclp_from_coverage(cover, np.ones(3), k=0)
    with pytest.raises(ValueError, match="existing"):
        mclp_from_coverage(cover, np.ones(3), k=1, existing=[5])
    with pytest.raises(ValueError, match="target"):
        lscp_from_coverage(cover, target=1.5)
    with pytest.raises(ValueError, match="p must"):
        pmedian_from_cost(np.ones((3, 3)), np.ones(3), p=4)


# --------------------------------------------------------------------------- geometry adapter


def bishkek_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two incident clusters 3 km apart: 'theft' in the west (30), 'assault' in the east (10)."""
    rng = np.random.default_rng(0)
    x0, y0 = 74.58, 42.87
    west = np.c_[x0 + rng.normal(0, 0.001, 30), y0 + rng.normal(0, 0.001, 30)]
    east = np.c_[x0 + 0.037 + rng.normal(0, 0.001, 10), y0 + rng.normal(0, 0.001, 10)]
    incidents = gpd.GeoDataFrame({"category": ["theft"] * 30 + ["assault"] * 10},
                                 geometry=[Point(p) for p in np.vstack([west, east])], crs=4326)
    area = gpd.GeoDataFrame(geometry=[box(x0 - 0.01, y0 - 0.01, x0 + 0.047, y0 + 0.01)], crs=4326)
    return incidents, area


def test_site_adapter() -> None:
    incidents, area = bishkek_layers()
    candidates = grid_candidates(area, spacing=250)
    assert len(candidates) > 50 and candidates.crs.to_epsg() == 4326
    res, chosen = site(incidents, candidates, radius=500, k=2)
    assert res.status == "optimal" and res.objective == 40
    assert chosen.crs.to_epsg() == 4326
    assert chosen["rank"].tolist() == [1, 2]
    assert chosen["new_covered"].tolist() == [30.0, 10.0]
    assert chosen["new_covered_count"].tolist() == [30, 10]
    assert set(chosen.index) == set(candidates.index[res.selected])
    # Category weights: one site goes to the east when an assault counts five times a theft.
    _, one = site(incidents, candidates, radius=500, k=1)
    _, one_w = site(incidents, candidates, radius=500, k=1, category_weights={"assault": 5.0})
    assert one.geometry.x.iloc[0] < 74.6 < one_w.geometry.x.iloc[0]
    assert one_w["new_covered"].iloc[0] == 50.0
    # Exclusion: no candidate near the west cluster, so its incidents go uncovered.
    west = gpd.GeoDataFrame(geometry=[box(74.56, 42.85, 74.6, 42.89)], crs=4326)
    res_x, chosen_x = site(incidents, candidates, radius=500, k=2, exclusion=west)
    assert res_x.stats["candidates_excluded"] > 0
    assert (chosen_x.geometry.x > 74.6).all()
    assert res_x.objective == 10
    # A station covering the west cluster: the one new site goes east.
    station = gpd.GeoDataFrame(geometry=[Point(74.58, 42.87)], crs=4326)
    res_s, chosen_s = site(incidents, candidates, radius=500, k=1, stations=station)
    assert res_s.existing.tolist() == [0] and res_s.objective == 40
    assert chosen_s.geometry.x.iloc[0] > 74.6 and chosen_s["new_covered"].iloc[0] == 10.0
    # LSCP and p-median through the same adapter.
    res_l, chosen_l = site(incidents, candidates, radius=500, model="lscp")
    assert res_l.objective == 2 and len(chosen_l) == 2
    res_p, chosen_p = site(incidents, candidates, radius=500, model="pmedian", k=2)
    assert res_p.status == "optimal" and res_p.covered == 40
    assert sorted(chosen_p["assigned"].tolist()) == [10.0, 30.0]


def test_road_intersections() -> None:
    x0, y0 = 74.6, 42.87
    d = 0.01
    roads = gpd.GeoDataFrame(geometry=[
        LineString([(x0 - d, y0), (x0 + d, y0)]),  # crossed by the next at (x0, y0): degree 4
        LineString([(x0, y0 - d), (x0, y0 + d)]),
        LineString([(x0 + d, y0), (x0 + d, y0 + d)]),  # continues the first road at its end: degree 2
        LineString([(x0 - d, y0 + d / 2), (x0, y0 + d / 2)]),  # a T onto the second: degree 3
    ], crs=4326)
    nodes = road_intersections(roads)
    assert nodes.crs.to_epsg() == 4326
    assert nodes["degree"].tolist() == [4, 3]
    assert nodes.geometry.iloc[0].distance(Point(x0, y0)) < 1e-5  # straight in UTM, not along the parallel: cm off
    assert nodes.geometry.iloc[1].distance(Point(x0, y0 + d / 2)) < 1e-5


# --------------------------------------------------------------------------- drive-time standard

UTM = 32643  # constructed road cases near Bishkek, in metres
X0, Y0 = 470_000.0, 4_745_000.0


def utm_points(xy: list[tuple[float, float]], **columns: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM)


def utm_roads(lines: list[list[tuple[float, float]]], road_class: str = "primary") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"road_class": [road_class] * len(lines)}, crs=UTM,
                            geometry=[LineString([(X0 + x, Y0 + y) for x, y in ln]) for ln in lines])


def river_town() -> dict[str, gpd.GeoDataFrame]:
    """Ten incidents beside a main road; across a 380 m gap with no road, a street that does not join it.

    The near candidate stands on that street, 380 m from the incidents in a
    straight line but not connected to their road; the far one stands on
    their road, 1.2 km away (1.2 minutes at 60 km/h). Five more incidents
    lie beside the road near its west end, where the station is.
    """
    rng = np.random.default_rng(4)
    east = [(2000 + dx, 20 + dy) for dx, dy in rng.normal(0, 5, (10, 2))]
    west = [(300 + dx, 10 + dy) for dx, dy in rng.normal(0, 5, (5, 2))]
    incidents = utm_points(east + west, category=["theft"] * 10 + ["assault"] * 5)
    roads = utm_roads([[(0, 0), (3000, 0)], [(2000, 400), (2000, 3000)]])
    candidates = utm_points([(2000, 400), (800, 0)], name=["across the river", "down the road"])
    station = utm_points([(0, 0)], name=["HQ"])
    return {"incidents": incidents, "roads": roads, "candidates": candidates, "station": station}


def test_site_by_drive_time_takes_the_road_not_the_crow_flight() -> None:
    town = river_town()
    inc, roads, cand = town["incidents"], town["roads"], town["candidates"]
    # In a straight line the near candidate covers the east incidents, the far one does not.
    res_r, chosen_r = site(inc.iloc[:10], cand, radius=500, k=1)
    assert chosen_r["name"].tolist() == ["across the river"] and res_r.objective == 10
    assert res_r.stats["radius"] == 500 and res_r.stats["minutes"] is None
    # By road within 2 minutes (walking 5 km/h off the road) only the far one reaches them.
    res, chosen = site(inc.iloc[:10], cand, minutes=2.0, roads=roads, k=1)
    assert chosen["name"].tolist() == ["down the road"] and res.selected.tolist() == [1]
    assert res.status == "optimal" and res.objective == 10 and res.covered == 10
    assert res.stats["minutes"] == 2.0 and res.stats["radius"] is None and res.stats["off_road_kmh"] == 5.0
    assert chosen["new_covered"].tolist() == [10.0] and chosen["new_covered_count"].tolist() == [10]
    # The same with a prebuilt graph.
    _, again = site(inc.iloc[:10], cand, minutes=2.0, roads=road_graph(roads), k=1)
    assert again["name"].tolist() == ["down the road"]

    # The station covers the west incidents: it is kept and counted, and the new site is ranked on the rest.
    res_s, chosen_s = site(inc, cand, minutes=2.0, roads=roads, k=1, stations=town["station"])
    assert res_s.existing.tolist() == [0] and res_s.objective == 15
    assert chosen_s["name"].tolist() == ["down the road"]
    assert chosen_s["new_covered"].tolist() == [10.0]  # it reaches the west ones too, but they are the station's
    assert chosen_s["new_theft"].tolist() == [10] and chosen_s["new_assault"].tolist() == [0]
    assert drive_time_coverage(inc, town["station"], roads, minutes=2.0)["covered"].sum() == 5
    # Set covering by road: one new site (the station covers the rest).
    res_l, chosen_l = site(inc, cand, minutes=2.0, roads=roads, model="lscp", stations=town["station"])
    assert res_l.objective == 1 and chosen_l["name"].tolist() == ["down the road"]


def test_site_standard_is_checked() -> None:
    town = river_town()
    inc, roads, cand = town["incidents"], town["roads"], town["candidates"]
    with pytest.raises(ValueError, match="exactly one service standard"):
        site(inc, cand, k=1)
    with pytest.raises(ValueError, match="exactly one service standard"):
        site(inc, cand, radius=500, minutes=2.0, roads=roads, k=1)
    with pytest.raises(ValueError, match="needs roads"):
        site(inc, cand, minutes=2.0, k=1)
    with pytest.raises(ValueError, match="p-median uses straight-line distances"):
        site(inc, cand, minutes=2.0, roads=roads, model="pmedian", k=1)
    with pytest.raises(ValueError, match="positive drive time"):
        site(inc, cand, minutes=0.0, roads=roads, k=1)
    with pytest.raises(ValueError, match="roads are for a drive-time standard"):
        site(inc, cand, radius=500, roads=roads, k=1)


def street_grid() -> gpd.GeoDataFrame:
    """Streets every 500 m over 2 km, the middle ones main roads, and a dead-end spur off the grid."""
    lines = [[(0, y), (2000, y)] for y in range(0, 2001, 500)] + [[(x, 0), (x, 2000)] for x in range(0, 2001, 500)]
    grid = utm_roads(lines, "residential")
    grid.loc[[2, 7], "road_class"] = "primary"
    return pd.concat([grid, utm_roads([[(2000, 1000), (2600, 1300)]], "tertiary")], ignore_index=True)


@pytest.mark.parametrize("seed", range(3))
def test_site_by_drive_time_equals_brute_force(seed: int) -> None:
    """MCLP and LSCP by road against every subset, each judged by drive_time_coverage of the open sites."""
    rng = np.random.default_rng(seed)
    roads = street_grid()
    cats = np.array(["theft", "assault", "burglary"])
    incidents = utm_points(list(zip(rng.uniform(-200, 2700, 80), rng.uniform(-200, 2200, 80), strict=True)),
                           category=cats[rng.integers(0, 3, 80)], weight=rng.integers(1, 5, 80).astype(float))
    candidates = utm_points(list(zip(rng.uniform(0, 2500, 11), rng.uniform(0, 2000, 11), strict=True)))
    station = utm_points([(rng.uniform(0, 2000), rng.uniform(0, 2000))])
    minutes, off_road, k = 1.5, 10.0, 3
    w = incidents["weight"].to_numpy()

    # What each site covers alone, by drive_time_coverage; a set of sites covers what any of them does.
    sites = pd.concat([candidates, station], ignore_index=True)
    alone = np.column_stack([
        drive_time_coverage(incidents, sites.iloc[[j]], roads, minutes=minutes, off_road_kmh=off_road)["covered"]
        for j in range(len(sites))])

    def covered(cols: tuple[int, ...]) -> float:
        return float(w[alone[:, [*cols, len(candidates)]].any(axis=1)].sum())

    best = max(covered(s) for s in itertools.combinations(range(len(candidates)), k))
    res, chosen = site(incidents, candidates, minutes=minutes, roads=roads, off_road_kmh=off_road, k=k,
                       stations=station, weight="weight")
    assert res.status == "optimal" and res.objective == best == res.covered
    together = drive_time_coverage(incidents, sites.iloc[[*res.selected, len(candidates)]], roads, minutes=minutes,
                                   off_road_kmh=off_road)["covered"].to_numpy()
    assert float(w[together].sum()) == best
    assert best < w.sum()  # a real test: not everything is within reach
    # The ranks follow the drive-time cover: each site's new incidents given the station and the sites before it.
    base = covered(())
    order = chosen.index.to_numpy()
    assert chosen["rank"].tolist() == list(range(1, len(chosen) + 1))
    gains = [covered(tuple(order[: r + 1])) - covered(tuple(order[:r])) if r else covered(tuple(order[:1])) - base
             for r in range(len(order))]
    np.testing.assert_allclose(chosen["new_covered"], gains)
    assert chosen["new_covered"].is_monotonic_decreasing
    per_cat = chosen[[f"new_{c}" for c in sorted(set(incidents["category"]))]].sum(axis=1)
    np.testing.assert_array_equal(per_cat, chosen["new_covered_count"])

    # LSCP: the fewest new sites that cover all that any site (new or existing) reaches.
    everything = covered(tuple(range(len(candidates))))
    fewest = next(n for n in range(len(candidates) + 1)
                  if any(covered(s) == everything for s in itertools.combinations(range(len(candidates)), n)))
    res_l, _ = site(incidents, candidates, minutes=minutes, roads=roads, off_road_kmh=off_road, model="lscp",
                    stations=station, weight="weight")
    assert res_l.objective == fewest and res_l.covered == everything

    # The matrix site() solves on is drive_time_matrix over the candidates and the station.
    cover = drive_time_matrix(incidents, pd.concat([candidates, station]), roads, minutes=minutes,
                              off_road_kmh=off_road)
    assert covered_by(cover.astype(bool).tocsr(), w, np.r_[res.selected, len(candidates)]) == best
