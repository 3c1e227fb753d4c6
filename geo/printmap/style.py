"""How a print map looks, and matplotlib set up for it: papers, font, rcParams, colours, number format.

Every figure is built and saved under :data:`RC` (:func:`styled`), so the
caller's rcParams are left alone and the same input gives the same bytes:
DejaVu Sans (matplotlib's bundled font, which covers Cyrillic with the Kyrgyz
Ң, Ө and Ү), TrueType fonts in PDF, fixed SVG ids, and :func:`metadata`
without time stamps or software versions.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator

import matplotlib
from matplotlib.font_manager import FontProperties

__all__ = [
    "BASE_GROUND", "BASE_LAND", "DEFAULT_SOURCE", "DENSITY_ALPHA", "DENSITY_CMAP", "DENSITY_FLOOR", "FONT", "FORMATS",
    "INCIDENT_COLOR", "OUTLINE", "PAPERS", "PT", "RC", "check_format", "fmt_num", "font", "metadata", "styled",
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
    "savefig.dpi": 150,
    "savefig.bbox": None,
    "savefig.facecolor": "white",
    "image.composite_image": True,
    "path.simplify": True,
}

PT = 25.4 / 72  # mm per point
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


def fmt_num(v: float) -> str:
    """A number for a legend or the scale bar: whole above 100, two significant digits below 10."""
    v = float(v)
    if not math.isfinite(v):
        return "–"
    if abs(v) >= 100 or v == int(v):
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.1f}"
    return f"{v:.2g}"


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
