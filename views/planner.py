"""Planner: coverage today, the gaps, and provably optimal sites for new stations or cameras."""

from __future__ import annotations

import hashlib

import altair as alt
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from geo.coverage import (camera_sectors, coverage_summary, drive_time_areas,
                          nearest_facility, service_areas)
from geo.crs import to_display
from geo.io.importer import ImportError_, prepare
from geo.io.readers import ReadError, read_areas
from geo.network import RoadNetwork
from geo.siting.compare import compare_plans, comparison_text, residents_added
from geo.report.tables import gap_table, study_gaps
from geo.select import within_boundaries
from geo.schema import CATEGORIES, CATEGORY_LABELS, SchemaError
from geo.siting import along_roads, grid_candidates, road_intersections, site
from layers.basemap import finish, new_map
from layers.boundaries import outline_layer
from layers.coverage import gap_layer, planner_legend, proposed_layer, service_layer
from layers.stations import station_layer
from views.common import current_study, discard_upload, load_data, map_download, stored_upload

SPATIAL = ["geojson", "json", "gpkg", "zip", "kml"]
GAP_METHOD_LABELS = {"gistar": "Gi* hot spots (95 % confidence or more)",
                     "density": "Density surface (its densest tenth)"}


def _roads_key(frame: gpd.GeoDataFrame) -> str:
    """A hash of a roads layer's CRS, rows and lines: the same layer (and speeds) gives the same key."""
    digest = hashlib.sha256(f"{frame.crs}|{list(frame.columns)}".encode())
    digest.update(pd.util.hash_pandas_object(pd.DataFrame(frame.drop(columns=frame.geometry.name))).to_numpy())
    for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
        digest.update(wkb or b"-")
    return digest.hexdigest()


@st.cache_resource(show_spinner="Building the road network…", max_entries=4)
def _road_network(key: str, _roads: gpd.GeoDataFrame) -> RoadNetwork:  # key: _roads_key(_roads)
    """The road network of a roads layer, built once and shared by every drive-time call and rerun."""
    return RoadNetwork.from_roads(_roads)


data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
st.title("Planner")

study = current_study(data, f)
units, inc, roads = study.units, study.incidents, study.roads
if len(inc) < 3 or len(units) == 0:
    st.info("Choose an area or settlements with incidents in the sidebar.")
    st.stop()

c1, c2, c3 = st.columns(3)
facility = c1.radio("Facility", ["Police station or post", "Video camera"], key="pl_facility",
                    help="Stations serve the ground within reach; cameras see a short range.")
is_camera = facility == "Video camera"
by_road = False
if not is_camera:
    by_road = c2.radio("Service standard", ["Distance", "Drive time"], key="pl_standard", horizontal=True,
                       help="Straight-line distance, or minutes by road over the roads layer.") == "Drive time"
    if by_road and len(roads) == 0:
        c2.warning("There are no roads in this area: import a roads layer to use drive times.")
        by_road = False
minutes = off_road = radius = None
# Every drive-time call below takes the one network of this roads layer (built on first use, then cached).
roads_key = _roads_key(roads) if by_road else None
if by_road:
    minutes = c2.number_input("Service standard: within (minutes)", min_value=0.5, max_value=60.0, value=5.0,
                              step=0.5, key="pl_minutes",
                              help="An incident is covered when a site can reach it by road in this time.")
    off_road = c2.number_input("Speed off the mapped roads (km/h)", min_value=1.0, max_value=60.0, value=20.0,
                               step=1.0, key="pl_offroad",
                               help="From a point to its nearest mapped road. 5 is walking; where the roads "
                                    "layer holds only main roads, about 20 stands for the unmapped streets.")
else:
    radius = c2.number_input("Service standard: within (m)", min_value=50.0, max_value=20_000.0,
                             value=200.0 if is_camera else 1500.0, step=50.0, key=f"pl_radius_{is_camera}",
                             help="An incident is covered when a site is at most this far (straight line).")
models = ["mclp", "lscp"] if by_road else ["mclp", "lscp", "pmedian"]
model = c3.selectbox("Question", models, key=f"pl_model_{by_road}", format_func={
    "mclp": "Where would k new sites cover the most incidents?",
    "lscp": "How few new sites reach a target coverage?",
    "pmedian": "Where would k new sites bring incidents closest?"}.get)

c1, c2, c3 = st.columns(3)
k = target = None
if model == "lscp":
    target = c1.slider("Target share of incidents covered", 0.5, 1.0, 0.9, 0.05, key="pl_target")
else:
    k = int(c1.number_input("New sites (k)", min_value=1, max_value=30, value=3, key="pl_k"))
source = c2.selectbox("Candidate sites", ["grid", "roads", "intersections", "file"], key=f"pl_source_{is_camera}",
                      index=1 if is_camera else 0, format_func={
                          "grid": "A regular grid over the settlements", "roads": "Points along the roads",
                          "intersections": "Road intersections", "file": "Points from a file"}.get)
candidate_file = None
if source == "file":
    candidate_file = c3.file_uploader("Candidate points", type=["csv", "xlsx", *SPATIAL], key="pl_cand_file",
                                      help="Sites you could use (vacant plots, public buildings): a point file "
                                           "or a table with latitude and longitude.")
else:
    spacing = c3.number_input("Candidate spacing (m)", min_value=25.0, max_value=5000.0,
                              value=100.0 if is_camera else 400.0, step=25.0, key=f"pl_spacing_{is_camera}",
                              help="Distance between grid points or between points along a road.")
with st.expander("Weights by category"):
    st.caption("How much an incident of each category counts; 0 leaves the category out.")
    cols = st.columns(4)
    weights = {c: cols[i % 4].number_input(CATEGORY_LABELS[c], 0.0, 10.0, 1.0, 0.5, key=f"pl_w_{c}")
               for i, c in enumerate(CATEGORIES)}
with st.expander("Where new sites may not go"):
    banned = st.multiselect("Settlements to leave out", sorted(units["name"].astype(str)), key="pl_banned",
                            help="No new site inside these settlements; their incidents still count.")
    zone_file = st.file_uploader("Exclusion zones (polygons)", type=SPATIAL, key="pl_zones",
                                 help="Parks, water, military or private land: GeoJSON, GeoPackage, zipped "
                                      "Shapefile or KML.")
    zones = []
    if banned:
        zones.append(units[units["name"].astype(str).isin(banned)][[units.geometry.name]])
    if zone_file is not None:
        zone_path = stored_upload(zone_file)
        try:
            areas_in, rejected_zones = read_areas(zone_path, name=zone_file.name)
        except ReadError as exc:
            st.error(str(exc))
        else:
            st.caption(f"{len(areas_in):,} exclusion zones read from {zone_file.name}.")
            if len(rejected_zones):
                st.warning(f"{len(rejected_zones):,} rows of {zone_file.name} are not polygons and were left out.")
                st.dataframe(rejected_zones, hide_index=True)
            zones.append(areas_in[[areas_in.geometry.name]].rename_geometry("geometry").to_crs(units.crs))
        finally:
            discard_upload(zone_path)  # read once: the private copy goes at once
    exclusion = (gpd.GeoDataFrame(pd.concat([z.rename_geometry("geometry") if z.geometry.name != "geometry" else z
                                             for z in zones], ignore_index=True), crs=units.crs)
                 if zones else None)

gap_method = st.selectbox("Gaps from", list(GAP_METHOD_LABELS), key="pl_gap_method",
                          format_func=GAP_METHOD_LABELS.get,
                          help="How hot ground is found before today's coverage is cut out of it; the pack's "
                               "coverage gaps use the same method as its hot spot maps.")
existing = study.cameras if is_camera else study.stations

# today's coverage
population_today = None
if len(existing) == 0:
    areas = existing
    covered_today = None
elif by_road:
    network = _road_network(roads_key, roads)
    today = coverage_summary(inc, existing, minutes=minutes, roads=network, off_road_kmh=off_road, boundaries=units)
    covered_today, population_today = today.covered, today.population
    areas = drive_time_areas(existing, network, minutes=minutes, off_road_kmh=off_road)
else:
    areas = camera_sectors(existing) if is_camera else service_areas(existing, radius=radius)
    today = (coverage_summary(inc, None, areas=areas, boundaries=units) if is_camera
             else coverage_summary(inc, existing, radius=radius, boundaries=units))
    covered_today, population_today = today.covered, today.population
m1, m2, m3 = st.columns(3)
if covered_today is not None:
    m1.metric("Incidents covered today", f"{int(covered_today.sum()):,} of {len(inc):,}",
              f"{covered_today.mean():.1%}", delta_color="off")
    if population_today is not None:
        m2.metric("Residents covered today", f"{population_today['covered']:,.0f}",
                  f"{population_today['share']:.1%}", delta_color="off")
    if not is_camera:
        near = nearest_facility(inc, existing)
        m3.metric("Mean distance to the nearest station", f"{near['distance_m'].mean():,.0f} m")
else:
    m1.metric("Incidents covered today", "0", "no existing sites here", delta_color="off")

gaps = None
try:
    gaps = study_gaps(inc, existing if len(existing) else None, units=units, method=gap_method,
                      **({"radius": radius} if radius is not None and not is_camera else {"areas": areas}))
except ValueError as exc:
    st.caption(f"No gaps computed: {exc}")

standard = ("camera", radius) if is_camera else ("drive", minutes, off_road) if by_road else ("radius", radius)
if st.button("Propose sites", type="primary", key="pl_run"):
    with st.status("Choosing sites…", expanded=False) as status:
        status.update(label="Building candidate sites…")
        if source == "file":
            if candidate_file is None:
                status.update(label="No candidate file", state="error")
                st.error("Upload a file of candidate points first.")
                st.stop()
            candidate_path = stored_upload(candidate_file)
            try:
                prepared = prepare(candidate_path, "cameras")
            except (ReadError, ImportError_, SchemaError) as exc:
                status.update(label="Cannot read the candidates", state="error")
                st.error(str(exc))
                st.stop()
            finally:
                discard_upload(candidate_path)
            if len(prepared.rejected):
                st.warning(f"{len(prepared.rejected):,} of {prepared.read:,} rows of {candidate_file.name} "
                           "were left out (no usable location).")
            candidates = prepared.accepted
        elif source == "grid":
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
        try:
            result, chosen = site(inc, reach, radius=radius, minutes=minutes,
                                  roads=_road_network(roads_key, roads) if by_road else None,
                                  off_road_kmh=off_road or 5.0, model=model, k=k, target=target,
                                  stations=existing if len(existing) else None, category_weights=weights,
                                  exclusion=exclusion, time_limit=60,
                                  gains_up_to=max(k, 8) if model == "mclp" else None,
                                  aggregate=200.0 if model == "pmedian" else None)
        except ValueError as exc:
            status.update(label="No proposal", state="error")
            st.error(str(exc))
            st.stop()
        status.update(label="Comparing with today…")
        network = _road_network(roads_key, roads) if by_road else None
        new_areas = (drive_time_areas(chosen, network, minutes=minutes, off_road_kmh=off_road) if by_road
                     else service_areas(chosen, radius=radius)) if len(chosen) else None
        compare = compare_plans(inc, existing, chosen, radius=radius, minutes=minutes,
                                roads=network, off_road_kmh=off_road or 5.0,
                                cameras=is_camera, boundaries=units)
        residents = (residents_added(areas if len(existing) else None, new_areas, units)
                     if new_areas is not None else [])
        status.update(label=f"{result.status}: {len(chosen)} sites in {result.seconds:.1f} s", state="complete")
    st.session_state["pl_result"] = {"result": result, "chosen": chosen, "areas": new_areas, "compare": compare,
                                     "residents": residents, "standard": standard}

stored = st.session_state.get("pl_result")
if stored is not None and stored["standard"] != standard:
    stored = None
m = new_map(tuple(to_display(units).total_bounds), tiles=tiles)
outline_layer(units).add_to(m)
if len(areas):
    service_layer(areas).add_to(m)
if gaps is not None and len(gaps):
    gap_layer(gaps).add_to(m)
if not is_camera and len(existing):
    station_layer(existing, name="Existing stations").add_to(m)
if stored is not None:
    proposed_layer(stored["chosen"], radius=radius, areas=stored["areas"] if by_road else None).add_to(m)
planner_legend(gaps=gaps is not None and len(gaps) > 0).add_to(m)
finish(m)
st_folium(m, key="planner_map", height=560, use_container_width=True, returned_objects=[])
map_download(m, name="planner_map", title="Planner")

if gaps is not None and len(gaps):
    st.subheader("Coverage gaps")
    st.dataframe(gap_table(gaps, residents=study.has_population), hide_index=True, width="stretch")

if stored is not None:
    result, chosen, compare = stored["result"], stored["chosen"], stored["compare"]
    st.subheader("Proposed sites")
    if len(chosen) == 0:
        st.info("No new site would cover more incidents: the existing sites already cover every incident "
                "a candidate could reach. Try a smaller service standard or other candidates.")
    gap_text = "proven optimal" if result.gap == 0 else f"gap {result.gap:.2%} to the best bound"
    st.caption(f"{result.model.upper()}: objective {result.objective:,.0f}, {gap_text}, solved in "
               f"{result.seconds:.1f} s ({result.status}); {result.stats.get('candidates_used', 0):,} candidates "
               f"used, {result.stats.get('candidates_excluded', 0):,} excluded.")
    pts = to_display(chosen)
    where = gpd.sjoin(pts[[pts.geometry.name]], to_display(units)[["name", "geometry"]], how="left",
                      predicate="within")
    where = where[~where.index.duplicated()]
    table = pd.DataFrame({"rank": chosen["rank"].to_numpy(), "latitude": pts.geometry.y.round(5).to_numpy(),
                          "longitude": pts.geometry.x.round(5).to_numpy(),
                          "settlement": where["name"].fillna("–").to_numpy(),
                          "incidents newly covered": chosen["new_covered_count"].to_numpy(),
                          "residents newly covered": pd.Series(stored["residents"], dtype=float).round().to_numpy()})
    if "name" in chosen and chosen["name"].notna().any():  # candidates from a file keep their names
        table.insert(1, "candidate", chosen["name"].astype(str).to_numpy())
    for c in CATEGORIES:
        col = f"new_{c}"
        if col in chosen and chosen[col].sum() > 0:
            table[CATEGORY_LABELS[c]] = chosen[col].to_numpy()
    st.dataframe(table, hide_index=True, width="stretch")

    st.subheader("Today and with the proposed sites")
    st.dataframe(comparison_text(compare.table), hide_index=True, width="stretch")
    by_cat = compare.by_category[compare.by_category["incidents"] > 0].drop(columns="category").rename(columns={
        "label": "Category", "incidents": "Incidents", "covered_today": "Covered today",
        "covered_proposal": "Covered with proposal", "newly_covered": "Newly covered"})
    st.dataframe(by_cat, hide_index=True, width="stretch")

    d1, d2, d3 = st.columns(3)
    d1.download_button("Proposed sites (GeoJSON)", pts.to_json().encode(), "proposed_sites.geojson",
                       "application/geo+json")
    d2.download_button("Proposed sites (CSV)", table.to_csv(index=False).encode("utf-8-sig"), "proposed_sites.csv",
                       "text/csv")
    d3.download_button("Comparison (CSV)", pd.concat([compare.table, compare.by_category], ignore_index=True)
                       .to_csv(index=False).encode("utf-8-sig"), "plan_comparison.csv", "text/csv")
    gains = result.stats.get("gains")
    if gains is not None and len(gains):
        st.altair_chart(alt.Chart(gains).mark_line(point=True).encode(
            x=alt.X("k:O", title="New sites"), y=alt.Y("covered:Q", title="Weighted incidents covered"),
            tooltip=["k", "covered", "gain", "gap"]).properties(title="Coverage by number of new sites"),
            width="stretch")
