"""The road network: road lines noded into a graph, and that graph as arrays and trees, built once.

:func:`road_graph` turns road lines into a :class:`networkx.Graph` with
travel minutes on its edges. :class:`RoadNetwork` holds what every drive-time
search needs and what depends on the roads alone: the graph, its edges as
arrays, both directions of each edge for ``scipy.sparse.csgraph``, an
STR-tree of the edge lines and a k-d tree of points along them (to put
incidents and sites on their nearest road). Build it once per roads layer
and pass it to every drive-time function (:mod:`geo.network.drive`,
:mod:`geo.network.areas`); they never rebuild it. What depends on a call
(the drive time, the off-road speed) stays with the call.

The nearest-line search is hand-written (:func:`_nearest_lines`) rather
than GEOS's ``STRtree.query_nearest``: the sampled k-d tree bounds each
distance, so the exact search runs on about one line per point, three times
faster with the same answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse
import shapely
from scipy.spatial import cKDTree

from geo.crs import local_crs, located

__all__ = ["DEFAULT_SPEEDS_KMH", "RoadNetwork", "Roads", "road_graph", "road_network"]

# Road speeds by class when a road has no speed_kmh; "unknown" for any other class.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "residential": 30.0,
    "unknown": 30.0,
}
# Road end points closer than this are one junction (noding leaves ~1e-9 m differences at crossings).
NODE_TOLERANCE_M = 1e-3
# Points sampled along the roads to bound distances to them (see _nearest_lines).
SAMPLE_SPACING_M, MAX_SAMPLES = 20.0, 2_000_000


def road_graph(roads: gpd.GeoDataFrame, *, default_speeds: Mapping[str, float] | None = None,
               crs: pyproj.CRS | str | int | None = None) -> nx.Graph:
    """An undirected road network with travel minutes on its edges.

    The road lines are noded (``shapely.node``: split wherever two cross or
    touch), so each edge is a stretch of road between two junctions or ends.
    Roads that merely come close do not connect: digitise junctions on both
    roads, as any routing network needs. Bridges drawn across a road are
    joined to it too (there are no levels).

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Lines with a CRS; optional ``speed_kmh``, ``road_class``, ``name``.
    default_speeds : mapping, optional
        km/h by road class, over :data:`DEFAULT_SPEEDS_KMH`; used where
        ``speed_kmh`` is missing. Key ``"unknown"`` is for any other class.
    crs : optional
        Metric CRS to build the graph in; the local UTM zone by default.

    Returns
    -------
    networkx.Graph
        Nodes ``0..n-1`` with ``x``, ``y`` (metres in ``graph.graph["crs"]``);
        edges with ``minutes`` (length / speed), ``length_m``, ``speed_kmh``,
        ``road`` (the road's index label), ``name``, ``road_class`` and
        ``geometry`` (the stretch's line, metric). Where a
        stretch belongs to several roads, the fastest one's; between two
        nodes, the quickest stretch.
    """
    speeds = {**DEFAULT_SPEEDS_KMH, **{str(k).strip().lower(): float(v) for k, v in (default_speeds or {}).items()}}
    if not all(math.isfinite(v) and v > 0 for v in speeds.values()):
        msg = f"road speeds must be positive, got {speeds}"
        raise ValueError(msg)
    target = pyproj.CRS.from_user_input(crs) if crs is not None else local_crs(roads)
    graph = nx.Graph(crs=target)
    ok = located(roads)
    if not ok.any():
        return graph
    metric = roads[ok].to_crs(target)
    types = set(metric.geom_type)
    if not types <= {"LineString", "MultiLineString"}:
        msg = f"a road network needs line geometries, got {', '.join(sorted(types))}"
        raise ValueError(msg)
    speed = _road_speeds(metric, speeds)
    parts = metric.geometry.explode(index_parts=False)
    road_pos = np.repeat(np.arange(len(metric)), metric.geometry.count_geometries().to_numpy())
    lines = parts.to_numpy()

    pieces = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
    pieces = pieces[shapely.length(pieces) > 0]
    # Which road each piece lies on: its midpoint is on the road's line.
    mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    hit_piece, hit_line = shapely.STRtree(lines).query(mids, predicate="dwithin", distance=NODE_TOLERANCE_M)
    best = np.full(len(pieces), -1)
    order = np.argsort(speed[road_pos[hit_line]], kind="stable")
    best[hit_piece[order]] = road_pos[hit_line[order]]  # the fastest road is written last
    lost = best < 0
    if lost.any():  # numerically off every line: take the nearest
        best[lost] = road_pos[shapely.STRtree(lines).query_nearest(mids[lost], all_matches=False)[1]]

    ends = np.round(np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, 0)),
                                    shapely.get_coordinates(shapely.get_point(pieces, -1))]) / NODE_TOLERANCE_M)
    keys, node = np.unique(ends, axis=0, return_inverse=True)
    node = node.ravel()
    u, v = node[:len(pieces)], node[len(pieces):]
    length = shapely.length(pieces)
    kmh = speed[best]
    minutes = length / (kmh * 1000.0 / 60.0)
    xy = keys * NODE_TOLERANCE_M
    graph.add_nodes_from((i, {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(xy))
    names = metric["name"].to_numpy() if "name" in metric else np.full(len(metric), None)
    classes = metric["road_class"].to_numpy() if "road_class" in metric else np.full(len(metric), None)
    labels = metric.index.to_numpy()
    keep = u != v  # a loop back to its own junction never shortens a trip
    # The quickest stretch between two nodes wins: add the slowest first, the quickest overwrites.
    for k in np.flatnonzero(keep)[np.argsort(-minutes[keep], kind="stable")]:
        r = best[k]
        graph.add_edge(int(u[k]), int(v[k]), minutes=float(minutes[k]), length_m=float(length[k]),
                       speed_kmh=float(kmh[k]), road=labels[r], name=names[r], road_class=classes[r],
                       geometry=pieces[k])
    return graph


class RoadNetwork:
    """A road graph as arrays and trees, for putting points on it and searching it; built once.

    Construct it from a graph (``RoadNetwork(graph)``) or from road lines
    (:meth:`from_roads`); every build goes through ``__init__``. Pass it as
    ``roads`` to the drive-time functions, which use it as it is. It is
    read-only once built (the arrays are locked; do not change ``graph``),
    so one instance can serve many calls and threads.

    Parameters
    ----------
    graph : networkx.Graph
        From :func:`road_graph`, or another graph with node ``x``, ``y``,
        ``graph["crs"]`` (metric) and edge ``minutes``; an edge without
        ``geometry`` is the straight line between its nodes.

    Attributes
    ----------
    graph : networkx.Graph
        The graph it was built from.
    crs : pyproj.CRS
        The metric CRS of the graph's coordinates.
    a, b : numpy.ndarray
        Node positions of each edge's ends.
    minutes : numpy.ndarray
        Travel minutes of each edge.
    lines : numpy.ndarray
        Each edge's line, oriented from ``a`` to ``b``.
    n : int
        Number of nodes.
    arcs : tuple of numpy.ndarray
        (from, to, minutes) of both directions of every edge, the quickest
        of parallel ones.
    tree : shapely.STRtree
        The edge lines.
    """

    def __init__(self, graph: nx.Graph) -> None:
        crs = graph.graph.get("crs")
        if crs is None:
            msg = "the road graph has no CRS; build it with road_graph"
            raise ValueError(msg)
        arrays = _edge_arrays(graph)
        if arrays is None:
            msg = "the road network has no roads"
            raise ValueError(msg)
        a, b, edge_minutes, lines, n = arrays
        rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
        times = np.concatenate([edge_minutes, edge_minutes])
        # Parallel edges (a multigraph) would be summed by the sparse matrix: keep the quickest.
        order = np.lexsort((times, cols, rows))
        first = order[np.r_[True, (rows[order][1:] != rows[order][:-1]) | (cols[order][1:] != cols[order][:-1])]]
        self.graph = graph
        self.crs = pyproj.CRS.from_user_input(crs)
        self.a, self.b, self.minutes, self.lines = _frozen(a), _frozen(b), _frozen(edge_minutes), _frozen(lines)
        self.n = n
        self.arcs = (_frozen(rows[first]), _frozen(cols[first]), _frozen(times[first]))
        self.tree = shapely.STRtree(lines)

    @classmethod
    def from_roads(cls, roads: gpd.GeoDataFrame, *, default_speeds: Mapping[str, float] | None = None,
                   crs: pyproj.CRS | str | int | None = None) -> RoadNetwork:
        """Build the network of road lines (:func:`road_graph` with the same options)."""
        return cls(road_graph(roads, default_speeds=default_speeds, crs=crs))

    def __repr__(self) -> str:
        return f"RoadNetwork({self.n} nodes, {len(self.a)} edges, crs={self.crs.to_string()})"

    @cached_property
    def samples(self) -> cKDTree:
        """A k-d tree of points along the lines; built on first use (a network placing no points needs none)."""
        return _line_samples(self.lines)

    @cached_property
    def adjacency(self) -> scipy.sparse.csr_array:
        """The arcs as an ``n x n`` sparse matrix of minutes, for ``scipy.sparse.csgraph.dijkstra``."""
        return scipy.sparse.csr_array((self.arcs[2], (self.arcs[0], self.arcs[1])), shape=(self.n, self.n))

    def place(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest edge, position along it (0 at ``a``, 1 at ``b``) and distance to it of each point.

        Parameters
        ----------
        x, y : numpy.ndarray
            Metric coordinates in :attr:`crs`.

        Returns
        -------
        edge, at, dist : numpy.ndarray
        """
        pts = shapely.points(x, y)
        edge, dist = _nearest_lines(pts, np.column_stack([x, y]), self.lines, self.tree, self.samples)
        return edge, shapely.line_locate_point(self.lines[edge], pts, normalized=True), dist


# What every drive-time function takes as ``roads``.
Roads = gpd.GeoDataFrame | nx.Graph | RoadNetwork


def road_network(roads: Roads, *,
                 default_speeds: Mapping[str, float] | None = None,
                 crs: pyproj.CRS | str | int | None = None) -> RoadNetwork:
    """``roads`` as a :class:`RoadNetwork`: a network as it is, a graph wrapped, lines built.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame or networkx.Graph or RoadNetwork
    default_speeds : mapping, optional
        For lines only (see :func:`road_graph`); a graph or a network keeps its times.
    crs : optional
        For lines only: the metric CRS to build in; a graph or a network keeps its own.

    Returns
    -------
    RoadNetwork
    """
    if isinstance(roads, RoadNetwork):
        return roads
    if isinstance(roads, nx.Graph):
        return RoadNetwork(roads)
    return RoadNetwork.from_roads(roads, default_speeds=default_speeds, crs=crs)


def _frozen(values: np.ndarray) -> np.ndarray:
    """The array, read-only: a network is shared between calls and must not be changed by one."""
    values.flags.writeable = False
    return values


def _edge_arrays(graph: nx.Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] | None:
    """Edge end positions ``a``, ``b``, minutes and lines oriented from ``a`` to ``b``; None without edges."""
    nodes = list(graph.nodes)
    if graph.number_of_edges() == 0:
        return None
    index = {node: i for i, node in enumerate(nodes)}
    xy = np.array([(graph.nodes[node]["x"], graph.nodes[node]["y"]) for node in nodes], dtype=float)
    a, b, mins, lines = [], [], [], []
    for u, v, data in graph.edges(data=True):
        a.append(index[u])
        b.append(index[v])
        mins.append(data.get("minutes", np.nan))
        lines.append(data.get("geometry"))
    a, b = np.array(a), np.array(b)
    mins = np.array(mins, dtype=float)
    if not (np.isfinite(mins).all() and (mins >= 0).all()):
        msg = "every road edge needs non-negative 'minutes'"
        raise ValueError(msg)
    lines = np.array(lines, dtype=object)
    straight = shapely.is_missing(lines)
    if straight.any():
        lines[straight] = shapely.linestrings(np.stack([xy[a[straight]], xy[b[straight]]], axis=1))
    # Orient each line from a to b (an undirected graph lists its ends in either order).
    start = shapely.get_coordinates(shapely.get_point(lines, 0))
    backwards = (np.hypot(*(start - xy[b]).T) < np.hypot(*(start - xy[a]).T))
    lines[backwards] = shapely.reverse(lines[backwards])
    return a, b, mins, lines, len(nodes)


def _road_speeds(roads: gpd.GeoDataFrame, speeds: Mapping[str, float]) -> np.ndarray:
    """km/h of each road: its ``speed_kmh``, else its class's, else ``speeds["unknown"]``."""
    n = len(roads)
    given = (pd.to_numeric(roads["speed_kmh"], errors="coerce").to_numpy(dtype=float)
             if "speed_kmh" in roads else np.full(n, np.nan))
    classes = (roads["road_class"].astype("string").str.strip().str.lower().fillna("unknown").to_numpy(dtype=object)
               if "road_class" in roads else np.full(n, "unknown", dtype=object))
    by_class = np.array([speeds.get(c, speeds["unknown"]) for c in classes], dtype=float)
    return np.where(np.isfinite(given) & (given > 0), given, by_class)


def _line_samples(lines: np.ndarray) -> cKDTree:
    """A k-d tree of points along the lines, at most :data:`SAMPLE_SPACING_M` apart (coarser past 2 million)."""
    spacing = max(SAMPLE_SPACING_M, float(shapely.length(lines).sum()) / MAX_SAMPLES)
    return cKDTree(shapely.get_coordinates(shapely.segmentize(lines, spacing)))


def _nearest_lines(pts: np.ndarray, xy: np.ndarray, lines: np.ndarray, tree: shapely.STRtree,
                   samples: cKDTree) -> tuple[np.ndarray, np.ndarray]:
    """The nearest line to each point and the distance to it: exact, like ``STRtree.query_nearest``.

    Three times faster than GEOS's nearest search: the nearest point
    sampled along the lines bounds each point's distance from above (it
    lies on a line), so only the lines within that distance are candidates
    (about one per point), and their exact distances decide.
    """
    bound, _ = samples.query(xy, workers=-1)
    # The tolerance covers the round-off of sampled points, which lie on their line to ~1e-9 m.
    pi, li = tree.query(pts, predicate="dwithin", distance=bound * (1 + 1e-9) + 1e-6)
    d = shapely.distance(pts[pi], lines[li])
    order = np.lexsort((d, pi))
    first = order[np.r_[True, pi[order][1:] != pi[order][:-1]]]
    edge = np.zeros(len(pts), dtype=np.intp)
    dist = np.full(len(pts), np.nan)
    edge[pi[first]], dist[pi[first]] = li[first], d[first]
    lost = np.flatnonzero(np.isnan(dist))
    if len(lost):  # not expected; GEOS's own search settles it
        (_, edge[lost]), dist[lost] = tree.query_nearest(pts[lost], return_distance=True, all_matches=False)
    return edge, dist
