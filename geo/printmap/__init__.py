"""Print-ready static maps (PNG, PDF, SVG) with every cartographic element, drawn by matplotlib.

The web maps are folium (Leaflet) pages, and folium cannot make an image
without a browser; matplotlib writes PNG, vector PDF and SVG directly, in
process, from the same geometries. A map page holds a title and subtitle,
the map, a legend with one entry per layer drawn, a scale bar, a north
arrow, and a footer with the source, the tile attribution, the projection
and the date; :func:`map_figure` draws it, :func:`save_figure` writes it and
:func:`export_map` does both, atomically. :func:`table_pages` (a table over
as many pages as it takes, the header repeated), :func:`table_figure` (its
first page), :func:`text_figure` and :func:`pdf_pages` make the other pages of
a PDF pack, and :func:`number_page` prints a page's number at its foot. A
map page may carry a ``note`` under the map ("How to read this map: ...").

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
  an export never fails for lack of internet. That tile fetch
  (:mod:`geo.printmap.tiles`) is the only network access of the library, and
  it happens only when ``tiles`` is given.
* **Language.** Every word the library draws (legend, scale bar units, the
  north letter, footer, table notes, yes/no) goes through the catalog in the
  ``lang`` given (``"en"`` by default; the app and the pack pass the
  reader's); numbers and dates are written the language's way. Titles, table
  headers and cells come from the caller in that language. Settlements are
  labelled with their names in ``lang`` (``name_ru``, ``name_ky``).
* **Text.** Nothing is printed smaller than 7 pt on A4 (:data:`MIN_PT`;
  the sizes are in :data:`SIZES`), titles larger. Every text is set in
  DejaVu Sans, matplotlib's bundled font, which covers Cyrillic including
  the Kyrgyz letters Ң, Ө and Ү (embedded as TrueType, ``pdf.fonttype``
  42, in PDF; outlined in SVG). It has no som sign (⃀, U+20C0), and no font
  the platform can count on has: :func:`printable` writes "сом" in its
  place, and :func:`covers` checks that the font has every character of a
  text. Settlement names get a white halo; a name that would overlap one already placed (the
  largest settlements are placed first), the scale bar or the north arrow is
  left out.
* **Same input, same bytes.** Figures are built and saved under
  :data:`RC` with ``matplotlib.rc_context`` (the caller's rcParams are left
  alone; rcParams are process-wide, so the building and the saving of each
  figure take a lock and two threads exporting at once take turns),
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

The modules, one concern each: :mod:`~geo.printmap.style` (papers, font,
rcParams, colours, the lock), :mod:`~geo.printmap.page` (page geometry,
measuring text), :mod:`~geo.printmap.figure` (the map page),
:mod:`~geo.printmap.layers` (drawing each layer), :mod:`~geo.printmap.furniture`
(scale bar, north arrow, labels), :mod:`~geo.printmap.legend`,
:mod:`~geo.printmap.tiles` (the tile fetch and cache),
:mod:`~geo.printmap.pages` (table and text pages) and
:mod:`~geo.printmap.output` (files). The map content type,
:class:`~geo.content.MapContent`, lives in :mod:`geo.content`, shared with
the web maps.

Examples
--------
>>> from geo.demo import make_demo
>>> layers = make_demo(scale=0.1)
>>> content = MapContent(boundaries=layers["boundaries"], roads=layers["roads"], incidents=layers["incidents"])
>>> export_map(content, "overview.pdf", format="pdf", title="Incidents 2015-2017")  # doctest: +SKIP
"""

from __future__ import annotations

from geo.content import MapContent
from geo.printmap.charts import line_chart_figure
from geo.printmap.figure import map_figure
from geo.printmap.layers import RASTERIZE_POINTS
from geo.printmap.output import export_map, pdf_pages, release, save_figure
from geo.printmap.page import number_page
from geo.printmap.pages import table_figure, table_pages, text_figure
from geo.printmap.style import DEFAULT_SOURCE, FORMATS, MIN_PT, PAPERS, RC, SIZES, covers, printable
from geo.printmap.tiles import MAX_TILES, OSM_TILES

__all__ = [
    "DEFAULT_SOURCE", "FORMATS", "MAX_TILES", "MIN_PT", "OSM_TILES", "PAPERS", "RASTERIZE_POINTS", "RC", "SIZES",
    "MapContent", "covers", "export_map", "line_chart_figure", "map_figure", "number_page", "pdf_pages", "printable", "release", "save_figure",
    "table_figure", "table_pages", "text_figure",
]
