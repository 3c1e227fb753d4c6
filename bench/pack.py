"""The action-plan pack: wall time and peak memory, split into the analyses and the drawing.

For each workspace (the demo's Bishkek and Jeti-Oguz; the real Chicago data
when ``../shared/realdata`` is beside the repo) the same run measures:

- the analyses alone: :func:`geo.report.map_content` for every page of the
  pack (overview with EB rates, one Gi* map per priority category, coverage
  and gaps, MCLP sites), nothing drawn: the peer every pack must pay;
- the whole pack: :func:`geo.report.build_pack`, PDF and zip (map images at
  150 dpi, CSV and XLSX tables).

The ratio pack / analyses is what drawing, tables and files add. Each run is
a fresh fork of a warmed-up process; memory is the peak resident set above
the one at the fork (``VmHWM`` after ``/proc/self/clear_refs``).

Run: ``.venv/bin/python -m bench.pack [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.demo import write_demo  # noqa: E402
from geo.io.importer import ImportOptions, import_file  # noqa: E402
from geo.report import ReportOptions, build_pack, map_content, read_layers  # noqa: E402
from geo.io.store import Workspace  # noqa: E402

TARGET_S = 30.0
DATE = dt.date(2026, 1, 1)
REALDATA = ROOT.parent / "shared" / "realdata" / "chicago"


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def _child(fn: Callable[[], object], q: mp.Queue) -> None:
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak
    base = _rss_kb("VmRSS:")
    t0 = time.perf_counter()
    out = fn()
    q.put((time.perf_counter() - t0, (_rss_kb("VmHWM:") - base) / 1024, getattr(out, "pages", None)))


def measure(fn: Callable[[], object], repeats: int) -> tuple[float, float, int | None]:
    ctx = mp.get_context("fork")
    runs = []
    for _ in range(repeats):
        q = ctx.Queue()
        p = ctx.Process(target=_child, args=(fn, q))
        p.start()
        runs.append(q.get())
        p.join()
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def analyses(layers: dict, options: ReportOptions) -> None:
    o = options.resolve(layers)
    map_content("overview", layers, options=o)
    for c in o.priorities:
        map_content("hotspots", layers, options=o, category=c)
    map_content("coverage", layers, options=o)
    map_content("sites", layers, options=o)


def pack(layers: dict, options: ReportOptions, folder: Path) -> object:
    return build_pack(layers, folder / "plan.pdf", options=options, zip_path=folder / "plan.zip")


def chicago(folder: Path) -> Path | None:
    if not REALDATA.is_dir():
        return None
    ws = Workspace(folder / "chicago.gpkg")
    import_file(REALDATA / "crimes_2014_09.csv", "incidents", ws)
    import_file(REALDATA / "police_stations.csv", "stations", ws)
    import_file(REALDATA / "community_areas_pop2000_2010.geojson", "boundaries", ws,
                options=ImportOptions(area="Chicago"))
    return ws.path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="koopsuz-bench-pack-"))
    demo = write_demo(folder, scale=1.0)
    cases = [("Bishkek (demo)", demo, "Bishkek"), ("Jeti-Oguz (demo)", demo, "Jeti-Oguz")]
    if (chi := chicago(folder)) is not None:
        cases.append(("Chicago, Sept 2014 (real)", chi, "Chicago"))
    else:
        print(f"note: {REALDATA} absent; Chicago left out")
    rows = []
    for label, path, area in cases:
        layers = read_layers(path)
        options = ReportOptions(area=area, date=DATE)
        o = options.resolve(layers)
        n = int((layers["incidents"]["area"] == area).sum())
        analyses_t, _m, _p = measure(lambda layers=layers, options=options: analyses(layers, options), args.repeats)
        pack_t, pack_m, pages = measure(lambda layers=layers, options=options: pack(layers, options, folder),
                                        args.repeats)
        rows.append((label, n, f"{o.start} – {o.end}", pages, analyses_t, pack_t, pack_m))
    print(f"\nAction-plan pack, median of {args.repeats} fresh runs; target under {TARGET_S:.0f} s\n")
    print("| workspace | incidents (all periods) | period | pages | analyses only (s) | whole pack (s) "
          "| pack / analyses | peak memory (MB) | vs target |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, n, period, pages, a_t, p_t, p_m in rows:
        print(f"| {label} | {n:,} | {period} | {pages} | {a_t:.1f} | {p_t:.1f} | {p_t / a_t:.2f}x | {p_m:,.0f} "
              f"| {p_t / TARGET_S:.0%} of {TARGET_S:.0f} s |")


if __name__ == "__main__":
    main()
