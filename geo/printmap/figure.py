"""The map page: the layout of title, map frame, legend panel and footer, and the map's extent and CRS.

Every layer, in whatever CRS it comes, is drawn in the local UTM zone
(:func:`geo.crs.local_crs` of the layers, or of ``extent``), with equal scale
in x and y. The extent is the boundaries' bounds (all the drawn layers' when
there are no boundaries) plus a margin, widened to the map frame's aspect so
that the page is filled. The legend goes right of the map on landscape pages
and under it on portrait ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import matplotlib.figure
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.content import FRAMES, MapContent
from geo.crs import WGS84, local_crs
from geo.i18n import N_, Tr, place_names
from geo.printmap.furniture import north_arrow, place_labels, scale_bar
from geo.printmap.layers import add_polygons, draw_layers
from geo.printmap.legend import draw_legend, legend_height
from geo.printmap.page import Measure, Page, new_figure, page_axes, paper_page
from geo.printmap.style import BASE_GROUND, BASE_LAND, DEFAULT_SOURCE, PT, SIZES, font, printable, styled
from geo.printmap.tiles import basemap, tile_credit, tile_template
from geo.stats.density import DensityGrid

__all__ = ["TILES_UNAVAILABLE", "map_figure", "projection_text"]

# A map's note takes at most this many lines under it: the map keeps most of the page.
_NOTE_LINES = 6
# A note of fig.koopsuz_notes: stored in English, as the library's messages are; pages translate it.
TILES_UNAVAILABLE = N_("tiles unavailable ({reason}): the vector base is drawn instead")


def projection_text(crs: pyproj.CRS | str | int, *, tr: Tr) -> str:
    """The map's projection in plain words: "Map projection: UTM zone 43N (EPSG:32643)".

    A CRS that is not a UTM zone is named as PROJ names it.
    """
    _ = tr
    c = pyproj.CRS.from_user_input(crs)
    epsg = c.to_epsg()
    zone = c.utm_zone
    if zone and epsg:
        return _("Map projection: UTM zone {zone} (EPSG:{epsg})", zone=zone, epsg=epsg)
    if epsg:
        return _("Map projection: {name} (EPSG:{epsg})", name=c.name, epsg=epsg)
    return _("Map projection: {name}", name=c.name)


def map_figure(content: MapContent, *, title: str, subtitle: str | None = None, paper: str = "a4-landscape",
               source: str = DEFAULT_SOURCE, date: dt.date | None = None, tiles: str | None = None,
               tile_cache: str | Path | None = None, extent: tuple[float, float, float, float] | None = None,
               lang: str = "en", note: str | None = None) -> matplotlib.figure.Figure:
    """A map page: title, subtitle, map, legend, scale bar, north arrow, a note, source, date and CRS note.

    Parameters
    ----------
    content : MapContent
        The layers to draw; those left None (or with no located feature) are
        not drawn and get no legend entry, except an empty layer that was
        given, which the legend lists as "none".
    title, subtitle : str
        The header; long titles wrap onto two lines.
    paper : str
        One of :data:`~geo.printmap.PAPERS`. Text and symbols are scaled with
        the paper's short side (A3 type is 1.41 times A4's).
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
    note : str, optional
        A few sentences under the map and its legend, above the footer
        ("How to read this map: ..."), in ``lang`` from the caller: wrapped
        to the page width at the footer's type (never below 7 pt), at most
        six lines, the last cut with "…" if there is more. The map is made
        shorter to give it room (region ``"note"``).
    lang : {"en", "ru", "ky"}
        The language of every word the page draws besides ``title``,
        ``subtitle`` and ``source`` (given in it by the caller): legend,
        scale bar, north arrow, footer, numbers and the date. Settlements
        are labelled with their names in ``lang`` (``name_ru``, ``name_ky``,
        the stored ``name`` where those are empty) unless
        ``content.label_field`` names another column. A som sign (⃀) is
        written "сом" (:func:`~geo.printmap.style.printable`).

    Returns
    -------
    matplotlib.figure.Figure
        The page, with an Agg canvas, and the attributes ``koopsuz_regions``,
        ``koopsuz_labels`` and ``koopsuz_notes`` described in :mod:`geo.printmap`.

    Raises
    ------
    ValueError
        For an unknown paper, a malformed tile template or extent, a layer
        without a CRS or a needed column, or when there is nothing to draw.
    """
    page = paper_page(paper)
    template = tile_template(tiles)
    layers = _located_layers(content)
    if not any(len(f) for f in layers.values()) and content.density is None:
        given = [f for f in FRAMES if getattr(content, f) is not None]
        msg = ("nothing to draw: the map content has no layer" if not given
               else f"nothing to draw: {', '.join(given)} hold no located feature")
        raise ValueError(msg)
    window = None if extent is None else _check_extent(extent)
    _ = Tr(lang)
    with styled():
        fig = _draw_map(content, layers, page=page, title=printable(title, lang=_.lang),
                        subtitle=None if subtitle is None else printable(subtitle, lang=_.lang),
                        source=printable(source, lang=_.lang), date=date or dt.date.today(), template=template,
                        tile_cache=tile_cache, window=window, tr=_,
                        note=printable(note, lang=_.lang) if note and note.strip() else None)
    return fig


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


def _draw_map(content: MapContent, layers: dict[str, gpd.GeoDataFrame], *, page: Page, title: str,
              subtitle: str | None, source: str, date: dt.date, template: str | None,
              tile_cache: str | Path | None, window: tuple[float, float, float, float] | None, tr: Tr,
              note: str | None = None) -> matplotlib.figure.Figure:
    _ = tr
    fig = new_figure(page, title=title)
    measure = Measure()
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
    fs_title, fs_sub, fs_foot = SIZES["title"] * k, SIZES["subtitle"] * k, SIZES["footer"] * k
    title_lines = measure.lines(title, inner, fs_title, bold=True, most=2)
    sub_lines = measure.lines(subtitle, inner, fs_sub, most=2) if subtitle else []
    header = margin + len(title_lines) * fs_title * PT * 1.2 + (len(sub_lines) * fs_sub * PT * 1.3 + 1.5 * k
                                                                 if sub_lines else 0)
    projection = projection_text(crs, tr=_)

    # The footer (up to three lines, as many as it takes with or without the tile attribution: that is
    # known only once the tiles are fetched) and the header fix the body, map and legend.
    tile_line = tile_credit(template, lang=_.lang)

    def footer(credit: str | None) -> list[str]:
        parts = [_("Source: {source}", source=source), _("Map made with Koopsuz"), credit, projection,
                 _("Made on {date}", date=_.date(date))]
        return measure.lines(" · ".join(p for p in parts if p), inner, fs_foot, most=3)

    top = header + 4 * k
    foot_h = max(len(footer(None)), len(footer(tile_line))) * fs_foot * PT * 1.35
    # The note goes across the page under the map and legend, above the footer: the body gives up its height.
    fs_note = SIZES["map_note"] * k
    note_lines = measure.lines(note, inner, fs_note, most=_NOTE_LINES) if note else []
    note_h = len(note_lines) * fs_note * PT * 1.3 + 3 * k if note_lines else 0.0
    body_h = page.height - margin - foot_h - 3 * k - note_h - top

    # The layers are drawn in map metres, so before the frame is sized: a portrait legend takes the height
    # it needs under the map (the map keeps 55 to 80 % of the body).
    ax = fig.add_axes((0, 0, 1, 1))
    sections, boundary_symbol = draw_layers(ax, content, layers, metric, density, crs, k=k, lang=_.lang)
    if page.landscape:  # map on the left, legend on the right
        map_rect = (margin, top, 0.76 * page.width - margin, body_h)
        panel_left = margin + map_rect[2] + 6 * k
        panel = (panel_left, top, page.width - margin - panel_left, body_h)
    else:  # map on top, legend below
        need = legend_height(sections, width=inner, k=k, measure=measure, max_cols=3)
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
            img = basemap(template, tile_cache, crs, (xmin, ymin, xmax, ymax),
                          (map_rect[2] / 25.4, map_rect[3] / 25.4))
        except Exception as exc:  # noqa: BLE001 - any failure (network, HTTP, image, cache) means the vector base
            fig.koopsuz_notes.append(TILES_UNAVAILABLE.format(reason=_reason(exc)))
        else:
            ax.imshow(img, extent=(xmin, xmax, ymin, ymax), origin="upper", interpolation="bilinear",
                      zorder=0, aspect="auto")
            attribution = tile_line
    if attribution is None:  # the vector base: grey ground, the settlements light
        ax.set_facecolor(BASE_GROUND)
        if "boundaries" in metric:
            add_polygons(ax, metric["boundaries"].geometry, face=BASE_LAND, zorder=1)
    elif boundary_symbol is not None:
        boundary_symbol.face = "none"

    # Furniture: scale bar bottom-left, north arrow top-right, both inside the frame.
    centre = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True).transform((xmin + xmax) / 2, (ymin + ymax) / 2)
    factors = pyproj.Proj(crs).get_factors(*centre)
    to_fig = ax.transData + fig.transFigure.inverted()
    sb = scale_bar(ax, (xmin, ymin, xmax, ymax), mpm=mpm, k=k, scale_factor=factors.meridional_scale,
                   lang=_.lang)
    na = north_arrow(ax, (xmin, ymin, xmax, ymax), mpm=mpm, k=k, bearing=-factors.meridian_convergence,
                     lang=_.lang)
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
            elif content.label_field == "name":  # the names in the page's language, where the workspace has them
                # the name alone: a label sits inside its unit, so the map itself tells repeated names apart
                # (tooltips, tables and lists add the parent: geo.select.unit_labels)
                names = names.assign(name=place_names(names, _.lang))
            names = names.assign(name=names["name"].map(lambda v: v if pd.isna(v) else printable(v, lang=_.lang)))
            place_labels(fig, ax, names, fs=SIZES["label"] * k, avoid=[sb, na])

    # Legend panel and page text.
    lax = fig.add_axes(page.rect(*panel))
    lax.set_axis_off()
    lax.set_xlim(0, panel[2])
    lax.set_ylim(panel[3], 0)
    lax.set_autoscale_on(False)
    used = draw_legend(lax, sections, width=panel[2], height=panel[3], k=k, measure=measure,
                       max_cols=2 if page.landscape else 3, notes=fig.koopsuz_notes)
    regions["legend"] = page.box(panel[0] + used[0], panel[1] + used[1], panel[0] + used[2], panel[1] + used[3])

    pax = page_axes(fig, page)
    y = margin
    pax.text(margin, y, "\n".join(title_lines), fontproperties=font(fs_title, bold=True), va="top", ha="left",
             linespacing=1.1)
    y += len(title_lines) * fs_title * PT * 1.2
    if sub_lines:
        y += 1.5 * k
        pax.text(margin, y, "\n".join(sub_lines), fontproperties=font(fs_sub), va="top", ha="left", color="#404040",
                 linespacing=1.15)
    regions["title"] = page.box(margin, margin, page.width - margin, header)
    pax.plot([margin, page.width - margin], [header + 1.5 * k] * 2, color="#303030", lw=0.6 * k)

    if note_lines:
        note_top = top + body_h + 3 * k
        pax.text(margin, note_top, "\n".join(note_lines), fontproperties=font(fs_note), va="top", ha="left",
                 color="#202020", linespacing=1.3)
        regions["note"] = page.box(margin, note_top, page.width - margin,
                                   note_top + len(note_lines) * fs_note * PT * 1.3)
    foot_lines = footer(attribution)
    pax.text(margin, page.height - margin, "\n".join(foot_lines), fontproperties=font(fs_foot), va="bottom",
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
