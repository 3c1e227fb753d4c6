"""Where is it getting worse? Emerging hot spots over the months of the data (issue 17, item 1).

One call into :func:`geo.spacetime.emerging_hotspots` (space-time cube, Gi* per step, Mann-Kendall trend,
ArcGIS Pro's 17 patterns) on the sidebar's area and categories, over every month up to the sidebar's end
(:meth:`geo.select.IncidentFilter.history`); its sentence and table are :mod:`geo.report.spacetime`'s, the
pack's too. Analysts only: the cells are exact counts of exact points.
"""

from __future__ import annotations

import streamlit as st

from geo.report.data import csv_bytes  # cells a spreadsheet would run as formulas made text
from geo.report.spacetime import emerging_sentence, emerging_table
from geo.spacetime import emerging_hotspots
from layers.basemap import finish, new_map
from layers.emerging import emerging_layer
from views.auth import require
from views.common import current_study, file_words, load_data, localized, study_key, tr
from views.map_cache import cached_map

STEPS = ("month", "quarter")


@st.cache_data(show_spinner=False, max_entries=16)
def analysed(key: str, step: str, lag: int, cell: float, _incidents, _units):  # noqa: ANN001, ANN202
    return emerging_hotspots(_incidents, cell=cell or None, step=step, time_lag=lag,
                             boundary=_units if len(_units) else None)


_ = tr()
require("analyst")  # app.py registers this page for analysts only; an address cannot reach it
data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
st.title(_("Emerging hot spots"))
st.caption(_("Where is it getting worse? Each cell's incidents month by month, from the data's first month to the "
             "end of the sidebar's period: hot or cold spot in each month (Gi*), and the trend across them "
             "(Mann-Kendall), read as ArcGIS Pro's patterns (emerging hot spot analysis)."))
history = f.history()
study = current_study(data, history)
c1, c2, c3 = st.columns(3)
words = {"month": _("Month"), "quarter": _("Quarter")}
step = c1.selectbox(_("Time step"), STEPS, format_func=lambda s: words[s], key="em_step")
lag = int(c2.number_input(_("Earlier periods in each neighbourhood"), 0, 6, 1, key="em_lag",
                          help=_("Each cell's neighbourhood in time: this many periods before it (time-step lag).")))
cell = float(c3.number_input(_("Cell size (m), 0 for automatic"), 0.0, 5000.0, 0.0, 50.0, format="%.0f",
                             key="em_cell"))
key = study_key(data, history)
with st.spinner(_("Analysing…")):
    try:
        result = analysed(key, step, lag, cell, study.incidents, study.units)
    except ValueError as exc:
        st.error(_.message(str(exc)))
        st.stop()

st.markdown("**" + emerging_sentence(result, lang=_.lang) + "**")
st.caption(_("{cells} cells of {size} m, {steps} periods; hot and cold with confidence 90% and the false "
             "discovery rate per period; trend at 95%.", cells=_.int(int(result.mask.sum())),
             size=_.int(round(result.params.get("cell", cell) or 0)), steps=_.int(len(result.steps))))


def build_map():  # noqa: ANN201 - a folium map
    from geo.crs import to_display

    bounds = tuple(to_display(result.cells).total_bounds)
    mp = new_map(bounds, tiles=tiles, lang=_.lang)
    layer, legend = emerging_layer(result.cells, lang=_.lang)
    layer.add_to(mp)
    legend.add_to(mp)
    finish(mp, lang=_.lang, places=study.units)
    return mp


cached_map(repr(("emerging", key, step, lag, cell, _.lang, tiles)), build_map, widget_key="emerging_map",
           height=520)
st.dataframe(localized(emerging_table(result, lang=_.lang), _), hide_index=True, width="stretch")
cells = result.cells.drop(columns=result.cells.geometry.name)
st.download_button(_("Download the cells (CSV)"), csv_bytes(cells), file_words(_("emerging hot spots")) + ".csv",
                   "text/csv", key="em_csv")
with st.expander(_("How to read this map")):
    st.markdown(_("A cell is hot in a month when it and its neighbours, in that month and the one before, hold "
                  "more incidents than the whole area's average would give (Gi*, confidence 90%, corrected for "
                  "testing many cells). Its pattern says when: **new** is hot only in the last period, "
                  "**consecutive** hot in an unbroken run up to the last, **intensifying** hot nearly always and "
                  "getting hotter, **persistent** hot nearly always, **diminishing** hot nearly always but "
                  "cooling, **sporadic** on and off, **oscillating** hot now after being cold, **historical** hot "
                  "nearly always but not now. Cold spots read the same way, with few incidents."))
