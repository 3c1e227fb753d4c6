"""What residents feel: the survey's shares per settlement beside the recorded incidents (issue 16, item 3).

One question at a time: each settlement's share agreeing with its 95% interval and respondents (fewer than
30: "too few respondents", never a share), the recorded rate of the sidebar's incidents, and the two read
together on a bivariate map. The table is :func:`geo.report.perception.perception_table`, the pack's too.
Only shares leave the server: a respondent's answers never reach the browser.
"""

from __future__ import annotations

import streamlit as st

from geo.crs import to_display
from geo.report.data import csv_bytes  # cells a spreadsheet would run as formulas made text
from geo.evaluate.perception import MIN_RESPONDENTS, question_label, survey_shares
from geo.report.perception import perception_frame, perception_table
from layers.basemap import finish, new_map
from layers.perception import perception_layer
from views.common import current_study, file_words, load_data, localized, study_key, tr
from views.map_cache import cached_map
from views.privacy import min_count as viewer_min_count


@st.cache_data(show_spinner=False, max_entries=16)
def shares_of(location: str, version: tuple, _survey):  # noqa: ANN001, ANN202 - a DataFrame either way
    return survey_shares(_survey)


_ = tr()
data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
st.title(_("What residents feel"))
if data.survey is None or data.survey.empty:
    st.info(_("No residents' survey in this workspace yet. An analyst imports one with "
              "`python -m geo survey import FILE`: one row per respondent and question (settlement, question, "
              "answer from 1 to 5, weight), or one row per settlement and question (share, respondents)."))
    st.stop()
try:
    shares = shares_of(data.location, tuple(data.version), data.survey)
except ValueError as exc:
    st.error(_.message(str(exc)))
    st.stop()
study = current_study(data, f)
questions = sorted(shares["question"].unique())
question = st.selectbox(_("Question"), questions, format_func=lambda q: question_label(q, _), key="pc_question")
# a viewer's rate of 1 or 2 incidents is withheld, as on the Hotspots page (geo.privacy)
frame = perception_frame(shares, question, study.incidents, study.units, days=f.days,
                         min_count=viewer_min_count(data))
table = perception_table(frame, lang=_.lang)
unknown = sorted(set(shares.loc[shares["question"] == question, "settlement"]) - set(data.boundaries["name"]))
if unknown:
    st.warning(_("Survey answers for settlements the boundaries do not have, left out: {names}",
                 names=", ".join(unknown)))
st.caption(_("Share of respondents who agree (answers 4 or 5 of 5), weighted, with its interval (95%); fewer than "
             "{n} respondents are not shown. Recorded: the sidebar's incidents, {period}, per 100,000 residents a "
             "year. High and low: above or below the middle settlement.", n=_.int(MIN_RESPONDENTS),
             period=_.period(f.start, f.end)))
key = study_key(data, f)


def build_map():  # noqa: ANN201 - a folium map
    m = new_map(tuple(to_display(study.units).total_bounds), tiles=tiles, lang=_.lang)
    layer, legend = perception_layer(frame, table.astype(str).to_numpy().tolist(), question=question,
                                     lang=_.lang)
    layer.add_to(m)
    legend.add_to(m)
    finish(m, lang=_.lang, places=study.units)
    return m


cached_map(repr(("perception", key, question, _.lang, tiles)), build_map, widget_key="perception_map", height=480)
st.dataframe(localized(table, _), hide_index=True, width="stretch")
st.download_button(_("Download the table (CSV)"), csv_bytes(table), file_words(_("residents")) + ".csv", "text/csv",
                   key="pc_csv")
