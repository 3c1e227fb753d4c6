"""The action-plan pack: one PDF (cover, maps, tables, methods) and a zip of the map images and tables.

The pages are drawn one at a time and written straight into the PDF, so a
pack of any length holds one figure in memory; the PDF appears whole or not
at all (:mod:`geo.atomic`).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo import printmap
from geo.atomic import atomic_output
from geo.coverage import DEFAULT_CAMERA_RANGE_M
from geo.report.data import table_files, write_zip
from geo.report.options import MapView, PackResult, Progress, ReportOptions
from geo.report.study import PackStudy, pack_study
from geo.report.tables import TOP_CELLS
from geo.report.text import categories_text, long_date, options_params, period_text, rule_text
from geo.report.views import make_view, standard_text
from geo.schema import CATEGORY_LABELS
from geo.siting.compare import comparison_text

__all__ = ["PAGE_ROWS", "TABLE_PAGES", "TOP_GAPS", "build_pack"]

TOP_GAPS = 15
# A table page holds this many rows on A4 landscape; the CSV and XLSX hold them all.
PAGE_ROWS = 30
# Table pages besides the settlements' (which needs boundaries) and the cameras' (which needs cameras):
# hot spots, coverage by station and by category, gaps, proposed sites, today against the proposal, and by
# category.
TABLE_PAGES = 7


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
    s = pack_study(layers, options)
    o = s.options
    plan: list[tuple[str, str | None]] = [("overview", None), *(("hotspots", c) for c in o.priorities),
                                          ("coverage", None), ("sites", None)]
    # steps: the analyses, the pages, the map images and the zip
    n_pages = 1 + len(plan) + TABLE_PAGES + (1 if len(s.units) else 0) + (1 if len(s.cameras) else 0) + 1
    report = _Reporter(progress, total=len(plan) + n_pages + ((len(plan) + 1) if zip_path else 0))
    views: list[MapView] = []
    for kind, category in plan:
        views.append(make_view(kind, s, category))
        report.step(f"Analysed: {views[-1].title}")
    pages = _pages(s, views)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    images: dict[str, bytes] = {}
    notes = [n for v in views for n in v.notes]
    with atomic_output(out_pdf, suffix=".tmp.pdf") as tmp, printmap.pdf_pages(tmp, title=o.title) as pdf:
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
    paths = {"pdf": out_pdf}
    if zip_path is not None:
        files = {f"maps/{name}": data for name, data in images.items()}
        files |= {f"tables/{name}": data for name, data in table_files(views, date=o.date).items()}
        files["README.txt"] = _readme(s, files).encode("utf-8")
        write_zip(zip_path, files, date=o.date)
        paths["zip"] = zip_path
        report.step("Zip written")
    report.done("Pack ready")
    params = {"options": options_params(o), **{v.name: v.params for v in views}}
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


def _pages(s: PackStudy, views: list[MapView]) -> list[_Page]:
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


def _table_pages(s: PackStudy, views: list[MapView], by_kind: dict[str, MapView]) -> list[_Page]:
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
    specs.append((f"Coverage by station (within {standard_text(s)})", cov.tables["by_station"],
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


def _cover(s: PackStudy, toc: list[str]) -> list[str]:
    o = s.options
    where = f"{s.label} ({len(s.units)} settlements)" if len(s.units) else s.label
    priorities = ", ".join(CATEGORY_LABELS.get(c, c) for c in o.priorities) or "none"
    return [f"Area: {where}. Period: {period_text(o.start, o.end, long=True)}.",
            f"Categories: {categories_text(o.categories)}; priorities: {priorities}.",
            f"Incidents: {len(s.incidents):,}; police stations: {len(s.stations):,}; cameras: {len(s.cameras):,}.",
            f"Data source: {o.source}. Prepared with Koopsuz on {long_date(o.date)}.",
            "## Contents",
            *(f"- {line}" for line in toc)]


def _methods(s: PackStudy, views: list[MapView]) -> list[str]:
    o = s.options
    by_kind = {v.kind: v for v in views}
    out = [f"Study area: {s.label}. Period {period_text(o.start, o.end, long=True)}"
           + (f" ({s.filter.days} days)" if s.filter.days else "")
           + f"; categories: {categories_text(o.categories)}. {len(s.incidents):,} incidents"
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
                       f"({rule_text(p['cell_rule'])}), distance band {p['band_m']:,.0f} m ({rule_text(p['band_rule'])}), "
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


def _readme(s: PackStudy, files: Mapping[str, bytes]) -> str:
    o = s.options
    lines = [o.title, "", f"Area: {s.label}", f"Period: {period_text(o.start, o.end, long=True)}",
             f"Categories: {categories_text(o.categories)}", f"Data source: {o.source}",
             f"Prepared with Koopsuz on {long_date(o.date)}", "",
             f"maps/    the map images, PNG at {o.dpi} dpi, {o.paper}",
             "tables/  the tables as CSV (UTF-8, opens in Excel) and all of them in one XLSX workbook", "",
             "Contents:"]
    lines += [f"  {name}" for name in sorted([*files, "README.txt"])]
    return "\r\n".join(lines) + "\r\n"  # CRLF: Notepad on older Windows shows LF files as one line


def _close(fig: Any) -> None:
    # export's figures are not pyplot's: nothing global to close, drop the artists so the arrays go at once
    fig.clear()
