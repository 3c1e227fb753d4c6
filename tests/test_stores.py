"""One workspace API, two stores: the GeoPackage file and PostGIS answer alike.

Every test here runs on both (``new_store`` is parametrised in conftest); PostGIS is a real throwaway
cluster (tests/pg_cluster.py). Copies between the stores are lossless: every table, row, value and the
metadata come back equal.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from conftest import ROOT
from geo.io.importer import import_file
from geo.io.store import WorkspaceError
from geo.io.workspaces import copy_workspace, list_municipalities, open_workspace, with_schema

DEMO = ROOT / "data" / "demo" / "demo.gpkg"


def points(n: int, *, start: int = 0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"i{k}" for k in range(start, start + n)],
                             "occurred_at": pd.date_range("2016-01-01", periods=n, freq="D"),
                             "weight": np.arange(n, dtype=float)},
                            geometry=[Point(74.5 + k * 0.01, 42.8) for k in range(n)], crs="EPSG:4326")


def same_tables(a, b) -> None:
    """Every table of ``a`` is in ``b`` with the same rows in the same order and the same values."""
    assert a.tables() == b.tables()
    for name in a.tables():
        x, y = a.read_table(name), b.read_table(name)
        assert list(x.columns) == list(y.columns), name
        assert len(x) == len(y), name
        for col in x.columns:
            if isinstance(x, gpd.GeoDataFrame) and col == x.geometry.name:
                assert x.geometry.geom_equals_exact(y.geometry, tolerance=0).all(), name
                assert x.crs == y.crs, name
            elif pd.api.types.is_datetime64_any_dtype(x[col]):
                assert (x[col].astype("datetime64[us]").fillna(pd.Timestamp(0))
                        == y[col].astype("datetime64[us]").fillna(pd.Timestamp(0))).all(), (name, col)
            else:
                assert x[col].astype(object).where(x[col].notna(), None).tolist() == \
                    y[col].astype(object).where(y[col].notna(), None).tolist(), (name, col)


def test_write_read_append_meta_and_fingerprints(new_store):
    ws = new_store("w")
    assert not ws.exists and ws.tables() == [] and ws.meta() == {}
    assert len(ws.read("incidents")) == 0 and "occurred_at" in ws.read("incidents").columns  # absent: empty, typed
    ws.write({"incidents": points(3)}, meta={"title": "T"})
    assert ws.exists and ws.tables() == ["incidents", "koopsuz_meta"]
    v1, f1 = ws.version(), ws.fingerprint("incidents")
    assert list(ws.read("incidents")["id"]) == ["i0", "i1", "i2"]
    extra = points(2, start=3).assign(note=["a", "b"])  # a new column: the union of columns afterwards
    ws.write({"incidents": extra}, mode="append", meta={"source": "S"})
    got = ws.read("incidents")
    assert list(got["id"]) == ["i0", "i1", "i2", "i3", "i4"] and got["note"].isna().sum() == 3
    assert ws.meta() == {"title": "T", "source": "S"}
    assert ws.version() != v1 and ws.fingerprint("incidents") != f1
    f2 = ws.fingerprint("incidents")
    ws.write({"stations": points(1)})  # another table: the incidents' fingerprint stays
    assert ws.fingerprint("incidents") == f2 and ws.fingerprint("nothing") == "absent"
    ws.write({"stations": points(2)}, fresh=True)  # only what is given is left
    assert ws.tables() == ["stations"] and ws.meta() == {}


def test_appends_in_place_or_rewritten_keep_every_row_in_order(new_store):
    from shapely.geometry import box

    ws = new_store("w")
    ws.write({"incidents": points(3), "log": pd.DataFrame({"a": [1, 2], "b": ["x", "=y"]})})
    ws.write({"incidents": points(2, start=3), "log": pd.DataFrame({"a": [3], "b": ["z"]})}, mode="append")
    ws.write({"log": pd.DataFrame({"b": ["w"]})}, mode="append")  # fewer columns: the others empty
    log = ws.read_table("log")
    assert log["b"].tolist() == ["x", "=y", "z", "w"] and log["a"].iloc[:3].tolist() == [1, 2, 3]
    assert pd.isna(log["a"].iloc[3])
    other = gpd.GeoDataFrame({"id": ["poly"]}, geometry=[box(74.5, 42.8, 74.6, 42.9)], crs="EPSG:4326")
    ws.write({"incidents": other}, mode="append")  # another geometry type: the table is rewritten, nothing lost
    got = ws.read("incidents")
    assert got["id"].tolist() == ["i0", "i1", "i2", "i3", "i4", "poly"]
    assert got.geometry.iloc[-1].geom_type == "Polygon" and got.geometry.iloc[0].geom_type == "Point"


def test_a_failed_write_changes_nothing(new_store):
    ws = new_store("w")
    ws.write({"incidents": points(3)}, meta={"title": "T"})
    before = ws.version()
    nocrs = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)])
    with pytest.raises(ValueError, match="has no CRS"):
        ws.write({"incidents": points(1), "stations": nocrs})
    assert ws.version() == before and len(ws.read("incidents")) == 3 and not ws.has("stations")


def test_reads_of_an_area_and_period_are_filtered_by_the_store(new_store):
    ws = new_store("w")
    frame = points(40)
    ws.write({"incidents": frame})
    bbox = (74.6, 42.7, 74.8, 42.9)
    got = ws.read("incidents", bbox=bbox, start="2016-01-15", end="2016-02-01")
    want = frame.cx[74.6:74.8, 42.7:42.9]
    want = want[(want["occurred_at"] >= "2016-01-15") & (want["occurred_at"] < "2016-02-01")]
    assert list(got["id"]) == list(want["id"]) and 0 < len(got) < len(frame)


def test_the_demo_copies_into_postgis_and_back_losslessly(pg, tmp_path):
    imported = tmp_path / "with_imports.gpkg"
    open_workspace(imported).copy_from(open_workspace(DEMO))
    csv = tmp_path / "reg.csv"  # rejected rows, an import log and a category map as well as the demo's layers
    csv.write_text("id,date,type,lat,lon\n1,2016-03-01 10:00,Кража,42.87,74.6\n2,2016-03-01 10:00,Грабеж,north,74.6\n"
                   "3,2016-03-02 11:00,Хулиганство,42.88,74.61\n", encoding="utf-8")
    import_file(csv, "incidents", open_workspace(imported), mode="append")
    url = with_schema(pg.url, "roundtrip")
    p = subprocess.run([sys.executable, "-m", "geo", "workspace", "copy", str(imported), url, "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    copied = json.loads(p.stdout)["tables"]
    demo_rows = len(open_workspace(DEMO).read("incidents"))
    assert copied["incidents"] == demo_rows + 2 and copied["rejected_incidents"] == 1 and copied["import_log"] == 1, copied
    same_tables(open_workspace(imported), open_workspace(url))
    assert open_workspace(url).meta() == open_workspace(imported).meta()
    back = tmp_path / "back.gpkg"
    p = subprocess.run([sys.executable, "-m", "geo", "workspace", "copy", url, str(back)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    same_tables(open_workspace(imported), open_workspace(back))
    # PostGIS keeps the geometries indexed, and each table has a key QGIS can edit by
    engine = sa.create_engine(pg.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as con:
        indexed = con.execute(sa.text("SELECT count(*) FROM pg_indexes WHERE schemaname = 'roundtrip' "
                                      "AND indexdef LIKE '%USING gist%'")).scalar()
        keys = con.execute(sa.text("SELECT count(*) FROM information_schema.table_constraints WHERE "
                                   "table_schema = 'roundtrip' AND constraint_type = 'PRIMARY KEY'")).scalar()
    engine.dispose()
    # a spatial index on each layer (the five and the interventions); a key on every table
    assert indexed == 6 and keys == len(open_workspace(url).tables()) + 2  # + the store's two bookkeeping tables


def test_municipalities_are_schemas_or_files(pg, tmp_path):
    pg.reset()  # other tests' schemas would be listed too
    for key in ("bishkek", "jeti-oguz"):
        copy_workspace(DEMO, with_schema(pg.url, key))
        copy_workspace(DEMO, tmp_path / f"{key}.gpkg")
    assert [m.key for m in list_municipalities(pg.url)] == ["bishkek", "jeti-oguz"]
    assert [m.key for m in list_municipalities(tmp_path)] == ["bishkek", "jeti-oguz"]
    with pytest.raises(ValueError, match="name the municipality's workspace"):
        open_workspace(pg.url)
    with pytest.raises(ValueError, match="cannot name a municipality"):
        open_workspace(with_schema(pg.url, "Drop Table"))


def test_an_unreachable_database_says_so_within_seconds():
    t0 = time.monotonic()
    ws = open_workspace("postgresql://nobody@127.0.0.1:9/none?schema=x")  # nothing listens on port 9
    with pytest.raises(WorkspaceError, match=r"127\.0\.0\.1"):
        ws.read("incidents")
    assert time.monotonic() - t0 < 15
    assert "secret" not in repr(open_workspace("postgresql://u:secret@127.0.0.1:9/none?schema=x"))


KILLS = 40  # kill moments spread over 0.8-2.6 s: both sides of the commit are hit (asserted below)


def test_killed_imports_leave_postgis_as_before_or_after(pg, tmp_path):
    """Imports killed at random moments: each time the workspace reads whole, equal to before or after.

    The imports replace the layer with one of two files in turn (20,000 or 15,000 rows); the layer and the
    import log change in one transaction, so the log has one entry per import that landed, never more or less.
    """
    url = with_schema(pg.url, "kills")
    ws = open_workspace(url)
    ws.write({"incidents": points(5)}, meta={"title": "kills"})
    files = []
    for name, n in (("a", 20_000), ("b", 15_000)):
        rows = "".join(f"{name}{i},2016-03-01 10:00,Кража,{42.8 + (i % 1000) * 1e-4:.4f},74.6\n" for i in range(n))
        files.append((tmp_path / f"{name}.csv", n))
        files[-1][0].write_text("id,date,type,lat,lon\n" + rows, encoding="utf-8")
    rng = np.random.default_rng(7)
    landed = 0
    for k in range(KILLS):
        before = len(ws.read("incidents"))
        path, n = files[k % 2]
        proc = subprocess.Popen([sys.executable, "-m", "geo", "import", "incidents", str(path), "--workspace", url],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(float(rng.uniform(0.8, 2.6)))  # from before the file is read to after the write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with ws.snapshot():
            after, log, meta = len(ws.read("incidents")), ws.read_table("import_log"), ws.meta()
        assert meta["title"] == "kills" and len(log) in (landed, landed + 1), f"kill {k}: {len(log)} log entries"
        if len(log) == landed + 1:  # this import committed: its rows and its log entry, together
            landed += 1
            assert after == n and int(log["accepted"].iloc[-1]) == n, f"kill {k}: {after} rows, the file {n}"
        else:  # killed before its commit: nothing of it
            assert after == before, f"kill {k}: {after} rows, {before} before"
    assert 0 < landed < KILLS  # the kills fell both before and after the commit


def test_a_snapshot_taken_during_a_write_reads_the_write_whole(pg):
    """A page's snapshot that starts while an import replaces the layer and the metadata reads them after it.

    PostgreSQL replaces a table by DROP and CREATE, which a repeatable-read snapshot taken before the commit
    would read as an empty table (and the metadata as none): the snapshot must wait for the write instead.
    """
    import threading

    ws = open_workspace(with_schema(pg.url, "during"))
    ws.write({"incidents": points(5)}, meta={"title": "old"})
    written, go, seen = threading.Event(), threading.Event(), {}

    def writer() -> None:
        with ws.locked():
            ws.write({"incidents": points(9)}, meta={"title": "new"})
            written.set()
            go.wait(30)

    def reader() -> None:
        with ws.snapshot():
            seen.update(meta=ws.meta(), rows=len(ws.read("incidents")))

    w = threading.Thread(target=writer)
    w.start()
    assert written.wait(30)
    r = threading.Thread(target=reader)
    r.start()
    time.sleep(1.0)  # the reader has started, and waits
    go.set()
    w.join(30)
    r.join(30)
    assert seen == {"meta": {"title": "new"}, "rows": 9}
