"""Incident points for a viewer: moved at random (donut geomasking) or to anonymous anchors, never the recorded ones.

Two cores on metric coordinate arrays (:func:`donut_xy`, :func:`anchor_xy`)
under one adapter (:func:`viewer_incidents`). Written here rather than taken
from MaskMyPy (1.1.0): MaskMyPy pulls in osmnx and scikit-learn, masks one
point at a time through shapely, and its
container rule retries without bound. Here the draws are vectorised, bounded,
and add one rule MaskMyPy lacks: a shown point also keeps ``min_m`` from every
*other* recorded incident, so that no coordinate a browser receives sits on
anyone's recorded location (in a dense city a point moved 100-500 m often
lands beside another incident).

Which settlement: the platform's one point-in-unit rule (first unit in table
order wins, :func:`geo.select.unit_of`), computed in the same metric CRS, so a
masked point stays in its own settlement and counts per settlement do not
change.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree

from geo.crs import local_crs, metric_xy
from geo.privacy.counts import settlement_counts
from geo.privacy.measure import displacement_stats, k_anonymity_xy
from geo.privacy.policy import PrivacyPolicy, categories_for_viewer, is_sensitive, months
from geo.select import UNASSIGNED, unit_ids

# A shown point keeps min_m plus this from every recorded incident: a round trip through WGS84 moves a
# point by nanometres, which must never bring it under min_m.
MARGIN_M = 0.05
CELL_LATTICE = 9  # places tried in a grid cell whose centre is near a recorded incident
MANY_UNITS = 100  # above this, point in unit through an STRtree rather than polygon by polygon
POOL_SPACING_M, POOL_MIN, POOL_MAX = 50.0, 2_000, 50_000


class _Place:
    """The metric frame of one masking: settlements, their point-in-unit rule, the recorded incidents' KD-tree."""

    def __init__(self, crs: CRS, boundaries: gpd.GeoDataFrame | None, recorded_xy: np.ndarray,
                 clear: float, seed: int) -> None:
        self.crs = crs
        self.polys = (np.asarray(boundaries.geometry.to_crs(crs).to_numpy()) if boundaries is not None
                      and len(boundaries) else np.empty(0, dtype=object))
        shapely.prepare(self.polys)
        self.bounds = shapely.bounds(self.polys) if len(self.polys) else np.empty((0, 4))
        self.recorded = cKDTree(recorded_xy) if len(recorded_xy) else None
        self.clear = clear
        self.seed = int(seed)
        self._pool: dict[int, np.ndarray] = {}
        self._draws: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.tree: shapely.STRtree | None = None

    def unit(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Position of the settlement holding each point, -1 outside all (first in table order wins)."""
        out = np.full(len(x), -1, dtype=np.int64)
        if len(self.polys) == 0 or len(x) == 0:
            return out
        if len(self.polys) <= MANY_UNITS:
            # Polygon by polygon in table order, each on the points still without one and inside its box: the
            # first unit wins, as geo.select.unit_of; contains_xy on a prepared polygon needs no point objects.
            for i, (x0, y0, x1, y1) in enumerate(self.bounds):
                sel = np.flatnonzero((out < 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
                if len(sel):
                    out[sel[shapely.contains_xy(self.polys[i], x[sel], y[sel])]] = i
            return out
        if self.tree is None:
            self.tree = shapely.STRtree(self.polys)
        ipt, ipoly = self.tree.query(shapely.points(x, y), predicate="within")
        order = np.lexsort((ipoly, ipt))
        ipt, ipoly = ipt[order], ipoly[order]
        first = np.r_[True, ipt[1:] != ipt[:-1]] if len(ipt) else np.zeros(0, dtype=bool)
        out[ipt[first]] = ipoly[first]
        return out

    def nearest(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance from each point to the nearest recorded incident (inf when none are recorded)."""
        if self.recorded is None or len(x) == 0:
            return np.full(len(x), np.inf)
        return self.recorded.query(np.column_stack([x, y]), k=1)[0]

    def pool(self, unit: int) -> np.ndarray:
        """Seeded random points of settlement ``unit`` clear of every recorded incident, ``(m, 2)`` (maybe none).

        About one draw per 50 m square of the settlement (2,000 to 50,000),
        kept where they are in the settlement and clear: where the recorded
        incidents leave little room (a city centre), these are the few places
        a point may go.
        """
        if unit not in self._pool:
            xy, near = self.draws(unit)
            self._pool[unit] = xy[near >= self.clear]
        return self._pool[unit]

    def draws(self, unit: int) -> tuple[np.ndarray, np.ndarray]:
        """The seeded draws of settlement ``unit`` inside it, ``(m, 2)``, and each one's distance to the nearest
        recorded incident."""
        if unit not in self._draws:
            poly = self.polys[unit]
            x0, y0, x1, y1 = poly.bounds
            m = int(np.clip((x1 - x0) * (y1 - y0) / POOL_SPACING_M**2, POOL_MIN, POOL_MAX))
            rng = np.random.default_rng([self.seed, unit])  # the settlement's own draws, whatever the view
            sx, sy = rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)
            inside = self.unit(sx, sy) == unit
            sx, sy = sx[inside], sy[inside]
            self._draws[unit] = (np.column_stack([sx, sy]), self.nearest(sx, sy))
        return self._draws[unit]

    def safe_point(self, unit: int) -> tuple[float, float, bool]:
        """A point of settlement ``unit`` clear of every recorded incident, and whether one was found.

        Its representative point when that is clear, else the clear point of
        :meth:`pool` nearest to it; else the representative point (not clear).
        """
        rp = shapely.get_coordinates(self.polys[unit].representative_point())[0]
        rx, ry = np.array([rp[0]]), np.array([rp[1]])
        if self.unit(rx, ry)[0] == unit and self.nearest(rx, ry)[0] >= self.clear:
            return float(rp[0]), float(rp[1]), True
        pool = self.pool(unit)
        if len(pool) == 0:
            return float(rp[0]), float(rp[1]), False
        i = int(np.argmin(np.hypot(pool[:, 0] - rp[0], pool[:, 1] - rp[1])))
        return float(pool[i, 0]), float(pool[i, 1]), True


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a uint64 array to well-spread uint64 values."""
    with np.errstate(over="ignore"):
        z = z.astype(np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def uniform(keys: np.ndarray, draw: int) -> np.ndarray:
    """The ``draw``-th uniform number in [0, 1) of each key: a counter-based generator, one stream per incident."""
    with np.errstate(over="ignore"):
        z = _mix(keys.astype(np.uint64) + np.uint64(draw + 1) * _GOLDEN)
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def incident_keys(incidents: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray, *, seed: int) -> np.ndarray:
    """A key per incident from its registry number, time and position (to the millimetre) and the seed.

    The same record gets the same key in every selection, so its masked
    place does not change with the view; the seed (a workspace's own,
    kept on the server) makes the keys unguessable from the records.
    """
    cols = [c for c in ("id", "occurred_at") if c in incidents]
    base = (pd.util.hash_pandas_object(incidents[cols].astype(str), index=False).to_numpy(dtype=np.uint64)
            if cols else np.zeros(len(incidents), dtype=np.uint64))
    fx = pd.util.hash_array(np.nan_to_num(np.round(x * 1000)).astype(np.int64))
    fy = pd.util.hash_array(np.nan_to_num(np.round(y * 1000)).astype(np.int64))
    with np.errstate(over="ignore"):
        return _mix(_mix(base ^ fx) ^ fy) ^ _mix(np.full(len(x), seed, dtype=np.uint64))


def donut_xy(x: np.ndarray, y: np.ndarray, unit: np.ndarray, place: _Place, *, keys: np.ndarray,
             policy: PrivacyPolicy) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Donut geomasking of metric points.

    Each point moves a random distance in ``[min_m, max_m]`` (uniform in
    area, so no ring is favoured over its larger outer part) at a random
    angle; the draw is repeated, at most ``policy.max_tries`` times, while it
    lands outside the point's own settlement or within ``min_m`` of any
    recorded incident. A point with no good draw then goes to a random
    clear place of its settlement within the ring (a seeded sample of the
    settlement's clear places, :meth:`_Place.pool`), else to the nearest
    clear place, farther than ``max_m`` (a fallback). Outside every
    settlement, a point with no good draw keeps its draw farthest from the
    recorded incidents (a fallback, perhaps within ``min_m`` of one).

    The draws of each point come from its own key (:func:`incident_keys`),
    not from a stream shared by all: the same incident is masked to the same
    place in every view that holds it (a year, a quarter, one category), so
    a viewer cannot average its positions across views to find it.

    Returns
    -------
    mx, my : numpy.ndarray
        The masked coordinates, aligned with ``x``, ``y``.
    fallback : numpy.ndarray
        Mask of the points moved farther than ``max_m`` (the nearest clear place of their settlement) or, outside
        every settlement, left at their best draw.
    unclear : numpy.ndarray
        Mask of the points left within ``min_m`` of a recorded incident (none where a safe point exists).
    """
    n = len(x)
    mx, my = np.full(n, np.nan), np.full(n, np.nan)
    best_d, bx, by = np.full(n, -1.0), np.full(n, np.nan), np.full(n, np.nan)
    lx, ly = x.astype(float).copy(), y.astype(float).copy()  # each point's last draw
    lo2, hi2 = (policy.min_m + MARGIN_M) ** 2, policy.max_m ** 2
    todo = np.arange(n)
    for _try in range(int(policy.max_tries)):
        if len(todo) == 0:
            break
        r = np.sqrt(lo2 + (hi2 - lo2) * uniform(keys[todo], 2 * _try))
        a = 2 * np.pi * uniform(keys[todo], 2 * _try + 1)
        cx, cy = x[todo] + r * np.cos(a), y[todo] + r * np.sin(a)
        d = place.nearest(cx, cy)
        same = np.zeros(len(todo), dtype=bool)
        near_best = d > best_d[todo]  # only these can be accepted or improve the best draw: test their unit
        same[near_best] = place.unit(cx[near_best], cy[near_best]) == unit[todo][near_best]
        good = same & (d >= place.clear)
        mx[todo[good]], my[todo[good]] = cx[good], cy[good]
        better = same & (d > best_d[todo])
        best_d[todo[better]], bx[todo[better]], by[todo[better]] = d[better], cx[better], cy[better]
        lx[todo], ly[todo] = cx, cy
        todo = todo[~good]
    fallback = np.zeros(n, dtype=bool)
    unclear = np.zeros(n, dtype=bool)
    lo, hi = policy.min_m + MARGIN_M, policy.max_m
    for i in todo:
        if unit[i] < 0:  # outside every settlement: its draw farthest from the recorded incidents
            mx[i], my[i] = (bx[i], by[i]) if best_d[i] >= 0 else (lx[i], ly[i])
            fallback[i] = unclear[i] = True
            continue
        pool = place.pool(int(unit[i]))
        if len(pool) == 0:
            # no place of the settlement is clear of every recorded incident (a small, dense one over years of
            # records): of its places at least min_m from this incident, the one farthest from any record, so
            # the point still moves as far as the policy says and lands where records are thinnest
            xy, near = place.draws(int(unit[i]))
            own = np.hypot(xy[:, 0] - x[i], xy[:, 1] - y[i]) if len(xy) else np.empty(0)
            fallback[i] = unclear[i] = True
            for in_ring, allowed in ((True, (own >= lo) & (own <= hi)), (False, own >= lo)):
                if allowed.any():
                    j = np.flatnonzero(allowed)[int(np.argmax(near[allowed]))]
                    mx[i], my[i] = xy[j]
                    fallback[i] = not in_ring
                    break
            else:
                mx[i], my[i], _ok = place.safe_point(int(unit[i]))
            continue
        d = np.hypot(pool[:, 0] - x[i], pool[:, 1] - y[i])
        ring = np.flatnonzero((d >= lo) & (d <= hi))
        if len(ring):  # a clear place in the ring: one of them at random, as a draw would have found
            j = ring[min(int(uniform(keys[i:i + 1], 2 * int(policy.max_tries))[0] * len(ring)), len(ring) - 1)]
        else:  # none within max_m: the nearest clear place of the settlement
            j = int(np.argmin(d))
            fallback[i] = True
        mx[i], my[i] = pool[j]
    return mx, my, fallback, unclear


def road_anchors(roads: gpd.GeoDataFrame | None, crs: CRS, *, spacing: float) -> np.ndarray:
    """Candidate anchors: midpoints of the streets cut into pieces of at most ``spacing`` metres, ``(n, 2)``."""
    if roads is None or len(roads) == 0:
        return np.empty((0, 2))
    lines = shapely.get_parts(np.asarray(roads.geometry.to_crs(crs).to_numpy()))
    lines = lines[(shapely.get_type_id(lines) == 1) & ~shapely.is_empty(lines)]
    if len(lines) == 0:
        return np.empty((0, 2))
    pieces = np.maximum(1, np.ceil(shapely.length(lines) / spacing)).astype(np.int64)
    owner = np.repeat(np.arange(len(lines)), pieces)
    start = np.repeat(np.cumsum(pieces) - pieces, pieces)
    where = (np.arange(len(owner)) - start + 0.5) / pieces[owner]
    return shapely.get_coordinates(shapely.line_interpolate_point(lines[owner], where, normalized=True))


def anchor_xy(x: np.ndarray, y: np.ndarray, unit: np.ndarray, place: _Place, *, policy: PrivacyPolicy,
              anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Snap metric points to anonymous anchors, each standing for at least ``policy.k`` incidents.

    Within each settlement (and apart, the points outside every settlement):
    the candidate anchors are those in it and at least ``min_m`` from every
    recorded incident (street midpoints, else in each ``grid_cell`` grid
    cell that holds its incidents the clear place nearest the cell's
    centre); each point snaps to
    the nearest; an anchor with fewer than ``k`` points is merged into the
    nearest anchor that has ``k`` (when none has, the smallest into its
    nearest, again and again, :func:`_agglomerate`). A
    settlement with fewer than ``k`` incidents in all, or without a clear
    anchor, has them all at its safe point. The threshold counts incidents,
    not addresses: a workspace holds no address layer, and since every
    incident is at some address, ``k`` incidents means at least ``k``
    addresses' surroundings only where no two share one, so ``k`` is a floor
    on what police.uk's rule would give, not more.

    Returns
    -------
    mx, my, fallback, unclear : numpy.ndarray
        As :func:`donut_xy`; ``fallback`` marks points at a settlement's safe
        point or at an anchor standing for fewer than ``k`` incidents.
    """
    n = len(x)
    mx, my = np.full(n, np.nan), np.full(n, np.nan)
    fallback = np.zeros(n, dtype=bool)
    unclear = np.zeros(n, dtype=bool)
    cell = float(policy.grid_cell)
    a_unit = place.unit(anchors[:, 0], anchors[:, 1]) if len(anchors) else np.zeros(0, dtype=np.int64)
    a_clear = place.nearest(anchors[:, 0], anchors[:, 1]) >= place.clear if len(anchors) else np.zeros(0, bool)
    for g in np.unique(unit):
        idx = np.flatnonzero(unit == g)
        cand = anchors[(a_unit == g) & a_clear]
        if len(cand) == 0:  # no street here: a clear place in each grid cell that holds its incidents
            grid = np.unique(np.column_stack([(np.floor(x[idx] / cell) + 0.5) * cell,
                                              (np.floor(y[idx] / cell) + 0.5) * cell]), axis=0)
            cand = _clear_in_cells(grid, cell, g, place)
        if g >= 0 and (len(cand) == 0 or len(idx) < policy.k):
            sx, sy, ok = place.safe_point(int(g))
            mx[idx], my[idx], fallback[idx], unclear[idx] = sx, sy, True, not ok
            continue
        if len(cand) == 0:  # outside every settlement and nothing clear: the busiest cell centre, not clear
            cand = grid
            unclear[idx] = True
        snap = cKDTree(cand).query(np.column_stack([x[idx], y[idx]]), k=1)[1]
        counts = np.bincount(snap, minlength=len(cand))
        kept = np.flatnonzero(counts >= policy.k)
        if len(kept) == 0:  # scattered: merge the smallest into its nearest until each stands for k
            target = _agglomerate(cand, counts, k=policy.k)
            fallback[idx] = counts.sum() < policy.k  # the group holds fewer than k incidents in all
        else:  # merge each small anchor, with its incidents, into the nearest kept one: a kept one only gains
            target = kept[cKDTree(cand[kept]).query(cand, k=1)[1]]
            target[kept] = kept
        chosen = cand[target[snap]]
        mx[idx], my[idx] = chosen[:, 0], chosen[:, 1]
    return mx, my, fallback, unclear


def _clear_in_cells(centres: np.ndarray, cell: float, unit: int, place: _Place) -> np.ndarray:
    """In each grid cell, the place nearest its centre (of a 9 x 9 lattice) in ``unit`` and clear; a cell with none gives none."""
    steps = (np.arange(CELL_LATTICE) + 0.5) / CELL_LATTICE - 0.5
    ox, oy = (a.ravel() * cell for a in np.meshgrid(steps, steps))
    order = np.argsort(np.hypot(ox, oy), kind="stable")
    ox, oy = ox[order], oy[order]
    px = (centres[:, 0][:, None] + ox[None, :]).ravel()
    py = (centres[:, 1][:, None] + oy[None, :]).ravel()
    ok = ((place.nearest(px, py) >= place.clear) & (place.unit(px, py) == unit)).reshape(len(centres), -1)
    has = ok.any(axis=1)
    first = np.argmax(ok, axis=1)[has]
    return np.column_stack([px.reshape(len(centres), -1)[has, first], py.reshape(len(centres), -1)[has, first]])


def _agglomerate(cand: np.ndarray, counts: np.ndarray, *, k: int) -> np.ndarray:
    """Each anchor's final anchor when none stands for ``k``: the smallest merges into its nearest, and again.

    Stops when every remaining anchor stands for ``k`` incidents or one is
    left. Quadratic in the anchors with incidents; only for a group with no
    anchor of ``k`` (a few scattered incidents), so they are few.
    """
    target = np.arange(len(cand))
    c = counts.astype(np.int64).copy()
    active = np.flatnonzero(c > 0)
    while len(active) > 1:
        j = active[np.argmin(c[active])]
        if c[j] >= k:
            break
        others = active[active != j]
        o = others[np.argmin(np.hypot(*(cand[others] - cand[j]).T))]
        target[target == j] = o
        c[o] += c[j]
        active = others
    return target


def viewer_incidents(incidents: gpd.GeoDataFrame, *, boundaries: gpd.GeoDataFrame | None = None,
                     roads: gpd.GeoDataFrame | None = None, policy: PrivacyPolicy, seed: int,
                     recorded: gpd.GeoDataFrame | None = None, keep_order: bool = False) -> gpd.GeoDataFrame:
    """What a viewer's browser may receive of ``incidents``: never a recorded location.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The study's incidents (the data model's columns). Rows without a
        location and rows of a sensitive category are left out (sensitive
        ones are counted by :func:`geo.privacy.settlement_counts`).
    boundaries : geopandas.GeoDataFrame, optional
        The settlements: a masked point stays in its own, and ``unit`` is
        its id. Without them, points move freely and ``unit`` is the
        incidents' own column (or empty).
    roads : geopandas.GeoDataFrame, optional
        Streets for the anchors; without them, anchors are clear places of grid cells.
    policy : PrivacyPolicy
        The method and its parameters. ``"aggregate"`` returns
        :func:`geo.privacy.settlement_counts` (needs ``boundaries``).
    seed : int
        Seed of the random draws: the same inputs and seed give the same
        output, and an incident is masked to the same place in every
        selection that holds it. Keep one per workspace, on the server: it is
        not in ``attrs`` (with it and a guess of a record, a guess could be checked).
    recorded : geopandas.GeoDataFrame, optional
        The incidents every shown point keeps ``min_m`` from, and the
        candidates of the k-anonymity measure. Default: ``incidents``; the
        pages pass the whole layer, so that a point masked for one period
        does not land on an incident of another.
    keep_order : bool
        Rows in the order of the incidents they stand for (the located, not
        sensitive ones), for measures and tests; the same points as without.
        Never for a viewer: the order of a registry is the order of time.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``category`` (``policy.merge`` applied), ``month``
        (``YYYY-MM``), ``unit`` (settlement id, ``""`` outside all) and the
        masked point, in the incidents' CRS; rows in a random (seeded) order,
        so the order says nothing of when incidents were recorded.
        ``attrs["privacy"]`` holds the method, its parameters and the
        measures (:class:`geo.privacy.PrivacyReport` reads them).
    """
    if policy.method == "aggregate":
        return settlement_counts(incidents, boundaries, policy=policy)
    seed = int(seed) % (1 << 63)
    rng = np.random.default_rng(seed)
    have_units = boundaries is not None and len(boundaries) > 0
    crs = local_crs(boundaries) if have_units else local_crs(incidents)
    x, y, located = metric_xy(incidents, crs, what="incidents")
    sensitive = is_sensitive(incidents["category"], policy) if "category" in incidents else np.zeros(len(x), bool)
    shown = located & ~sensitive
    rec = incidents if recorded is None else recorded
    rx, ry, rok = metric_xy(rec, crs, what="incidents")
    place = _Place(crs, boundaries if have_units else None, np.column_stack([rx[rok], ry[rok]]),
                   policy.min_m + MARGIN_M, seed)
    sx, sy = x[shown], y[shown]
    unit = place.unit(sx, sy)
    if policy.method == "donut":
        keys = incident_keys(incidents[shown], sx, sy, seed=seed)
        mx, my, fallback, unclear = donut_xy(sx, sy, unit, place, keys=keys, policy=policy)
    else:
        anchors = road_anchors(roads, crs, spacing=policy.anchor_spacing)
        mx, my, fallback, unclear = anchor_xy(sx, sy, unit, place, policy=policy, anchors=anchors)
    if have_units:
        ids = unit_ids(boundaries).astype(str).to_numpy(dtype=object)
        unit_col = np.where(unit >= 0, ids[np.maximum(unit, 0)], UNASSIGNED)
    else:
        unit_col = (incidents["unit"].astype("string").fillna(UNASSIGNED).to_numpy(dtype=object)[shown]
                    if "unit" in incidents else np.full(len(sx), UNASSIGNED, dtype=object))
    true_xy, masked_xy = np.column_stack([sx, sy]), np.column_stack([mx, my])
    k = k_anonymity_xy(true_xy, masked_xy, np.column_stack([rx[rok], ry[rok]]), addresses_include_true=True)
    moved = displacement_stats(np.hypot(mx - sx, my - sy))
    category = (categories_for_viewer(incidents["category"], policy).to_numpy(dtype=object)[shown]
                if "category" in incidents else np.full(len(sx), "", dtype=object))
    month = (months(incidents["occurred_at"]).to_numpy(dtype=object)[shown] if "occurred_at" in incidents
             else np.full(len(sx), "", dtype=object))
    order = rng.permutation(len(sx))  # drawn in both cases, so keep_order shows the same points
    if keep_order:
        order = np.arange(len(sx))
    out = gpd.GeoDataFrame({"category": category[order], "month": month[order], "unit": unit_col[order]},
                           geometry=gpd.GeoSeries(shapely.points(mx[order], my[order]), crs=crs),
                           index=pd.RangeIndex(len(sx)))
    if incidents.crs is not None:
        out = out.to_crs(incidents.crs)
    out.attrs = {"privacy": {
        **policy.params(),
        "points": int(len(sx)),
        "withheld_sensitive": int((located & sensitive).sum()),
        "without_location": int((~located).sum()),
        "fallback": int(fallback.sum()),
        "near_recorded": int(unclear.sum()),
        **{f"k_{s}": v for s, v in _summary(k).items()},
        **{f"displacement_{s}": v for s, v in moved.items()},
    }}
    return out


def _summary(k: np.ndarray) -> dict[str, float]:
    if len(k) == 0:
        return {"min": 0.0, "median": 0.0, "mean": 0.0}
    return {"min": float(np.min(k)), "median": float(np.median(k)), "mean": float(np.mean(k))}
