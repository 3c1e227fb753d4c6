"""The data-health check on the pages: what makes this page's numbers wrong, in plain words, and what to do.

The check (:func:`geo.health.check_health`) runs once per workspace version (after every import the version
changes) and costs about 0.05 s for 22,334 incidents; each page calls :func:`health_banner` near its top.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.health import (SHOWN_NAMES, ALL_OUTSIDE, DEMO_BOUNDARIES, FAR_APART, FAR_CAMERAS, FAR_STATIONS, NO_POPULATION,
                        INFO, OTHER_CATEGORY, OUTSIDE, Finding, HealthReport, check_health)
from geo.i18n import N_, Tr, area_names, place_names
from geo.io.importer import LOG_TABLE
from geo.schema import CATEGORY_LABELS
from geo.select import OUTSIDE as OUTSIDE_AREA
from geo.select import Study

DATA_PAGE = "views/data.py"
AREA_KEY = "f_area"  # the sidebar's area selector (views.common.sidebar_filters)
# What to do about each finding, after the finding itself.
ADVICE = {
    OUTSIDE: N_("Import boundaries that cover all the incidents to count them too (Data page)."),
    NO_POPULATION: N_("Add the population of these settlements (Data page) to get their rates."),
    FAR_STATIONS: N_("They are left out of coverage here: check their coordinate system, or import this place's "
                     "police stations (Data page)."),
    FAR_CAMERAS: N_("They are left out of coverage here: check their coordinate system, or import this place's "
                    "cameras (Data page)."),
    OTHER_CATEGORY: N_("Their maps and tables by category leave these incidents out: map the labels to categories "
                       "on the Data page."),
}
MISMATCH = (ALL_OUTSIDE, FAR_APART, DEMO_BOUNDARIES)


@st.cache_data(show_spinner=False, max_entries=4)
def _report(location: str, version: tuple[int, int], _data) -> HealthReport:  # keyed on the workspace's version
    from views.common import store  # lazily: views.common imports this module

    ws = store(location)
    log = ws.read_table(LOG_TABLE) if ws.has(LOG_TABLE) else pd.DataFrame()
    return check_health(_data.layers, meta=_data.meta, import_log=log, categories=getattr(_data, "categories", None))


def health_report(data) -> HealthReport:  # noqa: ANN001 - views.common.Data (imported lazily: no cycle)
    """The workspace's health report, computed once per workspace version."""
    return _report(data.location, tuple(data.version), data)


def finding_text(finding: Finding, _: Tr, *, places=None, layers=None, capital: bool = True) -> str:  # noqa: ANN001
    """A finding in the reader's language, its numbers as the language writes them.

    ``places`` (the workspace's boundaries) names the areas and settlements of a finding in the language;
    ``layers`` (the workspace's layers) its stations and cameras.
    """
    fields = {}
    for key, value in finding.fields.items():
        if key == "share":
            fields[key] = _.pct(float(value), 0)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            fields[key] = _.int(value)
        else:
            fields[key] = value
    if places is not None and "names" in fields and finding.code in (OUTSIDE, ALL_OUTSIDE, NO_POPULATION):
        if finding.code == NO_POPULATION and "name" in places:
            local = dict(zip(places["name"].astype(str), place_names(places, _.lang), strict=False))
        else:
            local = area_names(places, _.lang) if "area" in places else {}
        names = [local.get(n, n) for n in finding.names]
        fields["names"] = ", ".join(names[:SHOWN_NAMES]) + (" …" if len(names) > SHOWN_NAMES else "")
    sites = (layers or {}).get({FAR_STATIONS: "stations", FAR_CAMERAS: "cameras"}.get(finding.code, ""))
    if sites is not None and len(sites) and "name" in sites and "names" in fields:
        local = dict(zip(sites["name"].astype(str), place_names(sites, _.lang), strict=False))
        names = [local.get(n, n) for n in finding.names]
        fields["names"] = ", ".join(names[:SHOWN_NAMES]) + (" …" if len(names) > SHOWN_NAMES else "")
    text = _(finding.template, **fields)
    return text[:1].upper() + text[1:] if capital else text


def sentence(text: str) -> str:
    """``text`` ended with a full stop (not after an ellipsis or a stop it has)."""
    return text if text.endswith((".", "…")) else text + "."


def health_banner(data, study: Study | None, _: Tr, *, everything: bool = False) -> HealthReport:  # noqa: ANN001
    """Show what the health check found that this page's numbers depend on; return the report.

    ``data`` is ``views.common.Data``. Findings of severity "info" (a few incidents outside every
    settlement, which the page's own caption counts) are shown only with ``everything`` (the Data page).

    Incidents and boundaries of different places (all incidents outside, another continent, the demo's
    boundaries under imported incidents) give one warning that offers to import boundaries or to study the
    incidents on their own (the sidebar's area "Imported data"); the other findings one warning each.
    """
    report = health_report(data)
    chosen = study.filter if study is not None else st.session_state.get("filter")  # the sidebar's, without a study
    alone = getattr(chosen, "area", None) == OUTSIDE_AREA
    shown = [f for f in report.findings if f.code not in MISMATCH and (everything or f.severity != INFO)]
    places = data.boundaries
    mismatch = [f for f in report.findings if f.code in MISMATCH]
    # alone, the findings open the warning (a capital); otherwise they follow its first words
    found = "; ".join(finding_text(f, _, places=places, capital=alone and i == 0) for i, f in enumerate(mismatch))
    if alone:
        text = _("You are studying the incidents that lie outside every settlement on their own (area “Imported "
                 "data”): the map fits them, hot spots and density work, but no rate per 100,000 residents is "
                 "shown, since the workspace holds no population for their place.")
        if report.mismatched:
            st.warning(sentence(found) + " " + text, icon="⚠️")  # two sentences, each translated whole
            st.page_link(DATA_PAGE, label=_("Import boundaries (Data page)"), icon=":material/upload_file:")
        else:
            st.info(text)
    elif report.mismatched:
        st.warning(_("The incidents and the settlements describe different places: {found}. No rate here divides "
                     "these incidents by the settlements' population. Import the settlements of the incidents' place "
                     "on the Data page, or study the incidents on their own.", found=found), icon="⚠️")
        c1, c2 = st.columns(2)
        c1.page_link(DATA_PAGE, label=_("Import boundaries (Data page)"), icon=":material/upload_file:")
        c2.button(_("Study the imported incidents on their own"), key="health_alone",
                  on_click=_study_alone,
                  help=_("Shows the incidents outside every settlement over their own extent: hot spots and "
                         "density, no rates."))
    for finding in shown:
        if alone and finding.code in (OUTSIDE, NO_POPULATION):
            continue  # about the settlements, which this study leaves aside
        advice = ADVICE.get(finding.code)
        text = sentence(finding_text(finding, _, places=places, layers=data.layers)) + (" " + _(advice) if advice
                                                                                      else "")
        if finding.severity == INFO:
            st.info(text)
        else:
            st.warning(text, icon="⚠️")
        if finding.code == OTHER_CATEGORY and finding.suggestions:
            with st.expander(_("Categories the labels' words suggest")):
                st.dataframe(suggestion_table(finding, _, words=_category_words(data, _)), hide_index=True,
                             width="stretch")
                st.caption(_("Data page, Workspace tab: “Apply the suggestions” puts these incidents in the "
                             "suggested categories in one click."))
    return report


def suggestion_table(finding: Finding, _: Tr, *, words: dict[str, str] | None = None) -> pd.DataFrame:
    """The labels left in "other" whose words suggest a category, in the reader's words."""
    words = words or {}
    return pd.DataFrame({_("Label in the registry"): [s[0] for s in finding.suggestions],
                         _("Suggested category"): [words.get(s[1]) or _(CATEGORY_LABELS.get(s[1], s[1]))
                                                   for s in finding.suggestions],
                         _("Rows"): [_.int(s[2]) for s in finding.suggestions]})


def _study_alone() -> None:
    # a callback: it runs before the next run draws the sidebar, so the area selector may still be set
    st.session_state[AREA_KEY] = OUTSIDE_AREA


def _category_words(data, _: Tr) -> dict[str, str]:  # noqa: ANN001 - views.common.Data
    """The workspace's category names in the reader's language (its own list, where it keeps one)."""
    categories = getattr(data, "categories", None)
    return categories.labels(_) if categories is not None else {}
