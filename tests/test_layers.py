"""folium layers: local assets only, escaped text, legends."""

from __future__ import annotations

import re
import subprocess
import sys

import folium
import numpy as np
import pytest

from geo.select import assign_units
from geo.stats.rates import unit_rates
from layers.assets import STATIC_DIR, STATIC_URL, AssetError, asset_urls, localize, missing_assets
from layers.basemap import Tiles, finish, new_map
from layers.boundaries import boundary_layer, rate_classes
from layers.cameras import camera_layer
from layers.incidents import SCRIPT, IncidentCluster, incident_payload
from layers.text import unpack_all
from layers.roads import road_layer
from layers.stations import station_layer
from conftest import HOSTILE, ROOT


def full_map(tiny, tiles: str = "none") -> folium.Map:
    inc = assign_units(tiny["incidents"], tiny["boundaries"])
    m = new_map(tuple(tiny["boundaries"].total_bounds), tiles=Tiles.parse(tiles))
    layer, legend = boundary_layer(unit_rates(inc, tiny["boundaries"]))
    layer.add_to(m)
    legend.add_to(m)
    road_layer(tiny["roads"]).add_to(m)
    camera_layer(tiny["cameras"]).add_to(m)
    station_layer(tiny["stations"]).add_to(m)
    IncidentCluster(inc).add_to(m)
    return finish(m)


def test_every_asset_is_served_locally_and_installed(tiny):
    m = full_map(tiny)
    urls = asset_urls(m)
    assert urls and all(u.startswith(STATIC_URL) for u in urls), urls
    assert any(u.endswith("leaflet.js") for u in urls)
    assert any(u.endswith("leaflet.markercluster.js") for u in urls)
    assert missing_assets() == [], "run `make assets`"
    for u in urls:
        assert (STATIC_DIR / u.removeprefix(STATIC_URL)).is_file(), u


def test_rendered_map_has_no_remote_url_without_tiles(tiny):
    html = full_map(tiny).get_root().render()
    remote = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert remote == set(), remote


def test_osm_tiles_are_the_only_remote_url_by_default(tiny):
    html = full_map(tiny, tiles="osm").get_root().render()
    remote = {u.split("/")[2] for u in re.findall(r"https?://[^\s\"'<>)]+", html)}
    assert remote == {"tile.openstreetmap.org"}


def test_unknown_plugin_asset_is_refused(tiny):
    m = new_map((74.6, 42.8, 74.7, 42.9), tiles=Tiles("none"))
    folium.plugins.HeatMap([[42.85, 74.65]]).add_to(m)
    with pytest.raises(AssetError, match="has no local copy"):
        localize(m)


@pytest.mark.parametrize(("value", "setting"), [("", "osm"), ("OSM", "osm"), ("none", "none"),
                                                ("http://127.0.0.1:8080/{z}/{x}/{y}.png",
                                                 "http://127.0.0.1:8080/{z}/{x}/{y}.png")])
def test_tiles_setting(value, setting):
    assert Tiles.parse(value).setting == setting


def test_tiles_setting_rejects_a_url_without_placeholders():
    with pytest.raises(ValueError, match=r"\{z\}"):
        Tiles.parse("http://example.org/tiles.png")


def test_station_text_is_escaped(tiny):
    html = full_map(tiny).get_root().render()
    assert "HQ &lt;b&gt;bold&lt;/b&gt;" in html
    assert "HQ <b>bold</b>" not in html


def test_incident_text_travels_as_data_and_is_shown_as_text(tiny):
    payload = incident_payload(tiny["incidents"])
    assert HOSTILE in payload["desc"]
    html = full_map(tiny).get_root().render()
    assert "<script>window.__kz_pwned" not in html and "__kz_pwned" not in html  # travels compressed
    (sent,) = [d for d in unpack_all(html) if "desc" in d]
    assert HOSTILE in sent["desc"]  # and arrives whole, to be shown with textContent
    assert "textContent" in SCRIPT and "innerHTML" not in SCRIPT


def test_rate_classes_are_natural_breaks():
    cls, bins = rate_classes(np.array([1.0, 2.0, 2.5, 50.0, 51.0, np.nan, 100.0]), k=3)
    assert bins == [2.5, 51.0, 100.0]
    assert cls.tolist() == [0, 0, 0, 1, 1, -1, 2]
    cls, bins = rate_classes(np.array([np.nan, np.nan]))
    assert bins == [] and cls.tolist() == [-1, -1]


def test_camera_sectors_and_dome_circles(tiny):
    from geo.coverage import camera_sectors
    from geo.crs import to_metric

    sec = to_metric(camera_sectors(tiny["cameras"]))
    assert list(sec["shape"]) == ["sector", "circle"]
    # 60 degree sector of 150 m: pi * r^2 / 6; dome circle falls back to 100 m
    assert sec.area.iloc[0] == pytest.approx(np.pi * 150**2 / 6, rel=0.01)
    assert sec.area.iloc[1] == pytest.approx(np.pi * 100**2, rel=0.01)
    cam = to_metric(tiny["cameras"]).geometry.iloc[0]
    c = sec.geometry.iloc[0].centroid
    assert c.x > cam.x and abs(c.y - cam.y) < 5  # facing 90 degrees: east


def test_choropleth_keeps_every_unit_whatever_the_index(tiny):
    inc = assign_units(tiny["incidents"], tiny["boundaries"])
    units = unit_rates(inc, tiny["boundaries"]).iloc[1:]  # index 1, 2: not a fresh range
    layer, _ = boundary_layer(units)
    gj = next(c for c in layer._children.values() if isinstance(c, folium.GeoJson))
    geoms = [f["geometry"] for f in gj.data["features"]]
    assert len(geoms) == 2 and all(g is not None for g in geoms)


def test_template_syntax_in_user_text_is_never_evaluated(tiny):
    """folium compiles rendered scripts as Jinja templates; user text must stay inert."""
    probe = "{{ 'kz' ~ 'EVAL' }}{% if false %}KZHIDDEN{% endif %}{# open comment"
    tiny["stations"].loc[0, "name"] = probe
    tiny["cameras"].loc[0, "name"] = probe
    tiny["roads"].loc[0, "name"] = probe
    tiny["boundaries"].loc[0, "name"] = probe
    tiny["incidents"].loc[0, "description"] = probe
    html = full_map(tiny).get_root().render()
    assert "kzEVAL" not in html  # evaluated, the expression would read kzEVAL
    assert html.count("&#123;&#123; &#x27;kz&#x27; ~") >= 4  # station, camera, road, boundary
    assert html.count("KZHIDDEN") >= 4  # an evaluated {% if false %} would have removed it
    (sent,) = [d for d in unpack_all(html) if "desc" in d]
    assert sent["desc"][0] == probe  # the incident description, as data, whole


def test_the_web_layers_do_not_load_matplotlib():
    """The web path draws MapContent (geo.content) with folium only: importing it must not load matplotlib."""
    code = "import layers.compose, layers.standalone, sys; assert 'matplotlib' not in sys.modules"
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr


def test_an_empty_incident_layer_draws():
    """A selection whose incidents all lie elsewhere still gets a map: an empty layer, no dates to write."""
    import geopandas as gpd
    import pandas as pd

    empty = gpd.GeoDataFrame({"id": pd.Series(dtype=str), "category": pd.Series(dtype=str),
                              "occurred_at": pd.Series(dtype="datetime64[ns]")},
                             geometry=gpd.GeoSeries([], crs=4326))
    assert incident_payload(empty)["lat"] == []
    m = folium.Map(tiles=None)
    IncidentCluster(empty).add_to(m)
    (sent,) = unpack_all(m.get_root().render())
    assert sent["lat"] == [] and sent["lon"] == []
