"""The workspace: one GeoPackage file holding every layer, opened by QGIS too.

Tables: one per layer type (``incidents``, ``stations``, ``cameras``,
``boundaries``, ``roads``), ``rejected_<layer>`` for rows an import refused,
``import_log`` and ``koopsuz_meta`` (key/value: title, provenance).

Every change is atomic: it is written to a copy beside the file and moved
over the original only when complete and checked (:mod:`geo.atomic`), so an
error or a killed process leaves the previous workspace intact.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.atomic import atomic_output, fsync_dir, fsync_file
from geo.checks import check_choice
from geo.schema import LAYERS, spec

__all__ = ["LOG_TABLE", "META_TABLE", "MODES", "Workspace", "WorkspaceError"]

META_TABLE = "koopsuz_meta"
LOG_TABLE = "import_log"
MODES = ("replace", "append")  # how a write treats a table already in the file


class WorkspaceError(RuntimeError):
    """The workspace file cannot be read or written."""


class Workspace:
    """A GeoPackage workspace at ``path`` (created on first write)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def tables(self) -> list[str]:
        """Names of all tables in the file (empty if it does not exist)."""
        if not self.exists:
            return []
        try:
            return [str(name) for name, _ in pyogrio.list_layers(self.path)]
        except Exception as exc:  # pyogrio raises DataSourceError and others
            msg = f"{self.path}: not a readable GeoPackage ({exc})"
            raise WorkspaceError(msg) from exc

    def has(self, table: str) -> bool:
        return table in self.tables()

    def version(self) -> tuple[int, int]:
        """Changes whenever the file is replaced; a cache key for readers."""
        st = self.path.stat()
        return (st.st_mtime_ns, st.st_size)

    def read(self, layer: str) -> gpd.GeoDataFrame:
        """Read a layer table; an absent layer gives an empty frame with its columns."""
        if layer in LAYERS and not self.has(layer):
            s = spec(layer)
            return gpd.GeoDataFrame(
                {f: pd.Series(dtype=object) for f in s.field_names}, geometry=[], crs="EPSG:4326"
            )
        return self._read(layer)

    def read_table(self, table: str) -> pd.DataFrame:
        """Read any table (rejected rows, log); empty frame if absent."""
        if not self.has(table):
            return pd.DataFrame()
        return self._read(table)

    def _read(self, table: str) -> gpd.GeoDataFrame | pd.DataFrame:
        try:
            return pyogrio.read_dataframe(self.path, layer=table, use_arrow=True)
        except Exception as exc:
            msg = f"{self.path}: cannot read table {table!r} ({exc})"
            raise WorkspaceError(msg) from exc

    def copy_from(self, other: Workspace) -> None:
        """Make this workspace a copy of ``other`` (atomic; used to start from the demo)."""
        if not other.exists:
            msg = f"{other.path}: no workspace to copy"
            raise WorkspaceError(msg)
        with atomic_output(self.path, suffix=".tmp.gpkg") as tmp:
            shutil.copyfile(other.path, tmp)
            _check_readable(tmp)

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
        """
        modes = {name: mode for name in tables} if isinstance(mode, str) else dict(mode)
        for m in modes.values():
            check_choice(m, MODES, "mode")
        tables = dict(tables)
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
            msg = f"table {name!r} has no CRS"
            raise ValueError(msg)
        pyogrio.write_dataframe(frame, path, use_arrow=True, **kwargs)  # Arrow: twice as fast for big layers
    else:
        pyogrio.write_dataframe(pd.DataFrame(frame), path, **kwargs)


def _check_readable(path: Path) -> None:
    with sqlite3.connect(path) as con:
        (ok,) = con.execute("PRAGMA quick_check").fetchone()
    if ok != "ok":
        msg = f"{path}: integrity check failed ({ok})"
        raise WorkspaceError(msg)
