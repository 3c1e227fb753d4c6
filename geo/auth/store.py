"""Where the accounts and the audit trail are kept: beside the municipalities, in the same kind of store.

The accounts store is opened from the same *location* as the municipalities
(:func:`geo.io.workspaces.default_location`, or what ``--workspace`` names):

- a folder of GeoPackages: ``<folder>/_accounts.gpkg`` (the underscore keeps
  it out of :func:`geo.io.workspaces.list_municipalities`);
- one GeoPackage file ``<folder>/<stem>.gpkg``: ``<folder>/<stem>.accounts.gpkg``
  beside it (the dot keeps it out of a folder's municipalities too);
- a PostgreSQL address (with or without ``?schema=``): the schema
  ``koopsuz_accounts`` of the same database
  (:data:`geo.io.workspaces.ACCOUNTS_SCHEMA`, never listed as a municipality).

The store object is a workspace store (:mod:`geo.io.store` or
:mod:`geo.io.pgstore`), so every write is atomic and crash-safe, and
``locked()`` serialises writers across processes. Its tables are ``users``,
``roles`` and ``audit_log``; times are stored as ISO 8601 UTC text of one
fixed width (``2026-11-30T18:34:34.123456Z``), which sorts as time does and
reads the same from both stores.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from geo.io.workspaces import ACCOUNTS_SCHEMA, is_database, open_workspace, split_schema, with_schema

__all__ = ["ACCOUNTS_FILE", "AUDIT_TABLE", "ROLES_TABLE", "USERS_TABLE", "accounts_location", "as_utc",
           "open_accounts", "parse_time", "stamp", "utc_now"]

ACCOUNTS_FILE = "_accounts.gpkg"  # in a folder of municipalities
USERS_TABLE = "users"
ROLES_TABLE = "roles"
AUDIT_TABLE = "audit_log"
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def accounts_location(location: str | os.PathLike[str]) -> str:
    """The accounts store of the municipalities at ``location`` (see the module's notes).

    Parameters
    ----------
    location : str or path-like
        A folder of GeoPackages, one GeoPackage, or a PostgreSQL address.
    """
    if is_database(location):
        base, _schema = split_schema(str(location))
        return with_schema(base, ACCOUNTS_SCHEMA)
    path = Path(location)
    if path.suffix.lower() == ".gpkg" and not path.is_dir():
        return str(path.with_name(f"{path.stem}.accounts.gpkg"))
    return str(path / ACCOUNTS_FILE)


def open_accounts(location: str | os.PathLike[str], *, lock_timeout: float | None = None):  # noqa: ANN201
    """The accounts store (a workspace store object) of the municipalities at ``location``.

    A folder that does not exist yet is created on the first write; the
    store itself is created by the first account or audit entry.
    """
    where = accounts_location(location)
    if not is_database(where):
        Path(where).parent.mkdir(parents=True, exist_ok=True)
    kw = {} if lock_timeout is None else {"lock_timeout": lock_timeout}
    return open_workspace(where, **kw)


def utc_now() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime | dt.date | str | pd.Timestamp) -> dt.datetime:
    """A moment as an aware UTC datetime; a naive one is taken as UTC, a date as its midnight."""
    ts = pd.Timestamp(moment)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def stamp(moment: dt.datetime | dt.date | str | pd.Timestamp) -> str:
    """The stored text of a moment: ISO 8601 in UTC, microseconds, ``Z`` (one width, so text order is time order)."""
    return as_utc(moment).strftime(_STAMP)


def parse_time(text: object) -> dt.datetime | None:
    """A stored moment back as an aware UTC datetime (``None`` for an empty cell)."""
    if text is None or (isinstance(text, float) and text != text) or text is pd.NaT or str(text).strip() == "":
        return None
    return as_utc(str(text))
