"""Privacy for viewers: what a viewer's browser may receive of the incidents (issue 15, item 3).

Pure functions, GeoDataFrame in, GeoDataFrame out; the pages, the pack and
the exports made by a viewer call them, on the server, before anything is drawn:

* :func:`viewer_incidents`: incident points masked (donut geomasking or
  anonymous anchors) or aggregated, with only ``category``, ``month`` and
  ``unit``; never a recorded location, description, registry number or time;
* :func:`settlement_counts`, :func:`cell_counts`: counts, small ones suppressed;
  sensitive categories reach a viewer only so;
* :func:`viewer_hotspots`, :func:`viewer_density`: Gi* cells and density
  surfaces that reveal no cell of one or two incidents;
* :func:`viewer_layer`, :func:`sensitive_counts`: the incidents layer in the
  data model's schema as a viewer's pages read it, and the sensitive
  categories' counts per settlement;
* :func:`k_anonymity`, :func:`displacement_stats`, :class:`PrivacyReport`:
  what the masking protects, to print beside the map;
* :func:`leaks`, :func:`coordinates_in_text`: the checker the tests run on
  every payload.
"""

from geo.privacy.counts import cell_counts, settlement_counts, suppress, viewer_density, viewer_hotspots
from geo.privacy.masking import anchor_xy, donut_xy, road_anchors, viewer_incidents
from geo.privacy.measure import (
    PrivacyReport,
    coordinates_in_text,
    displacement,
    displacement_stats,
    k_anonymity,
    k_anonymity_xy,
    leaks,
)
from geo.privacy.viewer import sensitive_counts, viewer_layer
from geo.privacy.policy import (
    METHODS,
    SENSITIVE_CATEGORIES,
    VIEWER_COLUMNS,
    PrivacyPolicy,
    categories_for_viewer,
    is_sensitive,
    months,
)

__all__ = ["METHODS", "SENSITIVE_CATEGORIES", "VIEWER_COLUMNS", "PrivacyPolicy", "PrivacyReport", "anchor_xy",
           "categories_for_viewer", "cell_counts", "coordinates_in_text", "displacement", "displacement_stats",
           "donut_xy", "is_sensitive", "k_anonymity", "k_anonymity_xy", "leaks", "months", "road_anchors",
           "sensitive_counts", "settlement_counts", "suppress", "viewer_density", "viewer_hotspots", "viewer_incidents",
           "viewer_layer"]
