"""Single sign-on (geo.auth.sso, views.auth): a provider's identity signs in as the local account linked to it.

The browser test runs a real OpenID Connect provider (oidc-provider-mock: discovery, authorization form,
tokens, signed ID tokens) and the app with Streamlit's ``st.login`` configured against it, in headless Chromium.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import urllib.request

import pytest
from argon2 import PasswordHasher

from browser_support import ARTIFACTS, Session, browser, demo_folder, free_port, running_app, tile_server  # noqa: F401
from conftest import ROOT
from geo.auth import AuthError, SignInRefused, add_user, disable, open_accounts, read_audit, set_role
from geo.auth.sso import identities, link_identity, sso_sign_in, unlink_identity

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PASSWORD = "Correct-Horse-7"  # noqa: S105 - a test password


def test_a_linked_identity_signs_in_with_its_local_roles_and_a_role_claim_gives_nothing(new_store):
    store = new_store("sso")
    add_user(store, "aigul", name="Aigul", password=PASSWORD, role="viewer", hasher=FAST)
    set_role(store, "aigul", "analyst", municipality="bishkek")
    link_identity(store, "aigul", "  Aigul@Bishkek.Example ", by="admin", now=T0)
    assert identities(store).to_dict("records") == [{"identity": "aigul@bishkek.example", "username": "aigul"}]
    claims = {"sub": "f81d4fae", "email": "AIGUL@bishkek.example", "role": "admin", "roles": ["admin"],
              "groups": ["koopsuz-admins"]}
    account = sso_sign_in(store, claims, now=T0)
    assert account.username == "aigul"
    assert account.role_for("bishkek") == "analyst" and account.role_for("jeti-oguz") == "viewer"
    log = read_audit(store)
    assert list(log["action"])[-2:] == ["user_change", "sign_in"]  # the link, then the sign-in
    assert log["what"].iloc[-1] == "single sign-on as aigul@bishkek.example"
    assert "single sign-on identity aigul@bishkek.example linked to aigul" in set(log["what"])


def test_unknown_identities_and_disabled_accounts_are_refused_and_audited(new_store):
    store = new_store("sso")
    add_user(store, "bakyt", name="Bakyt", password=PASSWORD, role="analyst", hasher=FAST)
    link_identity(store, "bakyt", "bakyt@example.org")
    with pytest.raises(SignInRefused) as unknown:
        sso_sign_in(store, {"sub": "x1", "email": "stranger@example.org", "role": "admin"}, now=T0)
    assert unknown.value.reason == "wrong" and "stranger@example.org has no account here" in str(unknown.value)
    disable(store, "bakyt")
    with pytest.raises(SignInRefused) as off:
        sso_sign_in(store, {"sub": "x2", "email": "bakyt@example.org"}, now=T0)
    assert off.value.reason == "disabled"
    failed = read_audit(store, action="sign_in_failed")
    assert list(failed["what"]) == ["single sign-on: stranger@example.org is linked to no account", "account disabled"]
    assert read_audit(store, action="sign_in").empty


def test_an_unverified_e_mail_is_not_trusted_but_the_subject_is(new_store):
    store = new_store("sso")
    add_user(store, "cholpon", name="Cholpon", password=PASSWORD, role="viewer", hasher=FAST)
    add_user(store, "daniyar", name="Daniyar", password=PASSWORD, role="admin", hasher=FAST)
    link_identity(store, "cholpon", "sub-123")
    link_identity(store, "daniyar", "daniyar@example.org")
    # a provider that lets anyone type any e-mail marks it unverified: it must not sign in as its owner
    account = sso_sign_in(store, {"sub": "sub-123", "email": "daniyar@example.org", "email_verified": False})
    assert account.username == "cholpon"
    with pytest.raises(SignInRefused):
        sso_sign_in(store, {"sub": "nobody", "email": "daniyar@example.org", "email_verified": "false"})


def test_links_are_one_account_each_and_can_be_undone(new_store):
    store = new_store("sso")
    add_user(store, "erkin", name="Erkin", password=PASSWORD, hasher=FAST)
    add_user(store, "farida", name="Farida", password=PASSWORD, hasher=FAST)
    link_identity(store, "erkin", "shared@example.org")
    link_identity(store, "erkin", "shared@example.org")  # again: nothing changes, nothing is logged twice
    with pytest.raises(AuthError, match="already signs in as erkin"):
        link_identity(store, "farida", "Shared@example.org")
    with pytest.raises(AuthError, match="there is no user ghost"):
        link_identity(store, "ghost", "ghost@example.org")
    with pytest.raises(AuthError, match="cannot be a sign-on identity"):
        link_identity(store, "erkin", "   ")
    unlink_identity(store, "SHARED@example.org", by="admin")
    assert identities(store).empty
    with pytest.raises(AuthError, match="is not linked"):
        unlink_identity(store, "shared@example.org")
    link_identity(store, "farida", "shared@example.org")
    assert sso_sign_in(store, {"sub": "s", "email": "shared@example.org"}).username == "farida"
    whats = list(read_audit(store, action="user_change")["what"])
    assert whats.count("single sign-on identity shared@example.org linked to erkin") == 1
    assert "single sign-on identity shared@example.org unlinked from erkin" in whats


def test_the_command_line_links_and_unlinks(tmp_path):
    folder = tmp_path / "workspaces"
    folder.mkdir()
    add_user(open_accounts(folder), "gulnara", name="Gulnara", password=PASSWORD, role="viewer", hasher=FAST)

    def geo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "geo", "user", *args, "--workspace", str(folder)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    ok = geo("link-sso", "gulnara", "Gulnara@Example.org")
    assert ok.returncode == 0 and "gulnara@example.org signs in as gulnara" in ok.stdout
    assert sso_sign_in(open_accounts(folder), {"email": "gulnara@example.org"}).username == "gulnara"
    bad = geo("link-sso", "nobody", "x@example.org")
    assert bad.returncode != 0 and "there is no user nobody" in bad.stderr
    assert geo("link-sso", "gulnara", "gulnara@example.org", "--unlink").returncode == 0
    assert identities(open_accounts(folder)).empty


# -- the whole flow in a browser, against a real OpenID Connect provider ---------------------------------------
@pytest.fixture(scope="module")
def provider():
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"oidc-{port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port)], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the OpenID Connect provider did not start (see {log.name})")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def _claims(provider: str, sub: str, claims: dict) -> None:
    """Set what the provider's ID token says about ``sub`` (its test API)."""
    import json

    req = urllib.request.Request(f"{provider}/users/{sub}", data=json.dumps(claims).encode(), method="PUT",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 204)


def _sso(session: Session, app: str, sub: str) -> None:
    page = session.page
    page.goto(app)
    page.get_by_role("button", name="Sign in with single sign-on").click(timeout=90_000)
    page.locator("input[name=sub]").fill(sub, timeout=60_000)  # the provider's own page
    page.get_by_role("button", name="Authorize").click()


def test_single_sign_on_in_the_browser(browser, demo_folder, tile_server, provider, tmp_path):  # noqa: F811
    store = open_accounts(demo_folder)
    add_user(store, "aigul", name="Aigul Toktosunova", password=PASSWORD, role="viewer", hasher=FAST)
    set_role(store, "aigul", "analyst", municipality="bishkek")
    link_identity(store, "aigul", "aigul@bishkek.example")
    # the provider's token claims the admin role: the app must not care
    _claims(provider, "aigul-sub", {"email": "aigul@bishkek.example", "email_verified": True, "role": "admin",
                                    "roles": ["admin"]})
    port = free_port()
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(16).hex()}"\n'
        'client_id = "koopsuz"\n'
        'client_secret = "koopsuz-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n', encoding="utf-8")
    with running_app(demo_folder, tile_server, env={"HOME": str(home)}, port=port) as app:
        s = Session(browser)
        try:
            _sso(s, app, "aigul-sub")
            caption = s.page.locator("[data-testid=stSidebar]").get_by_text("Signed in: Aigul Toktosunova")
            caption.wait_for(timeout=90_000)
            assert "(analyst)" in caption.inner_text()  # Bishkek, the first municipality: the local role
            s.page.get_by_role("button", name="Sign out").click()
            # the provider's end of the session (this one asks to confirm), then back to the app's sign-in
            s.page.get_by_role("button", name="End session").click(timeout=90_000)
            s.page.get_by_role("button", name="Sign in with single sign-on").wait_for(timeout=90_000)
            # an identity nobody linked: refused, with a way out
            _sso(s, app, "stranger@example.org")
            s.page.get_by_text("stranger@example.org has no account here").wait_for(timeout=90_000)
            s.page.get_by_role("button", name="Sign out of single sign-on").wait_for(timeout=30_000)  # a way out
            assert s.page.locator("[data-testid=stSidebarNav]").count() == 0  # no page opened
            # (s.remote is not checked: the test provider's own pages ask a CDN for their stylesheet)
        finally:
            s.page.screenshot(path=str(ARTIFACTS / "sso.png"), full_page=True)
            s.close()
    log = read_audit(store)
    assert "single sign-on as aigul@bishkek.example" in set(log.loc[log["action"] == "sign_in", "what"])
    assert "single sign-on: stranger@example.org is linked to no account" in set(log["what"])
