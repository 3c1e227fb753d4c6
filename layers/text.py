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

from html import escape

import pandas as pd
from branca.element import Element
from jinja2 import Template


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
