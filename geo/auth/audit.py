"""The audit trail: an append-only log of who did what, when, in which municipality.

Table ``audit_log`` of the accounts store (:mod:`geo.auth.store`), one row per
event: ``time`` (UTC), ``user``, ``municipality`` (a key, ``*`` for all, empty
when the event belongs to none, as a sign-in), ``action`` (a word of
:data:`ACTIONS`, or another lower-case word a caller adds), ``what`` (a short
text, stored as data: never escaped or interpreted here, escaped where shown)
and ``outcome`` (``ok``, ``refused``...).

Every entry is appended in one store write, atomic like every other write, so
the log survives a crash; nothing in this module updates or deletes a row.
Nothing secret goes in ``what``: the callers write what changed (a user name,
a role, a file name), never a password, a hash or a token.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from geo.auth.store import AUDIT_TABLE, stamp, utc_now
from geo.cells import FORMULA_START, safe_cell, safe_cells  # noqa: F401 - re-exported
from geo.messages import AUDIT_ACTION_LABELS

__all__ = ["ACTIONS", "AUDIT_COLUMNS", "FORMULA_START", "audit", "audit_csv", "audit_rows", "read_audit",
           "safe_cell"]

AUDIT_COLUMNS = ("time", "user", "municipality", "action", "what", "outcome")
ACTIONS: tuple[str, ...] = tuple(AUDIT_ACTION_LABELS)  # labels by language: geo.messages.AUDIT_ACTION_LABELS
# Lengths kept: a typed user name at a failed sign-in can be anything, a description of a change a paragraph.
MAX_USER = 100
MAX_WHAT = 1000
_ACTION = re.compile(r"[a-z][a-z0-9_]{0,39}")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV injection).


def audit_rows(*, user: str, municipality: str, action: str, what: str, outcome: str = "ok",
               now: dt.datetime | None = None) -> pd.DataFrame:
    """The log rows of one event, ready to append (see :func:`audit`).

    Raises
    ------
    ValueError
        When ``action`` is not a lower-case word.
    """
    if not _ACTION.fullmatch(str(action)):
        msg = f"{action!r} is not an audit action: use a lower-case word such as {', '.join(ACTIONS[:3])}"
        raise ValueError(msg)
    return pd.DataFrame({"time": [stamp(now or utc_now())], "user": [str(user or "")[:MAX_USER]],
                         "municipality": [str(municipality or "")], "action": [str(action)],
                         "what": [str(what or "")[:MAX_WHAT]], "outcome": [str(outcome or "")]})


def audit(store, *, user: str, municipality: str, action: str, what: str, outcome: str = "ok",  # noqa: ANN001
          now: dt.datetime | None = None) -> None:
    """Append one event to the audit trail, in one atomic write.

    Parameters
    ----------
    store
        The accounts store (:func:`geo.auth.store.open_accounts`).
    user : str
        Who acted (a user name; empty for an anonymous visitor).
    municipality : str
        The municipality's key, ``*`` for all, empty for none.
    action : str
        What kind of event (:data:`ACTIONS`).
    what : str
        A short text: what was imported, exported, changed... Never a secret.
    outcome : str, default "ok"
    now : datetime, optional
        The event's time (default: now, UTC).
    """
    rows = audit_rows(user=user, municipality=municipality, action=action, what=what, outcome=outcome, now=now)
    store.write({AUDIT_TABLE: rows}, mode="append")


def _moment(value: dt.datetime | dt.date | str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def read_audit(store, *, since: dt.datetime | dt.date | str | None = None,  # noqa: ANN001
               until: dt.datetime | dt.date | str | None = None, user: str | None = None,
               action: str | tuple[str, ...] | list[str] | None = None,
               municipality: str | None = None) -> pd.DataFrame:
    """The audit trail, oldest first, filtered.

    Parameters
    ----------
    store
        The accounts store.
    since, until : datetime, date or ISO text, optional
        Only events with ``since <= time < until`` (a date is its midnight UTC;
        a naive time is taken as UTC).
    user : str, optional
        Only this user's events (case-insensitive).
    action : str or sequence of str, optional
        Only these actions.
    municipality : str, optional
        Only events of this municipality's key (``*`` events are those of all).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AUDIT_COLUMNS`; ``time`` as UTC timestamps.
    """
    frame = store.read_table(AUDIT_TABLE)
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in AUDIT_COLUMNS})
    frame = pd.DataFrame(frame)[list(AUDIT_COLUMNS)].copy()
    for col in AUDIT_COLUMNS[1:]:
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
    frame["time"] = pd.to_datetime(frame["time"].astype(str), format="%Y-%m-%dT%H:%M:%S.%fZ", utc=True)
    keep = pd.Series(True, index=frame.index)
    if since is not None:
        keep &= frame["time"] >= _moment(since)
    if until is not None:
        keep &= frame["time"] < _moment(until)
    if user is not None:
        keep &= frame["user"].str.casefold() == str(user).casefold()
    if action is not None:
        keep &= frame["action"].isin([action] if isinstance(action, str) else list(action))
    if municipality is not None:
        keep &= frame["municipality"] == municipality
    return frame[keep].reset_index(drop=True)


def audit_csv(frame: pd.DataFrame) -> bytes:
    """The audit trail (as :func:`read_audit` gives it) as CSV bytes for a download or a file.

    UTF-8 with a byte-order mark (Excel then shows Cyrillic), times as ISO 8601
    UTC, every header and cell a spreadsheet would run as a formula made plain
    text (:func:`safe_cell`); the CSV writer quotes separators and quotes.
    """
    out = frame.copy()
    if "time" in out.columns and pd.api.types.is_datetime64_any_dtype(out["time"]):
        out["time"] = out["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return safe_cells(out).to_csv(index=False).encode("utf-8-sig")
