"""Published: the maps and packs analysts published, as each reader's role may read them (issue 15, item 4).

Every role reaches this page; an account with the public role reaches only this one, and its session reads
no incident at all (``app.py`` loads no data for it): only the publications' files, made once from masked
data (:mod:`geo.publish`). A viewer reads what was published for viewers and for everyone; the public what
was published for everyone. Analysts and administrators also see who published each one and may withdraw
it (audited). A file is read from the store only when its button is pressed.
"""

from __future__ import annotations

import functools

import streamlit as st

from geo.i18n import markdown_escape
from geo.publish import Publication, publication_file, publications, withdraw
from geo.auth import role_at_least
from geo.io.store import WorkspaceError
from views.auth import ACCOUNT_KEY, current_role, record
from views.common import current_workspace, store, tr

DONE_KEY = "pub_done"


@st.cache_data(show_spinner=False, max_entries=16, ttl=600)
def listed(location: str, version: tuple, role: str | None) -> list[Publication]:
    """The publications ``role`` may read, read once per workspace version (the files are not kept here)."""
    return publications(store(location), role=role)


@st.cache_data(show_spinner=False, max_entries=32)
def preview(location: str, pub_id: str, name: str, role: str | None) -> bytes:
    """A publication's picture: frozen once published, so kept by its id."""
    return publication_file(store(location), pub_id, name, role=role)


def size_words(size: int) -> str:
    _ = tr()
    return _("{n} MB", n=_.num(size / 1e6, 1)) if size >= 1e6 else _("{n} kB", n=_.int(max(1, round(size / 1e3))))


def audience_words(audience: str) -> str:
    _ = tr()
    return {"viewer": _("viewers of this municipality"), "public": _("everyone (the public)")}.get(audience, audience)


def lang_words(lang: str) -> str:
    _ = tr()
    return {"ru": _.ctx("in the language", "Russian"), "ky": _.ctx("in the language", "Kyrgyz"),
            "en": _.ctx("in the language", "English")}.get(lang, lang)


_ = tr()
account = st.session_state[ACCOUNT_KEY]
role = current_role(account)
if role is None:  # app.py shows no page then; a page run on its own reads nothing either
    st.stop()
ws = current_workspace()
st.title(_("Published"))
st.caption(_("Maps and action-plan packs published for this municipality's readers. Each was made once, from "
             "data with the exact places, descriptions and registry numbers removed, and stays as it was made."))
if done := st.session_state.pop(DONE_KEY, None):
    st.success(done)
try:
    items = listed(ws.location, tuple(ws.version()), role)
except WorkspaceError as exc:
    st.error(_.message(str(exc)))
    st.stop()
if not items:
    st.info(_("Nothing is published here yet.") + (" " + _("Analysts publish maps and packs on the Export page.")
                                                    if role_at_least(role, "analyst") else ""))
    st.stop()

editor = role_at_least(role, "analyst")
for p in items:
    with st.container(border=True):
        st.subheader(markdown_escape(p.title))
        when = _.date(p.published_at.date())
        line = _("Published on {date} for {audience}, in {lang}.", date=when, audience=audience_words(p.audience),
                 lang=lang_words(p.lang))
        if editor:
            line += " " + _("By {user}.", user=p.published_by)
        st.caption(line)
        if p.params.get("subtitle"):
            st.caption(markdown_escape(str(p.params["subtitle"])))
        for text in p.params.get("privacy_lines", []):
            st.caption(markdown_escape(str(text)))
        png = [(name, media) for name, media, _size in p.files if media == "image/png"]
        if png:
            st.image(preview(ws.location, p.pub_id, png[0][0], role), width=720)
        cols = st.columns(max(len(p.files), 1))
        for i, (name, media, size) in enumerate(p.files):
            cols[i].download_button(
                _("Download {file} ({size})", file=name, size=size_words(size)),
                functools.partial(publication_file, ws, p.pub_id, name, role=role), name, media,
                key=f"pub_dl_{p.pub_id}_{i}", on_click="ignore")
        if editor:
            sure = st.checkbox(_("Yes, withdraw this publication for every reader"), key=f"pub_sure_{p.pub_id}")
            if st.button(_("Withdraw"), key=f"pub_withdraw_{p.pub_id}", disabled=not sure):
                try:
                    withdraw(ws, p.pub_id, by=account.username)
                except (KeyError, WorkspaceError) as exc:
                    st.error(_.message(str(exc.args[0] if isinstance(exc, KeyError) else exc)))
                    st.stop()
                record(account, "withdraw", f"{p.pub_id}: {p.title}")
                listed.clear()
                st.session_state[DONE_KEY] = _("Withdrawn: {title}. Nobody can read it any more.", title=p.title)
                st.rerun()
