"""How a print map looks, and matplotlib set up for it: papers, font, rcParams, colours, number format.

Every figure is built and saved under :data:`RC` (:func:`styled`), so the
caller's rcParams are left alone and the same input gives the same bytes:
DejaVu Sans (matplotlib's bundled font, which covers Cyrillic with the Kyrgyz
Ң, Ө and Ү), TrueType fonts embedded in PDF (``pdf.fonttype`` 42), fixed SVG
ids, and :func:`metadata` without time stamps or software versions.

Type sizes are in :data:`SIZES` (points on A4, scaled with the paper): none
is below :data:`MIN_PT`, so a printed page reads without a loupe.

DejaVu Sans has no som sign (⃀, U+20C0, in Unicode only since 2021; no font
the platform can count on has it): :func:`printable` writes "сом" ("som" in
English) in its place, so a page never shows a missing-glyph box.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator

import matplotlib
from babel import numbers as bnumbers
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

from geo.checks import check_choice
from geo.i18n import LANGS

__all__ = [
    "BASE_GROUND", "BASE_LAND", "DEFAULT_SOURCE", "DENSITY_ALPHA", "DENSITY_CMAP", "DENSITY_FLOOR", "FONT", "FORMATS",
    "INCIDENT_COLOR", "MIN_PT", "OUTLINE", "PAPERS", "PT", "RC", "SIZES", "SOM_SIGN", "check_format", "covers",
    "fmt_num", "font", "font_charmap", "metadata", "printable", "styled",
]

# Paper sizes in inches (ISO 216), width x height.
PAPERS: dict[str, tuple[float, float]] = {
    "a4-landscape": (297 / 25.4, 210 / 25.4),
    "a4-portrait": (210 / 25.4, 297 / 25.4),
    "a3-landscape": (420 / 25.4, 297 / 25.4),
    "a3-portrait": (297 / 25.4, 420 / 25.4),
}
FORMATS = ("png", "pdf", "svg")
DEFAULT_SOURCE = "Koopsuz"

FONT = "DejaVu Sans"
# Set while figures are built and saved: the font, fixed SVG ids, TrueType
# (Type 42) fonts in PDF (selectable, smaller than Type 3), no time stamps.
RC: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "svg.hashsalt": "koopsuz",
    "svg.id": None,
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    # matplotlib 3.11 sizes a PDF font's subsets by ps.fonttype (256 glyphs for Type 3), so each font was
    # subset and embedded twice: Latin and, in a second pass over the whole font file, Cyrillic
    "ps.fonttype": 42,
    "savefig.dpi": 150,
    "savefig.bbox": None,
    "savefig.facecolor": "white",
    "image.composite_image": True,
    "path.simplify": True,
}

PT = 25.4 / 72  # mm per point
# Type sizes in points on A4 (times the paper's scale on A3). Nothing printed is smaller than MIN_PT:
# legends, tables, footers and labels were 4.5 to 6.5 pt, which a council member cannot read on paper.
MIN_PT = 7.0
SIZES: dict[str, float] = {
    "title": 16.0,  # map page title
    "subtitle": 11.0,
    "page_title": 15.0,  # table and text pages
    "legend": 8.5,  # legend entries (the legend never shrinks below MIN_PT)
    "legend_head": 9.0,
    "footer": 7.5,
    "scalebar": 7.5,
    "north": 10.0,
    "label": 7.5,  # settlement names on the map
    "marker_label": 7.0,  # numbers inside gap and proposed-site symbols
    "table": 9.0,  # table cells, largest (shrinks to MIN_PT, then wraps)
    "note": 7.5,  # the note under a table
    "map_note": 8.0,  # "how to read this map" under a map
    "page_number": 7.5,  # at the foot of a pack's pages
    "text": 10.5,  # text pages
}
BASE_GROUND = "#e6eaee"  # outside the settlements, on the vector base
BASE_LAND = "#fbfaf7"  # inside them
OUTLINE = "#4d4d4d"
INCIDENT_COLOR = "#d7301f"  # incidents without a category column
DENSITY_CMAP = "YlOrRd"
DENSITY_ALPHA = 0.75
DENSITY_FLOOR = 0.02  # of the peak: below it the density is transparent (as geo.palette.density_rgba)

# rcParams are one dict per process: two Streamlit sessions exporting at once must not interleave their
# rc_context enter and exit (one would restore the other's settings mid-draw). Held for one figure's
# building or saving, never across a pack; not re-entrant, as nothing drawn under it takes it again.
_RC_LOCK = threading.Lock()


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """:data:`RC` applied, under the process-wide lock: wrap the building or the saving of one figure."""
    with _RC_LOCK, matplotlib.rc_context(RC):
        yield


def font(size: float, *, bold: bool = False, italic: bool = False) -> FontProperties:
    """:data:`FONT` at ``size`` points."""
    return FontProperties(family=FONT, size=size, weight="bold" if bold else "normal",
                          style="italic" if italic else "normal")


def fmt_num(v: float, *, lang: str = "en") -> str:
    """A number for a legend or the scale bar, in ``lang``'s form: whole above 100, two significant digits below 10.

    ``1,341`` and ``2.5`` in English, ``1 341`` and ``2,5`` in Russian and Kyrgyz.
    """
    v = float(v)
    if not math.isfinite(v):
        return "–"
    if abs(v) >= 100 or v == int(v):
        digits = 0
    elif abs(v) >= 10:
        digits = 1
    else:  # two significant digits, trailing zeros dropped (as "%.2g")
        digits = max(0, 1 - math.floor(math.log10(abs(v))))
        v = float(f"{v:.2g}")
    fmt = "#,##0" + ("." + "#" * digits if digits else "")
    return bnumbers.format_decimal(v, format=fmt, locale=check_choice(lang, LANGS, "lang"), decimal_quantization=True)


SOM_SIGN = "\u20c0"  # ⃀, the Kyrgyz som (Unicode 14)
# What stands in for a character the print font lacks, per language.
_STAND_INS: dict[str, dict[str, str]] = {
    "ru": {SOM_SIGN: "сом"}, "ky": {SOM_SIGN: "сом"}, "en": {SOM_SIGN: "som"},
}


def font_charmap(*, bold: bool = False, italic: bool = False) -> frozenset[int]:
    """The code points of the font matplotlib resolves for :data:`FONT` (regular, bold or italic)."""
    path = findfont(font(10, bold=bold, italic=italic), fallback_to_default=False)
    return frozenset(FT2Font(path).get_charmap())


def covers(text: str, *, bold: bool = False, italic: bool = False) -> bool:
    """Every printing character of ``text`` is in the print font (no missing-glyph box would be drawn)."""
    charmap = font_charmap(bold=bold, italic=italic)
    return all(ord(c) in charmap for c in text if c.isprintable() and not c.isspace() or c in "\u00a0\u202f")


def printable(text: str, *, lang: str = "en") -> str:
    """``text`` with the characters the print font lacks written out: the som sign ⃀ as "сом" ("som" in English).

    A number before the sign keeps its space ("1 500 ⃀" gives "1 500 сом"); a sign written without
    one gets a no-break space, as Russian and Kyrgyz write "1 500 сом". Characters with no stand-in are
    left as they are (:func:`covers` finds them).
    """
    text = str(text)
    if SOM_SIGN not in text:  # the common case, fast
        return text
    word = _STAND_INS.get(lang, _STAND_INS["en"])[SOM_SIGN]
    out = []
    for i, c in enumerate(text):
        if c == SOM_SIGN:
            if i and not text[i - 1].isspace():
                out.append("\u00a0")
            out.append(word)
        else:
            out.append(c)
    return "".join(out)


def check_format(fmt: str) -> str:
    """``fmt`` as one of :data:`FORMATS` (case and a leading dot ignored), or a ValueError naming them."""
    f = str(fmt).lower().lstrip(".")
    if f not in FORMATS:
        msg = f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}"
        raise ValueError(msg)
    return f


def metadata(fmt: str, title: str | None) -> dict[str, str | None]:
    """File metadata with the time stamps and software versions left out (None), for same-bytes output."""
    if fmt == "png":
        meta: dict[str, str | None] = {"Software": None}
    elif fmt == "pdf":
        meta = {"Creator": "Koopsuz", "Producer": None, "CreationDate": None, "ModDate": None}
    else:
        meta = {"Creator": "Koopsuz", "Date": None}
    if title:
        meta["Title"] = title
    return meta
