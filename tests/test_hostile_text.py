"""Hostile user text in every text field: shown as text on every page, never run, never fetched.

An area, a settlement, a station and a camera named in Markdown (an image that would fetch an outside
address, a link, a colour directive, a formula), descriptions in HTML, registry labels starting a
spreadsheet formula. Every page through AppTest: every text Streamlit would render as Markdown holds
the names escaped. Every CSV a page or the pack offers: no cell starts a formula.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, tiny_layers
from geo.report.data import FORMULA_START, csv_bytes, safe_cells
from geo.schema import require_valid
from geo.io.store import Workspace

IMAGE = "![a](http://127.0.0.1:9/x.png)"
LINK = "[click](http://127.0.0.1:9/)"
COLOUR = ":red[loud]"
FORMULA = "=cmd|' /C calc'!A0"
PAGES = ("views/overview.py", "views/hotspots.py", "views/planner.py", "views/export.py", "views/data.py",
         "views/municipalities.py")
# A Markdown image or link whose brackets are not escaped: what the browser would fetch or follow.
ACTIVE = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(http")


@pytest.fixture
def hostile_workspace(tmp_path):
    layers = {k: require_valid(v, k) for k, v in tiny_layers().items()}
    b = layers["boundaries"]
    b["area"] = [IMAGE, IMAGE, LINK]
    b["name"] = [COLOUR, "B " + LINK, "C"]
    layers["stations"]["name"] = [FORMULA, IMAGE, "Station C"]
    layers["cameras"]["name"] = [LINK, "+SUM(A1:A9)"]
    path = tmp_path / "hostile.gpkg"
    Workspace(path).write(layers, meta={"title": IMAGE})
    return path


def rendered_texts(at: AppTest) -> list[str]:
    """Every text of the run that Streamlit renders as Markdown (and the radio labels)."""
    out = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(e.body) if hasattr(e, "body") else "" for e in at.get("alert")]
    for radio in at.radio:
        out += [str(o) for o in radio.options] + [str(radio.label)]
    out += [str(e.label) for e in at.expander] + [str(m.label) for m in at.metric]
    return out


def test_every_page_shows_markdown_names_as_text(monkeypatch, hostile_workspace):
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(hostile_workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    seen_names = 0
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        texts = rendered_texts(at)
        bad = [t for t in texts if ACTIVE.search(t) or re.search(r"(?<!\\):red(?<!\\)\[", t)]
        assert not bad, (page, bad)
        seen_names += sum("127.0.0.1:9" in t for t in texts)
    assert seen_names > 0  # the hostile names were on the pages (escaped), not simply absent


def is_number(cell: object) -> bool:
    try:
        float(str(cell))
    except ValueError:
        return False
    return True


def test_csv_downloads_neutralise_formulas():
    frame = pd.DataFrame({"name": [FORMULA, "+SUM(A1:A9)", "-2+3", "@SUM(1)", "plain", "\tx"],
                          FORMULA: [1, -5, 3, 4, 5, 6]})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig", dtype=str)
    cells = list(back.columns) + back.to_numpy().ravel().tolist()
    assert not [c for c in cells if str(c).startswith(FORMULA_START) and not is_number(c)], cells
    assert back["'" + FORMULA].tolist()[:2] == ["1", "-5"]  # numbers stay numbers
    assert safe_cells(frame)["name"].iloc[0] == "'" + FORMULA  # shown as written, with the apostrophe


def test_the_rejected_rows_download_neutralises_the_registry_text(monkeypatch, tmp_path):
    """A registry row whose label is a formula, rejected: the Data page's CSV of it holds no live formula."""
    from geo.io.importer import import_file

    ws = Workspace(tmp_path / "w.gpkg")
    csv = tmp_path / "reg.csv"
    csv.write_text(f'id,date,type,lat,lon\n1,2016-03-01 10:00,Кража,42.87,74.6\n2,bad date,"{FORMULA}",42.87,74.6\n',
                   encoding="utf-8")
    import_file(csv, "incidents", ws)
    rejected = ws.read_table("rejected_incidents")
    assert FORMULA in rejected["raw"].iloc[0]
    # views/data.py's downloads are geo.report.data.csv_bytes (the page module runs when imported)
    assert "from geo.report.data import csv_bytes" in (ROOT / "views" / "data.py").read_text(encoding="utf-8")
    back = pd.read_csv(io.BytesIO(csv_bytes(rejected)), encoding="utf-8-sig", dtype=str)
    assert not [c for c in back.to_numpy().ravel() if str(c).startswith(FORMULA_START) and not is_number(c)]
