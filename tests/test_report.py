"""The action-plan pack: each map's analysis against a direct computation, the tables, data and PDF pack."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
from conftest import realdata
from pack_pages import check_pack

from geo.coverage import coverage_gaps, coverage_summary
from geo.crs import local_crs
from geo.demo import TITLE, write_demo
from geo.stats.density import DensityGrid, kernel_density
from geo.stats.hotspots import hotspots
from geo.select import (
    IncidentFilter,
    filter_boundaries,
    filter_incidents,
    within_boundaries,
)
from geo.stats.rates import unit_rates
from geo.report import (
    MapView,
    ReportOptions,
    build_pack,
    export_data,
    export_tables,
    map_content,
    read_layers,
    study_layers,
)
from geo.schema import CATEGORIES
from geo.stats.areas import area_statistics
from geo.stats.population import population_surface

DATE = dt.date(2024, 5, 1)
YEAR = IncidentFilter(start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, gpd.GeoDataFrame]:
    return read_layers(write_demo(tmp_path_factory.mktemp("demo"), scale=0.2))


def selection(layers, area: str, categories=None):
    f = IncidentFilter(area=area, start=YEAR.start, end=YEAR.end, categories=categories)
    units = filter_boundaries(layers["boundaries"], f)
    return f, units, filter_incidents(layers["incidents"], f)


# --------------------------------------------------------------------------- reading and options


def test_read_layers_places_incidents_and_keeps_the_source(demo):
    assert set(demo) == {"incidents", "stations", "cameras", "boundaries", "roads", "interventions", "survey"}
    assert len(demo["incidents"]) > 5000 and len(demo["boundaries"]) == 13
    assert {"unit", "area"} <= set(demo["incidents"].columns)
    assert set(demo["incidents"]["area"]) <= {"Bishkek", "Jeti-Oguz", ""}
    assert demo["stations"].attrs["koopsuz_workspace"]["meta"]["title"] == TITLE


def test_read_layers_missing_workspace(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such workspace"):
        read_layers(tmp_path / "nope.gpkg")


def test_default_options_follow_the_app_sidebar(demo):
    o = ReportOptions(area="Bishkek").resolve(demo)
    last = demo["incidents"]["occurred_at"].max().date()
    assert (o.start, o.end) == (dt.date(last.year, 1, 1), last) == (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
    _, _, inc = selection(demo, "Bishkek")
    counts = inc["category"].value_counts()
    assert "other" in list(counts.index[:4])  # a residual category is frequent, but nobody's priority
    assert list(o.priorities) == [c for c in counts.index if c != "other"][:4]
    assert o.title == "Crime-prevention action plan: Bishkek"
    assert o.source == TITLE
    assert o.date == dt.date.today()
    assert ReportOptions(area="Bishkek", source="Police of Bishkek", date=DATE).resolve(demo).source == \
        "Police of Bishkek"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"hotspot_method": "kde"}, "hotspot_method"),
    ({"categories": ["bicycle_theft"]}, "unknown categories"),  # "theft" is a default category now
    ({"priorities": ["burglary", "arson"]}, "unknown priorities"),
    ({"k": 0}, "k must be"),
    ({"radius": -5}, "radius must be"),
    ({"start": dt.date(2017, 2, 1), "end": dt.date(2017, 1, 1)}, "starts"),
    ({"paper": "letter"}, "unknown paper"),
    ({"units": "Tamga"}, "list of names"),
])
def test_options_refuse_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReportOptions(**kwargs)


def test_unknown_area_or_settlement_is_a_clear_error(demo):
    with pytest.raises(ValueError, match="areas: Bishkek, Jeti-Oguz"):
        map_content("overview", demo, options=ReportOptions(area="Osh"))
    with pytest.raises(ValueError, match="unknown settlements Atlantis"):
        map_content("overview", demo, options=ReportOptions(units=["Tamga", "Atlantis"]))
    with pytest.raises(ValueError, match="unknown map kind"):
        map_content("heatmap", demo, options=ReportOptions())


# --------------------------------------------------------------------------- the maps


@pytest.mark.parametrize("area", ["Bishkek", "Jeti-Oguz"])
def test_overview_counts_and_rates(demo, area):
    f, units, inc = selection(demo, area)
    v = map_content("overview", demo, options=ReportOptions(area=area, date=DATE))
    c = v.content
    assert v.kind == "overview" and v.name == "overview"
    assert sorted(c.boundaries["name"]) == sorted(units["name"])
    assert len(c.incidents) == len(inc) == v.params["incidents"]
    assert set(c.incidents["unit"]) <= set(units["unit_id"])  # incidents name their unit by id
    assert len(c.stations) == len(within_boundaries(demo["stations"], units)) > 0
    assert len(c.cameras) == len(within_boundaries(demo["cameras"], units)) > 0
    assert len(c.roads) > 0
    # the table's incidents per settlement are unit_rates' counts
    table = v.tables["settlements"].set_index("Settlement")
    direct = unit_rates(inc, units, days=f.days).set_index("name")
    assert table["Incidents"].sort_index().tolist() == direct["count"].sort_index().tolist()
    assert table["Incidents"].sum() == len(inc)
    np.testing.assert_allclose(table["Rate per 100,000 a year"].sort_index(), direct["rate"].sort_index().round(1))
    # the choropleth is the Empirical Bayes rate
    stats = area_statistics(inc, units, days=f.days).set_index("name")
    rates = c.rates.set_index("name")
    np.testing.assert_allclose(rates["value"].sort_index(), stats["eb_rate"].sort_index())
    assert "Empirical Bayes" in c.rate_label and "a year" in c.rate_label
    assert v.params["lisa_permutations"] == 999 and v.params["days"] == 365
    assert f"{len(inc):,} incidents" in v.subtitle and area in v.subtitle
    json.dumps(v.params)


@pytest.mark.parametrize("area", ["Bishkek", "Jeti-Oguz"])
def test_hotspot_map_is_the_gi_star_analysis(demo, area):
    o = ReportOptions(area=area, date=DATE)
    category = o.resolve(demo).priorities[0]
    _, units, inc = selection(demo, area, categories=(category,))
    v = map_content("hotspots", demo, options=o, category=category)
    direct = hotspots(inc, boundary=units)
    assert v.name == f"hotspots_{category}"
    assert v.params["cell_m"] == direct.cell and v.params["band_m"] == direct.band
    assert v.params["incidents"] == len(inc) and v.params["fdr"] is True
    assert v.params["hot_cells"] == int((direct.cells["gi_bin"] > 0).sum())
    np.testing.assert_array_equal(v.content.gi_cells["gi_z"], direct.cells["gi_z"])
    assert v.content.density is None and v.content.incidents is None
    top = v.tables["top"]
    assert list(top.columns) == ["Rank", "Settlement", "Nearest road", "Incidents",
                                 "Share of the period's incidents, %", "Main categories", "Confidence", "Cells",
                                 "Latitude", "Longitude"]
    from geo.stats.hotspots import MIN_TOP_INCIDENTS, hot_clusters

    # the table's hot spots are the merged clusters of hot cells, most incidents first, none under the minimum
    sums = np.bincount(hot_clusters(direct), weights=direct.cells["count"].to_numpy(dtype=float))[1:]
    expected = sorted((round(s) for s in sums if s >= MIN_TOP_INCIDENTS), reverse=True)[:10]
    assert 0 < len(top) and top["Incidents"].tolist() == expected
    assert top["Cells"].sum() <= int((direct.cells["gi_bin"] > 0).sum())
    assert set(top["Settlement"]) <= {*units["name"], "–"}
    assert set(top["Confidence"]) <= {"90%", "95%", "99%"}
    json.dumps(v.params)


def test_hotspot_map_for_a_category_without_incidents(demo):
    o = ReportOptions(area="Jeti-Oguz", date=DATE)
    _, _, inc = selection(demo, "Jeti-Oguz")
    absent = next(c for c in CATEGORIES if (inc["category"] == c).sum() < 3)
    v = map_content("hotspots", demo, options=o, category=absent)
    assert v.content.gi_cells is None and "too few" in v.notes[0]
    assert len(v.tables["top"]) == 0


def test_density_variant(demo):
    o = ReportOptions(area="Bishkek", hotspot_method="density", bandwidth=600.0, date=DATE)
    _, _, inc = selection(demo, "Bishkek", categories=("burglary",))
    v = map_content("hotspots", demo, options=o, category="burglary")
    grid = v.content.density
    direct = kernel_density(inc, bandwidth=600.0)
    assert isinstance(grid, DensityGrid) and v.content.gi_cells is None
    assert v.params["kernel"] == "quartic" and v.params["bandwidth_m"] == 600.0
    assert v.params["bandwidth_rule"] == "given"
    assert v.params["cell_m"] == direct.cell
    np.testing.assert_allclose(grid.values, direct.values)
    peaks = v.tables["top"]
    assert 0 < len(peaks) <= 10
    assert peaks["Density per km²"].iloc[0] == pytest.approx(direct.values.max(), abs=0.05)
    assert peaks["Density per km²"].is_monotonic_decreasing


@pytest.mark.parametrize("area", ["Bishkek", "Jeti-Oguz"])
def test_coverage_map_equals_coverage_summary(demo, area):
    _, units, inc = selection(demo, area)
    stations = within_boundaries(demo["stations"], units)
    v = map_content("coverage", demo, options=ReportOptions(area=area, date=DATE))
    # residents on the population surface (each settlement's residents over its roads), as on the Planner
    surface = population_surface(units, roads=demo["roads"], incidents=inc)
    direct = coverage_summary(inc, stations, radius=1500.0, boundaries=units, surface=surface)
    assert v.params["radius_m"] == 1500.0 and v.params["stations"] == len(stations)
    assert v.params["covered"] == direct.overall["covered"] > 0
    assert v.params["residents_covered"] == direct.population["covered"] == round(direct.population["covered"]) > 0
    assert v.params["residents_surface"]["proxies"] == ["roads"]
    by_station = v.tables["by_station"]
    assert by_station["Incidents within 1,500 m"].tolist() == direct.per_facility["incidents"].tolist()
    assert by_station["Station"].tolist() == stations["name"].tolist()
    by_cat = v.tables["by_category"]
    assert by_cat["Covered"].sum() == direct.overall["covered"] and by_cat["Incidents"].sum() == len(inc)
    gaps = coverage_gaps(inc, stations, radius=1500.0, boundaries=units, method="gistar")
    assert len(v.tables["gaps"]) == len(v.content.gaps) == len(gaps) == v.params["gaps"] > 0
    assert v.tables["gaps"]["Uncovered incidents"].tolist() == gaps["incidents"].tolist()
    assert list(v.tables["gaps"].columns) == ["Gap", "Settlement", "Uncovered incidents", "Area, km²", "Residents",
                                              "Main categories"]
    assert len(v.content.coverage) == len(stations)
    assert v.content.incidents is None and v.content.proposed is None


@pytest.mark.parametrize("area", ["Bishkek", "Jeti-Oguz"])
def test_sites_map_proposes_k_optimal_sites(demo, area):
    _, units, inc = selection(demo, area)
    v = map_content("sites", demo, options=ReportOptions(area=area, date=DATE))
    p = v.params
    assert (p["model"], p["k"], p["radius_m"], p["candidate_spacing_m"]) == ("mclp", 3, 1500.0, 400.0)
    assert p["status"] == "optimal" and p["gap"] == 0.0 and p["solver"].startswith("HiGHS")
    assert p["sites"] == len(v.content.proposed) == len(v.content.proposed_areas) == 3
    assert sorted(v.content.proposed["rank"]) == [1, 2, 3]
    # every proposed site lies in the selected settlements
    assert v.content.proposed.within(units.to_crs(v.content.proposed.crs).union_all().buffer(1e-9)).all()
    table = v.tables["proposed_sites"]
    assert table.columns[:6].tolist() == ["Rank", "Latitude", "Longitude", "Settlement", "Incidents newly covered",
                                          "Residents newly covered"]
    assert set(table["Settlement"]) <= set(units["name"])
    comparison = v.tables["comparison"].set_index("Measure")
    stations = within_boundaries(demo["stations"], units)
    today = coverage_summary(inc, stations, radius=1500.0).overall["covered"]
    assert comparison.loc["Incidents covered", "Today"] == today
    assert comparison.loc["Incidents covered", "With proposal"] == p["objective"]
    assert comparison.loc["Incidents covered", "Change"] == table["Incidents newly covered"].sum() > 0
    by_cat = v.tables["comparison_by_category"]
    assert by_cat["Newly covered"].sum() == table["Incidents newly covered"].sum()
    assert len(v.content.coverage) == len(stations)


def test_layers_may_be_missing(demo):
    """Chicago-like data: incidents, stations and boundaries only."""
    layers = {k: demo[k] for k in ("incidents", "stations", "boundaries")}
    o = ReportOptions(area="Bishkek", date=DATE)
    v = map_content("overview", layers, options=o)
    assert v.content.cameras is None and v.content.roads is None and len(v.content.stations) > 0
    assert map_content("sites", layers, options=o).params["status"] == "optimal"
    # no boundaries: no settlements, no rates, the whole layer is the study area
    bare = {"incidents": demo["incidents"], "stations": demo["stations"]}
    v = map_content("overview", bare, options=ReportOptions(date=DATE))
    assert v.content.boundaries is None and v.content.rates is None and "settlements" not in v.tables
    assert any("boundaries" in n for n in v.notes)
    assert len(v.content.incidents) == len(filter_incidents(demo["incidents"], YEAR))
    # boundaries without population: counts, no rates
    nopop = {**layers, "boundaries": demo["boundaries"].drop(columns="population")}
    v = map_content("overview", nopop, options=o)
    assert v.content.rates is None and list(v.tables["settlements"].columns) == ["Settlement", "Incidents"]
    assert map_content("coverage", nopop, options=o).params["covered"] > 0


def test_no_stations_in_the_area(demo):
    layers = {**demo, "stations": demo["stations"].iloc[:0]}
    o = ReportOptions(area="Jeti-Oguz", date=DATE)
    cov = map_content("coverage", layers, options=o)
    assert cov.params["covered"] == 0 and cov.content.coverage is None and "no police stations" in cov.notes[0]
    sites = map_content("sites", layers, options=o)
    assert sites.params["status"] == "optimal" and len(sites.content.proposed) == 3


def test_settlement_selection(demo):
    o = ReportOptions(units=["Tamga", "Barskoon"], date=DATE)
    v = map_content("overview", demo, options=o)
    assert sorted(v.content.boundaries["name"]) == ["Barskoon", "Tamga"]
    chosen = demo["boundaries"][demo["boundaries"]["name"].isin(["Tamga", "Barskoon"])]
    assert set(v.content.incidents["unit"]) <= set(chosen["unit_id"]) and len(chosen) == 2
    assert v.subtitle.startswith("Tamga, Barskoon ·")
    assert o.resolve(demo).title == "Crime-prevention action plan: Tamga, Barskoon"


# --------------------------------------------------------------------------- tables and data


@pytest.fixture(scope="module")
def cyrillic_views(demo) -> list[MapView]:
    names = {"Tamga": "Тамга", "Barskoon": "Барскоон"}
    b = demo["boundaries"].copy()
    b["name"] = b["name"].replace(names)
    inc = demo["incidents"].copy()
    inc["unit"] = inc["unit"].replace(names)
    layers = {**demo, "boundaries": b, "incidents": inc}
    o = ReportOptions(area="Jeti-Oguz", priorities=["domestic_violence", "livestock_theft"], date=DATE)
    views = [map_content("overview", layers, options=o)]
    views += [map_content("hotspots", layers, options=o, category=c) for c in o.priorities]
    views += [map_content(k, layers, options=o) for k in ("coverage", "sites")]
    return views


def test_export_tables_csv_with_bom_and_one_workbook(cyrillic_views, tmp_path):
    written = export_tables(cyrillic_views, tmp_path / "tables", date=DATE)
    names = sorted(p.name for p in written)
    expected = ["coverage_by_camera.csv", "coverage_by_category.csv", "coverage_by_station.csv", "coverage_gaps.csv",
                "hotspots_domestic_violence_top.csv", "hotspots_livestock_theft_top.csv",
                "koopsuz_tables.xlsx", "overview_settlements.csv", "sites_comparison.csv",
                "sites_comparison_by_category.csv", "sites_proposed_sites.csv"]
    assert names == expected
    raw = (tmp_path / "tables" / "overview_settlements.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Тамга" in raw.decode("utf-8-sig")
    back = pd.read_csv(tmp_path / "tables" / "overview_settlements.csv", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, cyrillic_views[0].tables["settlements"], check_dtype=False)

    sheets = pd.read_excel(tmp_path / "tables" / "koopsuz_tables.xlsx", sheet_name=None)
    assert list(sheets) == ["overview_settlements", "hotspots_domestic_violence_top", "hotspots_livestock_theft_top",
                            "coverage_by_station", "coverage_by_category", "coverage_gaps", "coverage_by_camera",
                            "sites_proposed_sites",
                            "sites_comparison", "sites_comparison_by_category"]
    assert all(len(s) <= 31 for s in sheets)
    assert "Тамга" in set(sheets["overview_settlements"]["Settlement"])
    pd.testing.assert_frame_equal(sheets["coverage_by_station"], cyrillic_views[3].tables["by_station"],
                                  check_dtype=False)
    # a zip of the same tables, the same bytes each time
    a = export_tables(cyrillic_views, tmp_path / "a.zip", date=DATE)[0].read_bytes()
    b = export_tables(cyrillic_views, tmp_path / "b.zip", date=DATE)[0].read_bytes()
    assert a == b
    assert sorted(zipfile.ZipFile(io.BytesIO(a)).namelist()) == expected


def test_sheet_names_unique_and_short():
    from geo.report.data import _sheet_names

    names = _sheet_names(["a" * 40, "a" * 40, "A" * 35, "x[y]:z?", "ok"])
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == 5
    assert names[3] == "x_y__z" and names[4] == "ok"


def test_export_data_writes_layers_results_and_density(demo, cyrillic_views, tmp_path):
    o = ReportOptions(area="Jeti-Oguz", date=DATE)
    layers = study_layers(demo, options=o)
    grid = kernel_density(layers["incidents"])
    (tmp_path / "out.gpkg").write_bytes(b"old")  # replaced whole
    written = export_data(layers, cyrillic_views, tmp_path / "out.gpkg", density=grid)
    assert written[0] == tmp_path / "out.gpkg"
    listed = {name for name, _ in pyogrio.list_layers(written[0])}
    assert {"incidents", "stations", "cameras", "boundaries", "roads", "overview_rates",
            "hotspots_domestic_violence_gi_cells", "hotspots_livestock_theft_gi_cells", "coverage_service_areas",
            "coverage_gaps", "sites_proposed_sites", "sites_proposed_areas", "sites_service_areas"} == listed
    back = gpd.read_file(written[0], layer="coverage_gaps")
    assert len(back) == len(cyrillic_views[3].content.gaps)
    assert len(gpd.read_file(written[0], layer="incidents")) == len(layers["incidents"])
    tif = tmp_path / "out_density.tif"
    assert written[1:] == [tif]
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == grid.crs.to_epsg() == local_crs(layers["incidents"]).to_epsg()
        assert src.crs.to_epsg() in (32643, 32644)  # Kyrgyzstan's UTM zones
        np.testing.assert_allclose(src.read(1), grid.values.astype(np.float32))
    assert not list(tmp_path.glob(".*tmp*"))


def test_export_data_writes_the_density_maps(demo, tmp_path):
    o = ReportOptions(area="Bishkek", hotspot_method="density", date=DATE)
    v = map_content("hotspots", demo, options=o, category="burglary")
    written = export_data(study_layers(demo, options=o), [v], tmp_path / "d.gpkg")
    assert [p.name for p in written] == ["d.gpkg", "d_hotspots_burglary.tif"]
    with rasterio.open(written[1]) as src:
        assert src.crs.to_epsg() == 32643
        assert src.tags()["bandwidth_m"] == repr(v.content.density.bandwidth)


# --------------------------------------------------------------------------- the pack


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} (poppler-utils) is needed to check the PDF: apt-get install poppler-utils")
    return path


def pdf_pages(path: Path) -> int:
    out = subprocess.run([poppler("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def check_pages(result, tmp: Path) -> None:
    """Every page rendered: each map page with its analysis layer in its colour, every other page with text, and
    as many pages as the pack's plan plus the continued tables (see :mod:`pack_pages`)."""
    check_pack(result.paths["pdf"], result.pages, result.page_titles, result.params, tmp)


def expected_pages(options: ReportOptions, layers) -> int:
    """The pack's pages besides those a table or text continues on: cover, overview, hot spots, coverage, sites
    (each with how to read it under it); 8 tables (9 with the cameras'); methods."""
    n_priorities = len(options.resolve(layers).priorities)
    study = study_layers(layers, options=options.resolve(layers))
    cameras = len(study["cameras"]) > 0
    # a "Did it work?" page per intervention in the study's settlements (an analyst's pack)
    acts = layers.get("interventions")
    judged = 0 if acts is None or options.min_count else int(acts.intersects(study["boundaries"].union_all()).sum())
    # and its chart page: each area's incidents per month, the start marked (the demo's all can be evaluated)
    judged *= 2
    # a "What residents feel" map and table per survey question
    survey = layers.get("survey")
    questions = 0 if survey is None or options.min_count else survey["question"].nunique()
    return 1 + 1 + n_priorities + 2 + 8 + int(cameras) + 2 * questions + judged + 1


def first_pages(result) -> int:
    """The pack's pages that are not a table's or a text's continuation."""
    return sum("(continued" not in t for t in result.page_titles)


def page_texts(path: Path) -> list[str]:
    """Each page's text, by pdftotext."""
    text = subprocess.run([poppler("pdftotext"), "-enc", "UTF-8", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1]


def check_zip(data: bytes, result) -> list[str]:
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert names == sorted(names)
    maps = [n for n in names if n.startswith("maps/")]
    assert maps and all(n.endswith(".png") for n in maps)
    assert maps[0] == "maps/01_overview.png"
    assert {"tables/koopsuz_tables.xlsx", "README.txt", "tables/overview_settlements.csv",
            "tables/sites_proposed_sites.csv", "tables/coverage_gaps.csv"} <= set(names)
    readme = z.read("README.txt").decode()
    assert all(n in readme for n in names)
    assert {i.date_time for i in z.infolist()} == {(DATE.year, DATE.month, DATE.day, 0, 0, 0)}
    png = z.read(maps[0])
    assert png.startswith(b"\x89PNG")
    return names


def test_pack_for_bishkek(demo, tmp_path):
    o = ReportOptions(area="Bishkek", date=DATE)
    calls: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    first = build_pack(demo, tmp_path / "a" / "pack.pdf", options=o, zip_path=tmp_path / "a" / "pack.zip",
                       progress=lambda f, m: calls.append((f, m)))
    seconds = time.perf_counter() - t0
    print(f"\nBishkek demo pack: {seconds:.1f} s, {first.pages} pages")
    second = build_pack(demo, tmp_path / "b" / "pack.pdf", options=o, zip_path=tmp_path / "b" / "pack.zip")

    pdf = first.paths["pdf"]
    # Exact: the plan's 28 pages (the cover, the overview, the 4 priority categories' hot spot maps, coverage,
    # sites, a "What residents feel" map per survey question, 3; 9 tables: settlements, top hot spots, by
    # station, by category, cameras, gaps, proposed sites, today and with them, by category; a "What residents
    # feel" table per survey question, 3; a "Did it work?" page per intervention, 2, each with its chart page;
    # the methods), and a page more for each page a long table or text runs over (check_pages checks that each
    # of those continues the table before it, and renders every page).
    continued = len(first.page_titles) - first_pages(first)
    assert first.pages == pdf_pages(pdf) == len(first.page_titles) == 28 + continued
    # survey maps and tables, Kelechek and the cameras with their charts
    assert first_pages(first) == expected_pages(o, demo) == 18 + 2 * 3 + 2 * 2
    assert first.params["evaluations"] == ["Did “Kelechek police station” help?", "Did “Pilot block cameras” help?"]
    assert "Kelechek police station: incidents per month" in first.page_titles
    assert first.page_titles[0] == "Crime-prevention action plan: Bishkek"
    assert first.page_titles[1] == "Overview: incidents, police and rates"
    # the methods close the pack (their text may run over to a second page, titled as the first)
    assert first.page_titles[-1].startswith("Methods and parameters")
    assert sum(t.startswith("Hot spots (Gi*): ") for t in first.page_titles) == 4
    check_pages(first, tmp_path)
    # the same inputs and date give the same bytes
    assert pdf.read_bytes() == second.paths["pdf"].read_bytes()
    assert first.paths["zip"].read_bytes() == second.paths["zip"].read_bytes()
    names = check_zip(first.paths["zip"].read_bytes(), first)
    assert sum(n.startswith("maps/") for n in names) == 10  # overview, 4 hot spot maps, coverage, sites, 3 survey
    # progress: increasing, ending at 1.0
    fractions = [f for f, _ in calls]
    assert len(fractions) > 10 and fractions[-1] == 1.0
    assert all(b > a for a, b in itertools.pairwise(fractions))
    assert all(isinstance(m, str) and m for _, m in calls)
    assert first.params["sites"]["status"] == "optimal" and first.params["options"]["date"] == DATE.isoformat()
    json.dumps(first.params)
    assert not list((tmp_path / "a").glob(".*"))


def test_pack_for_jeti_oguz(demo, tmp_path):
    o = ReportOptions(area="Jeti-Oguz", date=DATE, dpi=100)
    result = build_pack(demo, tmp_path / "jo.pdf", options=o, zip_path=tmp_path / "jo.zip")
    print(f"\nJeti-Oguz demo pack: {result.seconds:.1f} s, {result.pages} pages")
    assert result.pages == pdf_pages(result.paths["pdf"]) == len(result.page_titles)
    assert first_pages(result) == expected_pages(o, demo)
    check_pages(result, tmp_path)
    check_zip(result.paths["zip"].read_bytes(), result)
    texts = page_texts(result.paths["pdf"])
    assert len(texts) == result.pages
    # every page numbered at its foot; how to read each map under it, not on a page of its own
    for n, text in enumerate(texts, start=1):
        assert text.rstrip().splitlines()[-1].strip() == f"Page {n} of {result.pages}", n
    maps = 1 + len(o.resolve(demo).priorities) + 2 + sum(k.startswith("perception_") for k in result.params)
    assert all("How to read this map:" in texts[i] for i in range(1, 1 + maps))
    assert not any("How to read this map:" in t for t in [texts[0], *texts[1 + maps:]])
    assert "How to read the maps" not in result.page_titles
    # the contents give each table's first page
    cover = " ".join(texts[0].split())
    for i, title in enumerate(result.page_titles[1:], start=2):
        if title in result.params["evaluations"]:  # each "Did it work?" page on a line of its own
            # (pdftotext may put a space before a closing quote: compared without spaces)
            assert f"{i}. {title}".replace(" ", "") in cover.replace(" ", ""), title
        elif title.endswith(": incidents per month"):  # a "Did it work?" chart: its intervention's line holds it
            continue
        elif "(continued" not in title and title != "Methods and parameters" and i > 1 + maps:
            assert f"{title} ({i})" in cover, title
    assert f"{result.page_titles.index('Methods and parameters') + 1}. Methods and parameters" in cover


def test_pack_with_what_emerges_repeats_and_predicts(demo, tmp_path):
    """The pack's options of issue 17: the emerging hot spots map and table, the near-repeat table (burglary, the
    demo's pattern) and which map predicts best with its chart; every page checked, the numbers the page's."""
    from geo.report.spacetime import FORECAST_SHARE, NR_SPACE, NR_TIME
    from geo.select import IncidentFilter, select_study
    from geo.spacetime import near_repeat

    o = ReportOptions(area="Bishkek", date=DATE, dpi=80, analyses=("emerging", "near_repeat", "forecast"))
    result = build_pack(demo, tmp_path / "x.pdf", options=o)
    print(f"\nBishkek pack with the analyses: {result.seconds:.1f} s, {result.pages} pages")
    assert result.params["analysis_tables"] == ["Emerging hot spots: patterns", "Near repeats: Burglary",
                                                "Which map predicts next month best"]
    assert result.params["analysis_charts"] == [
        "How much better than chance each map did, by share of the area marked"]
    assert "Emerging hot spots" in result.page_titles
    check_pack(result.paths["pdf"], result.pages, result.page_titles, result.params, tmp_path)
    a = result.params["analyses"]
    assert a["emerging"]["patterns"]["consecutive_hot"] > 0  # the demo's Ak-Ordo estate, among all categories
    assert a["forecast"]["best"] in ("kde", "gistar", "prospective", "last_period")
    assert a["forecast"]["share"] == FORECAST_SHARE
    # the near-repeat table is the page's analysis of the pack's period and burglary
    study = select_study(demo, IncidentFilter(area="Bishkek", start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31)))
    inc = study.incidents
    direct = near_repeat(inc[inc["category"] == "burglary"], space_bands=NR_SPACE, time_bands=NR_TIME)
    assert a["near_repeat"]["observed"] == direct.observed.tolist()
    assert a["near_repeat"]["ratio"][0][0] > 2  # next door within a week: the demo's near repeats
    # a viewer's pack has none of them (masked points and months)
    viewer = ReportOptions(area="Bishkek", date=DATE, dpi=60, analyses=("near_repeat",), min_count=3)
    from geo.report.spacetime import pack_analyses
    from geo.report.study import pack_study

    assert pack_analyses(demo, pack_study(demo, viewer)).tables == []


def test_pack_for_chicago(tmp_path):
    from geo.io.importer import ImportOptions, import_file
    from geo.io.store import Workspace

    crimes = realdata("chicago", "crimes_2014_09.csv")
    ws = Workspace(tmp_path / "chicago.gpkg")
    import_file(crimes, "incidents", ws)
    import_file(realdata("chicago", "police_stations.csv"), "stations", ws)
    # POP2010 maps to population by itself (see test_import); the area names the city
    import_file(realdata("chicago", "community_areas_pop2000_2010.geojson"), "boundaries", ws,
                options=ImportOptions(area="Chicago"))
    layers = read_layers(ws.path)
    assert len(layers["cameras"]) == 0 and len(layers["roads"]) == 0
    o = ReportOptions(area="Chicago", date=DATE)
    resolved = o.resolve(layers)
    assert (resolved.start, resolved.end) == (dt.date(2014, 9, 1), dt.date(2014, 9, 30))
    # the real origin of each imported layer, never the demo's title
    assert resolved.source.startswith("Incidents: crimes_2014_09.csv, imported ") and "synthetic" not in resolved.source
    result = build_pack(layers, tmp_path / "chicago.pdf", options=o, zip_path=tmp_path / "chicago.zip")
    print(f"\nChicago pack: {result.seconds:.1f} s, {result.pages} pages")
    assert result.pages == pdf_pages(result.paths["pdf"]) == len(result.page_titles)
    assert first_pages(result) == expected_pages(o, layers)
    # the 77 community areas run over more than one page, each with the header repeated
    assert any(t.startswith("Settlements: incidents and rates (continued, page 2 of") for t in result.page_titles)
    check_pages(result, tmp_path)
    p = result.params
    assert p["overview"]["incidents"] == 21_559 and p["overview"]["settlements"] == 77
    assert p["sites"]["status"] == "optimal" and p["sites"]["stations_kept"] == 23
    assert p["coverage"]["covered"] == coverage_summary(
        filter_incidents(layers["incidents"], IncidentFilter(area="Chicago")), layers["stations"],
        radius=1500.0).overall["covered"]
    check_zip(result.paths["zip"].read_bytes(), result)


@pytest.mark.parametrize("layer", ["gi_cells", "rates", "gaps", "proposed"])
def test_the_page_check_fails_on_a_map_without_its_analysis(demo, tmp_path, monkeypatch, layer):
    """The page check of the packs above can fail: a pack whose maps lose one analysis layer (only the boundaries,
    roads and stations left where it was) does not pass it, though its cover and page count are unchanged."""
    import dataclasses

    import geo.report.pack as pack

    made = pack.make_view

    def without(*args, **kwargs):
        v = made(*args, **kwargs)
        return dataclasses.replace(v, content=dataclasses.replace(v.content, **{layer: None}))

    monkeypatch.setattr(pack, "make_view", without)
    o = ReportOptions(area="Jeti-Oguz", date=DATE, dpi=50, priorities=("livestock_theft",))
    result = build_pack(demo, tmp_path / "blank.pdf", options=o)
    assert result.pages == pdf_pages(result.paths["pdf"])
    with pytest.raises(AssertionError, match="layer is not on the map"):
        check_pages(result, tmp_path)


def test_coverage_counts_what_the_cameras_see(tmp_path):
    from geo.coverage import camera_sectors, coverage_summary
    from geo.demo import write_demo

    layers = read_layers(write_demo(tmp_path, scale=1.0))  # at 0.2 a year has one incident in view, or none
    view = map_content("coverage", layers, options=ReportOptions(area="Jeti-Oguz"))
    o = ReportOptions(area="Jeti-Oguz").resolve(layers)
    inc = study_layers(layers, options=o)["incidents"]
    cams = study_layers(layers, options=o)["cameras"]
    direct = coverage_summary(inc, None, areas=camera_sectors(cams), by=None)
    assert len(cams) > 0 and view.content.cameras is not None and len(view.content.cameras) == len(cams)
    assert view.params["camera_covered"] == direct.overall["covered"] > 0
    table = view.tables["by_camera"]
    assert list(table["Incidents in view"]) == list(direct.per_facility["incidents"])


def test_coverage_and_sites_by_drive_time(demo):
    from geo.coverage import drive_time_coverage, drive_time_matrix

    o = ReportOptions(area="Jeti-Oguz", minutes=10, off_road_kmh=20)
    study = study_layers(demo, options=o.resolve(demo))
    inc, stations, roads = study["incidents"], study["stations"], study["roads"]
    cov = map_content("coverage", demo, options=o)
    direct = drive_time_coverage(inc, stations, roads, minutes=10, off_road_kmh=20)
    assert cov.params["standard"] == "drive time" and "radius_m" not in cov.params
    assert cov.params["covered"] == int(direct["covered"].sum()) > 0
    reach = drive_time_matrix(inc, stations, roads, minutes=10, off_road_kmh=20).astype(bool)
    assert list(cov.tables["by_station"]["Incidents within 10 min by road"]) == list(
        np.asarray(reach.sum(axis=0)).ravel())
    assert cov.title == "Coverage within 10 min by road of a station, and the gaps"
    # the coverage drawn is the drive-time reach, and it holds every incident counted as covered
    covered = inc[direct["covered"].to_numpy()].to_crs(cov.content.coverage.crs)
    assert covered.within(cov.content.coverage.union_all().buffer(1e-6)).all()

    sites = map_content("sites", demo, options=o)
    assert sites.params["status"] == "optimal" and sites.params["gap"] == 0 and sites.params["minutes"] == 10
    table = sites.tables["comparison"].set_index("Measure")
    assert table.loc["Incidents covered", "Today"] == cov.params["covered"]
    assert table.loc["Incidents covered", "With proposal"] == sites.params["covered"]


def test_drive_time_without_roads_falls_back_to_the_radius(demo):
    layers = {**demo, "roads": demo["roads"].iloc[:0]}
    view = map_content("coverage", layers, options=ReportOptions(area="Bishkek", minutes=5))
    assert view.params["standard"] == "straight-line distance" and view.params["radius_m"] == 1500
    assert any("no roads" in n for n in view.notes)
