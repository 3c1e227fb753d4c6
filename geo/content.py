"""One map-content type shared by web and print without either importing the other's drawing library.

:class:`MapContent` names the layers of one map. The print maps
(:mod:`geo.printmap`, matplotlib) and the interactive maps
(``layers/compose.py``, folium) both draw it, so a printed map and its HTML
twin show the same layers. This module imports neither drawing library: the
web path must not load matplotlib, the library must not load folium.

It holds no text in any language but English messages of the catalog
(``rate_label``): whoever draws it translates them into the reader's
language (``Tr(lang)(content.rate_label)``), so one content serves a
Russian page and a Kyrgyz pack alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from geo.i18n import N_

if TYPE_CHECKING:  # only for the annotation: a map without density needs no density module
    import geopandas as gpd

    from geo.stats.density import DensityGrid

__all__ = ["DEFAULT_RATE_LABEL", "FRAMES", "MapContent"]

DEFAULT_RATE_LABEL = N_("Incidents per 100,000 a year")


@dataclass(frozen=True, eq=False)
class MapContent:
    """What a map draws. Every layer is optional and may be in any CRS.

    Attributes
    ----------
    boundaries : GeoDataFrame, optional
        Settlement polygons, outlined; labelled with ``name`` when ``labels``.
    roads : GeoDataFrame, optional
        Lines; width by ``road_class``.
    stations : GeoDataFrame, optional
        Points; symbol by ``kind``.
    cameras : GeoDataFrame, optional
        Points (their viewing sectors are drawn when ``direction_deg`` is set).
    incidents : GeoDataFrame, optional
        Points coloured by ``category``.
    density : DensityGrid, optional
        Kernel density surface (incidents per km²).
    gi_cells : GeoDataFrame, optional
        Gi* cells with ``gi_bin`` (-3..3).
    rates : GeoDataFrame, optional
        Polygons with a numeric ``value`` column (choropleth, natural breaks).
    rate_label : str
        Legend title of ``rates``: an English message of the catalog (marked with
        :func:`geo.i18n.N_`), translated where the map is drawn.
    coverage : GeoDataFrame, optional
        Polygons covered today (service areas).
    gaps : GeoDataFrame, optional
        Coverage-gap polygons (``gap_id`` labels them).
    proposed : GeoDataFrame, optional
        Proposed sites (points with ``rank``).
    proposed_areas : GeoDataFrame, optional
        The proposed sites' reach (polygons).
    classes : GeoDataFrame, optional
        Polygons with a ``class`` column: a choropleth of named classes (what residents feel against what
        is recorded), each class in its colour of ``class_colors``, named in the legend by ``class_labels``.
    class_colors : dict, optional
        ``{class: colour}``; a class missing here is drawn grey.
    class_labels : dict, optional
        ``{class: English message of the catalog}``, translated where the map is drawn.
    class_title : str
        The classes' legend title: an English message of the catalog.
    labels : bool
        Label settlements by name.
    label_field : str
        Where the names come from: ``"name"``, or ``"name_ru"`` / ``"name_ky"``
        for the Russian or Kyrgyz names of the workspace; a settlement without
        a value there keeps its ``name``.
    """

    boundaries: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    stations: gpd.GeoDataFrame | None = None
    cameras: gpd.GeoDataFrame | None = None
    incidents: gpd.GeoDataFrame | None = None
    density: DensityGrid | None = None
    gi_cells: gpd.GeoDataFrame | None = None
    rates: gpd.GeoDataFrame | None = None
    rate_label: str = DEFAULT_RATE_LABEL
    coverage: gpd.GeoDataFrame | None = None
    gaps: gpd.GeoDataFrame | None = None
    proposed: gpd.GeoDataFrame | None = None
    proposed_areas: gpd.GeoDataFrame | None = None
    classes: gpd.GeoDataFrame | None = None
    class_colors: dict[str, str] | None = None
    class_labels: dict[str, str] | None = None
    class_title: str = ""
    labels: bool = True
    label_field: str = "name"


# The GeoDataFrame layers of MapContent, in field order (messages list them in this order).
FRAMES = ("boundaries", "roads", "stations", "cameras", "incidents", "gi_cells", "rates", "coverage", "gaps",
          "proposed", "proposed_areas", "classes")
