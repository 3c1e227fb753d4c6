"""Units have an identity, not just a name (issue 13, item 1).

Boundaries repeat names: two villages "Ak-Suu" in two rayons, census block groups "1" to "7" in every tract.
Every count, rate, filter and table goes by the unit's id; a repeated name is shown with its parent; a unit
with fewer residents than the stated minimum gets no rate and says why.
"""

from __future__ import annotations

import datetime as dt
import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geo.io.importer import ImportError_, import_file, prepare
from geo.io.store import Workspace
from geo.report import ReportOptions, map_content, read_layers
from geo.select import (IncidentFilter, assign_units, filter_boundaries, filter_incidents, resolve_units, select_study,
                        unit_ids, unit_labels, with_unit_ids)
from geo.stats.areas import area_statistics
from geo.stats.rates import MIN_POPULATION, summarize, unit_counts, unit_rates
from layers.boundaries import boundary_layer, outline_layer
from layers.labels import label_payload
from conftest import realdata, tiny_layers

X0, Y0 = 78.30, 42.40  # near Jeti-Oguz
YEAR = IncidentFilter(start=dt.date(2017, 1, 1), end=dt.date(2017, 12, 31))


def repeated_layers(seed: int = 7) -> dict[str, gpd.GeoDataFrame]:
    """Six villages in two rayons; "Ak-Suu" in both rayons, "Tash-Bulak" twice in one; one village of 40 people."""
    step = 0.03
    cells = [box(X0 + i * step, Y0, X0 + (i + 1) * step, Y0 + step) for i in range(6)]
    boundaries = gpd.GeoDataFrame(
        {
            "name": ["Ak-Suu", "Tamga", "Ak-Suu", "Barskoon", "Tash-Bulak", "Tash-Bulak"],
            "name_ru": ["Ак-Суу", "Тамга", "Ак-Суу", "Барскоон", "Таш-Булак", "Таш-Булак"],
            "population": [5_000, 3_000, 1_200, 40, 2_500, 900],
            "area": ["Issyk-Kul"] * 6,
            "district": ["Issyk-Kul rayon", "Jeti-Oguz rayon", "Jeti-Oguz rayon", "Jeti-Oguz rayon",
                         "Ton rayon", "Ton rayon"],
        },
        geometry=cells,
        crs=4326,
    )
    rng = np.random.default_rng(seed)
    n = 400
    xs = rng.uniform(X0 - 0.01, X0 + 6 * step + 0.01, n)  # some fall outside every village
    ys = rng.uniform(Y0 - 0.005, Y0 + step + 0.005, n)
    days = rng.integers(0, 365, n)
    incidents = gpd.GeoDataFrame(
        {"id": [f"R-{i:04d}" for i in range(n)],
         "occurred_at": pd.Timestamp("2017-01-01") + pd.to_timedelta(days, unit="D"),
         "category": rng.choice(["burglary", "public_order", "livestock_theft"], n)},
        geometry=[Point(x, y) for x, y in zip(xs, ys, strict=True)],
        crs=4326,
    )
    return {"incidents": incidents, "boundaries": boundaries}


def direct_counts(incidents: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> list[int]:
    """Incidents inside each polygon, by shapely alone (the test's own point-in-polygon)."""
    pts = incidents.geometry.to_numpy()
    return [int(shapely.contains_properly(poly, pts).sum()) for poly in boundaries.geometry]


@pytest.fixture
def layers():
    return repeated_layers()


def test_each_unit_counts_its_own_incidents(layers):
    b, inc = layers["boundaries"], assign_units(layers["incidents"], layers["boundaries"])
    ids = unit_ids(b)
    assert ids.is_unique and len(ids) == 6
    # the two Ak-Suu and the two Tash-Bulak are different units with different incidents
    want = direct_counts(layers["incidents"], b)
    assert want[0] != want[2] or want[4] != want[5]
    assert unit_counts(inc, b).tolist() == want
    r = unit_rates(inc, b, days=365)
    expected = np.array(want, dtype=float) / b["population"].to_numpy() * 1e5 * 365.25 / 365
    expected[3] = np.nan  # Barskoon: 40 residents
    np.testing.assert_allclose(r["rate"].to_numpy(dtype=float), expected)
    # by name, the two Ak-Suu would each get the incidents of both: not so
    both = want[0] + want[2]
    assert r.loc[0, "count"] != both or want[2] == 0


def test_a_unit_under_the_minimum_residents_gets_no_rate(layers):
    assert MIN_POPULATION == 100
    b, inc = layers["boundaries"], assign_units(layers["incidents"], layers["boundaries"])
    r = unit_rates(inc, b, days=365)
    assert np.isnan(r.loc[3, "rate"]) and r.loc[3, "count"] == direct_counts(layers["incidents"], b)[3]
    assert r.loc[3, "rate_note"] == "fewer than 100 residents: no rate"
    assert (r.drop(index=3)["rate_note"] == "").all() and np.isfinite(r.drop(index=3)["rate"]).all()
    # a stated minimum of 1,000 takes the 900-resident Tash-Bulak out too
    r2 = unit_rates(inc, b, days=365, min_population=1_000)
    assert np.isnan(r2["rate"].to_numpy(dtype=float)).tolist() == [False, False, False, True, False, True]
    assert r2.loc[5, "rate_note"] == "fewer than 1,000 residents: no rate"
    # Empirical Bayes and LISA: the unit has no value and is left out of the prior
    stats = area_statistics(inc, b, days=365, permutations=99)
    assert np.isnan(stats.loc[3, "eb_rate"]) and stats.loc[3, "lisa_cluster"] == "no population"
    kept = stats.drop(index=3)
    prior = kept["count"].sum() / kept["population"].sum() * 1e5 * 365.25 / 365
    # the smoothed rates lie between each raw rate and the prior computed without the small village
    lo = np.minimum(kept["rate"], prior) - 1e-9
    hi = np.maximum(kept["rate"], prior) + 1e-9
    assert ((kept["eb_rate"] >= lo) & (kept["eb_rate"] <= hi)).all()
    # a whole selection under the minimum has no headline rate
    small = summarize(inc, b, IncidentFilter(units=(unit_ids(b)[3],), start=YEAR.start, end=YEAR.end))
    assert small.population == 40 and np.isnan(small.rate)


def test_labels_tell_repeated_names_apart(layers):
    b = layers["boundaries"]
    en = unit_labels(b, "en").tolist()
    assert en[0] == "Ak-Suu (Issyk-Kul rayon)" and en[2] == "Ak-Suu (Jeti-Oguz rayon)"
    assert en[1] == "Tamga" and en[3] == "Barskoon"  # names that do not repeat stay plain
    ids = unit_ids(b)
    # the two Tash-Bulak share their rayon too: the id tells them apart
    assert en[4] == f"Tash-Bulak (Ton rayon, {ids[4]})" and en[5] == f"Tash-Bulak (Ton rayon, {ids[5]})"
    assert len(set(en)) == 6
    ru = unit_labels(b, "ru").tolist()
    assert ru[0] == "Ак-Суу (Issyk-Kul rayon)" and ru[1] == "Тамга"
    # without a district the parent is the area, in the language
    no_district = b.drop(columns="district").assign(area=["Bishkek", "Bishkek", "Jeti-Oguz", "Jeti-Oguz", "Ton", "Ton"],
                                                     area_ru=["Бишкек", "Бишкек", "Джети-Огуз", "Джети-Огуз", "Тон",
                                                              "Тон"])
    assert unit_labels(no_district, "ru").tolist()[:3] == ["Ак-Суу (Бишкек)", "Тамга", "Ак-Суу (Джети-Огуз)"]


def test_filter_by_id_selects_only_that_unit(layers):
    b = layers["boundaries"]
    ids = unit_ids(b)
    f = IncidentFilter(units=(ids[2],), start=YEAR.start, end=YEAR.end)
    study = select_study(layers, f)
    assert study.units["name"].tolist() == ["Ak-Suu"] and study.units["district"].tolist() == ["Jeti-Oguz rayon"]
    assert len(study.incidents) == direct_counts(layers["incidents"], b.iloc[[2]])[0] > 0
    assert set(study.incidents["unit"]) == {ids[2]}
    assert b.geometry.iloc[2].buffer(1e-9).contains(study.incidents.geometry).all()
    # the name alone is ambiguous: the error lists each id with its parent
    with pytest.raises(ValueError, match="'Ak-Suu' names 2 settlements") as err:
        select_study(layers, IncidentFilter(units=("Ak-Suu",)))
    assert f"{ids[0]} (Ak-Suu (Issyk-Kul rayon))" in str(err.value)
    assert f"{ids[2]} (Ak-Suu (Jeti-Oguz rayon))" in str(err.value)
    # a name that does not repeat, its label, or its Russian name resolve to the id
    assert resolve_units(b, ["Tamga", "Ak-Suu (Jeti-Oguz rayon)", "Барскоон"]) == (ids[1], ids[2], ids[3])
    with pytest.raises(ValueError, match="unknown settlements Atlantis"):
        select_study(layers, IncidentFilter(units=("Tamga", "Atlantis")))
    # the incident filter and the boundaries filter agree
    inc = assign_units(layers["incidents"], b)
    assert len(filter_incidents(inc, IncidentFilter(units=(ids[0],)))) == direct_counts(layers["incidents"], b)[0]
    assert filter_boundaries(b, IncidentFilter(units=(ids[0], ids[5]))).index.tolist() == [0, 5]


def test_derived_ids_do_not_depend_on_the_subset(layers):
    b = layers["boundaries"]
    whole = unit_ids(b)
    # the stored column is what a subset keeps; with_unit_ids adds it once, on the whole layer
    marked = with_unit_ids(b)
    assert marked["unit_id"].tolist() == whole.tolist()
    assert unit_ids(marked.iloc[[2, 4]]).tolist() == [whole[2], whole[4]]
    # rows that repeat a name get the same derived id in any selection holding both
    assert unit_ids(b.iloc[[5, 4, 0, 2]]).tolist() == [whole[5], whole[4], whole[0], whole[2]]
    # stored ids are kept, a missing one derived, a repeated one made unique
    b2 = b.assign(unit_id=["A1", "A2", None, "A4", "A4", ""])
    got = unit_ids(b2).tolist()
    assert got[:2] == ["A1", "A2"] and got[3:5] == ["A4", "A4-2"] and len(set(got)) == 6


def test_pack_and_maps_name_units_by_label(layers, tmp_path):
    full = {**layers, "boundaries": layers["boundaries"]}
    ws = Workspace(tmp_path / "w.gpkg")
    ws.write({**tiny_layers(), **full})
    read = read_layers(ws.path)
    v = map_content("overview", read, options=ReportOptions(date=dt.date(2024, 5, 1), start=YEAR.start,
                                                           end=YEAR.end))
    table = v.tables["settlements"].set_index("Settlement")
    assert {"Ak-Suu (Issyk-Kul rayon)", "Ak-Suu (Jeti-Oguz rayon)"} <= set(table.index)
    want = direct_counts(read["incidents"], read["boundaries"])
    by_label = dict(zip(unit_labels(read["boundaries"], "en"), want, strict=True))
    assert table["Incidents"].to_dict() == by_label
    assert table.loc["Barskoon", "Why no rate"] == "fewer than 100 residents: no rate"
    assert np.isnan(table.loc["Barskoon", "Rate per 100,000 a year"])
    assert (table.drop(index="Barskoon")["Why no rate"] == "").all()
    # a pack chosen by id names its settlement by its label
    ids = unit_ids(read["boundaries"])
    one = map_content("overview", read, options=ReportOptions(units=[ids[2]], date=dt.date(2024, 5, 1)))
    assert one.subtitle.startswith("Ak-Suu (Jeti-Oguz rayon) ·")
    # web maps: tooltips and labels
    rates = unit_rates(assign_units(layers["incidents"], layers["boundaries"]), layers["boundaries"], days=365)
    m = folium.Map(tiles=None)
    layer, legend = boundary_layer(rates)
    layer.add_to(m)
    outline_layer(layers["boundaries"]).add_to(m)
    html = m.get_root().render()
    assert "No rate: no population or fewer than 100 residents" in legend.html
    assert "Ak-Suu (Jeti-Oguz rayon)" in html and "fewer than 100 residents: no rate" in html
    # the names drawn on the map stand inside their units, which tell them apart: the name alone
    assert sorted(label_payload(layers["boundaries"])["name"])[:2] == ["Ak-Suu", "Ak-Suu"]


def test_old_workspace_without_unit_id_works(tmp_path):
    old = tiny_layers()
    assert "unit_id" not in old["boundaries"]
    ws = Workspace(tmp_path / "old.gpkg")
    ws.write(old)
    read = read_layers(ws.path)
    assert read["boundaries"]["unit_id"].tolist() == ["A", "B", "C"]  # unique names serve as ids
    assert read["incidents"]["unit"].value_counts().to_dict() == {"A": 10, "B": 6, "C": 1, "": 1}
    study = select_study(read, IncidentFilter(units=("B",)))
    assert len(study.incidents) == 6
    # an old layer that repeats a name: the two units are still told apart
    b = old["boundaries"].assign(name=["A", "A", "C"])
    inc = assign_units(old["incidents"], b)
    assert sorted(inc["unit"].value_counts().tolist()) == [1, 1, 6, 10]
    assert unit_counts(inc, b).tolist() == [10, 6, 1]


def _write_geojson(path, names, ids=None, population=None):
    feats = []
    for i, name in enumerate(names):
        props = {"name": name, "population": (population or [1000] * len(names))[i]}
        if ids is not None:
            props["code"] = ids[i]
        feats.append({"type": "Feature", "properties": props,
                      "geometry": json.loads(gpd.GeoSeries([box(X0 + i * 0.01, Y0, X0 + (i + 1) * 0.01, Y0 + 0.01)])
                                             .to_json())["features"][0]["geometry"]})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


def test_import_keeps_the_files_ids_or_makes_unique_ones(tmp_path):
    own = prepare(_write_geojson(tmp_path / "own.geojson", ["1", "2", "1"], ids=["101", "102", "201"]), "boundaries")
    assert own.mapping["unit_id"] == "code"
    assert own.accepted["unit_id"].tolist() == ["101", "102", "201"]
    made = prepare(_write_geojson(tmp_path / "made.geojson", ["1", "2", "1"]), "boundaries")
    assert "unit_id" not in made.mapping
    ids = made.accepted["unit_id"].tolist()
    assert len(set(ids)) == 3 and all(i.startswith("u") for i in ids)
    # the same file gives the same ids again
    assert prepare(tmp_path / "made.geojson", "boundaries").accepted["unit_id"].tolist() == ids
    with pytest.raises(ImportError_, match=r"dup\.geojson: the id column 'code' repeats 7 \(rows"):
        prepare(_write_geojson(tmp_path / "dup.geojson", ["a", "b", "c"], ids=["7", "8", "7"]), "boundaries")
    # committed and read back, the ids are the workspace's
    ws = Workspace(tmp_path / "w.gpkg")
    import_file(tmp_path / "own.geojson", "boundaries", ws)
    assert ws.read("boundaries")["unit_id"].tolist() == ["101", "102", "201"]


def test_real_boundaries_keep_their_codes():
    path = realdata("kyrgyzstan_wfp_prism", "kgz_admbnda_adm2_moes_20181119.json")
    r = prepare(path, "boundaries")
    raw = gpd.read_file(path)
    assert r.mapping["unit_id"] == "ADM2_PCODE"
    assert r.accepted["unit_id"].tolist() == raw["ADM2_PCODE"].astype(str).tolist()
    assert r.accepted["unit_id"].is_unique
    geob = prepare(realdata("kyrgyzstan_geoboundaries", "geoBoundaries-KGZ-ADM2_from_repo.geojson"), "boundaries")
    assert geob.mapping["unit_id"] == "shapeID" and geob.accepted["unit_id"].is_unique


def test_command_line_takes_a_name_or_an_id(layers, tmp_path, capsys):
    from koopsuz.cli import main

    ws = Workspace(tmp_path / "w.gpkg")
    ws.write({**tiny_layers(), **layers})
    ids = unit_ids(layers["boundaries"])
    base = ["density", f"workspace:{ws.path}", "--start", "2017-01-01", "--end", "2017-12-31", "--json"]
    assert main([*base, "--out", str(tmp_path / "a.tif"), "--unit", ids[2]]) == 0
    by_id = json.loads(capsys.readouterr().out)
    assert by_id["incidents"] == direct_counts(layers["incidents"], layers["boundaries"].iloc[[2]])[0]
    assert main([*base, "--out", str(tmp_path / "b.tif"), "--unit", "Tamga"]) == 0
    assert json.loads(capsys.readouterr().out)["incidents"] == direct_counts(layers["incidents"],
                                                                            layers["boundaries"].iloc[[1]])[0]
    assert main([*base, "--out", str(tmp_path / "c.tif"), "--unit", "Ak-Suu"]) == 2
    err = capsys.readouterr().err
    assert "'Ak-Suu' names 2 settlements" in err and f"{ids[0]} (Ak-Suu (Issyk-Kul rayon))" in err


@pytest.mark.parametrize(("lang", "why", "label"), [
    ("ru", "меньше 100 жителей: уровень не считается", "Ак-Суу (Jeti-Oguz rayon)"),
    ("ky", "100 тургундан аз: деңгээл эсептелбейт", "Ak-Suu (Jeti-Oguz rayon)"),  # no Kyrgyz name: the stored one
])
def test_the_pack_says_why_in_the_language(layers, lang, why, label):
    read = {**layers, "incidents": assign_units(layers["incidents"], layers["boundaries"])}
    v = map_content("overview", read, options=ReportOptions(date=dt.date(2024, 5, 1), start=YEAR.start,
                                                           end=YEAR.end, lang=lang))
    table = v.tables["settlements"]
    texts = table.astype(str).to_numpy().ravel().tolist()
    assert why in texts and label in texts


def test_the_sidebar_offers_units_by_id_named_by_label(monkeypatch, layers, tmp_path):
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT

    ws = Workspace(tmp_path / "w.gpkg")
    ws.write({**tiny_layers(), **layers})
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(ws.path))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    box_ = at.multiselect(key="f_units_Issyk-Kul")
    assert {"Ak-Suu (Issyk-Kul rayon)", "Ak-Suu (Jeti-Oguz rayon)", "Tamga"} <= set(box_.options)
    ids = unit_ids(read_layers(ws.path)["boundaries"])
    box_.set_value([ids[2]]).run()
    assert not at.exception, at.exception
    f = at.session_state["filter"]
    assert f.units == (ids[2],)
    m = {x.label: x for x in at.metric}
    inside = layers["incidents"][layers["incidents"]["occurred_at"].dt.year == 2017]
    assert m["Incidents"].value == str(direct_counts(inside, layers["boundaries"].iloc[[2]])[0])
