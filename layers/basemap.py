"""The base map: extent, tiles (a setting) and the layer control."""

from __future__ import annotations

import os
from dataclasses import dataclass

import folium

from layers.assets import localize

OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"
TILES_ENV = "KOOPSUZ_TILES"


@dataclass(frozen=True)
class Tiles:
    """Where base tiles come from: ``osm``, ``none``, or a URL template."""

    setting: str

    @classmethod
    def parse(cls, value: str | None) -> Tiles:
        """Read a tiles setting; empty means the default, OpenStreetMap."""
        v = (value or "").strip()
        if v.lower() in ("", "osm", "openstreetmap"):
            return cls("osm")
        if v.lower() in ("none", "off", "no"):
            return cls("none")
        if not all(k in v for k in ("{z}", "{x}", "{y}")) or not v.startswith(("http://", "https://", "/")):
            msg = f"tiles must be 'osm', 'none' or a URL template with {{z}}, {{x}} and {{y}}, not {v!r}"
            raise ValueError(msg)
        return cls(v)

    @classmethod
    def from_env(cls) -> Tiles:
        return cls.parse(os.environ.get(TILES_ENV))

    @property
    def url(self) -> str | None:
        return {"osm": OSM_URL, "none": None}.get(self.setting, self.setting)

    @property
    def attribution(self) -> str:
        return OSM_ATTRIBUTION if self.setting == "osm" else "Local tiles"


def new_map(bounds: tuple[float, float, float, float], *, tiles: Tiles) -> folium.Map:
    """An empty map fitted to WGS84 ``bounds`` (minx, miny, maxx, maxy)."""
    minx, miny, maxx, maxy = bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    m.options["max_zoom"] = 19  # markercluster needs it on the map when there is no tile layer
    if tiles.url is not None:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, name="Base map", max_zoom=19,
                         control=False).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def finish(m: folium.Map) -> folium.Map:
    """Add the layer control and point all assets at the app's own copies."""
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return localize(m)
