"""Drive-time areas: the ground each facility reaches within a drive time, as polygons to draw and cut.

The polygons follow the travel model of :mod:`geo.network.drive`. The hull
of two discs is computed in numpy (:func:`_disc_hulls`) rather than by GEOS:
the two 64-gons share their edge directions, so the hull is found corner by
corner, some 25 times faster than ``convex_hull`` of 128 points each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo.checks import check_positive
from geo.crs import metric_xy
from geo.network.drive import checked_network, site_reach
from geo.network.graph import RoadNetwork, Roads

__all__ = ["CIRCLE_QUAD_SEGS", "drive_time_areas"]

# Circles as 64-gons: their area is 0.16 % short of pi r², well inside any population figure's error.
CIRCLE_QUAD_SEGS = 16
# Disc pairs per batch of drive_time_areas' hull polygons (128 corners each: 5 MB of coordinates a batch).
HULL_CHUNK = 20_000
# A bend under this many radians (0.1 mm in 10 km) is no bend: rounding leaves ~1e-10 on sampled roads.
STRAIGHT_TOLERANCE = 1e-8


def drive_time_areas(facilities: gpd.GeoDataFrame, roads: Roads, *, minutes: float, off_road_kmh: float = 5.0,
                     default_speeds: Mapping[str, float] | None = None, spacing: float = 25.0) -> gpd.GeoDataFrame:
    """The ground each facility reaches within ``minutes``: drive along the roads, then off them.

    What ArcGIS Network Analyst draws as service areas with a trim
    distance, with the travel model of :func:`drive_time_coverage`: every
    point of road the facility reaches at ``t`` minutes adds a disc of the
    off-road reach left, ``(minutes - t) * off_road_kmh * 1000 / 60``
    metres, and the facility adds the disc it reaches off-road from where
    it stands. Times are taken at points every ``spacing`` metres along
    the roads (and at their bends and the facility's own point on its
    road); neighbouring points are joined by the convex hull of their
    discs. Where time grows evenly between them that hull is exactly the
    union of the discs in between; where the quickest way turns between
    them (from one end of a road to the other) it is a little more, as if
    the road there were reached up to ``spacing`` metres sooner. The discs
    are 64-gons drawn around their circles (at most 0.12 % over), so every
    incident :func:`drive_time_coverage` counts as covered lies in the
    area of a facility that covers it. The area also holds ground whose
    nearest road is not reached, which the counts leave out (an incident
    goes by its nearest road).

    For display and for cutting gaps (``areas=`` of :func:`coverage_gaps`);
    counts come from :func:`drive_time_coverage`. Runs of points along a
    straight road where time grows evenly are merged before the union (the
    hull of the run's end discs holds the rest): the demo's Jeti-Oguz
    stations take 0.02 s, a 12 km grid of streets 200 m apart 0.3 s a
    facility at 10 minutes, nearly all of it ``shapely.union_all``.

    Parameters
    ----------
    facilities : geopandas.GeoDataFrame
        Points with a CRS; the columns are kept.
    roads : geopandas.GeoDataFrame or networkx.Graph or RoadNetwork
        Road lines, a graph or a network, as for :func:`drive_time_coverage`.
    minutes : float
        The drive time.
    off_road_kmh : float
        Speed off the roads.
    default_speeds : mapping, optional
        Passed to :func:`road_graph` when ``roads`` are lines.
    spacing : float
        Metres between the points along the roads where time is taken; it
        bounds how far the area overreaches where the quickest way turns.

    Returns
    -------
    geopandas.GeoDataFrame
        ``facilities`` with the area polygons as geometry, in the
        facilities' CRS; rows without a location keep an empty geometry.
    """
    check_positive(spacing, "spacing", unit="metres")
    net = checked_network(roads, minutes=minutes, off_road_kmh=off_road_kmh, default_speeds=default_speeds)
    if len(facilities) == 0:
        return facilities.copy()
    per_minute = off_road_kmh * 1000.0 / 60.0
    fx, fy, fok = metric_xy(facilities, net.crs, what="facilities")
    geoms = np.full(len(facilities), shapely.Polygon(), dtype=object)
    if fok.any():
        fpos = np.flatnonzero(fok)
        f_edge, f_at, f_dist = net.place(fx[fok], fy[fok])
        f_start = f_dist / per_minute
        along = _road_points(net.lines, spacing)
        for lo, hi, reach in site_reach(net, f_edge, f_at, f_start, minutes=minutes, columns=0):
            for j in range(lo, hi):
                xy, t, on = _reached_points(net, along, reach[j - lo], edge=f_edge[j], at=f_at[j], start=f_start[j],
                                            minutes=minutes)
                p, q = _stretches(xy, t, on, minutes=minutes)
                here = np.array([[fx[fpos[j]], fy[fpos[j]]]])
                # Off-road reach left at each end; the facility's own disc is a stretch from itself to itself.
                p_xy, q_xy = np.vstack([p[0], here]), np.vstack([q[0], here])
                rp = np.r_[(minutes - p[1]) * per_minute, minutes * per_minute]
                rq = np.r_[(minutes - q[1]) * per_minute, minutes * per_minute]
                hulls = _disc_hulls(p_xy, rp, q_xy, rq)
                geoms[fpos[j]] = shapely.union_all(hulls) if len(hulls) else shapely.Polygon()
    out = facilities.copy()
    return out.set_geometry(gpd.GeoSeries(geoms, index=facilities.index, crs=net.crs)).to_crs(facilities.crs)


@dataclass(frozen=True, eq=False)
class _RoadPoints:
    """Points along every edge, in order from its ``a`` end: ``xy``, ``edge`` and ``share`` of the way (0 at a)."""

    xy: np.ndarray
    edge: np.ndarray
    share: np.ndarray


def _road_points(lines: np.ndarray, spacing: float) -> _RoadPoints:
    """The lines' vertices and points between them at most ``spacing`` apart."""
    xy, edge = shapely.get_coordinates(shapely.segmentize(lines, spacing), return_index=True)
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    step[np.r_[True, edge[1:] != edge[:-1]]] = 0.0
    run = np.cumsum(step)
    run -= run[np.searchsorted(edge, edge)]  # from each line's first point (get_coordinates keeps line order)
    length = np.bincount(edge, weights=step, minlength=len(lines))[edge]
    share = np.divide(run, length, out=np.zeros_like(run), where=length > 0)
    return _RoadPoints(xy=xy, edge=edge, share=share)


def _reached_points(net: RoadNetwork, along: _RoadPoints, reach: np.ndarray, *, edge: int, at: float, start: float,
                    minutes: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points along the roads a site reaches, the minutes it reaches them in and their edges.

    ``reach`` holds the site's minutes to each node. Only edges with an end
    reached within ``minutes`` count (and the site's own), whole. The points
    of the site's own edge get the site's own point on it inserted (there
    the time turns), and its times include driving straight along the edge.
    """
    reached = np.minimum(reach[net.a], reach[net.b]) <= minutes
    reached[edge] = True
    on = np.flatnonzero(reached[along.edge])  # whole edges, so neighbours along an edge stay neighbours
    e, share = along.edge[on], along.share[on]
    run = share * net.minutes[e]
    t = np.minimum(reach[net.a[e]] + run, reach[net.b[e]] + net.minutes[e] - run)
    own = np.flatnonzero(e == edge)
    t[own] = np.minimum(t[own], start + np.abs(share[own] - at) * net.minutes[edge])
    cut = own[0] + np.searchsorted(share[own], at)
    point = shapely.get_coordinates(shapely.line_interpolate_point(net.lines[edge], at, normalized=True))
    t_at = min(start, reach[net.a[edge]] + at * net.minutes[edge], reach[net.b[edge]] + (1 - at) * net.minutes[edge])
    return np.insert(along.xy[on], cut, point, axis=0), np.insert(t, cut, t_at), np.insert(e, cut, edge)


def _stretches(xy: np.ndarray, t: np.ndarray, edge: np.ndarray, *,
               minutes: float) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Both ends (points, minutes) of the straight stretches of road reached within ``minutes``.

    ``xy``, ``t`` and ``edge`` are points in order along each edge, their
    times and edges (:func:`_reached_points`). Neighbouring points bound a
    stretch; runs of them are merged where the road goes straight on (a
    bend under :data:`STRAIGHT_TOLERANCE` radians) and time grows at the
    same rate, since there the discs of the points in between add nothing
    to the hull of the end discs: the union is spared most of its work. A
    stretch that the limit cuts ends where its time reaches ``minutes``
    (it grows evenly along it).
    """
    if len(t) < 2:
        empty = (np.zeros((0, 2)), np.zeros(0))
        return empty, empty
    step = np.diff(xy, axis=0)
    length = np.hypot(step[:, 0], step[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.diff(t) / length
    before, after = slice(None, -1), slice(1, None)
    inner = (edge[1:-1] == edge[:-2]) & (edge[1:-1] == edge[2:])
    cross = step[before, 0] * step[after, 1] - step[before, 1] * step[after, 0]
    dot = (step[before] * step[after]).sum(axis=1)
    straight = (np.abs(cross) <= STRAIGHT_TOLERANCE * length[before] * length[after]) & (dot > 0)
    even = np.isfinite(rate[before]) & np.isfinite(rate[after]) & (
        np.abs(rate[after] - rate[before]) <= 1e-9 * np.maximum(np.abs(rate[before]), np.abs(rate[after])))
    kept = np.flatnonzero(np.r_[True, ~(inner & straight & even), True])
    p, q = kept[:-1], kept[1:]
    use = (edge[p] == edge[q]) & ((t[p] <= minutes) | (t[q] <= minutes))
    p, q = p[use], q[use]
    p_xy, q_xy, tp, tq = xy[p], xy[q], t[p], t[q]
    with np.errstate(divide="ignore", invalid="ignore"):
        late = tq > minutes
        q_xy[late] = p_xy[late] + ((minutes - tp[late]) / (tq[late] - tp[late]))[:, None] * (q_xy[late] - p_xy[late])
        late_p = tp > minutes
        p_xy[late_p] = q_xy[late_p] + (((minutes - tq[late_p]) / (tp[late_p] - tq[late_p]))[:, None]
                                       * (p_xy[late_p] - q_xy[late_p]))
    return (p_xy, np.minimum(tp, minutes)), (q_xy, np.minimum(tq, minutes))


def _disc_hulls(p: np.ndarray, rp: np.ndarray, q: np.ndarray, rq: np.ndarray) -> np.ndarray:
    """The convex hull of a polygon around the disc (p, rp) and one around (q, rq), for each row with an area.

    Each disc is drawn as the ``4 * CIRCLE_QUAD_SEGS``-gon around its
    circle (corners ``1 / cos(pi / sides)`` of the radius out), so the hull
    holds the discs' hull and exceeds it by at most 0.12 % of the larger
    radius. The two polygons have the same edge directions, so their hull
    is found corner by corner in numpy: corner k lies between the edges
    facing u_k and u_k+1, and the hull takes there the corner of the
    polygon reaching further in u_k, then that of the one reaching further
    in u_k+1 (one corner twice, or the two ends of a bridge). Some 25
    times faster than GEOS hulls of 128 points each.
    """
    sides = 4 * CIRCLE_QUAD_SEGS
    angle = 2 * np.pi * np.arange(sides) / sides
    cos, sin = np.cos(angle), np.sin(angle)
    corner = np.column_stack([np.cos(angle + np.pi / sides), np.sin(angle + np.pi / sides)]) / math.cos(np.pi / sides)
    keep = np.flatnonzero((rp > 0) | (rq > 0))
    out = []
    for lo in range(0, len(keep), HULL_CHUNK):
        rows = keep[lo:lo + HULL_CHUNK]
        d = q[rows] - p[rows]  # coordinates around p: small numbers, little round-off
        by_q = d[:, :1] * cos + d[:, 1:] * sin + rq[rows, None] > rp[rows, None]
        at_p = rp[rows, None, None] * corner
        at_q = d[:, None, :] + rq[rows, None, None] * corner
        first = np.where(by_q[:, :, None], at_q, at_p)
        second = np.where(np.roll(by_q, -1, axis=1)[:, :, None], at_q, at_p)
        ring = np.stack([first, second], axis=2).reshape(len(rows), 2 * sides, 2) + p[rows, None, :]
        out.append(shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1)))
    return np.concatenate(out) if out else np.zeros(0, dtype=object)
