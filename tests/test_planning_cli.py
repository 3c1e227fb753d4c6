"""`python -m geo coverage` and `python -m geo site` on the demo workspace."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np

from conftest import ROOT
from geo.coverage import coverage_summary, drive_time_coverage
from geo.demo import write_demo
from geo.select import IncidentFilter, assign_units, filter_incidents
from geo.siting import grid_candidates, site
from geo.io.store import Workspace


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True)


def test_coverage_and_site_commands(tmp_path):
    ws = write_demo(tmp_path, scale=0.2)
    src = f"workspace:{ws}"
    common = [src, "--area", "Bishkek", "--start", "2017-01-01", "--end", "2017-12-31", "--json"]
    p = run("coverage", *common, "--stations", src, "--radius", "1500", "--out", str(tmp_path / "c.gpkg"))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    w = Workspace(ws)
    inc = assign_units(w.read("incidents"), w.read("boundaries"))
    inc = filter_incidents(inc, IncidentFilter(area="Bishkek", start=np.datetime64("2017-01-01").item(),
                                               end=np.datetime64("2017-12-31").item()))
    direct = coverage_summary(inc, w.read("stations"), radius=1500)
    assert out["overall"]["covered"] == direct.overall["covered"] > 0
    layer = gpd.read_file(tmp_path / "c.gpkg", layer="incidents")
    assert int(layer["covered"].sum()) == out["overall"]["covered"]

    p = run("site", *common, "--stations", src, "--radius", "1500", "--k", "3", "--out", str(tmp_path / "s.geojson"))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["status"] == "optimal" and out["gap"] == 0 and len(out["selected"]) == 3
    assert out["covered"] > direct.overall["covered"]  # existing stations kept and counted, plus the new sites
    sites = gpd.read_file(tmp_path / "s.geojson")
    assert len(sites) == 3 and list(sites["rank"]) == [1, 2, 3]

    bad = run("coverage", src, "--stations", src, "--out", str(tmp_path / "x.gpkg"))
    assert bad.returncode == 2 and "give --radius" in bad.stderr


def test_site_command_by_drive_time(tmp_path):
    ws = write_demo(tmp_path, scale=0.2)
    src = f"workspace:{ws}"
    common = [src, "--area", "Bishkek", "--start", "2017-01-01", "--end", "2017-12-31", "--json"]
    drive = ["--minutes", "5", "--roads", src]
    p = run("site", *common, "--stations", src, *drive, "--k", "3", "--out", str(tmp_path / "s.geojson"))
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["minutes"] == 5 and out["radius"] is None
    assert out["status"] == "optimal" and out["gap"] == 0 and len(out["selected"]) == 3

    # The same as site() on the same layers, with the candidates the CLI makes (grid:500 over the incidents' hull).
    w = Workspace(ws)
    inc = assign_units(w.read("incidents"), w.read("boundaries"))
    inc = filter_incidents(inc, IncidentFilter(area="Bishkek", start=np.datetime64("2017-01-01").item(),
                                               end=np.datetime64("2017-12-31").item()))
    hull = gpd.GeoDataFrame(geometry=[inc.union_all().convex_hull], crs=inc.crs)
    res, chosen = site(inc, grid_candidates(hull, spacing=500), minutes=5, roads=w.read("roads"), k=3,
                       stations=w.read("stations"))
    assert out["covered"] == res.covered and out["selected"] == res.selected.tolist()
    today = drive_time_coverage(inc, w.read("stations"), w.read("roads"), minutes=5)["covered"].sum()
    assert out["covered"] > today > 0  # existing stations kept and counted, plus the new sites
    sites = gpd.read_file(tmp_path / "s.geojson")
    assert list(sites["rank"]) == [1, 2, 3]
    np.testing.assert_allclose(sites["new_covered"], chosen["new_covered"])
    assert sites["new_covered"].sum() == out["covered"] - today

    # The standard is checked: one of --radius and --minutes, --minutes with --roads, no drive-time p-median.
    x = str(tmp_path / "x.geojson")
    bad = run("site", src, "--k", "3", "--out", x)
    assert bad.returncode == 2 and "error: give --radius" in bad.stderr
    bad = run("site", src, "--minutes", "5", "--k", "3", "--out", x)
    assert bad.returncode == 2 and "error: --minutes needs --roads" in bad.stderr
    bad = run("site", *common, *drive, "--radius", "1500", "--k", "3", "--out", x)
    assert bad.returncode == 2 and "exactly one service standard" in bad.stderr
    bad = run("site", *common, *drive, "--model", "pmedian", "--k", "3", "--out", x)
    assert bad.returncode == 2 and "straight-line distances" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_coverage_command_by_drive_time_writes_counts_and_areas(tmp_path):
    ws = write_demo(tmp_path, scale=0.2)
    src = f"workspace:{ws}"
    out_gpkg = tmp_path / "d.gpkg"
    p = run("coverage", src, "--area", "Jeti-Oguz", "--stations", src, "--minutes", "10", "--roads", src,
            "--out", str(out_gpkg), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    w = Workspace(ws)
    inc = filter_incidents(assign_units(w.read("incidents"), w.read("boundaries")), IncidentFilter(area="Jeti-Oguz"))
    direct = drive_time_coverage(inc, w.read("stations"), w.read("roads"), minutes=10)
    assert out["mode"] == "drive time" and out["covered"] == int(direct["covered"].sum()) > 0
    areas = gpd.read_file(out_gpkg, layer="service_areas")
    assert len(areas) == len(w.read("stations")) and areas.to_crs(32644).area.gt(0).any()
    covered = gpd.read_file(out_gpkg, layer="incidents").query("covered")
    # every incident counted as covered lies inside some drive-time area
    assert covered.geometry.within(areas.union_all().buffer(1e-9)).all()
