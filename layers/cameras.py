"""Video cameras: a point each and, where known, the viewing sector."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from geo.coverage import camera_sectors
from geo.crs import to_display
from layers.text import html_text

CAMERA_COLOR = "#2c7fb8"


def _fmt(v: object, unit: str) -> str:
    return "" if v is None or pd.isna(v) else f"{float(v):g}{unit}"


def camera_layer(cameras: gpd.GeoDataFrame, *, name: str = "Cameras") -> folium.FeatureGroup:
    """Sectors (or range circles for dome cameras) and camera points."""
    fg = folium.FeatureGroup(name=name)
    if len(cameras) == 0:
        return fg
    sectors = to_display(camera_sectors(cameras))
    pts = to_display(cameras)
    for (_, cam), sec, pt in zip(cameras.iterrows(), sectors.itertuples(), pts.geometry, strict=True):
        label = html_text(cam.get("name") or "Camera")
        details = [label]
        if sec.shape == "sector":
            details.append(f"Facing {_fmt(cam['direction_deg'], '°')}, field of view {_fmt(cam.get('fov_deg'), '°')}")
        else:
            details.append("All-round (no direction)")
        if pd.notna(cam.get("range_m")):
            details.append(f"Range {_fmt(cam['range_m'], ' m')}")
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
