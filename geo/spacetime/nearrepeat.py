"""Near repeats: the Knox test over space bands x time bands, as the Near Repeat Calculator defines it.

After a burglary, the homes nearby run a higher risk for a few weeks (Townsley, Homel & Chaseling 2003;
Johnson & Bowers 2004). The Knox test measures it: every pair of events is placed by the distance between
them (a space band) and the days between them (a time band), and the observed count of each cell of the
table is compared with what the same events give when their dates are shuffled among them, which keeps
where the events happen and when they happen but breaks any link between the two. This is the test of
Ratcliffe's Near Repeat Calculator (NRC) and of Steenbeek's R package ``NearRepeat``:

- **pairs**: each unordered pair of events once (i < j); an event is not paired with itself.
- **distances**: Manhattan ``|dx| + |dy|`` (the NRC's default, a stand-in for walking along streets) or
  Euclidean ``sqrt(dx * dx + dy * dy)``, in the input's own projected CRS when it has one, as the NRC
  measures on the coordinates it is given (a rotation into UTM would change Manhattan distances), else in
  the local UTM zone; a projected CRS in feet is scaled to metres, which keeps its axes.
- **days**: ``|day_i - day_j|``, dates taken to the day (the time of day is dropped).
- **bands**: edges ``e0 < e1 < ... < ek`` give the bands ``[e0, e1), ..., [e(k-1), ek)`` and the open
  ``[ek, inf)``: closed on the left, open on the right, so a distance exactly on an edge belongs to the band
  above it. Pairs closer than ``e0`` (when it is above 0) are in no band. Time edges are whole days.
- **expected**: the mean count of each cell over ``permutations`` tables of the dates shuffled (seeded:
  the r-th table shuffles with the r-th ``numpy.random.default_rng(seed).permutation`` in turn).
- **Knox ratio** = observed / expected (undefined where expected is 0); **p** = (1 + the number of
  shuffled tables with a count at least the observed one) / (permutations + 1), the one-sided pseudo
  p-value of the R package: small where pairs close in space are close in time more often than chance.

Labels say exactly what is counted: "0 to under 1 m", "100 m or more", "0 to under 7 days". The NRC asks
for a bandwidth and a number of bands, adds a "same location" band and "more than" bands, and labels its
bands one unit off: what it labels "8 to 14 days" counts the pairs 7 to 13 days apart, ``[7, 14)``, and
"1 to 100 m" counts ``[1, 100)`` (Steenbeek's ``NearRepeat`` vignette "NRC", and Davies's Python notebook,
found the shift on two-event examples). So the NRC's 100 m x 3 and 7 days x 3 table is
``space_bands=(0, 1, 100, 200, 300)``, ``time_bands=(0, 7, 14, 21)`` here: the same counts, labelled as
they are. The NRC cannot be seeded and reports significance from 20, 100 or 1,000 iterations; here any
number, and the same seed gives the same table.

Why hand-written: the R package and the usual Python versions build every pair (an n x n distance matrix),
so 20,000 events mean 200 million pairs per shuffle. Here only the pairs closer than the last finite space
edge are enumerated (a KD-tree, ``scipy.spatial.cKDTree.query_pairs``); the open last space band holds all
the other pairs, and its count per time band is the count of *all* pairs in that time band (from the sorted
dates, O(n log n), and the same for every shuffle, since shuffling keeps the dates) less the close pairs'.
Each shuffle then costs one pass over the close pairs. Distances of the close pairs are computed again with
the formulas above, so a tie on an edge is decided exactly as a direct count decides it. The cost and the
memory (tens of bytes a close pair) grow with the close pairs: a last finite edge as wide as the study area
makes nearly every pair close, and the test then costs what the n x n count costs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from scipy.spatial import cKDTree

from geo import messages as M
from geo.checks import check_choice, check_count
from geo.crs import local_crs, metric_xy, xy_arrays
from geo.plain import plain

__all__ = ["DISTANCES", "SIGNIFICANCE", "KnoxResult", "band_labels", "knox_from_arrays", "near_repeat",
           "parse_bands"]

DISTANCES = ("manhattan", "euclidean")
#: (level, p at most): the significance a table is coloured by, weakest first.
SIGNIFICANCE = ((1, 0.05), (2, 0.01))
# Close pairs are counted in pieces of this many, so that each piece's temporaries stay in the CPU's cache.
_PIECE = 32_768
# Above this many time edges one histogram of the clipped day gaps is cheaper than a comparison per edge.
_MANY_EDGES = 6
_SHOWN = 5  # rows named in an error


@dataclass(frozen=True)
class KnoxResult:
    """A Knox table: rows are space bands, columns time bands, the last of each open-ended.

    ``observed`` counts pairs (int64); ``expected`` is the mean count over the shuffles; ``ratio`` is
    observed / expected (NaN where expected is 0: no shuffle put a pair there); ``p`` the pseudo p-value
    (see the module docstring). ``space_bands`` and ``time_bands`` are the edges as given (metres, days).
    """

    observed: np.ndarray
    expected: np.ndarray
    ratio: np.ndarray
    p: np.ndarray
    space_bands: tuple[float, ...]
    time_bands: tuple[int, ...]
    space_labels: tuple[str, ...]
    time_labels: tuple[str, ...]
    distance: str
    events: int
    permutations: int
    seed: int
    crs: str | None = None

    @property
    def pairs(self) -> int:
        """All pairs of events, n (n - 1) / 2: those in a band and those closer than the first edges."""
        return self.events * (self.events - 1) // 2

    @property
    def significance(self) -> np.ndarray:
        """Per cell 0, 1 (p <= 0.05) or 2 (p <= 0.01): what the table is coloured by (``SIGNIFICANCE``)."""
        level = np.zeros(self.p.shape, dtype=np.int8)
        for lev, alpha in SIGNIFICANCE:
            level[self.p <= alpha] = lev
        return level

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: the command line's ``--json``. Tables are lists of rows (space) of columns (time)."""
        def rows(a: np.ndarray) -> list[list[object]]:
            return [[plain(v) for v in row] for row in a.tolist()]

        def bands(edges: Sequence[float]) -> list[list[float | None]]:
            edge = [int(e) if float(e).is_integer() else float(e) for e in edges]  # 100, not 100.0
            return [[lo, hi] for lo, hi in zip(edge, [*edge[1:], None], strict=True)]

        return {"observed": rows(self.observed), "expected": rows(self.expected), "ratio": rows(self.ratio),
                "p": rows(self.p), "significance": rows(self.significance),
                "bands": {"space": bands(self.space_bands), "time": bands(self.time_bands), "space_unit": "m",
                          "time_unit": "days", "closed": "left"},
                "labels": {"space": list(self.space_labels), "time": list(self.time_labels)},
                "distance": self.distance, "crs": self.crs, "events": self.events, "pairs": self.pairs,
                "permutations": self.permutations, "seed": self.seed}


def parse_bands(value: str | Sequence[float], *, name: str = "bands", whole: bool = False) -> tuple[float, ...]:
    """Band edges from ``"0,1,100"`` (the command line's) or a sequence, checked.

    Parameters
    ----------
    value : str or sequence of numbers
        Edges ``e0 < e1 < ...``: the bands are ``[e0, e1)``, ... and the open ``[ek, inf)``.
    name : str
        The argument's name, for the message.
    whole : bool
        Edges must be whole numbers (days).

    Returns
    -------
    tuple of float (of int with ``whole``)

    Raises
    ------
    ValueError
        Not numbers, none, negative, not finite, not strictly increasing, or not whole when ``whole``.
    """
    parts = [p.strip() for p in value.split(",")] if isinstance(value, str) else list(value)
    try:
        edges = [float(p) for p in parts if not (isinstance(p, str) and p == "")]
    except (TypeError, ValueError):
        msg = M.NR_BANDS_NUMBERS.format(name=name, value=repr(value))
        raise ValueError(msg) from None
    if not edges or any(isinstance(p, bool) for p in parts):
        msg = M.NR_BANDS_EMPTY.format(name=name, value=repr(value))
        raise ValueError(msg)
    if not all(math.isfinite(e) and e >= 0 for e in edges):
        msg = M.NR_BANDS_NEGATIVE.format(name=name, value=repr(value))
        raise ValueError(msg)
    if any(b <= a for a, b in zip(edges, edges[1:])):
        msg = M.NR_BANDS_ORDER.format(name=name, value=repr(value))
        raise ValueError(msg)
    if whole:
        if not all(e == int(e) for e in edges):
            msg = M.NR_BANDS_DAYS.format(name=name, value=repr(value))
            raise ValueError(msg)
        return tuple(int(e) for e in edges)
    return tuple(edges)


def band_labels(edges: Sequence[float], *, unit: str) -> tuple[str, ...]:
    """What each band holds, exactly: ``"0 to under 1 m"``, ``"100 m or more"``; ``unit`` "m" or "days"."""
    def num(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else repr(float(v))

    def named(v: float) -> str:
        return "day" if unit == "days" and v == 1 else unit

    out = [f"{num(lo)} to under {num(hi)} {named(hi)}" for lo, hi in zip(edges, edges[1:])]
    return (*out, f"{num(edges[-1])} {named(edges[-1])} or more")


def knox_from_arrays(x: object, y: object, days: object, *, space_bands: str | Sequence[float],
                     time_bands: str | Sequence[float], distance: str = "manhattan", permutations: int = 999,
                     seed: int = 0, crs: str | None = None) -> KnoxResult:
    """The Knox test on coordinate and day arrays.

    Parameters
    ----------
    x, y : array_like
        Coordinates in metres (a projected CRS), one per event, finite.
    days : array_like
        The day of each event: whole numbers (days since any origin) or ``datetime64`` values (taken to
        the day).
    space_bands : str or sequence of float
        Edges in metres, e.g. ``(0, 1, 100, 200, 300)``: ``[0, 1)``, ``[1, 100)``, ..., ``[300, inf)``.
    time_bands : str or sequence of int
        Edges in whole days, e.g. ``(0, 7, 14, 21)``.
    distance : {"manhattan", "euclidean"}
    permutations : int
        Shuffles of the dates (at least 1; 999 gives p-values down to 0.001).
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same expected counts and p-values.
    crs : str, optional
        The CRS of ``x`` and ``y``, recorded in the result.

    Returns
    -------
    KnoxResult

    Raises
    ------
    ValueError
        Bands that are not increasing edges of at least 0 (time: not whole days), an unknown distance,
        fewer than 2 events, coordinates that are not finite, days that are missing or not whole.
    """
    s_edges = parse_bands(space_bands, name="space_bands")
    t_edges = parse_bands(time_bands, name="time_bands", whole=True)
    check_choice(distance, DISTANCES, "distance")
    permutations = check_count(permutations, "permutations")
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        msg = f"seed must be a whole number >= 0, got {seed!r}"
        raise ValueError(msg)
    x, y = xy_arrays(x, y)
    day = _day_numbers(days, len(x))
    if len(x) < 2:
        msg = M.NR_TOO_FEW.format(n=len(x))
        raise ValueError(msg)

    i, j, s = _close_pairs(x, y, s_edges[-1], distance)
    # Space class of each close pair: 0 below the first edge (in no band), k for the k-th finite band.
    sc = np.searchsorted(np.asarray(s_edges), s, side="right")
    order = np.lexsort((j, i, sc))  # by class (one slice each), then by event for a gentler memory access
    i, j, sc = i[order], j[order], sc[order]
    n_space = len(s_edges)  # finite bands plus the open one
    bounds = np.searchsorted(sc, np.arange(n_space + 1))
    counter = _Counter(i, j, bounds, t_edges, day)

    total_below = _all_pairs_below(day, t_edges)  # all pairs closer in time than each time edge
    observed = _table(counter.below(day), total_below, len(day))
    rng = np.random.default_rng(int(seed))
    total = np.zeros(observed.shape, dtype=np.int64)
    at_least = np.zeros(observed.shape, dtype=np.int64)
    for _ in range(permutations):
        # shuffling keeps the multiset of dates, so the all-pairs counts stay; only the close pairs move
        table = _table(counter.below(rng.permutation(day)), total_below, len(day))
        total += table
        at_least += table >= observed
    expected = total / permutations
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1.0), np.nan)
    p = (1.0 + at_least) / (permutations + 1.0)
    return KnoxResult(observed=observed, expected=expected, ratio=ratio, p=p, space_bands=s_edges,
                      time_bands=t_edges, space_labels=band_labels(s_edges, unit="m"),
                      time_labels=band_labels(t_edges, unit="days"), distance=distance, events=len(day),
                      permutations=permutations, seed=int(seed), crs=crs)


def near_repeat(events: gpd.GeoDataFrame, *, date_column: str = "occurred_at", space_bands: str | Sequence[float],
                time_bands: str | Sequence[float], distance: str = "manhattan", permutations: int = 999,
                seed: int = 0, crs: CRS | str | int | None = None) -> KnoxResult:
    """The Knox test on events: points with a date (nothing else is needed).

    Parameters
    ----------
    events : geopandas.GeoDataFrame
        Points with a CRS, one row per event.
    date_column : str
        Dates or date-times (``datetime64``, ``datetime.date`` or ISO text); taken to the day.
    space_bands, time_bands, distance, permutations, seed
        As :func:`knox_from_arrays`.
    crs : pyproj.CRS or str or int, optional
        The projected CRS to measure distances in. Default: the events' own CRS when it is projected (as
        the Near Repeat Calculator measures on the coordinates it is given), else the local UTM zone.

    Returns
    -------
    KnoxResult
        With ``crs`` the CRS the distances were measured in.

    Raises
    ------
    ValueError
        No such date column, events without a date or a point (named by their index), events with no CRS,
        a ``crs`` that is not projected, and what :func:`knox_from_arrays` refuses.
    """
    if date_column not in events.columns:
        msg = f"no column {date_column!r} of dates in the events; columns: {', '.join(map(str, events.columns))}"
        raise ValueError(msg)
    if events.crs is None:
        msg = "the events have no CRS; give their CRS (e.g. EPSG:4326)"
        raise ValueError(msg)
    if crs is not None:
        target = CRS.from_user_input(crs)
        if not target.is_projected:
            msg = f"{target.to_string()} is not a projected (metric) CRS: distances need one"
            raise ValueError(msg)
    else:
        own = CRS.from_user_input(events.crs)
        target = own if own.is_projected else local_crs(events)
    x, y, located = metric_xy(events, target, what="events")
    if not located.all():
        msg = f"events without a point: {_named(events.index[~located])}"
        raise ValueError(msg)
    # A projected CRS in feet: scaled to metres, which keeps its axes (and so its Manhattan distances' shape).
    factor = target.axis_info[0].unit_conversion_factor if target.axis_info else 1.0
    if factor and factor != 1.0:
        x, y = x * factor, y * factor
    days = _dates_to_days(events[date_column], events.index)
    return knox_from_arrays(x, y, days, space_bands=space_bands, time_bands=time_bands, distance=distance,
                            permutations=permutations, seed=seed, crs=target.to_string())


# --- pieces ---------------------------------------------------------------

class _Counter:
    """Counts, per space class, the close pairs less than each time edge apart, for one order of the dates.

    The pairs are sorted by space class and cut into pieces of at most ``_PIECE``; each piece reuses the
    same buffers, so a shuffle allocates nothing and its temporaries stay in the cache.
    """

    def __init__(self, i: np.ndarray, j: np.ndarray, bounds: np.ndarray, t_edges: tuple[int, ...],
                 day: np.ndarray) -> None:
        self.i, self.j = i, j
        self.n_space = len(bounds) - 1
        span = int(day.max() - day.min()) if len(day) else 0
        # Day gaps above the span cannot occur: an edge beyond it counts every pair, as the span + 1 does.
        self.edges = [min(e, span + 1) for e in t_edges]
        # gaps and edges fit in int16 (half the memory traffic of int32) unless the dates span 89 years
        self.dtype = np.int16 if span < 2**15 - 2 else np.int64
        self.pieces = [(k, lo, min(lo + _PIECE, int(bounds[k + 1])))
                       for k in range(self.n_space) for lo in range(int(bounds[k]), int(bounds[k + 1]), _PIECE)]
        size = min(_PIECE, len(i))
        self.a = np.empty(size, dtype=self.dtype)
        self.b = np.empty(size, dtype=self.dtype)
        self.mask = np.empty(size, dtype=bool)
        self.many = len(self.edges) > _MANY_EDGES and self.edges[-1] < 2**15

    def below(self, day: np.ndarray) -> np.ndarray:
        """``(n_space, len(edges) + 1)``: pairs with a gap under each edge, and in the last column all pairs."""
        d = (day - day.min()).astype(self.dtype)
        out = np.zeros((self.n_space, len(self.edges) + 1), dtype=np.int64)
        edges = self.edges
        cap = edges[-1]
        for k, lo, hi in self.pieces:
            m = hi - lo
            a, b = self.a[:m], self.b[:m]
            np.take(d, self.i[lo:hi], out=a)
            np.take(d, self.j[lo:hi], out=b)
            np.subtract(a, b, out=a)
            np.abs(a, out=a)
            row = out[k]
            row[-1] += m
            if self.many:
                np.minimum(a, cap, out=a)
                cum = np.cumsum(np.bincount(a, minlength=cap + 1))
                row[:-1] += [int(cum[e - 1]) if e > 0 else 0 for e in edges]
            else:
                mask = self.mask[:m]
                for t, e in enumerate(edges):
                    if e > 0:  # no gap is under 0 days
                        np.less(a, e, out=mask)
                        row[t] += np.count_nonzero(mask)
        return out


def _table(below: np.ndarray, all_below: np.ndarray, n: int) -> np.ndarray:
    """The Knox table from the close pairs' counts under each time edge and all pairs' counts under them."""
    def bands(cum: np.ndarray) -> np.ndarray:  # [..., under e0, ..., under ek, all] -> per band [e_t, e_t+1)
        return np.diff(cum, axis=-1)

    finite = bands(below[1:])  # space class 0 (closer than the first edge) is in no band
    open_row = bands(np.append(all_below, n * (n - 1) // 2)) - bands(below).sum(axis=0)
    return np.vstack([finite, open_row[None, :]]) if len(finite) else open_row[None, :]


def _all_pairs_below(day: np.ndarray, t_edges: tuple[int, ...]) -> np.ndarray:
    """The number of all pairs less than each edge apart in time, from the sorted days (exact integers)."""
    ds = np.sort(day)
    idx = np.arange(len(ds))
    # for the k-th smallest day, the earlier days within e of it are those after the last one <= day - e
    return np.array([int((idx - np.searchsorted(ds, ds - e, side="right")).sum()) if e > 0 else 0
                     for e in t_edges], dtype=np.int64)


def _close_pairs(x: np.ndarray, y: np.ndarray, r: float, distance: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs i < j less than ``r`` apart, and their distance computed as a direct count computes it."""
    empty = np.empty(0, dtype=np.intp)
    if r <= 0:
        return empty, empty, np.empty(0)
    tree = cKDTree(np.column_stack([x, y]))
    # The tree decides "<= r" with its own arithmetic: a slightly larger radius misses no pair that the
    # formula below puts under r, and the formula alone then decides, ties on edges included.
    pairs = tree.query_pairs(r * (1 + 1e-9), p=1 if distance == "manhattan" else 2, output_type="ndarray")
    if not len(pairs):
        return empty, empty, np.empty(0)
    i, j = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)  # i < j, each pair once
    s = _distances(x[i] - x[j], y[i] - y[j], distance)
    keep = s < r
    return i[keep], j[keep], s[keep]


def _distances(dx: np.ndarray, dy: np.ndarray, distance: str) -> np.ndarray:
    """Manhattan ``|dx| + |dy|`` or Euclidean ``sqrt(dx * dx + dy * dy)``: the formulas the docs promise."""
    if distance == "manhattan":
        return np.abs(dx) + np.abs(dy)
    return np.sqrt(dx * dx + dy * dy)


def _day_numbers(days: object, n: int) -> np.ndarray:
    """Days as int64 day numbers: datetime64 taken to the day, numbers checked to be whole."""
    a = np.asarray(days).ravel()
    if len(a) != n:
        msg = f"days and coordinates differ in length: {len(a)} and {n}"
        raise ValueError(msg)
    if np.issubdtype(a.dtype, np.datetime64):
        missing = np.isnat(a)
        if missing.any():
            msg = f"events without a date: positions {_named(np.flatnonzero(missing))}"
            raise ValueError(msg)
        return a.astype("datetime64[D]").astype(np.int64)
    try:
        f = a.astype(float)
    except (TypeError, ValueError):
        msg = "days must be whole numbers of days or datetime64 dates"
        raise ValueError(msg) from None
    bad = ~np.isfinite(f) | (f != np.round(f)) | (np.abs(f) > 2**52)
    if bad.any():
        msg = f"days must be whole numbers of days (or dates); not at positions {_named(np.flatnonzero(bad))}"
        raise ValueError(msg)
    return f.astype(np.int64)


def _dates_to_days(col: pd.Series, index: pd.Index) -> np.ndarray:
    """A column of dates as day numbers; missing or unreadable dates named by the events' index."""
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        col = col.dt.tz_localize(None)  # the local calendar day, as the record gives it
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        when = col
    else:
        when = pd.to_datetime(col, errors="coerce", format="mixed")
    missing = when.isna().to_numpy()
    if missing.any():
        msg = f"events without a readable date: {_named(index[missing])}"
        raise ValueError(msg)
    return when.to_numpy().astype("datetime64[D]").astype(np.int64)


def _named(labels: Sequence[object]) -> str:
    """The first few labels of rows in an error, and how many more."""
    labels = list(labels)
    shown = ", ".join(map(str, labels[:_SHOWN]))
    return shown + (f" and {len(labels) - _SHOWN:,} more" if len(labels) > _SHOWN else "")
