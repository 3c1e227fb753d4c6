"""Who may see what: the sign-in form first, roles per municipality, the demo session, idle sessions.

AppTest sessions that start signed out (``anonymous``), as a new browser does; the accounts are real
(argon2 hashes in the workspace folder's accounts store, geo.auth).
"""

from __future__ import annotations

import shutil
import time

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from conftest import ROOT, tiny_layers
from geo.auth import add_user, open_accounts, read_audit, set_role
from geo.io.store import Workspace
from geo.schema import require_valid

pytestmark = pytest.mark.anonymous
DEMO_MUNICIPALITIES = ROOT / "data" / "demo" / "municipalities"
PASSWORD = "correct horse battery"


@pytest.fixture
def folder(tmp_path):
    """Two municipalities of real (not demo) data, and three accounts."""
    where = tmp_path / "workspaces"
    layers = {k: require_valid(v, k) for k, v in tiny_layers().items()}
    Workspace(where / "north.gpkg").write(layers, meta={"municipality": "North"})
    Workspace(where / "south.gpkg").write(layers, meta={"municipality": "South"})
    accounts = open_accounts(where)
    add_user(accounts, "ana", name="Ana Analyst", password=PASSWORD, role="analyst", municipality="north")
    add_user(accounts, "vic", name="Vic Viewer", password=PASSWORD, role="viewer", municipality="north")
    set_role(accounts, "vic", "analyst", municipality="south")
    add_user(accounts, "adm", name="Ada Admin", password=PASSWORD, role="admin")
    return where


def app(monkeypatch, where) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(where))
    monkeypatch.delenv("KOOPSUZ_DATABASE", raising=False)
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, user: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="si_user").set_value(user)
    at.text_input(key="si_password").set_value(password)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    return at


def test_a_signed_out_session_gets_the_sign_in_form_only(monkeypatch, folder):
    at = app(monkeypatch, folder)
    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.metric and [s.key for s in at.selectbox] == ["lang"] and not at.multiselect and not at.radio
    assert "koopsuz_account" not in at.session_state
    for page in ("views/data.py", "views/overview.py", "views/planner.py"):  # nor by address
        at.switch_page(page).run()
        assert [t.value for t in at.title] == ["Sign in"] and not at.metric and not at.file_uploader


def test_a_viewer_gets_the_viewer_pages_and_an_analyst_role_elsewhere(monkeypatch, folder):
    at = sign_in(app(monkeypatch, folder), "vic")
    assert at.session_state["koopsuz_account"].username == "vic"
    assert at.selectbox(key="m").options == ["North", "South"]  # both: a role in each
    assert at.selectbox(key="m").value == "north"
    assert [m.label for m in at.metric][:1] == ["Incidents"]
    # a viewer's session has no analyst page registered: no address reaches one
    for page in ("views/data.py", "views/planner.py", "views/municipalities.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    # the same account is an analyst in South: the Data page opens there, for adding rows only
    at.selectbox(key="m").set_value("south").run()
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Data"] and at.file_uploader


def test_roles_per_page(monkeypatch, folder):
    """Analyst: Planner and Data (adding only, no start-again); administrator: everything."""
    at = sign_in(app(monkeypatch, folder), "ana")
    assert "m" not in [s.key for s in at.selectbox]  # a role in North only: no choice of municipality
    at.switch_page("views/planner.py").run()
    assert not at.exception and [t.value for t in at.title] == ["Planner"]
    at.switch_page("views/data.py").run()
    assert not [e for e in at.expander if "Start again from the demo" in e.label]
    at = sign_in(app(monkeypatch, folder), "adm")
    at.switch_page("views/data.py").run()
    assert not at.exception and [t.value for t in at.title] == ["Data"]


def test_twenty_wrong_passwords_lock_the_account_and_are_audited(monkeypatch, folder):
    at = app(monkeypatch, folder)
    for _ in range(20):
        sign_in(at, "ana", "Tr0ub4dor-guess")
    assert "koopsuz_account" not in at.session_state
    assert any("locked" in e.value for e in at.error), [e.value for e in at.error]
    sign_in(at, "ana")  # the right password while locked: still refused
    assert "koopsuz_account" not in at.session_state
    log = read_audit(open_accounts(folder), user="ana")
    assert (log["action"] == "sign_in_failed").sum() >= 20 and (log["action"] == "locked").sum() >= 1
    assert not log["what"].astype(str).str.contains("Tr0ub4dor").any()  # never the password typed
    # an unknown user gets the same words as a wrong password
    unknown = sign_in(app(monkeypatch, folder), "nobody", "x" * 12).error[0].value
    wrong = sign_in(app(monkeypatch, folder), "vic", "x" * 12).error[0].value
    assert unknown == wrong


def test_an_idle_session_is_signed_out(monkeypatch, folder):
    monkeypatch.setenv("KOOPSUZ_IDLE_MINUTES", "5")
    at = sign_in(app(monkeypatch, folder), "ana")
    assert at.session_state["koopsuz_account"].username == "ana"
    at.session_state["koopsuz_seen"] = time.monotonic() - 6 * 60
    at.run()
    assert "koopsuz_account" not in at.session_state and [t.value for t in at.title] == ["Sign in"]
    assert any("5 minutes without activity" in i.value for i in at.info)


@pytest.fixture
def loopback():
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")
    yield
    st_config.set_option("server.address", before)


def test_make_run_on_the_demo_opens_at_once_and_real_data_asks_for_an_account(monkeypatch, tmp_path, loopback):
    if not (DEMO_MUNICIPALITIES / "bishkek.gpkg").is_file():
        pytest.skip("the demo municipalities are built by `make demo`")
    where = tmp_path / "workspaces"
    shutil.copytree(DEMO_MUNICIPALITIES, where)
    at = app(monkeypatch, where)  # loopback, demo data, no account: the demo session
    assert at.session_state["koopsuz_account"].username == "demo" and at.metric
    assert any("Demo session without an account" in c.value for c in at.sidebar.caption)
    # real data in one municipality: a new session needs an account, and there is none yet
    layers = {k: require_valid(v, k) for k, v in tiny_layers().items()}
    Workspace(where / "bishkek.gpkg").write(layers, meta={"municipality": "Bishkek"}, fresh=True)
    at = app(monkeypatch, where)
    assert [t.value for t in at.title] == ["Sign in"]
    assert any("No accounts yet" in w.value for w in at.warning)


def test_a_database_always_asks_who_is_reading(monkeypatch, pg, loopback):
    """The demo's workspaces in PostGIS, on the loopback address: still the sign-in form, with no demo button.

    A database is a deployment, and its replicas listen on the loopback address behind a proxy (deploy/).
    """
    if not (DEMO_MUNICIPALITIES / "bishkek.gpkg").is_file():
        pytest.skip("the demo municipalities are built by `make demo`")
    from geo.io.workspaces import copy_workspace, with_schema

    pg.reset()
    copy_workspace(DEMO_MUNICIPALITIES / "bishkek.gpkg", with_schema(pg.url, "bishkek"))
    monkeypatch.setenv("KOOPSUZ_DATABASE", pg.url)
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert "koopsuz_account" not in at.session_state
    assert not [b for b in at.button if b.key == "si_demo"]


def test_one_address_trying_many_accounts_is_refused_for_a_while(monkeypatch, folder):
    """Password spraying: 20 failed sign-ins from one address over several accounts, then even a right
    password from that address waits (the accounts themselves are not locked by it)."""
    at = app(monkeypatch, folder)
    for i in range(20):
        sign_in(at, ("ana", "vic", "adm", "nobody", "noone")[i % 5], f"guess number {i}")  # 4 per account
        assert not any("Too many wrong sign-ins" in e.value for e in at.error), i
    sign_in(at, "adm")  # the right password, from the address that failed 20 times
    assert "koopsuz_account" not in at.session_state
    assert any("Too many wrong sign-ins from this address. Try again in 15 minutes." in e.value for e in at.error)
    log = read_audit(open_accounts(folder))
    assert (log["action"] == "sign_in_failed").sum() == 20  # the refused 21st wrote nothing
    assert (log["action"] == "locked").sum() == 0  # four guesses per account: none locked by its own count
