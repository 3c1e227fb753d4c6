"""Colours and labels that print maps share with the web maps.

One place for the cartographic conventions, so a district is the same colour
in the browser (``layers/``) and on paper (:mod:`geo.printmap`). Values only:
no matplotlib, no folium. The colours are hex strings both understand.

Where they come from:

* incident categories: ColorBrewer Set1/Dark2 family, readable on light tiles;
* rates: ColorBrewer YlOrRd, 5 classes (natural breaks, light to dark);
* density surfaces: ColorBrewer YlOrRd, 9 classes, interpolated in 256 steps
  exactly as matplotlib's ``"YlOrRd"`` colormap does, so the web overlay
  (which must not load matplotlib) matches the printed map;
* Gi* bins: ArcGIS Pro's hot spot renderer and its class names;
* LISA clusters: GeoDa's cluster map colours;
* coverage: blue covered today, red gaps, green proposed.
"""

from __future__ import annotations

import colorsys
import math
import warnings
import zlib
from collections.abc import Sequence

import numpy as np

from geo.i18n import N_, Tr
from geo.categories import CategoryList

__all__ = [
    "BIN_COLORS", "BIN_LABELS", "CAMERA_COLOR", "CATEGORY_COLORS", "COVERAGE_LABELS", "COVERED", "GAP",
    "category_color", "category_colors", "EMERGING_COLORS", "EMERGING_LABELS", "EMERGING_MEANINGS",
    "FORECAST_COLORS", "KNOX_COLORS", "KERNEL_LABELS", "LISA_COLORS", "LISA_LABELS",
    "NO_DATA", "PROPOSED", "ROAD_COLOR", "ROAD_WEIGHTS", "STATION_COLORS", "STATION_ICONS", "STATION_LABELS",
    "YLORRD5", "break_texts", "class_colors", "class_texts", "density_rgba", "rate_classes",
]

# Categorical palette (ColorBrewer Set1/Dark2 family), readable on light tiles: the default list's keys.
CATEGORY_COLORS: dict[str, str] = {
    "public_order": "#e41a1c",
    "burglary": "#377eb8",
    "road_traffic": "#ff7f00",
    "juvenile": "#984ea3",
    "livestock_theft": "#a65628",
    "domestic_violence": "#f781bf",
    "extremism": "#1b1b1b",
    "theft": "#4daf4a",
    "robbery": "#b2182b",
    "violence": "#c51b7d",
    "sexual_offences": "#6a3d9a",
    "fraud": "#17becf",
    "drugs": "#1b7837",
    "vehicle_crime": "#08306b",
    "vandalism": "#bcbd22",
    "weapons": "#8c6d31",
    "other": "#7f7f7f",
}


def _generated_color(key: str) -> str:
    """A stable colour for a category of the workspace's own: a hue from the key, mid saturation and lightness."""
    h = (zlib.crc32(key.encode("utf-8")) % 360) / 360.0
    r, g, b = colorsys.hls_to_rgb(h, 0.42, 0.65)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def category_color(key: str, *, categories: CategoryList | None = None) -> str:
    """The colour of a category: the list's own, the default key's, else one generated from the key."""
    c = categories.get(key) if categories is not None else None
    if c is not None and c.colour:
        return c.colour
    return CATEGORY_COLORS.get(key) or _generated_color(str(key))


def category_colors(categories: CategoryList | None = None) -> dict[str, str]:
    """Every category's colour, in list order (the default list when not given)."""
    lst = CategoryList.of(categories)
    return {k: category_color(k, categories=lst) for k in lst.keys}


# Sequential ramp for rates (ColorBrewer YlOrRd, 5 classes).
YLORRD5 = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#d9d9d9"

# ColorBrewer YlOrRd, 9 classes, as matplotlib's _cm.py lists it (RGB, 0 to 1), and
# the size of the lookup table matplotlib builds from it (rcParams["image.lut"]).
_YLORRD9 = (
    (1.0, 1.0, 0.8),
    (1.0, 0.92941176470588238, 0.62745098039215685),
    (0.99607843137254903, 0.85098039215686272, 0.46274509803921571),
    (0.99607843137254903, 0.69803921568627447, 0.29803921568627451),
    (0.99215686274509807, 0.55294117647058827, 0.23529411764705882),
    (0.9882352941176471, 0.30588235294117649, 0.16470588235294117),
    (0.8901960784313725, 0.10196078431372549, 0.10980392156862745),
    (0.74117647058823533, 0.0, 0.14901960784313725),
    (0.50196078431372548, 0.0, 0.14901960784313725),
)
_LUT_SIZE = 256

# kind -> (Leaflet marker colour name, Font Awesome icon), for the web markers.
STATION_ICONS: dict[str, tuple[str, str]] = {
    "headquarters": ("darkblue", "building-shield"),
    "station": ("blue", "shield-halved"),
    "post": ("cadetblue", "flag"),
    "prevention_centre": ("green", "people-group"),
}
# kind -> the hex colour of that Leaflet marker colour (the web legend's swatches).
STATION_COLORS: dict[str, str] = {
    "headquarters": "#0e3d6b",
    "station": "#38aadd",
    "post": "#436978",
    "prevention_centre": "#72b026",
}
STATION_LABELS = {
    "headquarters": N_("Police headquarters"),
    "station": N_("Police station"),
    "post": N_("Police post"),
    "prevention_centre": N_("Crime-prevention centre"),
}

# Line weight by road class, in web pixels (print maps scale them to points).
ROAD_WEIGHTS = {"motorway": 5, "primary": 4, "secondary": 3, "tertiary": 2, "residential": 1}
ROAD_COLOR = "#6e6e6e"

CAMERA_COLOR = "#2c7fb8"

# ArcGIS Pro's hot spot renderer, by Gi_Bin.
BIN_COLORS = {3: "#d62f27", 2: "#ed7551", 1: "#fab984", 0: "#eeeeee", -1: "#c0ccbe", -2: "#849eba", -3: "#4575b5"}
BIN_LABELS = {3: N_("Hot spot, confidence 99%"), 2: N_("Hot spot, confidence 95%"), 1: N_("Hot spot, confidence 90%"),
              0: N_("Not significant"), -1: N_("Cold spot, confidence 90%"), -2: N_("Cold spot, confidence 95%"),
              -3: N_("Cold spot, confidence 99%")}

# Local Moran's I clusters (GeoDa).
LISA_COLORS = {"HH": "#d7191c", "HL": "#fdae61", "LH": "#abd9e9", "LL": "#2c7bb6",
               "not significant": "#eeeeee", "no population": "#bdbdbd", "no neighbours": "#d9d9d9"}
LISA_LABELS = {"HH": N_("High-high (hot cluster)"), "HL": N_("High-low (outlier)"), "LH": N_("Low-high (outlier)"),
               "LL": N_("Low-low (cold cluster)"), "not significant": N_("Not significant"),
               "no population": N_("No population"), "no neighbours": N_("No neighbours")}

# Coverage: what stations reach today, the gaps between them, the proposed sites.
# perceived against recorded (geo.evaluate.perception): a 2 x 2 bivariate scheme (Stevens), grey where unknown
PERCEPTION_COLORS = {"high_both": "#574249", "high_perceived": "#c85a5a", "high_recorded": "#64acbe",
                     "low_both": "#e8e8e8", "": "#bdbdbd"}
# the areas of an evaluation (geo.evaluate): treated, its displacement ring, the control
EVALUATION_COLORS = {"treated": "#d95f02", "ring": "#e6ab02", "control": "#1b9e77"}
EVALUATION_LABELS = {"treated": N_("Treated area"), "ring": N_("Displacement ring"), "control": N_("Control area")}
COVERED = "#3182bd"
GAP = "#de2d26"
PROPOSED = "#31a354"
COVERAGE_LABELS = {"covered": N_("Covered by existing sites"), "proposed": N_("Proposed new sites and their reach"),
                   "gap": N_("Coverage gaps (dense and uncovered)")}

# Density kernels (geo.stats.density.KERNELS) in plain words, shown in brackets after the search radius.
KERNEL_LABELS = {"quartic": N_("quartic"), "gaussian": N_("Gaussian"), "epanechnikov": N_("Epanechnikov"),
                 "triangular": N_("triangular"), "uniform": N_("uniform")}


def class_colors(k: int) -> list[str]:
    """``k`` colours of :data:`YLORRD5` spread over the whole ramp, light to dark.

    Fewer classes than the ramp's five skip colours rather than take the
    lightest ones, so the top class is always the darkest red.
    """
    if k <= 1:
        return [YLORRD5[2]] * k
    return [YLORRD5[round(i * (len(YLORRD5) - 1) / (k - 1))] for i in range(k)]


def rate_classes(values: np.ndarray, *, k: int = 5) -> tuple[np.ndarray, list[float]]:
    """Fisher-Jenks (natural breaks) class per value (-1 for NaN) and each class's upper bound.

    The classes of every rates choropleth, web and print, so that both show
    the same breaks. Fewer distinct values than ``k`` give fewer classes.
    """
    r = np.asarray(values, dtype=float)
    ok = np.isfinite(r)
    cls = np.full(len(r), -1)
    vals = r[ok]
    if vals.size == 0:
        return cls, []
    k = int(min(k, len(np.unique(vals))))
    if k <= 1:
        cls[ok] = 0
        return cls, [float(vals.max())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed": the pure version is fast enough here
        import mapclassify  # here, not at the top: mapclassify loads matplotlib, which the web maps never need

        fj = mapclassify.FisherJenks(vals, k=k)
    cls[ok] = fj.yb
    return cls, [float(b) for b in fj.bins]


def break_texts(values: Sequence[float], *, lang: str = "en", integer: bool = False, figures: int = 2) -> list[str]:
    """Class breaks as numbers a reader can tell apart, in ``lang``'s form: every legend's numbers, web and print.

    Each number keeps its whole part and at least ``figures`` significant figures (0.012, 0.5, 12, 1,341);
    where two different values would still read the same ("up to 0.1, up to 0.1"), every number gets one
    more figure until they differ (at most six). ``integer`` (counts of people or incidents) writes whole
    numbers. Trailing zeros are dropped (0.05, not 0.050); NaN or infinite gives "–".

    Examples
    --------
    >>> break_texts([0.0125, 0.05, 0.0875, 0.1, 0.1125])
    ['0.013', '0.05', '0.087', '0.1', '0.11']
    >>> break_texts([1341.2, 25000], lang="ru")
    ['1 341', '25 000']
    """
    from babel import numbers as bnumbers  # here: the web maps import this module, babel is loaded anyway

    locale = Tr(lang).locale
    vals = [float(v) for v in values]

    def text(v: float, sig: int) -> str:
        if not math.isfinite(v):
            return "–"
        digits = 0 if integer or v == 0 else max(0, sig - 1 - math.floor(math.log10(abs(v))))
        fmt = "#,##0" + ("." + "#" * digits if digits else "")
        return bnumbers.format_decimal(round(v, digits), format=fmt, locale=locale, decimal_quantization=True)

    for sig in range(max(1, figures), 7):
        out = [text(v, sig) for v in vals]
        distinct = all(a != b or x == y for (a, x), (b, y) in zip(zip(out, vals), zip(out[1:], vals[1:])))
        if distinct or integer:
            return out
    return out


def class_texts(low: float, bins: Sequence[float], *, lang: str = "en", integer: bool = False) -> list[str]:
    """The legend text of each class from ``low`` to its upper bound in ``bins``: "12 – 40", "> 40 – 95"...

    The numbers are :func:`break_texts` (distinct wherever the values are); a class of one value is that
    value alone.
    """
    texts = break_texts([low, *bins], lang=lang, integer=integer)
    out = []
    for i in range(len(bins)):
        lo, hi = texts[i], texts[i + 1]
        out.append(hi if lo == hi else f"{lo} – {hi}" if i == 0 else f"> {lo} – {hi}")
    return out


def density_rgba(values: np.ndarray, *, vmax: float | None = None, alpha_floor: float = 0.02,
                 opacity: float = 0.75) -> np.ndarray:
    """Colour a density surface for an image overlay: YlOrRd from 0 to ``vmax``, clear where (almost) empty.

    The colours are those of ``matplotlib.colormaps["YlOrRd"](values / vmax,
    bytes=True)``, computed here without matplotlib (see :func:`_ylorrd_bytes`).

    Parameters
    ----------
    values : numpy.ndarray
        Densities, any shape (a grid's ``(rows, cols)``).
    vmax : float, optional
        Density at the top of the colour scale; the maximum of ``values`` by
        default.
    alpha_floor : float, default 0.02
        Cells below this fraction of ``vmax`` (and NaN cells) are fully
        transparent, so the base map shows where there is (almost) no density.
    opacity : float, default 0.75
        Alpha of the other cells, 0 to 1.

    Returns
    -------
    numpy.ndarray
        ``values.shape + (4,)`` uint8 RGBA; all zero when ``vmax`` is not
        above 0.
    """
    v = np.asarray(values, dtype=float)
    top = float(v.max()) if vmax is None else float(vmax)
    if not top > 0:
        return np.zeros((*v.shape, 4), dtype=np.uint8)
    scaled = np.clip(v / top, 0.0, 1.0)
    rgba = _ylorrd_bytes(scaled)
    rgba[..., 3] = np.where(scaled > alpha_floor, round(255 * opacity), 0).astype(np.uint8)
    return rgba


def _ylorrd_bytes(x: np.ndarray) -> np.ndarray:
    """``matplotlib.colormaps["YlOrRd"](x, bytes=True)`` for floats ``x``, reproduced in numpy.

    matplotlib's ``LinearSegmentedColormap`` samples the linear ramp through
    the nine stops at 256 evenly spaced points, truncates them to bytes and
    looks ``x`` up at ``floor(x * 256)`` (1 itself taking the last entry).
    Values below 0 get the first colour, above 1 the last, NaN transparent black.
    """
    x = np.asarray(x, dtype=float)
    lut = _ylorrd_lut()
    bad = np.isnan(x)
    i = np.clip(np.where(bad, 0.0, x) * _LUT_SIZE, 0, _LUT_SIZE - 1).astype(np.intp)
    rgba = lut[i]
    rgba[bad] = 0
    return rgba


def _ylorrd_lut() -> np.ndarray:
    """The 256 x 4 uint8 lookup table of matplotlib's "YlOrRd" (its ``_create_lookup_table``, gamma 1)."""
    n = _LUT_SIZE
    stops = np.array(_YLORRD9, dtype=float)
    at = np.linspace(0, 1, len(stops)) * (n - 1)
    samples = (n - 1) * np.linspace(0, 1, n)
    ind = np.searchsorted(at, samples)[1:-1]
    distance = (samples[1:-1] - at[ind - 1]) / (at[ind] - at[ind - 1])
    inner = distance[:, None] * (stops[ind] - stops[ind - 1]) + stops[ind - 1]
    rgb = np.clip(np.concatenate([stops[:1], inner, stops[-1:]]), 0.0, 1.0)
    lut = np.ones((n, 4))
    lut[:, :3] = rgb
    return (lut * 255).astype(np.uint8)

# Emerging hot spots (geo.spacetime.emerging): ArcGIS Pro's patterns, hot in reds and cold in blues, the
# patterns of now (new, consecutive, intensifying) darkest; "no pattern" is not drawn.
EMERGING_COLORS = {
    "new_hot": "#7f0000", "consecutive_hot": "#b30000", "intensifying_hot": "#e34a33", "persistent_hot": "#fc8d59",
    "diminishing_hot": "#fdbb84", "sporadic_hot": "#d4a017", "oscillating_hot": "#8c510a", "historical_hot": "#fee8c8",
    "new_cold": "#08306b", "consecutive_cold": "#08519c", "intensifying_cold": "#3182bd", "persistent_cold": "#6baed6",
    "diminishing_cold": "#9ecae1", "sporadic_cold": "#5e3c99", "oscillating_cold": "#35978f",
    "historical_cold": "#deebf7", "no_pattern": "#ffffff"}
EMERGING_LABELS = {
    "new_hot": N_("New hot spot"), "consecutive_hot": N_("Consecutive hot spot"),
    "intensifying_hot": N_("Intensifying hot spot"), "persistent_hot": N_("Persistent hot spot"),
    "diminishing_hot": N_("Diminishing hot spot"), "sporadic_hot": N_("Sporadic hot spot"),
    "oscillating_hot": N_("Oscillating hot spot"), "historical_hot": N_("Historical hot spot"),
    "new_cold": N_("New cold spot"), "consecutive_cold": N_("Consecutive cold spot"),
    "intensifying_cold": N_("Intensifying cold spot"), "persistent_cold": N_("Persistent cold spot"),
    "diminishing_cold": N_("Diminishing cold spot"), "sporadic_cold": N_("Sporadic cold spot"),
    "oscillating_cold": N_("Oscillating cold spot"), "historical_cold": N_("Historical cold spot"),
    "no_pattern": N_("No pattern")}
# What each pattern means, in plain words: the legend's hover, the table and the methods
EMERGING_MEANINGS = {
    "new_hot": N_("hot in the last period only, never before"),
    "consecutive_hot": N_("hot in an unbroken run of the last periods, never before it"),
    "intensifying_hot": N_("hot in at least 90 of every 100 periods, and getting hotter"),
    "persistent_hot": N_("hot in at least 90 of every 100 periods, with no trend"),
    "diminishing_hot": N_("hot in at least 90 of every 100 periods, but cooling"),
    "sporadic_hot": N_("hot now and on and off before, never cold"),
    "oscillating_hot": N_("hot now, and cold in some earlier periods"),
    "historical_hot": N_("hot in at least 90 of every 100 periods, but not in the last"),
    "new_cold": N_("cold in the last period only, never before"),
    "consecutive_cold": N_("cold in an unbroken run of the last periods, never before it"),
    "intensifying_cold": N_("cold in at least 90 of every 100 periods, and getting colder"),
    "persistent_cold": N_("cold in at least 90 of every 100 periods, with no trend"),
    "diminishing_cold": N_("cold in at least 90 of every 100 periods, but warming"),
    "sporadic_cold": N_("cold now and on and off before, never hot"),
    "oscillating_cold": N_("cold now, and hot in some earlier periods"),
    "historical_cold": N_("cold in at least 90 of every 100 periods, but not in the last"),
    "no_pattern": N_("no significant hot or cold spot pattern"),
}
# The near-repeat table (geo.spacetime.nearrepeat): cells by the Knox test's p, as the Near Repeat Calculator
KNOX_COLORS = {0.001: "#b30000", 0.01: "#e34a33", 0.05: "#fdbb84", 1.0: "#ffffff"}
# Forecast methods (geo.forecast): their lines on the chart of hit rate by share of the area
FORECAST_COLORS = {"kde": "#1b9e77", "gistar": "#d95f02", "prospective": "#7570b3", "last_period": "#e7298a",
                   "emerging": "#66a61e"}
