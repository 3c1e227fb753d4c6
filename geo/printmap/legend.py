"""The legend panel: sections of symbol rows, flowed into balanced columns that fit a box.

matplotlib's own legend places handles of artists in one box; a print map
needs sections with titles, a density colour bar, counts in the labels, and
columns that fill a panel right of the map or under it, with the type shrunk
until everything fits. The layers (:mod:`geo.printmap.layers`) say what to
show as :class:`Section` rows; this module lays them out and draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.axes
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from geo.printmap.page import Measure
from geo.printmap.style import DENSITY_ALPHA, DENSITY_CMAP, DENSITY_FLOOR, PT, fmt_num, font

__all__ = ["Section", "Symbol", "draw_legend", "legend_height"]


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


@dataclass
class Section:
    """One layer's part of the legend: an optional title over its rows of (symbol, text)."""

    title: str | None
    rows: list[tuple[Symbol, str]]


# A legend row as laid out: (kind, text, symbol, height in mm), kind "head", "row" or "gap".
_Unit = tuple[str, str | None, Symbol | None, float]


def draw_legend(ax: matplotlib.axes.Axes, sections: list[Section], *, width: float, height: float, k: float,
                measure: Measure, max_cols: int, notes: list[str]) -> tuple[float, float, float, float]:
    """Draw the sections in columns in a panel of mm (y down); return the box used (left, top, right, bottom)."""
    sym_w = 7 * k
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6):
        fs = 7.5 * k * scale
        units = _legend_units(sections, fs)
        for cols in range(1, max_cols + 1):
            col_w = (width - (cols - 1) * 4 * k) / cols
            text_w = col_w - sym_w - 2 * k
            if not _text_fits(units, fs, text_w, measure):
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


def legend_height(sections: list[Section], *, width: float, k: float, measure: Measure, max_cols: int) -> float:
    """The height (mm) the legend takes at full size in as many columns as its text fits, evened out."""
    fs = 7.5 * k
    sym_w = 7 * k
    units = _legend_units(sections, fs)
    total = sum(h for *_, h in units)
    for cols in range(max_cols, 0, -1):
        text_w = (width - (cols - 1) * 4 * k) / cols - sym_w - 2 * k
        if _text_fits(units, fs, text_w, measure):
            placed = _balanced_flow(units, total, cols)
            if placed is not None:
                return max(y + h for _, y, *_, h in placed) + 1.0
    return total


def _text_fits(units: list[_Unit], fs: float, text_w: float, measure: Measure) -> bool:
    """Every header and row text is at most ``text_w`` mm wide at ``fs`` points."""
    return all(measure.width(t, fs * (1.1 if kind == "head" else 1), bold=kind == "head") <= text_w
               for kind, t, _, _ in units if t)


def _legend_units(sections: list[Section], fs: float) -> list[_Unit]:
    """The legend as (kind, text, symbol, height in mm) rows: headers, entries, gaps between sections."""
    row = fs * PT * 1.65
    units: list[_Unit] = []
    for i, sec in enumerate(sections):
        if i:
            units.append(("gap", None, None, row * 0.45))
        if sec.title:
            units.append(("head", sec.title, None, row * 1.1))
        for sym, text in sec.rows:
            units.append(("row", text, sym, row * (2.3 if sym.kind == "colorbar" else 1.0)))
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
                   measure: Measure, text_w: float) -> tuple[float, float, float, float]:
    right = bottom = 0.0
    for col, y, kind, text, sym, h in placed:
        x = col * (col_w + 4 * k)
        if kind == "gap":
            continue
        if kind == "head":
            t = measure.fit(text, col_w, fs * 1.1, bold=True)
            ax.text(x, y + h * 0.55, t, fontproperties=font(fs * 1.1, bold=True), va="center", ha="left")
            right = max(right, x + measure.width(t, fs * 1.1, bold=True))
            bottom = max(bottom, y + h)
            continue
        row = h if sym.kind != "colorbar" else h / 2.3
        t = measure.fit(text, text_w, fs)
        if sym.kind == "colorbar":
            _legend_colorbar(ax, sym, x, y, width=col_w, row=row, fs=fs, k=k)
            ax.text(x, y + row * 1.8, t, fontproperties=font(fs * 0.9), va="center", ha="left", color="#404040")
            right = max(right, x + min(col_w, 48 * k))
        else:
            _legend_symbol(ax, sym, x, y + row * 0.15, sym_w, row * 0.7)
            ax.text(x + sym_w + 2 * k, y + row * 0.55, t, fontproperties=font(fs), va="center", ha="left")
            right = max(right, x + sym_w + 2 * k + measure.width(t, fs))
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
    for frac, ha in ((0.0, "left"), (0.5, "center"), (1.0, "right")):
        ax.add_line(Line2D([x + frac * w] * 2, [y + h, y + h + 0.8 * k], color="#808080", linewidth=0.3 * k))
        ax.text(x + frac * w, y + h + 0.9 * k, fmt_num(frac * sym.vmax), fontproperties=font(fs * 0.9), ha=ha,
                va="top")
