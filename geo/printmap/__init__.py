"""Print-ready static maps (PNG, PDF, SVG) with every cartographic element, drawn by matplotlib.

The web maps are folium (Leaflet) pages, and folium cannot make an image
without a browser; matplotlib writes PNG, vector PDF and SVG directly, in
process, from the same geometries. A map page holds a title and subtitle,
the map, a legend with one entry per layer drawn, a scale bar, a north
arrow, and a footer with the source, the tile attribution, the projection
and the date; :func:`map_figure` draws it, :func:`save_figure` writes it and
:func:`export_map` does both, atomically. :func:`table_figure`,
:func:`text_figure` and :func:`pdf_pages` make the other pages of a PDF pack.

matplotlib has no cartographic furniture, and the packages that add some
(matplotlib-scalebar, contextily for tiles) are not in the requirements. They
are drawn here by hand, a few dozen lines each, which also lets them do what
those would not: the scale bar is corrected for the UTM scale factor, the
north arrow for the meridian convergence, and the tiles fall back to a
vector base when offline.

* **Projection.** Every layer, in whatever CRS it comes, is drawn in the
  local UTM zone (:func:`geo.crs.local_crs` of the layers, or of ``extent``),
  with equal scale in x and y. The extent is the boundaries' bounds (all the
  drawn layers' when there are no boundaries) plus a margin, widened to the
  map frame's aspect so that the page is filled.
* **Scale bar.** A round length of the 1-2-5 series about a fifth of the
  frame, in m or km. UTM metres are grid metres: the bar is corrected by the
  zone's point scale factor at the map centre (0.9996 on the central
  meridian), so it measures true ground distance there.
* **North arrow.** Grid north is not true north away from the zone's central
  meridian; the arrow is turned by the meridian convergence at the map centre
  (``pyproj.Proj.get_factors``), so it points to true north.
* **Legend.** One entry per layer given: categories with their counts for
  incidents, station kinds, the Gi* bins drawn (not-significant cells are
  left out, as on the web map: they would grey the whole study area), the
  density colour bar in incidents per km², the rate classes (Fisher-Jenks,
  as the web choropleth) with their ranges. A layer given but empty is
  listed as "none". The legend goes right of the map on landscape pages and
  under it on portrait ones, in columns, its type shrinking if it must.
* **Points.** Incident clouds of more than :data:`RASTERIZE_POINTS` markers are
  rasterized (``rasterized=True``) in PDF and SVG, at the ``dpi`` passed to
  :func:`save_figure`; the rest of the page stays vector. A 100,000-incident
  PDF is then a few hundred kB and fast to open, not 100,000 vector paths.
* **Base map.** By default (``tiles=None``) a clean vector base: boundaries
  filled on a grey ground, roads, settlement names. With ``tiles`` ("osm" or
  an ``http(s)://.../{z}/{x}/{y}.png`` template) raster tiles are fetched at
  about 150 dpi of the printed frame (at most :data:`MAX_TILES`), cached on
  disk (``tile_cache``, by default ``~/.cache/koopsuz/tiles``; delete it to
  refresh), mosaicked in Web Mercator and warped onto the UTM frame. If any
  tile cannot be had (no network, an HTTP error, a broken image) the map gets
  the vector base instead and the reason is added to ``fig.koopsuz_notes``:
  an export never fails for lack of internet. That tile fetch is the only
  network access in this module, and it happens only when ``tiles`` is given.
* **Text.** Every text is set in DejaVu Sans, matplotlib's bundled font,
  which covers Cyrillic including the Kyrgyz letters Ң, Ө and Ү (embedded
  as TrueType in PDF, outlined in SVG). Settlement
  names get a white halo; a name that would overlap one already placed (the
  largest settlements are placed first), the scale bar or the north arrow is
  left out.
* **Same input, same bytes.** Figures are built and saved under
  :data:`RC` with ``matplotlib.rc_context`` (the caller's rcParams are left
  alone; rcParams are process-wide, so drawing and saving take a lock and two
  threads exporting at once take turns),
  without time stamps or software versions in the files (PNG, PDF and SVG
  metadata are fixed, the SVG id salt too). Pass ``date`` for files that are
  also the same on another day.
* **Page size.** The figure is the paper size exactly (no ``bbox_inches=
  "tight"``). matplotlib truncates the pixel size; :func:`save_figure` rounds
  it instead, so A4 landscape at 300 dpi is 3508 x 2480 pixels, as printers
  expect, and A4 portrait at 150 dpi 1240 x 1754.

Figures are built with ``matplotlib.figure.Figure`` and an Agg canvas, never
pyplot, so there is no global figure registry (safe in Streamlit's threads).
Each figure carries, besides the artists:

``fig.koopsuz_regions``
    ``{name: (x0, y0, x1, y1)}`` in figure coordinates (0 to 1, y up) of
    ``"map"`` (the map frame), ``"legend"`` (the drawn legend), ``"scalebar"``,
    ``"north"``, ``"title"`` (the header) and ``"footer"``; a table page has
    ``"title"``, ``"table"`` and ``"note"``, a text page ``"title"`` and
    ``"text"``. To crop an image of ``W x H`` pixels, take columns
    ``x0 * W .. x1 * W`` and rows ``(1 - y1) * H .. (1 - y0) * H``.
``fig.koopsuz_labels``
    ``[(name, (x0, y0, x1, y1)), ...]``: the settlement labels placed.
``fig.koopsuz_notes``
    What did not go as asked (tiles unavailable, text cut), as sentences.
    :func:`export_map` logs them as warnings.

Examples
--------
>>> from geo.demo import make_demo
>>> layers = make_demo(scale=0.1)
>>> content = MapContent(boundaries=layers["boundaries"], roads=layers["roads"], incidents=layers["incidents"])
>>> export_map(content, "overview.pdf", format="pdf", title="Incidents 2015-2017")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
import math
import os
import tempfile
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import matplotlib
import matplotlib.figure
import numpy as np
import pandas as pd
import pyproj
import rasterio.warp
import shapely
from affine import Affine
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox
from PIL import Image

from geo import palette
from geo.crs import WGS84, local_crs
from geo.stats.density import DensityGrid
from geo.schema import CATEGORIES, CATEGORY_LABELS
from geo.io.store import publish

__all__ = [
    "DEFAULT_SOURCE", "FORMATS", "MAX_TILES", "OSM_TILES", "PAPERS", "RASTERIZE_POINTS", "RC", "MapContent",
    "export_map", "map_figure", "pdf_pages", "save_figure", "table_figure", "text_figure",
]

log = logging.getLogger(__name__)

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
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
USER_AGENT = "Koopsuz"
TILE_TIMEOUT_S = 5.0
MAX_TILES = 64
TILE_DPI = 150  # tiles are chosen (and warped) for this resolution of the printed frame
RASTERIZE_POINTS = 5_000
FIGURE_DPI = 100  # for measuring text while laying out; the output dpi is save_figure's

PT = 25.4 / 72  # mm per point
MERCATOR_HALF = 20037508.342789244  # half the Web Mercator world, metres
BASE_GROUND = "#e6eaee"  # outside the settlements, on the vector base
BASE_LAND = "#fbfaf7"  # inside them
OUTLINE = "#4d4d4d"
INCIDENT_COLOR = "#d7301f"  # incidents without a category column
DENSITY_CMAP = "YlOrRd"
DENSITY_ALPHA = 0.75
DENSITY_FLOOR = 0.02  # of the peak: below it the density is transparent (as DensityGrid.to_rgba)


@dataclass(frozen=True, eq=False)
class MapContent:
    """What a print map draws. Every layer is optional and may be in any CRS.

    Attributes
    ----------
    boundaries : GeoDataFrame, optional
        Settlement polygons, outlined; labelled with ``name`` when ``labels``.
    roads : GeoDataFrame, optional
        Lines; width by ``road_class``.
    stations : GeoDataFrame, optional
        Points; symbol by ``kind``.
    cameras : GeoDataFrame, optional
        Points (their viewing sectors are drawn when ``direction_deg`` is set).
    incidents : GeoDataFrame, optional
        Points coloured by ``category``.
    density : DensityGrid, optional
        Kernel density surface (incidents per km²).
    gi_cells : GeoDataFrame, optional
        Gi* cells with ``gi_bin`` (-3..3).
    rates : GeoDataFrame, optional
        Polygons with a numeric ``value`` column (choropleth, natural breaks).
    rate_label : str
        Legend title of ``rates``.
    coverage : GeoDataFrame, optional
        Polygons covered today (service areas).
    gaps : GeoDataFrame, optional
        Coverage-gap polygons (``gap_id`` labels them).
    proposed : GeoDataFrame, optional
        Proposed sites (points with ``rank``).
    proposed_areas : GeoDataFrame, optional
        The proposed sites' reach (polygons).
    labels : bool
        Label settlements by name.
    label_field : str
        Where the names come from: ``"name"``, or ``"name_ru"`` / ``"name_ky"``
        for the Russian or Kyrgyz names of the workspace; a settlement without
        a value there keeps its ``name``.
    """

    boundaries: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    stations: gpd.GeoDataFrame | None = None
    cameras: gpd.GeoDataFrame | None = None
    incidents: gpd.GeoDataFrame | None = None
    density: DensityGrid | None = None
    gi_cells: gpd.GeoDataFrame | None = None
    rates: gpd.GeoDataFrame | None = None
    rate_label: str = "Incidents per 100,000 a year"
    coverage: gpd.GeoDataFrame | None = None
    gaps: gpd.GeoDataFrame | None = None
    proposed: gpd.GeoDataFrame | None = None
    proposed_areas: gpd.GeoDataFrame | None = None
    labels: bool = True
    label_field: str = "name"


FRAMES = ("boundaries", "roads", "stations", "cameras", "incidents", "gi_cells", "rates", "coverage", "gaps",
          "proposed", "proposed_areas")


# rcParams are one dict per process: two Streamlit sessions exporting at once must not interleave their
# rc_context enter and exit (one would restore the other's settings mid-draw). Re-entrant: a pack holds it
# while its pages are drawn.
_RC_LOCK = threading.RLock()


@contextlib.contextmanager
def _styled() -> Iterator[None]:
    """:data:`RC` applied, under the process-wide lock."""
    with _RC_LOCK, matplotlib.rc_context(RC):
        yield


# --------------------------------------------------------------------------- public API


def map_figure(content: MapContent, *, title: str, subtitle: str | None = None, paper: str = "a4-landscape",
               source: str = DEFAULT_SOURCE, date: dt.date | None = None, tiles: str | None = None,
               tile_cache: str | Path | None = None,
               extent: tuple[float, float, float, float] | None = None) -> matplotlib.figure.Figure:
    """A map page: title, subtitle, map, legend, scale bar, north arrow, source, date and CRS note.

    Parameters
    ----------
    content : MapContent
        The layers to draw; those left None (or with no located feature) are
        not drawn and get no legend entry, except an empty layer that was
        given, which the legend lists as "none".
    title, subtitle : str
        The header; long titles wrap onto two lines.
    paper : str
        One of :data:`PAPERS`. Text and symbols are scaled with the paper's
        short side (A3 type is 1.41 times A4's).
    source : str
        Named in the footer ("Source: ...").
    date : datetime.date, optional
        Printed in the footer; today by default.
    tiles : str, optional
        ``"osm"`` or an ``http(s)://`` URL template with ``{z}``, ``{x}`` and
        ``{y}``; None (the default) draws the vector base only.
    tile_cache : str or pathlib.Path, optional
        Directory of the tile cache; tiles are kept under
        ``<tile_cache>/<hash of the template>/z/x/y.png``. By default
        ``$XDG_CACHE_HOME/koopsuz/tiles`` (``~/.cache/koopsuz/tiles``).
    extent : tuple of float, optional
        ``(west, south, east, north)`` in WGS84 degrees; by default the
        boundaries (or all the layers) with a margin.

    Returns
    -------
    matplotlib.figure.Figure
        The page, with an Agg canvas, and the attributes ``koopsuz_regions``,
        ``koopsuz_labels`` and ``koopsuz_notes`` described in the module docstring.

    Raises
    ------
    ValueError
        For an unknown paper, a malformed tile template or extent, a layer
        without a CRS or a needed column, or when there is nothing to draw.
    """
    page = _page(paper)
    template = _tile_template(tiles)
    layers = _located_layers(content)
    if not any(len(f) for f in layers.values()) and content.density is None:
        given = [f for f in FRAMES if getattr(content, f) is not None]
        msg = ("nothing to draw: the map content has no layer" if not given
               else f"nothing to draw: {', '.join(given)} hold no located feature")
        raise ValueError(msg)
    window = None if extent is None else _check_extent(extent)
    with _styled():
        return _draw_map(content, layers, page=page, title=title, subtitle=subtitle, source=source,
                         date=date or dt.date.today(), template=template, tile_cache=tile_cache, window=window)


def save_figure(fig: matplotlib.figure.Figure, out: str | Path | BinaryIO, *, format: str,
                dpi: int = 150) -> None:
    """Write the figure; the same figure gives the same bytes.

    PNG is rendered by Agg at ``dpi`` and is ``round(paper * dpi)`` pixels;
    PDF and SVG are vector, with ``dpi`` the resolution of their raster parts
    (tiles, density surface, rasterized point clouds). No time stamp,
    software version or random id is written.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    out : str, pathlib.Path or binary file object
    format : str
        One of :data:`FORMATS`.
    dpi : int
        Dots per inch, positive.

    Raises
    ------
    ValueError
        For an unknown format or a dpi that is not positive.
    """
    fmt = _format(format)
    if not (isinstance(dpi, int | float) and math.isfinite(dpi) and dpi > 0):
        msg = f"dpi must be a positive number, got {dpi!r}"
        raise ValueError(msg)
    metadata = _metadata(fmt, getattr(fig, "koopsuz_title", None))
    if isinstance(out, str | Path):
        out = Path(out)
    with _styled():
        if fmt != "png":
            fig.savefig(out, format=fmt, dpi=dpi, metadata=metadata)
            return
        # Agg truncates width x dpi to whole pixels (297 mm at 300 dpi: 3507.87 -> 3507); widen the
        # figure by the fraction of a pixel that makes it round instead, then put it back.
        size = fig.get_size_inches().copy()
        pixels = np.round(size * dpi)
        fig.set_size_inches((pixels + 0.01) / dpi, forward=False)
        try:
            fig.savefig(out, format="png", dpi=dpi, metadata=metadata)
        finally:
            fig.set_size_inches(size, forward=False)


def export_map(content: MapContent, out: str | Path, *, format: str = "png", paper: str = "a4-landscape",
               dpi: int = 150, title: str, subtitle: str | None = None, source: str = DEFAULT_SOURCE,
               date: dt.date | None = None, tiles: str | None = None, tile_cache: str | Path | None = None) -> Path:
    """Draw and write one map (atomically); returns ``out``.

    The file is written beside ``out`` under a temporary name and moved into
    place, so a reader never sees half a file and a failed export leaves the
    old one. Notes (such as tiles that could not be fetched) are logged as
    warnings of the ``geo.printmap`` logger. See :func:`map_figure` and
    :func:`save_figure` for the parameters.
    """
    fmt = _format(format)
    _page(paper)
    out = Path(out)
    fig = map_figure(content, title=title, subtitle=subtitle, paper=paper, source=source, date=date, tiles=tiles,
                     tile_cache=tile_cache)
    try:
        for note in fig.koopsuz_notes:
            log.warning("%s: %s", out.name, note)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                save_figure(fig, fh, format=fmt, dpi=dpi)
            publish(tmp, out)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    finally:
        _close(fig)
    return out


def table_figure(frame: pd.DataFrame, *, title: str, paper: str = "a4-portrait", note: str | None = None,
                 max_rows: int = 40) -> matplotlib.figure.Figure:
    """A page holding a table (first ``max_rows`` rows), for the action-plan pack.

    Numbers are right-aligned with thousands separators (each column with one
    number of decimals), dates as ISO dates, long text cut with "…". The type
    shrinks (to 5.5 pt) before text is cut; columns that still do not fit and
    rows beyond ``max_rows`` or the page are left out, and the note line
    under the table says so ("first 40 of 312 rows"). A geometry column is
    not printed.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows, in order; a GeoDataFrame is fine.
    title : str
    paper : str
        One of :data:`PAPERS`.
    note : str, optional
        Printed under the table (source, definitions).
    max_rows : int
        Positive.
    """
    page = _page(paper)
    if not (isinstance(max_rows, int) and max_rows > 0):
        msg = f"max_rows must be a positive integer, got {max_rows!r}"
        raise ValueError(msg)
    with _styled():
        return _draw_table(frame, title=title, page=page, note=note, max_rows=max_rows)


def text_figure(title: str, paragraphs: list[str], *, paper: str = "a4-portrait") -> matplotlib.figure.Figure:
    """A page of wrapped text (cover, methods), for the action-plan pack.

    Paragraphs are wrapped to the page width; one starting with "- " or "• "
    is a bullet with a hanging indent, and one starting with "## " a bold
    subheading. Text that does not fit on the page is cut, ending with "…",
    and ``fig.koopsuz_notes`` says so.
    """
    page = _page(paper)
    with _styled():
        return _draw_text(title, list(paragraphs), page=page)


@contextlib.contextmanager
def pdf_pages(path: str | Path | BinaryIO, *, title: str | None = None) -> Iterator[PdfPages]:
    """A multi-page PDF whose bytes depend only on its pages (no dates, no producer).

    Use it as :class:`matplotlib.backends.backend_pdf.PdfPages`; it applies
    :data:`RC` until the file is closed (fonts are embedded on closing) and
    fixes the document information.

    Examples
    --------
    >>> with pdf_pages("plan.pdf", title="Action plan") as pdf:  # doctest: +SKIP
    ...     pdf.savefig(text_figure("Action plan", ["..."]))
    ...     pdf.savefig(map_figure(content, title="Hot spots"))
    ...     pdf.savefig(table_figure(gaps, title="Coverage gaps"))
    """
    with _styled(), PdfPages(path, metadata=_metadata("pdf", title)) as pdf:
        yield pdf


# --------------------------------------------------------------------------- checks


def _page(paper: str) -> _Page:
    if paper not in PAPERS:
        msg = f"unknown paper {paper!r}; choose one of {', '.join(PAPERS)}"
        raise ValueError(msg)
    w, h = PAPERS[paper]
    return _Page(w * 25.4, h * 25.4)


def _format(fmt: str) -> str:
    f = str(fmt).lower().lstrip(".")
    if f not in FORMATS:
        msg = f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}"
        raise ValueError(msg)
    return f


def _check_extent(extent: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(v) for v in extent)
    except (TypeError, ValueError):
        msg = f"extent must be (west, south, east, north) in degrees, got {extent!r}"
        raise ValueError(msg) from None
    if not (-180 <= w < e <= 180 and -84 <= s < n <= 84):
        msg = f"extent must be (west, south, east, north) in degrees with west < east and south < north, got {extent}"
        raise ValueError(msg)
    return w, s, e, n


def _tile_template(tiles: str | None) -> str | None:
    if tiles is None:
        return None
    t = str(tiles).strip()
    if t.lower() in ("osm", "openstreetmap"):
        return OSM_TILES
    if not all(k in t for k in ("{z}", "{x}", "{y}")) or not t.startswith(("http://", "https://")):
        msg = f"tiles must be 'osm' or an http(s) URL template with {{z}}, {{x}} and {{y}}, not {t!r}"
        raise ValueError(msg)
    return t


def _metadata(fmt: str, title: str | None) -> dict[str, str | None]:
    if fmt == "png":
        meta: dict[str, str | None] = {"Software": None}
    elif fmt == "pdf":
        meta = {"Creator": "Koopsuz", "Producer": None, "CreationDate": None, "ModDate": None}
    else:
        meta = {"Creator": "Koopsuz", "Date": None}
    if title:
        meta["Title"] = title
    return meta


def _close(fig: matplotlib.figure.Figure) -> None:
    # No pyplot, so nothing global to close: drop the artists so the arrays go at once.
    fig.clear()


# --------------------------------------------------------------------------- page geometry and text


@dataclass(frozen=True)
class _Page:
    width: float  # mm
    height: float

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    @property
    def k(self) -> float:
        """Type and symbol scale: 1 on A4, 1.41 on A3."""
        return min(self.width, self.height) / 210

    def rect(self, left: float, top: float, width: float, height: float) -> tuple[float, float, float, float]:
        """A box given in mm from the top-left corner, as a figure rectangle ``(x, y, w, h)``."""
        return (left / self.width, 1 - (top + height) / self.height, width / self.width, height / self.height)

    def box(self, left: float, top: float, right: float, bottom: float) -> tuple[float, float, float, float]:
        """A box in mm from the top-left corner, as figure coordinates ``(x0, y0, x1, y1)``."""
        return (left / self.width, 1 - bottom / self.height, right / self.width, 1 - top / self.height)


def _font(size: float, *, bold: bool = False, italic: bool = False) -> FontProperties:
    return FontProperties(family=FONT, size=size, weight="bold" if bold else "normal",
                          style="italic" if italic else "normal")


class _Measure:
    """Text widths in mm, from the figure's Agg renderer (cached)."""

    def __init__(self, fig: matplotlib.figure.Figure) -> None:
        self.renderer = fig.canvas.get_renderer()
        self.dpi = fig.dpi
        self.cache: dict[tuple[str, float, bool], float] = {}

    def width(self, s: str, size: float, *, bold: bool = False) -> float:
        key = (s, size, bold)
        if key not in self.cache:
            w, _, _ = self.renderer.get_text_width_height_descent(s, _font(size, bold=bold), ismath=False)
            self.cache[key] = w / self.dpi * 25.4
        return self.cache[key]

    def wrap(self, s: str, width: float, size: float, *, bold: bool = False) -> list[str]:
        """Greedy word wrap to ``width`` mm; a word longer than the line is cut."""
        lines: list[str] = []
        for para in str(s).split("\n"):
            line = ""
            for word in para.split():
                cand = f"{line} {word}" if line else word
                if line and self.width(cand, size, bold=bold) > width:
                    lines.append(line)
                    line = word
                else:
                    line = cand
                if self.width(line, size, bold=bold) > width:
                    line = self.fit(line, width, size, bold=bold)
            lines.append(line)
        return lines

    def lines(self, s: str, width: float, size: float, *, bold: bool = False, most: int) -> list[str]:
        """:meth:`wrap` to at most ``most`` lines, the last cut with "…" when there is more."""
        lines = self.wrap(s, width, size, bold=bold)
        if len(lines) <= most:
            return lines
        return [*lines[:most - 1], self.fit(" ".join(lines[most - 1:]) + "…", width, size, bold=bold)]

    def fit(self, s: str, width: float, size: float, *, bold: bool = False) -> str:
        """``s``, or its longest head that fits ``width`` mm with "…" after it."""
        if self.width(s, size, bold=bold) <= width:
            return s
        lo, hi = 0, len(s)
        while lo < hi:  # longest head whose "head…" fits
            mid = (lo + hi + 1) // 2
            if self.width(s[:mid].rstrip() + "…", size, bold=bold) <= width:
                lo = mid
            else:
                hi = mid - 1
        return s[:lo].rstrip() + "…"


def _new_figure(page: _Page) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(page.width / 25.4, page.height / 25.4), dpi=FIGURE_DPI,
                                   facecolor="white")
    FigureCanvasAgg(fig)
    fig.koopsuz_regions = {}
    fig.koopsuz_labels = []
    fig.koopsuz_notes = []
    return fig


def _page_axes(fig: matplotlib.figure.Figure, page: _Page) -> matplotlib.axes.Axes:
    """Axes over the whole page in mm, y down: for hand-placed text and rules."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, page.width)
    ax.set_ylim(page.height, 0)
    ax.set_autoscale_on(False)
    return ax


# --------------------------------------------------------------------------- the map page


@dataclass
class _Symbol:
    """How a legend row shows its layer."""

    kind: str  # "patch", "line", "marker", "colorbar", "none"
    face: object = "none"
    edge: object = "none"
    width: float = 0.8  # points
    style: str = "-"
    marker: str = "o"
    size: float = 5.0  # points
    vmax: float = 0.0  # colour bar


@dataclass
class _Section:
    title: str | None
    rows: list[tuple[_Symbol, str]]


def _located_layers(content: MapContent) -> dict[str, gpd.GeoDataFrame]:
    """The given frames with their located rows; empty ones are kept (the legend says "none")."""
    out = {}
    for name in FRAMES:
        frame = getattr(content, name)
        if frame is None:
            continue
        if not isinstance(frame, gpd.GeoDataFrame):
            msg = f"{name} must be a GeoDataFrame, got {type(frame).__name__}"
            raise TypeError(msg)
        geom = frame.geometry
        located = frame[~(geom.isna() | geom.is_empty).to_numpy()]
        if len(located) and located.crs is None:
            msg = f"{name} has no CRS; set it (e.g. EPSG:4326) before mapping"
            raise ValueError(msg)
        out[name] = located
    return out


def _draw_map(content: MapContent, layers: dict[str, gpd.GeoDataFrame], *, page: _Page, title: str,
              subtitle: str | None, source: str, date: dt.date, template: str | None,
              tile_cache: str | Path | None, window: tuple[float, float, float, float] | None,
              ) -> matplotlib.figure.Figure:
    fig = _new_figure(page)
    fig.koopsuz_title = title
    measure = _Measure(fig)
    k = page.k
    drawn = {n: f for n, f in layers.items() if len(f)}
    density = content.density
    if density is not None and density.crs is None:
        msg = "the density grid has no CRS"
        raise ValueError(msg)

    # The local UTM zone, of the requested window or of the layers.
    if window is not None:
        crs = local_crs(gpd.GeoSeries([shapely.box(*window)], crs=WGS84))
    else:
        frames = list(drawn.values())
        if density is not None:
            frames.append(gpd.GeoSeries([shapely.box(*density.bounds)], crs=density.crs))
        crs = local_crs(*frames)
    metric = {n: f.to_crs(crs) for n, f in drawn.items()}

    # Layout in mm from the top-left corner: header, body (map and legend), footer.
    margin = 10 * k
    inner = page.width - 2 * margin
    fs_title, fs_sub, fs_foot = 16 * k, 10 * k, 6.5 * k
    title_lines = measure.lines(title, inner, fs_title, bold=True, most=2)
    sub_lines = measure.lines(subtitle, inner, fs_sub, most=2) if subtitle else []
    header = margin + len(title_lines) * fs_title * PT * 1.2 + (len(sub_lines) * fs_sub * PT * 1.3 + 1.5 * k
                                                                 if sub_lines else 0)
    crs_name = pyproj.CRS.from_user_input(crs)
    epsg = crs_name.to_epsg()
    projection = f"Projection: {crs_name.name}" + (f" (EPSG:{epsg})" if epsg else "")

    # The footer (up to three lines, as many as it takes with or without the tile attribution: that is
    # known only once the tiles are fetched) and the header fix the body, map and legend.
    tile_credit = (None if template is None else OSM_ATTRIBUTION if template == OSM_TILES
                   else f"Tiles: {urllib.parse.urlsplit(template).hostname}")

    def footer(credit: str | None) -> list[str]:
        parts = [f"Source: {source}", "Map: Koopsuz", credit, projection, date.isoformat()]
        return measure.lines(" · ".join(p for p in parts if p), inner, fs_foot, most=3)

    top = header + 4 * k
    foot_h = max(len(footer(None)), len(footer(tile_credit))) * fs_foot * PT * 1.35
    body_h = page.height - margin - foot_h - 3 * k - top

    # The layers are drawn in map metres, so before the frame is sized: a portrait legend takes the height
    # it needs under the map (the map keeps 55 to 80 % of the body).
    ax = fig.add_axes((0, 0, 1, 1))
    sections, boundary_symbol = _draw_layers(ax, content, layers, metric, density, crs, k=k)
    if page.landscape:  # map on the left, legend on the right
        map_rect = (margin, top, 0.76 * page.width - margin, body_h)
        panel_left = margin + map_rect[2] + 6 * k
        panel = (panel_left, top, page.width - margin - panel_left, body_h)
    else:  # map on top, legend below
        need = _legend_height(sections, width=inner, k=k, measure=measure, max_cols=3)
        map_h = min(max(body_h - need - 5 * k, 0.55 * body_h), 0.80 * body_h)
        map_rect = (margin, top, inner, map_h)
        panel = (margin, top + map_h + 5 * k, inner, body_h - map_h - 5 * k)
    ax.set_position(page.rect(*map_rect))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8 * k)
        spine.set_zorder(30)
    xmin, ymin, xmax, ymax = _map_extent(metric, density, crs, window, aspect=map_rect[2] / map_rect[3])
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("auto")  # the extent already has the frame's aspect: x and y metres are equal
    ax.set_autoscale_on(False)
    mpm = (xmax - xmin) / map_rect[2]  # map metres per mm of paper

    attribution = None
    if template is not None:
        try:
            img = _basemap(template, tile_cache, crs, (xmin, ymin, xmax, ymax),
                           (map_rect[2] / 25.4, map_rect[3] / 25.4))
        except Exception as exc:  # noqa: BLE001 - any failure (network, HTTP, image, cache) means the vector base
            fig.koopsuz_notes.append(f"tiles unavailable ({_reason(exc)}); drew the vector base instead")
        else:
            ax.imshow(img, extent=(xmin, xmax, ymin, ymax), origin="upper", interpolation="bilinear",
                      zorder=0, aspect="auto")
            attribution = tile_credit
    if attribution is None:  # the vector base: grey ground, the settlements light
        ax.set_facecolor(BASE_GROUND)
        if "boundaries" in metric:
            _add_polygons(ax, metric["boundaries"].geometry, face=BASE_LAND, zorder=1)
    elif boundary_symbol is not None:
        boundary_symbol.face = "none"

    # Furniture: scale bar bottom-left, north arrow top-right, both inside the frame.
    centre = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True).transform((xmin + xmax) / 2, (ymin + ymax) / 2)
    factors = pyproj.Proj(crs).get_factors(*centre)
    to_fig = ax.transData + fig.transFigure.inverted()
    sb = _scale_bar(ax, (xmin, ymin, xmax, ymax), mpm=mpm, k=k, scale_factor=factors.meridional_scale)
    na = _north_arrow(ax, (xmin, ymin, xmax, ymax), mpm=mpm, k=k, bearing=-factors.meridian_convergence)
    regions = fig.koopsuz_regions
    regions["scalebar"] = _fig_box(to_fig, sb)
    regions["north"] = _fig_box(to_fig, na)
    regions["map"] = page.box(map_rect[0], map_rect[1], map_rect[0] + map_rect[2], map_rect[1] + map_rect[3])

    if content.labels:
        names = metric.get("boundaries")
        if names is None or "name" not in names:
            names = metric.get("rates")
        if names is not None and "name" in names:
            if content.label_field != "name" and content.label_field in names:
                local = names[content.label_field].astype("string").str.strip()
                names = names.assign(name=local.where(local.notna() & (local != ""), names["name"].astype("string")))
            _place_labels(fig, ax, names, fs=7 * k, avoid=[sb, na])

    # Legend panel and page text.
    lax = fig.add_axes(page.rect(*panel))
    lax.set_axis_off()
    lax.set_xlim(0, panel[2])
    lax.set_ylim(panel[3], 0)
    lax.set_autoscale_on(False)
    used = _draw_legend(lax, sections, width=panel[2], height=panel[3], k=k, measure=measure,
                        max_cols=2 if page.landscape else 3, notes=fig.koopsuz_notes)
    regions["legend"] = page.box(panel[0] + used[0], panel[1] + used[1], panel[0] + used[2], panel[1] + used[3])

    pax = _page_axes(fig, page)
    y = margin
    pax.text(margin, y, "\n".join(title_lines), fontproperties=_font(fs_title, bold=True), va="top", ha="left",
             linespacing=1.1)
    y += len(title_lines) * fs_title * PT * 1.2
    if sub_lines:
        y += 1.5 * k
        pax.text(margin, y, "\n".join(sub_lines), fontproperties=_font(fs_sub), va="top", ha="left", color="#404040",
                 linespacing=1.15)
    regions["title"] = page.box(margin, margin, page.width - margin, header)
    pax.plot([margin, page.width - margin], [header + 1.5 * k] * 2, color="#303030", lw=0.6 * k)

    foot_lines = footer(attribution)
    pax.text(margin, page.height - margin, "\n".join(foot_lines), fontproperties=_font(fs_foot), va="bottom",
             ha="left", color="#303030", linespacing=1.3)
    regions["footer"] = page.box(margin, page.height - margin - foot_h, page.width - margin, page.height - margin)
    return fig


def _map_extent(metric: dict[str, gpd.GeoDataFrame], density: DensityGrid | None, crs: pyproj.CRS,
                window: tuple[float, float, float, float] | None, *, aspect: float,
                ) -> tuple[float, float, float, float]:
    """The map's (xmin, ymin, xmax, ymax) in ``crs``, with a margin, widened to ``aspect`` (width / height)."""
    if window is not None:
        x0, y0, x1, y1 = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True).transform_bounds(
            *window, densify_pts=21)
        pad = 0.0
    else:
        if "boundaries" in metric:
            boxes = [metric["boundaries"].total_bounds]
        else:
            boxes = [f.total_bounds for f in metric.values()]
            if density is not None:
                boxes.append(pyproj.Transformer.from_crs(density.crs, crs, always_xy=True).transform_bounds(
                    *density.bounds, densify_pts=21))
        b = np.array(boxes, dtype=float)
        x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
        pad = 0.03
    w, h = max(x1 - x0, 0.0), max(y1 - y0, 0.0)
    if max(w, h) < 500:  # one point, or a few metres apart: show a kilometre around them
        w = h = 1000.0
        pad = 0.0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    w, h = max(w, h * aspect), max(h, w / aspect)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _fig_box(to_fig: object, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    (x0, y0), (x1, y1) = to_fig.transform([(box[0], box[1]), (box[2], box[3])])
    return float(x0), float(y0), float(x1), float(y1)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


# --------------------------------------------------------------------------- layers


def _draw_layers(ax: matplotlib.axes.Axes, content: MapContent, layers: dict[str, gpd.GeoDataFrame],
                 metric: dict[str, gpd.GeoDataFrame], density: DensityGrid | None, crs: pyproj.CRS, *,
                 k: float) -> tuple[list[_Section], _Symbol | None]:
    """Draw every layer in map order (fills, then lines, then points).

    Returns the legend, top to bottom, and the boundaries' legend symbol (its fill is the vector base's;
    the caller clears it when tiles are drawn instead).
    """
    legend: dict[str, _Section] = {}

    def none(name: str) -> bool:
        return name in layers and name not in metric

    bounds = metric.get("boundaries")
    if "rates" in layers:
        legend["rates"] = _draw_rates(ax, metric.get("rates"), content.rate_label, k=k)

    if "roads" in layers:
        roads = metric.get("roads")
        if roads is not None:
            classes = (roads["road_class"].astype("string").fillna("") if "road_class" in roads
                       else pd.Series("", index=roads.index))
            for cls in sorted(set(classes), key=lambda c: palette.ROAD_WEIGHTS.get(c, 2)):  # big roads on top
                _add_lines(ax, roads.geometry[(classes == cls).to_numpy()], color=palette.ROAD_COLOR,
                           width=_road_width(cls, k), zorder=2 + palette.ROAD_WEIGHTS.get(cls, 2) / 10)
        legend["roads"] = _Section(None, [(_Symbol("line", edge=palette.ROAD_COLOR, width=_road_width("primary", k)),
                                           "Road" + (" (none)" if none("roads") else ""))])

    if density is not None:
        legend["density"] = _draw_density(ax, density, crs)

    if "gi_cells" in layers:
        legend["gi_cells"] = _draw_gi(ax, metric.get("gi_cells"), k=k)

    for name, color, label, dashed in (("coverage", palette.COVERED, "Covered today", False),
                                       ("proposed_areas", palette.PROPOSED, "Reach of proposed sites", True)):
        if name in layers:
            if name in metric:
                _add_polygons(ax, [shapely.union_all(metric[name].geometry.to_numpy())],
                              face=mcolors.to_rgba(color, 0.18), edge=color, width=0.8 * k,
                              style="--" if dashed else "-", zorder=4)
            legend[name] = _Section(None, [(_Symbol("patch", face=mcolors.to_rgba(color, 0.18), edge=color,
                                                    width=0.8 * k, style="--" if dashed else "-"),
                                            label + (" (none)" if none(name) else ""))])

    if "gaps" in layers:
        gaps = metric.get("gaps")
        sym = _Symbol("patch", face=mcolors.to_rgba(palette.GAP, 0.35), edge=palette.GAP, width=0.9 * k, style="--")
        label = "Coverage gap (none found)" if gaps is None else "Coverage gap"
        if gaps is not None:
            _add_polygons(ax, gaps.geometry, face=sym.face, edge=sym.edge, width=sym.width, style="--", zorder=4.5)
            if "gap_id" in gaps:
                label = "Coverage gap, numbered by rank"
                pts = gaps.geometry.representative_point()
                for gid, p in zip(gaps["gap_id"], pts, strict=True):
                    ax.text(p.x, p.y, f"{gid}", fontproperties=_font(7 * k, bold=True), color=palette.GAP,
                            ha="center", va="center", zorder=12, clip_on=True,
                            path_effects=[patheffects.withStroke(linewidth=2.2 * k, foreground="white")])
        legend["gaps"] = _Section(None, [(sym, label)])

    boundary_symbol = None
    if "boundaries" in layers:
        if bounds is not None:
            _add_polygons(ax, bounds.geometry, face="none", edge=OUTLINE, width=0.6 * k, zorder=5)
        boundary_symbol = _Symbol("patch", face=BASE_LAND, edge=OUTLINE, width=0.6 * k)
        legend["boundaries"] = _Section(None, [(boundary_symbol,
                                                "Settlement boundary" + (" (none)" if none("boundaries") else ""))])

    if "cameras" in layers:
        legend["cameras"] = _draw_cameras(ax, metric.get("cameras"), k=k)
    if "incidents" in layers:
        legend["incidents"] = _draw_incidents(ax, metric.get("incidents"), k=k)
    if "stations" in layers:
        legend["stations"] = _draw_stations(ax, metric.get("stations"), k=k)
    if "proposed" in layers:
        legend["proposed"] = _draw_proposed(ax, metric.get("proposed"), k=k)

    order = ("density", "gi_cells", "rates", "incidents", "proposed", "proposed_areas", "gaps", "coverage",
             "stations", "cameras", "roads", "boundaries")
    return [legend[n] for n in order if n in legend], boundary_symbol


def _xy(points: gpd.GeoDataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not (points.geom_type == "Point").all():
        msg = f"{name} must be points; take centroids or representative points first"
        raise ValueError(msg)
    return points.geometry.x.to_numpy(), points.geometry.y.to_numpy()


def _road_width(cls: str, k: float) -> float:
    return 0.3 * k * palette.ROAD_WEIGHTS.get(cls, 2)


def _draw_rates(ax: matplotlib.axes.Axes, rates: gpd.GeoDataFrame | None, label: str, *, k: float) -> _Section:
    if rates is None:
        return _Section(label, [(_Symbol("patch", face=palette.NO_DATA, edge=OUTLINE, width=0.4 * k), "none")])
    if "value" not in rates:
        msg = "rates needs a numeric 'value' column (incidents per 100,000)"
        raise ValueError(msg)
    try:
        values = rates["value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        msg = "rates' 'value' column must be numeric"
        raise ValueError(msg) from None
    cls, bins = palette.rate_classes(values)
    ramp = palette.class_colors(len(bins))
    rows = []
    geoms = rates.geometry.to_numpy()
    for i, color in enumerate(ramp):
        _add_polygons(ax, geoms[cls == i], face=mcolors.to_rgba(color, 0.8), edge="#444444", width=0.3 * k, zorder=1.5)
        lo = np.nanmin(values) if i == 0 else bins[i - 1]
        if _fmt_num(lo) == _fmt_num(bins[i]):  # a class of one value (e.g. EB rates all shrunk to the mean)
            text = _fmt_num(lo)
        else:
            text = f"{_fmt_num(lo)} – {_fmt_num(bins[i])}" if i == 0 else f"> {_fmt_num(lo)} – {_fmt_num(bins[i])}"
        rows.append((_Symbol("patch", face=mcolors.to_rgba(color, 0.8), edge="#444444", width=0.3 * k), text))
    if (cls < 0).any():
        _add_polygons(ax, geoms[cls < 0], face=palette.NO_DATA, edge="#444444", width=0.3 * k, zorder=1.5)
        rows.append((_Symbol("patch", face=palette.NO_DATA, edge="#444444", width=0.3 * k), "No population"))
    return _Section(label, rows)


def _draw_density(ax: matplotlib.axes.Axes, grid: DensityGrid, crs: pyproj.CRS) -> _Section:
    values, bounds = np.asarray(grid.values, dtype=float), grid.bounds
    if pyproj.CRS.from_user_input(grid.crs) != pyproj.CRS.from_user_input(crs):
        values, bounds = _warp_values(values, grid.transform, grid.crs, crs)
    top = float(np.nanmax(values)) if values.size and np.isfinite(values).any() else 0.0
    if top > 0:
        shown = np.ma.masked_where(~(values > DENSITY_FLOOR * top), values)
        cmap = matplotlib.colormaps[DENSITY_CMAP].with_extremes(bad=(0, 0, 0, 0))
        ax.imshow(shown, cmap=cmap, norm=mcolors.Normalize(0, top), alpha=DENSITY_ALPHA, origin="upper",
                  extent=(bounds[0], bounds[2], bounds[1], bounds[3]), interpolation="bilinear",
                  interpolation_stage="rgba", zorder=3, aspect="auto")
    return _Section("Incident density", [(_Symbol("colorbar", vmax=top), "incidents per km²")])


def _warp_values(values: np.ndarray, transform: Affine, src_crs: pyproj.CRS, dst_crs: pyproj.CRS,
                 ) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A north-up grid in another CRS, on a north-up grid of the same cell size in ``dst_crs``."""
    rows, cols = values.shape
    cell = abs(transform.a)
    src_bounds = (transform.c, transform.f - rows * cell, transform.c + cols * cell, transform.f)
    west, south, east, north = pyproj.Transformer.from_crs(src_crs, dst_crs, always_xy=True).transform_bounds(
        *src_bounds, densify_pts=21)
    width, height = math.ceil((east - west) / cell), math.ceil((north - south) / cell)
    dst_transform = Affine(cell, 0, west, 0, -cell, north)
    out = np.full((height, width), np.nan)
    rasterio.warp.reproject(values, out, src_transform=transform, src_crs=src_crs, dst_transform=dst_transform,
                            dst_crs=dst_crs, src_nodata=np.nan, dst_nodata=np.nan,
                            resampling=rasterio.warp.Resampling.bilinear)
    return out, (west, north - height * cell, west + width * cell, north)


def _draw_gi(ax: matplotlib.axes.Axes, cells: gpd.GeoDataFrame | None, *, k: float) -> _Section:
    title = "Gi* hot spot analysis"
    if cells is None:
        return _Section(title, [(_Symbol("patch", face=palette.BIN_COLORS[0]), "No cells")])
    if "gi_bin" not in cells:
        msg = "gi_cells needs a 'gi_bin' column (-3..3), as geo.stats.hotspots.hotspots gives"
        raise ValueError(msg)
    bins = cells["gi_bin"].astype("Int64").fillna(0).to_numpy(dtype=int)
    rows = []
    geoms = cells.geometry.to_numpy()
    # Not-significant cells are left out, as on the web map: they would grey out the whole study area.
    for b in (3, 2, 1, -1, -2, -3):
        if (bins == b).any():
            face = mcolors.to_rgba(palette.BIN_COLORS[b], 0.75)
            _add_polygons(ax, geoms[bins == b], face=face, edge=palette.BIN_COLORS[b], width=0.2 * k, zorder=3.5)
            rows.append((_Symbol("patch", face=face, edge=palette.BIN_COLORS[b], width=0.2 * k),
                         palette.BIN_LABELS[b]))
    if not rows:
        rows.append((_Symbol("patch", face=mcolors.to_rgba(palette.BIN_COLORS[0], 0.75)),
                     "No significant hot or cold spot"))
    return _Section(title, rows)


def _draw_incidents(ax: matplotlib.axes.Axes, inc: gpd.GeoDataFrame | None, *, k: float) -> _Section:
    if inc is None:
        return _Section("Incidents", [(_Symbol("marker", face=INCIDENT_COLOR, size=3 * k), "none")])
    n = len(inc)
    size = (3.6 if n <= 500 else 2.4 if n <= RASTERIZE_POINTS else 1.5) * k  # marker diameter, points
    x, y = _xy(inc, "incidents")
    if "category" not in inc:
        groups = [(INCIDENT_COLOR, "Incident", np.ones(n, dtype=bool))]
    else:
        cat = inc["category"].astype("string").fillna("other").to_numpy(dtype=object)
        cat = np.where(np.isin(cat, CATEGORIES), cat, "other")
        groups = [(palette.CATEGORY_COLORS[c], CATEGORY_LABELS[c], cat == c) for c in CATEGORIES]
        groups = [g for g in groups if g[2].any()]
    # The commonest category underneath, so the rare ones show; one Line2D per category (Agg draws
    # uniform markers much faster than a scatter's collection).
    for color, _, mask in sorted(groups, key=lambda g: -int(g[2].sum())):
        line = Line2D(x[mask], y[mask], linestyle="none", marker="o", markersize=size, markerfacecolor=color,
                      markeredgewidth=0, alpha=0.85, zorder=7)
        line.set_rasterized(n > RASTERIZE_POINTS)
        ax.add_line(line)
    rows = [(_Symbol("marker", face=color, size=max(size, 3.5 * k), marker="o"), f"{label} ({int(m.sum()):,})")
            for color, label, m in groups]
    return _Section(f"Incidents ({n:,})", rows)


STATION_MARKERS = {"headquarters": "s", "station": "s", "post": "^", "prevention_centre": "D"}


def _draw_stations(ax: matplotlib.axes.Axes, st: gpd.GeoDataFrame | None, *, k: float) -> _Section:
    if st is None:
        return _Section("Police", [(_Symbol("marker", face=palette.STATION_COLORS["station"], marker="s",
                                            size=5 * k), "none")])
    kinds = (st["kind"].astype("string").fillna("station") if "kind" in st else pd.Series("station", index=st.index))
    kinds = kinds.where(kinds.isin(list(palette.STATION_LABELS)), "station").to_numpy(dtype=object)
    x, y = _xy(st, "stations")
    rows = []
    for kind in palette.STATION_LABELS:
        mask = kinds == kind
        if not mask.any():
            continue
        size = (7.5 if kind == "headquarters" else 5.5) * k
        sym = _Symbol("marker", face=palette.STATION_COLORS[kind], edge="white", width=0.7 * k,
                      marker=STATION_MARKERS[kind], size=size)
        ax.add_line(Line2D(x[mask], y[mask], linestyle="none",
                           marker=sym.marker, markersize=size, markerfacecolor=sym.face, markeredgecolor="white",
                           markeredgewidth=sym.width, zorder=9))
        rows.append((sym, palette.STATION_LABELS[kind]))
    return _Section("Police", rows)


def _draw_cameras(ax: matplotlib.axes.Axes, cams: gpd.GeoDataFrame | None, *, k: float) -> _Section:
    sym = _Symbol("marker", face=palette.CAMERA_COLOR, edge="#08306b", width=0.5 * k, size=3.5 * k)
    if cams is None:
        return _Section(None, [(sym, "Camera (none)")])
    x, y = _xy(cams, "cameras")
    rows = [(sym, "Camera")]
    if "direction_deg" in cams:
        from geo.coverage import (
            camera_sectors,  # the coverage module is heavy (networkx): only when needed
        )

        aimed = cams[cams["direction_deg"].notna().to_numpy()]
        if len(aimed):
            sectors = camera_sectors(aimed).to_crs(cams.crs)
            face = mcolors.to_rgba(palette.CAMERA_COLOR, 0.25)
            _add_polygons(ax, [shapely.union_all(sectors.geometry.to_numpy())], face=face,
                          edge=palette.CAMERA_COLOR, width=0.4 * k, zorder=6)
            rows.append((_Symbol("patch", face=face, edge=palette.CAMERA_COLOR, width=0.4 * k), "Camera view"))
    ax.add_line(Line2D(x, y, linestyle="none", marker="o",
                       markersize=sym.size, markerfacecolor=sym.face, markeredgecolor=sym.edge,
                       markeredgewidth=sym.width, zorder=8))
    return _Section(None, rows)


def _draw_proposed(ax: matplotlib.axes.Axes, sites: gpd.GeoDataFrame | None, *, k: float) -> _Section:
    sym = _Symbol("marker", face=palette.PROPOSED, edge="white", width=0.8 * k, size=9 * k)
    if sites is None:
        return _Section(None, [(sym, "Proposed site (none)")])
    x, y = _xy(sites, "proposed")
    ax.add_line(Line2D(x, y, linestyle="none", marker="o", markersize=sym.size, markerfacecolor=sym.face,
                       markeredgecolor="white", markeredgewidth=sym.width, zorder=10))
    label = "Proposed site"
    if "rank" in sites:
        label = "Proposed site, numbered by rank"
        for r, px, py in zip(sites["rank"], x, y, strict=True):
            if pd.notna(r):
                ax.text(px, py, f"{int(r)}", fontproperties=_font(5.5 * k, bold=True), color="white",
                        ha="center", va="center_baseline", zorder=11, clip_on=True)
    return _Section(None, [(sym, label)])


def _polygon_path(geoms: Sequence[shapely.Geometry] | np.ndarray) -> MplPath | None:
    """One compound path of every polygon (holes kept), in the geometries' coordinates."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    if len(parts) == 0:
        return None
    # Exteriors anticlockwise, holes clockwise: holes stay holes under any fill rule.
    rings = shapely.get_rings(shapely.orient_polygons(parts))
    coords, index = shapely.get_coordinates(rings, return_index=True)
    return _coords_path(coords, index, closed=True)


def _coords_path(coords: np.ndarray, index: np.ndarray, *, closed: bool) -> MplPath:
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    codes[starts] = MplPath.MOVETO
    if closed:
        codes[np.r_[starts[1:] - 1, len(coords) - 1]] = MplPath.CLOSEPOLY
    return MplPath(coords, codes)


def _add_polygons(ax: matplotlib.axes.Axes, geoms: Sequence[shapely.Geometry] | np.ndarray | gpd.GeoSeries, *,
                  face: object, edge: object = "none", width: float = 0.0, style: str = "-",
                  zorder: float = 1) -> None:
    path = _polygon_path(geoms.to_numpy() if isinstance(geoms, gpd.GeoSeries) else geoms)
    if path is not None:
        # add_artist, not add_patch: the extent is set by hand, and add_patch would walk every Bézier segment
        # of the path to update data limits (4.6 of 5 s for Chicago's 77 community areas).
        ax.add_artist(PathPatch(path, facecolor=face, edgecolor=edge, linewidth=width, linestyle=style,
                                joinstyle="round", zorder=zorder))


def _add_lines(ax: matplotlib.axes.Axes, geoms: gpd.GeoSeries, *, color: str, width: float, zorder: float) -> None:
    parts = shapely.get_parts(geoms.to_numpy())
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2)) & ~shapely.is_empty(parts)]
    if len(parts):
        coords, index = shapely.get_coordinates(parts, return_index=True)
        ax.add_artist(PathPatch(_coords_path(coords, index, closed=False), facecolor="none", edgecolor=color,
                               linewidth=width, capstyle="round", joinstyle="round", zorder=zorder))


def _fmt_num(v: float) -> str:
    v = float(v)
    if not math.isfinite(v):
        return "–"
    if abs(v) >= 100 or v == int(v):
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.1f}"
    return f"{v:.2g}"


# --------------------------------------------------------------------------- furniture


def _nice_length(target: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``target`` (> 0)."""
    exp = 10.0 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * exp <= target * (1 + 1e-9):
            return m * exp
    return exp


def _scale_bar(ax: matplotlib.axes.Axes, extent: tuple[float, float, float, float], *, mpm: float, k: float,
               scale_factor: float) -> tuple[float, float, float, float]:
    """An alternating black and white bar of a round ground length, bottom left; returns its box (map units)."""
    xmin, ymin, xmax, _ = extent
    ground = _nice_length(0.2 * (xmax - xmin) / scale_factor)
    km = ground >= 1000
    unit, div = ("km", 1000.0) if km else ("m", 1.0)
    lead = round(ground / 10 ** math.floor(math.log10(ground)))
    segments = 5 if lead == 5 else 4
    length = ground * scale_factor  # grid metres on the map
    fs = 6.5 * k
    bar_h = 1.4 * k * mpm
    pad = 2.0 * k * mpm
    text_h = fs * PT * 1.2 * mpm
    x0 = xmin + 4 * k * mpm + pad
    y0 = ymin + 4 * k * mpm + pad
    box = (x0 - pad, y0 - pad, x0 + length + pad + 4 * fs * PT * mpm, y0 + bar_h + 1.0 * k * mpm + text_h + pad)
    ax.add_patch(Rectangle((box[0], box[1]), box[2] - box[0], box[3] - box[1], facecolor=(1, 1, 1, 0.85),
                           edgecolor="none", zorder=20))
    step = length / segments
    for i in range(segments):
        ax.add_patch(Rectangle((x0 + i * step, y0), step, bar_h, facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.5 * k, zorder=21))
    ticks = [(0.0, "0"), (length / 2, _fmt_num(ground / 2 / div)), (length, f"{_fmt_num(ground / div)} {unit}")]
    for dx, text in ticks:
        ax.text(x0 + dx, y0 + bar_h + 1.0 * k * mpm, text, fontproperties=_font(fs), ha="left" if dx == length
                else "center", va="bottom", zorder=22, clip_on=True)
    return box


def _north_arrow(ax: matplotlib.axes.Axes, extent: tuple[float, float, float, float], *, mpm: float, k: float,
                 bearing: float) -> tuple[float, float, float, float]:
    """A two-tone arrow with "N", top right, turned ``bearing`` degrees clockwise from grid north."""
    _, _, xmax, ymax = extent
    length, half_w = 11 * k, 3.2 * k  # mm
    fs = 9 * k
    pad = 2 * k
    # Box: the arrow (any small turn) plus the letter above it, in mm from the box's top-right corner.
    box_w = 2 * half_w + 2 * pad + 2 * k
    box_h = length + fs * PT * 1.3 + 2 * pad
    right, top = xmax - 4 * k * mpm, ymax - 4 * k * mpm
    box = (right - box_w * mpm, top - box_h * mpm, right, top)
    ax.add_patch(Rectangle((box[0], box[1]), box[2] - box[0], box[3] - box[1], facecolor=(1, 1, 1, 0.85),
                           edgecolor="none", zorder=20))
    cx = (box[0] + box[2]) / 2
    cy = box[1] + (pad + length / 2) * mpm
    b = math.radians(bearing)

    def at(u: float, v: float) -> tuple[float, float]:  # u across, v along the arrow, mm
        return cx + (u * math.cos(b) + v * math.sin(b)) * mpm, cy + (-u * math.sin(b) + v * math.cos(b)) * mpm

    tip, notch = at(0, length / 2), at(0, -length / 4)
    ax.add_patch(Polygon([tip, at(-half_w, -length / 2), notch], closed=True, facecolor="black", edgecolor="black",
                         linewidth=0.5 * k, zorder=21))
    ax.add_patch(Polygon([tip, at(half_w, -length / 2), notch], closed=True, facecolor="white", edgecolor="black",
                         linewidth=0.5 * k, zorder=21))
    nx, ny = at(0, length / 2 + 0.8 * k)
    ax.text(nx, ny, "N", fontproperties=_font(fs, bold=True), ha="center", va="bottom", zorder=22, clip_on=True)
    return box


def _place_labels(fig: matplotlib.figure.Figure, ax: matplotlib.axes.Axes, units: gpd.GeoDataFrame, *, fs: float,
                  avoid: list[tuple[float, float, float, float]]) -> None:
    """Settlement names at representative points, largest first, skipping overlaps and the furniture."""
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [Bbox(ax.transData.transform([(b[0], b[1]), (b[2], b[3])])) for b in avoid]
    names = units["name"].astype("string")
    areas = units.geometry.area.to_numpy()
    pts = units.geometry.representative_point()
    # Largest first; ties by name, then by row, so the same input places the same labels.
    order = sorted(range(len(units)), key=lambda i: (-areas[i], str(names.iloc[i]), i))
    halo = [patheffects.withStroke(linewidth=2.4 * fs / 7, foreground="white")]
    pad = 1.0 / 25.4 * fig.dpi  # 1 mm between labels
    to_fig = fig.transFigure.inverted()
    for i in order:
        name = names.iloc[i]
        if pd.isna(name) or not str(name).strip():
            continue
        p = pts.iloc[i]
        t = ax.text(p.x, p.y, str(name), fontproperties=_font(fs, bold=True), color="#222222", ha="center",
                    va="center", zorder=13, path_effects=halo, clip_on=True)
        box = t.get_window_extent(renderer)
        inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1)
        padded = box.padded(pad)
        if not inside or any(padded.overlaps(o) for o in taken):
            t.remove()
            continue
        taken.append(padded)
        f = box.transformed(to_fig)
        fig.koopsuz_labels.append((str(name), (float(f.x0), float(f.y0), float(f.x1), float(f.y1))))


def _draw_legend(ax: matplotlib.axes.Axes, sections: list[_Section], *, width: float, height: float, k: float,
                 measure: _Measure, max_cols: int, notes: list[str]) -> tuple[float, float, float, float]:
    """Draw the sections in columns in a panel of mm (y down); return the box used (left, top, right, bottom)."""
    sym_w = 7 * k
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6):
        fs = 7.5 * k * scale
        units = _legend_units(sections, fs)
        for cols in range(1, max_cols + 1):
            col_w = (width - (cols - 1) * 4 * k) / cols
            text_w = col_w - sym_w - 2 * k
            if any(measure.width(t, fs * (1.1 if kind == "head" else 1), bold=kind == "head") > text_w
                   for kind, t, _, _ in units if t):
                continue
            placed = _balanced_flow(units, height, cols)
            if placed is not None:
                return _render_legend(ax, placed, fs=fs, col_w=col_w, sym_w=sym_w, k=k, measure=measure,
                                      text_w=text_w)
    # Does not fit even small: the smallest type, text cut to the columns, rows beyond the panel left out.
    fs = 7.5 * k * 0.6
    col_w = (width - (max_cols - 1) * 4 * k) / max_cols
    units = _legend_units(sections, fs)
    placed = _flow(units, height, max_cols, force=True)
    notes.append("the legend did not fit its panel; some entries were left out")
    return _render_legend(ax, placed, fs=fs, col_w=col_w, sym_w=sym_w, k=k, measure=measure,
                          text_w=col_w - sym_w - 2 * k)


def _legend_height(sections: list[_Section], *, width: float, k: float, measure: _Measure, max_cols: int) -> float:
    """The height (mm) the legend takes at full size in as many columns as its text fits, evened out."""
    fs = 7.5 * k
    sym_w = 7 * k
    units = _legend_units(sections, fs)
    total = sum(h for *_, h in units)
    for cols in range(max_cols, 0, -1):
        text_w = (width - (cols - 1) * 4 * k) / cols - sym_w - 2 * k
        if all(measure.width(t, fs * (1.1 if kind == "head" else 1), bold=kind == "head") <= text_w
               for kind, t, _, _ in units if t):
            placed = _balanced_flow(units, total, cols)
            if placed is not None:
                return max(y + h for _, y, *_, h in placed) + 1.0
    return total


def _legend_units(sections: list[_Section], fs: float) -> list[tuple[str, str | None, _Symbol | None, float]]:
    """The legend as (kind, text, symbol, height in mm) rows: headers, entries, gaps between sections."""
    row = fs * PT * 1.65
    units: list[tuple[str, str | None, _Symbol | None, float]] = []
    for i, sec in enumerate(sections):
        if i:
            units.append(("gap", None, None, row * 0.45))
        if sec.title:
            units.append(("head", sec.title, None, row * 1.1))
        for sym, text in sec.rows:
            units.append(("row", text, sym, row * (2.3 if sym.kind == "colorbar" else 1.0)))
    return units


def _balanced_flow(units: list, height: float, cols: int) -> list | None:
    """:func:`_flow` with columns as even as they can be: the shortest column height that fits."""
    placed = _flow(units, height, cols)
    if placed is None or cols == 1:
        return placed
    lo, hi = max(h for *_, h in units), height
    for _ in range(20):  # bisection on the column height, to a twentieth of a millimetre or so
        mid = (lo + hi) / 2
        if _flow(units, mid, cols) is None:
            lo = mid
        else:
            hi = mid
    return _flow(units, hi, cols)


def _flow(units: list, height: float, cols: int, *, force: bool = False) -> list | None:
    """Place units top-down in columns; None when they do not fit.

    A section that fits in a column is not split (it starts the next column instead), and a header is
    never the last row of its column.
    """
    placed, col, y = [], 0, 0.0
    for i, (kind, text, sym, h) in enumerate(units):
        if kind == "gap":
            if y > 0:
                placed.append((col, y, kind, text, sym, h))
                y += h
            continue
        need = h + (units[i + 1][3] if kind == "head" and i + 1 < len(units) else 0)
        if i == 0 or units[i - 1][0] == "gap":  # a section starts: keep it whole if it can be
            block = 0.0
            for u in units[i:]:
                if u[0] == "gap":
                    break
                block += u[3]
            if block <= height:
                need = block
        if y + need > height and y > 0:
            col += 1
            y = 0.0
            while placed and placed[-1][2] == "gap":  # no gap at the foot of a column
                placed.pop()
        if col >= cols or y + need > height:
            if force:
                break
            return None
        placed.append((col, y, kind, text, sym, h))
        y += h
    return placed


def _render_legend(ax: matplotlib.axes.Axes, placed: list, *, fs: float, col_w: float, sym_w: float, k: float,
                   measure: _Measure, text_w: float) -> tuple[float, float, float, float]:
    right = bottom = 0.0
    for col, y, kind, text, sym, h in placed:
        x = col * (col_w + 4 * k)
        if kind == "gap":
            continue
        if kind == "head":
            t = measure.fit(text, col_w, fs * 1.1, bold=True)
            ax.text(x, y + h * 0.55, t, fontproperties=_font(fs * 1.1, bold=True), va="center", ha="left")
            right = max(right, x + measure.width(t, fs * 1.1, bold=True))
            bottom = max(bottom, y + h)
            continue
        row = h if sym.kind != "colorbar" else h / 2.3
        t = measure.fit(text, text_w, fs)
        if sym.kind == "colorbar":
            _legend_colorbar(ax, sym, x, y, width=col_w, row=row, fs=fs, k=k)
            ax.text(x, y + row * 1.8, t, fontproperties=_font(fs * 0.9), va="center", ha="left", color="#404040")
            right = max(right, x + min(col_w, 48 * k))
        else:
            _legend_symbol(ax, sym, x, y + row * 0.15, sym_w, row * 0.7)
            ax.text(x + sym_w + 2 * k, y + row * 0.55, t, fontproperties=_font(fs), va="center", ha="left")
            right = max(right, x + sym_w + 2 * k + measure.width(t, fs))
        bottom = max(bottom, y + h)
    return 0.0, 0.0, right, bottom


def _legend_symbol(ax: matplotlib.axes.Axes, sym: _Symbol, x: float, y: float, w: float, h: float) -> None:
    if sym.kind == "patch":
        ax.add_patch(Rectangle((x, y), w, h, facecolor=sym.face, edgecolor=sym.edge, linewidth=sym.width,
                               linestyle=sym.style))
    elif sym.kind == "line":
        ax.add_line(Line2D([x, x + w], [y + h / 2] * 2, color=sym.edge, linewidth=sym.width, linestyle=sym.style,
                           solid_capstyle="butt"))
    elif sym.kind == "marker":
        ax.add_line(Line2D([x + w / 2], [y + h / 2], linestyle="none", marker=sym.marker, markersize=sym.size,
                           markerfacecolor=sym.face, markeredgecolor=sym.edge, markeredgewidth=sym.width))


def _legend_colorbar(ax: matplotlib.axes.Axes, sym: _Symbol, x: float, y: float, *, width: float, row: float,
                     fs: float, k: float) -> None:
    w = min(width, 48 * k) - 3 * k
    h = row * 0.75
    ramp = np.linspace(DENSITY_FLOOR, 1, 256)[None, :]
    ax.imshow(ramp, cmap=DENSITY_CMAP, norm=mcolors.Normalize(0, 1), alpha=DENSITY_ALPHA, aspect="auto",
              extent=(x, x + w, y + h, y), interpolation="bilinear", zorder=2)
    ax.add_patch(Rectangle((x, y), w, h, facecolor="none", edgecolor="#808080", linewidth=0.3 * k, zorder=3))
    for frac, ha in ((0.0, "left"), (0.5, "center"), (1.0, "right")):
        ax.add_line(Line2D([x + frac * w] * 2, [y + h, y + h + 0.8 * k], color="#808080", linewidth=0.3 * k))
        ax.text(x + frac * w, y + h + 0.9 * k, _fmt_num(frac * sym.vmax), fontproperties=_font(fs * 0.9), ha=ha,
                va="top")


# --------------------------------------------------------------------------- tiles


def _basemap(template: str, tile_cache: str | Path | None, crs: pyproj.CRS, extent: tuple[float, float, float, float],
             frame_in: tuple[float, float]) -> np.ndarray:
    """RGBA tiles warped onto the map frame (row 0 north), at :data:`TILE_DPI`; raises on any failure."""
    xmin, ymin, xmax, ymax = extent
    mx0, my0, mx1, my1 = pyproj.Transformer.from_crs(crs, "EPSG:3857", always_xy=True).transform_bounds(
        *extent, densify_pts=21)
    lat = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True).transform((xmin + xmax) / 2, (ymin + ymax) / 2)[1]
    # Mercator metres per ground metre is 1 / cos(lat): pick the zoom whose pixels are as fine as the print's.
    res = (xmax - xmin) / (frame_in[0] * TILE_DPI) / math.cos(math.radians(lat))
    zoom = min(19, max(0, math.ceil(math.log2(2 * MERCATOR_HALF / 256 / res))))
    while True:
        tiles_m = 2 * MERCATOR_HALF / 2**zoom
        tx0, tx1 = _tile_index(mx0, tiles_m, zoom), _tile_index(mx1, tiles_m, zoom)
        ty0, ty1 = _tile_index(-my1, tiles_m, zoom), _tile_index(-my0, tiles_m, zoom)  # rows count down from north
        if (tx1 - tx0 + 1) * (ty1 - ty0 + 1) <= MAX_TILES or zoom == 0:
            break
        zoom -= 1

    root = Path(tile_cache) if tile_cache is not None else _default_cache()
    cache = root / hashlib.sha256(template.encode()).hexdigest()[:16]
    rows = []
    size = None
    for ty in range(ty0, ty1 + 1):
        row = []
        for tx in range(tx0, tx1 + 1):
            img = _tile(template, cache, zoom, tx, ty)
            if size is None:
                size = img.shape[0]
            if img.shape[:2] != (size, size):
                msg = f"tile {zoom}/{tx}/{ty} is {img.shape[1]}x{img.shape[0]} pixels, the others {size}x{size}"
                raise ValueError(msg)
            row.append(img)
        rows.append(np.concatenate(row, axis=1))
    mosaic = np.concatenate(rows, axis=0)
    px = tiles_m / size
    src_transform = Affine(px, 0, -MERCATOR_HALF + tx0 * tiles_m, 0, -px, MERCATOR_HALF - ty0 * tiles_m)
    width, height = math.ceil(frame_in[0] * TILE_DPI), math.ceil(frame_in[1] * TILE_DPI)
    dst_transform = Affine((xmax - xmin) / width, 0, xmin, 0, -(ymax - ymin) / height, ymax)
    out = np.zeros((4, height, width), dtype=np.uint8)
    rasterio.warp.reproject(np.moveaxis(mosaic, 2, 0), out, src_transform=src_transform, src_crs="EPSG:3857",
                            dst_transform=dst_transform, dst_crs=crs, resampling=rasterio.warp.Resampling.bilinear)
    return np.moveaxis(out, 0, 2)


def _tile_index(v: float, tiles_m: float, zoom: int) -> int:
    """The tile column holding Web Mercator x = ``v`` (or the row holding y = ``-v``)."""
    return min(2**zoom - 1, max(0, math.floor((v + MERCATOR_HALF) / tiles_m)))


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "koopsuz" / "tiles"


def _tile(template: str, cache: Path, z: int, x: int, y: int) -> np.ndarray:
    """One tile as an RGBA array, from the cache or the server (then cached)."""
    path = cache / str(z) / str(x) / f"{y}.png"
    if path.exists():
        with contextlib.suppress(OSError, ValueError):  # a damaged cache file is fetched again
            return _decode(path.read_bytes())
    url = template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # http(s) only: checked by _tile_template
    with urllib.request.urlopen(req, timeout=TILE_TIMEOUT_S) as resp:
        data = resp.read()
    img = _decode(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return img


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        if im.width != im.height or im.width < 64:
            msg = f"not a map tile: {im.width}x{im.height} pixels"
            raise ValueError(msg)
        return np.asarray(im.convert("RGBA"))


# --------------------------------------------------------------------------- table and text pages


def _header(fig: matplotlib.figure.Figure, ax: matplotlib.axes.Axes, page: _Page, title: str,
            measure: _Measure) -> float:
    """The page title, wrapped; returns the mm below it."""
    k, margin = page.k, 15 * page.k
    fs = 14 * k
    lines = measure.lines(title, page.width - 2 * margin, fs, bold=True, most=3)
    ax.text(margin, margin, "\n".join(lines), fontproperties=_font(fs, bold=True), va="top", ha="left",
            linespacing=1.15)
    bottom = margin + len(lines) * fs * PT * 1.2
    ax.plot([margin, page.width - margin], [bottom + 1.5 * k] * 2, color="#303030", lw=0.6 * k)
    fig.koopsuz_regions["title"] = page.box(margin, margin, page.width - margin, bottom + 2 * k)
    return bottom + 6 * k


def _cells(col: pd.Series) -> tuple[list[str], bool]:
    """A column as text, and whether it is numeric (right-aligned)."""
    if pd.api.types.is_bool_dtype(col):
        return [("" if pd.isna(v) else "yes" if v else "no") for v in col], False
    if pd.api.types.is_numeric_dtype(col):
        v = col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(v)
        integral = bool(np.all(v[ok] == np.round(v[ok])))
        big = ok.any() and np.nanmax(np.abs(v[ok])) >= 100
        fmt = "{:,.0f}" if integral else "{:,.1f}" if big else "{:,.2f}"
        return [fmt.format(x) if f else "–" for x, f in zip(v, ok, strict=True)], True
    if pd.api.types.is_datetime64_any_dtype(col):
        t = pd.to_datetime(col)
        fmt = "%Y-%m-%d" if (t.dropna() == t.dropna().dt.normalize()).all() else "%Y-%m-%d %H:%M"
        return ["" if pd.isna(x) else x.strftime(fmt) for x in t], False
    return ["" if v is None or (not isinstance(v, list | tuple | np.ndarray) and pd.isna(v)) else str(v).replace(
        "\n", " ") for v in col], False


def _draw_table(frame: pd.DataFrame, *, title: str, page: _Page, note: str | None,
                max_rows: int) -> matplotlib.figure.Figure:
    fig = _new_figure(page)
    fig.koopsuz_title = title
    measure = _Measure(fig)
    ax = _page_axes(fig, page)
    k, margin = page.k, 15 * page.k
    top = _header(fig, ax, page, title, measure)
    df = pd.DataFrame(frame)
    geo = [c for c in df.columns if isinstance(df[c].dtype, gpd.array.GeometryDtype)]
    df = df.drop(columns=geo)
    total_rows, total_cols = len(df), df.shape[1]
    width = page.width - 2 * margin
    fs_note = 7 * k
    note_h = 3 * fs_note * PT * 1.3 + 4 * k
    avail = page.height - margin - note_h - top

    # Type size: as large as 8 pt allows for the rows asked, down to 5.5 pt; beyond that fewer rows.
    shown = min(max_rows, total_rows)
    fs = 8 * k
    while fs > 5.5 * k and (shown + 1) * fs * PT * 1.7 > avail:
        fs -= 0.5 * k
    row_h = fs * PT * 1.7
    shown = min(shown, max(int(avail // row_h) - 1, 0))

    body = df.iloc[:shown]
    heads = [str(c) for c in df.columns]
    texts, numeric = [], []
    for c in df.columns:
        cells, num = _cells(body[c])
        texts.append([s if len(s) <= 200 else s[:199] + "…" for s in cells])
        numeric.append(num)
    gap = 3 * k

    def natural(i: int, size: float) -> float:
        return max([measure.width(heads[i], size, bold=True)] + [measure.width(s, size) for s in texts[i]])

    # Shrink the type, then cut the widest text columns, then leave columns out, until the table fits.
    widths = [natural(i, fs) for i in range(total_cols)]
    while sum(widths) + gap * max(total_cols - 1, 0) > width and fs > 5.5 * k:
        fs -= 0.5 * k
        widths = [natural(i, fs) for i in range(total_cols)]
    row_h = fs * PT * 1.7
    min_text = 18 * k
    while sum(widths) + gap * max(len(widths) - 1, 0) > width:
        cut = [i for i in range(len(widths)) if not numeric[i] and widths[i] > min_text]
        if not cut:
            break
        i = max(cut, key=lambda j: widths[j])
        excess = sum(widths) + gap * (len(widths) - 1) - width
        widths[i] = max(min_text, widths[i] - excess)
    cols = len(widths)
    while cols > 1 and sum(widths[:cols]) + gap * (cols - 1) > width:
        cols -= 1

    y = top
    x = margin
    for i in range(cols):
        w = widths[i]
        head = measure.fit(heads[i], w, fs, bold=True)
        ax.text(x + (w if numeric[i] else 0), y + row_h * 0.5, head, fontproperties=_font(fs, bold=True),
                ha="right" if numeric[i] else "left", va="center")
        for r, s in enumerate(texts[i]):
            ax.text(x + (w if numeric[i] else 0), y + row_h * (r + 1.5), measure.fit(s, w, fs),
                    fontproperties=_font(fs), ha="right" if numeric[i] else "left", va="center")
        x += w + gap
    right = x - gap if cols else margin
    for r in range(1, shown + 1, 2):  # zebra rows
        ax.add_patch(Rectangle((margin - 1 * k, y + row_h * r), right - margin + 2 * k, row_h, facecolor="#f0f0f0",
                               edgecolor="none", zorder=0))
    ax.plot([margin - 1 * k, right + 1 * k], [y + row_h] * 2, color="#303030", lw=0.6 * k)
    table_bottom = y + row_h * (shown + 1)
    ax.plot([margin - 1 * k, right + 1 * k], [table_bottom] * 2, color="#303030", lw=0.6 * k)
    fig.koopsuz_regions["table"] = page.box(margin - 1 * k, top, right + 1 * k, table_bottom)

    extra = []
    if shown < total_rows:
        extra.append(f"first {shown:,} of {total_rows:,} rows")
    if cols < total_cols:
        extra.append(f"first {cols:,} of {total_cols:,} columns")
    if total_rows == 0:
        extra.append("no rows")
    line = " · ".join(([note] if note else []) + extra)
    if line:
        lines = measure.lines(line, width, fs_note, most=3)
        ax.text(margin, table_bottom + 3 * k, "\n".join(lines), fontproperties=_font(fs_note, italic=True),
                va="top", ha="left", color="#404040", linespacing=1.3)
        fig.koopsuz_regions["note"] = page.box(margin, table_bottom + 3 * k, page.width - margin,
                                               table_bottom + 3 * k + len(lines) * fs_note * PT * 1.3)
    return fig


def _draw_text(title: str, paragraphs: list[str], *, page: _Page) -> matplotlib.figure.Figure:
    fig = _new_figure(page)
    fig.koopsuz_title = title
    measure = _Measure(fig)
    ax = _page_axes(fig, page)
    k, margin = page.k, 15 * page.k
    y = top = _header(fig, ax, page, title, measure)
    width = page.width - 2 * margin
    bottom_limit = page.height - margin
    fs = 10 * k
    line_h = fs * PT * 1.45
    cut = False
    for para in paragraphs:
        para = str(para).strip()
        bold = para.startswith("## ")
        bullet = para.startswith(("- ", "• "))
        text = para[3:] if bold else para[2:] if bullet else para
        indent = 4 * k if bullet else 0.0
        size = fs * 1.1 if bold else fs
        lines = measure.wrap(text, width - indent, size, bold=bold)
        for j, line in enumerate(lines):
            if y + line_h > bottom_limit:
                cut = True
                break
            ax.text(margin + indent, y, line, fontproperties=_font(size, bold=bold), va="top", ha="left")
            if bullet and j == 0:
                ax.text(margin, y, "•", fontproperties=_font(size), va="top", ha="left")
            y += line_h
        if cut:
            break
        y += line_h * 0.6
    if cut:
        ax.text(margin, bottom_limit - line_h, "…", fontproperties=_font(fs), va="top", ha="left")
        fig.koopsuz_notes.append("the text did not fit on the page and was cut")
    fig.koopsuz_regions["text"] = page.box(margin, top, page.width - margin, min(y, bottom_limit))
    return fig
