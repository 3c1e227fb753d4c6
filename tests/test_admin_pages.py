"""The Users and Audit trail pages (issue 15, items 1 and 5) through Streamlit's AppTest (no browser).

Each test runs the page with a session holding an account, as a signed-in session does
(``views.auth.ACCOUNT_KEY``), over a copy of the demo municipalities whose accounts store holds that
account. The changes are checked in the accounts store itself (``geo.auth``), not on the page only.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import HOSTILE, ROOT
from english import english_words
from geo.auth import (SignInRefused, add_user, audit, get_account, list_accounts, open_accounts, read_audit,
                      set_role, verify)

pytestmark = pytest.mark.anonymous  # each test puts its own account in the session (or none)

ACCOUNT_KEY = "koopsuz_account"  # views.auth.ACCOUNT_KEY: what a signed-in session holds
ADMIN_PASSWORD = "admin-secret-1"
CMD = "=cmd|' /C calc'!A0"
REFUSAL = "Only an administrator of this municipality can open this page."
CODE = re.compile(r"`[^`]*`")


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A copy of the demo municipalities, with one administrator of every municipality in its accounts store."""
    where = tmp_path / "municipalities"
    where.mkdir()
    for gpkg in sorted((ROOT / "data" / "demo" / "municipalities").glob("*.gpkg")):
        shutil.copy(gpkg, where / gpkg.name)
    add_user(open_accounts(where), "boss", name="Aida Admin", password=ADMIN_PASSWORD, role="admin")
    monkeypatch.delenv("KOOPSUZ_DATABASE", raising=False)
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(where))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    return where


def page(folder: Path, name: str, username: str = "boss", *, lang: str | None = None) -> AppTest:
    """The page ``views/<name>.py`` run on its own, with ``username``'s account in the session."""
    at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=60)
    if username:
        at.session_state[ACCOUNT_KEY] = get_account(open_accounts(folder), username)
    if lang:
        at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> list[str]:
    out = [e.value for kind in ("title", "subheader", "caption", "markdown", "info", "warning", "error", "success")
           for e in getattr(at.main, kind)]
    out += [b.label for b in at.main.button]
    for kind in ("selectbox", "multiselect", "radio"):
        for w in getattr(at.main, kind):
            out += [w.label, *(str(o) for o in w.options)]
    out += [w.label for kind in ("text_input", "checkbox", "date_input") for w in getattr(at.main, kind)]
    for d in at.main.dataframe:
        out += [str(c) for c in d.value.columns]
        out += [str(v) for col in d.value.columns for v in d.value[col].astype(str)]
    return out


def add_through_form(at: AppTest, username: str, display: str, pw1: str, pw2: str | None = None,
                     role: str = "analyst", scope: str = "*") -> AppTest:
    at.text_input(key="u_add_name").input(username)
    at.text_input(key="u_add_display").input(display)
    at.text_input(key="u_add_pw1").input(pw1)
    at.text_input(key="u_add_pw2").input(pw1 if pw2 is None else pw2)
    at.selectbox(key="u_add_role").set_value(role)
    at.selectbox(key="u_add_scope").set_value(scope)
    at.button(key="u_add_go").click()
    at.run()
    assert not at.exception, at.exception
    return at


def password_kept(at: AppTest) -> list[str]:
    """The password fields whose text the session still holds after the page used it."""
    keys = ("u_add_pw1", "u_add_pw2", "u_reset_pw1", "u_reset_pw2")
    return [k for k in keys if k in at.session_state and at.session_state[k]]


def accounts_shown(at: AppTest) -> pd.DataFrame:
    return at.main.dataframe[0].value


# -- Users -------------------------------------------------------------------------------------------------------
def test_an_admin_adds_a_user_who_then_signs_in(folder):
    at = add_through_form(page(folder, "users"), "clerk", "Bakyt Clerk", "clerk-pass-9", role="analyst",
                          scope="bishkek")
    assert [s.value for s in at.success] == ["User clerk added."]
    store = open_accounts(folder)
    account = verify(store, "clerk", "clerk-pass-9")
    assert account.display_name == "Bakyt Clerk" and account.roles == {"bishkek": "analyst"}
    table = accounts_shown(at)
    row = table[table["User name"] == "clerk"].iloc[0]
    assert row["Full name"] == "Bakyt Clerk" and row["Roles"] == "Bishkek: analyst"
    assert table.loc[table["User name"] == "boss", "Roles"].item() == "every municipality: administrator"
    # the password is neither kept in the session nor shown; no column could hold a hash
    assert not password_kept(at)
    assert all("clerk-pass-9" not in t for t in texts(at))
    assert not any("hash" in c.lower() or "password" in c.lower() for c in table.columns)
    assert not any(str(v).startswith("$argon2") for v in table.to_numpy().ravel())
    event = read_audit(store, action="user_change").iloc[-1]
    assert (event["user"], event["what"]) == ("boss", "user clerk added")


def test_adding_refuses_different_passwords_and_a_short_one(folder):
    at = add_through_form(page(folder, "users"), "clerk", "Bakyt", "clerk-pass-9", "clerk-pass-8")
    assert [e.value for e in at.error] == ["The two passwords differ: type the same password twice."]
    assert not password_kept(at)
    at = add_through_form(at, "clerk", "Bakyt", "short")
    assert [e.value for e in at.error] == ["the password is too short: use at least 8 characters"]
    assert get_account(open_accounts(folder), "clerk") is None


def test_a_hostile_display_name_is_shown_as_text(folder):
    at = add_through_form(page(folder, "users"), "mallory", CMD, "mallory-pass")
    table = accounts_shown(at)
    assert table.loc[table["User name"] == "mallory", "Full name"].item() == CMD
    at = add_through_form(at, "img", "![a](http://host/x.png)", "img-pass-1")
    assert at.success[0].value == "User img added."
    table = accounts_shown(at)  # st.dataframe cells are text: the Markdown is shown as written, never fetched
    assert table.loc[table["User name"] == "img", "Full name"].item() == "![a](http://host/x.png)"
    assert get_account(open_accounts(folder), "mallory").display_name == CMD
    at = add_through_form(at, "script", HOSTILE, "script-pass")
    table = accounts_shown(at)
    assert table.loc[table["User name"] == "script", "Full name"].item() == HOSTILE
    assert "script (" + HOSTILE + ")" in at.selectbox(key="u_role_user").options  # an option's label is text too


def change_role(at: AppTest, user: str, scope: str, role: str, *, sure: bool = False) -> AppTest:
    """Fill the role form (it is emptied after each use: a confirmation is good for one change only)."""
    at.selectbox(key="u_role_user").set_value(user)
    at.selectbox(key="u_role_scope").set_value(scope)
    at.selectbox(key="u_role_role").set_value(role)
    if sure:
        at.checkbox(key="u_role_sure").check()
    at.button(key="u_role_go").click().run()
    assert not at.exception, at.exception
    return at


def switch_account(at: AppTest, user: str, *, sure: bool = False, enable: bool = False) -> AppTest:
    at.selectbox(key="u_dis_user").set_value(user)
    if sure:
        at.checkbox(key="u_dis_sure").check()
    at.button(key="u_en_go" if enable else "u_dis_go").click().run()
    assert not at.exception, at.exception
    return at


def test_role_change_and_its_removal_needs_confirmation(folder):
    store = open_accounts(folder)
    add_user(store, "clerk", name="Bakyt", password="clerk-pass-9", role="analyst", by="boss")
    at = change_role(page(folder, "users"), "clerk", "jeti-oguz", "viewer")
    assert [s.value for s in at.success] == ["Role of clerk changed."]
    assert get_account(store, "clerk").roles == {"*": "analyst", "jeti-oguz": "viewer"}
    table = accounts_shown(at)
    assert table.loc[table["User name"] == "clerk", "Roles"].item() == \
        "Jeti-Oguz: viewer; every municipality: analyst"
    # taking the role away: nothing happens without the confirmation
    at = change_role(at, "clerk", "*", "-")
    assert [w.value for w in at.warning] == ["Tick the confirmation to take the role away."]
    assert get_account(store, "clerk").roles == {"*": "analyst", "jeti-oguz": "viewer"}
    at = change_role(at, "clerk", "*", "-", sure=True)
    assert get_account(store, "clerk").roles == {"jeti-oguz": "viewer"}
    assert at.checkbox(key="u_role_sure").value is False  # the next removal needs its own confirmation
    changes = read_audit(store, action="role_change", user="boss")["what"].tolist()
    assert changes[-2:] == ["role of clerk set to viewer in jeti-oguz", "role of clerk in every municipality removed"]


def test_disable_needs_confirmation_and_stops_sign_in(folder):
    store = open_accounts(folder)
    add_user(store, "clerk", name="Bakyt", password="clerk-pass-9", role="viewer", by="boss")
    at = switch_account(page(folder, "users"), "clerk")
    assert [w.value for w in at.warning] == ["Tick the confirmation to disable the account."]
    assert not get_account(store, "clerk").disabled
    at = switch_account(at, "clerk", sure=True)
    assert [s.value for s in at.success] == ["User clerk disabled."]
    assert get_account(store, "clerk").disabled
    with pytest.raises(SignInRefused) as refused:
        verify(store, "clerk", "clerk-pass-9")
    assert refused.value.reason == "disabled"
    table = accounts_shown(at)
    assert table.loc[table["User name"] == "clerk", "Disabled"].item() == "yes"
    at = switch_account(at, "clerk", enable=True)
    assert [s.value for s in at.success] == ["User clerk enabled."]
    assert verify(store, "clerk", "clerk-pass-9").username == "clerk"


def test_an_admin_keeps_their_own_account_and_admin_role(folder):
    store = open_accounts(folder)
    at = switch_account(page(folder, "users"), "boss", sure=True)
    assert "You cannot disable your own account" in at.error[0].value
    own = "You cannot take your own administrator role away"
    for scope, role in (("*", "-"), ("*", "viewer"), ("bishkek", "analyst"), ("jeti-oguz", "public")):
        at = change_role(at, "boss", scope, role, sure=True)
        assert own in at.error[0].value, (scope, role)
    boss = get_account(store, "boss")
    assert not boss.disabled and boss.roles == {"*": "admin"}
    assert read_audit(store, user="boss", action=["role_change"]).empty
    # more roles for oneself are fine: an explicit administrator role changes nothing
    at = change_role(at, "boss", "bishkek", "admin")
    assert get_account(store, "boss").roles == {"*": "admin", "bishkek": "admin"}


def test_reset_a_password(folder):
    store = open_accounts(folder)
    add_user(store, "clerk", name="Bakyt", password="clerk-pass-9", role="viewer", by="boss")
    at = page(folder, "users")
    at.selectbox(key="u_reset_user").set_value("clerk")
    at.text_input(key="u_reset_pw1").input("brand-new-pass")
    at.text_input(key="u_reset_pw2").input("brand-new-pass")
    at.button(key="u_reset_go").click().run()
    assert not at.exception and "clerk" in at.success[0].value
    assert verify(store, "clerk", "brand-new-pass").username == "clerk"
    with pytest.raises(SignInRefused):
        verify(store, "clerk", "clerk-pass-9")
    assert not password_kept(at)
    assert all("brand-new-pass" not in t for t in texts(at))
    assert read_audit(store, action="user_change")["what"].iloc[-1] == "password of clerk reset"


def test_an_admin_of_one_municipality_gives_roles_only_there(folder):
    store = open_accounts(folder)
    add_user(store, "local", name="Local admin", password="local-pass-1", role="admin", municipality="jeti-oguz")
    add_user(store, "clerk", name="Bakyt", password="clerk-pass-9", role="viewer", municipality="jeti-oguz")
    at = AppTest.from_file(str(ROOT / "views" / "users.py"), default_timeout=60)
    at.session_state[ACCOUNT_KEY] = get_account(store, "local")
    at.session_state["m"] = "jeti-oguz"  # the municipality chosen in the sidebar
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="u_add_scope").options == ["Jeti-Oguz"]
    assert at.selectbox(key="u_role_user").options == ["clerk (Bakyt)", "local (Local admin)"]  # not boss


# -- who may open the pages --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["users", "audit"])
@pytest.mark.parametrize("role", ["analyst", "viewer", "public", None])
def test_other_roles_get_the_refusal_and_no_form(folder, name, role):
    store = open_accounts(folder)
    add_user(store, "someone", name="Someone", password="someone-pass", role=role)
    at = page(folder, name, "someone")
    assert [e.value for e in at.error] == [REFUSAL]
    assert len(at.text_input) == 0 and len(at.selectbox) == 0 and len(at.dataframe) == 0
    assert len(at.download_button) == 0


@pytest.mark.parametrize("name", ["users", "audit"])
def test_no_account_or_a_stale_admin_session_is_refused(folder, name):
    at = page(folder, name, "")
    assert [e.value for e in at.error] == [REFUSAL] and len(at.text_input) == 0
    # the session still says admin, but another administrator has taken the role away since
    store = open_accounts(folder)
    add_user(store, "former", name="Former admin", password="former-pass", role="admin")
    stale = get_account(store, "former")
    set_role(store, "former", "viewer", by="boss")
    at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=60)
    at.session_state[ACCOUNT_KEY] = stale
    at.run()
    assert [e.value for e in at.error] == [REFUSAL] and len(at.dataframe) == 0


@pytest.mark.parametrize("name", ["users", "audit"])
def test_a_viewer_switching_to_the_page_in_the_app_gets_no_form(folder, name):
    store = open_accounts(folder)
    add_user(store, "someone", name="Someone", password="someone-pass", role="viewer")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ACCOUNT_KEY] = get_account(store, "someone")
    at.run()
    try:
        at.switch_page(f"views/{name}.py").run()
    except ValueError:  # not registered for this session at all: the address leads nowhere
        return
    assert not [w for w in at.text_input if w.key and w.key.startswith("u_")]
    assert len(at.download_button) == 0 or all(b.key != "a_csv" for b in at.download_button)


# -- Audit trail -------------------------------------------------------------------------------------------------
def test_the_audit_page_lists_the_events_and_its_csv_runs_no_formula(folder, offered):
    store = open_accounts(folder)
    add_user(store, "clerk", name="Bakyt", password="clerk-pass-9", role="viewer", by="boss")
    with pytest.raises(SignInRefused):
        verify(store, "clerk", "wrong-password")
    audit(store, user="clerk", municipality="jeti-oguz", action="import", what=HOSTILE)
    audit(store, user="clerk", municipality="bishkek", action="export", what=f"{CMD}.csv")
    at = page(folder, "audit")
    shown = at.main.dataframe[0].value
    assert list(shown.columns) == ["Time (UTC)", "User", "Municipality", "Action", "What", "Outcome"]
    assert shown["Action"].iloc[0] == "file exported"  # newest first
    assert (shown["Municipality"].iloc[0], shown["What"].iloc[0]) == ("Bishkek", f"{CMD}.csv")
    assert "sign-in refused" in set(shown["Action"]) and "account changed" in set(shown["Action"])
    assert "user clerk added" in set(shown["What"]) and "wrong password" in set(shown["What"])
    assert shown.loc[shown["Action"] == "data imported", "What"].tolist() == [HOSTILE]  # shown as text
    # filtered by user and action
    at.selectbox(key="a_user").set_value("clerk").run()
    assert set(at.main.dataframe[0].value["User"]) == {"clerk"}
    at.selectbox(key="a_action").set_value("export").run()
    assert at.main.dataframe[0].value["What"].tolist() == [f"{CMD}.csv"]
    assert at.caption[-1].value.startswith("1 event in ")
    # the download: what the filter shows, every cell plain text for a spreadsheet
    data, file_name = offered[-1]
    assert re.fullmatch(r"audit_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv", file_name)
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame["what"].tolist() == [f"'{CMD}.csv"]
    assert not any(str(v).startswith(("=", "+", "-", "@")) for v in frame.to_numpy().ravel())
    # by municipality: one of them; events of none (sign-ins, account changes); a period before them all
    at.selectbox(key="a_user").set_value("").run()
    at.selectbox(key="a_action").set_value("").run()
    at.selectbox(key="a_place").set_value("jeti-oguz").run()
    assert at.main.dataframe[0].value["What"].tolist() == [HOSTILE]
    at.selectbox(key="a_place").set_value("-").run()
    assert set(at.main.dataframe[0].value["Action"]) == {"account changed", "sign-in refused"}
    before = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)
    at.date_input(key="a_from").set_value(before - dt.timedelta(days=5))
    at.date_input(key="a_to").set_value(before).run()
    assert at.main.dataframe[0].value.empty and at.caption[-1].value.startswith("0 events in ")


@pytest.fixture
def offered(monkeypatch) -> list[tuple[bytes, str]]:
    """Every file a page offers for download, as Streamlit stores it for the browser (bytes, file name)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: list[tuple[bytes, str]] = []
    keep = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202
        files.append((path_or_data, filename))
        return keep(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return files


def test_the_audit_download_is_itself_audited(folder):
    at = page(folder, "audit")
    at.download_button(key="a_csv").click().run()
    assert not at.exception, at.exception
    event = read_audit(open_accounts(folder), action="export").iloc[-1]
    assert event["user"] == "boss" and event["what"].startswith("audit_") and event["what"].endswith(".csv")


def test_the_audit_page_refuses_a_last_day_before_the_first(folder):
    at = page(folder, "audit")
    today = dt.datetime.now(dt.UTC).date()
    at.date_input(key="a_from").set_value(today)
    at.date_input(key="a_to").set_value(today - dt.timedelta(days=2)).run()
    assert "before the first day" in at.error[0].value and len(at.dataframe) == 0


# -- languages ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["ru", "ky"])
@pytest.mark.parametrize("name", ["users", "audit"])
def test_the_admin_pages_speak_the_language(folder, name, lang):
    store = open_accounts(folder)
    add_user(store, "clerk", name="Бакыт", password="clerk-pass-9", role="viewer", municipality="bishkek",
             by="boss")
    with pytest.raises(SignInRefused):
        verify(store, "clerk", "wrong-password")
    at = page(folder, name, lang=lang)
    # user names and names are the users' own text (user names Latin by rule): they are not words of the page;
    # UTC is the name of the time standard (the sign-in messages of geo.auth write it too)
    own = {w.lower() for a in list_accounts(store) for w in english_words(f"{a.username} {a.display_name}")}
    own.add("utc")
    bad = [(t[:100], sorted(w for w in english_words(CODE.sub(" ", t)) if w.lower() not in own)) for t in texts(at)]
    bad = [b for b in bad if b[1]]
    assert not bad, f"English words on the {lang} {name} page: {bad}"
    assert any(re.search("[а-яңөү]", t) for t in texts(at))
    if name == "audit":  # the role change names the municipality as the reader calls it, not by its key
        what = set(at.main.dataframe[0].value.iloc[:, 4])
        assert any("clerk" in w and "Бишкек" in w and "bishkek" not in w for w in what), what


# -- the other store, and the test sessions of the other pages ---------------------------------------------------
def test_the_admin_pages_on_postgis(pg, monkeypatch):
    """The accounts in the database's own schema: an admin adds a user, who signs in; the audit page lists it."""
    pg.reset()
    monkeypatch.delenv("KOOPSUZ_WORKSPACE", raising=False)
    monkeypatch.setenv("KOOPSUZ_DATABASE", pg.url)
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    store = open_accounts(pg.url)
    add_user(store, "boss", name="Aida Admin", password=ADMIN_PASSWORD, role="admin")
    at = AppTest.from_file(str(ROOT / "views" / "users.py"), default_timeout=120)
    at.session_state[ACCOUNT_KEY] = get_account(store, "boss")
    at.run()
    assert not at.exception, at.exception
    at = add_through_form(at, "clerk", "Bakyt Clerk", "clerk-pass-9", role="viewer", scope="jeti-oguz")
    assert [s.value for s in at.success] == ["User clerk added."]
    assert verify(store, "clerk", "clerk-pass-9").roles == {"jeti-oguz": "viewer"}
    at = AppTest.from_file(str(ROOT / "views" / "audit.py"), default_timeout=120)
    at.session_state[ACCOUNT_KEY] = get_account(store, "boss")
    at.run()
    assert not at.exception, at.exception
    shown = at.main.dataframe[0].value
    assert shown["Action"].tolist()[:2] == ["signed in", "role changed"]
    assert "role of clerk set to viewer in Jeti-Oguz" in set(shown["What"])


def test_an_administrator_the_app_made_opens_the_pages(folder):
    """A session's administrator that is not in the accounts store (as the test sessions of the other pages)."""
    from geo.auth import Account

    for name in ("users", "audit"):
        at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=60)
        at.session_state[ACCOUNT_KEY] = Account("tester", "Test administrator", roles={"*": "admin"})
        at.run()
        assert not at.exception and not at.error, (at.exception, at.error)
        assert len(at.main.dataframe) == 1


def test_an_admin_links_and_unlinks_a_single_sign_on_identity(folder):
    from geo.auth.sso import identities, sso_sign_in

    store = open_accounts(folder)
    add_user(store, "clerk", name="Bakyt", password="clerk-pass-9", role="viewer", by="boss")
    at = page(folder, "users")
    assert any("No single sign-on provider is set" in c.value for c in at.caption)  # none configured in tests
    at.selectbox(key="u_sso_user").set_value("clerk")
    at.text_input(key="u_sso_identity").input(" Bakyt@Example.org ")
    at.button(key="u_sso_link").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert identities(store).to_dict("records") == [{"identity": "bakyt@example.org", "username": "clerk"}]
    assert sso_sign_in(store, {"email": "bakyt@example.org", "role": "admin"}).role_for("bishkek") == "viewer"
    shown = at.dataframe[-1].value
    assert list(shown.iloc[:, 0]) == ["bakyt@example.org"]
    at.text_input(key="u_sso_identity").input("bakyt@example.org")
    at.button(key="u_sso_unlink").click().run()
    assert not at.exception and identities(store).empty
    at.text_input(key="u_sso_identity").input(CMD)
    at.button(key="u_sso_unlink").click().run()
    assert "is not linked to any account" in at.error[0].value
    whats = list(read_audit(store, action="user_change")["what"])
    assert "single sign-on identity bakyt@example.org unlinked from clerk" in whats
