"""Koopsuz: crime-prevention mapping. Streamlit entry point (`make run`)."""

from __future__ import annotations

import streamlit as st

from views.common import (language, load_data, municipality_picker, report_rejected, sidebar_filters, tiles_setting,
                          translate_chrome)

st.set_page_config(page_title="Koopsuz", layout="wide")

_ = language()  # first: every text below is in the reader's language
translate_chrome(_)
municipality_picker()  # before the data: the municipality decides which workspace opens
data = load_data()
report_rejected(data)
st.session_state["filter"] = sidebar_filters(data)
st.session_state["tiles"] = tiles_setting()
if data.meta.get("synthetic") == "true":
    st.sidebar.caption(_("Demo workspace: invented, approximate data, not real police records."))
elif data.meta.get("synthetic") == "mixed":
    st.sidebar.caption(_("Layers not imported yet are still the invented demo data (see Data → Workspace)."))
st.sidebar.caption(_("Workspace: `{file}`", file=data.name))

# Pages keep their English file names (the address); their titles are in the reader's language.
page = st.navigation([
    st.Page("views/overview.py", title=_("Overview"), default=True),
    st.Page("views/hotspots.py", title=_("Hotspots"), url_path="hotspots"),
    st.Page("views/planner.py", title=_("Planner"), url_path="planner"),
    st.Page("views/export.py", title=_("Export"), url_path="export"),
    st.Page("views/municipalities.py", title=_("Municipalities"), url_path="municipalities"),
    st.Page("views/data.py", title=_("Data"), url_path="data"),
])
page.run()
