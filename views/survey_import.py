"""The Data page's "Residents' survey" section: a survey file checked, then imported (issue 16, item 3).

The same checks as ``python -m geo survey import`` (:func:`geo.evaluate.perception.prepare_survey`): the
rows read, accepted and rejected with their reasons, shown before anything is written; Import writes the
survey and its rejected rows in one atomic step and is audited. Analysts and administrators only (the Data
page checks the role).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.auth import Account
from geo.evaluate.perception import SURVEY_TABLE, prepare_survey, survey_shares
from geo.io.readers import ReadError, read_table
from geo.io.store import WorkspaceError
from views.auth import record
from views.common import discard_upload, load_data, stored_upload, tr

MAX_MB = 50
DONE_KEY = "sv_done"


def survey_section(ws, account: Account) -> None:  # noqa: ANN001 - a workspace store
    """Upload, check and import a residents' survey."""
    _ = tr()
    data = load_data()
    with st.expander(_("Residents' survey"), expanded=bool(st.session_state.get(DONE_KEY))):
        if done := st.session_state.pop(DONE_KEY, None):
            st.success(done)
        have = 0 if data.survey is None else len(data.survey)
        st.caption(_("One row per respondent and question (settlement, or longitude and latitude of where the respondent "
                     "lives; question; answer from 1 to 5; weight), or "
                     "one row per settlement and question (share, respondents); CSV, TSV or XLSX. The workspace "
                     "holds {n} survey rows. The What residents feel page shows them.", n=_.int(have)))
        upload = st.file_uploader(_("Survey file"), type=["csv", "tsv", "txt", "xlsx"], key="sv_file")
        if upload is None:
            return
        try:
            path = stored_upload(upload, max_bytes=MAX_MB * 2**20)
        except (ValueError, OSError) as exc:
            st.error(_.message(str(exc)))
            return
        try:
            raw = read_table(path, name=upload.name)
            accepted, rejected = prepare_survey(raw.frame, settlements=set(data.boundaries["name"].astype(str)),
                                                source=raw.source, boundaries=data.boundaries)
            if len(accepted):
                survey_shares(accepted)
        except (ReadError, ValueError) as exc:
            st.error(_.message(str(exc)))
            return
        finally:
            discard_upload(path)
        m = st.columns(3)
        m[0].metric(_("Read"), _.int(len(raw.frame)))
        m[1].metric(_("Accepted"), _.int(len(accepted)))
        m[2].metric(_("Rejected"), _.int(len(rejected)))
        if len(rejected):
            st.dataframe(pd.DataFrame({_("Reason"): [_(r) for r in rejected["reason"].value_counts().index],
                                       _("Rows"): rejected["reason"].value_counts().to_numpy()}),
                         hide_index=True, width="stretch")
        mode = st.radio(_("The workspace holds {count}", count=_.int(have)), ["replace", "append"], horizontal=True,
                        key="sv_mode", format_func=lambda v: {"replace": _("Replace the survey"),
                                                              "append": _("Add to the survey")}[v])
        if st.button(_("Import {n} survey rows", n=_.int(len(accepted))), type="primary", key="sv_import",
                     disabled=len(accepted) == 0):
            try:
                ws.write({SURVEY_TABLE: accepted, f"{SURVEY_TABLE}_rejected": rejected},
                         mode={SURVEY_TABLE: mode, f"{SURVEY_TABLE}_rejected": mode})
            except (WorkspaceError, ValueError) as exc:
                st.error(_.message(str(exc)))
                return
            record(account, "import", f"survey: {upload.name}, {len(accepted)} accepted, {len(rejected)} rejected "
                                      f"({mode})")
            st.cache_resource.clear()
            st.session_state[DONE_KEY] = _("Imported {n} survey rows from {file}.", n=_.int(len(accepted)),
                                           file=upload.name)
            st.rerun()
