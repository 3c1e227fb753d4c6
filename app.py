"""Koopsuz: crime-prevention mapping. Streamlit entry point (`make run`)."""

from __future__ import annotations

import streamlit as st

from geo.auth import role_at_least, role_for
from views.auth import account_sidebar, current_role, signed_in
from views.common import (ALLOWED_KEY, language, load_data, municipalities, municipality_picker, report_rejected,
                          sidebar_filters, tiles_setting, translate_chrome)

st.set_page_config(page_title="Koopsuz", layout="wide")

_ = language()  # first: every text below is in the reader's language
translate_chrome(_)
account = signed_in()  # the sign-in form (and a stopped run) until someone is signed in
# only the municipalities where the account holds a role (the public role included) are offered, and only they open
st.session_state[ALLOWED_KEY] = [m.key for m in municipalities() if role_for(account, m.key) is not None]
municipality_picker()  # before the data: the municipality decides which workspace opens
account_sidebar(account)
role = current_role(account)
if role is None:
    st.info(_("Your account has no role in any municipality here yet. Ask an administrator to give you one."))
    st.stop()
if not role_at_least(role, "viewer"):
    # the public role: what analysts published, and nothing else; no incident is read for this session
    st.navigation([st.Page("views/published.py", title=_("Published"), url_path="published", default=True)]).run()
    st.stop()
data = load_data()  # a viewer's data never holds the recorded locations (views.privacy)
report_rejected(data)
st.session_state["filter"] = sidebar_filters(data)
st.session_state["tiles"] = tiles_setting()
if data.meta.get("synthetic") == "true":
    st.sidebar.caption(_("Demo workspace: invented, approximate data, not real police records."))
elif data.meta.get("synthetic") == "mixed":
    st.sidebar.caption(_("Layers not imported yet are still the invented demo data (see Data → Workspace)."))
st.sidebar.caption(_("Workspace: `{file}`", file=data.name))

# Pages keep their English file names (the address); their titles are in the reader's language. Only the
# pages the role may open are registered: any other address opens the Overview.
pages = [
    st.Page("views/overview.py", title=_("Overview"), default=True),
    st.Page("views/hotspots.py", title=_("Hotspots"), url_path="hotspots"),
]
if role_at_least(role, "analyst"):
    pages.append(st.Page("views/planner.py", title=_("Planner"), url_path="planner"))
pages.append(st.Page("views/perception.py", title=_("What residents feel"), url_path="residents"))
pages += [st.Page("views/export.py", title=_("Export"), url_path="export"),
          st.Page("views/published.py", title=_("Published"), url_path="published")]
if role_at_least(role, "analyst"):
    pages += [st.Page("views/emerging.py", title=_("Emerging hot spots"), url_path="emerging"),
              st.Page("views/nearrepeat.py", title=_("Near repeats"), url_path="nearrepeat"),
              st.Page("views/forecast.py", title=_("Which map predicts best"), url_path="forecast"),
              st.Page("views/evaluation.py", title=_("Did it work?"), url_path="evaluation"),
              st.Page("views/municipalities.py", title=_("Municipalities"), url_path="municipalities"),
              st.Page("views/data.py", title=_("Data"), url_path="data")]
if role_at_least(role, "admin"):
    pages += [st.Page("views/users.py", title=_("Users"), url_path="users"),
              st.Page("views/audit.py", title=_("Audit trail"), url_path="audit")]
# every page listed: collapsed, the menu would hide all past the tenth behind "View more"
page = st.navigation(pages, expanded=True)
page.run()
