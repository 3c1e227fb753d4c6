"""The data-health check (geo.health) and where the pages show it: each finding on built frames, then the
Chicago incidents imported into the demo workspace (boundaries of another continent) on the pages."""

from __future__ import annotations

import shutil
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box
from streamlit.testing.v1 import AppTest

from conftest import ROOT, realdata, tiny_layers
from geo import messages as M
from geo.health import (ALL_OUTSIDE, DEMO_BOUNDARIES, ERROR, FAR_APART, FAR_CAMERAS, FAR_STATIONS, INFO,
                        NO_POPULATION, OTHER_CATEGORY, OUTSIDE, WARNING, check_health)
from geo.io.importer import LOG_TABLE, import_file
from geo.io.store import Workspace
from geo.schema import LAYERS, validate
from geo.select import OUTSIDE as OUTSIDE_AREA
from geo.select import IncidentFilter, assign_units, select_study
from geo.stats.rates import summarize

X0, Y0 = 74.60, 42.85  # Bishkek


def frames(*, inside: int = 8, outside: int = 2, far: tuple[float, float] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Two settlements (B without population), ``inside`` incidents in A, ``outside`` just east of both."""
    boundaries = gpd.GeoDataFrame({"name": ["A", "B"], "population": [10_000, np.nan], "area": ["North", "North"]},
                                  geometry=[box(X0, Y0, X0 + 0.01, Y0 + 0.01), box(X0 + 0.01, Y0, X0 + 0.02, Y0 + 0.01)],
                                  crs=4326)
    pts = [Point(X0 + 0.0005 + 0.009 * i / max(inside, 1), Y0 + 0.005) for i in range(inside)]  # all in A
    ox, oy = far if far is not None else (X0 + 0.05, Y0 + 0.005)
    pts += [Point(ox + 0.001 * i, oy) for i in range(outside)]
    incidents = gpd.GeoDataFrame({"id": [str(i) for i in range(len(pts))], "category": "burglary",
                                  "raw_category": "Кража"}, geometry=pts, crs=4326)
    stations = gpd.GeoDataFrame({"name": ["Near", "Far away"]},
                                geometry=[Point(X0 + 0.005, Y0 + 0.005), Point(X0 + 1.5, Y0)], crs=4326)  # ~120 km
    cameras = gpd.GeoDataFrame({"name": ["Cam"]}, geometry=[Point(X0 + 0.004, Y0 + 0.004)], crs=4326)
    return {"incidents": incidents, "boundaries": boundaries, "stations": stations, "cameras": cameras}


# --- each finding on built frames -----------------------------------------------------------------------------

def test_incidents_outside_every_settlement_are_counted_with_their_share():
    report = check_health(frames(inside=8, outside=2))
    f = report.get(OUTSIDE)
    assert f is not None and f.severity == WARNING
    assert (f.fields["n"], f.fields["total"], f.fields["inside"]) == (2, 10, 8)
    assert f.fields["share"] == pytest.approx(0.2)
    assert f.message == "2 of 10 incidents (20%) lie outside every settlement; rates and coverage count only the 8 inside"
    assert report.outside == 2 and report.incidents == 10
    assert ALL_OUTSIDE not in report.codes and FAR_APART not in report.codes and not report.mismatched


def test_a_few_incidents_outside_are_information_not_a_warning():
    report = check_health(frames(inside=99, outside=1))
    assert report.get(OUTSIDE).severity == INFO  # 1 %: the pages' caption already counts it out
    assert report.get(OUTSIDE).fields["n"] == 1


def test_the_unit_column_of_assign_units_is_used_when_present():
    layers = frames(inside=8, outside=2)
    layers["incidents"] = assign_units(layers["incidents"], layers["boundaries"])
    assert check_health(layers).get(OUTSIDE).fields["n"] == 2


def test_settlements_without_population_are_named():
    f = check_health(frames()).get(NO_POPULATION)
    assert f is not None and f.names == ("B",)
    assert f.message == "1 of 2 settlements have no population and get no rate: B"


def test_stations_far_from_the_incidents_are_named_and_near_ones_not():
    report = check_health(frames(outside=0))
    f = report.get(FAR_STATIONS)
    assert f is not None and f.names == ("Far away",) and f.fields["n"] == 1 and f.fields["km"] == 50
    assert FAR_CAMERAS not in report.codes
    # a shorter threshold than the distance (about 120 km) keeps it; a longer one drops it
    assert FAR_STATIONS not in check_health(frames(outside=0), far_km=150).codes


def test_incidents_on_another_continent_are_an_error():
    report = check_health(frames(inside=0, outside=5, far=(-87.65, 41.85)))  # Chicago
    assert report.codes[:2] == (ALL_OUTSIDE, FAR_APART)
    assert report.get(ALL_OUTSIDE).severity == ERROR and report.get(ALL_OUTSIDE).fields["total"] == 5
    assert 10_000 < report.get(FAR_APART).fields["km"] < 11_000  # Bishkek to Chicago, about 10,500 km
    assert report.get(FAR_STATIONS).fields["n"] == 2 and report.get(FAR_CAMERAS).fields["n"] == 1
    assert report.mismatched
    # all outside but next door: not another continent
    near = check_health(frames(inside=0, outside=5))
    assert ALL_OUTSIDE in near.codes and FAR_APART not in near.codes


def test_other_over_a_quarter_lists_labels_and_suggests_from_their_words():
    layers = frames(inside=100, outside=0)
    inc = layers["incidents"]
    inc["category"] = ["other"] * 40 + ["burglary"] * 60
    inc["raw_category"] = ["BURGLARY"] * 25 + ["Zqx 17"] * 15 + ["Кража"] * 60
    f = check_health(layers).get(OTHER_CATEGORY)
    assert f is not None and (f.fields["n"], f.fields["total"]) == (40, 100)
    assert f.names == ("BURGLARY", "Zqx 17")  # the commonest first
    assert ("BURGLARY", "burglary", 25) in f.suggestions
    assert all(s[0] != "Zqx 17" for s in f.suggestions)  # nothing is forced into a category
    assert f.message.startswith("40 of 100 incidents (40%) have the category Other")
    inc["category"] = ["other"] * 25 + ["burglary"] * 75  # exactly a quarter: not over it
    assert OTHER_CATEGORY not in check_health(layers).codes
    assert OTHER_CATEGORY in check_health(layers, other_share=0.2).codes


def test_imported_incidents_with_demo_boundaries():
    layers = frames(outside=0)
    log = pd.DataFrame({"layer": ["incidents"], "source": ["crimes.csv"]})
    f = check_health(layers, meta={"synthetic": "mixed"}, import_log=log).get(DEMO_BOUNDARIES)
    assert f is not None and f.fields["file"] == "crimes.csv" and f.severity == WARNING  # all inside: a caveat
    both = pd.concat([log, pd.DataFrame({"layer": ["boundaries"], "source": ["areas.geojson"]})])
    assert DEMO_BOUNDARIES not in check_health(layers, meta={"synthetic": "mixed"}, import_log=both).codes
    assert DEMO_BOUNDARIES not in check_health(layers, meta={}, import_log=log).codes
    assert DEMO_BOUNDARIES not in check_health(layers, meta={"synthetic": "true"}, import_log=log.iloc[:0]).codes


def test_a_healthy_workspace_has_no_finding():
    layers = tiny_layers()
    layers["incidents"] = layers["incidents"].iloc[:-1]  # without the one incident outside
    assert check_health(layers).ok


def test_every_health_template_is_registered_for_translation():
    for name in dir(M):
        if name.startswith("HEALTH_"):
            assert getattr(M, name) in M.TEMPLATES, name


# --- the pseudo-area of the incidents outside every settlement ------------------------------------------------

def test_outside_study_has_no_units_no_rate_and_only_nearby_sites():
    layers = frames(inside=3, outside=4)
    study = select_study(layers, IncidentFilter(area=OUTSIDE_AREA))
    assert len(study.incidents) == 4 and len(study.units) == 0 and study.outside == 0
    assert list(study.stations["name"]) == ["Near"]  # 4 km from the incidents' extent; "Far away" 120 km
    inc = assign_units(layers["incidents"], layers["boundaries"])
    s = summarize(inc, layers["boundaries"], IncidentFilter(area=OUTSIDE_AREA))
    assert s.count == 4 and s.population == 0 and np.isnan(s.rate)
    inside = summarize(inc, layers["boundaries"], IncidentFilter(area="North"))
    assert inside.count == 3 and inside.population == 10_000  # B has no population: adds none


# --- the Chicago incidents imported into the demo workspace ----------------------------------------------------

@pytest.fixture(scope="module")
def chicago_in_demo(tmp_path_factory):
    """A demo workspace after the Chicago incidents were imported (replace): 21,559 of 22,334 rows accepted."""
    from geo.demo import write_demo

    crimes = realdata("chicago", "crimes_2014_09.csv")
    folder = tmp_path_factory.mktemp("chicago")
    demo = write_demo(folder, scale=0.2)
    ws = folder / "chicago_in_demo.gpkg"
    shutil.copy(demo, ws)
    result = import_file(crimes, "incidents", Workspace(ws))
    assert len(result.accepted) == 21_559
    return ws


def workspace_layers(path) -> dict[str, gpd.GeoDataFrame]:
    ws = Workspace(path)
    layers = {n: validate(ws.read(n), n, source="test").accepted for n in LAYERS}
    layers["incidents"] = assign_units(layers["incidents"], layers["boundaries"])
    return layers


def test_chicago_incidents_against_demo_boundaries(chicago_in_demo):
    ws = Workspace(chicago_in_demo)
    layers = workspace_layers(chicago_in_demo)
    start = time.perf_counter()
    report = check_health(layers, meta=ws.meta(), import_log=ws.read_table(LOG_TABLE))
    seconds = time.perf_counter() - start
    assert seconds < 2.0, seconds  # run on every page load of a new workspace version: it must be cheap
    assert set(report.codes) >= {ALL_OUTSIDE, FAR_APART, DEMO_BOUNDARIES, FAR_STATIONS}
    assert report.get(ALL_OUTSIDE).fields["total"] == 21_559 == report.outside
    assert report.get(ALL_OUTSIDE).names == ("Bishkek", "Jeti-Oguz")
    assert 9_000 < report.get(FAR_APART).fields["km"] < 12_000
    assert report.get(DEMO_BOUNDARIES).fields["file"] == "crimes_2014_09.csv"
    assert report.get(FAR_STATIONS).fields["n"] == len(layers["stations"])
    assert report.mismatched
    # the headline of an area of the demo counts no Chicago incident against Kyrgyz residents
    s = summarize(layers["incidents"], layers["boundaries"], IncidentFilter(area="Bishkek"))
    assert s.count == 0
    alone = summarize(layers["incidents"], layers["boundaries"], IncidentFilter(area=OUTSIDE_AREA))
    assert alone.count == 21_559 and np.isnan(alone.rate)


def run_app(monkeypatch, workspace, page: str | None = None) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at

# the Overview's headline rate: "Rate per 100,000 a year", or "Incidents per 100,000 residents" without a period
RATE_LABELS = ("Rate per 100,000", "Incidents per 100,000 residents")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric}


def rate(at: AppTest) -> str:
    """The Overview's headline rate (its label names the period's scaling)."""
    [value] = [v for k, v in metrics(at).items() if k.startswith(RATE_LABELS)]
    return value


def test_overview_warns_and_shows_no_rate_from_kyrgyz_population(monkeypatch, chicago_in_demo):
    at = run_app(monkeypatch, chicago_in_demo)
    # most incidents lie outside every settlement: the sidebar opens on them, never on "All" or a Kyrgyz area
    area = at.sidebar.radio(key="f_area")
    assert area.value == OUTSIDE_AREA and area.options[0] == "Imported data"
    texts = [w.value for w in at.main.warning]
    assert any("the settlements are still the invented demo ones" in t and "no rate per 100,000 residents" in t
               for t in texts), texts
    assert any("police stations lie more than 50 km from every incident" in t for t in texts), texts
    m = metrics(at)
    assert m["Incidents"] == "21,559" and rate(at) == "–" and m["Population"] == "0"
    # a Kyrgyz area: no Chicago incident in it, and still no rate (the places differ), and a way out
    area.set_value("Bishkek").run()
    assert not at.exception, at.exception
    texts = [w.value for w in at.main.warning]
    assert any("describe different places" in t and "10," in t for t in texts), texts
    m = metrics(at)
    assert m["Incidents"] == "0" and rate(at) == "–"
    at.button(key="health_alone").click().run()  # "study the imported incidents on their own"
    assert not at.exception, at.exception
    assert at.sidebar.radio(key="f_area").value == OUTSIDE_AREA
    assert metrics(at)["Incidents"] == "21,559"


def test_planner_and_hotspots_never_measure_to_another_continent(monkeypatch, chicago_in_demo):
    at = run_app(monkeypatch, chicago_in_demo, "views/planner.py")
    assert any("describe different places" in w.value or "invented demo ones" in w.value for w in at.main.warning)
    # no mean distance of thousands of kilometres: the Kyrgyz stations are not in the incidents' study
    for label, value in metrics(at).items():
        assert "distance" not in label.lower() or "km" not in value, (label, value)
    # on their own, the incidents have no settlements to plan in: the page says what is missing
    assert at.sidebar.radio(key="f_area").value == OUTSIDE_AREA
    assert any("Planning needs the settlements these incidents lie in" in i.value for i in at.main.info), [
        i.value for i in at.main.info]
    at.switch_page("views/hotspots.py").run()
    assert not at.exception, at.exception
    assert any("invented demo ones" in w.value for w in at.main.warning)


def test_planner_mean_distance_counts_only_the_incidents_inside(monkeypatch, tmp_path):
    """Ten incidents in Chicago beside a Bishkek workspace: left out of the mean distance, and said so."""
    from geo.schema import require_valid

    layers = tiny_layers()
    inc = layers["incidents"]
    far = gpd.GeoDataFrame({"id": [f"F-{i}" for i in range(10)], "occurred_at": pd.Timestamp("2017-03-01 12:00"),
                            "category": "burglary", "description": "far"},
                           geometry=[Point(-87.65 + 0.001 * i, 41.85) for i in range(10)], crs=4326)
    layers["incidents"] = pd.concat([inc, far], ignore_index=True)
    path = tmp_path / "far.gpkg"
    Workspace(path).write({k: require_valid(v, k) for k, v in layers.items()})
    at = run_app(monkeypatch, path, "views/planner.py")
    assert at.sidebar.radio(key="f_area").value == "North"
    [mean] = [v for k, v in metrics(at).items() if k == "Mean distance to the nearest station"]
    assert mean.endswith(" m") and int(mean[:-2].replace(",", "")) < 2_000, mean  # not 10,000 km
    # 11 of 28 incidents (39 %) outside: the health check warns, with the count and share
    assert any("11 of 28 incidents (39%) lie outside every settlement" in w.value for w in at.main.warning), \
        [w.value for w in at.main.warning]


def test_data_page_counts_refresh_and_show_the_health_after_an_import(monkeypatch, tmp_path):
    import tempfile

    from geo.demo import write_demo

    crimes = realdata("chicago", "crimes_2014_09.csv")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # uploads stored under this test's folder
    ws = write_demo(tmp_path / "demo", scale=0.2)
    before = len(Workspace(ws).read("incidents"))
    at = run_app(monkeypatch, ws, "views/data.py")
    at.file_uploader(key="imp_file").set_value(("crimes_2014_09.csv", crimes.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    assert metrics(at)["Accepted"] == "21,559"
    [confirm] = [b for b in at.button if b.label == "Import 21,559 incidents"]
    # a changed option: the check shown no longer describes the import, so Import waits for Check
    at.text_input(key="imp_crs").set_value("4326").run()
    assert not [b for b in at.button if b.label.startswith("Import 21,559")]
    assert at.button(key="imp_waiting").disabled
    assert any("changed since the last check" in w.value for w in at.main.warning)
    at.button(key="imp_check").click().run()
    at.checkbox(key="imp_confirm_replace").check().run()  # the demo's incidents replaced: confirmed
    [confirm] = [b for b in at.button if b.label == "Import 21,559 incidents"]
    assert not confirm.disabled
    confirm.click().run()
    assert not at.exception, at.exception
    assert any("Imported 21,559 incidents from crimes_2014_09.csv (replace)" in s.value for s in at.success)
    # the workspace tab counts the layer as the import left it, not as it was before
    table = at.main.dataframe[0].value
    row = table[table.iloc[:, 0] == "Incidents"].iloc[0]
    assert int(str(row.iloc[1]).replace(",", "")) == 21_559 != before
    # and the health check of the new workspace is on the page
    texts = [w.value for w in at.main.warning]
    assert any("invented demo ones" in t for t in texts), texts
    assert any("police stations lie more than 50 km" in t for t in texts), texts


def test_data_page_check_stays_valid_without_changes(monkeypatch, tiny_workspace, tmp_path):
    """Interacting with nothing that changes the import keeps the check and its Import button."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    csv = "id,date,lat,lon,category\n1,2017-01-02,42.855,74.605,burglary\n2,2017-01-03,42.856,74.606,burglary\n"
    at = run_app(monkeypatch, tiny_workspace, "views/data.py")
    at.file_uploader(key="imp_file").set_value(("two.csv", csv.encode(), "text/csv")).run()
    assert [b for b in at.button if b.label == "Import 2 incidents"]
    at.radio(key="imp_mode").set_value("append").run()  # the mode does not change what the check found
    assert [b for b in at.button if b.label == "Import 2 incidents"]


def test_far_stations_are_named_in_the_readers_language(monkeypatch, chicago_in_demo):
    """The warning about stations far from the incidents names them as every page does: in Russian."""
    monkeypatch.setenv("KOOPSUZ_LANG", "ru")
    at = run_app(monkeypatch, chicago_in_demo)
    stations = Workspace(chicago_in_demo).read("stations")
    first = stations.iloc[0]
    assert first["name_ru"] and first["name_ru"] != first["name"]
    far = [w.value for w in at.main.warning if first["name_ru"] in w.value]
    assert far, [w.value for w in at.main.warning]
    assert all(first["name"] not in w.value for w in at.main.warning)


def test_the_pack_plans_nothing_without_settlements_as_the_planner(chicago_in_demo):
    """The incidents on their own: the pack's coverage gaps and proposed sites say what the Planner says."""
    from geo.report import ReportOptions, map_content, read_layers
    from geo.report.views import PLANNING_NEEDS_SETTLEMENTS

    layers = read_layers(chicago_in_demo)
    import datetime as dt

    o = ReportOptions(area=OUTSIDE_AREA, date=dt.date(2026, 3, 1))
    sites = map_content("sites", layers, options=o)
    assert PLANNING_NEEDS_SETTLEMENTS in sites.notes and sites.content.proposed is None
    assert len(sites.tables["proposed_sites"]) == 0
    coverage = map_content("coverage", layers, options=o)
    assert PLANNING_NEEDS_SETTLEMENTS in coverage.notes and coverage.content.gaps is None
