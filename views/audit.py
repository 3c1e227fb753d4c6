"""Audit trail: who did what, when, in which municipality; filtered, and downloaded as CSV (issue 15, item 5).

Only an administrator of the chosen municipality reaches this page (``app.py`` registers it for
administrators only; the page checks again on its first lines, against the accounts store). The log
itself is :mod:`geo.auth.audit`'s, append-only; this page only reads it. The table is plain text
(``st.dataframe`` shows no Markdown), so a user name or a "what" written as Markdown or HTML is shown
as written; the download is :func:`geo.auth.audit_csv`, whose cells a spreadsheet never runs as a
formula.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import streamlit as st

from geo.auth import ALL, Account, audit_csv, read_audit
from geo.i18n import N_, Tr
from geo.io.store import WorkspaceError
from geo.messages import AUDIT_ACTION_LABELS
from views.auth import accounts, record, require
from views.common import municipalities, municipality_names, tr, workspace_location

_ = tr()
PLAIN = Tr(_.lang)  # table cells are plain text: nothing to escape there
OUTCOME_LABELS = {"ok": N_("done"), "refused": N_("refused"), "locked": N_("locked")}
ANY = ""  # the filters' choice "no filter"
NO_MUNICIPALITY = "-"  # events of no municipality (sign-ins, account changes)
MAX_SHOWN = 5000  # rows drawn on the page; the download holds every row of the filter
DEFAULT_DAYS = 30
FILTER_WORDS = {"user": N_("everyone"), "action": N_("every action"), "place": N_("all events"),
                ALL: N_("every municipality at once"), NO_MUNICIPALITY: N_("no municipality (sign-ins, accounts)")}


def action_label(action: str, _: Tr) -> str:
    return _(AUDIT_ACTION_LABELS[action]) if action in AUDIT_ACTION_LABELS else action


def place_label(key: str, names: dict[str, str], _: Tr) -> str:
    if key == ALL:
        return _("every municipality")
    if key in ("", NO_MUNICIPALITY):
        return ""
    return names.get(key, key)


def named_places(rows: pd.DataFrame, what: pd.Series, names: dict[str, str]) -> pd.Series:
    """The "what" of role changes with the municipality's name for its key (``bishkek`` -> ``Бишкек``).

    The library writes the key (it stays the same in every language and after a rename); the reader
    is shown the name. Only role changes, whose municipality is the one the text names, are touched.
    """
    out = what.copy()
    for i in rows.index[(rows["action"] == "role_change") & rows["municipality"].isin(list(names))]:
        key = rows.at[i, "municipality"]
        out.at[i] = re.sub(rf"(?<![\w.-]){re.escape(key)}(?![\w-])", lambda _m, k=key: names[k], str(out.at[i]))
    return out


def shown_table(frame: pd.DataFrame, names: dict[str, str], _: Tr) -> pd.DataFrame:
    """The filtered log, newest first, in ``_``'s language (a plain :class:`Tr`: the cells are text).

    The library's texts (actions, outcomes, the "what" of account changes) are translated; what a
    user typed (a user name at a refused sign-in, a file name) is shown as written.
    """
    newest = frame.iloc[::-1].head(MAX_SHOWN)
    return pd.DataFrame({
        _("Time (UTC)"): [f"{_.date(t.date(), form='short')} {t:%H:%M:%S}" for t in newest["time"]],
        _("User"): newest["user"].to_numpy(),
        _("Municipality"): [place_label(k, names, _) for k in newest["municipality"]],
        _("Action"): [action_label(a, _) for a in newest["action"]],
        _("What"): named_places(newest, _.messages(newest["what"]), names).to_numpy(),
        _("Outcome"): [_(OUTCOME_LABELS[o]) if o in OUTCOME_LABELS else o for o in newest["outcome"]],
    })


def filter_label(choice: str, kind: str) -> str:
    """A filter's choice as the list shows it: "no filter" in words, a user or an action as itself."""
    if choice == ANY:
        return PLAIN(FILTER_WORDS[kind])
    if kind == "action":
        return action_label(choice, PLAIN)
    if kind == "place":
        return PLAIN(FILTER_WORDS[choice]) if choice in FILTER_WORDS else names.get(choice, choice)
    return choice


def log_download(me: Account, file_name: str) -> None:
    record(me, "export", file_name)  # the audit trail's own download is an export like any other


# -- the page ----------------------------------------------------------------------------------------------------
me = require("admin")
store = accounts(workspace_location())
found = municipalities()
names = municipality_names(found, _.lang)

st.title(_("Audit trail"))
st.caption(_("Sign-ins and refused sign-ins, imports, exports, publications, role and account changes and views of "
             "exact points, with who, when and in which municipality. Times are UTC. Nothing here can be changed "
             "or deleted."))
try:
    whole = read_audit(store)
except WorkspaceError as exc:
    st.error(_.message(str(exc)))
    st.stop()

today = dt.datetime.now(dt.UTC).date()
first_day = min(whole["time"].min().date(), today) if len(whole) else today
date_format = "YYYY/MM/DD" if _.lang == "en" else "DD.MM.YYYY"
c1, c2 = st.columns(2)
start = c1.date_input(_("First day"), value=max(first_day, today - dt.timedelta(days=DEFAULT_DAYS)), max_value=today,
                      key="a_from", format=date_format)
end = c2.date_input(_("Last day"), value=today, max_value=today, key="a_to", format=date_format)
users = [ANY, *sorted(set(whole["user"]) - {""}, key=str.casefold)]
actions = [ANY, *AUDIT_ACTION_LABELS, *sorted(set(whole["action"]) - set(AUDIT_ACTION_LABELS))]
places = [ANY, *[m.key for m in found], ALL, NO_MUNICIPALITY]
c3, c4, c5 = st.columns(3)
user = c3.selectbox(_("User"), users, key="a_user", format_func=lambda u: filter_label(u, "user"))
action = c4.selectbox(_("Action"), actions, key="a_action", format_func=lambda a: filter_label(a, "action"))
place = c5.selectbox(_("Municipality"), places, key="a_place", format_func=lambda k: filter_label(k, "place"))
if end < start:
    st.error(_("The last day, {end}, is before the first day, {start}: choose a last day on or after the first.",
               end=_.date(end), start=_.date(start)))
    st.stop()

frame = read_audit(store, since=start, until=end + dt.timedelta(days=1), user=user or None, action=action or None,
                   municipality=None if place == ANY else ("" if place == NO_MUNICIPALITY else place))
st.caption(_.plural("{n} event in {period}", "{n} events in {period}", len(frame),
                    period=_.period(start, end)))
if len(frame) > MAX_SHOWN:
    st.caption(_("The table shows the newest {shown}; the download holds them all.", shown=_.int(MAX_SHOWN)))
st.dataframe(shown_table(frame, names, PLAIN), hide_index=True, width="stretch")
file_name = f"audit_{start:%Y-%m-%d}_{end:%Y-%m-%d}.csv"
st.download_button(_("Download the audit trail (CSV)"), data=audit_csv(frame), file_name=file_name,
                   mime="text/csv", key="a_csv", on_click=log_download, args=(me, file_name),
                   help=_("Every event of the filter, times in UTC. Cells a spreadsheet would run as a formula are "
                          "written as text."))
