"""The pages and the pack answer the same question with the same function: same settings, same rows.

The pages run through Streamlit's AppTest with the sidebar's defaults (the
first area, the latest calendar year, every category); the pack is built with
the options that mean the same.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, map_html
from geo.report import ReportOptions, map_content, read_layers
from geo.stats.hotspots import MIN_TOP_INCIDENTS

DATE = dt.date(2024, 5, 1)


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory):
    from geo.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), scale=0.2)


def open_page(monkeypatch, workspace, page: str) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0].reset_index(drop=True)


def cli_table(tmp_path, at: AppTest, workspace, command: list[str], table: str) -> pd.DataFrame:
    """The command line's table for the page's area and period (every category, as the sidebar's default)."""
    from koopsuz.cli import main

    f = at.session_state["filter"]
    code = main([*command, f"workspace:{workspace}", "--area", at.radio(key="f_area").value,
                 "--start", f.start.isoformat(), "--end", f.end.isoformat(), "--lang", "en"])
    assert code == 0
    return pd.read_csv(tmp_path / table, encoding="utf-8-sig", keep_default_na=False)


def test_one_method_by_default_on_the_pages_in_the_pack_and_on_the_command_line(monkeypatch, demo_workspace):
    from geo.report.options import DEFAULT_HOTSPOT_METHOD
    from koopsuz.cli import build_parser

    assert DEFAULT_HOTSPOT_METHOD == "gistar"
    assert ReportOptions().hotspot_method == DEFAULT_HOTSPOT_METHOD
    for command in (["gaps", "x", "--out", "y"], ["pack", "--out", "y"]):
        assert build_parser().parse_args(command).method == DEFAULT_HOTSPOT_METHOD
    at = open_page(monkeypatch, demo_workspace, "views/hotspots.py")
    assert at.radio(key="hs_method").value == DEFAULT_HOTSPOT_METHOD
    at = open_page(monkeypatch, demo_workspace, "views/planner.py")
    assert at.selectbox(key="pl_gap_method").value == DEFAULT_HOTSPOT_METHOD


@pytest.mark.parametrize(("choice", "method", "column"), [("gistar", "gistar", "Cells"),
                                                          ("density", "density", "Density per km²")])
def test_the_hotspots_page_the_pack_and_the_cli_list_the_same_top_hot_spots(monkeypatch, tmp_path, demo_workspace,
                                                                             choice, method, column):
    at = open_page(monkeypatch, demo_workspace, "views/hotspots.py")
    area = at.radio(key="f_area").value
    at.radio(key="hs_method").set_value(choice).run()
    assert not at.exception, at.exception
    page = table_with(at, column)

    view = map_content("hotspots", read_layers(demo_workspace),
                       options=ReportOptions(area=area, hotspot_method=method, date=DATE))
    paper = view.tables["top"].reset_index(drop=True)
    assert len(page) > 0
    pd.testing.assert_frame_equal(page, paper, check_dtype=False)
    # The command line, from the same function: the same rows (through a CSV file).
    command = (["hotspots", "--out", str(tmp_path / "h.gpkg")] if method == "gistar"
               else ["density", "--out", str(tmp_path / "d.tif")])
    line = cli_table(tmp_path, at, demo_workspace, [*command, "--top", str(tmp_path / "top.csv")], "top.csv")
    pd.testing.assert_frame_equal(page, line, check_dtype=False)
    # No hot spot with fewer incidents than the minimum, on screen.
    count = page["Incidents"] if method == "gistar" else page["Incidents within the search radius"]
    assert (count >= MIN_TOP_INCIDENTS).all()


@pytest.mark.parametrize("method", ["gistar", "density"])
def test_the_planner_page_the_pack_and_the_cli_find_the_same_coverage_gaps(monkeypatch, tmp_path, demo_workspace,
                                                                           method):
    at = open_page(monkeypatch, demo_workspace, "views/planner.py")
    area = at.radio(key="f_area").value
    at.selectbox(key="pl_gap_method").set_value(method).run()
    assert not at.exception, at.exception
    page = table_with(at, "Uncovered incidents")

    view = map_content("coverage", read_layers(demo_workspace),
                       options=ReportOptions(area=area, hotspot_method=method, radius=1500.0, date=DATE))
    paper = view.tables["gaps"].reset_index(drop=True)
    assert len(page) > 0
    pd.testing.assert_frame_equal(page, paper, check_dtype=False)
    line = cli_table(tmp_path, at, demo_workspace, ["gaps", "--method", method, "--radius", "1500",
                                                    "--out", str(tmp_path / "gaps.csv")], "gaps.csv")
    pd.testing.assert_frame_equal(page, line, check_dtype=False)


@pytest.mark.parametrize("area", ["Bishkek", "Jeti-Oguz"])
@pytest.mark.parametrize("choice", ["eb", "rate", "lisa"])
def test_the_rates_views_say_what_the_colours_mean(monkeypatch, demo_workspace, choice, area):
    from geo.palette import rate_classes
    from geo.select import IncidentFilter
    from geo.stats.areas import area_statistics

    at = open_page(monkeypatch, demo_workspace, "views/hotspots.py")
    at.radio(key="f_area").set_value(area).run()
    at.radio(key="hs_method").set_value(choice).run()
    assert not at.exception, at.exception
    said = " ".join(i.value for i in at.info)
    table = table_with(at, "Cluster (LISA)")
    assert "Incidents per 100,000 residents a year, as counted" in table.columns
    assert "Smoothed rate (Empirical Bayes), per 100,000 residents a year" in table.columns
    assert any("per 100,000 residents a year; period:" in c.value for c in at.caption)
    # The sentence follows what the map shows: one colour or several, clusters or none.
    f: IncidentFilter = at.session_state["filter"]
    stats = area_statistics(*_study_parts(demo_workspace, f), days=f.days)
    if choice == "lisa":
        none = (stats["lisa_cluster"].isin(["HH", "LL", "HL", "LH"])).sum() == 0
        assert ("beyond chance" in said) and ("“not significant” (LISA)" in said) == none
        assert "(LISA)" in said
    else:
        cls = rate_classes(stats["eb_rate" if choice == "eb" else "rate"].to_numpy(dtype=float))[0]
        one = len(set(cls[cls >= 0].tolist())) <= 1
        assert ("so all are one colour" in said) == one
        assert ("(Empirical Bayes)" in said) == (choice == "eb")


def _study_parts(workspace, f):
    from geo.select import select_study

    s = select_study(read_layers(workspace), f)
    return s.incidents, s.units


def test_the_overview_page_and_the_pack_shade_the_settlements_alike(monkeypatch, demo_workspace):
    """The screen's overview map and the pack's shade each settlement by the same smoothed rate (EB)."""
    import html as html_lib

    from geo.i18n import Tr

    at = open_page(monkeypatch, demo_workspace, "views/overview.py")
    area = at.radio(key="f_area").value
    texts = html_lib.unescape(map_html(at))
    view = map_content("overview", read_layers(demo_workspace), options=ReportOptions(area=area, date=DATE))
    rates = view.content.rates
    assert rates is not None and len(rates) >= 3
    label = "Incidents per 100,000 residents a year, smoothed (Empirical Bayes)"
    assert view.content.rate_label == label
    _ = Tr("en")
    for value in rates["value"]:
        assert f"{label}: {_.int(value)}" in texts, (value, label)
    # and not the rate as counted, where it differs
    raw_only = [r for r, e in zip(rates["rate"], rates["value"], strict=True) if _.int(r) != _.int(e)]
    assert raw_only and all(f"{label}: {_.int(r)}" not in texts for r in raw_only)
