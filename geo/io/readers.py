"""Read any table a planner brings: CSV/TSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile, KML.

Text tables are read by :mod:`geo.io.text` (encodings by :mod:`geo.io.decode`)
as strings, exactly as written, so that nothing is coerced or lost before
the importer decides, row by row, what each value means. A row that cannot
be read is not dropped: it comes back in ``bad_rows`` with its row number,
for the importer to reject with a reason. Spatial formats go through pyogrio
(GDAL).

Before anything is read, the file is checked from its directory entry: a
symbolic link is refused (a link could make an import read, and its messages
quote, a file the user did not mean to give), and so is a file over
``max_bytes`` (:data:`MAX_BYTES` by default), from its size alone.

Row numbers count data rows from 1 (a spreadsheet shows data row 1 on its
second line, below the header).
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo import messages as M
from geo.io.raw import RawTable, ReadError
from geo.io.text import MAX_FIELD, unique_headers, check_delimiter, read_text

__all__ = ["MAX_BYTES", "MAX_FIELD", "RawTable", "ReadError", "check_delimiter", "read_areas", "read_table"]

TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
GEO_SUFFIXES = {".geojson", ".json", ".gpkg", ".kml", ".kmz", ".shp", ".zip"}
#: Largest file read, in bytes (256 MiB). The Data page's uploads stop earlier, at Streamlit's
#: ``server.maxUploadSize`` (200 MB); the command line reads up to this. A clean text table takes
#: about four times its size in memory while it is read, a ragged one (read row by row) up to twenty.
MAX_BYTES = 256 * 2**20
#: XLSX, KMZ and zipped Shapefiles are zips: the most their members may unpack to, as a multiple of
#: ``max_bytes`` (512 MiB by default), checked from the zip's directory before anything is unpacked.
UNPACKED = 2


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    layer: str | None = None,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> RawTable:
    """Read a file into a :class:`RawTable`.

    Parameters
    ----------
    path
        The file.
    encoding, delimiter
        For text tables; detected when not given. A delimiter is one
        character; ``"tab"`` and ``"\\t"`` mean a tab.
    layer
        For files with several layers or sheets (GeoPackage, KML, XLSX).
    name
        The name to use in messages (an uploaded file's original name).
    max_bytes
        The largest file read (default :data:`MAX_BYTES`, 256 MiB), checked
        from the file's size before it is opened.

    Raises
    ------
    ReadError
        Empty, missing or unreadable file, a symbolic link, a file over
        ``max_bytes``, not a table, no data rows, unknown format, a zip
        without a Shapefile, several layers and none chosen. Never any
        other exception.
    """
    path = Path(path)
    label = name or path.name
    size = _checked_size(path, label, max_bytes)
    suffix = Path(label).suffix.lower() or path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return read_text(_read_bytes(path, label, size, max_bytes), label, encoding=encoding, delimiter=delimiter,
                         tab=suffix == ".tsv")
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, label, sheet=layer, max_bytes=max_bytes)
    if suffix in GEO_SUFFIXES:
        return _read_geo(path, label, suffix, layer=layer, max_bytes=max_bytes)
    msg = M.FILE_UNKNOWN_TYPE.format(file=label, suffix=suffix or M.FILE_NO_EXTENSION)
    raise ReadError(msg)


def _checked_size(path: Path, label: str, max_bytes: int) -> int:
    """The file's size, from its directory entry: no link, no directory or device, not over the limit."""
    try:
        st = os.lstat(path)
    except FileNotFoundError as exc:
        msg = M.FILE_MISSING.format(file=label)
        raise ReadError(msg) from exc
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        msg = M.FILE_UNREADABLE.format(file=label, reason=getattr(exc, "strerror", None) or exc)
        raise ReadError(msg) from exc
    if stat.S_ISLNK(st.st_mode):
        # never followed: its target's content would show in the messages (the first line as "columns")
        msg = M.FILE_SYMLINK.format(file=label)
        raise ReadError(msg)
    if stat.S_ISDIR(st.st_mode):
        msg = M.FILE_FOLDER.format(file=label)
        raise ReadError(msg)
    if not stat.S_ISREG(st.st_mode):
        msg = M.FILE_SPECIAL.format(file=label)
        raise ReadError(msg)
    if st.st_size == 0:
        msg = M.FILE_EMPTY.format(file=label)
        raise ReadError(msg)
    if st.st_size > max_bytes:
        msg = M.FILE_TOO_LARGE.format(file=label, size=_size(st.st_size), limit=_size(max_bytes))
        raise ReadError(msg)
    return st.st_size


def _read_bytes(path: Path, label: str, size: int, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # never more than the limit, even if the file grew since it was checked
    except OSError as exc:
        msg = M.FILE_UNREADABLE.format(file=label, reason=exc.strerror or exc)
        raise ReadError(msg) from exc
    if len(data) > max_bytes:
        msg = M.FILE_GREW.format(file=label, limit=_size(max_bytes))
        raise ReadError(msg)
    if not data:
        msg = M.FILE_EMPTY.format(file=label)
        raise ReadError(msg)
    return data


def _size(n: int) -> str:
    return M.SIZE_MIB.format(n=f"{n / 2**20:,.0f}") if n >= 2**20 else M.SIZE_BYTES.format(n=f"{n:,}")


def read_areas(path: str | Path, *, layer: str | None = None, name: str | None = None,
               ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Polygons from a spatial file, such as exclusion zones, with the rows that are not polygons.

    Any spatial format :func:`read_table` reads. Invalid polygons are repaired
    (``make_valid``, keeping the polygonal part); a row whose geometry is
    missing, empty or not a polygon is not dropped silently but returned
    in ``rejected``.

    Parameters
    ----------
    path
        The file.
    layer, name
        As for :func:`read_table`.

    Returns
    -------
    areas : geopandas.GeoDataFrame
        The polygon rows, their columns kept, indexed by data row number.
    rejected : pandas.DataFrame
        ``row`` and ``reason`` of every other row.

    Raises
    ------
    ReadError
        The file cannot be read, is not spatial or has no CRS.
    """
    raw = read_table(path, layer=layer, name=name)
    if not raw.is_spatial:
        msg = M.FILE_NOT_SPATIAL.format(file=raw.source)
        raise ReadError(msg)
    frame = raw.frame
    if frame.crs is None:
        msg = M.FILE_LAYER_NO_CRS.format(file=raw.source)
        raise ReadError(msg)
    geoms = frame.geometry.to_numpy()
    kinds = np.array([None if g is None or g.is_empty else g.geom_type for g in geoms], dtype=object)
    polygonal = np.isin(kinds, ["Polygon", "MultiPolygon"])
    fixed = geoms.copy()
    bad = polygonal & ~shapely.is_valid(np.where(polygonal, geoms, None))
    if bad.any():
        fixed[bad] = [_polygonal(shapely.make_valid(g)) for g in geoms[bad]]
    ok = polygonal & ~np.array([g is None or g.is_empty for g in fixed])
    missing = np.array([k is None for k in kinds], dtype=bool)
    reasons = np.where(missing, M.NO_GEOMETRY,
                       np.where(polygonal, M.POLYGON_DEGENERATE, [M.NOT_A_POLYGON.format(kind=k) for k in kinds]))
    rejected = pd.DataFrame({"row": frame.index[~ok].to_numpy(), "reason": reasons[~ok]})
    out = frame[ok].copy()
    out = out.set_geometry(gpd.GeoSeries(fixed[ok], index=out.index, crs=frame.crs))
    return out, rejected


def _polygonal(g):
    """The polygons of a repaired geometry (make_valid may add lines or points)."""
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


# --- Excel ----------------------------------------------------------------

def _read_excel(path: Path, label: str, *, sheet: str | None, max_bytes: int) -> RawTable:
    _check_unpacked(path, label, max_bytes)
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        msg = M.FILE_NOT_EXCEL.format(file=label, reason=f"{type(exc).__name__}: {exc}")
        raise ReadError(msg) from exc
    filled = {k: v for k, v in sheets.items() if not v.dropna(how="all").empty}
    if sheet is not None:
        if sheet not in sheets:
            msg = M.FILE_NO_SHEET.format(file=label, sheet=sheet, sheets=", ".join(sheets))
            raise ReadError(msg)
        chosen = sheet
    elif len(filled) == 1:
        chosen = next(iter(filled))
    elif not filled:
        msg = M.FILE_SHEETS_EMPTY.format(file=label)
        raise ReadError(msg)
    else:
        msg = M.FILE_SHEETS_SEVERAL.format(file=label, sheets=", ".join(filled))
        raise ReadError(msg)
    frame = sheets[chosen].dropna(how="all")
    frame.columns = unique_headers(frame.columns)
    if frame.empty:
        msg = M.FILE_SHEET_NO_ROWS.format(file=label, sheet=chosen)
        raise ReadError(msg)
    # the sheet's own row numbers (header on line 1): data row = line - 1, blank lines kept in the count
    frame.index = pd.Index(frame.index.to_numpy() + 1)
    for col in frame.columns:
        vals = frame[col].dropna()
        if len(vals) and vals.map(_is_datetime).all():
            frame[col] = pd.to_datetime(frame[col], errors="coerce")
        else:
            frame[col] = frame[col].map(_cell_text, na_action="ignore").astype("string")
    return RawTable(frame, label, "xlsx", notes=[M.FILE_NOTE_SHEET.format(sheet=chosen)])


def _is_datetime(v: object) -> bool:
    return isinstance(v, (pd.Timestamp, np.datetime64, dt.datetime, dt.date))


def _cell_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# --- spatial --------------------------------------------------------------

def _check_unpacked(path: Path, label: str, max_bytes: int) -> None:
    """Refuse a zip (XLSX, KMZ, zipped Shapefile) whose members would unpack to more than the limit (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip: the reader says below what is wrong with it
    if unpacked > UNPACKED * max_bytes:
        msg = M.FILE_UNPACKS_LARGE.format(file=label, size=_size(unpacked), limit=_size(UNPACKED * max_bytes))
        raise ReadError(msg)


def _read_geo(path: Path, label: str, suffix: str, *, layer: str | None, max_bytes: int) -> RawTable:
    target = str(path)
    if suffix in (".zip", ".kmz"):
        _check_unpacked(path, label, max_bytes)
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if not n.endswith("/")]
        except zipfile.BadZipFile as exc:
            msg = M.FILE_BAD_ZIP.format(file=label)
            raise ReadError(msg) from exc
        shps = [n for n in names if n.lower().endswith(".shp") and not n.startswith("__MACOSX")]
        if not shps:
            listed = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
            msg = M.FILE_ZIP_NO_SHP.format(file=label, contents=listed or M.FILE_ZIP_NOTHING)
            raise ReadError(msg)
        if len(shps) > 1 and layer is None:
            msg = M.FILE_ZIP_SEVERAL.format(file=label, names=", ".join(shps))
            raise ReadError(msg)
        inner = layer if layer in shps else shps[0]
        missing = [ext for ext in (".shx", ".dbf") if Path(inner).with_suffix(ext).as_posix() not in names
                   and Path(inner).with_suffix(ext.upper()).as_posix() not in names]
        if missing:
            msg = M.FILE_ZIP_PARTS.format(file=label, name=inner, parts=" and ".join(missing))
            raise ReadError(msg)
        target = f"/vsizip/{path}/{inner}"
        layer = None
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            layers = pyogrio.list_layers(target)
    except Exception as exc:
        msg = M.FILE_NOT_SPATIAL_READABLE.format(file=label, reason=_gdal_reason(exc))
        raise ReadError(msg) from exc
    notes += [M.NOTE_GDAL.format(reason=w.message) for w in seen]
    names = [str(n) for n, _ in layers]
    if layer is None:
        filled = [str(n) for n, g in layers if g is not None] or names
        if len(filled) > 1:
            msg = M.FILE_LAYERS_SEVERAL.format(file=label, layers=", ".join(filled))
            raise ReadError(msg)
        if not filled:
            msg = M.FILE_NO_LAYERS.format(file=label)
            raise ReadError(msg)
        layer = filled[0]
    elif layer not in names:
        msg = M.FILE_NO_LAYER.format(file=label, name=layer, layers=", ".join(names))
        raise ReadError(msg)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            frame = pyogrio.read_dataframe(target, layer=layer)
        notes += [M.NOTE_GDAL.format(reason=w.message) for w in seen]
    except Exception as exc:
        msg = M.FILE_LAYER_UNREADABLE.format(file=label, name=layer, reason=_gdal_reason(exc))
        raise ReadError(msg) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = M.FILE_LAYER_NO_GEOMETRY.format(file=label, name=layer)
        raise ReadError(msg)
    if len(frame) == 0:
        msg = M.FILE_LAYER_NO_FEATURES.format(file=label, name=layer)
        raise ReadError(msg)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    geom = frame.geometry.name
    others = [c for c in frame.columns if c != geom]
    frame = frame.rename(columns=dict(zip(others, unique_headers(pd.Index(others)), strict=True)))
    if frame.geometry.has_z.any():
        frame = frame.set_geometry(gpd.GeoSeries(frame.geometry.force_2d(), crs=frame.crs, index=frame.index))
    kind = {".gpkg": "gpkg", ".kml": "kml", ".kmz": "kml", ".zip": "shp", ".shp": "shp"}.get(suffix, "geojson")
    return RawTable(frame, label, kind, notes=[M.FILE_NOTE_LAYER.format(name=layer), *notes])


def _gdal_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
