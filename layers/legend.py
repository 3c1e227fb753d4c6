"""Map legends as plain Leaflet controls (escaped HTML, no external scripts).

branca's colormap legends pull d3 from a CDN (and streamlit-folium adds it
again), so legends here are small hand-built controls.
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

from layers.text import html_text


class Legend(MacroElement):
    """A legend box: a title and rows of (swatch colour, label).

    ``kind`` draws the swatch as a filled box (``"fill"``), a line
    (``"line"``) or a dot (``"dot"``).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
{{ this.get_name() }}.onAdd = function () {
    var div = L.DomUtil.create('div', 'kz-legend');
    div.innerHTML = {{ this.html|tojson }};
    L.DomEvent.disableClickPropagation(div);
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, title: str, rows: list[tuple[str, str]], *, kind: str = "fill",
                 position: str = "bottomright", note: str | None = None) -> None:
        super().__init__()
        self._name = "Legend"
        self.position = position
        self.html = legend_html(title, rows, kind=kind, note=note)


def legend_html(title: str, rows: list[tuple[str, str]], *, kind: str = "fill", note: str | None = None) -> str:
    """The legend's HTML; every text is escaped."""
    shapes = {
        "fill": "display:inline-block;width:14px;height:14px;border:1px solid #555;",
        "line": "display:inline-block;width:18px;height:0;border-top:3px solid {c};vertical-align:middle;",
        "dot": "display:inline-block;width:10px;height:10px;border-radius:50%;border:1px solid #333;",
    }
    style = shapes[kind]
    items = "".join(
        f'<div style="margin:1px 0"><span style="{style.format(c=html_text(c))}background:{html_text(c)};'
        f'margin-right:6px"></span>{html_text(label)}</div>'
        for c, label in rows
    )
    foot = f'<div style="margin-top:4px;color:#555;font-size:11px">{html_text(note)}</div>' if note else ""
    return (
        '<div style="background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;'
        'box-shadow:0 1px 4px rgba(0,0,0,0.3);font:12px/1.4 sans-serif;max-width:230px">'
        f'<div style="font-weight:bold;margin-bottom:3px">{html_text(title)}</div>{items}{foot}</div>'
    )


class SourceNote(MacroElement):
    """The data's source in the map's attribution corner ("Incidents: chicago_2014.csv, imported 2026-11-30; ..."),
    as a print map's footer states it (:func:`geo.io.provenance.source_text`): a downloaded map keeps it."""

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html|tojson }});
{% endmacro %}
""")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "SourceNote"
        self.html = html_text(text)  # the user's file names as text, never as markup
