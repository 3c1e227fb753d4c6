"""Kill ``geo import`` at random moments: the workspace is always whole, and the next open leaves nothing behind.

Each round starts a real ``python -m geo import incidents FILE --mode replace|append --workspace W``,
sends it SIGKILL at a random moment, then opens the workspace as the next user would
(``Workspace.remove_leftovers``, which the Data page and ``geo import`` call) and checks:

- **readable**: SQLite's ``quick_check`` is ``ok`` and every table reads;
- **whole**: the incidents layer holds exactly the ids it held before the import, or exactly those it
  holds after it, and the import log agrees (one more entry if and only if the layer is the new one),
  so a kill between two tables of one import (a new layer, an old log) is caught too: never a mix;
- **clean**: after the open the workspace's folder holds the workspace and nothing else (no temporary
  copy, no SQLite journal, no lock file).

Kill moments: half are spread uniformly over an uninterrupted import (process start to exit, measured
first); the other half land inside the commit: the folder is watched, and from its first change (the
lock file or the temporary copy appearing; for a write made in place, the file itself changing) the
kill waits a random fraction of the measured commit time. Each round records where it landed: before
the commit, inside it (a lock or temporary copy beside the workspace), after it (the workspace replaced,
the process not yet exited), or after the process finished.

A write made non-atomic on purpose (tables written into the workspace itself) fails the *whole* check:
``tests/test_import_kills.py`` runs this harness with a dozen kills; this script runs a hundred.

Run: ``.venv/bin/python -m bench.import_kills [--kills 100] [--rows 60000] [--seed 11]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from geo.io.store import Workspace

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = "w.gpkg"


@dataclass
class Round:
    """One killed import and what the next open found."""

    mode: str
    aim: str  # "any": a moment of the whole run; "commit": a moment inside the commit
    delay: float  # seconds after the start ("any") or after the commit began ("commit")
    landed: str = ""  # "before the commit", "inside the commit", "after the commit" (not yet exited), "after exit"
    outcome: str = ""  # "old" or "new"
    removed: int = 0  # temporary files the open removed
    freed: int = 0  # their bytes
    problems: list[str] = field(default_factory=list)


@dataclass
class Timing:
    total: float  # an uninterrupted import, start to exit (s)
    commit_start: float  # from the start to the first change beside the workspace (s)

    @property
    def commit(self) -> float:
        return max(self.total - self.commit_start, 0.05)


def incidents_csv(path: Path, ids: list[str], *, seed: int) -> Path:
    """A registry export with these ids: valid dates, types and coordinates near Bishkek."""
    rng = np.random.default_rng(seed)
    n = len(ids)
    pd.DataFrame({
        "id": ids,
        "date": [f"2016-03-{d:02d} 10:{m:02d}" for d, m in zip(rng.integers(1, 29, n), rng.integers(0, 60, n),
                                                                  strict=True)],
        "type": rng.choice(["Кража", "Хулиганство", "ДТП"], n),
        "lat": np.round(42.8 + rng.random(n) * 0.1, 6),
        "lon": np.round(74.5 + rng.random(n) * 0.2, 6),
    }).to_csv(path, index=False)
    return path


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    with contextlib.suppress(FileNotFoundError), os.scandir(folder) as it:
        for e in it:
            with contextlib.suppress(FileNotFoundError):
                st = e.stat()
                out[e.name] = (st.st_size, st.st_mtime_ns)
    return out


def start_import(data: Path, ws: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "geo", "import", "incidents", str(data), "--mode", mode,
                             "--workspace", str(ws)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def wait_for_change(folder: Path, before: dict, proc: subprocess.Popen, *, limit: float) -> float | None:
    """Seconds until anything beside the workspace changes (the commit begins), or None if the process ends."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if snapshot(folder) != before:
            return time.monotonic() - t0
        if proc.poll() is not None:
            return None
        time.sleep(0.001)
    return None


def state(ws: Path) -> tuple[frozenset[str], int, list[str]]:
    """The layer's ids, the import log's length, and what is wrong with the file (empty when readable)."""
    problems = []
    try:
        with contextlib.closing(sqlite3.connect(f"{ws.resolve().as_uri()}?mode=ro", uri=True)) as con:
            (ok,) = con.execute("PRAGMA quick_check").fetchone()
        if ok != "ok":
            problems.append(f"quick_check: {ok}")
        tables = [name for name, _ in pyogrio.list_layers(ws)]
        for t in tables:
            pyogrio.read_dataframe(ws, layer=t, max_features=1)
        ids = frozenset(pyogrio.read_dataframe(ws, layer="incidents", columns=["id"], read_geometry=False)["id"]
                        .astype(str)) if "incidents" in tables else frozenset()
        log = len(pyogrio.read_dataframe(ws, layer="import_log", read_geometry=False)) if "import_log" in tables else 0
    except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
        return frozenset(), -1, [*problems, f"unreadable: {type(exc).__name__}: {exc}"]
    return ids, log, problems


def calibrate(folder: Path, data: Path) -> Timing:
    """Time one uninterrupted replace: the whole run and the moment its commit begins."""
    ws_dir = folder / "ws"
    before = snapshot(ws_dir)
    t0 = time.monotonic()
    proc = start_import(data, ws_dir / WORKSPACE, "replace")
    began = wait_for_change(ws_dir, before, proc, limit=600)
    _, err = proc.communicate(timeout=600)
    total = time.monotonic() - t0
    if proc.returncode != 0:
        msg = f"the uninterrupted import failed: {err[-2000:]}"
        raise RuntimeError(msg)
    return Timing(total=total, commit_start=began if began is not None else total * 0.6)


def run(folder: Path, *, kills: int, rows: int, seed: int, report=None) -> tuple[Timing, list[Round]]:
    """Set up a workspace in ``folder`` and kill ``kills`` imports into it; every round's findings.

    Parameters
    ----------
    folder : Path
        An empty folder: ``data/`` gets the CSV files, ``ws/`` the workspace alone.
    kills : int
        Rounds.
    rows : int
        Rows of the two files that replace each other (each round's append adds 50).
    seed : int
        Seeds the moments and modes (the timing of the machine adds its own randomness).
    report : callable, optional
        Called with each finished round (progress).
    """
    rng = random.Random(seed)
    data, ws_dir = folder / "data", folder / "ws"
    data.mkdir()
    ws_dir.mkdir()
    ws = ws_dir / WORKSPACE
    files = {k: incidents_csv(data / f"{k}.csv", [f"{k}{i}" for i in range(rows)], seed=i)
             for i, k in enumerate(("a", "b"))}
    base = "b"
    calibrate(folder, files["b"])  # creates the workspace: layer b, one log entry
    timing = calibrate(folder, files["b"])  # a replace of an existing layer, as the rounds do; two entries
    rounds = []
    for k in range(kills):
        ids, log, problems = state(ws)
        if problems:
            msg = f"round {k}: the workspace was not whole before the round: {problems}"
            raise RuntimeError(msg)
        mode = "append" if rng.random() < 0.3 else "replace"
        if mode == "replace":
            base = "a" if base == "b" else "b"
            src = files[base]
            new_ids = frozenset(f"{base}{i}" for i in range(rows))
        else:
            extra = [f"r{k}-{i}" for i in range(50)]
            src = incidents_csv(data / f"r{k}.csv", extra, seed=100 + k)
            new_ids = ids | frozenset(extra)
        aim = "any" if k % 2 == 0 else "commit"
        delay = rng.uniform(0.0, timing.total) if aim == "any" else rng.uniform(0.0, timing.commit)
        r = Round(mode=mode, aim=aim, delay=delay)
        before = snapshot(ws_dir)
        t0 = time.monotonic()
        proc = start_import(src, ws, mode)
        if aim == "any":
            while time.monotonic() - t0 < delay and proc.poll() is None:
                time.sleep(0.001)
        else:
            began = wait_for_change(ws_dir, before, proc, limit=600)
            if began is not None:
                t1 = time.monotonic()
                while time.monotonic() - t1 < delay and proc.poll() is None:
                    time.sleep(0.001)
        now = snapshot(ws_dir)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            if set(now) - {WORKSPACE}:
                r.landed = "inside the commit"  # its lock or temporary copy is there
            else:
                r.landed = "after the commit" if now.get(WORKSPACE) != before.get(WORKSPACE) else "before the commit"
        else:
            r.landed = "after exit"
        _, err = proc.communicate(timeout=600)
        if r.landed == "after exit" and proc.returncode != 0:
            r.problems.append(f"the import failed on its own: {err.strip()[-500:]}")
        # The next open, as the Data page and `geo import` do it.
        left = Workspace(ws).remove_leftovers()
        r.removed, r.freed = len(left.files), left.nbytes
        after_ids, after_log, problems = state(ws)
        r.problems += problems
        if not problems:
            if after_ids == ids and after_log == log:
                r.outcome = "old"
            elif after_ids == new_ids and after_log == log + 1:
                r.outcome = "new"
            else:
                r.problems.append(
                    f"a mix: {len(after_ids)} ids ({len(after_ids & ids)} old, {len(after_ids & new_ids)} new; "
                    f"before {len(ids)}, after the import {len(new_ids)}), log {after_log} (before {log})")
        rest = sorted(set(os.listdir(ws_dir)) - {WORKSPACE})
        if rest:
            r.problems.append(f"left beside the workspace after the open: {rest}")
        if r.outcome == "old" and mode == "replace":
            base = "a" if base == "b" else "b"  # the layer is still the other file
        rounds.append(r)
        if report is not None:
            report(k, r)
        if not r.outcome:  # broken: the next round has nothing whole to start from
            break
    return timing, rounds


def summary(timing: Timing, rounds: list[Round]) -> str:
    bad = [r for r in rounds if r.problems]
    lines = [
        f"uninterrupted import: {timing.total:.2f} s, commit from {timing.commit_start:.2f} s ({timing.commit:.2f} s)",
        f"rounds: {len(rounds)}; landed: {dict(Counter(r.landed for r in rounds))}; "
        f"outcome: {dict(Counter(r.outcome or 'broken' for r in rounds))}",
        f"temporary files removed on the next open: {sum(r.removed for r in rounds)} in "
        f"{sum(1 for r in rounds if r.removed)} rounds, {sum(r.freed for r in rounds) / 1e6:,.1f} MB",
        f"corrupt or mixed workspaces: {sum(1 for r in bad if r.outcome == '')}; "
        f"rounds with any problem: {len(bad)}",
    ]
    lines += [f"  round {rounds.index(r)} ({r.mode}, {r.aim} {r.delay:.3f} s, {r.landed}): {'; '.join(r.problems)}"
              for r in bad[:20]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--rows", type=int, default=60_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="koopsuz-kills-") as tmp:
        timing, rounds = run(Path(tmp), kills=args.kills, rows=args.rows, seed=args.seed,
                             report=lambda k, r: print(f"{k:4d} {r.mode:8s} {r.aim:6s} {r.delay:6.3f} s  "
                                                       f"{r.landed:18s} {r.outcome or 'BROKEN':4s} "
                                                       f"removed {r.removed} {'; '.join(r.problems)}",
                                                       flush=True))
    print(summary(timing, rounds))
    print(f"({time.perf_counter() - t0:.0f} s)")
    sys.exit(1 if any(r.problems for r in rounds) else 0)


if __name__ == "__main__":
    main()
