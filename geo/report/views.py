"""The maps of the pack, each with its tables and every parameter used.

Each map runs the same analysis as its page (hot spots, rates, coverage,
gaps, sites) on the study of :mod:`geo.report.study`, and returns a
:class:`~geo.report.options.MapView`: what to draw (a
:class:`geo.content.MapContent`), the title, the tables and the parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.content import MapContent
from geo.coverage import camera_sectors, coverage_summary, drive_time_areas, service_areas
from geo.crs import WGS84
from geo.i18n import N_, Tr, place_names
from geo.plain import plain
from geo.privacy import viewer_density, viewer_hotspots
from geo.report.options import MAP_KINDS, MapView, ReportOptions
from geo.report.study import PackStudy, pack_study
from geo.report.tables import (empty_top, gap_table, settlement_names, study_gaps, top_density_peaks,
                               top_hot_spots)
from geo.report.text import LISA_WORDS, category_label, iso, some
from geo.categories import CategoryList, categories_of
from geo.select import unit_labels
from geo.siting import grid_candidates, site
from geo.siting.compare import compare_plans, residents_added
from geo.stats.population import population_surface, surface_params
from geo.stats.areas import area_statistics
from geo.stats.density import kernel_density
from geo.stats.hotspots import MIN_INCIDENTS, hotspots

__all__ = ["LISA_PERMUTATIONS", "MEASURES", "make_view", "map_content", "number_text", "standard_text",
           "uses_roads"]

LISA_PERMUTATIONS = 999
# The Planner page's words, when the incidents have no settlements to plan in (the pack says the same).
PLANNING_NEEDS_SETTLEMENTS = N_("Planning needs the settlements these incidents lie in: the candidate sites, the "
                                "residents and the ground to cover are the settlements'. Import the boundaries of "
                                "the incidents' place on the Data page.")
# The measures of geo.siting.compare's table, for the catalog: the pack shows them in the reader's language.
MEASURES = (N_("Incidents covered"), N_("Share of incidents covered"), N_("Residents covered"),
            N_("Share of residents covered"), N_("Mean drive time to the nearest site, covered incidents (min)"),
            N_("Mean distance to the nearest site (m)"), N_("Median distance to the nearest site (m)"))


def map_content(kind: str, layers: Mapping[str, gpd.GeoDataFrame], *, options: ReportOptions,
                category: str | None = None) -> MapView:
    """One map of the pack: its layers, title, parameters and tables.

    Parameters
    ----------
    kind : {"overview", "hotspots", "coverage", "sites"}
        See the module docstring.
    layers : mapping of str to geopandas.GeoDataFrame
        As from :func:`read_layers`; missing layers are taken as empty.
    options : ReportOptions
        The study area and parameters.
    category : str, optional
        ``"hotspots"`` only: analyse this category alone.

    Returns
    -------
    MapView
    """
    if kind not in MAP_KINDS:
        msg = f"unknown map kind {kind!r}; choose one of {', '.join(MAP_KINDS)}"
        raise ValueError(msg)
    if category is not None and kind != "hotspots":
        msg = "a single category is for the hotspots map"
        raise ValueError(msg)
    keys = (options.category_list or categories_of(layers.get("incidents"))).keys
    if category is not None and category not in keys:
        msg = f"unknown category {category!r}; categories: {', '.join(keys)}"
        raise ValueError(msg)
    return make_view(kind, pack_study(layers, options), category)


def make_view(kind: str, s: PackStudy, category: str | None = None) -> MapView:
    if kind == "overview":
        view = _overview(s)
    elif kind == "hotspots":
        view = _hotspots(s, category)
    elif kind == "coverage":
        view = _coverage(s)
    else:
        view = _sites(s)
    return replace(view, content=replace(view.content, label_field=s.options.labels), lang=s.options.lang)


def number_text(_: Tr, value: float) -> str:
    """A parameter as written: whole numbers without decimals ("1 500"), others to one decimal ("2,5")."""
    return _.int(value) if float(value).is_integer() else _.num(value, 1)


def _base_params(s: PackStudy, n: int | None = None) -> dict[str, Any]:
    o = s.options
    return {"area": o.area, "settlements": len(s.units), "units": list(o.units) if o.units else None,
            "start": iso(o.start), "end": iso(o.end), "days": s.filter.days,
            "categories": list(o.categories) if o.categories else "all",
            "incidents": len(s.incidents) if n is None else n, "incidents_outside": s.outside}


def _overview(s: PackStudy) -> MapView:
    _ = s.tr
    notes: list[str] = []
    params = {**_base_params(s), "stations": len(s.stations), "cameras": len(s.cameras), "roads": len(s.roads)}
    rates = None
    tables: dict[str, pd.DataFrame] = {}
    yearly = bool(s.filter.days)
    reading = _("Each dot is one incident; police stations, video cameras and roads are drawn as the legend "
                "shows.")
    if len(s.units):
        stats = area_statistics(s.incidents, s.units, days=s.filter.days, permutations=LISA_PERMUTATIONS)
        settlement, incidents = _("Settlement"), _("Incidents")
        table = pd.DataFrame({settlement: unit_labels(stats, s.options.lang).to_numpy(),
                              incidents: stats["count"].astype(int).to_numpy()})
        if s.has_population:
            raw = _("Rate per 100,000 a year") if yearly else _("Rate per 100,000 residents")
            eb = (_("Smoothed rate per 100,000 a year (Empirical Bayes)") if yearly
                  else _("Smoothed rate per 100,000 residents (Empirical Bayes)"))
            table.insert(1, _("Population"), pd.to_numeric(stats["population"], errors="coerce").to_numpy())
            table[raw] = stats["rate"].round(1).to_numpy()
            table[eb] = stats["eb_rate"].round(1).to_numpy()
            if (stats["rate_note"] != "").any():  # why a settlement has no rate, in the pack's language
                table[_("Why no rate")] = stats["rate_note"].astype(str).map(_.message).to_numpy()
            table[_("Cluster of high or low rates (LISA)")] = stats["lisa_cluster"].astype(str).map(
                lambda c: _(LISA_WORDS[c]) if c in LISA_WORDS else c).to_numpy()
            table = table.sort_values([eb, settlement], ascending=[False, True], kind="stable", na_position="last")
            shown = stats[np.isfinite(stats["eb_rate"].to_numpy(dtype=float))]
            rates = shown.assign(value=shown["eb_rate"].astype(float))
            per = " a year" if yearly else ""
            params |= {"rates": f"Empirical Bayes rate per 100,000 residents{per}",
                       "lisa": "Local Moran's I of the EB rates, queen contiguity",
                       "lisa_permutations": LISA_PERMUTATIONS, "lisa_fdr": True, "lisa_alpha": 0.05,
                       "lisa_cutoff": plain(stats.attrs.get("lisa_cutoff"))}
            reading = _("Each dot is one incident; police stations, video cameras and roads are drawn as the "
                        "legend shows. The settlements are coloured by the smoothed rate (Empirical Bayes): "
                        "incidents per 100,000 residents a year. The darker the colour, the more incidents for "
                        "the number of people living there. The rate of a village with few residents is pulled "
                        "towards the overall rate, so a few incidents do not make it look like a crime wave.")
        else:
            table = table.sort_values([incidents, settlement], ascending=[False, True], kind="stable")
            notes.append(_("The settlements have no population figures: no rates are shown."))
        tables["settlements"] = table.reset_index(drop=True)
    else:
        notes.append(_("There is no boundaries layer: no settlements and no rates."))
    content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(s.stations),
                         cameras=some(s.cameras), incidents=some(s.incidents), rates=some(rates),
                         rate_label=(_("Incidents per 100,000 residents a year, smoothed (Empirical Bayes)")
                                     if yearly else _("Incidents per 100,000 residents, smoothed (Empirical Bayes)")))
    return MapView(kind="overview", category=None, content=content,
                   title=_("Overview: incidents, police and rates"),
                   subtitle=s.subtitle(), params=params, tables=tables, notes=tuple(notes), reading=reading)


def _hotspots(s: PackStudy, category: str | None) -> MapView:
    o, _ = s.options, s.tr
    inc = s.incidents if category is None else s.incidents[s.incidents["category"] == category]
    what = (category_label(_, category, categories=o.category_list) if category is not None
            else _("all selected categories"))
    params: dict[str, Any] = {**_base_params(s, len(inc)), "category": category, "method": o.hotspot_method}
    notes: list[str] = []
    gi_cells = density = None
    table = empty_top(o.hotspot_method, lang=o.lang)
    least = max(o.min_incidents, o.min_count)  # a viewer's pack lists no place of fewer than min_count
    if len(inc) < MIN_INCIDENTS:
        notes.append(_("{what}: {incidents}, too few for a hot spot analysis (at least {least}).", what=what,
                       incidents=_.plural("{n} incident", "{n} incidents", len(inc)), least=_.int(MIN_INCIDENTS)))
    elif o.hotspot_method == "gistar":
        try:
            res = hotspots(inc, cell=o.cell, boundary=some(s.units))
        except ValueError as exc:
            notes.append(_("{what}: no hot spot analysis ({reason}).", what=what, reason=_.message(str(exc))))
        else:
            if o.min_count:  # a viewer's cells: no count or z of a cell of fewer incidents (as the page)
                res = viewer_hotspots(res, min_count=o.min_count)
            gi_cells = res.cells
            bins = gi_cells["gi_bin"].to_numpy()
            params |= {"cell_m": float(res.cell), "cell_rule": res.params["cell_rule"], "band_m": float(res.band),
                       "band_rule": res.params["band_rule"], "shape": res.shape, "cells": len(gi_cells),
                       "hot_cells": int((bins > 0).sum()), "cold_cells": int((bins < 0).sum()),
                       "hot_cells_99": int((bins == 3).sum()), "fdr": bool(res.fdr),
                       "permutations": res.permutations, "p_values": res.params["p_for_bins"],
                       "incidents_analysed": plain(res.n_incidents), "crs": res.crs.to_string()}
            params |= {"min_incidents": least, "adjacency": "queen"}
            if o.min_count:
                params["privacy"] = res.params["privacy"]
            table = top_hot_spots(res, inc, s.units, s.roads, min_incidents=least, lang=o.lang)
    else:
        try:
            density = kernel_density(inc, bandwidth=o.bandwidth, cell=o.cell)
        except ValueError as exc:  # e.g. every incident at one place: no default bandwidth
            notes.append(_("{what}: no density surface ({reason}).", what=what, reason=_.message(str(exc))))
        else:
            if o.min_count:  # a viewer's surface: blank where fewer incidents shape it (as the page)
                density = viewer_density(density, inc, min_count=o.min_count)
    if density is not None:
        params |= {"kernel": density.kernel, "bandwidth_m": density.bandwidth,
                   "bandwidth_rule": "given" if o.bandwidth is not None else "Silverman's rule, as ArcGIS",
                   "cell_m": density.cell,
                   "cell_rule": "given" if o.cell is not None else "shorter side of the extent / 250, as ArcGIS",
                   "grid": list(density.shape), "max_per_km2": float(density.values.max()),
                   "crs": density.crs.to_string()}
        params |= {"min_incidents": least}
        if o.min_count:
            params["privacy"] = {"method": "suppress", "min_count": int(o.min_count)}
        table = top_density_peaks(density, inc, s.units, s.roads, min_incidents=least, lang=o.lang)
    content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(s.stations),
                         gi_cells=gi_cells, density=density)
    if o.hotspot_method == "gistar":
        title = _("Hot spots (Gi*): {what}", what=what)
        reading = _("Red cells are hot spots: places where incidents cluster more than chance allows (Gi*). The "
                    "darker the red, the surer the method is (confidence 90, 95 or 99 %). Blue cells are cold "
                    "spots, with fewer incidents than their surroundings; uncoloured ground shows no clear "
                    "pattern. Prevention and patrols pay most in the darkest red cells.")
    else:
        title = _("Incident density (kernel density): {what}", what=what)
        reading = _("The colour shows how many incidents there are per km² around each place (kernel density): "
                    "the darker, the more. Each incident is spread over its surroundings within the search "
                    "radius (bandwidth), so a colour means “many incidents nearby”, not an exact address.")
    return MapView(kind="hotspots", category=category, content=content, title=title,
                   subtitle=s.subtitle(category, len(inc)), params=params, tables={"top": table},
                   notes=tuple(notes), reading=reading)


def uses_roads(s: PackStudy) -> bool:
    """Whether the drive-time standard applies: asked for, and roads to drive on."""
    return s.options.minutes is not None and len(s.roads) > 0


def standard_text(s: PackStudy) -> str:
    """The service standard in words: "10 min by road" or "1,500 m", in the pack's language."""
    o, _ = s.options, s.tr
    if uses_roads(s):
        return _("{minutes} min by road", minutes=number_text(_, o.minutes))
    return _("{metres} m", metres=number_text(_, o.radius))


def _coverage(s: PackStudy) -> MapView:
    o, _ = s.options, s.tr
    notes: list[str] = []
    inc, stations = s.incidents, s.stations
    pop_units = s.units if s.has_population else None
    # Residents covered: each settlement's residents spread over its roads (else incidents), as on the Planner.
    surface = population_surface(s.units, roads=s.roads, incidents=inc) if s.has_population else None
    by_road = uses_roads(s)
    if o.minutes is not None and not by_road:
        notes.append(_("There are no roads in the study area: coverage uses the straight-line {metres} m instead "
                       "of the drive time.", metres=number_text(_, o.radius)))
    params: dict[str, Any] = {**_base_params(s), "stations": len(stations)}
    if by_road:
        params |= {"standard": "drive time", "minutes": float(o.minutes), "off_road_kmh": float(o.off_road_kmh)}
    else:
        params |= {"standard": "straight-line distance", "radius_m": float(o.radius)}
    tables: dict[str, pd.DataFrame] = {}
    if len(stations) == 0:
        notes.append(_("There are no police stations in the selected settlements: nothing is covered today."))
    if by_road and len(stations):
        areas = drive_time_areas(stations, s.network, minutes=o.minutes, off_road_kmh=o.off_road_kmh)
        summary = coverage_summary(inc, stations, minutes=o.minutes, roads=s.network, off_road_kmh=o.off_road_kmh,
                                   boundaries=pop_units, surface=surface)
    else:
        areas = service_areas(stations, radius=o.radius) if len(stations) else None
        summary = coverage_summary(inc, stations, radius=o.radius, boundaries=pop_units, surface=surface)
    params |= {"covered": int(summary.overall["covered"]), "share": plain(summary.overall["share"])}
    if summary.population is not None:
        params |= {"residents": plain(round(summary.population["total"])),
                   "residents_covered": plain(summary.population["covered"]),
                   "residents_share": plain(summary.population["share"]),
                   "residents_surface": surface_params(surface)}
    per = summary.per_facility
    standard = standard_text(s)
    tables["by_station"] = pd.DataFrame({
        _("Station"): _local_names(per["name"], stations, o.lang),
        _("Incidents within {standard}", standard=standard): per["incidents"],
        _("Share of incidents"): per["share"].round(4), _("Covered by it alone"): per["unique"]})
    by = summary.by_category if summary.by_category is not None else pd.DataFrame(
        {"category": [], "incidents": [], "covered": [], "share": []})
    tables["by_category"] = pd.DataFrame({
        _("Category"): [category_label(_, c, categories=o.category_list) for c in by["category"]],
        _("Incidents"): by["incidents"].astype(int).to_numpy(), _("Covered"): by["covered"].astype(int).to_numpy(),
        _("Share covered"): by["share"].astype(float).round(4).to_numpy()})

    gaps = None
    params |= {"gap_method": o.hotspot_method}
    try:
        if len(s.units) == 0:  # as the Planner: gaps, candidates and residents are the settlements'
            raise ValueError(PLANNING_NEEDS_SETTLEMENTS)
        gaps = study_gaps(inc, stations, units=s.units, method=o.hotspot_method, cell=o.cell, roads=s.roads,
                          **({"areas": areas} if by_road and areas is not None else {"radius": o.radius}))
    except ValueError as exc:
        notes.append(_(PLANNING_NEEDS_SETTLEMENTS) if str(exc) == PLANNING_NEEDS_SETTLEMENTS else
                     _("No coverage gaps computed ({reason}).", reason=_.message(str(exc))))
    else:
        if gaps is None:
            notes.append(_("Too few incidents to look for coverage gaps."))
        else:
            params |= {"gaps": len(gaps), "gap_cell_m": plain(gaps.attrs.get("cell")),
                       "gap_threshold_per_km2": plain(gaps.attrs.get("threshold"))}
    tables["gaps"] = gap_table(gaps, residents=s.has_population, lang=o.lang, units=s.units)
    cameras = s.cameras
    if len(cameras):
        # Cameras watch what they face: coverage by their viewing sectors (range, direction, field of view).
        cams = coverage_summary(inc, None, areas=camera_sectors(cameras), by=None)
        params |= {"cameras": len(cameras), "camera_covered": int(cams.overall["covered"]),
                   "camera_share": plain(cams.overall["share"])}
        per_cam = cams.per_facility
        tables["by_camera"] = pd.DataFrame({
            _("Camera"): _local_names(per_cam["name"], cameras, o.lang), _("Incidents in view"): per_cam["incidents"],
            _("Share of incidents"): per_cam["share"].round(4), _("Seen by it alone"): per_cam["unique"]})
    content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(stations),
                         cameras=some(cameras), coverage=areas, gaps=some(gaps))
    return MapView(kind="coverage", category=None, content=content,
                   title=_("Coverage within {standard} of a station, and the gaps", standard=standard),
                   subtitle=s.subtitle(), params=params, tables=tables, notes=tuple(notes),
                   reading=_("The shaded areas are within reach of a police station ({standard}): incidents there "
                             "are covered. The coverage gaps are hot ground with incidents that no station "
                             "reaches: the first places to consider for a new post, a camera or a patrol route.",
                             standard=standard))


def _local_names(names: pd.Series, layer: gpd.GeoDataFrame, lang: str) -> np.ndarray:
    """Stations' or cameras' names (as the coverage summary gives them) in ``lang`` where the layer has them."""
    local = (dict(zip(layer["name"].astype(str), place_names(layer, lang), strict=True))
             if len(layer) and "name" in layer else {})
    return names.astype(str).map(lambda n: local.get(n, n)).to_numpy()


def _sites(s: PackStudy) -> MapView:
    o, _ = s.options, s.tr
    inc, stations = s.incidents, s.stations
    notes: list[str] = []
    by_road = uses_roads(s)
    params: dict[str, Any] = {**_base_params(s), "model": "mclp", "k": int(o.k),
                              "candidate_source": "grid", "candidate_spacing_m": float(o.candidate_spacing),
                              "stations_kept": len(stations), "time_limit_s": float(o.time_limit)}
    if by_road:
        params |= {"standard": "drive time", "minutes": float(o.minutes), "off_road_kmh": float(o.off_road_kmh)}
        standard = {"minutes": o.minutes, "roads": s.network, "off_road_kmh": o.off_road_kmh}
    else:
        params |= {"standard": "straight-line distance", "radius_m": float(o.radius)}
        standard = {"radius": o.radius}

    def reach_of(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
        if len(sites) == 0:
            return None
        if by_road:
            return drive_time_areas(sites, s.network, minutes=o.minutes, off_road_kmh=o.off_road_kmh)
        return service_areas(sites, radius=o.radius)

    today = reach_of(stations)
    empty = {"proposed_sites": pd.DataFrame(), "comparison": pd.DataFrame(), "comparison_by_category": pd.DataFrame()}
    title = _.plural("{n} proposed new site: most incidents covered within {standard} (MCLP)",
                     "{n} proposed new sites: most incidents covered within {standard} (MCLP)", int(o.k),
                     standard=standard_text(s))
    reading = _("The numbered symbols are the proposed new sites, in the order to add them, with the area each "
                "would reach shaded; the existing stations keep theirs. The sites are chosen so that, together with "
                "the existing stations, they cover the most incidents (MCLP). The tables say what each site adds.")
    if len(inc) == 0 or len(s.units) == 0:
        # no settlements (the incidents studied on their own): the Planner proposes nothing either
        notes.append(_("No incidents pass the filters: no sites proposed.") if len(inc) == 0 else
                     _(PLANNING_NEEDS_SETTLEMENTS))
        content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(stations), coverage=today)
        return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(),
                       params=params, tables=empty, notes=tuple(notes), reading=reading)
    candidates = grid_candidates(s.units, spacing=o.candidate_spacing)
    params["candidates"] = len(candidates)
    if len(candidates) == 0:
        notes.append(_("No grid point {metres} m apart falls in the settlements: give a smaller candidate "
                       "spacing.", metres=number_text(_, o.candidate_spacing)))
        content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(stations), coverage=today)
        return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(),
                       params=params, tables=empty, notes=tuple(notes), reading=reading)
    res, chosen = site(inc, candidates, model="mclp", k=int(o.k), stations=some(stations),
                       time_limit=o.time_limit, **standard)
    params |= {"candidates_used": int(res.stats.get("candidates_used", len(candidates))),
               "objective": plain(res.objective), "covered": plain(res.covered), "bound": plain(res.bound),
               "gap": plain(res.gap), "status": res.status, "solver": str(res.stats.get("solver", "")),
               "sites": len(chosen)}
    if len(chosen) < o.k:
        notes.append(_.plural("Only {n} new site would add coverage: another would cover no further incident.",
                              "Only {n} new sites would add coverage: another would cover no further incident.",
                              len(chosen)))
    new_areas = reach_of(chosen)
    pop_units = s.units if s.has_population else None
    surface = population_surface(s.units, roads=s.roads, incidents=inc) if s.has_population else None
    compare = compare_plans(inc, some(stations), chosen, boundaries=pop_units, surface=surface, **standard)

    pts = chosen.to_crs(WGS84)
    table = pd.DataFrame({_("Rank"): chosen["rank"].to_numpy(), _("Latitude"): pts.geometry.y.round(5).to_numpy(),
                          _("Longitude"): pts.geometry.x.round(5).to_numpy(),
                          _("Settlement"): settlement_names(pts.geometry, s.units, lang=o.lang),
                          _("Incidents newly covered"): chosen["new_covered_count"].astype(int).to_numpy()})
    if pop_units is not None and new_areas is not None:
        table[_("Residents newly covered")] = residents_added(today, new_areas, pop_units, surface=surface)
    for c in CategoryList.of(o.category_list).keys:
        col = f"new_{c}"
        if col in chosen and int(chosen[col].sum()) > 0:
            table[category_label(_, c, categories=o.category_list)] = chosen[col].astype(int).to_numpy()
    measures = compare.table["measure"].astype(str)
    comparison = pd.DataFrame({_("Measure"): measures.map(_.message).to_numpy(),
                               _("Today"): compare.table["today"].to_numpy(),
                               _("With proposal"): compare.table["proposal"].to_numpy(),
                               _("Change"): compare.table["change"].to_numpy()})
    # how each row reads (a share, minutes, a count or metres): the pack writes the values by it
    comparison.attrs["measures"] = measures.tolist()
    by_cat = compare.by_category[compare.by_category["incidents"] > 0]
    names = [category_label(_, c, categories=o.category_list) for c in by_cat["category"]]
    by_cat = pd.DataFrame({_("Category"): names,
                           _("Incidents"): by_cat["incidents"].to_numpy(),
                           _("Covered today"): by_cat["covered_today"].to_numpy(),
                           _("Covered with the proposal"): by_cat["covered_proposal"].to_numpy(),
                           _("Newly covered"): by_cat["newly_covered"].to_numpy()})
    content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(stations), coverage=today,
                         proposed=some(pts), proposed_areas=new_areas)
    return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(), params=params,
                   tables={"proposed_sites": table, "comparison": comparison, "comparison_by_category": by_cat},
                   notes=tuple(notes), reading=reading)
