"""Koopsuz: crime-prevention mapping. Streamlit entry point (`make run`)."""

from __future__ import annotations

import streamlit as st

from views.common import language, load_data, report_rejected, sidebar_filters, tiles_setting

st.set_page_config(page_title="Koopsuz", layout="wide")

t = language()  # first: every text below is in the reader's language
data = load_data()
report_rejected(data)
st.session_state["filter"] = sidebar_filters(data)
st.session_state["tiles"] = tiles_setting()
if data.meta.get("synthetic") == "true":
    st.sidebar.caption("Demo workspace: synthetic, approximate data, not real police records.")
elif data.meta.get("synthetic") == "mixed":
    st.sidebar.caption("Layers not imported yet are still the synthetic demo data (see Data → Workspace).")
st.sidebar.caption(f"Workspace: `{data.path.name}`")

page = st.navigation([
    st.Page("views/overview.py", title="Overview", default=True),
    st.Page("views/hotspots.py", title="Hotspots"),
    st.Page("views/planner.py", title="Planner"),
    st.Page("views/export.py", title="Export"),
    st.Page("views/data.py", title="Data"),
])
page.run()
