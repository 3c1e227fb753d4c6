"""A whole interactive map from the content of a print map, for the HTML export.

The pages assemble their maps widget by widget; an export (the Export page,
``python -m geo export --format html``) draws the same
:class:`geo.content.MapContent` the static maps draw, so the interactive file
and the print show the same layers.
"""

from __future__ import annotations

import folium
import numpy as np

from geo.crs import to_display
from geo.content import MapContent
from geo.i18n import NAME_FIELDS, Tr
from geo.categories import categories_of
from geo.select import categories_present
from layers.basemap import Tiles, finish, new_map
from layers.boundaries import boundary_layer, outline_layer
from layers.cameras import camera_layer
from layers.coverage import gap_layer, planner_legend, proposed_layer, service_layer
from layers.density import density_layer
from layers.hotspots import gi_layer
from layers.incidents import IncidentCluster, category_legend
from layers.labels import SettlementLabels
from layers.roads import road_layer
from layers.stations import station_layer

__all__ = ["content_map"]


def content_map(content: MapContent, *, tiles: Tiles, lang: str = "en") -> folium.Map:
    """The folium map of ``content``: every layer set in it, with legends, settlement names and a layer control.

    Parameters
    ----------
    content : geo.content.MapContent
        The layers to draw.
    tiles : layers.basemap.Tiles
        Base tiles; ``Tiles("none")`` for a map that needs no network.
    lang : {"ru", "ky", "en"}
        The language of every text: layer names, legends, tooltips, popups and
        settlement names (``content.label_field`` when it names another
        language's column, else the names in ``lang``).

    Returns
    -------
    folium.Map
        Finished (layer control added, assets pointed at the app's copies).
    """
    frames = [f for f in (content.boundaries, content.rates, content.incidents, content.stations, content.gi_cells,
                          content.coverage, content.gaps, content.proposed) if f is not None and len(f)]
    if not frames and content.density is None:
        msg = "nothing to draw: the map content has no layer"
        raise ValueError(msg)
    if frames:
        bounds = np.array([to_display(f).total_bounds for f in frames])
        extent = (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())
    else:
        (s, w), (n, e) = content.density.wgs84_bounds()
        extent = (w, s, e, n)
    _ = Tr(lang)
    m = new_map(tuple(float(v) for v in extent), tiles=tiles, lang=lang)
    legends = []
    if content.rates is not None and len(content.rates):
        rates = content.rates.copy()
        for col, default in (("count", 0), ("population", np.nan), ("name", "")):
            if col not in rates:
                rates[col] = default
        title = _(content.rate_label)  # an English message of the catalog (see geo.content)
        layer, legend = boundary_layer(rates, value="value", title=title, name=title, lang=lang)
        layer.add_to(m)
        legends.append(legend)
    elif content.boundaries is not None and len(content.boundaries):
        outline_layer(content.boundaries, lang=lang).add_to(m)
    if content.density is not None:
        overlay, legend = density_layer(content.density, lang=lang)
        overlay.add_to(m)
        legends.append(legend)
    if content.gi_cells is not None and len(content.gi_cells):
        layer, legend = gi_layer(content.gi_cells, lang=lang)
        layer.add_to(m)
        legends.append(legend)
    if content.coverage is not None and len(content.coverage):
        service_layer(content.coverage, lang=lang).add_to(m)
    if content.gaps is not None and len(content.gaps):
        gap_layer(content.gaps, lang=lang).add_to(m)
    if content.roads is not None and len(content.roads):
        road_layer(content.roads, lang=lang).add_to(m)
    if content.cameras is not None and len(content.cameras):
        camera_layer(content.cameras, lang=lang).add_to(m)
    if content.stations is not None and len(content.stations):
        station_layer(content.stations, lang=lang).add_to(m)
    if content.proposed is not None and len(content.proposed):
        proposed_layer(content.proposed, radius=None, areas=content.proposed_areas, lang=lang).add_to(m)
    if content.incidents is not None and len(content.incidents):
        IncidentCluster(content.incidents, lang=lang).add_to(m)
        names = categories_of(content.incidents)  # the workspace's own list, which the incidents carry
        legends.append(category_legend(categories_present(content.incidents, names.keys), lang=lang,
                                       category_list=names))
    if any(f is not None and len(f) for f in (content.coverage, content.gaps, content.proposed)):
        legends.append(planner_legend(gaps=content.gaps is not None and len(content.gaps) > 0, lang=lang))
    for legend in legends:
        legend.add_to(m)
    places = content.boundaries if content.boundaries is not None and len(content.boundaries) else content.rates
    if content.labels and places is not None and len(places) and "name" in places:
        SettlementLabels(places, lang=_label_lang(content.label_field, lang), name=_("Settlement names")).add_to(m)
    return finish(m, lang=lang)


def _label_lang(field: str, lang: str) -> str:
    """The language of the settlement names: the one ``field`` names ("name_ky"), else ``lang``."""
    return next((code for code, col in NAME_FIELDS.items() if col == field and col != "name"), lang)

