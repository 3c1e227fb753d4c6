"""Municipalities: every municipality of the current location side by side, for a national coordinator.

The figures are :func:`geo.report.municipalities.compare_municipalities` (what each municipality's own pack
would say for the year); the small maps and the printable page are the same geo functions the PDF uses, so
the screen and the paper agree.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo.io.workspaces import list_municipalities
from geo.report.municipalities import (comparison_pdf, comparison_png, comparison_table, compare_municipalities,
                                       settlement_rates, table_note, years_of)
from geo.report.study import read_layers
from geo.auth import role_at_least, role_for
from views.auth import ACCOUNT_KEY, require
from views.common import allowed_municipalities, localized, store, tr, workspace_location

_ = tr()
require("analyst")  # app.py registers this page for analysts only; an address cannot reach it


# Cached by where each workspace is and its version (an import anywhere makes a new key), never by language.
@st.cache_resource(show_spinner=False, max_entries=32)
def _layers(where: str, version: object) -> dict:
    return read_layers(where)


@st.cache_data(show_spinner=False, max_entries=16)
def _figures(key: tuple, year: int | None, _workspaces: dict) -> tuple[pd.DataFrame, dict, int]:
    rows = compare_municipalities(_workspaces, year=year)
    maps = {k: settlement_rates(layers, year=rows.attrs["year"]) for k, layers in _workspaces.items()}
    return rows, maps, int(rows.attrs["year"])


@st.cache_data(show_spinner=False, max_entries=12)
def _printed(key: tuple, year: int, lang: str, kind: str, _rows: pd.DataFrame, _maps: dict) -> bytes:
    # the printed words depend on the language; the figures under them were computed once (_figures)
    make = comparison_pdf if kind == "pdf" else comparison_png
    return make(_rows, _maps, lang=lang, date=dt.date.today())


def allowed_keys() -> set[str]:
    """The municipalities this account may compare: where it is an analyst or more."""
    account = st.session_state.get(ACCOUNT_KEY)
    return {m.key for m in allowed_municipalities() if role_at_least(role_for(account, m.key), "analyst")}


st.title(_("Municipalities"))
where = workspace_location()  # a folder of municipalities, one workspace file or a PostgreSQL address
try:
    found = [m for m in list_municipalities(where) if m.key in allowed_keys()]
except Exception as exc:  # noqa: BLE001 - a database out of reach or a broken file: say it, do not crash
    st.error(_.message(str(exc)))
    st.stop()
if not found:
    st.warning(_("No municipality's workspace at `{path}`.", path=where))
    st.stop()

workspaces, versions = {}, []
with st.spinner(_("Opening the workspaces…")):
    for m in found:
        try:
            version = store(m.location).version()
            workspaces[m.key] = _layers(m.location, version)
        except Exception as exc:  # noqa: BLE001 - one broken workspace leaves the others on the page
            st.error(_("{name}: {reason}", name=m.name, reason=_.message(str(exc))))
            continue
        versions.append((m.key, m.location, version))
if not workspaces:
    st.stop()

st.caption(_("For a national or regional coordinator: each municipality's figures for one year, as its own "
             "action-plan pack counts them. The sidebar's filters do not apply here: each municipality is taken "
             "whole. Click a column's header to sort."))
if len(workspaces) == 1:
    st.info(_("There is only one municipality at this location, so there is nothing to compare it with yet; "
              "its figures are below."))

years = years_of(workspaces)
year = st.selectbox(_("Year"), years, key="muni_year", format_func=str) if years else None
key = tuple(versions)
rows, maps, year = _figures(key, year, workspaces)
rows.attrs["year"] = year  # kept through the cache whatever pandas does with attrs

table = comparison_table(rows, lang=_.lang)
st.dataframe(localized(table, _), hide_index=True, width="stretch", key="muni_table")
st.caption(table_note(_, rows))

png = _printed(key, year, _.lang, "png", rows, maps)
st.image(png, caption=_("Settlements by incidents per 100,000 residents a year in {year}; one colour scale for "
                        "every municipality.", year=str(year)), width="stretch")
stem = _("municipalities")
c1, c2 = st.columns(2)
c1.download_button(_("Download the printable page (PDF)"), _printed(key, year, _.lang, "pdf", rows, maps),
                   f"{stem}_{year}.pdf", "application/pdf", key="muni_pdf")
c2.download_button(_("Download the maps (PNG)"), png, f"{stem}_{year}.png", "image/png", key="muni_png")
