"""The date and time formats the date parser recognises, and how a matched value is split up.

Each :class:`_Family` is one way of writing a date (``dd.mm.yyyy``,
``a/b/yyyy`` ...) as an RE2 pattern with named groups, optionally followed by
a time of day (``HH:MM[:SS[.fff]]``, 12-hour with AM/PM, a ``T`` separator, a
zone). :func:`_extract` splits the distinct values one family matches into
year, the two other parts and the clock; which part is the day is decided by
:mod:`geo.io.dates` for the whole column.

Hand-written for the reasons given in :mod:`geo.io.dates`: ``pandas.to_datetime``
guesses the day/month order silently and cannot say per row why a value was
refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from geo import messages as M
from geo.io.parsed import _flags, _ints, _present, _put

# A time of day; the groups are shared by the date patterns and the time column.
_CLOCK = (r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
          r"(?:\s*(?P<P>[AaPp])\.?\s?[Mm]\.?)?")
_TAIL = (r"(?:(?:\s+|\s*(?P<T>[Tt])\s*)" + _CLOCK
         + r"(?:\s*(?P<Z>[Zz]|[+-]\d{2}(?::?\d{2})?))?)?$")
# A time column may hold Excel's full datetimes (1899-12-30 14:30:00): the date is ignored.
_TIME_ONLY = r"^(?:\d{4}-\d{1,2}-\d{1,2}[ Tt])?" + _CLOCK + "$"

# Shape bits of a parsed value, for the format labels in the summary.
_TIMED, _SECONDS, _FRACTION, _AMPM, _TSEP, _ZONE, _YY = 1, 2, 4, 8, 16, 32, 64


@dataclass(frozen=True)
class _Family:
    """A date pattern. ``orders`` is one fixed order, or (month-first, day-first) for an ambiguous one."""

    key: str
    pattern: str
    orders: tuple[str, ...]

    @property
    def ambiguous(self) -> bool:
        return len(self.orders) == 2

    def label(self, order: str | None) -> str:
        if not self.ambiguous or order is None:  # fixed, or undecided ("a/b/yyyy")
            return self.key
        day_first = order in ("dmy", "ydm")
        return self.key.replace("a", "dd" if day_first else "mm").replace("b", "mm" if day_first else "dd")


_FAMILIES: tuple[_Family, ...] = (
    _Family("yyyy-mm-dd", r"^(?P<Y>\d{4})-(?P<A>\d{1,2})-(?P<B>\d{1,2})" + _TAIL, ("ymd",)),
    _Family("dd.mm.yyyy", r"^(?P<A>\d{1,2})\.(?P<B>\d{1,2})\.(?P<Y>\d{4}|\d{2})" + _TAIL, ("dmy",)),
    _Family("a/b/yyyy", r"^(?P<A>\d{1,2})/(?P<B>\d{1,2})/(?P<Y>\d{4}|\d{2})" + _TAIL, ("mdy", "dmy")),
    _Family("a-b-yyyy", r"^(?P<A>\d{1,2})-(?P<B>\d{1,2})-(?P<Y>\d{4})" + _TAIL, ("mdy", "dmy")),
    _Family("yyyy/a/b", r"^(?P<Y>\d{4})/(?P<A>\d{1,2})/(?P<B>\d{1,2})" + _TAIL, ("ymd", "ydm")),
    _Family("yyyy.a.b", r"^(?P<Y>\d{4})\.(?P<A>\d{1,2})\.(?P<B>\d{1,2})" + _TAIL, ("ymd", "ydm")),
    _Family("yyyymmdd", r"^(?P<Y>\d{4})(?P<A>\d{2})(?P<B>\d{2})" + _TAIL, ("ymd",)),
)


def _format_label(base: str, shape: int) -> str:
    if shape & _YY:
        base = base.replace("yyyy", "yy")
    if not shape & _TIMED:
        return base
    if shape & _AMPM:
        clock = "hh:mm" + (":ss" if shape & _SECONDS else "") + (".fff" if shape & _FRACTION else "") + " AM/PM"
    else:
        clock = "HH:MM" + (":SS" if shape & _SECONDS else "") + (".fff" if shape & _FRACTION else "")
    return base + ("T" if shape & _TSEP else " ") + clock + ("+hh:mm" if shape & _ZONE else "")


class _Clock(NamedTuple):
    tod: np.ndarray  # ms since midnight, 0 without a time
    shape: np.ndarray
    reason: np.ndarray  # "" or why the time is impossible (the caller adds the value)
    note: np.ndarray


def _clock(g: pd.DataFrame) -> _Clock:
    """Time of day from the regex groups H, M, S, F, P (and T, Z of a date pattern)."""
    n = len(g)
    h, mi, sec = _ints(g["H"]), _ints(g["M"]), _ints(g["S"])
    frac = _ints(g["F"].str.slice(0, 3).str.pad(3, side="right", fillchar="0")).clip(min=0)
    p = g["P"].str.upper()
    am, pm = _flags(p == "A"), _flags(p == "P")
    timed = h >= 0
    shape = (timed * _TIMED) | ((sec >= 0) * _SECONDS) | (_present(g["F"]) * _FRACTION) | ((am | pm) * _AMPM)
    zone = np.zeros(n, dtype=bool)
    if "T" in g:
        shape |= _present(g["T"]) * _TSEP
        zone = _present(g["Z"])
        shape |= zone * _ZONE
    h24 = h.copy()
    h24[am & (h == 12)] = 0
    h24[pm & (h >= 1) & (h <= 11)] += 12
    reason = np.full(n, "", dtype=object)
    note = np.full(n, "", dtype=object)
    _put(reason, pm & (h == 0), M.CLOCK_PM_0)
    _put(reason, am & (h >= 13), *M.parts(M.CLOCK_AM_13, {"hour": h}))
    _put(reason, h24 > 23, *M.parts(M.CLOCK_HOUR, {"hour": h}))
    _put(reason, mi > 59, *M.parts(M.CLOCK_MINUTE, {"minute": mi}))
    _put(reason, sec > 59, *M.parts(M.CLOCK_SECOND, {"second": sec}))
    _put(note, pm & (h >= 13) & (h <= 23) & (reason == ""), *M.parts(M.CLOCK_PM_24, {"hour": h}))
    if zone.any():
        _put(note, zone, *M.parts(M.TIME_ZONE_DROPPED, {"zone": g["Z"].to_numpy(dtype=object, na_value="")}))
    tod = np.where(timed & (reason == ""), ((h24 * 60 + mi) * 60 + sec.clip(min=0)) * 1000 + frac, 0)
    return _Clock(tod.astype(np.int64), shape.astype(np.int64), reason, note)


@dataclass
class _Match:
    """The distinct values one family matched, split into numbers."""

    family: _Family
    pos: np.ndarray  # positions among the distinct values
    year: np.ndarray
    a: np.ndarray  # first non-year part
    b: np.ndarray  # second non-year part
    clock: _Clock
    shape: np.ndarray
    read_as: str | None = None

    def reading(self, a_is_day: np.ndarray | bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(days since 1970, month, day, month length) with A read as the day where ``a_is_day``."""
        month = np.where(a_is_day, self.b, self.a)
        day = np.where(a_is_day, self.a, self.b)
        months = (self.year - 1970) * 12 + (np.clip(month, 1, 12) - 1)
        start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        length = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - start
        return start + day - 1, month, day, length

    def valid(self, a_is_day: bool) -> np.ndarray:
        _, month, day, length = self.reading(a_is_day)
        return (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)


def _extract(text: pd.Series, pos: np.ndarray, family: _Family) -> _Match | None:
    g = text.iloc[pos].str.extract(family.pattern)
    hit = _present(g["Y"])
    if not hit.any():
        return None
    g = g[hit]
    year = _ints(g["Y"])
    yy = (g["Y"].str.len() == 2).to_numpy(dtype=bool, na_value=False)
    # two-digit years as strptime reads them: 00-68 are 2000-2068, 69-99 are 1969-1999
    year = np.where(yy, np.where(year <= 68, 2000 + year, 1900 + year), year)
    clock = _clock(g)
    return _Match(family, pos[hit], year, _ints(g["A"]), _ints(g["B"]), clock, clock.shape | (yy * _YY))
