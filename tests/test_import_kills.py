"""Killed imports and what they leave: never a corrupt or mixed workspace, nothing left after the next open.

Real processes killed with SIGKILL (``bench/import_kills.py`` is the harness; it runs 100 kills as a
script), and the upload side of the Data page: private, deleted after use, swept when old.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.import_kills import run, summary
from conftest import ROOT
from geo.io.importer import import_file
from geo.io.store import Workspace

KILLS = 12


def test_kills_at_random_moments_leave_the_old_or_the_new_workspace_whole(tmp_path):
    """Half the kills land at any moment of the import, half inside its commit (where a write made in
    place leaves a half-written layer, or a new layer with an old log: this test fails against it)."""
    timing, rounds = run(tmp_path, kills=KILLS, rows=60_000, seed=20261130)
    report = summary(timing, rounds)
    assert len(rounds) == KILLS and not any(r.problems for r in rounds), report
    assert {r.outcome for r in rounds} <= {"old", "new"}, report
    # the kills did reach the write, and the copies they left were removed by the next open
    assert sum(r.landed == "inside the commit" for r in rounds) >= KILLS // 4, report
    assert sum(r.removed for r in rounds) >= 1 and sum(r.freed for r in rounds) > 0, report


KILLED_WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from geo.atomic import atomic_output
    from geo.io.store import Workspace
    ws = Workspace({path!r})
    with ws.locked(), atomic_output(ws.path, suffix=".tmp.gpkg") as tmp:
        tmp.write_bytes(b"half a workspace" * 65536)  # 1 MiB of a copy being written
        print(tmp, flush=True)
        sys.stdin.read()  # killed here, inside the write
""")


def start_writer(ws: Path) -> tuple[subprocess.Popen, Path]:
    """A process inside a workspace write, holding the lock and a temporary copy; the copy's path."""
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER.format(root=str(ROOT), path=str(ws))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return proc, Path(proc.stdout.readline().strip())


def test_a_write_in_progress_is_left_alone_and_its_copy_removed_once_killed(tmp_path, tiny_workspace):
    ws = Workspace(tiny_workspace)
    proc, copy = start_writer(ws.path)
    try:
        assert copy.is_file() and copy.name.startswith(".tiny.gpkg.") and copy.name.endswith(".tmp.gpkg")
        left = Workspace(ws.path).remove_leftovers()  # another session opens it meanwhile
        assert not left and copy.is_file()  # not stale: the lock says a write is running
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert copy.is_file() and ws.lock_path.exists()  # what a killed write leaves
    left = Workspace(ws.path).remove_leftovers()
    assert left.files == (copy,) and left.nbytes == 16 * 65536
    assert "removed 1 temporary file(s) left by an interrupted write (1.0 MB freed)" in left.message
    assert str(ws.path) in left.message
    assert sorted(p.name for p in tiny_workspace.parent.iterdir()) == ["tiny.gpkg"]  # lock file gone too
    assert len(ws.read("incidents")) == 18  # the workspace as it was


def test_the_next_import_removes_a_killed_imports_copy_and_says_so(tmp_path):
    """A real `geo import` killed inside its write; the next `geo import` reports the space it freed."""
    ws = Workspace(tmp_path / "ws" / "w.gpkg")
    import_file(csv(tmp_path / "a.csv", 2), "incidents", ws)
    big = csv(tmp_path / "big.csv", 150_000)
    proc = subprocess.Popen([sys.executable, "-m", "geo", "import", "incidents", str(big), "--workspace",
                             str(ws.path)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    copies: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        copies = list(ws.path.parent.glob(".w.gpkg.*.tmp.gpkg"))
        if copies and copies[0].stat().st_size > 1_000_000:  # the copy is being written: kill it there
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert copies and copies[0].exists(), "the import ended before its write could be interrupted"
    size = sum(p.stat().st_size for p in ws.path.parent.glob(".w.gpkg.*.tmp.gpkg*"))
    p = subprocess.run([sys.executable, "-m", "geo", "import", "incidents", str(tmp_path / "a.csv"), "--mode",
                        "replace", "--workspace", str(ws.path), "--json"], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["leftovers"]["files"] >= 1 and out["leftovers"]["bytes"] == size > 1_000_000
    assert sorted(x.name for x in ws.path.parent.iterdir()) == ["w.gpkg"]
    assert len(ws.read("incidents")) == 2
    p = subprocess.run([sys.executable, "-m", "geo", "import", "incidents", str(tmp_path / "a.csv"),
                        "--workspace", str(ws.path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "temporary file" not in p.stdout  # nothing left, nothing said


def csv(path: Path, n: int) -> Path:
    rows = "".join(f"{i},2016-03-01 10:00,Кража,{42.8 + (i % 1000) * 1e-4:.4f},{74.5 + (i % 997) * 1e-4:.4f}\n"
                   for i in range(n))
    path.write_text("id,date,type,lat,lon\n" + rows, encoding="utf-8")
    return path


# --- the Data page: the killed write's copy reported, uploads private and deleted ---------------------

def test_the_app_removes_and_reports_a_killed_writes_copy(monkeypatch, tiny_workspace):
    from streamlit.testing.v1 import AppTest

    proc, copy = start_writer(tiny_workspace)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(tiny_workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()  # whichever page opens the workspace first removes the copy and says so
    assert not at.exception, at.exception
    assert any("removed 1 temporary file(s) left by an interrupted write (1.0 MB freed)" in i.value
               for i in at.info), [i.value for i in at.info]
    assert not copy.exists() and sorted(p.name for p in tiny_workspace.parent.iterdir()) == ["tiny.gpkg"]
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception


def upload(name: str, data: bytes, file_id: str = "f1"):
    """An upload as Streamlit's file uploader hands it to a page."""
    from streamlit.proto.Common_pb2 import FileURLs
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    return UploadedFile(UploadedFileRec(file_id=file_id, name=name, type="text/csv", data=data), FileURLs())


@pytest.fixture
def upload_root(tmp_path, monkeypatch) -> Path:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the system temporary folder, for this test
    return tmp_path / f"koopsuz-uploads-{os.getuid()}"


def test_uploads_are_private_and_deleted_after_use(upload_root):
    from views.common import discard_upload, stored_upload

    path = stored_upload(upload("../../registry.csv", b"id,date\n1,2016-01-01\n"))
    assert path.name == "registry.csv" and path.read_bytes() == b"id,date\n1,2016-01-01\n"
    assert path.parent.parent == upload_root
    assert stat.S_IMODE(upload_root.stat().st_mode) == 0o700  # nobody else can list or open it
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
    assert stored_upload(upload("registry.csv", b"id,date\n1,2016-01-01\n")) == path  # once per upload
    other = stored_upload(upload("registry.csv", b"id,date\n1,2016-01-01\n", file_id="f2"))
    assert other != path  # another session's upload of the same file is its own
    discard_upload(path)
    assert not path.parent.exists() and other.exists()
    discard_upload(other)
    assert list(upload_root.iterdir()) == []


def test_day_old_uploads_are_swept_and_big_ones_refused(upload_root):
    from views.common import stored_upload

    old = stored_upload(upload("old.csv", b"x" * 100, file_id="old"))
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(old.parent, (day_ago, day_ago))
    legacy = upload_root.parent / "koopsuz-uploads" / "0123456789abcdef"  # earlier versions' open folder
    legacy.mkdir(parents=True)
    (legacy / "registry.csv").write_bytes(b"x")
    os.utime(legacy / "registry.csv", (day_ago, day_ago))
    os.utime(legacy, (day_ago, day_ago))
    recent = stored_upload(upload("new.csv", b"y" * 100, file_id="new"))
    assert not old.exists() and not legacy.exists() and recent.exists()

    with pytest.raises(ValueError, match=r"big\.csv: 2\.0 MB is over the limit of 1 MB"):
        stored_upload(upload("big.csv", b"z" * (2 * 2**20), file_id="big"), max_bytes=2**20)
    assert sorted(p.name for p in upload_root.iterdir()) == [recent.parent.name]
