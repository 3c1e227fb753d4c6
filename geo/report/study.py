"""The study of a pack: the workspace's layers, the study selection and the resolved options.

The selection itself (filters, settlements, default period, incidents outside
every settlement) is :func:`geo.select.select_study`, shared with the pages and
the command line; this module adds what only a pack needs: the options with
every default filled in, the area's name for titles, and the data source.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import geopandas as gpd
import pandas as pd

from geo.i18n import N_, Tr, area_names
from geo.io.provenance import source_text
from geo.io.store import LOG_TABLE
from geo.io.workspaces import open_workspace
from geo.network import RoadNetwork
from geo.printmap import DEFAULT_SOURCE
from geo.report.options import DEFAULT_PRIORITIES, ReportOptions
from geo.report.text import categories_text, category_label, period_text
from geo.categories import categories_of, with_categories
from geo.io.categories import read_categories
from geo.schema import validate
from geo.select import (LAYER_NAMES, IncidentFilter, Study, assign_units, categories_present, resolve_period,
                        OUTSIDE, select_study, unit_ids, unit_labels, with_unit_ids)

__all__ = ["WORKSPACE_ATTR", "PackStudy", "pack_study", "read_layers", "study_layers"]

WORKSPACE_ATTR = "koopsuz_workspace"
_TITLE = N_("Crime-prevention action plan: {area}")


def read_layers(workspace_path: str | os.PathLike[str]) -> dict[str, gpd.GeoDataFrame]:
    """Read the five layers of a workspace and place the incidents in settlements.

    Rows that break the data model are left out, as the app does; a missing
    layer is an empty frame with its columns. Incidents get ``unit`` and
    ``area`` (:func:`geo.select.assign_units`). Every frame's
    ``attrs["koopsuz_workspace"]`` holds the file name and metadata, from
    which :class:`ReportOptions` takes its default source.

    Parameters
    ----------
    workspace_path : str or path-like
        A Koopsuz workspace: a GeoPackage, or a PostGIS address with its schema
        (:func:`geo.io.workspaces.open_workspace`).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``incidents``, ``stations``, ``cameras``, ``boundaries``, ``roads`` and ``interventions``.
    """
    ws = open_workspace(workspace_path)
    if not ws.exists:
        msg = f"{ws.label}: no such workspace"
        raise FileNotFoundError(msg)
    cats = read_categories(ws)  # the workspace's own list: validation, names, colours and priorities follow it
    out = {name: validate(ws.read(name), name, source=f"{ws.name}:{name}", categories=cats).accepted
           for name in LAYER_NAMES}
    # the residents' survey, for the pack's "What residents feel" tables (geo.report.evaluations)
    if ws.has("survey"):
        out["survey"] = ws.read_table("survey")
    # the interventions, for the pack's "Did it work?" pages (geo.report.evaluations)
    out["interventions"] = validate(ws.read("interventions"), "interventions", source=f"{ws.name}:interventions").accepted
    out["boundaries"] = with_unit_ids(out["boundaries"])  # a workspace written before units had ids gets them here
    out["incidents"] = with_categories(assign_units(out["incidents"], out["boundaries"]), cats)
    # the import log too: a workspace imported into before each layer's origin was kept in its metadata
    log = ws.read_table(LOG_TABLE).to_dict("records") if ws.has(LOG_TABLE) else []
    info = {"file": ws.name, "meta": ws.meta(), "import_log": log}
    for frame in out.values():
        frame.attrs[WORKSPACE_ATTR] = info
    return out


@dataclass(frozen=True, eq=False)
class PackStudy:
    """The selected layers and the resolved options, shared by every map of a pack."""

    options: ReportOptions
    study: Study
    label: str

    @cached_property
    def tr(self) -> Tr:
        """The words of the pack's language (``options.lang``)."""
        return Tr(self.options.lang)

    @property
    def filter(self) -> IncidentFilter:
        return self.study.filter

    @property
    def units(self) -> gpd.GeoDataFrame:
        return self.study.units

    @property
    def incidents(self) -> gpd.GeoDataFrame:
        return self.study.incidents

    @property
    def stations(self) -> gpd.GeoDataFrame:
        return self.study.stations

    @property
    def cameras(self) -> gpd.GeoDataFrame:
        return self.study.cameras

    @property
    def roads(self) -> gpd.GeoDataFrame:
        return self.study.roads

    @cached_property
    def network(self) -> RoadNetwork:
        """The study's roads as one network, built on first use for every drive-time analysis of the pack."""
        return RoadNetwork.from_roads(self.roads)

    @property
    def outside(self) -> int:
        return self.study.outside

    @property
    def has_population(self) -> bool:
        return self.study.has_population

    def subtitle(self, category: str | None = None, n: int | None = None) -> str:
        """The study area, period, categories and incidents of a map, in the pack's language."""
        o, _ = self.options, self.tr
        cats = (category_label(_, category, categories=o.category_list) if category is not None
                else categories_text(_, o.categories, category_list=o.category_list))
        n = len(self.incidents) if n is None else n
        return " · ".join([self.label, period_text(_, o.start, o.end), cats,
                           _.plural("{n} incident", "{n} incidents", n)])


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
    return pack_study(layers, options).study.layers()


def pack_study(layers: Mapping[str, gpd.GeoDataFrame], options: ReportOptions) -> PackStudy:
    """The study selection of ``options`` (:func:`geo.select.select_study`) with every default resolved.

    The period defaults to the app's (:func:`geo.select.resolve_period`); the
    priorities to the :data:`DEFAULT_PRIORITIES` most frequent categories of
    the selected incidents, "other" left out unless it is the only one.
    """
    o = options
    incidents = layers.get("incidents")
    start, end = resolve_period(incidents if incidents is not None else pd.DataFrame(), o.start, o.end)
    f = IncidentFilter(area=o.area, units=o.units, start=start, end=end, categories=o.categories)
    study = select_study(layers, f)
    selected = study.incidents
    _ = Tr(o.lang)
    label = _area_label(_, o, study, layers.get("boundaries"))
    cats = o.category_list if o.category_list is not None else categories_of(incidents)
    present = categories_present(selected, cats.keys) if len(selected) else []
    priorities = o.priorities
    if priorities is None:
        # the plan's priorities as the workspace marked them, those with incidents in the selection
        priorities = tuple(c for c in cats.priorities if c in present)
    if not priorities and o.priorities is None:
        counts = selected["category"].value_counts() if len(selected) else pd.Series(dtype=int)
        # most incidents first, ties in the list's order; "other" is no one's priority unless asked for
        named = [c for c in present if c != "other"] or present
        priorities = tuple(sorted(named, key=lambda c: (-int(counts.get(c, 0)), cats.index(c))))
        priorities = priorities[:DEFAULT_PRIORITIES]
    resolved = replace(o, start=start, end=end, priorities=priorities, category_list=cats,
                       title=o.title or _(_TITLE, area=label),
                       source=o.source or _default_source(layers), date=o.date or dt.date.today())
    return PackStudy(options=resolved, study=study, label=label)


def _area_label(_: Tr, o: ReportOptions, study: Study, boundaries: gpd.GeoDataFrame | None) -> str:
    """The study area as titles name it, in the language: settlements, an area, or every settlement."""
    units = study.units
    if o.units:
        # chosen by id (or a name the selection resolved to one); named as every page names them
        whole = with_unit_ids(boundaries) if boundaries is not None and len(boundaries) else units
        local = (dict(zip(unit_ids(whole), unit_labels(whole, _.lang), strict=True))
                 if len(whole) and "name" in whole else {})
        names = [local.get(n, n) for n in (study.filter.units or o.units)]
        if len(names) <= 3:
            return ", ".join(names)
        return _.plural("{names} and {n} more", "{names} and {n} more", len(names) - 3, names=", ".join(names[:3]))
    if o.area == OUTSIDE:  # the incidents outside every settlement, studied on their own
        return _("Imported data")
    named = area_names(boundaries if boundaries is not None and len(boundaries) else units, _.lang)
    if o.area is not None:
        return named.get(o.area, o.area)
    areas = sorted(set(units["area"].dropna().astype(str)) - {""}) if "area" in units else []
    return ", ".join(named.get(a, a) for a in areas) if 0 < len(areas) <= 3 else _("all settlements")


def _default_source(layers: Mapping[str, gpd.GeoDataFrame]) -> str:
    """The workspace's real source (English, translated where shown): each imported layer by its file, the
    rest by the workspace's title (:func:`geo.io.provenance.source_text`); never the demo's title alone once
    a layer is a city's own."""
    present = [n for n, f in layers.items() if f is not None and len(f)]
    for frame in layers.values():
        info = getattr(frame, "attrs", {}).get(WORKSPACE_ATTR)
        if info:
            meta = info.get("meta", {})
            text = source_text(meta, info.get("import_log"), layers=present)
            return text or info.get("file") or info.get("name") or DEFAULT_SOURCE
    return DEFAULT_SOURCE
