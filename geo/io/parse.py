"""Read the messy columns of crime-registry exports: dates, numbers and coordinates.

Each function takes whole columns (pandas Series) and returns a :class:`Parsed`.
For every input row it holds a value or a reason a person understands, and a
note when the value was read in a way worth checking. Nothing is dropped, and
positions and index follow the input, so the importer can sort each row into
accepted, repaired or rejected.

This is hand-written for two reasons. ``pandas.to_datetime`` guesses the
day/month order without saying so (per value with ``format="mixed"``). It
also cannot read a column that mixes formats and say, row by row, why a value
was refused or how it was read. Registries here mix ``dd.mm.yyyy`` with
Excel's ``mm/dd/yyyy``, and the Chicago extract even mixes ``yyyy/dd/mm`` into
the same column. No library recognises Kyrgyzstan's national grid (Kyrg-06)
or swapped latitude/longitude from the bare numbers either.

Everything is vectorised. Values are grouped by pattern with ``str.extract``
on Arrow strings, which runs RE2 over the whole column. Distinct date strings
are parsed once, and the rest is numpy arithmetic, so a million rows take
one to two seconds.

Conventions the importer relies on: ``errors`` and ``notes`` are ``""`` where
there is nothing to say. An error quotes the offending value in single quotes
(cut to 40 characters). Several notes for one row are joined with ``"; "``.
Rows that fail carry no notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.crs import WGS84

YEARS: tuple[int, int] = (1900, 2100)
"""Dates outside these years (inclusive) are refused as typing errors."""

_TEXT = pd.ArrowDtype(pa.large_string())
_INT = pd.ArrowDtype(pa.int64())
_DAY_MS = 86_400_000
_NAT = np.iinfo(np.int64).min  # NaT as int64
_QUOTE = 40
_MONTHS = np.array(["", "January", "February", "March", "April", "May", "June", "July", "August",
                    "September", "October", "November", "December"], dtype=object)

# A time of day; the groups are shared by the date patterns and the time column.
_CLOCK = (r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
          r"(?:\s*(?P<P>[AaPp])\.?\s?[Mm]\.?)?")
_TAIL = (r"(?:(?:\s+|\s*(?P<T>[Tt])\s*)" + _CLOCK
         + r"(?:\s*(?P<Z>[Zz]|[+-]\d{2}(?::?\d{2})?))?)?$")
# A time column may hold Excel's full datetimes (1899-12-30 14:30:00): the date is ignored.
_TIME_ONLY = r"^(?:\d{4}-\d{1,2}-\d{1,2}[ Tt])?" + _CLOCK + "$"

# Shape bits of a parsed value, for the format labels in the summary.
_TIMED, _SECONDS, _FRACTION, _AMPM, _TSEP, _ZONE, _YY = 1, 2, 4, 8, 16, 32, 64

_WORDS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day", "ydm": "year/day/month"}


@dataclass
class Parsed:
    """Per-row result of a parse: a value or a reason, and how it was read.

    Attributes
    ----------
    values
        Parsed values with the input's index; NaT, NaN or None where the row failed.
    errors
        ``""`` where the row parsed, else why not, quoting the value.
    notes
        ``""`` or what was repaired or decided for the row (e.g. the
        day/month order and the evidence for it).
    summary
        Counts and column-wide decisions (formats, orders, CRS ...).
    """

    values: pd.Series
    errors: pd.Series
    notes: pd.Series
    summary: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> pd.Series:
        """True where the row parsed."""
        return self.errors == ""


# --- shared helpers ---------------------------------------------------------

def _as_text(s: pd.Series) -> pd.Series:
    """The column as stripped Arrow strings (so RE2 does the matching), NA where missing or blank."""
    if isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_large_string(s.dtype.pyarrow_dtype):
        t = s
    elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        # Arrow writes whole floats without ".0": 20160315.0 stays a yyyymmdd date
        v = pa.array(s.to_numpy(dtype=float, na_value=np.nan), from_pandas=True).cast(pa.large_string())
        t = pd.Series(pd.arrays.ArrowExtensionArray(v), index=s.index)
    else:
        # str() of any non-string cell; datetime objects from Excel become ISO text
        t = s.astype(str).astype(_TEXT)
    t = t.str.strip()
    return t.where(t.str.len().to_numpy(dtype=np.int64, na_value=0) > 0)


def _present(col: pd.Series) -> np.ndarray:
    """Where a regex group captured something (RE2 gives "" for a group that took no part)."""
    return col.str.len().to_numpy(dtype=np.int64, na_value=0) > 0


def _ints(col: pd.Series) -> np.ndarray:
    """Digits captured by a regex group as int64, -1 where the group is absent."""
    return col.where(_present(col)).astype(_INT).to_numpy(dtype=np.int64, na_value=-1)


def _flags(col: pd.Series) -> np.ndarray:
    return col.to_numpy(dtype=bool, na_value=False)


def _join(parts: tuple[object, ...], sel: np.ndarray) -> np.ndarray:
    """Messages from constant strings and per-row arrays (taken at ``sel``)."""
    n = int(sel.sum()) if sel.dtype == bool else len(sel)
    out = np.full(n, "", dtype=object)
    for p in parts:
        if isinstance(p, str):
            out = out + p
            continue
        arr = np.asarray(p)[sel]
        if arr.dtype.kind == "f":
            arr = np.char.mod("%g", arr)
        out = out + arr.astype(str).astype(object)
    return out


def _put(target: np.ndarray, mask: np.ndarray, *parts: object) -> None:
    """Write a message where ``mask`` and ``target`` is still empty (the first message wins)."""
    if not mask.any():
        return
    m = mask & (target == "")
    target[m] = _join(parts, m)


class _Quoted:
    """Original values for messages, converted and cut only where a message needs them."""

    def __init__(self, values: pd.Series, codes: np.ndarray | None = None) -> None:
        self.values = values
        self.codes = codes

    def __getitem__(self, at: np.ndarray) -> np.ndarray:
        idx = at if self.codes is None else self.codes[at]
        v = self.values.iloc[idx].astype(str)
        long = (v.str.len() > _QUOTE).to_numpy(dtype=bool, na_value=False)
        v = v.where(~long, v.str.slice(0, _QUOTE - 1) + "…")
        return v.to_numpy(dtype=object)


class _Messages:
    """An error (the first one wins) and any notes per position."""

    def __init__(self, n: int) -> None:
        self.errors = np.full(n, "", dtype=object)
        self.failed = np.zeros(n, dtype=bool)
        self.notes = np.full(n, "", dtype=object)

    def _parts(self, at: np.ndarray, parts: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(p[at] if isinstance(p, _Quoted) else p for p in parts)

    def error(self, at: np.ndarray, *parts: object) -> None:
        at = np.flatnonzero(at) if at.dtype == bool else at
        keep = ~self.failed[at]
        if not keep.any():
            return
        self.errors[at[keep]] = _join(self._parts(at, parts), keep)
        self.failed[at[keep]] = True

    def note(self, at: np.ndarray, *parts: object) -> None:
        at = np.flatnonzero(at) if at.dtype == bool else at
        if not len(at):
            return
        text = _join(self._parts(at, parts), np.ones(len(at), dtype=bool))
        old = self.notes[at]
        self.notes[at] = np.where(old == "", text, old + "; " + text)

    def series(self, index: pd.Index) -> tuple[pd.Series, pd.Series]:
        notes = np.where(self.failed, "", self.notes)
        return (pd.Series(self.errors, index=index, dtype="str"), pd.Series(notes, index=index, dtype="str"))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


# --- numbers ----------------------------------------------------------------

_PLAIN = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _floats(t: pd.Series) -> np.ndarray:
    """Strings already known to be plain numbers, as floats."""
    return t.astype(pd.ArrowDtype(pa.float64())).to_numpy(dtype=float, na_value=np.nan)


def _numbers(s: pd.Series) -> tuple[np.ndarray, _Messages, dict[str, object]]:
    """The work of :func:`parse_numbers`, as arrays (parse_points needs no Series)."""
    n = len(s)
    msgs = _Messages(n)
    summary: dict[str, object] = {"rows": n, "decimal_comma": 0, "thousands_separators": 0}
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        msgs.error(np.isnan(v), "empty")
        msgs.error(~np.isfinite(v), "not a finite number")
        return v, msgs, summary
    t = _as_text(s)
    v = np.full(n, np.nan)
    empty = t.isna().to_numpy()
    msgs.error(empty, "empty")
    plain = _flags(t.str.fullmatch(_PLAIN))
    v[plain] = _floats(t[plain])
    rest = np.flatnonzero(~empty & ~plain)
    if len(rest):
        # the common case first: one decimal comma
        r = t.iloc[rest]
        dotted = r.str.replace(",", ".", regex=False)
        comma = _flags(dotted.str.fullmatch(_PLAIN))
        v[rest[comma]] = _floats(dotted[comma])
        summary["decimal_comma"] = int(comma.sum())
        plain[rest[comma]] = True
        rest = rest[~comma]
    if len(rest):
        raw = t.iloc[rest]
        r = raw.str.replace("[\\s\u00a0\u202f\u2009'\u2019]", "", regex=True).str.replace("\u2212", "-")
        spaced = (r.str.len() != raw.str.len()).to_numpy(dtype=bool, na_value=False)
        comma_decimal = _flags(r.str.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3})+,\d*"))  # 1.234,5
        comma_thousands = _flags(r.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+\.\d*|[+-]?\d{1,3}(?:,\d{3}){2,}"))
        dot_thousands = _flags(r.str.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3}){2,}"))  # 1.234.567
        one_comma = _flags(r.str.fullmatch(r"[+-]?\d*,\d*")) & ~comma_decimal
        fixed = r.where(~(comma_decimal | dot_thousands), r.str.replace(".", ""))
        fixed = fixed.where(~comma_thousands, fixed.str.replace(",", ""))
        fixed = fixed.where(~(comma_decimal | one_comma), fixed.str.replace(",", "."))
        now = _flags(fixed.str.fullmatch(_PLAIN))
        v[rest[now]] = _floats(fixed[now])
        plain[rest[now]] = True
        summary["decimal_comma"] += int((now & (comma_decimal | one_comma)).sum())
        summary["thousands_separators"] = int((now & (comma_thousands | dot_thousands | spaced)).sum())
        words = _flags(fixed.str.fullmatch(r"(?i)[+-]?(?:inf|infinity|nan)"))
        msgs.error(rest[words], "not a finite number")
    msgs.error(plain & ~np.isfinite(v), "not a finite number")  # overflow such as 1e999
    msgs.error(~plain, "'", _Quoted(t), "' is not a number")
    return np.where(msgs.failed, np.nan, v), msgs, summary


def parse_numbers(s: pd.Series) -> Parsed:
    """Read numbers written in any of the usual ways.

    ``"42.87"``, ``"42,87"`` (decimal comma), ``" 74.6 "``, ``"1 234,5"``,
    ``"1.234,5"``, ``"1,234.5"`` and ``"-87.6"`` are read. A single comma is
    a decimal comma (the Russian/Kyrgyz convention), so ``"1,234"`` is 1.234.

    Parameters
    ----------
    s
        Strings or numbers.

    Returns
    -------
    Parsed
        float64 values. Errors are ``"empty"``, ``"'abc' is not a number"``
        or ``"not a finite number"`` (inf, nan or overflow). ``summary`` counts
        ``decimal_comma`` and ``thousands_separators``; there are no notes.
    """
    v, msgs, summary = _numbers(s)
    errors, notes = msgs.series(s.index)
    summary["values"] = int((~msgs.failed).sum())
    summary["errors"] = int(msgs.failed.sum())
    return Parsed(pd.Series(v, index=s.index, dtype="float64"), errors, notes, summary)


# --- dates ------------------------------------------------------------------

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
    _put(reason, pm & (h == 0), "hour 0 does not go with PM")
    _put(reason, am & (h >= 13), "hour ", h, " does not go with AM")
    _put(reason, h24 > 23, "hour ", h, " is out of range")
    _put(reason, mi > 59, "minute ", mi, " is out of range")
    _put(reason, sec > 59, "second ", sec, " is out of range")
    _put(note, pm & (h >= 13) & (h <= 23) & (reason == ""), "hour ", h, " with PM read on the 24-hour clock")
    if zone.any():
        _put(note, zone, "time zone ", g["Z"].to_numpy(dtype=object, na_value=""),
             " dropped; the clock time is kept as written")
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


@dataclass
class _Dates:
    """Results per distinct value while the column is worked through."""

    quoted: _Quoted
    weight: np.ndarray  # rows per distinct value
    ms: np.ndarray
    msgs: _Messages
    settled: np.ndarray

    def settle(self, m: _Match, a_is_day: np.ndarray, sel: np.ndarray, *, column_order: str | None) -> None:
        """Write the dates of ``m``'s values ``sel``, read with A as the day where ``a_is_day``.

        ``column_order`` is the label of the order decided for the whole column. A
        value that is only a date in the other order then gets "does not fit" rather
        than "does not exist".
        """
        days, month, day, length = m.reading(a_is_day)
        bad_month = (month < 1) | (month > 12)
        bad_day = ~bad_month & ((day < 1) | (day > length))
        bad = sel & (bad_month | bad_day)
        detail = np.full(len(m.pos), "", dtype=object)
        _put(detail, bad & bad_month, "there is no month ", month)
        _put(detail, bad & bad_day & (day < 1), "there is no day 0")
        _put(detail, bad & bad_day, _MONTHS[np.clip(month, 0, 12)], " ", m.year, " has ", length, " days")
        if column_order is not None and m.family.ambiguous:
            other = np.where(a_is_day, m.valid(False), m.valid(True))
            c = bad & other
            self.msgs.error(m.pos[c], "date '", self.quoted, "' does not fit the order of this column (",
                            column_order, "): ", detail[c])
        self.msgs.error(m.pos[bad], "date '", self.quoted, "' does not exist (", detail[bad], ")")
        far = sel & ~bad & ((m.year < YEARS[0]) | (m.year > YEARS[1]))
        self.msgs.error(m.pos[far], "year ", m.year[far], f" is out of range ({YEARS[0]} to {YEARS[1]}) in '",
                        self.quoted, "'")
        late = sel & (m.clock.reason != "")
        self.msgs.error(m.pos[late], m.clock.reason[late], " in '", self.quoted, "'")
        noted = sel & (m.clock.note != "")
        self.msgs.note(m.pos[noted], m.clock.note[noted])
        ok = sel & ~bad
        self.ms[m.pos[ok]] = days[ok] * _DAY_MS + m.clock.tod[ok]
        self.settled[m.pos[sel]] = True


def _given_orders(order: str | None) -> dict[bool, str]:
    """The caller's order per kind of family: {year_first: order}.

    "dmy"/"mdy" apply to year-last families, "ymd"/"ydm" to year-first ones, "dm"/"md"
    to both; several may be given with commas ("mdy,ydm"). Any spelling with the
    letters in order works ("dd/mm/yyyy").
    """
    if order is None:
        return {}
    out: dict[bool, str] = {}
    for part in str(order).lower().split(","):
        letters = "".join(dict.fromkeys(c for c in part if c in "dmy"))
        if letters in ("dmy", "mdy"):
            out[False] = letters
        elif letters in ("ymd", "ydm"):
            out[True] = letters
        elif letters in ("dm", "md"):
            out.setdefault(False, letters + "y")
            out.setdefault(True, "y" + letters)
        else:
            msg = f"unknown date order {order!r}; expected dmy, mdy, ymd or ydm (or dd/mm/yyyy and the like)"
            raise ValueError(msg)
    return out


def _wmedian(v: np.ndarray, w: np.ndarray) -> float:
    o = np.argsort(v, kind="stable")
    cw = np.cumsum(w[o])
    return float(v[o][np.searchsorted(cw, cw[-1] / 2)])


def _closest(ref: np.ndarray, ref_w: np.ndarray, cands: dict[str, np.ndarray], w: np.ndarray) -> str | None:
    """The order whose dates fall inside the reference range more often, else clearly nearer its median.

    Days in, an order or None when the reference does not tell them apart.
    """
    lo, hi, mid = ref.min(), ref.max(), _wmedian(ref, ref_w)
    (o1, d1), (o2, d2) = cands.items()
    f1 = float((w * ((d1 >= lo) & (d1 <= hi))).sum() / w.sum())
    f2 = float((w * ((d2 >= lo) & (d2 <= hi))).sum() / w.sum())
    if abs(f1 - f2) >= 0.2:
        return o1 if f1 > f2 else o2
    g1, g2 = abs(_wmedian(d1, w) - mid), abs(_wmedian(d2, w) - mid)
    # the nearer reading must be at most half as far, and at least a week nearer
    if max(g1, g2) >= 2 * min(g1, g2) and abs(g1 - g2) >= 7:
        return o1 if g1 < g2 else o2
    return None


def _day_text(days: float) -> str:
    return str(np.datetime64(int(days), "D"))


def _parse_text_dates(text: pd.Series, given: dict[bool, str]) -> tuple[_Dates, list[_Match], dict[str, object],
                                                                         np.ndarray, pd.Series]:
    """Parse the distinct strings of a date column; returns per-distinct results and the row codes."""
    codes, uniques = pd.factorize(text)
    values = pd.Series(uniques.array) if len(uniques) else pd.Series([], dtype=_TEXT)
    k = len(values)
    weight = np.bincount(codes[codes >= 0], minlength=k).astype(np.int64)
    st = _Dates(_Quoted(values), weight, np.full(k, _NAT, dtype=np.int64), _Messages(k), np.zeros(k, dtype=bool))
    orders: dict[str, object] = {}

    remaining = np.arange(k)
    matches: list[_Match] = []
    # Try the families in the order a sample suggests, so a column in one format is
    # matched in a single pass over it.
    sample = values.iloc[np.linspace(0, k - 1, min(k, 500)).astype(np.int64)] if k else values
    hits = [int(_present(sample.str.extract(f.pattern)["Y"]).sum()) for f in _FAMILIES]
    for fam in [f for _, f in sorted(zip(hits, _FAMILIES, strict=True), key=lambda h: -h[0])]:
        if not len(remaining):
            break
        m = _extract(values, remaining, fam)
        if m is not None:
            matches.append(m)
            remaining = np.setdiff1d(remaining, m.pos, assume_unique=True)
    if len(remaining):
        excel = _flags(values.iloc[remaining].str.fullmatch(r"\d{5}(?:\.\d+)?"))
        st.msgs.error(remaining[excel], "'", st.quoted,
                      "' is a number, not a date (an Excel day number? export the column as dates)")
        st.msgs.error(remaining, "'", st.quoted,
                      "' is not a date in a known format (such as dd.mm.yyyy, yyyy-mm-dd or mm/dd/yyyy)")

    pending: list[tuple[_Match, np.ndarray]] = []
    for m in matches:
        fam = m.family
        everything = np.ones(len(m.pos), dtype=bool)
        if not fam.ambiguous:
            m.read_as = fam.orders[0]
            st.settle(m, np.full(len(m.pos), fam.orders[0] == "dmy"), everything, column_order=None)
            continue
        month_first, day_first = fam.orders
        w = weight[m.pos]
        df_ok, mf_ok = m.valid(True), m.valid(False)
        only_df, only_mf = df_ok & ~mf_ok, mf_ok & ~df_ok
        amb = df_ok & mf_ok & (m.a != m.b)
        n_df, n_mf = int(w[only_df].sum()), int(w[only_mf].sum())
        entry: dict[str, object] = {"values": int(w.sum())}
        orders[fam.key] = entry
        chosen = given.get(day_first == "ydm")
        if chosen is not None:
            entry.update(read_as=fam.label(chosen), basis="given", why="the order was given")
        elif n_df or n_mf:
            hi, lo = max(n_df, n_mf), min(n_df, n_mf)
            if lo and lo > 0.02 * hi:  # a real mix, not a few typing errors
                entry.update(read_as=None, basis="mixed",
                             why=(f"{_plural(n_df, 'value is', 'values are')} only a date as "
                                  f"{fam.label(day_first)} and {_plural(n_mf, 'value is', 'values are')} only a date "
                                  f"as {fam.label(month_first)}; each of those is read the one way it can be"))
                st.settle(m, only_df, ~amb, column_order=None)
                for only, o in ((only_df, day_first), (only_mf, month_first)):
                    st.msgs.note(m.pos[only], f"read as {fam.label(o)} ({_WORDS[o]}), the only reading that is a "
                                 "date; this column mixes day-first and month-first dates")
                st.msgs.error(m.pos[amb], "ambiguous date '", st.quoted, "': this column mixes day-first and "
                              f"month-first dates; choose the order ({fam.label(day_first)} or "
                              f"{fam.label(month_first)})")
                m.read_as = None
                continue
            chosen = day_first if n_df > n_mf else month_first
            why = f"{_plural(hi, 'value', 'values')} in this format {'has' if hi == 1 else 'have'} a day above 12"
            if lo:
                why += f"; {_plural(lo, 'value', 'values')} that only fit the other order are refused"
            entry.update(read_as=fam.label(chosen), basis="evidence", why=why)
            st.msgs.note(m.pos[amb], f"date read as {fam.label(chosen)} ({_WORDS[chosen]}): {why}")
        elif not amb.any():
            entry.update(read_as=None, basis="not needed", why="every value reads the same either way")
            m.read_as = None
            st.settle(m, np.zeros(len(m.pos), dtype=bool), everything, column_order=None)
            continue
        else:
            pending.append((m, amb))
            continue
        m.read_as = chosen
        st.settle(m, np.full(len(m.pos), chosen == day_first), everything, column_order=fam.label(chosen))

    # Families with no evidence either way: compare both readings with the dates already known.
    ref = st.settled & ~st.msgs.failed & (st.ms != _NAT)
    ref_days, ref_w = st.ms[ref] // _DAY_MS, weight[ref]
    for m, amb in pending:
        fam = m.family
        month_first, day_first = fam.orders
        entry = orders[fam.key]
        chosen = None
        if len(ref_days):
            cands = {o: m.reading(o == day_first)[0][amb] for o in (day_first, month_first)}
            chosen = _closest(ref_days, ref_w, cands, weight[m.pos][amb])
        if chosen is None:
            why = ("no value has a day above 12, and " + ("the file has no other dates to compare with"
                   if not len(ref_days) else "the file's other dates fit both readings"))
            entry.update(read_as=None, basis="undecided", why=why)
            m.read_as = None
            st.settle(m, np.zeros(len(m.pos), dtype=bool), ~amb, column_order=None)
            st.msgs.error(m.pos[amb], "ambiguous date '", st.quoted, "': day and month could be either; choose the "
                          f"order ({fam.label(day_first)} or {fam.label(month_first)})")
            continue
        span = f"{_day_text(ref_days.min())} to {_day_text(ref_days.max())}"
        entry.update(read_as=fam.label(chosen), basis="other dates",
                     why=f"no value has a day above 12; read as {fam.label(chosen)}, which puts the dates nearest "
                         f"the file's other dates ({span})")
        m.read_as = chosen
        st.settle(m, np.full(len(m.pos), chosen == day_first), np.ones(len(m.pos), dtype=bool),
                  column_order=fam.label(chosen))
        st.msgs.note(m.pos[amb], f"ambiguous date read as {_WORDS[chosen]} ({fam.label(chosen)}), matching the "
                     f"file's other dates ({span})")

    formats: dict[str, int] = {}
    for m in matches:
        base = m.family.label(m.read_as) if m.family.ambiguous else m.family.key
        counts = np.bincount(m.shape, weights=weight[m.pos])
        for shape in np.flatnonzero(counts):
            label = _format_label(base, int(shape))
            formats[label] = formats.get(label, 0) + int(counts[shape])
    summary: dict[str, object] = {"formats": dict(sorted(formats.items(), key=lambda kv: -kv[1])), "order": orders,
                                  "unrecognised": int(weight[remaining].sum())}
    if any((m.shape & _YY).any() for m in matches):
        summary["two_digit_years"] = "00-68 read as 2000-2068, 69-99 as 1969-1999"
    return st, matches, summary, codes, values


def _tod_of(m: list[_Match], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Time of day and whether a time was written, per distinct value."""
    tod = np.zeros(k, dtype=np.int64)
    timed = np.zeros(k, dtype=bool)
    for x in m:
        tod[x.pos] = x.clock.tod
        timed[x.pos] = (x.shape & _TIMED) > 0
    return tod, timed


def _times(time: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A time column per row: (ms since midnight, present, error, note)."""
    n = len(time)
    err = np.full(n, "", dtype=object)
    note = np.full(n, "", dtype=object)
    if pd.api.types.is_timedelta64_dtype(time.dtype):
        present = time.notna().to_numpy()
        tod = time.to_numpy(dtype="timedelta64[ms]").astype(np.int64)
        bad = present & ((tod < 0) | (tod >= _DAY_MS))
        _put(err, bad, "time '", time.astype(str).to_numpy(dtype=object), "' is not a time of day")
        return np.where(present & ~bad, tod, 0), present, err, note
    if pd.api.types.is_datetime64_any_dtype(time.dtype):
        present = time.notna().to_numpy()
        ms = time.dt.tz_localize(None) if time.dt.tz is not None else time
        tod = ms.to_numpy(dtype="datetime64[ms]").astype(np.int64) % _DAY_MS
        return np.where(present, tod, 0), present, err, note
    text = _as_text(time)
    codes, uniques = pd.factorize(text)
    values = pd.Series(uniques.array) if len(uniques) else pd.Series([], dtype=_TEXT)
    g = values.str.extract(_TIME_ONLY)
    clock = _clock(g)
    hit = _present(g["H"])
    q = _Quoted(values)
    msgs = _Messages(len(values))
    msgs.error(np.flatnonzero(~hit), "time '", q, "' is not a time of day (such as 14:30 or 2:30 PM)")
    bad = hit & (clock.reason != "")
    msgs.error(np.flatnonzero(bad), clock.reason[bad], " in time '", q, "'")
    u_err = msgs.errors
    present = codes >= 0
    at = np.where(present, codes, 0)
    if not len(values):
        return np.zeros(n, dtype=np.int64), present, err, note
    return (np.where(present, clock.tod[at], 0), present, np.where(present, u_err[at], ""),
            np.where(present, clock.note[at], ""))


def parse_datetimes(date: pd.Series, time: pd.Series | None = None, *, order: str | None = None) -> Parsed:
    """Read a date (or date-time) column, optionally with a separate time column.

    Recognised, with optional time (``HH:MM[:SS[.fff]]``, 12-hour with
    AM/PM, a ``T`` separator, a zone that is dropped):

    - ``yyyy-mm-dd`` (ISO) and ``yyyymmdd``;
    - ``dd.mm.yyyy`` and ``dd.mm.yy``, day first as in Russian and Kyrgyz registries;
    - ``a/b/yyyy``, ``a/b/yy`` and ``a-b-yyyy``: day/month or month/day;
    - ``yyyy/a/b`` and ``yyyy.a.b``: year/month/day or year/day/month.

    The order of an ambiguous format is decided once for the whole column and
    never guessed. It comes from ``order`` if given. Otherwise from the
    evidence: a value with a part above 12 proves that part is the day. Failing
    that, from the file's other dates: the reading that puts the dates in or
    nearest their range wins. If nothing decides, the ambiguous values are
    refused and the error asks for the order. The rows whose order was inferred
    carry a note saying so.

    Parameters
    ----------
    date
        Strings, or datetimes (datetime64 columns pass through; zones are dropped).
    time
        Optional time of day per row (``"14:30"``, ``"2:30 PM"``,
        ``datetime.time``). It is used when the date value has no time, or
        midnight. An empty time reads as 00:00, with a note.
    order
        ``"dmy"``, ``"mdy"``, ``"ymd"``, ``"ydm"``, ``"dm"``/``"md"`` (both kinds),
        or a comma-separated pair such as ``"mdy,ydm"``.

    Returns
    -------
    Parsed
        Naive ``datetime64[ms]`` values. ``summary`` holds ``rows``, ``values``,
        ``errors``, ``empty``, ``formats`` (rows per format label, e.g.
        ``"dd.mm.yyyy HH:MM"``), ``order`` (per ambiguous family:
        ``read_as``, ``basis`` in given/evidence/other dates/mixed/undecided/not
        needed, ``why``, ``values``) and ``unrecognised``.

    Raises
    ------
    ValueError
        If ``order`` is not an order, or ``time`` is not as long as ``date``.
    """
    given = _given_orders(order)
    index = date.index
    n = len(date)
    if time is not None and len(time) != n:
        msg = f"the time column has {len(time)} rows and the date column {n}"
        raise ValueError(msg)

    if pd.api.types.is_datetime64_any_dtype(date.dtype):
        d = date
        msgs = _Messages(n)
        if date.dt.tz is not None:
            d = date.dt.tz_localize(None)
            msgs.note(date.notna().to_numpy(), f"time zone {date.dt.tz} dropped; the clock time is kept as written")
        ms = d.to_numpy(dtype="datetime64[ms]").astype(np.int64)
        empty = date.isna().to_numpy()
        msgs.error(empty, "empty")
        year = d.dt.year.to_numpy(dtype=float, na_value=np.nan)
        far = ~empty & ((year < YEARS[0]) | (year > YEARS[1]))
        quoted = _Quoted(d)
        msgs.error(far, "year ", year[far].astype(np.int64), f" is out of range ({YEARS[0]} to {YEARS[1]}) in '",
                   quoted, "'")
        tod = np.where(empty, 0, ms % _DAY_MS)
        timed = tod != 0
        summary: dict[str, object] = {"formats": {"datetime": int((~empty).sum())}, "order": {}, "unrecognised": 0}
    else:
        st, matches, summary, codes, values = _parse_text_dates(_as_text(date), given)
        k = len(st.ms)
        tod_u, timed_u = _tod_of(matches, k)
        # position k stands for an empty cell
        at = np.where(codes >= 0, codes, k)
        ms = np.append(st.ms, _NAT)[at]
        tod = np.append(tod_u, 0)[at]
        timed = np.append(timed_u, False)[at]
        msgs = _Messages(n)
        msgs.errors = np.append(st.msgs.errors, "empty")[at]
        msgs.failed = np.append(st.msgs.failed, True)[at]
        msgs.notes = np.append(st.msgs.notes, "")[at]
        quoted = _Quoted(values, np.where(codes >= 0, codes, 0))
        empty = codes < 0

    if time is not None:
        t_tod, t_present, t_err, t_note = _times(time)
        ok = ~msgs.failed
        t_bad = ok & t_present & (t_err != "")
        msgs.error(t_bad, t_err[t_bad])
        use = ok & t_present & (t_err == "")
        joined = use & (tod == 0)
        ms = np.where(joined, ms - tod + t_tod, ms)
        clash = use & (tod != 0) & (t_tod != tod)
        if clash.any():
            t_text = _Quoted(time.astype(str))
            msgs.error(clash, "date '", quoted, "' has a time that differs from the time column ('", t_text, "')")
        t_noted = joined & (t_note != "")
        msgs.note(t_noted, t_note[t_noted])
        msgs.note(ok & ~t_present & ~timed, "no time given; read as 00:00")

    ms = np.where(msgs.failed, _NAT, ms)
    errors, notes = msgs.series(index)
    summary = {"rows": n, "values": int((~msgs.failed).sum()), "errors": int(msgs.failed.sum()),
               "empty": int(empty.sum()), **summary}
    return Parsed(pd.Series(ms.astype("datetime64[ms]"), index=index), errors, notes, summary)


def combine_parts(*, year: pd.Series, month: pd.Series, day: pd.Series, hour: pd.Series | None = None,
                  minute: pd.Series | None = None, second: pd.Series | None = None) -> Parsed:
    """Build datetimes from separate year, month, day (and hour, minute, second) columns.

    Parts may be strings or numbers (``"2016"``, ``3.0``). A missing year, month
    or day is an error ("day is empty"); a missing hour, minute or second reads
    as 0 with a note.

    Returns
    -------
    Parsed
        Naive ``datetime64[ms]`` values. Errors such as ``"month 13 is out of
        range"``, ``"day 30 does not exist in February 2016"`` or
        ``"hour: 'x' is not a number"``.
    """
    index = year.index
    n = len(year)
    msgs = _Messages(n)
    parts: dict[str, np.ndarray] = {}
    limits = {"year": YEARS, "month": (1, 12), "day": (1, 31), "hour": (0, 23), "minute": (0, 59), "second": (0, 59)}
    given = {"year": year, "month": month, "day": day, "hour": hour, "minute": minute, "second": second}
    for name, col in given.items():
        if col is None:
            parts[name] = np.zeros(n)
            continue
        if len(col) != n:
            msg = f"the {name} column has {len(col)} rows and the year column {n}"
            raise ValueError(msg)
        p = parse_numbers(col)
        v = p.values.to_numpy(dtype=float, na_value=np.nan)
        e = p.errors.to_numpy(dtype=object)
        empty = e == "empty"
        if name in ("hour", "minute", "second"):
            msgs.note(empty, f"{name} is empty; read as 0")
            v = np.where(empty, 0.0, v)
        else:
            msgs.error(empty, f"{name} is empty")
        bad = (e != "") & ~empty
        msgs.error(bad, f"{name}: ", e[bad])
        v = np.where(bad, 0.0, v)
        whole = np.floor(v) == v
        if name != "second":
            frac = ~whole & ~np.isnan(v)
            msgs.error(frac, f"{name} ", v[frac], " is not a whole number")
        lo, hi = limits[name]
        out = (v < lo) | (v >= hi + 1)
        msgs.error(out, f"{name} ", v[out], f" is out of range ({lo} to {hi})")
        parts[name] = np.where(msgs.failed, 0, v)
    y, mo, d = (parts[k].astype(np.int64) for k in ("year", "month", "day"))
    months = (y - 1970) * 12 + np.clip(mo, 1, 12) - 1
    start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    length = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - start
    gone = ~msgs.failed & (d > length)
    msgs.error(gone, "day ", d[gone], " does not exist in ", _MONTHS[np.clip(mo[gone], 0, 12)], " ", y[gone])
    secs = parts["hour"] * 3600 + parts["minute"] * 60 + parts["second"]
    ms = (start + d - 1) * _DAY_MS + np.round(secs * 1000).astype(np.int64)
    ms = np.where(msgs.failed, _NAT, ms)
    errors, notes = msgs.series(index)
    summary = {"rows": n, "values": int((~msgs.failed).sum()), "errors": int(msgs.failed.sum()),
               "formats": {"separate year, month and day columns": int((~msgs.failed).sum())}}
    return Parsed(pd.Series(ms.astype("datetime64[ms]"), index=index), errors, notes, summary)


# --- coordinates ------------------------------------------------------------

KYRG06: dict[int, int] = {1: 7692, 2: 7693, 3: 7694, 4: 7695, 5: 7696}
"""Kyrg-06 zone -> EPSG code. Zone k: false easting k*1,000,000 + 300,000, central meridian 68°31' + 3°(k-1)."""

_NORTHINGS = (4.25e6, 4.95e6)  # Kyrgyzstan, 39°-43.5° N, in Kyrg-06 and UTM alike
_KG_BOX = (69.0, 39.0, 80.5, 43.5)  # lon/lat box of Kyrgyzstan with a margin
_UTM_HELP = ("projected coordinates in metres, probably UTM zone 42, 43 or 44 north (EPSG:32642, 32643 or 32644); "
             "the zone cannot be told from the numbers, so give the EPSG code (32643 for Bishkek)")
_SAMPLE = 20_000


class _Found(NamedTuple):
    crs: CRS | None
    why: str
    kind: str  # "degrees", "kyrg06", "utm" or ""
    fit: float  # share of the values that fit


def _sample(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) > _SAMPLE:  # evenly spaced, so the result does not depend on chance
        i = np.linspace(0, len(x) - 1, _SAMPLE).astype(np.int64)
        x, y = x[i], y[i]
    return x, y


def _detect(x: np.ndarray, y: np.ndarray) -> _Found:
    x, y = _sample(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    if not len(x):
        return _Found(None, "no coordinates to recognise the CRS from", "", 0.0)
    ax, ay = np.abs(x), np.abs(y)
    deg = float((((ax <= 180) & (ay <= 90)) | ((ax <= 90) & (ay <= 180))).mean())
    if deg > 0.5:
        return _Found(WGS84, f"values look like degrees ({deg:.0%} of them: one column within ±90, the other "
                             "within ±180), read as WGS84 longitude/latitude (EPSG:4326)", "degrees", deg)
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
                          f"eastings and northings fit Kyrgyzstan's national grid Kyrg-06 zone {zone} (EPSG:{code}: "
                          f"false easting {zone},300,000 m, central meridian {cm}°31' E)", "kyrg06", fit)
    utm = float((north & (x >= 160_000) & (x <= 840_000)).mean())
    if utm > 0.5:
        return _Found(None, _UTM_HELP, "utm", utm)
    return _Found(None, (f"the coordinates fit no CRS that can be recognised (x {x.min():g} to {x.max():g}, "
                         f"y {y.min():g} to {y.max():g}); give the CRS (e.g. 4326 for longitude/latitude, "
                         "7694 for Kyrg-06 zone 3, 32643 for UTM zone 43N)"), "", 0.0)


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
        msg = f"unknown CRS {crs!r}: {err}"
        raise ValueError(msg) from err


def _area_fit(crs: CRS, x: np.ndarray, y: np.ndarray) -> float:
    """Share of the (sampled) points inside the CRS's area of use, with a one-degree margin."""
    x, y = _sample(x, y)
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
                 order: str = "auto") -> Parsed:
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
        ``"xy"``, ``"yx"`` or ``"auto"``.

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
    x, y = (va, vb) if a_is_x else (vb, va)
    x, y = x.copy(), y.copy()

    if geographic:
        x_name, y_name = "longitude", "latitude"
    elif final is not None:
        x_name, y_name = "x (easting)", "y (northing)"
    elif order == "auto":
        x_name, y_name = "first coordinate", "second coordinate"
        a_is_x = True
    else:
        x_name, y_name = "x", "y"
    name_a, name_b = (x_name, y_name) if a_is_x else (y_name, x_name)

    msgs = _Messages(n)
    msgs.error((ea == "empty") & (eb == "empty"), "coordinates are empty")
    for name, e in ((name_a, ea), (name_b, eb)):
        msgs.error(e == "empty", f"{name} is empty")
        msgs.error(e == "not a finite number", f"{name} is not a finite number")
        other_bad = e != ""
        msgs.error(other_bad, f"{name}: ", e[other_bad])
    msgs.error(zero, "coordinates withheld (0, 0)")
    whole = same & (np.floor(va) == va)
    msgs.error(whole, "placeholder coordinates (", va[whole], ", ", va[whole], ")")
    msgs.error(same, "both coordinates are ", va[same], "; one was probably copied into the other")
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
        what = "latitude and longitude" if geographic else "x and y"
        msgs.note(swapped, f"{what} were swapped; fixed")

    if geographic:
        bad_lat = usable & (np.abs(y) > 90)
        msgs.error(bad_lat, "latitude ", y[bad_lat], " is out of range (-90 to 90)")
        bad_lon = usable & (np.abs(x) > 180)
        msgs.error(bad_lon, "longitude ", x[bad_lon], " is out of range (-180 to 180)")
    if zone_window is not None:
        lo, hi = zone_window
        off_x = usable & ((x < lo) | (x > hi))
        msgs.error(off_x, "x ", np.round(x[off_x]).astype(np.int64),
                   f" is outside Kyrg-06 zone {int(lo // 1e6)} ({lo:.0f} to {hi:.0f})")
        off_y = usable & ((y < _NORTHINGS[0]) | (y > _NORTHINGS[1]))
        msgs.error(off_y, "y ", np.round(y[off_y]).astype(np.int64),
                   f" is outside Kyrgyzstan's northings ({_NORTHINGS[0]:.0f} to {_NORTHINGS[1]:.0f})")

    ok = ~msgs.failed
    geoms = np.full(n, None, dtype=object)
    geoms[ok] = shapely.points(x[ok], y[ok])
    errors, notes = msgs.series(index)
    summary: dict[str, object] = {
        "rows": n, "values": int(ok.sum()), "errors": int((~ok).sum()),
        "crs": final.to_string() if final is not None else None, "crs_reason": crs_why,
        "order": "xy" if a_is_x else "yx", "order_reason": order_why,
        "swapped": int((swapped & ok).sum()), "withheld": int(zero.sum()), "placeholders": int(same.sum()),
    }
    return Parsed(gpd.GeoSeries(geoms, index=index, crs=final), errors, notes, summary)
