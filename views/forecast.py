"""Which map should patrols follow next month? Each method's map scored on the months after (issue 17, item 3).

One call into :func:`geo.forecast.forecast_accuracy` on the sidebar's area and categories, over every month up
to the end of the sidebar's period (:meth:`geo.select.IncidentFilter.history`): for each month held out, each
method draws its map from the months before and is scored by hit rate, PAI and PEI. The table, the sentence
and the chart's numbers are :mod:`geo.report.spacetime`'s, the pack's too. Analysts only: exact points.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from geo.forecast import forecast_accuracy
from geo.forecast.accuracy import SHARES
from geo.report.data import csv_bytes  # cells a spreadsheet would run as formulas made text
from geo.report.spacetime import forecast_chart, forecast_sentence, forecast_table
from views.auth import require
from views.common import current_study, file_words, load_data, localized, study_key, tr


@st.cache_data(show_spinner=False, max_entries=16)
def scored(key: str, train: int, test: int, _incidents, _units):  # noqa: ANN001, ANN202
    return forecast_accuracy(_incidents, boundary=_units if len(_units) else None, train_months=train,
                             test_months=test)


_ = tr()
require("analyst")  # app.py registers this page for analysts only; an address cannot reach it
data = load_data()
f = st.session_state["filter"]
st.title(_("Which map predicts best"))
st.caption(_("For each of the last months, every kind of map is drawn from the months before it and checked "
             "against what happened in that month: the map whose top cells caught most of next month's "
             "incidents is the one to follow (hit rate, PAI, PEI)."))
history = f.history()
study = current_study(data, history)
c1, c2, c3 = st.columns(3)
share = c1.selectbox(_("Share of the area patrolled"), list(SHARES), index=1, key="fc_share",
                     format_func=lambda s: _.pct(s, 0))
train = int(c2.number_input(_("Months each map is drawn from"), 1, 36, 12, key="fc_train"))
test = int(c3.number_input(_("Months held out to check the maps"), 1, 36, 12, key="fc_test"))
key = study_key(data, history)
with st.spinner(_("Analysing…")):
    try:
        forecast = scored(key, train, test, study.incidents, study.units)
    except ValueError as exc:
        st.error(_.message(str(exc)))
        st.stop()

st.markdown("**" + forecast_sentence(forecast, share=share, lang=_.lang) + "**")
st.dataframe(localized(forecast_table(forecast, share=share, lang=_.lang), _), hide_index=True, width="stretch")
chart = forecast_chart(forecast, lang=_.lang)
# plain field names: Vega-Lite reads a field name as an expression, where an apostrophe or a dot breaks it
rows = [{"share": x, "map": name, "pai": v} for name, (values, _colour) in chart["lines"].items()
        for x, v in zip(chart["x_labels"], values, strict=True)]
colours = alt.Scale(domain=list(chart["lines"]), range=[c for _v, c in chart["lines"].values()])
x_t, map_t = _("Share of the area"), _("Map")
st.altair_chart(alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
    x=alt.X(field="share", type="ordinal", sort=chart["x_labels"], title=x_t, axis=alt.Axis(labelAngle=-45)),
    y=alt.Y(field="pai", type="quantitative", title=chart["y_label"]),
    color=alt.Color(field="map", type="nominal", scale=colours, title=map_t,
                    legend=alt.Legend(orient="top", columns=2, labelLimit=360)),
    tooltip=[alt.Tooltip(field="map", title=map_t), alt.Tooltip(field="share", title=x_t),
             alt.Tooltip(field="pai", title=chart["y_label"], format=".2f")]).properties(
    title=chart["title"], height=460), width="stretch", key="fc_chart")  # room for the legend and the turned labels
st.caption(chart["note"])
with st.expander(_("Month by month")):
    from geo.report.spacetime import FORECAST_LABELS

    t = forecast.table
    table = pd.DataFrame({
        _("Month"): [_.month_year(m.date()) for m in pd.to_datetime(t["test_month"])],
        _("Map"): [_(FORECAST_LABELS.get(str(m), str(m))) for m in t["method"]],
        _("Share of the area"): [_.pct(v, 0) for v in t["share"]],
        _("Cells"): t["cells"].to_numpy(), _("Incidents that month"): t["N"].to_numpy(),
        _("Caught"): [_.num(v, 1) for v in t["n"]],
        _("Next month's incidents caught (hit rate)"): [_.pct(v, 0) if pd.notna(v) else "–" for v in t["hit_rate"]],
        _("Times better than chance (PAI)"): [_.num(v, 2) if pd.notna(v) else "–" for v in t["pai"]],
        _("Share of the best possible (PEI)"): [_.pct(v, 0) if pd.notna(v) else "–" for v in t["pei"]],
        _("Why no score"): [_.message(str(v)) if isinstance(v, str) and v else "" for v in t["note"]],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button(_("Download the scores (CSV)"), csv_bytes(table), file_words(_("forecast accuracy")) + ".csv",
                       "text/csv", key="fc_csv")
