"""Drawing each layer of a print map in map metres, and the legend section it gets.

Fills first, then lines, then points: rates, roads, density, Gi* cells,
coverage and proposed reach, gaps, boundaries, cameras, incidents, stations,
proposed sites. Polygons and lines go to matplotlib as one compound path per
style, built from shapely's coordinate arrays. Incident clouds of more than
:data:`RASTERIZE_POINTS` markers are rasterized in PDF and SVG, so a
100,000-incident PDF is a few hundred kB and fast to open, not 100,000
vector paths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import matplotlib
import matplotlib.axes
import numpy as np
import pandas as pd
import pyproj
import rasterio.warp
import shapely
from affine import Affine
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from geo import palette
from geo.i18n import N_, Tr
from geo.content import MapContent
from geo.crs import metric_xy
from geo.printmap.legend import Section, Symbol
from geo.printmap.style import (
    BASE_LAND,
    DENSITY_ALPHA,
    DENSITY_CMAP,
    DENSITY_FLOOR,
    INCIDENT_COLOR,
    OUTLINE,
    SIZES,
    font,
)
from geo.categories import categories_of
from geo.stats.density import DensityGrid

__all__ = ["RASTERIZE_POINTS", "STATION_MARKERS", "add_polygons", "draw_layers"]

RASTERIZE_POINTS = 5_000
# The rate titles MapContent and the report give, for the catalog: the legend translates ``rate_label``.
RATE_LABELS = (N_("Incidents per 100,000 a year"), N_("Incidents per 100,000 a year (Empirical Bayes)"))
STATION_MARKERS = {"headquarters": "s", "station": "s", "post": "^", "prevention_centre": "D"}


def draw_layers(ax: matplotlib.axes.Axes, content: MapContent, layers: dict[str, gpd.GeoDataFrame],
                metric: dict[str, gpd.GeoDataFrame], density: DensityGrid | None, crs: pyproj.CRS, *,
                k: float, lang: str = "en") -> tuple[list[Section], Symbol | None]:
    """Draw every layer in map order (fills, then lines, then points).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map, in ``crs`` metres.
    content : MapContent
    layers : dict
        Every frame given, with its located rows (empty ones included: the legend says "none").
    metric : dict
        The non-empty ones in ``crs``.
    density : DensityGrid, optional
    crs : pyproj.CRS
    k : float
        Type and symbol scale of the page.
    lang : {"en", "ru", "ky"}
        The legend's language.

    Returns
    -------
    sections : list of Section
        The legend, top to bottom.
    boundary_symbol : Symbol or None
        The boundaries' legend symbol: its fill is the vector base's, and the caller clears it when
        tiles are drawn instead.
    """
    _ = Tr(lang)
    legend: dict[str, Section] = {}

    def none(name: str, label: str) -> str:
        """``label``, with "(none)" after it when the layer was given but holds nothing."""
        return _("{layer} (none)", layer=label) if name in layers and name not in metric else label

    bounds = metric.get("boundaries")
    if "rates" in layers:
        legend["rates"] = _draw_rates(ax, metric.get("rates"), _(content.rate_label), k=k, tr=_)
    if "classes" in layers:
        legend["classes"] = _draw_classes(ax, metric.get("classes"), content, k=k, tr=_)

    if "roads" in layers:
        roads = metric.get("roads")
        if roads is not None:
            classes = (roads["road_class"].astype("string").fillna("") if "road_class" in roads
                       else pd.Series("", index=roads.index))
            for cls in sorted(set(classes), key=lambda c: palette.ROAD_WEIGHTS.get(c, 2)):  # big roads on top
                _add_lines(ax, roads.geometry[(classes == cls).to_numpy()], color=palette.ROAD_COLOR,
                           width=_road_width(cls, k), zorder=2 + palette.ROAD_WEIGHTS.get(cls, 2) / 10)
        legend["roads"] = Section(None, [(Symbol("line", edge=palette.ROAD_COLOR, width=_road_width("primary", k)),
                                          none("roads", _("Road")))])

    if density is not None:
        legend["density"] = _draw_density(ax, density, crs, tr=_)

    if "gi_cells" in layers:
        legend["gi_cells"] = _draw_gi(ax, metric.get("gi_cells"), k=k, tr=_)

    for name, color, label, dashed in (("coverage", palette.COVERED, _("Covered today"), False),
                                       ("proposed_areas", palette.PROPOSED, _("Reach of proposed sites"), True)):
        if name in layers:
            if name in metric:
                add_polygons(ax, [shapely.union_all(metric[name].geometry.to_numpy())],
                             face=mcolors.to_rgba(color, 0.18), edge=color, width=0.8 * k,
                             style="--" if dashed else "-", zorder=4)
            legend[name] = Section(None, [(Symbol("patch", face=mcolors.to_rgba(color, 0.18), edge=color,
                                                  width=0.8 * k, style="--" if dashed else "-"),
                                           none(name, label))])

    if "gaps" in layers:
        legend["gaps"] = _draw_gaps(ax, metric.get("gaps"), k=k, tr=_)

    boundary_symbol = None
    if "boundaries" in layers:
        if bounds is not None:
            add_polygons(ax, bounds.geometry, face="none", edge=OUTLINE, width=0.6 * k, zorder=5)
        boundary_symbol = Symbol("patch", face=BASE_LAND, edge=OUTLINE, width=0.6 * k)
        legend["boundaries"] = Section(None, [(boundary_symbol, none("boundaries", _("Settlement boundary")))])

    if "cameras" in layers:
        legend["cameras"] = _draw_cameras(ax, metric.get("cameras"), k=k, tr=_)
    if "incidents" in layers:
        legend["incidents"] = _draw_incidents(ax, metric.get("incidents"), k=k, tr=_)
    if "stations" in layers:
        legend["stations"] = _draw_stations(ax, metric.get("stations"), k=k, tr=_)
    if "proposed" in layers:
        legend["proposed"] = _draw_proposed(ax, metric.get("proposed"), k=k, tr=_)

    order = ("density", "gi_cells", "rates", "classes", "incidents", "proposed", "proposed_areas", "gaps", "coverage",
             "stations", "cameras", "roads", "boundaries")
    return [legend[n] for n in order if n in legend], boundary_symbol


def _xy(points: gpd.GeoDataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    # The frame is already in the map's CRS: no transform, only the points' coordinates (and the check).
    x, y, __ = metric_xy(points, points.crs, what=name)
    return x, y


def _road_width(cls: str, k: float) -> float:
    return 0.3 * k * palette.ROAD_WEIGHTS.get(cls, 2)


def _draw_rates(ax: matplotlib.axes.Axes, rates: gpd.GeoDataFrame | None, label: str, *, k: float,
                tr: Tr) -> Section:
    _ = tr
    if rates is None:
        return Section(label, [(Symbol("patch", face=palette.NO_DATA, edge=OUTLINE, width=0.4 * k), _("none"))])
    if "value" not in rates:
        msg = "rates needs a numeric 'value' column (incidents per 100,000)"
        raise ValueError(msg)
    try:
        values = rates["value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        msg = "rates' 'value' column must be numeric"
        raise ValueError(msg) from None
    cls, bins = palette.rate_classes(values)
    ramp = palette.class_colors(len(bins))
    rows = []
    geoms = rates.geometry.to_numpy()
    # the bounds with as many figures as make them differ, as on the web map; a class of one value is that value
    texts = palette.class_texts(float(np.nanmin(values)), bins, lang=_.lang) if bins else []
    for i, (color, text) in enumerate(zip(ramp, texts, strict=True)):
        add_polygons(ax, geoms[cls == i], face=mcolors.to_rgba(color, 0.8), edge="#444444", width=0.3 * k, zorder=1.5)
        rows.append((Symbol("patch", face=mcolors.to_rgba(color, 0.8), edge="#444444", width=0.3 * k), text))
    if (cls < 0).any():
        add_polygons(ax, geoms[cls < 0], face=palette.NO_DATA, edge="#444444", width=0.3 * k, zorder=1.5)
        rows.append((Symbol("patch", face=palette.NO_DATA, edge="#444444", width=0.3 * k), _("No population")))
    return Section(label, rows)


def _draw_classes(ax: matplotlib.axes.Axes, frame: gpd.GeoDataFrame | None, content: MapContent, *, k: float,
                  tr: Tr) -> Section:
    """Named classes, each in its colour; the legend lists every class of ``class_labels`` in its order."""
    _ = tr
    colors, labels = content.class_colors or {}, content.class_labels or {}
    title = _(content.class_title) if content.class_title else None
    if frame is None:
        return Section(title, [(Symbol("patch", face=palette.NO_DATA, edge=OUTLINE, width=0.4 * k), _("none"))])
    if "class" not in frame:
        msg = "classes needs a 'class' column"
        raise ValueError(msg)
    classes = frame["class"].astype("string").fillna("").to_numpy()
    geoms = frame.geometry.to_numpy()
    rows = []
    for key in dict.fromkeys([*labels, *classes]):
        face = mcolors.to_rgba(colors.get(key, palette.NO_DATA), 0.8)
        add_polygons(ax, geoms[classes == key], face=face, edge="#444444", width=0.3 * k, zorder=1.5)
        rows.append((Symbol("patch", face=face, edge="#444444", width=0.3 * k), _(labels.get(key, key) or key)))
    return Section(title, rows)


def _draw_density(ax: matplotlib.axes.Axes, grid: DensityGrid, crs: pyproj.CRS, *, tr: Tr) -> Section:
    _ = tr
    values, bounds = np.asarray(grid.values, dtype=float), grid.bounds
    if pyproj.CRS.from_user_input(grid.crs) != pyproj.CRS.from_user_input(crs):
        values, bounds = _warp_values(values, grid.transform, grid.crs, crs)
    top = float(np.nanmax(values)) if values.size and np.isfinite(values).any() else 0.0
    if top > 0:
        shown = np.ma.masked_where(~(values > DENSITY_FLOOR * top), values)
        cmap = matplotlib.colormaps[DENSITY_CMAP].with_extremes(bad=(0, 0, 0, 0))
        ax.imshow(shown, cmap=cmap, norm=mcolors.Normalize(0, top), alpha=DENSITY_ALPHA, origin="upper",
                  extent=(bounds[0], bounds[2], bounds[1], bounds[3]), interpolation="bilinear",
                  interpolation_stage="rgba", zorder=3, aspect="auto")
    return Section(_("Density (kernel density)"), [(Symbol("colorbar", vmax=top, lang=_.lang),
                                                     _("incidents per km²"))])


def _warp_values(values: np.ndarray, transform: Affine, src_crs: pyproj.CRS, dst_crs: pyproj.CRS,
                 ) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A north-up grid in another CRS, on a north-up grid of the same cell size in ``dst_crs``."""
    rows, cols = values.shape
    cell = abs(transform.a)
    src_bounds = (transform.c, transform.f - rows * cell, transform.c + cols * cell, transform.f)
    west, south, east, north = pyproj.Transformer.from_crs(src_crs, dst_crs, always_xy=True).transform_bounds(
        *src_bounds, densify_pts=21)
    width, height = math.ceil((east - west) / cell), math.ceil((north - south) / cell)
    dst_transform = Affine(cell, 0, west, 0, -cell, north)
    out = np.full((height, width), np.nan)
    rasterio.warp.reproject(values, out, src_transform=transform, src_crs=src_crs, dst_transform=dst_transform,
                            dst_crs=dst_crs, src_nodata=np.nan, dst_nodata=np.nan,
                            resampling=rasterio.warp.Resampling.bilinear)
    return out, (west, north - height * cell, west + width * cell, north)


def _draw_gi(ax: matplotlib.axes.Axes, cells: gpd.GeoDataFrame | None, *, k: float, tr: Tr) -> Section:
    _ = tr
    title = _("Hot spots (Gi*)")
    if cells is None:
        return Section(title, [(Symbol("patch", face=palette.BIN_COLORS[0]), _("No cells"))])
    if "gi_bin" not in cells:
        msg = "gi_cells needs a 'gi_bin' column (-3..3), as geo.stats.hotspots.hotspots gives"
        raise ValueError(msg)
    bins = cells["gi_bin"].astype("Int64").fillna(0).to_numpy(dtype=int)
    rows = []
    geoms = cells.geometry.to_numpy()
    # Not-significant cells are left out, as on the web map: they would grey out the whole study area.
    for b in (3, 2, 1, -1, -2, -3):
        if (bins == b).any():
            face = mcolors.to_rgba(palette.BIN_COLORS[b], 0.75)
            add_polygons(ax, geoms[bins == b], face=face, edge=palette.BIN_COLORS[b], width=0.2 * k, zorder=3.5)
            rows.append((Symbol("patch", face=face, edge=palette.BIN_COLORS[b], width=0.2 * k),
                         _(palette.BIN_LABELS[b])))
    if not rows:
        rows.append((Symbol("patch", face=mcolors.to_rgba(palette.BIN_COLORS[0], 0.75)),
                     _("No significant hot or cold spot")))
    return Section(title, rows)


def _draw_gaps(ax: matplotlib.axes.Axes, gaps: gpd.GeoDataFrame | None, *, k: float, tr: Tr) -> Section:
    _ = tr
    sym = Symbol("patch", face=mcolors.to_rgba(palette.GAP, 0.35), edge=palette.GAP, width=0.9 * k, style="--")
    label = _("Coverage gap (none found)") if gaps is None else _("Coverage gap")
    if gaps is not None:
        add_polygons(ax, gaps.geometry, face=sym.face, edge=sym.edge, width=sym.width, style="--", zorder=4.5)
        if "gap_id" in gaps:
            label = _("Coverage gap, numbered by rank")
            pts = gaps.geometry.representative_point()
            for gid, p in zip(gaps["gap_id"], pts, strict=True):
                ax.text(p.x, p.y, f"{gid}", fontproperties=font(SIZES["marker_label"] * k, bold=True),
                        color=palette.GAP,
                        ha="center", va="center", zorder=12, clip_on=True,
                        path_effects=[patheffects.withStroke(linewidth=2.2 * k, foreground="white")])
    return Section(None, [(sym, label)])


def _draw_incidents(ax: matplotlib.axes.Axes, inc: gpd.GeoDataFrame | None, *, k: float, tr: Tr) -> Section:
    _ = tr
    if inc is None:
        return Section(_("Incidents"), [(Symbol("marker", face=INCIDENT_COLOR, size=3 * k), _("none"))])
    n = len(inc)
    size = (3.6 if n <= 500 else 2.4 if n <= RASTERIZE_POINTS else 1.5) * k  # marker diameter, points
    x, y = _xy(inc, "incidents")
    if "category" not in inc:
        groups = [(INCIDENT_COLOR, _("Incident"), np.ones(n, dtype=bool))]
    else:
        cat = inc["category"].astype("string").fillna("other").to_numpy(dtype=object)
        names = categories_of(inc)  # the workspace's own list, which the incidents carry
        cat = np.where(np.isin(cat, names.keys), cat, "other")
        groups = [(palette.category_color(c, categories=names), names.label(c, _), cat == c) for c in names.keys]
        groups = [g for g in groups if g[2].any()]
    # The commonest category underneath, so the rare ones show; one Line2D per category (Agg draws
    # uniform markers much faster than a scatter's collection).
    for color, __, mask in sorted(groups, key=lambda g: -int(g[2].sum())):
        line = Line2D(x[mask], y[mask], linestyle="none", marker="o", markersize=size, markerfacecolor=color,
                      markeredgewidth=0, alpha=0.85, zorder=7)
        line.set_rasterized(n > RASTERIZE_POINTS)
        ax.add_line(line)
    rows = [(Symbol("marker", face=color, size=max(size, 3.5 * k), marker="o"), f"{label} ({_.int(int(m.sum()))})")
            for color, label, m in groups]
    return Section(_("Incidents ({n})", n=_.int(n)), rows)


def _draw_stations(ax: matplotlib.axes.Axes, st: gpd.GeoDataFrame | None, *, k: float, tr: Tr) -> Section:
    _ = tr
    if st is None:
        return Section(_("Police"), [(Symbol("marker", face=palette.STATION_COLORS["station"], marker="s",
                                             size=5 * k), _("none"))])
    kinds = (st["kind"].astype("string").fillna("station") if "kind" in st else pd.Series("station", index=st.index))
    kinds = kinds.where(kinds.isin(list(palette.STATION_LABELS)), "station").to_numpy(dtype=object)
    x, y = _xy(st, "stations")
    rows = []
    for kind in palette.STATION_LABELS:
        mask = kinds == kind
        if not mask.any():
            continue
        size = (7.5 if kind == "headquarters" else 5.5) * k
        sym = Symbol("marker", face=palette.STATION_COLORS[kind], edge="white", width=0.7 * k,
                     marker=STATION_MARKERS[kind], size=size)
        ax.add_line(Line2D(x[mask], y[mask], linestyle="none",
                           marker=sym.marker, markersize=size, markerfacecolor=sym.face, markeredgecolor="white",
                           markeredgewidth=sym.width, zorder=9))
        rows.append((sym, _(palette.STATION_LABELS[kind])))
    return Section(_("Police"), rows)


def _draw_cameras(ax: matplotlib.axes.Axes, cams: gpd.GeoDataFrame | None, *, k: float, tr: Tr) -> Section:
    _ = tr
    sym = Symbol("marker", face=palette.CAMERA_COLOR, edge="#08306b", width=0.5 * k, size=3.5 * k)
    if cams is None:
        return Section(None, [(sym, _("{layer} (none)", layer=_("Video camera")))])
    x, y = _xy(cams, "cameras")
    rows = [(sym, _("Video camera"))]
    if "direction_deg" in cams:
        from geo.coverage import (
            camera_sectors,  # the coverage module is heavy (networkx): only when needed
        )

        aimed = cams[cams["direction_deg"].notna().to_numpy()]
        if len(aimed):
            sectors = camera_sectors(aimed).to_crs(cams.crs)
            face = mcolors.to_rgba(palette.CAMERA_COLOR, 0.25)
            add_polygons(ax, [shapely.union_all(sectors.geometry.to_numpy())], face=face,
                         edge=palette.CAMERA_COLOR, width=0.4 * k, zorder=6)
            rows.append((Symbol("patch", face=face, edge=palette.CAMERA_COLOR, width=0.4 * k),
                         _("What the cameras see")))
    ax.add_line(Line2D(x, y, linestyle="none", marker="o",
                       markersize=sym.size, markerfacecolor=sym.face, markeredgecolor=sym.edge,
                       markeredgewidth=sym.width, zorder=8))
    return Section(None, rows)


def _draw_proposed(ax: matplotlib.axes.Axes, sites: gpd.GeoDataFrame | None, *, k: float, tr: Tr) -> Section:
    _ = tr
    # Big enough for a rank number at the smallest print size inside it.
    sym = Symbol("marker", face=palette.PROPOSED, edge="white", width=0.8 * k, size=11 * k)
    if sites is None:
        return Section(None, [(sym, _("{layer} (none)", layer=_("Proposed site")))])
    x, y = _xy(sites, "proposed")
    ax.add_line(Line2D(x, y, linestyle="none", marker="o", markersize=sym.size, markerfacecolor=sym.face,
                       markeredgecolor="white", markeredgewidth=sym.width, zorder=10))
    label = _("Proposed site")
    if "rank" in sites:
        label = _("Proposed site, numbered by rank")
        for r, px, py in zip(sites["rank"], x, y, strict=True):
            if pd.notna(r):
                ax.text(px, py, f"{int(r)}", fontproperties=font(SIZES["marker_label"] * k, bold=True), color="white",
                        ha="center", va="center_baseline", zorder=11, clip_on=True)
    return Section(None, [(sym, label)])


# --------------------------------------------------------------------------- geometries as paths


def add_polygons(ax: matplotlib.axes.Axes, geoms: Sequence[shapely.Geometry] | np.ndarray | gpd.GeoSeries, *,
                 face: object, edge: object = "none", width: float = 0.0, style: str = "-",
                 zorder: float = 1) -> None:
    """Every polygon of ``geoms`` (holes kept) as one patch; other geometry types are skipped."""
    path = _polygon_path(geoms.to_numpy() if isinstance(geoms, gpd.GeoSeries) else geoms)
    if path is not None:
        # add_artist, not add_patch: the extent is set by hand, and add_patch would walk every Bézier segment
        # of the path to update data limits (4.6 of 5 s for Chicago's 77 community areas).
        ax.add_artist(PathPatch(path, facecolor=face, edgecolor=edge, linewidth=width, linestyle=style,
                                joinstyle="round", zorder=zorder))


def _add_lines(ax: matplotlib.axes.Axes, geoms: gpd.GeoSeries, *, color: str, width: float, zorder: float) -> None:
    parts = shapely.get_parts(geoms.to_numpy())
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2)) & ~shapely.is_empty(parts)]
    if len(parts):
        coords, index = shapely.get_coordinates(parts, return_index=True)
        ax.add_artist(PathPatch(_coords_path(coords, index, closed=False), facecolor="none", edgecolor=color,
                               linewidth=width, capstyle="round", joinstyle="round", zorder=zorder))


def _polygon_path(geoms: Sequence[shapely.Geometry] | np.ndarray) -> MplPath | None:
    """One compound path of every polygon (holes kept), in the geometries' coordinates."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[(shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)]
    if len(parts) == 0:
        return None
    # Exteriors anticlockwise, holes clockwise: holes stay holes under any fill rule.
    rings = shapely.get_rings(shapely.orient_polygons(parts))
    coords, index = shapely.get_coordinates(rings, return_index=True)
    return _coords_path(coords, index, closed=True)


def _coords_path(coords: np.ndarray, index: np.ndarray, *, closed: bool) -> MplPath:
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    codes[starts] = MplPath.MOVETO
    if closed:
        codes[np.r_[starts[1:] - 1, len(coords) - 1]] = MplPath.CLOSEPOLY
    return MplPath(coords, codes)
