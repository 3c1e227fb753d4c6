"""Did it work? An intervention's treated area against a control, before and after (issue 16).

One call into :func:`geo.evaluate.evaluate` (areas, aligned periods, counts, WDD and WDQ), its verdict in
plain words (:func:`geo.evaluate.verdict`, the command line's too), the areas on the map
(:mod:`layers.evaluation`), the monthly series with the start marked, and the counts behind every number.
Results are shown only while the settings they were made with still hold (cached per workspace version).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from geo.crs import to_display
from geo.evaluate import DEFAULT_RADIUS, DEFAULT_RING, Evaluation, evaluate, index_series, limits, question, setting, verdict
from geo.i18n import place_names
from geo.palette import EVALUATION_COLORS, EVALUATION_LABELS
from layers.basemap import finish, new_map
from layers.evaluation import evaluation_layer
from views.auth import require
from views.common import file_words, load_data, localized, study_key, tr
from views.map_cache import cached_map

AUTO = 0  # months: the longest period up to a year that the data hold


@st.cache_data(show_spinner=False, max_entries=32)
def evaluated(key: str, act: str, radius: float, ring: float, control: tuple[str, ...], months: int,
              categories: tuple[str, ...], _incidents, _geometry, _crs, _started, _boundaries, _others) -> Evaluation:
    return evaluate(_incidents, _geometry, _started, boundaries=_boundaries, geometry_crs=_crs,
                    radius=radius or None, ring=ring, control=control, months=months or None,
                    categories=categories or None, others=_others)


_ = tr()
require("analyst")  # app.py registers this page for analysts only; an address cannot reach it
data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
st.title(_("Did it work?"))
acts = data.interventions
if acts is None or acts.empty:
    st.info(_("No interventions yet. Import them on the Data page as the Interventions layer: what was done, "
              "where (a point, line or area) and when it started."))
    st.stop()

own = {"ru": "name_ru", "ky": "name_ky"}.get(_.lang)
names = list(acts["name"].astype(str))
label = {n: (str(v) if own and own in acts and isinstance(v, str) and v.strip() else n)
         for n, v in zip(names, acts[own] if own and own in acts else names, strict=True)}
c1, c2, c3 = st.columns(3)
name = c1.selectbox(_("Intervention"), names, format_func=lambda n: label[n], key="ev_act")
act = acts[acts["name"].astype(str) == name].iloc[0]
targets = [c for c in str(act.get("categories") or "").split(",") if c.strip() in data.categories.keys]
cat_words = data.categories.labels(_)
categories = c1.multiselect(_("Categories counted"), list(data.categories.keys), default=targets,
                            format_func=lambda c: cat_words.get(c, c), key=f"ev_cats_{name}",
                            placeholder=_("All categories"),
                            help=_("The categories the intervention targets, by default."))
polygon = act.geometry.geom_type in ("Polygon", "MultiPolygon")
radius = c2.number_input(_("Treated area: metres round it"), 0.0, 5000.0, 0.0 if polygon else DEFAULT_RADIUS, 50.0,
                         format="%.0f",
                         key=f"ev_radius_{name}",
                         help=_("Round a point or a line; an area is used as it is when this is 0."))
ring = c2.number_input(_("Displacement ring (m)"), 0.0, 5000.0, DEFAULT_RING, 50.0, key="ev_ring", format="%.0f",
                       help=_("Where displaced incidents would go: this many metres round the treated area (0: none)."))
months = c3.selectbox(_("Months before and after"), [AUTO, *range(1, 25)], key="ev_months",
                      format_func=lambda m: _("The longest the data hold (up to a year)") if m == AUTO else str(m))
settlements = sorted(data.boundaries["name"].dropna().astype(str).unique())
place = dict(zip(data.boundaries["name"].astype(str), place_names(data.boundaries, _.lang), strict=True))
control = c3.multiselect(_("Control settlements"), settlements, key=f"ev_control_{name}",
                         format_func=lambda n: place.get(n, n),
                         placeholder=_("Proposed: the most alike before"),
                         help=_("Settlements like the treated area but untouched by the intervention. Leave empty "
                                "for the settlements most alike before the start in count and trend."))
key = study_key(data, f)
try:
    ev = evaluated(key, name, float(radius), float(ring), tuple(control), int(months), tuple(categories),
                   data.incidents, act.geometry, acts.crs, act["started"], data.boundaries,
                   acts[acts["name"].astype(str) != name])
except ValueError as exc:
    st.error(_.message(str(exc)))
    st.stop()

e, p = ev.effects, ev.periods
st.subheader(question(label[name], lang=_.lang))
shown = dict(zip(data.boundaries["name"].astype(str), place_names(data.boundaries, _.lang), strict=True))
st.caption(setting(ev, started=pd.Timestamp(act["started"]).date(), lang=_.lang, names=shown))  # the pack's lead too
lines = verdict(e, lang=_.lang)
st.markdown("**" + _.message(lines[0]) + "**")
for line in lines[1:]:
    st.markdown("- " + _.message(line))
for note in ev.notes:
    st.warning(_.message(note))
m = st.columns(4)
m[0].metric(_("Difference (WDD)"), _.num(e.wdd, 1), help=_("Negative: fewer incidents than the control's trend "
                                                            "predicts. Standard error {se}.", se=_.num(e.se, 1)))
m[1].metric(_("Chance (p)"), "–" if e.p is None else _.num(e.p, 3))
m[2].metric(_("Displacement quotient (WDQ)"), "–" if e.wdq is None else _.num(e.wdq, 2))
m[3].metric(_("Total net effect"), "–" if e.tne is None else _.num(e.tne, 1),
            help=_("Incidents prevented in the treated area and its ring, against the control's trend."))


def build_map():  # noqa: ANN201 - a folium map
    counts = {"treated": (int(e.treated.before), int(e.treated.after)),
              "control": (int(e.control.before), int(e.control.after))}
    if e.displacement is not None:
        counts["ring"] = (int(e.displacement.before), int(e.displacement.after))
    mp = new_map(tuple(to_display(ev.areas).total_bounds), tiles=tiles, lang=_.lang)
    layer, legend = evaluation_layer(ev.areas, counts=counts, intervention=acts[acts["name"].astype(str) == name],
                                     name=label[name], lang=_.lang)
    layer.add_to(mp)
    legend.add_to(mp)
    finish(mp, lang=_.lang, places=data.boundaries)
    return mp


cached_map(repr(("evaluation", key, name, radius, ring, tuple(control), months, tuple(categories), _.lang, tiles)),
           build_map, widget_key="evaluation_map", height=460)

# each area's monthly count against its own average before the start (= 100): the pack's chart draws the same
month_t, area_t, index_t, count_t = _("Month"), _("Area"), _("Index (average before = 100)"), _("Incidents")
indexed = index_series(ev)
series = pd.DataFrame({month_t: [_.month_year(m.date()) for m in indexed["month"]], "order": indexed["month"],
                       area_t: [_(EVALUATION_LABELS[r]) for r in indexed["role"]], index_t: indexed["index"],
                       count_t: indexed["count"]})
months_axis = list(dict.fromkeys(series.sort_values("order")[month_t]))
start_label = _.month_year(p.after_start)
# the map's colours for the areas (geo.palette), so that the treated area is the same orange on both
roles = [r for r in ("treated", "ring", "control") if r in set(indexed["role"])]
area_colours = alt.Scale(domain=[_(EVALUATION_LABELS[r]) for r in roles], range=[EVALUATION_COLORS[r] for r in roles])
lines_chart = alt.Chart(series).mark_line(point=True).encode(
    x=alt.X(field=month_t, type="ordinal", sort=months_axis, axis=alt.Axis(labelAngle=-45)),
    y=alt.Y(field=index_t, type="quantitative"),
    color=alt.Color(field=area_t, type="nominal", scale=area_colours, legend=alt.Legend(orient="top")),
    tooltip=[alt.Tooltip(field=c) for c in (month_t, area_t, count_t, index_t)])
rule = alt.Chart(pd.DataFrame({month_t: [start_label]})).mark_rule(color="#333", strokeDash=[4, 3]).encode(
    x=alt.X(field=month_t, type="ordinal", sort=months_axis))
st.altair_chart((lines_chart + rule).properties(title=_("Incidents per month, each area against its average before "
                                                         "the start (dashed line: the start)"), height=420),
                width="stretch", key="ev_chart")

table = pd.DataFrame({
    _("Area"): [_(EVALUATION_LABELS[r]) for r in ev.areas["role"]],
    _("Size, km²"): [round(float(a), 3) for a in ev.areas["area_km2"]],
    _("Before"): [int(c.before) for c in (e.treated, e.displacement, e.control) if c is not None],
    _("After"): [int(c.after) for c in (e.treated, e.displacement, e.control) if c is not None],
})
st.dataframe(localized(table, _), hide_index=True, width="stretch")
if len(ev.by_category):
    cats = ev.by_category.copy()
    cats["category"] = [cat_words.get(c, c) for c in cats["category"]]
    words = {"category": _("Category")}
    for role in ("treated", "ring", "control"):
        words[f"{role}_before"] = _("{area}, before", area=_(EVALUATION_LABELS[role]))
        words[f"{role}_after"] = _("{area}, after", area=_(EVALUATION_LABELS[role]))
    cats = cats.rename(columns=words)
    with st.expander(_("By category")):
        st.dataframe(localized(cats, _), hide_index=True, width="stretch")
    from geo.report.data import csv_bytes  # cells a spreadsheet would run as formulas made text

    st.download_button(_("Download the counts (CSV)"), csv_bytes(cats), file_words(_("evaluation")) + ".csv",
                       "text/csv", key="ev_csv")
with st.expander(_("What this comparison cannot tell")):
    for text in limits(lang=_.lang):
        st.markdown("- " + text)
