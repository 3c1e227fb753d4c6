"""The base map: extent, tiles (a setting), zoom and scale controls in the reader's language, the layer control."""

from __future__ import annotations

import os
from dataclasses import dataclass

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

from geo.i18n import Tr
from layers.assets import localize
from layers.labels import SettlementLabels

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

    def attribution_in(self, lang: str = "en") -> str:
        """The attribution shown on the map, in ``lang`` (HTML: the copyright sign as an entity)."""
        _ = Tr(lang)
        if self.setting == "osm":
            return _("&copy; OpenStreetMap contributors")
        return _("Local tiles")


class MapControls(MacroElement):
    """Zoom buttons and a metric scale bar whose titles and units are in the reader's language.

    Leaflet writes "Zoom in", "m", "km" (and miles and feet) in English; the
    scale bar here is metric only and its units come from the catalog.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
    var map = {{ this._parent.get_name() }};
    L.control.zoom({zoomInTitle: {{ this.zoom_in|tojson }}, zoomOutTitle: {{ this.zoom_out|tojson }}}).addTo(map);
    var scale = L.control.scale({metric: true, imperial: false});
    scale._updateMetric = function (maxMeters) {
        var meters = this._getRoundNum(maxMeters);
        var label = meters < 1000 ? meters + ' ' + {{ this.m|tojson }} : (meters / 1000) + ' ' + {{ this.km|tojson }};
        this._updateScale(this._mScale, label, meters / maxMeters);
    };
    scale.addTo(map);
})();
{% endmacro %}
""")

    def __init__(self, *, lang: str = "en") -> None:
        super().__init__()
        _ = Tr(lang)
        self._name = "MapControls"
        self.zoom_in = _("Zoom in")
        self.zoom_out = _("Zoom out")
        self.m = _.ctx("unit", "m")
        self.km = _.ctx("unit", "km")


def new_map(bounds: tuple[float, float, float, float], *, tiles: Tiles, lang: str = "en") -> folium.Map:
    """An empty map fitted to WGS84 ``bounds`` (minx, miny, maxx, maxy), its controls in ``lang``."""
    _ = Tr(lang)
    minx, miny, maxx, maxy = bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=False,  # MapControls draws a metric scale bar in the reader's units
        zoom_control=False,
        prefer_canvas=False,
    )
    m.options["max_zoom"] = 19  # markercluster needs it on the map when there is no tile layer
    # Fit the selection closely: with whole zoom steps, fitting the bounds rounds down and a city opens filling
    # a quarter of the map. The + and - buttons still step a whole zoom level.
    m.options["zoom_snap"] = 0.25
    MapControls(lang=lang).add_to(m)
    if tiles.url is not None:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution_in(lang), name=_("Base map"), max_zoom=19,
                         control=False).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def finish(m: folium.Map, *, lang: str = "en", places: gpd.GeoDataFrame | None = None) -> folium.Map:
    """Add settlement names (when ``places`` is given), the layer control, and point assets at the app's copies.

    Parameters
    ----------
    m : folium.Map
        The map with its layers and legends.
    lang : {"ru", "ky", "en"}
        The language of the settlement names.
    places : GeoDataFrame, optional
        Settlement boundaries (``name``, optionally ``name_ru``/``name_ky``):
        their names are drawn on the map (:class:`layers.labels.SettlementLabels`).

    Returns
    -------
    folium.Map
        The same map.
    """
    if places is not None and len(places):
        SettlementLabels(places, lang=lang).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return localize(m)
