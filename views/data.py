"""Data: import a file into the workspace (preview, mapping, check, confirm) and see what is stored."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.i18n import N_, Tr
from geo.io.importer import CATEGORY_MAP_TABLE, LOG_TABLE, ImportError_, ImportOptions, commit, prepare
from geo.io.readers import ReadError, read_table
from geo.io.mapping import LAYER_ROLES, ROLE_HELP, auto_map
from geo.io.categories import read_categories
from geo.io.provenance import LAYER_ORDER, source_in, source_text
from geo.schema import LAYERS, SchemaError
from geo.io.store import Workspace, WorkspaceError
from views.common import (FIELD_WORDS, LAYER_WORDS, current_workspace, demo_workspace, discard_upload, file_words,
                          load_data, localized, stored_upload, tr)
from views.auth import may, record, require
from views.privacy_settings import privacy_section
from views.survey_import import survey_section
from views.categories import categories_section, keep_own_labels
from views.health import health_banner

MAX_MB = int(st.get_option("server.maxUploadSize"))
TYPES = ["csv", "tsv", "txt", "xlsx", "geojson", "json", "gpkg", "zip", "kml"]
NONE = "(none)"
LAYER_HELP = {"incidents": N_("registered crimes and incidents, one point each"),
              "stations": N_("police stations, posts and crime-prevention centres"),
              "cameras": N_("video surveillance cameras"),
              "boundaries": N_("settlement or district boundaries, with population"),
              "roads": N_("road centre lines"),
              "interventions": N_("what was done, where and when: stations, cameras, lighting, patrols, campaigns")}
HOW_WORDS = {"saved": N_("saved earlier"), "rule": N_("recognised"), "default": N_("not recognised: Other"),
             "own": N_("the file's own label")}
DATE_ORDERS = {"auto": N_("Decide from the dates"), "dmy": N_("day, month, year"), "mdy": N_("month, day, year"),
               "ymd": N_("year, month, day"), "ydm": N_("year, day, month")}
# The library's columns of the rejected and repaired rows (other columns are the file's own).
ROW_COLUMNS = {"source": N_("File"), "row": N_("Row"), "field": N_("Field"), "reason": N_("Reason"),
               "raw": N_("Values as read"), "wkt": N_("Geometry as text"), "repaired": N_("What was repaired"),
               "imported_at": N_("Imported at")}


def csv_bytes(frame: pd.DataFrame) -> bytes:
    # rejected rows and the log hold the registry's own text: a cell like =cmd|... must open as text
    from geo.report.data import csv_bytes as safe_csv

    return safe_csv(frame)


def layer_name(layer: str, _: Tr) -> str:
    return _(LAYER_WORDS.get(layer, layer))


def counted(layer: str, n: int, _: Tr) -> str:
    """``n`` rows of ``layer`` in words, with the language's plural form: "2 incidents", "2 происшествия"."""
    if layer == "incidents":
        return _.plural("{n} incident", "{n} incidents", n)
    if layer == "stations":
        return _.plural("{n} police station", "{n} police stations", n)
    if layer == "cameras":
        return _.plural("{n} camera", "{n} cameras", n)
    if layer == "boundaries":
        return _.plural("{n} settlement", "{n} settlements", n)
    if layer == "interventions":
        return _.plural("{n} intervention", "{n} interventions", n)
    return _.plural("{n} road", "{n} roads", n)


def shown_rows(frame: pd.DataFrame, _: Tr) -> pd.DataFrame:
    """Rejected or repaired rows for reading: the library's columns and reasons in the reader's words."""
    out = frame.copy()
    for col in ("reason", "repaired"):
        if col in out:
            out[col] = out[col].astype(str).map(_.message)
    if "field" in out:
        out["field"] = out["field"].map(lambda v: _(FIELD_WORDS[v]) if v in FIELD_WORDS else v)
    if "raw" in out:
        out["raw"] = out["raw"].map(values_as_read)
    return out.rename(columns={c: _(ROW_COLUMNS[c]) for c in out.columns if c in ROW_COLUMNS})


def values_as_read(text: object) -> str:
    """A rejected row's values as the file held them (stored as JSON): "column: value" pairs, empty cells left
    out, so the reader sees the file's words and no JSON syntax ("null")."""
    try:
        values = json.loads(str(text))
    except ValueError:
        return str(text)
    if not isinstance(values, dict):
        return str(text)
    return "; ".join(f"{k}: {v}" for k, v in values.items() if v is not None and str(v) != "")


def shown_log(log: pd.DataFrame, _: Tr) -> pd.DataFrame:
    """The import log for reading, newest first (the mapping and options stay in the downloadable log)."""
    def reasons(text: object) -> str:
        try:
            counts = json.loads(str(text)) or {}
        except ValueError:
            return str(text)
        return "; ".join(f"{_.message(k)}: {_.int(v)}" for k, v in counts.items())

    log = log.iloc[::-1]
    out = pd.DataFrame({_("Imported at"): log["imported_at"].astype(str) if "imported_at" in log else "",
                        _("Layer"): log["layer"].map(lambda v: layer_name(str(v), _)),
                        _("File"): log.get("source", ""),
                        _("Mode"): log["mode"].map(lambda v: _(MODE_WORDS.get(v, v)) if v in MODE_WORDS else v)})
    for col, word in (("read", N_("Read")), ("accepted", N_("Accepted")), ("repaired", N_("Repaired")),
                      ("rejected", N_("Rejected"))):
        if col in log:
            out[_(word)] = log[col]
    if "reasons" in log:
        out[_("Reasons for rejecting")] = log["reasons"].map(reasons)
    return out


MODE_WORDS = {"replace": N_("Replace them"), "append": N_("Add to them")}

_ = tr()
ACCOUNT = require("analyst")  # app.py registers this page for analysts; checked again, on the store: it writes
load_data()  # makes sure the workspace exists, and removes (and reports) a killed import's leftovers
ws = current_workspace()
st.title(_("Data"))
tab_import, tab_store = st.tabs([_("Import a file"), _("Workspace")])


def settings_fingerprint(file_key: str, opts: ImportOptions) -> str:
    """What a check depends on: the file, the layer, the columns, the coordinate system, the dates, the categories."""
    settings = (file_key, sorted(opts.mapping.items()), opts.crs, opts.date_order, sorted(opts.category_map.items()),
                opts.own_labels)
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


def file_key_of(layer: str, name: str, file_id: str | None) -> str:
    return repr((layer, name, file_id))


def check_and_confirm(path: Path, name: str, layer: str, file_id: str | None = None) -> None:
    """Read the stored upload, show the check, and commit it when the user confirms.

    A new file is checked at once; after any change of its columns or options the old check no longer
    describes the import, so Import waits until the user presses Check again (the pattern of
    ``views.common.result_block``: a result is shown only while its settings hold).
    """
    try:
        raw = read_table(path, name=name)
    except ReadError as exc:
        st.error(_.message(str(exc)))
        st.stop()

    info = [_.plural("{n} row", "{n} rows", raw.rows_read), _.plural("{n} column", "{n} columns", len(raw.columns))]
    if raw.encoding:
        info.append(_("encoding {name}", name=raw.encoding))
    if raw.delimiter:
        info.append(_("separator {char}", char=repr(raw.delimiter)))
    if raw.crs is not None:
        info.append(_("coordinate system {crs}", crs=raw.crs.to_string()))
    st.caption(" · ".join(info + [_.message(n) for n in raw.notes]))
    preview = raw.frame.head(20)
    if raw.is_spatial:
        preview = pd.DataFrame(preview.drop(columns=preview.geometry.name)).assign(geometry=preview.geometry.to_wkt())
        preview = preview.rename(columns={"geometry": _("Geometry as text")})
    st.dataframe(preview, width="stretch")

    st.subheader(_("Columns"))
    st.caption(_("Which column of the file holds each field; the guesses come from the column names."))
    guessed = auto_map(raw.columns, layer)
    roles = [r for r in LAYER_ROLES[layer] if not (raw.is_spatial and r in ("lat", "lon", "x", "y"))]
    mapping: dict[str, str | None] = {}
    cols = st.columns(3)
    for i, role in enumerate(roles):
        options = [NONE, *raw.columns]
        word = _(ROLE_HELP[role])
        pick = cols[i % 3].selectbox(word[:1].upper() + word[1:], options,
                                     index=options.index(guessed[role]) if role in guessed else 0,
                                     format_func=lambda c: _("(none)") if c == NONE else c,
                                     key=f"map_{layer}_{name}_{role}",
                                     help=_("The column of your file that holds this, or (none) if the file has none."))
        mapping[role] = None if pick == NONE else pick

    c1, c2 = st.columns(2)
    crs = c1.text_input(_("Coordinate system (EPSG code)"), key="imp_crs", placeholder=_("from the file, or detected"),
                        help=_("4326 for longitude and latitude, 32643 or 32644 for UTM zones 43N and 44N, "
                               "7692 to 7696 for Kyrg-06."))
    order = None
    if layer == "incidents":
        order = c2.selectbox(_("Order of day and month in dates"), list(DATE_ORDERS), key="imp_order",
                             format_func=lambda o: _(DATE_ORDERS[o]),
                             help=_("Decide from the dates: a date that could be read two ways is rejected, "
                                    "never guessed."))
        order = None if order == "auto" else order
    own = keep_own_labels() if layer == "incidents" else False  # views.categories: the file's labels as categories
    saved_cats = st.session_state.get("imp_categories", {})
    opts = ImportOptions(crs=crs.strip() or None, mapping=mapping, date_order=order, category_map=saved_cats,
                         own_labels=own)
    file_key = file_key_of(layer, name, file_id)
    fingerprint = settings_fingerprint(file_key, opts)
    if st.session_state.get("imp_checked_file") != file_key:  # a file not seen yet: its first check runs at once
        st.session_state["imp_checked_file"] = file_key
        st.session_state["imp_checked"] = fingerprint
    if st.session_state.get("imp_checked") != fingerprint:
        # Not checked with these settings: no check shown, no Import (a field typed just before pressing Import
        # arrives in the same run as the press, so the press finds no Import button and writes nothing).
        st.subheader(_("Check"))
        st.warning(_("The columns or options have changed since the last check. Press Check to see what the "
                     "import would do now; Import waits until you have."))
        c1, c2 = st.columns(2)
        if c1.button(_.ctx("verb", "Check"), key="imp_check", type="primary"):
            st.session_state["imp_checked"] = fingerprint
            st.rerun()
        c2.button(_("Import"), key="imp_waiting", disabled=True, help=_("Press Check first."))
        return

    try:
        result = prepare(path, layer, options=opts, name=name, workspace=ws)
    except (ReadError, ImportError_, SchemaError, ValueError) as exc:
        st.error(_.message(str(exc)))
        st.stop()

    st.subheader(_("Check"))
    m = st.columns(4)
    m[0].metric(_("Read"), _.int(result.read))
    m[1].metric(_("Accepted"), _.int(len(result.accepted)))
    m[2].metric(_("of which repaired"), _.int(len(result.repaired)))
    m[3].metric(_("Rejected"), _.int(len(result.rejected)))
    for note in result.summary.get("notes", []):
        st.info(_.message(note))
    if result.reasons:
        st.dataframe(pd.DataFrame({_("Reason"): [_.message(r) for r in result.reasons],
                                   _("Rows"): list(result.reasons.values())}).pipe(localized, _),
                     width="stretch", hide_index=True)
    if len(result.rejected):
        with st.expander(_("Rejected rows ({n})", n=_.int(len(result.rejected)))):
            st.dataframe(shown_rows(result.rejected.head(1000), _), width="stretch", hide_index=True)
            rejected_word = file_words(_.ctx("file name", "rejected"))
            st.download_button(_("Download the rejected rows (CSV)"), csv_bytes(result.rejected),
                               f"{rejected_word}_{Path(name).stem}.csv", "text/csv")
    if len(result.repaired):
        with st.expander(_("Repaired rows ({n})", n=_.int(len(result.repaired)))):
            st.dataframe(shown_rows(result.repaired.head(1000), _), width="stretch", hide_index=True)

    if result.categories is not None and len(result.categories):
        with st.expander(_("Offence labels → categories"),
                         expanded=bool((result.categories["how"] == "default").any())):
            st.caption(_("Each registry label maps to a category; change any and press Apply. "
                         "The mapping is saved in the workspace for later imports."))
            # The cells hold the categories' names in the reader's language (what the table shows is what it
            # holds, in the browser and in a test alike); a name maps back to its category on Apply.
            # the workspace's own list (with the file's labels added when they are kept as categories)
            lst = result.category_list if result.category_list is not None else read_categories(ws)
            label_of = lst.labels(_)
            code_of = {v: k for k, v in label_of.items()}
            cats = result.categories
            shown = pd.DataFrame({_("Label in the registry"): cats["raw_label"],
                                  _("Category"): cats["category"].map(lambda c: label_of.get(c, c)),
                                  _("How it was mapped"): cats["how"].map(lambda h: _(HOW_WORDS.get(h, h))),
                                  _("Rows"): cats["rows"]})
            edited = st.data_editor(
                shown, hide_index=True, width="stretch", key=f"cats_{name}",
                disabled=[_("Label in the registry"), _("How it was mapped"), _("Rows")],
                column_config={_("Category"): st.column_config.SelectboxColumn(
                    _("Category"), options=list(label_of.values()), required=True)},
            )
            if st.button(_("Apply the mapping"), key="apply_cats"):
                st.session_state["imp_categories"] = dict(zip(
                    cats["raw_label"], edited[_("Category")].map(lambda v: code_of.get(v, "other")), strict=True))
                st.rerun()

    st.subheader(_("Confirm"))
    # The layer as this page showed it last time: the button below was pressed on that page, maybe minutes
    # ago, so a replace must find the layer as it was then, not as this run's check found it.
    seen_key = f"imp_seen_{layer}"
    seen = st.session_state.get(seen_key, result.checked_against)
    st.session_state[seen_key] = result.checked_against
    have = len(ws.read(layer)) if ws.exists else 0
    # replacing a layer throws rows away: an administrator's decision, confirmed (issue 15); adding is not
    admin = may(ACCOUNT, "admin")
    modes = list(MODE_WORDS) if admin or not have else ["append"]
    mode = st.radio(_("The workspace holds {count}", count=counted(layer, have, _)), modes,
                    horizontal=True, key="imp_mode", format_func=lambda v: _(MODE_WORDS[v]))
    if not admin and have:
        st.caption(_("Replacing a layer needs the administrator role; you can add to it."))
    confirmed = True
    if mode == "replace" and have:
        if st.session_state.pop(CONFIRM_STALE_KEY, False):  # refused last time: confirm again, on what is there now
            st.session_state["imp_confirm_replace"] = False
        confirmed = st.checkbox(_("Yes, replace the {count} now in the workspace", count=counted(layer, have, _)),
                                key="imp_confirm_replace")
        # The tick was given on the layer as the page showed it then; a replace must still find it so, even if
        # another import lands between the tick and the press.
        if confirmed:
            seen = st.session_state.setdefault(CONFIRMED_ON_KEY, seen)
        else:
            st.session_state.pop(CONFIRMED_ON_KEY, None)
    if st.button(_("Import {count}", count=counted(layer, len(result.accepted), _)), type="primary",
                 disabled=len(result.accepted) == 0 or not confirmed):
        result.checked_against = seen
        st.session_state.pop(CONFIRMED_ON_KEY, None)
        try:
            with st.spinner(_("Writing the workspace (waits for another import to finish)…")):
                commit(result, ws, mode=mode, options=opts)
        except (ImportError_, WorkspaceError, ValueError) as exc:
            st.session_state[CONFIRM_STALE_KEY] = True
            st.error(_.message(str(exc)))
            st.stop()
        record(ACCOUNT, "replace_layer" if mode == "replace" and have else "import",
               f"{layer}: {name}, {len(result.accepted)} accepted, {len(result.rejected)} rejected ({mode})")
        st.session_state[seen_key] = result.checked_against  # the layer as this import left it
        st.cache_resource.clear()
        st.session_state.pop("imp_categories", None)
        how = {"replace": _.ctx("import mode", "replace"), "append": _.ctx("import mode", "append")}.get(mode, mode)
        # Said on the next run: this run drew the workspace's counts before the commit, so it starts again to
        # draw them (and the health check) as the import left the workspace.
        st.session_state[DONE_KEY] = (file_key, _(
            "Imported {count} from {file} ({mode}); rejected rows kept in the workspace: {rejected}. "
            "Every map shows them now.", count=counted(layer, len(result.accepted), _), file=name,
            mode=how, rejected=_.int(len(result.rejected))))
        st.rerun()


CONFIRMED_ON_KEY = "imp_confirmed_on"  # the layer's state when the replace was confirmed
CONFIRM_STALE_KEY = "imp_confirm_stale"  # a confirmed replace was refused: the tick is cleared on the next run
DONE_KEY = "imp_done"  # (the imported file's key, what to say) until another file is chosen


def after_import(done: str) -> None:
    """What the import did, and what the data-health check now finds in the workspace."""
    st.success(done)
    st.subheader(_("Data health"))
    report = health_banner(load_data(), None, _, everything=True)
    if report.ok:
        st.success(_("The data-health check finds nothing that would make the numbers wrong."))
    st.caption(_("Choose another file above to import more."))


RESET_KEY = "ws_reset_done"

with tab_store:
    if isinstance(ws, Workspace):
        st.caption(_("Workspace file: `{path}` (a GeoPackage; it opens in QGIS).", path=ws.path))
    else:
        st.caption(_("Workspace: `{path}` (a PostGIS database; QGIS opens its tables).", path=ws.label))
    rows = []
    for name in LAYERS:
        rej = ws.read_table(f"rejected_{name}")
        rows.append({_("Layer"): layer_name(name, _), _("Rows"): len(ws.read(name)),
                     _("Rejected rows kept"): len(rej)})
    st.dataframe(localized(pd.DataFrame(rows), _), hide_index=True, width="stretch")
    rejected_word = file_words(_.ctx("file name", "rejected"))
    for name in LAYERS:
        rej = ws.read_table(f"rejected_{name}")
        if len(rej):
            st.download_button(_("Download the rejected rows of {layer} ({n}, CSV)", layer=layer_name(name, _),
                                 n=_.int(len(rej))), csv_bytes(rej),
                               f"{rejected_word}_{file_words(layer_name(name, _))}.csv",
                               "text/csv", key=f"dl_rej_{name}")
    log = ws.read_table(LOG_TABLE)
    if len(log):
        st.subheader(_("Import log"))
        st.dataframe(shown_log(log, _), hide_index=True, width="stretch")
        log_word = file_words(_.ctx("file name", "import_log"))
        st.download_button(_("Download the whole import log (CSV)"), csv_bytes(log), f"{log_word}.csv", "text/csv",
                           key="dl_log")
    cats = ws.read_table(CATEGORY_MAP_TABLE)
    if len(cats):
        words = read_categories(ws).labels(_)  # the workspace's own names of its categories
        with st.expander(_("Saved offence-label mapping ({n} labels)", n=_.int(len(cats)))):
            shown = pd.DataFrame({_("Label in the registry"): cats["raw_label"],
                                  _("Category"): cats["category"].map(lambda c: words.get(c, c))})
            st.dataframe(shown, hide_index=True, width="stretch")
    categories_section(ws)  # views.categories: the workspace's own list of categories
    survey_section(ws, ACCOUNT)  # views.survey_import: a residents' survey, checked then imported
    if may(ACCOUNT, "admin"):
        privacy_section(ws, ACCOUNT)  # views.privacy_settings: how viewers see incidents
    demo = demo_workspace(ws)
    if demo is not None and may(ACCOUNT, "admin"):  # a destructive action: administrators, confirmed, audited
        if st.session_state.pop(RESET_KEY, False):
            st.success(_("The workspace is the demo again."))
        with st.expander(_("Start again from the demo data")):
            st.warning(_("This replaces every layer of the workspace with the invented demo data."))
            sure = st.checkbox(_("Yes, replace every layer with the demo data"), key="reset_demo_confirm")
            if st.button(_("Replace the workspace with the demo"), key="reset_demo", disabled=not sure):
                ws.copy_from(Workspace(demo))
                record(ACCOUNT, "reset_to_demo", f"{ws.name}: every layer replaced with {demo.name}")
                st.cache_resource.clear()
                st.session_state[RESET_KEY] = True
                st.rerun()  # the counts above were read before the reset: draw them again
    meta = ws.meta()
    if meta:
        with st.expander(_("About this workspace")):
            # the workspace's record in words: where each layer comes from (the maps' and the pack's source
            # line, geo.io.provenance) and whether it is the invented demo; not the stored keys and JSON
            synthetic = meta.get("synthetic", "")
            st.markdown(_("Data source: {source}", source=source_in(source_text(meta, layers=LAYER_ORDER),
                                                                    lang=_.lang)))
            if synthetic in ("true", "mixed"):
                st.caption(_("Invented demonstration data: the settlements, roads and stations are drawn by hand "
                             "from public facts and are off by hundreds of metres; the incidents are random draws "
                             "modelled on published rates and describe no real person or event."))

# Last: the import tab stops the script while it waits for a file (or on an error), so the workspace tab,
# filled above, is always there.
with tab_import:
    layer = st.selectbox(_("Layer"), list(LAYERS), key="imp_layer",
                         format_func=lambda k: _("{layer}: {what}", layer=layer_name(k, _), what=_(LAYER_HELP[k])))
    upload = st.file_uploader(
        _("File"), type=TYPES, key="imp_file",
        help=_("CSV or TSV (UTF-8 or Windows-1251), XLSX, GeoJSON, GeoPackage, a zipped Shapefile or KML; "
               "up to {mb} MB.", mb=_.int(MAX_MB)),
    )
    st.caption(_("Files up to {mb} MB. Larger files: split them, or use `python -m geo import LAYER FILE` on "
                 "the command line, which has no limit.", mb=_.int(MAX_MB)))
    if upload is None:
        st.stop()
    done = st.session_state.get(DONE_KEY)
    if done is not None and done[0] == file_key_of(layer, upload.name, getattr(upload, "file_id", None)):
        after_import(done[1])
        st.stop()
    try:
        path = stored_upload(upload, max_bytes=MAX_MB * 2**20)
    except (ValueError, OSError) as exc:
        st.error(_.message(str(exc)))
        st.stop()
    try:
        check_and_confirm(path, upload.name, layer, getattr(upload, "file_id", None))
    finally:
        discard_upload(path)  # the stored copy lives only while this run reads it: after a commit or a failure too
