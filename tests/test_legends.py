"""Legends with numbers a reader can tell apart and their units, gap tables without raw field names, one map
per downloaded HTML file (issue 13, items 6 and 9).

Found: a density legend read "up to 0.0, up to 0.1, up to 0.1, up to 0.1"; gap tables showed ``gap_id``,
``area_km2`` and residents as ``4269.1157``; the Overview's HTML download held the map twice (4.2 MB).
"""

from __future__ import annotations

import datetime as dt
import re

import affine
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.content import MapContent
from geo.i18n import Tr
from geo.palette import break_texts, class_texts
from geo.printmap import map_figure
from geo.report.tables import gap_table
from geo.stats.density import DensityGrid

DATE = dt.date(2026, 3, 1)


# --------------------------------------------------------------------------- the numbers of a legend


def test_breaks_read_differently_where_the_values_differ() -> None:
    # the density legend of the finding: five steps up to a peak of 0.14 incidents per km²
    steps = np.linspace(0, 0.14, 6)[1:]
    assert [Tr("en").num(v, 1) for v in steps] == ["0.0", "0.1", "0.1", "0.1", "0.1"]  # what it read
    assert break_texts(steps) == ["0.028", "0.056", "0.084", "0.11", "0.14"]
    # as many figures as it takes, and no more
    assert break_texts([100.2, 100.4, 100.6]) == ["100.2", "100.4", "100.6"]
    assert break_texts([0.5, 12.25, 1341.2, 250_000]) == ["0.5", "12", "1,341", "250,000"]
    assert break_texts([0.0004, 0.0008]) == ["0.0004", "0.0008"]
    assert break_texts([0.0, 0.05]) == ["0", "0.05"]
    # whole numbers for people and incidents
    assert break_texts([3.0, 7.4, 12.6], integer=True) == ["3", "7", "13"]
    # the language's own form
    assert break_texts([1341.2, 0.25], lang="ru") == ["1\xa0341", "0,25"]
    assert break_texts([float("nan")]) == ["–"]
    for values in (np.linspace(0, 1e-3, 9), np.linspace(5, 5.0001, 7), np.geomspace(0.01, 1e6, 12)):
        texts = break_texts(values)
        assert len(set(texts)) == len(values), texts


def test_class_texts() -> None:
    assert class_texts(0.0, [12.3, 40.7, 95.2]) == ["0 – 12", "> 12 – 41", "> 41 – 95"]
    assert class_texts(100.1, [100.2, 100.4]) == ["100.1 – 100.2", "> 100.2 – 100.4"]
    assert class_texts(5.0, [5.0]) == ["5"]  # a class of one value
    assert class_texts(0.0, []) == []


def _grid(peak: float) -> DensityGrid:
    values = np.linspace(0, peak, 400).reshape(20, 20)
    return DensityGrid(values=values, transform=affine.Affine(100.0, 0.0, 500_000.0, 0.0, -100.0, 4_750_000.0),
                       crs=pyproj.CRS.from_epsg(32643), kernel="quartic", bandwidth=500.0, cell=100.0, n=40,
                       total_weight=40.0)


def test_web_density_legend_reads_distinct_classes_with_its_unit() -> None:
    from layers.density import density_layer

    __, legend = density_layer(_grid(0.14), lang="en")
    rows = re.findall(r"up to [\d.,]+", legend.html)
    assert rows == ["up to 0.028", "up to 0.056", "up to 0.084", "up to 0.11", "up to 0.14"]
    assert "Incidents per km²" in legend.html
    __, legend = density_layer(_grid(0.14), lang="ru")
    assert "0,028" in legend.html and "0,11" in legend.html


def test_web_rate_legend_reads_distinct_classes() -> None:
    from layers.boundaries import boundary_layer

    n = 10
    units = gpd.GeoDataFrame({"name": [f"U{i}" for i in range(n)], "population": [1000] * n, "count": [1] * n,
                              "rate": np.linspace(100.2, 101.1, n)},
                             geometry=[shapely.box(74.5 + i * 0.01, 42.8, 74.51 + i * 0.01, 42.81) for i in range(n)],
                             crs=4326)
    __, legend = boundary_layer(units, lang="en")
    rows = re.findall(r"</span>([^<]+)</div>", legend.html)
    assert len(rows) >= 3 and len(set(rows)) == len(rows), rows
    assert all(re.search(r"100\.\d|101\.\d", r) for r in rows), rows  # one decimal: 100.2, not "100"
    assert "Incidents per 100,000 residents a year" in legend.html


def test_print_legends_read_distinct_numbers() -> None:
    n = 10
    rates = gpd.GeoDataFrame({"name": [f"U{i}" for i in range(n)], "value": np.linspace(100.2, 101.1, n)},
                             geometry=[shapely.box(74.5 + i * 0.01, 42.8, 74.51 + i * 0.01, 42.81) for i in range(n)],
                             crs=4326)
    fig = map_figure(MapContent(rates=rates), title="Rates", date=DATE)
    texts = [t.get_text() for t in fig.axes[1].texts]
    classes = [t for t in texts if re.fullmatch(r"(> )?[\d.,]+( – [\d.,]+)?", t)]
    assert len(classes) >= 3 and len(set(classes)) == len(classes), texts
    bounds = [b for c in classes for b in re.findall(r"[\d.,]+", c)]
    assert "100" not in bounds and "101" not in bounds, classes  # the old legend's "100 – 100"
    fig = map_figure(MapContent(density=_grid(0.0014)), title="Density", date=DATE)
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert {"0", "0.0007", "0.0014"} <= set(texts), texts
    assert "incidents per km²" in texts


# --------------------------------------------------------------------------- gap tables


def _gaps() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"gap_id": [1, 2], "incidents": [413, 25], "area_km2": [0.5, 1.23456],
                             "population": [4269.1157, np.nan], "main_categories": ["burglary", "public_order"],
                             "settlement": ["A", None]},
                            geometry=[shapely.box(74.5, 42.8, 74.51, 42.81), shapely.box(74.6, 42.8, 74.61, 42.81)],
                            crs=4326)


def test_gap_table_reads_as_words_and_whole_people() -> None:
    table = gap_table(_gaps(), residents=True)
    assert list(table.columns) == ["Gap", "Settlement", "Uncovered incidents", "Area, km²", "Residents",
                                   "Main categories"]
    assert not any("_" in c for c in table.columns)
    assert str(table["Residents"].dtype) == "Int64"
    assert table["Residents"].iloc[0] == 4269 and pd.isna(table["Residents"].iloc[1])
    assert table["Area, km²"].tolist() == [0.5, 1.23]
    ru = gap_table(_gaps(), residents=True, lang="ru")
    assert not any("_" in c for c in ru.columns) and "gap_id" not in ru.columns


def test_gap_table_prints_whole_residents_and_two_decimal_areas() -> None:
    from geo.printmap.pages import _cells

    table = gap_table(_gaps(), residents=True)
    residents, numeric, __ = _cells(table["Residents"], Tr("en"))
    assert numeric and residents == ["4,269", "–"]
    areas, __, __ = _cells(table["Area, km²"], Tr("en"))
    assert areas == ["0.50", "1.23"]


# --------------------------------------------------------------------------- the HTML download


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory):
    from geo.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), scale=0.2)


def test_the_downloaded_map_holds_one_map(demo_workspace, monkeypatch) -> None:
    """The Overview's map as the page builds it, drawn by st_folium, then saved by its download button's function."""
    from streamlit_folium import st_folium

    from geo.crs import to_display
    from geo.io.store import Workspace
    from layers.basemap import Tiles, finish, new_map
    from layers.incidents import IncidentCluster
    from layers.standalone import standalone_html
    import views.common as common

    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(demo_workspace))
    monkeypatch.setenv("KOOPSUZ_LANG", "en")
    common.load_data.clear() if hasattr(common.load_data, "clear") else None
    ws = Workspace(demo_workspace)
    units, inc = ws.read("boundaries"), ws.read("incidents")

    def overview_map():
        m = new_map(tuple(to_display(units).total_bounds), tiles=Tiles("none"), lang="en")
        IncidentCluster(inc, lang="en").add_to(m)
        return finish(m, lang="en", places=units)

    # what the button saved before: the page st_folium rendered, rendered again, holds the map twice
    m = overview_map()
    st_folium(m, key="overview_map", height=620, use_container_width=True, returned_objects=[])
    twice = standalone_html(m, title="Overview")
    assert twice.count("L.map(") == 2
    # the button's file: one map, about half the size
    m = overview_map()
    st_folium(m, key="overview_map", height=620, use_container_width=True, returned_objects=[])
    page = common.map_download(m, name="overview_map", title="Overview")
    once = page()
    assert once.count("L.map(") == 1
    # the incidents travel once: the file is smaller by a whole copy of the map's script and data
    from layers.text import unpack_all

    first = str(inc["id"].iloc[0])

    def copies(html: str) -> int:  # the incident layer's columns travel compressed
        return sum(1 for d in unpack_all(html) if first in d.get("id", []))

    assert copies(twice) == 2 * copies(once) > 0
    # smaller by most of the map's own text (its legends and labels are outside st_folium's copy; with the
    # incidents compressed they are a larger part of it than before)
    assert len(twice) - len(once) > 0.75 * (len(once) - len(standalone_html(new_map((0, 0, 1, 1), tiles=Tiles("none")))))
    assert page().count("L.map(") == 1  # a second click too
    # it says where the data came from, as a print map's footer does
    assert once.count(".attributionControl.addAttribution(") == 1
