"""Privacy for viewers (issue 15, item 3): no recorded location, description or exact time reaches a viewer.

On the demo workspace and the real Chicago incidents of September 2014: the
donut keeps every point between its distances and in its settlement, the
anchors each stand for k incidents, sensitive categories are only counts,
small counts are suppressed, the k-anonymity equals a direct count, and the
leak checker finds a planted point and none in the masked output.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from conftest import ROOT, realdata
from english import english_words
from geo.crs import local_crs, metric_xy
from geo.privacy import (
    SENSITIVE_CATEGORIES,
    VIEWER_COLUMNS,
    PrivacyPolicy,
    PrivacyReport,
    cell_counts,
    coordinates_in_text,
    displacement,
    k_anonymity,
    k_anonymity_xy,
    leaks,
    settlement_counts,
    viewer_density,
    viewer_hotspots,
    viewer_incidents,
)
from geo.report.study import read_layers
from geo.select import assign_units
from geo.stats.density import kernel_density
from geo.stats.hotspots import hotspots

DEMO = ROOT / "data" / "demo" / "demo.gpkg"
DONUT = PrivacyPolicy(method="donut", min_m=100, max_m=500)
ANCHORS = PrivacyPolicy(method="anchors", k=8, min_m=100)


@pytest.fixture(scope="module")
def demo() -> dict[str, gpd.GeoDataFrame]:
    layers = read_layers(DEMO)
    inc = layers["incidents"]
    layers["all"] = inc
    layers["study"] = inc[inc["occurred_at"].dt.year == 2017]
    return layers


@pytest.fixture(scope="module")
def donut(demo) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The demo's 2017 incidents masked for a viewer, in their own order, and the incidents they stand for."""
    study = demo["study"]
    out = viewer_incidents(study, boundaries=demo["boundaries"], roads=demo["roads"], policy=DONUT, seed=7,
                           recorded=demo["all"], keep_order=True)
    shown = study[~study["category"].isin(SENSITIVE_CATEGORIES)]
    return out, shown


@pytest.fixture(scope="module")
def chicago() -> dict[str, gpd.GeoDataFrame]:
    raw = pd.read_csv(realdata("chicago", "crimes_2014_09.csv"))
    raw = raw.dropna(subset=["Latitude", "Longitude"]).reset_index(drop=True)
    kind = raw["Primary Type"].str.lower().str.replace(r"[^a-z]+", "_", regex=True)
    kind = kind.mask(kind.isin(["crim_sexual_assault", "sex_offense"]), "sexual_offences")
    kind = kind.mask(raw["Domestic"].astype(str).str.upper() == "TRUE", "domestic_violence")
    incidents = gpd.GeoDataFrame(
        {"id": raw["ID"].astype(str), "occurred_at": pd.to_datetime(raw["Date"], format="mixed", errors="coerce"),
         "category": kind, "description": raw["Description"].astype(str)},
        geometry=gpd.points_from_xy(raw["Longitude"], raw["Latitude"]), crs=4326)
    areas = gpd.read_file(realdata("chicago", "community_areas_city_portal.geojson"))
    boundaries = gpd.GeoDataFrame({"name": areas["community"], "unit_id": areas["area_numbe"].astype(str)},
                                  geometry=shapely.make_valid(areas.geometry.to_numpy()), crs=areas.crs)
    return {"incidents": assign_units(incidents, boundaries), "boundaries": boundaries}


def _metres(frame: gpd.GeoDataFrame, crs) -> np.ndarray:
    x, y, _ok = metric_xy(frame, crs)
    return np.column_stack([x, y])


# --------------------------------------------------------------------------- donut


def test_donut_moves_each_point_between_min_and_max_except_the_counted_fallbacks(donut):
    out, shown = donut
    assert len(out) == len(shown) > 5000
    d = displacement(shown, out)
    assert d.min() >= DONUT.min_m  # every point, fallback or not, moved at least min_m
    outside = (d > DONUT.max_m + 1e-6).sum()
    assert outside == out.attrs["privacy"]["fallback"]  # only the counted ones lie beyond max_m
    assert outside < 0.5 * len(out)
    info = out.attrs["privacy"]
    assert info["method"] == "donut" and info["min_m"] == 100 and info["max_m"] == 500 and "seed" not in info
    assert info["displacement_min"] == pytest.approx(d.min()) and info["displacement_max"] == pytest.approx(d.max())


def test_donut_keeps_every_point_in_its_settlement_and_the_counts_per_settlement(demo, donut):
    out, shown = donut
    again = assign_units(out, demo["boundaries"])
    assert (again["unit"].to_numpy() == out["unit"].to_numpy()).all()
    assert (out["unit"].to_numpy() == shown["unit"].to_numpy()).all()
    # and in the order a viewer gets (shuffled), the same counts
    viewer = viewer_incidents(demo["study"], boundaries=demo["boundaries"], roads=demo["roads"], policy=DONUT, seed=7,
                              recorded=demo["all"])
    assert viewer["unit"].value_counts().sort_index().equals(shown["unit"].value_counts().sort_index())
    by_cat = viewer.groupby(["unit", "category"]).size()
    assert by_cat.equals(shown.groupby(["unit", "category"]).size().astype(by_cat.dtype))


def test_viewer_output_holds_no_id_description_or_time(demo, donut):
    out, shown = donut
    assert [c for c in out.columns if c != out.geometry.name] == list(VIEWER_COLUMNS)
    assert out["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert (out["month"].to_numpy() == shown["occurred_at"].dt.strftime("%Y-%m").to_numpy()).all()
    text = out.drop(columns="geometry").to_csv()
    assert not set(demo["all"]["id"].astype(str)) & set(re.findall(r"[A-Z]{3}-\d{4}-\d{6}", text))
    assert "BIS-2017-" not in text and "ст." not in text and ":" not in text  # no registry number, article or time
    assert isinstance(out.index, pd.RangeIndex)


def test_viewer_rows_come_in_a_random_order_with_the_same_points(demo, donut):
    out, _shown = donut
    viewer = viewer_incidents(demo["study"], boundaries=demo["boundaries"], roads=demo["roads"], policy=DONUT, seed=7,
                              recorded=demo["all"])
    a = sorted(map(tuple, shapely.get_coordinates(out.geometry.to_numpy()).round(9)))
    b = sorted(map(tuple, shapely.get_coordinates(viewer.geometry.to_numpy()).round(9)))
    assert a == b
    assert not (viewer["month"].to_numpy() == out["month"].to_numpy()).all()  # not in the registry's order


def test_masking_is_reproducible_by_seed(demo):
    inc = demo["study"].iloc[:2000]
    kw = {"boundaries": demo["boundaries"], "policy": DONUT, "recorded": demo["all"]}
    one, two, other = (viewer_incidents(inc, seed=s, **kw) for s in (3, 3, 4))
    assert one.geom_equals_exact(two, tolerance=0).all() and one.drop(columns="geometry").equals(
        two.drop(columns="geometry"))
    assert one.attrs == two.attrs
    assert not one.geom_equals_exact(other, tolerance=1e-9).all()


def test_an_incident_is_masked_to_the_same_place_in_every_view(demo, donut):
    """Else a viewer could average an incident's places over the year, its quarters and its categories."""
    out, shown = donut
    quarter = demo["study"][demo["study"]["occurred_at"].dt.quarter == 3]
    burglary = quarter[quarter["category"] == "burglary"]
    part = viewer_incidents(burglary, boundaries=demo["boundaries"], roads=demo["roads"], policy=DONUT, seed=7,
                            recorded=demo["all"], keep_order=True)
    where = shown.index.get_indexer(burglary.index)
    assert len(part) == len(burglary) > 300 and (where >= 0).all()
    same = part.geometry.to_numpy()
    assert shapely.equals_exact(same, out.geometry.to_numpy()[where], tolerance=1e-9).all()
    moved = viewer_incidents(burglary, boundaries=demo["boundaries"], policy=DONUT, seed=8, recorded=demo["all"],
                             keep_order=True)
    assert not shapely.equals_exact(moved.geometry.to_numpy(), same, tolerance=1e-6).any()


# --------------------------------------------------------------------------- leaks


def test_leaks_finds_a_planted_exact_point_and_none_in_the_masked_output(demo, donut):
    out, shown = donut
    assert len(leaks(out, demo["all"], min_m=DONUT.min_m)) == 0
    xy = shapely.get_coordinates(out.to_crs(4326).geometry.to_numpy())
    planted = shown.iloc[[123]]
    p = shapely.get_coordinates(planted.to_crs(4326).geometry.to_numpy())
    found = leaks(np.vstack([xy, p]), demo["all"], min_m=DONUT.min_m)
    assert planted.index[0] in found.index
    # 60 m away is still a leak at 100 m; 150 m away is not
    crs = local_crs(demo["all"])
    near = gpd.GeoSeries(planted.to_crs(crs).translate(60, 0).to_numpy(), crs=crs)
    assert planted.index[0] in leaks(near, demo["all"], min_m=100).index
    far = gpd.GeoSeries(planted.to_crs(crs).translate(150, 0).to_numpy(), crs=crs)
    assert planted.index[0] not in leaks(far, demo["all"], min_m=100).index


def test_coordinates_in_text_reads_points_from_json_and_html_in_either_order(demo):
    one = demo["all"].iloc[[5]]
    lon, lat = shapely.get_coordinates(one.geometry.to_numpy())[0]
    for text in (json.dumps({"type": "Point", "coordinates": [lon, lat]}), f'<div data-latlng="{lat:.7f}, {lon:.7f}">',
                 f"L.marker([{lat}, {lon}])"):
        found = leaks(coordinates_in_text(text), demo["all"], min_m=1)
        assert one.index[0] in found.index, text
    assert len(coordinates_in_text("version 1.2, width 300")) == 0


# --------------------------------------------------------------------------- anchors


@pytest.mark.parametrize("with_roads", [True, False])
def test_each_anchor_stands_for_at_least_k_incidents_and_none_is_near_a_record(demo, with_roads):
    study = demo["study"]
    out = viewer_incidents(study, boundaries=demo["boundaries"], roads=demo["roads"] if with_roads else None,
                           policy=ANCHORS, seed=1, recorded=demo["all"], keep_order=True)
    shown = study[~study["category"].isin(SENSITIVE_CATEGORIES)]
    key = pd.Series(list(map(tuple, shapely.get_coordinates(out.geometry.to_numpy()).round(7))))
    per_anchor = key.map(key.value_counts())
    assert per_anchor.min() >= ANCHORS.k  # the demo's settlements each hold k or more incidents
    assert key.nunique() > 20
    assert len(leaks(out, demo["all"], min_m=ANCHORS.min_m)) == 0
    assert (assign_units(out, demo["boundaries"])["unit"].to_numpy() == shown["unit"].to_numpy()).all()
    assert out.attrs["privacy"]["k"] == 8 and out.attrs["privacy"]["method"] == "anchors"


def test_scattered_incidents_without_settlements_or_streets_merge_into_anchors_of_k(demo):
    inc = demo["study"].drop(columns=["unit"]).iloc[::40]
    out = viewer_incidents(inc, policy=ANCHORS, seed=1, recorded=demo["all"])
    per_anchor = out.geometry.to_wkb().value_counts()
    assert per_anchor.min() >= ANCHORS.k and len(per_anchor) > 3
    assert out.attrs["privacy"]["fallback"] == 0 and (out["unit"] == "").all()


def test_a_settlement_with_fewer_than_k_incidents_has_them_at_one_clear_place(demo):
    inc = demo["study"]
    few = inc[inc["unit"] == "JOG-01"].iloc[:5]
    out = viewer_incidents(few, boundaries=demo["boundaries"], roads=demo["roads"], policy=ANCHORS, seed=1,
                           recorded=demo["all"])
    assert out.geometry.nunique() == 1 and out.attrs["privacy"]["fallback"] == len(out)
    assert len(leaks(out, demo["all"], min_m=100)) == 0


# --------------------------------------------------------------------------- sensitive categories and counts


def test_sensitive_categories_never_appear_as_points(demo, donut):
    out, _shown = donut
    study = demo["study"]
    assert not out["category"].isin(SENSITIVE_CATEGORIES).any()
    assert out.attrs["privacy"]["withheld_sensitive"] == study["category"].isin(SENSITIVE_CATEGORIES).sum() > 500
    marked = DONUT.with_sensitive(["juvenile"])
    out2 = viewer_incidents(study.iloc[:3000], boundaries=demo["boundaries"], policy=marked, seed=1)
    assert not out2["category"].isin(["juvenile", *SENSITIVE_CATEGORIES]).any()
    assert SENSITIVE_CATEGORIES <= marked.sensitive
    merged = PrivacyPolicy(merge={"domestic_violence": "violence_all"})  # merging cannot smuggle one out
    out3 = viewer_incidents(study.iloc[:3000], boundaries=demo["boundaries"], policy=merged, seed=1)
    assert "violence_all" not in set(out3["category"])


def test_settlement_counts_equal_a_direct_count_with_small_counts_suppressed(demo):
    study, b = demo["study"], demo["boundaries"]
    table = settlement_counts(study, b, policy=DONUT)
    direct = study[study["unit"] != ""].groupby(["unit", "category"]).size()
    assert len(table) == len(b) * study["category"].nunique()
    truth = table.apply(lambda r: direct.get((r["unit"], r["category"]), 0), axis=1).to_numpy()
    small = (truth > 0) & (truth < 3)
    assert small.any()  # the demo has settlements with 1 or 2 of a category
    assert (table["suppressed"].to_numpy() == small).all()
    assert table["count"].isna().to_numpy().tolist() == small.tolist()
    assert (table["count"].dropna().to_numpy() == truth[~small]).all()
    assert set(SENSITIVE_CATEGORIES) & set(table["category"])  # sensitive ones appear here, as counts
    assert table.attrs["privacy"]["suppressed"] == small.sum()
    monthly = settlement_counts(study, b, policy=DONUT, by_month=True)
    assert monthly["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert ((monthly["count"] >= 3) | (monthly["count"] == 0) | monthly["count"].isna()).all()


def test_aggregate_method_gives_counts_only(demo):
    out = viewer_incidents(demo["study"], boundaries=demo["boundaries"], policy=PrivacyPolicy(method="aggregate"),
                           seed=0)
    assert {"unit", "category", "count", "suppressed"} <= set(out.columns)
    assert set(out.geom_type) <= {"Polygon", "MultiPolygon"}
    assert PrivacyReport.of(out).method == "aggregate"


def test_cell_counts_suppress_cells_of_one_or_two(demo):
    inc = demo["study"]
    cells = cell_counts(inc, policy=DONUT, cell=250)
    crs = cells.crs
    x, y, _ok = metric_xy(inc, crs)
    n = pd.Series(list(zip(np.floor(x / 250), np.floor(y / 250), strict=True))).value_counts()
    assert len(cells) == len(n) and cells["count"].sum() == n[n >= 3].sum()
    assert cells["suppressed"].sum() == ((n > 0) & (n < 3)).sum() > 0


def test_gi_star_cells_for_viewers_hide_cells_of_one_or_two(demo):
    inc = demo["study"]
    result = hotspots(inc, boundary=demo["boundaries"], cell=300)
    view = viewer_hotspots(result, min_count=3)
    raw = result.cells["count"].to_numpy()
    small = (raw > 0) & (raw < 3)
    assert small.any()
    assert view.cells["count"].isna().to_numpy().tolist() == small.tolist()
    assert view.cells.loc[small, "gi_z"].isna().all() and view.cells.loc[~small, "gi_z"].notna().all()
    assert (view.cells.loc[~small, "count"].to_numpy() == raw[~small]).all()
    assert (view.cells["gi_bin"].to_numpy() == result.cells["gi_bin"].to_numpy()).all()
    assert view.params["privacy"]["suppressed"] == small.sum()


def test_density_for_viewers_hides_a_lone_incident_and_keeps_a_cluster(demo):
    crs = local_crs(demo["boundaries"])
    base = demo["study"].iloc[:1].to_crs(crs).geometry.iloc[0]
    cluster = [shapely.Point(base.x + dx, base.y + dy) for dx, dy in ((0, 0), (30, 10), (-20, 25), (10, -30), (5, 5))]
    lone = [shapely.Point(base.x + 3000, base.y), shapely.Point(base.x - 3000, base.y + 40)]
    pts = gpd.GeoDataFrame(geometry=cluster + lone, crs=crs)
    grid = kernel_density(pts, bandwidth=300, cell=50)
    view = viewer_density(grid, pts, min_count=3)
    cx, cy = grid.centres()

    def value(g, p):
        return g.values[np.argmin(np.abs(cy - p.y)), np.argmin(np.abs(cx - p.x))]

    assert value(grid, lone[0]) > 0 and value(view, lone[0]) == 0 and value(view, lone[1]) == 0
    assert value(view, cluster[0]) == value(grid, cluster[0]) > 0


# --------------------------------------------------------------------------- k-anonymity


def test_k_anonymity_equals_a_direct_count(donut):
    out, shown = donut
    crs = local_crs(shown)
    t, m = _metres(shown, crs)[:400], _metres(out, crs)[:400]
    k = k_anonymity_xy(t, m)
    d = np.hypot(*(m - t).T)
    between = np.hypot(t[None, :, 0] - m[:, None, 0], t[None, :, 1] - m[:, None, 1])  # masked x candidates
    assert (k == (between <= d[:, None] * (1 + 1e-9)).sum(axis=1)).all()
    assert k.min() >= 1 and np.median(k) > 1
    # with separate addresses, MaskMyPy's rule: addresses in the circle, plus one
    addresses = t[::3] + 37.0
    direct = (np.hypot(addresses[None, :, 0] - m[:, None, 0], addresses[None, :, 1] - m[:, None, 1])
              <= d[:, None]).sum(axis=1) + 1
    assert (k_anonymity_xy(t, m, addresses) == direct).all()
    assert (k_anonymity(shown.iloc[:400], out.iloc[:400]) == k).all()


def test_privacy_report_prints_method_parameters_and_measures(donut):
    out, _shown = donut
    report = PrivacyReport.of(out)
    assert report.method == "donut" and report.points == len(out) and report.params["max_m"] == 500
    assert report.displacement_min >= 100 and report.k_min >= 1 and report.k_median >= report.k_min
    lines = report.lines(lang="en")
    assert lines[0] == "Points moved 100–500 m at random (donut masking)"
    assert any("spatial k-anonymity" in line and f"at least {int(report.k_min)}" in line for line in lines)
    assert any("fewer" not in line and "Counts below 3" in line for line in lines)


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_privacy_report_reads_in_russian_and_kyrgyz(lang):
    report = PrivacyReport(method="donut", params=PrivacyPolicy().params(), points=100, k_min=2, k_median=14.5,
                           displacement_min=101, displacement_median=300, displacement_max=800, fallback=3)
    lines = [*report.lines(lang=lang), PrivacyPolicy(method="anchors").describe(lang=lang),
             PrivacyPolicy(method="aggregate").describe(lang=lang)]
    for line in lines:
        assert not english_words(line) and re.search("[а-яА-ЯңөүҢӨҮ]", line), line
    assert "100–500" in lines[0] and "800" in lines[1]


def test_policy_rejects_impossible_parameters():
    with pytest.raises(ValueError, match="masking method"):
        PrivacyPolicy(method="blur")
    with pytest.raises(ValueError, match="distances"):
        PrivacyPolicy(min_m=500, max_m=100)
    with pytest.raises(ValueError, match="at least 1"):
        PrivacyPolicy(k=0)
    assert PrivacyPolicy(sensitive=["juvenile"]).sensitive >= SENSITIVE_CATEGORIES | {"juvenile"}


# --------------------------------------------------------------------------- Chicago, September 2014


@pytest.mark.realdata
def test_chicago_donut_keeps_counts_hides_sensitive_and_leaks_nothing(chicago):
    inc, b = chicago["incidents"], chicago["boundaries"]
    out = viewer_incidents(inc, boundaries=b, policy=DONUT, seed=11, keep_order=True)
    sensitive = inc["category"].isin(SENSITIVE_CATEGORIES)
    shown = inc[~sensitive]
    assert len(out) == len(shown) > 15_000 and sensitive.sum() > 3000
    assert not out["category"].isin(SENSITIVE_CATEGORIES).any()
    assert len(leaks(out, inc, min_m=DONUT.min_m)) == out.attrs["privacy"]["near_recorded"]
    assert out.attrs["privacy"]["near_recorded"] <= (shown["unit"] == "").sum()  # only outside every area
    inside = (shown["unit"] != "").to_numpy()
    assert len(leaks(out[inside], inc, min_m=DONUT.min_m)) == 0
    d = displacement(shown, out)
    assert d[inside].min() >= 100 and (d > 500 + 1e-6).sum() == out.attrs["privacy"]["fallback"]
    assert (assign_units(out, b)["unit"].to_numpy() == shown["unit"].to_numpy()).all()
    assert not set(out.columns) & {"id", "description", "occurred_at", "raw_category"}
    counts = settlement_counts(inc, b, policy=DONUT)
    dv = counts[counts["category"] == "domestic_violence"]
    assert dv["count"].isna().sum() == dv["suppressed"].sum() and dv["count"].dropna().gt(2).all()


@pytest.mark.parametrize("method", ["gistar", "density"])
def test_a_viewers_pack_maps_and_files_hide_small_counts_as_the_page(demo, method, tmp_path):
    """The pack, print maps and data files for a viewer (ReportOptions.min_count): the page's suppression."""
    from geo.report.data import export_data
    from geo.report.options import ReportOptions
    from geo.report.views import map_content

    layers = {k: v for k, v in demo.items() if k not in ("all", "study")}
    opts = dict(start=dt.date(2017, 1, 1), end=dt.date(2017, 12, 31), hotspot_method=method, cell=300)
    analyst = map_content("hotspots", layers, options=ReportOptions(**opts))
    viewer = map_content("hotspots", layers, options=ReportOptions(**opts, min_count=3))
    assert viewer.params["min_incidents"] == 3 and viewer.params["privacy"]["min_count"] == 3
    counted = "Incidents" if method == "gistar" else "Incidents within the search radius"
    assert len(viewer.tables["top"]) and (viewer.tables["top"][counted].astype(int) >= 3).all()
    if method == "gistar":
        raw = analyst.content.gi_cells["count"].to_numpy()
        small = (raw > 0) & (raw < 3)
        assert small.any()
        shown = viewer.content.gi_cells
        assert shown["count"].isna().to_numpy().tolist() == small.tolist()
        assert shown.loc[small, "gi_z"].isna().all()
        written = export_data(layers, [viewer], tmp_path / "viewer.gpkg")[0]
        back = gpd.read_file(written, layer=f"{viewer.name}_gi_cells")
        assert back["count"].isna().sum() == small.sum()
    else:
        assert (viewer.content.density.values <= analyst.content.density.values).all()
        assert (viewer.content.density.values == 0).sum() > (analyst.content.density.values == 0).sum()


def test_a_settlement_with_no_clear_place_still_moves_each_point_at_least_min_m():
    """A small settlement recorded so densely that no place lies min_m from every record: each point still moves
    at least min_m from its own recorded place (to where records are thinnest), and is counted as near one."""
    x0, y0 = 500_000.0, 4_750_000.0
    square = shapely.box(x0, y0, x0 + 600, y0 + 600)
    gx, gy = np.meshgrid(np.arange(20, 600, 40.0), np.arange(20, 600, 40.0))
    pts = gpd.GeoDataFrame({"id": [f"d{i}" for i in range(gx.size)],
                            "occurred_at": pd.Timestamp("2017-05-01"), "category": "burglary"},
                           geometry=gpd.points_from_xy(x0 + gx.ravel(), y0 + gy.ravel()), crs="EPSG:32643")
    units = gpd.GeoDataFrame({"name": ["Dense"], "unit_id": ["D-1"]}, geometry=[square], crs="EPSG:32643")
    inc = assign_units(pts.to_crs(4326), units.to_crs(4326))
    out = viewer_incidents(inc, boundaries=units.to_crs(4326), policy=DONUT, seed=3, keep_order=True)
    d = displacement(inc, out)
    assert len(out) == len(inc) and d.min() >= DONUT.min_m
    assert out.attrs["privacy"]["near_recorded"] == len(inc)  # said, not hidden
