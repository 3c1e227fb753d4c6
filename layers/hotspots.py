"""Gi* hot and cold spot cells, coloured as ArcGIS colours its Gi_Bin classes; texts in the reader's language."""

from __future__ import annotations

import folium
import pandas as pd
import geopandas as gpd

from geo.crs import to_display
from geo.i18n import Tr
from geo.palette import BIN_COLORS, BIN_LABELS  # shared with the print maps
from layers.legend import Legend
from layers.text import html_text

__all__ = ["gi_layer"]


def gi_layer(cells: gpd.GeoDataFrame, *, name: str | None = None, show_insignificant: bool = False,
             lang: str = "en") -> tuple[folium.FeatureGroup, Legend]:
    """Cells by Gi_Bin; insignificant cells are left out unless asked for (they hide the map).

    The layer and its legend are "Hot spots (Gi*)" in ``lang`` unless ``name`` is given.
    """
    _ = Tr(lang)
    name = name or _("Hot spots (Gi*)")
    fg = folium.FeatureGroup(name=name)
    shown = cells if show_insignificant else cells[cells["gi_bin"] != 0]
    if len(shown):
        d = to_display(shown[["count", "gi_z", "gi_p", "gi_bin", shown.geometry.name]])
        d = d.reset_index(drop=True)
        # a viewer's cell of 1 or 2 incidents has no count, z or p (geo.privacy.viewer_hotspots): only its bin
        counts = [_("Incidents: {n}", n=_.int(int(c))) if pd.notna(c) else "" for c in d["count"]]
        d["label"] = [f"{html_text(_(BIN_LABELS[int(b)]))}<br>{html_text(n)}"
                      f"<br>z = {_.num(float(z), 2)}, p = {_.num(float(p), 4)}" if n else
                      html_text(_(BIN_LABELS[int(b)]))
                      for b, n, z, p in zip(d["gi_bin"], counts, d["gi_z"], d["gi_p"], strict=True)]
        d["fill"] = d["gi_bin"].astype(int).map(BIN_COLORS)
        folium.GeoJson(
            d[["label", "fill", d.geometry.name]].to_json(),
            style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": f["properties"]["fill"],
                                      "weight": 0.5, "fillOpacity": 0.7, "className": "kz-gi-cell"},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
            control=False,
        ).add_to(fg)
    present = sorted({int(b) for b in cells["gi_bin"]}, reverse=True)
    legend = Legend(name, [(BIN_COLORS[b], _(BIN_LABELS[b])) for b in present], kind="fill")
    return fg, legend
