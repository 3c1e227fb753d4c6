"""What every reader returns: a table as read (:class:`RawTable`) or the reason it cannot be (:class:`ReadError`).

Kept apart from :mod:`geo.io.readers` so that the text reader
(:mod:`geo.io.text`) and the decoder (:mod:`geo.io.decode`) can raise and
build them without importing the readers that dispatch to them. Both names
are re-exported by :mod:`geo.io.readers`, where callers import them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

__all__ = ["RawTable", "ReadError"]


class ReadError(ValueError):
    """The file cannot be read as a table; the message names the file and why (and the line where there is one)."""


@dataclass
class RawTable:
    """A table as read, before any interpretation.

    ``frame`` holds the data rows (strings for text formats; a GeoDataFrame
    for spatial formats), indexed by data row number (1-based).
    ``bad_rows`` maps row numbers of rows that could not be read (wrong
    number of fields, an unterminated quote, a field over the size limit,
    bytes that are not text) to a reason, and ``bad_raw`` to the row as it
    stands in the file. ``row_notes`` maps the numbers of rows that were read
    with a repair (bytes that are not UTF-8 read as CP1251) to what was done;
    ``notes`` says what was decided or repaired for the whole file.
    """

    frame: pd.DataFrame
    source: str
    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    bad_rows: dict[int, str] = field(default_factory=dict)
    bad_raw: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    row_notes: dict[int, str] = field(default_factory=dict)

    @property
    def is_spatial(self) -> bool:
        return isinstance(self.frame, gpd.GeoDataFrame)

    @property
    def crs(self):
        return self.frame.crs if self.is_spatial else None

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.bad_rows)

    @property
    def columns(self) -> list[str]:
        cols = list(self.frame.columns)
        if self.is_spatial:
            cols.remove(self.frame.geometry.name)
        return [str(c) for c in cols]
