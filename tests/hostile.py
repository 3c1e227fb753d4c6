"""Hostile input for the importer: generated text tables as bytes, and about a hundred named bad files.

Not a test module (pytest collects ``test_*.py`` only): ``tests/test_hostile_input.py`` and
``bench/hostile.py`` import it, so the CI test and the acceptance measurement of issue 11 judge the
same files by the same rules.

- :func:`hostile_csv` and :func:`random_bytes` are Hypothesis strategies. ``hostile_csv`` draws
  incident tables as a hostile or careless exporter writes them: English, Russian, Kyrgyz or random
  headers, any line ending, any quoting (balanced, unterminated, doubled), four delimiters, five
  encodings plus stray bytes of another one, fields from empty to 200 KiB, numbers such as ``1e308``,
  ``NaN`` and ``42,87``, dates in many formats, empty and duplicate columns, ragged rows.
- :data:`CASES` names one bad file per finding of issue 11 (and their neighbours) for the five layers
  in CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile and KML; :func:`write_cases` writes them.
- :func:`run_prepare` and :func:`problems` run ``prepare`` and list what is wrong with the outcome;
  :func:`cli_problems` does the same for ``python -m geo import ... --dry-run --json``.

The rules (issue 11, "Acceptance"): no exception but the library's own, every message names the
file, every row read is accepted or rejected (once), and nothing implausible is accepted
(coordinates outside longitude/latitude, numbers outside a field's declared range).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import io
import json
import os
import struct
import tempfile
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from hypothesis import strategies as st

from geo.io.importer import ImportError_, ImportOptions, ImportResult, prepare
from geo.io.readers import ReadError
from geo.io.store import WorkspaceError
from geo.schema import LAYERS, SchemaError

LIBRARY_ERRORS: tuple[type[BaseException], ...] = (ReadError, ImportError_, SchemaError, WorkspaceError)
"""The errors a user can act on; anything else reaching the caller is a crash (a traceback in a script)."""

BISHKEK = (74.50, 42.80, 74.70, 42.93)  # lon/lat box of the sample points
NEAR_BISHKEK = (74.0, 42.3, 75.2, 43.4)
LABELS = ("Кража", "Хулиганство", "ДТП", "Мошенничество", "Кража скота")
SECRET = "SECRET-HOSTILE-7f3a9c"  # written where a leak (symlink target, XXE entity) would show it
KIB = 1024


# --- outcomes and rules ----------------------------------------------------------------------------

@dataclass
class Outcome:
    """What ``prepare`` did with one file: a result or an error, and how long it took."""

    name: str  # the file name every message must carry
    layer: str
    result: ImportResult | None = None
    error: BaseException | None = None
    seconds: float = 0.0

    def text(self) -> str:
        """Everything a user can see of the outcome, to look for leaked content."""
        if self.error is not None:
            return str(self.error)
        r = self.result
        parts = [json.dumps(r.summary, ensure_ascii=False, default=str), r.rejected.to_csv(index=False),
                 pd.DataFrame(r.accepted.drop(columns=r.accepted.geometry.name)).to_csv(index=False)]
        return "\n".join(parts)


def run_prepare(path: Path, layer: str, *, options: ImportOptions | None = None, name: str | None = None,
                ) -> Outcome:
    """``prepare`` one file, catching whatever it raises (the caller judges it)."""
    out = Outcome(name or Path(path).name, layer)
    t0 = time.perf_counter()
    try:
        out.result = prepare(path, layer, options=options, name=name)
    except Exception as exc:  # noqa: BLE001 - judging what escapes is the point
        out.error = exc
    out.seconds = time.perf_counter() - t0
    return out


def problems(out: Outcome) -> list[tuple[str, str]]:
    """``(kind, detail)`` for every rule the outcome breaks; empty when it keeps them all.

    Kinds: ``traceback`` (an exception not the library's own), ``unnamed`` (a message without the
    file name), ``unaccounted`` (rows read but neither accepted nor rejected, or rejected twice),
    ``implausible`` (accepted coordinates or numbers out of range).
    """
    if out.error is not None:
        exc = out.error
        if not isinstance(exc, LIBRARY_ERRORS):
            return [("traceback", f"{type(exc).__module__}.{type(exc).__name__}: {_short(str(exc))}")]
        if out.name not in str(exc):
            return [("unnamed", f"{type(exc).__name__}: {_short(str(exc))}")]
        return []
    r = out.result
    found: list[tuple[str, str]] = []
    rows = pd.to_numeric(r.rejected["row"], errors="coerce")
    if rows.isna().any():
        found.append(("unaccounted", f"{int(rows.isna().sum())} rejected row(s) without a row number"))
    if (rows.dropna() < 1).any():
        found.append(("unaccounted", f"rejected row number {rows.min():g}: rows count from 1"))
    distinct = int(rows.dropna().nunique())
    if r.read != len(r.accepted) + distinct:
        found.append(("unaccounted", f"read {r.read} != accepted {len(r.accepted)} + distinct rejected rows "
                                     f"{distinct}"))
    counts = r.counts()
    if counts["read"] != counts["accepted"] + counts["rejected"]:
        found.append(("unaccounted", f"counts do not add up: {_counts(counts)}"))
    if len(r.rejected) and (r.rejected["reason"].astype(str).str.strip() == "").any():
        found.append(("unaccounted", "a rejected row without a reason"))
    if r.source != out.name:
        found.append(("unnamed", f"result source is {r.source!r}, not {out.name!r}"))
    found += [("implausible", d) for d in implausible(r)]
    return found


def implausible(r: ImportResult) -> list[str]:
    """Accepted values no layer may hold: non-finite or out-of-range coordinates, numbers out of range."""
    acc = r.accepted
    if not len(acc):
        return []
    found = []
    xy = shapely.get_coordinates(acc.geometry.to_numpy())
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(xy).all(axis=1) | (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    if bad.any():
        found.append(f"{int(bad.sum())} accepted vertex(es) outside longitude ±180 / latitude ±90 "
                     f"(crs {acc.crs}), e.g. {tuple(xy[bad][0])}")
    for f in LAYERS[r.layer].fields:
        if f.kind not in ("int", "float") or f.name not in acc:
            continue
        v = pd.to_numeric(acc[f.name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            out = np.isinf(v) | ((v < f.low) if f.low is not None else False) | (
                (v > f.high) if f.high is not None else False)
        if np.any(out):
            found.append(f"{f.name} {v[out][0]:g} accepted (declared range {f.low} to {f.high})")
    return found


def cli_problems(proc_returncode: int, stdout: str, stderr: str, *, name: str, expect: str = "any",
                 secret: str | None = None) -> list[tuple[str, str]]:
    """What is wrong with one run of ``python -m geo import LAYER FILE --dry-run --json``.

    Exit 0 must print counts that add up; exit 2 exactly one ``error: `` line naming the file; any
    other exit, or a ``Traceback``, is a crash.
    """
    found: list[tuple[str, str]] = []
    both = stdout + stderr
    if "Traceback" in both or proc_returncode not in (0, 2):
        found.append(("traceback", f"exit {proc_returncode}: {_short(stderr.strip()[-600:])}"))
        return found
    if proc_returncode == 0:
        try:
            counts = json.loads(stdout.strip().splitlines()[-1])
            if counts["read"] != counts["accepted"] + counts["rejected"]:
                found.append(("unaccounted", f"counts do not add up: {_counts(counts)}"))
        except (ValueError, IndexError, KeyError) as exc:
            found.append(("traceback", f"exit 0 without JSON counts ({exc}): {_short(stdout)}"))
        if expect == "error":
            found.append(("expectation", f"accepted by the CLI, expected a refusal: {_short(stdout)}"))
    else:
        errors = [ln for ln in stderr.splitlines() if ln.startswith("error: ")]
        if len(errors) != 1:
            found.append(("unnamed", f"{len(errors)} 'error: ' lines in {_short(stderr)}"))
        elif name not in errors[0]:
            found.append(("unnamed", _short(errors[0])))
        if expect == "ok":
            found.append(("expectation", f"refused by the CLI, expected counts: {_short(stderr.strip())}"))
    if secret and secret in both:
        found.append(("leak", f"the CLI printed {secret!r}"))
    return found


def _short(text: str, n: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n] + " ..."


def _counts(c: dict) -> str:
    return f"read {c['read']}, accepted {c['accepted']}, rejected {c['rejected']}"


# --- strategies: text tables as bytes ------------------------------------------------------------

ROLE_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("ID", "Case Number", "№", "Номер дела", "Номери", "id"),
    "date": ("Date", "Дата совершения", "Дата", "Күнү", "occurred_at", "Дата и время"),
    "time": ("Time", "Время", "Убакыт"),
    "category": ("Primary Type", "Вид преступления", "Кылмыш түрү", "Статья УК", "category", "Type"),
    "description": ("Description", "Фабула", "Баяндама", "Описание"),
    "lat": ("Latitude", "Широта", "Кеңдик", "lat"),
    "lon": ("Longitude", "Долгота", "Узундук", "lon", "lng"),
    "x": ("X Coordinate", "X", "Easting"),
    "y": ("Y Coordinate", "Y", "Northing"),
    "weight": ("Weight", "Количество", "Саны"),
}
CATEGORY_POOL = (*LABELS, "Хулиганство (ст. 234 УК КР)", "BURGLARY", "THEFT", "ASSAULT", "Уурдоо", "Мал уурдоо",
                 "ст. 194", "other", "Прочие", "=HYPERLINK(\"x\")", "<script>alert(1)</script>")
DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%Y %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ",
                "%m/%d/%Y %I:%M:%S %p", "%d/%m/%Y", "%d/%m/%y", "%Y%m%d", "%d-%b-%Y", "%B %d, %Y",
                "%Y.%m.%d", "%d.%m.%y %H.%M", "%Y-%m-%dT%H:%M:%S+06:00")
BAD_DATES = ("31.02.2016", "00.00.0000", "2016-13-45", "32.13.2016", "99/99/9999", "вчера", "1e308", "NaN",
             "42370", "1451606400", "0", "-1", "5 января 2016 г.", "2016", "12:30", "2016-01-01 25:61",
             "01.01.0001", "31.12.9999", "  ", "--")
NUMBER_WORDS = ("1e308", "-1e308", "1e999", "-1e999", "1e-400", "NaN", "nan", "inf", "-inf", "Infinity", "1,5",
                "42,874", "74,60", "1 234,5", "1.234.567", "0x1A", "--5", "+", "-", ".", ",", "4747000",
                "450000", "4 747 000", "42°52'N", "74°36′E", "42.87.1", "1e20", "-0", "000042.8",
                "9" * 400, "١٢٣")
STRAY = (b"\xe9", b"\xcf\xf0", b"\xff", b"\xc0", b"\x80", b"\xed\xa0\x80", b"\xc3", b"\xfe\xff", b"\x98")
TEXT_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
FIELD_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from("abcЖжКкүөң ,;\t|\"'\r\n\\=-+.0123456789"), max_size=30),
    st.text(alphabet=TEXT_ALPHABET, max_size=20),
)
NAMES = ("incidents.csv", "Преступления 2016 (копия).csv", "данные; 2016.tsv", "export v2.txt", "ИИМ_Бишкек.csv",
         "a.csv")


@st.composite
def _big_field(draw) -> str:
    """A field from empty to 200 KiB, made of a short repeated piece (cheap for Hypothesis)."""
    size = draw(st.integers(0, 200 * KIB))
    piece = draw(st.sampled_from(("x", "Кража ", "a,b;c\t|", '"', "\r\n", "Ж", "1", "\"\"", "\r")))
    return (piece * (size // len(piece) + 1))[:size]


def _number(draw, near: float, spread: float) -> str:
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        v = near + draw(st.floats(-spread, spread, allow_nan=False))
        text = f"{v:.{draw(st.integers(0, 8))}f}"
        return text.replace(".", ",") if draw(st.booleans()) and kind == 4 else text
    if kind <= 6:
        return draw(st.sampled_from(NUMBER_WORDS))
    if kind == 7:
        return repr(draw(st.floats()))
    if kind == 8:
        return str(draw(st.integers(-(10 ** 30), 10 ** 30)))
    return draw(FIELD_TEXT)


def _date(draw) -> str:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(BAD_DATES))
    when = draw(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)))
    if draw(st.integers(0, 3)):  # mostly plausible years
        year = draw(st.integers(2005, 2026))
        when = when.replace(year=year, day=min(when.day, 28)) if when.month == 2 else when.replace(year=year)
    try:
        return when.strftime(draw(st.sampled_from(DATE_FORMATS)))
    except ValueError:
        return when.isoformat()


def _value(draw, role: str, row: int) -> str:
    if role == "id":
        return draw(st.one_of(st.just(f"BIS-{row}"), st.just(f"BIS-{row // 2}"), st.just(str(row)), FIELD_TEXT,
                              st.sampled_from(NUMBER_WORDS)))
    if role == "date":
        return _date(draw)
    if role == "time":
        return draw(st.one_of(st.sampled_from(("10:30", "23:59", "00:00", "25:61", "7.15", "1030", "")), FIELD_TEXT))
    if role == "category":
        return draw(st.one_of(st.sampled_from(CATEGORY_POOL), FIELD_TEXT, st.just("")))
    if role == "description":
        return draw(st.one_of(FIELD_TEXT, st.sampled_from(("Квартирная кража, мкр. Учкун", "Драка\r\nу рынка")),
                              _big_field()))
    if role == "lat":
        return _number(draw, 42.87, 0.1)
    if role == "lon":
        return _number(draw, 74.6, 0.1)
    if role == "x":
        return _number(draw, 450_000, 20_000)
    if role == "y":
        return _number(draw, 4_747_000, 20_000)
    if role == "weight":
        return _number(draw, 1.0, 5.0)
    return draw(FIELD_TEXT)


def _quoted(draw, text: str, delimiter: str, *, careful: bool = False) -> str:
    mode = 0 if careful else draw(st.integers(0, 19))
    if mode <= 11:  # as a careful writer: quote only when needed
        needs = any(c in text for c in (delimiter, '"', "\r", "\n"))
        return '"' + text.replace('"', '""') + '"' if needs else text
    if mode <= 14:  # as a careless writer: raw, whatever it holds
        return text
    if mode <= 16:  # always quoted
        return '"' + text.replace('"', '""') + '"'
    if mode == 17:  # an opening quote never closed
        return '"' + text
    if mode == 18:  # doubled quotes inside an unquoted field
        return text + '""' + text
    return '"' + text + '"x'  # text after the closing quote


@dataclass(frozen=True)
class Table:
    """A generated table: its bytes, and for a carefully written one the rows any reader must find.

    ``least`` counts the data lines with a non-blank field, ``most`` the non-empty data lines (a line
    of empty fields may be read as a row and rejected, or skipped as blank).
    """

    data: bytes
    least: int | None = None
    most: int | None = None


_NO_DELIMITERS = str.maketrans("", "", ",;\t|")


def _table(draw, *, careful: bool) -> Table:
    roles = ["date", "category", "lat", "lon"]
    if draw(st.integers(0, 5)) == 0:
        roles = draw(st.lists(st.sampled_from([*ROLE_HEADERS, "junk"]), max_size=6))
    else:
        if draw(st.booleans()):
            roles.insert(0, "id")
        if draw(st.integers(0, 4)) == 0:
            roles[roles.index("lat")], roles[roles.index("lon")] = "y", "x"
        roles += draw(st.lists(st.sampled_from(["description", "weight", "time", "junk", "lat", "category"]),
                               max_size=3))
        roles = draw(st.permutations(roles))
    # a careful table holds no candidate delimiter in its text, so no detected delimiter can split a line wrongly
    clean = (lambda t: t.translate(_NO_DELIMITERS)) if careful else (lambda t: t)
    headers = []
    for role in roles:
        pick = draw(st.integers(0, 9))
        if role == "junk" or pick == 0:
            headers.append(clean(draw(FIELD_TEXT)))
        else:
            headers.append(draw(st.sampled_from(ROLE_HEADERS[role])))
    delimiter = draw(st.sampled_from((",", ";", "\t", "|")))
    empty_cols = {i for i in range(len(roles)) if draw(st.integers(0, 9)) == 0}
    lines = [delimiter.join(_quoted(draw, h, delimiter, careful=careful) for h in headers)]
    least = most = 0
    n = draw(st.integers(0, 25))
    for row in range(1, n + 1):
        if not careful and draw(st.integers(0, 19)) == 0:
            lines.append(draw(st.sampled_from(("", " ", delimiter * len(roles), "#", '"'))))
            continue
        values = ["" if i in empty_cols else clean(_value(draw, role, row)) for i, role in enumerate(roles)]
        ragged = draw(st.integers(0, 14))
        if ragged == 0 and values:
            values = values[: draw(st.integers(0, len(values) - 1))]
        elif ragged == 1:
            values += [clean(v) for v in draw(st.lists(FIELD_TEXT, min_size=1, max_size=3))]
        line = delimiter.join(_quoted(draw, v, delimiter, careful=careful) for v in values)
        lines.append(line)
        least += any(v.strip() for v in values)
        most += line != ""
    style = draw(st.sampled_from(("\n", "\r\n", "\r", "mixed")))
    if style == "mixed":
        text = "".join(ln + draw(st.sampled_from(("\n", "\r\n", "\r"))) for ln in lines)
    else:
        text = style.join(lines) + (style if draw(st.booleans()) else "")
    data = _encode(draw, text, stray=not careful)
    return Table(data, least, most) if careful else Table(data)


@st.composite
def incident_table(draw) -> bytes:
    """An incident table as a registry, Excel or a careless script exports it, as bytes."""
    return _table(draw, careful=False).data


@st.composite
def careful_table(draw) -> Table:
    """A table written by the rules (RFC 4180 quoting, any line ending and encoding): no row may be lost."""
    return _table(draw, careful=True)


def _encode(draw, text: str, *, stray: bool = True) -> bytes:
    enc = draw(st.sampled_from(("utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-16-be-bom")))
    if enc == "cp1251":
        data = text.encode("cp1251", errors="replace")
    elif enc == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be", errors="surrogatepass")
    else:
        data = text.encode(enc, errors="surrogatepass")
    for _ in range(draw(st.integers(0, 3)) if stray and draw(st.integers(0, 3)) == 0 else 0):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(STRAY)) + data[at:]
    return data


TOKENS = (b",", b";", b"\t", b"|", b"\r", b"\n", b"\r\n", b'"', b'""', b"1", b"42.87", b"74,6", b"1e308", b"NaN",
          b"lat", b"lon", b"date", b"\xd0\x94\xd0\xb0\xd1\x82\xd0\xb0", b"\xc4\xe0\xf2\xe0", b"\xff", b"\x00",
          b"\xef\xbb\xbf", b"\xff\xfe", b" ", b"a", b"01.02.2016", b"\\", b"'", b"#")


def random_bytes() -> st.SearchStrategy[bytes]:
    """Raw bytes, and soups of the tokens a CSV parser cares about (more of its paths than pure noise)."""
    return st.one_of(st.binary(max_size=2048), st.lists(st.sampled_from(TOKENS), max_size=300).map(b"".join))


def hostile_csv() -> st.SearchStrategy[bytes]:
    """A hostile text table as bytes: mostly realistic tables, sometimes token soup or noise."""
    return st.one_of(incident_table(), incident_table(), incident_table(), random_bytes())


def file_names(suffixes: tuple[str, ...] = (".csv", ".tsv", ".txt")) -> st.SearchStrategy[str]:
    """Names to give the generated files (messages must carry them)."""
    return st.builds(lambda stem, suf: Path(stem).stem + suf, st.sampled_from(NAMES), st.sampled_from(suffixes))


# --- the sample layers ---------------------------------------------------------------------------

def _pts(n: int) -> list[tuple[float, float]]:
    w, s, e, nn = BISHKEK
    return [(round(w + (e - w) * (i + 0.5) / n, 6), round(s + (nn - s) * ((i * 7) % n + 0.5) / n, 6))
            for i in range(n)]


def incident_rows(n: int = 10) -> list[dict[str, str]]:
    """Ten good incident rows with Russian headers (every one of them must import)."""
    return [{"Номер дела": f"BIS-{i + 1}", "Дата совершения": f"{i % 28 + 1:02d}.03.2016 1{i % 10}:30",
             "Вид преступления": LABELS[i % len(LABELS)], "Фабула": f"Случай {i + 1}, мкр. Учкун",
             "Широта": f"{lat:.6f}", "Долгота": f"{lon:.6f}"} for i, (lon, lat) in enumerate(_pts(n))]


def _csv_text(rows: list[dict[str, str]], *, delimiter: str = ",", eol: str = "\n",
              quoting: int = csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=eol, quoting=quoting)
    w.writerow(list(rows[0]))
    for r in rows:
        w.writerow(list(r.values()))
    return buf.getvalue()


def _text_writer(text: str | Callable[[], str], encoding: str = "utf-8") -> Callable[[Path], None]:
    def build(path: Path) -> None:
        t = text() if callable(text) else text
        path.write_bytes(t.encode(encoding) if isinstance(t, str) else t)
    return build


def _bytes_writer(data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data() if callable(data) else data)
    return build


def _props(layer: str, i: int) -> dict[str, object]:
    if layer == "incidents":
        return {"id": f"BIS-{i + 1}", "date": f"2016-03-{i % 28 + 1:02d} 10:30", "type": LABELS[i % len(LABELS)]}
    if layer == "stations":
        return {"name": f"Отдел милиции №{i + 1}", "kind": "station", "opened": "2001-05-01",
                "address": f"ул. Токтогула, {i + 1}"}
    if layer == "cameras":
        return {"name": f"CAM-{i + 1}", "direction": 90.0, "fov": 60.0, "range": 150.0, "installed": "2019-01-01"}
    if layer == "boundaries":
        return {"name": f"Участок {i + 1}", "population": 10_000 + i}
    return {"name": f"Улица {i + 1}", "highway": "primary", "maxspeed": 60.0}


def _geom(layer: str, lon: float, lat: float) -> dict[str, object]:
    if layer == "boundaries":
        d = 0.004
        ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
        return {"type": "Polygon", "coordinates": [ring]}
    if layer == "roads":
        return {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.01, lat + 0.005]]}
    return {"type": "Point", "coordinates": [lon, lat]}


def features(layer: str, n: int = 10, *, at: Callable[[int, float, float], tuple[float, float]] | None = None,
             props: Callable[[int, dict], dict] | None = None) -> list[dict[str, object]]:
    """GeoJSON features of a good layer; ``at`` moves points, ``props`` changes attributes, row by row."""
    out = []
    for i, (lon, lat) in enumerate(_pts(n)):
        if at is not None:
            lon, lat = at(i, lon, lat)
        p = _props(layer, i)
        if props is not None:
            p = props(i, p)
        out.append({"type": "Feature", "properties": p, "geometry": _geom(layer, lon, lat)})
    return out


def _geojson(feats: list[dict], crs: str | None = None) -> bytes:
    doc: dict[str, object] = {"type": "FeatureCollection", "features": feats}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _gdf(feats: list[dict], crs: object = 4326):
    import geopandas as gpd

    return gpd.GeoDataFrame.from_features(feats, crs=crs)


def _gpkg_writer(layer: str, n: int = 10, *, crs: object = 4326, extra_layer: bool = False, empty: bool = False,
                 **kw) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        gdf = _gdf(features(layer, n, **kw), crs)
        if empty:
            gdf = gdf.iloc[:0]
        with warnings.catch_warnings():  # a layer without a CRS is the point of one case
            warnings.simplefilter("ignore", UserWarning)
            gdf.to_file(path, layer=layer, driver="GPKG")
            if extra_layer:
                gdf.to_file(path, layer=f"{layer}_copy", driver="GPKG")
    return build


def _shp_zip_writer(layer: str, n: int = 10, *, crs: object = 4326, drop: tuple[str, ...] = (), **kw,
                    ) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        tmp = path.with_name(path.stem + "_parts")
        tmp.mkdir()
        _gdf(features(layer, n, **kw), crs).to_file(tmp / f"{layer}.shp", driver="ESRI Shapefile",
                                                    encoding="utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for part in sorted(tmp.iterdir()):
                if part.suffix.lower() not in drop:
                    z.write(part, part.name)
    return build


def _kml(placemarks: list[str], *, doctype: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + doctype
            + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>layer</name>\n'
            + "\n".join(placemarks) + "\n</Document></kml>\n")


def _placemark(name: str, geom: str, extra: str = "") -> str:
    return f"<Placemark><name>{name}</name>{extra}{geom}</Placemark>"


def _kml_point(lon: float, lat: float) -> str:
    return f"<Point><coordinates>{lon},{lat},0</coordinates></Point>"


def _kml_layer(layer: str, n: int = 10, *, at=None, name=lambda i: f"Пост {i + 1}", doctype: str = "") -> str:
    marks = []
    for i, (lon, lat) in enumerate(_pts(n)):
        if at is not None:
            lon, lat = at(i, lon, lat)
        if layer == "roads":
            geom = f"<LineString><coordinates>{lon},{lat} {lon + 0.01},{lat + 0.005}</coordinates></LineString>"
        else:
            geom = _kml_point(lon, lat)
        marks.append(_placemark(name(i), geom))
    return _kml(marks, doctype=doctype)


def _xlsx_writer(sheets: dict[str, list[list[object]]]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
        wb.save(path)
    return build


def _xlsx_rows(n: int = 10, *, change: Callable[[int, list[object]], list[object]] | None = None,
               ) -> list[list[object]]:
    rows: list[list[object]] = [["ID", "Date", "Primary Type", "Latitude", "Longitude"]]
    for i, (lon, lat) in enumerate(_pts(n)):
        row: list[object] = [f"BIS-{i + 1}", dt.datetime(2016, 3, i % 28 + 1, 10, 30), LABELS[i % len(LABELS)],
                             lat, lon]
        rows.append(change(i, row) if change else row)
    return rows


# --- zips written byte by byte (bombs and path traversal) ----------------------------------------------

@functools.cache
def _deflated_zeros(size_mib: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``size_mib`` MiB of zeros and its CRC-32, built in about a second.

    After a full flush deflate forgets its history, so one compressed MiB of zeros (about 1 KB) can
    be repeated: the member is about 1 KB per MiB on disk.
    """
    chunk = bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(chunk)
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    crc = 0
    for _ in range(size_mib):
        crc = zlib.crc32(chunk, crc)
    return block * size_mib + tail, crc


def _raw_zip(path: Path, members: list[tuple[str, bytes | tuple[bytes, int, int]]]) -> None:
    """A zip with member names exactly as given (``../`` included); a member is its bytes or
    ``(raw deflate stream, crc32, uncompressed size)``."""
    local = bytearray()
    central = bytearray()
    for name, data in members:
        if isinstance(data, tuple):
            raw, crc, size = data
        else:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            raw, crc, size = c.compress(data) + c.flush(), zlib.crc32(data), len(data)
        encoded = name.encode("utf-8")
        offset = len(local)
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x4A21, crc, len(raw), size, len(encoded), 0)
        local += head + encoded + raw
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0, 0x4A21, crc, len(raw), size,
                               len(encoded), 0, 0, 0, 0, 0o100644 << 16, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(bytes(local) + bytes(central) + end)


def _shp_parts(layer: str = "boundaries", n: int = 3) -> dict[str, bytes]:
    """The parts of a good Shapefile, as bytes by extension."""
    with tempfile.TemporaryDirectory() as d:
        _gdf(features(layer, n)).to_file(Path(d) / f"{layer}.shp", driver="ESRI Shapefile", encoding="utf-8")
        return {p.suffix.lower(): p.read_bytes() for p in Path(d).iterdir()}


BOMB_MIB = 1024  # 1 GiB unpacked from about 1 MB, as in issue 11


def _zip_bomb(path: Path) -> None:
    parts = _shp_parts()
    raw, crc = _deflated_zeros(BOMB_MIB)
    _raw_zip(path, [("boundaries.shp", parts[".shp"]), ("boundaries.shx", parts[".shx"]),
                    ("boundaries.prj", parts[".prj"]), ("boundaries.dbf", (raw, crc, BOMB_MIB << 20))])


def _kmz_bomb(path: Path) -> None:
    raw, crc = _deflated_zeros(BOMB_MIB)
    _raw_zip(path, [("doc.kml", (raw, crc, BOMB_MIB << 20))])


def _zip_traversal(path: Path) -> None:
    parts = _shp_parts()
    _raw_zip(path, [(f"../../koopsuz_evil{ext}", data) for ext, data in parts.items()]
             + [(f"/tmp/koopsuz_evil_abs{ext}", data) for ext, data in parts.items()])


# --- checks of one named case ---------------------------------------------------------------------

Check = Callable[[Outcome], list[str]]


def accepted_at_least(n: int) -> Check:
    def check(out: Outcome) -> list[str]:
        got = len(out.result.accepted) if out.result is not None else 0
        return [] if got >= n else [f"accepted {got} rows, expected at least {n}"]
    return check


def all_within(box: tuple[float, float, float, float] = NEAR_BISHKEK) -> Check:
    def check(out: Outcome) -> list[str]:
        if out.result is None or not len(out.result.accepted):
            return []
        xy = shapely.get_coordinates(out.result.accepted.geometry.to_numpy())
        w, s, e, n = box
        outside = ~((xy[:, 0] >= w) & (xy[:, 0] <= e) & (xy[:, 1] >= s) & (xy[:, 1] <= n))
        return [f"{int(outside.sum())} accepted vertex(es) outside {box}, e.g. {tuple(xy[outside][0])}"] \
            if outside.any() else []
    return check


def below(fname: str, limit: float) -> Check:
    def check(out: Outcome) -> list[str]:
        if out.result is None or fname not in out.result.accepted:
            return []
        v = pd.to_numeric(out.result.accepted[fname], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            big = np.abs(v) >= limit
        return [f"{fname} {v[big][0]:g} accepted as is"] if big.any() else []
    return check


def labels_kept(n: int) -> Check:
    def check(out: Outcome) -> list[str]:
        if out.result is None:
            return [f"no result: {out.error}"]
        raw = out.result.accepted["raw_category"].astype(str)
        kept = int(raw.isin(LABELS).sum())
        return [] if kept >= n else [f"only {kept} accepted labels read as written, e.g. {raw.head(3).tolist()}"]
    return check


def ids_accepted(*ids: str) -> Check:
    def check(out: Outcome) -> list[str]:
        got = set(out.result.accepted["id"].astype(str)) if out.result is not None else set()
        lost = [i for i in ids if i not in got]
        return [f"rows {', '.join(lost)} not accepted (swallowed?)"] if lost else []
    return check


def message_under(n: int) -> Check:
    def check(out: Outcome) -> list[str]:
        size = len(str(out.error)) if out.error is not None else 0
        return [f"a message of {size:,} characters (lists every column?)"] if size > n else []
    return check


def secret_absent(out: Outcome) -> list[str]:
    return [f"{SECRET!r} shows in the outcome"] if SECRET in out.text() else []


def nothing_outside(pattern: str) -> Callable[[Path], list[str]]:
    """No file matching ``pattern`` in the case's folder, above it, at the root or in the temporary folder."""
    def check(folder: Path) -> list[str]:
        places = {folder, folder.parent, folder.parent.parent, Path("/"), Path("/tmp"), Path(tempfile.gettempdir()),
                  Path.cwd(), Path.cwd().parent}
        found = sorted({str(p) for place in places for p in place.glob(pattern)})
        return [f"files written outside the folder: {found}"] if found else []
    return check


# --- the named cases ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One named hostile file: how to write it, how to import it and what must come out.

    ``expect`` is ``"ok"`` (counts, no error), ``"error"`` (the library's error) or ``"any"``;
    ``checks`` are rules of this finding on top of :func:`problems`.
    """

    name: str
    layer: str
    filename: str
    build: Callable[[Path], None]
    finding: str
    expect: str = "any"
    options: dict[str, object] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    after: Callable[[Path], list[str]] | None = None  # a rule on the folder after the import
    secret: bool = False
    rows: int | None = 10  # data rows (or features) in the file: a result must have read exactly these
    max_seconds: float | None = None  # e.g. a bomb refused before it is unpacked, a long line read in linear time

    def import_options(self) -> ImportOptions | None:
        return ImportOptions(**self.options) if self.options else None

    def cli_args(self) -> list[str]:
        """The ``python -m geo import`` options of :attr:`options`."""
        args: list[str] = []
        for k, v in self.options.items():
            if k == "mapping":
                for role, col in v.items():
                    args += ["--map", f"{role}={col}"]
            else:
                args += [f"--{k.replace('_', '-')}", str(v)]
        return args


def _case_list() -> list[Case]:  # noqa: PLR0915 - one long list reads best
    rows = incident_rows()
    good_csv = _csv_text(rows)
    cases: list[Case] = []

    def add(name: str, layer: str, filename: str, build: Callable[[Path], None], finding: str, **kw) -> None:
        cases.append(Case(name, layer, filename, build, finding, **kw))

    def rows_with(change: Callable[[int, dict], dict], n: int = 10) -> list[dict[str, str]]:
        return [change(i, dict(r)) for i, r in enumerate(incident_rows(n))]

    def set_at(i0: int, **values: str) -> Callable[[int, dict], dict]:
        return lambda i, r: {**r, **values} if i == i0 else r

    # incidents, CSV: line endings, field sizes, quotes
    add("inc_csv_baseline", "incidents", "incidents.csv", _text_writer(good_csv), "control: a good file",
        expect="ok", checks=(accepted_at_least(10), labels_kept(10)))
    add("inc_csv_bare_cr", "incidents", "incidents.csv", _text_writer(_csv_text(rows, eol="\r")),
        "bare CR line endings (old Mac)", expect="ok", checks=(accepted_at_least(10),))
    add("inc_csv_mac_excel_cr_lf_in_cells", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Фабула": f"1\n2\n3\nстрока {i}"}), eol="\r",
                               quoting=csv.QUOTE_NONNUMERIC)),
        "Excel for Mac: rows end with CR, line breaks in (quoted) cells are LF, more of them than rows", expect="ok",
        checks=(accepted_at_least(10),))
    add("inc_csv_stray_cr_in_field", "incidents", "incidents.csv",
        _text_writer(good_csv.replace("Случай 3,", "Случай\r3,")), "a stray \\r in an unquoted field",
        checks=(accepted_at_least(9),), rows=None)
    add("inc_csv_mixed_eol", "incidents", "incidents.csv",
        _text_writer("".join(ln + ("\n", "\r\n", "\r")[i % 3] for i, ln in enumerate(good_csv.splitlines()))),
        "LF, CRLF and CR in one file", expect="ok", checks=(accepted_at_least(10),))
    add("inc_csv_bom_crlf", "incidents", "incidents.csv", _text_writer(_csv_text(rows, eol="\r\n"), "utf-8-sig"),
        "UTF-8 with BOM and CRLF (Excel)", expect="ok", checks=(accepted_at_least(10), labels_kept(10)))
    big = "Ж" * (130 * KIB)
    add("inc_csv_field_130k_ragged", "incidents", "incidents.csv",
        _text_writer(lambda: _csv_text(rows_with(set_at(2, Фабула=big))) + "BIS-99,01.03.2016,Кража\n"),
        "a field over 128 KiB once the row-by-row reader takes over (a ragged row forces it)",
        checks=(accepted_at_least(9),), rows=11)
    add("inc_csv_field_200k_quoted_newlines", "incidents", "incidents.csv",
        _text_writer(lambda: _csv_text(rows_with(set_at(4, Фабула=("строка\r\n" * 25_000)[: 200 * KIB])))),
        "a quoted 200 KiB field full of line breaks", checks=(accepted_at_least(9),))
    add("inc_csv_field_3mib", "incidents", "incidents.csv",
        _text_writer(lambda: _csv_text(rows_with(set_at(1, Фабула="x" * (3 << 20))))),
        "a 3 MiB field (a limit with a message, not a crash)", checks=(accepted_at_least(9),))
    add("inc_csv_long_line_and_stray_cr", "incidents", "incidents.csv",
        _text_writer(lambda: _csv_text(rows_with(set_at(1, Фабула="x" * (200 * KIB)))).replace("Случай 3,",
                                                                                                "Случай\r3,")),
        "a 200 KiB line and a stray \\r elsewhere: read in linear time, not quadratic",
        checks=(accepted_at_least(9),), rows=None, max_seconds=3)
    add("inc_csv_unterminated_quote_then_five", "incidents", "incidents.csv",
        _text_writer(lambda: "\n".join([*good_csv.splitlines()[:3],
                                        'BIS-77,05.03.2016 10:30,"Кража,Случай без кавычки,42.85,74.6',
                                        *good_csv.splitlines()[3:8]]) + "\n"),
        "an unterminated quote followed by five good rows",
        checks=(accepted_at_least(7), ids_accepted("BIS-3", "BIS-4", "BIS-5", "BIS-6", "BIS-7")), rows=8)
    add("inc_csv_doubled_quotes_unquoted", "incidents", "incidents.csv",
        _text_writer(good_csv.replace("Случай 2,", 'Случай ""2"" плохо,')), "doubled quotes in an unquoted field",
        checks=(accepted_at_least(9),))
    add("inc_csv_quoted_newlines", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Фабула": f"строка 1\nстрока 2\r\nстрока {i}"}))),
        "quoted fields with line breaks", expect="ok", checks=(accepted_at_least(10),))
    add("inc_csv_nul_after_64k", "incidents", "incidents.csv",
        _text_writer(lambda: _csv_text(rows_with(set_at(0, Фабула="x" * (70 * KIB))))
                     + "BIS-98,02.03.2016,Кр\x00ажа,x,42.85,74.6\nBIS-99,ragged\n"),
        "a NUL byte after the first 64 KiB, with a ragged row", checks=(accepted_at_least(10),), rows=12)
    add("inc_csv_ragged_rows", "incidents", "incidents.csv",
        _text_writer("\n".join(ln + (",extra" if i == 3 else "") for i, ln in enumerate(good_csv.splitlines()))
                     + "\nBIS-50,01.03.2016\n"), "rows too long and too short", checks=(accepted_at_least(9),),
        rows=11)
    add("inc_csv_blank_lines_between", "incidents", "incidents.csv",
        _text_writer(good_csv.replace("\n", "\n\n ,,,,,\n")), "blank and empty lines between rows",
        checks=(accepted_at_least(10),), rows=None)
    add("inc_csv_3000_columns", "incidents", "incidents.csv",
        _text_writer(lambda: _csv_text([{**r, **{f"c{j}": str(j) for j in range(3000)}} for r in rows])),
        "3,000 columns", checks=(accepted_at_least(10),))
    add("inc_csv_12000_same_headers", "incidents", "incidents.csv",
        _text_writer(lambda: "\n".join(ln + ("," + ",".join(["a"] * 12_000) if i == 0 else "," * 12_000)
                                       for i, ln in enumerate(good_csv.splitlines())) + "\n"),
        "12,000 columns all named 'a': made unique in linear time", expect="ok",
        checks=(accepted_at_least(10),), max_seconds=3)
    add("inc_csv_12000_same_headers_error", "incidents", "incidents.csv",
        _text_writer(lambda: ",".join(["a"] * 12_000) + "\n" + ",".join(["1"] * 12_000) + "\n"),
        "12,000 columns named 'a' and nothing to import: a short message, quickly", expect="error",
        checks=(message_under(2_000),), max_seconds=3)
    add("inc_csv_duplicate_headers", "incidents", "incidents.csv",
        _text_writer(good_csv.replace("Фабула", "Широта", 1)), "two columns named Широта")

    # incidents, CSV: encodings
    add("inc_csv_cp1251_byte_in_utf8", "incidents", "incidents.csv",
        _bytes_writer(good_csv.encode("utf-8").replace("Случай 5".encode(), "Случай 5 ".encode() + b"\xb9")),
        "one CP1251 byte in a UTF-8 file must not garble every label", checks=(labels_kept(9),))
    add("inc_csv_invalid_utf8_surrogate", "incidents", "incidents.csv",
        _bytes_writer(good_csv.encode().replace("Случай 6".encode(), b"\xed\xa0\x80")),
        "an encoded surrogate (invalid UTF-8) in one field", checks=(labels_kept(9),))
    add("inc_csv_cp1251_whole", "incidents", "incidents.csv", _text_writer(good_csv, "cp1251"),
        "a whole CP1251 file", expect="ok", checks=(labels_kept(10),))
    add("inc_csv_utf16_bom_comma", "incidents", "incidents.csv", _text_writer(good_csv, "utf-16"),
        "UTF-16 CSV with a BOM", expect="ok", checks=(accepted_at_least(10), labels_kept(10)))
    add("inc_txt_utf16_bom_tab", "incidents", "incidents.txt",
        _text_writer(_csv_text(rows, delimiter="\t", eol="\r\n"), "utf-16"),
        "Excel's 'Unicode text' (UTF-16 LE with BOM, tabs)", expect="ok", checks=(accepted_at_least(10),))
    add("inc_csv_utf16_be_bom", "incidents", "incidents.csv",
        _bytes_writer(b"\xfe\xff" + good_csv.encode("utf-16-be")), "UTF-16 BE with a BOM", expect="ok",
        checks=(accepted_at_least(10),))
    add("inc_csv_utf16_with_option", "incidents", "incidents.csv", _text_writer(good_csv, "utf-16"),
        "UTF-16 with --encoding utf-16", expect="ok", options={"encoding": "utf-16"},
        checks=(accepted_at_least(10), labels_kept(10)))
    add("inc_csv_encoding_unknown", "incidents", "incidents.csv", _text_writer(good_csv),
        "--encoding of no codec", expect="error", options={"encoding": "klingon"})
    add("inc_csv_encoding_ascii_on_cyrillic", "incidents", "incidents.csv", _text_writer(good_csv),
        "--encoding ascii on a Cyrillic file", options={"encoding": "ascii"})
    add("inc_csv_encoding_utf16_on_utf8", "incidents", "incidents.csv", _text_writer(good_csv),
        "--encoding utf-16 on a UTF-8 file", options={"encoding": "utf-16"})

    # incidents, CSV: delimiters and options
    add("inc_csv_decimal_comma_semicolon", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Широта": r["Широта"].replace(".", ","),
                                                       "Долгота": r["Долгота"].replace(".", ",")}), delimiter=";")),
        "decimal commas, semicolons", expect="ok", checks=(accepted_at_least(10), all_within()))
    add("inc_csv_pipe", "incidents", "incidents.csv", _text_writer(_csv_text(rows, delimiter="|")),
        "pipe-delimited", expect="ok", checks=(accepted_at_least(10),))
    add("inc_csv_tabs", "incidents", "incidents.csv", _text_writer(_csv_text(rows, delimiter="\t")),
        "tab-delimited with a .csv name", expect="ok", checks=(accepted_at_least(10),))
    add("inc_csv_sep_line", "incidents", "incidents.csv", _text_writer("sep=;\n" + _csv_text(rows, delimiter=";")),
        "Excel's 'sep=;' first line", rows=None)
    for label, delim in (("double_semicolon", ";;"), ("empty", ""), ("quote", '"'), ("newline", "\n"),
                         ("letter", "a"), ("long", "abc")):
        add(f"inc_csv_delimiter_{label}", "incidents", "incidents.csv", _text_writer(good_csv),
            f"--delimiter {delim!r}", options={"delimiter": delim})
    add("inc_csv_map_date_nope", "incidents", "incidents.csv", _text_writer(good_csv),
        "--map date=NOPE: the message must name the file", expect="error", options={"mapping": {"date": "NOPE"}})
    add("inc_csv_map_unknown_role", "incidents", "incidents.csv", _text_writer(good_csv),
        "--map colour=...: not a field", expect="error", options={"mapping": {"colour": "Фабула"}})
    add("inc_csv_crs_99999999", "incidents", "incidents.csv", _text_writer(good_csv),
        "--crs EPSG:99999999: the message must name the file", expect="error", options={"crs": "EPSG:99999999"})
    add("inc_csv_crs_garbage", "incidents", "incidents.csv", _text_writer(good_csv), "--crs of nonsense",
        expect="error", options={"crs": "not a crs; DROP TABLE"})
    add("inc_csv_crs_utm_on_degrees", "incidents", "incidents.csv", _text_writer(good_csv),
        "--crs 32643 on degrees", options={"crs": "32643"})

    # incidents, CSV: numbers and coordinates
    add("inc_csv_weight_1e308", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Количество": "1e308" if i == 3 else "1"}))),
        "a weight of 1e308", checks=(below("weight", 1e300), accepted_at_least(9)))
    add("inc_csv_weight_nonfinite_negative", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Количество": ("inf", "NaN", "-5", "1e999", "-0",
                                                                           "1", "1", "1", "1", "1")[i]}))),
        "weights inf, NaN, -5, 1e999", checks=(accepted_at_least(6),))
    add("inc_csv_lat_1e308", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(set_at(2, Широта="1e308")))),
        "a latitude of 1e308", checks=(accepted_at_least(9), all_within()))
    add("inc_csv_coords_nan_inf", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Широта": ("NaN", "inf", "-inf", "1e999")[i]}
                                         if i < 4 else r))),
        "coordinates NaN, inf, -inf, 1e999", checks=(accepted_at_least(6), all_within()))
    add("inc_csv_coords_out_of_range", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Широта": "95", "Долгота": "200"} if i == 1 else r))),
        "one row at latitude 95, longitude 200", checks=(accepted_at_least(9), all_within()))
    add("inc_csv_station_lon_200_like", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Долгота": "200.5"} if i == 5 else r))),
        "one point at longitude 200", checks=(all_within(),))
    add("inc_csv_latlon_swapped_whole", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Широта": r["Долгота"], "Долгота": r["Широта"]}))),
        "latitude and longitude swapped in the whole file (not the Barents Sea)", expect="ok",
        checks=(accepted_at_least(10), all_within()))
    add("inc_csv_latlon_swapped_one_row", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Широта": r["Долгота"], "Долгота": r["Широта"]}
                                         if i == 4 else r))),
        "one row with latitude and longitude swapped", expect="ok", checks=(accepted_at_least(10), all_within()))
    add("inc_csv_utm_as_degrees", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Широта": f"{4_747_000 + 100 * i}",
                                                       "Долгота": f"{450_000 + 100 * i}"}))),
        "UTM metres under latitude/longitude headers", checks=(all_within(),))
    add("inc_csv_thousands_and_words", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Широта": ("4 747 000", "42°52'N", "0x1A", "--5",
                                                                       "1.234.567", "", " ", "42.87", "42.87",
                                                                       "42.87")[i]}))),
        "coordinates with spaces, degree signs, hex, double signs", checks=(all_within(),))
    add("inc_csv_ids_huge_duplicate", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Номер дела": ("1e400", "9" * 40, "1e400", "",
                                                                           " ")[i % 5]}))),
        "ids 1e400, 40 digits, duplicates, empty")

    # incidents, CSV: dates, headers, columns
    add("inc_csv_many_date_formats", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Дата совершения": (
            "2016-03-01", "02.03.2016", "03/03/2016 10:00 PM", "20160304", "2016-03-05T10:30:00Z",
            "06.03.16 10.30", "7 марта 2016", "2016-03-08 10:30:00+06:00", "09.03.2016 10:30", "10/03/2016")[i]}))),
        "ten date formats in one column", checks=(accepted_at_least(6),))
    add("inc_csv_dates_invalid", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Дата совершения": (
            "31.02.2016", "00.00.0000", "2016-13-45", "", "вчера", "1e308", "01.01.0001", "31.12.9999", "NaN",
            "-1")[i]}))),
        "impossible and extreme dates")
    add("inc_csv_time_garbage", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Дата совершения": "01.03.2016",
                                                       "Время": ("25:61", "10:30", "", "x", "7.15", "1e308", "24:00",
                                                                 "-1:00", "10:30", "10:30")[i]}))),
        "a time column with 25:61, 24:00, 1e308")
    add("inc_csv_empty_category_column", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Вид преступления": ""}))),
        "an entirely empty category column")
    add("inc_csv_no_category_column", "incidents", "incidents.csv",
        _text_writer(_csv_text([{k: v for k, v in r.items() if k != "Вид преступления"} for r in rows])),
        "no category column", expect="error")
    add("inc_csv_no_date_column", "incidents", "incidents.csv",
        _text_writer(_csv_text([{k: v for k, v in r.items() if k != "Дата совершения"} for r in rows])),
        "no date column: the message must name the file", expect="error")
    add("inc_csv_empty_coordinate_columns", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Широта": "", "Долгота": ""}))),
        "empty coordinate columns")
    add("inc_csv_kyrgyz_headers", "incidents", "incidents.csv",
        _text_writer(_csv_text([dict(zip(("Номери", "Күнү", "Кылмыш түрү", "Баяндама", "Кеңдик", "Узундук"),
                                         r.values(), strict=True)) for r in rows])),
        "Kyrgyz headers", expect="ok", checks=(accepted_at_least(10),))
    add("inc_csv_english_headers", "incidents", "incidents.csv",
        _text_writer(_csv_text([dict(zip(("ID", "Date", "Primary Type", "Description", "Latitude", "Longitude"),
                                         r.values(), strict=True)) for r in rows])),
        "Chicago-style English headers", expect="ok", checks=(accepted_at_least(10),))
    add("inc_csv_random_headers", "incidents", "incidents.csv",
        _text_writer(_csv_text([dict(zip(("a", "b", "c", "d", "e", "f"), r.values(), strict=True)) for r in rows])),
        "headers that name nothing", expect="error")
    add("inc_csv_one_column", "incidents", "incidents.csv", _text_writer("Кража\nКража\nДТП\n"),
        "one column, no delimiter", expect="error")
    add("inc_csv_formula_injection", "incidents", "incidents.csv",
        _text_writer(_csv_text(rows_with(lambda i, r: {**r, "Фабула": ("=HYPERLINK(\"http://x\")", "+cmd|'/C calc'!A0",
                                                                       "-2+3", "@SUM(1)")[i % 4]}))),
        "spreadsheet formulas in text fields", expect="ok", checks=(accepted_at_least(10),))

    # incidents, CSV: not tables at all
    add("inc_csv_empty", "incidents", "incidents.csv", _bytes_writer(b""), "an empty file", expect="error")
    add("inc_csv_header_only", "incidents", "incidents.csv", _text_writer(good_csv.splitlines()[0] + "\n"),
        "a header and no rows", expect="error")
    add("inc_csv_header_only_no_eol", "incidents", "incidents.csv", _text_writer(good_csv.splitlines()[0]),
        "a header without a line end", expect="error")
    add("inc_csv_blank_only", "incidents", "incidents.csv", _text_writer("\n\r\n  \n\t\n"), "only blank lines",
        expect="error")
    add("inc_csv_png", "incidents", "incidents.csv",
        _bytes_writer(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4), "a PNG named .csv", expect="error")
    add("inc_csv_gzip", "incidents", "incidents.csv", _bytes_writer(lambda: gzip.compress(good_csv.encode())),
        "a gzipped CSV named .csv", expect="error")
    def sparse(path: Path) -> None:  # 300 MiB that take no disk: refused from the size alone, never read
        with path.open("wb") as f:
            f.write(good_csv.encode())
            f.truncate(300 << 20)

    add("inc_csv_300mib_sparse", "incidents", "incidents.csv", sparse,
        "a 300 MiB file (sparse on disk): refused by its size before it is read", expect="error", max_seconds=2)
    add("inc_csv_html", "incidents", "incidents.csv",
        _text_writer("<!DOCTYPE html>\n<html><head><title>404</title></head><body><p>Not found, lat, lon</p>"
                     "</body></html>\n"), "an HTML page saved as CSV", expect="error")
    add("inc_csv_unicode_name_error", "incidents", "Преступления 2016 (копия) ;'\".csv",
        _text_writer("a,b\n1,2\n"), "an odd file name in an error message", expect="error")
    add("inc_csv_unicode_name_ok", "incidents", "Преступления 2016 (копия).csv", _text_writer(good_csv),
        "an odd file name", expect="ok", checks=(accepted_at_least(10),))
    add("inc_dat_unknown_extension", "incidents", "incidents.dat", _text_writer(good_csv), "an unknown extension",
        expect="error")
    add("inc_no_extension", "incidents", "incidents", _text_writer(good_csv), "no extension", expect="error")

    def symlink_to_secret(path: Path) -> None:
        target = path.with_name("target_secret.txt")
        target.write_text(f"{SECRET}\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
        path.symlink_to(target)

    add("inc_csv_symlink_to_secret", "incidents", "linked.csv", symlink_to_secret,
        "a symlink: refused, and its target's first line never printed", expect="error", secret=True)
    add("inc_csv_symlink_dangling", "incidents", "dangling.csv",
        lambda p: p.symlink_to(p.with_name("does_not_exist.csv")), "a dangling symlink", expect="error")
    add("inc_csv_directory", "incidents", "folder.csv", lambda p: p.mkdir(), "a folder named .csv",
        expect="error")
    add("inc_csv_fifo", "incidents", "pipe.csv", lambda p: os.mkfifo(p), "a named pipe (reading it would block)",
        expect="error")

    # incidents, XLSX
    add("inc_xlsx_baseline", "incidents", "incidents.xlsx", _xlsx_writer({"Sheet1": _xlsx_rows()}),
        "control: a good workbook", expect="ok", checks=(accepted_at_least(10),))
    add("inc_xlsx_lat_1e308", "incidents", "incidents.xlsx",
        _xlsx_writer({"Sheet1": _xlsx_rows(change=lambda i, r: [*r[:3], 1e308, r[4]] if i == 2 else r)}),
        "a numeric cell of 1e308 as latitude", checks=(accepted_at_least(9), all_within()))
    add("inc_xlsx_swapped_whole", "incidents", "incidents.xlsx",
        _xlsx_writer({"Sheet1": _xlsx_rows(change=lambda i, r: [*r[:3], r[4], r[3]])}),
        "latitude and longitude swapped in a whole workbook", expect="ok", checks=(accepted_at_least(10), all_within()))
    add("inc_xlsx_error_cells", "incidents", "incidents.xlsx",
        _xlsx_writer({"Sheet1": _xlsx_rows(change=lambda i, r: [r[0], "=1/0" if i == 0 else r[1], "#DIV/0!" if i == 1
                                                                else r[2], "#N/A" if i == 2 else r[3], r[4]])}),
        "formulas and error values in cells", checks=(accepted_at_least(7),))
    add("inc_xlsx_text_dates_mixed", "incidents", "incidents.xlsx",
        _xlsx_writer({"Sheet1": _xlsx_rows(change=lambda i, r: [r[0], "05.03.2016 10:30" if i % 2 else r[1], *r[2:]])}),
        "date cells mixed with text dates", expect="ok", checks=(accepted_at_least(10),))
    add("inc_xlsx_long_strings", "incidents", "incidents.xlsx",
        _xlsx_writer({"Sheet1": [[*h, "Фабула"] for h in _xlsx_rows()[:1]]
                      + [[*r, "Ж" * 32_767] for r in _xlsx_rows()[1:]]}),
        "cells of 32,767 characters (Excel's limit)", expect="ok", checks=(accepted_at_least(10),))
    add("inc_xlsx_two_sheets", "incidents", "incidents.xlsx",
        _xlsx_writer({"2016": _xlsx_rows(), "2017": _xlsx_rows()}), "two sheets with data", expect="error")
    add("inc_xlsx_empty", "incidents", "incidents.xlsx", _xlsx_writer({"Sheet1": []}), "an empty workbook",
        expect="error")
    add("inc_xlsx_header_only", "incidents", "incidents.xlsx", _xlsx_writer({"Sheet1": _xlsx_rows()[:1]}),
        "a workbook with a header only", expect="error")
    add("inc_xlsx_corrupt", "incidents", "incidents.xlsx",
        _bytes_writer(lambda: _zip_bytes({"[Content_Types].xml": b"<nope", "xl/workbook.xml": b"\xff\xfe"})),
        "a zip that is no workbook", expect="error")
    add("inc_xlsx_csv_inside", "incidents", "incidents.xlsx", _text_writer(good_csv), "a CSV named .xlsx",
        expect="error")

    # incidents, GeoJSON
    big_at = lambda i, lon, lat: (1e308, 1e308) if i == 3 else (lon, lat)  # noqa: E731
    add("inc_geojson_point_1e308", "incidents", "incidents.geojson", _bytes_writer(_geojson(features("incidents",
        at=big_at))), "a GeoJSON point at [1e308, 1e308]", checks=(accepted_at_least(9), all_within()))
    utm_at = lambda i, lon, lat: (450_000 + 100 * i, 4_747_000 + 100 * i)  # noqa: E731
    add("inc_geojson_utm_metres", "incidents", "incidents.geojson",
        _bytes_writer(_geojson(features("incidents", at=utm_at))), "UTM metres in a GeoJSON (read as degrees)",
        checks=(all_within(),))
    add("inc_geojson_swapped_whole", "incidents", "incidents.geojson",
        _bytes_writer(_geojson(features("incidents", at=lambda i, lon, lat: (lat, lon)))),
        "GeoJSON with [lat, lon] in every feature", checks=(all_within(),))
    add("inc_geojson_nan_literal", "incidents", "incidents.geojson",
        _bytes_writer(_geojson(features("incidents", at=lambda i, lon, lat: (111.125, 11.125) if i == 0
                                        else (lon, lat)))
                      .replace(b"111.125", b"NaN").replace(b"11.125", b"Infinity")),
        "NaN and Infinity written into coordinates (not JSON, but GDAL reads them)", checks=(all_within(),))
    add("inc_geojson_nulls_and_polygon", "incidents", "incidents.geojson",
        _bytes_writer(lambda: _geojson([{**f, "geometry": None} if i == 0 else
                                        {**f, "geometry": _geom("boundaries", 74.6, 42.87)} if i == 1 else f
                                        for i, f in enumerate(features("incidents"))])),
        "null geometry and a polygon among points", checks=(accepted_at_least(8),))
    add("inc_geojson_nested_properties", "incidents", "incidents.geojson",
        _bytes_writer(_geojson(features("incidents", props=lambda i, p: {**p, "meta": {"a": [1, {"b": None}]},
                                                                          "list": [1, 2, 3]}))),
        "nested objects and arrays in properties", checks=(accepted_at_least(10),))
    add("inc_geojson_html", "incidents", "incidents.geojson",
        _text_writer("<!DOCTYPE html>\n<html><head><title>Map</title></head><body><script>var features = [];"
                     "</script></body></html>\n"), "an HTML page saved as GeoJSON", expect="error")
    add("inc_geojson_truncated", "incidents", "incidents.geojson",
        _bytes_writer(_geojson(features("incidents"))[:300]), "a GeoJSON cut off in the middle", expect="error")
    add("inc_geojson_empty_collection", "incidents", "incidents.geojson",
        _bytes_writer(b'{"type": "FeatureCollection", "features": []}'), "no features", expect="error")
    add("inc_geojson_bare_geometry", "incidents", "incidents.geojson",
        _bytes_writer(b'{"type": "Point", "coordinates": [74.6, 42.87]}'), "a bare geometry, no properties",
        expect="error")

    # stations
    lon200 = lambda i, lon, lat: (200.0, lat) if i == 2 else (lon, lat)  # noqa: E731
    add("sta_geojson_lon_200", "stations", "stations.geojson",
        _bytes_writer(_geojson(features("stations", at=lon200))), "a station at longitude 200",
        checks=(accepted_at_least(9), all_within()))
    add("sta_kml_lon_200", "stations", "stations.kml", _text_writer(_kml_layer("stations", at=lon200)),
        "a KML station at longitude 200", checks=(accepted_at_least(9), all_within()))
    add("sta_csv_lon_200", "stations", "stations.csv",
        _text_writer(_csv_text([{"name": f"Пост {i}", "lat": f"{lat}", "lon": "200" if i == 2 else f"{lon}"}
                                for i, (lon, lat) in enumerate(_pts(10))])),
        "a CSV station at longitude 200", checks=(accepted_at_least(9), all_within()))
    add("sta_gpkg_lon_200", "stations", "stations.gpkg", _gpkg_writer("stations", at=lon200),
        "a GeoPackage station at longitude 200", checks=(accepted_at_least(9), all_within()))
    add("sta_gpkg_point_1e308", "stations", "stations.gpkg", _gpkg_writer("stations", at=big_at),
        "a GeoPackage point at 1e308", checks=(accepted_at_least(9), all_within()))
    xxe = (f'<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{{secret}}">]>\n')

    def kml_xxe(path: Path) -> None:
        secret = path.with_name("xxe_secret.txt")
        secret.write_text(SECRET + "\n", encoding="utf-8")
        path.write_text(_kml_layer("stations", name=lambda i: "&xxe;", doctype=xxe.replace("{secret}",
                                                                                              str(secret))),
                        encoding="utf-8")

    add("sta_kml_xxe", "stations", "stations.kml", kml_xxe, "a KML with an external entity (XXE)", secret=True)
    lol = ('<!DOCTYPE kml [<!ENTITY a "lollollollollollollollollollol">'
           '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
           '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n')
    add("sta_kml_entity_expansion", "stations", "stations.kml",
        _text_writer(_kml_layer("stations", name=lambda i: "&d;", doctype=lol)),
        "a KML with nested entities (a small billion-laughs)")
    add("sta_kml_not_xml", "stations", "stations.kml", _text_writer("name,lat,lon\nПост,42.8,74.6\n"),
        "a CSV named .kml", expect="error")
    add("sta_kml_empty_document", "stations", "stations.kml", _text_writer(_kml([])), "a KML with no placemarks",
        expect="error")
    add("sta_kml_unclosed", "stations", "stations.kml",
        _text_writer(_kml_layer("stations")[:-60]), "a KML cut off in the middle")
    add("sta_kmz_bomb", "stations", "stations.kmz", _kmz_bomb,
        f"a KMZ whose doc.kml unpacks to {BOMB_MIB:,} MiB of zeros", expect="error",
        max_seconds=5)
    add("sta_gpkg_two_layers", "stations", "stations.gpkg", _gpkg_writer("stations", extra_layer=True),
        "a GeoPackage with two layers", expect="error")
    add("sta_gpkg_no_crs", "stations", "stations.gpkg", _gpkg_writer("stations", crs=None),
        "a GeoPackage layer without a CRS", expect="error")
    add("sta_geojson_crs_garbage", "stations", "stations.geojson", _bytes_writer(_geojson(features("stations"))),
        "--crs of nonsense on a spatial file", expect="error", options={"crs": "not a crs"})
    add("sta_gpkg_no_crs_given_utm", "stations", "stations.gpkg", _gpkg_writer("stations", crs=None),
        "--crs 32643 given for a layer whose coordinates are degrees", options={"crs": "32643"},
        checks=(all_within(),))
    add("sta_gpkg_random_bytes", "stations", "stations.gpkg",
        _bytes_writer(b"SQLite format 3\x00" + bytes(range(256)) * 16), "a broken SQLite file", expect="error")
    add("sta_gpkg_empty_layer", "stations", "stations.gpkg", _gpkg_writer("stations", empty=True),
        "a GeoPackage layer with no features", expect="error")
    add("sta_csv_empty_names", "stations", "stations.csv",
        _text_writer(_csv_text([{"name": "" if i % 2 else f"Пост {i}", "lat": f"{lat}", "lon": f"{lon}"}
                                for i, (lon, lat) in enumerate(_pts(10))])),
        "stations without names", expect="ok", checks=(accepted_at_least(5),))
    add("sta_xlsx_baseline", "stations", "stations.xlsx",
        _xlsx_writer({"Sheet1": [["Название", "Широта", "Долгота"]] + [[f"Пост {i}", lat, lon] for i, (lon, lat)
                                                                          in enumerate(_pts(10))]}),
        "control: stations in a workbook", expect="ok", checks=(accepted_at_least(10),))

    # cameras
    add("cam_csv_angles_out_of_range", "cameras", "cameras.csv",
        _text_writer(_csv_text([{"name": f"CAM-{i}", "direction": ("720", "-10", "1e308", "NaN", "90")[i % 5],
                                 "fov": ("-10", "400", "60", "inf", "60")[i % 5],
                                 "range": ("1e308", "-5", "150", "150", "99999")[i % 5],
                                 "lat": f"{lat}", "lon": f"{lon}"} for i, (lon, lat) in enumerate(_pts(10))])),
        "direction 720, field of view -10, range 1e308")
    add("cam_geojson_point_1e308", "cameras", "cameras.geojson",
        _bytes_writer(_geojson(features("cameras", at=big_at))), "a camera at [1e308, 1e308]",
        checks=(accepted_at_least(9), all_within()))
    add("cam_shp_lon_200", "cameras", "cameras.zip", _shp_zip_writer("cameras", at=lon200),
        "a Shapefile camera at longitude 200", checks=(accepted_at_least(9), all_within()))
    add("cam_kml_baseline", "cameras", "cameras.kml", _text_writer(_kml_layer("cameras")),
        "control: cameras in KML", expect="ok", checks=(accepted_at_least(10),))

    # boundaries
    pop = lambda value: (lambda i, p: {**p, "population": value} if i == 1 else p)  # noqa: E731
    add("bnd_shp_population_1e20", "boundaries", "boundaries.zip", _shp_zip_writer("boundaries", props=pop(1e20)),
        "a boundary with population 1e20", checks=(below("population", 1e11), accepted_at_least(9)))
    add("bnd_geojson_population_1e20", "boundaries", "boundaries.geojson",
        _bytes_writer(_geojson(features("boundaries", props=pop(1e20)))), "population 1e20 in GeoJSON",
        checks=(below("population", 1e11), accepted_at_least(9)))
    add("bnd_gpkg_population_1e308", "boundaries", "boundaries.gpkg", _gpkg_writer("boundaries", props=pop(1e308)),
        "population 1e308 in a GeoPackage", checks=(below("population", 1e11), accepted_at_least(9)))
    add("bnd_geojson_population_words", "boundaries", "boundaries.geojson",
        _bytes_writer(_geojson(features("boundaries", props=lambda i, p: {**p, "population": (
            "1 234 567", "—", "NaN", "-5", "1e999", "12,5", "", None, "0", "10000")[i]}))),
        "populations written as words and odd numbers")
    add("bnd_geojson_bowtie", "boundaries", "boundaries.geojson",
        _bytes_writer(_geojson([{**f, "geometry": {"type": "Polygon", "coordinates": [[[74.6, 42.8], [74.61, 42.81],
                                                                                       [74.61, 42.8], [74.6, 42.81],
                                                                                       [74.6, 42.8]]]}}
                                if i == 0 else f for i, f in enumerate(features("boundaries"))])),
        "a self-crossing polygon (repaired)", expect="ok", checks=(accepted_at_least(10),))
    add("bnd_geojson_coords_1e308", "boundaries", "boundaries.geojson",
        _bytes_writer(_geojson(features("boundaries", at=big_at))), "a polygon corner at 1e308",
        checks=(accepted_at_least(9), all_within()))
    add("bnd_shp_no_prj", "boundaries", "boundaries.zip", _shp_zip_writer("boundaries", drop=(".prj",)),
        "a zipped Shapefile without .prj", expect="error")
    add("bnd_shp_utm_in_4326", "boundaries", "boundaries.zip", _shp_zip_writer("boundaries", at=utm_at),
        "UTM metres in a Shapefile whose .prj says WGS84", checks=(all_within(),))
    add("bnd_shp_missing_dbf", "boundaries", "boundaries.zip", _shp_zip_writer("boundaries", drop=(".dbf",)),
        "a zipped Shapefile without .dbf", expect="error")
    add("bnd_zip_traversal", "boundaries", "boundaries.zip", _zip_traversal,
        "zip members named ../../koopsuz_evil.shp and /tmp/koopsuz_evil_abs.shp",
        after=nothing_outside("koopsuz_evil*"))
    add("bnd_zip_bomb", "boundaries", "boundaries.zip", _zip_bomb,
        f"a zip whose .dbf unpacks to {BOMB_MIB:,} MiB of zeros", expect="error",
        max_seconds=5)
    add("bnd_zip_no_shp", "boundaries", "boundaries.zip",
        _bytes_writer(lambda: _zip_bytes({"readme.txt": b"hello", "data.csv": b"a,b\n1,2\n"})),
        "a zip without a Shapefile", expect="error")
    add("bnd_zip_corrupt", "boundaries", "boundaries.zip", _bytes_writer(b"PK\x03\x04" + bytes(200)),
        "a broken zip", expect="error")
    add("bnd_zip_nested", "boundaries", "boundaries.zip",
        _bytes_writer(lambda: _zip_bytes({"inner.zip": _zip_bytes({f"b{k}": v for k, v in _shp_parts().items()})})),
        "a zip inside a zip", expect="error")
    add("bnd_csv_table", "boundaries", "boundaries.csv", _text_writer("name,population\nA,100\n"),
        "boundaries as a plain table", expect="error")
    add("bnd_kml_baseline", "boundaries", "boundaries.kml",
        _text_writer(_kml([_placemark(f"Участок {i}", f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{lon},{lat} "
                                      f"{lon + 0.004},{lat} {lon + 0.004},{lat + 0.004} {lon},{lat}</coordinates>"
                                      "</LinearRing></outerBoundaryIs></Polygon>")
                           for i, (lon, lat) in enumerate(_pts(10))])),
        "control: boundaries in KML", expect="ok", checks=(accepted_at_least(10),))

    # roads
    add("rd_geojson_speed_out_of_range", "roads", "roads.geojson",
        _bytes_writer(_geojson(features("roads", props=lambda i, p: {**p, "maxspeed": (1e308, -5, "fast", None, 60,
                                                                                       60, 60, 60, 60, 60)[i]}))),
        "speeds 1e308, -5, 'fast'")
    add("rd_geojson_points", "roads", "roads.geojson", _bytes_writer(_geojson(features("stations"))),
        "points given as roads")
    add("rd_shp_coords_1e308", "roads", "roads.zip", _shp_zip_writer("roads", at=big_at),
        "a road vertex at 1e308", checks=(accepted_at_least(9), all_within()))
    add("rd_kml_lon_200", "roads", "roads.kml", _text_writer(_kml_layer("roads", at=lon200)),
        "a KML road at longitude 200", checks=(accepted_at_least(9), all_within()))
    add("rd_gpkg_baseline", "roads", "roads.gpkg", _gpkg_writer("roads"), "control: roads in a GeoPackage",
        expect="ok", checks=(accepted_at_least(10),))
    return cases


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


CASES: dict[str, Case] = {c.name: c for c in _case_list()}

CLI_SAMPLE: tuple[str, ...] = (
    # what only the command line does: parse options, open the path, print one line
    *(n for n, c in CASES.items() if c.options),
    "inc_csv_symlink_to_secret", "inc_csv_symlink_dangling", "inc_csv_directory", "inc_csv_fifo",
    "inc_dat_unknown_extension", "inc_no_extension", "inc_csv_unicode_name_error", "inc_csv_unicode_name_ok",
    "inc_csv_no_date_column", "inc_csv_empty", "inc_csv_png", "inc_csv_300mib_sparse",
    # leaks, bombs and a refusal of each other format
    "sta_kml_xxe", "bnd_zip_traversal", "bnd_zip_bomb", "sta_kmz_bomb", "inc_xlsx_corrupt", "inc_geojson_html",
    "sta_gpkg_two_layers", "bnd_shp_no_prj", "sta_kml_not_xml",
    # counts from every format and layer
    "inc_csv_baseline", "inc_csv_bare_cr", "inc_csv_unterminated_quote_then_five", "inc_xlsx_baseline",
    "inc_geojson_point_1e308", "sta_gpkg_lon_200", "cam_shp_lon_200", "bnd_kml_baseline", "rd_gpkg_baseline",
)
"""The named cases CI also runs through ``python -m geo import`` (each a fresh process of about 0.7 s);
``HOSTILE_CLI=all`` runs every case, as ``bench/hostile.py --cli`` does."""

SLOW_SECONDS = 15.0
"""One file taking longer than this in ``prepare`` is a finding (a hang in the making), not a slow machine."""


def write_cases(folder: Path, names: list[str] | None = None) -> dict[str, Path]:
    """Write each named case into its own subfolder of ``folder``; name -> path."""
    out = {}
    for name in names or list(CASES):
        case = CASES[name]
        sub = Path(folder) / name
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / case.filename
        if not path.exists() and not path.is_symlink():
            case.build(path)
        out[name] = path
    return out


def judge_case(case: Case, path: Path) -> tuple[Outcome, list[tuple[str, str]]]:
    """Run ``prepare`` on a written case; the outcome and every rule it breaks."""
    out = run_prepare(path, case.layer, options=case.import_options())
    found = problems(out)
    if case.expect == "ok" and out.error is not None:
        found.append(("expectation", f"refused, expected counts: {type(out.error).__name__}: {_short(str(out.error))}"))
    if case.expect == "error" and out.error is None:
        found.append(("expectation", f"accepted ({_counts(out.result.counts())}), expected a refusal"))
    for check in case.checks:  # each judges a result or an error
        found += [("expectation", d) for d in check(out)]
    if case.rows is not None and out.result is not None and out.result.read != case.rows:
        found.append(("expectation", f"read {out.result.read} rows, the file has {case.rows}"))
    if case.max_seconds is not None and out.seconds > case.max_seconds:
        found.append(("expectation", f"took {out.seconds:.1f} s, at most {case.max_seconds:g} s expected"))
    if case.secret:
        found += [("leak", d) for d in secret_absent(out)]
    if case.after is not None:
        found += [("leak", d) for d in case.after(path.parent)]
    return out, found
