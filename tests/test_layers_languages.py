"""The web maps in Russian and Kyrgyz: layer names, legends, tooltips, popups and settlement names.

Every text a builder of ``layers/`` writes is collected from the map it builds (layer names of the layer
control, legends, tooltips, popups, the incident popups' words and dates, the settlement labels, the zoom
and scale controls) and must hold no English word outside the allow-list (``tests/english.py``). The demo
workspace is used because its stations, cameras and roads have Russian and Kyrgyz names; user text such
as incident descriptions and registry numbers is data and left out.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from branca.element import Html

from english import english_words
from geo.content import MapContent
from geo.coverage import coverage_gaps, service_areas
from geo.demo import make_demo
from geo.i18n import Tr, area_names
from geo.select import assign_units
from geo.stats.areas import area_statistics
from geo.stats.density import kernel_density
from geo.stats.hotspots import hotspots
from geo.stats.rates import unit_rates
from layers.basemap import MapControls, Tiles, finish, new_map
from layers.boundaries import boundary_layer, lisa_layer, outline_layer
from layers.cameras import camera_layer
from layers.compose import content_map
from layers.coverage import gap_layer, planner_legend, proposed_layer, service_layer
from layers.density import density_layer
from layers.hotspots import gi_layer
from layers.incidents import IncidentCluster, category_legend
from layers.labels import SettlementLabels, label_payload
from layers.legend import Legend
from layers.roads import road_layer
from layers.stations import station_layer, station_legend
from conftest import HOSTILE

LANGS = ("ru", "ky")
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    return make_demo(scale=0.05)


@pytest.fixture(scope="module")
def bishkek(demo) -> dict[str, gpd.GeoDataFrame]:
    units = demo["boundaries"][demo["boundaries"]["area"] == "Bishkek"]
    inc = demo["incidents"][demo["incidents"].within(units.union_all())]
    stations = demo["stations"][demo["stations"].within(units.union_all())]
    return {"units": units, "incidents": assign_units(inc, units), "stations": stations}


def plain(text: str) -> str:
    """Markup removed, entities decoded: the words a reader sees."""
    return html.unescape(_TAG.sub(" ", text))


def _walk(element):
    yield element
    for child in element._children.values():
        yield from _walk(child)


def visible_texts(m: folium.Map) -> list[str]:
    """Every text the layers' builders put on ``m``, as a reader sees it (user descriptions and ids left out)."""
    out: list[str] = []
    for el in _walk(m):
        if isinstance(el, folium.map.Layer) and el.control and not isinstance(el, folium.Map):
            out.append(el.layer_name)
        if isinstance(el, Legend):
            out.append(plain(el.html))
        if isinstance(el, folium.GeoJson) and isinstance(el.data, dict):
            out += [plain(str(f["properties"]["label"])) for f in el.data.get("features", [])
                    if "label" in f.get("properties", {})]
        if isinstance(el, folium.Tooltip):
            out.append(plain(el.text))
        if isinstance(el, folium.Popup):
            out += [plain(c.data) for c in el.html._children.values() if isinstance(c, Html)]
        if isinstance(el, IncidentCluster):
            p = el.payload
            out += [*p["labels"], *p["words"].values(), *sorted(set(p["when"]))]
        if isinstance(el, SettlementLabels):
            out += el.payload["name"]
        if isinstance(el, MapControls):
            out += [el.zoom_in, el.zoom_out, el.m, el.km]
        if isinstance(el, folium.TileLayer):
            out.append(plain(el.options.get("attribution", "")))
    return [t for t in out if t]


def every_layer_map(demo, bishkek, lang: str, *, tiles: str = "none") -> folium.Map:
    """One map with every builder of layers/ in ``lang``."""
    units, inc, stations = bishkek["units"], bishkek["incidents"], bishkek["stations"]
    m = new_map(tuple(units.total_bounds), tiles=Tiles.parse(tiles), lang=lang)
    for layer, legend in (boundary_layer(unit_rates(inc, units, days=365), lang=lang),
                          lisa_layer(area_statistics(inc, units, days=365, permutations=99), lang=lang),
                          density_layer(kernel_density(inc), lang=lang),
                          gi_layer(hotspots(inc, boundary=units).cells, lang=lang)):
        layer.add_to(m)
        legend.add_to(m)
    outline_layer(units, lang=lang).add_to(m)
    service_layer(service_areas(stations, radius=800), lang=lang).add_to(m)
    gap_layer(coverage_gaps(inc, stations, radius=800, boundaries=units), lang=lang).add_to(m)
    sites = stations.iloc[:2][["geometry"]].assign(rank=[1, 2], new_covered_count=[1, 25])
    proposed_layer(sites, radius=800, lang=lang).add_to(m)
    planner_legend(gaps=True, lang=lang).add_to(m)
    road_layer(demo["roads"], lang=lang).add_to(m)
    camera_layer(demo["cameras"], lang=lang).add_to(m)
    station_layer(demo["stations"], lang=lang).add_to(m)
    station_legend(demo["stations"], lang=lang).add_to(m)
    IncidentCluster(inc, lang=lang).add_to(m)
    category_legend(sorted(set(inc["category"])), lang=lang).add_to(m)
    return finish(m, lang=lang, places=demo["boundaries"])


@pytest.mark.parametrize("lang", LANGS)
def test_every_layer_speaks_the_language(demo, bishkek, lang):
    m = every_layer_map(demo, bishkek, lang, tiles="osm")
    texts = visible_texts(m)
    assert len(texts) > 100
    found = english_words("\n".join(texts))
    assert not found, (lang, found.most_common(20))
    joined = "\n".join(texts)
    _ = Tr(lang)
    for msgid in ("Incidents per 100,000 residents a year", "Clusters of high and low rates (LISA)",
                  "Hot spots (Gi*)", "Density (kernel density)", "Coverage gaps", "Police stations", "Roads",
                  "Video cameras", "Settlement names", "Incidents", "Coverage"):
        assert _(msgid) != msgid and _(msgid) in joined, msgid
    sverdlovsky = {"ru": "Свердловский район", "ky": "Свердлов району"}[lang]
    kelechek_station = {"ru": "Отдел милиции ж/м Келечек", "ky": "Келечек конушунун милиция бөлүмү"}[lang]
    assert sverdlovsky in joined and kelechek_station in joined
    assert "Sverdlovsky" not in joined and "Kelechek" not in joined
    # dates and numbers as the language writes them
    assert _.date(demo["stations"].set_index("name").loc["Kelechek Police Station", "opened"].date()) in joined
    assert "\xa0" in joined or "\u202f" in joined  # grouped thousands or "г." joined by a no-break space


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_html_holds_the_translations(demo, bishkek, lang):
    page = every_layer_map(demo, bishkek, lang).get_root().render()
    _ = Tr(lang)
    # the layer control, legends and controls are in the page itself, in the language
    for msgid in ("Police stations", "Settlement names", "Zoom in"):
        forms = (_(msgid), html.escape(_(msgid)), json.dumps(_(msgid))[1:-1])  # as text, markup or a JS string
        assert any(f in page for f in forms), msgid
    for english in ('"Police stations"', '"Settlement names"', "Zoom in", "Registry no.", " ft", "'Category'"):
        assert english not in page, english
    assert "imperial: false" in page


def test_english_stays_the_default(demo, bishkek):
    texts = "\n".join(visible_texts(every_layer_map(demo, bishkek, "en")))
    for words in ("Incidents per 100,000 residents a year", "Police stations", "Settlement names", "Sverdlovsky",
                  "Hot spots (Gi*)", "Kelechek Police Station"):
        assert words in texts, words


@pytest.mark.parametrize("lang", LANGS)
def test_compose_map_in_each_language(demo, bishkek, lang):
    units, inc = bishkek["units"], bishkek["incidents"]
    rates = unit_rates(inc, units, days=365).rename(columns={"rate": "value"})
    content = MapContent(boundaries=units, roads=demo["roads"], stations=bishkek["stations"],
                         cameras=demo["cameras"], incidents=inc, rates=rates)
    m = content_map(content, tiles=Tiles("none"), lang=lang)
    texts = visible_texts(m)
    found = english_words("\n".join(texts))
    assert not found, (lang, found.most_common(20))
    _ = Tr(lang)
    joined = "\n".join(texts)
    assert _(content.rate_label) in joined and _(content.rate_label) != content.rate_label
    labels = next(el for el in _walk(m) if isinstance(el, SettlementLabels))
    assert {"ru": "Свердловский район", "ky": "Свердлов району"}[lang] in labels.payload["name"]
    assert labels.layer_name == _("Settlement names")
    m.get_root().render()


def test_compose_labels_follow_the_label_field(demo):
    content = MapContent(boundaries=demo["boundaries"], labels=True, label_field="name_ky")
    m = content_map(content, tiles=Tiles("none"), lang="ru")
    labels = next(el for el in _walk(m) if isinstance(el, SettlementLabels))
    assert "Свердлов району" in labels.payload["name"] and labels.layer_name == "Названия населённых пунктов"
    off = content_map(MapContent(boundaries=demo["boundaries"], labels=False), tiles=Tiles("none"), lang="ru")
    assert not any(isinstance(el, SettlementLabels) for el in _walk(off))


@pytest.mark.parametrize(("lang", "names"), [
    ("ru", {"Свердловский район", "Келечек", "Кызыл-Суу", "Джети-Огуз"}),
    ("ky", {"Свердлов району", "Келечек", "Кызыл-Суу", "Жети-Өгүз"}),
    ("en", {"Sverdlovsky", "Kelechek", "Kyzyl-Suu", "Jeti-Oguz village"}),
])
def test_settlement_labels_are_named_in_the_language(demo, lang, names):
    p = label_payload(demo["boundaries"], lang=lang)
    assert len(p["name"]) == len(demo["boundaries"])
    assert names <= set(p["name"])
    zoom = dict(zip(p["name"], p["zoom"], strict=True))
    big = {"ru": "Свердловский район", "ky": "Свердлов району", "en": "Sverdlovsky"}[lang]
    # a city district is named at the opening zoom of a city map (about 12), the rural territories at the
    # rayon's (about 9), the small Kelechek settlement no sooner than the districts around it
    assert zoom[big] <= 12 <= zoom["Келечек" if lang != "en" else "Kelechek"]
    assert zoom["Кызыл-Суу" if lang != "en" else "Kyzyl-Suu"] <= 10
    assert all(0 <= z <= 18 for z in p["zoom"])
    # every label sits inside its own settlement
    pts = gpd.points_from_xy(p["lon"], p["lat"], crs=4326)
    assert all(g.contains(pt) for g, pt in zip(demo["boundaries"].geometry, pts, strict=True))


def test_many_small_units_wait_for_a_closer_zoom():
    from shapely.geometry import box

    x0, y0 = 74.5, 42.8
    cells = [box(x0 + 0.004 * i, y0 + 0.004 * j, x0 + 0.004 * (i + 1), y0 + 0.004 * (j + 1))
             for i in range(20) for j in range(20)]
    units = gpd.GeoDataFrame({"name": [f"Участок {k}" for k in range(len(cells))]}, geometry=cells, crs=4326)
    p = label_payload(units, lang="ru")
    assert len(p["name"]) == 400 and min(p["zoom"]) >= 15  # 300 m squares: no label at a city-wide zoom


def test_settlement_labels_are_escaped_and_never_evaluated(tiny):
    probe = "{{ 'kz' ~ 'EVAL' }}"
    b = tiny["boundaries"].assign(name_ru=[HOSTILE, probe, None])
    m = new_map(tuple(b.total_bounds), tiles=Tiles("none"), lang="ru")
    page = finish(m, lang="ru", places=b).get_root().render()
    assert "<script>window.__kz_pwned" not in page and "<img src=x" not in page
    assert "\\u003cscript\\u003ewindow.__kz_pwned" in page  # inside a JSON string, shown with textContent
    assert "kzEVAL" not in page and "{{ \\u0027kz\\u0027 ~ \\u0027EVAL\\u0027 }}" in page
    assert '"C"' in page  # no Russian name: the stored one
    assert "span.textContent = d.name[i]" in page and "kz-place-label" in page
    assert json.dumps("Названия населённых пунктов")[1:-1] in page  # the layer control's entry


def test_tooltips_escape_translated_names(tiny):
    b = tiny["boundaries"].assign(name_ru=["<b>Б</b>", "Б2", ""])
    layer = outline_layer(b, lang="ru")
    gj = next(c for c in layer._children.values() if isinstance(c, folium.GeoJson))
    labels = [f["properties"]["label"] for f in gj.data["features"]]
    assert labels == ["&lt;b&gt;Б&lt;/b&gt;", "Б2", "C"]  # an empty translation falls back on the stored name


def test_standalone_file_declares_its_language(demo):
    from layers.assets import missing_assets
    from layers.standalone import standalone_html

    if missing_assets():
        pytest.skip("map assets not installed (make assets)")
    m = content_map(MapContent(boundaries=demo["boundaries"]), tiles=Tiles("none"), lang="ky")
    page = standalone_html(m, lang="ky")
    assert '<html lang="ky"' in page and "<title>Koopsuz картасы</title>" in page
    assert "<title>Карта Koopsuz</title>" in standalone_html(m, lang="ru")


def test_demo_areas_have_names_in_each_language(demo):
    assert area_names(demo["boundaries"], "ru") == {"Bishkek": "Бишкек", "Jeti-Oguz": "Джети-Огуз"}
    assert area_names(demo["boundaries"], "ky") == {"Bishkek": "Бишкек", "Jeti-Oguz": "Жети-Өгүз"}
    assert area_names(demo["boundaries"], "en") == {"Bishkek": "Bishkek", "Jeti-Oguz": "Jeti-Oguz"}


@pytest.mark.parametrize("area", ["Jeti-Oguz", "Bishkek"])
def test_names_show_at_the_opening_zoom_and_never_overlap(demo: dict[str, gpd.GeoDataFrame], area: str,
                                                          tmp_path) -> None:
    # In a real browser: the map as a council member first sees it (the area's extent), then zoomed in twice.
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    from layers.standalone import standalone_html

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    b = demo["boundaries"]
    units = b[b["area"] == area]
    m = new_map(tuple(units.to_crs(4326).total_bounds), tiles=Tiles("none"), lang="ky")
    finish(m, lang="ky", places=units)
    page_file = tmp_path / "map.html"
    page_file.write_text(standalone_html(m, lang="ky"), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 560})
            page.goto(page_file.as_uri())
            page.wait_for_selector(".kz-place-label span", timeout=15_000)
            page.wait_for_timeout(500)  # the opening fit to the area's bounds settles
            shown = []
            for step in range(3):
                boxes = page.eval_on_selector_all(
                    ".kz-place-label span",
                    "els => els.map(e => { const r = e.getBoundingClientRect(); "
                    "return [e.textContent, r.left, r.top, r.right, r.bottom]; })")
                shown.append({name for name, *_r in boxes})
                for i, (n1, *a) in enumerate(boxes):
                    for n2, *c in boxes[i + 1:]:
                        assert a[2] <= c[0] or c[2] <= a[0] or a[3] <= c[1] or c[3] <= a[1], (step, n1, n2)
                if step < 2:
                    page.evaluate("() => { const m = Object.values(window).find(v => v && v._leaflet_id && "
                                  "v.getZoom); m.setZoom(m.getZoom() + 1, {animate: false}); }")
                    page.wait_for_timeout(300)
        finally:
            browser.close()
    names = set(label_payload(units, lang="ky")["name"])
    assert len(shown[0]) >= len(names) // 2, (shown[0], names)  # at least half the settlements named at once
    assert shown[0] <= names and shown[2] >= shown[0]  # zooming in never loses a name


@pytest.mark.parametrize("area", ["Jeti-Oguz", "Bishkek"])
def test_a_map_opens_fitted_to_its_area(demo: dict[str, gpd.GeoDataFrame], area: str, tmp_path) -> None:
    # Whole zoom steps round the fit down: Bishkek opened filling half the map's height (a zoom level too far out).
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    from layers.standalone import standalone_html

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    units = demo["boundaries"][demo["boundaries"]["area"] == area]
    minx, miny, maxx, maxy = units.to_crs(4326).total_bounds
    m = new_map((minx, miny, maxx, maxy), tiles=Tiles("none"), lang="ru")
    page_file = tmp_path / "map.html"
    page_file.write_text(standalone_html(finish(m, lang="ru"), lang="ru"), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 560})
            page.goto(page_file.as_uri())
            page.wait_for_function("() => Object.values(window).some(v => v && v._leaflet_id && v.getZoom)")
            page.wait_for_timeout(300)
            w, s, e, n = page.evaluate("() => { const m = Object.values(window).find(v => v && v._leaflet_id && "
                                       "v.getZoom); const b = m.getBounds(); "
                                       "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }")
        finally:
            browser.close()
    assert w <= minx and s <= miny and e >= maxx and n >= maxy  # the whole area is in view
    assert max((maxx - minx) / (e - w), (maxy - miny) / (n - s)) >= 0.8  # and fills the map along one side
