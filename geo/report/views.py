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
from geo.plain import plain
from geo.report.options import MAP_KINDS, MapView, ReportOptions
from geo.report.study import PackStudy, pack_study
from geo.report.tables import (empty_top, gap_table, settlement_names, study_gaps, top_density_peaks,
                               top_hot_cells)
from geo.report.text import LISA_WORDS, count_text, iso, some
from geo.schema import CATEGORIES, CATEGORY_LABELS
from geo.siting import grid_candidates, site
from geo.siting.compare import compare_plans, residents_added
from geo.stats.areas import area_statistics
from geo.stats.density import kernel_density
from geo.stats.hotspots import MIN_INCIDENTS, hotspots

__all__ = ["LISA_PERMUTATIONS", "make_view", "uses_roads", "map_content", "standard_text"]

LISA_PERMUTATIONS = 999


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
    if category is not None and category not in CATEGORIES:
        msg = f"unknown category {category!r}; categories: {', '.join(CATEGORIES)}"
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
    return replace(view, content=replace(view.content, label_field=s.options.labels))


def _base_params(s: PackStudy, n: int | None = None) -> dict[str, Any]:
    o = s.options
    return {"area": o.area, "settlements": len(s.units), "units": list(o.units) if o.units else None,
            "start": iso(o.start), "end": iso(o.end), "days": s.filter.days,
            "categories": list(o.categories) if o.categories else "all",
            "incidents": len(s.incidents) if n is None else n, "incidents_outside": s.outside}


def _overview(s: PackStudy) -> MapView:
    notes: list[str] = []
    params = {**_base_params(s), "stations": len(s.stations), "cameras": len(s.cameras), "roads": len(s.roads)}
    rates = None
    tables: dict[str, pd.DataFrame] = {}
    if len(s.units):
        stats = area_statistics(s.incidents, s.units, days=s.filter.days, permutations=LISA_PERMUTATIONS)
        table = pd.DataFrame({"Settlement": stats["name"].astype(str).to_numpy(),
                              "Incidents": stats["count"].astype(int).to_numpy()})
        if s.has_population:
            per = " a year" if s.filter.days else ""
            table.insert(1, "Population", pd.to_numeric(stats["population"], errors="coerce").to_numpy())
            table[f"Rate per 100,000{per}"] = stats["rate"].round(1).to_numpy()
            table[f"EB rate per 100,000{per}"] = stats["eb_rate"].round(1).to_numpy()
            table["LISA cluster"] = stats["lisa_cluster"].astype(str).map(lambda c: LISA_WORDS.get(c, c)).to_numpy()
            table = table.sort_values([f"EB rate per 100,000{per}", "Settlement"], ascending=[False, True],
                                      kind="stable", na_position="last")
            shown = stats[np.isfinite(stats["eb_rate"].to_numpy(dtype=float))]
            rates = shown.assign(value=shown["eb_rate"].astype(float))
            params |= {"rates": f"Empirical Bayes rate per 100,000 residents{per}",
                       "lisa": "Local Moran's I of the EB rates, queen contiguity",
                       "lisa_permutations": LISA_PERMUTATIONS, "lisa_fdr": True, "lisa_alpha": 0.05,
                       "lisa_cutoff": plain(stats.attrs.get("lisa_cutoff"))}
        else:
            table = table.sort_values(["Incidents", "Settlement"], ascending=[False, True], kind="stable")
            notes.append("The settlements have no population figures: no rates are shown.")
        tables["settlements"] = table.reset_index(drop=True)
    else:
        notes.append("There is no boundaries layer: no settlements and no rates.")
    content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(s.stations),
                         cameras=some(s.cameras), incidents=some(s.incidents), rates=some(rates),
                         rate_label=("Incidents per 100,000 a year (Empirical Bayes)" if s.filter.days
                                     else "Incidents per 100,000 (Empirical Bayes)"))
    return MapView(kind="overview", category=None, content=content,
                   title="Overview: incidents, police and rates",
                   subtitle=s.subtitle(), params=params, tables=tables, notes=tuple(notes))


def _hotspots(s: PackStudy, category: str | None) -> MapView:
    o = s.options
    inc = s.incidents if category is None else s.incidents[s.incidents["category"] == category]
    what = CATEGORY_LABELS.get(category, category) if category is not None else "all selected categories"
    params: dict[str, Any] = {**_base_params(s, len(inc)), "category": category, "method": o.hotspot_method}
    notes: list[str] = []
    gi_cells = density = None
    table = empty_top(o.hotspot_method)
    if len(inc) < MIN_INCIDENTS:
        notes.append(f"{what}: {count_text(len(inc), 'incident')}, too few for a hot spot analysis "
                     f"(at least {MIN_INCIDENTS}).")
    elif o.hotspot_method == "gistar":
        try:
            res = hotspots(inc, cell=o.cell, boundary=some(s.units))
        except ValueError as exc:
            notes.append(f"{what}: no hot spot analysis ({exc}).")
        else:
            gi_cells = res.cells
            bins = gi_cells["gi_bin"].to_numpy()
            params |= {"cell_m": float(res.cell), "cell_rule": res.params["cell_rule"], "band_m": float(res.band),
                       "band_rule": res.params["band_rule"], "shape": res.shape, "cells": len(gi_cells),
                       "hot_cells": int((bins > 0).sum()), "cold_cells": int((bins < 0).sum()),
                       "hot_cells_99": int((bins == 3).sum()), "fdr": bool(res.fdr),
                       "permutations": res.permutations, "p_values": res.params["p_for_bins"],
                       "incidents_analysed": plain(res.n_incidents), "crs": res.crs.to_string()}
            table = top_hot_cells(gi_cells, s.units)
    else:
        try:
            density = kernel_density(inc, bandwidth=o.bandwidth, cell=o.cell)
        except ValueError as exc:  # e.g. every incident at one place: no default bandwidth
            notes.append(f"{what}: no density surface ({exc}).")
    if density is not None:
        params |= {"kernel": density.kernel, "bandwidth_m": density.bandwidth,
                   "bandwidth_rule": "given" if o.bandwidth is not None else "Silverman's rule, as ArcGIS",
                   "cell_m": density.cell,
                   "cell_rule": "given" if o.cell is not None else "shorter side of the extent / 250, as ArcGIS",
                   "grid": list(density.shape), "max_per_km2": float(density.values.max()),
                   "crs": density.crs.to_string()}
        table = top_density_peaks(density, s.units)
    content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(s.stations),
                         gi_cells=gi_cells, density=density)
    title = f"Hot spots: {what}" if o.hotspot_method == "gistar" else f"Incident density: {what}"
    return MapView(kind="hotspots", category=category, content=content, title=title,
                   subtitle=s.subtitle(category, len(inc)), params=params, tables={"top": table},
                   notes=tuple(notes))


def uses_roads(s: PackStudy) -> bool:
    """Whether the drive-time standard applies: asked for, and roads to drive on."""
    return s.options.minutes is not None and len(s.roads) > 0


def standard_text(s: PackStudy) -> str:
    o = s.options
    return f"{o.minutes:g} min by road" if uses_roads(s) else f"{o.radius:,.0f} m"


def _coverage(s: PackStudy) -> MapView:
    o = s.options
    notes: list[str] = []
    inc, stations = s.incidents, s.stations
    pop_units = s.units if s.has_population else None
    by_road = uses_roads(s)
    if o.minutes is not None and not by_road:
        notes.append(f"There are no roads in the study area: coverage uses the straight-line {o.radius:,.0f} m "
                     "instead of the drive time.")
    params: dict[str, Any] = {**_base_params(s), "stations": len(stations)}
    if by_road:
        params |= {"standard": "drive time", "minutes": float(o.minutes), "off_road_kmh": float(o.off_road_kmh)}
    else:
        params |= {"standard": "straight-line distance", "radius_m": float(o.radius)}
    tables: dict[str, pd.DataFrame] = {}
    if len(stations) == 0:
        notes.append("There are no police stations in the selected settlements: nothing is covered today.")
    if by_road and len(stations):
        areas = drive_time_areas(stations, s.network, minutes=o.minutes, off_road_kmh=o.off_road_kmh)
        summary = coverage_summary(inc, stations, minutes=o.minutes, roads=s.network, off_road_kmh=o.off_road_kmh,
                                   boundaries=pop_units)
    else:
        areas = service_areas(stations, radius=o.radius) if len(stations) else None
        summary = coverage_summary(inc, stations, radius=o.radius, boundaries=pop_units)
    params |= {"covered": int(summary.overall["covered"]), "share": plain(summary.overall["share"])}
    if summary.population is not None:
        params |= {"residents": plain(summary.population["total"]),
                   "residents_covered": plain(round(summary.population["covered"])),
                   "residents_share": plain(summary.population["share"])}
    per = summary.per_facility
    tables["by_station"] = pd.DataFrame({
        "Station": per["name"].astype(str).to_numpy(), f"Incidents within {standard_text(s)}": per["incidents"],
        "Share of incidents": per["share"].round(4), "Covered by it alone": per["unique"]})
    by = summary.by_category if summary.by_category is not None else pd.DataFrame(
        {"category": [], "incidents": [], "covered": [], "share": []})
    tables["by_category"] = pd.DataFrame({
        "Category": by["category"].map(lambda c: CATEGORY_LABELS.get(c, c)).to_numpy(),
        "Incidents": by["incidents"].astype(int).to_numpy(), "Covered": by["covered"].astype(int).to_numpy(),
        "Share covered": by["share"].astype(float).round(4).to_numpy()})

    gaps = None
    params |= {"gap_method": o.hotspot_method}
    try:
        gaps = study_gaps(inc, stations, units=s.units, method=o.hotspot_method, cell=o.cell,
                          **({"areas": areas} if by_road and areas is not None else {"radius": o.radius}))
    except ValueError as exc:
        notes.append(f"No coverage gaps computed ({exc}).")
    else:
        if gaps is None:
            notes.append("Too few incidents to look for coverage gaps.")
        else:
            params |= {"gaps": len(gaps), "gap_cell_m": plain(gaps.attrs.get("cell")),
                       "gap_threshold_per_km2": plain(gaps.attrs.get("threshold"))}
    tables["gaps"] = gap_table(gaps, residents=s.has_population)
    cameras = s.cameras
    if len(cameras):
        # Cameras watch what they face: coverage by their viewing sectors (range, direction, field of view).
        cams = coverage_summary(inc, None, areas=camera_sectors(cameras), by=None)
        params |= {"cameras": len(cameras), "camera_covered": int(cams.overall["covered"]),
                   "camera_share": plain(cams.overall["share"])}
        per_cam = cams.per_facility
        tables["by_camera"] = pd.DataFrame({
            "Camera": per_cam["name"].astype(str).to_numpy(), "Incidents in view": per_cam["incidents"],
            "Share of incidents": per_cam["share"].round(4), "Seen by it alone": per_cam["unique"]})
    content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(stations),
                         cameras=some(cameras), coverage=areas, gaps=some(gaps))
    return MapView(kind="coverage", category=None, content=content,
                   title=f"Coverage within {standard_text(s)} of a station, and the gaps",
                   subtitle=s.subtitle(), params=params, tables=tables, notes=tuple(notes))


def _sites(s: PackStudy) -> MapView:
    o = s.options
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
    title = f"{o.k} proposed new sites (maximal covering, {standard_text(s)})"
    if len(inc) == 0:
        notes.append("No incidents pass the filters: no sites proposed.")
        content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(stations), coverage=today)
        return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(),
                       params=params, tables=empty, notes=tuple(notes))
    area = s.units if len(s.units) else gpd.GeoDataFrame(geometry=[inc.union_all().convex_hull], crs=inc.crs)
    candidates = grid_candidates(area, spacing=o.candidate_spacing)
    params["candidates"] = len(candidates)
    if len(candidates) == 0:
        notes.append(f"No grid point {o.candidate_spacing:,.0f} m apart falls in the settlements: "
                     "give a smaller candidate spacing.")
        content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(stations), coverage=today)
        return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(),
                       params=params, tables=empty, notes=tuple(notes))
    res, chosen = site(inc, candidates, model="mclp", k=int(o.k), stations=some(stations),
                       time_limit=o.time_limit, **standard)
    params |= {"candidates_used": int(res.stats.get("candidates_used", len(candidates))),
               "objective": plain(res.objective), "covered": plain(res.covered), "bound": plain(res.bound),
               "gap": plain(res.gap), "status": res.status, "solver": str(res.stats.get("solver", "")),
               "sites": len(chosen)}
    if len(chosen) < o.k:
        notes.append(f"Only {count_text(len(chosen), 'new site')} would add coverage: another would cover no "
                     "further incident.")
    new_areas = reach_of(chosen)
    pop_units = s.units if s.has_population else None
    compare = compare_plans(inc, some(stations), chosen, boundaries=pop_units, **standard)

    pts = chosen.to_crs(WGS84)
    table = pd.DataFrame({"Rank": chosen["rank"].to_numpy(), "Latitude": pts.geometry.y.round(5).to_numpy(),
                          "Longitude": pts.geometry.x.round(5).to_numpy(),
                          "Settlement": settlement_names(pts.geometry, s.units),
                          "Incidents newly covered": chosen["new_covered_count"].astype(int).to_numpy()})
    if pop_units is not None and new_areas is not None:
        table["Residents newly covered"] = np.round(residents_added(today, new_areas, pop_units)).astype(float)
    for c in CATEGORIES:
        col = f"new_{c}"
        if col in chosen and int(chosen[col].sum()) > 0:
            table[CATEGORY_LABELS[c]] = chosen[col].astype(int).to_numpy()
    comparison = compare.table.rename(columns={"measure": "Measure", "today": "Today", "proposal": "With proposal",
                                               "change": "Change"})
    by_cat = compare.by_category[compare.by_category["incidents"] > 0]
    by_cat = pd.DataFrame({"Category": by_cat["label"].to_numpy(), "Incidents": by_cat["incidents"].to_numpy(),
                           "Covered today": by_cat["covered_today"].to_numpy(),
                           "Covered with proposal": by_cat["covered_proposal"].to_numpy(),
                           "Newly covered": by_cat["newly_covered"].to_numpy()})
    content = MapContent(boundaries=some(s.units), roads=some(s.roads), stations=some(stations), coverage=today,
                         proposed=some(pts), proposed_areas=new_areas)
    return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(), params=params,
                   tables={"proposed_sites": table, "comparison": comparison, "comparison_by_category": by_cat},
                   notes=tuple(notes))
