"""The workspace: one GeoPackage file holding every layer, opened by QGIS too.

Tables: one per layer type (``incidents``, ``stations``, ``cameras``,
``boundaries``, ``roads``), ``rejected_<layer>`` for rows an import refused,
``import_log`` and ``koopsuz_meta`` (key/value: title, provenance).

Every change is atomic: it is written to a copy beside the file and moved
over the original only when complete and checked (:mod:`geo.atomic`), so an
error or a killed process leaves the previous workspace intact. Changes are
serialised: each holds the workspace's lock (:mod:`geo.io.lock`) from the
moment it reads what it builds on to the moment its copy replaces the file,
so two imports at once both land. The copy a killed write leaves behind is
removed by the next write or :meth:`Workspace.remove_leftovers`, only while
no write is in progress (the lock says so).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.atomic import atomic_output, fsync_dir, fsync_file
from geo.checks import check_choice
from geo.io.lock import file_lock, try_file_lock
from geo.messages import (WS_BUSY, WS_INTEGRITY, WS_NOT_GEOPACKAGE, WS_NOTHING_TO_COPY, WS_TABLE_NO_CRS,
                          WS_TABLE_UNREADABLE)
from geo.schema import LAYERS, spec

if TYPE_CHECKING:
    from geo.io.pgstore import PostGISWorkspace

__all__ = ["LOCK_TIMEOUT", "LOG_TABLE", "META_TABLE", "MODES", "Leftovers", "Workspace", "WorkspaceError"]

META_TABLE = "koopsuz_meta"
LOG_TABLE = "import_log"
MODES = ("replace", "append")  # how a write treats a table already in the file
# Seconds a write waits for another to finish: writing a million incidents takes about 6 s
# (docs/benchmarks.md), appending to them about twice that; ample for a slow disk too.
LOCK_TIMEOUT = 120.0
ABSENT = "absent"  # the fingerprint of a table (or workspace) that does not exist


class WorkspaceError(RuntimeError):
    """The workspace file cannot be read or written."""


@dataclass(frozen=True)
class Leftovers:
    """Temporary copies of a killed write, removed: which files and how many bytes they held."""

    workspace: Path
    files: tuple[Path, ...] = ()
    nbytes: int = 0

    def __bool__(self) -> bool:
        return bool(self.files)

    @property
    def message(self) -> str:
        """One line for the user: what was removed and the space freed."""
        return (f"{self.workspace}: removed {len(self.files)} temporary file(s) left by an interrupted write "
                f"({self.nbytes / 1e6:,.1f} MB freed)")


class Workspace:
    """A GeoPackage workspace at ``path`` (created on first write).

    Parameters
    ----------
    path : path-like
        The GeoPackage file.
    lock_timeout : float, default LOCK_TIMEOUT
        Seconds a write waits for another write to the same workspace (from
        any process) before it gives up with a :class:`WorkspaceError`.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = Path(path)
        self.lock_timeout = float(lock_timeout)
        self._holder: int | None = None  # the thread holding the lock through this object (re-entry)

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @property
    def name(self) -> str:
        """The workspace's short name in messages: the file name."""
        return self.path.name

    @property
    def label(self) -> str:
        """Where the workspace is, for messages: the file's path."""
        return str(self.path)

    @property
    def location(self) -> str:
        """What :func:`geo.io.workspaces.open_workspace` takes to open this workspace again."""
        return str(self.path)

    def tables(self) -> list[str]:
        """Names of all tables in the file (empty if it does not exist)."""
        if not self.exists:
            return []
        try:
            return [str(name) for name, _ in pyogrio.list_layers(self.path)]
        except Exception as exc:  # pyogrio raises DataSourceError and others
            msg = WS_NOT_GEOPACKAGE.format(file=self.path, reason=exc)
            raise WorkspaceError(msg) from exc

    def has(self, table: str) -> bool:
        return table in self.tables()

    @property
    def lock_path(self) -> Path:
        """The lock file beside the workspace: there while a write holds it (or a killed one held it)."""
        return self.path.with_name(f".{self.path.name}.lock")

    @contextlib.contextmanager
    def locked(self) -> Iterator[Workspace]:
        """Hold the workspace's write lock for the block (re-entrant in the thread that holds it).

        Whatever a change builds on (the rows already there, the saved
        mapping) is read inside the block, so another writer cannot slip in
        between the read and the write.

        Raises
        ------
        WorkspaceError
            When another write still holds the lock after ``lock_timeout``.
        """
        me = threading.get_ident()
        if self._holder == me:
            yield self
            return
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(file_lock(self.lock_path, timeout=self.lock_timeout))
        except TimeoutError as exc:
            msg = WS_BUSY.format(file=self.path, seconds=f"{self.lock_timeout:g}")
            raise WorkspaceError(msg) from exc
        with stack:
            self._holder = me
            try:
                yield self
            finally:
                self._holder = None

    def remove_leftovers(self) -> Leftovers:
        """Remove the temporary copies a killed write left beside the workspace.

        Only when no write is in progress (a running write's copy is not a
        leftover): if the lock is taken, nothing is touched and nothing is
        reported; the next write removes them.

        Returns
        -------
        Leftovers
            The files removed and the bytes freed (false when none).
        """
        if self._holder == threading.get_ident():
            return self._remove_leftovers()
        if not self.path.parent.is_dir() or not (self._leftover_paths() or self.lock_path.exists()):
            return Leftovers(self.path)  # the common case: no lock taken, nothing to do
        # Taking the lock and letting it go also removes the lock file a killed writer left.
        with try_file_lock(self.lock_path) as free:
            return self._remove_leftovers() if free else Leftovers(self.path)

    def _leftover_paths(self) -> list[Path]:
        # atomic_output's names: "." + workspace name + "." + mkstemp's 8 characters + ".tmp.gpkg",
        # SQLite's journal beside a copy killed inside a transaction, and GDAL's temporary R-tree database
        # ("<copy>.tmp_rtree_<layer>.db") beside a copy killed while a large layer's spatial index was built.
        pattern = re.compile(rf"\.{re.escape(self.path.name)}\.[a-z0-9_]{{8}}\.tmp\.gpkg"
                             r"(-journal|-wal|-shm|\.tmp_rtree_[^/\\]+\.db)?")
        try:
            names = os.listdir(self.path.parent)
        except OSError:
            return []
        return [self.path.parent / n for n in sorted(names) if pattern.fullmatch(n)]

    def _remove_leftovers(self) -> Leftovers:
        removed, nbytes = [], 0
        for path in self._leftover_paths():
            with contextlib.suppress(FileNotFoundError):
                size = path.stat().st_size
                path.unlink()
                removed.append(path)
                nbytes += size
        return Leftovers(self.path, tuple(removed), nbytes)

    def fingerprint(self, table: str) -> str:
        """What ``table`` is now: its GeoPackage last-change time and row count, or ``"absent"``.

        An import records it when it is checked; a replace refuses to go on
        when it has changed since (another import came in between). Cheap:
        two SQLite queries, no rows read.
        """
        if not self.exists:
            return ABSENT
        try:
            with contextlib.closing(sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)) as con:
                row = con.execute("SELECT last_change FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone()
                if row is None:
                    return ABSENT
                quoted = '"' + table.replace('"', '""') + '"'
                (count,) = con.execute(f"SELECT count(*) FROM {quoted}").fetchone()  # noqa: S608 - quoted name
        except sqlite3.Error as exc:
            msg = WS_NOT_GEOPACKAGE.format(file=self.path, reason=exc)
            raise WorkspaceError(msg) from exc
        return f"{row[0]}|{count}"

    def version(self) -> tuple[int, int]:
        """Changes whenever the file is replaced; a cache key for readers."""
        st = self.path.stat()
        return (st.st_mtime_ns, st.st_size)

    def read(self, layer: str, *, bbox: tuple[float, float, float, float] | None = None,
             start: object = None, end: object = None) -> gpd.GeoDataFrame:
        """Read a layer table; an absent layer gives an empty frame with its columns.

        Parameters
        ----------
        layer : str
            The layer's table.
        bbox : (xmin, ymin, xmax, ymax), optional
            Only rows whose geometry's bounding box meets this box (in the
            layer's CRS), found through the GeoPackage's R-tree index.
        start, end : date-like, optional
            Only rows with ``start <= occurred_at < end``, filtered by SQLite
            (GeoPackage date-times are ISO 8601 text, which sorts as time does).
        """
        if layer in LAYERS and not self.has(layer):
            s = spec(layer)
            return gpd.GeoDataFrame(
                {f: pd.Series(dtype=object) for f in s.field_names}, geometry=[], crs="EPSG:4326"
            )
        where = [f"occurred_at >= '{pd.Timestamp(start).strftime('%Y-%m-%dT%H:%M:%S')}'" if start is not None else "",
                 f"occurred_at < '{pd.Timestamp(end).strftime('%Y-%m-%dT%H:%M:%S')}'" if end is not None else ""]
        return self._read(layer, bbox=bbox, where=" AND ".join(w for w in where if w) or None)

    def read_table(self, table: str) -> pd.DataFrame:
        """Read any table (rejected rows, log); empty frame if absent."""
        if not self.has(table):
            return pd.DataFrame()
        return self._read(table)

    def _read(self, table: str, *, bbox: tuple[float, float, float, float] | None = None,
              where: str | None = None) -> gpd.GeoDataFrame | pd.DataFrame:
        try:
            return pyogrio.read_dataframe(self.path, layer=table, use_arrow=True, bbox=bbox, where=where)
        except Exception as exc:
            msg = WS_TABLE_UNREADABLE.format(file=self.path, name=table, reason=exc)
            raise WorkspaceError(msg) from exc

    def copy_from(self, other: Workspace | PostGISWorkspace) -> None:
        """Make this workspace a copy of ``other``, of either store (atomic; used to start from the demo)."""
        if not other.exists:
            msg = WS_NOTHING_TO_COPY.format(file=other.label)
            raise WorkspaceError(msg)
        if not isinstance(other, Workspace):  # another kind of store (PostGIS): table by table, one atomic write
            tables = {name: other.read_table(name) for name in other.tables() if name != META_TABLE}
            self.write(tables, meta=other.meta() or None, fresh=True)
            return
        with self.locked():
            self._remove_leftovers()
            with atomic_output(self.path, suffix=".tmp.gpkg") as tmp:
                shutil.copyfile(other.path, tmp)
                _check_readable(tmp)
                fsync_file(tmp)
            fsync_dir(self.path.parent)

    def meta(self) -> dict[str, str]:
        """Key/value metadata of the workspace."""
        df = self.read_table(META_TABLE)
        if df.empty:
            return {}
        return dict(zip(df["key"].astype(str), df["value"].astype(str), strict=True))

    def write(
        self,
        tables: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
        *,
        mode: str | Mapping[str, str] = "replace",
        meta: Mapping[str, str] | None = None,
        fresh: bool = False,
    ) -> None:
        """Write tables in one atomic step.

        Parameters
        ----------
        tables
            Table name to frame. GeoDataFrames become spatial tables, plain
            DataFrames attribute tables.
        mode
            ``"replace"`` overwrites each named table, ``"append"`` adds rows
            to it (columns are the union of old and new); or a mapping of
            table name to mode (tables not named are replaced).
        meta
            Key/value pairs merged into the metadata table.
        fresh
            Start from an empty file: the result holds only ``tables`` (and
            ``meta``), every other table of the old file is gone.

        Raises
        ------
        WorkspaceError
            When another write still holds the workspace after ``lock_timeout``.
        """
        modes = {name: mode for name in tables} if isinstance(mode, str) else dict(mode)
        for m in modes.values():
            check_choice(m, MODES, "mode")
        with self.locked():  # the old file, its metadata and appended tables are read inside the lock
            self._remove_leftovers()  # held: any copy beside the file is a killed write's
            self._write(dict(tables), modes, meta, fresh=fresh)

    def _write(self, tables: dict[str, gpd.GeoDataFrame | pd.DataFrame], modes: dict[str, str],
               meta: Mapping[str, str] | None, *, fresh: bool) -> None:
        if meta:
            merged = {**({} if fresh else self.meta()), **{str(k): str(v) for k, v in meta.items()}}
            tables[META_TABLE] = pd.DataFrame({"key": list(merged), "value": list(merged.values())})
        start_from_old = self.exists and not fresh
        # Without an old file GDAL must create the GeoPackage itself: no empty temporary file.
        with atomic_output(self.path, suffix=".tmp.gpkg", create=start_from_old) as tmp:
            if start_from_old:
                shutil.copyfile(self.path, tmp)
            for name, frame in tables.items():
                if modes.get(name, "replace") == "append" and not fresh and name != META_TABLE and self.has(name):
                    old = self._read(name)
                    frame = pd.concat([old, frame.to_crs(old.crs) if _is_geo(frame) and _is_geo(old) else frame],
                                      ignore_index=True)
                    if _is_geo(old):
                        frame = gpd.GeoDataFrame(frame, geometry=old.geometry.name, crs=old.crs)
                _write_table(tmp, name, frame)
            _check_readable(tmp)
            fsync_file(tmp)
        fsync_dir(self.path.parent)


def _is_geo(frame: pd.DataFrame) -> bool:
    return isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns


# SQLite page cache for big layers (the R-tree build is cache-bound), and no fsync per
# transaction: the copy is fsynced once, whole, before it replaces the workspace.
_GDAL_WRITE_OPTIONS = {"OGR_SQLITE_CACHE": "512", "OGR_SQLITE_SYNCHRONOUS": "OFF"}


def _write_table(path: Path, name: str, frame: pd.DataFrame) -> None:
    if not _is_geo(frame):  # attribute tables go through GDAL without Arrow: plain object strings
        frame = frame.copy()
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.StringDtype):
                frame[col] = frame[col].astype(object)
    pyogrio.set_gdal_config_options(_GDAL_WRITE_OPTIONS)
    kwargs: dict[str, object] = {"layer": name, "driver": "GPKG"}
    if path.exists():
        kwargs["layer_options"] = {"OVERWRITE": "YES"}
        kwargs["append"] = False
    if _is_geo(frame):
        if frame.crs is None:
            msg = WS_TABLE_NO_CRS.format(name=name)
            raise ValueError(msg)
        pyogrio.write_dataframe(frame, path, use_arrow=True, **kwargs)  # Arrow: twice as fast for big layers
    else:
        pyogrio.write_dataframe(pd.DataFrame(frame), path, **kwargs)


def _check_readable(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as con:
        (ok,) = con.execute("PRAGMA quick_check").fetchone()
    if ok != "ok":
        msg = WS_INTEGRITY.format(file=path, reason=ok)
        raise WorkspaceError(msg)
