"""A chart page of a PDF pack: lines over a shared x axis, with a marked position, for the action-plan pack.

The pages draw their charts with Altair in the browser; a PDF cannot run it, so the pack draws the same
numbers (from the same library function as the page) with matplotlib, on the pack's page: the title as on
every text and table page, the chart under it, a legend naming each line, and a note under the chart (how
to read it). Used by the "Did it work?" pages (each area's monthly index, the start marked) and by the
forecast pages (hit rate by share of the area).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.figure
import matplotlib.ticker
import numpy as np

from geo.i18n import Tr
from geo.printmap.page import Measure, new_figure, page_axes, paper_page
from geo.printmap.pages import _header, _margin
from geo.printmap.style import PT, SIZES, font, printable, styled

__all__ = ["line_chart_figure"]


def line_chart_figure(title: str, *, x_labels: Sequence[str], lines: Mapping[str, tuple[Sequence[float | None], str]],
                      y_label: str, mark: int | None = None, mark_label: str | None = None, note: str | None = None,
                      paper: str = "a4-landscape", lang: str = "en") -> matplotlib.figure.Figure:
    """A page with a line chart: one line per entry of ``lines`` over the categories ``x_labels``.

    Parameters
    ----------
    title : str
        The page title, in ``lang``.
    x_labels : sequence of str
        The x axis's labels (months, shares), in order; every line has one value per label.
    lines : mapping
        ``{legend label: (values, colour)}``; a value of None is a gap in the line (no value there).
    y_label : str
        The y axis's name with its unit.
    mark : int, optional
        Position in ``x_labels`` to mark with a dashed vertical line (an intervention's start).
    mark_label : str, optional
        The mark's name in the legend.
    note : str, optional
        A paragraph under the chart: how to read it.
    paper : str
        A paper of :data:`~geo.printmap.style.PAPERS`.
    lang : str
        The page's language (numbers on the axis).

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = len(x_labels)
    for name, (values, _colour) in lines.items():
        if len(values) != n:
            msg = f"line {name!r} has {len(values)} values for {n} labels"
            raise ValueError(msg)
    if mark is not None and not 0 <= mark < n:
        msg = f"mark {mark} is outside the {n} labels"
        raise ValueError(msg)
    _ = Tr(lang)
    page = paper_page(paper)
    title = printable(title, lang=_.lang)
    with styled():
        fig = new_figure(page, title=title)
        measure = Measure()
        ax_page = page_axes(fig, page)
        k, margin = page.k, _margin(page)
        top = _header(fig, ax_page, page, title, measure)
        fs = SIZES["text"] * k
        line_h = fs * PT * 1.45
        note_lines = measure.wrap(printable(note, lang=_.lang), page.width - 2 * margin, fs) if note else []
        bottom = page.height - margin - len(note_lines) * line_h - (4 * k if note_lines else 0)
        # the chart's axes in figure fractions, leaving room for the tick labels (months turned 45°)
        left, right = margin + 16 * k, page.width - margin
        chart_top, chart_bottom = top + 4 * k, bottom - 22 * k
        ax = fig.add_axes((left / page.width, 1 - chart_bottom / page.height, (right - left) / page.width,
                           (chart_bottom - chart_top) / page.height))
        xs = np.arange(n)
        for name, (values, colour) in lines.items():
            ys = np.array([np.nan if v is None else float(v) for v in values])
            ax.plot(xs, ys, color=colour, lw=1.4 * k, marker="o", ms=2.5 * k, label=printable(name, lang=_.lang))
        if mark is not None:
            ax.axvline(mark, color="#333333", lw=1.0 * k, ls=(0, (4, 3)),
                       label=printable(mark_label, lang=_.lang) if mark_label else None)
        tick_fs = SIZES["text"] * k * 0.85
        step = max(1, int(np.ceil(n / 24)))  # at most about 24 labels: they stay legible
        ax.set_xticks(xs[::step])
        ax.set_xticklabels([printable(x, lang=_.lang) for x in list(x_labels)[::step]], rotation=45, ha="right",
                           fontproperties=font(tick_fs))
        for t in ax.get_yticklabels():
            t.set_fontproperties(font(tick_fs))
        # whole numbers where the ticks are whole (an index of 100), one decimal where they are not (a PAI of 2.5)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _pos: _.num(v, 0 if float(v).is_integer() else 1)))
        ax.set_ylabel(printable(y_label, lang=_.lang), fontproperties=font(tick_fs))
        ax.grid(axis="y", color="#dddddd", lw=0.5 * k)
        ax.set_xlim(-0.5, n - 0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(prop=font(tick_fs), frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(lines) + 1)
        y = bottom + 4 * k if note_lines else bottom
        for line in note_lines:
            ax_page.text(margin, y, line, fontproperties=font(fs), va="top", ha="left")
            y += line_h
        fig.koopsuz_regions["chart"] = page.box(left, chart_top, right, chart_bottom)
        return fig

