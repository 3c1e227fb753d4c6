"""The pages' logic through Streamlit's AppTest (no browser): KPIs, filters, messages.

The tests that open a workspace run on both stores: the GeoPackage file and PostGIS (``store_kind``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, tiny_layers
from geo.select import OUTSIDE, IncidentFilter, assign_units
from geo.stats.rates import summarize
from geo.schema import require_valid
from geo.io.workspaces import is_database, open_workspace


@pytest.fixture
def on_store(store_kind, new_store):
    """Put a GeoPackage workspace on the test's store: the file itself, or a copy in a new PostGIS schema."""
    def place(path: Path, name: str = "w") -> str:
        if store_kind == "gpkg":
            return str(path)
        ws = new_store(name)
        ws.copy_from(open_workspace(path))
        return ws.location

    return place


def run_app(monkeypatch, workspace) -> AppTest:
    if is_database(str(workspace)):
        monkeypatch.delenv("KOOPSUZ_WORKSPACE", raising=False)
        monkeypatch.setenv("KOOPSUZ_DATABASE", str(workspace))
    else:
        monkeypatch.delenv("KOOPSUZ_DATABASE", raising=False)
        monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_default_view_kpis(monkeypatch, tiny_workspace, on_store):
    """First area (North), latest calendar year of the data (2017-01-01 to 2017-03-01)."""
    at = run_app(monkeypatch, on_store(tiny_workspace))
    assert at.radio(key="f_area").value == "North"
    # the year of the last incident, studied to the last incident (2017-01-01 to 2017-03-01)
    assert (at.radio(key="f_period_kind").value, at.selectbox(key="f_period_year").value) == ("year", "2017")
    assert at.session_state["filter"].start == dt.date(2017, 1, 1)
    assert at.session_state["filter"].end == dt.date(2017, 3, 1)
    m = {x.label: x for x in at.metric}
    assert m["Incidents"].value == "8"  # T-008..T-015 in A and B
    assert m["Incidents"].delta == "+8"  # 2016-11-02..2016-12-31: none
    assert m["Incidents"].proto.delta_description == "against November 2, 2016 – December 31, 2016"
    assert m["Population"].value == "30,000"
    assert m["Rate per 100,000 a year"].value == f"{8 / 30_000 * 1e5 * 365.25 / 60:,.0f}"
    assert m["Stations / cameras"].value == "2 / 2"


def test_summary_of_a_month_compares_with_the_month_before(tiny):
    inc = assign_units(tiny["incidents"], tiny["boundaries"])
    f = IncidentFilter(area="North", start=dt.date(2017, 3, 1), end=dt.date(2017, 3, 31))
    s = summarize(inc, tiny["boundaries"], f)
    assert (s.count, s.population, s.previous_count) == (8, 30_000, 0)  # February 2017: none
    assert s.rate == pytest.approx(8 / 30_000 * 1e5 * 365.25 / 31)
    assert s.previous_rate == 0
    whole = summarize(inc, tiny["boundaries"], IncidentFilter(area="North"))
    assert whole.count == 16 and whole.previous_count is None
    assert whole.rate == pytest.approx(16 / 30_000 * 1e5)  # no period: not scaled to a year


def test_summary_has_no_change_when_the_previous_period_is_not_covered(tiny):
    inc = assign_units(tiny["incidents"], tiny["boundaries"])
    f = IncidentFilter(area="North", start=dt.date(2016, 3, 1), end=dt.date(2016, 12, 31))
    s = summarize(inc, tiny["boundaries"], f)
    assert s.count == 8 and s.previous_count is None and s.previous_rate is None


def test_summary_without_population_has_no_rate(tiny):
    b = tiny["boundaries"].assign(population=0)
    inc = assign_units(tiny["incidents"], b)
    s = summarize(inc, b, IncidentFilter(area="South"))
    assert s.count == 1 and np.isnan(s.rate)


def test_bad_stored_rows_are_reported_with_row_and_reason(monkeypatch, new_store):
    layers = {k: require_valid(v, k) for k, v in tiny_layers().items()}
    layers["boundaries"].loc[1, "population"] = -5
    ws = new_store("bad")
    ws.write(layers)
    at = run_app(monkeypatch, ws.location)
    texts = [w.value for w in at.warning]
    # the row is left out, so its incidents lie outside every settlement: the data-health check says so too
    assert texts == [f"1 row of the “Settlements” layer in {ws.name} breaks the data model and is left out: "
                     "row 2, population: population is below 0.",
                     "7 of 18 incidents (39%) lie outside every settlement; rates and coverage count only the 11 "
                     "inside. Import boundaries that cover all the incidents to count them too (Data page)."]


def test_missing_workspace_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(tmp_path / "none.gpkg"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "No workspace at" in at.error[0].value and "make run" in at.error[0].value


def test_a_file_that_is_not_a_workspace_is_refused_clearly(monkeypatch, tmp_path):
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"\x00not a geopackage" * 100)
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(junk))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert "not a readable GeoPackage" in at.error[0].value


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> Path:
    from geo.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), scale=0.2)


def test_export_page_makes_maps_pack_and_data(monkeypatch, demo_workspace, on_store):
    import io
    import zipfile

    import pyogrio
    from PIL import Image

    at = run_app(monkeypatch, on_store(demo_workspace))
    at.switch_page("views/export.py").run()
    assert not at.exception, at.exception
    # PDF of the overview and two hot spot maps
    at.multiselect(key="ex_kinds").set_value(["overview", "hotspots"]).run()
    at.multiselect(key="ex_cats").set_value(["burglary", "public_order"]).run()
    at.radio(key="ex_format").set_value("pdf").run()
    at.button(key="ex_make").click().run()
    assert not at.exception, at.exception
    fmt, made, _settings = at.session_state["ex_made"]
    assert fmt == "pdf" and [m["name"] for m in made] == ["overview.pdf", "hotspots_burglary.pdf",
                                                         "hotspots_public_order.pdf"]
    assert all(m["data"].startswith(b"%PDF-") for m in made)
    assert Image.open(io.BytesIO(made[0]["preview"])).size == (round(297 / 25.4 * 60), round(210 / 25.4 * 60))
    # PNG at 300 dpi: the print size
    at.multiselect(key="ex_kinds").set_value(["coverage"]).run()
    at.radio(key="ex_format").set_value("png").run()
    at.radio(key="ex_dpi").set_value(300).run()
    at.button(key="ex_make").click().run()
    _, made, _settings = at.session_state["ex_made"]
    assert Image.open(io.BytesIO(made[0]["data"])).size == (3508, 2480)
    # interactive HTML: nothing loaded from elsewhere
    at.multiselect(key="ex_kinds").set_value(["sites"]).run()
    at.radio(key="ex_format").set_value("html").run()
    at.button(key="ex_make").click().run()
    _, made, _settings = at.session_state["ex_made"]
    html = made[0]["data"].decode("utf-8")
    assert "<script src=" not in html and "/app/static/" not in html and "L.map(" in html
    # the pack
    at.button(key="pk_build").click().run()
    assert not at.exception, at.exception
    pages, _s, _n, pdf, zipped, _settings = at.session_state["pk_result"]
    assert pdf.startswith(b"%PDF-")
    # the page count the page reports is the PDF's own (pdftotext: one form feed after each page), and every
    # page holds text or a map: none blank
    from pack_pages import page_texts

    (demo_workspace.parent / "pack.pdf").write_bytes(pdf)
    texts = page_texts(demo_workspace.parent / "pack.pdf")
    assert len(texts) == pages and all(t.strip() for t in texts)
    names = zipfile.ZipFile(io.BytesIO(zipped)).namelist()
    assert "README.txt" in names and any(n.endswith(".png") for n in names) and any(n.endswith(".xlsx") for n in names)
    # data
    at.button(key="dt_make").click().run()
    assert not at.exception, at.exception
    files = dict(at.session_state["dt_files"][0])
    assert set(files) == {"koopsuz_results.gpkg", "koopsuz_results_density.tif", "koopsuz_tables.zip"}
    gpkg = demo_workspace.parent / "check.gpkg"
    gpkg.write_bytes(files["koopsuz_results.gpkg"])
    listed = {str(n) for n, _ in pyogrio.list_layers(gpkg)}
    assert {"incidents", "boundaries", "stations", "coverage_gaps", "sites_proposed_sites"} <= listed


def test_export_page_builds_a_pack_by_drive_time(monkeypatch, demo_workspace, tmp_path, on_store):
    import subprocess

    at = run_app(monkeypatch, on_store(demo_workspace))
    at.radio(key="f_area").set_value("Jeti-Oguz").run()
    at.switch_page("views/export.py").run()
    at.radio(key="pk_standard").set_value("Drive time").run()
    at.number_input(key="pk_minutes").set_value(8.0).run()
    at.button(key="pk_build").click().run()
    assert not at.exception, at.exception
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(at.session_state["pk_result"][3])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Coverage within 8 min by road of a station" in text
    assert "covers the incidents within 8 min by road" in text  # the methods page states the standard


def test_export_results_are_current_only_while_their_settings_hold(monkeypatch, demo_workspace, on_store):
    at = run_app(monkeypatch, on_store(demo_workspace))
    at.switch_page("views/export.py").run()
    at.radio(key="ex_format").set_value("svg").run()
    at.button(key="ex_make").click().run()
    assert not at.exception, at.exception
    out_of_date = [w.value for w in at.main.warning if "out of date" in w.value]
    assert not out_of_date
    at.radio(key="ex_format").set_value("png").run()  # the made SVG does not answer "PNG"
    assert [w.value for w in at.main.warning if "out of date" in w.value]
    at.radio(key="ex_format").set_value("svg").run()
    assert not [w.value for w in at.main.warning if "out of date" in w.value]
    at.multiselect(key="f_cats").set_value(["burglary"]).run()  # another study: every made file is out of date
    assert [w.value for w in at.main.warning if "out of date" in w.value]


def test_filters_follow_the_data_after_an_import(monkeypatch, new_store):
    """An import that changes the areas, the period and the categories resets the sidebar to the new data's
    defaults: the old area, year or ticked categories would hide the new incidents."""
    layers = {k: require_valid(v, k) for k, v in tiny_layers().items()}
    ws = new_store("ws")
    ws.write(layers)
    at = run_app(monkeypatch, ws.location)
    at.radio(key="f_area").set_value("South").run()
    at.multiselect(key="f_cats").set_value(["burglary"]).run()
    assert at.session_state["filter"].area == "South"
    # the registry of another year, with a category the first did not have, replaces the incidents
    # (as Chicago's into the demo: every incident outside the settlements)
    new = layers["incidents"].copy()
    new["occurred_at"] = new["occurred_at"] + pd.DateOffset(years=3)
    new.loc[new.index[:5], "category"] = "theft"
    new = new.set_geometry(new.geometry.translate(xoff=1.0))
    ws.write({"incidents": new}, mode="replace")
    at.run()
    assert not at.exception, at.exception
    f = at.session_state["filter"]
    # the area list changed ("Imported data" first): the first area, and the new data's latest year
    assert f.area == OUTSIDE and f.start == dt.date(2020, 1, 1)
    assert set(f.categories) == {"burglary", "public_order", "theft"}  # every category of the new data
    assert at.selectbox(key="f_period_year").value == "2020"
    # a change that keeps the choices keeps the reader's own selection
    at.multiselect(key="f_cats").set_value(["theft"]).run()
    at.run()
    assert at.session_state["filter"].categories == ("theft",)


def test_the_data_page_says_where_the_workspace_comes_from_in_words(monkeypatch, demo_workspace, on_store):
    """"About this workspace": the source line and what the demo is, in the language; no stored keys or JSON."""
    monkeypatch.setenv("KOOPSUZ_LANG", "ru")
    at = run_app(monkeypatch, on_store(demo_workspace))
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    about = [e for e in at.expander if e.label == "О рабочей базе"]
    assert len(about) == 1
    texts = " ".join(m.value for m in about[0].markdown) + " ".join(c.value for c in about[0].caption)
    assert "Источник данных: Демо Koopsuz" in texts and "Вымышленные демонстрационные данные" in texts, texts
    assert len(about[0].json) == 0 and "synthetic" not in texts and "provenance" not in texts
