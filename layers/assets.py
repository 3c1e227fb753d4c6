"""Serve Leaflet and plugin assets from the app itself, never from a CDN.

folium points every element at CDN URLs. The same files are installed from
the npm registry at set-up (``static/vendor/package.json``, ``make assets``)
and served by Streamlit's static file serving under ``/app/static/``.
:func:`localize` rewrites every element of a map to those local URLs and
refuses any asset it does not know, so a new plugin cannot slip in a CDN link.
"""

from __future__ import annotations

from pathlib import Path

import folium
import folium.elements

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_URL = "/app/static/"

_NM = "vendor/node_modules/"
# folium's asset name -> file under static/ (None: not needed, dropped)
ASSETS: dict[str, str | None] = {
    "leaflet": _NM + "leaflet/dist/leaflet.js",
    "leaflet_css": _NM + "leaflet/dist/leaflet.css",
    "jquery": _NM + "jquery/dist/jquery.min.js",
    "bootstrap": _NM + "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap_css": _NM + "bootstrap/dist/css/bootstrap.min.css",
    "glyphicons_css": None,  # Bootstrap 3 glyph font; markers here use Font Awesome
    "awesome_markers": _NM + "leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
    "awesome_markers_css": _NM + "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "awesome_markers_font_css": _NM + "@fortawesome/fontawesome-free/css/all.min.css",
    "awesome_rotate_css": "koopsuz.css",
    "markerclusterjs": _NM + "leaflet.markercluster/dist/leaflet.markercluster.js",
    "markerclustercss": _NM + "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": _NM + "leaflet.markercluster/dist/MarkerCluster.Default.css",
}


class AssetError(RuntimeError):
    """A map asset is unknown or not installed."""


def missing_assets() -> list[str]:
    """Asset files that are not installed (empty when ``make assets`` has run)."""
    return [rel for rel in ASSETS.values() if rel is not None and not (STATIC_DIR / rel).is_file()]


def _walk(element: folium.Element):
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _local(links: list[tuple[str, str]], base: str) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        if name not in ASSETS:
            msg = f"map asset {name!r} ({url}) has no local copy; add it to layers.assets.ASSETS"
            raise AssetError(msg)
        rel = ASSETS[name]
        if rel is not None:
            out.append((name, base + rel))
    return out


def localize(m: folium.Map, *, base: str = STATIC_URL) -> folium.Map:
    """Point every JS/CSS link of the map and its children at local copies.

    Parameters
    ----------
    m
        The map, with all layers added.
    base
        URL prefix under which ``static/`` is served.

    Returns
    -------
    folium.Map
        The same map, changed in place.
    """
    for el in _walk(m):
        if isinstance(el, folium.elements.JSCSSMixin):
            # instance attributes: the class lists stay untouched for other maps
            el.default_js = _local(list(el.default_js), base)
            el.default_css = _local(list(el.default_css), base)
    return m


def asset_urls(m: folium.Map) -> list[str]:
    """Every JS/CSS URL the map will load (for checks)."""
    urls: list[str] = []
    for el in _walk(m):
        urls += [u for _, u in getattr(el, "default_js", [])]
        urls += [u for _, u in getattr(el, "default_css", [])]
    return list(dict.fromkeys(urls))
