"""Small multiples: one small map per municipality on one page, shaded on one shared scale.

A coordinator compares municipalities at a glance only if the same colour means
the same rate everywhere: the classes (Fisher-Jenks, :func:`geo.palette.rate_classes`,
as every rates map) are computed over the settlements of all the panels
together, and one legend serves them all. Each panel is drawn in its own local
UTM zone at its own scale (Bishkek and a mountain rayon differ a hundredfold in
area), with its own scale bar so that the reader is not misled about size. The
page has the pack's furniture: title, subtitle, legend, footer with the source
and the date (:func:`geo.printmap.map_figure`'s layout, several frames in
place of one).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import matplotlib.figure
import numpy as np
import pyproj
from matplotlib import colors as mcolors

from geo import palette
from geo.crs import WGS84, local_crs
from geo.i18n import Tr
from geo.printmap.furniture import scale_bar
from geo.printmap.layers import add_polygons
from geo.printmap.legend import Section, Symbol, draw_legend
from geo.printmap.page import Measure, new_figure, page_axes, paper_page
from geo.printmap.style import BASE_GROUND, DEFAULT_SOURCE, OUTLINE, PT, SIZES, font, printable, styled

__all__ = ["Panel", "multiples_figure"]


@dataclass(frozen=True, eq=False)
class Panel:
    """One small map: its title (the municipality), a caption (its figures) and its settlements with ``value``."""

    title: str
    caption: str
    units: gpd.GeoDataFrame


def multiples_figure(panels: Sequence[Panel], *, title: str, subtitle: str | None = None, legend_title: str,
                     paper: str = "a4-landscape", source: str = DEFAULT_SOURCE, date: dt.date | None = None,
                     lang: str = "en") -> matplotlib.figure.Figure:
    """A page of small maps, one per panel, shaded by ``value`` on one scale with one legend.

    Parameters
    ----------
    panels : sequence of Panel
        In reading order (left to right, top to bottom). ``units`` are polygons with a CRS and a numeric
        ``value`` (NaN: no rate, drawn grey as "No population").
    title, subtitle, legend_title : str
        In ``lang``, from the caller.
    paper : str
        One of :data:`~geo.printmap.PAPERS`.
    source : str
        Named in the footer.
    date : datetime.date, optional
        Printed in the footer; today by default.
    lang : {"en", "ru", "ky"}
        Legend, scale bars, footer and numbers.

    Returns
    -------
    matplotlib.figure.Figure
        With ``koopsuz_regions`` (``"title"``, ``"legend"``, ``"footer"``, ``"panel_1"``...),
        ``koopsuz_labels`` (empty) and ``koopsuz_notes``.

    Raises
    ------
    ValueError
        With no panel, or a panel whose settlements have no CRS.
    """
    if not panels:
        msg = "nothing to draw: no municipality"
        raise ValueError(msg)
    for p in panels:
        if len(p.units) and p.units.crs is None:
            msg = f"the settlements of {p.title!r} have no CRS"
            raise ValueError(msg)
    _ = Tr(lang)
    with styled():
        return _draw(panels, title=printable(title, lang=lang),
                     subtitle=printable(subtitle, lang=lang) if subtitle else None,
                     legend_title=printable(legend_title, lang=lang), paper=paper,
                     source=printable(source, lang=lang), date=date or dt.date.today(), tr=_)


def _draw(panels: Sequence[Panel], *, title: str, subtitle: str | None, legend_title: str, paper: str, source: str,
          date: dt.date, tr: Tr) -> matplotlib.figure.Figure:
    _ = tr
    page = paper_page(paper)
    fig = new_figure(page, title=title)
    measure = Measure()
    k = page.k
    margin = 10 * k
    inner = page.width - 2 * margin
    fs_title, fs_sub, fs_foot = SIZES["title"] * k, SIZES["subtitle"] * k, SIZES["footer"] * k
    title_lines = measure.lines(title, inner, fs_title, bold=True, most=2)
    sub_lines = measure.lines(subtitle, inner, fs_sub, most=2) if subtitle else []
    header = margin + len(title_lines) * fs_title * PT * 1.2 + (len(sub_lines) * fs_sub * PT * 1.3 + 1.5 * k
                                                                 if sub_lines else 0)
    foot = [_("Source: {source}", source=source), _("Map made with Koopsuz"), _("Made on {date}", date=_.date(date))]
    foot_lines = measure.lines(" · ".join(foot), inner, fs_foot, most=3)
    foot_h = len(foot_lines) * fs_foot * PT * 1.35
    top = header + 4 * k
    body_h = page.height - margin - foot_h - 3 * k - top

    # the shared classes: the same colour is the same rate in every panel
    values = np.concatenate([p.units["value"].to_numpy(dtype=float, na_value=np.nan) if len(p.units)
                             else np.array([]) for p in panels])
    cls_all, bins = palette.rate_classes(values)
    ramp = palette.class_colors(len(bins))
    texts = palette.class_texts(float(np.nanmin(values)), bins, lang=_.lang) if bins else []

    # the grid: landscape pages keep a legend column on the right, as a map page
    legend_w = 0.22 * page.width if page.landscape else 0.0
    grid_w = inner - (legend_w + 6 * k if legend_w else 0.0)
    grid_h = body_h if page.landscape else body_h * 0.82
    n = len(panels)
    cols = max(1, min(n, math.ceil(math.sqrt(n * grid_w / max(grid_h, 1.0)))))
    rows = math.ceil(n / cols)
    gap = 5 * k
    cell_w, cell_h = (grid_w - gap * (cols - 1)) / cols, (grid_h - gap * (rows - 1)) / rows
    fs_panel, fs_cap = SIZES["subtitle"] * k, SIZES["footer"] * k
    regions = fig.koopsuz_regions
    start = 0
    for i, p in enumerate(panels):
        r, c = divmod(i, cols)
        left, ptop = margin + c * (cell_w + gap), top + r * (cell_h + gap)
        head = measure.lines(printable(p.title, lang=_.lang), cell_w, fs_panel, bold=True, most=1)
        cap = measure.lines(printable(p.caption, lang=_.lang), cell_w, fs_cap, most=2)
        head_h = fs_panel * PT * 1.25 + len(cap) * fs_cap * PT * 1.3 + 1.5 * k
        fig.text(left / page.width, 1 - ptop / page.height, "\n".join(head), fontproperties=font(fs_panel, bold=True),
                 va="top", ha="left")
        fig.text(left / page.width, 1 - (ptop + fs_panel * PT * 1.25) / page.height, "\n".join(cap),
                 fontproperties=font(fs_cap), va="top", ha="left", color="#404040", linespacing=1.2)
        box = (left, ptop + head_h, cell_w, max(cell_h - head_h, 10 * k))
        cls = cls_all[start:start + len(p.units)]
        start += len(p.units)
        _panel(fig, page, box, p.units, cls, ramp, k=k, lang=_.lang)
        regions[f"panel_{i + 1}"] = page.box(left, ptop, left + cell_w, ptop + cell_h)

    sections = [Section(legend_title,
                        [(Symbol("patch", face=mcolors.to_rgba(col, 0.8), edge="#444444", width=0.3 * k), text)
                         for col, text in zip(ramp, texts, strict=True)]
                        + ([(Symbol("patch", face=palette.NO_DATA, edge="#444444", width=0.3 * k),
                             _("No population"))] if (cls_all < 0).any() else []))]
    panel = ((margin + grid_w + 6 * k, top, legend_w, body_h) if page.landscape
             else (margin, top + grid_h + 4 * k, inner, body_h - grid_h - 4 * k))
    lax = fig.add_axes(page.rect(*panel))
    lax.set_axis_off()
    lax.set_xlim(0, panel[2])
    lax.set_ylim(panel[3], 0)
    lax.set_autoscale_on(False)
    used = draw_legend(lax, sections, width=panel[2], height=panel[3], k=k, measure=measure,
                       max_cols=1 if page.landscape else 3, notes=fig.koopsuz_notes)
    regions["legend"] = page.box(panel[0] + used[0], panel[1] + used[1], panel[0] + used[2], panel[1] + used[3])

    pax = page_axes(fig, page)
    pax.text(margin, margin, "\n".join(title_lines), fontproperties=font(fs_title, bold=True), va="top", ha="left",
             linespacing=1.1)
    if sub_lines:
        pax.text(margin, margin + len(title_lines) * fs_title * PT * 1.2 + 1.5 * k, "\n".join(sub_lines),
                 fontproperties=font(fs_sub), va="top", ha="left", color="#404040", linespacing=1.15)
    regions["title"] = page.box(margin, margin, page.width - margin, header)
    pax.plot([margin, page.width - margin], [header + 1.5 * k] * 2, color="#303030", lw=0.6 * k)
    pax.text(margin, page.height - margin, "\n".join(foot_lines), fontproperties=font(fs_foot), va="bottom",
             ha="left", color="#303030", linespacing=1.3)
    regions["footer"] = page.box(margin, page.height - margin - foot_h, page.width - margin, page.height - margin)
    return fig


def _panel(fig: matplotlib.figure.Figure, page: object, box: tuple[float, float, float, float],
           units: gpd.GeoDataFrame, cls: np.ndarray, ramp: list[str], *, k: float, lang: str) -> None:
    """One small map in ``box`` (mm: left, top, width, height): the settlements by class, a scale bar."""
    ax = fig.add_axes(page.rect(*box))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6 * k)
    ax.set_facecolor(BASE_GROUND)
    if len(units) == 0:
        return
    crs = local_crs(units)
    metric = units.to_crs(crs)
    geoms = metric.geometry.to_numpy()
    for i, col in enumerate(ramp):
        add_polygons(ax, geoms[cls == i], face=mcolors.to_rgba(col, 0.8), edge="#444444", width=0.3 * k, zorder=2)
    if (cls < 0).any():
        add_polygons(ax, geoms[cls < 0], face=palette.NO_DATA, edge="#444444", width=0.3 * k, zorder=2)
    add_polygons(ax, geoms, face="none", edge=OUTLINE, width=0.5 * k, zorder=3)
    x0, y0, x1, y1 = metric.total_bounds
    aspect = box[2] / box[3]
    w, h = max(x1 - x0, 1000.0) * 1.06, max(y1 - y0, 1000.0) * 1.06
    w, h = max(w, h * aspect), max(h, w / aspect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    extent = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("auto")  # the extent has the frame's aspect already: x and y metres are equal
    ax.set_autoscale_on(False)
    centre = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True).transform(cx, cy)
    factors = pyproj.Proj(crs).get_factors(*centre)
    scale_bar(ax, extent, mpm=w / box[2], k=k, scale_factor=factors.meridional_scale, lang=lang)
