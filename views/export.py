"""Export: print maps (PNG, PDF, SVG), a self-contained interactive map (HTML), the data, and the action-plan pack."""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from pathlib import Path

import streamlit as st

from geo.printmap import PAPERS, map_figure, save_figure
from geo.report import (MAP_KINDS, ReportOptions, build_pack, export_data, export_tables, map_content,
                        study_layers)
from geo.schema import CATEGORY_LABELS
from layers.compose import content_map
from layers.standalone import standalone_html
from views.common import load_data

KIND_LABELS = {"overview": "Overview: incidents, police and rates", "hotspots": "Hot spots, one map per category",
               "coverage": "Coverage and gaps", "sites": "Proposed new sites"}
MIME = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml", "html": "text/html"}

data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
layers = {"incidents": data.incidents, "stations": data.stations, "cameras": data.cameras,
          "boundaries": data.boundaries, "roads": data.roads}
for frame in layers.values():
    frame.attrs["koopsuz_workspace"] = {"name": data.path.name, "meta": dict(data.meta)}
st.title("Export")
st.caption("Maps for the action plan, as print images or one interactive file, with the tables behind them. "
           "Everything follows the sidebar's area, settlements, period and categories, and works offline.")

try:
    base = ReportOptions(area=f.area, units=list(f.units) if f.units else None,
                         categories=list(f.categories) if f.categories else None, start=f.start, end=f.end)
    resolved = base.resolve(layers)
except ValueError as exc:
    st.info(f"Nothing to export for these filters: {exc}")
    st.stop()

tab_maps, tab_pack, tab_data = st.tabs(["Maps", "Action-plan pack", "Data and tables"])


def options(**kw: object) -> ReportOptions:
    return replace(base, **kw)


with tab_maps:
    c1, c2, c3 = st.columns(3)
    kinds = c1.multiselect("Maps", list(MAP_KINDS), default=["overview"], format_func=KIND_LABELS.get,
                           key="ex_kinds")
    present = [c for c in CATEGORY_LABELS if c in set(data.incidents["category"])]
    cats = c1.multiselect("Hot spot maps for", present, default=list(resolved.priorities), key="ex_cats",
                          format_func=CATEGORY_LABELS.get, disabled="hotspots" not in kinds,
                          help="One hot spot map per category; the four most frequent by default.")
    method = c1.radio("Hot spots as", ["gistar", "density"], horizontal=True, key="ex_method",
                      disabled="hotspots" not in kinds, format_func={"gistar": "Gi* cells",
                                                                     "density": "Density surface"}.get)
    fmt = c2.radio("Format", ["png", "pdf", "svg", "html"], horizontal=True, key="ex_format",
                   format_func={"png": "PNG", "pdf": "PDF (vector)", "svg": "SVG", "html": "HTML (interactive)"}.get)
    paper = c2.selectbox("Paper", list(PAPERS), key="ex_paper", disabled=fmt == "html",
                         format_func=lambda p: p.replace("-", " ").replace("a", "A", 1))
    dpi = c2.radio("Resolution", [150, 300], horizontal=True, key="ex_dpi", disabled=fmt != "png",
                   format_func=lambda d: f"{d} dpi")
    labels = c3.selectbox("Place names", ["name", "name_ru", "name_ky"], key="ex_labels",
                          format_func={"name": "As in the workspace", "name_ru": "Russian", "name_ky": "Kyrgyz"}.get,
                          help="Russian or Kyrgyz names where the boundaries have them (name_ru, name_ky).")
    title = c3.text_input("Title", key="ex_title", placeholder="Each map's own title",
                          help="Leave empty for each map's own title.")
    use_tiles = c3.checkbox("Tile basemap", value=False, key="ex_tiles", disabled=tiles.url is None or fmt == "html",
                            help="Draw the sidebar's base tiles under a print map when they can be reached (kept "
                                 "on disk); otherwise, and by default, a clean vector base. An HTML map uses the "
                                 "sidebar's tiles setting.")
    plan = [(k, c) for k in MAP_KINDS if k in kinds
            for c in ((cats or [None]) if k == "hotspots" else [None])]
    if st.button("Make maps", type="primary", key="ex_make", disabled=not plan):
        made = []
        bar = st.progress(0.0, text="Drawing the maps…")
        for i, (kind, cat) in enumerate(plan):
            view = map_content(kind, layers, options=options(labels=labels, hotspot_method=method), category=cat)
            name_title = title or view.title
            if fmt == "html":
                text = standalone_html(content_map(view.content, tiles=tiles), title=name_title)
                payload = text.encode("utf-8")
            else:
                fig = map_figure(view.content, title=name_title, subtitle=view.subtitle, paper=paper,
                                 source=resolved.source, date=resolved.date,
                                 tiles=tiles.url if use_tiles else None)
                buf = io.BytesIO()
                save_figure(fig, buf, format=fmt, dpi=int(dpi))
                payload = buf.getvalue()
                preview = io.BytesIO()
                save_figure(fig, preview, format="png", dpi=60)
            made.append({"name": f"{view.name}.{fmt}", "title": name_title, "data": payload,
                         "preview": None if fmt == "html" else preview.getvalue(), "notes": list(view.notes)})
            bar.progress((i + 1) / len(plan), text=f"Drawn: {name_title}")
        bar.empty()
        st.session_state["ex_made"] = (fmt, made)
    stored = st.session_state.get("ex_made")
    if stored:
        fmt_made, made = stored
        for i, item in enumerate(made):
            st.subheader(item["title"])
            for note in item["notes"]:
                st.caption(note)
            if item["preview"] is not None:
                st.image(item["preview"], caption=f"Preview of {item['name']}", width=720)
            st.download_button(f"Download {item['name']}", item["data"], item["name"], MIME[fmt_made],
                               key=f"ex_dl_{i}")

with tab_pack:
    st.write("One PDF for the plan: a cover, the overview map, a hot spot map per priority category, coverage "
             "and gaps, proposed sites, the tables behind them and the methods, plus a zip of the separate "
             "images and tables.")
    c1, c2, c3 = st.columns(3)
    pack_title = c1.text_input("Title", value=resolved.title, key="pk_title")
    priorities = c1.multiselect("Priority categories", present, default=list(resolved.priorities), key="pk_prio",
                                format_func=CATEGORY_LABELS.get)
    by_road = c2.radio("Coverage standard", ["Distance", "Drive time"], horizontal=True, key="pk_standard",
                       disabled=len(data.roads) == 0,
                       help="Straight-line distance, or minutes by road over the roads layer.") == "Drive time"
    if by_road:
        minutes = c2.number_input("Within (minutes by road)", 0.5, 120.0, 10.0, 0.5, key="pk_minutes")
        radius = 1500.0
    else:
        minutes = None
        radius = c2.number_input("Within (m)", 100.0, 20_000.0, 1500.0, 100.0, key="pk_radius")
    k = int(c2.number_input("New sites to propose", 1, 20, 3, key="pk_k"))
    pack_paper = c3.selectbox("Paper", list(PAPERS), key="pk_paper",
                              format_func=lambda p: p.replace("-", " ").replace("a", "A", 1))
    if st.button("Build the pack", type="primary", key="pk_build"):
        bar = st.progress(0.0, text="Starting…")
        folder = Path(tempfile.mkdtemp(prefix="koopsuz-pack-"))
        try:
            result = build_pack(layers, folder / "action_plan.pdf",
                                options=options(title=pack_title or None, priorities=priorities or None,
                                                radius=radius, minutes=minutes, k=k, paper=pack_paper),
                                zip_path=folder / "action_plan.zip",
                                progress=lambda x, msg: bar.progress(min(max(x, 0.0), 1.0), text=msg))
        except ValueError as exc:
            bar.empty()
            st.error(str(exc))
        else:
            st.session_state["pk_result"] = (result.pages, result.seconds, result.notes,
                                             result.paths["pdf"].read_bytes(), result.paths["zip"].read_bytes())
    if stored_pack := st.session_state.get("pk_result"):
        pages, seconds, notes, pdf_bytes, zip_bytes = stored_pack
        st.success(f"The pack is ready: {pages} pages, built in {seconds:.1f} s.")
        for note in notes:
            st.caption(note)
        d1, d2 = st.columns(2)
        d1.download_button("Download the pack (PDF)", pdf_bytes, "action_plan.pdf", "application/pdf",
                           key="pk_dl_pdf")
        d2.download_button("Download images and tables (zip)", zip_bytes, "action_plan.zip", "application/zip",
                           key="pk_dl_zip")

with tab_data:
    st.write("Every layer and result of the current selection as one GeoPackage (opens in QGIS and ArcGIS), the "
             "density surface as a GeoTIFF, and the tables as CSV and Excel.")
    if st.button("Prepare the data", key="dt_make"):
        with st.spinner("Running the analyses…"):
            views = [map_content(kind, layers, options=options()) for kind in MAP_KINDS]
            density = map_content("hotspots", layers, options=options(hotspot_method="density")).content.density
            folder = Path(tempfile.mkdtemp(prefix="koopsuz-data-"))
            written = export_data(study_layers(layers, options=options()), views, folder / "koopsuz_results.gpkg",
                                  density=density)
            tables = export_tables(views, folder / "koopsuz_tables.zip", date=resolved.date)
        st.session_state["dt_files"] = [(p.name, p.read_bytes()) for p in [*written, *tables]]
    for i, (name, payload) in enumerate(st.session_state.get("dt_files", [])):
        mime = {".gpkg": "application/geopackage+sqlite3", ".tif": "image/tiff", ".zip": "application/zip"}.get(
            Path(name).suffix, "application/octet-stream")
        st.download_button(f"Download {name}", payload, name, mime, key=f"dt_dl_{i}")
