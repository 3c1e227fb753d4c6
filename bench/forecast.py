"""Which map predicts next month best: the rolling evaluation against a naive per-month route.

Synthetic city: an ellipse of 24 x 18 km cut into 100 m cells (240 x 180 grid, about 34,000 cells in the
study area); about 100,000 incidents over 36 months: a smooth background (45 %), 80 persistent hot spots
(30 %), 20 hot spots that grow over the period (15 %) and near-repeat chains (10 %, a follow-up within 200 m
and two weeks). Koopsuz: :func:`geo.forecast.rolling_accuracy` with the five methods, 12 training months,
24 test months, the table's three shares and the chart's 40 (median of ``--repeats``); also the
GeoDataFrame adapter (projection and grid included), and each method's maps alone.

The peer is the route without this package, one month at a time, as a user of the usual libraries would
write it, on the same months, cells and training incidents:

- KDE: ``scipy.stats.gaussian_kde`` of the training incidents evaluated at every study-area cell centre
  (a gaussian, scipy's only kernel, with Scott's bandwidth: the timing, not the map, is compared). Timed on
  ``--kde-cells`` cell centres of one month and scaled to all cells and 24 months (its cost is points x cells);
- Gi*: ``esda.G_Local(star=True, transform="B")`` on a libpysal ``DistanceBand`` of the cell centres with
  the month's band; the weights built once (generous: the band changes by month), G_Local timed on one month
  and scaled to 24;
- prospective: open_cp's classic loop (``ProspectiveHotSpot.predict``: a Python loop over cells, numpy over
  the incidents), timed on ``--loop-cells`` cells of one month, scaled; its scores are checked equal to
  Koopsuz's on those cells;
- last period: ``np.histogram2d`` of the last training month (already the fast way; no ratio claimed);
- scoring: ``ptools::pai``'s route (sort the cells by score, cumulative sums) in pandas, once per map and
  share, on the very maps Koopsuz scored.

Run: ``.venv/bin/python -m bench.forecast [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.crs import local_crs, metric_xy  # noqa: E402
from geo.forecast import METHODS, Grid, Window, forecast_accuracy, prospective_score, rolling_accuracy  # noqa: E402
from geo.forecast.accuracy import CURVE_SHARES, SHARES  # noqa: E402
from geo.stats.hotspots import _knn_band  # noqa: E402
from geo.stats.lattice import square_grid  # noqa: E402

CELL = 100.0
A_HALF, B_HALF = 12_000.0, 9_000.0  # the ellipse's semi-axes, metres
MONTHS = 36
N_TARGET = 100_000
TEST_MONTHS = 24


def city(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, shapely.Geometry]:
    """About 100,000 incidents (x, y in metres, times) over 36 months, and the city's ellipse."""
    rng = np.random.default_rng(seed)
    region = shapely.affinity.scale(shapely.Point(0, 0).buffer(1.0, quad_segs=64), A_HALF, B_HALF)
    start = np.datetime64("2021-01-01T00:00", "s")
    span = MONTHS * 30.44 * 86400
    xs, ys, ts = [], [], []

    def add(x: np.ndarray, y: np.ndarray, t: np.ndarray) -> None:
        xs.append(x)
        ys.append(y)
        ts.append(t)

    n_all = int(N_TARGET * 1.15)  # about 10 % fall outside the ellipse; 100,000 of those inside are kept
    n_bg = int(n_all * 0.45)  # background: districts of different density
    centres = rng.uniform([-9000, -6000], [9000, 6000], size=(8, 2))
    pick = rng.integers(0, 8, n_bg)
    add(centres[pick, 0] + rng.normal(0, 3000, n_bg), centres[pick, 1] + rng.normal(0, 3000, n_bg),
        rng.uniform(0, span, n_bg))
    n_hot = int(n_all * 0.30)  # persistent hot spots
    spots = rng.uniform([-10000, -7000], [10000, 7000], size=(80, 2))
    weight = rng.gamma(1.0, 1.0, 80)
    pick = rng.choice(80, n_hot, p=weight / weight.sum())
    radius = rng.uniform(50, 200, 80)[pick]
    add(spots[pick, 0] + rng.normal(0, 1, n_hot) * radius, spots[pick, 1] + rng.normal(0, 1, n_hot) * radius,
        rng.uniform(0, span, n_hot))
    n_new = int(n_all * 0.15)  # emerging hot spots: intensity rising linearly from zero
    spots = rng.uniform([-10000, -7000], [10000, 7000], size=(20, 2))
    pick = rng.integers(0, 20, n_new)
    add(spots[pick, 0] + rng.normal(0, 120, n_new), spots[pick, 1] + rng.normal(0, 120, n_new),
        span * np.sqrt(rng.uniform(0, 1, n_new)))
    x, y, t = np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)
    n_rep = n_all - len(x)  # near repeats: a follow-up of a random incident, within 200 m and 14 days
    parent = rng.integers(0, len(x), n_rep)
    angle, dist = rng.uniform(0, 2 * np.pi, n_rep), rng.uniform(0, 200, n_rep)
    x = np.concatenate([x, x[parent] + dist * np.cos(angle)])
    y = np.concatenate([y, y[parent] + dist * np.sin(angle)])
    t = np.minimum(np.concatenate([t, t[parent] + rng.uniform(0, 14 * 86400, n_rep)]), span - 1)
    when = start + t.astype("timedelta64[s]")
    keep = np.sort(rng.choice(np.flatnonzero(shapely.contains_xy(region, x, y)), N_TARGET, replace=False))
    return x[keep], y[keep], when[keep].astype("datetime64[ns]"), region


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def windows(x: np.ndarray, y: np.ndarray, when: np.ndarray, grid: Grid) -> list[Window]:
    """The 24 training windows, as rolling_accuracy hands them to the methods (caught by a spy)."""
    caught: list[Window] = []

    def spy(w: Window) -> np.ndarray:
        caught.append(w)
        return w.counts

    rolling_accuracy(x, y, when, grid=grid, methods={"spy": spy})
    return caught


def method_times(x: np.ndarray, y: np.ndarray, when: np.ndarray, grid: Grid) -> tuple[dict[str, float], float]:
    """Seconds each method spent drawing its 24 maps, inside one rolling run; and the run's total."""
    spent = {name: 0.0 for name in METHODS}

    def clock(name: str) -> Callable[[Window], np.ndarray]:
        def run(w: Window) -> np.ndarray:
            t0 = time.perf_counter()
            out = METHODS[name](w)
            spent[name] += time.perf_counter() - t0
            return out
        return run

    t0 = time.perf_counter()
    rolling_accuracy(x, y, when, grid=grid, methods={name: clock(name) for name in METHODS})
    return spent, time.perf_counter() - t0


def peer_kde(w: Window, cx: np.ndarray, cy: np.ndarray, n_eval: int) -> float:
    from scipy.stats import gaussian_kde

    t0 = time.perf_counter()
    kde = gaussian_kde(np.vstack([w.x, w.y]))
    kde(np.vstack([cx[:n_eval], cy[:n_eval]]))
    return (time.perf_counter() - t0) * len(cx) / n_eval


def peer_gistar(w: Window, cx: np.ndarray, cy: np.ndarray) -> tuple[float, float]:
    """Seconds to build the weights once, and seconds of one month's G_Local."""
    import esda
    import libpysal

    busy = w.grid.mask & (w.counts > 0)  # the band gistar_score takes
    rows, cols = np.nonzero(busy)
    band = _knn_band(np.column_stack([w.grid.x0 + (cols + 0.5) * w.grid.cell,
                                      w.grid.y0 + (rows + 0.5) * w.grid.cell]), w.grid.cell)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        weights = libpysal.weights.DistanceBand(np.column_stack([cx, cy]), threshold=band * (1 + 1e-9), binary=True,
                                                silence_warnings=True)
        t1 = time.perf_counter()
        esda.G_Local(w.counts[w.grid.mask], weights, star=True, transform="B", permutations=0)
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def peer_prospective(w: Window, n_cells: int) -> tuple[float, float]:
    """open_cp's classic loop on the first ``n_cells`` study-area cells: seconds scaled to all, max difference."""
    rows, cols = w.grid.shape
    weeks_t = np.floor(w.age_days / 7.0)
    iy, ix = np.divmod(w.cell_index, cols)
    band = 400.0 / w.grid.cell
    cells = np.flatnonzero(w.grid.mask.ravel())
    got = np.empty(n_cells)
    t0 = time.perf_counter()
    for j, flat in enumerate(cells[:n_cells]):
        r, c = divmod(int(flat), cols)
        d = np.hypot(iy - r, ix - c)
        keep = (d <= band * (1 + 1e-9)) & (weeks_t < 8)
        got[j] = np.sum(1.0 / ((1.0 + d[keep]) * (1.0 + weeks_t[keep])))
    secs = (time.perf_counter() - t0) * len(cells) / n_cells
    ours = prospective_score(w).ravel()[cells[:n_cells]]
    return secs, float(np.abs(got - ours).max())


def peer_scoring(maps: list[tuple[np.ndarray, np.ndarray]], shares: np.ndarray) -> float:
    """ptools::pai's route in pandas: sort by score (ties: fewest incidents first), cumulative sums, per share."""
    out = []
    t0 = time.perf_counter()
    for score, counts in maps:
        frame = pd.DataFrame({"pred": score, "count": counts}).sort_values(["pred", "count"], ascending=[False, True])
        cum = frame["count"].cumsum().to_numpy()
        best = np.sort(counts)[::-1].cumsum()
        total = counts.sum()
        for s in shares:
            k = max(1, int(np.floor(s * len(counts) + 0.5)))
            pai = (cum[k - 1] / total) / (k / len(counts))
            out.append((pai, pai / ((best[k - 1] / total) / (k / len(counts)))))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of Koopsuz's evaluation (median reported)")
    ap.add_argument("--kde-cells", type=int, default=500, help="cells gaussian_kde is timed on, then scaled")
    ap.add_argument("--loop-cells", type=int, default=2000, help="cells open_cp's loop is timed on, then scaled")
    args = ap.parse_args(argv)

    x, y, when, region = city()
    lattice = square_grid(x[:0], y[:0], x[:0], region, CELL)
    grid = Grid(x0=lattice.x0, y0=lattice.y0, cell=CELL, mask=lattice.mask)
    rows, cols = grid.shape
    print(f"{len(x):,} incidents over {MONTHS} months; grid {rows} x {cols} of {CELL:g} m, {grid.n_cells:,} cells "
          f"in the study area; 12 training months, {TEST_MONTHS} test months; shares {list(SHARES)} and "
          f"{len(CURVE_SHARES)} for the curve. Koopsuz: median of {args.repeats}.\n")

    ours_s, result = timed(lambda: rolling_accuracy(x, y, when, grid=grid), args.repeats)
    runs = sorted((method_times(x, y, when, grid) for _ in range(args.repeats)), key=lambda r: r[1])
    spent, instrumented = runs[len(runs) // 2]  # the breakdown of the median instrumented run
    utm = local_crs(gpd.GeoSeries([shapely.Point(74.6, 42.87)], crs=4326))
    ox, oy, _ = metric_xy(gpd.GeoSeries([shapely.Point(74.6, 42.87)], crs=4326), utm)
    pts = gpd.GeoSeries(gpd.points_from_xy(x + ox[0], y + oy[0]), crs=utm).to_crs(4326)
    incidents = gpd.GeoDataFrame({"occurred_at": pd.to_datetime(when)}, geometry=pts, crs=4326)
    boundary = gpd.GeoSeries([shapely.affinity.translate(region, ox[0], oy[0])], crs=utm)
    adapter_s, _ = timed(lambda: forecast_accuracy(incidents, cell=CELL, boundary=boundary), args.repeats)

    wins = windows(x, y, when, grid)
    w = wins[len(wins) // 2]
    cx, cy = lattice.cx[grid.mask], lattice.cy[grid.mask]
    kde_month = peer_kde(w, cx, cy, args.kde_cells)
    w_build, g_month = peer_gistar(w, cx, cy)
    pro_month, pro_diff = peer_prospective(w, args.loop_cells)
    flat = grid.locate(x, y)
    t0 = time.perf_counter()
    for win in wins:
        last = (win.end.astype("datetime64[M]") - np.timedelta64(1, "M")).astype("datetime64[D]")
        sel = win.age_days <= (win.end - last).astype(int)
        np.histogram2d(win.y[sel], win.x[sel], bins=(rows, cols),
                       range=((grid.y0, grid.y0 + rows * CELL), (grid.x0, grid.x0 + cols * CELL)))
    last_peer = time.perf_counter() - t0
    maps = []
    for win in wins:
        in_test = (when >= win.end) & (when < (win.end.astype("datetime64[M]") + np.timedelta64(1, "M")))
        test = np.bincount(flat[in_test & (flat >= 0)], minlength=rows * cols).astype(float)[grid.mask.ravel()]
        maps += [(METHODS[name](win)[grid.mask], test) for name in METHODS]
    all_shares = np.concatenate([SHARES, CURVE_SHARES])
    score_peer = peer_scoring(maps, all_shares)
    n = len(wins)
    # the emerging map's peer: Gi* per training month with esda, and pymannkendall per cell, in every window
    # (G_Local's month as timed above; Mann-Kendall timed on 300 cells' 12-month series and scaled)
    import pymannkendall

    rng = np.random.default_rng(0)
    series = rng.poisson(2.0, (300, 12)).astype(float)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row in series:
            pymannkendall.original_test(row)
    mk_cell = (time.perf_counter() - t0) / len(series)
    peers = {"kde": kde_month * n, "gistar": w_build + g_month * n, "prospective": pro_month * n,
             "last_period": last_peer,
             "emerging": w_build + g_month * 12 * n + mk_cell * int(grid.mask.sum()) * n}
    scoring_ours = instrumented - sum(spent.values())

    print("| step (24 test months) | koopsuz (s) | naive peer | peer (s) | peer / koopsuz |")
    print("|---|---|---|---|---|")
    labels = {"kde": f"scipy gaussian_kde at every cell (timed on {args.kde_cells} cells of one month, scaled)",
              "gistar": "esda G_Local + libpysal DistanceBand (weights once; one month timed, x24)",
              "prospective": f"open_cp classic per-cell loop (timed on {args.loop_cells} cells of one month, scaled)",
              "last_period": "np.histogram2d per month",
              "emerging": "esda G_Local per training month + pymannkendall per cell (scaled from one month and 300 "
                          "cells)"}
    for name in METHODS:
        ratio = "-" if name == "last_period" else f"{peers[name] / spent[name]:,.0f}x"  # both are a binning
        print(f"| {name} maps | {spent[name]:.2f} | {labels[name]} | {peers[name]:,.2f} | {ratio} |")
    print(f"| windows, scoring and tables ({len(all_shares)} shares x {len(METHODS)} methods) | {scoring_ours:.2f} "
          f"| scoring only: ptools-style pandas sort + cumsum per map and share | {score_peer:.2f} "
          f"| {score_peer / scoring_ours:,.1f}x |")
    peer_total = sum(peers.values()) + score_peer
    print(f"| **rolling_accuracy, all {len(METHODS)} methods** | **{ours_s:.2f}** | sum of the above | **{peer_total:,.0f}** "
          f"| **{peer_total / ours_s:,.0f}x** |")
    print(f"| forecast_accuracy (GeoDataFrame, lon/lat, boundary) | {adapter_s:.2f} | | | |")
    print(f"\nTarget: rolling PAI over 24 months under 10 s: {'met' if ours_s < 10 else 'NOT met'} ({ours_s:.2f} s).")
    print(f"open_cp loop against Koopsuz's prospective map on {args.loop_cells} cells: max abs difference "
          f"{pro_diff:.1e}.")
    summary = result.summary
    print("\nOn this synthetic city (means over the 24 test months):\n")
    print("| method | share | mean PAI | median PAI | mean PEI | mean hit rate |")
    print("|---|---|---|---|---|---|")
    for r in summary.itertuples():
        print(f"| {r.method} | {r.share:.0%} | {r.mean_pai:.2f} | {r.median_pai:.2f} | {r.mean_pei:.3f} "
              f"| {r.mean_hit_rate:.3f} |")
    print(f"\nRecommended (mean PEI at 5 %): {result.best(0.05)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
