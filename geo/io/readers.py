"""Read any table a planner brings: CSV/TSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile, KML.

Text tables are read as strings, exactly as written, so that nothing is
coerced or lost before the importer decides, row by row, what each value
means. Encoding (UTF-8, UTF-8 with BOM, CP1251) and delimiter are detected.
A row with the wrong number of fields is not dropped: it comes back in
``bad_rows`` with its row number, for the importer to reject with a reason.
Spatial formats go through pyogrio (GDAL).

Row numbers count data rows from 1 (a spreadsheet shows data row 1 on its
second line, below the header).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyogrio
import shapely

TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
GEO_SUFFIXES = {".geojson", ".json", ".gpkg", ".kml", ".kmz", ".shp", ".zip"}
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "cp1251")


class ReadError(ValueError):
    """The file cannot be read as a table; the message names the file and why."""


@dataclass
class RawTable:
    """A table as read, before any interpretation.

    ``frame`` holds the data rows (strings for text formats; a GeoDataFrame
    for spatial formats), indexed by data row number (1-based).
    ``bad_rows`` maps row numbers of rows that could not be split into the
    header's columns to a reason.
    """

    frame: pd.DataFrame
    source: str
    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    bad_rows: dict[int, str] = field(default_factory=dict)
    bad_raw: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def is_spatial(self) -> bool:
        return isinstance(self.frame, gpd.GeoDataFrame)

    @property
    def crs(self):
        return self.frame.crs if self.is_spatial else None

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.bad_rows)

    @property
    def columns(self) -> list[str]:
        cols = list(self.frame.columns)
        if self.is_spatial:
            cols.remove(self.frame.geometry.name)
        return [str(c) for c in cols]


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    layer: str | None = None,
    name: str | None = None,
) -> RawTable:
    """Read a file into a :class:`RawTable`.

    Parameters
    ----------
    path
        The file.
    encoding, delimiter
        For text tables; detected when not given.
    layer
        For files with several layers or sheets (GeoPackage, KML, XLSX).
    name
        The name to use in messages (an uploaded file's original name).

    Raises
    ------
    ReadError
        Empty file, not a table, no data rows, unknown format, a zip
        without a Shapefile, several layers and none chosen.
    """
    path = Path(path)
    label = name or path.name
    if not path.is_file():
        msg = f"{label}: no such file"
        raise ReadError(msg)
    if path.stat().st_size == 0:
        msg = f"{label}: the file is empty"
        raise ReadError(msg)
    suffix = Path(label).suffix.lower() or path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, label, encoding=encoding, delimiter=delimiter)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, label, sheet=layer)
    if suffix in GEO_SUFFIXES:
        return _read_geo(path, label, suffix, layer=layer)
    msg = (f"{label}: unknown file type {suffix or '(no extension)'}; expected CSV, TSV, XLSX, GeoJSON, "
           "GeoPackage, zipped Shapefile or KML")
    raise ReadError(msg)


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
        msg = f"{raw.source}: not a spatial file; give polygons as GeoJSON, GeoPackage, zipped Shapefile or KML"
        raise ReadError(msg)
    frame = raw.frame
    if frame.crs is None:
        msg = f"{raw.source}: the layer has no coordinate reference system"
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
    reasons = np.where(missing, "no geometry",
                       np.where(polygonal, "the polygon is degenerate", "not a polygon: " + kinds.astype(str)))
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


# --- text -----------------------------------------------------------------

def _decode(data: bytes, label: str, encoding: str | None) -> tuple[str, str]:
    if b"\x00" in data[:65536]:
        msg = f"{label}: this is a binary file, not a text table (it contains NUL bytes)"
        raise ReadError(msg)
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            msg = f"{label}: cannot be read as {encoding} ({exc})"
            raise ReadError(msg) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    # CP1251 maps almost every byte; control characters mean it is not text at all
    bad = sum(1 for ch in text[:65536] if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t"))
    if bad > max(3, len(text[:65536]) // 200):
        msg = f"{label}: not a text table (neither UTF-8 nor CP1251 text)"
        raise ReadError(msg)
    return text, "cp1251"


def _sniff_delimiter(sample: str, label: str) -> str:
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if not lines:
        msg = f"{label}: the file has no text lines"
        raise ReadError(msg)
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    # the delimiter that splits the header into the most fields, if it also splits the next lines alike
    header = lines[0]
    best = max(DELIMITERS, key=header.count)
    if header.count(best) == 0:
        return ","  # one column: reported later as missing columns, not as a read failure
    return best


def _read_text(path: Path, label: str, *, encoding: str | None, delimiter: str | None) -> RawTable:
    data = path.read_bytes()
    text, enc = _decode(data, label, encoding)
    if not text.strip():
        msg = f"{label}: the file has no text"
        raise ReadError(msg)
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text[:65536], label)
    bad: dict[int, str] = {}
    bad_raw: dict[int, str] = {}
    header = next(csv.reader(io.StringIO(text[:65536]), delimiter=delimiter), None)
    if not header:
        msg = f"{label}: the file has no header line"
        raise ReadError(msg)
    names = _unique_headers(pd.Index(header), label)
    utf8 = data[3:] if enc == "utf-8-sig" else data if enc == "utf-8" else text.encode("utf-8")
    try:
        frame = _arrow_csv(utf8, delimiter, names)
    except (pa.ArrowInvalid, ValueError):
        # ragged rows or quoting pyarrow refuses: the row-by-row reader keeps and flags them
        frame, bad, bad_raw = _read_text_rowwise(text, delimiter, label)
        frame.columns = names if len(frame.columns) == len(names) else _unique_headers(frame.columns, label)
    if not bad:
        frame.index = pd.RangeIndex(1, len(frame) + 1)
    if len(frame) == 0 and not bad:
        msg = f"{label}: the file has a header ({', '.join(frame.columns[:8])}) but no data rows"
        raise ReadError(msg)
    if frame.shape[1] == 1 and delimiter != "\t":
        only = str(frame.columns[0])
        for d in DELIMITERS:
            if d != delimiter and d in only:
                msg = (f"{label}: only one column was found ({only[:60]!r}); the delimiter is probably "
                       f"{d!r}, not {delimiter!r}")
                raise ReadError(msg)
    return RawTable(frame, label, "csv", encoding=enc, delimiter=delimiter, bad_rows=bad, bad_raw=bad_raw)


def _arrow_csv(data: bytes, delimiter: str, names: list[str]) -> pd.DataFrame:
    """Every field as a string (Arrow-backed), empty as missing; 10x faster than pandas' own parser."""
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                                             null_values=[""], quoted_strings_can_be_null=True),
    )
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


def _read_text_rowwise(text: str, delimiter: str, label: str) -> tuple[pd.DataFrame, dict[int, str], dict[int, str]]:
    """Slow path for files with ragged rows: keep every row, flag the ragged ones."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as exc:
        msg = f"{label}: the file has no header line"
        raise ReadError(msg) from exc
    width = len(header)
    good: list[list[str]] = []
    index: list[int] = []
    bad: dict[int, str] = {}
    bad_raw: dict[int, str] = {}
    n = 0
    for fields in reader:
        if not fields or all(not f.strip() for f in fields):
            continue
        n += 1
        if len(fields) == width:
            good.append(fields)
            index.append(n)
        else:
            bad[n] = f"row has {len(fields)} fields, the header has {width}"
            bad_raw[n] = delimiter.join(fields)[:500]
    frame = pd.DataFrame(good, columns=header, index=index, dtype=str).replace({"": None})
    return frame, bad, bad_raw


def _unique_headers(columns: pd.Index, label: str) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(columns):
        name = str(c).strip().lstrip("\ufeff") or f"column_{i + 1}"
        if name.startswith("Unnamed: "):
            name = f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


# --- Excel ----------------------------------------------------------------

def _read_excel(path: Path, label: str, *, sheet: str | None) -> RawTable:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        msg = f"{label}: not a readable Excel workbook ({type(exc).__name__}: {exc})"
        raise ReadError(msg) from exc
    filled = {k: v for k, v in sheets.items() if not v.dropna(how="all").empty}
    if sheet is not None:
        if sheet not in sheets:
            msg = f"{label}: no sheet {sheet!r}; sheets: {', '.join(sheets)}"
            raise ReadError(msg)
        chosen = sheet
    elif len(filled) == 1:
        chosen = next(iter(filled))
    elif not filled:
        msg = f"{label}: every sheet is empty"
        raise ReadError(msg)
    else:
        msg = f"{label}: several sheets hold data ({', '.join(filled)}); choose one"
        raise ReadError(msg)
    frame = sheets[chosen].dropna(how="all")
    frame.columns = _unique_headers(frame.columns, label)
    if frame.empty:
        msg = f"{label}: sheet {chosen!r} has a header but no data rows"
        raise ReadError(msg)
    # the sheet's own row numbers (header on line 1): data row = line - 1, blank lines kept in the count
    frame.index = pd.Index(frame.index.to_numpy() + 1)
    for col in frame.columns:
        vals = frame[col].dropna()
        if len(vals) and vals.map(_is_datetime).all():
            frame[col] = pd.to_datetime(frame[col], errors="coerce")
        else:
            frame[col] = frame[col].map(_cell_text, na_action="ignore").astype("string")
    return RawTable(frame, label, "xlsx", notes=[f"sheet {chosen!r}"])


def _is_datetime(v: object) -> bool:
    return isinstance(v, (pd.Timestamp, np.datetime64, dt.datetime, dt.date))


def _cell_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# --- spatial --------------------------------------------------------------

def _read_geo(path: Path, label: str, suffix: str, *, layer: str | None) -> RawTable:
    target = str(path)
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if not n.endswith("/")]
        except zipfile.BadZipFile as exc:
            msg = f"{label}: not a valid zip file"
            raise ReadError(msg) from exc
        shps = [n for n in names if n.lower().endswith(".shp") and not n.startswith("__MACOSX")]
        if not shps:
            listed = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
            msg = f"{label}: the zip holds no Shapefile (.shp); it contains: {listed or 'nothing'}"
            raise ReadError(msg)
        if len(shps) > 1 and layer is None:
            msg = f"{label}: the zip holds several Shapefiles ({', '.join(shps)}); choose one"
            raise ReadError(msg)
        inner = layer if layer in shps else shps[0]
        missing = [ext for ext in (".shx", ".dbf") if Path(inner).with_suffix(ext).as_posix() not in names
                   and Path(inner).with_suffix(ext.upper()).as_posix() not in names]
        if missing:
            msg = f"{label}: {inner} lacks its {' and '.join(missing)} part(s)"
            raise ReadError(msg)
        target = f"/vsizip/{path}/{inner}"
        layer = None
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            layers = pyogrio.list_layers(target)
    except Exception as exc:
        msg = f"{label}: not a readable spatial file ({_gdal_reason(exc)})"
        raise ReadError(msg) from exc
    notes += [f"GDAL: {w.message}" for w in seen]
    names = [str(n) for n, _ in layers]
    if layer is None:
        filled = [str(n) for n, g in layers if g is not None] or names
        if len(filled) > 1:
            msg = f"{label}: several layers ({', '.join(filled)}); choose one"
            raise ReadError(msg)
        if not filled:
            msg = f"{label}: the file holds no layer"
            raise ReadError(msg)
        layer = filled[0]
    elif layer not in names:
        msg = f"{label}: no layer {layer!r}; layers: {', '.join(names)}"
        raise ReadError(msg)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            frame = pyogrio.read_dataframe(target, layer=layer)
        notes += [f"GDAL: {w.message}" for w in seen]
    except Exception as exc:
        msg = f"{label}: cannot read layer {layer!r} ({_gdal_reason(exc)})"
        raise ReadError(msg) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"{label}: layer {layer!r} has no geometry"
        raise ReadError(msg)
    if len(frame) == 0:
        msg = f"{label}: layer {layer!r} has no features"
        raise ReadError(msg)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    geom = frame.geometry.name
    others = [c for c in frame.columns if c != geom]
    frame = frame.rename(columns=dict(zip(others, _unique_headers(pd.Index(others), label), strict=True)))
    if frame.geometry.has_z.any():
        frame = frame.set_geometry(gpd.GeoSeries(frame.geometry.force_2d(), crs=frame.crs, index=frame.index))
    kind = {".gpkg": "gpkg", ".kml": "kml", ".kmz": "kml", ".zip": "shp", ".shp": "shp"}.get(suffix, "geojson")
    return RawTable(frame, label, kind, notes=[f"layer {layer!r}", *notes])


def _gdal_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
