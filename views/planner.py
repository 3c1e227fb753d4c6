"""Planner: coverage today, the gaps, and provably optimal sites for new stations or cameras."""

from __future__ import annotations

import hashlib

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from geo.coverage import (camera_sectors, coverage_summary, drive_time_areas,
                          nearest_facility, service_areas)
from geo.crs import to_display
from geo.i18n import N_, Tr, place_names
from geo.io.importer import ImportError_, prepare
from geo.io.pointfile import read_points
from geo.io.readers import ReadError, read_areas
from geo.network import RoadNetwork
from geo.siting.compare import compare_plans, residents_added
from geo.report.data import csv_bytes
from geo.report.options import DEFAULT_HOTSPOT_METHOD
from geo.report.tables import gap_table, study_gaps
from geo.select import categories_present, unit_ids, unit_labels, unit_of, within_boundaries
from geo.schema import SchemaError
from geo.siting import along_roads, grid_candidates, road_intersections, site
from geo.siting.demand import incident_demand, mixed_demand, objective_text, point_demand, resident_demand
from geo.stats.population import PopulationSurface, population_surface, surface_note
from layers.basemap import finish, new_map
from layers.boundaries import outline_layer
from layers.cameras import camera_layer, camera_legend
from layers.coverage import gap_layer, planner_legend, proposed_layer, service_layer
from layers.stations import station_layer
from views.health import health_banner
from views.map_cache import cached_map
from views.auth import require
from views.common import (current_study, discard_upload, file_words, load_data, localized, map_download,
                          result_block, stored_upload, study_key, tr)

SPATIAL = ["geojson", "json", "gpkg", "zip", "kml"]
# The options' values stay the same in every language (widget state, tests); only what is shown is translated.
STATION, CAMERA = N_("Police station or post"), N_("Video camera")
DISTANCE, DRIVE = N_("Distance"), N_("Drive time")
GAP_METHOD_LABELS = {"gistar": N_("Hot spots (Gi*) with confidence of at least 95%"),
                     "density": N_("Density (kernel density): its densest tenth")}
MODEL_LABELS = {"mclp": N_("Most incidents covered (MCLP)"),
                "lscp": N_("Fewest sites for a target (LSCP)"),
                "pmedian": N_("Closest on average (p-median)")}
SOURCE_LABELS = {"grid": N_("A regular grid over the settlements"), "roads": N_("Points along the roads"),
                 "intersections": N_("Road intersections"), "file": N_("Points from a file")}
# What the solver says, in plain words.
STATUS_LABELS = {"optimal": N_("Proven optimal"), "time limit": N_("Best found in the time allowed"),
                 "not proven": N_("Best found, not proven optimal"), "infeasible": N_("No solution"),
                 "unbounded": N_("No solution"), "undefined": N_("No answer from the solver")}


def _roads_key(frame: gpd.GeoDataFrame) -> str:
    """A hash of a roads layer's CRS, rows and lines: the same layer (and speeds) gives the same key."""
    digest = hashlib.sha256(f"{frame.crs}|{list(frame.columns)}".encode())
    digest.update(pd.util.hash_pandas_object(pd.DataFrame(frame.drop(columns=frame.geometry.name))).to_numpy())
    for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
        digest.update(wkb or b"-")
    return digest.hexdigest()


@st.cache_resource(show_spinner=False, max_entries=4)
def _road_network(key: str, _roads: gpd.GeoDataFrame) -> RoadNetwork:  # key: _roads_key(_roads)
    """The road network of a roads layer, built once and shared by every drive-time call and rerun."""
    return RoadNetwork.from_roads(_roads)


def road_network(key: str, roads: gpd.GeoDataFrame, _: Tr) -> RoadNetwork:
    """:func:`_road_network` with a spinner in the reader's language (the cache itself knows no language)."""
    with st.spinner(_("Building the road network…")):
        return _road_network(key, roads)


@st.cache_resource(show_spinner=False, max_entries=4)
def _population_surface(key: str, _units: gpd.GeoDataFrame, _roads: gpd.GeoDataFrame,
                        _incidents: gpd.GeoDataFrame) -> PopulationSurface:  # key: study_key(data, f)
    """Where the study's residents live (road density, else incident density), built once per study."""
    return population_surface(_units, roads=_roads, incidents=_incidents)


@st.cache_data(show_spinner=False, max_entries=16)
def coverage_gaps(key: str, _inc: gpd.GeoDataFrame, _existing: gpd.GeoDataFrame | None, _units: gpd.GeoDataFrame,
                  method: str, _roads: gpd.GeoDataFrame, radius: float | None, _areas: gpd.GeoDataFrame
                  ) -> gpd.GeoDataFrame:  # key: the study, the facility, its service standard and the method
    """The hot ground today's sites leave uncovered (:func:`geo.report.tables.study_gaps`), once per study."""
    return study_gaps(_inc, _existing, units=_units, method=method, roads=_roads,
                      **({"radius": radius} if radius is not None else {"areas": _areas}))


def residents_text(v: float, _: Tr) -> str:
    """Residents as a whole number, or "–" where they are not claimed (see :func:`surface_note`)."""
    return "–" if pd.isna(v) else _.int(round(float(v)))


def small_pct(share: float, _: Tr) -> str:
    """A share as a percentage; two decimals below 1 % (a camera sees a few streets), so it never reads 0 when not 0."""
    return _.pct(share, 2 if 0 < share < 0.01 else 1)


def comparison_table(table: pd.DataFrame, _: Tr) -> pd.DataFrame:
    """Today against the proposal (:attr:`PlanComparison.table`) as text: numbers in the reader's form.

    The measures are marked for the catalog in :data:`geo.report.views.MEASURES` (the pack shows them too).
    """
    def shown(measure: str, v: float, change: bool = False) -> str:
        if pd.isna(v):
            return "–"
        sign = "+" if change and v > 0 else ""
        if measure.startswith("Share"):
            return _("{v} pp", v=sign + _.num(v * 100, 1)) if change else _.pct(v)
        return sign + (_.num(v, 1) if "(min)" in measure else _.int(v))

    rows = list(table.itertuples(index=False))
    return pd.DataFrame({_("Measure"): [_(r.measure) for r in rows],
                         _("Today"): [shown(r.measure, r.today) for r in rows],
                         _("With proposal"): [shown(r.measure, r.proposal) for r in rows],
                         _("Change"): [shown(r.measure, r.change, change=True) for r in rows]})


def solve_text(result: object, _: Tr, *, already: float = 0.0, demand: str = "incidents") -> str:
    """What the solver found and how sure it is, in plain words; ``already``: the weight the existing cameras
    see, left out of the solve and added back to the incidents covered; ``demand``: what the sites cover."""
    covered = {"incidents": _("{v} incidents covered, weighted by category", v=_.int(result.objective + already)),
               "residents": _("{v} residents covered", v=_.int(result.objective)),
               "points": _("{v} of the points' weight covered", v=_.num(result.objective, 1)),
               "mixed": _("a score of {v} (the shares of incidents and residents covered, weighted)",
                          v=_.pct(result.objective, 1))}
    value = {"mclp": covered.get(demand, covered["incidents"]),
             "lscp": _("{v} new sites needed", v=_.int(result.objective)),
             "pmedian": (_("{v} m in all from the incidents to their nearest sites, weighted by category",
                           v=_.int(result.objective)) if demand == "incidents" else
                         _("{v} in all: the distance to the nearest site times each point's weight",
                           v=_.num(result.objective, 0)))
             }.get(result.model, _.num(result.objective, 0))
    if result.gap == 0:
        sure = _("Proven optimal: no other choice among these candidates does better.")
    else:
        sure = _("The best choice found in the time allowed; the best possible is at most {gap} better "
                 "(the solver's bound: {bound}).", gap=_.pct(result.gap, 2), bound=_.num(result.bound, 0))
    return _("{model}: {value}. {sure} Solved in {seconds} s; candidate sites used: {used}, left out: {excluded}.",
             model=_(MODEL_LABELS.get(result.model, result.model)), value=value, sure=sure,
             seconds=_.num(result.seconds, 1), used=_.int(result.stats.get("candidates_used", 0)),
             excluded=_.int(result.stats.get("candidates_excluded", 0)))


_ = tr()
require("analyst")  # app.py registers this page for analysts only; an address cannot reach it
data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
st.title(_("Planner"))
st.caption(_("Where new police posts or cameras would help most: what today's sites cover, the hot ground "
             "they leave uncovered, and the best places for new sites."))

study = current_study(data, f)
health_banner(data, study, _)  # what makes these numbers wrong, and what to do
units, inc, roads = study.units, study.incidents, study.roads
if len(units) == 0 and len(inc) >= 3:
    # "Imported data": incidents with no settlements of their own; the candidate sites, the residents and the
    # ground the Planner works on are the settlements', so it says what is missing rather than guessing them
    st.info(_("Planning needs the settlements these incidents lie in: the candidate sites, the residents and the "
              "ground to cover are the settlements'. Import the boundaries of the incidents' place on the Data page."))
    st.page_link("views/data.py", label=_("Import boundaries (Data page)"), icon=":material/upload_file:")
    st.stop()
if len(inc) < 3 or len(units) == 0:
    st.info(_("Choose an area or settlements with incidents in the sidebar."))
    st.stop()
# each stored settlement name in the reader's language
names = dict(zip(data.boundaries["name"].astype(str), place_names(data.boundaries, _.lang), strict=True))
# settlements go by id (names repeat); each shown by its name, a repeated one with its district or area
labels = dict(zip(unit_ids(data.boundaries), unit_labels(data.boundaries, _.lang), strict=True))

c1, c2, c3 = st.columns(3)
facility = c1.radio(_("Facility"), [STATION, CAMERA], key="pl_facility", format_func=_,
                    help=_("Stations serve the ground within reach; cameras see a short range."))
is_camera = facility == CAMERA
by_road = False
if not is_camera:
    by_road = c2.radio(_("Service standard"), [DISTANCE, DRIVE], key="pl_standard", horizontal=True, format_func=_,
                       help=_("How far a station's service reaches: a straight-line distance, or minutes by road "
                              "over the roads layer (drive time).")) == DRIVE
    if by_road and len(roads) == 0:
        c2.warning(_("There are no roads in this area: import a roads layer to use drive times."))
        by_road = False
minutes = off_road = radius = None
# Every drive-time call below takes the one network of this roads layer (built on first use, then cached).
roads_key = _roads_key(roads) if by_road else None
if by_road:
    minutes = c2.number_input(_("Service standard: within (minutes)"), min_value=0.5, max_value=60.0, value=5.0,
                              step=0.5, key="pl_minutes",
                              help=_("An incident is covered when a site can reach it by road in this time."))
    off_road = c2.number_input(_("Speed off the mapped roads (km/h)"), min_value=1.0, max_value=60.0, value=20.0,
                               step=1.0, key="pl_offroad",
                               help=_("From a point to its nearest mapped road. 5 is walking; where the roads "
                                      "layer holds only main roads, about 20 stands for the unmapped streets."))
else:
    radius = c2.number_input(_("Service standard: within (m)"), min_value=50.0, max_value=20_000.0,
                             value=200.0 if is_camera else 1500.0, step=50.0, key=f"pl_radius_{is_camera}",
                             help=_("An incident is covered when a site is at most this far (straight line)."))
models = ["mclp", "lscp"] if by_road else ["mclp", "lscp", "pmedian"]
model = c3.selectbox(_("Goal"), models, key=f"pl_model_{by_road}", format_func=lambda m: _(MODEL_LABELS[m]),
                     help=_("Most incidents covered (MCLP): where k new sites would cover the most incidents. "
                            "Fewest sites for a target (LSCP): how few new sites reach the share of incidents "
                            "you set. Closest on average (p-median): where k new sites bring incidents closest."))

c1, c2, c3 = st.columns(3)
k = target = None
if model == "lscp":
    target = c1.slider(_("Target share of incidents covered"), 0.5, 1.0, 0.9, 0.05, key="pl_target",
                       help=_("0.9 means 9 incidents in 10 within the service standard."))
else:
    k = int(c1.number_input(_("New sites (k)"), min_value=1, max_value=30, value=3, key="pl_k",
                            help=_("How many new sites to place.")))
source = c2.selectbox(_("Candidate sites"), list(SOURCE_LABELS), key=f"pl_source_{is_camera}",
                      index=1 if is_camera else 0, format_func=lambda s: _(SOURCE_LABELS[s]),
                      help=_("Where a new site could go; the best ones are chosen among them."))
candidate_file = spacing = None
if source == "file":
    candidate_file = c3.file_uploader(_("Candidate points"), type=["csv", "xlsx", *SPATIAL], key="pl_cand_file",
                                      help=_("Sites you could use (vacant plots, public buildings): a point file "
                                             "or a table with latitude and longitude."))
else:
    spacing = c3.number_input(_("Distance between candidate sites (m)"), min_value=25.0, max_value=5000.0,
                              value=100.0 if is_camera else 400.0, step=25.0, key=f"pl_spacing_{is_camera}",
                              help=_("Distance between grid points or between points along a road."))
with st.expander(_("Weights by category")):
    st.caption(_("How much an incident of each category counts; 0 leaves the category out."))
    cols = st.columns(4)
    # inputs only for the workspace's categories with incidents in the study (a list of 17 or a registry's own
    # thirty would bury them); every other category keeps weight 1. The widget key is the category's key.
    cat_words = data.categories.labels(_)
    weights = {c: cols[i % 4].number_input(cat_words.get(c, c), 0.0, 10.0, 1.0, 0.5, key=f"pl_w_{c}")
               for i, c in enumerate(categories_present(inc, data.categories.keys))}
with st.expander(_("Where new sites may not go")):
    banned = st.multiselect(_("Settlements to leave out"),
                            sorted(unit_ids(units), key=lambda i: labels.get(i, i)), key="pl_banned",  # ids
                            format_func=lambda s: labels.get(s, s), placeholder=_("Choose settlements"),
                            help=_("No new site inside these settlements; their incidents still count."))
    zone_file = st.file_uploader(_("Exclusion zones (polygons)"), type=SPATIAL, key="pl_zones",
                                 help=_("Parks, water, military or private land: GeoJSON, GeoPackage, zipped "
                                        "Shapefile or KML."))
    zones = []
    if banned:
        zones.append(units[unit_ids(units).isin(banned).to_numpy()][[units.geometry.name]])
    if zone_file is not None:
        zone_path = stored_upload(zone_file)
        try:
            areas_in, rejected_zones = read_areas(zone_path, name=zone_file.name)
        except ReadError as exc:
            st.error(_.message(str(exc)))
        else:
            st.caption(_("Exclusion zones read from {file}: {n}.", file=zone_file.name, n=_.int(len(areas_in))))
            if len(rejected_zones):
                st.warning(_("Rows of {file} that are not polygons were left out: {n}.", file=zone_file.name,
                             n=_.int(len(rejected_zones))))
                st.dataframe(rejected_zones, hide_index=True)
            zones.append(areas_in[[areas_in.geometry.name]].rename_geometry("geometry").to_crs(units.crs))
        finally:
            discard_upload(zone_path)  # read once: the private copy goes at once
    exclusion = (gpd.GeoDataFrame(pd.concat([z.rename_geometry("geometry") if z.geometry.name != "geometry" else z
                                             for z in zones], ignore_index=True), crs=units.crs)
                 if zones else None)

# The pack's, the command line's and the Hotspots page's default method (one method per question).
gap_method = st.selectbox(_("Gaps from"), list(GAP_METHOD_LABELS), key="pl_gap_method",
                          index=list(GAP_METHOD_LABELS).index(DEFAULT_HOTSPOT_METHOD),
                          format_func=lambda g: _(GAP_METHOD_LABELS[g]),
                          help=_("How the hot ground is found before today's coverage is cut out of it; the "
                                 "pack's coverage gaps use the same method as its hot spot maps."))
existing = study.cameras if is_camera else study.stations

# Where the residents live (each settlement's residents spread over its roads, else its incidents): the residents
# covered today, by each proposed site and in the gaps all come from this one surface.
surface = _population_surface(study_key(data, f), units, roads, inc) if study.has_population else None

# What the new sites should cover (geo.siting.demand): the incidents, the residents, both, or any weighted points
demand_words = {"incidents": _("Incidents, weighted by category"), "residents": _("Residents"),
                "mixed": _("Incidents and residents together"), "points": _("Points of a file, by their weight")}
dc1, dc2 = st.columns(2)
demand_kind = dc1.selectbox(_("What the new sites should cover"),
                            ["incidents", *(["residents", "mixed"] if surface is not None else []), "points"],
                            key="pl_demand", format_func=lambda d: demand_words[d],
                            help=_("Residents: each settlement's population spread over its roads. Points: any "
                                   "point file (a population grid, schools, bus stops) with a column of weights; "
                                   "no dates or categories needed."))
incident_share, demand_points, demand_file = None, None, None
if demand_kind == "mixed":
    incident_share = dc2.slider(_("Incidents' part of the goal"), 0.0, 1.0, 0.5, 0.05, key="pl_share",
                                help=_("The rest is the residents' part. Each is a share of its own total."))
elif demand_kind == "points":
    demand_file = dc2.file_uploader(_("Demand points"), type=["csv", "xlsx", *SPATIAL], key="pl_demand_file",
                                    help=_("A point file, or a table with latitude and longitude, and a column of "
                                           "weights (residents, pupils, visitors)."))
    if demand_file is not None:
        demand_path = stored_upload(demand_file)
        try:
            demand_points = read_points(demand_path, name=demand_file.name)
        except (ReadError, ValueError) as exc:
            st.error(_.message(str(exc)))
        finally:
            discard_upload(demand_path)
    if demand_points is not None:
        numeric = [c for c in demand_points.columns if c != demand_points.geometry.name
                   and pd.to_numeric(demand_points[c].astype("string").str.replace(",", ".", regex=False),
                                     errors="coerce").notna().all()]
        demand_weight = dc2.selectbox(_("Weight column"), [None, *numeric], key="pl_demand_weight",
                                      format_func=lambda c: _("Each point counts 1") if c is None else str(c))
        try:
            demand_points = point_demand(demand_points, weight=demand_weight, source=demand_file.name)
        except ValueError as exc:
            st.error(_.message(str(exc)))
            demand_points = None
st.caption(objective_text(demand_kind, incident_share=incident_share, lang=_.lang))

# today's coverage
population_today = None
if len(existing) == 0:
    areas = existing
    covered_today = None
elif by_road:
    network = road_network(roads_key, roads, _)
    today = coverage_summary(inc, existing, minutes=minutes, roads=network, off_road_kmh=off_road, boundaries=units,
                             surface=surface)
    covered_today, population_today = today.covered, today.population
    areas = drive_time_areas(existing, network, minutes=minutes, off_road_kmh=off_road)
else:
    areas = camera_sectors(existing) if is_camera else service_areas(existing, radius=radius)
    today = (coverage_summary(inc, None, areas=areas, boundaries=units, surface=surface) if is_camera
             else coverage_summary(inc, existing, radius=radius, boundaries=units, surface=surface))
    covered_today, population_today = today.covered, today.population
if surface is None:  # no population figures: no residents are claimed (the rates say why)
    population_today = None
m1, m2, m3 = st.columns(3)
if covered_today is not None and is_camera:
    # What the existing cameras see: the incidents inside their viewing sectors, said as one sentence.
    seen = int(covered_today.sum())
    m1.metric(_("Incidents within view of a camera"), _.int(seen))
    share = covered_today.mean()
    m1.caption(_.plural("{seen} of {n} incident in {period} ({share}) happened within view of an existing camera.",
                        "{seen} of {n} incidents in {period} ({share}) happened within view of an existing camera.",
                        len(inc), seen=_.int(seen), share=small_pct(share, _),
                        period=_.period(study.filter.start, study.filter.end)))
elif covered_today is not None:
    m1.metric(_("Incidents covered today"), _("{covered} of {total}", covered=_.int(int(covered_today.sum())),
                                              total=_.int(len(inc))))
    # a share is a level, not a change: said under the card, with no arrow
    m1.caption(_("{share} of the period's incidents", share=_.pct(covered_today.mean())))
if covered_today is not None:
    if population_today is not None:
        m2.metric(_("Residents covered today"), residents_text(population_today["covered"], _))
        if pd.notna(population_today["covered"]):
            m2.caption(_("{share} of the {total} residents counted", share=small_pct(population_today["share"], _),
                         total=_.int(round(population_today["total"]))))
    if not is_camera:
        near = nearest_facility(inc, existing)
        m3.metric(_("Mean distance to the nearest station"), _("{d} m", d=_.int(near["distance_m"].mean())))
else:
    m1.metric(_("Incidents covered today"), "0")
    m1.caption(_("no existing sites here"))
if surface is not None:  # how the residents covered are estimated, and whose are not counted
    st.caption(surface_note(surface, names=names, lang=_.lang))

standard = ("camera", radius) if is_camera else ("drive", minutes, off_road) if by_road else ("radius", radius)
gaps = None
try:
    gaps = coverage_gaps(repr((study_key(data, f), facility, standard, gap_method)), inc,
                         existing if len(existing) else None, units, gap_method, roads,
                         radius if radius is not None and not is_camera else None, areas)
except ValueError as exc:
    st.caption(_("No gaps computed: {reason}", reason=_.message(str(exc))))
# Everything a proposal depends on, in no language: the proposal is shown as current only while the page's
# settings are still these; otherwise it is greyed out and the page asks to propose again.
settings = repr((study_key(data, f), facility, standard, model, k, target, source, spacing,
                 None if candidate_file is None else (candidate_file.name, candidate_file.size),
                 tuple(banned), None if zone_file is None else (zone_file.name, zone_file.size),
                 tuple(sorted(weights.items())), len(existing), demand_kind, incident_share,
                 None if demand_file is None else (demand_file.name, demand_file.size),
                 st.session_state.get("pl_demand_weight") if demand_kind == "points" else None))
if st.button(_("Propose sites"), type="primary", key="pl_run",
             disabled=demand_kind == "points" and demand_points is None,
             help=_("Upload a file of demand points first.") if demand_kind == "points" and demand_points is None
             else None):
    with st.status(_("Choosing sites…"), expanded=False) as status:
        status.update(label=_("Building candidate sites…"))
        if source == "file":
            if candidate_file is None:
                status.update(label=_("No candidate file"), state="error")
                st.error(_("Upload a file of candidate points first."))
                st.stop()
            candidate_path = stored_upload(candidate_file)
            try:
                prepared = prepare(candidate_path, "cameras")
            except (ReadError, ImportError_, SchemaError) as exc:
                status.update(label=_("Cannot read the candidates"), state="error")
                st.error(_.message(str(exc)))
                st.stop()
            finally:
                discard_upload(candidate_path)
            if len(prepared.rejected):
                st.warning(_("{left} of {read} rows of {file} were left out (no usable location).",
                             left=_.int(len(prepared.rejected)), read=_.int(prepared.read), file=candidate_file.name))
            candidates = prepared.accepted
        elif source == "grid":
            candidates = grid_candidates(units, spacing=spacing)
        elif source == "roads":
            candidates = along_roads(roads, spacing=spacing)
        else:
            candidates = road_intersections(roads)
        reach = within_boundaries(candidates, units) if len(candidates) else candidates
        if len(reach) == 0:
            status.update(label=_("No candidate sites"), state="error")
            st.error(_("No candidate sites in this area: choose another source or spacing."))
            st.stop()
        status.update(label=_("Choosing among {candidates} candidate sites for {incidents}…",
                              candidates=_.int(len(reach)), incidents=_.plural("{n} incident", "{n} incidents",
                                                                              len(inc))))
        # Existing cameras see their viewing sectors, not a circle of the standard's radius: for the most
        # covered (MCLP), what they already see leaves the demand, so the solve, each site's gain and the
        # comparison with today count coverage alike (the total adds what they see back).
        demand, fixed, seen_weight = inc, existing if len(existing) else None, 0.0
        demand_weight_column, demand_category_weights = None, weights
        if demand_kind != "incidents":
            if demand_kind == "points" and demand_points is None:
                status.update(label=_("No demand points"), state="error")
                st.error(_("Upload a file of demand points first."))
                st.stop()
            residents_demand = resident_demand(surface) if demand_kind in ("residents", "mixed") else None
            demand = (demand_points if demand_kind == "points" else residents_demand if demand_kind == "residents"
                      else mixed_demand(incident_demand(inc, category_weights=weights), residents_demand,
                                        incident_share=incident_share))
            demand_weight_column, demand_category_weights = "weight", None
        elif is_camera and model == "mclp" and len(existing) and covered_today is not None:
            seen_mask = np.asarray(covered_today, dtype=bool)
            demand, fixed = inc[~seen_mask], None
            # astype(str): a categorical column maps to a categorical, whose sum over no rows is '' not 0
            seen_weight = float(inc["category"][seen_mask].astype(str).map(lambda c: weights.get(c, 1.0))
                                .astype(float).sum())
        try:
            result, chosen = site(demand, reach, radius=radius, minutes=minutes,
                                  roads=road_network(roads_key, roads, _) if by_road else None,
                                  off_road_kmh=off_road or 5.0, model=model, k=k, target=target,
                                  stations=fixed, category_weights=demand_category_weights,
                                  weight=demand_weight_column,
                                  exclusion=exclusion, time_limit=60,
                                  gains_up_to=max(k, 8) if model == "mclp" else None,
                                  aggregate=200.0 if model == "pmedian" else None)
        except ValueError as exc:
            status.update(label=_("No proposal"), state="error")
            st.error(_.message(str(exc)))
            st.stop()
        status.update(label=_("Comparing with today…"))
        network = road_network(roads_key, roads, _) if by_road else None
        new_areas = (drive_time_areas(chosen, network, minutes=minutes, off_road_kmh=off_road) if by_road
                     else service_areas(chosen, radius=radius)) if len(chosen) else None
        compare = compare_plans(inc, existing, chosen, radius=radius, minutes=minutes,
                                roads=network, off_road_kmh=off_road or 5.0,
                                cameras=is_camera, boundaries=units if surface is not None else None,
                                surface=surface)
        residents = (residents_added(areas if len(existing) else None, new_areas, units, surface=surface)
                     if new_areas is not None and surface is not None else [])
        status.update(label=_.plural("{status}: {n} site in {seconds} s", "{status}: {n} sites in {seconds} s",
                                     len(chosen), status=_(STATUS_LABELS.get(result.status, result.status)),
                                     seconds=_.num(result.seconds, 1)), state="complete")
    # Stored as computed, in no language: switching language shows the same proposal in other words.
    st.session_state["pl_result"] = {"result": result, "chosen": chosen, "areas": new_areas, "compare": compare,
                                     "residents": residents, "standard": standard, "settings": settings,
                                     "seen_weight": seen_weight, "demand": demand_kind}

stored = st.session_state.get("pl_result")
stale = stored is not None and stored.get("settings") != settings
proposal = stored if stored is not None and not stale else None


def build_map():  # noqa: ANN201 - a folium map
    m = new_map(tuple(to_display(units).total_bounds), tiles=tiles, lang=_.lang)
    outline_layer(units, lang=_.lang).add_to(m)
    if len(areas) and not is_camera:  # cameras: their own layer below draws what they see
        service_layer(areas, lang=_.lang).add_to(m)
    if gaps is not None and len(gaps):
        gap_layer(gaps, lang=_.lang).add_to(m)
    if not is_camera and len(existing):
        station_layer(existing, name=_("Existing stations"), lang=_.lang).add_to(m)
    if is_camera and len(existing):  # the existing cameras and their viewing sectors, always
        camera_layer(existing, name=_("Existing cameras"), lang=_.lang).add_to(m)
    if proposal is not None:
        proposed_layer(proposal["chosen"], radius=radius, areas=proposal["areas"] if by_road else None,
                       lang=_.lang).add_to(m)
    planner_legend(gaps=gaps is not None and len(gaps) > 0, covered=not is_camera, lang=_.lang).add_to(m)
    if is_camera and len(existing):
        camera_legend(lang=_.lang).add_to(m)
    finish(m, lang=_.lang, places=units)  # settlement names drawn on the map, in the language
    return m


# Today's coverage and its gaps are the same for every reader of this study: built once (views.map_cache).
# A proposal is this session's own: its map is keyed by the proposal's sites too.
chosen_key = None if proposal is None else (proposal["settings"], proposal["chosen"].geometry.to_wkb().tolist())
m = cached_map(repr(("planner", study_key(data, f), facility, standard, gap_method, chosen_key, _.lang, tiles)),
               build_map, widget_key="planner_map", height=560)
st.markdown("**" + _("How to read this map") + "**")
st.caption(_("The shaded ground is what today's sites reach within the service standard. Dashed red shapes "
             "are coverage gaps: places where incidents cluster but no site reaches them. Numbered circles are "
             "the proposed new sites, 1 the most useful, each with the ground it would reach."))
map_download(m, name="planner_map", title=_("Planner"), file_name=file_words(_("Planner map")))

if gaps is not None and len(gaps):
    st.subheader(_("Coverage gaps"))
    st.caption(_("Hot ground that no site reaches today, the largest first."))
    shown_gaps = localized(gap_table(gaps, residents=study.has_population, lang=_.lang, units=data.boundaries), _)
    if hasattr(shown_gaps, "format"):  # areas always with two decimals (0.50 km², not 0.5 beside 1.25)
        shown_gaps = shown_gaps.format({_("Area, km²"): lambda v: _.num(v, 2)}, na_rep="–")
    st.dataframe(shown_gaps, hide_index=True, width="stretch")

if stored is not None:
    with result_block("pl", stale=stale, message=_(
            "The settings have changed since these sites were proposed, so the proposal below is out of date and "
            "no longer on the map: press “Propose sites” again.")):
        result, chosen, compare = stored["result"], stored["chosen"], stored["compare"]
        st.subheader(_("Proposed sites"))
        if len(chosen) == 0:
            st.info(_("No new site would cover more incidents: the existing sites already cover every incident "
                      "a candidate could reach. Try a smaller service standard or other candidates."))
        st.caption(solve_text(result, _, already=stored.get("seen_weight", 0.0),
                              demand=stored.get("demand", "incidents")))
        pts = to_display(chosen)
        where = unit_of(pts, units)  # the one point-in-unit rule: the first unit in table order
        unit_id = unit_ids(units).to_numpy()
        table = pd.DataFrame({_("Rank"): chosen["rank"].to_numpy(), _("Latitude"): pts.geometry.y.round(5).to_numpy(),
                              _("Longitude"): pts.geometry.x.round(5).to_numpy(),
                              _("Settlement"): [labels.get(unit_id[w], unit_id[w]) if w >= 0 else "–"
                                                for w in where],
                              _("Incidents newly covered"): chosen["new_covered_count"].to_numpy(),
                              _("Residents newly covered"): [residents_text(v, _) for v in stored["residents"]]
                              if len(stored["residents"]) == len(chosen) else ["–"] * len(chosen)})
        if "name" in chosen and chosen["name"].notna().any():  # candidates from a file keep their names
            table.insert(1, _("Candidate"), chosen["name"].astype(str).to_numpy())
        for c in data.categories.keys:  # the workspace's own list, in its order and names
            col = f"new_{c}"
            if col in chosen and chosen[col].sum() > 0:
                table[data.categories.label(c, _)] = chosen[col].to_numpy()
        st.dataframe(localized(table, _), hide_index=True, width="stretch")

        st.subheader(_("Today and with the proposed sites"))
        shown_compare = comparison_table(compare.table, _)
        st.dataframe(localized(shown_compare, _), hide_index=True, width="stretch")
        by_cat = compare.by_category[compare.by_category["incidents"] > 0]
        by_cat = pd.DataFrame({_("Category"): by_cat["category"].map(lambda c: data.categories.label(c, _)),
                               _("Incidents"): by_cat["incidents"], _("Covered today"): by_cat["covered_today"],
                               _("Covered with the proposal"): by_cat["covered_proposal"],
                               _("Newly covered"): by_cat["newly_covered"]})
        st.dataframe(localized(by_cat, _), hide_index=True, width="stretch")

        # The files are made when a button is clicked (a callable), not on every run: a run no longer writes three
        # files nobody may take, and a rerun cannot remove a file the browser is still checking (a 404 in its log)
        comparison = pd.concat([shown_compare, by_cat], ignore_index=True)
        d1, d2, d3 = st.columns(3)
        d1.download_button(_("Proposed sites (GeoJSON)"), lambda: pts.to_json().encode(),
                           file_name=_.ctx("file name", "proposed_sites") + ".geojson", mime="application/geo+json")
        d2.download_button(_("Proposed sites (CSV)"), lambda: csv_bytes(table),
                           file_name=_.ctx("file name", "proposed_sites") + ".csv", mime="text/csv")
        d3.download_button(_("Comparison (CSV)"), lambda: csv_bytes(comparison),
                           file_name=_.ctx("file name", "plan_comparison") + ".csv", mime="text/csv")
        gains = result.stats.get("gains")
        if gains is not None and len(gains):
            # the columns keep their names (the chart reads them); titles and tooltips carry the words
            # the axis says what was covered: the demand the proposal was made for
            kind = stored.get("demand", "incidents")
            covered_t = {"incidents": _("Weighted incidents covered"), "residents": _("Residents covered"),
                         "points": _("Weight of the points covered"),
                         "mixed": _("Score: shares of incidents and residents covered")}.get(kind)
            number = ".1%" if kind == "mixed" else ",.0f"
            st.altair_chart(alt.Chart(gains).mark_line(point=True).encode(
                x=alt.X("k:O", title=_("New sites")),
                y=alt.Y("covered:Q", title=covered_t, axis=alt.Axis(format=number)),
                tooltip=[alt.Tooltip("k:O", title=_("New sites")),
                         alt.Tooltip("covered:Q", title=covered_t, format=number),
                         alt.Tooltip("gain:Q", title=_("Gain from the last site"), format=number)])
                .properties(title=_("Coverage by number of new sites"), height=300), width="stretch")
