"""Incident points: clustered at low zoom, coloured dots with popups when zoomed in.

folium's MarkerCluster writes one JavaScript statement per marker, which is
too slow for 100,000 incidents; FastMarkerCluster has no safe popups. This
layer ships the points as column arrays, compressed (:func:`layers.text.packed_json`: 100,000
incidents in 0.7 MB rather than 5 MB), and builds markers in the browser in chunks. Popups are built with DOM text nodes, so a description
such as ``<script>`` shows as text and never runs.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import CssLink, JavascriptLink
from folium.plugins import MarkerCluster
from folium.template import Template

from geo.crs import to_display
from geo.i18n import Tr
from geo.categories import CategoryList, categories_of
from geo.palette import category_color
from layers.legend import Legend
from layers.text import INFLATE_JS, Verbatim, packed_json, script_json

__all__ = ["IncidentCluster", "category_legend", "incident_payload", "script_json"]

MAX_DESCRIPTION = 300  # characters kept for a popup; the full text stays in the data


SCRIPT = """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    // the inflater inside the layer's own script: streamlit-folium sends each element's script macro only
""" + INFLATE_JS + """
    var group = L.markerClusterGroup({{ this.options|tojavascript }});
    group.addTo({{ this._parent.get_name() }});
    function row(box, label, value) {
        var p = document.createElement('div');
        var b = document.createElement('b');
        b.textContent = label + ': ';
        p.appendChild(b);
        p.appendChild(document.createTextNode(value == null ? '' : String(value)));
        box.appendChild(p);
    }
    function show(d) {
        function popup(layer) {
            var i = layer.kzIndex;
            var box = document.createElement('div');
            box.className = 'kz-incident-popup';
            row(box, d.words.category, d.labels[d.cat[i]]);
            row(box, d.words.date, d.when[i]);
            if (d.id[i]) { row(box, d.words.id, d.id[i]); }
            if (d.desc[i]) { row(box, d.words.desc, d.desc[i]); }
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
    }
    kzInflate({{ this.payload_json }}).then(show, function (e) {
        var note = L.control({position: 'topright'});
        note.onAdd = function () {
            var box = L.DomUtil.create('div', 'kz-map-note');
            box.style.cssText = 'background:#fff;padding:4px 8px;border:1px solid #999;max-width:280px';
            box.textContent = {{ this.unreadable_json }} + ' (' + String(e) + ')';
            return box;
        };
        note.addTo({{ this._parent.get_name() }});
    });
    return group;
})();
{% endmacro %}
"""


class IncidentCluster(MarkerCluster):
    """A marker-cluster layer of incidents built in the browser."""

    _template = Template(SCRIPT)

    def __init__(self, incidents: gpd.GeoDataFrame, *, name: str | None = None, show: bool = True,
                 lang: str = "en") -> None:
        _ = Tr(lang)
        super().__init__(name=name or _("Incidents"), show=show, options={
            "chunkedLoading": True,
            "disableClusteringAtZoom": 17,
            "spiderfyOnMaxZoom": False,
            "showCoverageOnHover": False,
            "maxClusterRadius": 60,
        })
        self._name = "IncidentCluster"
        self.payload = incident_payload(incidents, lang=lang)
        self.payload_json = packed_json(self.payload)  # a seventh of the size: the browser inflates it
        self.unreadable_json = script_json(_("This browser cannot show the incidents; please update it"))

    def render(self, **kwargs: object) -> None:
        # As MarkerCluster.render, but the script (with user text) is added verbatim:
        # compiling it as a template would be slow and would evaluate "{{ }}" in descriptions.
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        figure.script.add_child(Verbatim(self._template.module.script(self, kwargs)), name=self.get_name())


def incident_payload(incidents: gpd.GeoDataFrame, *, lang: str = "en") -> dict[str, list]:
    """Column arrays for the browser: coordinates, category codes, texts in ``lang``.

    Dates are written as the language writes them ("19 дек. 2017 г. 22:30"); each distinct day is
    formatted once, so 100,000 incidents cost a few hundred Babel calls, not 100,000.
    """
    _ = Tr(lang)
    pts = to_display(incidents).geometry
    lst = categories_of(incidents)  # the workspace's own list, which the incidents carry
    keys = list(lst.keys)
    cat_codes = pd.Categorical(incidents["category"], categories=keys).codes
    cat_codes = np.where(cat_codes < 0, keys.index("other"), cat_codes)
    masked = bool(incidents.attrs.get("privacy"))  # a viewer's layer (geo.privacy): no number, the month only
    when = _month(incidents["occurred_at"], _) if masked else _when(incidents["occurred_at"], _)
    desc = (incidents["description"] if "description" in incidents else pd.Series("", index=incidents.index))
    desc = desc.fillna("").astype(str).str.slice(0, MAX_DESCRIPTION)
    return {
        "lat": np.round(pts.y.to_numpy(), 6).tolist(),
        "lon": np.round(pts.x.to_numpy(), 6).tolist(),
        "cat": cat_codes.astype(int).tolist(),
        "id": [""] * len(incidents) if masked else incidents["id"].astype(str).tolist(),
        "when": when.tolist(),
        "desc": desc.tolist(),
        "labels": [lst.label(c, _) for c in keys],
        "colors": [category_color(c, categories=lst) for c in keys],
        "words": {"category": _("Category"), "date": _("Date"), "id": _("Registry number"),
                  "desc": _("Description")},
    }


def _month(occurred: pd.Series, _: Tr) -> pd.Series:
    """The month of each incident as ``_`` writes it ("декабрь 2017"): a viewer's dates are to the month."""
    at = pd.to_datetime(occurred)
    months = {m: _.month_year(m.date()) for m in map(pd.Timestamp, at.dt.to_period("M").dt.start_time.dropna().unique())}
    return at.dt.to_period("M").dt.start_time.map(months).fillna("").astype(object)


def _when(occurred: pd.Series, _: Tr) -> pd.Series:
    """Date and time of each incident as ``_`` writes them; '' where unknown."""
    at = pd.to_datetime(occurred)
    if len(at) == 0:  # an empty map layer (a selection without incidents) has no dates to write
        return pd.Series([], index=occurred.index, dtype=object)
    days = at.dt.normalize()
    words = {day: _.date(day.date(), form="medium") for day in map(pd.Timestamp, days.dropna().unique())}
    text = days.map(words).fillna("") + at.dt.strftime(" %H:%M").fillna("")
    return text.str.strip()


def category_legend(categories: list[str], *, lang: str = "en", category_list: CategoryList | None = None) -> Legend:
    """Legend of incident colours for the categories shown, in ``lang``, named as ``category_list`` names them."""
    _ = Tr(lang)
    lst = CategoryList.of(category_list)
    return Legend(_("Incidents"), [(category_color(c, categories=lst), lst.label(c, _)) for c in categories],
                  kind="dot", position="bottomleft")
