"""Imports into one workspace at the same moment: serialised by the workspace's lock, none lost.

Real processes (``python -m geo import``), real files, on both stores: the GeoPackage with a real
``flock``, PostGIS with its advisory lock in a real cluster. Two appends started together both land, a
replace after a concurrent change is refused, a held workspace gives a clear message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT
from geo.io.importer import ImportError_, commit, import_file, prepare
from geo.io.store import WorkspaceError
from geo.io.workspaces import open_workspace

PAIRS = 20


def incidents_csv(path: Path, ids: list[str]) -> Path:
    lines = ["id,date,type,lat,lon"] + [f"{i},2016-03-{k % 28 + 1:02d} 10:00,Кража,{42.85 + k * 0.001:.4f},74.6"
                                        for k, i in enumerate(ids)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stations_csv(path: Path) -> Path:
    path.write_text("name,lat,lon\nPost 1,42.87,74.6\n", encoding="utf-8")
    return path


def geo_import(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "geo", "import", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_twenty_simultaneous_append_pairs_lose_no_row(tmp_path, new_store, store_kind):
    """Each pair: two appends with 5 ids of their own and one in common, started together.

    Both exit 0; the layer holds every id once; the log has exactly what each committed (the first
    6 rows, the second 5 and the shared id rejected with its row number in its own file).
    """
    lost, failures = 0, []
    for k in range(PAIRS):
        folder = tmp_path / f"pair{k}"
        folder.mkdir()
        ws = new_store("w", folder=folder)
        base = set()
        if k % 2:  # half start from a workspace that already has incidents, half from none at all
            base = {f"base{k}-{i}" for i in range(3)}
            import_file(incidents_csv(folder / "base.csv", sorted(base)), "incidents", ws)
        shared = f"s{k}"
        # the shared id is data row 3 of x.csv and data row 6 of y.csv
        x = [f"x{k}-1", f"x{k}-2", shared, f"x{k}-3", f"x{k}-4", f"x{k}-5"]
        y = [f"y{k}-1", f"y{k}-2", f"y{k}-3", f"y{k}-4", f"y{k}-5", shared]
        files = {"x.csv": incidents_csv(folder / "x.csv", x), "y.csv": incidents_csv(folder / "y.csv", y)}
        procs = [geo_import("incidents", str(f), "--mode", "append", "--workspace", ws.location, "--json")
                 for f in files.values()]
        outs = [p.communicate(timeout=300) for p in procs]
        for p, (out, err) in zip(procs, outs, strict=True):
            assert p.returncode == 0, f"pair {k}: {err}"
        printed = [json.loads(out) for out, _ in outs]

        ids = list(ws.read("incidents")["id"].astype(str))
        want = base | set(x) | set(y)
        lost += len(want - set(ids))
        if sorted(ids) != sorted(want):
            failures.append(f"pair {k}: {len(ids)} rows, {len(want - set(ids))} lost, "
                            f"{len(ids) - len(set(ids))} twice")
            continue
        log = ws.read_table("import_log")
        appends = log[log["mode"] == "append"].reset_index(drop=True)
        assert len(log) == len(appends) + (1 if base else 0)
        assert list(appends["accepted"]) == [6, 5], f"pair {k}"
        assert list(appends["rejected"]) == [0, 1] and list(appends["read"]) == [6, 6], f"pair {k}"
        assert int(log["accepted"].sum()) == len(ids), f"pair {k}: the log does not add up to the layer"
        second = appends["source"].iloc[1]
        # what each process printed is what it committed, and matches the log
        assert sorted((p["source"], p["accepted"], p["rejected"]) for p in printed) == sorted(
            zip(appends["source"], appends["accepted"], appends["rejected"], strict=True))
        rej = ws.read_table("rejected_incidents")
        assert len(rej) == 1, f"pair {k}"
        r = rej.iloc[0]
        assert (r["source"], r["reason"], int(r["row"])) == (second, "id is already in the workspace",
                                                             3 if second == "x.csv" else 6)
        assert json.loads(r["raw"])["id"] == shared
        left = {p.name for p in folder.iterdir()} - {"base.csv", "x.csv", "y.csv", "w.gpkg"}  # both stores
        assert not left, f"pair {k}: left beside the workspace: {left}"  # no lock file, no temporary copy
    assert lost == 0 and not failures, "\n".join(failures)


def test_appends_from_two_threads_both_land(tmp_path, new_store):
    """The app's sessions are threads of one process: each holds its own lock on the workspace."""
    ws_path = new_store("w").location
    files = [incidents_csv(tmp_path / f"t{t}.csv", [f"t{t}-{i}" for i in range(4)]) for t in range(2)]
    errors: list[BaseException] = []

    def append(f: Path) -> None:
        try:
            import_file(f, "incidents", open_workspace(ws_path), mode="append")
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert sorted(open_workspace(ws_path).read("incidents")["id"]) == sorted(f"t{t}-{i}" for t in range(2)
                                                                          for i in range(4))
    assert list(open_workspace(ws_path).read_table("import_log")["accepted"]) == [4, 4]


def test_replace_after_a_concurrent_change_is_refused(tmp_path, new_store):
    ws = new_store("w")
    import_file(incidents_csv(tmp_path / "a.csv", ["a1", "a2"]), "incidents", ws)
    checked = prepare(incidents_csv(tmp_path / "c.csv", ["c1"]), "incidents", workspace=ws)  # the user checks

    other = geo_import("incidents", str(incidents_csv(tmp_path / "b.csv", ["b1"])), "--mode", "append",
                       "--workspace", ws.location)  # meanwhile, another import lands
    _, err = other.communicate(timeout=120)
    assert other.returncode == 0, err

    with pytest.raises(ImportError_, match="the layer changed since you checked it") as exc:
        commit(checked, ws, mode="replace")
    assert ws.label in str(exc.value) and "c.csv" in str(exc.value)
    assert sorted(ws.read("incidents")["id"]) == ["a1", "a2", "b1"]  # b1 not thrown away unseen
    assert len(ws.read_table("import_log")) == 2
    # checked again, against the layer as it is now, the replace goes through
    again = prepare(tmp_path / "c.csv", "incidents", workspace=ws)
    commit(again, ws, mode="replace")
    assert list(ws.read("incidents")["id"]) == ["c1"]
    # and the same result committed again replaces the layer it left itself
    commit(again, ws, mode="replace")
    assert list(ws.read("incidents")["id"]) == ["c1"]


def test_a_change_to_another_layer_does_not_block_a_replace(tmp_path, new_store):
    ws = new_store("w")
    import_file(incidents_csv(tmp_path / "a.csv", ["a1", "a2"]), "incidents", ws)
    checked = prepare(incidents_csv(tmp_path / "c.csv", ["c1"]), "incidents", workspace=ws)
    p = subprocess.run([sys.executable, "-m", "geo", "import", "stations", str(stations_csv(tmp_path / "s.csv")),
                        "--workspace", ws.location], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    commit(checked, ws, mode="replace")
    assert list(ws.read("incidents")["id"]) == ["c1"] and len(ws.read("stations")) == 1


HOLDER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from geo.io.workspaces import open_workspace
    with open_workspace({path!r}).locked():
        print("held", flush=True)
        sys.stdin.read()  # until the test closes it
""")


def test_a_busy_workspace_waits_then_gives_the_lock_message(tmp_path, new_store, store_kind):
    ws = new_store("w")
    import_file(incidents_csv(tmp_path / "a.csv", ["a1"]), "incidents", ws)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT), path=ws.location)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        # a short timeout: the clear message, naming the workspace
        r = prepare(incidents_csv(tmp_path / "b.csv", ["b1"]), "incidents", workspace=ws)
        t0 = time.monotonic()
        with pytest.raises(WorkspaceError, match=r": another import is in progress; try again") as busy:
            commit(r, open_workspace(ws.location, lock_timeout=0.5), mode="append")
        assert str(busy.value).startswith(ws.label)  # names the workspace
        assert 0.5 <= time.monotonic() - t0 < 5
        # the command line's default timeout: it waits for the holder, then lands
        waiting = geo_import("incidents", str(tmp_path / "b.csv"), "--mode", "append", "--workspace", ws.location)
        time.sleep(4)
        assert waiting.poll() is None, waiting.communicate()
        assert list(ws.read("incidents")["id"]) == ["a1"]
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert sorted(ws.read("incidents")["id"]) == ["a1", "b1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", *(["w.gpkg"] if store_kind == "gpkg" else [])]


def test_the_data_page_refuses_a_replace_after_a_concurrent_change(monkeypatch, tmp_path, tiny_workspace, new_store,
                                                                   store_kind):
    """The page checks a file, another import lands, then the user confirms: refused, nothing lost."""
    import tempfile

    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where uploads are stored, for this test
    ws = new_store("tiny")
    ws.copy_from(open_workspace(tiny_workspace))
    monkeypatch.setenv("KOOPSUZ_DATABASE" if store_kind == "postgis" else "KOOPSUZ_WORKSPACE", ws.location)
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/data.py").run()
    at.file_uploader(key="imp_file").set_value(
        ("mine.csv", incidents_csv(tmp_path / "mine.csv", ["m1", "m2"]).read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Accepted"] == "2"
    uploads = tmp_path / f"koopsuz-uploads-{os.getuid()}"
    assert list(uploads.iterdir()) == []  # the stored copy lived only while the page read it

    p = subprocess.run([sys.executable, "-m", "geo", "import", "incidents",
                        str(incidents_csv(tmp_path / "theirs.csv", ["t1"])), "--mode", "append",
                        "--workspace", ws.location], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr  # someone else's import, while the page waits for the user

    at.checkbox(key="imp_confirm_replace").check().run()  # replacing the rows there: confirmed
    [confirm] = [b for b in at.button if b.label == "Import 2 incidents"]
    assert not confirm.disabled
    confirm.click().run()
    assert not at.exception, at.exception
    assert any("the layer changed since you checked it" in e.value for e in at.error), [e.value for e in at.error]
    ids = set(ws.read("incidents")["id"])
    assert "t1" in ids and not {"m1", "m2"} & ids  # their row kept, mine not written over it
    # the page now shows the layer as it is, the tick cleared; confirming again replaces it knowingly
    at.run()
    assert at.checkbox(key="imp_confirm_replace").value is False
    [confirm] = [b for b in at.button if b.label == "Import 2 incidents"]
    assert confirm.disabled
    at.checkbox(key="imp_confirm_replace").check().run()
    [confirm] = [b for b in at.button if b.label == "Import 2 incidents"]
    confirm.click().run()
    assert any("Imported 2 incidents from mine.csv (replace)" in s.value for s in at.success)
    assert sorted(ws.read("incidents")["id"]) == ["m1", "m2"]
    assert list(uploads.iterdir()) == []
