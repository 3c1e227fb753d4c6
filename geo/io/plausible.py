"""Plausibility of imported coordinates: in their CRS's area of use, the right way round, near the study area.

A value can parse and still be wrong: a point at (1e308, 1e308), UTM metres
read as degrees, a station at longitude 200, a whole file with latitude and
longitude swapped under their headers. One such point breaks every map and
workspace-wide analysis later, so the importer asks this module, for every
format:

- :func:`coordinate_errors`: per row, why its coordinates cannot be right
  (not finite, outside the CRS's area of use, degrees in a metric CRS), for
  points, lines and polygons alike (any vertex);
- :func:`file_swap` / :func:`swap_file`: whether a whole file holds latitude
  and longitude the other way round, decided from the whole column, never
  from one row;
- :func:`study_envelope` and :func:`outside_study`: the workspace's boundaries'
  box, and a warning (not a rejection) for rows far outside it.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer

from geo import messages as M
from geo.schema import area_of_use

__all__ = ["KYRGYZSTAN", "STUDY_MARGIN_KM", "coordinate_errors", "file_swap", "outside_study", "sample_points",
           "study_envelope", "swap_file"]

Box = tuple[float, float, float, float]  # west, south, east, north in degrees

KYRGYZSTAN: Box = (69.0, 39.0, 80.5, 43.5)
"""Lon/lat box of Kyrgyzstan with a margin: the platform's home, so a file that lands there only when
read the other way round is swapped (as given it lies in the Barents Sea)."""
STUDY_MARGIN_KM = 50.0
_KM_PER_DEG = 111.32
_SAMPLE = 20_000
_MOST, _FEW = 0.9, 0.1  # "nearly all" and "hardly any" of a file's points


def sample_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The finite points, thinned evenly to at most 20,000: enough to judge a column's coordinates."""
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) > _SAMPLE:  # evenly spaced, so the decision does not depend on chance
        i = np.linspace(0, len(x) - 1, _SAMPLE).astype(np.int64)
        x, y = x[i], y[i]
    return x, y


def _first_per_row(owner: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows with a flagged vertex, and the position of each row's first flagged vertex."""
    pos = np.flatnonzero(mask)
    rows, first = np.unique(owner[pos], return_index=True)
    return rows, pos[first]


def coordinate_errors(geom: gpd.GeoSeries) -> pd.Series:
    """Why each row's coordinates cannot be right, or ``""``.

    Parameters
    ----------
    geom
        Geometries with their CRS; missing or empty ones are left to the caller.

    Returns
    -------
    pandas.Series
        Same index as ``geom``. Reasons, quoting the first offending vertex
        (x, y) in single quotes: ``"not a finite coordinate 'inf, 42'"``;
        ``"coordinate '200, 42' is outside the area of use of EPSG:4326
        (longitude -180 to 180, latitude -90 to 90)"`` (with a hint when
        degrees look like metres); and, in a projected CRS, a geometry whose
        every vertex lies within ±180/±90 ("looks like longitude/latitude in
        degrees").
    """
    n = len(geom)
    reason = np.full(n, "", dtype=object)
    coords, owner = shapely.get_coordinates(geom.to_numpy(), return_index=True)
    if len(coords):
        x, y = coords[:, 0], coords[:, 1]
        finite = np.isfinite(x) & np.isfinite(y)
        rows, at = _first_per_row(owner, ~finite)
        reason[rows] = [M.PT_NOT_FINITE.format(value=f"{x[i]:g}, {y[i]:g}") for i in at]
        area = area_of_use(geom.crs) if geom.crs is not None else None
        if area is not None:
            with np.errstate(invalid="ignore"):
                out = finite & area.outside(x, y)
            rows, at = _first_per_row(owner, out)
            fresh = reason[rows] == ""
            rows, at = rows[fresh], at[fresh]
            reason[rows] = [(M.PT_OUTSIDE_CRS_METRES if area.geographic and max(abs(x[i]), abs(y[i])) > 1000
                             else M.PT_OUTSIDE_CRS).format(value=f"{x[i]:g}, {y[i]:g}", crs=area.crs, area=area.words)
                            for i in at]
        crs = CRS.from_user_input(geom.crs) if geom.crs is not None else None
        if crs is not None and crs.is_projected:
            # no projected CRS puts real data within 180 m of its false origin; degrees do land there
            degrees = finite & (np.abs(x) <= 180) & (np.abs(y) <= 90)
            not_deg = np.zeros(n, dtype=bool)
            not_deg[owner[~degrees]] = True
            rows, at = _first_per_row(owner, degrees)
            keep = ~not_deg[rows] & (reason[rows] == "")
            unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
            auth = crs.to_authority(min_confidence=100)
            name = ":".join(auth) if auth else crs.name
            reason[rows[keep]] = [M.PT_DEGREES_IN_METRES.format(value=f"{x[i]:g}, {y[i]:g}", crs=name, unit=unit)
                                  for i in at[keep]]
    return pd.Series(reason, index=geom.index, dtype=object)


def _inside(x: np.ndarray, y: np.ndarray, box: Box) -> np.ndarray:
    w, s, e, n = box
    return (x >= w) & (x <= e) & (y >= s) & (y <= n)


def _widen(box: Box, km: float) -> Box:
    w, s, e, n = box
    dy = km / _KM_PER_DEG
    dx = dy / max(math.cos(math.radians(min(max(abs(s), abs(n)), 89.0))), 0.01)
    return (w - dx, s - dy, e + dx, n + dy)


def file_swap(lon: np.ndarray, lat: np.ndarray, *, study: Box | None = None) -> tuple[bool, str]:
    """Whether a whole file holds latitude and longitude the other way round, and why.

    Decided from the whole columns (an even sample above 20,000 points), and
    only on strong evidence, so that legitimate data is never "repaired"
    (Chicago: lon -87.6, lat 41.8; Kyrgyzstan: lon 69-80, lat 39-43.5). The
    file is read the other way round when, as given, hardly any point (at most
    10%) is plausible and, swapped, nearly all (at least 90%) are, by the first
    test that applies:

    1. latitudes beyond ±90;
    2. with a study area (the workspace's boundaries, 50 km around): points
       inside it. When most points already lie in the study area as given,
       nothing is swapped, whatever the later tests say;
    3. latitudes where nobody lives (south of 60° S or north of 84° N);
    4. the platform's home, Kyrgyzstan (as given, such a file lies in the
       Barents Sea).

    Parameters
    ----------
    lon, lat
        The coordinates in degrees as currently read.
    study
        West, south, east, north of the study area in degrees, if known.

    Returns
    -------
    tuple
        True to swap, and a sentence saying why (``""`` when not swapped).
    """
    x, y = sample_points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    if not len(x):
        return False, ""

    def flip(as_given: np.ndarray, swapped: np.ndarray) -> bool:
        return float(as_given.mean()) <= _FEW and float(swapped.mean()) >= _MOST

    def valid(lo: np.ndarray, la: np.ndarray) -> np.ndarray:
        return (np.abs(la) <= 90) & (np.abs(lo) <= 180)

    if flip(valid(x, y), valid(y, x)):
        k = int((np.abs(y) > 90).sum())
        return True, f"{k:,} of {len(y):,} latitudes are beyond ±90, and read the other way round all but a few fit"
    if study is not None:
        near = _widen(study, STUDY_MARGIN_KM)
        given, other = _inside(x, y, near), _inside(y, x, near)
        if given.mean() >= 0.5:
            return False, ""
        if flip(given, other):
            return True, (f"only read the other way round do they fall in the workspace's boundaries "
                          f"({other.mean():.0%} against {given.mean():.0%})")
    nobody = (y < -60) | (y > 84)
    if flip(~nobody & valid(x, y), ~((x < -60) | (x > 84)) & valid(y, x)):
        return True, (f"as given {nobody.mean():.0%} of them lie where nobody lives (median latitude "
                      f"{np.median(y):.1f}°), read the other way round they do not")
    home_given, home_other = _inside(x, y, KYRGYZSTAN), _inside(y, x, KYRGYZSTAN)
    if flip(home_given, home_other):
        return True, (f"as given they lie around {np.median(y):.1f}°N {np.median(x):.1f}°E (the Barents Sea), "
                      f"read the other way round {home_other.mean():.0%} of them fall in Kyrgyzstan")
    return False, ""


def swap_file(geom: gpd.GeoSeries, *, study: Box | None = None) -> tuple[gpd.GeoSeries, str]:
    """Geometries in degrees with x and y swapped when :func:`file_swap` says the whole file needs it.

    Returns the (possibly swapped) geometries and why they were swapped (``""`` if not).
    """
    crs = CRS.from_user_input(geom.crs) if geom.crs is not None else None
    if crs is None or not crs.is_geographic or not len(geom):
        return geom, ""
    coords = shapely.get_coordinates(geom.to_numpy())
    swap, why = file_swap(coords[:, 0], coords[:, 1], study=study) if len(coords) else (False, "")
    if not swap:
        return geom, ""
    flipped = shapely.transform(geom.to_numpy(), lambda c: c[:, ::-1])
    return gpd.GeoSeries(flipped, index=geom.index, crs=geom.crs), why


def study_envelope(workspace: object) -> Box | None:
    """West, south, east, north (degrees) of the workspace's boundaries, or None when it has none.

    Read from the GeoPackage's layer extent (no feature is loaded), so it is
    cheap for any workspace size. ``workspace`` is a
    :class:`geo.io.store.Workspace` or None.
    """
    path = getattr(workspace, "path", None)
    if path is None or not getattr(workspace, "exists", False):
        return None
    try:
        if not workspace.has("boundaries"):  # type: ignore[attr-defined]
            return None
        info = pyogrio.read_info(path, layer="boundaries", force_total_bounds=True)
        bounds = tuple(float(v) for v in info["total_bounds"])
        if not info.get("features") or not np.isfinite(bounds).all():
            return None
        crs = CRS.from_user_input(info["crs"]) if info.get("crs") else CRS.from_epsg(4326)
        if not crs.is_geographic or crs.to_epsg() != 4326:
            bounds = Transformer.from_crs(crs, 4326, always_xy=True).transform_bounds(*bounds)
    except Exception:  # the envelope is advice: an unreadable workspace is reported where it is written
        return None
    if not np.isfinite(bounds).all() or bounds[0] > bounds[2] or bounds[1] > bounds[3]:
        return None
    return bounds  # type: ignore[return-value]


def _where(lon: float, lat: float) -> str:
    return f"{abs(lat):.2f}°{'N' if lat >= 0 else 'S'}, {abs(lon):.2f}°{'E' if lon >= 0 else 'W'}"


def outside_study(geom: gpd.GeoSeries, rows: np.ndarray, study: Box | None, layer: str, *,
                  km: float = STUDY_MARGIN_KM) -> tuple[int, str]:
    """How many rows lie more than ``km`` beyond the study area, and a warning saying which and where.

    Parameters
    ----------
    geom
        The accepted geometries in WGS84.
    rows
        Their input row numbers, for the message.
    study
        The study area's box (:func:`study_envelope`); None gives ``(0, "")``.
    layer
        The layer's name, for the message.
    km
        How far beyond the box a row must lie to be counted.

    Returns
    -------
    tuple
        The count and the warning (``""`` when none). The rows are kept: they
        may be right (a new district), but the user should look.
    """
    if study is None or not len(geom):
        return 0, ""
    w, s, e, n = study
    b = shapely.bounds(geom.to_numpy())
    with np.errstate(invalid="ignore"):
        dx = np.maximum(np.maximum(w - b[:, 2], b[:, 0] - e), 0.0)
        dy = np.maximum(np.maximum(s - b[:, 3], b[:, 1] - n), 0.0)
        lat = np.clip((b[:, 1] + b[:, 3]) / 2, s, n)
        dist = np.hypot(dx * _KM_PER_DEG * np.cos(np.radians(lat)), dy * _KM_PER_DEG)
    far = np.nan_to_num(dist, nan=0.0) > km
    k = int(far.sum())
    if not k:
        return 0, ""
    rows = np.asarray(rows)
    listed = ", ".join(str(int(r)) for r in rows[far][:5])
    if k > 5:
        listed = M.PT_ROWS_MORE.format(rows=listed, n=f"{k - 5:,}")
    i = int(np.nanargmax(np.where(far, dist, -1.0)))
    return k, (M.PT_OUTSIDE_STUDY_ONE if k == 1 else M.PT_OUTSIDE_STUDY).format(
        n=f"{k:,}", total=f"{len(geom):,}", layer=layer, km=f"{km:g}",
        box=M.DATE_SPAN.format(start=_where(w, s), end=_where(e, n)), rows=listed, row=int(rows[i]),
        distance=f"{dist[i]:,.0f}", where=_where((b[i, 0] + b[i, 2]) / 2, (b[i, 1] + b[i, 3]) / 2))
