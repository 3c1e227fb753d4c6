"""Users: the accounts, their roles per municipality, and an administrator's changes (issue 15, item 1).

Only an administrator of the chosen municipality reaches this page: ``app.py`` registers it for
administrators only, and the page checks again on its first lines (against the accounts store, not
only the session's copy), so an address typed by hand never shows a form. Every change goes through
:mod:`geo.auth` with ``by=`` the administrator's user name, which writes it to the audit trail in the
same write.

Rules the page adds to the library's:

- an administrator of some municipalities only manages accounts whose roles all lie in those
  municipalities, and gives roles only there: no one gives themself or others more than they hold;
- an administrator cannot disable their own account or take their own administrator role away, so
  there is always at least one administrator left (another administrator must do it);
- passwords are typed twice, never shown, and leave the session as soon as they are used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from geo.auth import (ALL, MIN_PASSWORD, ROLES, Account, AuthError, add_user, disable, enable,
                      list_accounts, reset_password, role_for, set_role)
from geo.i18n import N_, Tr
from geo.io.store import WorkspaceError
from geo.auth.sso import identities, link_identity, unlink_identity
from geo.messages import AUTH_NO_USER, ROLE_LABELS
from views.auth import ACCOUNT_KEY, accounts, require, sso_provider
from views.common import municipalities, municipality_names, tr, workspace_location

_ = tr()
PLAIN = Tr(_.lang)  # table cells are plain text (st.dataframe shows no Markdown): nothing to escape there
DONE_KEY = "users_done"  # the message of the last change, shown after the page is drawn again
PASSWORD_KEYS = ("u_add_pw1", "u_add_pw2", "u_reset_pw1", "u_reset_pw2")
CONFIRM_KEYS = ("u_role_sure", "u_dis_sure")
NO_ROLE = "-"  # the choice "no role" / "remove the role" (a role of ROLES otherwise)
NO_ROLE_WORD = N_("no role: only what is published")


def admin_scopes(me: Account, keys: list[str]) -> list[str]:
    """Where ``me`` may give roles: every municipality (``*``) first when an administrator in all of them."""
    mine = [k for k in keys if role_for(me, k) == "admin"]
    everywhere = me.roles.get(ALL) == "admin" and len(mine) == len(keys)
    return [ALL, *mine] if everywhere else mine


def manageable(me: Account, target: Account, scopes: list[str]) -> bool:
    """Whether ``me`` may change ``target``: ``me`` administers all, or ``target``'s roles all lie in ``scopes``."""
    if ALL in scopes:
        return True
    return all(scope != ALL and scope in scopes for scope in target.roles)


def loses_admin(me: Account, scope: str, role: str | None, keys: list[str]) -> bool:
    """Whether ``me`` taking the role ``role`` in ``scope`` (``None``: none) ends an administrator role of ``me``."""
    roles = {k: v for k, v in me.roles.items() if k != scope}
    if role is not None:
        roles[scope] = role
    after = dataclasses.replace(me, roles=roles)
    return any(role_for(me, k) == "admin" and role_for(after, k) != "admin" for k in [*keys, ALL])


def when(moment: dt.datetime | None) -> str:
    """A stored moment (UTC) as the language writes a date, with the time of day."""
    return "" if moment is None else f"{PLAIN.date(moment.date(), form='short')} {moment:%H:%M}"


def scope_name(scope: str, names: dict[str, str], _: Tr) -> str:
    return _("every municipality") if scope == ALL else names.get(scope, scope)


def role_word(role: str, _: Tr) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def roles_text(account: Account, names: dict[str, str], _: Tr) -> str:
    """``Bishkek: analyst; every municipality: viewer``; the ``*`` role last (a municipality's own role wins)."""
    order = sorted(account.roles, key=lambda s: (s == ALL, names.get(s, s)))
    return "; ".join(_("{municipality}: {role}", municipality=scope_name(s, names, _),
                       role=role_word(account.roles[s], _)) for s in order)


def accounts_table(found: list[Account], names: dict[str, str], _: Tr) -> pd.DataFrame:
    """The accounts as the page lists them (``_`` a plain :class:`Tr`: the cells are text, not Markdown).

    Never a password or its hash: an :class:`Account` holds neither.
    """
    now = dt.datetime.now(dt.UTC)
    columns = [_("User name"), _("Full name"), _("Roles"), _("Disabled"), _("Locked until (UTC)"),
               _("Last sign-in (UTC)")]
    rows = [(a.username, a.display_name, roles_text(a, names, _) or _(NO_ROLE_WORD), _("yes") if a.disabled else "",
             when(a.locked_until) if a.is_locked(now=now) else "", when(a.last_sign_in)) for a in found]
    return pd.DataFrame(rows, columns=columns)


def forget_passwords() -> None:
    for key in PASSWORD_KEYS:
        st.session_state.pop(key, None)


def forget_confirmations() -> None:
    """A confirmation is good for one change: the next one needs its own tick."""
    for key in CONFIRM_KEYS:
        st.session_state.pop(key, None)


def done(text: str) -> None:
    """Remember what was done, forget the passwords, and draw the page again with the list updated."""
    forget_passwords()
    forget_confirmations()
    st.session_state[DONE_KEY] = text
    st.rerun()


def keep_session(me: Account, changed: Account) -> None:
    """A change to one's own account applies to this session at once."""
    if changed.username == me.username:
        st.session_state[ACCOUNT_KEY] = changed


# -- the page ----------------------------------------------------------------------------------------------------
me = require("admin")
store = accounts(workspace_location())
found_municipalities = municipalities()
keys = [m.key for m in found_municipalities]
names = municipality_names(found_municipalities, _.lang)
scopes = admin_scopes(me, keys)

st.title(_("Users"))
st.caption(_("Accounts and their roles in each municipality. Every change here is written to the audit trail."))
if DONE_KEY in st.session_state:
    st.success(st.session_state.pop(DONE_KEY))
try:
    everyone = list_accounts(store)
except WorkspaceError as exc:
    st.error(_.message(str(exc)))
    st.stop()
st.dataframe(accounts_table(everyone, names, PLAIN), hide_index=True, width="stretch")
st.caption(_("Roles: an administrator manages users and imports and may do everything; an analyst sees exact "
             "points, descriptions, every analysis and export; a viewer sees maps and statistics without exact "
             "locations; the public sees only what an analyst published. A role in one municipality wins over the "
             "role in every municipality."))

managed = [a.username for a in everyone if manageable(me, a, scopes)]
shown = {a.username: f"{a.username} ({a.display_name})" for a in everyone}
role_choices = [*ROLES, NO_ROLE]


def scope_label(scope: str) -> str:
    return scope_name(scope, names, PLAIN)


def role_label(role: str) -> str:
    return role_word(role, PLAIN) if role != NO_ROLE else PLAIN(NO_ROLE_WORD)


# Add a user
st.subheader(_("Add a user"))
with st.form("users_add", clear_on_submit=True):
    new_name = st.text_input(_("User name"), key="u_add_name", autocomplete="off",
                             help=_("Lower-case Latin letters, digits, '.', '_', '-' or '@', starting with a letter."))
    new_display = st.text_input(_("Full name"), key="u_add_display", help=_("The person's name as others see it."))
    pw1 = st.text_input(_("Password"), type="password", key="u_add_pw1", autocomplete="new-password",
                        help=_("At least {n} characters.", n=_.int(MIN_PASSWORD)))
    pw2 = st.text_input(_("Password again"), type="password", key="u_add_pw2", autocomplete="new-password")
    new_role = st.selectbox(_("Role"), role_choices, format_func=role_label, key="u_add_role")
    new_scope = st.selectbox(_("In municipality"), scopes, format_func=scope_label, key="u_add_scope")
    add = st.form_submit_button(_("Add the user"), type="primary", key="u_add_go")
if add:
    if pw1 != pw2:
        forget_passwords()
        st.error(_("The two passwords differ: type the same password twice."))
    else:
        try:
            added = add_user(store, new_name, name=new_display, password=pw1,
                             role=None if new_role == NO_ROLE else new_role, municipality=new_scope, by=me.username)
        except (AuthError, WorkspaceError) as exc:
            forget_passwords()
            st.error(_.message(str(exc)))
        else:
            done(_("User {value} added.", value=added.username))

if not managed:
    st.info(_("There is no account you may change: the accounts hold roles in municipalities you do not "
              "administer."))
    st.stop()

# Change a role
st.subheader(_("Change a role"))
with st.form("users_role", clear_on_submit=True):  # a confirmation is good for one change only
    role_user = st.selectbox(_("User"), managed, format_func=shown.get, key="u_role_user")
    role_scope = st.selectbox(_("In municipality"), scopes, format_func=scope_label, key="u_role_scope")
    role_new = st.selectbox(_("Role"), role_choices, format_func=role_label, key="u_role_role",
                            help=_("Choose the last choice to take the role in this municipality away."))
    role_sure = st.checkbox(_("Yes, take the role away"), key="u_role_sure",
                            help=_("Needed only when the role is taken away."))
    change = st.form_submit_button(_("Change the role"), key="u_role_go")
if change:
    target = None if role_new == NO_ROLE else role_new
    if role_user == me.username and loses_admin(me, role_scope, target, keys):
        st.error(_("You cannot take your own administrator role away: another administrator must do it, so that "
                   "an administrator always remains."))
    elif target is None and not role_sure:
        st.warning(_("Tick the confirmation to take the role away."))
    else:
        try:
            changed = set_role(store, role_user, target, municipality=role_scope, by=me.username)
        except (AuthError, WorkspaceError) as exc:
            st.error(_.message(str(exc)))
        else:
            keep_session(me, changed)
            done(_("Role of {value} changed.", value=changed.username))

# Disable or enable an account
st.subheader(_("Disable or enable an account"))
with st.form("users_disable", clear_on_submit=True):
    switch_user = st.selectbox(_("User"), managed, format_func=shown.get, key="u_dis_user")
    switch_sure = st.checkbox(_("Yes, disable this account"), key="u_dis_sure",
                              help=_("A disabled account cannot sign in; its roles are kept."))
    left, right = st.columns(2)
    off = left.form_submit_button(_("Disable"), key="u_dis_go")
    on = right.form_submit_button(_("Enable"), key="u_en_go")
if off:
    if switch_user == me.username:
        st.error(_("You cannot disable your own account: another administrator must do it, so that an "
                   "administrator always remains."))
    elif not switch_sure:
        st.warning(_("Tick the confirmation to disable the account."))
    else:
        try:
            changed = disable(store, switch_user, by=me.username)
        except (AuthError, WorkspaceError) as exc:
            st.error(_.message(str(exc)))
        else:
            done(_("User {value} disabled.", value=changed.username))
if on:
    try:
        changed = enable(store, switch_user, by=me.username)
    except (AuthError, WorkspaceError) as exc:
        st.error(_.message(str(exc)))
    else:
        done(_("User {value} enabled.", value=changed.username))

# Reset a password
st.subheader(_("Set a new password"))
with st.form("users_reset", clear_on_submit=True):
    reset_user = st.selectbox(_("User"), managed, format_func=shown.get, key="u_reset_user")
    rp1 = st.text_input(_("New password"), type="password", key="u_reset_pw1", autocomplete="new-password",
                        help=_("At least {n} characters.", n=_.int(MIN_PASSWORD)))
    rp2 = st.text_input(_("New password again"), type="password", key="u_reset_pw2", autocomplete="new-password")
    reset = st.form_submit_button(_("Set the new password"), key="u_reset_go")
if reset:
    if rp1 != rp2:
        forget_passwords()
        st.error(_("The two passwords differ: type the same password twice."))
    else:
        try:
            changed = reset_password(store, reset_user, rp1, by=me.username)
        except (AuthError, WorkspaceError) as exc:
            forget_passwords()
            st.error(_.message(str(exc)))
        else:
            done(_("New password of {value} set; a lock after wrong passwords is lifted too.",
                   value=changed.username))

# Single sign-on: which identity of the provider signs in as which account (geo.auth.sso)
st.subheader(_("Single sign-on"))
links = identities(store)
if sso_provider() is None:
    st.caption(_("No single sign-on provider is set on this server (the deployment guide says how); identities "
                 "linked here sign in once one is."))
mine = links[links["username"].isin(managed)]
if len(mine):
    st.dataframe(pd.DataFrame({_("Identity (e-mail or subject)"): mine["identity"].to_list(),
                               _("Signs in as"): [shown.get(u, u) for u in mine["username"]]}),
                 hide_index=True, width="stretch")
with st.form("users_sso", clear_on_submit=True):
    sso_user = st.selectbox(_("User"), managed, format_func=shown.get, key="u_sso_user")
    sso_identity = st.text_input(_("Identity (e-mail or subject)"), key="u_sso_identity",
                                 help=_("What the provider sends for this person: usually the e-mail address. "
                                        "The provider only says who the person is; the role is the account's."))
    left, right = st.columns(2)
    link = left.form_submit_button(_("Link"), key="u_sso_link")
    unlink = right.form_submit_button(_("Unlink"), key="u_sso_unlink")
if link or unlink:
    try:
        if link:
            link_identity(store, sso_user, sso_identity, by=me.username)
        else:
            held = links.loc[links["identity"] == sso_identity.strip().lower(), "username"]
            if len(held) and held.iloc[0] not in managed:  # only links to accounts this administrator manages
                raise AuthError(AUTH_NO_USER.format(value=held.iloc[0]))
            unlink_identity(store, sso_identity, by=me.username)
    except (AuthError, WorkspaceError) as exc:
        st.error(_.message(str(exc)))
    else:
        done(_("Single sign-on of {value} changed.", value=sso_user if link else sso_identity.strip().lower()))
