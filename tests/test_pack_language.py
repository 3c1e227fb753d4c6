"""The action-plan pack and its tables in Russian and Kyrgyz: no English words, every letter drawn, safe cells.

The pack is built as a user builds it (`python -m geo pack --lang ky`) on the demo workspace; its text is read
back with `pdftotext` (poppler-utils) and checked against the allow-list of :mod:`english`, with no allowance for
the data: the demo's title, printed as the data source, is a catalog message and is translated too.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from matplotlib.font_manager import FontProperties, findfont

from conftest import ROOT
from english import english_words
from pack_pages import check_pack
from geo.demo import write_demo
from geo.report import ReportOptions, export_tables, map_content, read_layers

DATE = "2026-03-01"
NO_NET = {k: "http://127.0.0.1:9" for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
FORMULA = ("=", "+", "-", "@")


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is missing: the pack's text is read with poppler-utils (`make poppler` installs it)")
    return path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo"), scale=0.2)


def build(workspace: Path, out: Path, lang: str, *extra: str) -> dict:
    env = {**os.environ, **NO_NET, "no_proxy": "", "NO_PROXY": "", "KOOPSUZ_LANG": "en"}
    p = subprocess.run([sys.executable, "-m", "geo", "pack", "--workspace", str(workspace), "--area", "Jeti-Oguz",
                        "--priority", "burglary", "domestic_violence", "--lang", lang, "--date", DATE,
                        "--dpi", "50", "--json", "--out", str(out), *extra],
                       cwd=ROOT, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.fixture(scope="module")
def packs(workspace, tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    poppler("pdftotext")
    tmp = tmp_path_factory.mktemp("packs")
    out = {}
    for lang, extra in (("ru", ()), ("ky", ("--no-zip",))):
        pdf = tmp / f"pack_{lang}.pdf"
        out[lang] = (pdf, build(workspace, pdf, lang, *extra))
    return out


def pdf_text(pdf: Path) -> str:
    return subprocess.run([poppler("pdftotext"), "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_the_pack_has_no_english_words(packs, workspace, lang, tmp_path):
    pdf, summary = packs[lang]
    text = pdf_text(pdf)
    assert summary["lang"] == lang
    # every page of the pack in this language rendered: each map with its analysis in its colour, each other page
    # with its words, as many pages as the plan and the continued tables make (not "at least 10")
    check_pack(pdf, summary["pages"], summary["page_titles"], summary["params"], tmp_path)
    found = english_words(text)
    assert not found, f"English words in the {lang} pack: {dict(found.most_common(30))}"
    # the pages are really in the language: their titles, the methods and the rates
    words = {"ru": ("Методы и параметры", "Как читать карту:", "Страница 2 из", "Зоны устойчивой концентрации (Gi*)",
                    "эмпирический Байес", "на 100 000 жителей в год", "Тамга"),
             "ky": ("Ыкмалар жана параметрлер", "Картаны кантип окуу керек:", "беттин 2-бети",
                    "Кылмыштар туруктуу топтолгон аймактар (Gi*)", "эмпирикалык Байес", "жылына 100 000 тургунга",
                    "Тамга")}[lang]
    flat = " ".join(text.split())
    for w in words:
        assert w.lower() in flat.lower(), f"{w!r} is not in the {lang} pack"
    assert all(t and english_words(t) == english_words("") for t in summary["page_titles"])


def test_the_kyrgyz_letters_are_drawn(packs):
    pdf, _summary = packs["ky"]
    text = pdf_text(pdf)
    for letter in "ҢӨҮ":
        assert letter in text or letter.lower() in text, f"{letter} is missing from the Kyrgyz pack"
    assert "\ufffd" not in text  # no character the PDF could not map back to a letter
    # every character of the text is in the fonts the pages are drawn with (no missing-glyph boxes)
    from fontTools.ttLib import TTFont

    from geo.printmap.style import FONT

    covered: set[int] = set()
    for bold in (False, True):
        path = findfont(FontProperties(family=FONT, weight="bold" if bold else "normal"), fallback_to_default=False)
        covered |= set(TTFont(path, fontNumber=0).getBestCmap())
    missing = {c for c in set(text) if not c.isspace() and ord(c) >= 32 and ord(c) not in covered}
    assert not missing, f"characters without a glyph: {sorted(missing)}"


def test_the_fonts_are_embedded(packs):
    pdf, _summary = packs["ky"]
    out = subprocess.run([poppler("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    for row in rows:
        # name, type (one or two words), encoding, emb, sub, uni, object, id: emb is the fifth field from the end
        assert row[-5] == "yes", f"font not embedded: {' '.join(row)}"
        assert "DejaVu" in row[0], row


def test_the_russian_workbook_speaks_russian(packs):
    pdf, summary = packs["ru"]
    z = zipfile.ZipFile(summary["zip"])
    names = z.namelist()
    assert "ПРОЧТИТЕ.txt" in names and any(n.startswith("карты/01_обзор") for n in names), names
    book = next(n for n in names if n.endswith(".xlsx"))
    wb = openpyxl.load_workbook(io.BytesIO(z.read(book)))
    for ws in wb.worksheets:
        assert not english_words(ws.title.replace("_", " ")), ws.title
        headers = [c.value for c in next(ws.iter_rows(max_row=1))]
        assert not english_words(" ".join(str(h) for h in headers)), (ws.title, headers)
    assert "населённые_пункты" in " ".join(wb.sheetnames)
    csv = next(n for n in names if n.endswith(".csv") and "населённые_пункты" in n)
    assert z.read(csv).decode("utf-8-sig").splitlines()[0].startswith("Населённый пункт,")


def test_no_cell_of_the_exports_starts_a_formula(workspace, tmp_path):
    layers = read_layers(workspace)
    hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
    stations = layers["stations"].copy()
    stations.loc[stations.index[:4], "name"] = hostile
    stations.loc[stations.index[:4], "name_ru"] = hostile
    o = ReportOptions(area="Bishkek", date=dt.date.fromisoformat(DATE), lang="ru")
    view = map_content("coverage", {**layers, "stations": stations}, options=o)
    station_col = view.tables["by_station"].columns[0]
    assert set(hostile) & set(view.tables["by_station"][station_col])  # the names reached the table
    out = tmp_path / "tables"
    written = export_tables([view], out, date=dt.date.fromisoformat(DATE))
    book = next(p for p in written if p.suffix == ".xlsx")
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA), (ws.title, cell.coordinate, cell.value)
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    for csv in (p for p in written if p.suffix == ".csv"):
        for line in csv.read_text(encoding="utf-8-sig").splitlines():
            for field in line.split(","):
                assert not field.strip('"').startswith(FORMULA), (csv.name, line)
    assert any(c.value == "'" + hostile[0] for ws in wb.worksheets for row in ws.iter_rows() for c in row)
