"""What police stations and cameras cover: incidents, people, drive times and the gaps between.

A facility covers a circle of a radius (a station's service area,
:mod:`geo.coverage.areas`), its viewing sector (a camera) or the roads it
reaches in a drive time (:mod:`geo.network`, re-exported here). The counts,
covered residents and nearest facilities are in :mod:`geo.coverage.summary`,
the uncovered hot ground in :mod:`geo.coverage.gaps`. Everything is computed
in the local metric CRS (:func:`geo.crs.local_crs` of the inputs), so radii,
areas and road lengths are true metres; each function says in which CRS it
returns geometry.
"""

from geo.coverage.areas import DEFAULT_CAMERA_RANGE_M, camera_areas, camera_sectors, sector, service_areas
from geo.coverage.gaps import GAP_METHODS, coverage_gaps
from geo.coverage.summary import CoverageSummary, coverage_summary, nearest_facility
from geo.network import (
    CIRCLE_QUAD_SEGS,
    DEFAULT_SPEEDS_KMH,
    DRIVE_BLOCK_CELLS,
    ZERO_TRIP_MINUTES,
    RoadNetwork,
    drive_time_areas,
    drive_time_coverage,
    drive_time_matrix,
    road_graph,
)

__all__ = [
    "CIRCLE_QUAD_SEGS",
    "DEFAULT_CAMERA_RANGE_M",
    "DEFAULT_SPEEDS_KMH",
    "DRIVE_BLOCK_CELLS",
    "GAP_METHODS",
    "ZERO_TRIP_MINUTES",
    "CoverageSummary",
    "RoadNetwork",
    "camera_areas",
    "camera_sectors",
    "coverage_gaps",
    "coverage_summary",
    "drive_time_areas",
    "drive_time_coverage",
    "drive_time_matrix",
    "nearest_facility",
    "road_graph",
    "sector",
    "service_areas",
]
