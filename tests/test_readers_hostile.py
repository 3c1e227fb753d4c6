"""Hostile text tables, one named case per finding of issue 11 (readers): never a traceback, never a silent misreading.

Each case writes a real file and reads it through :func:`geo.io.readers.read_table` and
:func:`geo.io.importer.prepare` (``read = accepted + rejected`` always), and through the command line a
user runs (``python -m geo import incidents FILE --dry-run --json``) where the outcome is what the user
sees: exit 2 and one ``error: <file>: ...`` line, or a clean import whose data is usable.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from geo.io.importer import prepare
from geo.io.readers import MAX_BYTES, MAX_FIELD, ReadError, read_table

HEADER = ["id", "date", "type", "lat", "lon"]
LABELS = {"Хулиганство": "public_order", "ДТП": "road_traffic"}


def rows(n: int = 8) -> list[list[str]]:
    """Good incident rows near Bishkek, ids R-1 ... R-n."""
    names = list(LABELS)
    return [[f"R-{i}", f"{i:02d}.03.2016 10:30", names[i % 2], f"42.8{i % 10}", f"74.6{i % 10}"]
            for i in range(1, n + 1)]


def table(body: list[list[str]], *, delimiter: str = ",", eol: str = "\n") -> str:
    return eol.join(delimiter.join(r) for r in [HEADER, *body]) + eol


def accounted(path: Path, **kw) -> object:
    """``prepare`` the file and check every row read is accepted or rejected exactly once, with a reason."""
    r = prepare(path, "incidents", **kw)
    assert r.read == len(r.accepted) + len(r.rejected)
    assert r.rejected["row"].notna().all() and r.rejected["row"].is_unique
    assert (r.rejected["reason"].astype(str).str.len() > 0).all()
    return r


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", "import", "incidents", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def imported(path: Path, tmp_path: Path, *extra: str) -> dict:
    """The JSON summary of a dry-run import that must succeed."""
    p = cli(str(path), "--dry-run", "--json", "--workspace", str(tmp_path / "w.gpkg"), *extra)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    out = json.loads(p.stdout)
    assert out["read"] == out["accepted"] + out["rejected"]
    return out


def refused(path: Path, tmp_path: Path, *extra: str) -> str:
    """The one error line of an import that must be refused (exit 2), naming the file."""
    p = cli(str(path), "--dry-run", "--json", "--workspace", str(tmp_path / "w.gpkg"), *extra)
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"error: {path.name}: "), lines[0]
    assert not (tmp_path / "w.gpkg").exists()
    return lines[0]


# --- any line ending ----------------------------------------------------------------------------

@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r", "\r\r\n"], ids=["lf", "crlf", "bare-cr", "cr-cr-lf"])
def test_every_line_ending_reads_the_same_rows(tmp_path, eol):
    path = tmp_path / "ends.csv"
    path.write_bytes(table(rows(), eol=eol).encode("utf-8"))
    t = read_table(path)
    assert t.columns == HEADER and len(t.frame) == 8 and not t.bad_rows
    assert t.frame["id"].tolist() == [f"R-{i}" for i in range(1, 9)]
    assert t.frame["lon"].iloc[-1] == "74.68"  # no CR left on the last field
    assert not t.notes or t.notes == ["lines end with a carriage return alone (classic Mac OS)"]
    r = accounted(path)
    assert len(r.accepted) == 8


def test_old_mac_file_imports_through_the_cli(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(table(rows(), eol="\r").encode("utf-8"))  # 493 of 3,000 fuzz cases crashed here
    out = imported(path, tmp_path)
    assert (out["read"], out["accepted"], out["rejected"]) == (8, 8, 0)


def test_a_stray_cr_in_an_unquoted_field_parts_its_row_with_a_reason(tmp_path):
    """A bare CR ends a line, as a spreadsheet shows it: the two halves are rejected, saying why, nothing crashes."""
    body = rows()
    body[2][2] = "Хули\rганство"
    path = tmp_path / "stray.csv"
    path.write_bytes(table(body).encode("utf-8"))  # issue 11: csv.Error "new-line character seen in unquoted field"
    t = read_table(path)
    assert len(t.frame) == 7 and sorted(t.bad_rows) == [3, 4]
    assert all("carriage return (\\r) alone ends a line here" in r for r in t.bad_rows.values())
    assert t.bad_raw[3] == "R-3,03.03.2016 10:30,Хули" and t.bad_raw[4] == "ганство,42.83,74.63"
    assert any("end of line 4" in n for n in t.notes)
    r = accounted(path)
    assert r.read == 9 and len(r.accepted) == 7
    out = imported(path, tmp_path)
    assert (out["read"], out["accepted"], out["rejected"]) == (9, 7, 2)


def test_mixed_line_endings_read_every_row(tmp_path):
    lines = table(rows()).splitlines()
    path = tmp_path / "mixed.csv"
    path.write_text("".join(ln + ("\n", "\r\n", "\r", "\r\r\n")[i % 4] for i, ln in enumerate(lines)),
                    encoding="utf-8", newline="")
    t = read_table(path)
    assert t.frame["id"].tolist() == [f"R-{i}" for i in range(1, 9)] and not t.bad_rows


def test_quoted_line_breaks_stay_in_their_field(tmp_path):
    body = rows()
    body[1][2] = '"Хулиганство\r\nво дворе\rночью"'
    path = tmp_path / "quoted.csv"
    path.write_bytes(table(body, eol="\r\n").encode("utf-8"))
    t = read_table(path)
    assert len(t.frame) == 8 and not t.bad_rows
    assert t.frame.loc[2, "type"] == "Хулиганство\nво дворе\nночью"  # CRLF and CR in quotes: the cell's line breaks


# --- any field size -----------------------------------------------------------------------------

@pytest.mark.parametrize("ragged", [False, True], ids=["pyarrow", "row-by-row"])
def test_a_field_over_the_limit_rejects_its_row_in_both_readers(tmp_path, ragged):
    body = rows(10)
    body[3][2] = "x" * (MAX_FIELD + 10)
    if ragged:
        body[7] = body[7][:3]  # a short row makes the row-by-row reader take over, as in issue 11
    path = tmp_path / "long.csv"
    path.write_text(table(body), encoding="utf-8")
    t = read_table(path)
    assert t.bad_rows[4] == f"a field is longer than {MAX_FIELD:,} characters (the limit)"
    assert len(t.bad_raw[4]) <= 500
    r = accounted(path)
    assert set(r.rejected["row"]) == ({4, 8} if ragged else {4})
    assert r.read == 10


def test_a_field_over_the_limit_gives_a_reason_not_a_traceback_in_the_cli(tmp_path):
    body = rows(10)
    body[0][2] = "y" * (3 << 20)
    body[5] = body[5][:2]
    path = tmp_path / "three_mib.csv"
    path.write_text(table(body), encoding="utf-8")
    out = imported(path, tmp_path)
    assert out["read"] == 10 and out["accepted"] == 8
    assert any("characters (the limit)" in k for k in out["reasons"])


def test_a_quoted_field_of_line_breaks_over_the_limit_is_one_rejected_row(tmp_path):
    body = rows(10)
    body[4][2] = '"' + ("строка\r\n" * 25_000)[: 200 * 1024] + '"'
    path = tmp_path / "breaks.csv"
    path.write_text(table(body), encoding="utf-8")
    t = read_table(path)
    assert t.rows_read == 10 and list(t.bad_rows) == [5]
    assert "over lines 6 to" in t.bad_rows[5]


# --- any delimiter argument ---------------------------------------------------------------------

@pytest.mark.parametrize("given", [";;", "", "ab", "x", '"'])
def test_a_delimiter_that_is_not_one_character_is_refused(tmp_path, given):
    path = tmp_path / "d.csv"
    path.write_text(table(rows(), delimiter=";"), encoding="utf-8")
    with pytest.raises(ReadError, match=r"^d\.csv: the delimiter must be one character"):
        read_table(path, delimiter=given)
    if given in (";;", ""):  # the two of issue 11, through the command line
        line = refused(path, tmp_path, f"--delimiter={given}")
        assert "the delimiter must be one character" in line and repr(given) in line


@pytest.mark.parametrize("given", ["tab", "\\t", "\t", "TAB"])
def test_tab_is_accepted_by_name(tmp_path, given):
    path = tmp_path / "excel.txt"
    path.write_text(table(rows(), delimiter="\t"), encoding="utf-8")
    t = read_table(path, delimiter=given)
    assert t.delimiter == "\t" and t.columns == HEADER
    if given == "tab":
        assert imported(path, tmp_path, "--delimiter", given)["accepted"] == 8


def test_a_tsv_saved_with_semicolons_is_not_forced_to_tabs(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_text(table(rows(), delimiter=";"), encoding="utf-8")
    t = read_table(path)
    assert t.delimiter == ";" and t.columns == HEADER


# --- nothing but ReadError, whatever the bytes ---------------------------------------------------

SOUP = [b",", b";", b"\t", b"|", b"\r", b"\n", b"\r\n", b'"', b'""', b"1", b"42.87", b"74,6", b"lat", b"lon",
        b"\xd0\x94\xd0\xb0\xd1\x82\xd0\xb0", b"\xc4\xe0\xf2\xe0", b"\xff", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe",
        b"\x98", b" ", b"a", b"'", "Хулиганство".encode(), b'"a\nb"', b"\x85", "\u2028".encode()]


def test_random_tables_raise_nothing_but_read_error(tmp_path):
    """Seeded token soups and ragged tables (pyarrow's ArrowInvalid came from such files): bounded to seconds."""
    rng = random.Random(11)
    deadline = time.monotonic() + 20
    n = 0
    while n < 400 and time.monotonic() < deadline:
        if rng.random() < 0.5:
            data = b"".join(rng.choice(SOUP) for _ in range(rng.randint(0, 120)))
        else:
            width = rng.randint(2, 5)
            eol = rng.choice([b"\n", b"\r\n", b"\r"])
            lines = [b",".join(b"h%d" % i for i in range(width))]
            lines += [b",".join(rng.choice(SOUP) if rng.random() < 0.3 else b"v" for _ in range(rng.randint(1, 6)))
                      for _ in range(rng.randint(0, 12))]
            data = eol.join(lines)
        path = tmp_path / f"soup{n % 3}.{rng.choice(['csv', 'tsv', 'txt'])}"
        path.write_bytes(data)
        n += 1
        try:
            t = read_table(path)
        except ReadError as exc:
            assert str(exc).startswith(f"{path.name}: ")
            continue
        assert t.rows_read == len(t.frame) + len(t.bad_rows)
        assert not set(t.frame.index) & set(t.bad_rows) and t.frame.index.is_unique
        assert len(set(t.frame.columns)) == t.frame.shape[1]
        for col in t.frame.columns:  # nothing that cannot be stored as UTF-8 (undecodable bytes reject their row)
            col.encode("utf-8")
            for v in t.frame[col].dropna():
                v.encode("utf-8")
    assert n >= 100


# --- encodings decided per file -------------------------------------------------------------------

def test_one_cp1251_word_in_a_utf8_file_is_repaired_not_a_whole_file_switch(tmp_path):
    body = rows(10)
    text = table(body).encode("utf-8")
    bad = "Хулиганство".encode("cp1251")
    data = text.replace(b"R-3," + b"03.03.2016 10:30," + "ДТП".encode(), b"R-3,03.03.2016 10:30," + bad)
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    t = read_table(path)
    assert t.encoding == "utf-8"
    assert t.frame.loc[3, "type"] == "Хулиганство"  # the CP1251 word read as Cyrillic
    assert "read as CP1251" in t.row_notes[3]
    r = accounted(path)
    assert r.summary["encoding"] == "utf-8" and len(r.rejected) == 0
    # issue 11: every label became "other"; now every row keeps its category
    want = [LABELS[b[2]] if i != 2 else "public_order" for i, b in enumerate(body)]
    assert r.accepted["category"].tolist() == want


def test_bytes_that_are_not_text_reject_their_row_only(tmp_path):
    data = table(rows(10)).encode("utf-8").replace("R-6,".encode(), b"R-6\x98\x98,")
    path = tmp_path / "junk_bytes.csv"
    path.write_bytes(data)
    t = read_table(path)
    assert t.encoding == "utf-8" and list(t.bad_rows) == [6]
    assert "line 7" in t.bad_rows[6] and "0x98" in t.bad_rows[6]
    assert "\ufffd" in t.bad_raw[6]  # shown, and storable as UTF-8
    r = accounted(path)
    assert sorted(r.accepted["id"]) == sorted(f"R-{i}" for i in range(1, 11) if i != 6)
    assert r.rejected["row"].tolist() == [6]


def test_a_cp1251_file_is_still_read_as_cp1251(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(table(rows(), delimiter=";").encode("cp1251"))
    t = read_table(path)
    assert t.encoding == "cp1251" and t.frame["type"].tolist()[:2] == ["ДТП", "Хулиганство"]


def test_excel_unicode_text_is_read(tmp_path):
    """Excel's "Unicode text": UTF-16 LE with a BOM, tab-separated, CRLF, saved as .txt."""
    path = tmp_path / "unicode.txt"
    path.write_bytes(table(rows(), delimiter="\t", eol="\r\n").encode("utf-16"))
    t = read_table(path)
    assert t.encoding == "utf-16" and t.delimiter == "\t" and t.columns == HEADER
    assert t.frame["type"].iloc[0] == "ДТП"
    assert imported(path, tmp_path)["accepted"] == 8
    assert imported(path, tmp_path, "--encoding", "utf-16")["accepted"] == 8


def test_utf16_without_a_bom_is_detected(tmp_path):
    path = tmp_path / "nobom.csv"
    path.write_bytes(table(rows()).encode("utf-16-le"))
    t = read_table(path)
    assert t.encoding == "utf-16-le" and len(t.frame) == 8


@pytest.mark.parametrize(("given", "says"), [("nope", "unknown text encoding 'nope'"),
                                             ("rot13", "unknown text encoding 'rot13'"),
                                             ("cp1251", "is UTF-8 text, which read as cp1251 would garble"),
                                             ("utf-16", "has no line breaks")])
def test_an_encoding_that_cannot_be_right_is_refused(tmp_path, given, says):
    path = tmp_path / "utf8.csv"
    path.write_text(table(rows()), encoding="utf-8")
    with pytest.raises(ReadError, match=says):
        read_table(path, encoding=given)
    if given == "cp1251":
        assert says in refused(path, tmp_path, "--encoding", given)


# --- unterminated quotes ----------------------------------------------------------------------------

def test_an_unterminated_quote_is_reported_at_its_line_without_swallowing(tmp_path):
    lines = table(rows()).splitlines()
    lines.insert(3, 'R-77,05.03.2016 10:30,"Хулиганство,42.85,74.6')
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = read_table(path)
    assert list(t.bad_rows) == [3] and "opened on line 4 is not closed" in t.bad_rows[3]
    r = accounted(path)
    assert r.read == 9 and sorted(r.accepted["id"]) == sorted(f"R-{i}" for i in range(1, 9))
    out = imported(path, tmp_path)
    assert (out["read"], out["accepted"], out["rejected"]) == (9, 8, 1)


def test_an_open_quote_that_by_chance_gives_the_right_width_still_swallows_nothing(tmp_path):
    body = [[*r[:2], f'"{r[2]}"', *r[3:]] for r in rows()]  # quoted labels: the open quote closes on the next one
    lines = table(body).splitlines()
    lines.insert(3, 'R-77,05.03.2016 10:30,"Хулиганство,без кавычки,42.85,74.6')
    path = tmp_path / "chance.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = read_table(path)
    assert list(t.bad_rows) == [3]
    assert t.frame["id"].tolist() == [f"R-{i}" for i in range(1, 9)]


# --- size limits, links ----------------------------------------------------------------------------

def test_a_500_mb_file_is_refused_from_its_size_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:  # sparse: 500 MB on paper, nothing on disk
        f.write(table(rows()).encode())
        f.truncate(500 * 10**6)
    tracemalloc.start()
    try:
        with pytest.raises(ReadError, match=r"^huge\.csv: the file is 477 MiB, more than the 256 MiB"):
            read_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20  # nothing of the file was read into memory
    assert MAX_BYTES == 256 * 2**20
    assert "more than the 256 MiB that can be read" in refused(path, tmp_path)


def test_the_size_limit_is_a_parameter(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(table(rows()), encoding="utf-8")
    with pytest.raises(ReadError, match=r"more than the 100 bytes"):
        read_table(path, max_bytes=100)
    assert len(read_table(path, max_bytes=10_000).frame) == 8


def test_a_zip_that_unpacks_past_the_limit_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "stations.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", b"<kml>" + b" " * (3 << 20) + b"</kml>")
    assert path.stat().st_size < 100_000
    with pytest.raises(ReadError, match=r"^stations\.kmz: its contents unpack to 3 MiB, more than the 2 MiB"):
        read_table(path, max_bytes=2**20)


def test_a_symlink_is_refused_without_quoting_its_target(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("root:SECRET-first-line:0:0\nmore\n", encoding="utf-8")
    link = tmp_path / "incidents.csv"
    os.symlink(secret, link)
    with pytest.raises(ReadError) as err:
        read_table(link)
    assert "symbolic link" in str(err.value) and "SECRET" not in str(err.value)
    line = refused(link, tmp_path)
    assert "is a symbolic link" in line and "SECRET" not in line


# --- messages that name the file ----------------------------------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (("--map", "date=NOPE"), "no column 'NOPE' to map to date"),
    (("--map", "colour=type"), "'colour' is not a field of incidents"),
    (("--crs", "EPSG:99999999"), "--crs 'EPSG:99999999' is not a coordinate reference system"),
])
def test_map_and_crs_messages_name_the_file(tmp_path, args, says):
    path = tmp_path / "named.csv"
    path.write_text(table(rows()), encoding="utf-8")
    assert says in refused(path, tmp_path, *args)


# --- smaller findings on the way ----------------------------------------------------------------------

def test_rows_with_every_field_empty_are_skipped_and_said(tmp_path):
    text = table(rows(4)) + ",,,,\n,,,,\n\n"
    path = tmp_path / "trailing.csv"
    path.write_text(text, encoding="utf-8")
    t = read_table(path)
    assert len(t.frame) == 4 and not t.bad_rows
    assert any("every field empty skipped (rows 5, 6)" in n for n in t.notes)


def test_duplicate_headers_are_made_unique(tmp_path):
    path = tmp_path / "dups.csv"
    path.write_text("a,a,a_2,,b\n1,2,3,4,5\n6,7,8,9,10\n", encoding="utf-8")
    t = read_table(path)
    assert t.columns == ["a", "a_2", "a_2_2", "column_4", "b"]


def test_a_nul_byte_deep_in_the_file_rejects_its_row(tmp_path):
    body = rows(2000)
    path = tmp_path / "nul.csv"
    path.write_bytes(table(body).encode("utf-8").replace(b"R-1500,", b"R-15\x0000,"))
    t = read_table(path)
    assert list(t.bad_rows) == [1500] and "0x00" in t.bad_rows[1500]


def test_a_number_with_a_lost_comma_is_not_read_as_thousands():
    import pandas as pd

    from geo.io.numbers import parse_numbers

    r = parse_numbers(pd.Series(["42 87", "1 2 3", "1 234,5", "12 345 678", "− 5", "1\u00a0234"]))
    assert r.errors.tolist()[:2] == ["'42 87' is not a number", "'1 2 3' is not a number"]
    assert r.values.tolist()[2:] == [1234.5, 12345678, -5, 1234]
