"""Accounts, roles per municipality, the sign-in lockout and the audit trail (geo.auth), on both stores."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from conftest import ROOT
from geo.auth import (Account, AuthError, LockoutPolicy, SignInRefused, accounts_location, add_user, audit, audit_csv,
                      disable, enable, get_account, list_accounts, open_accounts, read_audit, reset_password,
                      role_at_least, role_for, set_role, verify)
from geo.io.workspaces import ACCOUNTS_SCHEMA, list_municipalities, open_workspace, with_schema
from geo.messages import AUTH_DISABLED, AUTH_REFUSED, TEMPLATES

# Cheap argon2 parameters for the tests that are not about the hash: the default costs ~0.1 s a hash.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PASSWORD = "Correct-Horse-7"  # noqa: S105 - a test password
HOSTILE = "=cmd|' /C calc'!A0"


def _store(new_store):  # noqa: ANN001, ANN202
    return new_store("acc")


def _refused(store, username: str, password: str, **kw) -> SignInRefused:  # noqa: ANN001
    with pytest.raises(SignInRefused) as caught:
        verify(store, username, password, hasher=FAST, **kw)
    return caught.value


# -- where the accounts are ---------------------------------------------------------------------------------------
def test_the_accounts_store_sits_beside_the_municipalities_and_is_not_one(tmp_path):
    folder = tmp_path / "workspaces"
    folder.mkdir()
    open_workspace(folder / "bishkek.gpkg").write({}, meta={"municipality": "Bishkek"})
    assert accounts_location(folder) == str(folder / "_accounts.gpkg")
    assert accounts_location(folder / "bishkek.gpkg") == str(folder / "bishkek.accounts.gpkg")
    add_user(open_accounts(folder), "ann", name="Ann", password=PASSWORD, hasher=FAST)
    add_user(open_accounts(folder / "bishkek.gpkg"), "ann", name="Ann", password=PASSWORD, hasher=FAST)
    assert (folder / "_accounts.gpkg").is_file() and (folder / "bishkek.accounts.gpkg").is_file()
    assert [m.key for m in list_municipalities(folder)] == ["bishkek"]
    assert accounts_location("postgresql://u@h/db?schema=bishkek") == f"postgresql://u@h/db?schema={ACCOUNTS_SCHEMA}"


def test_the_accounts_schema_is_not_a_municipality(pg):
    open_workspace(with_schema(pg.url, "osh_town")).write({}, meta={"municipality": "Osh"})
    store = open_accounts(pg.url)
    assert store.schema == ACCOUNTS_SCHEMA
    add_user(store, f"u{uuid.uuid4().hex[:8]}", name="Someone", password=PASSWORD, hasher=FAST)
    keys = [m.key for m in list_municipalities(pg.url)]
    assert "osh_town" in keys and ACCOUNTS_SCHEMA not in keys


# -- accounts and sign-in -----------------------------------------------------------------------------------------
def test_add_verify_and_the_same_refusal_for_an_unknown_user(new_store):
    store = _store(new_store)
    added = add_user(store, "Aigul.K", name="  Aigul   Kadyrova ", password=PASSWORD, role="analyst",
                     municipality="bishkek", hasher=FAST, by="admin", now=T0)
    assert added.username == "aigul.k" and added.display_name == "Aigul Kadyrova"
    account = verify(store, "AIGUL.K", PASSWORD, hasher=FAST, now=T0 + dt.timedelta(minutes=1))
    assert isinstance(account, Account) and account.last_sign_in == T0 + dt.timedelta(minutes=1)
    wrong = _refused(store, "aigul.k", "not the password")
    unknown = _refused(store, "nobody", "not the password")
    assert str(wrong) == str(unknown) == AUTH_REFUSED and wrong.reason == unknown.reason == "wrong"
    log = read_audit(store)
    assert list(log["action"]) == ["user_change", "role_change", "sign_in", "sign_in_failed", "sign_in_failed"]
    assert list(log["user"][2:]) == ["aigul.k", "aigul.k", "nobody"]
    assert AUTH_REFUSED in TEMPLATES and AUTH_DISABLED in TEMPLATES


def test_twenty_wrong_passwords_lock_the_account_for_a_while_and_are_all_audited(new_store):
    store = _store(new_store)
    add_user(store, "timur", name="Timur", password=PASSWORD, role="viewer", hasher=FAST, now=T0)
    reasons = [_refused(store, "timur", f"guess {i}", now=T0 + dt.timedelta(seconds=i)).reason for i in range(20)]
    assert reasons == ["wrong"] * 5 + ["locked"] * 15
    account = get_account(store, "timur")
    assert account.is_locked(now=T0 + dt.timedelta(minutes=1))
    assert account.locked_until == T0 + dt.timedelta(seconds=4) + dt.timedelta(minutes=15)
    log = read_audit(store, user="timur")
    assert (log["action"] == "sign_in_failed").sum() == 20
    assert (log["action"] == "locked").sum() == 1
    # the right password is refused while locked, and says so
    locked = _refused(store, "timur", PASSWORD, now=T0 + dt.timedelta(minutes=10))
    assert locked.reason == "locked" and "locked until" in str(locked)
    # after the lock, the right password opens it, and the count starts again
    assert verify(store, "timur", PASSWORD, hasher=FAST, now=account.locked_until + dt.timedelta(seconds=1))
    assert get_account(store, "timur").failed_attempts == 0
    # nothing stored holds a password typed
    for table in ("users", "roles", "audit_log"):
        text = store.read_table(table).to_csv()
        assert "guess" not in text and PASSWORD not in text


def test_failures_further_apart_than_the_window_do_not_lock(new_store):
    store = _store(new_store)
    add_user(store, "slow", name="Slow", password=PASSWORD, hasher=FAST, now=T0)
    policy = LockoutPolicy(max_failures=3, window=dt.timedelta(minutes=10), lock=dt.timedelta(minutes=5))
    for i in range(6):
        assert _refused(store, "slow", "nope", now=T0 + dt.timedelta(minutes=11 * i), policy=policy).reason == "wrong"
    assert not get_account(store, "slow").is_locked(now=T0 + dt.timedelta(minutes=56))
    for i in range(3):
        _refused(store, "slow", "nope", now=T0 + dt.timedelta(hours=2, seconds=i), policy=policy)
    account = get_account(store, "slow")
    assert account.locked_until == T0 + dt.timedelta(hours=2, seconds=2, minutes=5)


def test_roles_differ_per_municipality(new_store):
    store = _store(new_store)
    add_user(store, "nurlan", name="Nurlan", password=PASSWORD, role="viewer", municipality="*", hasher=FAST)
    account = set_role(store, "nurlan", "analyst", municipality="bishkek", by="admin")
    assert role_for(account, "bishkek") == "analyst" and role_for(account, "jeti-oguz") == "viewer"
    account = set_role(store, "nurlan", "public", municipality="jeti-oguz", by="admin")
    assert account.role_for("jeti-oguz") == "public" and account.role_for("osh") == "viewer"
    account = set_role(store, "nurlan", None, municipality="*", by="admin")
    assert account.role_for("osh") is None and account.role_for("bishkek") == "analyst"
    assert get_account(store, "nurlan").roles == {"bishkek": "analyst", "jeti-oguz": "public"}
    assert role_at_least("admin", "analyst") and role_at_least("analyst", "viewer")
    assert not role_at_least("viewer", "analyst") and not role_at_least(None, "viewer")
    log = read_audit(store, action="role_change")
    assert list(log["municipality"]) == ["*", "bishkek", "jeti-oguz", "*"]
    assert list(read_audit(store, action="role_change", municipality="bishkek")["what"]) == [
        "role of nurlan set to analyst in bishkek"]


def test_disable_enable_and_reset(new_store):
    store = _store(new_store)
    add_user(store, "dina", name="Dina", password=PASSWORD, role="analyst", hasher=FAST)
    assert disable(store, "dina", by="admin").disabled
    assert role_for(get_account(store, "dina"), "bishkek") is None
    refused = _refused(store, "dina", PASSWORD)
    assert refused.reason == "disabled" and str(refused) == AUTH_DISABLED
    assert _refused(store, "dina", "wrong one").reason == "wrong"  # a wrong password does not learn it is disabled
    enable(store, "dina", by="admin")
    for i in range(5):
        _refused(store, "dina", "wrong again", now=T0 + dt.timedelta(seconds=i))
    assert get_account(store, "dina").is_locked(now=T0 + dt.timedelta(minutes=1))
    reset_password(store, "dina", "A-brand-new-one", by="admin", hasher=FAST)
    assert not get_account(store, "dina").is_locked(now=T0 + dt.timedelta(minutes=1))
    assert verify(store, "dina", "A-brand-new-one", hasher=FAST, now=T0 + dt.timedelta(minutes=1))
    assert _refused(store, "dina", PASSWORD, now=T0 + dt.timedelta(minutes=2)).reason == "wrong"
    log = read_audit(store, action="user_change")
    assert list(log["what"]) == ["user dina added", "user dina disabled", "user dina enabled", "password of dina reset"]
    assert "A-brand-new-one" not in store.read_table("audit_log").to_csv()


def test_bad_values_are_refused_with_a_reason(new_store):
    store = _store(new_store)
    add_user(store, "ok", name="OK", password=PASSWORD, hasher=FAST)
    cases = [
        (lambda: add_user(store, "ok", name="Again", password=PASSWORD, hasher=FAST), "already exists"),
        (lambda: add_user(store, "1abc", name="X", password=PASSWORD, hasher=FAST), "cannot be a user name"),
        (lambda: add_user(store, "bad name", name="X", password=PASSWORD, hasher=FAST), "cannot be a user name"),
        (lambda: add_user(store, "short", name="X", password="abc", hasher=FAST), "too short"),
        (lambda: add_user(store, "noname", name="  ", password=PASSWORD, hasher=FAST), "give the user's name"),
        (lambda: set_role(store, "ok", "boss"), "is not a role"),
        (lambda: set_role(store, "ok", "viewer", municipality="Bad Key"), "cannot name a municipality"),
        (lambda: set_role(store, "ghost", "viewer"), "there is no user ghost"),
        (lambda: disable(store, "ghost"), "there is no user ghost"),
    ]
    for call, words in cases:
        with pytest.raises(AuthError, match=words):
            call()
    assert [a.username for a in list_accounts(store)] == ["ok"]


def test_two_admins_at_once_both_land(new_store):
    store = _store(new_store)
    add_user(store, "shared", name="Shared", password=PASSWORD, hasher=FAST)
    places = [f"m{i}" for i in range(8)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def admin(keys: list[str]) -> None:
        own = open_workspace(store.location)  # each admin its own store object, as two sessions or processes
        try:
            barrier.wait()
            for key in keys:
                set_role(own, "shared", "viewer", municipality=key, by="admin")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=admin, args=(places[k::2],)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert get_account(store, "shared").roles == dict.fromkeys(places, "viewer")
    assert len(read_audit(store, action="role_change")) == len(places)


def test_the_hash_is_argon2id_rehashed_when_parameters_change_and_never_shown(new_store):
    store = _store(new_store)
    account = add_user(store, "hash", name="Hash", password=PASSWORD, hasher=FAST)
    old = str(store.read_table("users")["password_hash"].iloc[0])
    assert old.startswith("$argon2id$") and "m=1024" in old
    current = PasswordHasher()
    assert verify(store, "hash", PASSWORD, hasher=current)
    new = str(store.read_table("users")["password_hash"].iloc[0])
    assert new.startswith("$argon2id$") and new != old and not current.check_needs_rehash(new)
    assert verify(store, "hash", PASSWORD, hasher=current)  # the new hash verifies
    shown = repr(account) + repr(list_accounts(store)) + str(get_account(store, "hash"))
    assert "argon2" not in shown and PASSWORD not in shown


# -- the audit trail ----------------------------------------------------------------------------------------------
def test_audit_appends_and_filters(new_store):
    store = _store(new_store)
    days = [T0 + dt.timedelta(days=d) for d in range(4)]
    audit(store, user="a", municipality="bishkek", action="import", what="incidents.csv: 120 rows", now=days[0])
    audit(store, user="b", municipality="jeti-oguz", action="export", what="overview.pdf", now=days[1])
    audit(store, user="a", municipality="bishkek", action="view_exact_points", what="Map", now=days[2])
    audit(store, user="a", municipality="bishkek", action="export", what="pack.zip", outcome="failed", now=days[3])
    assert len(read_audit(store)) == 4
    assert list(read_audit(store, since=days[1].date(), until=days[3])["what"]) == ["overview.pdf", "Map"]
    assert list(read_audit(store, user="A", action="export")["what"]) == ["pack.zip"]
    assert list(read_audit(store, municipality="jeti-oguz")["user"]) == ["b"]
    assert list(read_audit(store, action=["import", "view_exact_points"])["action"]) == ["import", "view_exact_points"]
    assert read_audit(store)["time"].iloc[0] == days[0]
    with pytest.raises(ValueError, match="not an audit action"):
        audit(store, user="a", municipality="", action="Drop Table", what="")


def test_the_audit_csv_neutralises_formulas(new_store):
    store = _store(new_store)
    _refused(store, HOSTILE, "whatever")  # a typed user name is stored as typed (lower case), as data
    audit(store, user="+sum", municipality="@x", action="export", what=HOSTILE)
    audit(store, user="a", municipality="", action="export", what="-2+3, \"quoted\"\nsecond line")
    rows = list(csv.reader(io.StringIO(audit_csv(read_audit(store)).decode("utf-8-sig"))))
    assert rows[0] == ["time", "user", "municipality", "action", "what", "outcome"]
    assert rows[1][1] == "'" + HOSTILE.lower()
    assert rows[2][1:5] == ["'+sum", "'@x", "export", "'" + HOSTILE]
    assert rows[3][4] == "'-2+3, \"quoted\"\nsecond line"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# -- the command line ---------------------------------------------------------------------------------------------
def _geo(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_the_command_line_round_trip(store_kind, tmp_path, request):
    location = str(tmp_path / "workspaces") if store_kind == "gpkg" else request.getfixturevalue("pg").url
    user = f"cli{uuid.uuid4().hex[:8]}"  # the PostGIS accounts schema is shared by the session's tests
    ws = ["--workspace", location]
    said = []

    def run(*args: str, stdin: str = "", code: int = 0) -> subprocess.CompletedProcess[str]:
        p = _geo(*args, *ws, stdin=stdin)
        said.append(p.stdout + p.stderr)
        assert p.returncode == code, p.stderr
        return p

    run("user", "add", user, "--name", "Gulnara <b>A</b>", "--role", "viewer", "--municipality", "bishkek",
        "--password-stdin", stdin=PASSWORD + "\n")
    run("user", "set-role", user, "analyst", "--municipality", "*")
    listed = {a["username"]: a for a in json.loads(run("user", "list", "--json").stdout)}
    assert listed[user]["roles"] == {"*": "analyst", "bishkek": "viewer"}
    assert listed[user]["name"] == "Gulnara <b>A</b>"
    store = open_accounts(location)
    assert verify(store, user, PASSWORD, hasher=FAST)
    run("user", "reset-password", user, "--password-stdin", stdin="Another-Secret-9\n")
    assert verify(store, user, "Another-Secret-9", hasher=FAST)
    run("user", "disable", user)
    assert get_account(store, user).disabled
    refused = run("user", "add", user + "x", "--name", "No password", code=2)  # no terminal, no --password-stdin
    assert "--password-stdin" in refused.stderr
    run("user", "add", user + "y", "--name", "Short", "--password-stdin", stdin="abc\n", code=2)
    out = tmp_path / "audit.csv"
    run("audit", "--user", user, "--csv", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    # the user's own entries: the two sign-ins above (the admin's changes are the actor's, "cli:...")
    assert [r["action"] for r in rows] == ["sign_in", "sign_in"]
    assert all(r["user"] == user for r in rows)
    text = run("audit", "--action", "user_change").stdout
    assert f"user {user} added" in text and f"user {user} disabled" in text and f"password of {user} reset" in text
    everything = "\n".join(said) + out.read_text(encoding="utf-8-sig")
    assert PASSWORD not in everything and "Another-Secret-9" not in everything and "argon2" not in everything


def test_the_command_line_shows_stored_control_characters_as_escapes(tmp_path):
    folder = tmp_path / "w"
    audit(open_accounts(folder), user="x\x1b[31mred", municipality="", action="export", what="a\tb\nc")
    p = _geo("audit", "--workspace", str(folder))
    assert p.returncode == 0, p.stderr
    assert "\x1b" not in p.stdout and "x\\x1b[31mred" in p.stdout and "a\\tb\\nc" in p.stdout
    assert Path(accounts_location(folder)).is_file()


def test_the_address_limiter_counts_a_sliding_window_and_forgets_idle_addresses():
    import datetime as dt

    from geo.auth import AddressLimiter

    t0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    lim = AddressLimiter(max_attempts=3, window=dt.timedelta(minutes=10), max_addresses=2)
    for minute in (0, 1, 2):
        assert lim.wait("a", t0 + dt.timedelta(minutes=minute)) == dt.timedelta(0)
        lim.failed("a", t0 + dt.timedelta(minutes=minute))
    assert lim.wait("a", t0 + dt.timedelta(minutes=3)) == dt.timedelta(minutes=7)  # until the first leaves
    assert lim.wait("a", t0 + dt.timedelta(minutes=10)) == dt.timedelta(0)
    assert lim.wait("b", t0) == dt.timedelta(0)
    lim.failed("b", t0 + dt.timedelta(minutes=4))
    lim.failed("c", t0 + dt.timedelta(minutes=5))  # a third address: "a", idle longest, is forgotten
    assert set(lim._failures) == {"b", "c"}
    with pytest.raises(ValueError):
        AddressLimiter(max_attempts=0)
