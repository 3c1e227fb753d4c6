"""Where workspaces live: one store per municipality, GeoPackage files or PostGIS schemas.

A *location* names either one workspace or a set of them (municipalities):

- a GeoPackage file (``data/bishkek.gpkg``): one workspace;
- a folder (``data/workspaces/``): one workspace per ``*.gpkg`` file in it,
  the embedded store's way of holding several municipalities;
- a PostgreSQL address (``postgresql://user@host/db``): one workspace per
  schema that holds a Koopsuz metadata table; ``...?schema=bishkek`` names
  one of them (``schema`` is ours: it is taken off before the address reaches
  libpq).

:func:`open_workspace` gives the store object for a single workspace; both
kinds answer the same methods (``read``, ``read_table``, ``write``, ``meta``,
``fingerprint``, ``version``, ``locked``, ``copy_from``...), so the importer,
the pages, the pack and the command line do not know which they hold.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geo.io.store import LOCK_TIMEOUT, Workspace, WorkspaceError

if TYPE_CHECKING:
    from geo.io.pgstore import Engine, PostGISWorkspace  # only the store imports SQLAlchemy

__all__ = ["ACCOUNTS_SCHEMA", "DATABASE_ENV", "DEFAULT_FOLDER", "SCHEMA_PARAM", "WORKSPACE_ENV", "Municipality",
           "copy_workspace", "default_location", "is_database", "is_single", "list_municipalities", "municipality_key",
           "open_workspace", "resolve_workspace", "split_schema", "with_schema"]

DATABASE_ENV = "KOOPSUZ_DATABASE"
WORKSPACE_ENV = "KOOPSUZ_WORKSPACE"
DEFAULT_FOLDER = Path("data") / "workspaces"  # the embedded store's municipalities, one GeoPackage each
SCHEMA_PARAM = "schema"
_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")
# Schema and file names the stores accept for a municipality: lower-case letters, digits, "_" and "-",
# so that a name never needs quoting in SQL or escaping in a path.
_KEY = re.compile(r"[a-z][a-z0-9_-]{0,40}")
# Schemas PostgreSQL, PostGIS or the store keep for themselves (the accounts, pg_*, koopsuz_*).
_RESERVED = frozenset({"public", "information_schema", "topology", "tiger", "tiger_data"})
# The PostGIS schema of the accounts and the audit trail (geo.auth), beside the municipalities' schemas: never
# listed as a municipality (the GeoPackage folder's "_accounts.gpkg" is left out by _KEY).
ACCOUNTS_SCHEMA = "koopsuz_accounts"


@dataclass(frozen=True)
class Municipality:
    """One municipality's workspace: its key, the name shown, and where it is."""

    key: str
    name: str
    location: str


def is_database(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is a PostgreSQL address rather than a path."""
    return isinstance(location, str) and location.startswith(_SCHEMES)


def split_schema(url: str) -> tuple[str, str | None]:
    """The address without its ``schema`` parameter, and that schema (or ``None``).

    The other parameters (libpq's ``host=``, ``sslmode=``...) are kept as written; a schema is a key
    (:func:`municipality_key`), which never needs percent-encoding.
    """
    base, _sep, query = url.partition("?")
    params = [p for p in query.split("&") if p]
    schema = next((p.partition("=")[2] for p in params if p.partition("=")[0] == SCHEMA_PARAM), None)
    rest = "&".join(p for p in params if p.partition("=")[0] != SCHEMA_PARAM)
    return (f"{base}?{rest}" if rest else base), schema


def with_schema(url: str, schema: str) -> str:
    """The address naming the workspace in ``schema``."""
    base, _old = split_schema(url)
    return f"{base}{'&' if '?' in base else '?'}{SCHEMA_PARAM}={_schema_name(schema)}"


def municipality_key(text: str) -> str:
    """A valid key (file stem or schema name) for a municipality, or a ``ValueError`` saying why not."""
    if not _KEY.fullmatch(text):
        msg = (f"{text!r} cannot name a municipality's workspace: use 1-41 lower-case Latin letters, digits, "
               f"'_' or '-', starting with a letter (for example 'jeti-oguz')")
        raise ValueError(msg)
    if text in _RESERVED or text.startswith(("pg_", "koopsuz_")):
        msg = f"{text!r} cannot name a municipality's workspace: the database uses that name for its own tables"
        raise ValueError(msg)
    return text


def _schema_name(text: str) -> str:
    """``text`` if it is a schema name the stores accept (the store's own schemas included)."""
    if not _KEY.fullmatch(text):
        municipality_key(text)  # the same message
    return text


def default_location(environ: Mapping[str, str] | None = None, *, root: str | os.PathLike[str] = ".") -> str:
    """Where the municipalities' workspaces are, as the app and the command line both find them.

    ``KOOPSUZ_DATABASE`` (a PostGIS database) first, else ``KOOPSUZ_WORKSPACE`` (a GeoPackage or a
    folder of them), else the folder ``data/workspaces`` under ``root``.
    """
    env = os.environ if environ is None else environ
    return env.get(DATABASE_ENV) or env.get(WORKSPACE_ENV) or str(Path(root) / DEFAULT_FOLDER)


def is_single(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` names one workspace (a file, or a database address with its schema)."""
    if is_database(location):
        return split_schema(str(location))[1] is not None
    return not Path(location).is_dir() and Path(location).suffix.lower() == ".gpkg"


def resolve_workspace(location: str | os.PathLike[str], municipality: str | None = None, *,
                      create: bool = False) -> str:
    """The single workspace a command works on: ``location`` itself, or its municipality ``municipality``.

    Parameters
    ----------
    location : str or path-like
        As :func:`list_municipalities` takes it.
    municipality : str, optional
        A municipality's key (or its name); needed when the location holds more than one.
    create : bool, default False
        Whether a municipality not there yet may be named (an import creates its workspace).

    Raises
    ------
    ValueError
        When the municipality is not there, or several are and none is named; the message lists them.
    """
    if is_single(location):
        return str(location)
    found = list_municipalities(location) if is_database(location) or Path(location).is_dir() else []
    keys = ", ".join(m.key for m in found) or "none yet"
    if municipality is None:
        if len(found) == 1:
            return found[0].location
        msg = (f"{_redacted(str(location))} holds {len(found)} municipalities ({keys}): name one with "
               f"--municipality KEY, or give --workspace FILE")
        raise ValueError(msg)
    for m in found:
        if municipality in (m.key, m.name):
            return m.location
    if create:
        key = municipality_key(municipality)
        return with_schema(str(location), key) if is_database(location) else str(Path(location) / f"{key}.gpkg")
    msg = f"no municipality {municipality!r} in {_redacted(str(location))}; there: {keys}"
    raise ValueError(msg)


def open_workspace(location: str | os.PathLike[str], *, lock_timeout: float = LOCK_TIMEOUT,
                   engine: Engine | None = None) -> Workspace | PostGISWorkspace:
    """The store of the single workspace at ``location``.

    Parameters
    ----------
    location : str or path-like
        A GeoPackage path, or a PostgreSQL address with ``?schema=NAME``.
    lock_timeout : float, default LOCK_TIMEOUT
        Seconds a write waits for another write to the same workspace.
    engine : sqlalchemy.engine.Engine, optional
        The database's connection pool to share (:func:`geo.io.pgstore.make_engine`); by default the
        store makes its own. Ignored for a GeoPackage.

    Raises
    ------
    ValueError
        When a PostgreSQL address names no schema, or a path is a folder.
    """
    if is_database(location):
        from geo.io.pgstore import PostGISWorkspace  # psycopg is needed only with a database

        base, schema = split_schema(str(location))
        if not schema:
            msg = (f"{_redacted(str(location))}: name the municipality's workspace with "
                   f"'?{SCHEMA_PARAM}=NAME' (one schema per municipality)")
            raise ValueError(msg)
        return PostGISWorkspace(base, schema=_schema_name(schema), lock_timeout=lock_timeout, engine=engine)
    path = Path(location)
    if path.is_dir():
        msg = f"{path}: a folder of municipalities, not one workspace; name one of its .gpkg files"
        raise ValueError(msg)
    return Workspace(path, lock_timeout=lock_timeout)


def list_municipalities(location: str | os.PathLike[str], *, engine: Engine | None = None) -> list[Municipality]:
    """The municipalities at ``location``, sorted by name.

    A GeoPackage file is one municipality; a folder, each ``*.gpkg`` in it
    (files whose stem is not a valid key are left out); a PostgreSQL address
    without a schema, each schema holding a Koopsuz workspace. The name shown
    is the workspace's ``municipality`` metadata, else its key.

    Raises
    ------
    WorkspaceError
        When the database cannot be reached.
    """
    metas: dict[str, dict[str, str]] | None = None
    if is_database(location):
        from geo.io.pgstore import schema_metas

        base, schema = split_schema(str(location))
        metas = schema_metas(base, engine=engine)  # every schema's metadata in one connection
        keys = [schema] if schema else [k for k in metas if k != ACCOUNTS_SCHEMA]
        places = [(k, with_schema(base, k)) for k in keys]
    else:
        path = Path(location)
        if path.is_dir():
            places = [(p.stem, str(p)) for p in sorted(path.glob("*.gpkg")) if _KEY.fullmatch(p.stem)]
        else:
            places = [(path.stem, str(path))]
    out = []
    for key, where in places:
        try:
            meta = metas.get(key, {}) if metas is not None else open_workspace(where).meta()
        except (WorkspaceError, ValueError):
            meta = {}
        out.append(Municipality(key, meta.get("municipality") or key, where))
    return sorted(out, key=lambda m: (m.name.casefold(), m.key))


def copy_workspace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> dict[str, int]:
    """Copy every table of one workspace into another, in one atomic write.

    Layers, rejected rows, the import log, the category list and map, and the
    metadata; the target's own tables are replaced (it holds exactly the
    source's afterwards). GeoPackage to PostGIS and back, or between two of
    a kind.

    Returns
    -------
    dict of str to int
        Rows copied per table.

    Raises
    ------
    WorkspaceError
        When the source does not exist or either store fails.
    """
    src, dst = open_workspace(source), open_workspace(target)
    if not src.exists:
        msg = f"{src.label}: no such workspace"
        raise WorkspaceError(msg)
    tables = {name: src.read_table(name) for name in src.tables()}
    meta = tables.pop("koopsuz_meta", None)
    meta_dict = {} if meta is None or meta.empty else dict(zip(meta["key"].astype(str), meta["value"].astype(str),
                                                               strict=True))
    dst.write(tables, meta=meta_dict or None, fresh=True)
    return {name: len(frame) for name, frame in tables.items()}


def _redacted(url: str) -> str:
    """The address without its password, for messages."""
    return re.sub(r"^([a-z+]+://[^:/@?]*):[^@/?]*@", r"\1:***@", url)
