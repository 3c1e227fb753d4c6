"""Planner: coverage today, the gaps, and provably optimal sites for new stations or cameras."""

from __future__ import annotations

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.coverage import camera_sectors, coverage_gaps, coverage_summary, nearest_facility, service_areas
from geo.crs import to_display
from geo.query import filter_boundaries, filter_incidents, within_boundaries
from geo.schema import CATEGORIES, CATEGORY_LABELS
from geo.siting import along_roads, grid_candidates, road_intersections, site
from layers.basemap import finish, new_map
from layers.boundaries import outline_layer
from layers.coverage import gap_layer, planner_legend, proposed_layer, service_layer
from layers.stations import station_layer
from views.common import load_data

data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
st.title("Planner")

units = filter_boundaries(data.boundaries, f)
inc = filter_incidents(data.incidents, f)
if len(inc) < 3 or len(units) == 0:
    st.info("Choose an area or settlements with incidents in the sidebar.")
    st.stop()

c1, c2, c3 = st.columns(3)
facility = c1.radio("Facility", ["Police station or post", "Video camera"], key="pl_facility",
                    help="Stations cover a radius; cameras see a short range.")
is_camera = facility == "Video camera"
radius = c2.number_input("Service standard: within (m)", min_value=50.0, max_value=20_000.0,
                         value=200.0 if is_camera else 1500.0, step=50.0, key=f"pl_radius_{is_camera}",
                         help="An incident is covered when a site is at most this far (straight line).")
model = c3.selectbox("Question", ["mclp", "lscp", "pmedian"], key="pl_model", format_func={
    "mclp": "Where would k new sites cover the most incidents?",
    "lscp": "How few new sites reach a target coverage?",
    "pmedian": "Where would k new sites bring incidents closest?"}.get)

c1, c2, c3 = st.columns(3)
k = target = None
if model == "lscp":
    target = c1.slider("Target share of incidents covered", 0.5, 1.0, 0.9, 0.05, key="pl_target")
else:
    k = int(c1.number_input("New sites (k)", min_value=1, max_value=30, value=3, key="pl_k"))
source = c2.selectbox("Candidate sites", ["grid", "roads", "intersections"], key=f"pl_source_{is_camera}",
                      index=1 if is_camera else 0, format_func={
                          "grid": "A regular grid over the settlements", "roads": "Points along the roads",
                          "intersections": "Road intersections"}.get)
spacing = c3.number_input("Candidate spacing (m)", min_value=25.0, max_value=5000.0,
                          value=100.0 if is_camera else 400.0, step=25.0, key=f"pl_spacing_{is_camera}",
                          help="Distance between grid points or between points along a road.")
with st.expander("Weights by category"):
    st.caption("How much an incident of each category counts; 0 leaves the category out.")
    cols = st.columns(4)
    weights = {c: cols[i % 4].number_input(CATEGORY_LABELS[c], 0.0, 10.0, 1.0, 0.5, key=f"pl_w_{c}")
               for i, c in enumerate(CATEGORIES)}

existing = within_boundaries(data.cameras if is_camera else data.stations, units)
roads = within_boundaries(data.roads, units)

# today's coverage
if is_camera:
    areas = camera_sectors(existing) if len(existing) else existing
    today = coverage_summary(inc, existing, areas=areas, boundaries=units) if len(existing) else None
else:
    areas = service_areas(existing, radius=radius) if len(existing) else existing
    today = coverage_summary(inc, existing, radius=radius, boundaries=units) if len(existing) else None
m1, m2, m3 = st.columns(3)
if today is not None:
    m1.metric("Incidents covered today", f"{today.overall['covered']:,} of {today.overall['incidents']:,}",
              f"{today.overall['share']:.1%}", delta_color="off")
    if today.population is not None:
        m2.metric("Residents covered today", f"{today.population['covered']:,.0f}",
                  f"{today.population['share']:.1%}", delta_color="off")
    if not is_camera:
        near = nearest_facility(inc, existing)
        m3.metric("Mean distance to the nearest station", f"{near['distance_m'].mean():,.0f} m")
else:
    m1.metric("Incidents covered today", "0", "no existing sites here", delta_color="off")

gaps = None
try:
    gaps = coverage_gaps(inc, existing, radius=None if is_camera else radius, areas=areas if is_camera else None,
                         boundaries=units) if len(existing) else None
except ValueError as exc:
    st.caption(f"No gaps computed: {exc}")

if st.button("Propose sites", type="primary", key="pl_run"):
    with st.status("Choosing sites…", expanded=False) as status:
        status.update(label="Building candidate sites…")
        if source == "grid":
            candidates = grid_candidates(units, spacing=spacing)
        elif source == "roads":
            candidates = along_roads(roads, spacing=spacing)
        else:
            candidates = road_intersections(roads)
        reach = within_boundaries(candidates, units) if len(candidates) else candidates
        if len(reach) == 0:
            status.update(label="No candidate sites", state="error")
            st.error("No candidate sites in this area: choose another source or spacing.")
            st.stop()
        status.update(label=f"Solving for {len(reach):,} candidates and {len(inc):,} incidents…")
        result, chosen = site(inc, reach, radius=radius, model=model, k=k, target=target,
                              stations=existing if len(existing) else None, category_weights=weights,
                              time_limit=60, gains_up_to=max(k, 8) if model == "mclp" else None,
                              aggregate=200.0 if model == "pmedian" else None)
        gains = result.stats.get("gains")
        status.update(label=f"{result.status}: {len(chosen)} sites in {result.seconds:.1f} s", state="complete")
    st.session_state["pl_result"] = (result, chosen, gains, radius, is_camera)

stored = st.session_state.get("pl_result")
m = new_map(tuple(to_display(units).total_bounds), tiles=tiles)
outline_layer(units).add_to(m)
if len(areas):
    service_layer(areas).add_to(m)
if gaps is not None and len(gaps):
    gap_layer(gaps).add_to(m)
if not is_camera and len(existing):
    station_layer(existing, name="Existing stations").add_to(m)
if stored is not None and stored[4] == is_camera:
    proposed_layer(stored[1], radius=stored[3]).add_to(m)
planner_legend(gaps=gaps is not None and len(gaps) > 0).add_to(m)
finish(m)
st_folium(m, key="planner_map", height=560, use_container_width=True, returned_objects=[])

if gaps is not None and len(gaps):
    st.subheader("Coverage gaps")
    st.dataframe(pd.DataFrame(gaps.drop(columns=gaps.geometry.name)).head(10), hide_index=True,
                 use_container_width=True)

if stored is not None and stored[4] == is_camera:
    result, chosen, gains, _r, _c = stored
    st.subheader("Proposed sites")
    if len(chosen) == 0:
        st.info("No new site would cover more incidents: the existing sites already cover every incident "
                "a candidate could reach. Try a smaller service standard or other candidates.")
    gap_text = "proven optimal" if result.gap == 0 else f"gap {result.gap:.2%} to the best bound"
    st.caption(f"{result.model.upper()}: objective {result.objective:,.0f}, {gap_text}, solved in "
               f"{result.seconds:.1f} s ({result.status}).")
    pts = to_display(chosen)
    where = gpd.sjoin(pts, to_display(units)[["name", "population", "geometry"]], how="left", predicate="within")
    where = where[~where.index.duplicated()]
    table = pd.DataFrame({"rank": chosen["rank"].to_numpy(), "latitude": pts.geometry.y.round(5).to_numpy(),
                          "longitude": pts.geometry.x.round(5).to_numpy(),
                          "settlement": where["name"].fillna("–").to_numpy(),
                          "incidents newly covered": chosen["new_covered_count"].to_numpy()})
    for c in CATEGORIES:
        col = f"new_{c}"
        if col in chosen and chosen[col].sum() > 0:
            table[CATEGORY_LABELS[c]] = chosen[col].to_numpy()
    st.dataframe(table, hide_index=True, use_container_width=True)
    st.download_button("Download proposed sites (GeoJSON)", pts.to_json().encode(), "proposed_sites.geojson",
                       "application/geo+json")
    if gains is not None and len(gains):
        st.altair_chart(alt.Chart(gains).mark_line(point=True).encode(
            x=alt.X("k:O", title="New sites"), y=alt.Y("covered:Q", title="Weighted incidents covered"),
            tooltip=["k", "covered", "gain", "gap"]).properties(title="Coverage by number of new sites"),
            use_container_width=True)
