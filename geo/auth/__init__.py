"""Who sees what: local accounts, roles per municipality, sign-in with a lockout, and the audit trail.

- :mod:`geo.auth.store`: where the accounts are kept (beside the municipalities, same kind of store);
- :mod:`geo.auth.accounts`: users, argon2 password hashes, roles, :func:`verify` (sign-in);
- :mod:`geo.auth.audit`: the append-only audit trail, its filter and its CSV.

Typical use (the pages)::

    store = open_accounts(default_location())
    try:
        account = verify(store, username, password)
    except SignInRefused as refused:
        show(_.message(str(refused)))
    role = role_for(account, municipality_key)        # None: only what is published
    audit(store, user=account.username, municipality=key, action="export", what=file_name)
"""

from geo.auth.accounts import (ALL, DEFAULT_POLICY, MIN_PASSWORD, ROLES, Account, AuthError, LockoutPolicy,
                               SignInRefused, add_user, disable, enable, get_account, list_accounts, reset_password,
                               role_at_least, role_for, set_role, verify)
from geo.auth.audit import ACTIONS, AUDIT_COLUMNS, audit, audit_csv, read_audit, safe_cell
from geo.auth.ratelimit import AddressLimiter
from geo.auth.store import accounts_location, open_accounts

__all__ = ["ACTIONS", "ALL", "AddressLimiter", "AUDIT_COLUMNS", "DEFAULT_POLICY", "MIN_PASSWORD", "ROLES", "Account", "AuthError",
           "LockoutPolicy", "SignInRefused", "accounts_location", "add_user", "audit", "audit_csv", "disable",
           "enable", "get_account", "list_accounts", "open_accounts", "read_audit", "reset_password",
           "role_at_least", "role_for", "safe_cell", "set_role", "verify"]
