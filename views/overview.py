"""Overview: every layer on one map, with KPI cards for the filtered incidents."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_folium import st_folium

from geo.crs import to_display
from geo.select import categories_present
from geo.schema import CATEGORIES
from geo.stats.rates import summarize, unit_rates
from layers.assets import missing_assets
from layers.basemap import finish, new_map
from layers.boundaries import boundary_layer
from layers.cameras import camera_layer
from layers.incidents import IncidentCluster, category_legend
from layers.roads import road_layer
from layers.stations import station_layer
from views.common import current_study, load_data, map_download

data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]

st.title("Overview")
study = current_study(data, f)
units, inc, stations, cameras, roads = study.units, study.incidents, study.stations, study.cameras, study.roads
kpi = summarize(data.incidents, data.boundaries, f)

c1, c2, c3, c4 = st.columns(4)
c1.metric("Incidents", f"{kpi.count:,}",
          None if kpi.previous_count is None else f"{kpi.count - kpi.previous_count:+,} on previous period",
          delta_color="inverse")
change = (None if kpi.previous_rate is None or not kpi.previous_rate or not np.isfinite(kpi.rate)
          else f"{(kpi.rate - kpi.previous_rate) / kpi.previous_rate:+.1%}")
c2.metric("Rate per 100,000 a year", f"{kpi.rate:,.0f}" if np.isfinite(kpi.rate) else "–", change,
          delta_color="inverse")
c3.metric("Population", f"{kpi.population:,.0f}")
c4.metric("Stations / cameras", f"{len(stations)} / {len(cameras)}")
if kpi.previous_count is None and f.start is not None:
    st.caption("No change shown: the data does not cover the whole previous period.")

if missing := missing_assets():
    st.error("Map assets are not installed (run `make assets`); missing: " + ", ".join(missing[:3]))
    st.stop()

shown_units = unit_rates(inc, units, days=f.days)

extent = units if len(units) else inc
if len(extent) == 0:
    st.info("Nothing to show for these filters.")
    st.stop()
m = new_map(tuple(to_display(extent).total_bounds), tiles=tiles)
choropleth, rate_legend = boundary_layer(shown_units)
choropleth.add_to(m)
road_layer(roads).add_to(m)
camera_layer(cameras).add_to(m)
station_layer(stations).add_to(m)
IncidentCluster(inc).add_to(m)
rate_legend.add_to(m)
if len(inc):
    category_legend(categories_present(inc, CATEGORIES)).add_to(m)
finish(m)

# returned_objects=[]: panning and zooming never rerun the page
st_folium(m, key="overview_map", height=620, use_container_width=True, returned_objects=[])
map_download(m, name="overview_map", title="Overview")
st.caption(f"{len(inc):,} incidents, {len(shown_units)} settlements, {len(stations)} police sites, "
           f"{len(cameras)} cameras. Rates are per 100,000 residents per year of the chosen period.")
