"""``python -m geo user ...`` and ``python -m geo audit``: accounts, roles and the audit trail.

A password is never an argument (it would stay in the shell's history and in
``ps``): it is read with ``getpass`` in a terminal, or as the first line of
standard input with ``--password-stdin``. Nothing printed holds a password or
a hash. The accounts store is the one beside the municipalities at
``--workspace`` (default: the app's location, :func:`geo.io.workspaces.default_location`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import re
import sys

ROLE_CHOICES = ("admin", "analyst", "viewer", "public")  # geo.auth.ROLES, without importing argon2 for every command
# Control characters (terminal escapes) in stored text are shown as escapes, never sent to the terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
LOCATION_HELP = ("where the municipalities are: a folder of GeoPackages, one GeoPackage, or postgresql://... "
                 "(default: the app's: KOOPSUZ_DATABASE, KOOPSUZ_WORKSPACE or data/workspaces); the accounts are "
                 "kept beside them")


def _store(args: argparse.Namespace):  # noqa: ANN202
    from geo.auth import open_accounts
    from geo.io.workspaces import default_location

    return open_accounts(args.workspace or default_location())


def _actor() -> str:
    """Who acts, for the audit trail: the command line and the operating-system user."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        who = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return f"cli:{who}"


def _password(args: argparse.Namespace) -> str:
    """The new password: stdin's first line with --password-stdin, else asked twice in a terminal."""
    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        msg = "no terminal to ask for the password: give it on standard input with --password-stdin"
        raise ValueError(msg)
    first = getpass.getpass("new password: ")
    if getpass.getpass("the same again: ") != first:
        msg = "the two passwords differ; nothing was changed"
        raise ValueError(msg)
    return first


def _plain(text: object) -> str:
    """Stored text for a terminal: control characters shown as escapes."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def _row(*cells: object) -> str:
    """One line of tab-separated cells, each with its control characters (tabs too) shown as escapes."""
    return "\t".join(_plain(c) for c in cells)


def _warn_unknown_municipality(args: argparse.Namespace, scope: str) -> None:
    from geo.io.store import WorkspaceError
    from geo.io.workspaces import default_location, list_municipalities

    if scope == "*":
        return
    try:
        known = [m.key for m in list_municipalities(args.workspace or default_location())]
    except (WorkspaceError, ValueError, OSError):
        return
    if scope not in known:
        print(f"note: no municipality {scope!r} there yet ({', '.join(known) or 'none'}); the role is kept for when "
              f"it is imported", file=sys.stderr)


def _summary(account) -> dict[str, object]:  # noqa: ANN001 - geo.auth.Account
    def when(t: dt.datetime | None) -> str | None:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else None

    return {"username": account.username, "name": account.display_name, "disabled": account.disabled,
            "locked_until": when(account.locked_until) if account.is_locked() else None,
            "last_sign_in": when(account.last_sign_in), "created": when(account.created),
            "roles": dict(sorted(account.roles.items()))}


def _add(args: argparse.Namespace) -> int:
    from geo.auth import add_user

    store = _store(args)
    if args.role:
        _warn_unknown_municipality(args, args.scope)
    account = add_user(store, args.username, name=args.name, password=_password(args), role=args.role,
                       municipality=args.scope, by=_actor())
    print(f"added {account.username} ({_plain(account.display_name)})"
          + (f": {args.role} in {args.scope}" if args.role else ": no role yet"))
    return 0


def _set_role(args: argparse.Namespace) -> int:
    from geo.auth import set_role

    role = None if args.role == "none" else args.role
    if role:
        _warn_unknown_municipality(args, args.scope)
    account = set_role(_store(args), args.username, role, municipality=args.scope, by=_actor())
    roles = ", ".join(f"{r} in {m}" for m, r in sorted(account.roles.items())) or "no role"
    print(f"{account.username}: {roles}")
    return 0


def _disable(args: argparse.Namespace) -> int:
    from geo.auth import disable, enable

    account = (enable if args.enable else disable)(_store(args), args.username, by=_actor())
    print(f"{account.username}: {'enabled' if args.enable else 'disabled'}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from geo.auth import reset_password

    account = reset_password(_store(args), args.username, _password(args), by=_actor())
    print(f"{account.username}: password reset")
    return 0


def _link_sso(args: argparse.Namespace) -> int:
    from geo.auth.sso import link_identity, unlink_identity

    if args.unlink:
        unlink_identity(_store(args), args.identity, by=_actor())
        print(f"{_plain(args.identity)}: unlinked")
        return 0
    account = link_identity(_store(args), args.username, args.identity, by=_actor())
    print(f"{_plain(args.identity.strip().lower())} signs in as {account.username}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from geo.auth import list_accounts

    rows = [_summary(a) for a in list_accounts(_store(args))]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for r in rows:
        state = "disabled" if r["disabled"] else f"locked until {r['locked_until']}" if r["locked_until"] else "active"
        roles = ", ".join(f"{role} in {m}" for m, role in r["roles"].items()) or "no role"  # type: ignore[union-attr]
        print(_row(r["username"], r["name"], state, roles, f"last sign-in: {r['last_sign_in'] or 'never'}"))
    return 0


def _day(text: str) -> dt.datetime:
    """A day (or a time) given on the command line; read as UTC by :func:`geo.auth.read_audit`."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date: use YYYY-MM-DD (or YYYY-MM-DDTHH:MM, UTC)"
        raise ValueError(msg) from None


def _audit(args: argparse.Namespace) -> int:
    from geo.atomic import atomic_write
    from geo.auth import audit_csv, read_audit

    until = None
    if args.until:  # a day given alone is the whole day
        until = _day(args.until) + (dt.timedelta(days=1) if len(args.until) == 10 else dt.timedelta(0))
    frame = read_audit(_store(args), since=_day(args.since) if args.since else None, until=until, user=args.user,
                       action=args.action, municipality=args.municipality_filter)
    if args.csv:
        atomic_write(args.csv, audit_csv(frame))
        print(f"wrote {args.csv}: {len(frame):,} entries")
        return 0
    if args.json:
        out = frame.assign(time=frame["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        print(json.dumps(out.to_dict(orient="records"), ensure_ascii=False))
        return 0
    for r in frame.itertuples(index=False):
        print(_row(f"{r.time:%Y-%m-%d %H:%M:%S}", r.user or "-", r.municipality or "-", r.action, r.outcome, r.what))
    return 0


def add_user_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``user add|set-role|disable|reset-password|link-sso|list`` and ``audit`` to the command line."""
    u = sub.add_parser("user", help="accounts: add a user, set a role per municipality, disable, reset a password")
    usub = u.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workspace", help=LOCATION_HELP)

    def scope(p: argparse.ArgumentParser) -> None:
        # dest "scope": `main` reads a "municipality" argument as the workspace to open, which this is not
        p.add_argument("--municipality", dest="scope", default="*", metavar="KEY|*",
                       help="the municipality's key the role holds in, or * for every municipality (default *)")

    a = usub.add_parser("add", help="add a user (the password is asked, or read from standard input)")
    a.add_argument("username", metavar="USERNAME", help="lower-case letters, digits, '.', '_', '-', '@'")
    a.add_argument("--name", required=True, help="the name shown")
    a.add_argument("--role", choices=ROLE_CHOICES, help="the first role (default: none, only published maps)")
    scope(a)
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input's first line")
    common(a)
    a.set_defaults(func=_add)

    r = usub.add_parser("set-role", help="give a user a role in a municipality (or in all); 'none' takes it away")
    r.add_argument("username", metavar="USERNAME")
    r.add_argument("role", metavar="ROLE", choices=(*ROLE_CHOICES, "none"),
                   help="admin, analyst, viewer, public or none")
    scope(r)
    common(r)
    r.set_defaults(func=_set_role)

    d = usub.add_parser("disable", help="stop a user from signing in (roles are kept)")
    d.add_argument("username", metavar="USERNAME")
    d.add_argument("--enable", action="store_true", help="let a disabled user sign in again")
    common(d)
    d.set_defaults(func=_disable)

    p = usub.add_parser("reset-password", help="set a new password and lift a lock")
    p.add_argument("username", metavar="USERNAME")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input's first line")
    common(p)
    p.set_defaults(func=_reset)

    k = usub.add_parser("link-sso", help="let an identity of the single sign-on provider (its e-mail address or "
                                         "subject) sign in as a user; the role stays the user's")
    k.add_argument("username", metavar="USERNAME")
    k.add_argument("identity", metavar="IDENTITY", help="the e-mail address (or subject) the provider sends")
    k.add_argument("--unlink", action="store_true", help="stop IDENTITY signing in (USERNAME is not checked)")
    common(k)
    k.set_defaults(func=_link_sso)

    ls = usub.add_parser("list", help="the users, their roles, state and last sign-in (never a password)")
    ls.add_argument("--json", action="store_true", help="print them as JSON")
    common(ls)
    ls.set_defaults(func=_list)

    t = sub.add_parser("audit", help="the audit trail: sign-ins, imports, exports, role changes... filtered")
    t.add_argument("--since", metavar="D", help="from this day, YYYY-MM-DD (UTC)")
    t.add_argument("--until", metavar="D", help="up to this day, inclusive, YYYY-MM-DD (UTC)")
    t.add_argument("--user", metavar="U", help="only this user's entries")
    t.add_argument("--action", metavar="A", help="only this action (sign_in, sign_in_failed, locked, import, ...)")
    t.add_argument("--municipality", dest="municipality_filter", metavar="KEY",
                   help="only this municipality's entries")
    t.add_argument("--csv", metavar="FILE", help="write the entries to a CSV file (spreadsheet formulas neutralised)")
    t.add_argument("--json", action="store_true", help="print the entries as JSON")
    t.add_argument("--workspace", help=LOCATION_HELP)
    t.set_defaults(func=_audit)
