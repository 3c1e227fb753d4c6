"""Gi* hot spots on a lattice: Koopsuz's convolution against esda's ``G_Local``.

Peers, on the same counts in the same run:
- ``esda.G_Local(y, w, star=True, transform="B")`` with ``w`` a libpysal
  ``DistanceBand`` (binary, the same band) on the cell centres; its time
  includes building the weights, which a user of esda must do;
- ``geo.stats.gistar.gi_star_grid`` plus ``fdr_bins`` (z, p and the FDR bins).

Counts: Poisson(2) on a 300x300 and a 500x500 lattice with a few Gaussian hot
blobs added; band 1.5 cells (the 8 queen neighbours and the cell itself).
Permutation inference: ``gi_star_permutation`` with 999 permutations at
500x500, and esda's ``G_Local(permutations=999)`` at 300x300 in a child
process that is stopped after 60 s. Times are medians of ``--repeats`` runs
for Koopsuz, one run for esda.

Run: ``.venv/bin/python -m bench.hotspots [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.stats.gistar import fdr_bins, gi_star_grid, gi_star_permutation  # noqa: E402

BAND = 1.5
SIZES = (300, 500)
PERMUTATIONS = 999
ESDA_PERM_LIMIT_S = 60.0

CHILD = r"""
import json, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
import esda, libpysal
counts = np.load(sys.argv[1])
rows, cols = counts.shape
ii, jj = np.divmod(np.arange(rows * cols), cols)
w = libpysal.weights.DistanceBand(np.column_stack([jj, ii]).astype(float), threshold={band} * (1 + 1e-9),
                                  binary=True, silence_warnings=True)
print("ready", flush=True)
t0 = time.perf_counter()
g = esda.G_Local(counts.ravel(), w, star=True, transform="B", permutations={perms}, seed=0)
secs = time.perf_counter() - t0
np.save(sys.argv[2], g.p_sim)
print(json.dumps({{"seconds": secs}}))
"""


def lattice(size: int, *, seed: int = 0) -> np.ndarray:
    """Poisson(2) counts with five Gaussian hot blobs."""
    rng = np.random.default_rng(seed)
    lam = np.full((size, size), 2.0)
    ii, jj = np.mgrid[0:size, 0:size]
    for ci, cj, r, peak in zip(rng.uniform(0, size, 5), rng.uniform(0, size, 5), rng.uniform(3, 12, 5),
                               rng.uniform(3, 8, 5), strict=True):
        lam += peak * np.exp(-((ii - ci) ** 2 + (jj - cj) ** 2) / (2 * r * r))
    return rng.poisson(lam).astype(float)


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def analytic(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z, p = gi_star_grid(counts, band_cells=BAND)
    return z, p, fdr_bins(z, p)


def esda_analytic(counts: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Seconds to build the weights, seconds for G_Local, and its z-scores."""
    import esda
    import libpysal

    rows, cols = counts.shape
    ii, jj = np.divmod(np.arange(rows * cols), cols)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        w = libpysal.weights.DistanceBand(np.column_stack([jj, ii]).astype(float), threshold=BAND * (1 + 1e-9),
                                          binary=True, silence_warnings=True)
        t1 = time.perf_counter()
        g = esda.G_Local(counts.ravel(), w, star=True, transform="B", permutations=0)
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1, g.Zs


def esda_permutations(counts: np.ndarray) -> tuple[float | None, np.ndarray | None, str]:
    """esda's 999 permutations in a child process, stopped after the time limit."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "counts.npy", Path(tmp) / "p_sim.npy"
        np.save(src, counts)
        code = CHILD.format(band=BAND, perms=PERMUTATIONS)
        # Its own session, so that esda's joblib workers stop with it.
        proc = subprocess.Popen([sys.executable, "-c", code, str(src), str(out)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        assert proc.stdout is not None
        proc.stdout.readline()  # "ready": the weights are built, G_Local starts now
        try:
            stdout, stderr = proc.communicate(timeout=ESDA_PERM_LIMIT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None, None, f"skipped: G_Local still running after {ESDA_PERM_LIMIT_S:.0f} s, stopped"
        if proc.returncode != 0:
            return None, None, f"failed: {stderr.strip().splitlines()[-1] if stderr.strip() else proc.returncode}"
        return json.loads(stdout.strip().splitlines()[-1])["seconds"], np.load(out), ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of Koopsuz's functions (median reported)")
    args = ap.parse_args(argv)

    print(f"Band {BAND} cells (queen neighbours and the cell itself), binary weights, Gi* (star), "
          f"Poisson(2) counts with five hot blobs. Koopsuz: median of {args.repeats}; esda: one run.\n")
    print("| lattice | cells | esda weights (s) | esda G_Local (s) | esda total (s) | koopsuz z + p + FDR bins (s) "
          "| esda / koopsuz | max abs z difference |")
    print("|---|---|---|---|---|---|---|---|")
    data = {size: lattice(size, seed=size) for size in SIZES}
    for size, counts in data.items():
        ours_s, (z, _, _) = timed(lambda c=counts: analytic(c), args.repeats)
        w_s, g_s, zs = esda_analytic(counts)
        diff = float(np.abs(zs - z.ravel()).max())
        total = w_s + g_s
        print(f"| {size}x{size} | {size * size:,} | {w_s:.2f} | {g_s:.2f} | {total:.2f} | {ours_s:.3f} "
              f"| {total / ours_s:,.0f}x | {diff:.1e} |")

    print("\nPermutation inference, 999 permutations (pseudo p-values):\n")
    print("| lattice | method | time (s) | note |")
    print("|---|---|---|---|")
    big = data[500]
    perm_s, _ = timed(lambda: gi_star_permutation(big, band_cells=BAND, permutations=PERMUTATIONS, seed=0),
                      args.repeats)
    print(f"| 500x500 | koopsuz gi_star_permutation | {perm_s:.2f} | target < 10 s |")
    small = data[300]
    ours300_s, ours_p = timed(lambda: gi_star_permutation(small, band_cells=BAND, permutations=PERMUTATIONS,
                                                          seed=0), args.repeats)
    esda_ties_p = gi_star_permutation(small, band_cells=BAND, permutations=PERMUTATIONS, seed=0, ties="upper")
    print(f"| 300x300 | koopsuz gi_star_permutation | {ours300_s:.2f} | |")
    esda_s, esda_p, note = esda_permutations(small)
    if esda_p is not None:
        d = np.abs(esda_p - esda_ties_p.ravel())
        d_both = np.abs(esda_p - ours_p.ravel())
        note = (f"{esda_s / ours300_s:,.0f}x koopsuz. With esda's tie rule (`ties='upper'`), p_sim within 0.03 "
                f"of koopsuz's in {(d <= 0.03).mean():.1%} of cells, median difference {np.median(d):.3f} "
                f"(independent draws: noise sd about 0.02 at p = 0.25); with koopsuz's default (ties in both "
                f"tails) median difference {np.median(d_both):.3f}")
        print(f"| 300x300 | esda G_Local(permutations=999), weights not timed | {esda_s:.2f} | {note} |")
    else:
        shown = f"{esda_s:.2f}" if esda_s is not None else "-"
        print(f"| 300x300 | esda G_Local(permutations=999), weights not timed | {shown} | {note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
