"""Overview: every layer on one map, with KPI cards for the filtered incidents."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import streamlit as st

from geo.crs import to_display
from geo.i18n import incidents_text
from geo.periods import label_of
from geo.select import categories_present
from geo.stats.areas import area_statistics
from geo.stats.rates import Summary, summarize, unit_rates
from layers.assets import missing_assets
from layers.basemap import finish, new_map
from layers.boundaries import boundary_layer
from layers.cameras import camera_layer
from layers.incidents import IncidentCluster, category_legend
from layers.roads import road_layer
from layers.stations import station_layer
from views.common import current_study, file_words, load_data, map_download, study_key, tr
from views.health import health_banner
from views.map_cache import cached_map
from views.privacy import sensitive_section, viewer_notes

_ = tr()
data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]

st.title(_("Overview"))
study = current_study(data, f)
health = health_banner(data, study, _)  # what makes these numbers wrong, and what to do
units, inc, stations, cameras, roads = study.units, study.incidents, study.stations, study.cameras, study.roads


# The figures are computed once per workspace and filter: never again for another language (no `lang` here).
@st.cache_data(show_spinner=False, max_entries=32)
def overview_figures(key: str, _data, _f, _inc, _units) -> tuple[Summary, gpd.GeoDataFrame]:
    # The pack's overview map: settlements by the smoothed rate (Empirical Bayes) of geo.stats.areas, the same
    # function and defaults, so the screen and the printed overview shade each settlement alike.
    shaded = (area_statistics(_inc, _units, days=_f.days) if len(_units) else unit_rates(_inc, _units, days=_f.days))
    return summarize(_data.incidents, _data.boundaries, _f), shaded


kpi, shown_units = overview_figures(study_key(data, f), data, f, inc, units)
if health.mismatched:  # the settlements' population is not the incidents' population: no rate (the banner says why)
    kpi = Summary(kpi.count, kpi.population, float("nan"), kpi.previous_count)


def signed(value: str, negative: bool) -> str:
    # an ASCII sign first: Streamlit colours and points the delta arrow by it
    return ("-" if negative else "+") + value


c1, c2, c3, c4 = st.columns(4)
# Arrows only on changes (the two cards compared with the period before), each saying what it compares with:
# the previous period as geo.stats.rates.summarize took it (IncidentFilter.previous), by name where it has one.
delta = change = against = None
if kpi.previous_count is not None and f.start is not None:
    before = f.previous()
    against = _("against {period}", period=label_of(before.start, before.end, lang=_.lang))
    diff = kpi.count - kpi.previous_count
    delta = signed(_.int(abs(diff)), diff < 0)
    if kpi.previous_rate and np.isfinite(kpi.rate):
        share = (kpi.rate - kpi.previous_rate) / kpi.previous_rate
        change = signed(_.pct(abs(share)), share < 0)
c1.metric(_("Incidents"), _.int(kpi.count), delta, delta_color="inverse", delta_description=against,
          help=_("Registered incidents in the chosen area, period and categories. The change compares with the "
                 "period before: the year, quarter or month before, or as many days just before; red means more "
                 "incidents."))
yearly = f.days is not None
c2.metric(_("Rate per 100,000 a year") if yearly else _("Incidents per 100,000 residents"),  # the glossary's term
          _.int(kpi.rate) if np.isfinite(kpi.rate) else "–", change, delta_color="inverse",
          delta_description=against if change else None,
          help=_("Incidents for every 100,000 residents, scaled to one year from the days of the period. It lets "
                 "a small village be compared with a large town, and a month with a year.") if yearly else
          _("Incidents for every 100,000 residents over all the dates of the data (not scaled to a year)."))
c3.metric(_("Population"), _.int(kpi.population),
          help=_("Residents of the chosen settlements, as the workspace records them."))
c4.metric(_("Stations / cameras"), f"{_.int(len(stations))} / {_.int(len(cameras))}",
          help=_("Police stations, posts and prevention centres, and video cameras, in the chosen settlements."))
st.caption(_("Figures for {period}; the rate is per 100,000 residents a year.",
             period=label_of(f.start, f.end, lang=_.lang)) if yearly else
           _("Figures for {period}; the rate is per 100,000 residents over the whole period.",
             period=_.period(f.start, f.end)))
if kpi.previous_count is None and f.start is not None:
    st.caption(_("No change shown: the data does not cover the whole previous period."))

if missing := missing_assets():
    st.error(_("The map's files are not installed (run `make assets`); missing: {files}",
               files=", ".join(missing[:3])))
    st.stop()

extent = units if len(units) else inc
if len(extent) == 0:
    st.info(_("Nothing to show for these filters."))
    st.stop()
smoothed = (_("Incidents per 100,000 residents a year, smoothed (Empirical Bayes)") if f.days
            else _("Incidents per 100,000 residents, smoothed (Empirical Bayes)"))


def build_map():  # noqa: ANN201 - a folium map
    """The Overview's map of this study in this language: built and rendered once, then sent as it is."""
    m = new_map(tuple(to_display(extent).total_bounds), tiles=tiles, lang=_.lang)
    choropleth, rate_legend = boundary_layer(shown_units, value="eb_rate" if "eb_rate" in shown_units else "rate",
                                             name=smoothed, lang=_.lang)
    if len(shown_units):  # none when the incidents outside every settlement are studied on their own
        choropleth.add_to(m)
    road_layer(roads, lang=_.lang).add_to(m)
    camera_layer(cameras, lang=_.lang).add_to(m)
    station_layer(stations, lang=_.lang).add_to(m)
    if len(inc):  # layers.incidents cannot draw an empty layer (a settlement whose incidents all lie elsewhere)
        IncidentCluster(inc, lang=_.lang).add_to(m)
    if len(shown_units):
        rate_legend.add_to(m)
    if len(inc):
        # the workspace's own list: its names, its order, its colours
        category_legend(categories_present(inc, data.categories.keys), lang=_.lang,
                        category_list=data.categories).add_to(m)
    finish(m, lang=_.lang, places=units)  # settlement names drawn on the map, in the language
    return m


# Everything the map shows: the study (its figures are keyed alike), the language and the tiles.
m = cached_map(repr(("overview", study_key(data, f), _.lang, tiles)), build_map, widget_key="overview_map",
               height=620)
map_download(m, name="overview_map", title=_("Overview"), file_name=file_words(_("Overview map")))
st.caption(_("{incidents}, {settlements}, {stations}, {cameras}. Period: {period}.",
             incidents=incidents_text(_, len(inc)),
             settlements=_.plural("{n} settlement", "{n} settlements", len(shown_units)),
             stations=_.plural("{n} police site", "{n} police sites", len(stations)),
             cameras=_.plural("{n} camera", "{n} cameras", len(cameras)),
             period=_.period(f.start, f.end)))
viewer_notes(data)  # a viewer's map: how the points were moved, on the server (nothing for an analyst)
sensitive_section(data, f, units)
with st.expander(_("How to read this map")):
    st.markdown(_(
        "- **Settlements** are coloured by their smoothed rate (Empirical Bayes): incidents per 100,000 "
        "residents a year in the chosen period, where the rate of a village with few residents is pulled towards "
        "the overall rate, so a few incidents do not make it look like a crime wave. The darker the colour, the "
        "more incidents for the number of people who live there; the legend gives the classes, and the "
        "settlements' table on the Hotspots page gives the rate as counted. Grey means no rate (population "
        "unknown or fewer than 100 residents).\n"
        "- **Incidents** are the dots, coloured by category (second legend). Where many lie close together they "
        "are grouped in a circle with their number: zoom in to see each one, click one to read it.\n"
        "- **Police stations** are the markers, **video cameras** the small blue dots with the area each one "
        "sees, and the lines are the **roads**.\n"
        "- The layer button in the top right corner turns layers on and off."))
