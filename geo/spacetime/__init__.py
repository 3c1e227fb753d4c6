"""Space-time analyses of incidents: where and when together.

* :mod:`geo.spacetime.cube`: incidents counted by square cell and time step (a space-time cube);
* :mod:`geo.spacetime.emerging`: emerging hot spots (space-time Gi*, Mann-Kendall trend, ArcGIS's 17 patterns);
* :mod:`geo.spacetime.nearrepeat`: near repeats, the Knox test over space bands x time bands (as the Near Repeat
  Calculator defines it).
"""

from geo.spacetime.cube import STEPS, SpaceTimeCube, space_time_cube
from geo.spacetime.emerging import (CATEGORIES, CATEGORY_CODES, MIN_STEPS, EmergingResult, MannKendall, classify,
                                    emerging_from_cube, emerging_hotspots, mann_kendall, space_time_gi_star)
from geo.spacetime.nearrepeat import (DISTANCES, SIGNIFICANCE, KnoxResult, band_labels, knox_from_arrays, near_repeat,
                                      parse_bands)

__all__ = [
    "CATEGORIES", "CATEGORY_CODES", "MIN_STEPS", "STEPS", "EmergingResult", "MannKendall", "SpaceTimeCube", "classify",
    "emerging_from_cube", "emerging_hotspots", "mann_kendall", "space_time_cube", "space_time_gi_star",
    # near repeats (geo.spacetime.nearrepeat)
    "DISTANCES", "SIGNIFICANCE", "KnoxResult", "band_labels", "knox_from_arrays", "near_repeat", "parse_bands",
]
