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

from conftest import ROOT
from geo.report import ReportOptions, map_content, read_layers

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


@pytest.mark.parametrize(("choice", "method", "column"), [("gistar", "gistar", "Gi* z"),
                                                          ("density", "density", "Density per km²")])
def test_the_hotspots_page_and_the_pack_list_the_same_top_hot_spots(monkeypatch, demo_workspace, choice, method,
                                                                     column):
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


@pytest.mark.parametrize("method", ["gistar", "density"])
def test_the_planner_page_and_the_pack_find_the_same_coverage_gaps(monkeypatch, demo_workspace, method):
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
