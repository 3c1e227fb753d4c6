"""`python -m geo coverage` and `python -m geo site` on the demo workspace."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import numpy as np

from conftest import ROOT
from geo.coverage import coverage_summary
from geo.demo import write_demo
from geo.query import IncidentFilter, assign_units, filter_incidents
from geo.store import Workspace


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
