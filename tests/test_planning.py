"""Today against a proposal, residents added per site, and exclusion zones read from files."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from geo.coverage import CIRCLE_QUAD_SEGS, camera_sectors, coverage_summary, drive_time_coverage
from geo.io.readers import ReadError, read_areas
from geo.siting.compare import compare_plans, residents_added
from geo.siting import grid_candidates, site

UTM = 32643
X0, Y0 = 470_000.0, 4_745_000.0


def points(xy, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM)


@pytest.fixture
def town() -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(7)
    near = rng.normal(0, 300, (200, 2))  # around today's station
    far = rng.normal(0, 300, (150, 2)) + [4000, 0]  # a settlement with no station
    xy = np.vstack([near, far])
    cats = np.where(np.arange(len(xy)) % 3 == 0, "burglary", "public_order")
    incidents = points([tuple(p) for p in xy], category=cats)
    units = gpd.GeoDataFrame({"name": ["West", "East"], "population": [30_000, 10_000]},
                             geometry=[box(X0 - 2000, Y0 - 2000, X0 + 2000, Y0 + 2000),
                                       box(X0 + 2000, Y0 - 2000, X0 + 6000, Y0 + 2000)], crs=UTM)
    stations = points([(0, 0)], name=["Station"])
    return {"incidents": incidents, "units": units, "stations": stations}


def test_comparison_counts_equal_a_direct_count(town):
    inc, units, stations = town["incidents"], town["units"], town["stations"]
    cands = grid_candidates(units, spacing=500)
    _res, chosen = site(inc, cands, radius=1000, k=1, stations=stations)
    cmp = compare_plans(inc, stations, chosen, radius=1000, boundaries=units)
    xy = shapely.get_coordinates(inc.geometry.to_numpy())
    s_xy = np.vstack([shapely.get_coordinates(stations.geometry.to_numpy()),
                      shapely.get_coordinates(chosen.to_crs(UTM).geometry.to_numpy())])
    d = np.hypot(xy[:, None, 0] - s_xy[None, :, 0], xy[:, None, 1] - s_xy[None, :, 1])
    today, both = d[:, :1].min(axis=1) <= 1000, d.min(axis=1) <= 1000
    rows = cmp.table.set_index("measure")
    assert rows.loc["Incidents covered", "today"] == today.sum()
    assert rows.loc["Incidents covered", "proposal"] == both.sum()
    assert both.sum() > today.sum() + 100  # the new site goes to the eastern settlement
    assert rows.loc["Mean distance to the nearest site (m)", "today"] == pytest.approx(d[:, 0].mean())
    assert rows.loc["Mean distance to the nearest site (m)", "proposal"] == pytest.approx(d.min(axis=1).mean())
    np.testing.assert_array_equal(cmp.covered_proposal, both)
    # newly covered by category adds up to what the siting reported for its one site
    assert cmp.by_category["newly_covered"].sum() == chosen["new_covered_count"].sum()
    for c in ("burglary", "public_order"):
        row = cmp.by_category.set_index("category").loc[c]
        assert row["newly_covered"] == chosen[f"new_{c}"].sum()
    # residents: West is covered on a circle of 1 km (a 4*quad_segs-gon) of its 16 km²
    n = 4 * CIRCLE_QUAD_SEGS
    res_today = rows.loc["Residents covered", "today"]
    assert res_today == pytest.approx(30_000 * (n / 2 * np.sin(2 * np.pi / n)) / 16, rel=1e-9)
    assert rows.loc["Residents covered", "proposal"] > res_today
    assert rows.loc["Incidents covered", "change"] == both.sum() - today.sum()


def test_comparison_without_existing_sites(town):
    inc, units = town["incidents"], town["units"]
    _res, chosen = site(inc, grid_candidates(units, spacing=500), radius=1000, k=2)
    cmp = compare_plans(inc, None, chosen, radius=1000, boundaries=units)
    rows = cmp.table.set_index("measure")
    assert rows.loc["Incidents covered", "today"] == 0
    assert rows.loc["Residents covered", "today"] == 0
    assert np.isnan(rows.loc["Mean distance to the nearest site (m)", "today"])
    assert rows.loc["Incidents covered", "proposal"] == chosen["new_covered_count"].sum()


def test_camera_comparison_uses_sectors_today_and_circles_for_new(town):
    inc = town["incidents"]
    cams = points([(0, 0)], name=["Cam"], direction_deg=[90.0], fov_deg=[90.0], range_m=[300.0])
    new = points([(4000, 0)], name=["New"])
    cmp = compare_plans(inc, cams, new, radius=300, cameras=True)
    xy = shapely.get_coordinates(inc.geometry.to_numpy())
    sector_today = coverage_summary(inc, None, areas=camera_sectors(cams),
                                    by=None).covered
    circle_new = np.hypot(xy[:, 0] - X0 - 4000, xy[:, 1] - Y0) <= 300
    np.testing.assert_array_equal(cmp.covered_today, sector_today)
    # the circle is a polygon of 64 segments: it misses at most slivers at the rim
    assert abs(int(cmp.covered_proposal.sum()) - int((sector_today | circle_new).sum())) <= 2
    assert "Mean distance to the nearest site (m)" not in set(cmp.table["measure"])
    with pytest.raises(ValueError, match="cameras cover what they see"):
        compare_plans(inc, cams, new, minutes=3, roads=town["units"].boundary.to_frame("geometry"), cameras=True)


def test_comparison_rejects_mixed_standards(town):
    with pytest.raises(ValueError, match="exactly one of radius"):
        compare_plans(town["incidents"], None, town["stations"], radius=1, minutes=1)
    with pytest.raises(ValueError, match="needs roads"):
        compare_plans(town["incidents"], None, town["stations"], minutes=1)


def test_comparison_by_drive_time_equals_drive_time_coverage(town):
    inc, stations = town["incidents"], town["stations"]
    roads = gpd.GeoDataFrame({"speed_kmh": [40.0]}, geometry=[shapely.LineString([(X0 - 2000, Y0),
                                                                                 (X0 + 6000, Y0)])], crs=UTM)
    new = points([(4000, 0)], name=["New"])
    cmp = compare_plans(inc, stations, new, minutes=3, roads=roads, off_road_kmh=5)
    both = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[stations.geometry.iloc[0], new.geometry.iloc[0]],
                            crs=UTM)
    want = drive_time_coverage(inc, both, roads, minutes=3, off_road_kmh=5)["covered"].to_numpy()
    np.testing.assert_array_equal(cmp.covered_proposal, want)
    np.testing.assert_array_equal(
        cmp.covered_today, drive_time_coverage(inc, stations, roads, minutes=3, off_road_kmh=5)["covered"])
    assert "Mean drive time to the nearest site, covered incidents (min)" in set(cmp.table["measure"])


def test_residents_added_in_rank_order():
    def sq(x0, y0, x1, y1):
        return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)

    units = gpd.GeoDataFrame({"population": [1000, 3000]}, geometry=[sq(0, 0, 100, 100), sq(100, 0, 200, 100)],
                             crs=UTM)
    existing = gpd.GeoDataFrame(geometry=[sq(0, 0, 50, 100)], crs=UTM)  # half of the first unit
    new = gpd.GeoDataFrame(geometry=[sq(0, 0, 100, 100), sq(150, 0, 200, 100), sq(0, 0, 200, 100)], crs=UTM)
    got = residents_added(existing, new, units)
    np.testing.assert_allclose(got, [500, 1500, 1500])
    np.testing.assert_allclose(residents_added(None, new[:1], units), [1000])


def write(tmp_path, name, features) -> str:
    p = tmp_path / name
    p.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(p)


def test_read_areas_repairs_and_keeps_what_it_rejects(tmp_path):
    square = [[[74.6, 42.8], [74.61, 42.8], [74.61, 42.81], [74.6, 42.81], [74.6, 42.8]]]
    bowtie = [[[74.6, 42.8], [74.61, 42.81], [74.61, 42.8], [74.6, 42.81], [74.6, 42.8]]]
    path = write(tmp_path, "zones.geojson", [
        {"type": "Feature", "properties": {"n": "park"}, "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"n": "bow"}, "geometry": {"type": "Polygon", "coordinates": bowtie}},
        {"type": "Feature", "properties": {"n": "pt"}, "geometry": {"type": "Point", "coordinates": [74.6, 42.8]}},
        {"type": "Feature", "properties": {"n": "none"}, "geometry": None}])
    areas, rejected = read_areas(path)
    assert list(areas["n"]) == ["park", "bow"]
    assert areas.geometry.is_valid.all() and (areas.to_crs(UTM).area > 0).all()
    assert rejected.to_dict(orient="list") == {"row": [3, 4], "reason": ["not a polygon: Point", "no geometry"]}


def test_read_areas_refuses_tables(tmp_path):
    p = tmp_path / "zones.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(ReadError, match="zones.csv: not a spatial file"):
        read_areas(p)


def test_site_drops_candidates_in_exclusion_zones(town):
    inc, units = town["incidents"], town["units"]
    cands = grid_candidates(units, spacing=500)
    _r, free = site(inc, cands, radius=1000, k=1, stations=town["stations"])
    zone = gpd.GeoDataFrame(geometry=[free.to_crs(UTM).geometry.iloc[0].buffer(600)], crs=UTM)
    res, chosen = site(inc, cands, radius=1000, k=1, stations=town["stations"], exclusion=zone)
    assert res.stats["candidates_excluded"] > 0
    assert not chosen.to_crs(UTM).intersects(zone.geometry.iloc[0]).any()
    assert chosen["new_covered_count"].sum() <= free["new_covered_count"].sum()


def test_comparison_text_reads_as_the_planner_shows_it():
    import pandas as pd

    from geo.siting.compare import comparison_text

    table = pd.DataFrame({"measure": ["Incidents covered", "Share of incidents covered",
                                      "Mean drive time to the nearest site, covered incidents (min)",
                                      "Mean distance to the nearest site (m)"],
                          "today": [1200, 0.4, 3.26, float("nan")], "proposal": [1500, 0.5, 2.91, 880.4]})
    table["change"] = table["proposal"] - table["today"]
    got = comparison_text(table)
    assert got.to_dict(orient="list") == {
        "Measure": list(table["measure"]),
        "Today": ["1,200", "40.0%", "3.3", "–"],
        "With proposal": ["1,500", "50.0%", "2.9", "880"],
        "Change": ["+300", "+10.0 pp", "-0.3", "–"]}
