"""Near repeats: the Knox test as the Near Repeat Calculator defines it, against a direct count of every pair."""

from __future__ import annotations

import argparse
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo.spacetime.nearrepeat import KnoxResult, band_labels, knox_from_arrays, near_repeat, parse_bands
from koopsuz.nearrepeat_cli import add_nearrepeat_parser, print_table

NRC_SPACE = (0, 1, 100, 200, 300)  # the Calculator's 100 m x 3 with its "same location" band
NRC_TIME = (0, 7, 14, 21)  # the Calculator's 7 days x 3


def direct_table(x, y, days, space, time, distance="manhattan") -> np.ndarray:
    """Every pair i < j, its distance by the documented formula, placed in [e_k, e_k+1) bands, the last open."""
    x, y, days = np.asarray(x, float), np.asarray(y, float), np.asarray(days, np.int64)
    i, j = np.triu_indices(len(x), 1)
    dx, dy = x[i] - x[j], y[i] - y[j]
    s = np.abs(dx) + np.abs(dy) if distance == "manhattan" else np.sqrt(dx * dx + dy * dy)
    t = np.abs(days[i] - days[j])
    out = np.zeros((len(space), len(time)), dtype=np.int64)
    for a, b in zip(s, t, strict=True):
        r = sum(a >= e for e in space) - 1  # the last edge at or below: closed on the left
        c = sum(b >= e for e in time) - 1
        if r >= 0 and c >= 0:
            out[r, c] += 1
    return out


def lattice_events(rng: np.random.Generator, n: int, *, step: float = 5.0, cells: int = 30,
                   span: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer coordinates on a lattice and integer days: many distances and gaps fall exactly on edges."""
    return (rng.integers(0, cells, n) * step, rng.integers(0, cells, n) * step, rng.integers(0, span, n))


@pytest.mark.parametrize("distance", ["manhattan", "euclidean"])
def test_observed_equals_a_direct_count_of_every_pair_with_ties_on_edges(distance):
    rng = np.random.default_rng(7)
    bands = [((0, 1, 25, 50, 100), NRC_TIME), ((0, 5, 10, 15, 20, 25, 30), (0, 1, 2, 3, 7, 8, 14, 15, 21, 30)),
             ((3, 25, 40), (2, 5)), ((0,), (0,)), ((10,), (0, 3)), ((0, 1, 25), (0, 7, 100))]
    for trial in range(12):
        x, y, days = lattice_events(rng, int(rng.integers(2, 160)))
        space, time = bands[trial % len(bands)]
        r = knox_from_arrays(x, y, days, space_bands=space, time_bands=time, distance=distance, permutations=3,
                             seed=trial)
        assert np.array_equal(r.observed, direct_table(x, y, days, space, time, distance)), (trial, space, time)
    # random (non-integer) coordinates and the Calculator's bands
    x, y = rng.uniform(0, 400, 300), rng.uniform(0, 400, 300)
    days = rng.integers(0, 60, 300)
    r = knox_from_arrays(x, y, days, space_bands=NRC_SPACE, time_bands=NRC_TIME, distance=distance, permutations=2)
    assert np.array_equal(r.observed, direct_table(x, y, days, NRC_SPACE, NRC_TIME, distance))


def test_a_distance_or_gap_exactly_on_an_edge_belongs_to_the_band_above():
    # Manhattan 100 exactly (60 + 40); Euclidean 100 exactly (a 60-80-100 triangle); 7 days exactly
    x, y, days = [0.0, 60.0], [0.0, 40.0], [0, 7]
    r = knox_from_arrays(x, y, days, space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=1)
    assert r.observed[2, 1] == 1 and r.observed.sum() == 1  # [100, 200) m, [7, 14) days
    r = knox_from_arrays([0.0, 60.0], [0.0, 80.0], days, space_bands=NRC_SPACE, time_bands=NRC_TIME,
                         distance="euclidean", permutations=1)
    assert r.observed[2, 1] == 1
    r = knox_from_arrays([0.0, 0.0], [0.0, 0.0], [3, 3], space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=1)
    assert r.observed[0, 0] == 1  # the same place on the same day: the Calculator's "same location" band


def test_the_last_bands_are_open_ended_and_every_pair_is_counted_once():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 5_000_000, 80), rng.uniform(0, 5_000, 80)  # most pairs far beyond the last edge
    days = rng.integers(0, 20_000, 80)  # decades apart
    r = knox_from_arrays(x, y, days, space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=5)
    assert r.observed.sum() == r.pairs == 80 * 79 // 2
    assert r.observed[-1, -1] > 0.9 * r.pairs
    assert np.array_equal(r.observed, direct_table(x, y, days, NRC_SPACE, NRC_TIME))
    far = rng.integers(0, 10**6, 80)  # day numbers spanning millennia: wider gaps than int16 holds
    wide = knox_from_arrays(x, y, far, space_bands=NRC_SPACE, time_bands=(0, 7, 40_000), permutations=2)
    assert np.array_equal(wide.observed, direct_table(x, y, far, NRC_SPACE, (0, 7, 40_000)))
    # shuffles keep every pair in some band: each shuffled table sums to the pairs too
    assert r.expected.sum() == pytest.approx(r.pairs)
    assert r.space_labels == ("0 to under 1 m", "1 to under 100 m", "100 to under 200 m", "200 to under 300 m",
                              "300 m or more")
    assert r.time_labels == ("0 to under 7 days", "7 to under 14 days", "14 to under 21 days", "21 days or more")
    assert band_labels((0, 1, 2.5), unit="days") == ("0 to under 1 day", "1 to under 2.5 days", "2.5 days or more")


def test_p_and_expected_equal_a_direct_loop_over_the_same_seeded_permutations():
    rng = np.random.default_rng(11)
    x, y, days = lattice_events(rng, 60, step=10.0, cells=12, span=30)
    perms, seed = 49, 1234
    r = knox_from_arrays(x, y, days, space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=perms, seed=seed)
    observed = direct_table(x, y, days, NRC_SPACE, NRC_TIME)
    draws = np.random.default_rng(seed)
    tables = np.array([direct_table(x, y, draws.permutation(days), NRC_SPACE, NRC_TIME) for _ in range(perms)])
    assert np.array_equal(r.observed, observed)
    assert np.array_equal(r.expected, tables.sum(axis=0) / perms)
    assert np.array_equal(r.p, (1 + (tables >= observed).sum(axis=0)) / (perms + 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(r.expected > 0, observed / r.expected, np.nan)
    assert np.array_equal(r.ratio, ratio, equal_nan=True)
    assert ((r.p >= 1 / (perms + 1)) & (r.p <= 1)).all()


def test_a_near_repeat_pattern_is_found_and_colours_its_cells(capsys):
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 3000, 300), rng.uniform(0, 3000, 300)
    days = rng.integers(0, 365, 300)
    # 60 follow-ups within 50 m and 3 days of an earlier event
    src = rng.integers(0, 300, 60)
    x = np.append(x, x[src] + rng.uniform(-20, 20, 60))
    y = np.append(y, y[src] + rng.uniform(-20, 20, 60))
    days = np.append(days, days[src] + rng.integers(0, 3, 60))
    r = knox_from_arrays(x, y, days, space_bands=(0, 1, 100, 200), time_bands=(0, 7, 14), permutations=199)
    assert r.ratio[1, 0] > 5 and r.p[1, 0] == pytest.approx(1 / 200)
    assert r.significance[1, 0] == 2 and r.significance.dtype == np.int8
    assert r.p[1, 2] > 0.05 and r.significance[1, 2] == 0
    print_table(r, colour=True)  # on a terminal: p <= 0.01 bold red, starred either way
    out = capsys.readouterr().out
    assert "**\033[0m" in out and "\033[1;31m" in out and f"{r.ratio[1, 0]:.2f}**" in out


def test_the_same_seed_gives_the_same_table_and_another_seed_another():
    rng = np.random.default_rng(2)
    x, y, days = lattice_events(rng, 120, step=7.0)
    kw = dict(space_bands="0,1,50,100", time_bands="0,3,7", permutations=30)
    a, b = knox_from_arrays(x, y, days, seed=9, **kw), knox_from_arrays(x, y, days, seed=9, **kw)
    c = knox_from_arrays(x, y, days, seed=10, **kw)
    assert np.array_equal(a.expected, b.expected) and np.array_equal(a.p, b.p)
    assert np.array_equal(a.observed, c.observed) and not np.array_equal(a.expected, c.expected)
    assert a.as_dict() == b.as_dict()


def test_dates_are_taken_to_the_day():
    when = np.array(["2024-03-01T23:59", "2024-03-08T00:01", "2024-03-08T12:00"], dtype="datetime64[m]")
    r = knox_from_arrays([0, 0, 500], [0, 50, 0], when, space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=1)
    # 7 days apart by date (though 6 days and 2 minutes by the clock): [7, 14)
    assert r.observed[1, 1] == 1 and r.observed[-1, 0] == 1 and r.observed[-1, 1] == 1


def bishkek(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = 450_000 + rng.uniform(0, 2000, n)
    y = 4_745_000 + rng.uniform(0, 2000, n)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D")
    return gpd.GeoDataFrame({"occurred_at": dates}, geometry=gpd.points_from_xy(x, y), crs="EPSG:32643")


def test_a_projected_input_is_measured_in_its_own_crs_and_lon_lat_in_the_local_utm_zone():
    ev = bishkek(150)
    r = near_repeat(ev, space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=5)
    assert r.crs == "EPSG:32643"
    days = ev["occurred_at"].to_numpy().astype("datetime64[D]").astype(np.int64)
    assert np.array_equal(r.observed, direct_table(ev.geometry.x, ev.geometry.y, days, NRC_SPACE, NRC_TIME))
    lonlat = near_repeat(ev.to_crs(4326), space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=5)
    assert lonlat.crs == "EPSG:32643" and np.array_equal(lonlat.observed, r.observed)  # the same zone here

    # Kyrg-06 zone 2 is turned about 2.4 degrees against UTM 43N at Bishkek: a pair 98 m apart along its
    # x axis is 98 m Manhattan in Kyrg-06 and about 102 m in UTM, as the Calculator would measure each
    to7693 = Transformer.from_crs(4326, 7693, always_xy=True)
    x0, y0 = to7693.transform(74.6, 42.87)
    pair = gpd.GeoDataFrame({"occurred_at": pd.to_datetime(["2024-05-01", "2024-05-02"])},
                            geometry=[shapely.Point(x0, y0), shapely.Point(x0 + 98, y0)], crs="EPSG:7693")
    own = near_repeat(pair, space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=1)
    assert own.crs == "EPSG:7693" and own.observed[1, 0] == 1  # [1, 100) m
    utm = near_repeat(pair.to_crs(4326), space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=1)
    assert utm.crs == "EPSG:32643" and utm.observed[2, 0] == 1  # [100, 200) m
    forced = near_repeat(pair, space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=1, crs=32643)
    assert forced.crs == "EPSG:32643" and forced.observed[2, 0] == 1

    # a CRS in US feet is scaled to metres: 300 ft is 91.44 m
    feet = gpd.GeoDataFrame({"occurred_at": pd.to_datetime(["2024-05-01", "2024-05-02"])},
                            geometry=[shapely.Point(1e6, 2e5), shapely.Point(1e6 + 300, 2e5)], crs="EPSG:2263")
    assert near_repeat(feet, space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=1).observed[1, 0] == 1


@pytest.mark.parametrize(("kwargs", "words"), [
    (dict(space_bands=(0, 100, 50)), "increase from one edge"),
    (dict(space_bands=(0, 100, 100)), "increase from one edge"),
    (dict(space_bands=(-1, 100)), "at least 0"),
    (dict(space_bands="0,1,x"), "numbers separated by commas"),
    (dict(space_bands=()), "at least one number"),
    (dict(time_bands=(0, 7.5)), "whole days"),
    (dict(time_bands=(0, float("inf"))), "of at least 0"),
    (dict(distance="chebyshev"), "manhattan, euclidean"),
    (dict(permutations=0), "permutations must be a whole number >= 1"),
    (dict(seed=-1), "seed must be"),
])
def test_bad_arguments_are_refused_with_a_clear_message(kwargs, words):
    args = dict(space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=5) | kwargs
    with pytest.raises(ValueError, match=words):
        knox_from_arrays([0, 1, 2], [0, 1, 2], [0, 1, 2], **args)


def test_bad_events_are_refused_naming_what_is_wrong():
    kw = dict(space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=5)
    with pytest.raises(ValueError, match="at least 2 events"):
        knox_from_arrays([0.0], [0.0], [0], **kw)
    with pytest.raises(ValueError, match="whole numbers of days"):
        knox_from_arrays([0, 1], [0, 1], [0, 1.5], **kw)
    with pytest.raises(ValueError, match="finite"):
        knox_from_arrays([0, np.nan], [0, 1], [0, 1], **kw)
    ev = bishkek(10)
    ev.loc[[3, 7], "occurred_at"] = pd.NaT
    with pytest.raises(ValueError, match="without a readable date: 3, 7"):
        near_repeat(ev, **kw)
    with pytest.raises(ValueError, match="no column 'when'"):
        near_repeat(ev, date_column="when", **kw)
    with pytest.raises(ValueError, match="at least 2 events"):
        near_repeat(bishkek(1), **kw)
    with pytest.raises(ValueError, match="no CRS"):
        near_repeat(bishkek(5).set_crs(None, allow_override=True), **kw)
    with pytest.raises(ValueError, match="not a projected"):
        near_repeat(bishkek(5), crs=4326, **kw)
    missing = bishkek(5)
    missing.loc[2, "geometry"] = None
    with pytest.raises(ValueError, match="without a point: 2"):
        near_repeat(missing, **kw)


def test_parse_bands_reads_the_command_lines_text():
    assert parse_bands("0, 1,100,200,300") == (0.0, 1.0, 100.0, 200.0, 300.0)
    assert parse_bands("0,7,14,21", whole=True) == (0, 7, 14, 21)
    with pytest.raises(ValueError, match="--time-bands must be whole days"):
        parse_bands("0,1.5", name="--time-bands", whole=True)


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """The command as ``koopsuz.cli.main`` runs it: the check, then the command."""
    parser = argparse.ArgumentParser(prog="python -m geo")
    add_nearrepeat_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["nearrepeat", *argv])
    args.check(args)
    code = args.func(args)
    return code, capsys.readouterr().out


CSV = ("id,date,lat,lon\n"
       "1,2024-03-15,42.8700,74.6000\n"
       "2,2024-03-17 14:30,42.8705,74.6004\n"
       "3,2024-03-30,42.8710,74.6010\n"
       "4,2024-04-02,42.8800,74.6100\n"
       "5,03.04.2024,42.8801,74.6101\n"
       "6,2024-05-20,42.8702,74.6003\n")


def test_the_command_line_prints_json_rows_of_space_bands_and_columns_of_time_bands(tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_text(CSV, encoding="utf-8")
    code, out = run_cli([str(path), "--space-bands", "0,1,100,200,300", "--time-bands", "0,7,14,21",
                         "--permutations", "99", "--seed", "4", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    for key in ("observed", "expected", "ratio", "p"):
        assert len(d[key]) == 5 and all(len(row) == 4 for row in d[key]), key
    assert sum(map(sum, d["observed"])) == d["pairs"] == 15 and d["events"] == 6
    assert d["bands"]["space"][-1] == [300, None] and d["bands"]["time"][-1] == [21, None]
    assert d["bands"]["space"][0] == [0, 1] and d["bands"]["closed"] == "left"
    assert d["labels"]["space"][-1] == "300 m or more" and d["labels"]["time"][0] == "0 to under 7 days"
    assert d["crs"] == "EPSG:32643" and d["permutations"] == 99 and d["seed"] == 4
    assert d["distance"] == "manhattan"
    assert all(v is None or v >= 0 for row in d["ratio"] for v in row)  # no NaN in JSON: null


def test_the_command_line_prints_a_table_and_keeps_a_projected_files_crs(tmp_path, capsys):
    ev = bishkek(40)
    path = tmp_path / "events.gpkg"
    ev.to_file(path, layer="events")
    code, out = run_cli([str(path), "--space-bands", "0,1,100,200,300", "--time-bands", "0,7,14,21",
                         "--permutations", "19", "--distance", "euclidean"], capsys)
    assert code == 0
    assert "40 events, 780 pairs, euclidean distance in EPSG:32643, 19 permutations" in out
    assert "300 m or more" in out and "21 days or more" in out and "0 to under 1 m" in out
    assert "\033[" not in out  # no colour codes when the output is not a terminal


def test_the_command_line_names_the_rows_it_cannot_use(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(CSV + "7,,42.87,74.60\n8,2024-05-21,,74.60\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.csv: 2 of 8 rows .*row 7: date: .*row 8: coordinates: "):
        run_cli([str(path), "--space-bands", "0,100", "--time-bands", "0,7"], capsys)
    nodate = tmp_path / "nodate.csv"
    nodate.write_text("id,lat,lon\n1,42.87,74.6\n2,42.88,74.6\n", encoding="utf-8")
    with pytest.raises(ValueError, match="nodate.csv: no date column"):
        run_cli([str(nodate), "--space-bands", "0,100", "--time-bands", "0,7"], capsys)
    with pytest.raises(ValueError, match="--space-bands must increase from one edge"):
        run_cli([str(nodate), "--space-bands", "0,100,50", "--time-bands", "0,7"], capsys)


def test_result_is_frozen():
    r = knox_from_arrays([0, 1], [0, 1], [0, 1], space_bands=NRC_SPACE, time_bands=NRC_TIME, permutations=1)
    assert isinstance(r, KnoxResult)
    with pytest.raises(AttributeError):
        r.seed = 3  # type: ignore[misc]
