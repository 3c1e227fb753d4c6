"""The three pages of issue 17 on the demo: what is emerging, what repeats, which map predicts best."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def app(monkeypatch, tmp_path):
    from conftest import demo_app

    return demo_app(monkeypatch, tmp_path)


def test_emerging_page_finds_the_new_burglary_area(app):
    """The demo's Ak-Ordo estate: burglary emerging from mid-2017, so cells there are new, consecutive or
    intensifying hot spots over 2016-2018; the page says how many and lists the patterns."""
    t0 = time.perf_counter()
    app.switch_page("views/emerging.py").run()
    print(f"\nemerging page: {time.perf_counter() - t0:.1f} s")
    assert not app.exception, app.exception
    app.multiselect(key="f_cats").set_value(["burglary"]).run()
    assert not app.exception, app.exception
    sentence = " ".join(m.value for m in app.markdown)
    assert "are getting worse (January 2016 to December 2018)" in sentence, sentence
    table = app.dataframe[0].value
    assert {"Pattern", "What it means", "Cells", "Incidents"} <= set(table.columns)
    found = dict(zip(table["Pattern"], table["Cells"], strict=True))
    assert found.get("Consecutive hot spot", 0) >= 10, found
    # the cells round the estate are those (the page's CSV holds every cell with its pattern)
    import geopandas as gpd
    from geo.spacetime import emerging_hotspots
    from geo.demo.patterns import EMERGING_PLACE

    from conftest import DEMO_MUNICIPALITIES
    from geo.io.store import Workspace
    from geo.schema import validate

    ws = Workspace(DEMO_MUNICIPALITIES / "bishkek.gpkg")
    inc = validate(ws.read("incidents"), "incidents").accepted
    result = emerging_hotspots(inc[inc["category"] == "burglary"],
                               boundary=validate(ws.read("boundaries"), "boundaries").accepted)
    centre = gpd.GeoSeries(gpd.points_from_xy([EMERGING_PLACE[2]], [EMERGING_PLACE[3]]), crs=4326).to_crs(
        result.cells.crs).iloc[0]
    near = result.cells[result.cells.distance(centre) < 400]
    assert (near["pattern"] == "consecutive_hot").mean() >= 0.5, near["pattern"].value_counts()
    assert found == {k: v for k, v in zip(table["Pattern"], table["Cells"], strict=True)}


def test_near_repeat_page_finds_burglary_repeats(app):
    """Burglary by default (the demo's near repeats): the closest bands are significant, the open-ended are not
    called near repeats."""
    app.switch_page("views/nearrepeat.py").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="nr_cat").value == "burglary"
    sentence = " ".join(m.value for m in app.markdown)
    assert "After an incident, others 0 to under 100 m away and 0 to under 7 days later" in sentence, sentence
    table = app.dataframe[0].value
    assert list(table.columns) == ["Distance", "0 to under 7 days", "7 to under 14 days", "14 to under 21 days",
                                   "21 to under 28 days", "28 days or more"]
    assert list(table["Distance"])[-1] == "500 m or more"
    # bad bands: a clear message, no table
    app.text_input(key="nr_space").set_value("0,300,100").run()
    assert app.error and "Distance bands (m) must increase" in app.error[0].value


def test_forecast_page_recommends_a_map(app):
    app.switch_page("views/forecast.py").run()
    assert not app.exception, app.exception
    sentence = " ".join(m.value for m in app.markdown)
    assert sentence.startswith("**Follow the "), sentence
    table = app.dataframe[0].value
    assert (table["Best"] == "yes").sum() == 1
    assert {"Density map (kernel density)", "Hot spot cells (Gi*)", "Last month's incidents"} <= set(table["Map"])
