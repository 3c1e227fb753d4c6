"""Page geometry and text measurement: boxes in millimetres on the paper, and how wide a text is.

A page is laid out in mm from its top-left corner, the way a printer thinks;
:class:`Page` turns such boxes into matplotlib figure coordinates.
:class:`Measure` asks the figure's Agg renderer how wide a text is, which
matplotlib has no public call for, to wrap and cut text before it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.axes
import matplotlib.figure
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.textpath import text_to_path

from geo.printmap.style import PAPERS, PT, SIZES, font

__all__ = ["FIGURE_DPI", "Measure", "Page", "new_figure", "number_page", "page_axes", "paper_page"]

FIGURE_DPI = 100  # for measuring text while laying out; the output dpi is save_figure's


@dataclass(frozen=True)
class Page:
    """A paper size in mm."""

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


def paper_page(paper: str) -> Page:
    """The :class:`Page` of a paper name of :data:`~geo.printmap.style.PAPERS`, or a ValueError naming them."""
    if paper not in PAPERS:
        msg = f"unknown paper {paper!r}; choose one of {', '.join(PAPERS)}"
        raise ValueError(msg)
    w, h = PAPERS[paper]
    return Page(w * 25.4, h * 25.4)


# A line whose summed word widths are this share of the width or more is measured whole before it is kept.
_NEAR = 0.03


class Measure:
    """Text widths in mm from the font's outlines, cached (one per page being laid out).

    The outlines' advance widths are what a PDF and a high-resolution PNG print; the Agg renderer's
    hinted widths at the layout resolution are up to 5 % narrower, enough for a long footer to run off
    the paper.
    """

    def __init__(self) -> None:
        self.cache: dict[tuple[str, float, bool], float] = {}

    def width(self, s: str, size: float, *, bold: bool = False) -> float:
        key = (s, size, bold)
        if key not in self.cache:
            w, _, _ = text_to_path.get_text_width_height_descent(s, font(size, bold=bold), ismath=False)
            self.cache[key] = w / 72 * 25.4  # points to mm
        return self.cache[key]

    def wrap(self, s: str, width: float, size: float, *, bold: bool = False) -> list[str]:
        """Greedy word wrap to ``width`` mm; a word longer than the line is cut.

        A line's width is its words' widths and its spaces' added up, which is exact but for the kerning
        across a space (a few hundredths of a per cent): only a line within :data:`_NEAR` of the width is
        measured whole, so a paragraph costs a measure per word and per line, not one per word of every
        line so far. The lines are those of measuring every candidate whole.
        """
        lines: list[str] = []
        space = self.width("x x", size, bold=bold) - self.width("xx", size, bold=bold)
        near = width * (1 - _NEAR)
        for para in str(s).split("\n"):
            line, est = "", 0.0
            for word in para.split():
                w = self.width(word, size, bold=bold)
                cand, cand_est = (f"{line} {word}", est + space + w) if line else (word, w)
                if line and cand_est > near and self.width(cand, size, bold=bold) > width:
                    lines.append(line)
                    line, est = word, w
                else:
                    line, est = cand, cand_est
                if est > near and self.width(line, size, bold=bold) > width:
                    line = self.fit(line, width, size, bold=bold)
                    est = self.width(line, size, bold=bold)
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


def new_figure(page: Page, *, title: str) -> matplotlib.figure.Figure:
    """An empty page with an Agg canvas (no pyplot, so no global registry) and the ``koopsuz_*`` attributes."""
    fig = matplotlib.figure.Figure(figsize=(page.width / 25.4, page.height / 25.4), dpi=FIGURE_DPI,
                                   facecolor="white")
    FigureCanvasAgg(fig)
    fig.koopsuz_regions = {}
    fig.koopsuz_labels = []
    fig.koopsuz_notes = []
    fig.koopsuz_title = title
    return fig


def page_axes(fig: matplotlib.figure.Figure, page: Page) -> matplotlib.axes.Axes:
    """Axes over the whole page in mm, y down: for hand-placed text and rules."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, page.width)
    ax.set_ylim(page.height, 0)
    ax.set_autoscale_on(False)
    return ax


def number_page(fig: matplotlib.figure.Figure, label: str) -> None:
    """Print ``label`` ("3 / 14", "Страница 3 из 14") centred at the foot of a page of this package.

    The pages keep their bottom margin clear (10 mm on a map page, 15 mm on table and text pages, times
    the paper's scale), so the number goes there: its top 7 mm above the paper's edge, under the map's
    footer and the last table row, never over them, and at 7.5 pt on A4. Its box is the region
    ``"page_number"``.
    """
    w_in, h_in = fig.get_size_inches()
    page = Page(w_in * 25.4, h_in * 25.4)
    fs = SIZES["page_number"] * page.k
    top = page.height - 7 * page.k
    fig.text(0.5, 1 - top / page.height, label, fontproperties=font(fs), ha="center", va="top",
             color="#303030")
    height = fs * PT * 1.2
    half = 0.6 * fs * PT * max(len(label), 1) / 2  # about half the label's width, for the region only
    fig.koopsuz_regions["page_number"] = page.box(page.width / 2 - half, top, page.width / 2 + half, top + height)
