"""CSV and TSV text tables: any line ending, any field size, any delimiter argument, every row accounted for.

Text is read as strings, exactly as written, so that nothing is coerced or
lost before the importer decides, row by row, what each value means. The
encoding is decided by :mod:`geo.io.decode`; the delimiter is detected
from the first lines (the one that splits them alike into the most fields).

Line ends may be LF, CRLF or a bare CR (classic Mac OS), mixed in one file:
a bare CR is a line end wherever it stands, as spreadsheets read it, so a
stray one in an unquoted field parts its row in two, both rejected with a
reason that says so.

pyarrow reads a clean file ten times faster than anything else; whenever it
cannot (ragged rows, a quote left open, a row over its block size, bytes that
are not text, repairs to note) or fails in any way, the row-by-row reader
takes over. That reader never lets one bad row take others with it: a row
whose quote is not closed on its line, so that the quoted field would swallow
the following lines, is rejected alone and reading resumes on its next line.
A field longer than :data:`MAX_FIELD` characters rejects its row.

The header is the first line that is not blank. Row numbers count data rows
from 1 (a spreadsheet shows data row 1 on its second line, below the header);
blank lines are not rows. Rows whose every field is empty are skipped, as a
spreadsheet's empty rows are, and said so.
"""

from __future__ import annotations

import csv
import io
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo import messages as M
from geo.io.decode import ESCAPES, Decoded, decode, escaped, repair, unescape
from geo.io.raw import RawTable, ReadError

__all__ = ["DELIMITERS", "MAX_FIELD", "check_delimiter", "read_text", "unique_headers"]

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
#: Longest field, in characters, before its row is rejected: Python's csv module's own default limit.
MAX_FIELD = 131_072
SAMPLE = 65536
_RAW = 500  # characters of a bad row kept for the rejected table
_CHUNK = 65536  # rows gathered as Python lists before they go to Arrow
_TEXT = pd.StringDtype("pyarrow")


def check_delimiter(value: str, label: str) -> str:
    """The one delimiter character ``value`` means (``"tab"`` and ``"\\t"`` for a tab), or a :class:`ReadError`."""
    v = str(value)
    named = DELIMITER_NAMES.get(v.strip().lower()) if v.strip() else None
    if named:
        return named
    if len(v) != 1 or v in "\"\r\n" or v.isalnum() or "\ud800" <= v <= "\udfff":
        msg = (f"{label}: the delimiter must be one character such as , ; | or tab (give 'tab' or '\\t' "
               f"for a tab), not {value!r}")
        raise ReadError(msg)
    return v


def read_text(data: bytes, label: str, *, encoding: str | None = None, delimiter: str | None = None,
              tab: bool = False) -> RawTable:
    """Read a CSV or TSV file's bytes into a :class:`RawTable` of strings.

    Parameters
    ----------
    data
        The file's bytes.
    label
        The file's name, for messages.
    encoding, delimiter
        The user's choice; detected when ``None``.
    tab
        The delimiter is a tab unless given or the header holds none (a ``.tsv`` file).

    Raises
    ------
    ReadError
        A binary file, no text, no header, no data rows, a bad delimiter or
        encoding argument, a single column that another delimiter would split.
    """
    dec = decode(data, label, encoding)
    text = dec.text
    if not text or text.isspace():
        msg = M.FILE_NO_TEXT.format(file=label)
        raise ReadError(msg)
    if delimiter is not None:
        delimiter = check_delimiter(delimiter, label)
    elif tab and "\t" in text[:SAMPLE].lstrip("\r\n").split("\n", 1)[0].split("\r", 1)[0]:
        delimiter = "\t"
    else:  # a .tsv whose header holds no tab was saved with another delimiter
        delimiter = _sniff(text[:SAMPLE])
    notes = list(dec.notes)
    text, ended = _line_ends(text, notes)
    repaired: dict[int, list[str]] = {}
    if dec.repairable:
        text, repaired = repair(text)
    reader = _Reader(text, label, delimiter, dec, ended, repaired)
    if text is dec.text and dec.encoding in ("utf-8", "utf-8-sig") and not dec.escapes:
        reader.utf8 = data[3:] if dec.encoding == "utf-8-sig" else data  # pyarrow reads the file's own bytes
    frame = reader.fast() if not (repaired or reader.escapes) else None
    if frame is None:
        frame = reader.rowwise()
    frame = reader.finish(frame)
    notes += reader.notes
    if frame.shape[1] == 1 and delimiter != "\t":
        only = str(frame.columns[0])
        for d in DELIMITERS:
            if d != delimiter and d in only:
                msg = M.FILE_ONE_COLUMN.format(file=label, column=only[:60], delimiter=d, given=delimiter)
                raise ReadError(msg)
    return RawTable(frame, label, "csv", encoding=dec.encoding, delimiter=delimiter, bad_rows=reader.bad,
                    bad_raw=reader.bad_raw, notes=notes, row_notes=reader.row_notes)


def _sniff(sample: str) -> str:
    """The delimiter that splits the first lines alike into the most fields (quotes respected)."""
    cut = sample.rfind("\n")
    if len(sample) == SAMPLE and cut > 0:
        sample = sample[:cut]
    sample = sample.replace("\r\n", "\n").replace("\r", "\n")
    best: tuple[tuple[bool, float, int], str] | None = None
    for d in DELIMITERS:
        rows: list[list[str]] = []
        try:
            for r in csv.reader(io.StringIO(sample, newline="\n"), delimiter=d):
                if any(f.strip() for f in r):
                    rows.append(r)
                if len(rows) == 50:
                    break
        except csv.Error:
            continue
        if not rows:
            continue  # nothing but blank lines in the sample: nothing to tell the delimiters apart
        width = len(rows[0])
        score = (width > 1, sum(len(r) == width for r in rows) / len(rows), width)
        if best is None or score > best[0]:
            best = (score, d)
    # one column: reported later as missing columns, not as a read failure
    return best[1] if best is not None and best[0][0] else ","


def _width(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter), []))
    except csv.Error:
        return -1


def _line_ends(text: str, notes: list[str]) -> tuple[str, set[int]]:
    """Text with every line ending ``"\\n"``, and the (0-based) lines that a bare CR ended in a file of LF lines.

    A bare CR is a line end wherever it stands, as spreadsheets, pyarrow and
    Python's csv module read it; inside a quoted field it is the field's line
    break. A stray CR in an unquoted field therefore parts its row in two,
    and the reasons those two rows are rejected say so.
    """
    if "\r" not in text:
        return text, set()
    text = text.replace("\r\r\n", "\n").replace("\r\n", "\n")  # CR CR LF, a known export fault, is one line end
    bare = text.count("\r")
    if not bare:
        return text, set()
    if "\n" not in text:
        notes.append("lines end with a carriage return alone (classic Mac OS)")
        return text.replace("\r", "\n"), set()
    ended: set[int] = set()
    done = lf = 0
    cr = text.find("\r")
    while cr >= 0:  # with find, not a regex: a long line must not be scanned again per character
        lf += text.count("\n", done, cr)
        ended.add(lf + len(ended))  # lines before it: the LFs and the CRs before it
        done = cr
        cr = text.find("\r", cr + 1)
    notes.append(f"{bare:,} carriage return(s) (\\r) alone in a file of LF line ends read as line ends "
                 f"(first: end of line {min(ended) + 1})")
    return text.replace("\r", "\n"), ended


class _Reader:
    """One text table being read: the fast path, the row-by-row path, and what both found."""

    def __init__(self, text: str, label: str, delimiter: str, dec: Decoded, ended: set[int],
                 repaired: dict[int, list[str]]) -> None:
        self.text, self.label, self.delimiter, self.dec = text, label, delimiter, dec
        self.ended, self.repaired = ended, repaired
        self.escapes = dec.escapes and ESCAPES.search(text) is not None  # repairs may have taken them all
        self.utf8: bytes | None = None
        self.limit = min(MAX_FIELD, csv.field_size_limit())
        self.bad: dict[int, str] = {}
        self.bad_raw: dict[int, str] = {}
        self.row_notes: dict[int, str] = {}
        self.notes: list[str] = []
        self.names: list[str] = []

    # --- pyarrow -----------------------------------------------------------

    def fast(self) -> pd.DataFrame | None:
        """Every field as a string (Arrow-backed), empty as missing; ``None`` when pyarrow cannot read the file."""
        end = self.text.find("\n")
        head = self.text if end < 0 else self.text[:end]
        if not head.strip() or head.count('"') % 2 or len(head) > self.limit:
            return None  # a blank first line or a header over several lines: the row-by-row reader knows
        try:
            header = next(csv.reader([head], delimiter=self.delimiter))
            if len(header) < 2:
                return None  # one column: pyarrow counts a line of spaces as a row, which is a blank line
            self.names = unique_headers(header)
            data = self.utf8 if self.utf8 is not None else self.text.encode("utf-8")
            table = pacsv.read_csv(
                io.BytesIO(data),
                read_options=pacsv.ReadOptions(column_names=self.names, skip_rows=1, block_size=1 << 22),
                parse_options=pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in self.names},
                                                     strings_can_be_null=True, null_values=[""],
                                                     quoted_strings_can_be_null=True),
            )
            long = np.zeros(table.num_rows, dtype=bool)
            for col in table.columns:
                if pc.any(pc.match_substring(col, "\n")).as_py():
                    return None  # a quoted line break: the row-by-row reader checks that the quote was closed
                lengths = pc.utf8_length(col)
                if len(lengths) and (pc.max(lengths).as_py() or 0) > self.limit:
                    long |= pc.fill_null(pc.greater(lengths, self.limit), False).to_numpy(zero_copy_only=False)
            frame = table.to_pandas(types_mapper={pa.string(): _TEXT}.get)
        except (pa.ArrowException, csv.Error, ValueError, TypeError, OverflowError, UnicodeError):
            # ragged rows, quoting pyarrow refuses, a row over its block size: the row-by-row reader flags them
            return None
        frame.index = pd.RangeIndex(1, len(frame) + 1)
        if long.any():
            for r in frame.index[long]:
                self.bad[int(r)] = self._too_long()
                self.bad_raw[int(r)] = self.delimiter.join("" if pd.isna(v) else str(v)
                                                           for v in frame.loc[r])[:_RAW]
            frame = frame[~long]
        return frame

    # --- row by row --------------------------------------------------------

    def rowwise(self) -> pd.DataFrame:
        """Every record, each good one kept and each bad one flagged with its row number and reason."""
        self.bad.clear()
        self.bad_raw.clear()
        text = self.text
        records = _Records(text, self.delimiter)
        header: list[str] | None = None
        good: list[list[str]] = []
        chunks: list[list[pa.Array]] = []
        index = array("q")
        n = 0
        for rec in records:
            if len(good) == _CHUNK:  # to Arrow as we go: a list of lists of str costs ~30 times the text
                chunks.append(_arrow_columns(good, len(header or ())))
                good = []
            fields, problem = rec.fields, rec.problem
            if header is None:
                if problem is None and fields and any(f.strip() for f in fields):
                    header = fields
                    records.width = len(header)
                elif problem is not None:
                    msg = M.FILE_HEADER_UNREADABLE.format(file=self.label, reason=self._problem(rec))
                    raise ReadError(msg)
                continue
            if problem is None and (not fields or (len(fields) == 1 and not fields[0].strip())):
                continue  # a blank line is not a row
            n += 1
            if problem is not None:
                self._reject(n, self._problem(rec), text[rec.start:rec.end if problem == _LONG else rec.eol])
            elif self.escapes and any(ESCAPES.search(f) for f in fields):
                raw = text[rec.start:rec.end]
                self._reject(n, M.LINE_NOT_TEXT.format(line=rec.first + 1, encoding=self.dec.what, raw=escaped(raw)),
                             raw)
            elif len(fields) != len(header):
                said = M.ROW_FIELD_COUNT
                if text.count('"', rec.start, rec.eol) % 2:
                    said = M.ROW_FIELD_COUNT_QUOTE
                elif rec.last in self.ended or rec.first - 1 in self.ended:
                    said = M.ROW_FIELD_COUNT_CR
                self._reject(n, said.format(n=len(fields), header=len(header)), text[rec.start:rec.eol])
            else:
                good.append(fields)
                index.append(n)
                self._note(n, rec.first, rec.last)
        if header is None:
            msg = M.FILE_NO_HEADER.format(file=self.label)
            raise ReadError(msg)
        self.names = unique_headers([unescape(h) for h in header])
        chunks.append(_arrow_columns(good, len(header)))
        rows = pd.Index(np.frombuffer(index, dtype=np.int64) if len(index) else np.zeros(0, np.int64))
        data = {name: pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([c[i] for c in chunks], pa.string())),
                                index=rows, dtype=_TEXT)
                for i, name in enumerate(self.names)}
        return pd.DataFrame(data, index=rows)

    def _note(self, n: int, first: int, last: int) -> None:
        said = []
        words = [w for i in range(first, last + 1) for w in self.repaired.get(i, ())] if self.repaired else []
        if words:
            said.append(M.BYTES_AS_CP1251.format(words=", ".join(words[:5])))
        if said:
            self.row_notes[n] = "; ".join(said)

    def _reject(self, n: int, reason: str, raw: str) -> None:
        self.bad[n] = reason
        self.bad_raw[n] = unescape(raw[:_RAW + 1].rstrip("\n"))[:_RAW]

    def _too_long(self) -> str:
        return self._problem(_Record(0, 0, 0, 0, 0, None, _LONG))

    def _problem(self, rec: _Record) -> str:
        first, last = rec.first, rec.last
        if rec.problem == _QUOTE:
            if last > first:
                return M.QUOTE_OPEN_TO_LINE.format(line=first + 1, last=last + 1)
            return M.QUOTE_OPEN_TO_END.format(line=first + 1)
        if rec.problem == _LONG:
            if last > first:
                return M.FIELD_TOO_LONG_LINES.format(line=first + 1, last=last + 1, limit=f"{self.limit:,}")
            return M.FIELD_TOO_LONG.format(limit=f"{self.limit:,}")
        return M.LINE_UNSPLIT.format(line=first + 1, reason=rec.problem)

    # --- both --------------------------------------------------------------

    def finish(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Skip rows with every field empty (as a spreadsheet's empty rows) and refuse a file with no data."""
        empty = frame.isna().all(axis=1).to_numpy() if frame.shape[1] else np.zeros(len(frame), dtype=bool)
        if empty.any():
            rows = frame.index[empty]
            shown = ", ".join(str(r) for r in rows[:5]) + (" …" if len(rows) > 5 else "")
            self.notes.append(M.ROWS_EMPTY_SKIPPED.format(n=f"{len(rows):,}", rows=shown))
            frame = frame[~empty]
        if len(frame) == 0 and not self.bad:
            msg = M.FILE_HEADER_NO_ROWS.format(file=self.label, columns=", ".join(frame.columns[:8]))
            raise ReadError(msg)
        if self.row_notes:
            first = sorted(self.row_notes)[:5]
            self.notes.append(f"{len(self.row_notes):,} row(s) read with a repair (rows "
                              f"{', '.join(map(str, first))}{' …' if len(self.row_notes) > 5 else ''}): "
                              f"{self.row_notes[first[0]]}")
        return frame


_QUOTE = "quote"  # a quote left open: the first line alone is rejected
_LONG = "long"  # a field over the size limit: its whole record is rejected


@dataclass
class _Record:
    """One record of a text table: its lines (0-based), its offsets in the text, its fields or its problem."""

    first: int
    last: int
    start: int
    eol: int  # end of its first line (after the line break)
    end: int  # end of its last line
    fields: list[str] | None
    problem: str | None = None


class _Lines:
    """The text's lines from an offset, each with its ``"\\n"``; ``pos`` is where the next one starts.

    Lines are cut one at a time, as the csv module asks for them: a list of
    every line would cost fifty bytes a line, gigabytes for a file of blank lines.
    """

    def __init__(self, text: str, pos: int) -> None:
        self.text, self.pos = text, pos

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.text):
            raise StopIteration
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end + 1
        line = self.text[self.pos:end]
        self.pos = end
        return line


class _Records:
    """Each record of the text, as a :class:`_Record`.

    A record that runs over several lines (a quoted field holding line
    breaks) whose quote was really left open (see :meth:`_swallowed`) is
    given back as a problem on its first line alone, and reading resumes on
    the next line, so the rows the open quote swallowed are read as rows.
    A field over the size limit is treated alike, unless its record ends
    (its quotes pair up) without swallowing rows: then the whole record is
    one rejected row.
    """

    def __init__(self, text: str, delimiter: str) -> None:
        self.text = text
        self.delimiter = delimiter
        self.width: int | None = None

    def _eol(self, pos: int) -> int:
        end = self.text.find("\n", pos)
        return len(self.text) if end < 0 else end + 1

    def __iter__(self) -> Iterator[_Record]:
        pos = line = 0
        while pos < len(self.text):
            lines = _Lines(self.text, pos)
            reader = csv.reader(lines, delimiter=self.delimiter)
            restart = None
            while restart is None:
                start, first, before = lines.pos, line, reader.line_num
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    eol = self._eol(start)
                    if "field limit" not in str(exc):
                        yield _Record(first, first, start, eol, eol, None, str(exc))
                        restart = (eol, first + 1)
                        continue
                    end = self._record_end(start)
                    if end is None or self._swallowed(start, end, strict=False):
                        stop = end if end is not None else len(self.text)
                        yield _Record(first, first + self.text.count("\n", start, stop - 1), start, eol, eol, None,
                                      _QUOTE)
                        restart = (eol, first + 1)
                    else:  # a long field, quoted or not, that ends: its record is one rejected row
                        last = first + self.text.count("\n", start, end - 1)
                        yield _Record(first, last, start, eol, end, None, _LONG)
                        restart = (end, last + 1)
                    continue
                line = first + reader.line_num - before
                end, last = lines.pos, line - 1
                eol = self._eol(start) if last > first else end
                if last > first and self.width is not None and self._swallowed(start, end):
                    yield _Record(first, last, start, eol, eol, None, _QUOTE)
                    restart = (eol, first + 1)
                    continue
                yield _Record(first, last, start, eol, end, fields)
            pos, line = restart

    def _record_end(self, start: int) -> int | None:
        """Where a record starting at ``start`` ends, from the parity of its quotes (None: never)."""
        quotes = 0
        pos = start
        while pos < len(self.text):
            eol = self._eol(pos)
            quotes += self.text.count('"', pos, eol)
            if quotes % 2 == 0:
                return eol
            pos = eol
        return None

    def _swallowed(self, start: int, end: int, *, strict: bool = True) -> bool:
        """Whether a record over several lines holds a quote left open, rather than a field with line breaks.

        A quoted field that ends legitimately is followed by a delimiter or
        the line end, and the file goes on after it (the strict reading);
        and a line without quotes inside it (not the one it closes on) that
        is, by itself, a whole row is a row the open quote swallowed.
        """
        lines = self.text[start:end].split("\n")
        if lines[-1] == "":
            lines.pop()  # the record's last line break
        if strict:
            try:
                for _ in csv.reader(_Lines(self.text[start:end], 0), delimiter=self.delimiter, strict=True):
                    pass
            except csv.Error:
                return True
        width = self.width or 0
        # a line the open quote swallowed holds no quote itself (the quote would have closed there)
        return width >= 3 and any('"' not in ln and _width(ln, self.delimiter) == width for ln in lines[1:-1])


def _arrow_columns(rows: list[list[str]], width: int) -> list[pa.Array]:
    """Rows of strings as one Arrow string array per column, empty strings as missing (as pyarrow reads them)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    out = []
    for values in columns:
        arr = pa.array(values, type=pa.string())
        out.append(pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr))
    return out


def unique_headers(columns: list[str] | pd.Index) -> list[str]:
    """Header names made unique and non-empty: ``a, a, a_2`` becomes ``a, a_2, a_2_2``."""
    out: list[str] = []
    seen: set[str] = set()
    last: dict[str, int] = {}  # the suffix each base name reached: 12,000 equal headers stay linear
    for i, c in enumerate(columns):
        name = str(c).strip().lstrip("\ufeff") or f"column_{i + 1}"
        if name.startswith("Unnamed: "):
            name = f"column_{i + 1}"
        base, k = name, last.get(name, 1)
        while name in seen:
            k += 1
            name = f"{base}_{k}"
        last[base] = k
        seen.add(name)
        out.append(name)
    return out
