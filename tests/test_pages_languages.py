"""The Overview and Hotspots pages in Russian and Kyrgyz, through Streamlit's AppTest (no browser).

Every text the pages write (titles, captions, notes, KPI labels, widget labels and options, table
headers) is in the reader's language: Cyrillic, with no English word outside ``tests/english.py``'s
allow-list. And a change of language redraws the words but never reruns an analysis: the pages cache
their analyses on the study and settings only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from english import english_words
from geo.i18n import Tr
from geo.io.store import Workspace

CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяңөү")
HOTSPOT_METHODS = ["density", "gistar", "eb", "rate", "lisa"]


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> Path:
    from geo.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), scale=0.2)


def open_app(monkeypatch, workspace: Path, lang: str) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = lang  # as a bookmark or a shared link carries it (views.common.language)
    at.run()
    assert not at.exception, at.exception
    return at


def untranslated_names(workspace: Path, lang: str) -> set[str]:
    """Words of stored place names that have no translation in ``lang``: shown as stored, by design."""
    b = Workspace(workspace).read("boundaries")
    words: set[str] = set()
    for stored, own in (("name", f"name_{lang}"), ("area", f"area_{lang}")):
        if stored not in b:
            continue
        local = b[own].astype("string").str.strip() if own in b else None
        for i, name in b[stored].astype(str).items():
            if local is None or local.isna()[i] or not local[i]:
                words.update(english_words(name))
    # the workspace's file name and the signed-in account's name (tests/conftest.py), in the sidebar
    return words | {workspace.stem.lower(), "gpkg"} | set(english_words("Test administrator"))


def page_texts(at: AppTest) -> list[str]:
    """Everything the page wrote that AppTest can read, but the language switch (each language in itself)."""
    texts = [e.value for kind in (at.title, at.header, at.subheader, at.caption, at.markdown, at.info,
                                  at.warning, at.error) for e in kind]
    texts += [m.label for m in at.metric] + [str(m.delta or "") for m in at.metric]
    for kind in (at.selectbox, at.radio, at.multiselect):
        for w in kind:
            if w.key != "lang":
                texts += [w.label, *map(str, w.options), str(w.help or "")]
    for kind in (at.number_input, at.date_input):
        texts += [w.label for w in kind] + [str(w.help or "") for w in kind]
    texts += [str(c) for d in at.dataframe for c in d.value.columns]
    return [t for t in texts if t]


def assert_in_language(at: AppTest, allow: set[str], where: str) -> None:
    texts = page_texts(at)
    assert any(CYRILLIC & set(t.lower()) for t in at.title.values), (where, at.title.values)
    found = {w: t for t in texts for w in english_words(t, allow=allow)}
    assert not found, f"{where}: English words {found}"
    labels = [m.label for m in at.metric] + [s.value for s in at.subheader]
    assert all(CYRILLIC & set(t.lower()) for t in labels), (where, labels)


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_overview_and_hotspots_speak_the_language(monkeypatch, demo_workspace, lang):
    at = open_app(monkeypatch, demo_workspace, lang)
    allow = untranslated_names(demo_workspace, lang)
    assert at.session_state["lang"] == lang
    assert len(at.metric) == 4
    assert_in_language(at, allow, f"{lang} overview")
    at.switch_page("views/hotspots.py").run()
    assert not at.exception, at.exception
    for method in HOTSPOT_METHODS:
        at.radio(key="hs_method").set_value(method).run()
        assert not at.exception, at.exception
        assert len(at.dataframe) == 1 and len(at.dataframe[0].value) > 0, method
        assert any("Gi*" in o or "LISA" in o for o in at.radio(key="hs_method").options)
        assert_in_language(at, allow, f"{lang} hotspots {method}")


def test_changing_the_language_never_reruns_an_analysis(monkeypatch, demo_workspace):
    import geo.stats.density
    import geo.stats.hotspots
    import geo.stats.rates

    calls = {"density": 0, "gistar": 0, "summary": 0}

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    # the pages import these at each run, so they run the counting wrappers
    monkeypatch.setattr(geo.stats.density, "kernel_density", counted("density", geo.stats.density.kernel_density))
    monkeypatch.setattr(geo.stats.hotspots, "hotspots", counted("gistar", geo.stats.hotspots.hotspots))
    monkeypatch.setattr(geo.stats.rates, "summarize", counted("summary", geo.stats.rates.summarize))
    st.cache_data.clear()  # other tests of this process may have run the same analyses

    at = open_app(monkeypatch, demo_workspace, "ru")
    assert calls["summary"] == 1
    ru_title = at.title[0].value
    at.selectbox(key="lang").set_value("ky").run()
    assert not at.exception, at.exception
    assert at.title[0].value != ru_title  # the words changed ...
    assert calls["summary"] == 1  # ... the figures were not computed again

    at.switch_page("views/hotspots.py").run()  # opens on Gi*, the pack's method
    assert calls["gistar"] == 1
    at.radio(key="hs_method").set_value("density").run()
    assert calls["density"] == 1
    ky_title = at.title[0].value
    for lang in ("ru", "en", "ky"):
        at.selectbox(key="lang").set_value(lang).run()
        assert not at.exception, at.exception
    at.radio(key="hs_method").set_value("density").run()
    assert at.title[0].value == ky_title
    assert calls == {"density": 1, "gistar": 1, "summary": 1}  # any language argument would have run them again


def test_table_numbers_read_as_the_language_writes_them(monkeypatch, demo_workspace):
    # What the browser shows is the table's display values (the cells keep their numbers, for sorting).
    import pyarrow as pa

    at = open_app(monkeypatch, demo_workspace, "ru")
    at.switch_page("views/hotspots.py").run()
    at.radio(key="hs_method").set_value("gistar").run()
    assert not at.exception, at.exception
    proto = at.dataframe[0].proto.arrow_data
    shown = pa.ipc.open_stream(proto.styler.display_values).read_all().to_pandas()
    values = at.dataframe[0].value
    z = Tr("ru")("Latitude")
    assert values[z].dtype.kind == "f"  # sorted as numbers
    assert shown[z].str.fullmatch(r"-?\d+,\d+").all(), shown[z].tolist()  # "42,87", not "42.87"
