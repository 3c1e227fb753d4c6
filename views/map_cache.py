"""Maps built once and sent once: a page's folium map per study, settings, language and tiles.

Building a page's map (its layers) and rendering it to the text the browser
runs is most of a page run's CPU (bench/load.py; docs/benchmarks.md,
"Concurrent sessions"), and every rerun did it again, with new random element
ids each time, so the browser got a new multi-megabyte message on every rerun.
Here the map is built and rendered once per ``key`` (what the map shows:
the study (``views.common.study_key``), the page's map settings, the
language and the tiles) and kept for the server's life (``st.cache_resource``:
shared by every session; Streamlit computes a key once while other sessions
asking for it wait). The component's arguments are then the same text on every
rerun and in every session, so Streamlit's message cache sends the map to a
browser that already has it as a short reference.

The component is called as :func:`streamlit_folium.st_folium` calls it
(streamlit-folium 0.27, pinned in requirements.txt), with
``returned_objects=[]``: panning and zooming never rerun the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import branca
import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf

__all__ = ["cached_map"]


@dataclass(frozen=True)
class _Rendered:
    map: folium.Map  # the built map (the download button writes it out when pressed)
    args: dict  # the component's arguments, as st_folium computes them


def _links(m: folium.Map) -> tuple[list[str], list[str]]:
    # st_folium's walk: the CSS and JS every element of the map needs, in order, without repeats
    css: list[str] = []
    js: list[str] = []

    def walk(fig):  # noqa: ANN001, ANN202 - a folium element tree
        if isinstance(fig, branca.colormap.ColorMap):
            yield fig
        if isinstance(fig, folium.elements.JSCSSMixin):
            yield fig
        if hasattr(fig, "_children"):
            for child in fig._children.values():
                yield from walk(child)

    for elem in walk(m):
        if isinstance(elem, branca.colormap.ColorMap):
            # st_folium would add d3 from a CDN for it; the maps here draw their legends themselves (layers.legend)
            msg = "a branca colour map needs d3 from a CDN: draw the legend with layers.legend instead"
            raise ValueError(msg)
        css.extend(href for _unused, href in getattr(elem, "default_css", []))
        js.extend(src for _unused, src in getattr(elem, "default_js", []))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


@st.cache_resource(show_spinner=False, max_entries=24)
def _rendered(key: str, _build: Callable[[], folium.Map]) -> _Rendered:  # noqa: ARG001 - key: what the map shows
    m = _build()
    m.get_root().render()  # as st_folium: the page's render, then the map's own (ids and scripts settled)
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    leaflet = sf._get_map_string(m)  # after the two above: it changes the element tree
    css, js = _links(m)
    return _Rendered(m, {"script": leaflet, "header": header, "html": html, "id": sf.get_full_id(m),
                         "css_links": css, "js_links": js})


def cached_map(key: str, build: Callable[[], folium.Map], *, widget_key: str, height: int) -> folium.Map:
    """Show the map ``build()`` makes, built and rendered once per ``key``; returns the map (for its download).

    ``key`` must name everything the map shows (study, settings, language, tiles); ``build`` must use
    nothing else. ``widget_key`` is the component's key, ``height`` its height in pixels; the map is as
    wide as the page.
    """
    done = _rendered(key, build)
    hash_key = sf.generate_js_hash(done.args["script"], widget_key, False)

    def on_change() -> None:
        st.session_state[widget_key] = st.session_state.get(hash_key, {})

    sf._component_func(**done.args, key=hash_key, height=height, width=None, returned_objects=[], default={},
                       zoom=None, center=None, feature_group=None, return_on_hover=False, layer_control=None,
                       pixelated=False, on_change=on_change, wrap_longitude=False)
    return done.map
