"""Read two coordinate columns into points, recognising the CRS and swapped latitude/longitude.

No library recognises Kyrgyzstan's national grid (Kyrg-06) or swapped
latitude/longitude from the bare numbers, so :func:`detect_crs` reads the CRS
from the values and :func:`parse_points` finds the order of the columns and
the rows whose values were swapped. Results follow the conventions of
:class:`geo.io.parsed.Parsed`.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo import messages as M
from geo.crs import WGS84
from geo.io.numbers import _numbers
from geo.io.parsed import Parsed, _Messages
from geo.io.plausible import KYRGYZSTAN, Box, file_swap, sample_points

__all__ = ["KYRG06", "detect_crs", "parse_points"]

KYRG06: dict[int, int] = {1: 7692, 2: 7693, 3: 7694, 4: 7695, 5: 7696}
"""Kyrg-06 zone -> EPSG code. Zone k: false easting k*1,000,000 + 300,000, central meridian 68°31' + 3°(k-1)."""

_NORTHINGS = (4.25e6, 4.95e6)  # Kyrgyzstan, 39°-43.5° N, in Kyrg-06 and UTM alike
_KG_BOX = KYRGYZSTAN  # lon/lat box of Kyrgyzstan with a margin
_UTM_HELP = M.PT_UTM


class _Found(NamedTuple):
    crs: CRS | None
    why: str
    kind: str  # "degrees", "kyrg06", "utm" or ""
    fit: float  # share of the values that fit


def _detect(x: np.ndarray, y: np.ndarray) -> _Found:
    x, y = sample_points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    if not len(x):
        return _Found(None, M.PT_NOTHING_TO_RECOGNISE, "", 0.0)
    ax, ay = np.abs(x), np.abs(y)
    deg = float((((ax <= 180) & (ay <= 90)) | ((ax <= 90) & (ay <= 180))).mean())
    if deg > 0.5:
        return _Found(WGS84, M.PT_DEGREES.format(share=f"{deg:.0%}"), "degrees", deg)
    north = (y >= _NORTHINGS[0]) & (y <= _NORTHINGS[1])
    zone_of = np.floor(x / 1e6)
    in_zone = north & (x - zone_of * 1e6 <= 600_000) & (zone_of >= 1) & (zone_of <= 5)
    if in_zone.mean() > 0.5:
        zone = int(np.bincount(zone_of[in_zone].astype(np.int64)).argmax())
        sel = in_zone & (zone_of == zone)
        code = KYRG06[zone]
        lon, lat = Transformer.from_crs(code, 4326, always_xy=True).transform(x[sel], y[sel])
        w, s, e, nn = _KG_BOX
        fit = float(((lon >= w) & (lon <= e) & (lat >= s) & (lat <= nn)).sum() / len(x))
        if fit > 0.5:
            cm = 68 + 3 * (zone - 1)
            return _Found(CRS.from_epsg(code),
                          M.PT_KYRG06.format(zone=zone, code=code, easting=f"{zone},300,000", meridian=cm),
                          "kyrg06", fit)
    utm = float((north & (x >= 160_000) & (x <= 840_000)).mean())
    if utm > 0.5:
        return _Found(None, _UTM_HELP, "utm", utm)
    return _Found(None, M.PT_NO_CRS.format(xmin=f"{x.min():g}", xmax=f"{x.max():g}", ymin=f"{y.min():g}",
                                           ymax=f"{y.max():g}"), "", 0.0)


def detect_crs(x: np.ndarray, y: np.ndarray) -> tuple[CRS | None, str]:
    """Recognise the CRS of coordinate pairs from their values alone.

    Checked in turn, each needing more than half of the values:

    - degrees: one column within ±90 and the other within ±180 -> WGS84;
    - Kyrg-06 (EPSG:7692-7696): eastings from k,000,000 to k,600,000 and
      northings of Kyrgyzstan (4,250,000-4,950,000) give zone k. It counts
      when the points then fall in Kyrgyzstan;
    - UTM zones 42-44 N (eastings 160,000-840,000, the same northings): the
      zone cannot be told, so the CRS is None and the explanation asks for it.

    Parameters
    ----------
    x, y
        Eastings/longitudes and northings/latitudes (for degrees either order).
        Non-finite values are ignored; above 20,000 pairs an even sample is used.

    Returns
    -------
    tuple
        The CRS or None, and a sentence saying why.
    """
    found = _detect(x, y)
    return found.crs, found.why


def _to_crs(crs: CRS | str | int) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except CRSError as err:
        msg = M.PT_UNKNOWN_CRS.format(value=crs, reason=err)
        raise ValueError(msg) from err


def _area_fit(crs: CRS, x: np.ndarray, y: np.ndarray) -> float:
    """Share of the (sampled) points inside the CRS's area of use, with a one-degree margin."""
    x, y = sample_points(x, y)
    if not len(x) or crs.area_of_use is None:
        return 0.0
    w, s, e, n = crs.area_of_use.bounds
    with np.errstate(all="ignore"):
        lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    return float(((lon >= w - 1) & (lon <= e + 1) & (lat >= s - 1) & (lat <= n + 1)).mean())


def _latitude_first(a: np.ndarray, b: np.ndarray) -> tuple[bool, str]:
    """Whether column a holds latitudes, from values in degrees, and why."""
    fa, fb = float((np.abs(a) <= 90).mean()), float((np.abs(b) <= 90).mean())
    if fa >= 0.9 and fb < 0.5:
        return True, "the first column is within ±90 and the second is not, so the first is latitude"
    if fb >= 0.9 and fa < 0.5:
        return False, "the second column is within ±90 and the first is not, so the second is latitude"
    ma, mb = float(np.median(np.abs(a))), float(np.median(np.abs(b)))
    # Kyrgyzstan (lat 42, lon 75) and Chicago (41.8, -87.6) both have the smaller latitude
    first = ma < mb
    return first, (f"both columns are within ±90; latitude taken as the column with the smaller median absolute value "
                   f"(the {'first' if first else 'second'}: {min(ma, mb):g} against {max(ma, mb):g})")


def parse_points(a: pd.Series, b: pd.Series, *, crs: CRS | str | int | None = None,
                 order: str = "auto", study: Box | None = None) -> Parsed:
    """Read two coordinate columns into points, recognising the CRS and swapped columns.

    Parameters
    ----------
    a, b
        The coordinate columns as mapped: with ``order="xy"`` a holds
        x/longitude/easting and b y/latitude/northing; ``"yx"`` the other way;
        ``"auto"`` decides from the values.
    crs
        The CRS when known (anything pyproj reads: 4326, "EPSG:32643" ...).
        Otherwise :func:`detect_crs` recognises WGS84 or Kyrg-06. UTM cannot be
        told apart by zone, so then every row is refused, asking for the EPSG code.
    order
        ``"xy"``, ``"yx"`` or ``"auto"``. In degrees, even a given order is
        reversed when the whole file only makes sense the other way round
        (:func:`geo.io.plausible.file_swap`): every row then gets the note
        "latitude and longitude were swapped in the whole file; fixed".
    study
        West, south, east, north (degrees) of the study area, when known: the
        strongest evidence for that whole-file swap.

    Returns
    -------
    Parsed
        ``values`` is a GeoSeries of points (x = longitude/easting) in the CRS of
        ``summary["crs"]`` (an ``"EPSG:...`` string, None when unknown), None where
        a row failed. Rows are refused for an empty or non-numeric value,
        (0, 0) ("coordinates withheld (0, 0)"), equal values ("placeholder
        coordinates (99, 99)") or a latitude/longitude out of range. A row whose
        values were swapped is swapped back with the note "latitude and longitude
        were swapped; fixed". ``summary`` also holds ``crs_reason``, ``order``
        ("xy" or "yx", how a and b were read), ``order_reason``, ``swapped``,
        ``file_swapped`` (why the whole file was swapped, ``""`` if not),
        ``withheld`` and ``placeholders``.

    Raises
    ------
    ValueError
        For an unknown ``order`` or ``crs``, or columns of different lengths.
    """
    if order not in ("auto", "xy", "yx"):
        msg = f"unknown coordinate order {order!r}; expected 'xy', 'yx' or 'auto'"
        raise ValueError(msg)
    if len(a) != len(b):
        msg = f"the coordinate columns differ in length ({len(a)} and {len(b)})"
        raise ValueError(msg)
    index = a.index
    n = len(a)
    (va, ma, _), (vb, mb, _) = _numbers(a), _numbers(b)
    ea, eb = ma.errors, mb.errors
    numeric = (ea == "") & (eb == "")
    zero = numeric & (va == 0) & (vb == 0)
    same = numeric & ~zero & (va == vb)
    usable = numeric & ~zero & ~same

    # Decide the CRS and which column is x.
    given = None if crs is None else _to_crs(crs)
    a_is_x = order != "yx"
    crs_why = "given"
    order_why = "given" if order != "auto" else "x then y, as mapped"
    zone_window: tuple[float, float] | None = None
    if given is None:
        px, py = (va, vb) if a_is_x else (vb, va)
        found = _detect(px[usable], py[usable])
        if found.kind != "degrees":
            other = _detect(py[usable], px[usable])
            if other.crs is not None and (found.crs is None or other.fit > found.fit):
                found, a_is_x = other, not a_is_x
                order_why = "the columns hold y then x: only that reading fits " + ("Kyrg-06" if other.kind ==
                                                                                    "kyrg06" else "a CRS")
            elif found.crs is None and found.kind != "utm" and other.kind == "utm":
                found = other
        final, crs_why = found.crs, found.why
        if found.kind == "kyrg06":
            zone = next(z for z, c in KYRG06.items() if c == final.to_epsg())
            zone_window = (zone * 1e6, zone * 1e6 + 600_000)
    else:
        final = given
        if given.is_projected:
            px, py = (va, vb) if a_is_x else (vb, va)
            fit, fit_swapped = _area_fit(given, px[usable], py[usable]), _area_fit(given, py[usable], px[usable])
            if fit < 0.5 < fit_swapped:
                a_is_x = not a_is_x
                order_why = f"the columns hold y then x: only that reading falls in the area of {given.to_string()}"
    geographic = final is not None and final.is_geographic
    if geographic and order == "auto" and usable.any():
        a_is_lat, order_why = _latitude_first(va[usable], vb[usable])
        a_is_x = not a_is_lat
    file_why = ""
    if geographic and usable.any():  # a whole file swapped under its headers: one decision for the column
        px, py = (va, vb) if a_is_x else (vb, va)
        flip, file_why = file_swap(px[usable], py[usable], study=study)
        if flip:
            a_is_x = not a_is_x
            order_why = f"latitude and longitude are swapped in the whole file: {file_why}"
    x, y = (va, vb) if a_is_x else (vb, va)
    x, y = x.copy(), y.copy()

    if geographic:
        x_name, y_name = M.WORDS[1], M.WORDS[0]  # "longitude", "latitude"
    elif final is not None:
        x_name, y_name = M.PT_NAMES[2], M.PT_NAMES[3]
    elif order == "auto":
        x_name, y_name = M.PT_NAMES[4], M.PT_NAMES[5]
        a_is_x = True
    else:
        x_name, y_name = "x", "y"
    name_a, name_b = (x_name, y_name) if a_is_x else (y_name, x_name)

    msgs = _Messages(n)
    msgs.error((ea == M.EMPTY) & (eb == M.EMPTY), M.PT_EMPTY)
    for name, e in ((name_a, ea), (name_b, eb)):
        msgs.error(e == M.EMPTY, M.PT_PART_EMPTY.format(field=name))
        msgs.error(e == M.NOT_FINITE, M.PT_PART_NOT_FINITE.format(field=name))
        other_bad = e != ""
        msgs.error(other_bad, *M.parts(M.PART_ERROR, {"field": name, "error": e[other_bad]}))
    msgs.error(zero, M.PT_WITHHELD.format(x=0, y=0))
    whole = same & (np.floor(va) == va)
    msgs.error(whole, *M.parts(M.PT_PLACEHOLDER, {"number": va[whole]}))
    msgs.error(same, *M.parts(M.PT_COPIED, {"number": va[same]}))
    if final is None:
        msgs.error(usable, crs_why)

    # Rows with x and y swapped: a pair that only lands among the other points the
    # other way round (an impossible latitude alone could also be a typing error).
    swapped = np.zeros(n, dtype=bool)
    if final is not None and usable.any():
        if usable.sum() < 5:  # too few points for a median: only the impossible latitude tells
            if geographic:
                swapped |= usable & (np.abs(y) > 90) & (np.abs(x) <= 90) & (np.abs(y) <= 180)
        else:
            mx, my = float(np.median(x[usable])), float(np.median(y[usable]))
            k = np.cos(np.radians(np.clip(my, -89, 89))) if geographic else 1.0
            d0 = np.hypot((x - mx) * k, y - my)
            d1 = np.hypot((y - mx) * k, x - my)
            floor = 1e-4 if geographic else 10.0  # ~10 m, so identical points do not make every row "far"
            limit = 5 * max(float(np.median(d0[usable])), floor)
            swapped |= usable & (d0 > limit) & (d1 <= limit)
        x[swapped], y[swapped] = y[swapped], x[swapped].copy()
        what = M.PT_NAMES[0] if geographic else M.PT_NAMES[1]
        if file_why:  # a row swapped back here was right as written, so it needs no note
            msgs.note(usable & ~swapped, M.PT_FILE_SWAPPED)
        else:
            msgs.note(swapped, M.PT_SWAPPED.format(what=what))

    if geographic:
        bad_lat = usable & (np.abs(y) > 90)
        msgs.error(bad_lat, *M.parts(M.PT_LAT_RANGE, {"number": y[bad_lat]}))
        bad_lon = usable & (np.abs(x) > 180)
        msgs.error(bad_lon, *M.parts(M.PT_LON_RANGE, {"number": x[bad_lon]}))
    if zone_window is not None:
        lo, hi = zone_window
        off_x = usable & ((x < lo) | (x > hi))
        msgs.error(off_x, *M.parts(M.PT_X_ZONE, {"number": np.round(x[off_x]).astype(np.int64),
                                                 "zone": int(lo // 1e6), "low": f"{lo:.0f}", "high": f"{hi:.0f}"}))
        off_y = usable & ((y < _NORTHINGS[0]) | (y > _NORTHINGS[1]))
        msgs.error(off_y, *M.parts(M.PT_Y_RANGE, {"number": np.round(y[off_y]).astype(np.int64),
                                                  "low": f"{_NORTHINGS[0]:.0f}", "high": f"{_NORTHINGS[1]:.0f}"}))

    ok = ~msgs.failed
    geoms = np.full(n, None, dtype=object)
    geoms[ok] = shapely.points(x[ok], y[ok])
    errors, notes = msgs.series(index)
    summary: dict[str, object] = {
        "rows": n, "values": int(ok.sum()), "errors": int((~ok).sum()),
        "crs": final.to_string() if final is not None else None, "crs_reason": crs_why,
        "order": "xy" if a_is_x else "yx", "order_reason": order_why,
        "swapped": int((swapped & ok).sum()), "file_swapped": file_why,
        "withheld": int(zero.sum()), "placeholders": int(same.sum()),
    }
    return Parsed(gpd.GeoSeries(geoms, index=index, crs=final), errors, notes, summary)
