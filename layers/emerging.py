"""Emerging hot spot cells by their pattern (ArcGIS Pro's 17), coloured as the print map colours them."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.crs import to_display
from geo.i18n import Tr
from geo.palette import EMERGING_COLORS, EMERGING_LABELS  # shared with the print maps
from geo.report.spacetime import pattern_meaning
from layers.legend import Legend
from layers.text import html_text

__all__ = ["emerging_layer"]


def emerging_layer(cells: gpd.GeoDataFrame, *, lang: str = "en") -> tuple[folium.FeatureGroup, Legend]:
    """The cells of :func:`geo.spacetime.emerging_hotspots` with a pattern; "no pattern" is left out (it would
    cover the whole study area), and the legend lists the patterns found, hot first."""
    _ = Tr(lang)
    name = _("Emerging hot spots")
    fg = folium.FeatureGroup(name=name)
    shown = cells[cells["pattern"] != "no_pattern"]
    if len(shown):
        d = to_display(shown[["pattern", "count", "n_hot", "n_cold", shown.geometry.name]]).reset_index(drop=True)
        d["label"] = [f"<b>{html_text(_(EMERGING_LABELS[k]))}</b><br>{html_text(pattern_meaning(k, _))}<br>"
                      + html_text(_("Incidents: {n}; hot in {hot}, cold in {cold} of the periods",
                                    n=_.int(int(n)), hot=_.int(int(h)), cold=_.int(int(c))))
                      for k, n, h, c in zip(d["pattern"], d["count"], d["n_hot"], d["n_cold"], strict=True)]
        d["fill"] = d["pattern"].map(EMERGING_COLORS)
        folium.GeoJson(
            d[["label", "fill", d.geometry.name]].to_json(),
            style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#555555", "weight": 0.4,
                                      "fillOpacity": 0.75, "className": "kz-emerging-cell"},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
            control=False,
        ).add_to(fg)
    found = set(cells["pattern"])
    rows = [(EMERGING_COLORS[k], _(EMERGING_LABELS[k])) for k in EMERGING_LABELS if k in found and k != "no_pattern"]
    legend = Legend(name, rows or [("#ffffff", _("No pattern"))], kind="fill")
    return fg, legend
