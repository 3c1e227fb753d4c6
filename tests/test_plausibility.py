"""Plausibility of imported values (issue 11, item 3): named cases, real files, the real CLI.

Every bad value is either repaired with a note or rejected with its row and
reason, in every format, and ``read = accepted + rejected`` always holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from conftest import ROOT, realdata, tiny_layers
from geo.io.importer import ImportError_, ImportOptions, commit, prepare
from geo.io.plausible import file_swap
from geo.io.store import Workspace
from geo.schema import validate

WHOLE_FILE = "latitude and longitude were swapped in the whole file; fixed"
OUTSIDE_WGS84 = "is outside the area of use of EPSG:4326 (longitude -180 to 180, latitude -90 to 90)"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def accounted(r) -> None:
    assert r.read == len(r.accepted) + len(r.rejected)
    assert r.rejected["row"].notna().all() and (r.rejected["reason"].str.len() > 0).all()


def reasons_by_row(r) -> dict[int, str]:
    return dict(zip(r.rejected["row"].astype(int), r.rejected["reason"], strict=True))


def feature_collection(path: Path, geometries: list[dict], names: list[str]) -> Path:
    features = [{"type": "Feature", "properties": {"name": n}, "geometry": g}
                for n, g in zip(names, geometries, strict=True)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def hostile_points(path: Path) -> Path:
    """Row 1 good; 2 at (1e308, 1e308); 3 at longitude 200; 4 UTM metres read as degrees."""
    pts = [[74.6, 42.87], [1e308, 1e308], [200.0, 42.87], [480000.0, 4740000.0]]
    return feature_collection(path, [{"type": "Point", "coordinates": p} for p in pts], ["A", "B", "C", "D"])


# --- coordinates inside their CRS's area of use, every format -----------------

def test_geojson_points_outside_wgs84_rejected_with_row_and_reason(tmp_path):
    r = prepare(hostile_points(tmp_path / "stations.geojson"), "stations")
    accounted(r)
    assert r.read == 4 and r.accepted["name"].tolist() == ["A"]
    got = reasons_by_row(r)
    assert sorted(got) == [2, 3, 4] and (r.rejected["field"] == "geometry").all()
    assert got[2].startswith("coordinate '1e+308, 1e+308' " + OUTSIDE_WGS84)
    assert got[3] == "coordinate '200, 42.87' " + OUTSIDE_WGS84
    assert got[4].startswith("coordinate '480000, 4.74e+06' " + OUTSIDE_WGS84)
    assert "look like metres" in got[4] and "look like metres" not in got[3]


def test_geopackage_lines_any_vertex_checked(tmp_path):
    roads = gpd.GeoDataFrame(
        {"name": ["ok", "inf", "lat 95"]},
        geometry=[shapely.LineString([(74.6, 42.8), (74.7, 42.8)]),
                  shapely.LineString([(74.6, 42.8), (74.65, 42.8), (np.inf, 42.8)]),
                  shapely.LineString([(74.6, 42.8), (74.7, 95.0)])], crs=4326)
    path = tmp_path / "roads.gpkg"
    roads.to_file(path, layer="roads")  # pyogrio writes the file; GDAL reads it back
    r = prepare(path, "roads")
    accounted(r)
    got = reasons_by_row(r)
    assert r.accepted["name"].tolist() == ["ok"]
    assert got[2] == "not a finite coordinate 'inf, 42.8'"
    assert got[3] == "coordinate '74.7, 95' " + OUTSIDE_WGS84


def test_geojson_polygon_with_one_far_vertex_rejected(tmp_path):
    ring_ok = [[74.6, 42.8], [74.7, 42.8], [74.7, 42.9], [74.6, 42.9], [74.6, 42.8]]
    ring_bad = [[74.6, 42.8], [74.7, 42.8], [740.0, 42.9], [74.6, 42.9], [74.6, 42.8]]
    path = feature_collection(tmp_path / "units.geojson",
                              [{"type": "Polygon", "coordinates": [ring_ok]},
                               {"type": "Polygon", "coordinates": [ring_bad]}], ["good", "bad"])
    r = prepare(path, "boundaries")
    accounted(r)
    assert r.accepted["name"].tolist() == ["good"]
    assert reasons_by_row(r) == {2: "coordinate '740, 42.9' " + OUTSIDE_WGS84}
    assert len(r.repaired) == 0  # the bad shape was rejected before make_valid could "repair" it


def test_zipped_shapefile_in_utm_outside_its_area_or_in_degrees(tmp_path):
    x, y = Transformer.from_crs(4326, 32643, always_xy=True).transform([74.60, 74.62], [42.87, 42.88])
    pts = gpd.GeoDataFrame({"name": ["ok", "ok2", "far", "degrees"]},
                           geometry=gpd.points_from_xy([x[0], x[1], 1e12, 74.6], [y[0], y[1], y[0], 42.87]),
                           crs=32643)
    shp = tmp_path / "shp"
    shp.mkdir()
    pts.to_file(shp / "stations.shp")
    path = tmp_path / "stations.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in shp.iterdir():
            z.write(f, f.name)
    r = prepare(path, "stations")
    accounted(r)
    got = reasons_by_row(r)
    assert r.accepted["name"].tolist() == ["ok", "ok2"]
    assert got[3].startswith("coordinate '1e+12, 4.7") and "outside the area of use of EPSG:32643" in got[3]
    assert "72°E to 78°E, 0°N to 84°N, with a 5° margin" in got[3]
    assert got[4] == ("coordinate '74.6, 42.87' looks like longitude/latitude in degrees, but EPSG:32643 is in "
                      "metres; check the file's CRS")
    assert np.allclose(r.accepted.geometry.x, [74.60, 74.62])  # the good rows land where they belong


def test_kml_station_at_longitude_200_rejected(tmp_path):
    path = tmp_path / "stations.kml"
    marks = [("Good", "74.6,42.87"), ("Lon 200", "200,42.87"), ("UTM", "480000,4740000")]
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                    + "".join(f"<Placemark><name>{n}</name><Point><coordinates>{c}</coordinates></Point></Placemark>"
                              for n, c in marks) + "</Document></kml>", encoding="utf-8")
    r = prepare(path, "stations")
    accounted(r)
    assert r.accepted["name"].tolist() == ["Good"]
    got = reasons_by_row(r)
    assert got[2] == "coordinate '200, 42.87' " + OUTSIDE_WGS84
    assert OUTSIDE_WGS84 in got[3]


def test_csv_with_a_given_projected_crs_is_checked_too(tmp_path):
    x, y = Transformer.from_crs(4326, 32643, always_xy=True).transform([74.60, 74.62, 74.61], [42.87, 42.88, 42.86])
    path = tmp_path / "utm.csv"
    path.write_text("id,date,type,x,y\n" + f"1,2016-01-01,ДТП,{x[0]:.1f},{y[0]:.1f}\n"
                    f"2,2016-01-01,ДТП,{x[1]:.1f},{y[1]:.1f}\n3,2016-01-01,ДТП,{x[2]:.1f},{y[2]:.1f}\n"
                    f"4,2016-01-01,ДТП,1e12,{y[0]:.1f}\n", encoding="utf-8")
    r = prepare(path, "incidents", options=ImportOptions(crs=32643))
    accounted(r)
    assert r.accepted["id"].tolist() == ["1", "2", "3"]
    assert r.rejected["row"].tolist() == [4] and r.rejected["field"].tolist() == ["coordinates"]
    assert "outside the area of use of EPSG:32643" in r.rejected["reason"].iloc[0]


def test_validate_rejects_a_stored_point_outside_the_area_of_use(tiny):
    inc = tiny["incidents"].copy()
    inc.loc[3, "geometry"] = shapely.Point(200.0, 42.0)  # as an old workspace may hold it
    v = validate(inc, "incidents")
    assert v.rejected["row"].tolist() == [4]
    assert v.rejected["reason"].iloc[0] == ("coordinates are outside the area of use of EPSG:4326 "
                                            "(longitude -180 to 180, latitude -90 to 90)")
    assert len(v.accepted) == len(inc) - 1


# --- a whole file with latitude and longitude swapped ---------------------------

def test_whole_csv_swapped_under_its_headers_is_repaired(tmp_path):
    rows = [f"{i},2016-01-01,кража,{74.55 + i * 0.01:.4f},{42.82 + i * 0.005:.4f}" for i in range(20)]
    path = tmp_path / "swapped.csv"
    path.write_text("id,date,type,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = prepare(path, "incidents")
    accounted(r)
    assert len(r.accepted) == 20 and len(r.rejected) == 0
    assert np.allclose(r.accepted.geometry.x, [74.55 + i * 0.01 for i in range(20)])  # longitude, not 42.8
    assert np.allclose(r.accepted.geometry.y, [42.82 + i * 0.005 for i in range(20)])
    assert len(r.repaired) == 20 and (r.repaired["repaired"] == WHOLE_FILE).all()
    assert any("swapped in the whole file" in n and "Kyrgyzstan" in n for n in r.summary["notes"])


def test_latitudes_beyond_90_in_the_whole_column_are_swapped(tmp_path):
    # eastern China / Russian Far East: the longitudes 120-135, written under "lat"
    rows = [f"{i},2016-01-01,theft,{120 + i * 0.5},{30 + i * 0.4}" for i in range(30)]
    path = tmp_path / "east.csv"
    path.write_text("id,date,type,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = prepare(path, "incidents")
    accounted(r)
    assert len(r.accepted) == 30
    assert np.allclose(r.accepted.geometry.x, [120 + i * 0.5 for i in range(30)])
    assert "beyond ±90" in r.summary["coordinates"]["file_swapped"]


def test_real_chicago_is_not_swapped_and_its_swapped_copy_is_repaired(tmp_path):
    src = realdata("chicago", "crimes_2014_09.csv")
    plain = prepare(src, "incidents")
    assert plain.summary["coordinates"]["file_swapped"] == ""
    assert not plain.repaired["repaired"].str.contains("whole file").any()
    assert len(plain.rejected) == 775  # only the rows without coordinates, as before

    text = src.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    assert header.endswith("Latitude,Longitude")
    swapped = tmp_path / "chicago_swapped.csv"  # the values stay, the headers change places
    swapped.write_text(header.replace("Latitude,Longitude", "Longitude,Latitude") + "\n" + rest, encoding="utf-8")
    r = prepare(swapped, "incidents")
    accounted(r)
    assert len(r.accepted) == len(plain.accepted) and len(r.rejected) == 775
    assert "nobody lives" in r.summary["coordinates"]["file_swapped"]  # as given: latitude -87.6, Antarctica
    a, b = plain.accepted.set_index("id").geometry, r.accepted.set_index("id").geometry
    assert np.allclose(a.x, b.loc[a.index].x) and np.allclose(a.y, b.loc[a.index].y)


def kyrgyz_points() -> gpd.GeoDataFrame:
    g = gpd.read_file(realdata("kyrgyzstan_wfp_prism", "hotosm_kgz_health_facilities_points_geojson.json"))
    return g[g["name"].notna()].reset_index(drop=True)[["name", "geometry"]]


def test_real_kyrgyz_points_kept_and_swapped_copies_repaired_in_csv_and_geojson(tmp_path):
    g = kyrgyz_points()
    lon, lat = g.geometry.x.to_numpy(), g.geometry.y.to_numpy()
    assert lon.min() < 70 and lon.max() > 78 and lat.min() < 40  # the whole country, 69-80°E, 39-43°N

    right = tmp_path / "facilities.csv"
    pd.DataFrame({"name": g["name"], "lat": lat, "lon": lon}).to_csv(right, index=False)
    r = prepare(right, "stations")
    assert r.summary["coordinates"]["file_swapped"] == "" and len(r.accepted) == len(g)
    assert np.allclose(r.accepted.geometry.x, lon)

    wrong = tmp_path / "facilities_swapped.csv"
    pd.DataFrame({"name": g["name"], "lat": lon, "lon": lat}).to_csv(wrong, index=False)
    r = prepare(wrong, "stations")
    accounted(r)
    assert len(r.accepted) == len(g) and np.allclose(r.accepted.geometry.x, lon)
    assert (r.repaired["repaired"] == WHOLE_FILE).sum() >= len(g) - 5

    gj = tmp_path / "facilities_swapped.geojson"  # GeoJSON written [lat, lon]
    g.assign(geometry=shapely.transform(g.geometry.to_numpy(), lambda c: c[:, ::-1])).to_file(gj)
    r = prepare(gj, "stations")
    accounted(r)
    assert len(r.accepted) == len(g) and np.allclose(r.accepted.geometry.x, lon)
    assert any("swapped in the whole file" in n for n in r.summary["notes"])


def test_real_polygons_are_not_swapped():
    for path in (realdata("kyrgyzstan_geoboundaries", "geoBoundaries-KGZ-ADM2_from_repo.geojson"),
                 realdata("chicago", "community_areas_city_portal.geojson")):
        r = prepare(path, "boundaries")
        assert len(r.rejected) == 0 and not any("swapped" in n for n in r.summary["notes"])


def test_file_swap_needs_strong_evidence():
    # legitimate extents, as given: never swapped
    assert file_swap(np.array([-87.9, -87.5]), np.array([41.6, 42.0])) == (False, "")  # Chicago
    assert file_swap(np.array([69.5, 80.2]), np.array([39.3, 43.2])) == (False, "")  # Kyrgyzstan
    assert file_swap(np.array([33.08, 33.1]), np.array([68.97, 68.98])) == (False, "")  # Murmansk
    assert file_swap(np.array([15.6, 15.7]), np.array([78.2, 78.25])) == (False, "")  # Longyearbyen
    assert file_swap(np.array([2.30, 2.40]), np.array([48.80, 48.90])) == (False, "")  # Paris
    # one swapped row among good ones is the per-row test's job, not a whole-file swap
    assert file_swap(np.array([74.6] * 19 + [42.8]), np.array([42.8] * 19 + [74.6]))[0] is False


def paris_rows(swapped: bool) -> str:
    rows = []
    for i in range(12):
        lat, lon = 48.82 + i * 0.006, 2.28 + i * 0.008
        a, b = (lon, lat) if swapped else (lat, lon)
        rows.append(f"{i},2016-01-01,vol,{a:.4f},{b:.4f}")
    return "id,date,type,lat,lon\n" + "\n".join(rows) + "\n"


def test_study_area_tells_a_swap_nothing_else_can(tmp_path):
    # Paris swapped lands off Somalia: plausible on its own, so only the workspace's boundaries tell
    path = tmp_path / "paris.csv"
    path.write_text(paris_rows(swapped=True), encoding="utf-8")
    alone = prepare(path, "incidents")
    assert alone.summary["coordinates"]["file_swapped"] == "" and alone.accepted.geometry.y.max() < 3

    ws = Workspace(tmp_path / "paris.gpkg")
    ws.write({"boundaries": gpd.GeoDataFrame({"name": ["Paris"], "population": [2_100_000]},
                                             geometry=[shapely.box(2.22, 48.81, 2.47, 48.91)], crs=4326)})
    r = prepare(path, "incidents", workspace=ws)
    accounted(r)
    assert "workspace's boundaries" in r.summary["coordinates"]["file_swapped"]
    assert np.allclose(r.accepted.geometry.y, [48.82 + i * 0.006 for i in range(12)])
    assert r.summary["outside_study_area"] == 0

    right = tmp_path / "paris_right.csv"
    right.write_text(paris_rows(swapped=False), encoding="utf-8")
    r = prepare(right, "incidents", workspace=ws)
    assert r.summary["coordinates"]["file_swapped"] == "" and len(r.repaired) == 0


# --- inside the study area's envelope, else a warning -------------------------

def bishkek_workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "bishkek.gpkg")
    ws.write({"boundaries": tiny_layers()["boundaries"]})  # 74.60-74.62°E, 42.83-42.86°N
    return ws


def far_incidents(path: Path) -> Path:
    rows = ["1,2016-01-01,кража,42.850,74.605", "2,2016-01-01,кража,42.852,74.610", "3,2016-01-01,кража,42.840,74.615",
            "4,2016-01-01,кража,42.850,74.990",  # ~30 km east: near enough
            "5,2016-01-01,кража,40.530,72.800",  # Osh, ~300 km away
            "6,2016-01-01,кража,41.880,-87.630"]  # Chicago
    path.write_text("id,date,type,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_rows_far_outside_the_boundaries_are_kept_with_a_warning(tmp_path):
    ws = bishkek_workspace(tmp_path)
    r = prepare(far_incidents(tmp_path / "far.csv"), "incidents", workspace=ws)
    accounted(r)
    assert len(r.accepted) == 6 and len(r.rejected) == 0  # kept: a warning, not a rejection
    assert r.summary["outside_study_area"] == 2
    note = next(n for n in r.summary["notes"] if "outside the workspace's boundaries" in n)
    assert note.startswith("2 of the 6 incidents lie more than 50 km outside the workspace's boundaries")
    assert "row(s) 5, 6" in note and "the farthest, row 6" in note and "41.88°N, 87.63°W" in note
    assert r.summary["coordinates"]["file_swapped"] == ""  # far rows are no reason to swap the file

    alone = prepare(far_incidents(tmp_path / "far2.csv"), "incidents")  # no workspace: nothing to compare
    assert alone.summary["outside_study_area"] == 0


def test_real_chicago_inside_its_community_areas_no_warning(tmp_path):
    ws = Workspace(tmp_path / "chicago.gpkg")
    ws.write({"boundaries": prepare(realdata("chicago", "community_areas_city_portal.geojson"),
                                    "boundaries").accepted})
    r = prepare(realdata("chicago", "crimes_2014_09.csv"), "incidents", workspace=ws)
    assert r.summary["outside_study_area"] == 0
    assert r.summary["coordinates"]["file_swapped"] == "" and len(r.rejected) == 775


# --- numbers within declared ranges --------------------------------------------

def test_weight_of_1e308_rejected_negative_rejected_inf_left_empty(tmp_path):
    path = tmp_path / "weights.csv"
    path.write_text("id,date,type,lat,lon,weight\n1,2016-01-01,кража,42.85,74.60,2\n"
                    "2,2016-01-01,кража,42.85,74.61,1e308\n3,2016-01-01,кража,42.85,74.62,-1\n"
                    "4,2016-01-01,кража,42.85,74.63,inf\n5,2016-01-01,кража,42.85,74.64,1000000\n", encoding="utf-8")
    r = prepare(path, "incidents")
    accounted(r)
    assert reasons_by_row(r) == {2: "weight is above 1,000,000", 3: "weight is below 0"}
    acc = r.accepted.set_index("id")
    assert acc.loc["1", "weight"] == 2 and acc.loc["5", "weight"] == 1e6 and pd.isna(acc.loc["4", "weight"])
    assert r.repaired.set_index("row").loc[4, "repaired"] == "weight: not a finite number; left empty"


def test_population_of_1e20_rejected_not_a_crash(tmp_path):
    units = gpd.GeoDataFrame({"name": ["A", "B", "C"], "population": [1e20, 12_000.0, -5.0]},
                             geometry=[shapely.box(74.6, 42.8, 74.7, 42.9), shapely.box(74.7, 42.8, 74.8, 42.9),
                                       shapely.box(74.8, 42.8, 74.9, 42.9)], crs=4326)
    path = tmp_path / "units.geojson"
    units.to_file(path)
    r = prepare(path, "boundaries")
    accounted(r)
    assert reasons_by_row(r) == {1: "population is above 100,000,000", 3: "population is below 0"}
    assert r.accepted["population"].tolist() == [12_000]


def test_camera_angle_of_1e308_rejected(tmp_path):
    path = tmp_path / "cams.csv"
    path.write_text("name,lat,lon,direction_deg,range_m\nA,42.85,74.60,90,100\nB,42.85,74.61,1e308,100\n"
                    "C,42.85,74.62,45,1e308\n", encoding="utf-8")
    r = prepare(path, "cameras")
    accounted(r)
    assert reasons_by_row(r) == {2: "direction_deg is above 360", 3: "range_m is above 5000"}


# --- an entirely empty category column -----------------------------------------

def test_entirely_empty_category_column_is_a_clear_rejection(tmp_path):
    path = tmp_path / "nocat.csv"
    path.write_text("id,date,type,lat,lon\n1,2016-01-01,,42.85,74.60\n2,2016-01-01,,42.85,74.61\n",
                    encoding="utf-8")
    r = prepare(path, "incidents")
    accounted(r)
    assert (r.rejected["reason"] == "offence type is empty").all() and len(r.rejected) == 2
    with pytest.raises(ImportError_, match=r"nocat.csv: no row could be imported .*offence type is empty"):
        commit(r, Workspace(tmp_path / "w.gpkg"))


# --- the same through the real command line -------------------------------------

def cli_json(path: Path, layer: str, ws: Path) -> dict:
    p = cli("import", layer, str(path), "--workspace", str(ws), "--dry-run", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["read"] == out["accepted"] + out["rejected"] and out["written"] is False
    return out


def test_cli_rejects_implausible_coordinates_and_numbers(tmp_path):
    ws = tmp_path / "w.gpkg"
    out = cli_json(hostile_points(tmp_path / "stations.geojson"), "stations", ws)
    assert (out["read"], out["accepted"], out["rejected"]) == (4, 1, 3)
    assert sum(n for k, n in out["reasons"].items() if "outside the area of use of EPSG:" in k) == 3

    units = gpd.GeoDataFrame({"name": ["A", "B"], "population": [1e20, 12_000.0]},
                             geometry=[shapely.box(74.6, 42.8, 74.7, 42.9), shapely.box(74.7, 42.8, 74.8, 42.9)],
                             crs=4326)
    units.to_file(tmp_path / "units.geojson")
    out = cli_json(tmp_path / "units.geojson", "boundaries", ws)
    assert (out["accepted"], out["rejected"]) == (1, 1) and list(out["reasons"]) == ["population is above N,N,N"]

    p = cli("import", "stations", str(tmp_path / "stations.geojson"), "--workspace", str(ws), "--dry-run")
    assert p.returncode == 0, p.stderr
    assert "first rejected: row 2, geometry: coordinate '1e+308, 1e+308' " + OUTSIDE_WGS84 in p.stdout
    assert not ws.exists()  # a dry run writes nothing


def test_cli_repairs_a_swapped_file_and_warns_about_far_rows(tmp_path):
    rows = [f"{i},2016-01-01,кража,{74.55 + i * 0.01:.4f},{42.82 + i * 0.005:.4f}" for i in range(10)]
    path = tmp_path / "swapped.csv"
    path.write_text("id,date,type,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = cli_json(path, "incidents", tmp_path / "none.gpkg")
    assert (out["read"], out["accepted"], out["repaired"], out["rejected"]) == (10, 10, 10, 0)

    ws = bishkek_workspace(tmp_path)
    p = cli("import", "incidents", str(far_incidents(tmp_path / "far.csv")), "--workspace", str(ws.path))
    assert p.returncode == 0, p.stderr
    assert "note: 2 of the 6 incidents lie more than 50 km outside the workspace's boundaries" in p.stdout
    assert len(ws.read("incidents")) == 6  # written, all of them


def test_cli_empty_category_column_is_one_clear_error(tmp_path):
    path = tmp_path / "nocat.csv"
    path.write_text("id,date,type,lat,lon\n1,2016-01-01,,42.85,74.60\n", encoding="utf-8")
    out = cli_json(path, "incidents", tmp_path / "w.gpkg")
    assert out["rejected"] == 1 and out["reasons"] == {"offence type is empty": 1}
    p = cli("import", "incidents", str(path), "--workspace", str(tmp_path / "w.gpkg"))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "nocat.csv" in p.stderr and "offence type is empty" in p.stderr
