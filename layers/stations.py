"""Police stations, posts and prevention centres: one marker each, icon by kind."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geo.crs import to_display
from geo.palette import STATION_COLORS
from layers.legend import Legend
from layers.style import STATION_ICONS, STATION_LABELS
from layers.text import html_text


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def popup_html(row: pd.Series) -> str:
    """Escaped popup: name, kind, opening date, address."""
    kind = _text(row.get("kind")) or "station"
    lines = [f"<b>{html_text(_text(row.get('name')))}</b>", html_text(STATION_LABELS.get(kind, kind))]
    if _text(row.get("opened")):
        lines.append(f"Opened {html_text(_text(row.get('opened')))}")
    if _text(row.get("address")):
        lines.append(html_text(_text(row.get("address"))))
    return "<br>".join(lines)


def station_layer(stations: gpd.GeoDataFrame, *, name: str = "Police stations") -> folium.FeatureGroup:
    """A feature group with one marker per station; class ``kz-station`` on each icon."""
    fg = folium.FeatureGroup(name=name)
    for _, row in to_display(stations).iterrows():
        kind = _text(row.get("kind")) or "station"
        color, icon = STATION_ICONS.get(kind, STATION_ICONS["station"])
        marker_icon = folium.Icon(color=color, icon=icon, prefix="fa")
        # classes on the <i> element: lets tests and styles find stations by kind
        marker_icon.options["extra_classes"] += f" kz-station kz-{kind}"
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=marker_icon,
            popup=folium.Popup(popup_html(row), max_width=300),
            tooltip=html_text(_text(row.get("name"))),
        ).add_to(fg)
    return fg


def station_legend(stations: gpd.GeoDataFrame) -> Legend:
    kinds = [k for k in STATION_ICONS if k in set(stations.get("kind", pd.Series(dtype=str)).fillna("station"))]
    return Legend("Police", [(STATION_COLORS[k], STATION_LABELS[k]) for k in kinds],
                  kind="dot", position="bottomleft")
