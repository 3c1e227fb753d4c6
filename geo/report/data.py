"""The pack's tables and results as files: CSV and one Excel workbook, a GeoPackage, GeoTIFFs, zips.

Every file is written atomically (:mod:`geo.atomic`) and carries no build
time, only the date given, so the same tables on the same date give the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.atomic import atomic_output, atomic_write
from geo.cells import FORMULA_START, safe_cells  # noqa: F401 - FORMULA_START kept importable here
from geo.i18n import Tr
from geo.report.options import MapView
from geo.stats.density import DensityGrid

__all__ = ["XLSX_NAME", "csv_bytes", "export_data", "export_tables", "file_words", "image_name", "safe_cells", "table_files",
           "write_zip", "zip_info"]

# Excel's limits on sheet names: 31 characters, none of these.
SHEET_MAX = 31
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_NAME = "koopsuz_tables.xlsx"
# Characters a file name may not hold on Windows, macOS or Linux.
_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def file_words(_: Tr) -> dict[str, str]:
    """The words of file and sheet names in the language (English: the names as they always were).

    The names of the maps' kinds, the categories and the tables, written as one word each
    (``"населённые_пункты"``): a file name with no spaces survives every e-mail and archive tool.
    """
    words = {
        "overview": _.ctx("file name", "overview"), "hotspots": _.ctx("file name", "hotspots"),
        "coverage": _.ctx("file name", "coverage"), "sites": _.ctx("file name", "sites"),
        "perception": _.ctx("file name", "perception"),
        "public_order": _.ctx("file name", "public_order"), "burglary": _.ctx("file name", "burglary"),
        "road_traffic": _.ctx("file name", "road_traffic"), "juvenile": _.ctx("file name", "juvenile"),
        "livestock_theft": _.ctx("file name", "livestock_theft"),
        "domestic_violence": _.ctx("file name", "domestic_violence"),
        "extremism": _.ctx("file name", "extremism"), "other": _.ctx("file name", "other"),
        "settlements": _.ctx("file name", "settlements"), "top": _.ctx("file name", "top"),
        "by_station": _.ctx("file name", "by_station"), "by_category": _.ctx("file name", "by_category"),
        "gaps": _.ctx("file name", "gaps"), "by_camera": _.ctx("file name", "by_camera"),
        "proposed_sites": _.ctx("file name", "proposed_sites"), "comparison": _.ctx("file name", "comparison"),
        "comparison_by_category": _.ctx("file name", "comparison_by_category"),
        "maps": _.ctx("file name", "maps"), "tables": _.ctx("file name", "tables"),
        "README": _.ctx("file name", "README"), "koopsuz_tables": _.ctx("file name", "koopsuz_tables"),
    }
    return {k: _NOT_IN_FILE_NAMES.sub("_", v).replace(" ", "_") for k, v in words.items()}


def _stem(words: dict[str, str], view: MapView, key: str | None = None) -> str:
    """``overview_settlements``, ``hotspots_burglary_top``: a view's (and a table's) name in the language."""
    parts = [words.get(view.kind, view.kind)]
    if view.category is not None:
        parts.append(words.get(view.category, view.category))
    if key is not None:
        parts.append(words.get(key, key))
    return "_".join(parts)


def image_name(_: Tr, view: MapView, index: int) -> str:
    """The file name of a map's image in the pack's zip: ``01_overview.png``, ``02_hotspots_burglary.png``."""
    return f"{index:02d}_{_stem(file_words(_), view)}.png"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV bytes for a download: UTF-8 with a byte-order mark (Excel then shows Cyrillic), and
    every cell a spreadsheet would run as a formula made plain text (:func:`safe_cells`)."""
    return safe_cells(frame).to_csv(index=False).encode("utf-8-sig")


def export_tables(views: Iterable[MapView], out: str | os.PathLike[str], *, date: dt.date | None = None) -> list[Path]:
    """Write every table of the views as CSV and all of them as one XLSX.

    CSVs are UTF-8 with a byte-order mark, so Excel shows Cyrillic names;
    the XLSX holds one sheet per table (names cut to Excel's 31 characters,
    kept unique). A table is named ``<view name>_<table>``, in the views'
    language (:attr:`MapView.lang`), as are its headers and words. Text that a
    spreadsheet would run as a formula is written as text (:func:`safe_cells`).

    Parameters
    ----------
    views : iterable of MapView
    out : path-like
        A directory (created if missing), or a ``.zip`` file to put them in.
    date : datetime.date, optional
        Timestamp of the zip entries and the workbook (default today), so
        the same tables on the same date give the same bytes.

    Returns
    -------
    list of pathlib.Path
        The files written (the zip alone for a zip).
    """
    out = Path(out)
    files = table_files(views, date=date or dt.date.today())
    if out.suffix.lower() == ".zip":
        write_zip(out, files, date=date or dt.date.today())
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        written.append(atomic_write(out / name, data))
    return written


def table_files(views: Iterable[MapView], *, date: dt.date) -> dict[str, bytes]:
    """Each table of the views as CSV, and all of them in one workbook, named in the views' language."""
    views = list(views)
    words = file_words(Tr(views[0].lang if views else "en"))
    tables = {_stem(words, v, key): safe_cells(frame) for v in views for key, frame in v.tables.items()}
    files = {f"{name}.csv": frame.to_csv(index=False).encode("utf-8-sig") for name, frame in tables.items()}
    files[f"{words['koopsuz_tables']}.xlsx"] = _xlsx(tables, date=date)
    return files


def _sheet_names(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    taken: set[str] = set()
    for name in names:
        base = SHEET_FORBIDDEN.sub("_", name)[:SHEET_MAX].rstrip("_ ") or "table"
        sheet, i = base, 2
        while sheet.lower() in taken:  # Excel compares sheet names without case
            suffix = f"~{i}"
            sheet, i = base[:SHEET_MAX - len(suffix)] + suffix, i + 1
        taken.add(sheet.lower())
        out.append(sheet)
    return out


def _xlsx(tables: Mapping[str, pd.DataFrame], *, date: dt.date) -> bytes:
    """One sheet per table, with fixed timestamps so the same tables give the same bytes."""
    stamp = dt.datetime(date.year, date.month, date.day)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for sheet, frame in zip(_sheet_names(tables), tables.values(), strict=True):
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for i, col in enumerate(frame.columns, start=1):
                width = max([len(str(col)), *(len(str(v)) for v in frame[col].head(200))], default=8)
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(60, width + 2)
        writer.book.properties.created = stamp
    # openpyxl stamps "modified" and every zip entry with the current time: rewrite both.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    entries = {}
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "docProps/core.xml":
            iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
            data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso.encode(), data)
        entries[info.filename] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries.items():  # openpyxl's order: [Content_Types].xml stays where Excel expects it
            dst.writestr(zip_info(name, date), data)
    return out.getvalue()


def export_data(layers: Mapping[str, gpd.GeoDataFrame], views: Iterable[MapView], out_gpkg: str | os.PathLike[str],
                *, density: DensityGrid | None = None) -> list[Path]:
    """Write the input layers and the results to one GeoPackage, and density surfaces as GeoTIFFs.

    The GeoPackage holds each non-empty input layer under its own name (give
    the study's layers, :func:`study_layers`) and each view's results as
    ``<view name>_<result>``: ``gi_cells``, ``rates``, ``service_areas``,
    ``gaps``, ``proposed_sites`` and ``proposed_areas``. It is written
    beside ``out_gpkg`` and moved over it when complete.

    A GeoTIFF (:meth:`geo.stats.density.DensityGrid.to_geotiff`) is written beside
    it for ``density`` (``<stem>_density.tif``) and for each density map of
    the views (``<stem>_<view name>.tif``).

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
    views : iterable of MapView
    out_gpkg : path-like
    density : geo.stats.density.DensityGrid, optional

    Returns
    -------
    list of pathlib.Path
        The GeoPackage, then the GeoTIFFs.
    """
    import pyogrio

    out = Path(out_gpkg)
    out.parent.mkdir(parents=True, exist_ok=True)
    frames: dict[str, gpd.GeoDataFrame] = {name: frame for name, frame in layers.items()
                                           if isinstance(frame, gpd.GeoDataFrame) and len(frame)}
    grids: dict[str, DensityGrid] = {} if density is None else {"density": density}
    views = list(views)
    suffixes = {"gi_cells": "gi_cells", "rates": "rates", "coverage": "service_areas", "gaps": "gaps",
                "proposed": "proposed_sites", "proposed_areas": "proposed_areas"}
    for v in views:
        for attr, suffix in suffixes.items():
            frame = getattr(v.content, attr)
            if frame is not None and len(frame):
                frames[f"{v.name}_{suffix}"] = frame
        if v.content.density is not None:
            grids[v.name] = v.content.density
    if not frames:
        msg = "nothing to write: every layer and result is empty"
        raise ValueError(msg)
    with atomic_output(out, suffix=".tmp.gpkg", create=False) as tmp:  # the GPKG driver creates the file itself
        for name, frame in frames.items():
            pyogrio.write_dataframe(_writable(frame), tmp, layer=name, driver="GPKG",
                                    **({"append": False, "layer_options": {"OVERWRITE": "YES"}} if tmp.exists()
                                       else {}))
    written = [out]
    for name, grid in grids.items():
        target = out.with_name(f"{out.stem}_{name}.tif")
        with atomic_output(target, suffix=".tmp.tif") as tif:
            grid.to_geotiff(tif)
        written.append(target)
    return written


def _writable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy GDAL can store: plain column names, no attrs (they may hold non-JSON objects)."""
    out = frame.copy()
    out.attrs = {}
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v))
    return out


def zip_info(name: str, date: dt.date) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(max(date.year, 1980), date.month, date.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_zip(path: Path, files: Mapping[str, bytes], *, date: dt.date) -> Path:
    """A zip with sorted entries and fixed timestamps, written beside ``path`` and moved over it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            z.writestr(zip_info(name, date), files[name])
    return atomic_write(path, buf.getvalue())
