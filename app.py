"""Koopsuz: crime-prevention mapping. Streamlit entry point (`make run`)."""

from __future__ import annotations

import streamlit as st

from pages.common import load_data, report_rejected, sidebar_filters, tiles_setting

st.set_page_config(page_title="Koopsuz", page_icon="🛡️", layout="wide")

data = load_data()
report_rejected(data)
st.session_state["filter"] = sidebar_filters(data)
st.session_state["tiles"] = tiles_setting()
if data.meta.get("synthetic") == "true":
    st.sidebar.caption("Demo workspace: synthetic, approximate data, not real police records.")
st.sidebar.caption(f"Workspace: `{data.path.name}`")

page = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon="🗺️", default=True),
    st.Page("pages/data.py", title="Data", icon="📥"),
])
page.run()
