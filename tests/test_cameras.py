"""Cameras on the Planner and the residents a site covers, from a population surface that is not flat.

The surface (:mod:`geo.stats.population`) spreads each settlement's residents over its roads (else its
incidents); these tests build small worlds where the right answer is known by construction.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from conftest import ROOT, map_html
from geo.coverage import camera_sectors, coverage_summary, service_areas
from geo.crs import local_crs
from geo.siting.compare import compare_plans, residents_added
from geo.stats.population import population_surface, residents_each, surface_note

# A metric CRS near Bishkek: the worlds below are drawn in metres and stored in WGS84, as a workspace is.
CRS = "EPSG:32643"
X0, Y0 = 450_000.0, 4_750_000.0


def metric(geoms: list, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=CRS).to_crs("EPSG:4326")


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def line(*pts: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in pts])


@pytest.fixture
def world() -> dict[str, gpd.GeoDataFrame]:
    """Two settlements side by side, 4 km x 4 km each.

    West (10,000 residents) has its roads in one block only: a grid of streets 100 m apart over x 1,500..2,500,
    y 3,000..3,800 (a twentieth of its ground).
    East (3,000 residents) has no road but incidents in its south-east corner. A third, Hill, has 500
    residents and neither.
    """
    units = metric([box(0, 0, 4000, 4000), box(4000, 0, 8000, 4000), box(0, 4000, 8000, 6000)],
                   name=["West", "East", "Hill"], population=[10_000, 3_000, 500])
    streets = [line((1500, y), (2500, y)) for y in range(3000, 3900, 100)]
    streets += [line((x, 3000), (x, 3800)) for x in range(1500, 2600, 100)]
    roads = metric(streets, name=[f"street {i}" for i in range(len(streets))])
    rng = np.random.default_rng(7)
    xy = rng.uniform([6500, 300], [7700, 1500], size=(60, 2))
    incidents = metric([shapely.Point(X0 + x, Y0 + y) for x, y in xy], category=["burglary"] * len(xy))
    return {"boundaries": units, "roads": roads, "incidents": incidents}


def test_the_surface_holds_each_settlements_population_exactly(world):
    s = population_surface(world["boundaries"], roads=world["roads"], incidents=world["incidents"])
    per_unit = s.pieces.groupby("unit")["residents"].sum()
    assert per_unit[0] == pytest.approx(10_000, abs=1e-6)
    assert per_unit[1] == pytest.approx(3_000, abs=1e-6)
    assert 2 not in per_unit.index  # Hill: no proxy, no residents placed
    assert list(s.units["proxy"]) == ["roads", "incidents", None]
    assert s.unplaced == ["Hill"]
    # the residents inside each whole settlement are its population (the pieces lie inside it)
    whole = s.by_unit(world["boundaries"].iloc[:2])
    assert whole["covered"].iloc[0] == pytest.approx(10_000, abs=1e-6)
    assert whole["covered"].iloc[1] == pytest.approx(3_000, abs=1e-6)
    assert np.isnan(whole["covered"].iloc[2])


def test_a_camera_over_empty_ground_covers_nobody_and_one_over_the_streets_covers_many(world):
    s = population_surface(world["boundaries"], roads=world["roads"], incidents=world["incidents"])
    cams = metric([shapely.Point(X0 + 2000, Y0 + 600), shapely.Point(X0 + 2000, Y0 + 3300)],
                  name=["field", "streets"], direction_deg=[0.0, 0.0], fov_deg=[90.0, 90.0], range_m=[150.0, 150.0])
    sectors = camera_sectors(cams)
    field, streets = (s.residents_in(sectors.iloc[[i]]) for i in range(2))
    assert field == pytest.approx(0.0, abs=1e-9)
    # flat spreading would give West's density times the sector's area to both; the streets cover a
    # twentieth of West, so about twenty times that lives by them
    flat = 10_000 * sectors.to_crs(CRS).area.iloc[1] / 16e6
    assert streets > 10 * flat
    assert streets > 100


def test_two_proposed_cameras_in_different_places_cover_different_residents(world):
    s = population_surface(world["boundaries"], roads=world["roads"], incidents=world["incidents"])
    sites = metric([shapely.Point(X0 + 2000, Y0 + 3400), shapely.Point(X0 + 2600, Y0 + 1000),
                    shapely.Point(X0 + 7000, Y0 + 900)], name=["a", "b", "c"])
    added = residents_added(None, service_areas(sites, radius=200.0), world["boundaries"], surface=s)
    assert added[0] > 100 and added[1] == 0 and added[2] > 0  # streets, an empty field, East's incidents
    assert len(set(added.tolist())) == 3
    assert np.array_equal(added, np.round(added))  # whole people
    # the flat spreading that the Planner used to show: the same number for every site inside West
    flat = residents_added(None, service_areas(sites.iloc[:2], radius=200.0), world["boundaries"])
    assert flat[0] == pytest.approx(flat[1])


def test_residents_are_not_claimed_where_a_settlement_has_no_proxy(world):
    s = population_surface(world["boundaries"], roads=world["roads"], incidents=world["incidents"])
    hill = metric([shapely.Point(X0 + 3000, Y0 + 5000)], name=["hill"])
    assert np.isnan(residents_added(None, service_areas(hill, radius=200.0), None, surface=s)[0])
    note = surface_note(s)
    assert "roads" in note and "incidents" in note and "Hill" in note and "–" in note
    nothing = population_surface(world["boundaries"])
    assert nothing.proxies == () and np.isnan(nothing.residents_in(world["boundaries"]))
    assert "not shown" in surface_note(nothing)
    # the gaps' residents: one figure per polygon, whole people, NaN over Hill
    geoms = world["boundaries"].to_crs(CRS).geometry.to_numpy()
    each = residents_each(geoms, CRS, world["boundaries"], roads=world["roads"], incidents=world["incidents"])
    assert each[0] == 10_000 and each[1] == 3_000 and np.isnan(each[2])


def test_the_coverage_summary_counts_residents_on_the_surface(world):
    s = population_surface(world["boundaries"], roads=world["roads"], incidents=world["incidents"])
    cams = metric([shapely.Point(X0 + 2000, Y0 + 3300)], name=["streets"], direction_deg=[0.0], fov_deg=[360.0],
                  range_m=[300.0])
    summary = coverage_summary(world["incidents"], None, areas=camera_sectors(cams), by=None, surface=s)
    pop = summary.population
    assert pop["covered"] == round(s.residents_in(camera_sectors(cams)))
    assert pop["covered"] == int(pop["covered"]) and pop["total"] == 13_000
    assert pop["unplaced"] == ["Hill"] and pop["proxy"] == "roads, incidents"
    # compare_plans reads the same surface: today's residents row equals the summary's
    cmp = compare_plans(world["incidents"], cams, cams.iloc[:0], radius=200.0, cameras=True,
                        boundaries=world["boundaries"], surface=s)
    today = cmp.table.set_index("measure").loc["Residents covered", "today"]
    assert today == pop["covered"]


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory):
    from geo.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), scale=0.2)


def test_the_demo_cameras_see_what_a_direct_count_says():
    from geo.demo import make_demo

    d = make_demo(scale=0.2)
    cams, inc = d["cameras"], d["incidents"]
    sectors = camera_sectors(cams)
    summary = coverage_summary(inc, None, areas=sectors, by=None)
    crs = local_crs(cams)
    pts = inc.to_crs(crs).geometry
    direct = [int(pts.intersects(g).sum()) for g in sectors.to_crs(crs).geometry]
    assert summary.per_facility["incidents"].tolist() == direct
    seen = np.zeros(len(inc), bool)
    for g in sectors.to_crs(crs).geometry:
        seen |= pts.intersects(g).to_numpy()
    assert summary.overall["covered"] == int(seen.sum()) > 0


def test_camera_mode_draws_the_existing_cameras_and_says_what_they_see(monkeypatch, demo_workspace):
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(demo_workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/planner.py").run()
    assert not at.exception, at.exception
    at.radio(key="pl_facility").set_value("Video camera").run()
    assert not at.exception, at.exception
    html = map_html(at)
    assert "kz-camera" in html and "kz-camera-view" in html  # camera points and their viewing sectors
    assert "Existing cameras" in html and "What the cameras see" in html  # layer and legend
    m = {x.label: x for x in at.metric}
    seen = m["Incidents within view of a camera"].value
    captions = [c.value for c in at.caption]
    sentence = [c for c in captions if "happened within view of an existing camera" in c]
    assert len(sentence) == 1 and sentence[0].startswith(f"{seen} of ")
    assert any("spreading each settlement's residents over its roads" in c for c in captions)
    # the count on the page is a direct count of the period's incidents inside the cameras' sectors
    from geo.report import read_layers
    from geo.select import select_study

    f = at.session_state["filter"]
    study = select_study(read_layers(demo_workspace), f)
    sectors = camera_sectors(study.cameras)
    crs = local_crs(study.cameras)
    pts = study.incidents.to_crs(crs).geometry
    union = sectors.to_crs(crs).union_all()
    assert int(seen.replace(",", "")) == int(pts.intersects(union).sum())
    assert sentence[0].startswith(f"{seen} of {len(study.incidents):,} incidents in ")
    residents = m["Residents covered today"].value
    assert residents == "–" or residents.replace(",", "").isdigit()
    # proposing cameras: the solver's total, each camera's gain and the comparison count coverage alike (the
    # existing cameras by their sectors, never a circle of the standard's radius)
    at.button(key="pl_run").click().run()
    assert not at.exception, at.exception
    stored = at.session_state["pl_result"]
    compare, result = stored["compare"].table.set_index("measure"), stored["result"]
    with_proposal = int(compare.loc["Incidents covered", "proposal"])
    assert int(compare.loc["Incidents covered", "today"]) == int(seen.replace(",", ""))
    assert round(result.objective + stored["seen_weight"]) == with_proposal  # weights all 1 by default
    solved = [c.value for c in at.caption if "incidents covered, weighted by category" in c.value]
    assert len(solved) == 1 and f"{with_proposal:,} incidents covered" in solved[0], solved
