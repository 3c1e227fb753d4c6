"""The sidebar's period: a year, a quarter, a month or two dates of one's own, chosen in one step.

What the reader picks is applied at once (a select and single dates rerun the page on change, unlike
a date range, which waits for its popup to close) and written in the address as ``?period=2017-Q3``
(:mod:`geo.periods` tokens), as the language is, so a bookmark or a shared link opens the same period.
The lists hold only the years, quarters and months that have incidents, newest first; the default is
the year of the last incident (:func:`geo.select.default_period`'s rule).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo.i18n import Tr
from geo.periods import (KIND_WORDS, KINDS, Period, custom, parse_period, period_days, periods_with_data)
from geo.select import default_period, period_of

PERIOD_PARAM = "period"  # the address's query parameter
KIND_KEY = "f_period_kind"
START_KEY, END_KEY = "f_period_start", "f_period_end"


def pick_key(kind: str) -> str:
    """The key of the select of ``kind`` (``f_period_year``, ``f_period_quarter``, ``f_period_month``)."""
    return f"f_period_{kind}"


def _from_address(token: str | None, lists: dict[str, list[Period]], first: dt.date, last: dt.date,
                  _: Tr) -> None:
    """Set the widgets' state to the period the address names (first run of a session only)."""
    if not token:
        return
    try:
        period = parse_period(token)
    except ValueError as exc:
        st.sidebar.warning(_.message(str(exc)))
        return
    if period.kind == "custom":
        st.session_state[KIND_KEY] = "custom"
        st.session_state[START_KEY] = min(max(period.start, first), last)
        st.session_state[END_KEY] = min(max(period.end, first), last)
    elif period in lists[period.kind]:
        st.session_state[KIND_KEY] = period.kind
        st.session_state[pick_key(period.kind)] = period.token
    else:
        st.sidebar.warning(_("The link asks for {period}, which has no incidents in this workspace: the latest "
                             "year with incidents is shown instead.", period=period.label(lang=_.lang)))


def period_picker(incidents: pd.DataFrame, _: Tr) -> tuple[dt.date | None, dt.date | None]:
    """Draw the period in the sidebar; the first and last day chosen (both None when there are no incidents).

    A custom period whose end is before its start is refused with a message, and the page stops
    there: no page shows figures for a period that does not exist.
    """
    sb = st.sidebar
    extent, default = period_of(incidents), default_period(incidents)
    if extent is None or default is None:
        return None, None
    first, last = extent
    times = incidents["occurred_at"]
    lists = {kind: periods_with_data(times, kind) for kind in ("year", "quarter", "month")}
    if KIND_KEY not in st.session_state:  # a new session: the address may name a period
        _from_address(st.query_params.get(PERIOD_PARAM), lists, first, last, _)
    kind = sb.radio(_("Period"), KINDS, horizontal=True, key=KIND_KEY, format_func=lambda k: _(KIND_WORDS[k]),
                    help=_("A year, a quarter or a month with incidents, or two days of your own (both included). "
                           "The Overview compares with the period before it: the year, quarter or month before, "
                           "or as many days just before."))
    if kind == "custom":
        date_format = "YYYY/MM/DD" if _.lang == "en" else "DD.MM.YYYY"
        for key, value in ((START_KEY, default[0]), (END_KEY, default[1])):
            held = st.session_state.get(key)
            # the remembered day, kept inside the data's days (another workspace may have been opened since)
            st.session_state[key] = min(max(held, first), last) if isinstance(held, dt.date) else value
        c1, c2 = sb.columns(2)
        start = c1.date_input(_("First day"), min_value=first, max_value=last, key=START_KEY, format=date_format)
        end = c2.date_input(_("Last day"), min_value=first, max_value=last, key=END_KEY, format=date_format)
        if end < start:
            sb.error(_("The last day, {end}, is before the first day, {start}: choose a last day on or after the "
                       "first.", end=_.date(end), start=_.date(start)))
            st.stop()
        token, dates = custom(start, end).token, (start, end)
    else:
        options = [p.token for p in lists[kind]]
        key = pick_key(kind)
        if st.session_state.get(key) not in options:
            st.session_state.pop(key, None)  # from another workspace: start again from the newest
        token = sb.selectbox(_(KIND_WORDS[kind]), options, key=key, label_visibility="collapsed",
                             format_func=lambda t: parse_period(t).label(lang=_.lang))
        dates = period_days(parse_period(token), first, last)
        if parse_period(token).days != (dates[1] - dates[0]).days + 1:
            # a year or month the data covers only in part: say which days are studied
            sb.caption(_("Studied: {period}, the days of it that the data covers.", period=_.period(*dates)))
    if st.query_params.get(PERIOD_PARAM) != token:
        st.query_params[PERIOD_PARAM] = token  # the address carries it: a link reproduces the view
    return dates
