"""Map furniture drawn inside the frame: scale bar, north arrow and settlement names.

matplotlib has none, and the packages that add some (matplotlib-scalebar)
are not in the requirements; a few dozen lines each also do what those would
not: the scale bar is corrected for the UTM point scale factor, so it
measures true ground distance at the map centre, and the north arrow is
turned by the meridian convergence, so it points to true north, not grid
north.
"""

from __future__ import annotations

import math

import geopandas as gpd
import matplotlib.axes
import matplotlib.figure
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.patches import Polygon, Rectangle
from matplotlib.transforms import Bbox
from shapely.ops import polylabel

from geo.i18n import Tr
from geo.printmap.style import PT, SIZES, fmt_num, font

__all__ = ["LABEL_AREA_MM2", "label_anchors", "nice_length", "north_arrow", "place_labels", "scale_bar"]


def nice_length(target: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``target`` (> 0)."""
    exp = 10.0 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * exp <= target * (1 + 1e-9):
            return m * exp
    return exp


def scale_bar(ax: matplotlib.axes.Axes, extent: tuple[float, float, float, float], *, mpm: float, k: float,
              scale_factor: float, lang: str = "en") -> tuple[float, float, float, float]:
    """An alternating black and white bar of a round ground length, bottom left; returns its box (map units).

    ``mpm`` is map metres per mm of paper, ``scale_factor`` the projection's point scale factor at the map
    centre (grid metres per ground metre). The numbers and the unit are in ``lang``: "2 km", "2 км".
    """
    _ = Tr(lang)
    xmin, ymin, xmax, __ = extent
    ground = nice_length(0.2 * (xmax - xmin) / scale_factor)
    km = ground >= 1000
    div = 1000.0 if km else 1.0
    lead = round(ground / 10 ** math.floor(math.log10(ground)))
    segments = 5 if lead == 5 else 4
    length = ground * scale_factor  # grid metres on the map
    fs = SIZES["scalebar"] * k
    bar_h = 1.4 * k * mpm
    pad = 2.0 * k * mpm
    text_h = fs * PT * 1.2 * mpm
    x0 = xmin + 4 * k * mpm + pad
    y0 = ymin + 4 * k * mpm + pad
    whole = fmt_num(ground / div, lang=_.lang)
    last = _("{n} km", n=whole) if km else _("{n} m", n=whole)
    # Room right of the bar for the last label, which starts at the bar's end ("5 000 m" is 7 characters).
    tail = max(4, len(last) * 0.6) * fs * PT * mpm
    box = (x0 - pad, y0 - pad, x0 + length + pad + tail, y0 + bar_h + 1.0 * k * mpm + text_h + pad)
    ax.add_patch(Rectangle((box[0], box[1]), box[2] - box[0], box[3] - box[1], facecolor=(1, 1, 1, 0.85),
                           edgecolor="none", zorder=20))
    step = length / segments
    for i in range(segments):
        ax.add_patch(Rectangle((x0 + i * step, y0), step, bar_h, facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.5 * k, zorder=21))
    ticks = [(0.0, "0"), (length / 2, fmt_num(ground / 2 / div, lang=_.lang)), (length, last)]
    for dx, text in ticks:
        ax.text(x0 + dx, y0 + bar_h + 1.0 * k * mpm, text, fontproperties=font(fs), ha="left" if dx == length
                else "center", va="bottom", zorder=22, clip_on=True)
    return box


def north_arrow(ax: matplotlib.axes.Axes, extent: tuple[float, float, float, float], *, mpm: float, k: float,
                bearing: float, lang: str = "en") -> tuple[float, float, float, float]:
    """A two-tone arrow with north's letter ("N", "С", "Т"), top right, turned ``bearing`` degrees clockwise
    from grid north."""
    _ = Tr(lang)
    __, __, xmax, ymax = extent
    length, half_w = 11 * k, 3.2 * k  # mm
    fs = SIZES["north"] * k
    pad = 2 * k
    # Box: the arrow (any small turn) plus the letter above it, in mm from the box's top-right corner.
    box_w = 2 * half_w + 2 * pad + 2 * k
    box_h = length + fs * PT * 1.3 + 2 * pad
    right, top = xmax - 4 * k * mpm, ymax - 4 * k * mpm
    box = (right - box_w * mpm, top - box_h * mpm, right, top)
    ax.add_patch(Rectangle((box[0], box[1]), box[2] - box[0], box[3] - box[1], facecolor=(1, 1, 1, 0.85),
                           edgecolor="none", zorder=20))
    cx = (box[0] + box[2]) / 2
    cy = box[1] + (pad + length / 2) * mpm
    b = math.radians(bearing)

    def at(u: float, v: float) -> tuple[float, float]:  # u across, v along the arrow, mm
        return cx + (u * math.cos(b) + v * math.sin(b)) * mpm, cy + (-u * math.sin(b) + v * math.cos(b)) * mpm

    tip, notch = at(0, length / 2), at(0, -length / 4)
    ax.add_patch(Polygon([tip, at(-half_w, -length / 2), notch], closed=True, facecolor="black", edgecolor="black",
                         linewidth=0.5 * k, zorder=21))
    ax.add_patch(Polygon([tip, at(half_w, -length / 2), notch], closed=True, facecolor="white", edgecolor="black",
                         linewidth=0.5 * k, zorder=21))
    nx, ny = at(0, length / 2 + 0.8 * k)
    ax.text(nx, ny, _.ctx("north arrow", "N"), fontproperties=font(fs, bold=True), ha="center", va="bottom",
            zorder=22, clip_on=True)
    return box


# At most one name per this many mm² of map frame: a page of hundreds of small units names the largest few
# dozen (an A4 landscape frame holds about 120) and leaves the rest to the tables.
LABEL_AREA_MM2 = 300.0


def label_anchors(geoms: gpd.GeoSeries) -> list[shapely.Point | None]:
    """Where each polygon's name goes: the visual centre of its largest part (the pole of inaccessibility, as
    QGIS and the web map's names place it), not the centroid, which may fall outside a crescent-shaped unit.

    ``geoms`` should be in metres (a UTM zone); a missing or empty geometry gives None, a line or point its
    representative point.
    """
    out: list[shapely.Point | None] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            out.append(None)
            continue
        part = max(shapely.get_parts(geom), key=lambda g: g.area) if geom.geom_type.startswith("Multi") else geom
        if part.geom_type != "Polygon" or part.area <= 0:
            out.append(part.representative_point())
            continue
        out.append(polylabel(part, tolerance=max(math.sqrt(part.area) / 200.0, 1e-6)))
    return out


def place_labels(fig: matplotlib.figure.Figure, ax: matplotlib.axes.Axes, units: gpd.GeoDataFrame, *, fs: float,
                 avoid: list[tuple[float, float, float, float]], most: int | None = None) -> None:
    """Settlement names, largest unit first, each only where it fits: inside its unit, inside the frame, clear
    of the names already placed and of the furniture.

    A name is drawn at its unit's visual centre (:func:`label_anchors`) and kept only when its box (measured by
    the renderer, with a 1 mm margin) touches no name already placed nor ``avoid`` (boxes in map units), lies in
    the map frame, and lies inside its unit (with half a millimetre of slack for the halo): small units are
    left unnamed rather than covered by a name larger than they are. At most ``most`` names are placed
    (by default one per :data:`LABEL_AREA_MM2` of the frame), so that names never cover the map. Each name
    placed is added to ``fig.koopsuz_labels`` with its box in figure coordinates.
    """
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [Bbox(ax.transData.transform([(b[0], b[1]), (b[2], b[3])])) for b in avoid]
    names = units["name"].astype("string")
    geoms = units.geometry
    areas = geoms.area.to_numpy()
    anchors = label_anchors(geoms)
    px_per_mm = fig.dpi / 25.4
    if most is None:
        most = max(1, int(frame.width / px_per_mm * frame.height / px_per_mm / LABEL_AREA_MM2))
    # Largest first; ties by name, then by row, so the same input places the same labels.
    order = sorted(range(len(units)), key=lambda i: (-areas[i], str(names.iloc[i]), i))
    halo = [patheffects.withStroke(linewidth=2.4 * fs / 7, foreground="white")]
    pad = 1.0 * px_per_mm  # 1 mm between labels
    to_data = ax.transData.inverted()
    slack = abs(to_data.transform((0.5 * px_per_mm, 0))[0] - to_data.transform((0, 0))[0])  # 0.5 mm in map units
    to_fig = fig.transFigure.inverted()
    placed = 0
    for i in order:
        if placed >= most:
            break
        name, p = names.iloc[i], anchors[i]
        if pd.isna(name) or not str(name).strip() or p is None:
            continue
        t = ax.text(p.x, p.y, str(name), fontproperties=font(fs, bold=True), color="#222222", ha="center",
                    va="center", zorder=13, path_effects=halo, clip_on=True)
        box = t.get_window_extent(renderer)
        inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1)
        padded = box.padded(pad)
        (x0, y0), (x1, y1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
        fits = areas[i] > 0 and geoms.iloc[i].buffer(slack).contains(shapely.box(x0, y0, x1, y1))
        if not inside or not fits or any(padded.overlaps(o) for o in taken):
            t.remove()
            continue
        taken.append(padded)
        placed += 1
        f = box.transformed(to_fig)
        fig.koopsuz_labels.append((str(name), (float(f.x0), float(f.y0), float(f.x1), float(f.y1))))
