"""Near repeats (the Knox test): Koopsuz's close pairs against a plain numpy n x n Knox.

Peers, on the same events in the same run:
- a plain numpy n x n Knox (the way the R package ``NearRepeat`` and the usual Python versions compute it,
  in row blocks so that it fits in memory): the space band of every one of the n (n - 1) / 2 pairs computed
  once (int8), then for the observed dates and for each shuffle the day gaps of every pair, placed in time
  bands with ``searchsorted`` and counted with ``bincount``. It draws its shuffles from the same seeded
  generator in the same order, so its tables must equal Koopsuz's: the observed table is compared whole, and
  its first shuffles give the same expected counts and p-values as Koopsuz run with that many permutations.
  It cannot run 999 shuffles in a benchmark (minutes per hundred at 20,000 events): its time per shuffle is
  measured on a few and multiplied out, plus its set-up.
- ``geo.spacetime.nearrepeat.knox_from_arrays`` with 999 permutations (median of ``--repeats`` runs).

Events: synthetic, over a 15 x 12 km city: 85 % drawn around 60 hot spots (spread 150 to 600 m) or uniformly,
on days spread over two years, and 15 % follow-ups within about 60 m and 0 to 14 days of an earlier event (a
near-repeat pattern the test should find). Coordinates rounded to 0.1 m, so that some pairs lie exactly on
band edges. Bands: the Near Repeat Calculator's 100 m x 3 with its same-location band and 7 days x 3,
``--space-bands 0,1,100,200,300 --time-bands 0,7,14,21``, Manhattan distance. Targets: 20,000 events with
999 permutations under 10 s, and at least 20 times faster than the peer.

Run: ``.venv/bin/python -m bench.nearrepeat [--repeats 3] [--peer-shuffles 2]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scipy.spatial import cKDTree  # noqa: E402

from geo.spacetime.nearrepeat import knox_from_arrays  # noqa: E402

SPACE = (0.0, 1.0, 100.0, 200.0, 300.0)
TIME = (0, 7, 14, 21)
PERMUTATIONS = 999
SIZES = (5_000, 20_000)
SEED = 0
BLOCK = 500  # rows of the peer's blocks: 500 x 20,000 pairs at a time


def events(n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y (metres) and day numbers of ``n`` synthetic events with a near-repeat pattern."""
    rng = np.random.default_rng(seed)
    base = int(n * 0.85)
    hubs = rng.uniform([0, 0], [15_000, 12_000], (60, 2))
    spread = rng.uniform(150, 600, 60)
    k = rng.choice(60, base, p=rng.dirichlet(np.ones(60)))
    near_hub = rng.random(base) < 0.7
    xy = np.where(near_hub[:, None], hubs[k] + rng.normal(0, 1, (base, 2)) * spread[k, None],
                  rng.uniform([0, 0], [15_000, 12_000], (base, 2)))
    day = rng.integers(0, 730, base)
    src = rng.integers(0, base, n - base)
    xy = np.vstack([xy, xy[src] + rng.normal(0, 60, (n - base, 2))])
    day = np.concatenate([day, np.minimum(day[src] + rng.integers(0, 15, n - base), 729)])
    return np.round(xy[:, 0], 1), np.round(xy[:, 1], 1), day


class PeerKnox:
    """The plain n x n Knox in row blocks: every pair's space band once, every pair's day gap per shuffle."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.n = len(x)
        self.space = np.asarray(SPACE)
        self.time = np.asarray(TIME)
        self.blocks: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        for a in range(0, self.n, BLOCK):
            b = min(a + BLOCK, self.n)
            upper = np.arange(a, self.n)[None, :] > np.arange(a, b)[:, None]  # pairs i < j, each once
            dx = x[a:b, None] - x[None, a:]
            dy = y[a:b, None] - y[None, a:]
            s = (np.abs(dx) + np.abs(dy))[upper]
            self.blocks.append((a, b, upper, (np.searchsorted(self.space, s, side="right") - 1).astype(np.int8)))

    def table(self, day: np.ndarray) -> np.ndarray:
        rows, cols = len(self.space), len(self.time)
        out = np.zeros(rows * cols, dtype=np.int64)
        for a, b, upper, sc in self.blocks:
            gap = np.abs(day[a:b, None] - day[None, a:])[upper]
            tc = np.searchsorted(self.time, gap, side="right") - 1
            ok = (sc >= 0) & (tc >= 0)
            out += np.bincount(sc[ok].astype(np.int64) * cols + tc[ok], minlength=rows * cols)
        return out.reshape(rows, cols)


def timed(fn, repeats: int) -> tuple[float, object]:  # noqa: ANN001
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of Koopsuz's function (median reported)")
    ap.add_argument("--peer-shuffles", type=int, default=2, help="shuffles the peer runs at 20,000 events "
                                                                  "(ten times as many at 5,000)")
    args = ap.parse_args(argv)

    print(f"Knox test, Manhattan distance, space bands {SPACE}, time bands {TIME} (the last of each open), "
          f"{PERMUTATIONS} permutations, seed {SEED}. Koopsuz: median of {args.repeats}; peer: one run.\n")
    print("| events | pairs | close pairs (< 300 m) | koopsuz 999 permutations (s) | peer set-up + observed (s) "
          "| peer per shuffle (s) | peer 999 permutations (s, multiplied out) | peer / koopsuz "
          "| observed equal | first shuffles equal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    result = None
    for n in SIZES:
        x, y, day = events(n, seed=n)
        i, j = cKDTree(np.column_stack([x, y])).query_pairs(SPACE[-1], p=1, output_type="ndarray").T
        close = int((np.abs(x[i] - x[j]) + np.abs(y[i] - y[j]) < SPACE[-1]).sum())
        ours_s, result = timed(lambda: knox_from_arrays(x, y, day, space_bands=SPACE, time_bands=TIME,
                                                        permutations=PERMUTATIONS, seed=SEED), args.repeats)
        t0 = time.perf_counter()
        peer = PeerKnox(x, y)
        observed = peer.table(day)
        setup_s = time.perf_counter() - t0
        shuffles = args.peer_shuffles * (10 if n < 10_000 else 1)
        rng = np.random.default_rng(SEED)  # the same stream as Koopsuz's: the r-th shuffle is the same
        t0 = time.perf_counter()
        tables = np.array([peer.table(rng.permutation(day)) for _ in range(shuffles)])
        per_s = (time.perf_counter() - t0) / shuffles
        peer_s = setup_s + PERMUTATIONS * per_s
        few = knox_from_arrays(x, y, day, space_bands=SPACE, time_bands=TIME, permutations=shuffles, seed=SEED)
        same_obs = bool(np.array_equal(observed, result.observed))
        same_few = bool(np.array_equal(few.expected, tables.sum(axis=0) / shuffles)
                        and np.array_equal(few.p, (1 + (tables >= observed).sum(axis=0)) / (shuffles + 1)))
        print(f"| {n:,} | {n * (n - 1) // 2:,} | {close:,} | {ours_s:.2f} | {setup_s:.2f} | {per_s:.2f} "
              f"| {peer_s:,.0f} | {peer_s / ours_s:,.0f}x | {'yes' if same_obs else 'NO'} "
              f"| {'yes' if same_few else 'NO'} ({shuffles}) |")

    assert result is not None
    np.set_printoptions(precision=2, suppress=True, linewidth=150)
    print(f"\nKoopsuz's table at {SIZES[-1]:,} events (rows: {', '.join(result.space_labels)}; "
          f"columns: {', '.join(result.time_labels)}):\n")
    print("observed\n", result.observed, "\nKnox ratio\n", result.ratio, "\np\n", result.p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
