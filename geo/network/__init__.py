"""Road networks and drive times: a network built once from a roads layer, times and reach areas over it.

:class:`RoadNetwork` (from :func:`road_graph` of road lines) holds the graph,
its STR-tree and k-d tree; :func:`drive_time_coverage` and
:func:`drive_time_matrix` give travel times from facilities to points,
:func:`drive_time_areas` the ground reached. Every drive-time function takes
road lines, a graph or a network; pass a network to build it once.
"""

from geo.network.areas import CIRCLE_QUAD_SEGS, drive_time_areas
from geo.network.drive import DRIVE_BLOCK_CELLS, ZERO_TRIP_MINUTES, drive_time_coverage, drive_time_matrix
from geo.network.graph import DEFAULT_SPEEDS_KMH, RoadNetwork, Roads, road_graph, road_network

__all__ = [
    "CIRCLE_QUAD_SEGS",
    "DEFAULT_SPEEDS_KMH",
    "DRIVE_BLOCK_CELLS",
    "ZERO_TRIP_MINUTES",
    "RoadNetwork",
    "Roads",
    "drive_time_areas",
    "drive_time_coverage",
    "drive_time_matrix",
    "road_graph",
    "road_network",
]
