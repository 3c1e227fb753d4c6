"""Incident points: clustered at low zoom, coloured dots with popups when zoomed in.

folium's MarkerCluster writes one JavaScript statement per marker, which is
too slow for 100,000 incidents; FastMarkerCluster has no safe popups. This
layer ships the points as compact column arrays and builds markers in the
browser in chunks. Popups are built with DOM text nodes, so a description
such as ``<script>`` shows as text and never runs.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import CssLink, JavascriptLink
from folium.plugins import MarkerCluster
from folium.template import Template

from geo.crs import to_display
from geo.schema import CATEGORIES, CATEGORY_LABELS
from layers.legend import Legend
from layers.style import CATEGORY_COLORS
from layers.text import Verbatim

MAX_DESCRIPTION = 300  # characters kept for a popup; the full text stays in the data


SCRIPT = """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    var d = {{ this.payload_json }};
    var group = L.markerClusterGroup({{ this.options|tojavascript }});
    function row(box, label, value) {
        var p = document.createElement('div');
        var b = document.createElement('b');
        b.textContent = label + ': ';
        p.appendChild(b);
        p.appendChild(document.createTextNode(value == null ? '' : String(value)));
        box.appendChild(p);
    }
    function popup(layer) {
        var i = layer.kzIndex;
        var box = document.createElement('div');
        box.className = 'kz-incident-popup';
        row(box, 'Category', d.labels[d.cat[i]]);
        row(box, 'Date', d.when[i]);
        row(box, 'Registry no.', d.id[i]);
        if (d.desc[i]) { row(box, 'Description', d.desc[i]); }
        return box;
    }
    var markers = new Array(d.lat.length);
    for (var i = 0; i < d.lat.length; i++) {
        var m = L.circleMarker([d.lat[i], d.lon[i]], {
            radius: 5, weight: 1, color: '#222', fillColor: d.colors[d.cat[i]], fillOpacity: 0.85,
            className: 'kz-incident'
        });
        m.kzIndex = i;
        m.bindPopup(popup, {maxWidth: 320});
        markers[i] = m;
    }
    group.addLayers(markers);
    group.addTo({{ this._parent.get_name() }});
    return group;
})();
{% endmacro %}
"""


class IncidentCluster(MarkerCluster):
    """A marker-cluster layer of incidents built in the browser."""

    _template = Template(SCRIPT)

    def __init__(self, incidents: gpd.GeoDataFrame, *, name: str = "Incidents", show: bool = True) -> None:
        super().__init__(name=name, show=show, options={
            "chunkedLoading": True,
            "disableClusteringAtZoom": 17,
            "spiderfyOnMaxZoom": False,
            "showCoverageOnHover": False,
            "maxClusterRadius": 60,
        })
        self._name = "IncidentCluster"
        self.payload = incident_payload(incidents)
        self.payload_json = script_json(self.payload)

    def render(self, **kwargs: object) -> None:
        # As MarkerCluster.render, but the script (with user text) is added verbatim:
        # compiling it as a template would be slow and would evaluate "{{ }}" in descriptions.
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        figure.script.add_child(Verbatim(self._template.module.script(self, kwargs)), name=self.get_name())


def incident_payload(incidents: gpd.GeoDataFrame) -> dict[str, list]:
    """Column arrays for the browser: coordinates, category codes, texts."""
    pts = to_display(incidents).geometry
    cat_codes = pd.Categorical(incidents["category"], categories=list(CATEGORIES)).codes
    cat_codes = np.where(cat_codes < 0, CATEGORIES.index("other"), cat_codes)
    when = incidents["occurred_at"].dt.strftime("%Y-%m-%d %H:%M").fillna("")
    desc = (incidents["description"] if "description" in incidents else pd.Series("", index=incidents.index))
    desc = desc.fillna("").astype(str).str.slice(0, MAX_DESCRIPTION)
    return {
        "lat": np.round(pts.y.to_numpy(), 6).tolist(),
        "lon": np.round(pts.x.to_numpy(), 6).tolist(),
        "cat": cat_codes.astype(int).tolist(),
        "id": incidents["id"].astype(str).tolist(),
        "when": when.tolist(),
        "desc": desc.tolist(),
        "labels": [CATEGORY_LABELS[c] for c in CATEGORIES],
        "colors": [CATEGORY_COLORS[c] for c in CATEGORIES],
    }


def script_json(data: object) -> str:
    """JSON safe inside a <script> element, UTF-8 kept.

    Jinja's ``tojson`` escapes every non-ASCII character as ``\\uXXXX``, which
    makes Cyrillic descriptions six times larger; only the characters that
    could end the script element or start markup need escaping.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def category_legend(categories: list[str]) -> Legend:
    """Legend of incident colours for the categories shown."""
    return Legend("Incidents", [(CATEGORY_COLORS[c], CATEGORY_LABELS[c]) for c in categories],
                  kind="dot", position="bottomleft")
