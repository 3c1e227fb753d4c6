"""Export: print maps (PNG, PDF, SVG), a self-contained interactive map (HTML), the data, and the action-plan pack."""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from pathlib import Path

import streamlit as st

from geo.i18n import N_, Tr
from geo.io.store import WorkspaceError
from geo.io.provenance import source_in
from geo.printmap import PAPERS, save_figure
from geo.report import (ANALYSES, MAP_KINDS, ReportOptions, build_pack, export_data, export_tables, map_content,
                        study_layers, view_figure)
from geo.categories import CategoryList
from layers.compose import content_map
from layers.standalone import standalone_html
from views.auth import may, record, signed_in
from views.common import Data, current_workspace, file_words, load_data, result_block, study_key, tr
from views.privacy import as_viewer, is_viewer, min_count as viewer_min_count, policy_for, viewer_notes
from views.health import health_banner

KIND_LABELS = {"overview": N_("Overview: incidents, police and rates"),
               "hotspots": N_("Hot spots (Gi*), one map per category"),
               "coverage": N_("Coverage and coverage gaps"), "sites": N_("Proposed new sites")}
METHOD_LABELS = {"gistar": N_("Hot spots (Gi*)"), "density": N_("Density (kernel density)")}
FORMAT_LABELS = {"png": N_("PNG picture"), "pdf": N_("PDF for printing"), "svg": N_("SVG drawing"),
                 "html": N_("Interactive map (opens in a browser)")}
PAPER_LABELS = {"a4-landscape": N_("A4, landscape"), "a4-portrait": N_("A4, portrait"),
                "a3-landscape": N_("A3, landscape"), "a3-portrait": N_("A3, portrait")}
# "": the names of the page's language (the pack's default), else one stored name field for every language
LABEL_CHOICES = {"": N_("In the language of the page"), "name": N_("As in the workspace"),
                 "name_ru": N_("Russian"), "name_ky": N_("Kyrgyz")}
STANDARDS = (N_("Distance"), N_("Drive time"))
MIME = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml", "html": "text/html"}


def map_file_name(kind: str, category: str | None, fmt: str, _: Tr, *,
                  categories: CategoryList | None = None) -> str:
    """A print map's download name in the reader's words: ``hotspots_burglary.pdf``, ``очаги_квартирные_кражи.pdf``.

    ``categories`` is the workspace's list (its own names); the default list when not given.
    """
    word = {"overview": _.ctx("file name", "overview"), "hotspots": _.ctx("file name", "hotspots"),
            "coverage": _.ctx("file name", "coverage"), "sites": _.ctx("file name", "sites")}.get(kind, kind)
    if category is not None:
        word = f"{word}_{CategoryList.of(categories).label(category, _)}"
    return f"{file_words(word.lower())}.{fmt}"


def data_file(name: str, _: Tr) -> tuple[str, str]:
    """The button's words and the download name of a file :func:`geo.report.export_data` or
    :func:`geo.report.export_tables` wrote."""
    suffix = Path(name).suffix
    if suffix == ".gpkg":
        return _("Every layer and result (GeoPackage)"), _.ctx("file name", "koopsuz_results") + suffix
    if suffix == ".tif":
        return _("Density surface (GeoTIFF)"), _.ctx("file name", "koopsuz_density") + suffix
    if suffix == ".zip":
        return _("Tables (CSV and XLSX, in a zip)"), _.ctx("file name", "koopsuz_tables") + suffix
    return _("Download {file}", file=name), name


_ = tr()
ACCOUNT = signed_in()
data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
def layers_of(d: Data) -> dict:
    """The layers the report functions read, each knowing its workspace (the pack's source line)."""
    out = {"incidents": d.incidents, "stations": d.stations, "cameras": d.cameras, "boundaries": d.boundaries,
           "roads": d.roads}
    if d.interventions is not None:  # the pack's "Did it work?" pages
        out["interventions"] = d.interventions
    for frame in out.values():
        frame.attrs["koopsuz_workspace"] = {"name": d.name, "meta": dict(d.meta)}
    return out


layers = layers_of(data)
st.title(_("Export"))
health_banner(data, None, _)  # what makes the pack's numbers wrong, and what to do
st.caption(_("Maps for the action plan, as print images or one interactive file, with the tables behind them. "
             "Everything follows the sidebar's area, settlements, period and categories, and works offline."))

try:
    base = ReportOptions(area=f.area, units=list(f.units) if f.units else None,
                         categories=list(f.categories) if f.categories else None, start=f.start, end=f.end,
                         lang=_.lang,  # the pack and the print maps write in the page's language
                         category_list=data.categories,  # the workspace's own list: its keys, names, priorities
                         min_count=viewer_min_count(data))  # a viewer's hot spots: no count of 1 or 2 (geo.privacy)
    resolved = base.resolve(layers)
except ValueError as exc:
    st.info(_("Nothing to export for these filters: {reason}", reason=_.message(str(exc))))
    st.stop()
# where the data came from, as the maps' footer and the pack's cover will say it: each imported layer by its file
st.caption(_("Data source: {source}", source=source_in(resolved.source, lang=_.lang)))
viewer_notes(data)  # a viewer's maps, pack and files: the points are moved, and they say how (geo.privacy)

publisher = may(ACCOUNT, "analyst")  # analysts publish for viewers and the public (issue 15, item 4)
tab_maps, tab_pack, tab_data, *tab_publish = st.tabs([_("Maps"), _("Action-plan pack"), _("Data and tables")]
                                                     + ([_("Publish")] if publisher else []))


def options(**kw: object) -> ReportOptions:
    return replace(base, **kw)


with tab_maps:
    c1, c2, c3 = st.columns(3)
    kinds = c1.multiselect(_("Maps"), list(MAP_KINDS), default=["overview"], format_func=lambda k: _(KIND_LABELS[k]),
                           key="ex_kinds", placeholder=_("Choose maps"))
    present = [c for c in data.categories.keys if c in set(data.incidents["category"])]
    cat_words = data.categories.labels(_)  # the workspace's own names
    cats = c1.multiselect(_("Hot spot maps for"), present, default=list(resolved.priorities), key="ex_cats",
                          format_func=lambda c: cat_words.get(c, c), disabled="hotspots" not in kinds,
                          placeholder=_("Choose categories"),
                          help=_("One hot spot map per category; the four most frequent by default."))
    method = c1.radio(_("Hot spots as"), ["gistar", "density"], horizontal=True, key="ex_method",
                      disabled="hotspots" not in kinds, format_func=lambda m: _(METHOD_LABELS[m]))
    fmt = c2.radio(_("Format"), ["png", "pdf", "svg", "html"], horizontal=True, key="ex_format",
                   format_func=lambda x: _(FORMAT_LABELS[x]))
    paper = c2.selectbox(_("Paper"), list(PAPERS), key="ex_paper", disabled=fmt == "html",
                         format_func=lambda p: _(PAPER_LABELS.get(p, p)))
    dpi = c2.radio(_("Resolution"), [150, 300], horizontal=True, key="ex_dpi", disabled=fmt != "png",
                   format_func=lambda d: f"{d} dpi")
    labels = c3.selectbox(_("Place names"), list(LABEL_CHOICES), key="ex_labels",
                          format_func=lambda c: _(LABEL_CHOICES[c]),
                          help=_("Russian or Kyrgyz names where the boundaries have them; the stored name "
                                 "where they do not."))
    title = c3.text_input(_("Title"), key="ex_title", placeholder=_("Each map's own title"),
                          help=_("Leave empty for each map's own title."))
    use_tiles = c3.checkbox(_("Tile basemap"), value=False, key="ex_tiles",
                            disabled=tiles.url is None or fmt == "html",
                            help=_("Draw the sidebar's base tiles under a print map when they can be reached (kept "
                                   "on disk); otherwise, and by default, a clean vector base. An interactive map "
                                   "uses the sidebar's tiles setting."))
    plan = [(k, c) for k in MAP_KINDS if k in kinds
            for c in ((cats or [None]) if k == "hotspots" else [None])]
    # What the maps depend on (their language too: a file is written in one); shown as current only while it holds
    map_settings = repr((study_key(data, f), _.lang, plan, method, fmt, paper, dpi, labels, title, use_tiles,
                         tiles.setting))
    if st.button(_("Make maps"), type="primary", key="ex_make", disabled=not plan):
        made = []
        bar = st.progress(0.0, text=_("Drawing the maps…"))
        for i, (kind, cat) in enumerate(plan):
            view = map_content(kind, layers, options=options(labels=labels or None, hotspot_method=method),
                               category=cat)
            name_title = title or view.title
            if fmt == "html":
                text = standalone_html(content_map(view.content, tiles=tiles, lang=_.lang), title=name_title,
                                       lang=_.lang)
                payload = text.encode("utf-8")
            else:
                fig = view_figure(view, options=replace(resolved, paper=paper, tiles=tiles.url if use_tiles else None),
                                  title=name_title)
                buf = io.BytesIO()
                save_figure(fig, buf, format=fmt, dpi=int(dpi))
                payload = buf.getvalue()
                preview = io.BytesIO()
                save_figure(fig, preview, format="png", dpi=60)
            made.append({"name": f"{view.name}.{fmt}", "file": map_file_name(kind, cat, fmt, _,
                                                                     categories=data.categories),
                         "title": name_title, "data": payload,
                         "preview": None if fmt == "html" else preview.getvalue(), "notes": list(view.notes),
                         "reading": view.reading})
            bar.progress((i + 1) / len(plan), text=_("Drawn: {title}", title=name_title))
        bar.empty()
        st.session_state["ex_made"] = (fmt, made, map_settings)
    stored = st.session_state.get("ex_made")
    if stored:
        fmt_made, made, made_with = stored
        with result_block("ex", stale=made_with != map_settings):
            for i, item in enumerate(made):
                st.subheader(item["title"])
                for note in item["notes"]:
                    st.caption(_.message(note))
                if item["preview"] is not None:
                    st.image(item["preview"], caption=_("Preview of {file}", file=item["file"]), width=720)
                if item.get("reading"):
                    st.markdown("**" + _("How to read this map") + "**")
                    st.caption(_.message(item["reading"]))
                st.download_button(_("Download {file}", file=item["file"]), item["data"], item["file"],
                                   MIME[fmt_made], key=f"ex_dl_{i}")

with tab_pack:
    st.write(_("One PDF for the plan: a cover, the overview map, a hot spot map per priority category, coverage "
               "and coverage gaps, proposed sites, the tables behind them and the methods, plus a zip of the "
               "separate pictures and tables."))
    c1, c2, c3 = st.columns(3)
    pack_title = c1.text_input(_("Title"), value=resolved.title, key="pk_title")
    priorities = c1.multiselect(_("Priority categories"), present, default=list(resolved.priorities), key="pk_prio",
                                format_func=lambda c: cat_words.get(c, c), placeholder=_("Choose categories"),
                                help=_("One hot spot map each."))
    by_road = c2.radio(_("Service standard"), list(STANDARDS), horizontal=True, key="pk_standard", format_func=_,
                       disabled=len(data.roads) == 0,
                       help=_("How far a station's service reaches: a straight-line distance, or minutes by road "
                              "over the roads layer (drive time).")) == STANDARDS[1]
    if by_road:
        minutes = c2.number_input(_("Within (minutes by road)"), 0.5, 120.0, 10.0, 0.5, key="pk_minutes")
        radius = 1500.0
    else:
        minutes = None
        radius = c2.number_input(_("Within (m)"), 100.0, 20_000.0, 1500.0, 100.0, key="pk_radius")
    k = int(c2.number_input(_("New sites to propose"), 1, 20, 3, key="pk_k"))
    pack_paper = c3.selectbox(_("Paper"), list(PAPERS), key="pk_paper",
                              format_func=lambda p: _(PAPER_LABELS.get(p, p)))
    # the pages of what emerges, repeats and predicts read exact points and days: an analyst's pack only
    analysis_words = {"emerging": _("Emerging hot spots"), "near_repeat": _("Near repeats"),
                      "forecast": _("Which map predicts best")}
    analyses = [] if is_viewer() else c3.multiselect(
        _("Also in the pack"), list(ANALYSES), key="pk_analyses", format_func=lambda a: analysis_words[a],
        placeholder=_("Nothing more"), help=_("Optional pages: a map of emerging hot spots, the near-repeat table, "
                                              "which map predicted next month best."))
    pack_settings = repr((study_key(data, f), _.lang, pack_title, priorities, by_road, minutes, radius, k, pack_paper,
                          analyses))
    if st.button(_("Build the pack"), type="primary", key="pk_build"):
        bar = st.progress(0.0, text=_("Starting…"))
        folder = Path(tempfile.mkdtemp(prefix="koopsuz-pack-"))
        try:
            result = build_pack(layers, folder / "action_plan.pdf",
                                options=options(title=pack_title or None, priorities=priorities or None,
                                                radius=radius, minutes=minutes, k=k, paper=pack_paper,
                                                analyses=tuple(analyses)),
                                zip_path=folder / "action_plan.zip",
                                progress=lambda x, msg: bar.progress(min(max(x, 0.0), 1.0), text=_.message(msg)))
        except ValueError as exc:
            bar.empty()
            st.error(_.message(str(exc)))
        else:
            st.session_state["pk_result"] = (result.pages, result.seconds, result.notes,
                                             result.paths["pdf"].read_bytes(), result.paths["zip"].read_bytes(),
                                             pack_settings)
    if stored_pack := st.session_state.get("pk_result"):
        pages, seconds, notes, pdf_bytes, zip_bytes, built_with = stored_pack
        with result_block("pk", stale=built_with != pack_settings):
            st.success(_.plural("The pack is ready: {n} page, built in {seconds} s.",
                                "The pack is ready: {n} pages, built in {seconds} s.", pages,
                                seconds=_.num(seconds, 1)))
            for note in notes:
                st.caption(_.message(note))
            d1, d2 = st.columns(2)
            pack_name = file_words(_.ctx("file name", "action_plan"))
            d1.download_button(_("Download the pack (PDF)"), pdf_bytes, f"{pack_name}.pdf", "application/pdf",
                               key="pk_dl_pdf")
            d2.download_button(_("Download the pictures and tables (zip)"), zip_bytes, f"{pack_name}.zip",
                               "application/zip", key="pk_dl_zip")

with tab_data:
    st.write(_("Every layer and result of the current selection as one GeoPackage (it opens in QGIS and ArcGIS), "
               "the density surface as a GeoTIFF, and the tables as CSV and XLSX."))
    data_settings = repr((study_key(data, f), _.lang))
    if st.button(_("Prepare the data"), key="dt_make"):
        with st.spinner(_("Running the analyses…")):
            views = [map_content(kind, layers, options=options()) for kind in MAP_KINDS]
            density = map_content("hotspots", layers, options=options(hotspot_method="density")).content.density
            folder = Path(tempfile.mkdtemp(prefix="koopsuz-data-"))
            written = export_data(study_layers(layers, options=options()), views, folder / "koopsuz_results.gpkg",
                                  density=density)
            tables = export_tables(views, folder / "koopsuz_tables.zip", date=resolved.date)
        st.session_state["dt_files"] = ([(p.name, p.read_bytes()) for p in [*written, *tables]], data_settings)
    if stored_files := st.session_state.get("dt_files"):
        files, made_with = stored_files
        with result_block("dt", stale=made_with != data_settings):
            for i, (name, payload) in enumerate(files):
                mime = {".gpkg": "application/geopackage+sqlite3", ".tif": "image/tiff",
                        ".zip": "application/zip"}.get(Path(name).suffix, "application/octet-stream")
                label, file_name = data_file(name, _)
                st.download_button(label, payload, file_name, mime, key=f"dt_dl_{i}")


AUDIENCE_LABELS = {"viewer": N_("Viewers of this municipality (council, prevention centre)"),
                   "public": N_("Everyone with the public role")}
PUBLISH_KEY = "pb_made"  # (what, audience, title, files, params, settings) of the last preview


def publish_choices() -> list[tuple[str, str | None]]:
    """What can be published: each map (a hot spot map per category with incidents) and the whole pack."""
    return ([("overview", None), ("hotspots", None)] + [("hotspots", c) for c in present]
            + [("coverage", None), ("sites", None), ("pack", None)])


def choice_words(choice: tuple[str, str | None]) -> str:
    kind, cat = choice
    if kind == "pack":
        return _("The action-plan pack (PDF)")
    if kind == "hotspots":
        what = data.categories.labels(_).get(cat, cat) if cat else _("all selected categories")
        return _("Hot spot map: {what}", what=what)
    return _(KIND_LABELS[kind])


def render_publish() -> None:
    """Make a map or the pack from what a viewer reads, preview it, and publish it (audited)."""
    from geo.publish import publish
    from geo.publish.make import map_files, pack_files, publication_params

    st.write(_("A publication is made once from the data as viewers read it: points moved, no descriptions, "
               "registry numbers or exact times, hot spot cells of few incidents withheld. It does not change "
               "when new data arrive; withdraw it on the Published page."))
    c1, c2 = st.columns(2)
    choice = c1.selectbox(_("What to publish"), publish_choices(), format_func=choice_words, key="pb_what")
    audience = c1.radio(_("For whom"), list(AUDIENCE_LABELS), key="pb_audience",
                        format_func=lambda a: _(AUDIENCE_LABELS[a]))
    method = c2.radio(_("Hot spots as"), ["gistar", "density"], horizontal=True, key="pb_method",
                      format_func=lambda m: _(METHOD_LABELS[m]))
    title = c2.text_input(_("Title"), key="pb_title", placeholder=_("The map's own title"), max_chars=200)
    settings = repr((study_key(data, f), _.lang, choice, audience, method, title))
    if st.button(_("Make the preview"), key="pb_make"):
        with st.spinner(_("Drawing from the data as viewers read it…")):
            viewer = as_viewer(data)
            vlayers = layers_of(viewer)
            vopts = options(min_count=int(policy_for(data).min_count), hotspot_method=method)
            kind, cat = choice
            try:
                if kind == "pack":
                    vopts = replace(vopts, title=title or None)
                    files = pack_files(vlayers, options=vopts)
                    params = publication_params(vlayers, options=vopts)
                    made_title = title or vopts.resolve(vlayers).title
                else:
                    view, files = map_files(vlayers, kind=kind, options=vopts, category=cat, title=title or None)
                    params = publication_params(vlayers, options=vopts, view=view)
                    made_title = title or view.title
            except ValueError as exc:
                st.error(_.message(str(exc)))
                return
        st.session_state[PUBLISH_KEY] = (choice, audience, made_title, files, params, settings)
    made = st.session_state.get(PUBLISH_KEY)
    if not made:
        return
    (kind, cat), made_audience, made_title, files, params, made_with = made
    with result_block("pb", stale=made_with != settings):
        st.subheader(made_title)
        for line in params.get("privacy_lines", []):
            st.caption(_.message(line))
        for name, (media, payload) in files.items():
            if media == "image/png":
                st.image(payload, caption=_("As readers will see it: {file}", file=name), width=720)
            else:
                st.caption(_("Will be published: {file}", file=name))
        if st.button(_("Publish for: {audience}", audience=_(AUDIENCE_LABELS[made_audience])), type="primary",
                     key="pb_publish", disabled=made_with != settings):
            try:
                done = publish(current_workspace(), kind=kind, category=cat, title=made_title, audience=made_audience,
                               by=ACCOUNT.username, files=files, lang=_.lang, params=params)
            except (ValueError, WorkspaceError) as exc:
                st.error(_.message(str(exc)))
                return
            record(ACCOUNT, "publish", f"{done.pub_id}: {made_title} ({made_audience})")
            st.session_state.pop(PUBLISH_KEY, None)
            st.success(_("Published: {title}. Readers find it on the Published page.", title=made_title))


if tab_publish:
    with tab_publish[0]:
        render_publish()
