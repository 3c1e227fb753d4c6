"""Settlement names drawn on the web map, in the reader's language, each from the zoom at which it fits.

A label is a Leaflet marker with a ``divIcon`` at the settlement's visual
centre (the pole of inaccessibility of its largest part, as QGIS and
Mapbox place polygon labels), not at the centroid, which falls outside a
crescent-shaped village territory. A label appears once the zoom makes the
settlement wide enough on screen to hold it, so a city's four districts
are named at the opening zoom while hundreds of small units wait until the
reader zooms in: the map never turns into a carpet of overlapping names.

The names travel as JSON data and are set with ``textContent`` in the
browser (a name such as ``<script>`` shows as text), and the script is added
to the page verbatim, never compiled as a template (see :mod:`layers.text`).
The style sheet is written into the page itself: no file from elsewhere.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import polylabel
from branca.element import Element
from folium.map import Layer
from jinja2 import Template

from geo.crs import to_display, to_metric
from geo.i18n import Tr
# The name alone: a label sits inside its unit, so the map tells repeated names apart; the parent in brackets
# (geo.select.unit_labels) is for tooltips, tables and lists, and would keep a small unit's label from fitting.
from layers.text import Verbatim, script_json, unit_names

__all__ = ["SettlementLabels", "label_payload"]

_MPP_Z0 = 156_543.03392804097  # Web Mercator metres per pixel at zoom 0 on the equator
_CHAR_PX = 7.0  # average width of a 12 px label character (Cyrillic is wider than Latin)
_PAD_PX = 8.0
_FIT = 2.5  # a label may be this many times the radius of the largest circle inside its settlement
MAX_ZOOM = 18
# A name may show this many zoom levels before it fits inside its settlement (overhanging it), as long as it
# collides with no name already placed: narrow rural territories are named at the opening zoom too.
SLACK = 2

CSS = """<style>
.kz-place-label { background: none; border: none; }
.kz-place-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 12px/1.2 sans-serif; color: #1a1a1a; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff, 0 0 1px #fff; }
</style>"""

SCRIPT = """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    var d = {{ this.payload_json }};
    var map = {{ this._parent.get_name() }};
    if (!map.getPane('kzLabels')) {
        var pane = map.createPane('kzLabels');
        pane.style.zIndex = 640;  /* above areas and markers (clicks pass through), below tooltips and popups */
        pane.style.pointerEvents = 'none';
    }
    var group = L.layerGroup();
    var marks = new Array(d.lat.length);
    for (var i = 0; i < d.lat.length; i++) {
        var span = document.createElement('span');
        span.textContent = d.name[i];
        marks[i] = L.marker([d.lat[i], d.lon[i]], {
            icon: L.divIcon({className: 'kz-place-label', html: span, iconSize: null}),
            interactive: false, keyboard: false, pane: 'kzLabels'
        });
    }
    /* Names that fit earliest (the largest settlements) are placed first; a name that would touch one
       already placed waits for a closer zoom. */
    var order = d.zoom.map(function (z, i) { return i; }).sort(function (a, b) { return d.zoom[a] - d.zoom[b] || a - b; });
    function update() {
        if (!map.hasLayer(group)) { return; }
        var z = map.getZoom(), placed = [];
        for (var k = 0; k < order.length; k++) {
            var i = order[k];
            var want = z >= d.zoom[i] - {{ this.slack }};
            if (want) {
                var p = map.latLngToLayerPoint([d.lat[i], d.lon[i]]), w = d.width[i] / 2, h = 9;
                for (var j = 0; j < placed.length && want; j++) {
                    if (Math.abs(p.x - placed[j].x) < w + placed[j].w && Math.abs(p.y - placed[j].y) < h + placed[j].h) {
                        want = false;
                    }
                }
                if (want) { placed.push({x: p.x, y: p.y, w: w, h: h}); }
            }
            if (want && !group.hasLayer(marks[i])) { group.addLayer(marks[i]); }
            else if (!want && group.hasLayer(marks[i])) { group.removeLayer(marks[i]); }
        }
    }
    group.on('add', update);
    map.on('zoomend', update);
    {% if this.show %}group.addTo(map);{% endif %}
    return group;
})();
{% endmacro %}
"""


def label_payload(units: gpd.GeoDataFrame, *, lang: str = "en") -> dict[str, list]:
    """Where each settlement's name goes, the name in ``lang``, and the zoom from which it shows.

    Parameters
    ----------
    units : GeoDataFrame
        Polygons with ``name`` (and optionally ``name_ru``, ``name_ky``), any CRS.
    lang : {"ru", "ky", "en"}

    Returns
    -------
    dict
        ``lat``, ``lon``, ``name``, ``zoom`` and ``width`` (the label's estimated width in pixels) lists, one
        entry per named unit with an area.
    """
    out: dict[str, list] = {"lat": [], "lon": [], "name": [], "zoom": [], "width": []}
    if len(units) == 0:
        return out
    u = units[~(units.geometry.isna() | units.geometry.is_empty)]
    if len(u) == 0:
        return out
    names = unit_names(u, lang).str.strip()
    metric = to_metric(u)
    points, radii = [], []
    for geom in metric.geometry:
        part = max(shapely.get_parts(geom), key=lambda g: g.area) if geom.geom_type.startswith("Multi") else geom
        if part.geom_type != "Polygon" or part.area <= 0:
            points.append(part.representative_point() if not part.is_empty else None)
            radii.append(0.0)
            continue
        tolerance = max(math.sqrt(part.area) / 200.0, 1.0)
        centre = polylabel(part, tolerance=tolerance)
        points.append(centre)
        radii.append(float(part.exterior.distance(centre)))
    pts = gpd.GeoSeries(points, crs=metric.crs, index=u.index)
    lonlat = to_display(gpd.GeoDataFrame(geometry=pts))
    for name, pt, r in zip(names, lonlat.geometry, radii, strict=True):
        if not name or pt is None or pt.is_empty:
            continue
        label_px = _CHAR_PX * len(name) + _PAD_PX
        mpp_needed = _FIT * r / label_px if r > 0 else 0.0  # metres per pixel at which the label just fits
        if mpp_needed > 0:
            zoom = math.ceil(math.log2(_MPP_Z0 * math.cos(math.radians(pt.y)) / mpp_needed))
        else:
            zoom = MAX_ZOOM
        out["lat"].append(round(float(pt.y), 6))
        out["lon"].append(round(float(pt.x), 6))
        out["name"].append(name)
        out["zoom"].append(int(np.clip(zoom, 0, MAX_ZOOM)))
        out["width"].append(round(label_px))
    return out


class SettlementLabels(Layer):
    """Settlement names on the map, an overlay of the layer control ("Settlement names").

    Parameters
    ----------
    units : GeoDataFrame
        Settlement boundaries.
    lang : {"ru", "ky", "en"}
        Language of the names (``name_ru``/``name_ky`` where present, else ``name``) and of the layer's title.
    name : str, optional
        The title in the layer control; "Settlement names" in ``lang`` by default.
    show : bool, default True
    """

    _template = Template(SCRIPT)

    def __init__(self, units: gpd.GeoDataFrame, *, lang: str = "en", name: str | None = None,
                 show: bool = True) -> None:
        _ = Tr(lang)
        super().__init__(name=name or _("Settlement names"), overlay=True, control=True, show=show)
        self._name = "SettlementLabels"
        self.payload = label_payload(units, lang=lang)
        self.payload_json = script_json(self.payload)
        self.slack = SLACK

    def render(self, **kwargs: object) -> None:
        # The script carries user text (names): added verbatim, never compiled as a template.
        figure = self.get_root()
        figure.header.add_child(Element(CSS), name="kz_label_css")
        figure.script.add_child(Verbatim(self._template.module.script(self, kwargs)), name=self.get_name())
