"""A point layer read as it is: each row's point in the file's own CRS, and a date or a weight where asked.

The importer (:mod:`geo.io.importer`) makes workspace layers: it needs a layer's fields (an incident's
category), and it turns every layer into WGS84. Some analyses need neither: the near-repeat test reads
events with a point and a date, in their own projected CRS (a rotation to UTM would change Manhattan
distances), and siting reads any demand points with a weight column of any name. This module reads such a
file with the importer's readers and parsers (:func:`geo.io.readers.read_table`, column roles by
:func:`geo.io.mapping.auto_map`, :func:`geo.io.points.parse_points`, :func:`geo.io.dates.parse_datetimes`),
without its layer rules. A row without a usable point (or date, where asked) is an error naming the rows:
the analyses count every row, so none is left out silently.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import messages as M
from geo.io.dates import combine_parts, parse_datetimes
from geo.io.mapping import apply_overrides, auto_map
from geo.io.points import parse_points
from geo.io.readers import read_table

__all__ = ["parse_crs", "read_points"]

_SHOWN = 5  # rows named in an error


def read_points(path: str | Path, *, crs: str | int | None = None, mapping: dict[str, str] | None = None,
                date: bool = False, date_order: str | None = None, name: str | None = None) -> gpd.GeoDataFrame:
    """A file's points in its own CRS, indexed by row number, with its other columns as read (text), and a
    ``date`` column when ``date`` is true.

    Parameters
    ----------
    path : str or pathlib.Path
        Any file ``geo import`` reads: CSV, TSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile, KML.
    crs : str or int, optional
        The coordinates' CRS when the file does not say (an EPSG code or a PROJ string).
    mapping : dict, optional
        Column roles the headers do not say (``{"x": "EASTING", "date": "Дата"}``).
    date : bool
        Read a date per row (``date``, or ``year``, ``month``, ``day`` columns); a row without one is an error.
    date_order : str, optional
        Order of ambiguous dates: ``dmy``, ``mdy``, ``ymd`` ...
    name : str, optional
        The file's name in messages (an upload's own name); default the path's.

    Raises
    ------
    ValueError
        The file unreadable, no coordinate (or date) columns, no CRS, or rows without a point (or a date):
        the first rows named, with their reasons.
    """
    raw = read_table(path, name=name) if name else read_table(path)
    source, frame = raw.source, raw.frame
    listed = ", ".join(raw.columns[:20]) + (f", … {len(raw.columns) - 20:,} more" if len(raw.columns) > 20 else "")
    roles = apply_overrides(auto_map(raw.columns, "incidents"), mapping or {}, raw.columns, "incidents",
                            source=source)
    given = None if crs is None else parse_crs(crs, source)
    problems = {r: reason for r, reason in raw.bad_rows.items()}  # rows the reader could not read at all

    def refuse(errors: pd.Series, what: str) -> None:  # the first problem of a row is the one named
        for r, e in errors[errors != ""].items():
            problems.setdefault(int(r), f"{what}: {e}")

    if raw.is_spatial:
        geom = frame.geometry
        if given is not None and geom.crs is not None and CRS(geom.crs) != given:
            msg = M.IMP_CRS_CONFLICT.format(file=source, crs=CRS(geom.crs).to_string(), given=given.to_string())
            raise ValueError(msg)
        file_crs = geom.crs if geom.crs is not None else given
        if file_crs is None:
            raise ValueError(M.IMP_NO_CRS.format(file=source))
        g = geom.to_numpy()
        empty = shapely.is_missing(g) | shapely.is_empty(g)
        reason = np.where(empty, M.NO_GEOMETRY, np.where(shapely.get_type_id(g) != 0, "not a point", ""))
        refuse(pd.Series(reason, index=frame.index), "geometry")
        points = gpd.GeoSeries(g, index=frame.index, crs=file_crs)
        columns = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    else:
        if "lat" in roles and "lon" in roles:
            a, b = frame[roles["lon"]], frame[roles["lat"]]
        elif "x" in roles and "y" in roles:
            a, b = frame[roles["x"]], frame[roles["y"]]
        else:
            raise ValueError(M.IMP_NO_COORDINATE_COLUMNS.format(file=source, listed=listed))
        pts = parse_points(a, b, crs=given, order="xy")
        file_crs = pts.summary.get("crs")
        if file_crs is None:  # every row carries the same reason (UTM's zone cannot be told): say it once
            msg = f"{source}: {pts.summary.get('crs_reason') or M.IMP_NO_CRS.format(file=source)}"
            raise ValueError(msg)
        refuse(pts.errors, "coordinates")
        points = pts.values
        columns = pd.DataFrame(frame)
    out = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(points, index=frame.index).to_numpy(), crs=file_crs)
    out.index = frame.index
    if date:
        if "date" in roles:
            parsed = parse_datetimes(frame[roles["date"]], frame[roles["time"]] if "time" in roles else None,
                                     order=date_order)
        elif {"year", "month", "day"} <= set(roles):
            parsed = combine_parts(**{k: frame[roles[k]] for k in ("year", "month", "day") if k in roles})
        else:
            raise ValueError(M.IMP_NO_DATE_COLUMN.format(file=source, listed=listed))
        refuse(parsed.errors, "date")
        out["date"] = parsed.values
    if problems:
        rows = sorted(problems)
        shown = "; ".join(f"row {r}: {problems[r]}" for r in rows[:_SHOWN])
        more = f"; and {len(rows) - _SHOWN:,} more rows" if len(rows) > _SHOWN else ""
        msg = (M.POINTS_BAD_ROWS_DATED if date else M.POINTS_BAD_ROWS).format(
            file=source, n=f"{len(rows):,}", read=f"{raw.rows_read:,}", rows=shown + more)
        raise ValueError(msg)
    return out


def parse_crs(value: str | int, source: str) -> CRS:
    """``--crs`` or a page's CRS as given: an EPSG code or anything PROJ reads, or a ValueError naming the file."""
    code = str(value).strip()
    try:
        return CRS.from_user_input(f"EPSG:{code}" if code.isdigit() else code)
    except Exception as exc:  # pyproj's CRSError, and anything else a malformed string provokes
        msg = (f"{source}: --crs {value!r} is not a coordinate reference system PROJ knows; give an EPSG code "
               "such as 4326 (longitude/latitude), 32643 (UTM 43N) or 7694 (Kyrg-06)")
        raise ValueError(msg) from exc
