"""Spreadsheet cells that cannot run: what every CSV and XLSX the platform writes goes through.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel and
LibreOffice, in CSV and XLSX alike; text from the data (a station's name, a registry label, a user name
in the audit trail) gets a leading apostrophe, as OWASP advises against CSV injection, so it is shown as
written and never run. Numbers are left alone (-5 is a number, not a formula).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_START", "safe_cell", "safe_cells"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and header) that a spreadsheet would run as a formula made plain text."""
    out = frame.rename(columns=lambda c: safe_cell(c) if isinstance(c, str) else c)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype(object).map(safe_cell)
    return out
