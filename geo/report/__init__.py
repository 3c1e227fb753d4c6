"""The action-plan pack: print maps, the tables behind them and one PDF, from a workspace's layers.

A local crime-prevention action plan is adopted by a council on paper. This
module runs the platform's analyses for one study area (an area or chosen
settlements, a period, categories) with the parameters of the app's pages,
and turns each into a print map (:class:`geo.printmap.MapContent`) with its
tables and the parameters actually used:

* ``"overview"``: incidents, stations, cameras and roads over the
  settlements, coloured by their Empirical Bayes rate per 100,000 residents
  a year when the boundaries have a population (the rates are a variant of
  the overview rather than a map of their own: the council reads "where" and
  "how much for the people living there" on one page);
* ``"hotspots"``: Getis-Ord Gi* hot and cold spots (or a kernel density) of
  the incidents, one map per priority category;
* ``"coverage"``: the stations' service areas (a straight-line radius) and
  the coverage gaps, hot ground that no station reaches;
* ``"sites"``: ``k`` new sites chosen by the maximal covering location
  problem (MCLP) among grid candidates in the settlements, the existing
  stations kept, with today against the proposal.

:func:`build_pack` assembles them into one deterministic PDF (cover with a
table of contents, maps, tables, a methods page in plain words) and a zip of
the map images and tables. The study area is always the selected
settlements: stations, cameras and roads are those that touch them, and
incidents outside every settlement are left out (``params["incidents_outside"]``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import printmap
from geo.coverage import (DEFAULT_CAMERA_RANGE_M, camera_sectors, coverage_gaps, coverage_summary, drive_time_areas,
                          service_areas)
from geo.crs import WGS84
from geo.stats.density import DensityGrid, kernel_density
from geo.printmap import PAPERS, MapContent
from geo.stats.hotspots import MIN_INCIDENTS, hotspots
from geo.siting.compare import compare_plans, comparison_text, residents_added
from geo.select import (
    IncidentFilter,
    assign_units,
    categories_present,
    filter_boundaries,
    filter_incidents,
    period_of,
    within_boundaries,
)
from geo.schema import CATEGORIES, CATEGORY_LABELS, LAYERS, validate
from geo.siting import grid_candidates, site
from geo.stats.areas import area_statistics
from geo.io.store import Workspace, publish

__all__ = [
    "HOTSPOT_METHODS",
    "LABEL_FIELDS",
    "MAP_KINDS",
    "MapView",
    "PackResult",
    "ReportOptions",
    "build_pack",
    "export_data",
    "export_tables",
    "map_content",
    "read_layers",
    "study_layers",
]

MAP_KINDS = ("overview", "hotspots", "coverage", "sites")
HOTSPOT_METHODS = ("gistar", "density")
LABEL_FIELDS = ("name", "name_ru", "name_ky")
LAYER_NAMES = ("incidents", "stations", "cameras", "boundaries", "roads")
DEFAULT_PRIORITIES = 4
TOP_CELLS = 10
TOP_GAPS = 15
# A table page holds this many rows on A4 landscape; the CSV and XLSX hold them all.
PAGE_ROWS = 30
# Table pages besides the settlements' (which needs boundaries) and the cameras' (which needs cameras):
# hot spots, coverage by station and by category, gaps, proposed sites, today against the proposal, and by
# category.
TABLE_PAGES = 7
LISA_PERMUTATIONS = 999
CONFIDENCE = {3: "99%", 2: "95%", 1: "90%", -1: "90% (cold)", -2: "95% (cold)", -3: "99% (cold)"}
# Excel's limits on sheet names: 31 characters, none of these.
SHEET_MAX = 31
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_NAME = "koopsuz_tables.xlsx"
# LISA quadrants in words for print (the spatial_stats codes are GeoDa's).
LISA_WORDS = {"HH": "high, among high", "LL": "low, among low", "HL": "high, among low", "LH": "low, among high"}
WORKSPACE_ATTR = "koopsuz_workspace"

Progress = Callable[[float, str], None]


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class ReportOptions:
    """What the pack covers and the parameters of its analyses. ``None`` means the default.

    Attributes
    ----------
    area : str, optional
        Municipality (the boundaries' ``area``); None for every area.
    units : sequence of str, optional
        Settlements (boundary ``name``); None for every settlement of the area.
    categories : sequence of str, optional
        Incident categories; None for all.
    start, end : datetime.date, optional
        Inclusive period. Default, as the app's sidebar: from 1 January of
        the latest year with incidents (or the first incident, if later) to
        the last incident.
    priorities : sequence of str, optional
        Priority categories, one hot spot map each. Default: the
        :data:`DEFAULT_PRIORITIES` most frequent categories of the selected
        incidents, leaving out "other" (a residual, not a priority) unless it
        is the only one.
    radius : float
        Service standard of a station, metres (straight line).
    minutes : float, optional
        Service standard as minutes by road instead of ``radius``: coverage,
        gaps and new sites over the roads layer (see
        :func:`geo.coverage.drive_time_coverage`). Where the study area has no
        roads the radius is used, with a note.
    off_road_kmh : float
        With ``minutes``: speed between a point and its nearest mapped road
        (5 is walking; about 20 stands for the side streets a main-roads layer
        leaves out).
    k : int
        New sites to propose.
    candidate_spacing : float
        Spacing of the grid of candidate sites, metres.
    hotspot_method : {"gistar", "density"}
        Gi* hot spots or a kernel density surface; the coverage gaps use the
        same method.
    cell : float, optional
        Grid cell in metres of the hot spots, density and gaps; default: each analysis's own.
    bandwidth : float, optional
        Kernel bandwidth in metres (density); default Silverman's rule as ArcGIS.
    time_limit : float
        Seconds for the siting solver.
    paper : str
        One of :data:`geo.printmap.PAPERS`, for every page.
    dpi : int
        Resolution of the map images in the zip.
    title : str, optional
        Default ``"Crime-prevention action plan: {area}"``.
    source : str, optional
        Data source printed on every map. Default the workspace's ``source``
        or ``title`` metadata, else its file name.
    date : datetime.date, optional
        Date printed on the pages and stamped on the zip entries; default
        today. Fix it for byte-identical packs.
    labels : str
        Place names on the maps: ``"name"``, ``"name_ru"`` (Russian) or
        ``"name_ky"`` (Kyrgyz), where the boundaries have them.
    tiles, tile_cache : optional
        Base tiles of the maps (see :func:`geo.printmap.map_figure`); none by
        default, so a pack needs no network.
    """

    area: str | None = None
    units: Sequence[str] | None = None
    categories: Sequence[str] | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    priorities: Sequence[str] | None = None
    radius: float = 1500.0
    k: int = 3
    candidate_spacing: float = 400.0
    hotspot_method: str = "gistar"
    cell: float | None = None
    bandwidth: float | None = None
    time_limit: float = 60.0
    minutes: float | None = None
    off_road_kmh: float = 20.0
    paper: str = "a4-landscape"
    dpi: int = 150
    title: str | None = None
    source: str | None = None
    date: dt.date | None = None
    labels: str = "name"
    tiles: str | None = None
    tile_cache: str | Path | None = None

    def __post_init__(self) -> None:
        # Tuples: the options stay immutable and hashable whatever sequence was given.
        for name in ("units", "categories", "priorities"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str):
                    msg = f"{name} must be a list of names, not the string {value!r}"
                    raise ValueError(msg)
                object.__setattr__(self, name, tuple(str(v) for v in value))
        for name in ("categories", "priorities"):
            bad = [c for c in getattr(self, name) or () if c not in CATEGORIES]
            if bad:
                msg = f"unknown {name} {', '.join(bad)}; categories: {', '.join(CATEGORIES)}"
                raise ValueError(msg)
        if self.hotspot_method not in HOTSPOT_METHODS:
            msg = f"hotspot_method must be one of {', '.join(HOTSPOT_METHODS)}, not {self.hotspot_method!r}"
            raise ValueError(msg)
        for name in ("radius", "candidate_spacing", "time_limit", "off_road_kmh"):
            _check_positive(getattr(self, name), name)
        if self.minutes is not None:
            _check_positive(self.minutes, "minutes")
        for name in ("cell", "bandwidth"):
            if getattr(self, name) is not None:
                _check_positive(getattr(self, name), name)
        if isinstance(self.k, bool) or int(self.k) != self.k or self.k < 1:
            msg = f"k must be a positive whole number, got {self.k!r}"
            raise ValueError(msg)
        if isinstance(self.dpi, bool) or int(self.dpi) != self.dpi or self.dpi < 1:
            msg = f"dpi must be a positive whole number, got {self.dpi!r}"
            raise ValueError(msg)
        if self.labels not in LABEL_FIELDS:
            msg = f"labels must be one of {', '.join(LABEL_FIELDS)}, not {self.labels!r}"
            raise ValueError(msg)
        if self.paper not in PAPERS:
            msg = f"unknown paper {self.paper!r}; choose one of {', '.join(PAPERS)}"
            raise ValueError(msg)
        if self.start is not None and self.end is not None and self.start > self.end:
            msg = f"the period starts ({self.start}) after it ends ({self.end})"
            raise ValueError(msg)

    def resolve(self, layers: Mapping[str, gpd.GeoDataFrame]) -> ReportOptions:
        """These options with every default filled in from the layers (period, priorities, title, source, date)."""
        return _study(layers, self).options


@dataclass(frozen=True, eq=False)
class MapView:
    """One map of the pack, what it shows and the tables behind it.

    Attributes
    ----------
    kind : str
        One of :data:`MAP_KINDS`.
    category : str or None
        The single category of a hot spot map; None for all selected categories.
    content : geo.printmap.MapContent
        The layers to draw.
    title, subtitle : str
        Map title; the study area, period, categories and number of incidents.
    params : dict
        Every parameter used and its value, JSON-ready.
    tables : dict of str to pandas.DataFrame
        The tables behind the map, with readable column names.
    notes : tuple of str
        What the reader should know (an analysis not possible, nothing to cover).
    """

    kind: str
    category: str | None
    content: MapContent
    title: str
    subtitle: str
    params: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """``kind``, or ``kind_category`` for a single-category map: a file and layer name."""
        return self.kind if self.category is None else f"{self.kind}_{self.category}"


@dataclass(frozen=True, eq=False)
class PackResult:
    """What :func:`build_pack` wrote.

    Attributes
    ----------
    paths : dict of str to pathlib.Path
        ``"pdf"`` and, with a zip, ``"zip"``.
    pages : int
        Pages of the PDF.
    page_titles : list of str
        Title of each page, in order.
    seconds : float
        Time taken.
    params : dict
        The resolved options and each map's parameters (by :attr:`MapView.name`), JSON-ready.
    notes : list of str
        What the reader should know: the analyses' notes, and text or tiles a page could not hold.
    """

    paths: dict[str, Path]
    pages: int
    page_titles: list[str]
    seconds: float
    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def read_layers(workspace_path: str | os.PathLike[str]) -> dict[str, gpd.GeoDataFrame]:
    """Read the five layers of a workspace and place the incidents in settlements.

    Rows that break the data model are left out, as the app does; a missing
    layer is an empty frame with its columns. Incidents get ``unit`` and
    ``area`` (:func:`geo.select.assign_units`). Every frame's
    ``attrs["koopsuz_workspace"]`` holds the file name and metadata, from
    which :class:`ReportOptions` takes its default source.

    Parameters
    ----------
    workspace_path : path-like
        A Koopsuz GeoPackage.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``incidents``, ``stations``, ``cameras``, ``boundaries``, ``roads``.
    """
    ws = Workspace(workspace_path)
    if not ws.exists:
        msg = f"{ws.path}: no such workspace"
        raise FileNotFoundError(msg)
    out = {name: validate(ws.read(name), name, source=f"{ws.path.name}:{name}").accepted for name in LAYER_NAMES}
    out["incidents"] = assign_units(out["incidents"], out["boundaries"])
    info = {"file": ws.path.name, "meta": ws.meta()}
    for frame in out.values():
        frame.attrs[WORKSPACE_ATTR] = info
    return out


# --------------------------------------------------------------------------- the study area


@dataclass(frozen=True, eq=False)
class _Study:
    """The selected layers and the resolved options, shared by every map of a pack."""

    options: ReportOptions
    filter: IncidentFilter
    label: str
    units: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    outside: int

    @property
    def has_population(self) -> bool:
        return ("population" in self.units and len(self.units) > 0
                and bool((pd.to_numeric(self.units["population"], errors="coerce") > 0).any()))

    def subtitle(self, category: str | None = None, n: int | None = None) -> str:
        o = self.options
        cats = (CATEGORY_LABELS.get(category, category) if category is not None
                else _categories_text(o.categories))
        n = len(self.incidents) if n is None else n
        return f"{self.label} · {_period_text(o.start, o.end)} · {cats} · {n:,} incidents"


def study_layers(layers: Mapping[str, gpd.GeoDataFrame], *, options: ReportOptions) -> dict[str, gpd.GeoDataFrame]:
    """The layers restricted to the study area, period and categories of ``options``.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        As from :func:`read_layers`; missing layers are taken as empty.
    options : ReportOptions

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``boundaries`` (the selected settlements), ``incidents`` (in them,
        in the period and categories), and ``stations``, ``cameras`` and
        ``roads`` that touch them.
    """
    s = _study(layers, options)
    return {"incidents": s.incidents, "stations": s.stations, "cameras": s.cameras, "boundaries": s.units,
            "roads": s.roads}


def _study(layers: Mapping[str, gpd.GeoDataFrame], options: ReportOptions) -> _Study:
    get = {name: _layer(layers, name) for name in LAYER_NAMES}
    boundaries, incidents = get["boundaries"], get["incidents"]
    if len(incidents) and len(boundaries) and "unit" not in incidents:
        incidents = assign_units(incidents, boundaries)
    o = options
    if len(boundaries) == 0 and (o.area is not None or o.units is not None):
        msg = "choosing an area or settlements needs a boundaries layer"
        raise ValueError(msg)

    # The default period is the app's: the latest calendar year of the data, to its last incident.
    start, end = o.start, o.end
    period = period_of(incidents) if len(incidents) else None
    if period is not None and (start is None or end is None):
        lo, hi = period
        if end is None:
            end = max(hi, start) if start is not None else hi
        if start is None:
            start = min(max(lo, dt.date(hi.year, 1, 1)), end)
    f = IncidentFilter(area=o.area, units=o.units, start=start, end=end, categories=o.categories)

    if len(boundaries):
        units = filter_boundaries(boundaries, f)
        if len(units) == 0:
            areas = sorted(set(boundaries["area"].dropna().astype(str)) - {""}) if "area" in boundaries else []
            msg = (f"no settlements match area {o.area!r} and settlements {list(o.units or [])}"
                   + (f"; areas: {', '.join(areas)}" if areas else ""))
            raise ValueError(msg)
        if o.units is not None and (missing := sorted(set(o.units) - set(units["name"].astype(str)))):
            msg = f"unknown settlements {', '.join(missing)}"
            raise ValueError(msg)
    else:
        units = boundaries
    if len(incidents):
        selected = filter_incidents(incidents, f)
        inside = (selected["unit"] != "").to_numpy() if len(boundaries) else np.ones(len(selected), dtype=bool)
        outside = int((~inside).sum())
        selected = selected[inside]
    else:
        selected, outside = incidents, 0

    def near(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return within_boundaries(layer, units) if len(units) else layer

    label = _area_label(o, units)
    present = categories_present(selected, CATEGORIES) if len(selected) else []
    priorities = o.priorities
    if priorities is None:
        counts = selected["category"].value_counts() if len(selected) else pd.Series(dtype=int)
        # most incidents first, ties in the platform's order; "other" is no one's priority unless asked for
        named = [c for c in present if c != "other"] or present
        priorities = tuple(sorted(named, key=lambda c: (-int(counts.get(c, 0)), CATEGORIES.index(c))))
        priorities = priorities[:DEFAULT_PRIORITIES]
    resolved = replace(o, start=start, end=end, priorities=priorities,
                       title=o.title or f"Crime-prevention action plan: {label}",
                       source=o.source or _default_source(layers), date=o.date or dt.date.today())
    return _Study(options=resolved, filter=f, label=label, units=units, incidents=selected,
                  stations=near(get["stations"]), cameras=near(get["cameras"]), roads=near(get["roads"]),
                  outside=outside)


def _layer(layers: Mapping[str, gpd.GeoDataFrame], name: str) -> gpd.GeoDataFrame:
    frame = layers.get(name)
    if frame is None:
        return gpd.GeoDataFrame({f: pd.Series(dtype=object) for f in LAYERS[name].field_names}, geometry=[],
                                crs=WGS84)
    if len(frame) and frame.crs is None:
        msg = f"the {name} layer has no CRS"
        raise ValueError(msg)
    return frame


def _area_label(o: ReportOptions, units: gpd.GeoDataFrame) -> str:
    if o.units:
        names = list(o.units)
        return ", ".join(names) if len(names) <= 3 else f"{', '.join(names[:3])} and {len(names) - 3} more"
    if o.area is not None:
        return o.area
    areas = sorted(set(units["area"].dropna().astype(str)) - {""}) if "area" in units else []
    return ", ".join(areas) if 0 < len(areas) <= 3 else "all settlements"


def _default_source(layers: Mapping[str, gpd.GeoDataFrame]) -> str:
    for frame in layers.values():
        info = getattr(frame, "attrs", {}).get(WORKSPACE_ATTR)
        if info:
            meta = info.get("meta", {})
            return meta.get("source") or meta.get("title") or info.get("file") or printmap.DEFAULT_SOURCE
    return printmap.DEFAULT_SOURCE


# --------------------------------------------------------------------------- the maps


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
    return _view(kind, _study(layers, options), category)


def _view(kind: str, s: _Study, category: str | None = None) -> MapView:
    if kind == "overview":
        view = _overview(s)
    elif kind == "hotspots":
        view = _hotspots(s, category)
    elif kind == "coverage":
        view = _coverage(s)
    else:
        view = _sites(s)
    return replace(view, content=replace(view.content, label_field=s.options.labels))


def _base_params(s: _Study, n: int | None = None) -> dict[str, Any]:
    o = s.options
    return {"area": o.area, "settlements": len(s.units), "units": list(o.units) if o.units else None,
            "start": _iso(o.start), "end": _iso(o.end), "days": s.filter.days,
            "categories": list(o.categories) if o.categories else "all",
            "incidents": len(s.incidents) if n is None else n, "incidents_outside": s.outside}


def _overview(s: _Study) -> MapView:
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
                       "lisa_cutoff": _plain(stats.attrs.get("lisa_cutoff"))}
        else:
            table = table.sort_values(["Incidents", "Settlement"], ascending=[False, True], kind="stable")
            notes.append("The settlements have no population figures: no rates are shown.")
        tables["settlements"] = table.reset_index(drop=True)
    else:
        notes.append("There is no boundaries layer: no settlements and no rates.")
    content = MapContent(boundaries=_some(s.units), roads=_some(s.roads), stations=_some(s.stations),
                         cameras=_some(s.cameras), incidents=_some(s.incidents), rates=_some(rates),
                         rate_label=("Incidents per 100,000 a year (Empirical Bayes)" if s.filter.days
                                     else "Incidents per 100,000 (Empirical Bayes)"))
    return MapView(kind="overview", category=None, content=content,
                   title="Overview: incidents, police and rates",
                   subtitle=s.subtitle(), params=params, tables=tables, notes=tuple(notes))


def _hotspots(s: _Study, category: str | None) -> MapView:
    o = s.options
    inc = s.incidents if category is None else s.incidents[s.incidents["category"] == category]
    what = CATEGORY_LABELS.get(category, category) if category is not None else "all selected categories"
    params: dict[str, Any] = {**_base_params(s, len(inc)), "category": category, "method": o.hotspot_method}
    notes: list[str] = []
    gi_cells = density = None
    table = _empty_top(o.hotspot_method)
    if len(inc) < MIN_INCIDENTS:
        notes.append(f"{what}: {_count(len(inc), 'incident')}, too few for a hot spot analysis "
                     f"(at least {MIN_INCIDENTS}).")
    elif o.hotspot_method == "gistar":
        try:
            res = hotspots(inc, cell=o.cell, boundary=_some(s.units))
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
                       "incidents_analysed": _plain(res.n_incidents), "crs": res.crs.to_string()}
            table = _top_cells(gi_cells, s.units)
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
        table = _top_peaks(density, s.units)
    content = MapContent(boundaries=_some(s.units), roads=_some(s.roads), stations=_some(s.stations),
                         gi_cells=gi_cells, density=density)
    title = f"Hot spots: {what}" if o.hotspot_method == "gistar" else f"Incident density: {what}"
    return MapView(kind="hotspots", category=category, content=content, title=title,
                   subtitle=s.subtitle(category, len(inc)), params=params, tables={"top": table},
                   notes=tuple(notes))


def _empty_top(method: str) -> pd.DataFrame:
    cols = (["Rank", "Settlement", "Latitude", "Longitude", "Incidents", "Gi* z", "Confidence"] if method == "gistar"
            else ["Rank", "Settlement", "Latitude", "Longitude", "Density per km²"])
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def _top_cells(cells: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """The hottest cells (gi_bin > 0, largest z first) with the settlement their centre lies in.

    Cells with the same neighbourhood sum share a z-score; among them the
    cell holding more incidents comes first, as the place to patrol.
    """
    hot = cells[cells["gi_bin"].to_numpy() > 0]
    order = np.lexsort((np.arange(len(hot)), -hot["count"].to_numpy(), -hot["gi_z"].to_numpy()))[:TOP_CELLS]
    hot = hot.iloc[order]
    centres = gpd.GeoSeries(hot.geometry.centroid, crs=hot.crs).to_crs(WGS84)
    return pd.DataFrame({
        "Rank": np.arange(1, len(hot) + 1),
        "Settlement": _settlements(centres, units),
        "Latitude": centres.y.round(5).to_numpy(), "Longitude": centres.x.round(5).to_numpy(),
        "Incidents": hot["count"].to_numpy(), "Gi* z": hot["gi_z"].round(2).to_numpy(),
        "Confidence": hot["gi_bin"].map(CONFIDENCE).to_numpy(),
    })


def _top_peaks(grid: DensityGrid, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """The highest local maxima of a density surface, at least a bandwidth apart."""
    from scipy import ndimage

    size = 2 * max(1, math.ceil(grid.bandwidth / grid.cell)) + 1
    v = grid.values
    peak = (v == ndimage.maximum_filter(v, size=size, mode="constant", cval=-np.inf)) & (v > 0)
    rows, cols = np.nonzero(peak)
    order = np.lexsort((cols, rows, -v[rows, cols]))[:TOP_CELLS]
    rows, cols = rows[order], cols[order]
    x = grid.transform.c + (cols + 0.5) * grid.cell
    y = grid.transform.f - (rows + 0.5) * grid.cell
    pts = gpd.GeoSeries(shapely.points(x, y), crs=grid.crs).to_crs(WGS84)
    return pd.DataFrame({"Rank": np.arange(1, len(rows) + 1), "Settlement": _settlements(pts, units),
                         "Latitude": pts.y.round(5).to_numpy(), "Longitude": pts.x.round(5).to_numpy(),
                         "Density per km²": v[rows, cols].round(1)})


def _by_road(s: _Study) -> bool:
    """Whether the drive-time standard applies: asked for, and roads to drive on."""
    return s.options.minutes is not None and len(s.roads) > 0


def _standard_text(s: _Study) -> str:
    o = s.options
    return f"{o.minutes:g} min by road" if _by_road(s) else f"{o.radius:,.0f} m"


def _coverage(s: _Study) -> MapView:
    o = s.options
    notes: list[str] = []
    inc, stations = s.incidents, s.stations
    pop_units = s.units if s.has_population else None
    by_road = _by_road(s)
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
        areas = drive_time_areas(stations, s.roads, minutes=o.minutes, off_road_kmh=o.off_road_kmh)
        summary = coverage_summary(inc, stations, minutes=o.minutes, roads=s.roads, off_road_kmh=o.off_road_kmh,
                                   boundaries=pop_units)
    else:
        areas = service_areas(stations, radius=o.radius) if len(stations) else None
        summary = coverage_summary(inc, stations, radius=o.radius, boundaries=pop_units)
    params |= {"covered": int(summary.overall["covered"]), "share": _plain(summary.overall["share"])}
    if summary.population is not None:
        params |= {"residents": _plain(summary.population["total"]),
                   "residents_covered": _plain(round(summary.population["covered"])),
                   "residents_share": _plain(summary.population["share"])}
    per = summary.per_facility
    tables["by_station"] = pd.DataFrame({
        "Station": per["name"].astype(str).to_numpy(), f"Incidents within {_standard_text(s)}": per["incidents"],
        "Share of incidents": per["share"].round(4), "Covered by it alone": per["unique"]})
    by = summary.by_category if summary.by_category is not None else pd.DataFrame(
        {"category": [], "incidents": [], "covered": [], "share": []})
    tables["by_category"] = pd.DataFrame({
        "Category": by["category"].map(lambda c: CATEGORY_LABELS.get(c, c)).to_numpy(),
        "Incidents": by["incidents"].astype(int).to_numpy(), "Covered": by["covered"].astype(int).to_numpy(),
        "Share covered": by["share"].astype(float).round(4).to_numpy()})

    gaps = None
    params |= {"gap_method": o.hotspot_method}
    if len(inc) >= MIN_INCIDENTS:
        try:
            reach = ({"areas": areas} if by_road and areas is not None else {"radius": o.radius})
            gaps = coverage_gaps(inc, stations, boundaries=_some(s.units), method=o.hotspot_method, cell=o.cell,
                                 **reach)
        except ValueError as exc:
            notes.append(f"No coverage gaps computed ({exc}).")
        else:
            params |= {"gaps": len(gaps), "gap_cell_m": _plain(gaps.attrs.get("cell")),
                       "gap_threshold_per_km2": _plain(gaps.attrs.get("threshold"))}
    else:
        notes.append("Too few incidents to look for coverage gaps.")
    g = gaps if gaps is not None else gpd.GeoDataFrame({"gap_id": [], "incidents": [], "area_km2": [],
                                                        "population": [], "main_categories": [],
                                                        "settlement": []}, geometry=[], crs=WGS84)
    table = pd.DataFrame({"Gap": g["gap_id"].astype(int).to_numpy(),
                          "Settlement": g["settlement"].fillna("–").astype(str).to_numpy(),
                          "Uncovered incidents": g["incidents"].astype(int).to_numpy(),
                          "Area, km²": g["area_km2"].astype(float).round(2).to_numpy()})
    if s.has_population:
        table["Residents"] = g["population"].astype(float).round().to_numpy()
    table["Main categories"] = g["main_categories"].astype(str).map(_category_words).to_numpy()
    tables["gaps"] = table
    cameras = s.cameras
    if len(cameras):
        # Cameras watch what they face: coverage by their viewing sectors (range, direction, field of view).
        cams = coverage_summary(inc, None, areas=camera_sectors(cameras), by=None)
        params |= {"cameras": len(cameras), "camera_covered": int(cams.overall["covered"]),
                   "camera_share": _plain(cams.overall["share"])}
        per_cam = cams.per_facility
        tables["by_camera"] = pd.DataFrame({
            "Camera": per_cam["name"].astype(str).to_numpy(), "Incidents in view": per_cam["incidents"],
            "Share of incidents": per_cam["share"].round(4), "Seen by it alone": per_cam["unique"]})
    content = MapContent(boundaries=_some(s.units), roads=_some(s.roads), stations=_some(stations),
                         cameras=_some(cameras), coverage=areas, gaps=_some(gaps))
    return MapView(kind="coverage", category=None, content=content,
                   title=f"Coverage within {_standard_text(s)} of a station, and the gaps",
                   subtitle=s.subtitle(), params=params, tables=tables, notes=tuple(notes))


def _sites(s: _Study) -> MapView:
    o = s.options
    inc, stations = s.incidents, s.stations
    notes: list[str] = []
    by_road = _by_road(s)
    params: dict[str, Any] = {**_base_params(s), "model": "mclp", "k": int(o.k),
                              "candidate_source": "grid", "candidate_spacing_m": float(o.candidate_spacing),
                              "stations_kept": len(stations), "time_limit_s": float(o.time_limit)}
    if by_road:
        params |= {"standard": "drive time", "minutes": float(o.minutes), "off_road_kmh": float(o.off_road_kmh)}
        standard = {"minutes": o.minutes, "roads": s.roads, "off_road_kmh": o.off_road_kmh}
    else:
        params |= {"standard": "straight-line distance", "radius_m": float(o.radius)}
        standard = {"radius": o.radius}

    def reach_of(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
        if len(sites) == 0:
            return None
        if by_road:
            return drive_time_areas(sites, s.roads, minutes=o.minutes, off_road_kmh=o.off_road_kmh)
        return service_areas(sites, radius=o.radius)

    today = reach_of(stations)
    empty = {"proposed_sites": pd.DataFrame(), "comparison": pd.DataFrame(), "comparison_by_category": pd.DataFrame()}
    title = f"{o.k} proposed new sites (maximal covering, {_standard_text(s)})"
    if len(inc) == 0:
        notes.append("No incidents pass the filters: no sites proposed.")
        content = MapContent(boundaries=_some(s.units), roads=_some(s.roads), stations=_some(stations), coverage=today)
        return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(),
                       params=params, tables=empty, notes=tuple(notes))
    area = s.units if len(s.units) else gpd.GeoDataFrame(geometry=[inc.union_all().convex_hull], crs=inc.crs)
    candidates = grid_candidates(area, spacing=o.candidate_spacing)
    params["candidates"] = len(candidates)
    if len(candidates) == 0:
        notes.append(f"No grid point {o.candidate_spacing:,.0f} m apart falls in the settlements: "
                     "give a smaller candidate spacing.")
        content = MapContent(boundaries=_some(s.units), roads=_some(s.roads), stations=_some(stations), coverage=today)
        return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(),
                       params=params, tables=empty, notes=tuple(notes))
    res, chosen = site(inc, candidates, model="mclp", k=int(o.k), stations=_some(stations),
                       time_limit=o.time_limit, **standard)
    params |= {"candidates_used": int(res.stats.get("candidates_used", len(candidates))),
               "objective": _plain(res.objective), "covered": _plain(res.covered), "bound": _plain(res.bound),
               "gap": _plain(res.gap), "status": res.status, "solver": str(res.stats.get("solver", "")),
               "sites": len(chosen)}
    if len(chosen) < o.k:
        notes.append(f"Only {_count(len(chosen), 'new site')} would add coverage: another would cover no "
                     "further incident.")
    new_areas = reach_of(chosen)
    pop_units = s.units if s.has_population else None
    compare = compare_plans(inc, _some(stations), chosen, boundaries=pop_units, **standard)

    pts = chosen.to_crs(WGS84)
    table = pd.DataFrame({"Rank": chosen["rank"].to_numpy(), "Latitude": pts.geometry.y.round(5).to_numpy(),
                          "Longitude": pts.geometry.x.round(5).to_numpy(),
                          "Settlement": _settlements(pts.geometry, s.units),
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
    content = MapContent(boundaries=_some(s.units), roads=_some(s.roads), stations=_some(stations), coverage=today,
                         proposed=_some(pts), proposed_areas=new_areas)
    return MapView(kind="sites", category=None, content=content, title=title, subtitle=s.subtitle(), params=params,
                   tables={"proposed_sites": table, "comparison": comparison, "comparison_by_category": by_cat},
                   notes=tuple(notes))


def _category_words(text: str) -> str:
    """``"burglary 45%, public_order 30%"`` (coverage_gaps) as ``"Burglary 45%, Public order 30%"``."""
    return re.sub(r"[a-z_]+", lambda m: CATEGORY_LABELS.get(m.group(0), m.group(0)), text)


def _settlements(points: gpd.GeoSeries, units: gpd.GeoDataFrame) -> np.ndarray:
    """Name of the settlement each point lies in (the first, where they overlap), "–" outside all."""
    out = np.full(len(points), "–", dtype=object)
    if len(points) == 0 or len(units) == 0:
        return out
    polys = units.geometry.to_crs(points.crs)
    ipt, ipoly = polys.sindex.query(points, predicate="within")
    order = np.lexsort((ipoly, ipt))
    ipt, ipoly = ipt[order], ipoly[order]
    first = np.r_[True, ipt[1:] != ipt[:-1]] if len(ipt) else np.array([], dtype=bool)
    out[ipt[first]] = units["name"].astype(str).to_numpy()[ipoly[first]]
    return out


# --------------------------------------------------------------------------- tables and data


def export_tables(views: Iterable[MapView], out: str | os.PathLike[str], *, date: dt.date | None = None) -> list[Path]:
    """Write every table of the views as CSV and all of them as one XLSX.

    CSVs are UTF-8 with a byte-order mark, so Excel shows Cyrillic names;
    the XLSX holds one sheet per table (names cut to Excel's 31 characters,
    kept unique). A table is named ``<view name>_<table>``.

    Parameters
    ----------
    views : iterable of MapView
    out : path-like
        A directory (created if missing), or a ``.zip`` file to put them in.
    date : datetime.date, optional
        Timestamp of the zip entries and the workbook (default today), so
        the same tables on the same date give the same bytes.

    Returns
    -------
    list of pathlib.Path
        The files written (the zip alone for a zip).
    """
    out = Path(out)
    files = _table_files(views, date=date or dt.date.today())
    if out.suffix.lower() == ".zip":
        _write_zip(out, files, date=date or dt.date.today())
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        written.append(_atomic_write(out / name, data))
    return written


def _table_files(views: Iterable[MapView], *, date: dt.date) -> dict[str, bytes]:
    tables = {f"{v.name}_{key}": frame for v in views for key, frame in v.tables.items()}
    files = {f"{name}.csv": frame.to_csv(index=False).encode("utf-8-sig") for name, frame in tables.items()}
    files[XLSX_NAME] = _xlsx(tables, date=date)
    return files


def _sheet_names(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    taken: set[str] = set()
    for name in names:
        base = SHEET_FORBIDDEN.sub("_", name)[:SHEET_MAX].rstrip("_ ") or "table"
        sheet, i = base, 2
        while sheet.lower() in taken:  # Excel compares sheet names without case
            suffix = f"~{i}"
            sheet, i = base[:SHEET_MAX - len(suffix)] + suffix, i + 1
        taken.add(sheet.lower())
        out.append(sheet)
    return out


def _xlsx(tables: Mapping[str, pd.DataFrame], *, date: dt.date) -> bytes:
    """One sheet per table, with fixed timestamps so the same tables give the same bytes."""
    stamp = dt.datetime(date.year, date.month, date.day)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for sheet, frame in zip(_sheet_names(tables), tables.values(), strict=True):
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for i, col in enumerate(frame.columns, start=1):
                width = max([len(str(col)), *(len(str(v)) for v in frame[col].head(200))], default=8)
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(60, width + 2)
        writer.book.properties.created = stamp
    # openpyxl stamps "modified" and every zip entry with the current time: rewrite both.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    entries = {}
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "docProps/core.xml":
            iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
            data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso.encode(), data)
        entries[info.filename] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries.items():  # openpyxl's order: [Content_Types].xml stays where Excel expects it
            dst.writestr(_zip_info(name, date), data)
    return out.getvalue()


def export_data(layers: Mapping[str, gpd.GeoDataFrame], views: Iterable[MapView], out_gpkg: str | os.PathLike[str],
                *, density: DensityGrid | None = None) -> list[Path]:
    """Write the input layers and the results to one GeoPackage, and density surfaces as GeoTIFFs.

    The GeoPackage holds each non-empty input layer under its own name (give
    the study's layers, :func:`study_layers`) and each view's results as
    ``<view name>_<result>``: ``gi_cells``, ``rates``, ``service_areas``,
    ``gaps``, ``proposed_sites`` and ``proposed_areas``. It is written
    beside ``out_gpkg`` and moved over it when complete.

    A GeoTIFF (:meth:`geo.stats.density.DensityGrid.to_geotiff`) is written beside
    it for ``density`` (``<stem>_density.tif``) and for each density map of
    the views (``<stem>_<view name>.tif``).

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
    views : iterable of MapView
    out_gpkg : path-like
    density : geo.stats.density.DensityGrid, optional

    Returns
    -------
    list of pathlib.Path
        The GeoPackage, then the GeoTIFFs.
    """
    import pyogrio

    out = Path(out_gpkg)
    out.parent.mkdir(parents=True, exist_ok=True)
    frames: dict[str, gpd.GeoDataFrame] = {name: frame for name, frame in layers.items()
                                           if isinstance(frame, gpd.GeoDataFrame) and len(frame)}
    grids: dict[str, DensityGrid] = {} if density is None else {"density": density}
    views = list(views)
    suffixes = {"gi_cells": "gi_cells", "rates": "rates", "coverage": "service_areas", "gaps": "gaps",
                "proposed": "proposed_sites", "proposed_areas": "proposed_areas"}
    for v in views:
        for attr, suffix in suffixes.items():
            frame = getattr(v.content, attr)
            if frame is not None and len(frame):
                frames[f"{v.name}_{suffix}"] = frame
        if v.content.density is not None:
            grids[v.name] = v.content.density
    if not frames:
        msg = "nothing to write: every layer and result is empty"
        raise ValueError(msg)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp.gpkg", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # the GPKG driver creates the file itself
    try:
        for name, frame in frames.items():
            pyogrio.write_dataframe(_writable(frame), tmp, layer=name, driver="GPKG",
                                    **({"append": False, "layer_options": {"OVERWRITE": "YES"}} if tmp.exists()
                                       else {}))
        publish(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    written = [out]
    for name, grid in grids.items():
        target = out.with_name(f"{out.stem}_{name}.tif")
        fd, tif_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp.tif", dir=out.parent)
        os.close(fd)
        try:
            grid.to_geotiff(tif_name)
            publish(tif_name, target)
        finally:
            Path(tif_name).unlink(missing_ok=True)
        written.append(target)
    return written


def _writable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy GDAL can store: plain column names, no attrs (they may hold non-JSON objects)."""
    out = frame.copy()
    out.attrs = {}
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v))
    return out


# --------------------------------------------------------------------------- the pack


def build_pack(layers: Mapping[str, gpd.GeoDataFrame], out_pdf: str | os.PathLike[str], *, options: ReportOptions,
               zip_path: str | os.PathLike[str] | None = None, progress: Progress | None = None) -> PackResult:
    """Write the action-plan pack: one PDF and, with ``zip_path``, a zip of the map images and tables.

    The PDF holds a cover (title, study area, period, data source, date and
    the table of contents), the overview map, one hot spot map per priority
    category, the coverage and gaps map, the proposed sites map, the tables
    (settlements, top hot spots, coverage by station and by category, gaps,
    proposed sites, today against the proposal) and a methods page with
    every parameter used. The zip holds ``maps/*.png`` (``options.dpi``),
    ``tables/*.csv``, ``tables/koopsuz_tables.xlsx`` and ``README.txt``.

    Both files are written beside their target and moved over it when
    complete; with ``options.date`` fixed, the same layers give the same bytes.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        As from :func:`read_layers`.
    out_pdf : path-like
    options : ReportOptions
    zip_path : path-like, optional
    progress : callable, optional
        Called as ``progress(fraction, message)`` after each step, with
        increasing fractions ending at 1.0.

    Returns
    -------
    PackResult
    """
    t0 = time.perf_counter()
    out_pdf = Path(out_pdf)
    zip_path = Path(zip_path) if zip_path is not None else None
    s = _study(layers, options)
    o = s.options
    plan: list[tuple[str, str | None]] = [("overview", None), *(("hotspots", c) for c in o.priorities),
                                          ("coverage", None), ("sites", None)]
    # steps: the analyses, the pages, the map images and the zip
    n_pages = 1 + len(plan) + TABLE_PAGES + (1 if len(s.units) else 0) + (1 if len(s.cameras) else 0) + 1
    report = _Reporter(progress, total=len(plan) + n_pages + ((len(plan) + 1) if zip_path else 0))
    views: list[MapView] = []
    for kind, category in plan:
        views.append(_view(kind, s, category))
        report.step(f"Analysed: {views[-1].title}")
    pages = _pages(s, views)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    images: dict[str, bytes] = {}
    notes = [n for v in views for n in v.notes]
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_pdf.name}.", suffix=".tmp.pdf", dir=out_pdf.parent)
    os.close(fd)
    try:
        with _pdf_pages(tmp_name, title=o.title) as pdf:
            for number, page in enumerate(pages, start=1):
                fig = page.draw(number)
                notes += [f"{page.title}: {n}" for n in getattr(fig, "koopsuz_notes", ())]
                try:
                    pdf.savefig(fig)
                    if zip_path is not None and page.image is not None:
                        buf = io.BytesIO()
                        printmap.save_figure(fig, buf, format="png", dpi=o.dpi)
                        images[page.image] = buf.getvalue()
                        report.step(f"Image: {page.title}")
                finally:
                    _close(fig)
                report.step(f"Page {number} of {len(pages)}: {page.title}")
        publish(tmp_name, out_pdf)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    paths = {"pdf": out_pdf}
    if zip_path is not None:
        files = {f"maps/{name}": data for name, data in images.items()}
        files |= {f"tables/{name}": data for name, data in _table_files(views, date=o.date).items()}
        files["README.txt"] = _readme(s, files).encode("utf-8")
        _write_zip(zip_path, files, date=o.date)
        paths["zip"] = zip_path
        report.step("Zip written")
    report.done("Pack ready")
    params = {"options": _options_params(o), **{v.name: v.params for v in views}}
    return PackResult(paths=paths, pages=len(pages), page_titles=[p.title for p in pages],
                      seconds=time.perf_counter() - t0, params=params, notes=notes)


class _Reporter:
    """Progress as increasing fractions of the steps, 1.0 only when all is written."""

    def __init__(self, callback: Progress | None, *, total: int) -> None:
        self.callback, self.total, self.done_steps, self.last = callback, max(total, 1), 0, 0.0

    def step(self, message: str) -> None:
        self.done_steps += 1
        # over total + 1: every step stays below the 1.0 that only done() reports
        self._call(min(self.done_steps, self.total) / (self.total + 1), message)

    def done(self, message: str) -> None:
        self._call(1.0, message)

    def _call(self, fraction: float, message: str) -> None:
        fraction = max(fraction, self.last)
        self.last = fraction
        if self.callback is not None:
            self.callback(fraction, message)


@dataclass(frozen=True, eq=False)
class _Page:
    title: str
    draw: Callable[[int], Any]  # page number -> figure
    image: str | None = None  # file name of the map image in the zip


def _pages(s: _Study, views: list[MapView]) -> list[_Page]:
    o = s.options
    by_kind = {v.kind: v for v in views}

    def map_page(v: MapView, index: int) -> _Page:
        return _Page(title=v.title, image=f"{index:02d}_{v.name}.png",
                     draw=lambda _n: printmap.map_figure(v.content, title=v.title, subtitle=v.subtitle, paper=o.paper,
                                                       source=o.source, date=o.date, tiles=o.tiles,
                                                       tile_cache=o.tile_cache))

    maps = [map_page(v, i) for i, v in enumerate(views, start=1)]
    tables = _table_pages(s, views, by_kind)
    methods = _Page(title="Methods and parameters",
                    draw=lambda _n: printmap.text_figure("Methods and parameters", _methods(s, views), paper=o.paper))
    # The contents: a line per map, the tables on one line, so that a cover of any pack fits one page.
    first_table = 2 + len(maps)
    toc = [f"{i}. {p.title}" for i, p in enumerate(maps, start=2)]
    toc.append(f"{first_table}–{first_table + len(tables) - 1}. Tables: "
               + "; ".join(f"{p.title} ({i})" for i, p in enumerate(tables, start=first_table)) + ".")
    toc.append(f"{first_table + len(tables)}. {methods.title}")
    cover = _Page(title=o.title, draw=lambda _n: printmap.text_figure(o.title, _cover(s, toc), paper=o.paper))
    return [cover, *maps, *tables, methods]


def _table_pages(s: _Study, views: list[MapView], by_kind: dict[str, MapView]) -> list[_Page]:
    o = s.options
    specs: list[tuple[str, pd.DataFrame, str | None]] = []
    over = by_kind["overview"]
    if "settlements" in over.tables:
        specs.append(("Settlements: incidents and rates", over.tables["settlements"], None))
    hot = [v for v in views if v.kind == "hotspots"]
    # as many of each category's top rows as one page holds for all of them; the tables have TOP_CELLS
    each = min(TOP_CELLS, max(3, PAGE_ROWS // max(len(hot), 1)))
    top = [v.tables["top"].head(each).assign(Category=CATEGORY_LABELS.get(v.category, v.category or "All"))
           for v in hot if len(v.tables["top"])]
    top_frame = (pd.concat(top, ignore_index=True) if top else pd.DataFrame())
    if len(top_frame):
        top_frame = top_frame[["Category", *[c for c in top_frame.columns if c != "Category"]]]
    counts = f"up to {each} per category here, {TOP_CELLS} in the tables."
    if o.hotspot_method == "gistar":
        specs.append(("Top hot spots of the priority categories", top_frame,
                      ("Hot cells at 90 % confidence or more (Gi*, FDR), largest z first (equal z: more "
                       f"incidents first); {counts}")))
    else:
        specs.append(("Density peaks of the priority categories", top_frame,
                      f"Local maxima of the density surface, at least a bandwidth apart; {counts}"))
    cov = by_kind["coverage"]
    specs.append((f"Coverage by station (within {_standard_text(s)})", cov.tables["by_station"],
                  "'Covered by it alone': incidents no other station reaches, what closing it would uncover."))
    specs.append(("Coverage by category", cov.tables["by_category"], None))
    if "by_camera" in cov.tables:
        specs.append(("Video cameras: incidents in view", cov.tables["by_camera"],
                      "In a camera's viewing sector (its range, direction and field of view); 'seen by it alone': "
                      "what no other camera sees."))
    specs.append(("Coverage gaps", cov.tables["gaps"].head(TOP_GAPS),
                  f"Largest {TOP_GAPS} gaps by uncovered incidents; all of them in the tables."
                  if len(cov.tables["gaps"]) > TOP_GAPS else None))
    sites = by_kind["sites"]
    specs.append(("Proposed sites and what each adds", sites.tables["proposed_sites"],
                  ("In the order a planner would add them: each counts what it covers beyond the existing "
                   "stations and the sites ranked before it.")))
    specs.append(("Today and with the proposed sites", _comparison_text(sites.tables["comparison"]), None))
    specs.append(("Incidents covered by category, today and with the proposal",
                  sites.tables["comparison_by_category"], None))
    return [_table_page(title, frame, note, o.paper) for title, frame, note in specs]


def _table_page(title: str, frame: pd.DataFrame, note: str | None, paper: str) -> _Page:
    if len(frame) == 0:
        return _Page(title=title, draw=lambda _n: printmap.text_figure(title, ["Nothing to list for this study area."],
                                                                     paper=paper))
    shown = _printable(frame)
    if len(frame) > PAGE_ROWS:
        more = "All the rows are in the tables (CSV, XLSX)."
        note = f"{note} {more}" if note else more
    return _Page(title=title, draw=lambda _n: printmap.table_figure(shown, title=title, paper=paper, note=note,
                                                                  max_rows=PAGE_ROWS))


def _printable(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns table_figure's number format would garble, as text: shares in %, coordinates to 1 m."""
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        values = out[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        name = str(col)
        if name.startswith("Share"):
            out[col] = values.map(lambda v: "–" if pd.isna(v) else f"{v:.1%}")
        elif name in ("Latitude", "Longitude"):
            out[col] = values.map(lambda v: "–" if pd.isna(v) else f"{v:.5f}")
    return out


def _comparison_text(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table of a sites view (column names for print) as text, as the Planner page shows it."""
    if len(table) == 0:
        return table
    return comparison_text(table.rename(columns={"Measure": "measure", "Today": "today", "With proposal": "proposal",
                                                 "Change": "change"}))


def _cover(s: _Study, toc: list[str]) -> list[str]:
    o = s.options
    where = f"{s.label} ({len(s.units)} settlements)" if len(s.units) else s.label
    priorities = ", ".join(CATEGORY_LABELS.get(c, c) for c in o.priorities) or "none"
    return [f"Area: {where}. Period: {_period_text(o.start, o.end, long=True)}.",
            f"Categories: {_categories_text(o.categories)}; priorities: {priorities}.",
            f"Incidents: {len(s.incidents):,}; police stations: {len(s.stations):,}; cameras: {len(s.cameras):,}.",
            f"Data source: {o.source}. Prepared with Koopsuz on {_long_date(o.date)}.",
            "## Contents",
            *(f"- {line}" for line in toc)]


def _methods(s: _Study, views: list[MapView]) -> list[str]:
    o = s.options
    by_kind = {v.kind: v for v in views}
    out = [f"Study area: {s.label}. Period {_period_text(o.start, o.end, long=True)}"
           + (f" ({s.filter.days} days)" if s.filter.days else "")
           + f"; categories: {_categories_text(o.categories)}. {len(s.incidents):,} incidents"
           + (f"; {s.outside:,} more lie outside every settlement and are left out." if s.outside else ".")]
    ov = by_kind["overview"].params
    if "rates" in ov:
        out.append(f"Rates: {ov['rates']}. Empirical Bayes smoothing pulls the rates of small settlements towards "
                   "the overall rate, so a few incidents in a village do not look like a crime wave. Clusters of "
                   f"high or low rates: Local Moran's I, {ov['lisa_permutations']} permutations, False Discovery "
                   "Rate correction at 5 %.")
    for v in (v for v in views if v.kind == "hotspots"):
        p = v.params
        what = CATEGORY_LABELS.get(v.category, v.category) if v.category else "all categories"
        if "band_m" in p:
            out.append(f"Hot spots, {what}: Getis-Ord Gi* on {p['shape']} cells of {p['cell_m']:,.0f} m "
                       f"({_rule(p['cell_rule'])}), distance band {p['band_m']:,.0f} m ({_rule(p['band_rule'])}), "
                       f"{p['cells']:,} cells, p-values {p['p_values']}, "
                       f"{'with' if p['fdr'] else 'without'} False Discovery Rate correction; "
                       f"{p['hot_cells']} hot cells at 90 % confidence or more.")
        elif "bandwidth_m" in p:
            out.append(f"Density, {what}: {p['kernel']} kernel, bandwidth {p['bandwidth_m']:,.0f} m "
                       f"({p['bandwidth_rule']}), cell {p['cell_m']:,.0f} m ({p['cell_rule']}); incidents per km².")
        else:
            out.append(f"Hot spots, {what}: not computed. " + " ".join(v.notes))
    cv = by_kind["coverage"].params
    reach = (f"within {cv['minutes']:g} minutes by road (along the roads layer at each road's speed; between a "
             f"point and its nearest road at {cv['off_road_kmh']:g} km/h)" if cv.get("standard") == "drive time"
             else f"within {cv['radius_m']:,.0f} m in a straight line")
    cover = (f"Coverage: a station covers the incidents {reach}. "
             f"{cv['covered']:,} of {cv['incidents']:,} incidents are covered today"
             + (f" ({cv['share']:.1%})" if cv.get("share") is not None else "") + ".")
    if "residents_covered" in cv:
        cover += (f" Residents covered: {cv['residents_covered']:,.0f} of {cv['residents']:,.0f}, by areal "
                  "weighting (each settlement's residents taken as spread evenly over it).")
    out.append(cover)
    if "camera_covered" in cv:
        out.append(f"Video cameras: a camera sees its viewing sector (range, direction and field of view as "
                   f"recorded; {DEFAULT_CAMERA_RANGE_M:,.0f} m all round where none is). {cv['cameras']} cameras have "
                   f"{cv['camera_covered']:,} incidents in view ({cv['camera_share']:.1%}).")
    if "gaps" in cv:
        how = ("Gi* hot spot cells of all selected incidents at 95 % confidence or more"
               if cv["gap_method"] == "gistar" else
               f"the densest tenth of the ground (at least {cv['gap_threshold_per_km2']:,.1f} incidents per km²)")
        out.append(f"Coverage gaps: {how} outside every station's reach, cell {cv['gap_cell_m']:,.0f} m; "
                   f"{cv['gaps']} gaps, each holding uncovered incidents.")
    sp = by_kind["sites"].params
    within = (f"within {sp['minutes']:g} minutes by road" if "minutes" in sp
              else f"within {sp.get('radius_m', 0):,.0f} m")
    if "status" in sp:
        gap = "proven optimal" if sp["gap"] == 0 else f"optimality gap {sp['gap']:.2%} to the best bound"
        out.append(f"Proposed sites: maximal covering location problem (MCLP): {sp['k']} new sites among "
                   f"{sp['candidates_used']:,} candidate points on a grid {sp['candidate_spacing_m']:,.0f} m apart "
                   f"in the settlements, keeping the {sp['stations_kept']} existing stations, to cover the most "
                   f"incidents {within}. Solver {sp['solver']}, status {sp['status']}, {gap}; "
                   f"{sp['objective']:,.0f} incidents covered with the proposal.")
    else:
        out.append("Proposed sites: not computed. " + " ".join(by_kind["sites"].notes))
    out.append("Coordinates are WGS84 latitude and longitude; distances and areas are computed in the local UTM "
               "zone. The same data and parameters give the same results.")
    return out


def _rule(rule: str) -> str:
    return "given" if rule == "given" else "chosen from the data"


def _readme(s: _Study, files: Mapping[str, bytes]) -> str:
    o = s.options
    lines = [o.title, "", f"Area: {s.label}", f"Period: {_period_text(o.start, o.end, long=True)}",
             f"Categories: {_categories_text(o.categories)}", f"Data source: {o.source}",
             f"Prepared with Koopsuz on {_long_date(o.date)}", "",
             f"maps/    the map images, PNG at {o.dpi} dpi, {o.paper}",
             "tables/  the tables as CSV (UTF-8, opens in Excel) and all of them in one XLSX workbook", "",
             "Contents:"]
    lines += [f"  {name}" for name in sorted([*files, "README.txt"])]
    return "\r\n".join(lines) + "\r\n"  # CRLF: Notepad on older Windows shows LF files as one line


# --------------------------------------------------------------------------- helpers


def _pdf_pages(path: str | os.PathLike[str], *, title: str) -> contextlib.AbstractContextManager:
    """printmap.pdf_pages when there, else PdfPages without timestamps (deterministic bytes)."""
    pages = getattr(printmap, "pdf_pages", None)
    if pages is not None:
        return pages(path, title=title)
    from matplotlib.backends.backend_pdf import PdfPages

    return PdfPages(path, metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": "Koopsuz"})


def _close(fig: Any) -> None:
    # export's figures are not pyplot's: nothing global to close, drop the artists so the arrays go at once
    fig.clear()


def _zip_info(name: str, date: dt.date) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(max(date.year, 1980), date.month, date.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_zip(path: Path, files: Mapping[str, bytes], *, date: dt.date) -> Path:
    """A zip with sorted entries and fixed timestamps, written beside ``path`` and moved over it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            z.writestr(_zip_info(name, date), files[name])
    return _atomic_write(path, buf.getvalue())


def _atomic_write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        publish(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def _some(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """None for a missing or empty layer: maps and analyses skip it."""
    return frame if frame is not None and len(frame) else None


def _check_positive(value: float, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        msg = f"{name} must be a positive number, got {value!r}"
        raise ValueError(msg)


def _plain(v: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN to None."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _period_text(start: dt.date | None, end: dt.date | None, *, long: bool = False) -> str:
    if start is None or end is None:
        return "all dates"
    fmt = _long_date if long else (lambda d: f"{d.day} {d:%b %Y}")
    return f"{fmt(start)} – {fmt(end)}"


def _categories_text(categories: Sequence[str] | None) -> str:
    if categories is None or set(categories) >= set(CATEGORIES):
        return "all categories"
    return ", ".join(CATEGORY_LABELS.get(c, c) for c in categories)


def _options_params(o: ReportOptions) -> dict[str, Any]:
    out = {}
    for name in o.__dataclass_fields__:
        v = getattr(o, name)
        out[name] = (v.isoformat() if isinstance(v, dt.date) else list(v) if isinstance(v, tuple)
                     else str(v) if isinstance(v, Path) else v)
    return out
