"""Coverage of stations and cameras: counts against brute force, areal weighting, drive times, gaps."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import realdata
from scipy.spatial import cKDTree

from geo.coverage import (
    ZERO_TRIP_MINUTES,
    camera_areas,
    coverage_gaps,
    coverage_summary,
    drive_time_areas,
    drive_time_coverage,
    drive_time_matrix,
    nearest_facility,
    road_graph,
    service_areas,
)
from geo.coverage.summary import _nearest_sites
from geo.demo import make_demo
from geo.network import drive as drive_module
from geo.network.graph import _line_samples, _nearest_lines
from geo.select import assign_units
from geo.siting import grid_candidates
from geo.stats.population import residents_each

# Constructed cases are drawn in UTM 43N near Bishkek, the zone local_crs picks for them: coordinates are metres.
UTM = 32643
X0, Y0 = 470_000.0, 4_745_000.0
RADIUS = 1_500.0


def at(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def points(xy: list[tuple[float, float]], **columns: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM)


# --------------------------------------------------------------------------- Chicago against brute force


@pytest.fixture(scope="module")
def chicago() -> dict:
    raw = pd.read_csv(realdata("chicago", "crimes_2014_09.csv"), usecols=["Primary Type", "Latitude", "Longitude"])
    raw = raw.dropna(subset=["Latitude", "Longitude"]).reset_index(drop=True)
    incidents = gpd.GeoDataFrame(
        {"category": raw["Primary Type"].to_numpy(),
         "weight": np.where(raw["Primary Type"] == "THEFT", 2.0, 1.0)},
        geometry=gpd.points_from_xy(raw["Longitude"], raw["Latitude"]), crs=4326)
    st = pd.read_csv(realdata("chicago", "police_stations.csv"))  # LOCATION holds quoted newlines
    stations = gpd.GeoDataFrame({"name": st["DISTRICT"].astype(str)},
                                geometry=gpd.points_from_xy(st["LONGITUDE"], st["LATITUDE"]), crs=4326)
    ixy = shapely.get_coordinates(incidents.to_crs(32616).geometry.to_numpy())
    sxy = shapely.get_coordinates(stations.to_crs(32616).geometry.to_numpy())
    dist = np.hypot(ixy[:, None, 0] - sxy[None, :, 0], ixy[:, None, 1] - sxy[None, :, 1])  # incidents x stations
    return {"incidents": incidents, "stations": stations, "dist": dist}


@pytest.mark.realdata
def test_chicago_radius_counts_equal_a_direct_count(chicago):
    incidents, stations, dist = chicago["incidents"], chicago["stations"], chicago["dist"]
    assert len(stations) == 23 and len(incidents) > 20_000
    within = dist <= RADIUS
    covered = within.any(axis=1)

    s = coverage_summary(incidents, stations, radius=RADIUS, weight="weight")
    assert s.crs.to_epsg() == 32616
    assert 0 < covered.sum() < len(incidents)  # a real test: some covered, some not
    np.testing.assert_array_equal(s.covered, covered)
    np.testing.assert_array_equal(s.cover_count, within.sum(axis=1))
    assert s.overall["incidents"] == len(incidents) and s.overall["covered"] == covered.sum()
    assert s.overall["share"] == pytest.approx(covered.mean(), rel=1e-12)
    w = incidents["weight"].to_numpy()
    assert s.overall["covered_weight"] == pytest.approx(w[covered].sum())
    assert s.overall["weighted_share"] == pytest.approx(w[covered].sum() / w.sum())

    per = s.per_facility
    assert per["name"].tolist() == stations["name"].tolist()
    np.testing.assert_array_equal(per["incidents"], within.sum(axis=0))
    only_one = within.sum(axis=1) == 1
    np.testing.assert_array_equal(per["unique"], (within & only_one[:, None]).sum(axis=0))
    assert (per["unique"] < per["incidents"]).any()  # some circles overlap, so unique is a real check
    np.testing.assert_allclose(per["share"], within.sum(axis=0) / len(incidents))
    np.testing.assert_allclose(per["weight"], (within * w[:, None]).sum(axis=0))

    direct = (pd.DataFrame({"category": incidents["category"], "covered": covered})
              .groupby("category")["covered"].agg(["size", "sum"]))
    cats = s.by_category.set_index("category")
    assert cats["incidents"].to_dict() == direct["size"].to_dict()
    assert cats["covered"].to_dict() == direct["sum"].to_dict()
    assert s.by_category["incidents"].is_monotonic_decreasing
    json.dumps(s.as_dict())  # the CLI writes it as JSON


@pytest.mark.realdata
def test_chicago_nearest_station_equals_brute_force(chicago):
    incidents, stations, dist = chicago["incidents"], chicago["stations"], chicago["dist"]
    near = nearest_facility(incidents, stations)
    assert near.index.equals(incidents.index)
    np.testing.assert_allclose(near["distance_m"], dist.min(axis=1), rtol=1e-9)
    np.testing.assert_array_equal(near["facility"], stations.index.to_numpy()[dist.argmin(axis=1)])
    assert (near["facility_name"].astype(str) == stations["name"].to_numpy()[dist.argmin(axis=1)]).all()


def test_grid_shortcut_of_nearest_equals_the_tree():
    """The Voronoi corner grid only skips queries; every answer is the k-d tree's."""
    rng = np.random.default_rng(3)
    n = 200_000
    x, y = rng.uniform(0, 30_000, n), rng.uniform(0, 20_000, n)
    x[: n // 3] = 15_000 + rng.normal(0, 300, n // 3)  # a dense cluster
    for m in (2, 50, 400):
        sx, sy = rng.uniform(0, 30_000, m), rng.uniform(0, 20_000, m)
        d, j = _nearest_sites(x, y, sx, sy)
        d0, j0 = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([x, y]))
        np.testing.assert_array_equal(j, j0)
        np.testing.assert_allclose(d, d0, rtol=1e-12)


def test_nearest_road_equals_the_geos_search():
    """Candidates bounded by sampled points only skip work; every distance is GEOS's."""
    rng = np.random.default_rng(5)
    starts = rng.uniform(0, 5000, (300, 2))
    lines = shapely.linestrings(np.stack([starts, starts + rng.normal(0, 400, (300, 2)),
                                          starts + rng.normal(0, 600, (300, 2))], axis=1))
    xy = rng.uniform(-3000, 8000, (20_000, 2))  # some far outside the roads' extent
    pts = shapely.points(xy)
    tree = shapely.STRtree(lines)
    edge, dist = _nearest_lines(pts, xy, lines, tree, _line_samples(lines))
    _, d0 = tree.query_nearest(pts, return_distance=True, all_matches=False)
    np.testing.assert_allclose(dist, d0, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(shapely.distance(pts, lines[edge]), d0, rtol=1e-12, atol=1e-9)


def test_nearest_facility_skips_unlocated_incidents():
    inc = points([(0, 300), (0, 0)], category=["a", "b"])
    inc.loc[1, "geometry"] = None
    st = points([(0, 0), (1000, 0)], name=["HQ", None]).set_index(pd.Index([10, 20]))
    near = nearest_facility(inc, st)
    assert near["distance_m"].iloc[0] == pytest.approx(300)
    assert near["facility"].iloc[0] == 10 and near["facility_name"].iloc[0] == "HQ"
    assert np.isnan(near["distance_m"].iloc[1]) and near["facility"].iloc[1] is None
    assert pd.isna(near["facility_name"].iloc[1])
    # a facility without a name is called by its index label
    assert nearest_facility(points([(990, 0)]), st)["facility_name"].iloc[0] == "20"


# --------------------------------------------------------------------------- population and cameras


def test_population_is_areal_weighted():
    boundary = gpd.GeoDataFrame({"name": ["Town", "Unknown"], "population": [10_000, None]},
                                geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000),
                                          shapely.box(X0 - 3000, Y0, X0 - 1000, Y0 + 2000)], crs=UTM)
    half = gpd.GeoDataFrame({"name": ["west half"]},
                            geometry=[shapely.box(X0 - 500, Y0 - 500, X0 + 1000, Y0 + 2500)], crs=UTM)
    inc = points([(500, 500), (1500, 500)], category=["burglary", "burglary"])
    s = coverage_summary(inc, None, areas=half, boundaries=boundary)
    assert s.population["covered"] == pytest.approx(5_000, rel=1e-9)
    assert s.population["total"] == pytest.approx(10_000)  # the unit without a figure is left out
    assert s.population["share"] == pytest.approx(0.5, rel=1e-9)
    assert s.population_by_boundary["covered_area_share"].iloc[0] == pytest.approx(0.5)
    assert s.covered.tolist() == [True, False]

    # radius mode: a 500 m circle in the middle holds pi 500² / 4 km² of the people (a 64-gon: 0.16 % less)
    st = points([(1000, 1000)], name=["Post"])
    s = coverage_summary(inc, st, radius=500, boundaries=boundary.iloc[:1])
    assert s.population["covered"] == pytest.approx(10_000 * np.pi * 500**2 / 4e6, rel=2e-3)
    circle = service_areas(st, radius=500)
    assert circle.crs == st.crs and circle["name"].tolist() == ["Post"]
    assert circle.area.iloc[0] == pytest.approx(np.pi * 500**2, rel=2e-3)


def test_camera_sectors_cover_what_is_in_front():
    cams = points([(0, 0), (-200, 0)], name=["Gate", "Dome"], direction_deg=[90.0, None], fov_deg=[60.0, None],
                  range_m=[100.0, 30.0])
    # in front; behind; 39 degrees off axis (fov 60 is +-30); 22 degrees off axis; beyond range; in the dome's circle
    inc = points([(50, 0), (-50, 0), (50, 40), (50, 20), (150, 0), (-190, 5)], category=list("abcdef"))
    s = coverage_summary(inc, None, areas=camera_areas(cams), by=None)
    assert s.covered.tolist() == [True, False, False, True, False, True]
    assert s.per_facility["name"].tolist() == ["Gate", "Dome"]
    assert s.per_facility["incidents"].tolist() == [2, 1]
    assert s.per_facility["unique"].tolist() == [2, 1]
    assert s.overall["covered"] == 3 and s.overall["share"] == pytest.approx(0.5)
    assert s.by_category is None
    with pytest.raises(ValueError, match="either radius"):
        coverage_summary(inc, cams, radius=100, areas=camera_areas(cams))


# --------------------------------------------------------------------------- roads and drive times


@pytest.fixture
def roads() -> gpd.GeoDataFrame:
    lines = [
        [(0, 0), (1000, 0)],  # primary, 60 km/h: 1 km a minute
        [(500, -500), (500, 500)],  # residential, 30 km/h, crossing the first at (500, 0)
        [(3000, 3000), (4000, 3000)],  # connected to nothing; its own speed beats its class
    ]
    return gpd.GeoDataFrame({"name": ["Main", "Side", "Far"], "road_class": ["primary", "residential", "motorway"],
                             "speed_kmh": [None, None, 45.0]},
                            geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in ln]) for ln in lines], crs=UTM)


def _node(g: nx.Graph, x: float, y: float) -> int:
    return next(n for n, d in g.nodes(data=True) if abs(d["x"] - X0 - x) < 1e-6 and abs(d["y"] - Y0 - y) < 1e-6)


def test_road_graph_nodes_the_crossing_and_times_the_edges(roads):
    g = road_graph(roads)
    assert g.number_of_nodes() == 7 and g.number_of_edges() == 5
    centre = _node(g, 500, 0)
    assert g.degree(centre) == 4
    e = g.edges[_node(g, 0, 0), centre]
    assert e["minutes"] == pytest.approx(0.5) and e["length_m"] == pytest.approx(500)
    assert e["name"] == "Main" and e["speed_kmh"] == 60
    assert g.edges[centre, _node(g, 500, 500)]["minutes"] == pytest.approx(1.0)  # 500 m at 30 km/h
    assert g.edges[_node(g, 3000, 3000), _node(g, 4000, 3000)]["minutes"] == pytest.approx(1000 / 750)  # 45 km/h
    assert e["geometry"].length == pytest.approx(500)
    slow = road_graph(roads, default_speeds={"primary": 30})
    assert slow.edges[_node(slow, 0, 0), _node(slow, 500, 0)]["minutes"] == pytest.approx(1.0)


def test_drive_time_coverage_with_a_cutoff(roads):
    station = points([(0, 0)], name=["HQ"])
    walk = 5_000 / 60  # metres a minute off the road
    # 1 km along the primary road and 20 m off it; the end of the side road; beside the disconnected road;
    # 30 m off the first half of the primary road (the station's own stretch); 30 m off its second half
    inc = points([(1000, 20), (500, 500), (3000, 3010), (250, 30), (700, -30)], category=list("abcde"))
    t = drive_time_coverage(inc, station, roads, minutes=2.0)
    assert t["minutes"].iloc[0] == pytest.approx(1.0 + 20 / walk)
    assert t["minutes"].iloc[1] == pytest.approx(1.5)
    assert np.isnan(t["minutes"].iloc[2])
    assert t["minutes"].iloc[3] == pytest.approx(0.25 + 30 / walk)
    assert t["minutes"].iloc[4] == pytest.approx(0.7 + 30 / walk)
    assert t["covered"].tolist() == [True, True, False, True, True]
    assert t["facility_name"].iloc[0] == "HQ" and pd.isna(t["facility_name"].iloc[2])
    assert t["access_m"].tolist() == pytest.approx([20, 0, 10, 30, 30])

    # a tighter limit: 1.24 minutes away is beyond 1.2
    t = drive_time_coverage(inc, station, road_graph(roads), minutes=1.2)
    assert t["covered"].tolist() == [False, False, False, True, True]
    assert t["minutes"].isna().tolist() == [True, True, True, False, False]

    # a station 40 m off the middle of the primary road's second half reaches both ways along it
    mid = points([(750, -40)], name=["Mid"])
    t = drive_time_coverage(inc, mid, roads, minutes=5.0)
    assert t["minutes"].iloc[0] == pytest.approx(40 / walk + 0.25 + 20 / walk)  # straight along the shared stretch
    assert t["minutes"].iloc[3] == pytest.approx(40 / walk + 0.25 + 0.25 + 30 / walk)  # via the crossing
    assert t["minutes"].iloc[1] == pytest.approx(40 / walk + 0.25 + 1.0)

    # a second station 100 m off the far road's east end reaches the third incident; the facility is the quicker one
    two = points([(0, 0), (4000, 3100)], name=["HQ", "East post"])
    t = drive_time_coverage(inc, two, roads, minutes=5.0)
    assert t["minutes"].iloc[2] == pytest.approx(100 / walk + 1000 / 750 + 10 / walk)
    assert t["facility_name"].tolist() == ["HQ", "HQ", "East post", "HQ", "HQ"]
    assert t["facility"].tolist() == [0, 0, 1, 0, 0]

    # another graph: edges without geometry are the straight lines between their nodes
    g = road_graph(roads)
    for *_, data in g.edges(data=True):
        del data["geometry"]
    pd.testing.assert_frame_equal(drive_time_coverage(inc, two, g, minutes=5.0), t)


def row_minimum(matrix) -> np.ndarray:
    """The smallest stored value of each row; NaN for an empty row."""
    m = matrix.tocsr()
    out = np.full(m.shape[0], np.nan)
    full = np.diff(m.indptr) > 0
    out[full] = np.minimum.reduceat(m.data, m.indptr[:-1][full])
    return out


def scattered(n: int, m: int, *, seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Incidents and sites strewn over the roads fixture's extent, some on no road's side."""
    rng = np.random.default_rng(seed)
    inc = points(list(zip(rng.uniform(-500, 4500, n), rng.uniform(-800, 3500, n), strict=True)))
    sites = points(list(zip(rng.uniform(-500, 4500, m), rng.uniform(-800, 3500, m), strict=True)))
    return inc, sites


@pytest.mark.parametrize("minutes", [0.0, 2.0, 6.0, 20.0])
def test_drive_time_matrix_is_drive_time_coverage_per_site(roads, minutes):
    inc, sites = scattered(2000, 30, seed=1)
    inc.loc[5, "geometry"] = None
    sites.loc[3, "geometry"] = None
    sites.loc[7, "geometry"] = at(500, 0)  # on the crossing
    inc.loc[8, "geometry"] = at(500, 0)  # the same point: a trip of 0 minutes
    sites.loc[9, "geometry"] = at(250, 40)  # beside the Main road, as incidents are: straight along the shared stretch
    m = drive_time_matrix(inc, sites, roads, minutes=minutes)
    assert m.shape == (len(inc), len(sites)) and m.has_sorted_indices
    d = drive_time_coverage(inc, sites, roads, minutes=minutes)
    # The quickest site of each incident: the row minimum, NaN for an empty row.
    np.testing.assert_allclose(row_minimum(m), d["minutes"].to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(m.getnnz(axis=1) > 0, d["covered"].to_numpy())
    assert m[[5]].nnz == 0 and m[:, [3]].nnz == 0  # no location: an empty row and column
    assert m[8, 7] == ZERO_TRIP_MINUTES  # stored, not dropped as a zero
    assert (m.data > 0).all() and (m.data <= minutes + ZERO_TRIP_MINUTES).all()
    # Every column is the coverage of that site alone.
    dense = m.toarray()
    for j in range(len(sites)):
        alone = drive_time_coverage(inc, sites.iloc[[j]], roads, minutes=minutes)["minutes"].to_numpy()
        col = np.where(dense[:, j] > 0, dense[:, j], np.nan)
        np.testing.assert_allclose(col, np.where(alone == 0, ZERO_TRIP_MINUTES, alone), rtol=0, atol=1e-9)
    if minutes >= 6:
        assert 0 < m.nnz < m.shape[0] * m.shape[1]  # a real test: some pairs within reach, some not


def test_drive_time_matrix_blocks_graphs_and_crs(roads, monkeypatch):
    inc, sites = scattered(500, 25, seed=2)
    m = drive_time_matrix(inc, sites, roads, minutes=5.0)
    # Tiny blocks (a site or two at a time) give the same matrix.
    monkeypatch.setattr(drive_module, "DRIVE_BLOCK_CELLS", 1_000)
    small = drive_time_matrix(inc, sites, roads, minutes=5.0)
    assert (small != m).nnz == 0
    monkeypatch.undo()
    # A prebuilt graph, and layers in lon/lat: the same times.
    g = road_graph(roads)
    assert abs(drive_time_matrix(inc.to_crs(4326), sites.to_crs(4326), g, minutes=5.0) - m).max() < 1e-9
    # The off-road leg alone beyond the limit: nothing; no incidents or no sites: an empty matrix.
    assert drive_time_matrix(points([(2000, 1500)]), sites, roads, minutes=1.0).nnz == 0
    assert drive_time_matrix(inc.iloc[:0], sites, roads, minutes=5.0).shape == (0, 25)
    assert drive_time_matrix(inc, sites.iloc[:0], roads, minutes=5.0).shape == (500, 0)
    with pytest.raises(ValueError, match="minutes"):
        drive_time_matrix(inc, sites, roads, minutes=-1.0)
    with pytest.raises(ValueError, match="off-road"):
        drive_time_matrix(inc, sites, roads, minutes=1.0, off_road_kmh=0.0)


@pytest.fixture(scope="module")
def jeti_oguz() -> dict[str, gpd.GeoDataFrame]:
    """The demo's Jeti-Oguz incidents, roads, stations and ~300 candidate sites on a 5.5 km grid."""
    demo = make_demo()
    units = demo["boundaries"][demo["boundaries"]["area"] == "Jeti-Oguz"]
    inc = assign_units(demo["incidents"], demo["boundaries"])
    inc = inc[inc["area"] == "Jeti-Oguz"]
    rayon = units.union_all()
    roads = demo["roads"][demo["roads"].intersects(rayon)]
    stations = demo["stations"][demo["stations"].within(rayon)]
    return {"incidents": inc, "roads": roads, "stations": stations,
            "candidates": grid_candidates(units, spacing=5_500)}


@pytest.mark.parametrize(("minutes", "off_road_kmh"), [(10.0, 5.0), (15.0, 20.0)])
def test_drive_time_matrix_on_the_demo_jeti_oguz_roads(jeti_oguz, minutes, off_road_kmh):
    inc, roads, cand = jeti_oguz["incidents"], jeti_oguz["roads"], jeti_oguz["candidates"]
    assert len(roads) == 4 and len(inc) > 1_000 and 250 < len(cand) < 350
    m = drive_time_matrix(inc, cand, roads, minutes=minutes, off_road_kmh=off_road_kmh)
    d = drive_time_coverage(inc, cand, roads, minutes=minutes, off_road_kmh=off_road_kmh)
    covered = d["covered"].to_numpy()
    assert 0 < covered.sum() < len(inc)
    np.testing.assert_array_equal(m.getnnz(axis=1) > 0, covered)
    np.testing.assert_allclose(row_minimum(m), d["minutes"].to_numpy(), rtol=0, atol=1e-9)
    # Columns with most cover, checked site by site.
    for j in np.argsort(-m.getnnz(axis=0), kind="stable")[:5]:
        alone = drive_time_coverage(inc, cand.iloc[[j]], roads, minutes=minutes, off_road_kmh=off_road_kmh)
        np.testing.assert_allclose(np.where(m[:, [j]].toarray().ravel() > 0, m[:, [j]].toarray().ravel(), np.nan),
                                   alone["minutes"].to_numpy(), rtol=0, atol=1e-9)


def test_drive_time_areas_reach_along_the_roads_then_off_them(roads):
    walk = 5_000 / 60  # metres a minute off the road
    hq = points([(0, 0), (0, 0)], name=["HQ", "Nowhere"], kind=["station", "post"]).set_index(pd.Index([10, 20]))
    hq.loc[20, "geometry"] = None
    areas = drive_time_areas(hq, roads, minutes=2.0)
    assert areas.crs == hq.crs and areas.index.equals(hq.index)
    assert list(areas.columns) == ["name", "kind", "geometry"] and areas["name"].tolist() == ["HQ", "Nowhere"]
    assert areas.geometry.iloc[1].is_empty
    area = areas.geometry.iloc[0]
    # East along Main to its end at 1 minute, then 1 minute off the road; the side road's end at 1.5 minutes;
    # 0.25 minutes along Main; on foot from the station; nothing of the far road.
    reach = {(1000, walk): True, (1000, walk + 5): False, (1000 + walk, 0): True, (1000 + walk + 5, 0): False,
             (500, 500 + walk / 2): True, (500, 500 + walk / 2 + 3): False, (500, -500 - walk / 2 + 1): True,
             (250, 1.75 * walk - 1): True, (250, 1.75 * walk + 3): False,
             (-2 * walk + 1, 0): True, (-2 * walk - 3, 0): False, (3000, 3000): False}
    for (x, y), inside in reach.items():
        assert area.intersects(at(x, y)) == inside, (x, y)

    # One straight road from the station: the hull of its disc and the point where the time runs out.
    line = gpd.GeoDataFrame({"road_class": ["primary"]}, geometry=[shapely.LineString([at(0, 0), at(5000, 0)])],
                            crs=UTM)
    r, far = 2 * walk, 2_000.0  # 2 minutes on foot; 2 km at 60 km/h
    exact = r * np.sqrt(far**2 - r**2) + (np.pi - np.arccos(r / far)) * r**2
    got = drive_time_areas(points([(0, 0)]), line, minutes=2.0).area.iloc[0]
    assert exact <= got <= exact * 1.0025  # the discs are 64-gons drawn around their circles: 0.12 % over at most
    assert len(drive_time_areas(hq.iloc[:0], roads, minutes=2.0)) == 0
    with pytest.raises(ValueError, match="spacing"):
        drive_time_areas(hq, roads, minutes=2.0, spacing=0)


def test_drive_time_areas_hold_every_covered_incident(roads):
    inc, sites = scattered(3000, 40, seed=3)
    sites.loc[7, "geometry"] = at(500, 0)
    for minutes in (2.0, 6.0):
        areas = drive_time_areas(sites, roads, minutes=minutes)
        m = drive_time_matrix(inc, sites, roads, minutes=minutes).tocsc()
        assert m.nnz > 50
        geoms = inc.geometry.to_numpy()
        for j in range(len(sites)):  # each site's area holds every incident it covers
            rows = m.indices[m.indptr[j]:m.indptr[j + 1]]
            assert shapely.intersects(areas.geometry.iloc[j], geoms[rows]).all(), j


# --------------------------------------------------------------------------- gaps


@pytest.fixture(scope="module")
def clusters() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(7)

    def cluster(n: int, cx: float, cy: float, cats: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"x": cx + rng.normal(0, 150, n), "y": cy + rng.normal(0, 150, n), "category": cats})

    frame = pd.concat([
        cluster(300, 0, 0, ["public_order"] * 300),  # around the station: covered
        cluster(200, 5000, 0, ["burglary"] * 120 + ["public_order"] * 80),  # far, larger
        cluster(100, 0, 5000, ["juvenile"] * 100),  # far, smaller
        pd.DataFrame({"x": rng.uniform(-2000, 7000, 100), "y": rng.uniform(-2000, 7000, 100), "category": "other"}),
    ], ignore_index=True)
    return gpd.GeoDataFrame(frame[["category"]], geometry=gpd.points_from_xy(X0 + frame.x, Y0 + frame.y), crs=UTM)


BOUNDARIES = gpd.GeoDataFrame(
    {"name": ["West", "East"], "population": [40_000, 10_000]},
    geometry=[shapely.box(X0 - 2500, Y0 - 2500, X0 + 2500, Y0 + 7500), shapely.box(X0 + 2500, Y0 - 2500, X0 + 7500, Y0 + 7500)],
    crs=UTM)


@pytest.mark.parametrize("method", ["density", "gistar"])
def test_gaps_find_the_far_clusters_not_the_covered_one(clusters, method):
    station = points([(0, 0)], name=["HQ"])
    gaps = coverage_gaps(clusters, station, radius=1000, boundaries=BOUNDARIES, method=method)
    assert gaps.crs.to_epsg() == 4326
    assert list(gaps.columns) == ["gap_id", "incidents", "area_km2", "population", "main_categories", "settlement",
                                  "geometry"]
    metric = gaps.to_crs(UTM)
    assert metric.contains(at(5000, 0)).iloc[0]  # gap 1: the larger far cluster
    assert metric.contains(at(0, 5000)).iloc[1]  # gap 2: the smaller one
    assert not metric.intersects(at(0, 0)).any()  # the covered cluster is no gap
    assert gaps["gap_id"].tolist() == list(range(1, len(gaps) + 1))
    assert gaps["incidents"].is_monotonic_decreasing
    assert gaps["settlement"].iloc[:2].tolist() == ["East", "West"]

    # incidents per gap: a direct point-in-polygon count of the uncovered incidents
    xy = shapely.get_coordinates(clusters.geometry.to_numpy())
    uncovered = np.hypot(xy[:, 0] - X0, xy[:, 1] - Y0) > 1000
    for poly, n in zip(metric.geometry, gaps["incidents"], strict=True):
        assert n == (uncovered & shapely.contains_xy(poly, xy[:, 0], xy[:, 1])).sum()
    assert 150 < gaps["incidents"].iloc[0] <= 200 + 100 and 70 < gaps["incidents"].iloc[1] < 200

    # main categories: the shares of the gap's incidents, largest first
    inside = uncovered & shapely.contains_xy(metric.geometry.iloc[0], xy[:, 0], xy[:, 1])
    shares = clusters["category"][inside].value_counts(normalize=True)
    expected = ", ".join(f"{c} {round(100 * p)}%" for c, p in shares.head(3).items())
    assert gaps["main_categories"].iloc[0] == expected
    assert re.fullmatch(r"burglary \d+%, public_order \d+%(, other \d+%)?", expected)

    # population: the residents of the population surface inside the gap, whole people (geo.stats.population;
    # no roads here, so each unit's residents are spread over its incidents, all of East's in its cluster)
    people = residents_each(metric.geometry.to_numpy()[:1], UTM, BOUNDARIES, incidents=clusters)[0]
    assert gaps["population"].iloc[0] == people == round(people)
    flat = sum(p * metric.geometry.iloc[0].intersection(b).area / b.area
               for p, b in zip(BOUNDARIES["population"], BOUNDARIES.geometry, strict=True))
    assert flat < people <= 10_000  # not the even spread over East: most of East's incidents are in the gap
    assert gaps["area_km2"].iloc[0] == pytest.approx(metric.area.iloc[0] / 1e6, rel=1e-6)


def test_gaps_without_coverage_gaps_and_thresholds(clusters):
    station = points([(0, 0)], name=["HQ"])
    # a threshold above the peak: no hot ground, an empty frame with the columns
    none = coverage_gaps(clusters, station, radius=1000, threshold=1e9)
    assert len(none) == 0 and "main_categories" in none and none.crs.to_epsg() == 4326
    # cameras-style areas covering everything: no gaps
    everything = gpd.GeoDataFrame(geometry=[shapely.box(X0 - 9000, Y0 - 9000, X0 + 9000, Y0 + 9000)], crs=UTM)
    assert len(coverage_gaps(clusters, None, areas=everything)) == 0
    with pytest.raises(ValueError, match="threshold"):
        coverage_gaps(clusters, station, radius=1000, method="gistar", threshold=5.0)
    # without boundaries, no population and no settlement
    gaps = coverage_gaps(clusters, station, radius=1000)
    assert gaps["population"].isna().all() and gaps["settlement"].isna().all()
    assert gaps.attrs["method"] == "density" and gaps.attrs["threshold"] > 0


def test_gaps_cut_by_drive_time_areas_hold_no_covered_incident(clusters):
    """Drive-time areas as ``areas=``: the gaps are where no station drives in time; covered incidents stay out."""
    crossing = gpd.GeoDataFrame({"road_class": ["primary", "residential"]}, crs=UTM, geometry=[
        shapely.LineString([at(-2000, 0), at(7000, 0)]), shapely.LineString([at(0, -2000), at(0, 7000)])])
    station = points([(0, 0)], name=["HQ"])
    areas = drive_time_areas(station, crossing, minutes=3.0)
    covered = drive_time_coverage(clusters, station, crossing, minutes=3.0)["covered"].to_numpy()
    assert 250 < covered.sum() < 400  # most of the cluster at the station, a few by the roads; not the far ones
    metric = clusters.geometry.to_numpy()
    assert shapely.intersects(areas.geometry.iloc[0], metric[covered]).all()
    gaps = coverage_gaps(clusters, None, areas=areas, boundaries=BOUNDARIES).to_crs(UTM)
    assert gaps.contains(at(5000, 0)).any() and gaps.contains(at(0, 5000)).any()
    assert not gaps.intersects(at(0, 0)).any()
    for poly in gaps.geometry:
        assert not shapely.contains(poly, metric[covered]).any()


def test_drive_time_areas_and_gaps_on_the_demo_jeti_oguz_roads(jeti_oguz):
    inc, roads, stations = jeti_oguz["incidents"], jeti_oguz["roads"], jeti_oguz["stations"]
    assert len(stations) == 4
    for minutes, off_road_kmh in ((10.0, 5.0), (15.0, 20.0)):
        areas = drive_time_areas(stations, roads, minutes=minutes, off_road_kmh=off_road_kmh)
        assert areas.crs == stations.crs and areas["name"].tolist() == stations["name"].tolist()
        covered = drive_time_coverage(inc, stations, roads, minutes=minutes, off_road_kmh=off_road_kmh)["covered"]
        covered = covered.to_numpy()
        assert 0 < covered.sum() < len(inc)
        inside = coverage_summary(inc, None, areas=areas, by=None).covered
        # Every covered incident lies in the areas (measured: all of them, none outside); the areas hold a
        # few more, whose nearest road is out of reach.
        assert inside[covered].all()
        assert (inside & ~covered).sum() <= 0.01 * covered.sum()
        gaps = coverage_gaps(inc, None, areas=areas)
        assert len(gaps) > 0
        xy = inc.to_crs(gaps.crs).geometry.to_numpy()
        assert not any(shapely.contains(poly, xy[covered]).any() for poly in gaps.geometry)


def test_coverage_summary_by_drive_time(jeti_oguz):
    from geo.coverage import drive_time_areas, drive_time_matrix

    demo_units = make_demo()["boundaries"]
    units = demo_units[demo_units["area"] == "Jeti-Oguz"]
    inc, stations, roads = jeti_oguz["incidents"], jeti_oguz["stations"], jeti_oguz["roads"]
    got = coverage_summary(inc, stations, minutes=10, roads=roads, off_road_kmh=20, boundaries=units)
    want = drive_time_coverage(inc, stations, roads, minutes=10, off_road_kmh=20)["covered"].to_numpy()
    assert got.mode == "drive"
    np.testing.assert_array_equal(got.covered, want)
    assert got.overall["covered"] == int(want.sum()) > 0
    reach = drive_time_matrix(inc, stations, roads, minutes=10, off_road_kmh=20).astype(bool)
    np.testing.assert_array_equal(got.per_facility["incidents"], np.asarray(reach.sum(axis=0)).ravel())
    areas = drive_time_areas(stations, roads, minutes=10, off_road_kmh=20)
    by_areas = coverage_summary(inc.iloc[:0], None, areas=areas, boundaries=units, by=None)
    assert got.population["covered"] == pytest.approx(by_areas.population["covered"])
    with pytest.raises(ValueError, match="needs roads"):
        coverage_summary(inc, stations, minutes=10)
    with pytest.raises(ValueError, match="not several"):
        coverage_summary(inc, stations, minutes=10, radius=500, roads=roads)
