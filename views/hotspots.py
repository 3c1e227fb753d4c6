"""Hotspots: density surface, Gi* hot spots, or area rates, with the time charts.

The analyses are cached on the study and their settings only (``views.common.study_key``): a change of
language redraws the words, never the analysis.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.crs import to_display
from geo.i18n import N_
from geo.palette import KERNEL_LABELS, LISA_LABELS, rate_classes
from geo.stats.density import KERNELS, DensityGrid, kernel_density
from geo.report.options import DEFAULT_HOTSPOT_METHOD
from geo.report.tables import top_density_peaks, top_hot_spots
from geo.select import unit_labels
from geo.stats.hotspots import (CELL_CEILING, CELL_FLOOR, CELL_TARGET, MIN_TOP_INCIDENTS, HotspotResult,
                               hotspots)
from geo.stats.areas import area_statistics
from geo.periods import series_step
from geo.stats.temporal import hour_weekday, time_series
from geo.privacy import viewer_density, viewer_hotspots
from layers.basemap import finish, new_map
from layers.boundaries import boundary_layer, lisa_layer, outline_layer
from layers.density import density_layer
from layers.hotspots import gi_layer
from views.common import current_study, file_words, load_data, localized, map_download, study_key, tr
from views.health import health_banner
from views.map_cache import cached_map
from views.privacy import min_count as viewer_min_count, viewer_notes

_ = tr()
data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
st.title(_("Hotspots"))

study = current_study(data, f)
health_banner(data, study, _)  # what makes these numbers wrong, and what to do
units, inc = study.units, study.incidents
key = study_key(data, f)
least = viewer_min_count(data)  # 0 for an analyst; a viewer's smallest count shown (geo.privacy)
if len(inc) < 3:
    st.info(_("Fewer than three incidents pass the filters: widen the period, area or categories."))
    st.stop()


# ---------------------------------------------------------------- analyses (cached, with no language)
@st.cache_data(show_spinner=False, max_entries=16)
def density_surface(key: str, kernel: str, bandwidth: float, cell: float, _inc: gpd.GeoDataFrame,
                    min_count: int = 0) -> tuple[DensityGrid, bytes]:
    grid = kernel_density(_inc, kernel=kernel, bandwidth=bandwidth or None, cell=cell or None)
    if min_count:  # a viewer's surface (and file): no cell shaped by fewer than min_count incidents (geo.privacy)
        grid = viewer_density(grid, _inc, min_count=min_count)
    with tempfile.TemporaryDirectory() as tmp:
        return grid, grid.to_geotiff(Path(tmp) / "density.tif").read_bytes()


@st.cache_data(show_spinner=False, max_entries=16)
def hot_spots(key: str, shape: str, cell: float, band: float, permutations: int, _inc: gpd.GeoDataFrame,
              _units: gpd.GeoDataFrame, min_count: int = 0) -> tuple[HotspotResult, bytes]:
    res = hotspots(_inc, cell=cell or None, shape=shape, band=band or None,
                   boundary=_units if len(_units) else None, permutations=permutations)
    if min_count:  # a viewer's cells (and file): no count or z of a cell of 1 or 2 incidents (geo.privacy)
        res = viewer_hotspots(res, min_count=min_count)
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "hotspots.gpkg"
        res.cells[["count", "gi_z", "gi_p", "gi_bin", res.cells.geometry.name]].to_file(gpkg, layer="hotspots")
        return res, gpkg.read_bytes()


@st.cache_data(show_spinner=False, max_entries=16)
def settlement_rates(key: str, _inc: gpd.GeoDataFrame, _units: gpd.GeoDataFrame, days: int | None
                     ) -> gpd.GeoDataFrame:
    return area_statistics(_inc, _units, days=days)


@st.cache_data(show_spinner=False, max_entries=16)
def time_patterns(key: str, _inc: gpd.GeoDataFrame, start, end) -> tuple[pd.DataFrame, pd.DataFrame]:
    # by day for a period of up to two months, by month for a longer one (geo.periods.series_step), as the pack
    return hour_weekday(_inc), time_series(_inc, start=start, end=end)


@st.cache_data(show_spinner=False, max_entries=32)
def top_table(key: str, settings: tuple, lang: str, _result: DensityGrid | HotspotResult, _inc: gpd.GeoDataFrame,
              _units: gpd.GeoDataFrame, _roads: gpd.GeoDataFrame) -> pd.DataFrame:
    # The pack's table of the cached analysis above, in words of the language: keyed on the language (a table
    # of another language is another table; the analysis it reads is not computed again).
    least = max(MIN_TOP_INCIDENTS, settings[-1])  # a viewer's table lists no place of fewer than min_count
    if isinstance(_result, DensityGrid):
        return top_density_peaks(_result, _inc, _units, _roads, lang=lang, min_incidents=least)
    return top_hot_spots(_result, _inc, _units, _roads, lang=lang, min_incidents=least)


# ---------------------------------------------------------------- the method and its settings
METHODS = {
    "density": N_("Density (kernel density)"),
    "gistar": N_("Hot spots (Gi*)"),
    "eb": N_("Smoothed rate (Empirical Bayes)"),
    "rate": N_("Rate as counted (not smoothed)"),
    "lisa": N_("Clusters of high and low rates (LISA)"),
}
KERNEL_WORDS = {"quartic": N_("Quartic (smooth; the usual choice)"), "gaussian": N_("Gaussian (smoothest)"),
                "epanechnikov": N_("Epanechnikov (rounded)"), "triangular": N_("Triangular (sharper peaks)"),
                "uniform": N_("Uniform (flat disc)")}
# The pack's and the Planner's method is the page's default too: the same question gets the same answer.
method = st.radio(
    _("What to show"), list(METHODS), index=list(METHODS).index(DEFAULT_HOTSPOT_METHOD), horizontal=True,
    key="hs_method", format_func=lambda k: _(METHODS[k]),
    help=_("Density: where incidents are most frequent, as a smooth surface. Hot spots: places where incidents "
           "gather more than chance would explain. Smoothed rate: incidents per 100,000 residents of each "
           "settlement, steadied for small villages. Clusters: settlements whose rate is like or unlike their "
           "neighbours'."))
extent = units if len(units) else inc
# The map is drawn by `draw` (each method's layers) and built once per study, method settings, language and
# tiles (views.map_cache): `map_settings` names every setting the layers depend on.
draw = None
map_settings: tuple = ()
table: pd.DataFrame | None = None
download: tuple[str, bytes, str, str] | None = None
days_words = _("a year") if f.days else _("in the whole period")
reading: str

if method == "density":
    c1, c2, c3 = st.columns(3)
    kernel = c1.selectbox(_("Shape of the spread (kernel)"), KERNELS, key="hs_kernel",
                          format_func=lambda k: _(KERNEL_WORDS[k]) if k in KERNEL_WORDS else k,
                          help=_("How each incident's weight fades with distance. Quartic is the usual choice of "
                                 "crime-mapping programs; the others change the picture little."))
    bw = c2.number_input(_("Search radius (bandwidth), m"), min_value=0.0, value=0.0, step=50.0, key="hs_bw",
                         help=_("How far each incident spreads. 0 = chosen from the data (Silverman's rule). "
                                "A larger radius gives broader, smoother areas."))
    cell = c3.number_input(_("Cell size, m"), min_value=0.0, value=0.0, step=10.0, key="hs_cell",
                           help=_("Side of the squares the surface is drawn with. 0 = chosen automatically "
                                  "(the shorter side of the map divided by 250)."))
    with st.spinner(_("Computing the density…")):
        grid, tif = density_surface(key, kernel, bw, cell, inc, least)
    st.caption(_("Used: {kernel} kernel, search radius {bandwidth} m, cells of {cell} m ({columns} × {rows}), "
                 "coordinates {crs}.", kernel=_(KERNEL_LABELS.get(grid.kernel, grid.kernel)),
                 bandwidth=_.int(grid.bandwidth), cell=_.int(grid.cell), columns=_.int(grid.values.shape[1]),
                 rows=_.int(grid.values.shape[0]), crs=grid.crs.to_string()))

    def draw(m) -> None:  # noqa: ANN001 - a folium map
        overlay, legend = density_layer(grid, lang=_.lang)
        overlay.add_to(m)
        legend.add_to(m)

    map_settings = (kernel, bw, cell)
    # the pack's table: the same peaks on screen and on paper
    table = top_table(key, ("density", kernel, bw, cell, least), _.lang, grid, inc, units, study.roads)
    download = (_("Download the surface (GeoTIFF)"), tif, file_words(_("density")) + ".tif", "image/tiff")
    reading = _("The colours show how many incidents happened per km² around each place: the darker, the more. "
                "Each incident spreads over a circle of {bandwidth} m, so the surface shows areas, not single "
                "addresses. Pale or empty ground had few or no incidents. The table lists the highest peaks. "
                "Period: {period}.", period=_.period(f.start, f.end), bandwidth=_.int(grid.bandwidth))

elif method == "gistar":
    c1, c2, c3, c4 = st.columns(4)
    shape = c1.selectbox(_("Cells"), ["square", "hex"], key="hs_shape",
                         format_func={"square": _("Squares"), "hex": _("Hexagons")}.get,
                         help=_("The ground is divided into equal cells and the incidents in each are counted."))
    cell = c2.number_input(_("Cell size, m"), min_value=0.0, value=0.0, step=50.0, key="hs_gcell",
                           help=_("0 = chosen from the incidents, as the usual optimized hot spot analysis does."))
    band = c3.number_input(_("Neighbourhood distance (distance band), m"), min_value=0.0, value=0.0, step=50.0,
                           key="hs_band",
                           help=_("Cells within this distance count as neighbours: a hot spot is a cell whose "
                                  "neighbourhood has more incidents than expected. 0 = chosen from the data."))
    perms = c4.selectbox(_("Confidence test"), [0, 99, 999], key="hs_perm",
                         format_func=lambda p: (_("By formula (fast)") if p == 0
                                                else _.plural("{n} random reshuffle", "{n} random reshuffles", p)),
                         help=_("How the confidence is worked out: by formula (the usual way) or by reshuffling "
                                "the counts at random many times (slower)."))
    with st.spinner(_("Looking for hot spots…")):
        res, gpkg = hot_spots(key, shape, cell, band, perms, inc, units, least)
    st.caption(_("Used: {shape} of {cell} m, neighbourhood distance {band} m, {count} cells, correction for "
                 "many tests (FDR), coordinates {crs}.",
                 shape=_("squares") if res.shape == "square" else _("hexagons"), cell=_.int(res.cell),
                 band=_.int(res.band), count=_.int(len(res.cells)), crs=res.crs.to_string()))
    if not cell:
        st.caption(_("Cell size chosen from the incidents of the period and categories selected: large enough that "
                     "the cells with incidents hold on average at least {target} each, where there are enough "
                     "incidents (growing to at most a tenth of the area's width), and between {floor} m and "
                     "{ceiling} m: smaller cells say nothing about a place, larger ones name no place a patrol can "
                     "cover.", target=_.int(CELL_TARGET), floor=_.int(CELL_FLOOR), ceiling=_.int(CELL_CEILING)))

    def draw(m) -> None:  # noqa: ANN001 - a folium map
        layer, legend = gi_layer(res.cells, lang=_.lang)
        layer.add_to(m)
        legend.add_to(m)

    map_settings = (shape, cell, band, perms)
    # the pack's table: the same hot spots on screen and on paper
    table = top_table(key, ("gistar", shape, cell, band, perms, least), _.lang, res, inc, units, study.roads)
    download = (_("Download the grid (GeoPackage)"), gpkg, file_words(_("hot spots")) + ".gpkg",
                "application/geopackage+sqlite3")
    reading = _("Each coloured cell is a square or hexagon of {cell} m. Red cells are hot spots: with their "
                "neighbours they hold more incidents than chance would explain, with the confidence shown in the "
                "legend (90, 95 or 99 in 100). Blue cells are cold spots, with fewer incidents than expected. "
                "Cells without colour show nothing out of the ordinary. Period: {period}.",
                cell=_.int(res.cell), period=_.period(f.start, f.end))

else:
    if len(units) == 0:
        st.info(_("Rates need settlement boundaries with population (import them on the Data page)."))
        st.stop()
    with st.spinner(_("Computing the rates…")):
        stats = settlement_rates(key, inc, units, f.days)
    local = unit_labels(stats, _.lang)  # a repeated name with its district or area
    period = _.period(f.start, f.end)
    if method == "lisa":
        layer, legend = lisa_layer(stats, lang=_.lang)
        reading = _("Red settlements have a high rate and neighbours with high rates too: a cluster of high "
                    "rates. Blue ones are a cluster of low rates. Orange and light blue ones differ from their "
                    "neighbours (a high rate among low ones, or the reverse). Grey ones show no clear pattern. "
                    "Rates are smoothed (Empirical Bayes), per 100,000 residents {per}.", per=days_words)
        tested = stats["lisa_cluster"].isin(list(LISA_LABELS))
        if tested.any() and (stats.loc[tested, "lisa_cluster"] == "not significant").all():
            verdict = _("No settlement's rate stands out from its neighbours' beyond chance in {period}: there are "
                        "no clusters of high or low rates, and every settlement is grey, “not significant” (LISA).",
                        period=period)
        else:
            verdict = _("Red: settlements with a high rate among neighbours with high rates; blue: low among low; "
                        "orange and light blue: unlike their neighbours; grey: no pattern beyond chance (LISA).")
    else:
        value = "eb_rate" if method == "eb" else "rate"
        layer, legend = boundary_layer(stats, value=value, name=_(METHODS[method]),
                                       title=_("{what}, per 100,000 residents {per}, {period}",
                                               what=_(METHODS[method]), per=days_words, period=period),
                                       lang=_.lang)
        reading = (_("Each settlement is coloured by its incidents per 100,000 residents {per}, smoothed "
                     "(Empirical Bayes): where few people live, the rate is pulled towards the area's overall "
                     "rate, so a few incidents in a village do not look like a crime wave. The darker, the "
                     "higher.", per=days_words) if method == "eb" else
                   _("Each settlement is coloured by its incidents per 100,000 residents {per}, as counted: in "
                     "small villages a few incidents can give a very high rate. The darker, the higher.",
                     per=days_words))
        classes = rate_classes(stats[value].to_numpy(dtype=float))[0]
        if len(set(classes[classes >= 0].tolist())) <= 1:
            verdict = (_("Every settlement has about the same smoothed rate in {period}, so all are one colour: once "
                         "the chance of small numbers is allowed for, no settlement differs from the others "
                         "(Empirical Bayes).", period=period) if method == "eb" else
                       _("Every settlement has about the same rate in {period}, so all are one colour.",
                         period=period))
        elif method == "eb":
            verdict = _("The darker the settlement, the higher its rate, with the chance of small numbers allowed "
                        "for: a darker colour means more incidents per resident than the paler settlements "
                        "(Empirical Bayes).")
        else:
            verdict = _("The darker the settlement, the higher its rate as counted; in small villages a few "
                        "incidents can make a rate look high by chance alone.")
    st.info(verdict)

    def draw(m) -> None:  # noqa: ANN001 - a folium map
        layer.add_to(m)
        legend.add_to(m)

    raw = pd.DataFrame({"settlement": local, "population": stats["population"], "incidents": stats["count"],
                        "rate": stats["rate"].round(1), "eb": stats["eb_rate"].round(1),
                        "lisa": stats["lisa_cluster"], "note": stats["rate_note"].astype(str).map(_.message)}
                       ).sort_values("eb", ascending=False)
    if not (raw["note"] != "").any():  # every settlement has a rate: no column saying why not
        raw = raw.drop(columns="note")
    if least:  # a viewer's table: counts of 1 to least - 1 withheld, and the rate that would give them back
        few = (raw["incidents"] > 0) & (raw["incidents"] < least)
        raw["incidents"] = raw["incidents"].astype("Int64").mask(few)
        raw["rate"] = raw["rate"].mask(few)
    # The CSV keeps plain numbers in every language; only its headers and words are translated.
    table = raw.assign(lisa=raw["lisa"].map(lambda c: _(LISA_LABELS[c]) if c in LISA_LABELS else c)).rename(
        columns={"settlement": _("Settlement"), "population": _("Population"), "incidents": _("Incidents"),
                 "rate": _("Incidents per 100,000 residents {per}, as counted", per=days_words),
                 "eb": _("Smoothed rate (Empirical Bayes), per 100,000 residents {per}", per=days_words),
                 "lisa": _("Cluster (LISA)"), "note": _("Why no rate")})
    download = (_("Download the table (CSV)"), table.to_csv(index=False).encode("utf-8-sig"),
                file_words(_("rates")) + ".csv", "text/csv")



def build_map():  # noqa: ANN201 - a folium map
    m = new_map(tuple(to_display(extent).total_bounds), tiles=tiles, lang=_.lang)
    draw(m)
    if method in ("density", "gistar"):
        outline_layer(units, lang=_.lang).add_to(m)
    finish(m, lang=_.lang, places=units)  # settlement names drawn on the map, in the language
    return m


m = cached_map(repr(("hotspots", key, method, map_settings, least, _.lang, tiles)), build_map,
               widget_key=f"hotspot_map_{method}", height=560)
map_download(m, name="hotspot_map", title=_(METHODS[method]), file_name=file_words(_(METHODS[method])))
viewer_notes(data)  # a viewer's map: how the points were moved and what is withheld (nothing for an analyst)
if least and method == "density":
    st.caption(_("Places with fewer than {n} incidents nearby are left blank on the surface.", n=_.int(least)))
elif least and method == "gistar":
    st.caption(_("Cells with fewer than {n} incidents show no count and no score; their colour speaks for their "
                 "whole neighbourhood.", n=_.int(least)))
with st.expander(_("How to read this map")):
    st.markdown(reading)
if table is not None and len(table):
    st.subheader(_("Top hotspots") if method in ("density", "gistar") else _("Settlements"))
    if method == "gistar":
        st.caption(_("Neighbouring hot cells (touching at a side or a corner) are one hot spot; the hot spots are "
                     "ranked by their incidents in {period}. Hot spots with fewer than {n} incidents are not listed.",
                     period=_.period(f.start, f.end), n=_.int(MIN_TOP_INCIDENTS)))
    elif method == "density":
        st.caption(_("The highest peaks of the surface, with the incidents within the search radius of each in "
                     "{period}. Peaks with fewer than {n} incidents nearby are not listed.",
                     period=_.period(f.start, f.end), n=_.int(MIN_TOP_INCIDENTS)))
    else:
        st.caption(_("Rates per 100,000 residents {per}; period: {period}.", per=days_words,
                     period=_.period(f.start, f.end)))
    st.dataframe(localized(table, _), hide_index=True, width="stretch")
if download:
    label, payload, name, mime = download
    st.download_button(label, payload, file_name=name, mime=mime, key="hs_download")

# ---------------------------------------------------------------- when
st.subheader(_("When"))
c1, c2 = st.columns(2)
hw, mon = time_patterns(key, inc, f.start, f.end)
by_day = series_step(f.start, f.end) == "day"
if least:  # a viewer's dates are to the month: no hours, no weekdays, no days (geo.privacy)
    by_day, mon = False, (time_series(inc) if series_step(f.start, f.end) == "day" else mon)
hour_t, day_t, count_t = _("Hour of day"), _("Day of week"), _("Incidents")
days = [_.weekday(i) for i in range(len(hw.index))]  # the index runs Monday .. Sunday
long = (hw.set_axis(days, axis=0).reset_index(names=day_t)
        .melt(day_t, var_name=hour_t, value_name=count_t))
heat = (
    alt.Chart(long).mark_rect().encode(
        x=alt.X(field=hour_t, type="ordinal"), y=alt.Y(field=day_t, type="ordinal", sort=days, title=None),
        color=alt.Color(field=count_t, type="quantitative", scale=alt.Scale(scheme="orangered")),
        tooltip=[alt.Tooltip(field=c) for c in (day_t, hour_t, count_t)]).properties(title=_("Hour of day by day of week"), height=260))
if least:
    c1.caption(_("Hours and days of the week are not shown: dates are to the month."))
else:
    c1.altair_chart(heat, width="stretch")
month_t, cat_t = (_("Day") if by_day else _("Month")), _("Category")
per_month = mon.reset_index(names="month").melt("month", var_name="category", value_name=count_t)
per_month[month_t] = [_.date(d, form="short") if by_day else _.month_year(d) for d in per_month["month"]]
per_month[cat_t] = [data.categories.label(c, _) for c in per_month["category"]]  # the workspace's own names
months = list(dict.fromkeys(per_month.sort_values("month")[month_t]))
# every day or month of the period is on the axis, with zeros (never an empty chart); days as stacked bars
chart = alt.Chart(per_month[[month_t, cat_t, count_t]])
c2.altair_chart(
    (chart.mark_bar() if by_day else chart.mark_line(point=True)).encode(
        x=alt.X(field=month_t, type="ordinal", sort=months, title=month_t, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(field=count_t, type="quantitative", stack=True if by_day else None,
                axis=alt.Axis(format="d", tickMinStep=1)),  # whole incidents: no 0.5 ticks
        color=alt.Color(field=cat_t, type="nominal"),
        tooltip=[alt.Tooltip(field=c) for c in (month_t, cat_t, count_t)]).properties(
            title=_("Incidents per day") if by_day else _("Incidents per month"), height=260),
    width="stretch", key="hs_time_chart")
st.caption(_("Months: incidents of each category per month; dates are to the month. Period: {period}.",
             period=_.period(f.start, f.end)) if least else
           _("Hours and days: when the incidents happened (darker = more). Days: incidents of each category on "
             "each day. Period: {period}.", period=_.period(f.start, f.end)) if by_day else
           _("Hours and days: when the incidents happened (darker = more). Months: incidents of each category "
             "per month. Period: {period}.", period=_.period(f.start, f.end)))
