"""Which map predicts next month best: hit rate, PAI and PEI by hand, the methods' maps, the rolling windows."""

from __future__ import annotations

import math
import warnings
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.crs import local_crs, metric_xy
from geo.forecast import (METHODS, Grid, Window, accuracy, best_captured, best_method, captured, cells_for,
                          forecast_accuracy, gistar_score, kde_score, last_period_score, prospective_score,
                          rolling_accuracy, summarize)
from geo.forecast.accuracy import NO_TEST_INCIDENTS
from geo.stats.density import density_from_xy
from geo.stats.gistar import gi_star_grid
from geo.stats.hotspots import hotspots

# --------------------------------------------------------------------------- PAI, PEI and hit rate by hand

# A study area of 10 cells (the top two rows of a 3 x 5 grid; the third row is outside the mask, and its
# huge scores and counts must change nothing). N = 20 test incidents, C = 10 cells.
#
#     scores            counts (test period)
#     9  7  7  7  5      4  0  2  1  3
#     3  3  1  0  0      0  5  0  0  5
#    (99 99 99 99 99)  (50 50 50 50 50)   <- outside the study area
#
# Hindsight's best cells hold 5, 5, 4, 3, 2, 1, 0...: n* = 5, 10, 14, 17, 19, 20 for k = 1..6.
# k = floor(s * 10 + 1/2), at least 1.
#
# s = 0.001: k = 1. Only the 9 (count 4): n = 4, hit 4/20 = 0.2, PAI = 0.2 / 0.1 = 2,
#            PAI* = (5/20) / 0.1 = 2.5, PEI = 4/5 = 0.8.
# s = 0.2:   k = 2. The 9, then one slot for three cells tied at 7 (counts 0, 2, 1: 3 in all), each counting
#            1/3: n = 4 + 3/3 = 5, hit 0.25, PAI 1.25; n* = 10, PAI* 2.5, PEI 0.5.
# s = 0.25:  k = floor(3.0) = 3. Two slots for the three tied 7s: n = 4 + 3 * 2/3 = 6, hit 0.3, PAI 1;
#            n* = 14, PAI* = 0.7 / 0.3, PEI = 6/14.
# s = 0.5:   k = 5. 9, 7, 7, 7, 5 (no tie at the 5): n = 4 + 3 + 3 = 10, hit 0.5, PAI 1; n* = 19,
#            PAI* = 0.95 / 0.5 = 1.9, PEI = 10/19.
# s = 0.6:   k = 6. One slot for the two 3s (counts 0 and 5): n = 10 + 5/2 = 12.5, hit 0.625,
#            PAI = 0.625 / 0.6; n* = 20, PEI = 12.5 / 20 = 0.625.
# s = 1:     k = 10. Everything: hit 1, PAI 1, PEI 1.
SCORES = np.array([[9, 7, 7, 7, 5], [3, 3, 1, 0, 0], [99, 99, 99, 99, 99]], dtype=float)
COUNTS = np.array([[4, 0, 2, 1, 3], [0, 5, 0, 0, 5], [50, 50, 50, 50, 50]], dtype=float)
MASK = np.array([[True] * 5, [True] * 5, [False] * 5])
HAND = {  # share: (k, n, hit rate, PAI, n*, PEI)
    0.001: (1, 4, 0.2, 2.0, 5, 0.8),
    0.2: (2, 5, 0.25, 1.25, 10, 0.5),
    0.25: (3, 6, 0.3, 1.0, 14, 6 / 14),
    0.5: (5, 10, 0.5, 1.0, 19, 10 / 19),
    0.6: (6, 12.5, 0.625, 0.625 / 0.6, 20, 0.625),
    1.0: (10, 20, 1.0, 1.0, 20, 1.0),
}


def test_pai_pei_and_hit_rate_equal_the_hand_computed_case_with_ties():
    t = accuracy(SCORES, COUNTS, shares=list(HAND), mask=MASK)
    for row in t.itertuples():
        k, n, hit, pai, n_best, pei = HAND[row.share]
        assert row.cells == k and row.area_share == k / 10
        assert row.N == 20 and row.n == pytest.approx(n) and row.n_best == pytest.approx(n_best)
        assert row.hit_rate == pytest.approx(hit) and row.pai == pytest.approx(pai)
        assert row.pai_best == pytest.approx((n_best / 20) / (k / 10)) and row.pei == pytest.approx(pei)
        assert row.pei == pytest.approx(row.pai / row.pai_best) and pd.isna(row.note)


def test_the_tie_rule_does_not_depend_on_the_order_of_the_cells():
    s, c = SCORES[MASK], COUNTS[MASK]
    ks = np.arange(1, 11)
    want = captured(s, c, ks)
    rng = np.random.default_rng(1)
    for _ in range(20):
        p = rng.permutation(len(s))
        np.testing.assert_allclose(captured(s[p], c[p], ks), want, rtol=0, atol=1e-12)
    # n* under ties of the counts: two cells of 5 for one slot count half each, 5 either way.
    assert best_captured(c, [1, 2, 3]).tolist() == [5.0, 10.0, 14.0]


def test_nan_scores_rank_last_and_tie_with_each_other():
    s = np.array([np.nan, 2.0, np.nan, 1.0])
    c = np.array([6.0, 1.0, 2.0, 3.0])
    # k = 3: the 2 and the 1 (4 incidents), then one slot for the two NaN cells (6 + 2) / 2 = 4.
    assert captured(s, c, [1, 2, 3, 4]).tolist() == [1.0, 4.0, 8.0, 12.0]


def test_a_map_that_says_nothing_scores_pai_one_and_the_perfect_map_pei_one():
    rng = np.random.default_rng(3)
    counts = rng.poisson(rng.gamma(0.3, 2.0, size=(30, 40))).astype(float)
    shares = np.linspace(0.005, 1.0, 60)
    flat = accuracy(np.zeros_like(counts), counts, shares=shares)
    np.testing.assert_allclose(flat["pai"], 1.0, rtol=1e-12)
    perfect = accuracy(counts, counts, shares=shares)  # the test counts themselves, ties and all
    np.testing.assert_allclose(perfect["pei"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(perfect["pai"], perfect["pai_best"], rtol=1e-12)
    for seed in range(10):  # any map: PEI within 0..1, PAI within 0..PAI*
        noise = np.random.default_rng(seed).normal(size=counts.shape)
        t = accuracy(counts + 2 * noise, counts, shares=shares)
        assert (t["pei"] <= 1 + 1e-12).all() and (t["pei"] >= 0).all()
        assert (t["pai"] <= t["pai_best"] * (1 + 1e-12)).all()


def test_no_test_incidents_is_nan_with_a_reason_not_a_division_by_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a 0/0 would warn
        t = accuracy(SCORES, np.zeros_like(COUNTS), shares=(0.1, 0.5), mask=MASK)
    assert t[["hit_rate", "pai", "pei", "pai_best"]].isna().all().all()
    assert (t["N"] == 0).all() and (t["note"] == NO_TEST_INCIDENTS).all()


def test_shares_round_half_up_to_at_least_one_cell():
    assert cells_for([0.001, 0.01, 0.025, 0.05, 0.1, 1.0], 100).tolist() == [1, 1, 3, 5, 10, 100]
    assert cells_for([0.015, 0.025], 100).tolist() == [2, 3]  # not banker's rounding (round(2.5) == 2)
    for bad in (0, -0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="shares of the area"):
            accuracy(SCORES, COUNTS, shares=bad)
    with pytest.raises(ValueError, match="differ in shape"):
        accuracy(SCORES[:2], COUNTS)


# --------------------------------------------------------------------------- the methods' maps


def _window(x, y, age_days, *, rows=9, cols=11, cell=100.0, mask=None, cube=None) -> Window:
    grid = Grid(x0=0.0, y0=0.0, cell=cell, mask=np.ones((rows, cols), bool) if mask is None else mask)
    flat = grid.locate(x, y)
    counts = np.bincount(flat, minlength=rows * cols).reshape(rows, cols).astype(float)
    cube = counts[None] if cube is None else cube
    return Window(grid=grid, x=np.asarray(x, float), y=np.asarray(y, float), cell_index=flat,
                  age_days=np.asarray(age_days, float), cube=cube, counts=counts,
                  start=np.datetime64("2020-01-01"), end=np.datetime64("2021-01-01"), test_days=31)


@pytest.mark.parametrize("distance", ["euclidean", "chebyshev"])
def test_prospective_weights_equal_a_direct_double_loop(distance):
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 1100, 40), rng.uniform(0, 900, 40)
    age = rng.uniform(0.01, 90.0, 40)  # some beyond the 8 weeks, which weigh nothing
    w = _window(x, y, age)
    radius, weeks = 250.0, 8  # 2.5 cells
    got = prospective_score(w, radius=radius, weeks=weeks, distance=distance)
    want = np.zeros((9, 11))
    for r in range(9):
        for c in range(11):
            for xi, yi, ai in zip(x, y, age, strict=True):
                ri, ci = int(yi // 100), int(xi // 100)
                d = math.hypot(r - ri, c - ci) if distance == "euclidean" else max(abs(r - ri), abs(c - ci))
                t = math.floor(ai / 7)
                if d <= radius / 100 and t < weeks:
                    want[r, c] += 1 / ((1 + d) * (1 + t))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert want.max() > 0 and (want == 0).any()


def test_prospective_counts_a_distance_equal_to_the_radius_and_leaves_the_rest_of_the_grid_nan():
    mask = np.ones((9, 11), bool)
    mask[0, 0] = False
    w = _window([550.0], [450.0], [3.0], mask=mask)  # cell (4, 5), this week (t = 0)
    s = prospective_score(w, radius=200.0)
    assert s[4, 5] == 1.0 and s[4, 7] == pytest.approx(1 / 3) and s[6, 5] == pytest.approx(1 / 3)
    assert s[6, 6] == 0.0  # sqrt(5) cells > 2
    assert np.isnan(s[0, 0])


def test_kde_reuses_the_density_surface_with_row_zero_in_the_south():
    w = _window([250.0, 260.0, 240.0, 900.0], [750.0, 760.0, 740.0, 150.0], [1.0] * 4)
    s = kde_score(w, bandwidth=150.0)
    assert np.unravel_index(np.argmax(s), s.shape) == (7, 2)  # y 750 m is row 7 from the south
    ref = density_from_xy(w.x, w.y, kernel="quartic", bandwidth=150.0, cell=100.0, extent=(0, 0, 1100, 900))
    np.testing.assert_array_equal(s, ref[::-1])


def test_gistar_is_the_hot_spot_page_s_gi_star_on_the_same_cells():
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.uniform(1, 1099, 150), rng.normal(300, 60, 60)])
    y = np.concatenate([rng.uniform(1, 899, 150), rng.normal(600, 60, 60)])
    inc = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=32643)
    page = hotspots(inc, cell=100.0, boundary=gpd.GeoSeries([box(0, 0, 1100, 900)], crs=32643), crs=32643)
    z = gistar_score(_window(x, y, np.ones(len(x))))
    cells = page.cells
    np.testing.assert_allclose(z[cells["row"], cells["col"]], cells["gi_z"], rtol=0, atol=1e-12)


def test_gistar_and_last_period_reuse_their_counts():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, 1100, 60), rng.uniform(0, 900, 60)
    cube = rng.poisson(1.0, size=(3, 9, 11)).astype(float)
    w = _window(x, y, np.ones(60), cube=cube)
    z, _p = gi_star_grid(w.counts, band_cells=2.0, mask=w.grid.mask)
    np.testing.assert_array_equal(gistar_score(w, band=200.0), z)
    np.testing.assert_array_equal(last_period_score(w), cube[-1])


# --------------------------------------------------------------------------- the rolling evaluation


def _monthly(months: pd.DatetimeIndex, per_month: list[int], *, seed: int = 0):
    """``per_month[i]`` incidents in month i at random places of a 1 km x 800 m grid of 100 m cells."""
    rng = np.random.default_rng(seed)
    x, y, when = [], [], []
    for start, n in zip(months, per_month, strict=True):
        days = (start + pd.offsets.MonthBegin(1) - start).days
        x.append(rng.uniform(0, 1000, n))
        y.append(rng.uniform(0, 800, n))
        when.append(start.to_datetime64() + (rng.uniform(0, days * 86400, n) * 1e9).astype("timedelta64[ns]"))
    return np.concatenate(x), np.concatenate(y), np.concatenate(when)


GRID = Grid(x0=0.0, y0=0.0, cell=100.0, mask=np.ones((8, 10), bool))


def test_rolling_windows_train_on_the_months_before_each_test_month():
    months = pd.date_range("2019-01-01", periods=18, freq="MS")  # 2019-01 .. 2020-06
    per_month = [10 + i for i in range(18)]
    x, y, when = _monthly(months, per_month)
    # Two incidents on the boundary of March 2020: the last second of February trains, midnight of March tests.
    x = np.append(x, [50.0, 50.0])
    y = np.append(y, [50.0, 50.0])
    when = np.append(when, np.array(["2020-02-29T23:59:59", "2020-03-01T00:00:00"], dtype="datetime64[ns]"))
    per_month[13] += 1
    per_month[14] += 1
    seen = []

    def spy(w: Window) -> np.ndarray:
        seen.append((w.start, w.end, int(w.counts.sum()), w.cube.shape[0], float(w.age_days.min()),
                     float(w.age_days.max()), w.test_days, len(w.x)))
        return w.counts

    f = rolling_accuracy(x, y, when, grid=GRID, train_months=12, test_months=24, methods={"spy": spy})
    tests = months[12:]  # 2020-01 .. 2020-06: the data allow six, not 24
    assert f.params["test_months"] == 6 and f.params["months"] == 18
    assert list(f.windows["test_month"]) == list(tests)
    assert list(f.windows["train_start"]) == list(months[0:6])
    assert list(f.windows["train_end"]) == list(months[11:17])
    for i, (start, end, n_train, depth, age_min, age_max, days, n_points) in enumerate(seen):
        assert start == np.datetime64(months[i].date()) and end == np.datetime64(tests[i].date())
        assert n_train == sum(per_month[i:i + 12]) == n_points == f.windows["n_train"].iloc[i]
        assert depth == 12 and 0 < age_min and age_max <= 366
        assert days == tests[i].days_in_month
    assert seen[2][4] == pytest.approx(1 / 86400)  # March 2020's training ends a second after its last incident
    assert list(f.windows["N"]) == per_month[12:]
    assert (f.table.groupby("test_month")["N"].first().to_numpy() == per_month[12:]).all()
    short = rolling_accuracy(x, y, when, grid=GRID, train_months=12, test_months=3, methods={"spy": spy})
    assert list(short.windows["test_month"]) == list(months[15:])


def test_months_without_test_incidents_or_training_get_a_reason():
    months = pd.date_range("2020-01-01", periods=7, freq="MS")
    x, y, when = _monthly(months, [2, 30, 25, 20, 0, 15, 10])  # 2020-05 is empty
    f = rolling_accuracy(x, y, when, grid=GRID, train_months=1, test_months=6, methods=["last_period", "kde"])
    notes = f.table.drop_duplicates("test_month").set_index("test_month")["note"]
    assert notes[pd.Timestamp("2020-02-01")].startswith("fewer than 3 incidents")  # January trained on 2
    assert notes[pd.Timestamp("2020-05-01")] == NO_TEST_INCIDENTS
    assert notes[pd.Timestamp("2020-06-01")].startswith("fewer than 3 incidents")  # trained on the empty May
    assert pd.isna(notes[pd.Timestamp("2020-03-01")])
    assert f.table.loc[f.table["note"].notna(), ["pai", "pei", "hit_rate"]].isna().all().all()
    assert f.table.loc[f.table["note"].isna(), ["pai", "pei", "hit_rate"]].notna().all().all()
    assert (f.summary["months"] == 3).all()  # March, April and July
    with pytest.raises(ValueError, match="needs at least 13 months"):
        rolling_accuracy(x, y, when, grid=GRID)


def _planted(seed: int = 0):
    """30 months on a 4 x 4 km grid: uniform background and one persistent 300 m hot spot."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2019-01-01", periods=30, freq="MS")
    xs, ys, ws = [], [], []
    for start in months:
        n_bg, n_hot = rng.poisson(80), rng.poisson(40)
        xs += [rng.uniform(0, 4000, n_bg), rng.uniform(2700, 3000, n_hot)]
        ys += [rng.uniform(0, 4000, n_bg), rng.uniform(1200, 1500, n_hot)]
        secs = rng.uniform(0, start.days_in_month * 86400, n_bg + n_hot)
        ws.append(start.to_datetime64() + (secs * 1e9).astype("timedelta64[ns]"))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)


def _random_score(w: Window) -> np.ndarray:
    return np.random.default_rng(int(w.end.astype(int))).random(w.grid.shape)


def test_a_planted_persistent_hot_spot_makes_kde_and_gistar_beat_a_random_map():
    x, y, when = _planted()
    grid = Grid(x0=0.0, y0=0.0, cell=100.0, mask=np.ones((40, 40), bool))
    methods = {**METHODS, "random": _random_score}  # the registry's hook, as the emerging map will use it
    f = rolling_accuracy(x, y, when, grid=grid, methods=methods)
    assert f.params["test_months"] == 18
    s = f.summary.set_index(["method", "share"])
    assert s.loc[("random", 0.01), "mean_pai"] < 2
    for name in ("kde", "gistar", "prospective", "last_period"):
        assert s.loc[(name, 0.01), "mean_pai"] > 10 * s.loc[("random", 0.01), "mean_pai"], name
        assert s.loc[(name, 0.05), "mean_pei"] > s.loc[("random", 0.05), "mean_pei"] + 0.3, name
    assert f.best(0.01) in ("kde", "gistar") and f.best(0.05) != "random"
    assert list(f.summary["method"].cat.categories) == [*METHODS, "random"]
    curve = summarize(f.curve)
    assert curve["share"].nunique() == 40 and curve["share"].min() == 0.005 and curve["share"].max() == 0.2
    kde = curve[curve["method"] == "kde"].sort_values("share")
    assert kde["mean_pai"].iloc[0] > kde["mean_pai"].iloc[-1]  # the hot spot fills the first shares


def test_best_method_takes_the_highest_mean_pei_and_the_simpler_method_on_a_tie():
    summary = pd.DataFrame({"method": pd.Categorical(["last_period", "kde", "gistar"] * 2,
                                                     categories=["last_period", "kde", "gistar"], ordered=True),
                            "share": [0.05] * 3 + [0.10] * 3, "mean_pei": [0.4, 0.4, 0.3, 0.2, 0.5, np.nan]})
    assert best_method(summary, share=0.05) == "last_period"  # a tie: the simpler
    assert best_method(summary, share=0.10) == "kde"
    assert best_method(summary, share=0.01) is None
    plain = summary.assign(method=summary["method"].astype(str))
    assert best_method(plain, share=0.05) == "kde"  # no order given: by name


def test_methods_take_options_through_partial_and_bad_maps_are_refused():
    x, y, when = _planted(1)
    grid = Grid(x0=0.0, y0=0.0, cell=100.0, mask=np.ones((40, 40), bool))
    f = rolling_accuracy(x, y, when, grid=grid, test_months=2,
                         methods={"wide": partial(prospective_score, radius=800.0, weeks=4)})
    assert f.table["pai"].notna().all()
    with pytest.raises(ValueError, match="shape"):
        rolling_accuracy(x, y, when, grid=grid, test_months=1, methods={"bad": lambda w: np.zeros((3, 3))})
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        rolling_accuracy(x, y, when, grid=grid, methods=["kde", "nope"])


def test_the_geodataframe_adapter_equals_the_core_on_the_same_cells():
    x, y, when = _planted(2)
    # Metres east and north of a point in Bishkek, as lon/lat through the local UTM zone.
    origin = gpd.GeoSeries([Point(74.60, 42.87)], crs=4326)
    utm = local_crs(origin)
    ox, oy, _ = metric_xy(origin, utm)
    pts = gpd.GeoSeries(gpd.points_from_xy(ox[0] + x, oy[0] + y), crs=utm).to_crs(4326)
    incidents = gpd.GeoDataFrame({"occurred_at": pd.to_datetime(when)}, geometry=pts, crs=4326)
    incidents.loc[0, "occurred_at"] = pd.NaT  # left out
    boundary = gpd.GeoSeries([box(ox[0], oy[0], ox[0] + 3000, oy[0] + 3000)], crs=utm)
    f = forecast_accuracy(incidents, cell=100.0, boundary=boundary, test_months=6, methods=["kde", "prospective"])
    assert f.params["crs"] == utm.to_string() and f.params["cells"] == 900
    inside = (x < 3000) & (y < 3000)
    inside[0] = False
    assert f.params["incidents"] == inside.sum()
    assert f.params["incidents_left_out"] == len(x) - inside.sum()
    g = f.grid
    core = rolling_accuracy(ox[0] + x[inside], oy[0] + y[inside], when[inside], grid=g, test_months=6,
                            methods=["kde", "prospective"])
    pd.testing.assert_frame_equal(f.table, core.table)
    assert list(f.table.columns) == ["method", "test_month", "share", "cells", "hit_rate", "pai", "pei", "n", "N",
                                     "note"]


def test_a_method_that_cannot_draw_a_month_s_map_gets_its_reason_and_the_others_still_score():
    months = pd.date_range("2020-01-01", periods=3, freq="MS")
    x, y, when = _monthly(months, [0, 0, 12])
    x[:6], y[:6] = 420.0, 330.0  # February: six incidents at one address, then six elsewhere in March
    when[:6] = np.datetime64("2020-02-10T12:00", "ns")
    when[6:] = np.datetime64("2020-03-05T12:00", "ns")
    f = rolling_accuracy(x, y, when, grid=GRID, train_months=1, test_months=1, methods=["last_period", "kde"])
    kde = f.table[f.table["method"] == "kde"]
    assert kde["pai"].isna().all() and kde["note"].str.startswith("the default bandwidth is 0").all()
    assert f.table.loc[f.table["method"] == "last_period", "pai"].notna().all()


def test_the_summary_compares_the_methods_on_the_months_all_of_them_scored():
    month = pd.to_datetime(["2020-01-01", "2020-01-01", "2020-02-01", "2020-02-01"])
    table = pd.DataFrame({"method": pd.Categorical(["a", "b", "a", "b"], categories=["a", "b"]),
                          "test_month": month, "share": 0.05, "pai": [2.0, 3.0, 10.0, np.nan],
                          "pei": [0.2, 0.3, 0.9, np.nan], "hit_rate": [0.1, 0.15, 0.5, np.nan]})
    common = summarize(table).set_index("method")
    assert common["months"].tolist() == [1, 1] and common.loc["a", "mean_pei"] == 0.2
    assert best_method(summarize(table)) == "b"  # on January, the one month both drew
    assert best_method(summarize(table, common=False)) == "a"  # February would flatter a


def test_the_grid_places_points_as_square_grid_counts_them():
    mask = np.ones((8, 10), bool)
    mask[7, 0] = False
    g = Grid(x0=0.0, y0=0.0, cell=100.0, mask=mask)
    x = np.array([0.0, 99.9, 100.0, 1000.0, 50.0, -0.1, 1000.1, np.nan, 50.0])
    y = np.array([0.0, 0.0, 0.0, 800.0, 750.0, 5.0, 5.0, 5.0, 799.0])
    assert g.locate(x, y).tolist() == [0, 0, 1, 79, -1, -1, -1, -1, -1]


def test_the_emerging_map_marks_the_persistent_hot_spot_and_only_it():
    """The emerging method's map is 1 on the cells Emerging Hot Spot Analysis of the training months calls
    persistent or intensifying hot spots (the planted spot, hot every month), 0 elsewhere: it beats a random map."""
    from geo.forecast.rolling import emerging_score
    from geo.spacetime import CATEGORY_CODES, emerging_from_cube

    x, y, when = _planted(3)
    grid = Grid(x0=0.0, y0=0.0, cell=100.0, mask=np.ones((40, 40), bool))
    months = ((when.astype("datetime64[M]") - when.min().astype("datetime64[M]")).astype(int))
    flat = grid.locate(x, y)
    cube = np.zeros((12, 40, 40))
    np.add.at(cube.reshape(12, -1), (months[months < 12], flat[months < 12]), 1)
    w = Window(grid=grid, x=x, y=y, cell_index=flat, age_days=np.ones(len(x)), cube=cube, counts=cube.sum(0),
               start=np.datetime64("2019-01-01"), end=np.datetime64("2020-01-01"), test_days=31)
    score = emerging_score(w, band=150.0)
    res = emerging_from_cube(cube, band_cells=1.5)
    expected = np.isin(res.category, [CATEGORY_CODES["persistent_hot"], CATEGORY_CODES["intensifying_hot"]])
    assert np.array_equal(score == 1, expected) and set(np.unique(score)) <= {0.0, 1.0}
    assert score[12:15, 27:30].all()  # the planted 300 m square, rows 1200-1500 m and columns 2700-3000 m
    f = rolling_accuracy(x, y, when, grid=grid, methods={"emerging": emerging_score, "random": _random_score})
    s = f.summary.set_index(["method", "share"])
    assert s.loc[("emerging", 0.01), "mean_pai"] > 5 * s.loc[("random", 0.01), "mean_pai"]
