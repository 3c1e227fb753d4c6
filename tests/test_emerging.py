"""Emerging hot spots: the 17 patterns on constructed series, Mann-Kendall as pymannkendall, space-time Gi* as esda."""

from __future__ import annotations

import datetime as dt
import warnings

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.spacetime import (CATEGORIES, CATEGORY_CODES, MIN_STEPS, classify, emerging_from_cube, emerging_hotspots,
                           mann_kendall, space_time_cube, space_time_gi_star)
from geo.spacetime.cube import step_index
from geo.stats.gistar import gi_star_grid

UTM43 = 32643
X0, Y0 = 460_000.0, 4_740_000.0
T = 20  # steps of the constructed series: 90 % is 18 of them


# --- the classifier on constructed series ----------------------------------------------------------------------


def series(hot: list[int] = (), cold: list[int] = (), *, level: int = 3, steps: int = T) -> np.ndarray:
    """Bins of one location: ``level`` at the hot steps, ``-level`` at the cold ones (negative: from the end)."""
    b = np.zeros(steps, dtype=np.int8)
    b[list(hot)] = level
    b[list(cold)] = -level
    return b


def code(bins: np.ndarray, trend_z: float = 0.0, trend_p: float = 1.0, **kw) -> str:
    c = classify(np.asarray(bins)[:, None], np.array([trend_z]), np.array([trend_p]), **kw)
    return CATEGORIES[int(c[0])]


LAST = T - 1
NINETY = list(range(T - 18, T))  # 18 of 20, the final one included
# (name, bins, trend z, trend p, expected): every hot pattern, and the edges between them.
CASES = [
    ("new", series([LAST]), 0.0, 1.0, "new_hot"),
    ("new after cold bins", series([LAST], [2, 3]), 0.0, 1.0, "new_hot"),
    ("consecutive", series([LAST - 2, LAST - 1, LAST]), 0.0, 1.0, "consecutive_hot"),
    ("consecutive after cold bins", series([LAST - 1, LAST], [4]), 0.0, 1.0, "consecutive_hot"),
    ("consecutive of 17 steps (< 90 %)", series(range(3, T)), 0.0, 1.0, "consecutive_hot"),
    ("intensifying", series(NINETY), 3.0, 0.001, "intensifying_hot"),
    ("persistent", series(NINETY), 3.0, 0.2, "persistent_hot"),
    ("persistent, every step", series(range(T)), 0.0, 1.0, "persistent_hot"),
    ("diminishing", series(NINETY), -3.0, 0.001, "diminishing_hot"),
    ("sporadic", series([3, 7, LAST]), 0.0, 1.0, "sporadic_hot"),
    ("sporadic: a hot bin before the final run", series([2, LAST - 1, LAST]), 0.0, 1.0, "sporadic_hot"),
    ("sporadic at 17 of 20 (< 90 %)", series([i for i in range(T) if i not in (0, 5, 9)]), 3.0, 0.001,
     "sporadic_hot"),
    ("oscillating", series([3, LAST], [6]), 0.0, 1.0, "oscillating_hot"),
    ("historical", series(range(0, 18)), 0.0, 1.0, "historical_hot"),
    ("historical, cold in the final step", series(range(0, 18), [LAST]), 0.0, 1.0, "historical_hot"),
    ("historical with a trend", series(range(0, 18)), -4.0, 0.0001, "historical_hot"),
    ("hot in the past only", series([3, 4, 5]), 0.0, 1.0, "no_pattern"),
    ("sporadic needs the final step hot", series([3, 7, 11]), 0.0, 1.0, "no_pattern"),
    ("nothing", series(), 0.0, 1.0, "no_pattern"),
    ("a trend alone", series(), 5.0, 1e-6, "no_pattern"),
]


@pytest.mark.parametrize(("name", "bins", "tz", "tp", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_hot_pattern_and_its_cold_mirror(name, bins, tz, tp, expected):
    assert code(bins, tz, tp) == expected
    mirrored = expected.replace("_hot", "_cold")
    assert code(-bins, -tz, tp) == mirrored  # cold mirrors hot, a colder trend being "intensifying"


def test_all_seventeen_patterns_are_reached():
    got = {code(b, tz, tp) for _, b, tz, tp, _ in CASES} | {code(-b, -tz, tp) for _, b, tz, tp, _ in CASES}
    assert got == set(CATEGORIES.values())
    assert len(CATEGORIES) == 17 and len(set(CATEGORIES.values())) == 17
    assert CATEGORY_CODES["new_hot"] == 1 and CATEGORY_CODES["historical_cold"] == -8  # the order of ESRI's table


def test_ninety_percent_is_a_share_of_the_steps():
    # 18 of 20 hot with the final one: the 90 % patterns; 17 of 20: not.
    assert code(series(NINETY), 0.0, 1.0) == "persistent_hot"
    assert code(series(NINETY[1:] + [0]), 0.0, 1.0) == "persistent_hot"
    assert code(series(NINETY[1:]), 0.0, 1.0) == "consecutive_hot"
    # 54 of 60 is 90 %, 53 is not
    assert code(series(range(6, 60), steps=60), 0.0, 1.0) == "persistent_hot"
    assert code(series(range(7, 60), steps=60), 0.0, 1.0) == "consecutive_hot"
    assert code(series(range(0, 54), steps=60), 0.0, 1.0) == "historical_hot"
    assert code(series(range(0, 53), steps=60), 0.0, 1.0) == "no_pattern"


def test_trend_level_and_bin_level():
    assert code(series(NINETY), 3.0, 0.04) == "intensifying_hot"
    assert code(series(NINETY), 3.0, 0.04, trend_alpha=0.01) == "persistent_hot"
    weak = series([LAST], level=1)
    assert code(weak) == "new_hot"
    assert code(weak, alpha=0.05) == "no_pattern"  # a 90 % bin is not hot at 95 %
    assert code(series([LAST], level=2), alpha=0.05) == "new_hot"


def test_classify_is_vectorised_over_locations():
    bins = np.stack([b for _, b, _, _, _ in CASES], axis=1)
    tz = np.array([c[2] for c in CASES])
    tp = np.array([c[3] for c in CASES])
    got = classify(bins, tz, tp)
    assert [CATEGORIES[int(c)] for c in got] == [c[4] for c in CASES]
    grid = classify(bins.reshape(T, 4, 5), tz.reshape(4, 5), tp.reshape(4, 5))
    assert grid.shape == (4, 5) and np.array_equal(grid.ravel(), got)


# --- Mann-Kendall against pymannkendall ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 13, 60])
def test_mann_kendall_equals_pymannkendall_with_ties(n):
    pmk = pytest.importorskip("pymannkendall")
    rng = np.random.default_rng(n)
    x = rng.integers(0, 4, (n, 300)).astype(float)  # many ties
    x[:, 0] = 2.0  # all tied: S = 0, var S = 0
    x[:, 1] = np.arange(n)  # no tie, strictly increasing
    x[:, 2:50] += np.linspace(0, 3, n)[:, None]  # some with a trend
    x[:, 50:100] = rng.normal(size=(n, 50))  # no ties
    mk = mann_kendall(x)
    for j in range(x.shape[1]):
        r = pmk.original_test(x[:, j])
        assert mk.s[j] == r.s
        assert mk.var_s[j] == pytest.approx(r.var_s, rel=1e-12, abs=1e-12)
        assert mk.z[j] == pytest.approx(r.z, rel=1e-12, abs=1e-12)
        assert mk.p[j] == pytest.approx(r.p, rel=1e-9, abs=1e-12)
        assert mk.tau[j] == pytest.approx(r.Tau, rel=1e-12, abs=1e-12)


def test_mann_kendall_keeps_the_shape_after_time():
    x = np.random.default_rng(0).normal(size=(12, 3, 4))
    mk = mann_kendall(x)
    assert mk.s.shape == mk.p.shape == (3, 4)
    assert np.array_equal(mk.s.ravel(), mann_kendall(x.reshape(12, 12)).s)


# --- space-time Gi* ---------------------------------------------------------------------------------------------


def brute_gi(cube: np.ndarray, mask: np.ndarray, band: float, lag: int) -> np.ndarray:
    """The space-time Gi* formula bin by bin: neighbours within the band in steps t - lag .. t, cube-wide x̄ and s."""
    steps = cube.shape[0]
    cells = list(zip(*np.nonzero(mask), strict=True))
    vals = np.array([cube[t, i, j] for t in range(steps) for i, j in cells])
    n, mean, s = len(vals), vals.mean(), vals.std()
    z = np.full(cube.shape, np.nan)
    for t in range(steps):
        for i, j in cells:
            nb = [cube[u, a, b] for u in range(max(0, t - lag), t + 1) for a, b in cells
                  if (a - i) ** 2 + (b - j) ** 2 <= band * band * (1 + 1e-9)]
            w = len(nb)
            z[t, i, j] = (sum(nb) - mean * w) / (s * np.sqrt((n * w - w * w) / (n - 1)))
    return z


@pytest.mark.parametrize(("band", "lag"), [(1.5, 0), (1.5, 1), (2.2, 3), (4.5, 2)])
def test_space_time_gi_equals_the_formula(band, lag):
    rng = np.random.default_rng(7)
    cube = rng.poisson(2, (8, 9, 10)).astype(float)
    mask = rng.random((9, 10)) > 0.15
    z, p, w = space_time_gi_star(cube, band_cells=band, time_lag=lag, mask=mask)
    np.testing.assert_allclose(z, brute_gi(cube, mask, band, lag), rtol=0, atol=1e-10)
    assert np.isnan(z[:, ~mask]).all() and np.isnan(p[:, ~mask]).all()
    assert (w[:, ~mask] == 0).all()
    assert (w[0][mask] * min(lag + 1, 8) == w[-1][mask]).all()  # the first step has no earlier steps


def test_space_time_gi_equals_esda_on_space_time_weights():
    rng = np.random.default_rng(11)
    steps, rows, cols, lag, band = 6, 5, 6, 2, 1.5
    cube = rng.poisson(3, (steps, rows, cols)).astype(float)
    mask = np.ones((rows, cols), dtype=bool)
    mask[0, :2] = False
    bins = [(t, i, j) for t in range(steps) for i, j in zip(*np.nonzero(mask), strict=True)]
    ids = {b: k for k, b in enumerate(bins)}
    neighbours = {ids[(t, i, j)]: [ids[(u, a, b)] for (u, a, b) in bins
                                   if t - lag <= u <= t and (a - i) ** 2 + (b - j) ** 2 <= band * band
                                   and (u, a, b) != (t, i, j)]
                  for (t, i, j) in bins}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.W(neighbours, silence_warnings=True)
        g = esda.G_Local(np.array([cube[b] for b in bins]), w, star=True, transform="B", permutations=0)
    z, _, _ = space_time_gi_star(cube, band_cells=band, time_lag=lag, mask=mask)
    np.testing.assert_allclose(np.array([z[b] for b in bins]), g.Zs, rtol=0, atol=1e-10)


def test_one_step_is_gi_star_of_the_lattice():
    counts = np.random.default_rng(2).poisson(2, (15, 17)).astype(float)
    mask = np.ones(counts.shape, dtype=bool)
    mask[:3, :4] = False
    z, p, _ = space_time_gi_star(counts[None], band_cells=2.2, time_lag=0, mask=mask)
    z2, p2 = gi_star_grid(counts, band_cells=2.2, mask=mask)
    np.testing.assert_allclose(z[0], z2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p[0], p2, rtol=0, atol=1e-12)


def test_time_lag_zero_uses_the_cubes_statistics():
    rng = np.random.default_rng(4)
    cube = rng.poisson(2, (12, 10, 10)).astype(float)
    z, _, _ = space_time_gi_star(cube, band_cells=1.5, time_lag=0)
    n, mean, s = cube.size, cube.mean(), cube.std()
    lag = np.stack([gi_star_lag(c) for c in cube])
    w = gi_star_lag(np.ones((10, 10)))[None]
    np.testing.assert_allclose(z, (lag - mean * w) / (s * np.sqrt((n * w - w * w) / (n - 1))), atol=1e-12)


def gi_star_lag(a: np.ndarray) -> np.ndarray:
    """Sum over the 3x3 queen neighbourhood (band 1.5), zero outside."""
    p = np.pad(a, 1)
    return sum(p[1 + di:1 + di + a.shape[0], 1 + dj:1 + dj + a.shape[1]] for di in (-1, 0, 1) for dj in (-1, 0, 1))


def test_a_constant_cube_has_no_hot_spots():
    res = emerging_from_cube(np.full((12, 6, 6), 3.0), band_cells=1.5)
    assert (res.z[res.mask[None].repeat(12, 0)] == 0).all() and (res.bins == 0).all()
    assert (res.category == 0).all() and res.params["zero_variance"]
    assert (res.trend.p[res.mask] == 1).all()


# --- end to end on constructed cubes -----------------------------------------------------------------------------


def constructed_cube() -> tuple[np.ndarray, dict[tuple[int, int], str]]:
    """A flat background of 2 with 3x3 (or 5x5) blocks whose counts over 20 steps draw one pattern each."""
    cube = np.full((T, 48, 48), 2.0)
    expected = {}

    def block(r: int, c: int, values: list[float], pattern: str, h: int = 1) -> None:
        cube[:, r - h:r + h + 1, c - h:c + h + 1] += np.asarray(values, dtype=float)[:, None, None]
        expected[(r, c)] = pattern

    block(5, 5, [12] * T, "persistent_hot")
    block(5, 20, [8 + t for t in range(T)], "intensifying_hot")
    block(5, 34, [28 - t for t in range(T)], "diminishing_hot")
    block(20, 5, [0] * (T - 3) + [12] * 3, "consecutive_hot")
    block(20, 20, [0] * (T - 1) + [12], "new_hot")
    block(20, 34, [12 if t % 3 == 0 else 0 for t in range(T - 1)] + [12], "sporadic_hot")
    block(34, 5, [12] * (T - 2) + [0, 0], "historical_hot")
    block(34, 20, [-2 if t in (2, 3) else 12 if t in (8, T - 1) else 0 for t in range(T)], "oscillating_hot", h=2)
    block(34, 34, [-2] * T, "persistent_cold", h=2)
    block(44, 5, [0] * (T - 1) + [-2], "new_cold", h=2)
    block(44, 20, [-2] * (T - 1) + [0], "historical_cold", h=2)
    return cube, expected


def test_constructed_cube_end_to_end():
    cube, expected = constructed_cube()
    res = emerging_from_cube(cube, band_cells=1.5, time_lag=0)
    got = {rc: CATEGORIES[int(res.category[rc])] for rc in expected}
    assert got == expected
    assert res.category_names[5, 5] == "persistent_hot"
    counts = res.counts()
    assert list(counts) == [CATEGORIES[c] for c in [*range(1, 9), *range(-1, -9, -1), 0]]
    assert sum(counts.values()) == res.mask.sum()
    assert res.z.shape == res.bins.shape == cube.shape
    assert res.n_hot[5, 5] == T and res.n_cold[34, 34] == T
    bins_again = np.stack([np.sign(res.bins[t]) for t in range(T)])
    assert ((bins_again > 0).sum(axis=0) == res.n_hot).all()


def test_time_lag_keeps_the_clear_patterns():
    cube, expected = constructed_cube()
    res = emerging_from_cube(cube, band_cells=1.5, time_lag=1)
    for rc in [(5, 5), (5, 20), (5, 34), (20, 5), (20, 20), (34, 5), (34, 34)]:
        assert CATEGORIES[int(res.category[rc])] == expected[rc]


def test_mask_leaves_cells_out():
    cube, _ = constructed_cube()
    mask = np.ones(cube.shape[1:], dtype=bool)
    mask[:12] = False
    res = emerging_from_cube(cube, band_cells=1.5, time_lag=0, mask=mask)
    assert (res.category[~mask] == 0).all() and np.isnan(res.trend.z[~mask]).all()
    assert res.category_names[0, 0] is None
    assert CATEGORIES[int(res.category[20, 5])] == "consecutive_hot"


# --- incidents to patterns ---------------------------------------------------------------------------------------


def incidents(*, seed: int = 0, months: int = 24, column: str = "occurred_at") -> gpd.GeoDataFrame:
    """Two years of incidents over a 6 km square: a thin background, an old cluster, and one that starts late."""
    rng = np.random.default_rng(seed)
    xs, ys, days = [], [], []
    start = pd.Timestamp("2020-01-01")
    for m in range(months):
        first = start + pd.DateOffset(months=m)
        span = ((first + pd.DateOffset(months=1)) - first).days
        n_bg = 60
        xs.append(rng.uniform(0, 6000, n_bg))
        ys.append(rng.uniform(0, 6000, n_bg))
        k = 25  # always busy: around (1500, 1500)
        xs.append(rng.normal(1500, 120, k))
        ys.append(rng.normal(1500, 120, k))
        k2 = 40 if m >= months - 3 else 0  # new in the last three months: around (4500, 4500)
        xs.append(rng.normal(4500, 120, k2))
        ys.append(rng.normal(4500, 120, k2))
        n = n_bg + k + k2
        days.append(first + pd.to_timedelta(rng.integers(0, span, n), unit="D"))
    x, y = np.concatenate(xs), np.concatenate(ys)
    when = pd.DatetimeIndex(np.concatenate([d.to_numpy() for d in days]))
    return gpd.GeoDataFrame({column: when}, geometry=gpd.points_from_xy(X0 + x, Y0 + y), crs=UTM43)


def test_emerging_hotspots_of_incidents():
    pts = incidents()
    res = emerging_hotspots(pts, cell=500, band=750)
    cells = res.cells
    assert len(res.steps) == 24 and res.steps[0] == pd.Timestamp("2020-01-01")
    assert res.params["steps"] == 24 and res.params["time_column"] == "occurred_at"
    assert cells["count"].sum() == len(pts) == res.params["incidents"]
    assert set(cells.columns) >= {"row", "col", "count", "n_hot", "n_cold", "final_bin", "trend_z", "trend_p",
                                  "category", "pattern", "geometry"}
    assert cells.crs.to_epsg() == UTM43
    assert (cells.geometry.area.round() == 500 * 500).all()

    def pattern_at(x: float, y: float) -> str:
        hit = cells[cells.contains(gpd.points_from_xy([X0 + x], [Y0 + y], crs=UTM43)[0])]
        return str(hit["pattern"].iloc[0])

    assert pattern_at(4500, 4500) in ("consecutive_hot", "new_hot")
    assert pattern_at(1500, 1500) in ("persistent_hot", "intensifying_hot", "diminishing_hot")
    assert (cells["pattern"].astype(str).map(CATEGORY_CODES) == cells["category"]).all()


def test_defaults_boundary_and_period():
    pts = incidents(seed=1)
    area = gpd.GeoSeries([box(X0, Y0, X0 + 6000, Y0 + 6000)], crs=UTM43)
    res = emerging_hotspots(pts, boundary=area, start="2020-03-15", end=dt.date(2021, 12, 31))
    assert res.params["cell_rule"] != "given" and res.params["band"] >= res.params["cell"]
    assert len(res.steps) == 22 and res.params["partial_steps"] == ["first step from 2020-03-15 (not 2020-03-01)"]
    inside = (pts["occurred_at"] >= "2020-03-15").sum()
    assert res.params["incidents"] + res.params["incidents_outside_area"] == inside
    assert res.params["incidents_outside_period"] == len(pts) - inside


def test_date_column_of_dates_and_weeks():
    pts = incidents(column="date", months=4)
    pts["date"] = pts["date"].dt.date  # a column of datetime.date
    cube = space_time_cube(pts, cell=500, step="week")
    assert cube.params["time_column"] == "date"
    assert cube.counts.sum() == len(pts) and cube.counts.shape[0] == len(cube.steps)
    assert cube.steps[-1] + pd.Timedelta(days=6) == pd.Timestamp(pts["date"].max())


def test_step_index_months_and_weeks():
    days = ["2020-01-31 23:00", "2020-02-01", "2020-12-31", None, "2019-12-31"]
    when = pd.Series(pd.to_datetime(days, format="ISO8601"))
    idx, steps = step_index(when, step="month", start="2020-01-01", end="2020-12-31")
    assert idx.tolist() == [0, 1, 11, -1, -1] and len(steps) == 12
    idx, steps = step_index(when, step="quarter", start="2020-01-01", end="2020-12-31")
    assert idx.tolist() == [0, 0, 3, -1, -1] and steps[1] == pd.Timestamp("2020-04-01")
    idx, steps = step_index(when, step="week", start="2020-01-01", end="2020-12-31")
    assert idx[2] == len(steps) - 1 and steps[-1] == pd.Timestamp("2020-12-25")
    assert idx[1] - idx[0] in (0, 1)
    idx, steps = step_index(when, step="day", start="2020-01-01", end="2020-12-31")
    assert len(steps) == 366 and idx[:3].tolist() == [30, 31, 365]


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cube": np.ones((MIN_STEPS - 1, 5, 5))}, "at least 10 time steps, got 9"),
    ({"cube": np.ones((5, 5))}, "3 dimensions"),
    ({"mask": np.zeros((5, 5), bool)}, "mask is empty"),
    ({"mask": np.ones((4, 5), bool)}, "mask shape"),
    ({"time_lag": 10}, "at most three quarters of the 12 time steps"),
    ({"time_lag": -1}, "time_lag must be"),
    ({"time_lag": 1.5}, "time_lag must be"),
    ({"alpha": 0.2}, "alpha must be one of 0.1, 0.05, 0.01"),
    ({"trend_alpha": 1.5}, "trend_alpha must be a number between 0 and 1"),
    ({"band_cells": 0}, "band_cells must be a positive number"),
    ({"cube": np.full((12, 5, 5), np.nan)}, "must be finite"),
])
def test_bad_cube_input(kwargs, message):
    args = {"cube": np.random.default_rng(0).poisson(2, (12, 5, 5)).astype(float), "band_cells": 1.5, **kwargs}
    with pytest.raises(ValueError, match=message):
        emerging_from_cube(**args)


def test_bad_series_for_mann_kendall_and_classify():
    with pytest.raises(ValueError, match="at least 2 time steps"):
        mann_kendall(np.ones((1, 3)))
    with pytest.raises(ValueError, match="finite"):
        mann_kendall(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(ValueError, match="shape of bins after axis 0"):
        classify(np.zeros((10, 3)), np.zeros(2), np.ones(2))


def test_bad_incidents():
    pts = incidents(months=12)
    with pytest.raises(ValueError, match="no time column"):
        emerging_hotspots(pts.drop(columns="occurred_at"), cell=500)
    with pytest.raises(ValueError, match="no time column 'when'"):
        emerging_hotspots(pts, cell=500, time_column="when")
    untimed = pts.assign(occurred_at=pd.NaT)
    with pytest.raises(ValueError, match="no incident has a time"):
        emerging_hotspots(untimed, cell=500)
    with pytest.raises(ValueError, match="must be a datetime column"):
        emerging_hotspots(pts.assign(occurred_at="2020-01-01"), cell=500)
    with pytest.raises(ValueError, match="at least 10 time steps, got 6"):
        emerging_hotspots(pts, cell=500, end="2020-06-30")
    with pytest.raises(ValueError, match="ends .* before it starts"):
        emerging_hotspots(pts, cell=500, start="2021-01-01", end="2020-01-01")
    with pytest.raises(ValueError, match="start must be a date"):
        emerging_hotspots(pts, cell=500, start="someday")
    with pytest.raises(ValueError, match="step"):
        emerging_hotspots(pts, cell=500, step="fortnight")
    with pytest.raises(ValueError, match="band"):
        emerging_hotspots(pts, cell=500, band=300)
    with pytest.raises(ValueError, match="CRS"):
        emerging_hotspots(pts.set_crs(None, allow_override=True), cell=500)
    with pytest.raises(ValueError, match="at least 3 incidents"):
        emerging_hotspots(pts.iloc[:2], cell=500)
