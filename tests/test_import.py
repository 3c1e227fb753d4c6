"""Import of real and hostile files: every row accounted for, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, realdata
from geo.io.importer import ImportError_, ImportOptions, commit, import_file, prepare
from geo.io.readers import ReadError, read_table
from geo.io.mapping import auto_map
from geo.io.store import Workspace
from geo.schema import CATEGORIES


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def assert_accounted(result) -> None:
    assert len(result.accepted) + len(result.rejected) == result.read
    assert (result.rejected["reason"].astype(str).str.len() > 0).all()
    assert result.rejected["row"].notna().all()


# --- real files -------------------------------------------------------------

@pytest.fixture(scope="module")
def chicago_crimes():
    return prepare(realdata("chicago", "crimes_2014_09.csv"), "incidents")


def test_chicago_incidents_every_row_accounted_for(chicago_crimes):
    r = chicago_crimes
    assert r.read == 22_334
    assert_accounted(r)
    assert len(r.rejected) == 775  # the rows without coordinates, and only those
    raw = pd.read_csv(realdata("chicago", "crimes_2014_09.csv"), dtype=str)
    no_xy = set(np.flatnonzero(raw["Latitude"].isna().to_numpy()) + 1)
    assert set(r.rejected["row"].astype(int)) == no_xy
    assert (r.rejected["field"] == "coordinates").all()


def test_chicago_mixed_date_formats_all_read_as_september(chicago_crimes):
    when = chicago_crimes.accepted["occurred_at"]
    assert when.min() >= pd.Timestamp("2014-09-01") and when.max() < pd.Timestamp("2014-10-01")
    # ID 9800785 "09/30/2014 12:00:00 AM" -> midnight of the 30th
    row = chicago_crimes.accepted.set_index("id").loc["9800785"]
    assert row["occurred_at"] == pd.Timestamp("2014-09-30 00:00")
    per_day = when.dt.day.value_counts()
    assert per_day.loc[range(1, 30)].min() > 500  # every day 1-29 has its incidents (year/day/month rows)
    assert chicago_crimes.summary["dates"]  # formats and order reported


def test_chicago_categories_keep_raw_labels(chicago_crimes):
    acc = chicago_crimes.accepted
    # the default list: the Kyrgyz plan's priorities and the registries' offence families (tests/test_categories.py)
    assert set(acc["category"]) <= set(CATEGORIES)
    assert (acc.loc[acc["raw_category"] == "BURGLARY", "category"] == "burglary").all()
    assert (acc.loc[acc["raw_category"] == "MOTOR VEHICLE THEFT", "category"] == "vehicle_crime").all()
    assert acc["raw_category"].nunique() == 29


def test_chicago_stations_with_embedded_newlines():
    r = prepare(realdata("chicago", "police_stations.csv"), "stations")
    assert r.read == 23 and len(r.accepted) == 23 and len(r.rejected) == 0
    assert "Headquarters" in set(r.accepted["name"])
    assert r.accepted["address"].str.contains("Michigan").any()


def test_chicago_community_areas_invalid_geometries_repaired():
    path = realdata("chicago", "community_areas_pop2000_2010.geojson")
    invalid = (~gpd.read_file(path).is_valid).sum()
    assert invalid > 0
    r = prepare(path, "boundaries")
    assert_accounted(r)
    assert len(r.accepted) == 77 and len(r.rejected) == 0
    assert len(r.repaired) == invalid
    assert r.repaired["repaired"].str.contains("make_valid").all()
    assert r.accepted.is_valid.all()
    assert int(r.accepted["population"].sum()) == 2_695_598  # POP2010


def test_kyrgyz_rayons_keep_cyrillic_names(new_store):
    r = prepare(realdata("kyrgyzstan_wfp_prism", "District_KRYG.json"), "boundaries")
    assert r.read == 40 and len(r.accepted) == 40
    ws = new_store("w")
    commit(r, ws)
    back = ws.read("boundaries")
    src = gpd.read_file(realdata("kyrgyzstan_wfp_prism", "District_KRYG.json"))
    assert sorted(back["name_ru"]) == sorted(src["Adm2_RU"])
    assert sorted(back["name_ky"]) == sorted(src["Adm2_KR"])
    assert any("Ж" in n or "ы" in n for n in back["name_ky"])


# --- Kyrgyz registry export -------------------------------------------------

RU_CSV = (
    "№;Дата совершения;Время;Статья;Фабула;Широта;Долгота\n"
    "1;03.04.2016;14:30;Хулиганство (ст. 234 УК КР);Драка у рынка;42,8746;74,5698\n"
    "2;15.04.2016;09:05;Кража с проникновением в жилище;Из квартиры похищено имущество;42,8901;74,6612\n"
    "3;01.05.2016;23:10;ДТП с пострадавшими;Наезд на пешехода;42,8801;74,6012\n"
    "4;31.02.2016;10:00;Кража скота;Угнан скот;42,9000;74,7000\n"
    "5;02.05.2016;;Мошенничество;<b>жирный</b> <script>alert(1)</script>;0;0\n"
)


def test_cp1251_csv_with_russian_headers(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(RU_CSV.encode("cp1251"))
    r = prepare(path, "incidents")
    assert r.summary["encoding"] == "cp1251" and r.summary["delimiter"] == ";"
    assert r.mapping["date"] == "Дата совершения" and r.mapping["lat"] == "Широта"
    assert r.mapping["category"] == "Статья" and r.mapping["time"] == "Время"
    assert_accounted(r)
    acc = r.accepted.set_index("id")
    assert list(acc.index) == ["1", "2", "3"]
    assert acc.loc["1", "occurred_at"] == pd.Timestamp("2016-04-03 14:30")  # dd.mm.yyyy
    assert list(acc["category"]) == ["public_order", "burglary", "road_traffic"]
    assert acc.loc["1", "raw_category"] == "Хулиганство (ст. 234 УК КР)"
    assert acc.geometry.y.round(4).tolist() == [42.8746, 42.8901, 42.8801]  # decimal commas
    rej = r.rejected.set_index("row")
    assert "31.02.2016" in rej.loc[4, "reason"]
    assert rej.loc[5, "field"] == "coordinates" and "withheld" in rej.loc[5, "reason"]
    assert "<script>alert(1)</script>" in json.loads(rej.loc[5, "raw"])["Фабула"]  # kept verbatim


def test_html_in_text_fields_is_stored_verbatim(tmp_path, new_store):
    path = tmp_path / "html.csv"
    path.write_text("id,date,type,description,lat,lon\n"
                    'a,2016-01-01 10:00,burglary,"<img src=x onerror=alert(1)>",42.87,74.6\n', encoding="utf-8")
    ws = new_store("w")
    import_file(path, "incidents", ws)
    assert ws.read("incidents")["description"].iloc[0] == "<img src=x onerror=alert(1)>"


# --- workspace behaviour ----------------------------------------------------

def small_csv(path: Path, ids: list[str]) -> Path:
    lines = ["id,date,type,lat,lon"] + [f"{i},2016-0{1 + k % 9}-1{k % 9} 10:00,burglary,42.87,74.6{k}"
                                        for k, i in enumerate(ids)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_replace_append_and_duplicate_ids(tmp_path, new_store):
    ws = new_store("w")
    import_file(small_csv(tmp_path / "a.csv", ["a1", "a2"]), "incidents", ws)
    import_file(small_csv(tmp_path / "b.csv", ["b1", "a2"]), "incidents", ws, mode="append")
    inc = ws.read("incidents")
    assert sorted(inc["id"]) == ["a1", "a2", "b1"]
    rej = ws.read_table("rejected_incidents")
    assert list(rej["reason"]) == ["id is already in the workspace"]
    log = ws.read_table("import_log")
    assert list(log["mode"]) == ["replace", "append"] and list(log["read"]) == [2, 2]
    assert list(log["accepted"] + log["rejected"]) == [2, 2]
    import_file(small_csv(tmp_path / "c.csv", ["c1"]), "incidents", ws)
    assert list(ws.read("incidents")["id"]) == ["c1"]


def test_saved_category_mapping_is_used_next_time(tmp_path, new_store):
    ws = new_store("w")
    path = tmp_path / "x.csv"
    path.write_text("id,date,type,lat,lon\n1,2016-01-01,Самоуправство,42.87,74.6\n", encoding="utf-8")
    r = prepare(path, "incidents", workspace=ws)
    assert r.accepted["category"].iloc[0] == "other"
    r = prepare(path, "incidents", workspace=ws, options=ImportOptions(category_map={"Самоуправство": "public_order"}))
    commit(r, ws)
    again = prepare(path, "incidents", workspace=ws)
    assert again.accepted["category"].iloc[0] == "public_order"
    assert again.categories["how"].iloc[0] == "saved"


# --- hostile input: clear errors from the CLI, never a traceback ------------

HOSTILE_CASES = {
    "random.csv": os.urandom(4096),
    "empty.csv": b"",
    "header.csv": b"id,date,type,lat,lon\n",
    "junk.xlsx": b"PK\x03\x04 not really a workbook",
    "junk.gpkg": b"SQLite format 3\x00" + b"\x00" * 200,
    "page.geojson": b"<html><body>404</body></html>",
}


@pytest.mark.parametrize("name", list(HOSTILE_CASES))
def test_hostile_files_give_a_clear_error(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE_CASES[name])
    p = cli("import", "incidents", str(path), "--workspace", str(tmp_path / "w.gpkg"))
    assert p.returncode == 2, p.stdout + p.stderr
    assert "Traceback" not in p.stderr
    assert p.stderr.startswith(f"error: {name}: ")
    assert not (tmp_path / "w.gpkg").exists()


def test_zip_without_shapefile(tmp_path):
    path = tmp_path / "roads.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "no shapefile here")
    p = cli("import", "roads", str(path), "--workspace", str(tmp_path / "w.gpkg"))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "holds no Shapefile (.shp)" in p.stderr and "readme.txt" in p.stderr


def test_wrong_delimiter_is_named(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("id;date;type;lat;lon\n1;2016-01-01;x;42.8;74.6\n", encoding="utf-8")
    p = cli("import", "incidents", str(path), "--delimiter", ",", "--workspace", str(tmp_path / "w.gpkg"))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "delimiter is probably ';'" in p.stderr


def test_nan_and_inf_coordinates_are_rejected_with_reason(tmp_path):
    path = tmp_path / "nan.csv"
    path.write_text("id,date,type,lat,lon\n1,2016-01-01,x,nan,74.6\n2,2016-01-01,x,42.8,inf\n"
                    "3,2016-01-01,x,42.8,74.6\n", encoding="utf-8")
    p = cli("import", "incidents", str(path), "--workspace", str(tmp_path / "w.gpkg"), "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {k: out[k] for k in ("read", "accepted", "rejected")} == {"read": 3, "accepted": 1, "rejected": 2}
    assert sum(out["reasons"].values()) == 2


def test_ragged_rows_are_rejected_not_dropped(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,date,type,lat,lon\n1,2016-01-01,x,42.8,74.6\n2,2016-01-01,x,42.8\n"
                    "3,2016-01-01,x,42.8,74.6,extra\n4,2016-01-02,x,42.8,74.6\n", encoding="utf-8")
    r = prepare(path, "incidents")
    assert_accounted(r)
    assert r.read == 4 and sorted(r.accepted["id"]) == ["1", "4"]
    assert sorted(r.rejected["row"].astype(int)) == [2, 3]
    assert r.rejected["reason"].str.contains("fields, the header has 5").all()


def test_unusable_mapping_is_explained(tmp_path):
    path = small_csv(tmp_path / "a.csv", ["a1"])
    p = cli("import", "incidents", str(path), "--map", "lat=Nope", "--workspace", str(tmp_path / "w.gpkg"))
    assert p.returncode == 2 and "no column 'Nope' to map to lat" in p.stderr


def test_cli_json_summary(tmp_path, new_store):
    path = tmp_path / "registry.csv"
    path.write_bytes(RU_CSV.encode("cp1251"))
    ws = new_store("w")
    p = cli("import", "incidents", str(path), "--workspace", ws.location, "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {"read", "accepted", "repaired", "rejected", "reasons"} <= set(out)
    assert out["read"] == 5 and out["accepted"] == 3 and out["rejected"] == 2
    assert ws.has("rejected_incidents") and len(ws.read_table("rejected_incidents")) == 2
    assert len(ws.read("incidents")) == 3 and list(ws.read_table("import_log")["accepted"]) == [3]


def test_a_million_rows(tmp_path):
    n = 1_000_000
    rng = np.random.default_rng(1)
    day = rng.integers(1, 29, n)
    frame = pd.DataFrame({
        "id": np.arange(n).astype(str),
        "date": [f"{d:02d}.03.2016 10:{m:02d}" for d, m in zip(day, rng.integers(0, 60, n), strict=True)],
        "type": rng.choice(["Кража", "Хулиганство", "ДТП"], n),
        "lat": np.round(42.8 + rng.random(n) * 0.1, 6).astype(str),
        "lon": np.round(74.5 + rng.random(n) * 0.2, 6).astype(str),
    })
    frame.loc[::1000, "lat"] = ""  # 1,000 without coordinates
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    p = cli("import", "incidents", str(path), "--workspace", str(tmp_path / "w.gpkg"), "--json")
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout)
    assert (out["read"], out["accepted"], out["rejected"]) == (n, n - 1000, 1000)
    assert len(Workspace(tmp_path / "w.gpkg").read("incidents")) == n - 1000


def test_killed_import_leaves_previous_workspace(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    import_file(small_csv(tmp_path / "a.csv", ["a1", "a2"]), "incidents", ws)
    n = 300_000
    pd.DataFrame({"id": np.arange(n).astype(str), "date": "2016-01-01 10:00", "type": "Кража",
                  "lat": "42.87", "lon": "74.6"}).to_csv(tmp_path / "big.csv", index=False)
    proc = subprocess.Popen([sys.executable, "-m", "geo", "import", "incidents", str(tmp_path / "big.csv"),
                             "--workspace", str(ws.path)], cwd=ROOT)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".w.gpkg.*.tmp.gpkg")) and time.monotonic() < deadline:
        time.sleep(0.02)  # kill while the new copy is being written
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert sorted(Workspace(ws.path).read("incidents")["id"]) == ["a1", "a2"]
    # the next open removes the killed import's copy (kills inside the write: tests/test_import_kills.py)
    assert Workspace(ws.path).remove_leftovers().files
    assert not list(tmp_path.glob(".w.gpkg.*"))


# --- property-based: the CSV path -------------------------------------------

text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
row = st.fixed_dictionaries({
    "id": st.from_regex(r"[A-Z]{2}-[0-9]{1,6}", fullmatch=True),
    "date": st.datetimes(min_value=pd.Timestamp("1990-01-01").to_pydatetime(),
                         max_value=pd.Timestamp("2030-12-31").to_pydatetime()).map(
        lambda d: d.strftime("%d.%m.%Y %H:%M")),
    "type": st.sampled_from(["Кража", "Хулиганство", "ДТП", "burglary", "другое"]),
    "description": text,
    "lat": st.one_of(st.floats(39.0, 43.5).map(lambda v: f"{v:.6f}"), st.just(""), text),
    "lon": st.one_of(st.floats(69.0, 80.5).map(lambda v: f"{v:.6f}"), st.just(""), text),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=30, unique_by=lambda r: r["id"]),
       delimiter=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig"]))
def test_csv_path_accounts_for_every_row(tmp_path_factory, rows, delimiter, encoding):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=delimiter)
    w.writeheader()
    w.writerows(rows)
    path = tmp_path_factory.mktemp("csv") / "h.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    try:
        r = prepare(path, "incidents")
    except (ReadError, ImportError_) as exc:
        assert str(exc).startswith("h.csv: ") or "h.csv" in str(exc)
        return
    assert_accounted(r)
    by_id = {x["id"]: x for x in rows}
    for rec in r.accepted.itertuples():
        src = by_id[rec.id]
        assert rec.occurred_at.strftime("%d.%m.%Y %H:%M") == src["date"]
        assert ("" if pd.isna(rec.description) else rec.description) == src["description"].strip()
        assert abs(rec.geometry.y - float(src["lat"].replace(",", "."))) < 1e-6 or abs(
            rec.geometry.x - float(src["lat"].replace(",", "."))) < 1e-6  # swapped rows are fixed


def test_auto_mapping_in_three_languages():
    assert auto_map(["Широта", "Долгота", "Дата", "Вид преступления"], "incidents") == {
        "date": "Дата", "category": "Вид преступления", "lat": "Широта", "lon": "Долгота"}
    assert auto_map(["Latitude", "Longitude", "Primary Type", "Date", "ID"], "incidents") == {
        "id": "ID", "date": "Date", "category": "Primary Type", "lat": "Latitude", "lon": "Longitude"}
    got = auto_map(["Кеңдик", "Узундук", "Күнү", "Кылмыш түрү"], "incidents")
    assert got == {"date": "Күнү", "category": "Кылмыш түрү", "lat": "Кеңдик", "lon": "Узундук"}
    assert auto_map(["community", "POP2010", "POP2000"], "boundaries") == {"name": "community",
                                                                           "population": "POP2010"}


def test_read_table_detects_encodings(tmp_path):
    for enc, label in (("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1251", "cp1251")):
        path = tmp_path / f"{label}.csv"
        path.write_bytes("Название;Население\nКара-Балта;47000\n".encode(enc))
        t = read_table(path)
        assert t.encoding == label and t.columns == ["Название", "Население"]
        assert t.frame.iloc[0, 0] == "Кара-Балта"


# --- every reader -----------------------------------------------------------

def stations_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"Название": ["Свердловское РУВД", "Пост Келечек"], "Тип": ["отдел", "пост"],
         "Дата открытия": ["01.03.1998", "01.09.2017"]},
        geometry=gpd.points_from_xy([74.64, 74.661], [42.88, 42.9]), crs=4326)


def test_xlsx_with_dates_as_cells(tmp_path):
    path = tmp_path / "stations.xlsx"
    frame = pd.DataFrame({"Название": ["РУВД", "Пост"], "Широта": [42.88, 42.9], "Долгота": [74.64, 74.661],
                          "Дата открытия": pd.to_datetime(["1998-03-01", "2017-09-01"])})
    frame.to_excel(path, index=False)
    r = prepare(path, "stations")
    assert len(r.accepted) == 2 and len(r.rejected) == 0
    assert list(r.accepted["opened"]) == list(pd.to_datetime(["1998-03-01", "2017-09-01"]))
    assert r.accepted.geometry.x.round(3).tolist() == [74.64, 74.661]


def test_kml_stations(tmp_path):
    path = tmp_path / "stations.kml"
    g = stations_frame().rename(columns={"Название": "Name"})
    g.to_file(path, driver="KML")
    r = prepare(path, "stations")
    assert sorted(r.accepted["name"]) == sorted(g["Name"])
    assert r.accepted.crs.to_epsg() == 4326


def test_zipped_shapefile_with_prj_in_utm(tmp_path):
    roads = gpd.GeoDataFrame({"name": ["Чүй проспектиси"], "fclass": ["primary"], "maxspeed": ["60"]},
                             geometry=gpd.GeoSeries.from_wkt(["LINESTRING (74.55 42.875, 74.68 42.876)"]),
                             crs=4326).to_crs(32643)
    shp = tmp_path / "shp"
    shp.mkdir()
    roads.to_file(shp / "roads.shp", encoding="utf-8")
    path = tmp_path / "roads.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in shp.iterdir():
            z.write(f, f.name)
    r = prepare(path, "roads")
    assert r.summary["crs"] == "EPSG:32643"
    assert r.accepted["name"].tolist() == ["Чүй проспектиси"] and r.accepted["speed_kmh"].tolist() == [60.0]
    assert r.accepted.crs.to_epsg() == 4326  # stored in WGS84
    assert abs(r.accepted.geometry.iloc[0].coords[0][0] - 74.55) < 1e-6


def test_geopackage_with_several_layers_needs_a_choice(tmp_path):
    path = tmp_path / "multi.gpkg"
    stations_frame().to_file(path, layer="police")
    stations_frame().to_file(path, layer="other")
    with pytest.raises(ReadError, match=r"several layers \(police, other\); choose one"):
        prepare(path, "stations")
    r = prepare(path, "stations", options=ImportOptions(source_layer="police"))
    assert len(r.accepted) == 2 and set(r.accepted["kind"]) == {"station", "post"}
    assert r.repaired["repaired"].str.contains("read as").all()  # raw kind words mapped, and said so


def test_date_in_separate_columns(tmp_path):
    path = tmp_path / "parts.csv"
    path.write_text("id,год,месяц,день,час,минута,вид,lat,lon\n1,2016,3,4,22,15,ДТП,42.87,74.6\n"
                    "2,2016,13,4,22,15,ДТП,42.87,74.6\n", encoding="utf-8")
    r = prepare(path, "incidents")
    assert r.accepted["occurred_at"].tolist() == [pd.Timestamp("2016-03-04 22:15")]
    assert r.rejected["row"].tolist() == [2] and "month" in r.rejected["reason"].iloc[0]


def test_projected_coordinates_detected_or_asked_for(tmp_path):
    from pyproj import Transformer

    lon, lat = [74.60, 74.62], [42.87, 42.88]
    kx, ky = Transformer.from_crs(4326, 7694, always_xy=True).transform(lon, lat)
    kyrg = tmp_path / "kyrg06.csv"
    kyrg.write_text("id,date,type,x,y\n" + "".join(f"{i},2016-01-01,ДТП,{x:.2f},{y:.2f}\n"
                                                    for i, (x, y) in enumerate(zip(kx, ky, strict=True))))
    r = prepare(kyrg, "incidents")
    assert "7694" in str(r.summary["crs"])
    assert np.allclose(r.accepted.geometry.x, lon, atol=1e-6) and np.allclose(r.accepted.geometry.y, lat, atol=1e-6)

    ux, uy = Transformer.from_crs(4326, 32643, always_xy=True).transform(lon, lat)
    utm = tmp_path / "utm.csv"
    utm.write_text("id,date,type,x,y\n" + "".join(f"{i},2016-01-01,ДТП,{x:.2f},{y:.2f}\n"
                                                  for i, (x, y) in enumerate(zip(ux, uy, strict=True))))
    r = prepare(utm, "incidents")
    assert len(r.accepted) == 0 and r.rejected["reason"].str.contains("EPSG").all()
    r = prepare(utm, "incidents", options=ImportOptions(crs=32643))
    assert np.allclose(r.accepted.geometry.x, lon, atol=1e-6)


def test_swapped_coordinates_fixed_with_a_note(tmp_path):
    path = tmp_path / "swap.csv"
    rows = [f"{i},2016-01-01,ДТП,42.8{i},74.6{i}" for i in range(8)] + ["9,2016-01-01,ДТП,74.61,42.85"]
    path.write_text("id,date,type,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    r = prepare(path, "incidents")
    assert len(r.accepted) == 9
    fixed = r.accepted.set_index("id").loc["9"].geometry
    assert (round(fixed.x, 2), round(fixed.y, 2)) == (74.61, 42.85)
    assert r.repaired["row"].tolist() == [9] and "swapped" in r.repaired["repaired"].iloc[0]
