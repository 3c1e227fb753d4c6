"""Who is reading: sign-in, the demo session, idle sessions, and the role in the chosen municipality.

Every rule is applied here, on the server, before a page runs: ``app.py`` calls :func:`signed_in`
first and registers only the pages the role may open (a viewer typing ``/data`` gets the default page).
Accounts, passwords, lockout and the audit trail are :mod:`geo.auth`'s; this module only asks.

- ``make run`` on the demo opens at once: on the loopback address, with the embedded store (GeoPackage
  files, not a database), only invented data (every municipality's workspace is the demo's) and no
  account created yet, the session is the demo session,
  labelled as such. It may do everything, importing one's own data included (the first thing a new user
  tries), since nobody else can reach it and nothing real is in it; once real data is imported, every new
  session needs an account. Once accounts exist the sign-in form offers the demo session as a button.
- Anywhere else (another address, a PostGIS database, real data) the sign-in form comes first. A database
  means a deployment, where replicas listen on the loopback address behind a proxy that anyone on the
  network reaches: the address alone cannot tell that nobody else is there.
- A session idle for ``KOOPSUZ_IDLE_MINUTES`` (default 30) is signed out.
- Single sign-on: where the server's ``secrets.toml`` configures an OpenID Connect provider (``[auth]``, as
  Streamlit's ``st.login`` reads it), the form offers "Sign in with single sign-on"; the provider's identity
  signs in as the local account an administrator linked it to (:mod:`geo.auth.sso`), with that account's
  roles. Signing out, or idle time, ends the provider's session in this browser too.
- Wrong passwords lock an account (:mod:`geo.auth.accounts`); besides, an address that made 20 failed
  sign-ins within 15 minutes is refused before any password is checked (:mod:`geo.auth.ratelimit`), so one
  address cannot try a password on many accounts.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time

import streamlit as st

from geo.auth import (AddressLimiter, Account, SignInRefused, audit, get_account, open_accounts, role_at_least,
                      role_for, verify)
from geo.auth.accounts import list_accounts
from geo.auth.sso import sso_sign_in
from geo.auth.store import utc_now
from geo.io.store import WorkspaceError
from geo.io.workspaces import is_database
from views.common import current_municipality, municipalities, store, tr, workspace_location

ACCOUNT_KEY = "koopsuz_account"  # the signed-in Account (never a password or hash)
SEEN_KEY = "koopsuz_seen"  # monotonic time of the session's last run
IDLE_ENV = "KOOPSUZ_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 30.0
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
DEMO = Account("demo", "Demo session", roles={"*": "admin"})  # in memory only: never stored


@st.cache_resource(show_spinner=False, max_entries=8)
def accounts(location: str):  # noqa: ANN201 - a workspace store
    """The accounts store beside the municipalities at ``location``."""
    return open_accounts(location)


@st.cache_resource(show_spinner=False)
def limiter() -> AddressLimiter:
    """This server's count of failed sign-ins per address (geo.auth.ratelimit)."""
    return AddressLimiter()


def client_address() -> str:
    """The browser's address: the one the proxy saw when the request came through it (deploy/haproxy.cfg's
    ``option forwardfor``), else the connection's own. Only a proxy on this machine is believed: any
    other peer could write the header itself. The proxy appends the address it saw, so the last one counts.
    """
    peer = st.context.ip_address
    peer = peer if isinstance(peer, str) else ""  # no connection (a page run in a test): one address for all
    forwarded = st.context.headers.get("X-Forwarded-For")
    forwarded = forwarded if isinstance(forwarded, str) else ""
    if forwarded and (peer in LOOPBACK or not peer):
        return forwarded.split(",")[-1].strip() or peer or "unknown"
    return peer or "unknown"


def idle_minutes() -> float:
    try:
        return max(float(os.environ.get(IDLE_ENV) or DEFAULT_IDLE_MINUTES), 1.0)
    except ValueError:
        return DEFAULT_IDLE_MINUTES


def on_loopback() -> bool:
    """Whether the server listens on this computer only (``make run``), not on a network address."""
    return str(st.get_option("server.address") or "") in LOOPBACK


def demo_only() -> bool:
    """Whether every municipality's workspace holds only the invented demo data."""
    found = municipalities()
    return bool(found) and all(store(m.location).meta().get("synthetic") == "true" for m in found)


def has_accounts(location: str) -> bool:
    try:
        return bool(list_accounts(accounts(location)))
    except WorkspaceError:
        return False


def sso_provider() -> str | None:
    """The provider ``st.login`` is called with ('' for a single ``[auth]`` provider), or None when none is set.

    A provider is set when the server's secrets hold ``[auth]`` with a ``client_id`` (one provider) or
    sections ``[auth.NAME]`` with one (the first is used).
    """
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, ValueError):  # no secrets file, or one that cannot be read
        return None
    if not auth or "redirect_uri" not in auth:
        return None
    if "client_id" in auth:
        return ""
    named = [name for name, value in auth.items() if hasattr(value, "get") and "client_id" in value]
    return named[0] if named else None


def _provider_signed_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError, FileNotFoundError):
        return False


def sign_out() -> bool:
    """End this session's sign-in; True when the browser is being sent to end the provider's session too.

    A caller must then stop the run rather than rerun it, or the redirect is lost and the identity cookie
    stays (the next visit would sign the same person in again).
    """
    st.session_state.pop(ACCOUNT_KEY, None)
    st.session_state.pop(SEEN_KEY, None)
    if sso_provider() is not None and _provider_signed_in():
        st.logout()
        return True
    return False


def signed_in() -> Account:
    """The account of this session, or the sign-in form and a stopped page."""
    _ = tr()
    now = time.monotonic()
    account = st.session_state.get(ACCOUNT_KEY)
    if account is not None:
        if now - st.session_state.get(SEEN_KEY, now) > idle_minutes() * 60:
            if sign_out():
                st.stop()
            st.info(_("You were signed out after {minutes} minutes without activity.",
                      minutes=_.int(idle_minutes())))
        else:
            st.session_state[SEEN_KEY] = now
            return account
    location = workspace_location()
    if sso_provider() is not None and _provider_signed_in():
        _ = tr()
        try:  # who the provider says this is; what they may do is the linked account's, never the token's
            account = sso_sign_in(accounts(location), st.user.to_dict())
        except SignInRefused as refused:
            st.title(_("Sign in"))
            st.error(_.message(str(refused)))
            if st.button(_("Sign out of single sign-on"), key="sso_out"):
                st.logout()
            st.stop()
        except WorkspaceError as exc:
            st.error(_.message(str(exc)))
            st.stop()
        st.session_state[ACCOUNT_KEY], st.session_state[SEEN_KEY] = account, now
        return account
    demo = on_loopback() and not is_database(location) and demo_only()
    if demo and not has_accounts(location):
        st.session_state[ACCOUNT_KEY], st.session_state[SEEN_KEY] = DEMO, now
        return DEMO
    _sign_in_form(location, demo=demo)
    st.stop()
    raise AssertionError  # pragma: no cover - st.stop ends the run


def _sign_in_form(location: str, *, demo: bool) -> None:
    _ = tr()
    st.title(_("Sign in"))
    if not has_accounts(location):
        st.warning(_("No accounts yet. An administrator creates the first one on the server: "
                     "`python -m geo user add NAME --name \"FULL NAME\" --role admin`."))
    with st.form("sign_in", clear_on_submit=False):
        username = st.text_input(_("User name"), key="si_user", autocomplete="username")
        password = st.text_input(_("Password"), type="password", key="si_password", autocomplete="current-password")
        go = st.form_submit_button(_("Sign in"), type="primary")
    if go:
        address, now = client_address(), utc_now()
        wait = limiter().wait(address, now)
        if wait > dt.timedelta(0):  # refused before any password is checked: no argon2 work, no write
            st.error(_("Too many wrong sign-ins from this address. Try again in {minutes} minutes.",
                       minutes=_.int(max(1, math.ceil(wait.total_seconds() / 60)))))
            return
        try:
            account = verify(accounts(location), username, password)
        except SignInRefused as refused:
            limiter().failed(address, now)
            st.error(_.message(str(refused)))
        except WorkspaceError as exc:
            st.error(_.message(str(exc)))
        else:
            st.session_state.pop("si_password", None)  # the password leaves the session at once
            st.session_state[ACCOUNT_KEY], st.session_state[SEEN_KEY] = account, time.monotonic()
            st.rerun()
    provider = sso_provider()
    if provider is not None and st.button(_("Sign in with single sign-on"), key="si_sso"):
        st.login(provider or None)
    if demo and st.button(_("Continue without an account (demo data, this computer only)"), key="si_demo"):
        st.session_state[ACCOUNT_KEY], st.session_state[SEEN_KEY] = DEMO, time.monotonic()
        st.rerun()


def current_role(account: Account) -> str | None:
    """The account's role in the chosen municipality (``None``: only what is published)."""
    chosen = current_municipality()
    return role_for(account, chosen.key if chosen is not None else "*")


def may(account: Account, needed: str) -> bool:
    """Whether the account's role in the chosen municipality is at least ``needed``."""
    return role_at_least(current_role(account), needed)


def require(needed: str) -> Account:
    """The session's account read again from the accounts store, if its role here is at least ``needed``.

    Else the page says who may open it and stops. A role taken away or an account disabled by another
    administrator counts at once, not at the next sign-in. The demo session, never stored, is kept as it is.
    """
    _ = tr()
    account = st.session_state.get(ACCOUNT_KEY)
    words = {"admin": _("Only an administrator of this municipality can open this page."),
             "analyst": _("This page needs the analyst or administrator role in this municipality.")}
    refused = words.get(needed, words["admin"])
    if account is None or not may(account, needed):
        st.error(refused)
        st.stop()
    try:
        fresh = get_account(accounts(workspace_location()), account.username)
    except WorkspaceError as exc:
        st.error(_.message(str(exc)))
        st.stop()
    if fresh is None:
        return account
    if fresh.disabled or not may(fresh, needed):
        st.error(refused)
        st.stop()
    st.session_state[ACCOUNT_KEY] = fresh
    return fresh


def record(account: Account, action: str, what: str, *, outcome: str = "ok") -> None:
    """Add an event to the audit trail (the demo session's too, when the accounts store can be written)."""
    chosen = current_municipality()
    try:
        audit(accounts(workspace_location()), user=account.username, municipality=chosen.key if chosen else "",
              action=action, what=what, outcome=outcome)
    except WorkspaceError as exc:
        st.warning(tr().message(str(exc)))


def account_sidebar(account: Account) -> None:
    """Who is signed in, with what role, and the button to sign out."""
    _ = tr()
    from geo.messages import ROLE_LABELS

    role = current_role(account)
    label = _(ROLE_LABELS[role]) if role in ROLE_LABELS else _("no role here")
    if account == DEMO:
        st.sidebar.caption(_("Demo session without an account: this computer only, invented data. Real data "
                             "and other addresses need an account and sign-in."))
    else:
        st.sidebar.caption(_("Signed in: {name} ({role})", name=account.display_name, role=label))
    if st.sidebar.button(_("Sign out"), key="sign_out"):
        if sign_out():
            st.stop()  # the browser goes to the provider to end its session there, then comes back
        st.rerun()
