"""Coverage, gaps and proposed sites on the map."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.crs import to_display
from geo.palette import COVERED, GAP, PROPOSED  # shared with the print maps
from layers.legend import Legend
from layers.text import html_text



def service_layer(areas: gpd.GeoDataFrame, *, name: str = "Covered today", color: str = COVERED,
                  css: str = "kz-service") -> folium.FeatureGroup:
    """Service areas (circles or sectors), dissolved so overlaps do not darken."""
    fg = folium.FeatureGroup(name=name)
    if len(areas):
        union = to_display(gpd.GeoDataFrame(geometry=[areas.union_all()], crs=areas.crs))
        folium.GeoJson(union.to_json(), style_function=lambda _f: {
            "color": color, "weight": 1, "fillColor": color, "fillOpacity": 0.15, "className": css},
            control=False).add_to(fg)
    return fg


def gap_layer(gaps: gpd.GeoDataFrame, *, name: str = "Coverage gaps") -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name)
    if len(gaps):
        g = to_display(gaps).reset_index(drop=True)
        g["label"] = [f"<b>Gap {int(i)}</b><br>{int(n):,} incidents uncovered<br>{a:,.2f} km²<br>{html_text(c)}"
                      for i, n, a, c in zip(g["gap_id"], g["incidents"], g["area_km2"], g["main_categories"],
                                            strict=True)]
        folium.GeoJson(g[["label", g.geometry.name]].to_json(), style_function=lambda _f: {
            "color": GAP, "weight": 2, "fillColor": GAP, "fillOpacity": 0.35, "dashArray": "5 3",
            "className": "kz-gap"}, tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
            control=False).add_to(fg)
    return fg


def proposed_layer(sites: gpd.GeoDataFrame, *, radius: float | None, areas: gpd.GeoDataFrame | None = None,
                   name: str = "Proposed sites") -> folium.FeatureGroup:
    """Each proposed site numbered by rank, with its own service area: a circle of ``radius``, or ``areas``."""
    fg = folium.FeatureGroup(name=name)
    if areas is not None and len(areas):
        service_layer(areas, name=name, color=PROPOSED, css="kz-proposed-area").add_to(fg)
        radius = None
    s = to_display(sites).reset_index(drop=True)
    for _, row in s.iterrows():
        label = (f"<b>Proposed site {int(row['rank'])}</b><br>"
                 f"{int(row.get('new_covered_count', 0)):,} incidents newly covered")
        if radius:
            folium.Circle([row.geometry.y, row.geometry.x], radius=radius, color=PROPOSED, weight=1,
                          fill=True, fill_opacity=0.12, class_name="kz-proposed-area").add_to(fg)
        folium.Marker(
            [row.geometry.y, row.geometry.x], tooltip=label, popup=folium.Popup(label, max_width=260),
            icon=folium.DivIcon(html=f'<div class="kz-proposed" style="background:{PROPOSED};color:#fff;'
                                     'border-radius:50%;width:24px;height:24px;line-height:24px;text-align:center;'
                                     f'font:bold 12px sans-serif;border:2px solid #fff">{int(row["rank"])}</div>',
                                icon_size=(24, 24), icon_anchor=(12, 12)),
        ).add_to(fg)
    return fg


def planner_legend(*, gaps: bool) -> Legend:
    rows = [(COVERED, "Covered by existing sites"), (PROPOSED, "Proposed new sites and their reach")]
    if gaps:
        rows.append((GAP, "Coverage gaps (dense and uncovered)"))
    return Legend("Coverage", rows, kind="fill")
