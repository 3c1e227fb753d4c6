"""Settlement boundaries as a choropleth of incidents per 100,000 residents.

Classes are Fisher-Jenks natural breaks (mapclassify), the default of
ArcGIS and GeoDa rate maps, with at most five classes.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import to_display
from geo.palette import LISA_COLORS, LISA_LABELS, class_colors, rate_classes  # shared with the print maps
from layers.legend import Legend
from layers.style import NO_DATA
from layers.text import html_text


def boundary_layer(units: gpd.GeoDataFrame, *, name: str = "Settlements: incidents per 100,000",
                   rate_label: str = "per 100,000 a year", value: str = "rate",
                   title: str | None = None) -> tuple[folium.FeatureGroup, Legend]:
    """Choropleth of ``units`` (boundaries with ``count`` and ``rate``) and its legend.

    Each unit is one SVG path of class ``kz-boundary``, with an escaped
    tooltip (name, population, count, rate).
    """
    fg = folium.FeatureGroup(name=name)
    cls, bins = rate_classes(units[value].to_numpy(dtype=float))
    ramp = class_colors(len(bins))
    colors = [ramp[c] if c >= 0 else NO_DATA for c in cls]
    u = to_display(units).reset_index(drop=True)
    def fmt(v: float) -> str:
        return "no population" if not np.isfinite(v) else f"{v:,.0f}"
    def pop_text(p: float) -> str:
        return "Population unknown" if pd.isna(p) else f"Population {int(p):,}"
    labels = [
        f"<b>{html_text(n)}</b><br>{pop_text(p)}<br>Incidents {int(c):,}<br>{fmt(r)} {html_text(rate_label)}"
        for n, p, c, r in zip(u["name"], u["population"], u["count"], u[value], strict=True)
    ]
    data = gpd.GeoDataFrame({"label": labels, "fill": colors}, geometry=u.geometry, crs=u.crs)
    folium.GeoJson(
        data.to_json(),
        name=name,
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#444", "weight": 1.2,
                                  "fillOpacity": 0.55, "className": "kz-boundary"},
        highlight_function=lambda _f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        control=False,
    ).add_to(fg)
    def span(lo: float, hi: float, *, first: bool) -> str:
        if f"{lo:,.0f}" == f"{hi:,.0f}":  # a class of one value
            return f"{hi:,.0f}"
        return f"{lo:,.0f} – {hi:,.0f}" if first else f"> {lo:,.0f} – {hi:,.0f}"

    rows = [(ramp[0], span(np.nanmin(units[value]), bins[0], first=True))] if bins else []
    rows += [(ramp[i], span(lo, hi, first=False)) for i, (lo, hi) in enumerate(zip(bins, bins[1:]), start=1)]
    if (cls < 0).any():
        rows.append((NO_DATA, "no population"))
    return fg, Legend(title or f"Incidents {rate_label}", rows, kind="fill")




def lisa_layer(units: gpd.GeoDataFrame, *, name: str = "Local Moran's I clusters") -> tuple[folium.FeatureGroup, Legend]:
    """Units coloured by LISA cluster (``lisa_cluster``), as GeoDa's cluster map."""
    fg = folium.FeatureGroup(name=name)
    u = to_display(units).reset_index(drop=True)
    labels = [f"<b>{html_text(n)}</b><br>{LISA_LABELS.get(c, c)}<br>I = {i:.2f}, p = {p:.3f}"
              for n, c, i, p in zip(u["name"], u["lisa_cluster"], u["lisa_I"].fillna(np.nan), u["lisa_p"], strict=True)]
    data = gpd.GeoDataFrame({"label": labels, "fill": u["lisa_cluster"].map(LISA_COLORS).fillna("#bdbdbd")},
                            geometry=u.geometry, crs=u.crs)
    folium.GeoJson(
        data.to_json(),
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#444", "weight": 1,
                                  "fillOpacity": 0.7, "className": "kz-lisa"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        control=False,
    ).add_to(fg)
    present = [k for k in LISA_COLORS if k in set(u["lisa_cluster"])]
    return fg, Legend("LISA clusters (EB rates)", [(LISA_COLORS[k], LISA_LABELS[k]) for k in present], kind="fill")


def outline_layer(units: gpd.GeoDataFrame, *, name: str = "Settlement boundaries") -> folium.FeatureGroup:
    """Unfilled outlines with names on hover: context under an analysis layer."""
    fg = folium.FeatureGroup(name=name)
    if len(units) == 0:
        return fg
    u = to_display(units).reset_index(drop=True)
    data = gpd.GeoDataFrame({"label": [html_text(n) for n in u["name"]]}, geometry=u.geometry, crs=u.crs)
    folium.GeoJson(
        data.to_json(),
        style_function=lambda _f: {"color": "#333", "weight": 1.2, "fill": False, "className": "kz-outline"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        control=False,
    ).add_to(fg)
    return fg
