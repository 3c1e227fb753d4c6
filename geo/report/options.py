"""What a pack covers and how its analyses are set: the options, and the results' containers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.checks import check_choice, check_count, check_positive
from geo.content import MapContent
from geo.i18n import LANGS, NAME_FIELDS
from geo.printmap import PAPERS
from geo.categories import CategoryList
from geo.stats.hotspots import MIN_TOP_INCIDENTS

__all__ = ["ANALYSES", "DEFAULT_HOTSPOT_METHOD", "DEFAULT_PRIORITIES", "HOTSPOT_METHODS", "LABEL_FIELDS", "MAP_KINDS", "MapView",
           "PackResult", "Progress", "ReportOptions"]

MAP_KINDS = ("overview", "hotspots", "coverage", "sites")
HOTSPOT_METHODS = ("gistar", "density")
# the pack's optional pages (geo.report.spacetime): what is emerging, what repeats, which map predicts best
ANALYSES = ("emerging", "near_repeat", "forecast")
# One method per question: the Hotspots and Planner pages, the pack and the command line open on this one.
DEFAULT_HOTSPOT_METHOD = "gistar"
LABEL_FIELDS = ("name", "name_ru", "name_ky")
DEFAULT_PRIORITIES = 4

Progress = Callable[[float, str], None]


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
        Priority categories, one hot spot map each. Default: the categories
        the workspace's list marks as its plan's priorities (those with
        incidents in the selection), else the :data:`DEFAULT_PRIORITIES` most
        frequent categories of the selected incidents, leaving out "other" (a
        residual, not a priority) unless it is the only one.
    category_list : geo.categories.CategoryList, optional
        The workspace's own categories, against which ``categories`` and
        ``priorities`` are checked and by which they are named. Default: the
        list the incidents carry when the pack is made, the default list
        until then.
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
    min_incidents : int
        The fewest incidents a top hot spot (or density peak, within its
        search radius) holds to be listed; default 2.
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
    labels : str, optional
        Place names on the maps: ``"name"``, ``"name_ru"`` (Russian) or
        ``"name_ky"`` (Kyrgyz), where the boundaries have them. Default: the
        names of ``lang`` (the stored name where one is missing).
    lang : {"en", "ru", "ky"}
        Language of every page, map, table and data file of the pack: words,
        place names, numbers and dates. The library's default is English;
        the app and the command line pass the reader's language.
    min_count : int
        A viewer's pack (:mod:`geo.privacy`): a Gi* cell of fewer incidents
        shows neither count nor z, a density cell shaped by fewer is blank,
        and no top place of fewer is listed. 0 (the default) for an
        analyst's pack, where every count is shown.
    analyses : sequence of str
        Optional pages of what is emerging, what repeats and which map predicts best
        (:data:`ANALYSES`): ``"emerging"`` a map of emerging hot spots over every month of the data up
        to ``end``, ``"near_repeat"`` the Knox table of the period's incidents, ``"forecast"`` the table and
        chart of which map predicts next month best over the months up to ``end``. None by default. An
        analyst's pack only (they read exact points and days): a viewer's pack leaves them out.
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
    hotspot_method: str = DEFAULT_HOTSPOT_METHOD
    cell: float | None = None
    bandwidth: float | None = None
    min_incidents: int = MIN_TOP_INCIDENTS
    time_limit: float = 60.0
    minutes: float | None = None
    off_road_kmh: float = 20.0
    paper: str = "a4-landscape"
    dpi: int = 150
    title: str | None = None
    source: str | None = None
    date: dt.date | None = None
    labels: str | None = None
    lang: str = "en"
    tiles: str | None = None
    tile_cache: str | Path | None = None
    category_list: CategoryList | None = None
    min_count: int = 0
    analyses: Sequence[str] = ()

    def __post_init__(self) -> None:
        # Tuples: the options stay immutable and hashable whatever sequence was given.
        for name in ("units", "categories", "priorities", "analyses"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str):
                    msg = f"{name} must be a list of names, not the string {value!r}"
                    raise ValueError(msg)
                object.__setattr__(self, name, tuple(str(v) for v in value))
        for name in ("categories", "priorities"):
            keys = CategoryList.of(self.category_list).keys
            bad = [c for c in getattr(self, name) or () if c not in keys]
            if bad:
                msg = f"unknown {name} {', '.join(bad)}; categories: {', '.join(keys)}"
                raise ValueError(msg)
        bad = [a for a in self.analyses or () if a not in ANALYSES]
        if bad:
            msg = f"unknown analyses {', '.join(bad)}; choose from {', '.join(ANALYSES)}"
            raise ValueError(msg)
        if self.hotspot_method not in HOTSPOT_METHODS:
            msg = f"hotspot_method must be one of {', '.join(HOTSPOT_METHODS)}, not {self.hotspot_method!r}"
            raise ValueError(msg)
        for name in ("radius", "candidate_spacing", "time_limit", "off_road_kmh"):
            check_positive(getattr(self, name), name)
        if self.minutes is not None:
            check_positive(self.minutes, "minutes")
        for name in ("cell", "bandwidth"):
            if getattr(self, name) is not None:
                check_positive(getattr(self, name), name)
        check_count(self.k, "k")
        check_count(self.min_incidents, "min_incidents")
        check_count(self.dpi, "dpi")
        if self.min_count < 0:
            msg = f"min_count must be 0 or more, got {self.min_count}"
            raise ValueError(msg)
        check_choice(self.lang, LANGS, "lang")
        if self.labels is None:
            object.__setattr__(self, "labels", NAME_FIELDS[self.lang])
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
        from geo.report.study import pack_study  # the study needs the options: resolved there

        return pack_study(layers, self).options


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
    reading : str
        "How to read this map": what the colours and symbols say, in plain words.
    lang : str
        The language of the words above and of the tables.
    """

    kind: str
    category: str | None
    content: MapContent
    title: str
    subtitle: str
    params: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    notes: tuple[str, ...] = ()
    reading: str = ""
    lang: str = "en"

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
