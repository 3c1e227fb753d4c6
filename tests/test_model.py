"""Data model, CRS choice, workspace store, filters and rates."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from conftest import ROOT
from geo.crs import local_crs, to_display, to_metric, utm_crs
from geo.select import IncidentFilter, assign_units, filter_boundaries, filter_incidents, within_boundaries
from geo.stats.rates import rate_per_100k, unit_rates
from geo.schema import LAYERS, SchemaError, require_valid, validate
from geo.io.store import Workspace


# --- schema ---------------------------------------------------------------

def test_every_layer_type_has_its_required_fields():
    assert LAYERS["incidents"].required == ("id", "occurred_at", "category")
    assert LAYERS["boundaries"].required == ("name",)
    assert "population" in LAYERS["boundaries"].field_names
    assert LAYERS["stations"].required == ("name",)
    assert {"direction_deg", "fov_deg", "range_m"} <= set(LAYERS["cameras"].field_names)
    assert LAYERS["roads"].geometry == ("LineString", "MultiLineString")


def test_missing_required_column_names_file_and_columns(tiny):
    inc = tiny["incidents"].drop(columns=["category"])
    with pytest.raises(SchemaError, match=r"crimes\.csv: incidents lacks required column\(s\) category"):
        validate(inc, "incidents", source="crimes.csv")


def test_no_crs_is_refused(tiny):
    inc = tiny["incidents"].set_crs(None, allow_override=True)
    with pytest.raises(SchemaError, match="no coordinate reference system"):
        validate(inc, "incidents")


def test_bad_rows_are_kept_with_row_field_and_reason(tiny):
    inc = tiny["incidents"].copy()
    inc.loc[2, "category"] = "arson"
    inc.loc[4, "occurred_at"] = pd.NaT
    inc.loc[5, "id"] = inc.loc[0, "id"]
    inc.loc[6, "geometry"] = Point(float("nan"), 42.0)
    v = validate(inc, "incidents", source="x.csv")
    assert v.counts == {"read": len(inc), "accepted": len(inc) - 4, "rejected": 4}
    got = {(r.row, r.field): r.reason for r in v.rejected.itertuples()}
    assert got[(3, "category")].startswith("category is not one of")
    assert got[(5, "occurred_at")] == "occurred_at is empty"
    assert got[(6, "id")] == "duplicate id"
    assert got[(7, "geometry")] == "coordinates are not finite numbers"


def test_wrong_geometry_type_rejected(tiny):
    st = tiny["stations"].copy()
    st.loc[0, "geometry"] = LineString([(74.6, 42.8), (74.7, 42.9)])
    v = validate(st, "stations")
    assert list(v.rejected["reason"]) == ["geometry is not Point"]


def test_camera_angles_out_of_range_rejected(tiny):
    cam = tiny["cameras"].copy()
    cam.loc[0, "fov_deg"] = 400.0
    with pytest.raises(SchemaError, match="row 1, field fov_deg: fov_deg is above 360"):
        require_valid(cam, "cameras")


# --- CRS ------------------------------------------------------------------

@pytest.mark.parametrize(("lon", "lat", "epsg"), [(74.6, 42.87, 32643), (78.2, 42.3, 32644),
                                                   (-87.6, 41.8, 32616), (18.4, -33.9, 32734)])
def test_utm_zone(lon, lat, epsg):
    assert utm_crs(lon, lat).to_epsg() == epsg


def test_local_crs_uses_the_centre_of_all_frames(tiny):
    b = tiny["boundaries"]
    assert local_crs(b).to_epsg() == 32643
    near = gpd.GeoDataFrame(geometry=[Point(79.5, 42.0)], crs=4326)  # joint centre 77.05 E: zone 43
    assert local_crs(b, near).to_epsg() == 32643
    far = gpd.GeoDataFrame(geometry=[Point(82.0, 42.0)], crs=4326)  # joint centre 78.3 E: zone 44
    assert local_crs(b, far).to_epsg() == 32644


def test_metric_round_trip_keeps_coordinates(tiny):
    b = tiny["boundaries"]
    m = to_metric(b)
    assert m.crs.to_epsg() == 32643
    assert abs(m.area.iloc[0] - 0.01 * 0.01 * 111_000 * 81_700) / m.area.iloc[0] < 0.02
    back = to_display(m)
    assert np.allclose(back.total_bounds, b.total_bounds, atol=1e-9)


def test_local_crs_refuses_empty_and_crs_less():
    with pytest.raises(ValueError, match="no located features"):
        local_crs(gpd.GeoDataFrame(geometry=[], crs=4326))
    with pytest.raises(ValueError, match="without a CRS"):
        local_crs(gpd.GeoDataFrame(geometry=[Point(1, 1)]))


# --- store ----------------------------------------------------------------

def test_workspace_round_trip_and_append(tmp_path, tiny):
    ws = Workspace(tmp_path / "w.gpkg")
    st = require_valid(tiny["stations"], "stations")
    ws.write({"stations": st}, meta={"title": "T"})
    ws.write({"stations": st.iloc[:1]}, mode="append")
    back = ws.read("stations")
    assert len(back) == 4 and list(back["name"])[:3] == list(st["name"])
    assert ws.meta() == {"title": "T"}
    assert len(ws.read("cameras")) == 0 and "direction_deg" in ws.read("cameras").columns
    assert not list(tmp_path.glob("*.tmp.gpkg"))


def test_failed_write_leaves_previous_workspace(tmp_path, tiny):
    ws = Workspace(tmp_path / "w.gpkg")
    ws.write({"stations": require_valid(tiny["stations"], "stations")})
    before = (tmp_path / "w.gpkg").read_bytes()
    bad = tiny["roads"].set_crs(None, allow_override=True)
    with pytest.raises(ValueError, match="no CRS"):
        ws.write({"cameras": require_valid(tiny["cameras"], "cameras"), "roads": bad})
    assert (tmp_path / "w.gpkg").read_bytes() == before
    assert not ws.has("cameras")
    assert not list(tmp_path.glob("*.tmp.gpkg"))


def test_killed_write_leaves_previous_workspace(tmp_path, tiny):
    path = tmp_path / "w.gpkg"
    Workspace(path).write({"stations": require_valid(tiny["stations"], "stations")})
    script = textwrap.dedent(f"""
        import sys, os, geopandas as gpd, numpy as np
        from shapely.geometry import Point
        sys.path.insert(0, {str(ROOT)!r})
        from geo.io.store import Workspace
        n = 400_000
        g = gpd.GeoDataFrame({{"name": np.arange(n).astype(str)}},
                             geometry=gpd.points_from_xy(np.random.rand(n), np.random.rand(n)), crs=4326)
        print("writing", flush=True)
        Workspace({str(path)!r}).write({{"stations": g}})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    back = Workspace(path).read("stations")
    assert list(back["name"]) == list(tiny["stations"]["name"])
    Workspace(path).remove_leftovers()  # the next open: nothing of the killed write remains
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.gpkg"]


# --- query and rates ------------------------------------------------------

def test_assign_units_and_filters(tiny):
    inc = assign_units(tiny["incidents"], tiny["boundaries"])
    assert inc["unit"].value_counts().to_dict() == {"A": 10, "B": 6, "C": 1, "": 1}
    assert (inc.loc[inc["unit"] == "C", "area"] == "South").all()
    north = filter_incidents(inc, IncidentFilter(area="North"))
    assert len(north) == 16
    f = IncidentFilter(start=dt.date(2017, 3, 1), end=dt.date(2017, 3, 1), categories=("burglary",))
    got = filter_incidents(inc, f)
    assert len(got) > 0 and (got["category"] == "burglary").all()
    assert (got["occurred_at"].dt.date == dt.date(2017, 3, 1)).all()  # end day is inclusive
    assert list(filter_boundaries(tiny["boundaries"], IncidentFilter(units=("B",)))["name"]) == ["B"]
    assert len(within_boundaries(tiny["stations"], tiny["boundaries"].iloc[[2]])) == 1


def test_previous_period_has_equal_length():
    f = IncidentFilter(start=dt.date(2017, 1, 1), end=dt.date(2017, 12, 31))
    p = f.previous()
    assert (p.start, p.end) == (dt.date(2016, 1, 1), dt.date(2016, 12, 31))  # a leap year: 366 days
    q = IncidentFilter(start=dt.date(2017, 3, 1), end=dt.date(2017, 5, 31)).previous()
    assert (q.start, q.end) == (dt.date(2016, 12, 1), dt.date(2017, 2, 28))
    d = IncidentFilter(start=dt.date(2017, 3, 10), end=dt.date(2017, 3, 19)).previous()
    assert (d.start, d.end, d.days) == (dt.date(2017, 2, 28), dt.date(2017, 3, 9), 10)


def test_rates_per_100k():
    assert rate_per_100k(1341, 100_000) == pytest.approx(1341)
    assert rate_per_100k(10, 50_000, days=73) == pytest.approx(20 * 365.25 / 73)
    assert np.isnan(rate_per_100k(3, 0))
    with pytest.raises(ValueError, match="positive"):
        rate_per_100k(1, 1, days=0)


def test_unit_rates(tiny):
    inc = assign_units(tiny["incidents"], tiny["boundaries"])
    r = unit_rates(inc, tiny["boundaries"])
    assert list(r["count"]) == [10, 6, 1]
    assert r["rate"].tolist() == pytest.approx([100.0, 30.0, 20.0])


def test_written_files_get_the_usual_permissions(tmp_path, tiny):
    """Atomic writes go through mkstemp (owner-only); the published file must not stay 0600."""
    import stat

    from geo.atomic import _umask

    ws = Workspace(tmp_path / "w.gpkg")
    ws.write(tiny)
    want = 0o666 & ~_umask()
    assert stat.S_IMODE(os.stat(ws.path).st_mode) == want
    copy = Workspace(tmp_path / "copy.gpkg")
    copy.copy_from(ws)
    assert stat.S_IMODE(os.stat(copy.path).st_mode) == want


def test_the_rtree_database_of_a_killed_write_is_a_leftover_too(tmp_path, tiny):
    """GDAL builds a large layer's spatial index in "<copy>.tmp_rtree_<layer>.db": a kill then leaves it."""
    path = tmp_path / "w.gpkg"
    Workspace(path).write({"stations": require_valid(tiny["stations"], "stations")})
    left = tmp_path / ".w.gpkg.7bv06tky.tmp.gpkg.tmp_rtree_stations.db"
    left.write_bytes(b"x" * 10)
    other = tmp_path / "notes.tmp_rtree_x.db"  # not this workspace's: kept
    other.write_bytes(b"y")
    found = Workspace(path).remove_leftovers()
    assert found and [p.name for p in found.files] == [left.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.tmp_rtree_x.db", "w.gpkg"]
