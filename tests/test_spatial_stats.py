"""Empirical Bayes rates, contiguity weights and LISA clusters, checked against esda and GeoDa's rules."""

from __future__ import annotations

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from conftest import realdata
from geo.select import assign_units
from geo.stats.rates import DAYS_PER_YEAR
from geo.stats.areas import (
    NO_POPULATION,
    NOT_SIGNIFICANT,
    area_statistics,
    empirical_bayes,
    fdr_threshold,
    local_moran,
    unit_weights,
)

CLASS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
# esda 2.9 warns on every Moran_Local that its default test will change; the reference runs here call it directly
pytestmark = pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")


def esda_eb(e, b) -> np.ndarray:
    return esda.smoothing.Empirical_Bayes(np.asarray(e, float), np.asarray(b, float)).r.ravel()


def overdispersed(seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Counts whose rates vary more than chance allows, so Marshall's a > 0."""
    rng = np.random.default_rng(seed)
    pop = rng.integers(300, 250_000, n).astype(float)
    risk = rng.gamma(2.0, 2e-3 / 2.0, n)
    return rng.poisson(pop * risk).astype(float), pop


def grid(nx: int, ny: int, pop: list[float] | None = None) -> gpd.GeoDataFrame:
    """nx * ny unit squares (about 1 km) near Bishkek, row by row."""
    x0, y0, d = 74.5, 42.8, 0.01
    geoms = [box(x0 + i * d, y0 + j * d, x0 + (i + 1) * d, y0 + (j + 1) * d) for j in range(ny) for i in range(nx)]
    n = len(geoms)
    return gpd.GeoDataFrame({"name": [f"U{k:02d}" for k in range(n)],
                             "population": pop if pop is not None else [1000.0 * (k + 1) for k in range(n)]},
                            geometry=geoms, crs=4326)


def incidents_in(units: gpd.GeoDataFrame, per_unit: list[int]) -> pd.DataFrame:
    names = np.repeat(units["name"].to_numpy(), per_unit)
    return pd.DataFrame({"unit": names, "occurred_at": pd.Timestamp("2020-01-01")})


# --- Empirical Bayes ---------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_eb_equals_esda_on_random_counts(seed):
    e, b = overdispersed(seed)
    ours = empirical_bayes(e, b)
    theirs = esda_eb(e, b)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    # and it is a shrinkage: every smoothed rate lies between the raw rate and the overall rate
    raw, mean = e / b, e.sum() / b.sum()
    assert np.all((ours - raw) * (ours - mean) <= 1e-15)


def test_eb_without_extra_variation_shrinks_everything_to_the_mean():
    # rates vary less than chance allows: s2 < b/mean(pop), so Marshall's a < 0
    b = np.array([1000.0, 4000.0, 20_000.0, 50_000.0])
    e = np.array([2.0, 8.0, 41.0, 99.0])
    ours = empirical_bayes(e, b)
    np.testing.assert_allclose(ours, e.sum() / b.sum(), rtol=1e-14)
    # esda keeps the negative a, its weight leaves [0, 1] and the "smoothed" rate lands beyond the raw
    # one, away from the mean; GeoDa clips a at 0 as we do
    theirs = esda_eb(e, b)
    assert theirs[2] > e[2] / b[2] > ours[2]


def test_eb_all_zero_counts_give_zero_not_nan():
    assert np.array_equal(empirical_bayes([0, 0, 0], [100, 200, 300]), [0.0, 0.0, 0.0])


def test_eb_zero_or_missing_population_is_nan_and_left_out():
    e, b = overdispersed(7, n=30)
    e2, b2 = np.r_[e, 5.0, 3.0, np.nan], np.r_[b, 0.0, np.nan, 5000.0]
    ours = empirical_bayes(e2, b2)
    assert np.isnan(ours[-3:]).all()
    np.testing.assert_allclose(ours[:-3], esda_eb(e, b), rtol=0, atol=1e-12)


def test_eb_refuses_negative_or_mismatched_input():
    with pytest.raises(ValueError, match="negative"):
        empirical_bayes([1, -1], [10, 10])
    with pytest.raises(ValueError, match="differ in length"):
        empirical_bayes([1, 2], [10])


# --- weights -------------------------------------------------------------------

def test_island_is_joined_to_its_nearest_unit_both_ways():
    units = grid(3, 1)
    far = gpd.GeoDataFrame({"name": ["far"], "population": [500.0]},
                           geometry=[box(74.55, 42.8, 74.56, 42.81)], crs=4326)  # east of U02, not touching
    units = pd.concat([units, far], ignore_index=True)
    plain = libpysal.weights.Queen.from_dataframe(units, use_index=False, silence_warnings=True)
    assert plain.islands == [3]
    w = unit_weights(units)
    assert w.islands == []
    assert set(w.neighbors[3]) == {2}
    assert set(w.neighbors[2]) == {1, 3}
    assert set(w.neighbors[0]) == {1}
    assert all(v == 1.0 for ws in w.weights.values() for v in ws)


def test_two_islands_nearest_to_each_other_are_linked_once():
    units = gpd.GeoDataFrame({"name": ["a", "b", "c"], "population": [1.0, 1.0, 1.0]},
                             geometry=[box(74.50, 42.8, 74.51, 42.81), box(74.52, 42.8, 74.53, 42.81),
                                       box(74.60, 42.8, 74.61, 42.81)], crs=4326)
    w = unit_weights(units)
    assert w.neighbors[0] == [1]
    assert sorted(w.neighbors[1]) == [0, 2]  # c's nearest is b; b's own nearest is a
    assert w.neighbors[2] == [1]


def test_rook_and_queen_differ_on_corners():
    units = grid(2, 2)
    assert set(unit_weights(units, kind="queen").neighbors[0]) == {1, 2, 3}
    assert set(unit_weights(units, kind="rook").neighbors[0]) == {1, 2}
    with pytest.raises(ValueError, match="queen"):
        unit_weights(units, kind="bishop")


def test_cached_weights_come_back_as_fresh_objects():
    units = grid(3, 3)
    w1 = unit_weights(units)
    w1.transform = "r"
    w2 = unit_weights(units)
    assert w2 is not w1 and w2.transform == "O"
    assert all(v == 1.0 for ws in w2.weights.values() for v in ws)
    moved = units.assign(geometry=units.geometry.translate(0.5, 0))  # same shape elsewhere: same neighbours
    assert unit_weights(moved).neighbors == w2.neighbors
    assert unit_weights(units.iloc[[0, 2, 6, 8]]).islands == []  # a different layer is not served from cache


# --- FDR -----------------------------------------------------------------------

def test_fdr_threshold_on_a_constructed_vector():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.060, 0.074, 0.205, 0.212, 0.216])
    # k * 0.05 / 10 = 0.005, 0.010, 0.015, ...: p(1), p(2) pass, p(3) = 0.039 >= 0.015 and none later
    assert fdr_threshold(p) == pytest.approx(0.010)
    assert fdr_threshold(p) == esda.fdr(p, 0.05)
    assert (p <= fdr_threshold(p)).sum() == 2
    # step-up, not step-down: p(1) fails its line (0.02 >= 0.0167) but p(3) = 0.02 < 0.05 passes
    q = np.array([0.02, 0.02, 0.02])
    assert fdr_threshold(q) == pytest.approx(0.05) == esda.fdr(q, 0.05)
    # nothing passes: the Bonferroni bound, as esda and GeoDa return
    r = np.array([0.3, 0.5, 0.9, 0.04])
    assert fdr_threshold(r) == pytest.approx(0.0125) == esda.fdr(r, 0.05)
    assert fdr_threshold(np.r_[p, np.nan]) == fdr_threshold(p)  # untested units are not counted


@pytest.mark.parametrize("m", [20, 77, 300])
def test_fdr_threshold_equals_esda_and_rejects_what_bh_rejects(m):
    rng = np.random.default_rng(m)
    for _ in range(50):
        p = np.r_[rng.uniform(0, 0.01, m // 5), rng.uniform(0, 1, m - m // 5)]
        for alpha in (0.05, 0.01):
            cut = fdr_threshold(p, alpha=alpha)
            assert cut == esda.fdr(p, alpha)
            # textbook Benjamini-Hochberg (continuous p: no ties with k alpha / m)
            s = np.sort(p)
            ok = np.flatnonzero(s <= np.arange(1, m + 1) / m * alpha)
            bh = p <= s[ok[-1]] if ok.size else np.zeros(m, bool)
            assert np.array_equal(p <= cut, bh)


# --- LISA ----------------------------------------------------------------------

def test_constant_values_are_not_significant():
    out = local_moran(np.full(9, 3.0), unit_weights(grid(3, 3)))
    assert (out["cluster"] == NOT_SIGNIFICANT).all()
    assert out["p"].isna().all()


def test_local_moran_leaves_the_callers_weights_binary():
    w = unit_weights(grid(3, 3))
    local_moran(np.arange(9.0), w, permutations=99)
    assert w.transform == "O"
    assert all(v == 1.0 for ws in w.weights.values() for v in ws)


def test_local_moran_checks_its_input():
    w = unit_weights(grid(3, 3))
    with pytest.raises(ValueError, match="9 units"):
        local_moran(np.arange(8.0), w)
    with pytest.raises(ValueError, match="finite"):
        local_moran(np.r_[np.arange(8.0), np.nan], w)


def test_clear_cluster_on_a_grid_is_found():
    # 5 x 5 grid, high values in the left two columns, low elsewhere, with a little noise
    units = grid(5, 5)
    x = np.tile(np.arange(5), 5)
    values = np.where(x < 2, 10.0, 1.0) + np.linspace(0, 0.1, 25)
    out = local_moran(values, unit_weights(units), fdr=False)
    assert set(out.loc[x == 0, "cluster"]) == {"HH"}
    assert set(out.loc[x <= 1, "cluster"]) <= {"HH", NOT_SIGNIFICANT}
    assert set(out.loc[x >= 3, "cluster"]) <= {"LL", NOT_SIGNIFICANT}
    assert (out.loc[x == 3, "cluster"] == "LL").all()
    # GeoDa's rule: significant when p <= alpha (esda's get_cluster_labels would use "<")
    assert ((out["cluster"] != NOT_SIGNIFICANT) == (out["p"] <= 0.05)).all()


# --- LISA by hand: numpy, not esda --------------------------------------------------

def lisa_by_hand(values, neighbours: list, *, permutations: int, seed: int):
    """Local Moran's I of ``values`` over row-standardised contiguity, with numpy alone.

    ``I_i = z_i * (mean of z over i's neighbours) / m2``, ``z = y - mean(y)``, ``m2 = sum(z^2) / (n - 1)`` (the
    n - 1 of esda and PySAL's documentation; GeoDa's n scales every I by n / (n - 1) and changes no class).
    Quadrant 1 HH, 2 LH, 3 LL, 4 HL by the signs of z and its lag. The pseudo p-value by conditional
    permutation: draw ``permutations`` sets of the other units (numpy's legacy generator seeded with ``seed``,
    as esda draws them), take the first |N_i| as i's neighbours, count the draws whose I is at least the
    observed, fold to the nearer tail, ``(larger + 1) / (permutations + 1)``. A draw of i's own neighbours
    (in another order) ties with the observed I up to rounding: ``ties`` counts them, as the p-value of a
    computation that sums in another order may differ by that many draws.
    """
    y = np.asarray(values, dtype=float)
    n = y.size
    z = y - y.mean()
    m2 = (z @ z) / (n - 1)
    card = np.array([len(nb) for nb in neighbours])
    lag = np.array([z[list(nb)].mean() if len(nb) else 0.0 for nb in neighbours])
    local = z * lag / m2
    quadrant = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
    rng = np.random.RandomState(seed)  # noqa: NPY002 - the legacy stream is the one being reproduced
    draws = np.stack([rng.choice(n - 1, size=card.max(), replace=False) for _ in range(permutations)])
    p, ties = np.full(n, np.nan), np.zeros(n, dtype=int)
    for i in np.nonzero(card)[0]:
        others = np.delete(z, i)
        sim = z[i] * others[draws[:, :card[i]]].mean(axis=1) / m2
        tie = np.isclose(sim, local[i], rtol=1e-9, atol=1e-12)
        larger = int((sim > local[i]).sum() + tie.sum() - (tie & (sim > local[i])).sum())
        larger = min(larger, permutations - larger)
        p[i], ties[i] = (larger + 1) / (permutations + 1), int(tie.sum())
    return local, quadrant, p, ties


def check_against_the_hand(values, w, *, permutations: int = 999, seed: int = 12345) -> pd.DataFrame:
    """local_moran's I, quadrants, p-values and classes equal the hand computation; returns local_moran's."""
    neighbours = [sorted(w.neighbors[i]) for i in w.id_order]
    local, quadrant, p, ties = lisa_by_hand(values, neighbours, permutations=permutations, seed=seed)
    for fdr in (False, True):
        out = local_moran(values, w, permutations=permutations, seed=seed, fdr=fdr)
        np.testing.assert_allclose(out["I"], local, rtol=1e-10, atol=1e-12)
        assert np.array_equal(out["quadrant"], quadrant)
        # equal, but for a draw that ties with the observed I up to rounding
        off = np.abs(out["p"].to_numpy() - p) * (permutations + 1)
        assert (np.rint(off) <= ties).all(), np.c_[out["p"], p, ties][np.rint(off) > ties]
        assert (ties == 0).mean() > 0.5
        # every p-value is a count of draws: from 1 / (permutations + 1) up to about one half (folded)
        k = out["p"].to_numpy() * (permutations + 1)
        np.testing.assert_allclose(k, np.rint(k), atol=1e-9)
        assert k.min() >= 1 and k.max() <= permutations // 2 + 1
        # the classes: the quadrant where p is at most the cut-off (alpha, or the FDR cut-off), GeoDa's rule
        cut = out.attrs["cutoff"]
        assert cut == 0.05 if not fdr else cut <= 0.05
        expect = np.where(out["p"] <= cut, [CLASS[q] for q in quadrant], NOT_SIGNIFICANT)
        assert out["cluster"].tolist() == expect.tolist()
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_local_moran_equals_a_computation_by_hand(seed):
    units = grid(6, 5)
    x = np.tile(np.arange(6), 5)
    values = np.random.default_rng(seed).gamma(2.0, 3.0, 30) + 2.0 * x  # a trend west to east, and noise
    out = check_against_the_hand(values, unit_weights(units))
    # the trend gives both kinds of cluster, so the classes above are not all "not significant"
    assert {"HH", "LL"} <= set(local_moran(values, unit_weights(units), fdr=False)["cluster"])
    # and the sum of the local statistics is n - 1 times the global Moran's I (row-standardised weights)
    w = unit_weights(units)
    w.transform = "r"
    assert out["I"].sum() / 29 == pytest.approx(esda.Moran(values, w, permutations=0).I, rel=1e-10)


# --- area statistics -------------------------------------------------------------

def test_zero_population_unit_gives_nan_and_no_population():
    pop = [1000.0 * (k + 1) for k in range(16)]
    pop[5] = 0.0
    pop[9] = float("nan")
    units = grid(4, 4, pop)
    per = [k % 5 + 1 for k in range(16)]
    out = area_statistics(incidents_in(units, per), units, days=366, permutations=99)
    assert out["count"].tolist() == per
    for i in (5, 9):
        assert np.isnan(out.loc[i, "rate"]) and np.isnan(out.loc[i, "eb_rate"])
        assert np.isnan(out.loc[i, "lisa_I"]) and np.isnan(out.loc[i, "lisa_p"])
        assert out.loc[i, "lisa_cluster"] == NO_POPULATION
    rest = out.drop(index=[5, 9])
    assert rest["eb_rate"].notna().all() and rest["lisa_p"].notna().all()
    assert NO_POPULATION not in set(rest["lisa_cluster"])
    eb = empirical_bayes(rest["count"], rest["population"])
    np.testing.assert_allclose(rest["eb_rate"], eb * 1e5 * DAYS_PER_YEAR / 366, rtol=1e-13)


def test_layer_without_population_maps_as_no_population():
    units = grid(3, 3).drop(columns="population")
    out = area_statistics(incidents_in(units, [1] * 9), units)
    assert "population" not in out.columns
    assert (out["lisa_cluster"] == NO_POPULATION).all()
    assert out["count"].sum() == 9 and out["eb_rate"].isna().all()


def test_too_few_populated_units_for_a_lisa():
    units = grid(3, 1, [100.0, 200.0, 0.0])
    out = area_statistics(incidents_in(units, [1, 2, 0]), units)
    assert out["lisa_cluster"].tolist() == [NOT_SIGNIFICANT, NOT_SIGNIFICANT, NO_POPULATION]
    assert out["lisa_p"].isna().all()


# --- Chicago, against esda ---------------------------------------------------------

@pytest.fixture(scope="module")
def chicago():
    areas = gpd.read_file(realdata("chicago", "community_areas_pop2000_2010.geojson"))
    areas["geometry"] = areas.geometry.make_valid()
    crimes = pd.read_csv(realdata("chicago", "crimes_2014_09.csv"), usecols=["ID", "Date", "Latitude", "Longitude"])
    crimes = crimes.dropna(subset=["Latitude"])
    pts = gpd.GeoDataFrame(crimes, geometry=gpd.points_from_xy(crimes["Longitude"], crimes["Latitude"]), crs=4326)
    metric = areas.to_crs(32616)
    joined = gpd.sjoin(pts.to_crs(32616), metric[["geometry"]], predicate="within")
    counts = joined.groupby("index_right").size().reindex(areas.index, fill_value=0).to_numpy(float)
    return {"areas": areas, "metric": metric, "points": pts, "counts": counts,
            "pop": areas["POP2010"].to_numpy(float)}


@pytest.mark.realdata
def test_chicago_eb_equals_esda(chicago):
    assert chicago["counts"].sum() == 21_559  # every located incident falls in one community area
    ours = empirical_bayes(chicago["counts"], chicago["pop"])
    np.testing.assert_allclose(ours, esda_eb(chicago["counts"], chicago["pop"]), rtol=0, atol=1e-12)


@pytest.mark.realdata
def test_chicago_lisa_classes_equal_esda(chicago):
    eb = esda_eb(chicago["counts"], chicago["pop"])
    w_ref = libpysal.weights.Queen.from_dataframe(chicago["metric"], use_index=False, silence_warnings=True)
    assert w_ref.islands == []
    ref = esda.Moran_Local(eb, w_ref, transformation="r", permutations=999, seed=12345)
    w = unit_weights(chicago["areas"])
    assert {i: set(v) for i, v in w.neighbors.items()} == {i: set(v) for i, v in w_ref.neighbors.items()}
    for fdr in (True, False):
        out = local_moran(eb, w, permutations=999, seed=12345, fdr=fdr)
        assert np.array_equal(out["quadrant"], ref.q)
        assert np.array_equal(out["p"], ref.p_sim)
        np.testing.assert_allclose(out["I"], ref.Is, rtol=1e-12)
        cut = esda.fdr(ref.p_sim, 0.05) if fdr else 0.05
        expect = np.where(ref.p_sim <= cut, [CLASS[q] for q in ref.q], NOT_SIGNIFICANT)
        assert out["cluster"].tolist() == expect.tolist()
    # the map has something to show either way, and FDR keeps fewer units than p <= 0.05
    n_fdr = (local_moran(eb, w)["cluster"] != NOT_SIGNIFICANT).sum()
    n_raw = (local_moran(eb, w, fdr=False)["cluster"] != NOT_SIGNIFICANT).sum()
    assert 0 < n_fdr < n_raw


@pytest.mark.realdata
def test_chicago_lisa_equals_the_computation_by_hand(chicago):
    """The real data, not esda against itself: local_moran (which runs esda) against numpy by hand."""
    eb = esda_eb(chicago["counts"], chicago["pop"])
    out = check_against_the_hand(eb, unit_weights(chicago["areas"]))
    assert (out["cluster"] != NOT_SIGNIFICANT).any()


@pytest.mark.realdata
def test_chicago_area_statistics_end_to_end(chicago):
    units = chicago["areas"].rename(columns={"community": "name", "POP2010": "population"})
    incidents = assign_units(chicago["points"], units)
    out = area_statistics(incidents, units, days=30)
    assert out.index.equals(units.index) and len(out) == 77
    np.testing.assert_array_equal(out["count"], chicago["counts"])
    eb = esda_eb(chicago["counts"], chicago["pop"])
    np.testing.assert_allclose(out["eb_rate"], eb * 1e5 * DAYS_PER_YEAR / 30, rtol=1e-12)
    ref = esda.Moran_Local(out["eb_rate"].to_numpy(), unit_weights(units), transformation="r", permutations=999,
                           seed=12345)
    cut = esda.fdr(ref.p_sim, 0.05)
    expect = np.where(ref.p_sim <= cut, [CLASS[q] for q in ref.q], NOT_SIGNIFICANT)
    assert out["lisa_cluster"].tolist() == expect.tolist()
    assert out.attrs["lisa_cutoff"] == cut


def test_unit_without_neighbours_in_given_weights_is_not_tested():
    w = libpysal.weights.W({0: [1], 1: [0, 2], 2: [1, 3], 3: [2], 4: []}, silence_warnings=True)
    out = local_moran(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), w, permutations=99)
    assert out.loc[4, "cluster"] == "no neighbours" and np.isnan(out.loc[4, "p"])
    assert out.loc[:3, "p"].notna().all()
