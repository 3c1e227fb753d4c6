"""After an incident, are the neighbours at risk next week? Near repeats by the Knox test (issue 17, item 2).

One call into :func:`geo.spacetime.near_repeat` (the Near Repeat Calculator's Knox test: distance bands x
time bands, expected counts from seeded shuffles of the dates) on one crime type of the sidebar's study; the
table and sentence are :mod:`geo.report.spacetime`'s, the pack's too. Analysts only: the test reads exact
points and days.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.palette import KNOX_COLORS
from geo.report.data import csv_bytes  # cells a spreadsheet would run as formulas made text
from geo.report.spacetime import NR_SPACE as SPACE
from geo.report.spacetime import NR_TIME as TIME
from geo.report.spacetime import knox_sentence, knox_table
from geo.spacetime import near_repeat, parse_bands
from views.auth import require
from views.common import current_study, file_words, load_data, localized, study_key, tr


@st.cache_data(show_spinner=False, max_entries=16)
def tested(key: str, category: str, space: str, time: str, distance: str, permutations: int, seed: int,
           _incidents):  # noqa: ANN001, ANN202
    events = _incidents[_incidents["category"].astype(str) == category]
    return near_repeat(events, space_bands=space, time_bands=time, distance=distance, permutations=permutations,
                       seed=seed)


_ = tr()
require("analyst")  # app.py registers this page for analysts only; an address cannot reach it
data = load_data()
f = st.session_state["filter"]
st.title(_("Near repeats"))
st.caption(_("After an incident, are the neighbours at risk in the days after? Pairs of incidents close in space "
             "and time are counted, and compared with the same incidents with their dates shuffled (Knox test, "
             "as the Near Repeat Calculator)."))
study = current_study(data, f)
present = [c for c in data.categories.keys if (study.incidents["category"].astype(str) == c).any()]
if not present:
    st.info(_("No incidents for these filters."))
    st.stop()
cat_words = data.categories.labels(_)
c1, c2, c3 = st.columns(3)
category = c1.selectbox(_("Crime type"), present, index=present.index("burglary") if "burglary" in present else 0,
                        format_func=lambda c: cat_words.get(c, c), key="nr_cat",
                        help=_("One type at a time: a burglary after a fight is not a repeat."))
space = c2.text_input(_("Distance bands (m)"), SPACE, key="nr_space",
                      help=_("Band edges: 0,100,200 gives 0 to under 100 m, 100 to under 200 m, 200 m or more."))
time = c3.text_input(_("Time bands (days)"), TIME, key="nr_time",
                     help=_("Band edges: 0,7,14 gives 0 to under 7 days, 7 to under 14 days, 14 days or more."))
distance = c1.selectbox(_("Distance"), ["manhattan", "euclidean"], key="nr_distance",
                        format_func=lambda d: {"manhattan": _("Along a street grid (Manhattan)"),
                                               "euclidean": _("Straight line (Euclidean)")}[d])
# the test's own settings: the defaults serve nearly everyone, so they stay out of the way
with st.expander(_("Settings of the test (shuffles and seed)")):
    c5, c6 = st.columns(2)
    permutations = int(c5.selectbox(_("Shuffles"), [99, 999], index=1, key="nr_perm",
                                    format_func=lambda n: _.int(n),
                                    help=_("More shuffles make the chance (p) finer and take longer.")))
    seed = int(c6.number_input(_("Seed"), 0, 2**31 - 1, 0, key="nr_seed",
                               help=_("The same seed gives the same shuffles, so the same table.")))
try:
    parse_bands(space, name=_("Distance bands (m)"))
    parse_bands(time, name=_("Time bands (days)"), whole=True)
except ValueError as exc:
    st.error(_.message(str(exc)))
    st.stop()
key = study_key(data, f)
with st.spinner(_("Analysing…")):
    try:
        result = tested(key, category, space, time, distance, permutations, seed, study.incidents)
    except ValueError as exc:
        st.error(_.message(str(exc)))
        st.stop()

st.markdown("**" + knox_sentence(result, lang=_.lang) + "**")
table = knox_table(result, lang=_.lang)
# the open-ended last row and column ("500 m or more", "28 days or more") hold nearly every pair: a ratio of
# 1.00 there can be significant by arithmetic (the near cells took their pairs) and says nothing of repeats
last_i, last_j = result.p.shape[0] - 1, result.p.shape[1] - 1
colours = [[KNOX_COLORS[1.0] if i == last_i or j == last_j else
            KNOX_COLORS[next((a for a in sorted(KNOX_COLORS) if p <= a), 1.0)] for j, p in enumerate(row)]
           for i, row in enumerate(result.p)]


def shade(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for i in range(len(frame)):
        for j, col in enumerate(frame.columns[1:]):
            c = colours[i][j]
            ink = "#ffffff" if c == KNOX_COLORS[0.001] else "#000000"
            out.loc[frame.index[i], col] = f"background-color: {c}; color: {ink}"
    return out


st.caption(_("Times as many pairs as chance gives (Knox ratio): rows are distances, columns days after. Colour: "
             "dark red p ≤ 0.001, red p ≤ 0.01, light p ≤ 0.05; the last row and column (everything farther or "
             "later) are not coloured."))
st.dataframe(table.style.apply(shade, axis=None), hide_index=True, width="stretch")
st.caption(_("{n} incidents, {pairs} pairs, distances in {crs}.", n=_.int(result.events), pairs=_.int(result.pairs),
             crs=result.crs or "–"))
with st.expander(_("The counts behind the ratios")):
    words = knox_table(result, lang=_.lang)
    observed = words.copy()
    expected = words.copy()
    pvalues = words.copy()
    for j, col in enumerate(words.columns[1:]):
        observed[col] = result.observed[:, j]
        expected[col] = [_.num(float(v), 1) for v in result.expected[:, j]]
        pvalues[col] = [_.num(float(v), 3) for v in result.p[:, j]]
    st.markdown(_("Pairs observed"))
    st.dataframe(localized(observed, _), hide_index=True, width="stretch")
    st.markdown(_("Pairs expected (mean of the shuffles)"))
    st.dataframe(expected, hide_index=True, width="stretch")
    st.markdown(_("Chance (p)"))
    st.dataframe(pvalues, hide_index=True, width="stretch")
    st.download_button(_("Download the counts (CSV)"), csv_bytes(observed), file_words(_("near repeats")) + ".csv",
                       "text/csv", key="nr_csv")
