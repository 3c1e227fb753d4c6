"""Writing figures to files: one map (atomically), any figure, and multi-page PDFs, the same bytes each time.

No time stamp, software version or random id is written (:func:`~geo.printmap.style.metadata`,
:data:`~geo.printmap.style.RC`), so the same figure gives the same file. The
figure is the paper size exactly (no ``bbox_inches="tight"``); matplotlib
truncates the pixel size and :func:`save_figure` rounds it instead, so A4
landscape at 300 dpi is 3508 x 2480 pixels, as printers expect.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import matplotlib.figure
import numpy as np
from matplotlib.backends.backend_pdf import PdfPages

from geo.atomic import atomic_output
from geo.checks import check_positive
from geo.content import MapContent
from geo.printmap.figure import map_figure
from geo.printmap.page import paper_page
from geo.printmap.style import DEFAULT_SOURCE, check_format, metadata, styled

__all__ = ["export_map", "pdf_pages", "release", "save_figure"]

log = logging.getLogger("geo.printmap")  # the package's logger: callers filter on it


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
        One of :data:`~geo.printmap.FORMATS`.
    dpi : int
        Dots per inch, positive.

    Raises
    ------
    ValueError
        For an unknown format or a dpi that is not positive.
    """
    fmt = check_format(format)
    check_positive(dpi, "dpi")
    with styled():
        _write(fig, out, fmt=fmt, dpi=dpi)


def _write(fig: matplotlib.figure.Figure, out: str | Path | BinaryIO, *, fmt: str, dpi: int) -> None:
    """:func:`save_figure` with :data:`~geo.printmap.style.RC` already applied by the caller."""
    meta = metadata(fmt, getattr(fig, "koopsuz_title", None))
    if isinstance(out, str | Path):
        out = Path(out)
    if fmt != "png":
        fig.savefig(out, format=fmt, dpi=dpi, metadata=meta)
        return
    # Agg truncates width x dpi to whole pixels (297 mm at 300 dpi: 3507.87 -> 3507); widen the
    # figure by the fraction of a pixel that makes it round instead, then put it back.
    size = fig.get_size_inches().copy()
    pixels = np.round(size * dpi)
    fig.set_size_inches((pixels + 0.01) / dpi, forward=False)
    try:
        fig.savefig(out, format="png", dpi=dpi, metadata=meta)
    finally:
        fig.set_size_inches(size, forward=False)


def export_map(content: MapContent, out: str | Path, *, format: str = "png", paper: str = "a4-landscape",
               dpi: int = 150, title: str, subtitle: str | None = None, source: str = DEFAULT_SOURCE,
               date: dt.date | None = None, tiles: str | None = None, tile_cache: str | Path | None = None,
               lang: str = "en", note: str | None = None) -> Path:
    """Draw and write one map (atomically); returns ``out``.

    The file is written beside ``out`` under a temporary name and moved into
    place, so a reader never sees half a file and a failed export leaves the
    old one. Notes (such as tiles that could not be fetched) are logged as
    warnings of the ``geo.printmap`` logger (in English, as the library's
    messages are). See :func:`~geo.printmap.map_figure` (``lang`` included)
    and :func:`save_figure` for the parameters; ``note`` is printed under
    the map ("How to read this map: ...").
    """
    fmt = check_format(format)
    paper_page(paper)
    out = Path(out)
    fig = map_figure(content, title=title, subtitle=subtitle, paper=paper, source=source, date=date, tiles=tiles,
                     tile_cache=tile_cache, lang=lang, note=note)
    try:
        for note in fig.koopsuz_notes:
            log.warning("%s: %s", out.name, note)
        with atomic_output(out, suffix=".part") as tmp, open(tmp, "wb") as fh:
            save_figure(fig, fh, format=fmt, dpi=dpi)
    finally:
        release(fig)  # no pyplot, so nothing global to close
    return out


def release(fig: matplotlib.figure.Figure) -> None:
    """Let go of a figure's artists and arrays now, once it is written.

    matplotlib's ``Figure.clear`` resets each axes before removing it (new spines, axis and ticks, 5 ms
    an axes: a quarter of a second over a pack); removing the axes and their artists is enough for the
    arrays to be freed at once.
    """
    for ax in tuple(fig.axes):
        for artists in (ax.collections, ax.images, ax.patches, ax.lines, ax.texts, ax.artists):
            for artist in tuple(artists):
                artist.remove()
        fig.delaxes(ax)
    fig.artists, fig.texts, fig.images, fig.patches, fig.lines = [], [], [], [], []


class _StyledPdfPages(PdfPages):
    """PdfPages that takes :func:`~geo.printmap.style.styled` for each page it writes and for closing.

    Fonts are embedded on closing, under :data:`~geo.printmap.style.RC` (TrueType); the lock is held
    for one page at a time, not while the caller builds the next.
    """

    def savefig(self, figure: Any = None, **kwargs: Any) -> None:
        with styled():
            super().savefig(figure, **kwargs)

    def close(self) -> None:
        with styled():
            super().close()


@contextlib.contextmanager
def pdf_pages(path: str | Path | BinaryIO, *, title: str | None = None) -> Iterator[PdfPages]:
    """A multi-page PDF whose bytes depend only on its pages (no dates, no producer).

    Use it as :class:`matplotlib.backends.backend_pdf.PdfPages`; it applies
    :data:`~geo.printmap.RC` while each page is written and while the file is
    closed (fonts are embedded on closing), and fixes the document information.

    Examples
    --------
    >>> with pdf_pages("plan.pdf", title="Action plan") as pdf:  # doctest: +SKIP
    ...     pdf.savefig(text_figure("Action plan", ["..."]))
    ...     pdf.savefig(map_figure(content, title="Hot spots"))
    ...     pdf.savefig(table_figure(gaps, title="Coverage gaps"))
    """
    with _StyledPdfPages(path, metadata=metadata("pdf", title)) as pdf:
        yield pdf
