"""Road centre lines, drawn heavier for bigger roads; names in the reader's language where the data has them."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geo.crs import to_display
from geo.i18n import Tr
from layers.style import ROAD_WEIGHTS
from layers.text import html_text, unit_names

__all__ = ["road_layer"]


def road_layer(roads: gpd.GeoDataFrame, *, name: str | None = None, lang: str = "en") -> folium.FeatureGroup:
    """Roads with their names on hover ("Roads" in ``lang`` in the layer control unless ``name`` is given)."""
    _ = Tr(lang)
    fg = folium.FeatureGroup(name=name or _("Roads"))
    if len(roads) == 0:
        return fg
    r = to_display(roads)
    blank = pd.Series("", index=r.index)
    names = unit_names(r, lang)
    classes = r["road_class"].fillna("").astype(str) if "road_class" in r else blank
    data = gpd.GeoDataFrame(
        {"label": names.map(html_text), "weight": classes.map(lambda c: ROAD_WEIGHTS.get(c, 2))},
        geometry=r.geometry.simplify(0.00002), crs=r.crs,
    )
    folium.GeoJson(
        data.to_json(),
        name=name,
        style_function=lambda f: {"color": "#6e6e6e", "weight": f["properties"]["weight"], "opacity": 0.8,
                                  "className": "kz-road"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        control=False,
    ).add_to(fg)
    return fg
