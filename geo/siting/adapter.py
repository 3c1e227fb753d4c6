"""The GeoDataFrame adapter of the siting models: :func:`site` from incident, candidate and station layers.

Everything is projected to the local metric CRS and turned into arrays: the
incidents' weights, the candidates left after the exclusion zones, the
existing stations as always-open columns, and one coverage matrix (a
straight-line radius, or one :func:`geo.coverage.drive_time_matrix` over
candidates and stations together). The numeric core
(:mod:`geo.siting.covering`, :mod:`geo.siting.pmedian`) solves on those
arrays; the chosen sites come back as a frame ranked by what each adds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.checks import check_choice, check_positive
from geo.coverage import drive_time_matrix
from geo.crs import WGS84, local_crs, metric_xy
from geo.messages import SITE_NO_CANDIDATES, SITE_PMEDIAN_LARGE
from geo.siting.covering import _rank, coverage_matrix, lscp_from_coverage, marginal_gains, mclp_from_coverage
from geo.siting.pmedian import PMEDIAN_MAX_PAIRS, pmedian_from_cost
from geo.siting.result import MODELS, SitingResult

if TYPE_CHECKING:
    import networkx as nx
    import pyproj

    from geo.network import RoadNetwork

__all__ = ["site"]


def site(incidents: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, *, radius: float | None = None,
         minutes: float | None = None, roads: gpd.GeoDataFrame | RoadNetwork | nx.Graph | None = None,
         off_road_kmh: float = 5.0,
         model: str = "mclp", k: int | None = None, target: float | None = None,
         stations: gpd.GeoDataFrame | None = None, weight: str | None = None,
         category_weights: dict[str, float] | None = None,
         exclusion: gpd.GeoDataFrame | None = None, time_limit: float = 60,
         aggregate: float | None = None, gains_up_to: int | None = None) -> tuple[SitingResult, gpd.GeoDataFrame]:
    """Choose sites for new posts among candidate points, from incident layers.

    Everything is projected to the local metric CRS (the UTM zone of the
    incidents and candidates). Each incident weighs ``weight`` (a column,
    default 1) times ``category_weights[category]`` (default 1 for a
    category not named). Candidates inside or on an exclusion polygon are
    dropped. Existing ``stations`` are added as always-open sites: the
    incidents they cover count as covered and never pull a new site towards
    them. Candidate and station polygons or lines stand for a point on them.

    The service standard is a straight-line ``radius`` or a drive time of
    ``minutes`` over ``roads``: a site covers an incident it reaches within
    that time, by the travel model of :func:`geo.coverage.drive_time_coverage`
    (one :func:`geo.coverage.drive_time_matrix` over the candidates and the
    stations together gives the coverage matrix; ``roads`` is passed to it
    as it is, so give a :class:`geo.network.RoadNetwork` to build the network
    once for many calls). MCLP, LSCP and the gains table then run unchanged
    on that matrix; the p-median minimises straight-line distances and takes
    a radius only.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Demand points; ``category`` column needed with ``category_weights``.
    candidates : geopandas.GeoDataFrame
        Possible new sites (see :func:`grid_candidates`,
        :func:`road_intersections`).
    radius : float, optional
        Service radius in metres; give this or ``minutes``.
    minutes : float, optional
        Drive time that counts as covered; needs ``roads``.
    roads : geopandas.GeoDataFrame or geo.network.RoadNetwork or networkx.Graph, optional
        Road lines (``speed_kmh``, ``road_class``), a road network built
        once, or a graph from :func:`geo.coverage.road_graph`, to drive along
        with ``minutes``.
    off_road_kmh : float
        With ``minutes``: speed between a point and its nearest road.
    model : {"mclp", "lscp", "pmedian"}
        Maximal covering (``k`` sites), set covering (fewest sites for
        ``target``, default 1.0) or p-median (``k`` sites, distances).
    k : int, optional
        New sites for ``"mclp"`` and ``"pmedian"``.
    target : float, optional
        Share of coverable weight for ``"lscp"``.
    stations : geopandas.GeoDataFrame, optional
        Existing sites.
    weight : str, optional
        Column of incident weights.
    category_weights : dict, optional
        Weight per incident category.
    exclusion : geopandas.GeoDataFrame, optional
        Polygons where no new site may go.
    time_limit : float
        Seconds for the solver.
    gains_up_to : int, optional
        MCLP only: also solve k = 1..gains_up_to and put the table of
        :func:`marginal_gains` in ``result.stats["gains"]``.
    aggregate : float, optional
        p-median only: snap incidents to the centres of square cells of this
        size in metres (weights summed) to keep the model small; distances
        are then off by at most ``aggregate / sqrt(2)``.

    Returns
    -------
    result : SitingResult
        ``selected`` holds positions in ``candidates``, ``existing``
        positions in ``stations``; ``stats`` adds the counts of incidents and
        candidates used and dropped, and the standard: ``radius`` and
        ``minutes`` (one of them None) and, with minutes, ``off_road_kmh``.
    chosen : geopandas.GeoDataFrame
        The selected candidates in WGS84, their columns kept, sorted by
        ``rank``: the order in which a greedy would add them (the largest
        ``new_covered`` first), with ``new_covered`` (weighted incidents
        newly within the radius or drive time, given the stations and the
        sites ranked before), ``new_covered_count`` (the same count of
        incidents of positive weight) and, when the incidents have a ``category``,
        ``new_<category>`` (that count per category). p-median adds ``assigned`` (weighted incidents
        whose nearest open site it is) and ``mean_distance`` (of those, in
        metres).
    """
    check_choice(model, MODELS, "model")
    _check_standard(radius, minutes, roads, model)
    if model in ("mclp", "pmedian") and k is None:
        msg = f"model {model!r} needs k, the number of new sites"
        raise ValueError(msg)
    if model == "lscp" and k is not None:
        msg = "model 'lscp' chooses the number of sites itself; give target, not k"
        raise ValueError(msg)
    stations = stations if stations is not None else candidates.iloc[:0]
    crs = local_crs(incidents, candidates)
    inc_xy, inc_ok = _points(incidents, crs, what="incidents")
    cand_xy, cand_ok = _points(candidates, crs, what="candidates")
    sta_xy, sta_ok = _points(stations, crs, what="stations")
    w_all = _incident_weights(incidents, weight, category_weights)
    inc_pos = np.flatnonzero(inc_ok)
    inc_xy, w = inc_xy[inc_ok], w_all[inc_ok]
    excluded = np.zeros(len(candidates), dtype=bool)
    if exclusion is not None and len(exclusion) and len(candidates):
        polys = exclusion.geometry.to_crs(crs)
        pts = gpd.GeoSeries(shapely.points(np.where(cand_ok[:, None], cand_xy, 0.0)), crs=crs)
        hit, _ = polys.sindex.query(pts, predicate="intersects")
        excluded[hit] = True
    cand_pos = np.flatnonzero(cand_ok & ~excluded)
    sta_pos = np.flatnonzero(sta_ok)
    xy_cols = np.vstack([cand_xy[cand_pos], sta_xy[sta_pos]]) if len(sta_pos) else cand_xy[cand_pos]
    m_new, n_sta = len(cand_pos), len(sta_pos)
    existing = np.arange(m_new, m_new + n_sta)
    stats_in = {"incidents": len(incidents), "incidents_without_location": int((~inc_ok).sum()),
                "candidates_given": len(candidates), "candidates_excluded": int(excluded.sum()),
                "candidates_without_location": int((~cand_ok).sum()), "candidates_used": m_new,
                "stations": n_sta, "crs": crs.to_string(), "radius": None if radius is None else float(radius),
                "minutes": None if minutes is None else float(minutes)}
    if m_new == 0:
        msg = SITE_NO_CANDIDATES
        raise ValueError(msg)
    if minutes is None:
        cover = coverage_matrix(inc_xy, xy_cols, radius=radius)
    else:
        stats_in["off_road_kmh"] = float(off_road_kmh)
        # One matrix for candidates and stations together: the network is placed and searched once.
        cover = drive_time_matrix(gpd.GeoDataFrame(geometry=shapely.points(inc_xy), crs=crs),
                                  gpd.GeoDataFrame(geometry=shapely.points(xy_cols), crs=crs), roads,
                                  minutes=minutes, off_road_kmh=off_road_kmh).astype(bool)
    if model == "mclp":
        res = mclp_from_coverage(cover, w, k=int(k), existing=existing, time_limit=time_limit)
        if gains_up_to:
            stats_in["gains"] = marginal_gains(cover, w, k_max=int(gains_up_to), existing=existing,
                                               time_limit=time_limit)
    elif model == "lscp":
        res = lscp_from_coverage(cover, w, target=1.0 if target is None else target, existing=existing,
                                 time_limit=time_limit)
    else:
        dxy, dw = inc_xy, w
        if aggregate is not None:
            check_positive(aggregate, "aggregate", unit="metres")
            cells = np.floor(inc_xy / aggregate)
            uniq, inv = np.unique(cells, axis=0, return_inverse=True)
            dxy = (uniq + 0.5) * aggregate
            dw = np.bincount(inv.ravel(), weights=w, minlength=len(uniq))
            stats_in["aggregated_points"] = len(uniq)
        if len(dxy) * xy_cols.shape[0] > 5 * PMEDIAN_MAX_PAIRS:
            msg = SITE_PMEDIAN_LARGE.format(n=f"{len(dxy):,}", sites=f"{xy_cols.shape[0]:,}")
            raise ValueError(msg)
        dist = np.sqrt(((dxy[:, None, :] - xy_cols[None, :, :]) ** 2).sum(axis=2))
        res = pmedian_from_cost(dist, dw, p=int(k), existing=existing, radius=radius, time_limit=time_limit)
    res.stats.update(stats_in)
    order, gain_w, gain_n, newly = _rank(cover, w, res.selected, existing)
    chosen_cols = res.selected[order]
    chosen = candidates.iloc[cand_pos[chosen_cols]].copy()
    chosen["rank"] = np.arange(1, len(chosen_cols) + 1)
    chosen["new_covered"] = gain_w
    chosen["new_covered_count"] = gain_n
    if "category" in incidents.columns:
        cats = incidents["category"].astype(str).to_numpy()[inc_pos]
        for c in np.unique(cats):
            chosen[f"new_{c}"] = np.array([int((cats[rows] == c).sum()) for rows in newly], dtype=np.int64)
    if model == "pmedian":
        near = _nearest_open(inc_xy, xy_cols, res)
        dist_near = np.sqrt(((inc_xy - xy_cols[near]) ** 2).sum(axis=1))
        assigned = np.bincount(near, weights=w, minlength=xy_cols.shape[0])
        dsum = np.bincount(near, weights=w * dist_near, minlength=xy_cols.shape[0])
        chosen["assigned"] = assigned[chosen_cols]
        with np.errstate(invalid="ignore", divide="ignore"):
            chosen["mean_distance"] = np.where(assigned[chosen_cols] > 0, dsum[chosen_cols] / assigned[chosen_cols],
                                               np.nan)
        res.assignment = None  # per-incident assignments in column space would mislead; see the frame
    res.selected = np.sort(cand_pos[res.selected])
    res.existing = sta_pos
    res.stats["incident_positions_used"] = len(inc_pos)
    return res, chosen.to_crs(WGS84)


def _nearest_open(xy: np.ndarray, cols_xy: np.ndarray, res: SitingResult) -> np.ndarray:
    """Column of the nearest open site (new or existing) of each point; ``res.selected`` in column space."""
    open_cols = np.r_[res.existing, res.selected].astype(np.intp)
    _, near = cKDTree(cols_xy[open_cols]).query(xy, workers=-1)
    return open_cols[near]


def _check_standard(radius: float | None, minutes: float | None, roads: object, model: str) -> None:
    """Exactly one service standard: a radius, or minutes with roads (not for the p-median)."""
    if (radius is None) == (minutes is None):
        msg = ("give exactly one service standard: radius (metres in a straight line) "
               "or minutes (drive time over roads)")
        raise ValueError(msg)
    if radius is not None:
        check_positive(radius, "radius", unit="metres")
        if roads is not None:
            msg = "roads are for a drive-time standard (minutes); a radius is measured in a straight line"
            raise ValueError(msg)
        return
    if not (isinstance(minutes, int | float | np.number) and np.isfinite(minutes) and minutes > 0):
        msg = f"minutes must be a positive drive time, got {minutes!r}"
        raise ValueError(msg)
    if roads is None:
        msg = "minutes needs roads: a road layer (or road_graph) to drive along"
        raise ValueError(msg)
    if model == "pmedian":
        msg = "the p-median uses straight-line distances: give radius, or use mclp or lscp with minutes"
        raise ValueError(msg)


def _points(frame: gpd.GeoDataFrame, crs: pyproj.CRS, *, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Metric ``(n, 2)`` coordinates of each feature (a point on it for lines and polygons) and whether it has one."""
    x, y, ok = metric_xy(frame, crs, what=what, surface=True)
    return np.column_stack([x, y]), ok


def _incident_weights(incidents: gpd.GeoDataFrame, weight: str | None,
                      category_weights: dict[str, float] | None) -> np.ndarray:
    """Each incident's weight: the ``weight`` column (default 1) times its category's weight (default 1)."""
    w = np.ones(len(incidents))
    if weight is not None:
        if weight not in incidents.columns:
            msg = f"no weight column {weight!r} among the incidents' columns"
            raise ValueError(msg)
        w = pd.to_numeric(incidents[weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(w).all() or (w < 0).any():
            msg = f"weight column {weight!r} must hold non-negative numbers"
            raise ValueError(msg)
    if category_weights:
        if "category" not in incidents.columns:
            msg = "category_weights needs a 'category' column in the incidents"
            raise ValueError(msg)
        bad = {c: v for c, v in category_weights.items() if not (np.isfinite(v) and v >= 0)}
        if bad:
            msg = f"category weights must be non-negative numbers, got {bad}"
            raise ValueError(msg)
        w = w * incidents["category"].map(category_weights).fillna(1.0).to_numpy(dtype=float)
    return w
