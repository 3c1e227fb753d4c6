"""A4 print map of 100,000 incidents at 300 dpi: Koopsuz's export_map against geopandas' own plot.

The layers are the demo's overview at ``--scale`` (3.2: about 100,000
incidents, both regions, with boundaries, roads, stations and cameras). Peers,
on the same layers in the same run, each writing an A4 landscape page:

- ``geopandas.GeoDataFrame.plot`` (the baseline): every layer projected to the
  same UTM zone and plotted on a bare ``Figure`` of A4 at 300 dpi (incidents
  coloured by category through a categorical column and a colormap,
  markersize 1), saved as PNG: no legend, scale bar,
  north arrow, labels or footer. What a geopandas user writes first;
- Koopsuz ``export_map``: the whole page (legend, scale bar, north arrow,
  settlement labels, header and footer), as PNG at 300 dpi, and as PDF and
  SVG (incidents rasterized at 300 dpi inside the vector page).

Each run is a fresh fork of a warmed-up process (fonts loaded, modules
imported, one export done), so runs do not share caches with each other.
Wall time is the run's; memory is its peak resident set above the resident
set at the fork (``VmHWM`` after resetting it through ``/proc/self/clear_refs``),
so it counts the Agg canvas and the C buffers tracemalloc cannot see.

Run: ``.venv/bin/python -m bench.export_map [--scale 3.2] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geopandas as gpd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from geo.content import MapContent
from geo.crs import local_crs
from geo.demo import make_demo
from geo.printmap import PAPERS, export_map
from geo.palette import CATEGORY_COLORS, ROAD_COLOR, STATION_COLORS

DPI = 300
TARGET_S = 5.0


def geopandas_plot(layers: dict[str, gpd.GeoDataFrame], out: Path) -> None:
    """The layers with GeoDataFrame.plot on a bare A4 figure, projected to the same UTM zone."""
    crs = local_crs(*layers.values())
    # No Agg canvas attached: geopandas calls draw_idle after every plot, which would render the page each time.
    fig = Figure(figsize=PAPERS["a4-landscape"], dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    layers["boundaries"].to_crs(crs).plot(ax=ax, facecolor="#fbfaf7", edgecolor="#4d4d4d", linewidth=0.6)
    layers["roads"].to_crs(crs).plot(ax=ax, color=ROAD_COLOR, linewidth=1)
    inc = layers["incidents"].to_crs(crs)
    # A categorical column with a colormap: geopandas' fast path (a list of 100,000 colours is 3x slower).
    present = sorted(inc["category"].astype(str).unique())
    inc.plot(ax=ax, column=inc["category"].astype(str), categorical=True, markersize=1,
             cmap=ListedColormap([CATEGORY_COLORS.get(c, "#7f7f7f") for c in present]))
    st = layers["stations"].to_crs(crs)
    st.plot(ax=ax, color=st["kind"].astype(str).map(STATION_COLORS).fillna("#38aadd").to_list(), markersize=30,
            marker="s")
    layers["cameras"].to_crs(crs).plot(ax=ax, color="#2c7fb8", markersize=12)
    ax.set_aspect("equal")
    fig.savefig(out, format="png", dpi=DPI)


def koopsuz(layers: dict[str, gpd.GeoDataFrame], out: Path, fmt: str) -> None:
    content = MapContent(boundaries=layers["boundaries"], roads=layers["roads"], stations=layers["stations"],
                         cameras=layers["cameras"], incidents=layers["incidents"])
    export_map(content, out, format=fmt, dpi=DPI, title="Registered incidents 2016-2018",
               subtitle="Bishkek and Jeti-Oguz rayon (synthetic demo data)")


def _kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _child(f: Callable[[Path], None], out: Path, conn: mp.connection.Connection) -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS to the current RSS
    except OSError:
        pass
    base = _kb("VmRSS")
    t0 = time.perf_counter()
    f(out)
    wall = time.perf_counter() - t0
    conn.send((wall, (_kb("VmHWM") - base) / 1024, out.stat().st_size / 1024))
    conn.close()


def measure(f: Callable[[Path], None], out: Path, repeats: int) -> tuple[float, float, float]:
    """Median wall time (s), peak extra memory (MB) and file size (kB) over forked runs."""
    ctx = mp.get_context("fork")
    runs = []
    for _ in range(repeats):
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_child, args=(f, out, send))
        p.start()
        send.close()
        runs.append(recv.recv())
        p.join()
        if p.exitcode:
            msg = f"benchmark run failed with exit code {p.exitcode}"
            raise RuntimeError(msg)
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=3.2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    layers = make_demo(scale=args.scale)
    n = len(layers["incidents"])
    peers: dict[str, tuple[Callable[[Path], None], str]] = {
        "geopandas GeoDataFrame.plot, PNG 300 dpi, no furniture (baseline)": (partial(geopandas_plot, layers), "png"),
        "Koopsuz export_map, PNG 300 dpi": (partial(koopsuz, layers, fmt="png"), "png"),
        "Koopsuz export_map, PDF (points rasterized at 300 dpi)": (partial(koopsuz, layers, fmt="pdf"), "pdf"),
        "Koopsuz export_map, SVG (points rasterized at 300 dpi)": (partial(koopsuz, layers, fmt="svg"), "svg"),
    }
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        # Warm up in the parent (imports, font cache, first-draw costs), so every fork starts equal.
        for name, (f, fmt) in peers.items():
            f(Path(tmp) / f"warm.{fmt}")
        for i, (name, (f, fmt)) in enumerate(peers.items()):
            results[name] = measure(f, Path(tmp) / f"run{i}.{fmt}", args.repeats)
    base = results[next(iter(peers))][0]
    print(f"{n:,} incidents, {len(layers['boundaries'])} boundaries, {len(layers['roads'])} roads, "
          f"{len(layers['stations'])} stations, {len(layers['cameras'])} cameras; A4 landscape, {DPI} dpi")
    print("\n| run | wall (s) | / geopandas | peak memory (MB) | file (kB) |")
    print("|---|---|---|---|---|")
    for name, (wall, mem, size) in results.items():
        print(f"| {name} | {wall:.2f} | {wall / base:.2f}x | {mem:,.0f} | {size:,.0f} |")
    png = results["Koopsuz export_map, PNG 300 dpi"][0]
    verdict = "met" if png < TARGET_S else "MISSED"
    print(f"\n- Koopsuz PNG at 300 dpi: {png:.2f} s (target < {TARGET_S:g} s: {verdict})")
    print(f"\nMedians of {args.repeats} forked runs; memory is the largest of them.")


if __name__ == "__main__":
    main()
