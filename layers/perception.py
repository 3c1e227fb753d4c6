"""Perceived against recorded on the map: each settlement in its bivariate class, with its numbers on hover."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.crs import to_display
from geo.evaluate.perception import CLASS_LABELS, CLASSES, class_colors
from geo.i18n import Tr
from layers.boundaries import unit_names
from layers.legend import Legend
from layers.text import html_text

__all__ = ["perception_layer"]


def perception_layer(frame: gpd.GeoDataFrame, table_rows: list[list[str]], *, question: str, lang: str = "en"
                     ) -> tuple[folium.FeatureGroup, Legend]:
    """:func:`geo.report.perception.perception_frame` as a choropleth; ``table_rows`` are the page's table's
    cells per settlement (the same words on hover as in the table); the colours are ``question``'s
    (:func:`geo.evaluate.perception.class_colors`)."""
    _ = Tr(lang)
    colours = class_colors(question)
    fg = folium.FeatureGroup(name=_("What residents feel"))
    shown = to_display(frame).reset_index(drop=True)
    names = unit_names(shown, lang)
    for i, row in shown.iterrows():
        colour = colours.get(row["class"], colours[""])
        tip = f"<b>{html_text(names.iloc[i])}</b><br>" + "<br>".join(html_text(c) for c in table_rows[i][1:] if c)
        one = gpd.GeoDataFrame({"label": [tip]}, geometry=[row.geometry], crs=shown.crs)
        folium.GeoJson(one.to_json(), style_function=lambda _f, c=colour: {
            "color": "#555", "weight": 1, "fillColor": c, "fillOpacity": 0.75, "className": "kz-perception"},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False), control=False).add_to(fg)
    legend = Legend(_("What residents feel and what is recorded"),
                    [(colours[c], _(CLASS_LABELS[c])) for c in (*CLASSES, "")])
    return fg, legend
