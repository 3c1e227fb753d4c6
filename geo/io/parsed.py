"""What every column parser returns, and the helpers that build its per-row messages.

The parsers of :mod:`geo.io.numbers`, :mod:`geo.io.dates` and
:mod:`geo.io.points` take whole columns (pandas Series) and return a
:class:`Parsed`. For every input row it holds a value or a reason a person
understands, and a note when the value was read in a way worth checking.
Nothing is dropped, and positions and index follow the input, so the importer
can sort each row into accepted, repaired or rejected.

Conventions the importer relies on: ``errors`` and ``notes`` are ``""`` where
there is nothing to say. An error quotes the offending value in single quotes
(cut to 40 characters). Several notes for one row are joined with ``"; "``.
Rows that fail carry no notes.

Everything is vectorised: values are matched with ``str`` methods on Arrow
strings, which run RE2 over the whole column, and a message is joined only
for the rows that need one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["Parsed"]

_TEXT = pd.ArrowDtype(pa.large_string())
_INT = pd.ArrowDtype(pa.int64())
_QUOTE = 40


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

