"""Kernel density surfaces, against a plain numpy FFT reference, scipy's gaussian_kde and KDEpy.

On clustered synthetic incidents (30 gaussian clusters of 200 m to 1.2 km plus
20 % background, in a 20 km square, metres), each peer computes a surface of
the same size with the same bandwidth (the ArcGIS rule, ``silverman_bandwidth``):

- numpy reference: ``np.histogram2d`` (simple binning) and
  ``scipy.signal.fftconvolve`` with the quartic kernel, written out below;
- ``scipy.stats.gaussian_kde``: exact O(n * cells) gaussian, 10,000 points only;
- KDEpy ``FFTKDE``: gaussian, linear binning and FFT (it needs its own grid
  around the data, of the same number of cells);
- Koopsuz ``geo.stats.density.density_from_xy``: quartic, the default path, and
  the gaussian, like for like with KDEpy.

Koopsuz's FFTs ask for every core (``scipy.fft`` ``workers=-1``), the peers'
use one; at these sizes binning dominates and pinned to one core
(``taskset -c 0``) the ratios were the same (2026-11-22).

Run: ``.venv/bin/python -m bench.density [--repeats 5]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import scipy.signal
from KDEpy import FFTKDE
from scipy.stats import gaussian_kde

from geo.stats.density import density_from_xy, silverman_bandwidth

SIDE = 20_000.0
SIZES = ((10_000, 500), (1_000_000, 1000))
SCIPY_ROWS = 25  # of 500: gaussian_kde is timed on these rows and scaled up


def clustered(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.15 * SIDE, 0.85 * SIDE, (30, 2))
    spread = rng.uniform(200, 1200, 30)
    k = rng.integers(0, 30, n)
    p = centres[k] + rng.normal(0, 1, (n, 2)) * spread[k, None]
    background = rng.random(n) < 0.2
    p[background] = rng.uniform(0, SIDE, (background.sum(), 2))
    p = np.clip(p, 0, np.nextafter(SIDE, 0))
    return p[:, 0], p[:, 1]


def numpy_reference(x: np.ndarray, y: np.ndarray, *, h: float, cells: int) -> np.ndarray:
    """The textbook binned KDE: count points per cell, convolve with the quartic kernel."""
    cell = SIDE / cells
    counts, _, _ = np.histogram2d(y, x, bins=cells, range=[[0, SIDE], [0, SIDE]])
    half = int(np.ceil(h / cell))
    o = np.arange(-half, half + 1) * cell
    r2 = (o[:, None] ** 2 + o[None, :] ** 2) / h**2
    kernel = np.where(r2 < 1, (1 - r2) ** 2, 0.0)
    kernel /= kernel.sum() * cell * cell
    return scipy.signal.fftconvolve(counts[::-1], kernel, mode="same") * 1e6


def scipy_kde(x: np.ndarray, y: np.ndarray, *, h: float, cells: int, rows: int) -> np.ndarray:
    """gaussian_kde on the first ``rows`` grid rows; its kernel covariance is about h² I."""
    data = np.vstack([x, y])
    kde = gaussian_kde(data, bw_method=h / np.sqrt(np.cov(data).diagonal().mean()))
    centres = (np.arange(cells) + 0.5) * SIDE / cells
    gx, gy = np.meshgrid(centres, centres[::-1][:rows])
    return kde(np.vstack([gx.ravel(), gy.ravel()])) * len(x) * 1e6


def kdepy(x: np.ndarray, y: np.ndarray, *, h: float, cells: int) -> np.ndarray:
    return FFTKDE(kernel="gaussian", bw=h).fit(np.column_stack([x, y])).evaluate((cells, cells))[1]


def koopsuz(x: np.ndarray, y: np.ndarray, *, h: float, cells: int, kernel: str = "quartic") -> np.ndarray:
    return density_from_xy(x, y, kernel=kernel, bandwidth=h, cell=SIDE / cells, extent=(0.0, 0.0, SIDE, SIDE))


def median_time(f: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    results: dict[str, dict[int, float]] = {}
    notes = []
    for n, cells in SIZES:
        x, y = clustered(n)
        h = silverman_bandwidth(x, y)
        notes.append(f"{n:,} points, {cells} x {cells} cells of {SIDE / cells:g} m, bandwidth {h:.0f} m "
                     f"({h / (SIDE / cells):.1f} cells)")
        peers = {
            "numpy reference (histogram2d + fftconvolve, quartic)": partial(numpy_reference, x, y, h=h, cells=cells),
            "KDEpy FFTKDE (gaussian)": partial(kdepy, x, y, h=h, cells=cells),
            "Koopsuz density_from_xy (quartic, default)": partial(koopsuz, x, y, h=h, cells=cells),
            "Koopsuz density_from_xy (gaussian)": partial(koopsuz, x, y, h=h, cells=cells, kernel="gaussian"),
        }
        for name, f in peers.items():
            results.setdefault(name, {})[n] = median_time(f, args.repeats)
        if n == 10_000:
            part = median_time(partial(scipy_kde, x, y, h=h, cells=cells, rows=SCIPY_ROWS), 1)
            results.setdefault("scipy.stats.gaussian_kde (gaussian)", {})[n] = part * cells / SCIPY_ROWS
    print("\n".join(notes))
    print(f"\n| peer | {' | '.join(f'{n:,} pts, {c} x {c} (s)' for n, c in SIZES)} |")
    print("|---|" + "---|" * len(SIZES))
    for name, by_n in results.items():
        print(f"| {name} | {' | '.join(f'{by_n[n]:.4f}' if n in by_n else '-' for n, _ in SIZES)} |")
    ours = results["Koopsuz density_from_xy (quartic, default)"]
    ref = results["numpy reference (histogram2d + fftconvolve, quartic)"]
    scipy_t = results["scipy.stats.gaussian_kde (gaussian)"][10_000]
    kde_t = results["KDEpy FFTKDE (gaussian)"][1_000_000]
    ours_g = results["Koopsuz density_from_xy (gaussian)"][1_000_000]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print()
    for n, _ in SIZES:
        r = ours[n] / ref[n]
        print(f"- Koopsuz / numpy reference at {n:,}: {r:.2f}x (target <= 1.5x: {verdict(r <= 1.5)})")
    r = scipy_t / ours[10_000]
    print(f"- scipy gaussian_kde / Koopsuz at 10,000: {r:,.0f}x (target >= 1000x: {verdict(r >= 1000)})")
    r = kde_t / ours[1_000_000]
    print(f"- KDEpy / Koopsuz (quartic) at 1,000,000: {r:.2f}x (target > 1: {verdict(r > 1)}); "
          f"KDEpy / Koopsuz gaussian: {kde_t / ours_g:.2f}x")
    print(f"\nMedians of {args.repeats} runs; gaussian_kde once, on {SCIPY_ROWS} of the 500 grid rows "
          f"({SCIPY_ROWS * 500:,} cells), scaled linearly to the whole grid (its cost is n * cells).")


if __name__ == "__main__":
    main()
