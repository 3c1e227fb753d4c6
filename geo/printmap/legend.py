"""The legend panel: sections of symbol rows, flowed into balanced columns that fit a box.

matplotlib's own legend places handles of artists in one box; a print map
needs sections with titles, a density colour bar, counts in the labels, and
columns that fill a panel right of the map or under it. Long entries wrap onto
a second and third line; the type shrinks, never below 7 pt, until everything
fits. The layers (:mod:`geo.printmap.layers`) say what to
show as :class:`Section` rows; this module lays them out and draws them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.axes
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from geo.i18n import N_
from geo.palette import break_texts
from geo.printmap.page import Measure
from geo.printmap.style import DENSITY_ALPHA, DENSITY_CMAP, DENSITY_FLOOR, MIN_PT, PT, SIZES, font

__all__ = ["LEGEND_CUT", "Section", "Symbol", "draw_legend", "legend_height"]

HEAD = SIZES["legend_head"] / SIZES["legend"]  # a section title's type, relative to its entries'


@dataclass
class Symbol:
    """How a legend row shows its layer."""

    kind: str  # "patch", "line", "marker", "colorbar", "none"
    face: object = "none"
    edge: object = "none"
    width: float = 0.8  # points
    style: str = "-"
    marker: str = "o"
    size: float = 5.0  # points
    vmax: float = 0.0  # colour bar
    lang: str = "en"  # of the colour bar's numbers


@dataclass
class Section:
    """One layer's part of the legend: an optional title over its rows of (symbol, text)."""

    title: str | None
    rows: list[tuple[Symbol, str]]


# A legend row as laid out: (kind, lines of text, symbol, height in mm), kind "head", "row" or "gap".
_Unit = tuple[str, list[str], Symbol | None, float]

# The legend's type sizes on A4, largest first: it shrinks to fit its panel, never below MIN_PT.
_STEPS = tuple(s for s in (SIZES["legend"], 8.0, 7.5, MIN_PT) if s <= SIZES["legend"])
_MOST_LINES = 3  # an entry wraps onto at most this many lines, the last cut with "…"
_GAP_MM = 4.0  # between columns (times the paper's scale)


def draw_legend(ax: matplotlib.axes.Axes, sections: list[Section], *, width: float, height: float, k: float,
                measure: Measure, max_cols: int, notes: list[str]) -> tuple[float, float, float, float]:
    """Draw the sections in columns in a panel of mm (y down); return the box used (left, top, right, bottom).

    Long entries wrap (Russian and Kyrgyz labels are half as long again as English ones) rather than shrink:
    the type goes from :data:`~geo.printmap.style.SIZES` ``["legend"]`` down to
    :data:`~geo.printmap.style.MIN_PT`, in one column if it can, then more. What does not fit even so is
    left out, and ``notes`` says so.
    """
    sym_w = 7 * k
    for size in _STEPS:
        fs = size * k
        for cols in range(1, max_cols + 1):
            col_w, text_w = _column(width, cols, sym_w, k)
            units = _legend_units(sections, fs, col_w=col_w, text_w=text_w, measure=measure)
            placed = _balanced_flow(units, height, cols)
            if placed is not None:
                return _render_legend(ax, placed, fs=fs, col_w=col_w, sym_w=sym_w, k=k, measure=measure)
    # Does not fit even at the smallest type: rows beyond the panel are left out.
    fs = MIN_PT * k
    col_w, text_w = _column(width, max_cols, sym_w, k)
    units = _legend_units(sections, fs, col_w=col_w, text_w=text_w, measure=measure)
    placed = _flow(units, height, max_cols, force=True)
    notes.append(LEGEND_CUT)
    return _render_legend(ax, placed, fs=fs, col_w=col_w, sym_w=sym_w, k=k, measure=measure)


LEGEND_CUT = N_("the legend did not fit its panel, so some entries were left out")


def legend_height(sections: list[Section], *, width: float, k: float, measure: Measure, max_cols: int) -> float:
    """The height (mm) the legend takes at full size in the number of columns (up to ``max_cols``) that is lowest."""
    fs = SIZES["legend"] * k
    sym_w = 7 * k
    best = math.inf
    for cols in range(max_cols, 0, -1):
        col_w, text_w = _column(width, cols, sym_w, k)
        units = _legend_units(sections, fs, col_w=col_w, text_w=text_w, measure=measure)
        total = sum(u[3] for u in units)
        placed = _balanced_flow(units, total, cols)
        if placed is not None:
            best = min(best, max(y + h for _, y, *_, h in placed) + 1.0)
    return best if math.isfinite(best) else sum(u[3] for u in _legend_units(
        sections, fs, col_w=width, text_w=width - sym_w - 2 * k, measure=measure))


def _column(width: float, cols: int, sym_w: float, k: float) -> tuple[float, float]:
    """A column's width and the width of its entries' text, in mm."""
    col_w = (width - (cols - 1) * _GAP_MM * k) / cols
    return col_w, max(col_w - sym_w - 2 * k, 1.0)


def _row_h(fs: float) -> float:
    return fs * PT * 1.65


def _line_h(fs: float) -> float:
    return fs * PT * 1.3


def _bar_text_top(fs: float) -> float:
    """How far under a colour bar row's top its text starts: the bar, its ticks and their numbers above it."""
    return _row_h(fs) * 0.75 + fs * PT * 1.75


def _legend_units(sections: list[Section], fs: float, *, col_w: float, text_w: float,
                  measure: Measure) -> list[_Unit]:
    """The legend as (kind, lines, symbol, height in mm) rows: headers, entries, gaps; long text wrapped."""
    row, line = _row_h(fs), _line_h(fs)
    head = fs * HEAD
    units: list[_Unit] = []
    for i, sec in enumerate(sections):
        if i:
            units.append(("gap", [], None, row * 0.45))
        if sec.title:
            lines = measure.lines(sec.title, col_w, head, bold=True, most=_MOST_LINES)
            units.append(("head", lines, None, row * 1.1 + (len(lines) - 1) * _line_h(head)))
        for sym, text in sec.rows:
            if sym.kind == "colorbar":  # the unit goes under the bar, across the column
                lines = measure.lines(text, col_w, fs, most=_MOST_LINES)
                units.append(("row", lines, sym, _bar_text_top(fs) + len(lines) * line + row * 0.15))
            else:
                lines = measure.lines(text, text_w, fs, most=_MOST_LINES)
                units.append(("row", lines, sym, row + (len(lines) - 1) * line))
    return units
def _balanced_flow(units: list[_Unit], height: float, cols: int) -> list | None:
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


def _flow(units: list[_Unit], height: float, cols: int, *, force: bool = False) -> list | None:
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
                   measure: Measure) -> tuple[float, float, float, float]:
    right = bottom = 0.0
    head = fs * HEAD
    row = _row_h(fs)
    for col, y, kind, lines, sym, h in placed:
        x = col * (col_w + _GAP_MM * k)
        if kind == "gap":
            continue
        if kind == "head":
            ax.text(x, y + h / 2 + row * 0.05, "\n".join(lines), fontproperties=font(head, bold=True), va="center",
                    ha="left", linespacing=1.15)
            right = max(right, x + max(measure.width(t, head, bold=True) for t in lines))
        elif sym.kind == "colorbar":
            _legend_colorbar(ax, sym, x, y, width=col_w, row=row, fs=fs, k=k)
            ax.text(x, y + _bar_text_top(fs), "\n".join(lines), fontproperties=font(fs), va="top", ha="left",
                    color="#404040", linespacing=1.15)
            right = max(right, x + min(col_w, 48 * k), x + max(measure.width(t, fs) for t in lines))
        else:
            # The symbol beside the first line; the text's lines under one another.
            top = y + (h - row - (len(lines) - 1) * _line_h(fs)) / 2
            _legend_symbol(ax, sym, x, top + row * 0.15, sym_w, row * 0.7)
            ax.text(x + sym_w + 2 * k, y + h / 2, "\n".join(lines), fontproperties=font(fs), va="center", ha="left",
                    linespacing=1.15)
            right = max(right, x + sym_w + 2 * k + max(measure.width(t, fs) for t in lines))
        bottom = max(bottom, y + h)
    return 0.0, 0.0, right, bottom


def _legend_symbol(ax: matplotlib.axes.Axes, sym: Symbol, x: float, y: float, w: float, h: float) -> None:
    if sym.kind == "patch":
        ax.add_patch(Rectangle((x, y), w, h, facecolor=sym.face, edgecolor=sym.edge, linewidth=sym.width,
                               linestyle=sym.style))
    elif sym.kind == "line":
        ax.add_line(Line2D([x, x + w], [y + h / 2] * 2, color=sym.edge, linewidth=sym.width, linestyle=sym.style,
                           solid_capstyle="butt"))
    elif sym.kind == "marker":
        ax.add_line(Line2D([x + w / 2], [y + h / 2], linestyle="none", marker=sym.marker, markersize=sym.size,
                           markerfacecolor=sym.face, markeredgecolor=sym.edge, markeredgewidth=sym.width))


def _legend_colorbar(ax: matplotlib.axes.Axes, sym: Symbol, x: float, y: float, *, width: float, row: float,
                     fs: float, k: float) -> None:
    w = min(width, 48 * k) - 3 * k
    h = row * 0.75
    ramp = np.linspace(DENSITY_FLOOR, 1, 256)[None, :]
    ax.imshow(ramp, cmap=DENSITY_CMAP, norm=mcolors.Normalize(0, 1), alpha=DENSITY_ALPHA, aspect="auto",
              extent=(x, x + w, y + h, y), interpolation="bilinear", zorder=2)
    ax.add_patch(Rectangle((x, y), w, h, facecolor="none", edgecolor="#808080", linewidth=0.3 * k, zorder=3))
    # the ticks' numbers as the web legend's: figures enough to differ (0, 0.012, 0.025; never 0, 0, 0)
    ticks = break_texts([0.0, 0.5 * sym.vmax, sym.vmax], lang=sym.lang)
    for (frac, ha), text in zip(((0.0, "left"), (0.5, "center"), (1.0, "right")), ticks, strict=True):
        ax.add_line(Line2D([x + frac * w] * 2, [y + h, y + h + 0.8 * k], color="#808080", linewidth=0.3 * k))
        ax.text(x + frac * w, y + h + 0.9 * k, text, fontproperties=font(fs), ha=ha, va="top")
