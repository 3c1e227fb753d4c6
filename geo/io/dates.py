"""Read the date and time columns of crime-registry exports, deciding day/month order once per column.

This is hand-written for two reasons. ``pandas.to_datetime`` guesses the
day/month order without saying so (per value with ``format="mixed"``). It
also cannot read a column that mixes formats and say, row by row, why a value
was refused or how it was read. Registries here mix ``dd.mm.yyyy`` with
Excel's ``mm/dd/yyyy``, and the Chicago extract even mixes ``yyyy/dd/mm`` into
the same column.

Values are grouped by pattern (:mod:`geo.io.date_formats`) with
``str.extract`` on Arrow strings, which runs RE2 over the whole column.
Distinct date strings are parsed once, and the rest is numpy arithmetic, so a
million rows take one to two seconds. Results follow the conventions of
:class:`geo.io.parsed.Parsed`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.io.date_formats import (
    _FAMILIES,
    _TIME_ONLY,
    _TIMED,
    _YY,
    _clock,
    _extract,
    _format_label,
    _Match,
)
from geo import messages as M
from geo.io.numbers import parse_numbers
from geo.io.parsed import _TEXT, Parsed, _as_text, _flags, _Messages, _present, _put, _Quoted

__all__ = ["YEARS", "combine_parts", "parse_datetimes"]

YEARS: tuple[int, int] = (1900, 2100)
"""Dates outside these years (inclusive) are refused as typing errors."""

_DAY_MS = 86_400_000
_NAT = np.iinfo(np.int64).min  # NaT as int64
_MONTHS = np.array(["", *M.MONTH_NAMES], dtype=object)

_WORDS = M.ORDER_WORDS


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
        _put(detail, bad & bad_month, *M.parts(M.DATE_NO_MONTH, {"month": month}))
        _put(detail, bad & bad_day & (day < 1), M.DATE_NO_DAY_0)
        _put(detail, bad & bad_day, *M.parts(M.DATE_MONTH_DAYS, {"month": _MONTHS[np.clip(month, 0, 12)],
                                                                 "year": m.year, "days": length}))
        if column_order is not None and m.family.ambiguous:
            other = np.where(a_is_day, m.valid(False), m.valid(True))
            c = bad & other
            self.msgs.error(m.pos[c], *M.parts(M.DATE_ORDER_MISFIT, {"value": self.quoted, "form": column_order,
                                                                     "detail": detail[c]}))
        self.msgs.error(m.pos[bad], *M.parts(M.DATE_MISSING, {"value": self.quoted, "detail": detail[bad]}))
        far = sel & ~bad & ((m.year < YEARS[0]) | (m.year > YEARS[1]))
        self.msgs.error(m.pos[far], *M.parts(M.DATE_YEAR_RANGE, {"year": m.year[far], "low": YEARS[0],
                                                                 "high": YEARS[1], "value": self.quoted}))
        late = sel & (m.clock.reason != "")
        self.msgs.error(m.pos[late], *M.parts(M.DATE_CLOCK_IN, {"reason": m.clock.reason[late], "value": self.quoted}))
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


def _values_are(n: int) -> str:
    return (M.DATE_VALUE_IS if n == 1 else M.DATE_VALUES_ARE).format(n=f"{n:,}")


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
        st.msgs.error(remaining[excel], *M.parts(M.DATE_EXCEL_NUMBER, {"value": st.quoted}))
        st.msgs.error(remaining, *M.parts(M.DATE_UNREADABLE, {"value": st.quoted}))

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
                             why=M.DATE_ONLY_WAYS.format(a=_values_are(n_df), first=fam.label(day_first),
                                                         b=_values_are(n_mf), second=fam.label(month_first)))
                st.settle(m, only_df, ~amb, column_order=None)
                for only, o in ((only_df, day_first), (only_mf, month_first)):
                    st.msgs.note(m.pos[only], M.DATE_READ_ONLY_WAY.format(form=fam.label(o), order=_WORDS[o]))
                st.msgs.error(m.pos[amb], *M.parts(M.DATE_MIXED, {"value": st.quoted, "first": fam.label(day_first),
                                                                  "second": fam.label(month_first)}))
                m.read_as = None
                continue
            chosen = day_first if n_df > n_mf else month_first
            why = (M.DATE_DAY_ABOVE_12_ONE if hi == 1 else M.DATE_DAY_ABOVE_12).format(n=f"{hi:,}")
            if lo:
                why += "; " + (M.DATE_REFUSED_ONE if lo == 1 else M.DATE_REFUSED).format(n=f"{lo:,}")
            entry.update(read_as=fam.label(chosen), basis="evidence", why=why)
            st.msgs.note(m.pos[amb], M.DATE_READ_AS.format(form=fam.label(chosen), order=_WORDS[chosen], why=why))
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
            st.msgs.error(m.pos[amb], *M.parts(M.DATE_EITHER, {"value": st.quoted, "first": fam.label(day_first),
                                                               "second": fam.label(month_first)}))
            continue
        span = M.DATE_SPAN.format(start=_day_text(ref_days.min()), end=_day_text(ref_days.max()))
        entry.update(read_as=fam.label(chosen), basis="other dates",
                     why=M.DATE_NEAREST.format(form=fam.label(chosen), span=span))
        m.read_as = chosen
        st.settle(m, np.full(len(m.pos), chosen == day_first), np.ones(len(m.pos), dtype=bool),
                  column_order=fam.label(chosen))
        st.msgs.note(m.pos[amb], M.DATE_AMBIGUOUS_READ.format(order=_WORDS[chosen], form=fam.label(chosen), span=span))

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
        _put(err, bad, *M.parts(M.TIME_NOT_TIME, {"value": time.astype(str).to_numpy(dtype=object)}))
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
    msgs.error(np.flatnonzero(~hit), *M.parts(M.TIME_NOT_TIME_EG, {"value": q}))
    bad = hit & (clock.reason != "")
    msgs.error(np.flatnonzero(bad), *M.parts(M.TIME_CLOCK_IN, {"reason": clock.reason[bad], "value": q}))
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
            msgs.note(date.notna().to_numpy(), M.TIME_ZONE_DROPPED.format(zone=date.dt.tz))
        ms = d.to_numpy(dtype="datetime64[ms]").astype(np.int64)
        empty = date.isna().to_numpy()
        msgs.error(empty, M.EMPTY)
        year = d.dt.year.to_numpy(dtype=float, na_value=np.nan)
        far = ~empty & ((year < YEARS[0]) | (year > YEARS[1]))
        quoted = _Quoted(d)
        msgs.error(far, *M.parts(M.DATE_YEAR_RANGE, {"year": year[far].astype(np.int64), "low": YEARS[0],
                                                      "high": YEARS[1], "value": quoted}))
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
        msgs.errors = np.append(st.msgs.errors, M.EMPTY)[at]
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
            msgs.error(clash, *M.parts(M.TIME_DIFFERS, {"value": quoted, "time": t_text}))
        t_noted = joined & (t_note != "")
        msgs.note(t_noted, t_note[t_noted])
        msgs.note(ok & ~t_present & ~timed, M.TIME_NONE)

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
        empty = e == M.EMPTY
        if name in ("hour", "minute", "second"):
            msgs.note(empty, M.PART_EMPTY_ZERO.format(field=name))
            v = np.where(empty, 0.0, v)
        else:
            msgs.error(empty, M.PT_PART_EMPTY.format(field=name))
        bad = (e != "") & ~empty
        msgs.error(bad, *M.parts(M.PART_ERROR, {"field": name, "error": e[bad]}))
        v = np.where(bad, 0.0, v)
        whole = np.floor(v) == v
        if name != "second":
            frac = ~whole & ~np.isnan(v)
            msgs.error(frac, *M.parts(M.PART_NOT_WHOLE, {"field": name, "number": v[frac]}))
        lo, hi = limits[name]
        out = (v < lo) | (v >= hi + 1)
        msgs.error(out, *M.parts(M.PART_RANGE, {"field": name, "number": v[out], "low": lo, "high": hi}))
        parts[name] = np.where(msgs.failed, 0, v)
    y, mo, d = (parts[k].astype(np.int64) for k in ("year", "month", "day"))
    months = (y - 1970) * 12 + np.clip(mo, 1, 12) - 1
    start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    length = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - start
    gone = ~msgs.failed & (d > length)
    msgs.error(gone, *M.parts(M.PART_NO_DAY, {"day": d[gone], "month": _MONTHS[np.clip(mo[gone], 0, 12)],
                                              "year": y[gone]}))
    secs = parts["hour"] * 3600 + parts["minute"] * 60 + parts["second"]
    ms = (start + d - 1) * _DAY_MS + np.round(secs * 1000).astype(np.int64)
    ms = np.where(msgs.failed, _NAT, ms)
    errors, notes = msgs.series(index)
    summary = {"rows": n, "values": int((~msgs.failed).sum()), "errors": int(msgs.failed.sum()),
               "formats": {"separate year, month and day columns": int((~msgs.failed).sum())}}
    return Parsed(pd.Series(ms.astype("datetime64[ms]"), index=index), errors, notes, summary)
