"""Local accounts: users with argon2 password hashes, roles per municipality, sign-in with a lockout.

Tables of the accounts store (:mod:`geo.auth.store`):

- ``users``: ``username`` (the key, lower case), ``display_name``,
  ``password_hash`` (argon2id, PHC string), ``disabled`` (0/1), ``created``,
  ``last_sign_in``, ``failed_attempts``, ``first_failure`` (the start of the
  failures' window), ``locked_until`` (times as ISO UTC text, empty when none);
- ``roles``: ``username``, ``municipality`` (a key, or ``*`` for every
  municipality), ``role`` (:data:`ROLES`). A role in one municipality wins over
  the user's ``*`` role (:func:`role_for`).

Lockout (:class:`LockoutPolicy`, defaults in :data:`DEFAULT_POLICY`): after
``max_failures`` (5) wrong passwords within ``window`` (15 minutes) the
account is locked for ``lock`` (15 minutes); while locked, every attempt is
refused, even with the right password, and is logged. Each refusal is a
``sign_in_failed`` entry of the audit trail (:mod:`geo.auth.audit`), the lock
a ``locked`` entry.

Secrets: a password is only ever passed to argon2; it is never stored, logged,
put in a message or in an audit entry. :class:`Account` carries no hash, so
its ``repr`` cannot show one. An unknown user and a wrong password are refused
with the same message (:data:`geo.messages.AUTH_REFUSED`), after the same
argon2 work, so a sign-in form does not tell which user names exist.

Every change reads what it builds on and writes inside the store's
``locked()`` block, so two admins acting at once both land; the audit entry of
a change is written in the same write as the change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.auth.audit import audit_rows
from geo.auth.store import AUDIT_TABLE, ROLES_TABLE, USERS_TABLE, as_utc, parse_time, stamp, utc_now
from geo.io.workspaces import municipality_key
from geo.messages import (AUDIT_LOCKED_FOR, AUDIT_PASSWORD_RESET, AUDIT_ROLE_REMOVED, AUDIT_ROLE_REMOVED_ALL,
                          AUDIT_ROLE_SET, AUDIT_ROLE_SET_ALL, AUDIT_UNKNOWN_USER, AUDIT_USER_ADDED,
                          AUDIT_USER_DISABLED, AUDIT_USER_ENABLED, AUDIT_WHILE_DISABLED, AUDIT_WRONG_PASSWORD,
                          AUTH_BAD_MUNICIPALITY, AUTH_BAD_ROLE, AUTH_BAD_USERNAME, AUTH_DISABLED, AUTH_LOCKED,
                          AUTH_LONG_PASSWORD, AUTH_NO_NAME, AUTH_NO_USER, AUTH_REFUSED, AUTH_SHORT_PASSWORD,
                          AUTH_USER_EXISTS, ROLE_LABELS)

__all__ = ["ALL", "DEFAULT_POLICY", "MIN_PASSWORD", "ROLES", "Account", "AuthError", "LockoutPolicy", "SignInRefused",
           "add_user", "disable", "enable", "get_account", "list_accounts", "reset_password", "role_at_least",
           "role_for", "set_role", "verify"]

ROLES = ("admin", "analyst", "viewer", "public")  # most to least: each may do what the ones after it may
ALL = "*"  # a role in every municipality
MIN_PASSWORD = 8  # NIST SP 800-63B's floor for a password the user chose
MAX_PASSWORD = 1024  # argon2 takes any length; a bound keeps one request from costing much
MAX_NAME = 200
_USERNAME = re.compile(r"[a-z][a-z0-9._@-]{0,63}")
USER_COLUMNS = ("username", "display_name", "password_hash", "disabled", "created", "last_sign_in",
                "failed_attempts", "first_failure", "locked_until")
ROLE_COLUMNS = ("username", "municipality", "role")


class AuthError(ValueError):
    """An account change or a sign-in that cannot be done; the message says why (a geo.messages template)."""


class SignInRefused(AuthError):
    """A refused sign-in: ``reason`` is ``"wrong"`` (unknown user or wrong password), ``"disabled"`` or ``"locked"``.

    ``until`` is the end of a lock (UTC), else ``None``.
    """

    def __init__(self, message: str, *, reason: str, until: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.until = until


@dataclass(frozen=True)
class LockoutPolicy:
    """How many wrong passwords lock an account, and for how long.

    Parameters
    ----------
    max_failures : int, default 5
        Wrong passwords within ``window`` that lock the account.
    window : timedelta, default 15 minutes
        Failures further apart than this start the count again.
    lock : timedelta, default 15 minutes
        How long a locked account refuses every sign-in.
    """

    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    lock: dt.timedelta = dt.timedelta(minutes=15)


DEFAULT_POLICY = LockoutPolicy()


@dataclass(frozen=True)
class Account:
    """A user as the pages and the command line see one: never the password or its hash."""

    username: str
    display_name: str
    disabled: bool = False
    created: dt.datetime | None = None
    last_sign_in: dt.datetime | None = None
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None
    roles: Mapping[str, str] = field(default_factory=dict)  # municipality key (or "*") to role

    def is_locked(self, *, now: dt.datetime | None = None) -> bool:
        """Whether the account refuses sign-ins now because of wrong passwords."""
        return self.locked_until is not None and _now(now) < self.locked_until

    def role_for(self, municipality: str) -> str | None:
        """The role in ``municipality`` (:func:`role_for`)."""
        return role_for(self, municipality)


def role_for(account: Account | None, municipality: str) -> str | None:
    """The role ``account`` holds in ``municipality``: its own there, else its ``*`` role, else ``None``.

    ``None`` (no account, a disabled one, or no role there) means: only what
    is published, as the public sees it.
    """
    if account is None or account.disabled:
        return None
    return account.roles.get(municipality) or account.roles.get(ALL)


def role_at_least(role: str | None, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may (admin > analyst > viewer > public; ``None`` is public)."""
    have = ROLES.index(role) if role in ROLES else len(ROLES) - 1
    return have <= ROLES.index(needed)


# -- reading the tables ------------------------------------------------------------------------------------------
def _users(store) -> pd.DataFrame:  # noqa: ANN001 - a workspace store
    frame = store.read_table(USERS_TABLE)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in USER_COLUMNS})
    frame = pd.DataFrame(frame).reindex(columns=list(USER_COLUMNS))
    for col in USER_COLUMNS:
        if col in ("disabled", "failed_attempts"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").fillna(0).astype("int64")
        else:
            frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str).astype(object)
    return frame.reset_index(drop=True)


def _roles(store) -> pd.DataFrame:  # noqa: ANN001
    frame = store.read_table(ROLES_TABLE)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ROLE_COLUMNS})
    frame = pd.DataFrame(frame).reindex(columns=list(ROLE_COLUMNS))
    return frame.astype(str).astype(object).reset_index(drop=True)


def _account(row: pd.Series, roles: pd.DataFrame) -> Account:
    mine = roles[roles["username"] == row["username"]]
    return Account(username=str(row["username"]), display_name=str(row["display_name"]),
                   disabled=bool(int(row["disabled"])), created=parse_time(row["created"]),
                   last_sign_in=parse_time(row["last_sign_in"]), failed_attempts=int(row["failed_attempts"]),
                   locked_until=parse_time(row["locked_until"]),
                   roles=dict(zip(mine["municipality"], mine["role"], strict=True)))


def _find(users: pd.DataFrame, username: str) -> int | None:
    hits = users.index[users["username"] == username]
    return int(hits[0]) if len(hits) else None


def _commit(store, *, users: pd.DataFrame | None = None, roles: pd.DataFrame | None = None,  # noqa: ANN001
            events: Iterable[pd.DataFrame] = ()) -> None:
    """One atomic write: the changed tables replaced, the events appended to the audit trail."""
    tables: dict[str, pd.DataFrame] = {}
    modes: dict[str, str] = {}
    if users is not None:
        tables[USERS_TABLE], modes[USERS_TABLE] = users, "replace"
    if roles is not None:
        tables[ROLES_TABLE], modes[ROLES_TABLE] = roles, "replace"
    events = list(events)
    if events:
        tables[AUDIT_TABLE], modes[AUDIT_TABLE] = pd.concat(events, ignore_index=True), "append"
    store.write(tables, mode=modes)


def _now(now: dt.datetime | None) -> dt.datetime:
    return utc_now() if now is None else as_utc(now)


# -- checks ------------------------------------------------------------------------------------------------------
def _username(text: str) -> str:
    key = str(text).strip().lower()
    if not _USERNAME.fullmatch(key):
        raise AuthError(AUTH_BAD_USERNAME.format(value=str(text)[:80]))
    return key


def _role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(AUTH_BAD_ROLE.format(value=str(role)[:80]))
    return role


def _municipality(key: str) -> str:
    if key == ALL:
        return key
    try:
        return municipality_key(str(key))
    except ValueError:
        raise AuthError(AUTH_BAD_MUNICIPALITY.format(value=str(key)[:80])) from None


def _password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AuthError(AUTH_SHORT_PASSWORD.format(n=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise AuthError(AUTH_LONG_PASSWORD.format(n=MAX_PASSWORD))
    return password


def _display_name(name: str) -> str:
    text = " ".join(str(name or "").split())[:MAX_NAME]
    if not text:
        raise AuthError(AUTH_NO_NAME)
    return text


# -- changes by an admin -----------------------------------------------------------------------------------------
def add_user(store, username: str, *, name: str, password: str, role: str | None = None,  # noqa: ANN001
             municipality: str = ALL, by: str = "", now: dt.datetime | None = None,
             hasher: PasswordHasher | None = None) -> Account:
    """Add an account (and its first role), audited as ``user_change`` (and ``role_change``).

    Parameters
    ----------
    store
        The accounts store (:func:`geo.auth.store.open_accounts`).
    username : str
        The user name: letters, digits, ``.``, ``_``, ``-``, ``@``; kept lower case.
    name : str
        The name shown.
    password : str
        At least :data:`MIN_PASSWORD` characters; only its argon2 hash is stored.
    role : str, optional
        A role of :data:`ROLES` in ``municipality``; none: the user sees only what is published.
    municipality : str, default "*"
        The municipality's key, or ``*`` for every municipality.
    by : str
        Who adds the user (the audit trail's ``user``).
    now : datetime, optional
    hasher : argon2.PasswordHasher, optional
        The parameters (default: argon2-cffi's, RFC 9106's low-memory choice).

    Raises
    ------
    AuthError
        When a value is not valid or the user exists already.
    """
    key, display = _username(username), _display_name(name)
    scope = _municipality(municipality)
    if role is not None:
        _role(role)
    digest = (hasher or PasswordHasher()).hash(_password(password))  # before the lock: argon2 takes a while
    now = _now(now)
    with store.locked():
        users, roles = _users(store), _roles(store)
        if _find(users, key) is not None:
            raise AuthError(AUTH_USER_EXISTS.format(value=key))
        row = {"username": key, "display_name": display, "password_hash": digest, "disabled": 0,
               "created": stamp(now), "last_sign_in": "", "failed_attempts": 0, "first_failure": "",
               "locked_until": ""}
        users = pd.concat([users, pd.DataFrame([row])], ignore_index=True)
        events = [audit_rows(user=by, municipality="", action="user_change", what=AUDIT_USER_ADDED.format(value=key),
                             now=now)]
        if role is not None:
            roles = pd.concat([roles, pd.DataFrame([{"username": key, "municipality": scope, "role": role}])],
                              ignore_index=True)
            events.append(_role_event(key, role, scope, by=by, now=now))
        _commit(store, users=users, roles=roles, events=events)
        return _account(users.iloc[-1], roles)


def _role_event(key: str, role: str | None, scope: str, *, by: str, now: dt.datetime) -> pd.DataFrame:
    if role is None:
        what = AUDIT_ROLE_REMOVED_ALL.format(value=key) if scope == ALL else \
            AUDIT_ROLE_REMOVED.format(value=key, name=scope)
    else:
        label = ROLE_LABELS[role]
        what = AUDIT_ROLE_SET_ALL.format(value=key, role=label) if scope == ALL else \
            AUDIT_ROLE_SET.format(value=key, role=label, name=scope)
    return audit_rows(user=by, municipality=scope, action="role_change", what=what, now=now)


def set_role(store, username: str, role: str | None, *, municipality: str = ALL, by: str = "",  # noqa: ANN001
             now: dt.datetime | None = None) -> Account:
    """Give ``username`` the role ``role`` in ``municipality`` (``None``: take that role away); audited.

    Raises
    ------
    AuthError
        When the user does not exist or a value is not valid.
    """
    key, scope = _username(username), _municipality(municipality)
    if role is not None:
        _role(role)
    now = _now(now)
    with store.locked():  # the roles are read inside the lock: two admins at once both land
        users, roles = _users(store), _roles(store)
        i = _find(users, key)
        if i is None:
            raise AuthError(AUTH_NO_USER.format(value=key))
        roles = roles[~((roles["username"] == key) & (roles["municipality"] == scope))]
        if role is not None:
            roles = pd.concat([roles, pd.DataFrame([{"username": key, "municipality": scope, "role": role}])],
                              ignore_index=True)
        _commit(store, roles=roles.reset_index(drop=True), events=[_role_event(key, role, scope, by=by, now=now)])
        return _account(users.loc[i], roles)


def _change(store, username: str, changes: Mapping[str, object], what: str, *, by: str,  # noqa: ANN001
            now: dt.datetime) -> Account:
    key = _username(username)
    with store.locked():
        users, roles = _users(store), _roles(store)
        i = _find(users, key)
        if i is None:
            raise AuthError(AUTH_NO_USER.format(value=key))
        for col, value in changes.items():
            users.loc[i, col] = value
        _commit(store, users=users, events=[audit_rows(user=by, municipality="", action="user_change",
                                                       what=what.format(value=key), now=now)])
        return _account(users.loc[i], roles)


def disable(store, username: str, *, by: str = "", now: dt.datetime | None = None) -> Account:  # noqa: ANN001
    """Disable an account: it can no longer sign in (its roles are kept); audited."""
    return _change(store, username, {"disabled": 1}, AUDIT_USER_DISABLED, by=by, now=_now(now))


def enable(store, username: str, *, by: str = "", now: dt.datetime | None = None) -> Account:  # noqa: ANN001
    """Enable a disabled account again; audited."""
    return _change(store, username, {"disabled": 0}, AUDIT_USER_ENABLED, by=by, now=_now(now))


def reset_password(store, username: str, password: str, *, by: str = "",  # noqa: ANN001
                   now: dt.datetime | None = None, hasher: PasswordHasher | None = None) -> Account:
    """Set a new password (and lift a lock); audited as ``user_change`` without the password.

    Raises
    ------
    AuthError
        When the user does not exist or the password is too short or too long.
    """
    _username(username)
    digest = (hasher or PasswordHasher()).hash(_password(password))
    return _change(store, username, {"password_hash": digest, "failed_attempts": 0, "first_failure": "",
                                     "locked_until": ""}, AUDIT_PASSWORD_RESET, by=by, now=_now(now))


def get_account(store, username: str) -> Account | None:  # noqa: ANN001
    """The account of ``username`` (any case), or ``None``."""
    users = _users(store)
    i = _find(users, str(username).strip().lower())
    return None if i is None else _account(users.loc[i], _roles(store))


def list_accounts(store) -> list[Account]:  # noqa: ANN001
    """Every account, by user name."""
    users, roles = _users(store), _roles(store)
    return [_account(row, roles) for _i, row in users.sort_values("username").iterrows()]


# -- signing in --------------------------------------------------------------------------------------------------
def verify(store, username: str, password: str, *, now: dt.datetime | None = None,  # noqa: ANN001
           policy: LockoutPolicy = DEFAULT_POLICY, hasher: PasswordHasher | None = None) -> Account:
    """Sign in: the account when ``password`` is right, else :class:`SignInRefused`; every attempt audited.

    Parameters
    ----------
    store
        The accounts store.
    username, password : str
        As typed; the user name in any case.
    now : datetime, optional
        The attempt's time (default: now, UTC); the lock is measured against it.
    policy : LockoutPolicy
        When wrong passwords lock the account, and for how long.
    hasher : argon2.PasswordHasher, optional
        The current argon2 parameters: a right password whose hash was made with
        others is hashed again with these (``check_needs_rehash``).

    Raises
    ------
    SignInRefused
        ``reason="wrong"`` with :data:`geo.messages.AUTH_REFUSED` for an unknown
        user and for a wrong password alike; ``"locked"`` while locked (even
        with the right password); ``"disabled"`` for a disabled account with
        the right password.
    """
    hasher = hasher or PasswordHasher()
    now = _now(now)
    key = str(username).strip().lower()
    with store.locked():  # the failure count is read and written in one locked step
        users = _users(store)
        i = _find(users, key)
        refused, events, changed = _attempt(users, i, key, password, now=now, policy=policy, hasher=hasher)
        _commit(store, users=users if changed else None, events=events)
        account = None if refused is not None else _account(users.loc[i], _roles(store))
    if refused is not None:  # raised after the block: on PostGIS an exception inside would roll the log back
        raise refused
    return account  # type: ignore[return-value]


def _attempt(users: pd.DataFrame, i: int | None, key: str, password: str, *, now: dt.datetime,
             policy: LockoutPolicy, hasher: PasswordHasher) -> tuple[SignInRefused | None, list[pd.DataFrame], bool]:
    """Judge one attempt, changing ``users`` in place: (the refusal or None, audit events, whether users changed)."""

    def failed(what: str) -> pd.DataFrame:
        return audit_rows(user=key, municipality="", action="sign_in_failed", what=what, outcome="refused", now=now)

    if i is None:
        hasher.hash(password)  # the same argon2 work as a wrong password: the time does not tell who exists
        return SignInRefused(AUTH_REFUSED, reason="wrong"), [failed(AUDIT_UNKNOWN_USER)], False
    row = users.loc[i]
    until = parse_time(row["locked_until"])
    if until is not None and now < until:
        text = until.strftime("%Y-%m-%d %H:%M")
        return (SignInRefused(AUTH_LOCKED.format(time=text), reason="locked", until=until),
                [failed(AUTH_LOCKED.format(time=text))], False)
    try:
        hasher.verify(str(row["password_hash"]), password)
        right = True
    except (VerificationError, InvalidHashError):
        right = False
    if not right:
        first = parse_time(row["first_failure"])
        count = int(row["failed_attempts"])
        if first is None or now - first > policy.window or until is not None:  # a new window (or a lock ended)
            count, first = 0, now
        count += 1
        users.loc[i, ["failed_attempts", "first_failure", "locked_until"]] = [count, stamp(first), ""]
        events = [failed(AUDIT_WRONG_PASSWORD)]
        if count >= policy.max_failures:
            lock_end = now + policy.lock
            users.loc[i, "locked_until"] = stamp(lock_end)
            events.append(audit_rows(user=key, municipality="", action="locked", outcome="locked", now=now,
                                     what=AUDIT_LOCKED_FOR.format(n=count, time=lock_end.strftime("%Y-%m-%d %H:%M"))))
        return SignInRefused(AUTH_REFUSED, reason="wrong"), events, True
    if int(row["disabled"]):
        return SignInRefused(AUTH_DISABLED, reason="disabled"), [failed(AUDIT_WHILE_DISABLED)], False
    users.loc[i, ["failed_attempts", "first_failure", "locked_until", "last_sign_in"]] = [0, "", "", stamp(now)]
    if hasher.check_needs_rehash(str(row["password_hash"])):  # argon2's parameters changed since it was hashed
        users.loc[i, "password_hash"] = hasher.hash(password)
    return None, [audit_rows(user=key, municipality="", action="sign_in", what="", now=now)], True
