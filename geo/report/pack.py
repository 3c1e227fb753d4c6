"""The action-plan pack: one PDF (cover, maps, tables, methods) and a zip of the map images and tables.

The tables are laid out first (a long table runs over several pages), so
that the contents and the page numbers are known; then the cover, maps and
text pages are drawn one at a time and written straight into the PDF, so a
pack holds at most one map in memory. The PDF appears whole or not at all
(:mod:`geo.atomic`).
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
from geo.i18n import Tr
from geo.io.provenance import source_in
from geo.report.data import file_words, image_name, table_files, write_zip
from geo.evaluate.perception import question_label
from geo.report.evaluations import evaluation_texts, perception_specs, perception_views
from geo.printmap.background import PendingPng, start_png
from geo.printmap.pages import text_fits
from geo.report.spacetime import analysis_methods, pack_analyses
from geo.report.methods import cover_text, methods_text, readme
from geo.report.options import MapView, PackResult, Progress, ReportOptions
from geo.report.study import PackStudy, pack_study
from geo.report.tables import TOP_CELLS
from geo.report.text import category_label, options_params
from geo.report.views import make_view, standard_text

__all__ = ["MAX_TABLE_ROWS", "PAGE_ROWS", "TABLE_PAGES", "TOP_GAPS", "build_pack", "view_figure"]

TOP_GAPS = 15
# The top hot spots of all the priority categories together: about a page of rows.
PAGE_ROWS = 30
# A table runs over as many pages as it takes up to this many rows; the CSV and XLSX hold them all.
MAX_TABLE_ROWS = 200
# Tables besides the settlements' (which needs boundaries) and the cameras' (which needs cameras):
# hot spots, coverage by station and by category, gaps, proposed sites, today against the proposal, and by
# category.
TABLE_PAGES = 7


def build_pack(layers: Mapping[str, gpd.GeoDataFrame], out_pdf: str | os.PathLike[str], *, options: ReportOptions,
               zip_path: str | os.PathLike[str] | None = None, progress: Progress | None = None) -> PackResult:
    """Write the action-plan pack: one PDF and, with ``zip_path``, a zip of the map images and tables.

    The PDF holds a cover (title, study area, period, data source, date and
    the table of contents), the overview map, one hot spot map per priority
    category, the coverage and gaps map, the proposed sites map (each with
    "how to read this map" under it), the tables (settlements, top hot
    spots, coverage by station and by category, gaps, proposed sites, today
    against the proposal; a long table on as many pages as it takes, the
    header repeated, up to :data:`MAX_TABLE_ROWS` rows), and a methods page
    in plain words with every parameter used. Every page is numbered at its
    foot ("Page 3 of 14").
    The zip holds ``maps/*.png`` (``options.dpi``), ``tables/*.csv``,
    ``tables/koopsuz_tables.xlsx`` and ``README.txt``.

    Every page, table and file name is in ``options.lang`` (English file
    names in English, e.g. ``карты/01_обзор.png`` in Russian), with place
    names, numbers and dates in that language.

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
    o, _ = s.options, s.tr
    plan: list[tuple[str, str | None]] = [("overview", None), *(("hotspots", c) for c in o.priorities),
                                          ("coverage", None), ("sites", None)]
    # steps: the analyses, the pages (cover, maps, tables, methods), the map images and the zip
    evaluations = evaluation_texts(layers, s)  # "Did it work?": a page per intervention of the study area
    perception = perception_specs(layers, s)  # what residents feel: a table per survey question
    extra = pack_analyses(layers, s)  # the options' emerging hot spots, near repeats, which map predicts best
    n_pages = (1 + len(plan) + len(perception) + TABLE_PAGES + (1 if len(s.units) else 0) + (1 if len(s.cameras) else 0)
               + len(perception) + len(evaluations) + sum(bool(j.chart) for j in evaluations) + 1
               + len(extra.views) + len(extra.tables) + len(extra.charts))
    n_maps = len(plan) + len(perception) + len(extra.views)  # a map per survey question and analysis too
    report = _Reporter(progress, total=len(plan) + n_pages + ((n_maps + 1) if zip_path else 0))
    views: list[MapView] = []
    for kind, category in plan:
        views.append(make_view(kind, s, category))
        report.step(_("Analysed: {title}", title=views[-1].title))
    views += perception_views(layers, s)  # what residents feel: a map per survey question, after the plan's
    views += extra.views
    pages = _pages(s, views, evaluations, [*perception, *extra.tables], extra.charts,
                   analysis_methods(extra, _))
    # the text and table pages' number is known once they are laid out: count the steps again
    report.total = len(plan) + len(pages) + ((len(views) + 1) if zip_path else 0)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    pending: list[tuple[_Page, PendingPng]] = []  # the zip's map images, drawn beside the PDF
    notes = [n for v in views for n in v.notes]
    try:
        with atomic_output(out_pdf, suffix=".tmp.pdf") as tmp, printmap.pdf_pages(tmp, title=o.title) as pdf:
            for number, page in enumerate(pages, start=1):
                fig = page.draw()
                notes += [f"{page.title}: {_.message(n)}" for n in getattr(fig, "koopsuz_notes", ())]
                try:
                    if zip_path is not None and page.image is not None:  # the image alone, without the number
                        pending.append((page, start_png(fig, dpi=o.dpi)))
                    printmap.number_page(fig, _("Page {page} of {pages}", page=_.int(number),
                                                pages=_.int(len(pages))))
                    pdf.savefig(fig)
                finally:
                    _close(fig)
                report.step(_("Page {number} of {total}: {title}", number=_.int(number), total=_.int(len(pages)),
                              title=page.title))
        images = {}
        for page, png in pending:
            images[page.image] = png.result()
            if images[page.image] is None:  # no child could draw it: the same image, drawn here
                images[page.image] = _png(page.draw(), dpi=o.dpi)
            report.step(_("Image: {title}", title=page.title))
    finally:
        for _page, png in pending:  # an error above leaves no child behind
            png.result(timeout=0)
    paths = {"pdf": out_pdf}
    if zip_path is not None:
        words = file_words(_)
        files = {f"{words['maps']}/{name}": data for name, data in images.items()}
        files |= {f"{words['tables']}/{name}": data for name, data in table_files(views, date=o.date).items()}
        readme_name = f"{words['README']}.txt"
        files[readme_name] = readme(s, [*files, readme_name]).encode("utf-8")
        write_zip(zip_path, files, date=o.date)
        paths["zip"] = zip_path
        report.step(_("Zip written"))
    report.done(_("Pack ready"))
    params = {"options": options_params(o), **{v.name: v.params for v in views},
              "evaluations": [j.title for j in evaluations],
              "evaluation_charts": [j.chart["title"] for j in evaluations if j.chart],
              "perception": [title for title, _frame, _note in perception],
              "analyses": extra.params, "analysis_tables": [title for title, _frame, _note in extra.tables],
              "analysis_charts": [c["title"] for c in extra.charts]}
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
    draw: Callable[[], Any]  # -> the page's figure
    image: str | None = None  # file name of the map image in the zip


def view_figure(view: MapView, *, options: ReportOptions, title: str | None = None,
                source: str | None = None) -> Any:
    """A map view as a print page: the pack's maps, the Export page's and a publication's, one function.

    "How to read this map" goes under the map, where the reader looks at it. ``options`` are resolved
    (:meth:`ReportOptions.resolve`): their paper, date, tiles and language are the page's; ``source`` is the
    footer's words (default: ``options.source`` in the options' language); ``title`` replaces the view's.
    """
    _ = Tr(options.lang)
    note = _("How to read this map: {text}", text=view.reading) if view.reading else None
    return printmap.map_figure(view.content, title=title or view.title, subtitle=view.subtitle, paper=options.paper,
                               source=source if source is not None else source_in(options.source, lang=options.lang),
                               date=options.date, tiles=options.tiles, tile_cache=options.tile_cache,
                               lang=options.lang, note=note)


def _pages(s: PackStudy, views: list[MapView], evaluations: list[tuple[str, list[str]]] = (),
           perception: list[tuple[str, pd.DataFrame, str | None]] = (), charts: list[dict] = (),
           more_methods: list[str] = ()) -> list[_Page]:
    """Every page of the pack in order, laid out so that the contents and the page numbers are known before the
    first is written: the tables' figures are built here (a long table takes several pages), the maps and text
    pages are drawn when written."""
    o, _ = s.options, s.tr
    by_kind = {v.kind: v for v in views}
    # the workspace's source (each imported layer by its file, the demo's English title) in the language
    source = source_in(o.source, lang=_.lang)

    def map_page(v: MapView, index: int) -> _Page:
        return _Page(title=v.title, image=image_name(_, v, index), draw=lambda: view_figure(v, options=o, source=source))

    maps = [map_page(v, i) for i, v in enumerate(views, start=1)]
    tables = _table_pages(s, views, by_kind, perception)  # [(title, its pages)]
    # the options' charts (which map predicts best) after the tables, then "Did it work?" with its charts
    judged_groups = [_chart_pages(_, c) for c in charts]
    judged_groups += [_text_pages(_, j.title, j.paragraphs, o.paper) + _chart_pages(_, j.chart)
                      for j in evaluations]
    judged = [page for group in judged_groups for page in group]
    methods = _text_pages(_, _("Methods and parameters"), [*methods_text(s, views), *more_methods], o.paper)
    # The contents: a line per map, the tables on one line, so that a cover of any pack fits one page.
    first_table = 2 + len(maps)
    # the plan's maps a line each; the survey's maps (one per question) on one line, as the tables
    felt = [(i, v) for i, v in enumerate(views, start=2) if v.kind == "perception"]
    toc = []
    for i, (p, v) in enumerate(zip(maps, views, strict=True), start=2):
        if v.kind != "perception":
            toc.append(f"{_.int(i)}. {p.title}")
        elif i == felt[0][0]:
            toc.append(_("{first}–{last}. Maps of what residents feel and what is recorded: {questions}.",
                         first=_.int(felt[0][0]), last=_.int(felt[-1][0]),
                         questions="; ".join(f"{question_label(v.category, _)} ({_.int(i)})" for i, v in felt)))
    starts, n = [], first_table
    for _title, figs in tables:
        starts.append(n)
        n += len(figs)
    toc.append(_("{first}–{last}. Tables: {tables}.", first=_.int(first_table), last=_.int(n - 1),
                 tables="; ".join(f"{t} ({_.int(i)})" for (t, _figs), i in zip(tables, starts, strict=True))))
    for group in judged_groups:  # each intervention once, at its first page
        toc.append(f"{_.int(n)}. {group[0].title}")
        n += len(group)
    toc.append(f"{_.int(n)}. {methods[0].title}")
    cover = _Page(title=o.title, draw=lambda: printmap.text_figure(o.title, cover_text(s, toc), paper=o.paper,
                                                                   lang=_.lang))
    table_pages = [_Page(title=fig.koopsuz_title, draw=lambda fig=fig: fig) for _t, figs in tables for fig in figs]
    return [cover, *maps, *table_pages, *judged, *methods]


def _chart_pages(_: Tr, chart: dict) -> list[_Page]:
    """A chart's page (landscape, for the months), or none when there is no chart."""
    if not chart:
        return []
    return [_Page(title=chart["title"], draw=lambda: printmap.line_chart_figure(**chart, paper="a4-landscape",
                                                                               lang=_.lang))]


def _text_pages(_: Tr, title: str, paragraphs: list[str], paper: str) -> list[_Page]:
    """``paragraphs`` on as many text pages as they need (a longer language may need one more), whole
    paragraphs on each; a page's text is cut only when a single paragraph does not fit on a page."""

    def fits(part: list[str]) -> bool:
        return text_fits(title, part, paper=paper, lang=_.lang)  # the page's own layout, without drawing it

    chunks: list[list[str]] = []
    rest = list(paragraphs)
    while rest:
        n = len(rest)
        while n > 1 and not fits(rest[:n]):
            n -= 1
        # a subheading stays with the paragraph under it
        if 1 < n < len(rest) and rest[n - 1].startswith("## "):
            n -= 1
        chunks.append(rest[:n])
        rest = rest[n:]
    titles = [title] + [_("{title} (continued)", title=title)] * (len(chunks) - 1)
    return [_Page(title=t, draw=lambda t=t, c=c: printmap.text_figure(t, c, paper=paper, lang=_.lang))
            for t, c in zip(titles, chunks or [[]], strict=False)]


def _table_pages(s: PackStudy, views: list[MapView], by_kind: dict[str, MapView],
                 extra: list[tuple[str, pd.DataFrame, str | None]] = ()) -> list[tuple[str, list[Any]]]:
    o, _ = s.options, s.tr
    specs: list[tuple[str, pd.DataFrame, str | None]] = []
    over = by_kind["overview"]
    if "settlements" in over.tables:
        specs.append((_("Settlements: incidents and rates"), over.tables["settlements"], None))
    hot = [v for v in views if v.kind == "hotspots"]
    # as many of each category's top rows as one page holds for all of them; the tables have TOP_CELLS
    each = min(TOP_CELLS, max(3, PAGE_ROWS // max(len(hot), 1)))
    category = _("Category")
    top = [v.tables["top"].head(each).assign(**{category: category_label(_, v.category, categories=o.category_list)})
           for v in hot if len(v.tables["top"])]
    top_frame = (pd.concat(top, ignore_index=True) if top else pd.DataFrame())
    if len(top_frame):
        top_frame = top_frame[[category, *[c for c in top_frame.columns if c != category]]]
    if o.hotspot_method == "gistar":
        specs.append((_("Top hot spots of the priority categories"), top_frame,
                      _("Neighbouring hot spot cells (Gi*, confidence at least 90 %) merged into one hot spot, the "
                        "most incidents first; hot spots with fewer than {least} incidents are not listed; up to "
                        "{each} per category here, {all} in the tables.",
                        least=_.int(o.min_incidents), each=_.int(each), all=_.int(TOP_CELLS))))
    else:
        specs.append((_("Density peaks of the priority categories"), top_frame,
                      _("The highest points of the density surface, at least a search radius (bandwidth) apart; "
                        "peaks with fewer than {least} incidents within a search radius are not listed; "
                        "up to {each} per category here, {all} in the tables.", least=_.int(o.min_incidents),
                        each=_.int(each), all=_.int(TOP_CELLS))))
    cov = by_kind["coverage"]
    specs.append((_("Coverage by station (within {standard})", standard=standard_text(s)), cov.tables["by_station"],
                  _("“{column}”: the incidents that no other station reaches, which closing this station would "
                    "leave uncovered.", column=_("Covered by it alone"))))
    specs.append((_("Coverage by category"), cov.tables["by_category"], None))
    if "by_camera" in cov.tables:
        specs.append((_("Video cameras: incidents in view"), cov.tables["by_camera"],
                      _("In a camera's viewing sector (its range, direction and field of view); “{column}”: what no "
                        "other camera sees.", column=_("Seen by it alone"))))
    specs.append((_("Coverage gaps"), cov.tables["gaps"].head(TOP_GAPS),
                  _("The {n} largest gaps by uncovered incidents; all of them in the tables.", n=_.int(TOP_GAPS))
                  if len(cov.tables["gaps"]) > TOP_GAPS else None))
    sites = by_kind["sites"]
    specs.append((_("Proposed sites and what each adds"), sites.tables["proposed_sites"],
                  _("In the order a planner would add them: each counts what it covers beyond the existing "
                    "stations and the sites ranked before it.")))
    specs.append((_("Today and with the proposed sites"), _comparison_text(_, sites.tables["comparison"]), None))
    specs.append((_("Incidents covered by category, today and with the proposal"),
                  sites.tables["comparison_by_category"], None))
    specs += list(extra)  # what residents feel, per survey question (geo.report.evaluations)
    return [(title, _table_figures(_, title, frame, note)) for title, frame, note in specs]


def _table_figures(_: Tr, title: str, frame: pd.DataFrame, note: str | None) -> list[Any]:
    """A table's pages: all its rows (up to :data:`MAX_TABLE_ROWS`), on as many pages as they take, the header
    repeated; portrait or landscape, whichever takes fewer pages (``table_pages`` chooses)."""
    if len(frame) == 0:
        return [printmap.text_figure(title, [_("Nothing to list for this study area.")], lang=_.lang)]
    if len(frame) > MAX_TABLE_ROWS:
        more = _("All the rows are in the tables (CSV, XLSX).")
        note = f"{note} {more}" if note else more
    return printmap.table_pages(_printable(_, frame), title=title, note=note, max_rows=MAX_TABLE_ROWS,
                                lang=_.lang)


def _printable(_: Tr, frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a table page's number format would garble, as text: shares in %, coordinates to 1 m.

    The other numbers are written by the table pages in the language's form (``1 341``, ``2,5``).
    """
    out = frame.reset_index(drop=True).copy()
    shares = {_("Share of incidents"), _("Share covered")}
    coords = {_("Latitude"), _("Longitude")}
    for col in out.columns:
        values = out[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        name = str(col)
        if name in shares:
            out[col] = values.map(lambda v: "–" if pd.isna(v) else _.pct(v, 1))
        elif name in coords:
            out[col] = values.map(lambda v: "–" if pd.isna(v) else _.num(v, 5))
    return out


def _comparison_text(_: Tr, table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table of a sites view as text, as the Planner page shows it, in the language:
    shares in % (changes in percentage points), minutes to 0.1, counts and metres whole, "–" for none."""
    if len(table) == 0:
        return table
    measures = table.attrs.get("measures") or [""] * len(table)

    def shown(measure: str, v: float, *, change: bool = False) -> str:
        if pd.isna(v):
            return "–"
        sign = "+" if change and v > 0 else ""
        if measure.startswith("Share"):
            return _("{sign}{points} pp", sign=sign, points=_.num(v * 100, 1)) if change else _.pct(v, 1)
        return sign + (_.num(v, 1) if "(min)" in measure else _.int(v))

    cols = list(table.columns)  # measure, today, with the proposal, change: in the language of the view
    rows = list(table.itertuples(index=False))
    return pd.DataFrame({cols[0]: [r[0] for r in rows],
                         cols[1]: [shown(m, r[1]) for m, r in zip(measures, rows, strict=True)],
                         cols[2]: [shown(m, r[2]) for m, r in zip(measures, rows, strict=True)],
                         cols[3]: [shown(m, r[3], change=True) for m, r in zip(measures, rows, strict=True)]})


def _png(fig: Any, *, dpi: int) -> bytes:
    """The figure as PNG bytes, then closed."""
    try:
        buf = io.BytesIO()
        printmap.save_figure(fig, buf, format="png", dpi=dpi)
        return buf.getvalue()
    finally:
        _close(fig)


def _close(fig: Any) -> None:
    # export's figures are not pyplot's: nothing global to close, drop the artists so the arrays go at once
    printmap.release(fig)
