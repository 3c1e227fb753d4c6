"""The shared store: a workspace in one schema of a PostgreSQL database with PostGIS.

The same methods as the GeoPackage :class:`geo.io.store.Workspace`, so the
importer, the pages, the pack and the command line use either. One schema per
municipality; QGIS, ArcGIS and GeoServer open the tables directly (each has an
integer primary key ``koopsuz_row`` and its geometry a GiST index, which
GeoAlchemy2 creates with the table).

Guarantees, as the GeoPackage's:

- A write (an import, a category change, a copy) is one transaction: every
  table it names and the metadata change together or not at all; a killed
  process or a lost connection rolls it back, so the store is as before.
- Writes to one workspace are serialised by a transaction-level advisory lock
  on the schema, waited for at most ``lock_timeout`` seconds (PostgreSQL's
  ``lock_timeout`` bounds the wait), so the importer's "check the layer, then
  write" cannot interleave with another import.
- Readers never see half a write (MVCC). :meth:`snapshot` reads several tables
  in one repeatable-read transaction, so the five layers of a page come from
  one version of the workspace; it waits for a write in progress to end
  (writes replace tables by DROP and CREATE, which an older snapshot would
  read as empty). A single read that waited behind a write that replaced
  its table is retried once against the new table.
- :meth:`version` is a counter the writes raise in the same transaction, so
  every app replica's cache keyed by it sees an import made through another.

Migrations are numbered SQL files in ``geo/io/migrations`` applied in order
and recorded in each schema's ``koopsuz_migrations``: the store's own tables
are two small bookkeeping tables while the data tables follow the data model
(:mod:`geo.schema`) and are written whole by geopandas, so Alembic's
autogeneration and its environment would add more than they save here.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from geo.checks import check_choice
from geo.io.store import ABSENT, LOCK_TIMEOUT, META_TABLE, MODES, Leftovers, WorkspaceError, _is_geo
from geo.messages import WS_BUSY, WS_NOTHING_TO_COPY, WS_TABLE_NO_CRS, WS_TABLE_UNREADABLE
from geo.schema import LAYERS, spec

__all__ = ["ROW_KEY", "PostGISWorkspace", "list_schemas"]

ROW_KEY = "koopsuz_row"  # each table's primary key; also keeps the rows in the order they were written
STATE_TABLE = "koopsuz_state"
MIGRATIONS = Path(__file__).with_name("migrations")
_BOOKKEEPING = {STATE_TABLE, "koopsuz_migrations"}
CONNECT_TIMEOUT = 10  # seconds to reach the server before a clear error


def make_engine(url: str, *, pool_size: int = 2, max_overflow: int = 4) -> Engine:
    """A connection pool to the database at ``url``, to share between its workspaces (schemas).

    A page server keeps one per database (``views.common``): a pool per schema would hold ten times the
    connections with ten municipalities, and PostgreSQL's ``max_connections`` is 100 by default.
    """
    return _engine(url, pool_size=pool_size, max_overflow=max_overflow)


def _engine(url: str, *, pool_size: int = 2, max_overflow: int = 4) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    elif url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    return sa.create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                            connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "koopsuz",
                                          # no server-side prepared plans: a replaced table changes its columns
                                          "prepare_threshold": None})


def list_schemas(url: str, *, engine: Engine | None = None) -> list[str]:
    """The schemas of the database at ``url`` that hold a Koopsuz workspace."""
    return list(schema_metas(url, engine=engine))


def schema_metas(url: str, *, engine: Engine | None = None) -> dict[str, dict[str, str]]:
    """Each Koopsuz schema of the database and its metadata, read in one connection (two queries)."""
    own = engine is None
    engine = engine or _engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as con:
            schemas = [str(r) for r in con.execute(sa.text(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = :t ORDER BY 1"),
                {"t": STATE_TABLE}).scalars()]
            metas: dict[str, dict[str, str]] = {s: {} for s in schemas}
            with_meta = [s for s in schemas if _table_exists(con, s, META_TABLE)]
            if with_meta:
                union = " UNION ALL ".join(f"SELECT '{s}' AS schema, key, value FROM \"{s}\".{META_TABLE}"
                                           for s in with_meta)  # names are checked keys: no quoting needed
                for schema, key, value in con.execute(sa.text(union)):
                    metas[str(schema)][str(key)] = str(value)
            return metas
    except sa.exc.OperationalError as exc:
        msg = f"{engine.url.render_as_string(hide_password=True)}: cannot reach the database ({exc.orig})"
        raise WorkspaceError(msg) from exc
    finally:
        if own:
            engine.dispose()


class PostGISWorkspace:
    """A workspace in schema ``schema`` of the PostGIS database at ``url``.

    Parameters
    ----------
    url : str
        ``postgresql://user[:password]@host[:port]/database`` (libpq's form).
    schema : str
        The municipality's schema; created with the store's tables on first write.
    lock_timeout : float, default LOCK_TIMEOUT
        Seconds a write waits for another write to the same schema, and a read
        for a write that holds a table it needs.
    """

    def __init__(self, url: str, *, schema: str, lock_timeout: float = LOCK_TIMEOUT,
                 engine: Engine | None = None) -> None:
        self.url = url
        self.schema = schema
        self.lock_timeout = float(lock_timeout)
        self._engine = engine if engine is not None else _engine(url)
        # this thread's open write and snapshot connections: one object serves every session of a page server
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"PostGISWorkspace({self.label!r})"

    # -- identity -------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The workspace's short name in messages: its schema."""
        return self.schema

    @property
    def label(self) -> str:
        """Where the workspace is, for messages (never the password)."""
        return f"{sa.engine.make_url(self.url).render_as_string(hide_password=True)} (schema {self.schema})"

    @property
    def location(self) -> str:
        """The address :func:`geo.io.workspaces.open_workspace` takes to open it again (with its password)."""
        from geo.io.workspaces import with_schema

        return with_schema(self.url, self.schema)

    # -- connections ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _connection(self) -> Iterator[Connection]:
        """The connection of this thread's open write or snapshot, else a new one in its own transaction."""
        held = getattr(self._local, "tx", None) or getattr(self._local, "snap", None)
        if held is not None:
            yield held
            return
        try:
            with self._engine.begin() as con:
                self._set_timeouts(con)
                yield con
        except sa.exc.OperationalError as exc:
            raise self._error(exc) from exc

    def _set_timeouts(self, con: Connection) -> None:
        ms = max(int(self.lock_timeout * 1000), 1)
        con.execute(sa.text(f"SET LOCAL lock_timeout = {ms}"))

    def _error(self, exc: Exception) -> WorkspaceError:
        orig = getattr(exc, "orig", exc)
        if getattr(orig, "sqlstate", None) == "55P03":  # lock_not_available: the lock_timeout passed
            return WorkspaceError(WS_BUSY.format(file=self.label, seconds=f"{self.lock_timeout:g}"))
        text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        return WorkspaceError(f"{self.label}: {text}")

    @contextlib.contextmanager
    def locked(self) -> Iterator[PostGISWorkspace]:
        """Hold the workspace's write lock for the block, in one transaction (re-entrant in its thread).

        Whatever a change builds on is read inside the block, on the same
        transaction, so no other write slips in between; the block's writes
        commit together when it ends, or roll back if it raises.

        Raises
        ------
        WorkspaceError
            When another write still holds the lock after ``lock_timeout``.
        """
        if getattr(self._local, "tx", None) is not None:
            yield self
            return
        try:
            with self._engine.begin() as con:
                self._set_timeouts(con)
                con.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"koopsuz:{self.schema}"})
                self._local.tx = con
                try:
                    yield self
                finally:
                    self._local.tx = None
        except sa.exc.DBAPIError as exc:
            raise self._error(exc) from exc

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[PostGISWorkspace]:
        """Read several tables as of one moment (a repeatable-read, read-only transaction)."""
        if getattr(self._local, "snap", None) is not None or getattr(self._local, "tx", None) is not None:
            yield self
            return
        try:
            with self._engine.connect() as con:
                con = con.execution_options(isolation_level="REPEATABLE READ")
                with con.begin():
                    con.execute(sa.text("SET TRANSACTION READ ONLY"))
                    self._set_timeouts(con)
                    self._wait_for_writes(con)
                    self._local.snap = con
                    try:
                        yield self
                    finally:
                        self._local.snap = None
        except sa.exc.OperationalError as exc:
            raise self._error(exc) from exc

    def _wait_for_writes(self, con: Connection) -> None:
        # A write replaces a table by DROP and CREATE, which is not MVCC-safe: a repeatable-read snapshot taken
        # before the write commits would find the new table (catalogue lookups are always current) and none of
        # its rows (they are newer than the snapshot), so a page would read an empty layer or no metadata.
        # Writes hold the state table in EXCLUSIVE mode from before their first change; this SHARE lock waits
        # for such a write to end, and LOCK TABLE does not freeze the snapshot (the first SELECT does), so
        # the snapshot is taken after it. A workspace without the state table yet has nothing to wait for.
        try:
            with con.begin_nested():
                con.execute(sa.text(f'LOCK TABLE "{self.schema}".{STATE_TABLE} IN SHARE MODE'))
        except sa.exc.DBAPIError as exc:
            if getattr(_driver_error(exc), "sqlstate", None) not in ("42P01", "3F000", "XX000"):
                raise

    def remove_leftovers(self) -> Leftovers:
        """Nothing to remove: a killed write's transaction is rolled back by the server."""
        return Leftovers(Path(self.schema))

    # -- what is there --------------------------------------------------------------------------------
    @property
    def exists(self) -> bool:
        try:
            with self._connection() as con:
                return _table_exists(con, self.schema, STATE_TABLE)
        except WorkspaceError:
            raise
        except sa.exc.DBAPIError as exc:
            raise self._error(exc) from exc

    def tables(self) -> list[str]:
        """Names of the workspace's tables in the order they were first written (empty if none)."""
        if not self.exists:
            return []
        with self._connection() as con:
            rows = con.execute(sa.text(f'SELECT table_name FROM "{self.schema}".{STATE_TABLE} ORDER BY created'))
            return [str(r) for r in rows.scalars() if r not in _BOOKKEEPING]

    def has(self, table: str) -> bool:
        return table in self.tables()

    def fingerprint(self, table: str) -> str:
        """What ``table`` is now: the store version of its last change and its row count, or ``"absent"``."""
        if not self.exists:
            return ABSENT
        with self._connection() as con:
            changed = con.execute(sa.text(f'SELECT changed FROM "{self.schema}".{STATE_TABLE} WHERE table_name = :t'),
                                  {"t": table}).scalar()
            if changed is None:
                return ABSENT
            count = con.execute(sa.text(f'SELECT count(*) FROM "{self.schema}"."{table}"')).scalar()
        return f"{changed}|{count}"

    def version(self) -> tuple[int, int]:
        """A counter every write raises (and the number of tables): a cache key for readers in any process."""
        if not self.exists:
            return (0, 0)
        with self._connection() as con:
            row = con.execute(sa.text(f'SELECT max(changed), count(*) FROM "{self.schema}".{STATE_TABLE}')).one()
        return (int(row[0] or 0), int(row[1]))

    # -- reading --------------------------------------------------------------------------------------
    def read(self, layer: str, *, bbox: tuple[float, float, float, float] | None = None,
             start: object = None, end: object = None) -> gpd.GeoDataFrame:
        """Read a layer; an absent layer gives an empty frame with its columns.

        Parameters
        ----------
        layer : str
            The layer's table.
        bbox : (xmin, ymin, xmax, ymax), optional
            Only rows whose geometry's bounding box meets this box (in the
            layer's CRS), found by the spatial index in the database.
        start, end : date-like, optional
            Only rows with ``start <= occurred_at < end``, filtered in the database.
        """
        if layer in LAYERS and not self.has(layer):
            s = spec(layer)
            return gpd.GeoDataFrame({f: pd.Series(dtype=object) for f in s.field_names}, geometry=[],
                                    crs="EPSG:4326")
        where, params = [], {}
        if bbox is not None:
            where.append("geometry && ST_MakeEnvelope(:x0, :y0, :x1, :y1, "
                         f"Find_SRID('{self.schema}', '{layer}', 'geometry'))")
            params.update(zip(("x0", "y0", "x1", "y1"), map(float, bbox), strict=True))
        if start is not None:
            where.append("occurred_at >= :start")
            params["start"] = pd.Timestamp(start).to_pydatetime()
        if end is not None:
            where.append("occurred_at < :end")
            params["end"] = pd.Timestamp(end).to_pydatetime()
        return self._read(layer, where=" AND ".join(where), params=params)

    def read_table(self, table: str) -> pd.DataFrame:
        """Read any table (rejected rows, log); empty frame if absent."""
        if not self.has(table):
            return pd.DataFrame()
        return self._read(table)

    def _read(self, table: str, *, where: str = "", params: Mapping[str, object] | None = None):
        sql = f'SELECT * FROM "{self.schema}"."{table}"' + (f" WHERE {where}" if where else "") + f" ORDER BY {ROW_KEY}"
        for attempt in (1, 2):
            try:
                with self._connection() as con:
                    geo = con.execute(sa.text("SELECT f_geometry_column FROM geometry_columns WHERE "
                                              "f_table_schema = :s AND f_table_name = :t"),
                                      {"s": self.schema, "t": table}).scalar()
                    if geo is None:
                        frame = pd.read_sql(sa.text(sql), con, params=dict(params or {}))
                    else:
                        frame = gpd.read_postgis(sa.text(sql), con, geom_col=geo, params=dict(params or {}))
                return frame.drop(columns=[ROW_KEY], errors="ignore")
            except (sa.exc.DBAPIError, pd.errors.DatabaseError) as exc:
                orig = _driver_error(exc)
                state = getattr(orig, "sqlstate", None)
                # a read that waited behind a write which replaced the table finds the old one gone: read the new
                if attempt == 1 and state in ("42P01", "XX000"):
                    continue
                if state == "55P03" or isinstance(exc, sa.exc.OperationalError):
                    raise self._error(orig) from exc
                msg = WS_TABLE_UNREADABLE.format(file=self.label, name=table, reason=orig)
                raise WorkspaceError(msg) from exc
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def meta(self) -> dict[str, str]:
        """Key/value metadata of the workspace."""
        df = self.read_table(META_TABLE)
        if df.empty:
            return {}
        return dict(zip(df["key"].astype(str), df["value"].astype(str), strict=True))

    # -- writing --------------------------------------------------------------------------------------
    def copy_from(self, other: object) -> None:
        """Make this workspace a copy of ``other`` (any store; one transaction)."""
        if not getattr(other, "exists", False):
            msg = WS_NOTHING_TO_COPY.format(file=getattr(other, "label", other))
            raise WorkspaceError(msg)
        tables = {name: other.read_table(name) for name in other.tables()}  # type: ignore[attr-defined]
        meta = other.meta()  # type: ignore[attr-defined]
        tables.pop(META_TABLE, None)
        self.write(tables, meta=meta or None, fresh=True)

    def write(
        self,
        tables: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
        *,
        mode: str | Mapping[str, str] = "replace",
        meta: Mapping[str, str] | None = None,
        fresh: bool = False,
    ) -> None:
        """Write tables in one transaction; as :meth:`geo.io.store.Workspace.write`.

        Raises
        ------
        WorkspaceError
            When another write still holds the workspace after ``lock_timeout``,
            or the database refuses the write (nothing is changed then).
        """
        modes = {name: mode for name in tables} if isinstance(mode, str) else dict(mode)
        for m in modes.values():
            check_choice(m, MODES, "mode")
        for name, frame in tables.items():
            if _is_geo(frame) and frame.crs is None:
                raise ValueError(WS_TABLE_NO_CRS.format(name=name))
        with self.locked():
            con = self._local.tx
            try:
                self._write(con, dict(tables), modes, meta, fresh=fresh)
            except sa.exc.DBAPIError as exc:
                raise self._error(exc) from exc

    def _write(self, con: Connection, tables: dict[str, pd.DataFrame], modes: dict[str, str],
               meta: Mapping[str, str] | None, *, fresh: bool) -> None:
        s = self.schema
        previous = 0
        if _table_exists(con, s, STATE_TABLE):  # readers' snapshots wait for this write (_wait_for_writes)
            con.execute(sa.text(f'LOCK TABLE "{s}".{STATE_TABLE} IN EXCLUSIVE MODE'))
        if fresh:
            # the new workspace's version goes on from the replaced one's: a cache keyed by the version (every
            # replica's) must not take the new content for the old one, nor an import's check its fingerprint
            if _table_exists(con, s, STATE_TABLE):
                previous = int(con.execute(sa.text(f'SELECT coalesce(max(changed), 0) FROM "{s}".{STATE_TABLE}'))
                               .scalar())
            con.execute(sa.text(f'DROP SCHEMA IF EXISTS "{s}" CASCADE'))
        con.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{s}"'))
        _migrate(con, s)
        if meta:
            merged = {**({} if fresh else self.meta()), **{str(k): str(v) for k, v in meta.items()}}
            tables[META_TABLE] = pd.DataFrame({"key": list(merged), "value": list(merged.values())})
        version = int(con.execute(sa.text(f'SELECT coalesce(max(changed), 0) + 1 FROM "{s}".{STATE_TABLE}')).scalar())
        version = max(version, previous + 1)
        for name, frame in tables.items():
            exists = _table_exists(con, s, name)
            appending = modes.get(name, "replace") == "append" and exists and name != META_TABLE
            if appending and _insert(con, s, name, frame):
                pass  # the new rows added in place: the import log and audit trail grow without a rewrite
            else:
                if appending:
                    frame = self._appended(con, name, frame)
                if exists:
                    con.execute(sa.text(f'DROP TABLE "{s}"."{name}"'))
                _create(con, s, name, frame)
            con.execute(sa.text(f'INSERT INTO "{s}".{STATE_TABLE} (table_name, changed) VALUES (:t, :v) '
                                "ON CONFLICT (table_name) DO UPDATE SET changed = EXCLUDED.changed"),
                        {"t": name, "v": version})
        if not tables:
            con.execute(sa.text(f"INSERT INTO \"{s}\".{STATE_TABLE} (table_name, changed) VALUES ('{STATE_TABLE}', :v) "
                                "ON CONFLICT (table_name) DO UPDATE SET changed = EXCLUDED.changed"), {"v": version})

    def _appended(self, con: Connection, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        # Appending rewrites the table with the old rows first, as the GeoPackage store does: columns are the
        # union of old and new, and the rows keep one order (the import log and rejected rows rely on it).
        old = self._read(name)
        if _is_geo(frame) and _is_geo(old):
            frame = frame.to_crs(old.crs)
        out = pd.concat([old, frame], ignore_index=True)
        if _is_geo(old):
            out = gpd.GeoDataFrame(out, geometry=old.geometry.name, crs=old.crs)
        return out


def _table_exists(con: Connection, schema: str, table: str) -> bool:
    # A catalog scan, not to_regclass: after waiting for the advisory lock, a statement that locks no relation
    # can still see the catalog as it was before the previous writer's commit (a schema it created missing);
    # reading pg_tables takes a lock on the catalog, which makes the backend take in the committed changes.
    return bool(con.execute(sa.text("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = :s "
                                    "AND tablename = :t)"), {"s": schema, "t": table}).scalar())


def _driver_error(exc: BaseException) -> BaseException:
    """The database driver's own error under SQLAlchemy's or pandas' wrapping (it carries the SQLSTATE)."""
    seen = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None):
            return seen
        seen = getattr(seen, "orig", None) or seen.__cause__
    return exc


def _insert(con: Connection, schema: str, name: str, frame: pd.DataFrame) -> bool:
    """Append ``frame`` to the existing table in place, when its columns are the table's own; else ``False``.

    The rows get keys after the table's last, so they read back after the old ones. Tried inside a
    savepoint: a geometry of another type, or a value the column cannot hold, leaves the table as it was
    and the caller rewrites the table with the union of columns (:meth:`PostGISWorkspace._appended`).
    """
    columns = con.execute(sa.text("SELECT column_name FROM information_schema.columns WHERE table_schema = :s "
                                  "AND table_name = :t"), {"s": schema, "t": name}).scalars().all()
    geo = frame.geometry.name if _is_geo(frame) else None
    if not set(frame.columns) - ({geo} if geo else set()) <= set(columns) or (geo and "geometry" not in columns):
        return False
    if _is_geo(frame) and frame.crs is not None:
        srid = con.execute(sa.text("SELECT Find_SRID(:s, :t, 'geometry')"), {"s": schema, "t": name}).scalar()
        if frame.crs.to_epsg() != srid:
            return False
    start = int(con.execute(sa.text(f'SELECT coalesce(max({ROW_KEY}), 0) FROM "{schema}"."{name}"')).scalar())
    rows = frame.reset_index(drop=True).copy()
    for col in rows.columns:
        if isinstance(rows[col].dtype, pd.StringDtype):
            rows[col] = rows[col].astype(object)
    rows.insert(0, ROW_KEY, pd.RangeIndex(start + 1, start + len(rows) + 1, dtype="int64"))
    savepoint = con.begin_nested()
    try:
        if geo is not None:
            gdf = gpd.GeoDataFrame(rows, geometry=geo, crs=frame.crs)
            gdf = gdf.rename_geometry("geometry") if geo != "geometry" else gdf
            gdf.to_postgis(name, con, schema=schema, index=False, if_exists="append")
        else:
            pd.DataFrame(rows).to_sql(name, con, schema=schema, index=False, if_exists="append", method="multi",
                                      chunksize=5000)
    except (sa.exc.DBAPIError, psycopg.Error, ValueError, pd.errors.DatabaseError):  # COPY raises psycopg's own
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _create(con: Connection, schema: str, name: str, frame: pd.DataFrame) -> None:
    frame = frame.reset_index(drop=True).copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.StringDtype):
            frame[col] = frame[col].astype(object)
    frame.insert(0, ROW_KEY, pd.RangeIndex(1, len(frame) + 1, dtype="int64"))
    if _is_geo(frame):
        gdf = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=frame.crs)
        if gdf.geometry.name != "geometry":
            gdf = gdf.rename_geometry("geometry")
        gdf.to_postgis(name, con, schema=schema, index=False)
    else:
        pd.DataFrame(frame).to_sql(name, con, schema=schema, index=False, method="multi", chunksize=5000)
    con.execute(sa.text(f'ALTER TABLE "{schema}"."{name}" ADD PRIMARY KEY ({ROW_KEY})'))


def _migrate(con: Connection, schema: str) -> None:
    """Apply the numbered SQL files not yet applied to ``schema`` (inside the caller's transaction)."""
    con.execute(sa.text(f'CREATE TABLE IF NOT EXISTS "{schema}".koopsuz_migrations '
                        "(number integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())"))
    done = set(con.execute(sa.text(f'SELECT number FROM "{schema}".koopsuz_migrations')).scalars())
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        number = int(path.name[:4])
        if number in done:
            continue
        con.exec_driver_sql(path.read_text(encoding="utf-8").replace("{schema}", schema))
        con.execute(sa.text(f'INSERT INTO "{schema}".koopsuz_migrations (number, name) VALUES (:n, :f)'),
                    {"n": number, "f": path.name})

