"""Video cameras: a point each and, where known, the viewing sector; texts in the reader's language."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geo.coverage import camera_sectors
from geo.crs import to_display
from geo.i18n import Tr
from layers.legend import Legend
from layers.text import html_text, unit_names

__all__ = ["CAMERA_COLOR", "camera_layer", "camera_legend"]

CAMERA_COLOR = "#2c7fb8"


def _deg(v: object, _: Tr) -> str:
    return "–" if v is None or pd.isna(v) else f"{_.num(float(v), 0)}°"


def camera_layer(cameras: gpd.GeoDataFrame, *, name: str | None = None, lang: str = "en") -> folium.FeatureGroup:
    """Sectors (or range circles for dome cameras) and camera points.

    Cameras are named with ``name_ru``/``name_ky`` where present; the group is "Video cameras" in ``lang``
    unless ``name`` is given.
    """
    _ = Tr(lang)
    fg = folium.FeatureGroup(name=name or _("Video cameras"))
    if len(cameras) == 0:
        return fg
    sectors = to_display(camera_sectors(cameras))
    pts = to_display(cameras)
    titles = unit_names(cameras, lang)
    for (_i, cam), sec, pt, title in zip(cameras.iterrows(), sectors.itertuples(), pts.geometry, titles, strict=True):
        label = html_text(title or _("Video camera"))
        details = [label]
        if sec.shape == "sector":
            details.append(html_text(_("Facing {direction}, field of view {angle}",
                                       direction=_deg(cam["direction_deg"], _), angle=_deg(cam.get("fov_deg"), _))))
        else:
            details.append(html_text(_("All-round view (no direction)")))
        if pd.notna(cam.get("range_m")):
            details.append(html_text(_("Range: {metres} m", metres=_.int(float(cam["range_m"])))))
        folium.GeoJson(
            sec.geometry.__geo_interface__,
            style_function=lambda _f, s=sec.shape: {
                "color": CAMERA_COLOR, "weight": 1, "fillColor": CAMERA_COLOR, "fillOpacity": 0.25,
                "dashArray": None if s == "sector" else "4 4", "className": "kz-camera-view",
            },
            control=False,
        ).add_to(fg)
        folium.CircleMarker(
            [pt.y, pt.x], radius=4, color="#08306b", weight=1, fill=True, fill_color=CAMERA_COLOR,
            fill_opacity=1, popup=folium.Popup("<br>".join(details), max_width=260), tooltip=label,
            class_name="kz-camera",
        ).add_to(fg)
    return fg


def camera_legend(*, lang: str = "en") -> Legend:
    """The cameras' legend ("Video cameras" in ``lang``): a camera and what the cameras see."""
    _ = Tr(lang)
    return Legend(_("Video cameras"), [("#08306b", _("Video camera")), (CAMERA_COLOR, _("What the cameras see"))],
                  kind="fill")
