"""Read numbers written in any of the usual ways: decimal commas, thousands separators, signs.

Hand-written because ``pandas.to_numeric`` refuses ``"42,87"`` and
``"1 234,5"`` and cannot say, row by row, why a value was refused. Russian and
Kyrgyz registries write a decimal comma, and exports group thousands with
spaces, dots, commas or apostrophes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from geo import messages as M
from geo.io.parsed import Parsed, _as_text, _flags, _Messages, _Quoted

__all__ = ["parse_numbers"]

_PLAIN = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SEP = "[\\s\u00a0\u202f\u2009'\u2019]"  # what groups thousands: spaces (also no-break and thin ones), apostrophes


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
        msgs.error(np.isnan(v), M.EMPTY)
        msgs.error(~np.isfinite(v), M.NOT_FINITE)
        return v, msgs, summary
    t = _as_text(s)
    v = np.full(n, np.nan)
    empty = t.isna().to_numpy()
    msgs.error(empty, M.EMPTY)
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
        r = raw.str.replace(_SEP, "", regex=True).str.replace("\u2212", "-")
        spaced = (r.str.len() != raw.str.len()).to_numpy(dtype=bool, na_value=False)
        comma_decimal = _flags(r.str.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3})+,\d*"))  # 1.234,5
        comma_thousands = _flags(r.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+\.\d*|[+-]?\d{1,3}(?:,\d{3}){2,}"))
        dot_thousands = _flags(r.str.fullmatch(r"[+-]?\d{1,3}(?:\.\d{3}){2,}"))  # 1.234.567
        one_comma = _flags(r.str.fullmatch(r"[+-]?\d*,\d*")) & ~comma_decimal
        fixed = r.where(~(comma_decimal | dot_thousands), r.str.replace(".", ""))
        fixed = fixed.where(~comma_thousands, fixed.str.replace(",", ""))
        fixed = fixed.where(~(comma_decimal | one_comma), fixed.str.replace(",", "."))
        # spaces and apostrophes only group thousands: "1 234,5" is a number, "42 87" (a lost comma) is not
        lead = raw.str.replace(f"^([+\\-\u2212]){_SEP}+", r"\1", regex=True)
        grouped = _flags(lead.str.fullmatch(f"[+\\-\u2212]?\\d{{1,3}}(?:{_SEP}\\d{{3}})+(?:[.,]\\d*)?"))
        now = _flags(fixed.str.fullmatch(_PLAIN)) & ~(_flags(lead.str.contains(_SEP)) & ~grouped)
        v[rest[now]] = _floats(fixed[now])
        plain[rest[now]] = True
        summary["decimal_comma"] += int((now & (comma_decimal | one_comma)).sum())
        summary["thousands_separators"] = int((now & (comma_thousands | dot_thousands | spaced)).sum())
        words = _flags(fixed.str.fullmatch(r"(?i)[+-]?(?:inf|infinity|nan)"))
        msgs.error(rest[words], M.NOT_FINITE)
    msgs.error(plain & ~np.isfinite(v), M.NOT_FINITE)  # overflow such as 1e999
    msgs.error(~plain, *M.parts(M.NOT_A_NUMBER, {"value": _Quoted(t)}))
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
