"""The road network object: built once, used as it is by every drive-time call, the same answers as road lines."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import ROOT

from geo.coverage import coverage_summary
from geo.network import RoadNetwork, drive_time_areas, drive_time_coverage, drive_time_matrix, road_graph, road_network
from geo.network import graph as graph_module
from geo.siting import site
from geo.siting.compare import compare_plans

UTM = 32643
X0, Y0 = 470_000.0, 4_745_000.0


def points(xy, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM)


@pytest.fixture
def roads() -> gpd.GeoDataFrame:
    """A grid of streets 500 m apart with a primary road across it and a road connected to nothing."""
    lines = [[(x, 0), (x, 3000)] for x in range(0, 3001, 500)] + [[(0, y), (3000, y)] for y in range(0, 3001, 500)]
    lines += [[(-500, 1250), (3500, 1250)], [(5000, 5000), (6000, 5000)]]
    n = len(lines)
    return gpd.GeoDataFrame(
        {"name": [f"road {i}" for i in range(n)],
         "road_class": ["residential"] * (n - 2) + ["primary", "motorway"],
         "speed_kmh": [None] * (n - 1) + [45.0]},
        geometry=[shapely.LineString([(X0 + x, Y0 + y) for x, y in ln]) for ln in lines], crs=UTM)


@pytest.fixture
def scatter() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(11)
    inc = points(list(zip(rng.uniform(-300, 3300, 1500), rng.uniform(-300, 3300, 1500), strict=True)),
                 category=rng.choice(["burglary", "public_order", "theft"], 1500))
    inc.loc[4, "geometry"] = None
    sites = points(list(zip(rng.uniform(0, 3000, 25), rng.uniform(0, 3000, 25), strict=True)),
                   name=[f"site {i}" for i in range(25)])
    return inc, sites


@pytest.fixture
def builds(monkeypatch) -> dict[str, int]:
    """Counts of networks built (every build goes through ``RoadNetwork.__init__``) and graphs built from lines."""
    count = {"networks": 0, "graphs": 0}
    init, make_graph = RoadNetwork.__init__, graph_module.road_graph

    def counted_init(self, graph):
        count["networks"] += 1
        init(self, graph)

    def counted_graph(*args, **kwargs):
        count["graphs"] += 1
        return make_graph(*args, **kwargs)

    monkeypatch.setattr(RoadNetwork, "__init__", counted_init)
    monkeypatch.setattr(graph_module, "road_graph", counted_graph)
    return count


def test_a_network_gives_the_same_answers_as_the_road_lines(roads, scatter):
    inc, sites = scatter
    net = RoadNetwork.from_roads(roads)
    for minutes, off_road_kmh in ((0.0, 5.0), (2.0, 5.0), (4.0, 20.0)):
        kw = {"minutes": minutes, "off_road_kmh": off_road_kmh}
        lines_m = drive_time_matrix(inc, sites, roads, **kw)
        for given in (net, net.graph):
            m = drive_time_matrix(inc, sites, given, **kw)
            assert (m != lines_m).nnz == 0 and np.array_equal(m.data, lines_m.data)
            pd.testing.assert_frame_equal(drive_time_coverage(inc, sites, given, **kw),
                                          drive_time_coverage(inc, sites, roads, **kw), check_exact=True)
            got = drive_time_areas(sites.iloc[:5], given, **kw).geometry.to_numpy()
            want = drive_time_areas(sites.iloc[:5], roads, **kw).geometry.to_numpy()
            assert list(shapely.to_wkb(got)) == list(shapely.to_wkb(want))
        if minutes == 4.0:
            assert 0 < lines_m.nnz < lines_m.shape[0] * lines_m.shape[1]  # a real test: some pairs in reach
    # The same network in lon/lat points: the same times.
    assert abs(drive_time_matrix(inc.to_crs(4326), sites.to_crs(4326), net, minutes=2.0)
               - drive_time_matrix(inc, sites, roads, minutes=2.0)).max() < 1e-9


def test_a_network_is_built_once_and_never_rebuilt(roads, scatter, builds):
    inc, sites = scatter
    net = RoadNetwork.from_roads(roads)
    assert builds == {"networks": 1, "graphs": 1}
    drive_time_matrix(inc, sites, net, minutes=3.0)
    drive_time_coverage(inc, sites, net, minutes=3.0, off_road_kmh=20.0)
    drive_time_areas(sites.iloc[:3], net, minutes=1.0)
    units = gpd.GeoDataFrame({"name": ["all"], "population": [1000]},
                             geometry=[shapely.box(X0, Y0, X0 + 3000, Y0 + 3000)], crs=UTM)
    coverage_summary(inc, sites, minutes=3.0, roads=net, boundaries=units)
    assert road_network(net) is net
    assert builds == {"networks": 1, "graphs": 1}
    # Road lines build a network on each call (as before); a graph is wrapped without building a graph.
    drive_time_matrix(inc, sites, roads, minutes=3.0)
    assert builds == {"networks": 2, "graphs": 2}
    drive_time_matrix(inc, sites, net.graph, minutes=3.0)
    assert builds == {"networks": 3, "graphs": 2}
    # The summary's counts and areas share one network even when given road lines.
    coverage_summary(inc, sites, minutes=3.0, roads=roads, boundaries=units)
    assert builds == {"networks": 4, "graphs": 3}


def test_siting_and_comparison_with_a_network_build_nothing(roads, scatter, builds):
    inc, sites = scatter
    existing = sites.iloc[:2]
    by_lines = site(inc, sites.iloc[2:], minutes=3.0, roads=roads, k=3, stations=existing, gains_up_to=4)
    lines_builds = builds["networks"]
    assert lines_builds >= 1
    net = RoadNetwork.from_roads(roads)
    builds.update(networks=0, graphs=0)
    result, chosen = site(inc, sites.iloc[2:], minutes=3.0, roads=net, k=3, stations=existing, gains_up_to=4)
    compare = compare_plans(inc, existing, chosen, minutes=3.0, roads=net)
    drive_time_areas(chosen, net, minutes=3.0)
    assert builds == {"networks": 0, "graphs": 0}
    np.testing.assert_array_equal(result.selected, by_lines[0].selected)
    assert result.objective == by_lines[0].objective
    pd.testing.assert_frame_equal(chosen, by_lines[1])
    assert compare.table.equals(compare_plans(inc, existing, chosen, minutes=3.0, roads=roads).table)


def test_the_network_holds_the_graph_arrays_and_trees(roads):
    net = RoadNetwork.from_roads(roads, crs=32643)
    g = road_graph(roads)
    assert net.crs.to_epsg() == 32643 and net.n == g.number_of_nodes() and len(net.a) == g.number_of_edges()
    assert net.graph.number_of_edges() == g.number_of_edges()
    assert len(net.arcs[0]) == 2 * len(net.a)  # both directions, no parallel edges here
    assert net.adjacency.shape == (net.n, net.n) and net.adjacency is net.adjacency  # built once
    assert net.samples is net.samples
    for arr in (net.a, net.b, net.minutes, net.lines, *net.arcs):
        assert not arr.flags.writeable  # shared between calls and threads: nobody may change it
    edge, at, dist = net.place(np.array([X0 + 250.0]), np.array([Y0 + 10.0]))
    assert dist[0] == pytest.approx(10.0) and 0 <= at[0] <= 1
    assert shapely.distance(net.lines[edge[0]], shapely.Point(X0 + 250, Y0 + 10)) == pytest.approx(10.0)
    assert "RoadNetwork(" in repr(net)
    # slower roads by class: the same network as a graph with those speeds
    slow = RoadNetwork.from_roads(roads, default_speeds={"residential": 15})
    assert slow.minutes.sum() > net.minutes.sum()


def test_network_errors(roads):
    with pytest.raises(ValueError, match="no CRS"):
        RoadNetwork(nx.Graph())
    with pytest.raises(ValueError, match="no roads"):
        RoadNetwork.from_roads(roads.iloc[:0], crs=UTM)
    net = RoadNetwork.from_roads(roads)
    inc = points([(10, 10)])
    with pytest.raises(ValueError, match="minutes"):
        drive_time_matrix(inc, inc, net, minutes=-1.0)
    with pytest.raises(ValueError, match="off-road"):
        drive_time_coverage(inc, inc, net, minutes=1.0, off_road_kmh=0)
    with pytest.raises(ValueError, match="spacing"):
        drive_time_areas(inc, net, minutes=1.0, spacing=-5)


def test_the_planner_builds_the_road_network_once_per_proposal(monkeypatch, tiny_workspace, builds):
    """One drive-time "Propose sites" on the Planner page: the coverage today, its areas, the siting, the
    proposal's areas and the comparison all use one road network, built once (and reruns reuse it)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(tiny_workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()  # a network cached by an earlier test would hide the build
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/planner.py").run()
    assert not at.exception, at.exception
    assert builds["networks"] == 0  # distance standard: no network
    at.radio(key="pl_standard").set_value("Drive time").run()
    assert not at.exception, at.exception
    assert builds["networks"] == 1  # today's coverage and areas by drive time
    at.number_input(key="pl_minutes").set_value(0.5).run()  # short enough for the stations to leave gaps
    at.button(key="pl_run").click().run()
    assert not at.exception, at.exception
    stored = at.session_state["pl_result"]
    assert stored["standard"][0] == "drive" and stored["areas"] is not None and len(stored["chosen"]) > 0
    assert builds == {"networks": 1, "graphs": 1}
    at.number_input(key="pl_minutes").set_value(1.0).run()  # another drive time: the same network
    at.button(key="pl_run").click().run()
    assert not at.exception, at.exception
    assert builds == {"networks": 1, "graphs": 1}
