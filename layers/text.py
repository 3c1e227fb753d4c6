"""User text on maps: escaped for HTML and inert for folium's templates.

folium renders each layer's script and then compiles the result again as a
Jinja template (``branca.element.Element``), so text such as ``{{ 7*7 }}``
or ``{% ... %}`` in a station name or a description would be evaluated on the
server. Every user string that reaches a popup, tooltip or legend goes
through :func:`html_text`, which escapes markup and writes the braces as HTML
entities (shown the same, ignored by Jinja). Large data goes through
:class:`Verbatim`, which adds finished script text without compiling it.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from html import escape

import pandas as pd
from branca.element import Element
from jinja2 import Template

from geo.i18n import place_names


def html_text(value: object) -> str:
    """``value`` as text for HTML: markup escaped, braces as entities, missing as ''."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


class Verbatim(Element):
    """Finished script text added to a figure as is (never compiled as a template)."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


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


PACKED_KEY = "kzDeflated"
"""The key under which :func:`packed_json` writes its data, for :func:`unpack_all` (and anyone reading a page)."""
# as written, or inside another JSON string (quotes escaped once or more)
_PACKED = re.compile(PACKED_KEY + r'\\*"?\s*:\s*\\*"([A-Za-z0-9+/=]*)')


def packed_json(data: object) -> str:
    """``data`` as a JSON object ``{"kzDeflated": "<base64 of DEFLATE of its JSON>"}`` for the browser.

    An incident layer's columns repeat the same texts (a description, a day, a registry prefix) across tens
    of thousands of points: compressed they are a seventh of their size (100,000 incidents: 0.7 MB against
    5 MB), and the browser inflates them with its own ``DecompressionStream("deflate")`` (see
    :data:`INFLATE_JS`) in a few tens of milliseconds. Base64 holds nothing that could end a script element.
    """
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return json.dumps({PACKED_KEY: base64.b64encode(zlib.compress(raw, 6)).decode("ascii")})


def unpack_all(text: str) -> list[object]:
    """Every :func:`packed_json` value written in ``text`` (a page, a websocket frame), decoded."""
    return [json.loads(zlib.decompress(base64.b64decode(m))) for m in _PACKED.findall(text)]


# A promise of the object packed_json wrote: the browser's own inflater, no library.
INFLATE_JS = """
function kzInflate(packed) {
    var bytes = Uint8Array.from(atob(packed.""" + PACKED_KEY + """), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Response(stream).text().then(JSON.parse);
}
"""


def unit_names(frame: pd.DataFrame, lang: str) -> pd.Series:
    """Each row's name in ``lang`` (``name_ru``/``name_ky`` where present, else ``name``), '' where it has none."""
    if "name" not in frame:
        return pd.Series("", index=frame.index)
    return place_names(frame.assign(name=frame["name"].fillna("")), lang)
