"""Any demand (issue 18, item 3): new sites for incidents, residents, any weighted points, or a stated mix."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from conftest import ROOT
from geo.siting import site
from geo.siting.demand import incident_demand, mixed_demand, objective_text, point_demand, resident_demand
from geo.stats.population import population_surface

CRS = "EPSG:32643"


def _points(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


def test_mixed_demand_is_each_share_of_its_own_total():
    """s * (share of incidents covered) + (1 - s) * (share of residents covered): a site covering all the
    incidents and none of the residents scores s exactly, whatever their totals."""
    inc = incident_demand(_points([(0, 0), (10, 0), (0, 10)]))
    res = point_demand(_points([(5000, 5000), (5010, 5000)], people=["200000", "30000"]), weight="people")
    mixed = mixed_demand(inc, res, incident_share=0.3)
    assert mixed["weight"].sum() == pytest.approx(1.0)
    assert mixed.loc[mixed["kind"] == "incidents", "weight"].sum() == pytest.approx(0.3)
    assert mixed.loc[mixed["kind"] == "residents", "weight"].tolist() == pytest.approx([0.7 * 200 / 230, 0.7 * 30 / 230])
    candidates = _points([(5, 5), (5005, 5000)])
    result, chosen = site(mixed, candidates, radius=100, k=1, weight="weight")
    assert result.objective == pytest.approx(0.7) and list(result.selected) == [1]  # the residents: 70%
    result, _ = site(mixed_demand(inc, res, incident_share=0.8), candidates, radius=100, k=1, weight="weight")
    assert result.objective == pytest.approx(0.8)
    with pytest.raises(ValueError, match="must lie between 0 and 1"):
        mixed_demand(inc, res, incident_share=1.5)
    with pytest.raises(ValueError, match="no residents to cover"):
        mixed_demand(inc, res.iloc[:0], incident_share=0.5)


def test_point_demand_takes_any_weight_column_and_names_bad_rows():
    pts = _points([(0, 0), (1, 1), (2, 2)], pupils=["120", "80,5", "0"])
    d = point_demand(pts, weight="pupils")
    assert d["weight"].tolist() == [120.0, 80.5]  # a weight of 0 covers nothing: left out of the solve
    with pytest.raises(ValueError, match=r"schools.csv: the weight 'pupils' is not a number of 0 or more in rows 1"):
        point_demand(_points([(0, 0), (1, 1)], pupils=["3", "-1"]), weight="pupils", source="schools.csv")
    with pytest.raises(ValueError, match="no column 'people'"):
        point_demand(pts, weight="people")


def test_resident_demand_holds_every_placed_resident():
    units = gpd.GeoDataFrame({"name": ["A", "B"], "population": [1000, 3000]},
                             geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=CRS)
    roads = gpd.GeoDataFrame(geometry=gpd.GeoSeries.from_wkt(["LINESTRING (0 500, 2000 500)"]), crs=CRS)
    d = resident_demand(population_surface(units, roads=roads))
    assert d["weight"].sum() == pytest.approx(4000)
    assert d.to_crs(CRS).within(units.union_all().buffer(0.01)).all()


def test_site_command_takes_points_without_dates_or_categories(tmp_path):
    """python -m geo site FILE --demand points --weight COLUMN: a table of schools with pupils, nothing else."""
    src = tmp_path / "школы.csv"
    src.write_text("name,lon,lat,pupils\nSchool 1,74.600,42.850,1200\nSchool 2,74.620,42.860,800\n"
                   "School 3,74.580,42.870,\"1,5\"\nMarket,74.610,42.840,300\n", encoding="utf-8")
    out = tmp_path / "sites.geojson"
    done = subprocess.run([sys.executable, "-m", "geo", "site", str(src), "--demand", "points", "--weight", "pupils",
                           "--radius", "1000", "--k", "1", "--candidates", "grid:250", "--out", str(out), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["demand"] == "points" and summary["demand_points"] == 4 and summary["status"] == "optimal"
    # one site within 1,000 m: schools 1 and 2 are 1.9 km apart, school 1 and the market 1.4 km, so the best
    # single site covers school 1 and the market (1,200 + 300), ahead of school 2 and the market (800 + 300)
    assert summary["objective"] == pytest.approx(1500.0)
    bad = tmp_path / "bad.csv"
    bad.write_text("lon,lat,pupils\n74.6,42.85,many\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "geo", "site", str(bad), "--demand", "points", "--weight", "pupils",
                           "--radius", "1000", "--k", "1", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2 and "bad.csv: the weight 'pupils' is not a number of 0 or more in rows 1" in done.stderr


def test_site_command_covers_residents_of_a_workspace(tmp_path):
    from conftest import DEMO_MUNICIPALITIES

    if not (DEMO_MUNICIPALITIES / "bishkek.gpkg").is_file():
        pytest.skip("the demo municipalities are built by `make demo`")
    out = tmp_path / "s.geojson"
    args = [sys.executable, "-m", "geo", "site", f"workspace:{DEMO_MUNICIPALITIES / 'bishkek.gpkg'}", "--radius", "1500",
            "--k", "3", "--out", str(out), "--json"]
    residents = json.loads(subprocess.run([*args, "--demand", "residents"], cwd=ROOT, capture_output=True, text=True,
                                          timeout=300, check=True).stdout)
    mixed = json.loads(subprocess.run([*args, "--demand", "mixed", "--incident-share", "0.5"], cwd=ROOT,
                                      capture_output=True, text=True, timeout=300, check=True).stdout)
    assert residents["status"] == mixed["status"] == "optimal"
    assert 100_000 < residents["objective"] < 1_200_000  # residents, not incidents
    assert 0 < mixed["objective"] < 1 and "residents" in mixed["objective_text"]


def test_the_planner_proposes_sites_for_residents(monkeypatch, tmp_path):
    from conftest import demo_app

    at = demo_app(monkeypatch, tmp_path)
    at.switch_page("views/planner.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pl_demand").options == ["Incidents, weighted by category", "Residents",
                                                      "Incidents and residents together",
                                                      "Points of a file, by their weight"]
    at.selectbox(key="pl_demand").set_value("residents").run()
    assert any("as many residents as they can" in c.value for c in at.caption)
    at.button(key="pl_run").click().run()
    assert not at.exception, at.exception
    stored = at.session_state["pl_result"]
    assert stored["demand"] == "residents" and len(stored["chosen"]) == 3
    assert any("residents covered" in c.value for c in at.caption)
    at.selectbox(key="pl_demand").set_value("mixed").run()
    assert any("counts as much as covering 1.0% of the residents" in c.value for c in at.caption)
