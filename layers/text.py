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

import json
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


def unit_names(frame: pd.DataFrame, lang: str) -> pd.Series:
    """Each row's name in ``lang`` (``name_ru``/``name_ky`` where present, else ``name``), '' where it has none."""
    if "name" not in frame:
        return pd.Series("", index=frame.index)
    return place_names(frame.assign(name=frame["name"].fillna("")), lang)
