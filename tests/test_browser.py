"""The app in a real browser: `streamlit run`, headless Debian Chromium via Playwright.

No request may leave the machine: the browser context aborts and records
every request to a non-local host, as a machine without internet would.
Base tiles come from a tile server on localhost, set through KOOPSUZ_TILES.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from browser_support import (ARTIFACTS, Session, browser, free_port, running_app, session,  # noqa: F401 - fixtures
                             tile_server, wait_healthy)
from conftest import HOSTILE, ROOT
from geo.demo import make_demo
from geo.select import within_boundaries
from geo.io.store import Workspace

pytestmark = pytest.mark.browser

HOSTILE_AT = Point(74.6600, 42.8950)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, gpd.GeoDataFrame]]:
    """The demo at a fifth of its volume, plus one incident with a hostile description."""
    layers = make_demo(scale=0.2)
    inc = layers["incidents"]
    extra = gpd.GeoDataFrame(
        {"id": ["XSS-1"], "occurred_at": pd.to_datetime(["2018-06-15 12:00"]).astype("datetime64[ms]"),
         "category": ["other"], "description": [HOSTILE], "raw_category": ["test"], "weight": [1.0]},
        geometry=[HOSTILE_AT], crs=4326,
    )
    layers["incidents"] = pd.concat([inc, extra.astype(inc.dtypes.to_dict())], ignore_index=True)
    path = tmp_path_factory.mktemp("ws") / "browser.gpkg"
    Workspace(path).write(layers, meta={"title": "browser test", "synthetic": "true"})  # the demo's invented data
    return path, layers


@pytest.fixture(scope="module")
def app(workspace, tile_server) -> Iterator[str]:
    with running_app(workspace[0], tile_server) as url:
        yield url


def expected(layers: dict[str, gpd.GeoDataFrame], area: str) -> tuple[int, int]:
    b = layers["boundaries"][layers["boundaries"]["area"] == area]
    return len(within_boundaries(layers["stations"], b)), len(b)


def test_overview_draws_every_station_and_boundary_offline(app, session, workspace, tile_server):
    layers = workspace[1]
    bishkek = expected(layers, "Bishkek")
    session.page.goto(app)
    session.wait_map(bishkek[0])
    assert session.counts() == bishkek
    assert session.map.locator("img.leaflet-tile-loaded").count() > 0  # local tiles drawn
    assert session.map.locator(".kz-legend").count() == 2
    # settlement boundaries, roads, cameras, police sites, incidents, settlement names
    assert session.map.locator(".leaflet-control-layers-overlays label").count() == 6
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / "overview_bishkek.png"), full_page=True)

    # a filter change redraws the map with the other area's layers
    session.choose_nth("f_area", 1)  # Jeti-Oguz: areas in the order of their stored names
    jeti = expected(layers, "Jeti-Oguz")
    assert jeti != bishkek
    deadline = time.monotonic() + 60
    while session.counts() != jeti and time.monotonic() < deadline:
        session.page.wait_for_timeout(500)  # not time.sleep: the route handler runs only inside Playwright calls
    session.page.screenshot(path=str(ARTIFACTS / "overview_jeti_oguz.png"), full_page=True)
    assert session.counts() == jeti

    assert session.errors == []
    assert session.remote == []
    assert session.failed == []


def test_hostile_description_shows_as_text_and_runs_nothing(app, session, workspace):
    session.page.goto(app)
    session.wait_map(expected(workspace[1], "Bishkek")[0])
    body = session.map.locator("body")
    body.evaluate(f"() => window.map.setView([{HOSTILE_AT.y}, {HOSTILE_AT.x}], 19, {{animate: false}})")
    session.page.wait_for_timeout(1500)
    box = session.map.locator(".leaflet-container").bounding_box()
    session.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = session.map.locator(".kz-incident-popup")
    popup.wait_for(timeout=10_000)
    text = popup.inner_text()
    assert "XSS-1" in text
    assert "<script>window.__kz_pwned = 1</script>" in text
    assert session.map.locator(".kz-incident-popup script, .kz-incident-popup img").count() == 0
    assert body.evaluate("() => window.__kz_pwned === undefined")
    assert session.page.evaluate("() => window.__kz_pwned === undefined")
    session.page.screenshot(path=str(ARTIFACTS / "hostile_popup.png"))
    assert session.errors == []


def test_make_run_answers_health(tmp_path):
    """`make run` on an already set-up checkout answers within 90 s."""
    if shutil.which("make") is None:
        pytest.fail("make is not installed")
    port = free_port()
    proc = subprocess.Popen(["make", "-s", "run", f"PORT={port}"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        took = wait_healthy(port, proc, 90)
        print(f"make run healthy after {took:.1f} s")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(10)


def test_panning_and_zooming_do_not_rerun_the_page(app, browser, workspace):
    s = Session(browser)
    sent: list[int] = []
    s.page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    try:
        s.page.goto(app)
        s.wait_map(expected(workspace[1], "Bishkek")[0])
        s.page.wait_for_timeout(2000)
        before = len(sent)
        box = s.map.locator(".leaflet-container").bounding_box()
        x, y = box["x"] + box["width"] / 3, box["y"] + box["height"] / 2
        s.page.mouse.move(x, y)
        s.page.mouse.down()
        s.page.mouse.move(x + 150, y + 80, steps=10)
        s.page.mouse.up()
        s.map.locator(".leaflet-control-zoom-in").click()
        s.page.mouse.wheel(0, 300)
        s.page.wait_for_timeout(3000)
        assert sent[before:] == [], "the page asked the server to rerun after a pan or zoom"
        assert s.errors == []
    finally:
        s.close()


REGISTRY_CSV = (
    "№;Дата совершения;Время;Статья;Фабула;Широта;Долгота\n"
    "1;03.04.2016;14:30;Хулиганство (ст. 234 УК КР);Драка у рынка;42,8746;74,5698\n"
    "2;15.04.2016;09:05;Кража с проникновением в жилище;Из квартиры похищено имущество;42,8901;74,6612\n"
    "3;01.05.2016;23:10;ДТП с пострадавшими;Наезд на пешехода;42,8801;74,6012\n"
    "4;31.02.2016;10:00;Кража скота;Угнан скот;42,9000;74,7000\n"
    "5;02.05.2016;;Мошенничество;<b>жирный</b> <script>window.__kz_pwned=3</script>;0;0\n"
)


def test_data_page_imports_a_registry_export(browser, workspace, tmp_path):
    """Upload a CP1251 export, read the check, import, and find it on the Overview."""
    ws = tmp_path / "import.gpkg"
    shutil.copyfile(workspace[0], ws)
    upload = tmp_path / "registry.csv"
    upload.write_bytes(REGISTRY_CSV.encode("cp1251"))
    with running_app(ws, "none") as url:
        s = Session(browser)
        try:
            s.page.goto(url)
            s.go("data")
            s.page.locator(".st-key-imp_file input[type=file]").set_input_files(str(upload))
            confirm = s.page.get_by_role("button", name="Import 3 incidents")
            confirm.wait_for(timeout=60_000)
            want = ("Read", "Accepted", "of which repaired", "Rejected")
            deadline = time.monotonic() + 60
            while True:  # the check's metrics appear one by one while the page reruns
                metrics = {m.locator("[data-testid=stMetricLabel]").inner_text().strip():
                           m.locator("[data-testid=stMetricValue]").inner_text().strip()
                           for m in s.page.locator("[data-testid=stMetric]").all()}
                if all(k in metrics for k in want) or time.monotonic() > deadline:
                    break
                s.page.wait_for_timeout(500)
            assert {k: metrics[k] for k in ("Read", "Accepted", "of which repaired", "Rejected")} == {
                "Read": "5", "Accepted": "3", "of which repaired": "0", "Rejected": "2"}
            assert s.page.get_by_text("encoding cp1251").count() == 1
            s.page.get_by_text("Rejected rows (2)").click()
            s.key("imp_confirm_replace").locator("label").click()  # the demo's incidents replaced: confirmed
            s.settle()
            confirm.click()
            s.page.get_by_text("Imported 3 incidents from registry.csv (replace)").wait_for(timeout=60_000)
            s.page.screenshot(path=str(ARTIFACTS / "data_import.png"))
            s.go("")
            s.map.locator(".leaflet-container").wait_for(timeout=60_000)
            incidents = s.page.locator("[data-testid=stMetric]").filter(has_text="Incidents")
            deadline = time.monotonic() + 30
            while "3" != incidents.locator("[data-testid=stMetricValue]").inner_text().strip() and \
                    time.monotonic() < deadline:
                s.page.wait_for_timeout(500)
            assert incidents.locator("[data-testid=stMetricValue]").inner_text().strip() == "3"
            assert s.page.evaluate("() => window.__kz_pwned === undefined")
            assert s.errors == [] and s.remote == [] and s.failed == []
        finally:
            s.close()
    back = Workspace(ws)
    assert len(back.read("incidents")) == 3 and len(back.read_table("rejected_incidents")) == 2


def test_hotspots_page_shows_each_method(app, session, workspace):
    s = session
    s.page.goto(app)
    s.wait_map(expected(workspace[1], "Bishkek")[0])
    s.go("hotspots")
    s.map.locator(".leaflet-container").wait_for(timeout=60_000)
    # density: an image overlay on the map, and both time charts (the page opens on Gi*, the pack's default)
    s.choose_nth("hs_method", 0)
    s.map.locator("img.leaflet-image-layer").wait_for(state="attached", timeout=60_000)
    s.page.locator(".vega-embed").nth(1).wait_for(timeout=60_000)  # the charts draw after the map
    assert s.page.locator(".vega-embed").count() == 2
    assert s.page.get_by_role("button", name="Download the surface (GeoTIFF)").count() == 1
    s.page.screenshot(path=str(ARTIFACTS / "hotspots_density.png"))
    # Gi*: significant cells drawn, and the table of top hotspots
    s.choose_nth("hs_method", 1)  # hot spots (Gi*)
    s.map.locator("path.kz-gi-cell").first.wait_for(state="attached", timeout=60_000)
    assert s.map.locator("path.kz-gi-cell").count() > 0
    assert s.page.get_by_text("Top hotspots").count() == 1
    s.page.screenshot(path=str(ARTIFACTS / "hotspots_gi.png"))
    # rates: one polygon per Bishkek settlement
    s.choose_nth("hs_method", 2)  # smoothed rate (Empirical Bayes)
    n_units = expected(workspace[1], "Bishkek")[1]
    deadline = time.monotonic() + 60
    while s.map.locator("path.kz-boundary").count() != n_units and time.monotonic() < deadline:
        s.page.wait_for_timeout(500)
    assert s.map.locator("path.kz-boundary").count() == n_units
    s.choose_nth("hs_method", 4)  # clusters of high and low rates (LISA)
    s.map.locator("path.kz-lisa").first.wait_for(state="attached", timeout=60_000)
    assert s.map.locator("path.kz-lisa").count() == n_units
    s.page.screenshot(path=str(ARTIFACTS / "hotspots_lisa.png"))
    assert s.errors == [] and s.remote == [] and s.failed == []


def test_planner_proposes_sites_for_kelechek_and_the_jeti_oguz_road(app, session, workspace):
    s = session
    s.page.goto(app)
    s.wait_map(expected(workspace[1], "Bishkek")[0])
    s.go("planner")
    propose = s.key("pl_run").get_by_role("button")
    propose.wait_for(timeout=60_000)
    # Kelechek: its new station covers it at 1.5 km, so ask for two posts within 300 m
    s.key("pl_radius_False").get_by_role("spinbutton").fill("300")
    s.key("pl_radius_False").get_by_role("spinbutton").press("Enter")
    s.page.wait_for_timeout(1000)
    s.pick("f_units_Bishkek", "Kelechek")
    s.page.wait_for_timeout(1500)
    s.key("pl_k").get_by_role("spinbutton").fill("2")
    s.key("pl_k").get_by_role("spinbutton").press("Enter")
    s.page.wait_for_timeout(1000)
    propose.click()
    s.page.get_by_text("Proposed sites", exact=True).wait_for(timeout=120_000)
    s.page.screenshot(path=str(ARTIFACTS / "planner_kelechek.png"), full_page=True)
    s.map.locator(".kz-proposed").nth(1).wait_for(state="attached", timeout=60_000)
    assert s.map.locator(".kz-proposed").count() == 2
    assert s.page.get_by_text("Proven optimal: no other choice among these candidates does better").count() == 1
    s.page.screenshot(path=str(ARTIFACTS / "planner_kelechek.png"))
    # Jeti-Oguz: cameras along the main road
    s.choose_nth("f_area", 1)  # Jeti-Oguz
    propose.wait_for(timeout=60_000)
    s.choose_nth("pl_facility", 1)  # video camera
    s.key("pl_k").get_by_role("spinbutton").fill("4")
    s.key("pl_k").get_by_role("spinbutton").press("Enter")
    s.page.wait_for_timeout(1000)
    propose.click()
    s.map.locator(".kz-proposed").nth(3).wait_for(state="attached", timeout=120_000)
    assert s.map.locator(".kz-proposed").count() == 4
    s.page.screenshot(path=str(ARTIFACTS / "planner_jeti_oguz.png"))
    assert s.errors == [] and s.remote == [] and s.failed == []


def test_planner_by_drive_time_with_candidates_from_a_file_and_an_excluded_settlement(app, session, workspace,
                                                                                        tmp_path):
    from geo.siting import along_roads

    layers = workspace[1]
    units = layers["boundaries"][layers["boundaries"]["area"] == "Jeti-Oguz"]
    cands = within_boundaries(along_roads(within_boundaries(layers["roads"], units), spacing=1500), units)
    cands = cands.to_crs(4326)
    upload = tmp_path / "candidate_sites.csv"
    pd.DataFrame({"name": [f"Plot {i}" for i in range(len(cands))], "latitude": cands.geometry.y.round(6),
                  "longitude": cands.geometry.x.round(6)}).to_csv(upload, index=False)
    joined = gpd.sjoin(cands[["geometry"]], units[["name", "geometry"]], predicate="within")
    banned = joined["name"].value_counts().index[0]
    n_banned = int((joined["name"] == banned).sum())
    assert 0 < n_banned < len(cands)

    s = session
    s.page.goto(app)
    s.wait_map(expected(layers, "Bishkek")[0])
    s.go("planner")
    propose = s.key("pl_run").get_by_role("button")
    propose.wait_for(timeout=60_000)
    s.choose_nth("f_area", 1)  # Jeti-Oguz
    s.choose_nth("pl_standard", 1)  # drive time
    s.key("pl_minutes").get_by_role("spinbutton").wait_for(timeout=60_000)
    s.key("pl_source_False").get_by_role("combobox").click()
    s.page.get_by_role("option", name="Points from a file").click()
    s.key("pl_cand_file").locator("input[type=file]").set_input_files(str(upload))
    s.page.get_by_text(upload.name).first.wait_for(timeout=60_000)
    s.settle()
    s.page.locator("[data-testid=stExpander]:has(.st-key-pl_banned) summary").click()
    s.pick("pl_banned", banned)
    s.page.wait_for_timeout(1500)
    s.key("pl_k").get_by_role("spinbutton").fill("2")
    s.key("pl_k").get_by_role("spinbutton").press("Enter")
    s.page.wait_for_timeout(1000)
    propose.click()
    s.page.get_by_text("Today and with the proposed sites").wait_for(timeout=120_000)
    caption = f"candidate sites used: {len(cands) - n_banned:,}, left out: {n_banned:,}"
    s.page.get_by_text(caption).wait_for(timeout=30_000)
    s.map.locator(".kz-proposed").nth(1).wait_for(state="attached", timeout=60_000)
    assert s.map.locator(".kz-proposed").count() == 2
    # the proposed sites' drive-time reach, dissolved into one shape (layers.coverage.service_layer): polygons
    # along the roads, not circles of the radius (Leaflet draws a circle with arcs, one path per site; a
    # buffered circle would be a regular many-sided polygon, of compactness 1)
    reach = s.map.locator("path.kz-proposed-area")
    assert reach.count() == 1
    # Leaflet writes "M0 0" for a path until the map has laid it out in view: wait (bounded) for its outline
    deadline = time.monotonic() + 30
    paths = reach.evaluate_all("els => els.map(e => e.getAttribute('d'))")
    while any(len(re.findall(r"-?[\d.]+[ ,]-?[\d.]+", d or "")) < 2 for d in paths) and time.monotonic() < deadline:
        s.page.wait_for_timeout(500)
        paths = reach.evaluate_all("els => els.map(e => e.getAttribute('d'))")
    for d in paths:
        assert not re.search(r"[aA]", d), "a proposed reach is drawn as a circle"
        rings = [np.array(re.findall(r"(-?[\d.]+)[ ,](-?[\d.]+)", ring), dtype=float)
                 for ring in re.split(r"[zZ]", d) if ring.strip()]
        ring = max(rings, key=len)
        # enough corners for the roundness below to mean something (Leaflet simplifies paths to the zoom)
        assert len(ring) >= 6, f"a drive-time reach of {len(ring)} vertices"
        x, y = ring[:, 0], ring[:, 1]
        area = abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2
        perimeter = np.hypot(np.diff(x, append=x[0]), np.diff(y, append=y[0])).sum()
        assert 4 * np.pi * area / perimeter**2 < 0.9, "a proposed reach is as round as a circle"
    s.page.screenshot(path=str(ARTIFACTS / "planner_drive_time.png"), full_page=True)
    assert s.errors == [] and s.remote == [] and s.failed == []


def test_exported_html_opens_offline_from_a_file(browser, workspace, tmp_path):
    from geo.printmap import MapContent
    from layers.basemap import Tiles
    from layers.compose import content_map
    from layers.standalone import standalone_html

    layers = workspace[1]
    units = layers["boundaries"][layers["boundaries"]["area"] == "Bishkek"]
    stations = within_boundaries(layers["stations"], units)
    content = MapContent(boundaries=units, roads=within_boundaries(layers["roads"], units), stations=stations,
                         incidents=within_boundaries(layers["incidents"], units))
    path = tmp_path / "map.html"
    path.write_text(standalone_html(content_map(content, tiles=Tiles("none")), title="Bishkek"), encoding="utf-8")

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    other: list[str] = []
    errors: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            other.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    try:
        page.goto(path.as_uri())
        page.locator(".leaflet-container").wait_for(timeout=30_000)
        page.locator("i.kz-station").nth(len(stations) - 1).wait_for(state="attached", timeout=30_000)
        assert page.locator("i.kz-station").count() == len(stations)
        assert page.locator("path.kz-outline").count() == len(units)
        assert page.locator(".marker-cluster").count() > 0  # the incident clusters, from inlined markercluster
        assert page.locator(".kz-legend").count() >= 1
        # the icon font came from a data: URI
        page.evaluate("() => document.fonts.ready")
        assert page.evaluate("() => document.fonts.check('900 14px \"Font Awesome 6 Free\"')")
        assert page.evaluate("() => window.__kz_pwned === undefined")
        assert page.title() == "Bishkek"
        page.screenshot(path=str(ARTIFACTS / "export_html.png"))
    finally:
        context.close()
    assert other == [] and errors == []


def test_export_page_downloads_a_print_map_and_the_pack(app, session, workspace, tmp_path):
    from PIL import Image

    s = session
    s.page.goto(app)
    s.wait_map(expected(workspace[1], "Bishkek")[0])
    s.go("export")
    s.key("ex_make").get_by_role("button").click()
    button = s.key("ex_dl_0").get_by_role("button")  # the first map made: the overview
    button.wait_for(timeout=120_000)
    with s.page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename.endswith(".png")
    png = tmp_path / "overview.png"
    info.value.save_as(png)
    assert Image.open(png).size == (1754, 1240)  # A4 landscape at 150 dpi
    s.page.locator("[data-testid=stMain] [role=tab]").nth(1).click()  # the action-plan pack
    build = s.key("pk_build").get_by_role("button")
    # the tab's content appears after a rerun; under load that has taken more than the 30 s default
    build.wait_for(timeout=120_000)
    build.click()
    button = s.key("pk_dl_pdf").get_by_role("button")
    button.wait_for(timeout=180_000)
    with s.page.expect_download() as info:
        button.click()
    pdf = tmp_path / "plan.pdf"
    info.value.save_as(pdf)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:"))) >= 8
    s.page.screenshot(path=str(ARTIFACTS / "export_page.png"), full_page=True)
    assert s.errors == [] and s.remote == [] and s.failed == []


def test_the_map_on_screen_downloads_as_one_offline_file(app, session, workspace, tmp_path):
    s = session
    s.page.goto(app)
    s.wait_map(expected(workspace[1], "Bishkek")[0])
    button = s.key("dl_map_overview_map").get_by_role("button")
    with s.page.expect_download(timeout=60_000) as info:
        button.click()
    path = tmp_path / "overview.html"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "<script src=" not in text and "/app/static/" not in text and "L.map(" in text
    assert text.count("kz-station") >= 1 and "<title>Overview</title>" in text
    # the page's own map still loads its assets from the app after the download
    s.page.reload()
    s.wait_map(expected(workspace[1], "Bishkek")[0])
    assert s.errors == [] and s.remote == [] and s.failed == []
