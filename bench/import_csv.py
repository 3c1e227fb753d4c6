"""Importing 1,000,000 incident rows from CSV, against reading the same file with pyogrio.

The peer, ``pyogrio.read_dataframe`` with the coordinate columns named
(GDAL's CSV driver), only reads: it neither checks dates nor keeps rejected
rows. Koopsuz's ``prepare`` reads, maps columns, parses every date and
coordinate and sorts each row into accepted or rejected; ``import`` adds the
atomic write into a GeoPackage workspace. Each runs in its own process, so
peak memory (max RSS) is its own.

Run: ``.venv/bin/python -m bench.import_csv [--rows 1000000] [--repeats 3]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
kind, path, ws = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
if kind == "pyogrio":
    import pyogrio
    df = pyogrio.read_dataframe(path, X_POSSIBLE_NAMES="lon", Y_POSSIBLE_NAMES="lat", use_arrow=True)
    n = len(df)
elif kind == "koopsuz prepare":
    from geo.io.importer import prepare
    r = prepare(path, "incidents")
    n = len(r.accepted) + len(r.rejected)
else:
    from geo.io.importer import import_file
    from geo.io.store import Workspace
    r = import_file(path, "incidents", Workspace(ws))
    n = len(r.accepted) + len(r.rejected)
secs = time.perf_counter() - t0
print(json.dumps({{"seconds": secs, "rows": n, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def make_csv(path: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "id": np.char.add("BIS-", np.arange(n).astype(str)),
        "date": pd.to_datetime(rng.integers(1_420_070_400, 1_514_764_800, n), unit="s").strftime("%d.%m.%Y %H:%M"),
        "type": rng.choice(["Кража", "Хулиганство (ст. 234 УК КР)", "ДТП", "Кража скота", "Мошенничество"], n),
        "description": rng.choice(["Квартирная кража, мкр. Учкун", "Драка у рынка", "Наезд на пешехода"], n),
        "lat": np.round(42.80 + rng.random(n) * 0.13, 6).astype(str),
        "lon": np.round(74.50 + rng.random(n) * 0.20, 6).astype(str),
    })
    frame.loc[::1000, "lat"] = ""  # 0.1 % without coordinates, as in real exports
    frame.to_csv(path, index=False)


def run(kind: str, path: Path, tmp: Path) -> dict[str, float]:
    ws = tmp / f"ws-{kind.replace(' ', '-')}.gpkg"
    ws.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), kind, str(path), str(ws)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    path = tmp / "incidents.csv"
    make_csv(path, args.rows)
    size = path.stat().st_size / 1e6
    print(f"{args.rows:,} rows, {size:.0f} MB CSV (UTF-8, Cyrillic text, dd.mm.yyyy dates, 0.1 % without coordinates)")
    results = {}
    for kind in ("pyogrio", "koopsuz prepare", "koopsuz import"):
        runs = [run(kind, path, tmp) for _ in range(args.repeats)]
        results[kind] = (statistics.median(r["seconds"] for r in runs), max(r["peak_mb"] for r in runs),
                         runs[0]["rows"])
    peer = results["pyogrio"][0]
    print("\n| step | rows | wall time (s) | peak memory (MB) | time vs pyogrio |")
    print("|---|---|---|---|---|")
    for kind, (secs, mb, rows) in results.items():
        print(f"| {kind} | {rows:,} | {secs:.2f} | {mb:,.0f} | {secs / peer:.2f}x |")


if __name__ == "__main__":
    main()
