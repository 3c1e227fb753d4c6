"""Gi* hot and cold spot cells, coloured as ArcGIS colours its Gi_Bin classes."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.crs import to_display
from geo.palette import BIN_COLORS, BIN_LABELS  # shared with the print maps
from layers.legend import Legend


def gi_layer(cells: gpd.GeoDataFrame, *, name: str = "Gi* hot and cold spots",
             show_insignificant: bool = False) -> tuple[folium.FeatureGroup, Legend]:
    """Cells by Gi_Bin; insignificant cells are left out unless asked for (they hide the map)."""
    fg = folium.FeatureGroup(name=name)
    shown = cells if show_insignificant else cells[cells["gi_bin"] != 0]
    if len(shown):
        d = to_display(shown[["count", "gi_z", "gi_p", "gi_bin", shown.geometry.name]])
        d = d.reset_index(drop=True)
        d["label"] = [f"{BIN_LABELS[int(b)]}<br>Incidents {int(c):,}<br>z = {z:.2f}, p = {p:.4f}"
                      for b, c, z, p in zip(d["gi_bin"], d["count"], d["gi_z"], d["gi_p"], strict=True)]
        d["fill"] = d["gi_bin"].astype(int).map(BIN_COLORS)
        folium.GeoJson(
            d[["label", "fill", d.geometry.name]].to_json(),
            style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": f["properties"]["fill"],
                                      "weight": 0.5, "fillOpacity": 0.7, "className": "kz-gi-cell"},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
            control=False,
        ).add_to(fg)
    present = sorted({int(b) for b in cells["gi_bin"]}, reverse=True)
    legend = Legend("Gi* hot spot analysis", [(BIN_COLORS[b], BIN_LABELS[b]) for b in present], kind="fill")
    return fg, legend
