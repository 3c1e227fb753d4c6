"""The other pages of a PDF pack: tables (over as many pages as they take) and a page of wrapped text.

matplotlib's ``table`` sizes cells to the axes, not to their text, and has no
type that shrinks to fit; these pages measure their text (:class:`~geo.printmap.page.Measure`).

A table is set as large as it reads well (9 pt on A4) and shrinks to 7 pt
(:data:`~geo.printmap.style.MIN_PT`), never smaller, to get its columns onto
the page; then its longest text columns wrap onto more lines. Each column is
as wide as its content. Rows run on over as many pages as they take, each
with the title ("continued") and the header row repeated; a table that is too
wide for a portrait page goes on landscape ones (with ``paper=None``).
Numbers, dates and yes/no are written in the page's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import matplotlib.axes
import matplotlib.figure
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from geo.checks import check_count
from geo.i18n import N_, Tr
from geo.printmap.page import Measure, Page, new_figure, page_axes, paper_page
from geo.printmap.style import MIN_PT, PT, SIZES, font, printable, styled

__all__ = ["CELLS_CUT", "TEXT_CUT", "table_figure", "table_pages", "text_figure", "text_fits"]

# Notes of fig.koopsuz_notes: stored in English, as the library's messages are; pages translate them.
TEXT_CUT = N_("the text did not fit on the page and was cut")
CELLS_CUT = N_("some long cells were cut")

_SIZES = (SIZES["table"], 8.5, 8.0, 7.5, MIN_PT)  # the table's type on A4, largest first
_MOST_LINES = 6  # a cell wraps onto at most this many lines, the last cut with "…"
_HEAD_LINES = 6  # a header says its unit and period in full rather than cut ("(эмпирикалык Байес)")
_MEASURED = 12  # cells measured per column to find its widest
_MIN_TEXT_MM = 22.0  # a wrapped text column is never narrower (times the paper's scale)
_GAP_MM = 3.0  # between columns (times the paper's scale); up to _MAX_GAP_MM when the table has room
_MAX_GAP_MM = 8.0


def table_pages(frame: pd.DataFrame, *, title: str, paper: str | None = None, note: str | None = None,
                max_rows: int | None = None, lang: str = "en") -> list[matplotlib.figure.Figure]:
    """A table on as many pages as it takes, the title and the header row on each.

    Numbers are right-aligned with the language's thousands separators (each
    column with one number of decimals), dates in the language's medium form
    ("1 сент. 2017 г."), booleans as yes and no. The type is 9 pt on A4 and
    shrinks to 7 pt (never smaller) to get the columns onto the page, then the
    widest text columns wrap (a cell onto at most six lines); columns that
    still do not fit are left out. A geometry column is not printed. The note
    line under the table's last page gives ``note`` and says what was left
    out ("first 40 of 312 rows"); the pages before it say the table goes on.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows, in order, with column names and text cells in ``lang``
        (place names already localized); a GeoDataFrame is fine.
    title : str
        Repeated on every page; the second and later say "(continued, page 2 of 3)".
    paper : str, optional
        One of :data:`~geo.printmap.PAPERS`; None (the default) takes A4
        portrait, or A4 landscape when the columns do not fit portrait at 7 pt.
    note : str, optional
        Printed under the table (source, definitions).
    max_rows : int, optional
        Print at most this many rows (positive); all by default.
    lang : {"en", "ru", "ky"}

    Returns
    -------
    list of matplotlib.figure.Figure
        One page or more, each with the ``koopsuz_*`` attributes of :mod:`geo.printmap`.
    """
    _ = Tr(lang)
    page = None if paper is None else paper_page(paper)
    if max_rows is not None:
        max_rows = check_count(max_rows, "max_rows")
    with styled():
        return _draw_table(frame, title=title, page=page, note=note, max_rows=max_rows, tr=_, pages=None)


def table_figure(frame: pd.DataFrame, *, title: str, paper: str = "a4-portrait", note: str | None = None,
                 max_rows: int = 40, lang: str = "en") -> matplotlib.figure.Figure:
    """One page holding a table (its first ``max_rows`` rows, or as many as the page holds).

    As :func:`table_pages`, cut to its first page: the note line says how many
    rows are shown of how many ("first 40 of 312 rows").

    Parameters
    ----------
    frame : pandas.DataFrame
    title : str
    paper : str
        One of :data:`~geo.printmap.PAPERS`.
    note : str, optional
    max_rows : int
        Positive.
    lang : {"en", "ru", "ky"}
    """
    _ = Tr(lang)
    page = paper_page(paper)
    max_rows = check_count(max_rows, "max_rows")
    with styled():
        return _draw_table(frame, title=title, page=page, note=note, max_rows=max_rows, tr=_, pages=1)[0]


def text_figure(title: str, paragraphs: list[str], *, paper: str = "a4-portrait",
                lang: str = "en") -> matplotlib.figure.Figure:
    """A page of wrapped text (cover, methods), for the action-plan pack.

    Paragraphs are wrapped to the page width; one starting with "- " or "• "
    is a bullet with a hanging indent, and one starting with "## " a bold
    subheading. Text that does not fit on the page is cut, ending with "…",
    and ``fig.koopsuz_notes`` says so. The title and paragraphs come in
    ``lang`` from the caller; a som sign (⃀) is written out
    (:func:`~geo.printmap.style.printable`).
    """
    _ = Tr(lang)
    page = paper_page(paper)
    with styled():
        return _draw_text(printable(title, lang=_.lang), [printable(p, lang=_.lang) for p in paragraphs], page=page)


def _margin(page: Page) -> float:
    return 15 * page.k


def _title_lines(page: Page, title: str, measure: Measure) -> list[str]:
    return measure.lines(title, page.width - 2 * _margin(page), SIZES["page_title"] * page.k, bold=True, most=3)


def _title_bottom(page: Page, lines: list[str]) -> float:
    """The mm below a title of ``lines`` where the page's content starts."""
    return _margin(page) + len(lines) * SIZES["page_title"] * page.k * PT * 1.2 + 6 * page.k


def _header(fig: matplotlib.figure.Figure, ax: matplotlib.axes.Axes, page: Page, title: str,
            measure: Measure) -> float:
    """The page title, wrapped; returns the mm below it."""
    k, margin = page.k, _margin(page)
    fs = SIZES["page_title"] * k
    lines = _title_lines(page, title, measure)
    ax.text(margin, margin, "\n".join(lines), fontproperties=font(fs, bold=True), va="top", ha="left",
            linespacing=1.15)
    bottom = margin + len(lines) * fs * PT * 1.2
    ax.plot([margin, page.width - margin], [bottom + 1.5 * k] * 2, color="#303030", lw=0.6 * k)
    fig.koopsuz_regions["title"] = page.box(margin, margin, page.width - margin, bottom + 2 * k)
    return _title_bottom(page, lines)


def _cells(col: pd.Series, _: Tr) -> tuple[list[str], bool, bool]:
    """A column as text in the language of ``_``; whether it is numeric (right-aligned); whether it must not wrap."""
    if pd.api.types.is_bool_dtype(col):
        return [("" if pd.isna(v) else _("yes") if v else _("no")) for v in col], False, True
    if pd.api.types.is_numeric_dtype(col):
        v = col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(v)
        integral = bool(np.all(v[ok] == np.round(v[ok])))
        big = ok.any() and np.nanmax(np.abs(v[ok])) >= 100
        digits = 0 if integral else 1 if big else 2
        return ([(_.int(x) if digits == 0 else _.num(x, digits)) if f else "–" for x, f in zip(v, ok, strict=True)],
                True, True)
    if pd.api.types.is_datetime64_any_dtype(col):
        t = pd.to_datetime(col)
        whole_days = bool((t.dropna() == t.dropna().dt.normalize()).all())
        return ["" if pd.isna(x) else _.date(x.date(), form="medium") + ("" if whole_days else x.strftime(" %H:%M"))
                for x in t], False, True
    return ["" if v is None or (not isinstance(v, list | tuple | np.ndarray) and pd.isna(v)) else
            printable(str(v).replace("\n", " "), lang=_.lang) for v in col], False, False


@dataclass
class _Columns:
    """How a table's columns are set: type size, the widths of those shown (mm), the gap between them."""

    fs: float
    widths: list[float]
    gap: float
    wrapped: bool = False  # text columns had to wrap to fit
    lines: int = 1  # the most lines a row may take (an estimate, from the widest cell of each column)


def _fit_columns(page: Page, heads: list[str], texts: list[list[str]], fixed: list[bool],
                 measure: Measure) -> _Columns:
    """The largest type at which the columns fit the page, text columns wrapped at the smallest if need be."""
    k = page.k
    width = page.width - 2 * _margin(page)
    gap = _GAP_MM * k

    def total(ws: list[float]) -> float:
        return sum(ws) + gap * max(len(ws) - 1, 0)

    known: dict[float, tuple[list[float], list[float], list[float]]] = {}

    def widths_at(fs: float) -> tuple[list[float], list[float], list[float]]:
        """Per column at ``fs``: the widest cell, the whole header, the header's longest word."""
        if fs not in known:
            def w(s: str, *, bold: bool = False) -> float:
                return measure.width(s, fs, bold=bold) if s else 0.0

            # The widest cell is among the longest in characters: measure those (a few per column), not all.
            known[fs] = ([max([w(s) for s in sorted(set(col), key=len, reverse=True)[:_MEASURED]] or [0.0])
                          for col in texts],
                         [w(h, bold=True) for h in heads],
                         [max([w(x, bold=True) for x in h.split()] or [0.0]) for h in heads])
        return known[fs]

    def choices(fs: float, scale: float = 1.0) -> list[list[float]]:
        """The columns with whole headers, then with wrapped headers, at ``fs`` (scaled from a measure)."""
        cell, head, head_word = widths_at(fs)
        return [[max(c, h) * scale for c, h in zip(cell, head, strict=True)],
                [max(c, h) * scale for c, h in zip(cell, head_word, strict=True)]]

    # Measuring every cell is the slow part (a long cell takes a millisecond): measure once at the largest
    # size, scale to each smaller one (Agg's widths are near linear in the size), and measure again only the
    # size that looks like fitting.
    ref = _SIZES[0] * k
    for size in _SIZES:
        fs = size * k
        for i, guess in enumerate(choices(ref, fs / ref)):
            if total(guess) <= width:
                exact = choices(fs)[i]
                if total(exact) <= width:
                    return _spread(_Columns(fs, exact, gap), width, k)
    # At the smallest type: the widest text columns wrap, down to their longest word (or _MIN_TEXT_MM).
    fs = MIN_PT * k
    widths = choices(fs)[1]
    head_word = widths_at(fs)[2]
    floor = [widths[i] if fixed[i] else min(widths[i], max(head_word[i], _MIN_TEXT_MM * k, min(_longest_word(
        texts[i], fs, measure), 45 * k))) for i in range(len(widths))]
    while total(widths) > width + 1e-6:
        free = [i for i in range(len(widths)) if widths[i] > floor[i] + 1e-6]
        if not free:
            break
        # Water-filling: the widest shrinkable columns come down together to the next width or their floor.
        top = max(widths[i] for i in free)
        widest = [i for i in free if widths[i] >= top - 1e-6]
        others = [widths[i] for i in free if widths[i] < top - 1e-6]
        step = min(top - max(others, default=0.0), min(widths[i] - floor[i] for i in widest),
                   (total(widths) - width) / len(widest))
        for i in widest:
            widths[i] -= step
    cols = len(widths)
    while cols > 1 and total(widths[:cols]) > width + 1e-6:
        cols -= 1
    natural = choices(fs)[1]
    lines = max([math.ceil(natural[i] / max(widths[i], 1e-6) - 1e-6) for i in range(cols)] or [1])
    return _Columns(fs, widths[:cols], gap, wrapped=True, lines=max(lines, 1))


def _longest_word(cells: list[str], fs: float, measure: Measure) -> float:
    """The width of the widest word of ``cells`` (mm): a wrapped column is not made narrower."""
    words = {x for s in cells for x in s.split()}
    # Only the longest few by characters: measuring every word of a long column would take seconds.
    longest = sorted(words, key=len, reverse=True)[:20]
    return max([measure.width(x, fs) for x in longest] or [0.0])


def _spread(cols: _Columns, width: float, k: float) -> _Columns:
    """Room left over widens the gaps between the columns (up to _MAX_GAP_MM), so the table fills more of the page."""
    n = len(cols.widths)
    if n > 1:
        room = width - sum(cols.widths) - cols.gap * (n - 1)
        cols.gap = min(_MAX_GAP_MM * k, cols.gap + max(room, 0.0) / (n - 1))
    return cols


def _draw_table(frame: pd.DataFrame, *, title: str, page: Page | None, note: str | None, max_rows: int | None,
                tr: Tr, pages: int | None) -> list[matplotlib.figure.Figure]:
    """Lay the table out and draw it on ``pages`` pages at most (all it takes when None)."""
    _ = tr
    title = printable(title, lang=_.lang)
    note = None if note is None else printable(note, lang=_.lang)
    df = pd.DataFrame(frame)
    df = df.drop(columns=[c for c in df.columns if isinstance(df[c].dtype, gpd.array.GeometryDtype)])
    total_rows, total_cols = len(df), df.shape[1]
    body = df.iloc[:max_rows] if max_rows is not None else df
    heads = [printable(str(c), lang=_.lang) for c in df.columns]
    texts, numeric, fixed = [], [], []
    for c in range(total_cols):
        cells, num, keep = _cells(body.iloc[:, c], _)
        texts.append([s if len(s) <= 600 else s[:599] + "…" for s in cells])
        numeric.append(num)
        fixed.append(keep)

    # Without a paper: portrait, unless the columns fit landscape but not portrait without wrapping (or
    # leaving some out). When both wrap: the one that takes fewer pages (long tables of narrow columns stay
    # portrait). Text widths do not depend on the page, so one measure serves both.
    candidates = [page] if page is not None else [paper_page("a4-portrait"), paper_page("a4-landscape")]
    options = []
    measure = Measure()
    for page in candidates:
        cols = _fit_columns(page, heads, texts, fixed, measure)
        options.append((page, measure, cols))
        if len(cols.widths) == total_cols and not cols.wrapped:
            break

    def cost(option: tuple[Page, Measure, _Columns]) -> tuple[int, int, float]:
        pg, _m, c = option
        room = pg.height - 2 * _margin(pg) - 45 * pg.k  # about what the rows get of a page
        pages_est = math.ceil(len(body) * c.lines * c.fs * PT * 1.25 / room)
        return (total_cols - len(c.widths), pages_est, pg.width)

    page, measure, cols = min(options, key=cost)
    fs, widths, shown_cols = cols.fs, cols.widths, len(cols.widths)
    k, margin = page.k, _margin(page)
    line_h, pad = fs * PT * 1.25, fs * PT * 0.25

    head_lines = [measure.lines(heads[i], widths[i], fs, bold=True, most=_HEAD_LINES) for i in range(shown_cols)]
    head_h = max([len(h) for h in head_lines] or [1]) * line_h + 2 * pad
    rows: list[list[list[str]]] = []
    cut_cells = False
    for r in range(len(body)):
        row = []
        for i in range(shown_cols):
            s = texts[i][r]
            lines = [measure.fit(s, widths[i], fs)] if fixed[i] else measure.lines(s, widths[i], fs,
                                                                                    most=_MOST_LINES)
            cut_cells |= any(line.endswith("…") for line in lines) and not s.endswith("…")
            row.append(lines or [""])
        rows.append(row)
    row_hs = [max(len(c) for c in row) * line_h + 2 * pad if row else line_h + 2 * pad for row in rows]

    # Pages: rows fill each page between its title and the note lines; the titles of the pages after the
    # first are longer ("continued"), so the room is taken for the longest.
    fs_note = SIZES["note"] * k
    extra = _left_out(_, shown=len(body), total_rows=total_rows, cols=shown_cols, total_cols=total_cols)
    last_line = " · ".join(([note] if note else []) + extra)
    note_lines = measure.lines(last_line, page.width - 2 * margin, fs_note, most=4) if last_line else []
    note_h = (max(len(note_lines), 1)) * fs_note * PT * 1.3 + 4 * k
    more_title = _("{title} (continued, page {page} of {pages})", title=title, page=_.int(99), pages=_.int(99))
    top = max(_title_bottom(page, _title_lines(page, t, measure)) for t in (title, more_title))
    room = page.height - margin - note_h - top - head_h
    chunks: list[list[int]] = [[]]
    used = 0.0
    for r, h in enumerate(row_hs):
        if chunks[-1] and used + h > room:
            if pages is not None and len(chunks) >= pages:
                break
            chunks.append([])
            used = 0.0
        chunks[-1].append(r)
        used += h
    shown_rows = sum(len(c) for c in chunks)
    if shown_rows < len(body) or pages == 1 and shown_rows < total_rows:  # a single page cut short
        extra = _left_out(_, shown=shown_rows, total_rows=total_rows, cols=shown_cols, total_cols=total_cols)
        last_line = " · ".join(([note] if note else []) + extra)
        note_lines = measure.lines(last_line, page.width - 2 * margin, fs_note, most=4) if last_line else []

    figs = []
    for n, chunk in enumerate(chunks, start=1):
        page_title = title if n == 1 else _("{title} (continued, page {page} of {pages})", title=title,
                                            page=_.int(n), pages=_.int(len(chunks)))
        fig = new_figure(page, title=page_title)
        ax = page_axes(fig, page)
        y0 = _header(fig, ax, page, page_title, measure)
        bottom = _draw_rows(ax, page, y0=y0, fs=fs, widths=widths, gap=cols.gap, numeric=numeric,
                            head_lines=head_lines, head_h=head_h, rows=[rows[r] for r in chunk],
                            row_hs=[row_hs[r] for r in chunk], line_h=line_h, pad=pad)
        right = margin + sum(widths) + cols.gap * max(shown_cols - 1, 0)
        fig.koopsuz_regions["table"] = page.box(margin - 1 * k, y0, right + 1 * k, bottom)
        lines = note_lines if n == len(chunks) else [_("The table continues on the next page.")]
        if lines:
            ax.text(margin, bottom + 3 * k, "\n".join(lines), fontproperties=font(fs_note, italic=True),
                    va="top", ha="left", color="#404040", linespacing=1.3)
            fig.koopsuz_regions["note"] = page.box(margin, bottom + 3 * k, page.width - margin,
                                                   bottom + 3 * k + len(lines) * fs_note * PT * 1.3)
        if cut_cells:
            fig.koopsuz_notes.append(CELLS_CUT)
        figs.append(fig)
    return figs


def _left_out(_: Tr, *, shown: int, total_rows: int, cols: int, total_cols: int) -> list[str]:
    """The note's words on what the page leaves out."""
    out = []
    if shown < total_rows:
        out.append(_.plural("first {shown} of {n} row", "first {shown} of {n} rows", total_rows,
                            shown=_.int(shown)))
    if cols < total_cols:
        out.append(_.plural("first {shown} of {n} column", "first {shown} of {n} columns", total_cols,
                            shown=_.int(cols)))
    if total_rows == 0:
        out.append(_("no rows"))
    return out


def _draw_rows(ax: matplotlib.axes.Axes, page: Page, *, y0: float, fs: float, widths: list[float], gap: float,
               numeric: list[bool], head_lines: list[list[str]], head_h: float, rows: list[list[list[str]]],
               row_hs: list[float], line_h: float, pad: float) -> float:
    """The header row and ``rows`` from ``y0`` (mm) down; returns the mm under the last row."""
    k, margin = page.k, _margin(page)
    right = margin + sum(widths) + gap * max(len(widths) - 1, 0)
    xs = [margin + sum(widths[:i]) + gap * i for i in range(len(widths))]

    def cell(x: float, y: float, w: float, lines: list[str], *, num: bool, bold: bool) -> None:
        for j, line in enumerate(lines):  # one artist a line: exact line spacing, whatever the font's metrics
            if line:
                ax.text(x + (w if num else 0), y + pad + (j + 0.5) * line_h, line, fontproperties=font(fs, bold=bold),
                        ha="right" if num else "left", va="center_baseline")

    for i, w in enumerate(widths):
        # Header cells sit on the rule under them, as the bottom lines of a wrapped header do.
        lines = head_lines[i]
        offset = head_h - 2 * pad - len(lines) * line_h
        cell(xs[i], y0 + offset, w, lines, num=numeric[i], bold=True)
    y = y0 + head_h
    ax.plot([margin - 1 * k, right + 1 * k], [y] * 2, color="#303030", lw=0.6 * k)
    for r, (row, h) in enumerate(zip(rows, row_hs, strict=True)):
        if r % 2 == 1:  # zebra rows
            ax.add_patch(Rectangle((margin - 1 * k, y), right - margin + 2 * k, h, facecolor="#f0f0f0",
                                   edgecolor="none", zorder=0))
        for i, w in enumerate(widths):
            cell(xs[i], y, w, row[i], num=numeric[i], bold=False)
        y += h
    ax.plot([margin - 1 * k, right + 1 * k], [y] * 2, color="#303030", lw=0.6 * k)
    return y


def _text_lines(paragraphs: list[str], *, page: Page, top: float, measure: Measure
                ) -> tuple[list[tuple[float, float, str, float, bool, bool]], float, bool]:
    """Where each line of ``paragraphs`` goes below ``top``: ``(x, y, text, size, bold, bullet)`` in mm, the y
    below the last, and whether the text was cut at the foot of the page. :func:`_draw_text` draws them and
    :func:`text_fits` counts them: one layout, so a page said to fit is the page drawn."""
    k, margin = page.k, _margin(page)
    y = top
    width = page.width - 2 * margin
    bottom_limit = page.height - margin
    fs = SIZES["text"] * k
    line_h = fs * PT * 1.45
    placed: list[tuple[float, float, str, float, bool, bool]] = []
    for para in paragraphs:
        para = str(para).strip()
        bold = para.startswith("## ")
        bullet = para.startswith(("- ", "• "))
        text = para[3:] if bold else para[2:] if bullet else para
        indent = 4 * k if bullet else 0.0
        size = fs * 1.1 if bold else fs
        for j, line in enumerate(measure.wrap(text, width - indent, size, bold=bold)):
            if y + line_h > bottom_limit:
                return placed, y, True
            placed.append((margin + indent, y, line, size, bold, bullet and j == 0))
            y += line_h
        y += line_h * 0.6
    return placed, y, False


def text_fits(title: str, paragraphs: list[str], *, paper: str = "a4-portrait", lang: str = "en") -> bool:
    """Whether :func:`text_figure` would set ``paragraphs`` under ``title`` without cutting them, found
    without drawing (the pack tries how many paragraphs a page takes)."""
    _ = Tr(lang)
    page = paper_page(paper)
    measure = Measure()
    with styled():
        top = _title_bottom(page, _title_lines(page, printable(title, lang=_.lang), measure))
        _placed, _y, cut = _text_lines([printable(p, lang=_.lang) for p in paragraphs], page=page, top=top,
                                       measure=measure)
    return not cut


def _draw_text(title: str, paragraphs: list[str], *, page: Page) -> matplotlib.figure.Figure:
    fig = new_figure(page, title=title)
    measure = Measure()
    ax = page_axes(fig, page)
    k, margin = page.k, _margin(page)
    top = _header(fig, ax, page, title, measure)
    placed, y, cut = _text_lines(paragraphs, page=page, top=top, measure=measure)
    for x, yy, line, size, bold, bullet in placed:
        ax.text(x, yy, line, fontproperties=font(size, bold=bold), va="top", ha="left")
        if bullet:
            ax.text(margin, yy, "•", fontproperties=font(size), va="top", ha="left")
    bottom_limit = page.height - margin
    if cut:
        fs = SIZES["text"] * k
        ax.text(margin, bottom_limit - fs * PT * 1.45, "…", fontproperties=font(fs), va="top", ha="left")
        fig.koopsuz_notes.append(TEXT_CUT)
    fig.koopsuz_regions["text"] = page.box(margin, top, page.width - margin, min(y, bottom_limit))
    return fig
