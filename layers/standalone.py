"""One self-contained HTML file of a map: every script, style sheet, font and icon inlined.

folium's ``Map.save`` writes a page that loads Leaflet and its plugins from
CDNs (or, once :func:`layers.assets.localize` has run, from the app's
``/app/static/``): neither opens on an office computer without internet or
without the app running. Here the same local copies are written into the page
itself (scripts and style sheets inline, the images and fonts they point at
as ``data:`` URIs), so the file opens anywhere, offline. Only the base tiles,
if the map has any, still come from their server.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from pathlib import Path

import folium

from geo.i18n import Tr
from layers.assets import STATIC_DIR, AssetError, localize

__all__ = ["standalone_html"]

_MARK = "koopsuz-inline:"
_SCRIPT = re.compile(r'<script\s+src="' + re.escape(_MARK) + r'([^"]+)"\s*>\s*</script>')
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="' + re.escape(_MARK) + r'([^"]+)"\s*/?>')
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
# Font Awesome lists a TrueType fallback after each WOFF2 font; every browser that runs Leaflet 1.9 reads WOFF2.
_TTF_FALLBACK = re.compile(r""",\s*url\([^)]*\.ttf\)\s*format\(["']truetype["']\)""")
_MIME = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".svg": "image/svg+xml",
         ".png": "image/png", ".gif": "image/gif"}


def standalone_html(m: folium.Map, *, title: str | None = None, lang: str = "en") -> str:
    """The map as one HTML document that needs no other file.

    Parameters
    ----------
    m : folium.Map
        A finished map (layers, legends, layer control). Its asset links are
        pointed at the inlined copies; call :func:`layers.assets.localize`
        again before showing it in the app.
    title : str, optional
        The page title (escaped); "Koopsuz map" in ``lang`` by default.
    lang : {"ru", "ky", "en"}
        The page's language: its default title and its ``<html lang>``, so a
        browser reads and hyphenates the text as Russian or Kyrgyz.

    Returns
    -------
    str
        The HTML text.

    Raises
    ------
    layers.assets.AssetError
        An asset is not installed (``make assets``).
    """
    _ = Tr(lang)
    title = title or _("Koopsuz map")
    localize(m, base=_MARK)
    page = m.get_root().render()
    page = _SCRIPT.sub(lambda mt: f"<script>{_script(mt.group(1))}</script>", page)
    page = _LINK.sub(lambda mt: f"<style>{_css(mt.group(1))}</style>", page)
    if _MARK in page:
        left = re.findall(re.escape(_MARK) + r"[^\"'\s)]+", page)
        msg = f"asset links left after inlining: {left[:3]}"
        raise AssetError(msg)
    page = re.sub(r"<html(?=[\s>])", f'<html lang="{_.lang}"', page, count=1)
    head = f"<title>{html.escape(title)}</title>"
    return page.replace("<head>", "<head>\n    " + head, 1) if "<head>" in page else head + page


def _file(rel: str) -> Path:
    path = (STATIC_DIR / rel).resolve()
    if STATIC_DIR.resolve() not in path.parents or not path.is_file():
        msg = f"map asset {rel} is not installed under {STATIC_DIR} (run `make assets`)"
        raise AssetError(msg)
    return path


def _script(rel: str) -> str:
    # "</script" inside a script would end the element early
    return _file(rel).read_text(encoding="utf-8").replace("</script", "<\\/script")


def _css(rel: str) -> str:
    path = _file(rel)
    text = _TTF_FALLBACK.sub("", path.read_text(encoding="utf-8"))

    def inline(mt: re.Match) -> str:
        target = mt.group(2).strip()
        if target.startswith(("data:", "#", "http:", "https:", "//")):
            return mt.group(0)
        ref = (path.parent / target.split("?")[0].split("#")[0]).resolve()
        if not ref.is_file():  # e.g. awesome-markers' sprite, unused by the markers here
            return "url(data:,)"
        mime = _MIME.get(ref.suffix.lower()) or mimetypes.guess_type(ref.name)[0] or "application/octet-stream"
        return f"url(data:{mime};base64,{base64.b64encode(ref.read_bytes()).decode('ascii')})"

    return _CSS_URL.sub(inline, text).replace("</style", "<\\/style")
