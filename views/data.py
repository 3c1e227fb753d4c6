"""Data: import a file into the workspace (preview, mapping, check, confirm) and see what is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.io.importer import CATEGORY_MAP_TABLE, LOG_TABLE, ImportError_, ImportOptions, commit, prepare
from geo.io.readers import ReadError, read_table
from geo.io.mapping import LAYER_ROLES, ROLE_HELP, auto_map
from geo.schema import CATEGORIES, CATEGORY_LABELS, LAYERS, SchemaError
from geo.io.store import Workspace, WorkspaceError
from views.common import DEMO_WORKSPACE, discard_upload, load_data, stored_upload, workspace_path

MAX_MB = int(st.get_option("server.maxUploadSize"))
TYPES = ["csv", "tsv", "txt", "xlsx", "geojson", "json", "gpkg", "zip", "kml"]
NONE = "(none)"

load_data()  # makes sure the workspace exists, and removes (and reports) a killed import's leftovers
ws = Workspace(workspace_path())
st.title("Data")
tab_import, tab_store = st.tabs(["Import a file", "Workspace"])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8-sig")  # BOM: Excel opens Cyrillic correctly


def check_and_confirm(path: Path, name: str, layer: str) -> None:
    """Read the stored upload, show the check, and commit it when the user confirms."""
    try:
        raw = read_table(path, name=name)
    except ReadError as exc:
        st.error(str(exc))
        st.stop()

    info = [f"{raw.rows_read:,} rows", f"{len(raw.columns)} columns"]
    if raw.encoding:
        info.append(f"encoding {raw.encoding}")
    if raw.delimiter:
        info.append(f"delimiter {raw.delimiter!r}")
    if raw.crs is not None:
        info.append(f"CRS {raw.crs.to_string()}")
    st.caption(" · ".join(info + raw.notes))
    preview = raw.frame.head(20)
    if raw.is_spatial:
        preview = pd.DataFrame(preview.drop(columns=preview.geometry.name)).assign(geometry=preview.geometry.to_wkt())
    st.dataframe(preview, width="stretch")

    st.subheader("Columns")
    guessed = auto_map(raw.columns, layer)
    roles = [r for r in LAYER_ROLES[layer] if not (raw.is_spatial and r in ("lat", "lon", "x", "y"))]
    mapping: dict[str, str | None] = {}
    cols = st.columns(3)
    for i, role in enumerate(roles):
        options = [NONE, *raw.columns]
        pick = cols[i % 3].selectbox(f"{role}: {ROLE_HELP[role]}", options,
                                     index=options.index(guessed[role]) if role in guessed else 0,
                                     key=f"map_{layer}_{name}_{role}")
        mapping[role] = None if pick == NONE else pick

    c1, c2 = st.columns(2)
    crs = c1.text_input("CRS (EPSG code)", key="imp_crs", placeholder="from the file, or detected",
                        help="4326 for longitude/latitude, 32643/32644 for UTM 43N/44N, 7692-7696 for Kyrg-06.")
    order = None
    if layer == "incidents":
        order = c2.selectbox("Order of ambiguous dates", ["auto", "dmy", "mdy", "ymd", "ydm"], key="imp_order",
                             help="auto: decided from the dates themselves; an undecidable date is rejected, "
                                  "never guessed.")
        order = None if order == "auto" else order
    saved_cats = st.session_state.get("imp_categories", {})
    opts = ImportOptions(crs=crs.strip() or None, mapping=mapping, date_order=order, category_map=saved_cats)

    try:
        result = prepare(path, layer, options=opts, name=name, workspace=ws)
    except (ReadError, ImportError_, SchemaError, ValueError) as exc:
        st.error(str(exc))
        st.stop()

    st.subheader("Check")
    m = st.columns(4)
    m[0].metric("Read", f"{result.read:,}")
    m[1].metric("Accepted", f"{len(result.accepted):,}")
    m[2].metric("of which repaired", f"{len(result.repaired):,}")
    m[3].metric("Rejected", f"{len(result.rejected):,}")
    for note in result.summary.get("notes", []):
        st.info(note)
    if result.reasons:
        st.dataframe(pd.DataFrame(list(result.reasons.items()), columns=["reason", "rows"]),
                     width="stretch", hide_index=True)
    if len(result.rejected):
        with st.expander(f"Rejected rows ({len(result.rejected):,})"):
            st.dataframe(result.rejected.head(1000), width="stretch", hide_index=True)
            st.download_button("Download rejected rows (CSV)", csv_bytes(result.rejected),
                               f"rejected_{Path(name).stem}.csv", "text/csv")
    if len(result.repaired):
        with st.expander(f"Repaired rows ({len(result.repaired):,})"):
            st.dataframe(result.repaired.head(1000), width="stretch", hide_index=True)

    if result.categories is not None and len(result.categories):
        with st.expander("Offence labels → categories", expanded=bool((result.categories["how"] == "default").any())):
            st.caption("Each registry label maps to a category; change any and press Apply. "
                       "The mapping is saved in the workspace for later imports.")
            edited = st.data_editor(
                result.categories, hide_index=True, width="stretch", key=f"cats_{name}",
                disabled=["raw_label", "how", "rows"],
                column_config={"category": st.column_config.SelectboxColumn(
                    "category", options=list(CATEGORIES), required=True,
                    help=", ".join(f"{k}: {v}" for k, v in CATEGORY_LABELS.items()))},
            )
            if st.button("Apply mapping", key="apply_cats"):
                st.session_state["imp_categories"] = dict(zip(edited["raw_label"], edited["category"], strict=True))
                st.rerun()

    st.subheader("Confirm")
    # The layer as this page showed it last time: the button below was pressed on that page, maybe minutes
    # ago, so a replace must find the layer as it was then, not as this run's check found it.
    seen_key = f"imp_seen_{layer}"
    seen = st.session_state.get(seen_key, result.checked_against)
    st.session_state[seen_key] = result.checked_against
    have = len(ws.read(layer)) if ws.exists else 0
    mode = st.radio(f"The workspace has {have:,} {layer}", ["replace", "append"], horizontal=True, key="imp_mode",
                    format_func={"replace": "Replace them", "append": "Add to them"}.get)
    if st.button(f"Import {len(result.accepted):,} {layer}", type="primary", disabled=len(result.accepted) == 0):
        result.checked_against = seen
        try:
            with st.spinner("Writing the workspace (waits for another import to finish)…"):
                commit(result, ws, mode=mode, options=opts)
        except (ImportError_, WorkspaceError, ValueError) as exc:
            st.error(str(exc))
            st.stop()
        st.session_state[seen_key] = result.checked_against  # the layer as this import left it
        st.cache_resource.clear()
        st.session_state.pop("imp_categories", None)
        st.success(f"Imported {len(result.accepted):,} {layer} from {name} ({mode}); "
                   f"{len(result.rejected):,} rejected rows kept in rejected_{layer}. Every map shows them now.")


with tab_import:
    layer = st.selectbox("Layer", list(LAYERS), format_func=lambda k: f"{k}: {LAYERS[k].description}",
                         key="imp_layer")
    upload = st.file_uploader(
        "File", type=TYPES, key="imp_file",
        help=f"CSV/TSV (UTF-8 or CP1251), Excel, GeoJSON, GeoPackage, zipped Shapefile or KML; up to {MAX_MB} MB.",
    )
    st.caption(f"Files up to {MAX_MB} MB. Larger exports: split them, or use "
               "`python -m geo import LAYER FILE` on the command line, which has no limit.")
    if upload is None:
        st.stop()
    try:
        path = stored_upload(upload, max_bytes=MAX_MB * 2**20)
    except (ValueError, OSError) as exc:
        st.error(str(exc))
        st.stop()
    try:
        check_and_confirm(path, upload.name, layer)
    finally:
        discard_upload(path)  # the stored copy lives only while this run reads it: after a commit or a failure too

with tab_store:
    st.caption(f"Workspace file: `{ws.path}` (a GeoPackage; it opens in QGIS).")
    rows = []
    for name in LAYERS:
        rej = ws.read_table(f"rejected_{name}")
        rows.append({"layer": name, "rows": len(ws.read(name)), "rejected rows kept": len(rej)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for name in LAYERS:
        rej = ws.read_table(f"rejected_{name}")
        if len(rej):
            st.download_button(f"Download rejected {name} ({len(rej):,} rows, CSV)", csv_bytes(rej),
                               f"rejected_{name}.csv", "text/csv", key=f"dl_rej_{name}")
    log = ws.read_table(LOG_TABLE)
    if len(log):
        st.subheader("Import log")
        st.dataframe(log.iloc[::-1], hide_index=True, width="stretch")
    cats = ws.read_table(CATEGORY_MAP_TABLE)
    if len(cats):
        with st.expander(f"Saved offence-label mapping ({len(cats):,} labels)"):
            st.dataframe(cats, hide_index=True, width="stretch")
    if DEMO_WORKSPACE.is_file() and ws.path != DEMO_WORKSPACE:
        with st.expander("Start again from the demo data"):
            st.warning("This replaces every layer of the workspace with the synthetic demo.")
            if st.button("Replace the workspace with the demo", key="reset_demo"):
                ws.copy_from(Workspace(DEMO_WORKSPACE))
                st.cache_resource.clear()
                st.success("The workspace is the demo again.")
    meta = ws.meta()
    if meta:
        st.caption(json.dumps(meta, ensure_ascii=False)[:500])
