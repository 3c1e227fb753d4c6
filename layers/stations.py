"""Police stations, posts and prevention centres: one marker each, icon by kind, texts in the reader's language."""

from __future__ import annotations

import datetime as dt

import folium
import geopandas as gpd
import pandas as pd

from geo.crs import to_display
from geo.i18n import Tr
from geo.palette import STATION_COLORS
from layers.legend import Legend
from layers.style import STATION_ICONS, STATION_LABELS
from layers.text import html_text, unit_names

__all__ = ["popup_html", "station_layer", "station_legend"]


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _date(value: object, _: Tr) -> str:
    """An opening date as the language writes it; text that is no date stays as written."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return _.date(value.date() if isinstance(value, (pd.Timestamp, dt.datetime)) else value)
    return _text(value)


def popup_html(row: pd.Series, *, lang: str = "en", name: str | None = None) -> str:
    """Escaped popup: name (``name`` when given, in the reader's language), kind, opening date, address."""
    _ = Tr(lang)
    kind = _text(row.get("kind")) or "station"
    title = _text(row.get("name")) if name is None else name
    lines = [f"<b>{html_text(title)}</b>", html_text(_(STATION_LABELS[kind]) if kind in STATION_LABELS else kind)]
    if _text(row.get("opened")):
        lines.append(html_text(_("Opened {date}", date=_date(row.get("opened"), _))))
    if _text(row.get("address")):
        lines.append(html_text(_text(row.get("address"))))
    return "<br>".join(lines)


def station_layer(stations: gpd.GeoDataFrame, *, name: str | None = None, lang: str = "en") -> folium.FeatureGroup:
    """A feature group with one marker per station; class ``kz-station`` on each icon.

    Stations are named with ``name_ru``/``name_ky`` where present; the group is "Police stations" in
    ``lang`` unless ``name`` is given.
    """
    _ = Tr(lang)
    fg = folium.FeatureGroup(name=name or _("Police stations"))
    shown = to_display(stations)
    for (_i, row), title in zip(shown.iterrows(), unit_names(shown, lang), strict=True):
        kind = _text(row.get("kind")) or "station"
        color, icon = STATION_ICONS.get(kind, STATION_ICONS["station"])
        marker_icon = folium.Icon(color=color, icon=icon, prefix="fa")
        # classes on the <i> element: lets tests and styles find stations by kind
        marker_icon.options["extra_classes"] += f" kz-station kz-{kind}"
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=marker_icon,
            popup=folium.Popup(popup_html(row, lang=lang, name=title), max_width=300),
            tooltip=html_text(title),
        ).add_to(fg)
    return fg


def station_legend(stations: gpd.GeoDataFrame, *, lang: str = "en") -> Legend:
    """The kinds of police site shown, in ``lang``."""
    _ = Tr(lang)
    kinds = [k for k in STATION_ICONS if k in set(stations.get("kind", pd.Series(dtype=str)).fillna("station"))]
    return Legend(_("Police"), [(STATION_COLORS[k], _(STATION_LABELS[k])) for k in kinds],
                  kind="dot", position="bottomleft")
