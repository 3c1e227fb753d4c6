"""The workspace's categories on the Data page: counts, names in three languages, add, merge, plan priorities.

The Data page calls :func:`categories_section`; every change is one call into :mod:`geo.io.categories`
(one atomic write of the workspace), after which every page reads the list anew.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.categories import OTHER, CategoryList
from geo.i18n import Tr
from geo.io.categories import (merge_categories, read_categories, recategorize, suggest_categories,
                               write_categories)
from geo.io.store import Workspace, WorkspaceError
from views.common import localized, tr

# How many labels now in "other" the section lists with a suggestion.
TOP_OTHER = 10


def _saved(_: Tr, text: str) -> None:
    """After a write: every page reads the workspace anew, and this page shows the change."""
    st.cache_resource.clear()
    st.session_state["cat_done"] = text
    st.rerun()


def _names_in(lst: CategoryList, key: str) -> tuple[str, str, str]:
    """The category's names in English, Russian and Kyrgyz as shown now (the starting values of the form)."""
    return lst.label(key, "en"), lst.label(key, "ru"), lst.label(key, "ky")


def categories_section(ws: Workspace) -> None:
    """The categories of the workspace: a table with counts, and forms to rename, add, merge and mark priorities."""
    _ = tr()
    lst = read_categories(ws) if ws.exists else CategoryList.of(None)
    inc = ws.read("incidents") if ws.exists else pd.DataFrame({"category": [], "raw_category": []})
    counts = inc["category"].astype("string").value_counts() if "category" in inc else pd.Series(dtype=int)

    st.subheader(_("Categories"))
    st.caption(_("The workspace's own list of crime categories. Rename them in the three languages, add new ones, "
                 "merge two into one and mark the priorities of your action plan: every page, map and the "
                 "printed pack follow this list."))
    done = st.session_state.pop("cat_done", None)
    if done:
        st.success(done)
    table = pd.DataFrame({
        _("Category"): [lst.label(k, _) for k in lst.keys],
        _("Incidents"): [int(counts.get(k, 0)) for k in lst.keys],
        _("Plan priority"): [_("yes") if k in lst.priorities else "" for k in lst.keys],
    })
    st.dataframe(localized(table, _), hide_index=True, width="stretch")

    def word(k: str) -> str:
        return lst.label(k, _)

    def write(change: CategoryList, text: str) -> None:
        try:
            write_categories(ws, change)
        except (WorkspaceError, ValueError) as exc:
            st.error(_.message(str(exc)))
            return
        _saved(_, text)

    with st.expander(_("Rename a category")):
        key = st.selectbox(_("Category"), list(lst.keys), format_func=word, key="cat_rename")
        en, ru, ky = _names_in(lst, key)
        c1, c2, c3 = st.columns(3)
        new_en = c1.text_input(_("Name in English"), en, key=f"cat_en_{key}")
        new_ru = c2.text_input(_("Name in Russian"), ru, key=f"cat_ru_{key}")
        new_ky = c3.text_input(_("Name in Kyrgyz"), ky, key=f"cat_ky_{key}")
        if st.button(_("Rename"), key="cat_rename_go"):
            if (new_en, new_ru, new_ky) == (en, ru, ky):
                st.info(_("The names are unchanged."))
            else:
                shown = {"ru": new_ru, "ky": new_ky}.get(_.lang) or new_en
                write(lst.rename(key, label=new_en, label_ru=new_ru, label_ky=new_ky),
                      _("The category is renamed: {name}.", name=shown))

    with st.expander(_("Add a category")):
        c1, c2, c3 = st.columns(3)
        add_en = c1.text_input(_("Name in English"), key="cat_add_en")
        add_ru = c2.text_input(_("Name in Russian"), key="cat_add_ru")
        add_ky = c3.text_input(_("Name in Kyrgyz"), key="cat_add_ky")
        if st.button(_("Add"), key="cat_add_go", disabled=not (add_en or add_ru or add_ky).strip()):
            name = (add_en or add_ru or add_ky).strip()
            try:
                grown = lst.add(name, label_ru=add_ru, label_ky=add_ky)
            except ValueError as exc:
                st.error(_.message(str(exc)))
            else:
                write(grown, _("The category is added: {name}.", name=name))

    with st.expander(_("Merge two categories")):
        st.caption(_("Every incident of the first category moves to the second, and the first leaves the list. "
                     "The saved mapping of registry labels follows."))
        movable = [k for k in lst.keys if k != OTHER]
        c1, c2 = st.columns(2)
        source = c1.selectbox(_("Merge this category"), movable, format_func=word, key="cat_merge_from")
        targets = [k for k in lst.keys if k != source]
        target = c2.selectbox(_("into this one"), targets, format_func=word, key="cat_merge_into")
        if st.button(_("Merge"), key="cat_merge_go", disabled=not movable):
            try:
                merge_categories(ws, source, target)
            except (WorkspaceError, ValueError) as exc:
                st.error(_.message(str(exc)))
            else:
                _saved(_, _("“{source}” is merged into “{target}”.", source=word(source), target=word(target)))

    with st.expander(_("Priorities of the action plan")):
        st.caption(_("The printed pack draws one hot spot map for each priority. With none marked, it takes the "
                     "most frequent categories."))
        picked = st.multiselect(_("Priorities"), list(lst.keys), default=list(lst.priorities), format_func=word,
                                key="cat_priorities", placeholder=_("Choose categories"))
        if st.button(_("Save the priorities"), key="cat_priorities_go"):
            write(lst.mark_priorities(picked), _("The priorities are saved."))

    other_labels = (inc.loc[inc["category"] == OTHER, "raw_category"]
                    if {"category", "raw_category"} <= set(inc.columns) else pd.Series(dtype="string"))
    top = suggest_categories(other_labels, categories=lst).head(TOP_OTHER)
    if len(top):
        with st.expander(_.plural("Labels now in “Other” ({n} incident)", "Labels now in “Other” ({n} incidents)",
                                  int(len(other_labels))),
                         expanded=len(other_labels) > 0.25 * max(len(inc), 1)):
            st.caption(_("The commonest registry labels without a category, with the category their words "
                         "suggest. A label nothing fits stays in Other."))
            shown = pd.DataFrame({_("Label in the registry"): top["label"], _("Incidents"): top["rows"],
                                  _("Suggested category"): top["suggested"].map(word)})
            st.dataframe(localized(shown, _), hide_index=True, width="stretch")
            fits = {lab: cat for lab, cat in zip(top["label"], top["suggested"], strict=True) if cat != OTHER}
            if st.button(_("Apply the suggestions"), key="cat_suggest_go", disabled=not fits):
                try:
                    moved = recategorize(ws, fits)
                except (WorkspaceError, ValueError) as exc:
                    st.error(_.message(str(exc)))
                else:
                    _saved(_, _.plural("{n} incident has its suggested category now.",
                                       "{n} incidents have their suggested categories now.", moved))



def keep_own_labels() -> bool:
    """The import option "keep the file's own labels as categories" (for the Data page's import form)."""
    _ = tr()
    return st.toggle(_("Keep the file's own labels as categories"), key="imp_own_labels",
                     help=_("Each distinct offence label of the file becomes a category of its own, named as in "
                            "the file, instead of being mapped to the list's categories."))
