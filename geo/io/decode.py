"""Bytes to text: the encoding is decided per file with a confidence check, and bad bytes are dealt with per row.

Registries export UTF-8, UTF-8 with a BOM, CP1251 (Windows Cyrillic) and,
from Excel's "Unicode text", UTF-16 with a BOM. A file is decided UTF-8 when
its valid multi-byte characters are not swamped by undecodable bytes: one
CP1251 word pasted into a UTF-8 file must not switch the whole file to CP1251
and garble every label. The few undecodable bytes of such a file are kept
in the text as surrogate escapes (U+DC80 to U+DCFF, as Python's
``surrogateescape``) so that :mod:`geo.io.text` can find their rows:
:func:`repair` reads each run as CP1251 when it then reads as Cyrillic, and
the rows still holding escapes are rejected with their row number. No valid
text carries such escapes (strict UTF-8 never yields surrogates), so they
cannot be confused with data.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from geo import messages as M
from geo.io.raw import ReadError

__all__ = ["Decoded", "check_encoding", "decode", "escaped", "repair", "unescape"]

SAMPLE = 65536
ESCAPES = re.compile("[\udc00-\udcff]+")
_HIGH_ESCAPES = re.compile("[\udc80-\udcff]+")
# CP1251's non-letters that a Russian or Kyrgyz registry writes (numero sign, guillemets, dashes, quotes, nbsp)
_CP1251_PUNCT = set("№«»–—„“”‘’…\u00a0")
# C0 controls a text file does not hold (it holds tab, line ends, vertical tab, form feed, DOS end-of-file)
_CONTROLS = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f]")
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_ESCAPE = "geo.io.escape"


def _escape_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Like ``surrogateescape`` but for every byte (UTF-16 can fail on an ASCII byte), so no decode ever raises."""
    if isinstance(exc, UnicodeDecodeError):
        return "".join(chr(0xDC00 + b) for b in exc.object[exc.start:exc.end]), exc.end
    raise exc


# an error handler is looked up by name on every decode; registering it again is harmless
codecs.register_error(_ESCAPE, _escape_bytes)


@dataclass
class Decoded:
    """A file's text and how it was decoded.

    ``text`` may hold surrogate escapes where bytes were not text in
    ``encoding`` (``escapes`` says whether it does); ``what`` names the
    encodings tried, for messages (``"UTF-8 (nor CP1251 letters)"``);
    ``repairable`` says whether :func:`repair` may read escaped runs as
    CP1251 (only when UTF-8 was decided, not given).
    """

    text: str
    encoding: str
    what: str
    repairable: bool = False
    notes: list[str] = field(default_factory=list)
    escapes: bool = False  # whether ``text`` holds any escape (saves a search of a clean text)


def check_encoding(encoding: str, label: str) -> str:
    """The codec name of ``encoding``, or a :class:`ReadError` naming the file when Python has no such text encoding."""
    name = str(encoding).strip()
    try:
        info = codecs.lookup(name)
        if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib ... transform bytes, not text
            raise LookupError(name)
    except (LookupError, ValueError, TypeError) as exc:
        msg = f"{label}: unknown text encoding {name!r} (for example utf-8, utf-8-sig, utf-16, cp1251)"
        raise ReadError(msg) from exc
    return info.name


def decode(data: bytes, label: str, encoding: str | None = None) -> Decoded:
    """Decode a text table's bytes.

    Parameters
    ----------
    data
        The file's bytes.
    label
        The file's name, for messages.
    encoding
        The user's choice; detected when ``None`` (BOM, UTF-16 without BOM,
        UTF-8, CP1251).

    Raises
    ------
    ReadError
        A binary file, an unknown encoding, or a given encoding that the
        file is not written in.
    """
    if encoding:
        return _given(data, label, encoding)
    for bom, name in _BOMS:
        if data.startswith(bom):
            text, bad = _decoded(data, name)
            return _checked(Decoded(text, name, name.upper().replace("-SIG", " with BOM"), escapes=bad), label)
    utf16 = _utf16_without_bom(data[:SAMPLE])
    if utf16:
        text, bad = _decoded(data, utf16)
        return _checked(Decoded(text, utf16, "UTF-16", notes=[f"read as {utf16.upper()} (no byte order mark)"],
                                escapes=bad), label)
    text, bad = _decoded(data, "utf-8")
    if not bad:
        return _checked(Decoded(text, "utf-8", "UTF-8"), label)
    bad = len(data) - len(text.encode("utf-8", errors="ignore"))  # escapes are dropped, the rest re-encodes alike
    valid = len(text) - len(text.encode("ascii", errors="ignore")) - bad  # non-ASCII characters that are UTF-8
    # CP1251 Cyrillic almost never forms valid UTF-8, so a CP1251 file has (nearly) no valid multi-byte characters;
    # a UTF-8 file with a few pasted CP1251 bytes has far more valid ones than bad bytes
    if valid > 0 and valid * 20 >= bad:
        return _checked(Decoded(text, "utf-8", "UTF-8 (nor CP1251 letters)", repairable=True, escapes=True),
                        label)
    text, bad = _decoded(data, "cp1251")  # only 0x98 is undefined in CP1251
    return _checked(Decoded(text, "cp1251", "CP1251", escapes=bad), label, what=M.FILE_NOT_UTF8_CP1251)


def _decoded(data: bytes, name: str) -> tuple[str, bool]:
    """``data`` decoded, undecodable bytes escaped, and whether there were any.

    Strict first (a clean file is the common case); then ``surrogateescape``,
    which CPython runs in C, for the codecs whose bad bytes are all non-ASCII
    (UTF-8, CP1251), else the escape handler above (UTF-16 may fail on any byte).
    """
    try:
        return data.decode(name), False
    except UnicodeDecodeError:
        pass
    fast = name in ("utf-8", "utf-8-sig", "cp1251")
    return data.decode(name, errors="surrogateescape" if fast else _ESCAPE), True


def _given(data: bytes, label: str, encoding: str) -> Decoded:
    name = check_encoding(encoding, label)
    if name == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        name = "utf-8-sig"  # the BOM is not a character of the header
    try:
        text, bad = _decoded(data, name)
    except (UnicodeError, LookupError, ValueError, TypeError) as exc:  # codecs such as idna take no error handler
        msg = f"{label}: cannot be read as {encoding} ({exc})"
        raise ReadError(msg) from exc
    decoded = _checked(Decoded(text, name, name, escapes=bad), label,
                       what=M.FILE_NOT_ENCODING_TEXT.format(encoding=name))
    head = data[:SAMPLE]
    if b"\n" in head and "\n" not in text[:SAMPLE] and "\r" not in text[:SAMPLE]:
        msg = (f"{label}: read as {encoding} the file has no line breaks, so it is not {encoding} text; "
               "leave out --encoding to detect it")
        raise ReadError(msg)
    if name not in ("utf-8", "utf-8-sig") and _ascii_compatible(name):
        try:
            utf8 = head.decode("utf-8")  # a cut multi-byte character at the end of the sample is an error too
        except UnicodeDecodeError as exc:
            utf8 = head[:exc.start].decode("utf-8") if exc.start > len(head) - 4 else ""
        if sum(ch >= "\x80" for ch in utf8) >= 3:
            msg = (f"{label}: the file is UTF-8 text, which read as {encoding} would garble every letter that is "
                   "not ASCII; leave out --encoding or give utf-8")
            raise ReadError(msg)
    lines = text[: SAMPLE * 4].split("\n")
    hit = [i for i, ln in enumerate(lines) if ESCAPES.search(ln)] if bad else []
    if hit and len(hit) > max(2, len(lines) // 5):
        msg = (f"{label}: cannot be read as {encoding}: {len(hit):,} of the first {len(lines):,} lines hold bytes "
               f"that are not {name} text (first on line {hit[0] + 1}); leave out --encoding to detect it")
        raise ReadError(msg)
    return decoded


def _ascii_compatible(name: str) -> bool:
    """Whether ASCII text is written alike in ``name`` (CP1251, Latin-1, KOI8-R), so UTF-8 could pass for it."""
    try:
        return "id,date\n".encode(name) == b"id,date\n"
    except (UnicodeError, LookupError, ValueError, TypeError):
        return False


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 written without a BOM: mostly ASCII text leaves a NUL in every other byte."""
    half = len(sample) // 2
    if half < 2:
        return None
    even = sample[0: 2 * half: 2].count(0)
    odd = sample[1: 2 * half: 2].count(0)
    if odd >= half * 0.2 and even <= half * 0.01:
        return "utf-16-le"
    if even >= half * 0.2 and odd <= half * 0.01:
        return "utf-16-be"
    return None


def _checked(decoded: Decoded, label: str, *, what: str = M.FILE_NOT_TEXT) -> Decoded:
    """Refuse binary files: NUL bytes or control characters a text table does not hold."""
    sample = decoded.text[:SAMPLE]
    nul = sample.count("\x00")
    controls = len(_CONTROLS.findall(sample))
    # binary data is about one tenth control bytes; a text table holds a few at most (pasted from somewhere)
    limit = max(8, len(sample) // 20)
    if controls > limit or (decoded.encoding == "cp1251" and len(ESCAPES.findall(sample)) > limit // 5):
        reason = M.FILE_NUL if nul else M.FILE_CONTROLS.format(what=what)
        msg = M.FILE_BINARY.format(file=label, reason=reason)
        raise ReadError(msg)
    if "\x00" in decoded.text:  # a few stray NULs: their rows are rejected like other bytes that are not text
        decoded.text = decoded.text.replace("\x00", "\udc00")
        decoded.escapes = True
    return decoded


def repair(text: str) -> tuple[str, dict[int, list[str]]]:
    """Read each run of undecodable bytes as CP1251 where it then reads as Cyrillic.

    Returns
    -------
    text : str
        The text with those runs replaced; other escapes are left for their
        rows to be rejected.
    repaired : dict
        Line index (0-based, counting ``"\\n"``) -> the words read.
    """
    repaired: dict[int, list[str]] = {}
    where = [0, 0]  # position and line of the last match, so lines are counted once over the text

    def fix(m: re.Match[str]) -> str:
        raw = bytes(ord(c) - 0xDC00 for c in m.group())
        try:
            word = raw.decode("cp1251")
        except UnicodeDecodeError:
            return m.group()
        if not all("\u0400" <= ch <= "\u04ff" or ch in _CP1251_PUNCT for ch in word):
            return m.group()
        where[1] += text.count("\n", where[0], m.start())
        where[0] = m.start()
        repaired.setdefault(where[1], []).append(word)
        return word

    return _HIGH_ESCAPES.sub(fix, text), repaired


def escaped(text: str, limit: int = 6) -> str:
    """The undecodable bytes of ``text`` for a message: ``"0xCA 0xF0"``."""
    codes = [f"0x{ord(c) - 0xDC00:02X}" for run in ESCAPES.findall(text) for c in run]
    return " ".join(codes[:limit]) + (" …" if len(codes) > limit else "")


def unescape(text: str) -> str:
    """``text`` with undecodable bytes shown as U+FFFD (escapes cannot be written as UTF-8)."""
    return ESCAPES.sub(lambda m: "\ufffd" * len(m.group()), text)
