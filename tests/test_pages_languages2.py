"""The Planner, Export and Data pages in Russian and Kyrgyz: no English word on them (AppTest, no browser).

Each page is opened on the demo workspace with ``?lang=ru`` or ``?lang=ky``; every text a reader sees in the
page's body (titles, subheaders, captions, markdown, messages, metric labels, buttons, widget labels and
options, table headers and text cells) is checked with :func:`english.english_words`. The sidebar is the
shared frame of every page and is checked with the other pages. Inline code (```python -m geo ...```, a file
path) is typed or read as it is and is left out.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from english import english_words
from geo.i18n import place_names

# Names of file formats and programs that have no translation (not yet on english.ALLOWED: SVG and HTML are
# formats like PDF; QGIS and ArcGIS are programs like Leaflet; a Shapefile is a format's own name).
CODE = re.compile(r"`[^`]*`")


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> Path:
    from geo.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), scale=0.2)


def open_page(monkeypatch, workspace: Path, page: str, lang: str) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def cell_texts(frame: pd.DataFrame) -> list[str]:
    """Column names and the text cells (numbers are written by locale elsewhere; here only words count)."""
    out = [str(c) for c in frame.columns]
    for col in frame.columns:
        if frame[col].dtype == object:
            out += [str(v) for v in frame[col].dropna().head(50)]
    return out


def page_texts(at: AppTest) -> list[tuple[str, str]]:
    """(kind, text) of everything the page's body shows in words."""
    body = at.main
    texts: list[tuple[str, str]] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        texts += [(kind, e.value) for e in getattr(body, kind)]
    texts += [("metric", f"{m.label} {m.value} {m.delta or ''}") for m in body.metric]
    texts += [("button", b.label) for b in body.button]
    for kind in ("selectbox", "multiselect", "radio"):
        for w in getattr(body, kind):
            texts.append((kind, w.label))
            texts += [(f"{kind} option", str(o)) for o in w.options]
    for kind in ("number_input", "text_input", "slider", "checkbox"):
        texts += [(kind, w.label) for w in getattr(body, kind)]
    for d in body.dataframe:
        texts += [("table", t) for t in cell_texts(d.value)]
    for t in body.tabs:
        texts.append(("tab", t.label))
    for x in body.expander:
        texts.append(("expander", x.label))
    return texts


def assert_no_english(at: AppTest, lang: str) -> None:
    bad = []
    for kind, text in page_texts(at):
        words = english_words(CODE.sub(" ", text))
        if words:
            bad.append((kind, text[:120], sorted(words)))
    assert not bad, f"English words on the {lang} page: {bad}"


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_the_planner_speaks_the_language_before_and_after_proposing_sites(monkeypatch, demo_workspace, lang):
    at = open_page(monkeypatch, demo_workspace, "views/planner.py", lang)
    assert at.main.title[0].value == {"ru": "Планирование", "ky": "Пландоо"}[lang]
    assert_no_english(at, lang)
    at.button(key="pl_run").click().run()
    assert not at.exception, at.exception
    assert at.session_state["pl_result"]["chosen"] is not None
    assert_no_english(at, lang)
    tables = [d.value for d in at.main.dataframe]
    assert len(tables) >= 4  # the gaps, the proposed sites, today against the proposal, by category
    # settlements named in the language, as the boundaries give them
    from geo.report import read_layers

    boundaries = read_layers(demo_workspace)["boundaries"]
    local = set(place_names(boundaries, lang))
    stored = set(boundaries["name"].astype(str)) - local
    named = {str(v) for t in tables[:2] for v in t.iloc[:, 1:4].to_numpy().ravel() if isinstance(v, str)}
    assert named & local and not named & stored, named
    # the solver's word: proven optimal (glossary), in the caption under "Proposed sites"
    proven = {"ru": "Доказанно наилучшее", "ky": "Эң жакшысы далилденген"}[lang]
    assert any(proven in c.value for c in at.main.caption)
    # a map note under the map
    how = {"ru": "Как читать карту", "ky": "Картаны кантип окуу керек"}[lang]
    assert any(how in m.value for m in at.main.markdown)


def test_the_planner_keeps_its_proposal_when_the_language_changes(monkeypatch, demo_workspace):
    """Switching language shows the same proposal in other words: the analysis does not run again."""
    at = open_page(monkeypatch, demo_workspace, "views/planner.py", "ru")
    at.button(key="pl_run").click().run()
    first = at.session_state["pl_result"]
    ru_columns = [list(d.value.columns) for d in at.main.dataframe]
    at.sidebar.selectbox(key="lang").set_value("ky").run()
    assert not at.exception, at.exception
    assert at.session_state["pl_result"] is first  # the same objects: nothing was solved again
    ky_columns = [list(d.value.columns) for d in at.main.dataframe]
    assert len(ky_columns) == len(ru_columns) and ky_columns != ru_columns
    assert_no_english(at, "ky")


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_the_export_page_speaks_the_language(monkeypatch, demo_workspace, lang):
    at = open_page(monkeypatch, demo_workspace, "views/export.py", lang)
    assert_no_english(at, lang)
    at.multiselect(key="ex_kinds").set_value(["overview", "coverage"]).run()
    at.radio(key="ex_format").set_value("png").run()
    at.button(key="ex_make").click().run()
    assert not at.exception, at.exception
    assert_no_english(at, lang)
    _fmt, made, _settings = at.session_state["ex_made"]
    assert [m["name"] for m in made] == ["overview.png", "coverage.png"]  # the keys stay; the files are named in words
    assert all(m["file"].endswith(".png") and not english_words(m["file"].replace("_", " ")) for m in made)


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_the_data_page_speaks_the_language(monkeypatch, demo_workspace, tmp_path, lang):
    import shutil
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where uploads are stored, for this test
    ws = tmp_path / "ws.gpkg"
    shutil.copy(demo_workspace, ws)
    at = open_page(monkeypatch, ws, "views/data.py", lang)
    assert_no_english(at, lang)
    assert {"ru": "Рабочая база", "ky": "Иш базасы"}[lang] in [t.label for t in at.main.tabs]
    assert len(at.main.dataframe) >= 1  # the workspace tab is there even before a file is chosen
    # a registry extract in the police's own words, one date that cannot be read
    today = dt.date.today().strftime("%d.%m.%Y")
    csv = ("Номер;Дата;Статья;Широта;Долгота\n"
           f"1;{today};Кража;42.87;74.60\n"
           "2;31.02.2020;Хулиганство;42.88;74.61\n"
           f"3;{today};Мошенничество;42.86;74.59\n").encode("utf-8")
    at.file_uploader(key="imp_file").set_value(("реестр.csv", csv, "text/csv")).run()
    assert not at.exception, at.exception
    labels = {m.label: m.value for m in at.main.metric}
    assert labels[{"ru": "Принято", "ky": "Кабыл алынды"}[lang]] == "2"
    assert_no_english(at, lang)


def test_a_proposal_is_shown_as_current_only_while_its_settings_hold(monkeypatch, demo_workspace):
    at = open_page(monkeypatch, demo_workspace, "views/planner.py", "ru")
    at.button(key="pl_run").click().run()
    assert not at.exception, at.exception
    assert not at.main.warning or all("устарело" not in w.value for w in at.main.warning)
    before = len(at.session_state["pl_result"]["chosen"])
    at.number_input(key="pl_k").set_value(before + 2).run()  # another k: the old proposal no longer answers it
    assert not at.exception, at.exception
    stale = [w.value for w in at.main.warning if "устарело" in w.value]
    assert len(stale) == 1, [w.value for w in at.main.warning]
    at.number_input(key="pl_k").set_value(before).run()  # back to the settings it was made with: current again
    assert not [w.value for w in at.main.warning if "устарело" in w.value]
    at.multiselect(key="f_cats").set_value(["burglary"]).run()  # the sidebar's study changed
    assert [w.value for w in at.main.warning if "устарело" in w.value]
    at.button(key="pl_run").click().run()
    assert not [w.value for w in at.main.warning if "устарело" in w.value]
    assert len(at.session_state["pl_result"]["chosen"]) == before


@pytest.mark.parametrize("lang", ["ru", "ky"])
@pytest.mark.parametrize("page", ["views/emerging.py", "views/nearrepeat.py", "views/forecast.py"])
def test_what_emerges_repeats_and_predicts_speaks_the_language(monkeypatch, demo_workspace, page, lang):
    """Issue 17's pages: sentences, tables (patterns, bands, methods), captions and widgets in the language."""
    at = open_page(monkeypatch, demo_workspace, page, lang)
    assert at.dataframe, "the page shows its table"
    assert_no_english(at, lang)
