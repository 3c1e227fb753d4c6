"""The other pages of a PDF pack: a table page and a page of wrapped text.

matplotlib's ``table`` sizes cells to the axes, not to their text, and has no
type that shrinks to fit; these pages measure their text (:class:`~geo.printmap.page.Measure`)
and say in a note line what they had to leave out.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib.axes
import matplotlib.figure
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from geo.checks import check_count
from geo.printmap.page import Measure, Page, new_figure, page_axes, paper_page
from geo.printmap.style import PT, font, styled

__all__ = ["table_figure", "text_figure"]


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
        One of :data:`~geo.printmap.PAPERS`.
    note : str, optional
        Printed under the table (source, definitions).
    max_rows : int
        Positive.
    """
    page = paper_page(paper)
    max_rows = check_count(max_rows, "max_rows")
    with styled():
        return _draw_table(frame, title=title, page=page, note=note, max_rows=max_rows)


def text_figure(title: str, paragraphs: list[str], *, paper: str = "a4-portrait") -> matplotlib.figure.Figure:
    """A page of wrapped text (cover, methods), for the action-plan pack.

    Paragraphs are wrapped to the page width; one starting with "- " or "• "
    is a bullet with a hanging indent, and one starting with "## " a bold
    subheading. Text that does not fit on the page is cut, ending with "…",
    and ``fig.koopsuz_notes`` says so.
    """
    page = paper_page(paper)
    with styled():
        return _draw_text(title, list(paragraphs), page=page)


def _header(fig: matplotlib.figure.Figure, ax: matplotlib.axes.Axes, page: Page, title: str,
            measure: Measure) -> float:
    """The page title, wrapped; returns the mm below it."""
    k, margin = page.k, 15 * page.k
    fs = 14 * k
    lines = measure.lines(title, page.width - 2 * margin, fs, bold=True, most=3)
    ax.text(margin, margin, "\n".join(lines), fontproperties=font(fs, bold=True), va="top", ha="left",
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


def _draw_table(frame: pd.DataFrame, *, title: str, page: Page, note: str | None,
                max_rows: int) -> matplotlib.figure.Figure:
    fig = new_figure(page, title=title)
    measure = Measure(fig)
    ax = page_axes(fig, page)
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
        ax.text(x + (w if numeric[i] else 0), y + row_h * 0.5, head, fontproperties=font(fs, bold=True),
                ha="right" if numeric[i] else "left", va="center")
        for r, s in enumerate(texts[i]):
            ax.text(x + (w if numeric[i] else 0), y + row_h * (r + 1.5), measure.fit(s, w, fs),
                    fontproperties=font(fs), ha="right" if numeric[i] else "left", va="center")
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
        ax.text(margin, table_bottom + 3 * k, "\n".join(lines), fontproperties=font(fs_note, italic=True),
                va="top", ha="left", color="#404040", linespacing=1.3)
        fig.koopsuz_regions["note"] = page.box(margin, table_bottom + 3 * k, page.width - margin,
                                               table_bottom + 3 * k + len(lines) * fs_note * PT * 1.3)
    return fig


def _draw_text(title: str, paragraphs: list[str], *, page: Page) -> matplotlib.figure.Figure:
    fig = new_figure(page, title=title)
    measure = Measure(fig)
    ax = page_axes(fig, page)
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
            ax.text(margin + indent, y, line, fontproperties=font(size, bold=bold), va="top", ha="left")
            if bullet and j == 0:
                ax.text(margin, y, "•", fontproperties=font(size), va="top", ha="left")
            y += line_h
        if cut:
            break
        y += line_h * 0.6
    if cut:
        ax.text(margin, bottom_limit - line_h, "…", fontproperties=font(fs), va="top", ha="left")
        fig.koopsuz_notes.append("the text did not fit on the page and was cut")
    fig.koopsuz_regions["text"] = page.box(margin, top, page.width - margin, min(y, bottom_limit))
    return fig
