"""Emerging hot spots: Koopsuz's cube, Gi* and Mann-Kendall against esda per step and pymannkendall per cell.

Data: 300,000 synthetic incidents over 60 months on a 100 x 100 grid of 200 m
cells (10,000 cells, all analysed: a square boundary), a thin uniform
background and a few clusters that grow, fade, stay or start late. Band
300 m (the 8 queen neighbours and the cell itself), time lag 1.

Koopsuz: ``emerging_hotspots`` end to end (incidents to the cells'
GeoDataFrame: counting the cube, Gi*, FDR per step, Mann-Kendall, patterns)
and its numeric core ``emerging_from_cube`` on the counted cube, each split
into ``space_time_gi_star`` and ``mann_kendall``.

Peer, the per-step route a Python user takes (as sfdep does in R): a libpysal
``DistanceBand`` over the cell centres, built once; ``esda.G_Local(star=True,
transform="B")`` on each step's counts; ``pymannkendall.original_test`` on
each cell's series of z-scores. It has no time neighbours and leaves out FDR
and the classification, which flatters it. By default G_Local is timed on 12
of the 60 steps and pymannkendall on 1,000 of the 10,000 cells, and both are
extrapolated linearly (each step and each cell costs the same); ``--full``
times all of them. Agreement: pymannkendall's Z against ``mann_kendall`` on the
same series (the peer's z-scores, from ``gi_star_grid``, equal to esda's).

Exact peer: ``esda.G_Local`` on libpysal weights of the space-time neighbours
themselves (same cell within the band, same or previous step), on a 20 x 20
subset over the 60 steps (24,000 bins), against ``space_time_gi_star`` on the
same counts: the same z-scores, and the time of each.

Run: ``.venv/bin/python -m bench.emerging [--repeats 3] [--full]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
from shapely.geometry import box  # noqa: E402

from geo.spacetime.cube import space_time_cube  # noqa: E402
from geo.spacetime.emerging import (emerging_from_cube, emerging_hotspots, mann_kendall,  # noqa: E402
                                    space_time_gi_star)
from geo.stats.gistar import gi_star_grid  # noqa: E402

N_INCIDENTS = 300_000
MONTHS = 60
SIDE = 100  # cells per side
CELL = 200.0
BAND = 300.0
LAG = 1
UTM43 = 32643
X0, Y0 = 460_000.0, 4_740_000.0
PEER_STEPS, PEER_CELLS = 12, 1_000
EXACT_SIDE = 20


def synthetic(seed: int = 0) -> gpd.GeoDataFrame:
    """Incidents over 60 months: 60 % uniform background, the rest in clusters with their own time profile."""
    rng = np.random.default_rng(seed)
    extent = SIDE * CELL
    t = np.linspace(0.0, 1.0, MONTHS)
    profiles = [np.ones(MONTHS), 0.2 + 1.6 * t, 1.8 - 1.6 * t, np.where(t > 0.9, 4.0, 0.05),
                np.where((np.arange(MONTHS) % 6) == 0, 2.0, 0.3)]
    n_bg = int(N_INCIDENTS * 0.6)
    xs, ys = [rng.uniform(0, extent, n_bg)], [rng.uniform(0, extent, n_bg)]
    months = [rng.integers(0, MONTHS, n_bg)]
    centres = rng.uniform(0.1 * extent, 0.9 * extent, (15, 2))
    per = (N_INCIDENTS - n_bg) // len(centres)
    for k, (cx, cy) in enumerate(centres):
        prof = profiles[k % len(profiles)]
        n = per if k < len(centres) - 1 else N_INCIDENTS - n_bg - per * (len(centres) - 1)
        months.append(rng.choice(MONTHS, size=n, p=prof / prof.sum()))
        xs.append(rng.normal(cx, 1.5 * CELL, n))
        ys.append(rng.normal(cy, 1.5 * CELL, n))
    x = np.clip(np.concatenate(xs), 0, extent - 1e-6)
    y = np.clip(np.concatenate(ys), 0, extent - 1e-6)
    m = np.concatenate(months)
    first = pd.Timestamp("2020-01-01")
    starts = pd.DatetimeIndex([first + pd.DateOffset(months=int(i)) for i in range(MONTHS + 1)])
    lengths = (starts[1:] - starts[:-1]).days.to_numpy()
    day = starts[:-1].to_numpy()[m] + (rng.random(len(m)) * lengths[m] * 86_400).astype("timedelta64[s]")
    return gpd.GeoDataFrame({"occurred_at": day}, geometry=gpd.points_from_xy(X0 + x, Y0 + y), crs=UTM43)


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def peer_route(cube: np.ndarray, *, full: bool) -> dict:
    """The per-step route: weights once, G_Local per step, pymannkendall per cell; times extrapolated unless full."""
    import esda
    import libpysal
    import pymannkendall

    steps, rows, cols = cube.shape
    ii, jj = np.divmod(np.arange(rows * cols), cols)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        w = libpysal.weights.DistanceBand(np.column_stack([jj, ii]).astype(float), threshold=BAND / CELL * (1 + 1e-9),
                                          binary=True, silence_warnings=True)
        weights_s = time.perf_counter() - t0
        n_steps = steps if full else PEER_STEPS
        t0 = time.perf_counter()
        for t in range(n_steps):
            esda.G_Local(cube[t].ravel(), w, star=True, transform="B", permutations=0)
        gi_s = (time.perf_counter() - t0) * steps / n_steps
    z = np.stack([gi_star_grid(cube[t], band_cells=BAND / CELL)[0].ravel() for t in range(steps)])  # = esda's Zs
    n_cells = rows * cols if full else PEER_CELLS
    pick = np.random.default_rng(0).choice(rows * cols, size=n_cells, replace=False)
    t0 = time.perf_counter()
    peer = [pymannkendall.original_test(z[:, c]) for c in pick]
    mk_s = (time.perf_counter() - t0) * rows * cols / n_cells
    ours = mann_kendall(z[:, pick])
    dz = max(abs(r.z - ours.z[k]) for k, r in enumerate(peer))
    ds = max(abs(r.s - ours.s[k]) for k, r in enumerate(peer))
    return {"weights": weights_s, "gi": gi_s, "mk": mk_s, "n_steps": n_steps, "n_cells": n_cells, "dz": dz,
            "ds": ds, "z": z}


def exact_peer(cube: np.ndarray, repeats: int) -> tuple[float, float, float, float]:
    """esda on explicit space-time weights against space_time_gi_star on a corner of the cube."""
    import esda
    import libpysal

    sub = cube[:, :EXACT_SIDE, :EXACT_SIDE]
    steps = sub.shape[0]
    band = BAND / CELL
    reach = int(band)
    offsets = [(di, dj) for di in range(-reach, reach + 1) for dj in range(-reach, reach + 1)
               if di * di + dj * dj <= band * band * (1 + 1e-9)]

    def bin_id(t: int, i: int, j: int) -> int:
        return (t * EXACT_SIDE + i) * EXACT_SIDE + j

    t0 = time.perf_counter()
    neighbours = {}
    for t in range(steps):
        for i in range(EXACT_SIDE):
            for j in range(EXACT_SIDE):
                neighbours[bin_id(t, i, j)] = [
                    bin_id(u, i + di, j + dj) for u in range(max(0, t - LAG), t + 1) for di, dj in offsets
                    if 0 <= i + di < EXACT_SIDE and 0 <= j + dj < EXACT_SIDE and (u, di, dj) != (t, 0, 0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.W(neighbours, silence_warnings=True)
        g = esda.G_Local(sub.ravel(), w, star=True, transform="B", permutations=0)
    esda_s = time.perf_counter() - t0
    ours_s, (z, _, _) = timed(lambda: space_time_gi_star(sub, band_cells=band, time_lag=LAG), repeats)
    return esda_s, ours_s, float(np.abs(g.Zs - z.ravel()).max()), float(sub.size)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of Koopsuz's functions (median reported)")
    ap.add_argument("--full", action="store_true", help="time the peer on every step and every cell")
    args = ap.parse_args(argv)

    pts = synthetic()
    area = gpd.GeoSeries([box(X0, Y0, X0 + SIDE * CELL, Y0 + SIDE * CELL)], crs=UTM43)
    end_s, res = timed(lambda: emerging_hotspots(pts, cell=CELL, band=BAND, time_lag=LAG, boundary=area),
                       args.repeats)
    steps, n_cells = res.params["steps"], res.params["cells"]
    cube = space_time_cube(pts, cell=CELL, boundary=area).counts.astype(float)
    core_s, _ = timed(lambda: emerging_from_cube(cube, band_cells=BAND / CELL, time_lag=LAG), args.repeats)
    gi_s, (z, _, _) = timed(lambda: space_time_gi_star(cube, band_cells=BAND / CELL, time_lag=LAG), args.repeats)
    mk_s, _ = timed(lambda: mann_kendall(z.reshape(steps, -1)), args.repeats)
    peer = peer_route(cube, full=args.full)
    mk_lag0_s, _ = timed(lambda: mann_kendall(peer["z"]), args.repeats)
    peer_total = peer["weights"] + peer["gi"] + peer["mk"]

    print(f"{len(pts):,} incidents, {steps} months, {cube.shape[1]}x{cube.shape[2]} cells of {CELL:g} m "
          f"({n_cells:,} analysed), band {BAND:g} m, time lag {LAG}. Koopsuz: median of {args.repeats}; "
          f"peer: one run{'' if args.full else ', extrapolated'}.\n")
    gi_note = "all steps" if args.full else f"{peer['n_steps']} of {steps} steps timed, x{steps / peer['n_steps']:g}"
    mk_note = ("all cells" if args.full else
               f"{peer['n_cells']:,} of {n_cells:,} cells timed, x{n_cells / peer['n_cells']:g}")
    print("| step | koopsuz (s) | peer | peer (s) | peer / koopsuz |")
    print("|---|---|---|---|---|")
    print(f"| Gi* of every bin | {gi_s:.3f} (space_time_gi_star, lag {LAG}) | libpysal DistanceBand, once "
          f"| {peer['weights']:.2f} | |")
    print(f"| | | esda G_Local per step ({gi_note}) | {peer['gi']:.2f} "
          f"| {(peer['weights'] + peer['gi']) / gi_s:,.0f}x |")
    print(f"| Mann-Kendall of every cell | {mk_s:.3f} (mann_kendall) | pymannkendall.original_test per cell "
          f"({mk_note}) | {peer['mk']:.2f} | {peer['mk'] / mk_s:,.0f}x |")
    print(f"| numeric core | {core_s:.3f} (emerging_from_cube: Gi*, FDR per step, trend, patterns) | "
          f"the route above (no FDR, no patterns) | {peer_total:.2f} | **{peer_total / core_s:,.0f}x** |")
    print(f"| incidents to cells | {end_s:.3f} (emerging_hotspots: cube, core, GeoDataFrame) | | | |")
    ratio = peer_total / core_s
    print(f"\nTarget: emerging_hotspots under 10 s ({end_s:.2f} s: {'met' if end_s < 10 else 'NOT met'}); "
          f"at least 20x the peer route ({ratio:,.0f}x: {'met' if ratio >= 20 else 'NOT met'}).")
    print(f"Agreement: on the peer's z series (lag 0, per-step statistics), pymannkendall and mann_kendall "
          f"({mk_lag0_s:.3f} s for all cells) differ by at most {peer['ds']:g} in S and {peer['dz']:.1e} in Z.")

    esda_s, ours_s, dz, bins = exact_peer(cube, args.repeats)
    print(f"\nExact peer: esda G_Local on explicit space-time weights ({EXACT_SIDE}x{EXACT_SIDE} cells x {steps} "
          f"steps, {bins:,.0f} bins, weights built in Python and timed): {esda_s:.2f} s; space_time_gi_star: "
          f"{ours_s:.4f} s ({esda_s / ours_s:,.0f}x); max abs z difference {dz:.1e}.")
    counts = res.counts()
    shown = ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)
    print(f"\nPatterns of the {n_cells:,} cells: {shown}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
