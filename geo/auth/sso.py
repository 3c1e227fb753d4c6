"""Single sign-on: an identity from an OpenID Connect provider mapped to a local account by an admin.

Streamlit's ``st.login`` runs the OpenID Connect flow with the provider configured in the server's
``secrets.toml`` and returns the ID token's claims (``st.user``). The platform trusts only who the token says
the person is, never what it says they may do: an administrator links an identity (the provider's e-mail
address, or its subject ``sub``) to a local account (``python -m geo user link-sso NAME IDENTITY``), and the
role is that account's, per municipality, as for a password sign-in. A token with a claim such as
``"role": "admin"`` gives nothing; an identity nobody linked is refused; a disabled account is refused.

Table of the accounts store: ``sso_identities`` with ``identity`` (lower case, the key) and ``username``.
Every sign-in, refusal, link and unlink is an entry of the audit trail, written with the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from geo.auth.accounts import (Account, AuthError, SignInRefused, _account, _find, _now, _roles, _username,
                               _users)
from geo.auth.audit import audit_rows
from geo.auth.store import AUDIT_TABLE, USERS_TABLE, stamp
from geo.messages import (AUDIT_SSO_LINKED, AUDIT_SSO_SIGN_IN, AUDIT_SSO_UNKNOWN, AUDIT_SSO_UNLINKED,
                          AUDIT_WHILE_DISABLED, AUTH_DISABLED, AUTH_NO_USER, AUTH_SSO_BAD_IDENTITY,
                          AUTH_SSO_LINKED_ELSEWHERE, AUTH_SSO_NOT_LINKED, AUTH_SSO_UNKNOWN)

__all__ = ["SSO_TABLE", "identities", "link_identity", "sso_sign_in", "unlink_identity"]

SSO_TABLE = "sso_identities"
SSO_COLUMNS = ("identity", "username")
MAX_IDENTITY = 320  # an e-mail address's longest form (RFC 3696)


def _identity(text: object) -> str:
    key = " ".join(str(text or "").split()).lower()
    if not key or len(key) > MAX_IDENTITY:
        raise AuthError(AUTH_SSO_BAD_IDENTITY.format(value=str(text)[:80]))
    return key


def identities(store) -> pd.DataFrame:  # noqa: ANN001 - a workspace store
    """The linked identities: ``identity`` and ``username``, by identity."""
    frame = store.read_table(SSO_TABLE)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SSO_COLUMNS})
    frame = pd.DataFrame(frame).reindex(columns=list(SSO_COLUMNS)).astype(str).astype(object)
    return frame.sort_values("identity").reset_index(drop=True)


def link_identity(store, username: str, identity: str, *, by: str = "",  # noqa: ANN001
                  now: dt.datetime | None = None) -> Account:
    """Let ``identity`` (the provider's e-mail address or subject) sign in as ``username``; audited.

    Raises
    ------
    AuthError
        When the account does not exist, the identity is empty or too long, or it is linked to another account.
    """
    key, ident, now = _username(username), _identity(identity), _now(now)
    with store.locked():
        users, links = _users(store), identities(store)
        i = _find(users, key)
        if i is None:
            raise AuthError(AUTH_NO_USER.format(value=key))
        other = links.loc[links["identity"] == ident, "username"]
        if len(other) and other.iloc[0] != key:
            raise AuthError(AUTH_SSO_LINKED_ELSEWHERE.format(identity=ident, user=other.iloc[0]))
        if not len(other):
            links = pd.concat([links, pd.DataFrame({"identity": [ident], "username": [key]})], ignore_index=True)
            event = audit_rows(user=by, municipality="", action="user_change", now=now,
                               what=AUDIT_SSO_LINKED.format(identity=ident, user=key))
            store.write({SSO_TABLE: links, AUDIT_TABLE: event}, mode={SSO_TABLE: "replace", AUDIT_TABLE: "append"})
        return _account(users.loc[i], _roles(store))


def unlink_identity(store, identity: str, *, by: str = "", now: dt.datetime | None = None) -> None:  # noqa: ANN001
    """Stop ``identity`` signing in; audited. An identity that is not linked is an :class:`AuthError`."""
    ident, now = _identity(identity), _now(now)
    with store.locked():
        links = identities(store)
        hit = links["identity"] == ident
        if not hit.any():
            raise AuthError(AUTH_SSO_NOT_LINKED.format(identity=ident))
        event = audit_rows(user=by, municipality="", action="user_change", now=now,
                           what=AUDIT_SSO_UNLINKED.format(identity=ident, user=links.loc[hit, "username"].iloc[0]))
        store.write({SSO_TABLE: links[~hit], AUDIT_TABLE: event}, mode={SSO_TABLE: "replace", AUDIT_TABLE: "append"})


def sso_sign_in(store, claims: Mapping[str, object], *, now: dt.datetime | None = None) -> Account:  # noqa: ANN001
    """The local account a provider's ID token claims (``st.user``) sign in as; every attempt audited.

    The identity is the token's ``email`` when the provider does not say it is unverified
    (``email_verified`` false), else its ``sub``; only these are read. The account's roles are the local ones.

    Raises
    ------
    SignInRefused
        ``reason="wrong"`` when no account is linked to the identity, ``"disabled"`` for a disabled account.
    """
    now = _now(now)
    email = claims.get("email")
    verified = claims.get("email_verified", True) not in (False, "false", "False", 0)
    candidates = [str(v) for v in ((email if verified else None), claims.get("sub")) if v]
    keys = [k for k in (" ".join(c.split()).lower() for c in candidates) if k and len(k) <= MAX_IDENTITY]
    with store.locked():
        users, links = _users(store), identities(store)
        hit = links[links["identity"].isin(keys)]
        who = str(hit["username"].iloc[0]) if len(hit) else ""
        i = _find(users, who) if who else None
        shown = keys[0] if keys else "-"
        if i is None:
            refused = SignInRefused(AUTH_SSO_UNKNOWN.format(identity=shown), reason="wrong")
            events = [audit_rows(user=shown, municipality="", action="sign_in_failed", outcome="refused", now=now,
                                 what=AUDIT_SSO_UNKNOWN.format(identity=shown))]
            store.write({AUDIT_TABLE: pd.concat(events)}, mode={AUDIT_TABLE: "append"})
        elif int(users.loc[i, "disabled"]):
            refused = SignInRefused(AUTH_DISABLED, reason="disabled")
            store.write({AUDIT_TABLE: audit_rows(user=who, municipality="", action="sign_in_failed",
                                                 outcome="refused", what=AUDIT_WHILE_DISABLED, now=now)},
                        mode={AUDIT_TABLE: "append"})
        else:
            refused = None
            users.loc[i, "last_sign_in"] = stamp(now)
            store.write({USERS_TABLE: users,
                         AUDIT_TABLE: audit_rows(user=who, municipality="", action="sign_in", now=now,
                                                 what=AUDIT_SSO_SIGN_IN.format(identity=str(hit["identity"].iloc[0])))},
                        mode={USERS_TABLE: "replace", AUDIT_TABLE: "append"})
            account = _account(users.loc[i], _roles(store))
    if refused is not None:  # raised after the block: on PostGIS an exception inside would roll the log back
        raise refused
    return account
