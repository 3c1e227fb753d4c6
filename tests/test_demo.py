"""Tests of the synthetic demo generator (geo/demo.py)."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.crs import local_crs
from geo.demo import DEFAULT_SEED, JETI_OGUZ_SETTLEMENTS, YEARS, make_demo, write_demo
from geo.categories import PLAN_CATEGORIES
from geo.schema import LAYERS, require_valid
from geo.io.store import Workspace


@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    return make_demo()


@pytest.fixture(scope="module")
def joined(demo: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Incidents with the boundary unit they fall in, found spatially (not from a stored attribute)."""
    inc = demo["incidents"]
    b = demo["boundaries"][["name", "area", "district", "population", "geometry"]]
    j = gpd.sjoin(inc, b, how="left", predicate="within")
    assert j.index.is_unique, "an incident falls in two units"
    assert j["name"].notna().all(), "an incident falls outside every unit"
    return j.assign(year=j["occurred_at"].dt.year)


def _utm(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(local_crs(gdf))


def test_every_layer_is_valid_with_exactly_the_schema_fields(demo):
    assert sorted(demo) == sorted(LAYERS)
    for name, gdf in demo.items():
        assert len(gdf) > 0, name
        assert gdf.crs.to_epsg() == 4326, name
        assert list(gdf.columns) == [*LAYERS[name].field_names, gdf.geometry.name], name
        assert len(require_valid(gdf, name)) == len(gdf), name


def test_same_seed_same_frames_other_seed_differs(demo):
    again = make_demo(seed=DEFAULT_SEED)
    for name in demo:
        pd.testing.assert_frame_equal(demo[name], again[name], check_exact=True)
    other = make_demo(seed=DEFAULT_SEED + 1)
    n = min(len(demo["incidents"]), len(other["incidents"]))  # the interventions' effect draws differ too
    assert not demo["incidents"].geometry.iloc[:n].geom_equals_exact(other["incidents"].geometry.iloc[:n], 0,
                                                                     align=False).all()
    assert not demo["incidents"]["occurred_at"].equals(other["incidents"]["occurred_at"])
    # the map itself does not depend on the seed
    pd.testing.assert_frame_equal(demo["boundaries"], other["boundaries"])


def test_ids_and_years(demo):
    inc = demo["incidents"]
    assert inc["id"].is_unique
    assert inc["id"].str.fullmatch(r"(BIS|JOG)-(2016|2017|2018)-\d{6}").all()
    assert (inc["id"].str[4:8].astype(int) == inc["occurred_at"].dt.year).all()
    assert set(inc["occurred_at"].dt.year) == set(YEARS)
    assert set(inc["category"]) == set(PLAN_CATEGORIES)  # the demo draws the two action plans' categories
    assert (inc["weight"] == 1.0).all()
    assert not inc["description"].str.contains("<").any()


def test_bishkek_yearly_volume(joined):
    per_year = joined[joined["area"] == "Bishkek"].groupby("year").size()
    assert list(per_year.index) == list(YEARS)
    assert per_year.between(9_500, 10_500).all(), per_year.to_dict()


def test_sverdlovsky_district_2016_rate_is_1341_and_highest(demo, joined):
    b = demo["boundaries"]
    bis = b[b["area"] == "Bishkek"]
    pop = bis.groupby("district")["population"].sum()
    assert pop["Sverdlovsky"] == 250_000
    n = joined[(joined["area"] == "Bishkek") & (joined["year"] == 2016)].groupby("district").size()
    rate = n / pop * 100_000
    assert abs(rate["Sverdlovsky"] - 1341) <= 1, rate.to_dict()
    assert n["Sverdlovsky"] == round(1341 * 250_000 / 100_000 * 1.0)
    assert rate.idxmax() == "Sverdlovsky"
    assert (rate.drop("Sverdlovsky") < 1100).all(), rate.to_dict()


def test_jeti_oguz_yearly_volume(joined):
    per_year = joined[joined["area"] == "Jeti-Oguz"].groupby("year").size()
    assert list(per_year.index) == list(YEARS)
    assert per_year.between(450, 550).all(), per_year.to_dict()


def test_boundaries_tile_and_populations(demo):
    b = demo["boundaries"]
    for area in ("Bishkek", "Jeti-Oguz"):
        u = _utm(b[b["area"] == area]).geometry.to_list()
        for p, q in itertools.combinations(u, 2):
            assert p.intersection(q).area < 1.0
    jog = b[b["area"] == "Jeti-Oguz"]
    assert jog["population"].sum() == 63_900
    assert len(jog) == len(JETI_OGUZ_SETTLEMENTS)
    assert (jog["district"] == "Jeti-Oguz").all()
    bis = b[b["area"] == "Bishkek"]
    assert set(bis["name"]) == {"Leninsky", "Oktyabrsky", "Pervomaysky", "Sverdlovsky", "Kelechek"}
    assert bis.set_index("name").loc["Kelechek", "district"] == "Sverdlovsky"
    assert b[["name_ru", "name_ky"]].notna().all().all()
    # the outlines are not rectangles
    for area in ("Bishkek", "Jeti-Oguz"):
        whole = shapely.union_all(_utm(b[b["area"] == area]).geometry.to_list())
        assert whole.area < 0.9 * shapely.envelope(whole).area


def test_local_crs_per_area(demo):
    b = demo["boundaries"]
    assert local_crs(b[b["area"] == "Bishkek"]).to_epsg() == 32643
    assert local_crs(b[b["area"] == "Jeti-Oguz"]).to_epsg() == 32644


def test_kelechek_station_inside_kelechek(demo):
    st = demo["stations"].set_index("name")
    kel = demo["boundaries"].set_index("name").geometry["Kelechek"]
    row = st.loc["Kelechek Police Station"]
    assert kel.contains(row.geometry)
    assert row["kind"] == "station"
    assert row["opened"] == pd.Timestamp("2017-12-01")
    assert set(st["kind"]) == {"headquarters", "station", "post", "prevention_centre"}
    js = st.loc["Jeti-Oguz Rayon Police Department"]
    assert "renovat" in js["address"] or "ремонт" in js["address"]


def test_cameras(demo):
    cam = demo["cameras"]
    dome = cam["direction_deg"].isna()
    assert dome.sum() == 2
    assert cam.loc[dome, "fov_deg"].isna().all()
    assert (cam.loc[dome, "range_m"] == 60).all()
    assert cam["name"].str.startswith("A363").sum() in range(10, 16)
    assert cam["name"].str.startswith("Pilot").sum() == 6


def test_roads_near_their_area(demo):
    b = demo["boundaries"]
    roads = demo["roads"]
    assert set(roads["road_class"]) <= {"motorway", "primary", "secondary", "tertiary", "residential"}
    for area in ("Bishkek", "Jeti-Oguz"):
        outline = b[b["area"] == area]
        crs = local_crs(outline)
        whole = shapely.union_all(outline.to_crs(crs).geometry.to_list())
        r = roads.to_crs(crs)
        near = r.geometry.distance(whole) < 2_000
        assert near.sum() >= 4, area
    assert all(roads.to_crs(local_crs(b)).geometry.distance(
        shapely.union_all(b.to_crs(local_crs(b)).geometry.to_list())) < 2_000)


def test_road_traffic_hugs_roads_burglary_does_not(demo, joined):
    roads = demo["roads"]
    med = {}
    for cat in ("road_traffic", "burglary"):
        dists = []
        for area in ("Bishkek", "Jeti-Oguz"):
            pts = joined[(joined["category"] == cat) & (joined["area"] == area)]
            crs = local_crs(demo["boundaries"][demo["boundaries"]["area"] == area])
            r = shapely.union_all(roads.to_crs(crs).geometry.to_list())
            dists.append(pts.to_crs(crs).geometry.distance(r).to_numpy())
        med[cat] = float(np.median(np.concatenate(dists)))
    assert med["road_traffic"] < 50, med
    assert med["burglary"] > 2 * med["road_traffic"], med
    assert med["burglary"] > 100, med


def test_livestock_theft_on_jeti_oguz_pastures(demo, joined):
    lt = joined[joined["category"] == "livestock_theft"]
    assert (lt["area"] == "Jeti-Oguz").mean() > 0.8
    jog = lt[lt["area"] == "Jeti-Oguz"]
    crs = local_crs(demo["boundaries"][demo["boundaries"]["area"] == "Jeti-Oguz"])
    centres = gpd.GeoSeries.from_xy([s[3] for s in JETI_OGUZ_SETTLEMENTS], [s[4] for s in JETI_OGUZ_SETTLEMENTS],
                                    crs=4326).to_crs(crs)
    d = jog.to_crs(crs).geometry.distance(shapely.union_all(centres.to_list()))
    assert d.median() > 2_000
    # and more of it in the pasture season (June-October) than in winter
    month = jog["occurred_at"].dt.month
    assert month.between(6, 10).mean() > 0.6


def test_hour_profiles(joined):
    hour = joined["occurred_at"].dt.hour
    po = hour[joined["category"] == "public_order"].value_counts()
    assert 18 <= po.idxmax() <= 23
    dv = hour[joined["category"] == "domestic_violence"].value_counts()
    assert 18 <= dv.idxmax() <= 23
    bg = hour[joined["category"] == "burglary"]
    assert bg.between(10, 16).mean() > 0.35
    dow = joined.loc[joined["category"] == "public_order", "occurred_at"].dt.day_of_week
    assert (dow >= 5).mean() > 2 / 7


def test_scale_tenth(demo):
    small = make_demo(scale=0.1)
    ratio = len(small["incidents"]) / len(demo["incidents"])
    assert 0.09 < ratio < 0.11
    assert len(small["boundaries"]) == len(demo["boundaries"])


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), 1e6, "1"])
def test_bad_scale(bad):
    with pytest.raises(ValueError, match="scale"):
        make_demo(scale=bad)


def test_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        make_demo(seed=-1)


def test_write_demo_round_trip(demo, tmp_path):
    path = write_demo(tmp_path / "out")
    assert path == tmp_path / "out" / "demo.gpkg"
    ws = Workspace(path)
    tables = set(ws.tables())
    assert {"incidents", "stations", "cameras", "boundaries", "roads", "koopsuz_meta"} <= tables
    for name, gdf in demo.items():
        back = ws.read(name)
        assert len(back) == len(gdf), name
        assert set(gdf.columns) <= set(back.columns) | {gdf.geometry.name}, name
    meta = ws.meta()
    assert meta["title"] == "Koopsuz demo: Bishkek and Jeti-Oguz (synthetic)"
    assert meta["synthetic"] == "true"
    assert "synthetic" in meta["provenance"].lower() and "approximate" in meta["provenance"].lower()
    assert meta["seed"] == str(DEFAULT_SEED)
    assert float(meta["scale"]) == 1.0
    back = ws.read("incidents")
    assert back.geometry.geom_equals_exact(demo["incidents"].geometry, 0).all()
    # writing again replaces the file whole and leaves no temporary files behind
    write_demo(tmp_path / "out", scale=0.1)
    assert len(Workspace(path).read("incidents")) < len(demo["incidents"]) / 5
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["demo.gpkg", "municipalities"]
    assert sorted(p.name for p in (tmp_path / "out" / "municipalities").iterdir()) == ["bishkek.gpkg",
                                                                                      "jeti-oguz.gpkg"]


def test_names_in_russian_and_kyrgyz_survive_the_workspace(demo, tmp_path):
    """Areas, stations, cameras and roads carry their Russian and Kyrgyz names into the workspace."""
    b = demo["boundaries"]
    assert dict(zip(b["area"], b["area_ky"], strict=True)) == {"Bishkek": "Бишкек", "Jeti-Oguz": "Жети-Өгүз"}
    assert dict(zip(b["area"], b["area_ru"], strict=True)) == {"Bishkek": "Бишкек", "Jeti-Oguz": "Джети-Огуз"}
    for layer in ("stations", "cameras", "roads", "boundaries"):
        frame = demo[layer]
        assert frame["name_ru"].notna().all() and frame["name_ky"].notna().all(), layer
        assert not frame["name_ru"].str.contains("[A-Za-z]{2}").any(), layer  # Cyrillic, not the English name
        assert not frame["name_ky"].str.contains("[A-Za-z]{2}").any(), layer
    assert not demo["stations"]["address"].str.contains("[A-Za-z]{2}").any()  # as a registry writes them
    st = demo["stations"].set_index("name")
    assert st.loc["Kelechek Police Station", "name_ky"] == "Келечек конушунун милиция бөлүмү"
    ws = Workspace(write_demo(tmp_path, scale=0.01))
    back = ws.read("boundaries")
    assert list(back["area_ky"]) == list(b["area_ky"]) and list(back["name_ky"]) == list(b["name_ky"])
    for layer in ("stations", "cameras", "roads"):
        again = ws.read(layer)
        assert list(again["name_ru"]) == list(demo[layer]["name_ru"]), layer
        assert list(again["name_ky"]) == list(demo[layer]["name_ky"]), layer
