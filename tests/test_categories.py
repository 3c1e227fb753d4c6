"""The workspace's own list of categories (issue 13, item 10): default families, rules, store, import, page."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from conftest import ROOT, realdata, tiny_layers
from geo.categories import DEFAULT_CATEGORIES, DEFAULT_LABELS, OTHER, PLAN_CATEGORIES, CategoryList, slug
from geo.i18n import Tr
from geo.io.categories import (CATEGORIES_TABLE, CATEGORY_MAP_TABLE, categorize, merge_categories, read_categories,
                               recategorize, rule_category, suggest_categories, write_categories)
from geo.io.importer import ImportOptions, commit, import_file, prepare
from geo.io.store import Workspace
from geo.palette import CATEGORY_COLORS, category_color, category_colors
from geo.schema import require_valid, validate
from geo.stats.temporal import monthly

# Chicago's common primary types and the family each belongs to (issue 13's acceptance).
CHICAGO_FAMILIES = {
    "THEFT": "theft", "BATTERY": "violence", "ASSAULT": "violence", "BURGLARY": "burglary", "ROBBERY": "robbery",
    "MOTOR VEHICLE THEFT": "vehicle_crime", "NARCOTICS": "drugs", "CRIMINAL DAMAGE": "vandalism",
    "DECEPTIVE PRACTICE": "fraud", "CRIM SEXUAL ASSAULT": "sexual_offences", "SEX OFFENSE": "sexual_offences",
    "WEAPONS VIOLATION": "weapons", "CRIMINAL TRESPASS": "public_order", "PUBLIC PEACE VIOLATION": "public_order",
    "HOMICIDE": "violence", "ARSON": "vandalism",
    # no family fits these: they stay in "other" rather than be forced into one
    "OTHER OFFENSE": OTHER, "OFFENSE INVOLVING CHILDREN": OTHER, "NON-CRIMINAL": OTHER,
}


@pytest.fixture(scope="module")
def chicago(tmp_path_factory) -> tuple[Workspace, pd.DataFrame]:
    """Chicago's September 2014 incidents through the real importer into a fresh workspace, read back."""
    path = realdata("chicago", "crimes_2014_09.csv")
    ws = Workspace(tmp_path_factory.mktemp("chicago") / "w.gpkg")
    import_file(path, "incidents", ws)
    return ws, ws.read("incidents")


def test_chicago_labels_map_to_their_families_with_other_under_a_quarter(chicago):
    ws, inc = chicago
    assert len(inc) == 22_334 - 775  # every located row stored
    share_other = float((inc["category"] == OTHER).mean())
    assert share_other < 0.25, share_other
    got = inc.groupby("raw_category")["category"].agg(lambda s: set(s))
    for label, family in CHICAGO_FAMILIES.items():
        assert got[label] == {family}, (label, got[label])
    # every stored row is valid against the workspace's list, as the pages read it
    v = validate(ws.read("incidents"), "incidents", categories=read_categories(ws))
    assert len(v.rejected) == 0
    # and the saved mapping says how each of the 29 labels was mapped
    saved = ws.read_table(CATEGORY_MAP_TABLE)
    assert len(saved) == 29 and dict(zip(saved["raw_label"], saved["category"]))["NARCOTICS"] == "drugs"


@pytest.mark.parametrize(("label", "family"), [
    # Russian
    ("Кража", "theft"), ("Кража с проникновением в жилище", "burglary"), ("Грабеж", "robbery"),
    ("Разбой", "robbery"), ("Причинение телесных повреждений", "violence"), ("Убийство", "violence"),
    ("Мошенничество", "fraud"), ("Незаконный оборот наркотических средств", "drugs"),
    ("Угон автомобиля", "vehicle_crime"), ("Кража из автомобиля", "vehicle_crime"),
    ("Умышленное уничтожение или повреждение имущества", "vandalism"), ("Изнасилование", "sexual_offences"),
    ("Незаконное хранение оружия", "weapons"), ("Кража скота", "livestock_theft"), ("Хулиганство", "public_order"),
    ("ДТП", "road_traffic"),
    # Kyrgyz
    ("Уурулук", "theft"), ("Тоноо", "robbery"), ("Каракчылык", "robbery"), ("Алдамчылык", "fraud"),
    ("Баңгизатты мыйзамсыз жүгүртүү", "drugs"), ("Унаа уурдоо", "vehicle_crime"), ("Мал уурдоо", "livestock_theft"),
    ("Зордуктоо", "sexual_offences"), ("Киши өлтүрүү", "violence"), ("Мүлктү бузуу", "vandalism"),
    ("Куралды мыйзамсыз сактоо", "weapons"),
    # English, as other registries write them
    ("Break and Enter", "burglary"), ("Vehicle Collision", "road_traffic"),
    ("Theft From Motor Vehicle", "vehicle_crime"),
    ("Identity Theft", "fraud"), ("Aggravated Assault", "violence"), ("Shoplifting", "theft"),
    ("Criminal Damage and Arson", "vandalism"), ("Possession of Weapons", "weapons"), ("Drugs", "drugs"),
    # no family fits: other, never forced
    ("Offense Involving Children", OTHER), ("Нарушение тишины", OTHER), ("Lost property", OTHER),
])
def test_rules_in_three_languages(label, family):
    assert rule_category(label) == family


def test_a_rule_family_not_in_the_list_is_not_forced():
    only_plan = CategoryList.of(PLAN_CATEGORIES)
    assert rule_category("THEFT", categories=only_plan) == OTHER
    assert rule_category("BURGLARY", categories=only_plan) == "burglary"


def test_suggest_categories_counts_labels_and_suggests_by_words():
    s = suggest_categories(pd.Series(["THEFT", "THEFT", "Уурулук", "OTHER OFFENSE", None, "  "]))
    assert list(s.columns) == ["label", "rows", "suggested"]
    # most rows first, ties by label
    assert s.to_dict("records") == [{"label": "THEFT", "rows": 2, "suggested": "theft"},
                                    {"label": "OTHER OFFENSE", "rows": 1, "suggested": OTHER},
                                    {"label": "Уурулук", "rows": 1, "suggested": "theft"}]
    assert s["rows"].dtype.kind == "i" and s["rows"].iloc[0] == 2


def test_default_list_keeps_the_plan_priorities_and_adds_the_families():
    keys = DEFAULT_CATEGORIES.keys
    assert keys[:7] == PLAN_CATEGORIES[:7] and keys[-1] == OTHER
    for family in ("theft", "robbery", "violence", "fraud", "drugs", "vandalism", "vehicle_crime", "sexual_offences",
                   "weapons"):
        assert family in keys
    assert DEFAULT_CATEGORIES.priorities == ()
    colours = category_colors()
    assert list(colours) == list(keys) and len(set(colours.values())) == len(keys)
    assert set(CATEGORY_COLORS) == set(keys)
    # a category of the workspace's own gets a stable generated colour, unlike any default one
    own = category_color("break_and_enter")
    assert own == category_color("break_and_enter") and own not in CATEGORY_COLORS.values()
    # the names in every language, from the catalogs
    for lang in ("ru", "ky"):
        names = DEFAULT_CATEGORIES.labels(lang)
        assert names["burglary"] == Tr(lang)(DEFAULT_LABELS["burglary"]) != "Burglary"


def test_rename_add_merge_and_priorities_round_trip_through_the_store(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    layers = {k: require_valid(v, k) for k, v in tiny_layers().items()}
    layers["incidents"]["raw_category"] = layers["incidents"]["category"].map(
        {"burglary": "Кража с проникновением", "public_order": "Хулиганство"})
    ws.write(layers)
    ws.write({CATEGORY_MAP_TABLE: pd.DataFrame({"raw_label": ["Кража с проникновением", "Хулиганство"],
                                                "category": ["burglary", "public_order"]})})
    assert read_categories(ws) == DEFAULT_CATEGORIES  # none stored: the default list
    n_burglary = int((ws.read("incidents")["category"] == "burglary").sum())

    lst = read_categories(ws).rename("burglary", label="Home break-ins", label_ru="Проникновения в жилище",
                                     label_ky="Үйгө кирип уурдоо")
    lst = lst.add("Bicycle theft", label_ru="Кражи велосипедов", label_ky="Велосипед уурдоо")
    lst = lst.mark_priorities(["burglary", "bicycle_theft"])
    write_categories(ws, lst)
    back = read_categories(ws)
    assert back == lst
    assert back.label("burglary", "en") == "Home break-ins"
    assert back.label("burglary", "ru") == "Проникновения в жилище"
    assert back.label("burglary", "ky") == "Үйгө кирип уурдоо"
    assert back.label("public_order", "ru") == "Общественный порядок"  # not renamed: the catalog's name
    assert back.keys[-2:] == ("bicycle_theft", OTHER) and back.priorities == ("burglary", "bicycle_theft")
    assert back.label("bicycle_theft", "ky") == "Велосипед уурдоо"

    merged = merge_categories(ws, "burglary", "public_order")
    assert "burglary" not in merged and read_categories(ws) == merged
    inc = ws.read("incidents")
    assert not (inc["category"] == "burglary").any()
    assert int((inc["category"] == "public_order").sum()) == len(inc)
    saved = dict(zip(*ws.read_table(CATEGORY_MAP_TABLE)[["raw_label", "category"]].T.to_numpy()))
    assert saved["Кража с проникновением"] == "public_order"
    assert n_burglary > 0 and merged.priorities == ("bicycle_theft",)
    # the stored rows stay valid against the stored list, and a merged key is refused from now on
    assert len(validate(inc, "incidents", categories=merged).rejected) == 0
    with pytest.raises(ValueError, match="unknown category"):
        merge_categories(ws, "burglary", "other")
    with pytest.raises(ValueError, match="into itself"):
        merge_categories(ws, "public_order", "public_order")
    with pytest.raises(ValueError, match="Other cannot be removed"):
        merged.remove(OTHER)


def test_later_imports_follow_a_merge_through_the_saved_map(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    csv = tmp_path / "reg.csv"
    csv.write_text("id,date,lat,lon,type\n1,2020-01-02,42.87,74.6,THEFT\n2,2020-01-03,42.87,74.61,ROBBERY\n",
                   encoding="utf-8")
    import_file(csv, "incidents", ws)
    merge_categories(ws, "robbery", "theft")
    csv2 = tmp_path / "reg2.csv"
    csv2.write_text("id,date,lat,lon,type\n3,2020-02-02,42.87,74.6,ROBBERY\n", encoding="utf-8")
    r = prepare(csv2, "incidents", workspace=ws)
    assert list(r.accepted["category"]) == ["theft"]


def test_recategorize_applies_suggestions_and_saves_them(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    csv = tmp_path / "reg.csv"
    csv.write_text("id,date,lat,lon,type\n1,2020-01-02,42.87,74.6,Purse snatching\n2,2020-01-03,42.87,74.61,Noise\n",
                   encoding="utf-8")
    import_file(csv, "incidents", ws)
    assert set(ws.read("incidents")["category"]) == {OTHER}
    assert recategorize(ws, {"Purse snatching": "theft"}) == 1
    inc = ws.read("incidents").set_index("id")
    assert inc.loc["1", "category"] == "theft" and inc.loc["2", "category"] == OTHER
    saved = ws.read_table(CATEGORY_MAP_TABLE)
    assert dict(zip(saved["raw_label"], saved["category"]))["Purse snatching"] == "theft"
    with pytest.raises(ValueError, match="unknown category"):
        recategorize(ws, {"Noise": "noise"})


def test_import_can_keep_the_files_own_labels(tmp_path):
    ws = Workspace(tmp_path / "w.gpkg")
    csv = tmp_path / "reg.csv"
    csv.write_text("id,date,lat,lon,type\n1,2020-01-02,42.87,74.6,Break and Enter\n"
                   "2,2020-01-03,42.87,74.61,Vehicle Collision\n3,2020-01-04,42.87,74.62,Break and Enter\n"
                   "4,2020-01-05,42.87,74.63,Burglary\n", encoding="utf-8")
    opts = ImportOptions(own_labels=True)
    r = prepare(csv, "incidents", options=opts, workspace=ws)
    assert len(r.rejected) == 0
    assert list(r.accepted["category"]) == ["break_and_enter", "vehicle_collision", "break_and_enter", "burglary"]
    commit(r, ws, options=opts)
    lst = read_categories(ws)
    assert {"break_and_enter", "vehicle_collision"} <= set(lst.keys) and lst.keys[-1] == OTHER
    assert lst.label("break_and_enter", "ru") == "Break and Enter"  # the file's own words, in every language
    assert ws.has(CATEGORIES_TABLE)
    # the stored incidents are valid against the stored list, and not against the default one
    inc = ws.read("incidents")
    assert len(validate(inc, "incidents", categories=lst).rejected) == 0
    assert len(validate(inc, "incidents").rejected) == 3
    # the time series orders them as the list does
    assert list(monthly(inc, categories=lst).columns) == ["burglary", "break_and_enter", "vehicle_collision"]


def test_validation_with_a_custom_list():
    lst = DEFAULT_CATEGORIES.add("Bicycle theft")
    inc = gpd.GeoDataFrame({"id": ["1", "2", "3"], "occurred_at": ["2020-01-01"] * 3,
                            "category": ["bicycle_theft", "theft", "cycling"]},
                           geometry=[Point(74.6, 42.87)] * 3, crs=4326)
    v = validate(inc, "incidents", categories=lst)
    assert list(v.accepted["category"]) == ["bicycle_theft", "theft"]
    assert list(v.rejected["reason"].str.startswith("category is not one of")) == [True]
    assert len(validate(inc, "incidents").rejected) == 2  # the default list has no bicycle theft
    assert len(validate(inc, "incidents", categories=["cycling", "theft", "bicycle_theft"]).rejected) == 0


def test_list_keys_and_slugs():
    assert slug("Break & Enter") == "break_enter" and slug("Кража скота") == "krazha_skota"
    assert slug("Үйгө кирип уурдоо") == "uigo_kirip_uurdoo"
    lst = DEFAULT_CATEGORIES.add("Theft")  # a name taken by a key: a new unique key
    assert lst.keys[-2] == "theft_2"
    with pytest.raises(ValueError, match="keys repeat"):
        CategoryList((*DEFAULT_CATEGORIES.items[:2], DEFAULT_CATEGORIES.items[0]))
    # "other" is always last, even when a table stores it first
    frame = DEFAULT_CATEGORIES.to_frame()
    frame.loc[frame["key"] == OTHER, "order"] = -1
    assert CategoryList.from_frame(frame).keys == DEFAULT_CATEGORIES.keys


def test_categorize_with_the_saved_map_and_a_list():
    cats, mapping = categorize(pd.Series(["THEFT", "Pickpocketing", None]), {"Pickpocketing": "theft"})
    assert list(cats) == ["theft", "theft", OTHER]
    assert dict(zip(mapping["raw_label"], mapping["how"])) == {"THEFT": "rule", "Pickpocketing": "saved"}


def _run(monkeypatch, workspace: Path) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def test_categories_tab_renames_and_the_sidebar_shows_the_new_name(monkeypatch, tiny_workspace):
    at = _run(monkeypatch, tiny_workspace)
    assert "Burglary" in at.multiselect(key="f_cats").options
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="cat_rename").set_value("burglary").run()
    at.text_input(key="cat_en_burglary").set_value("Home break-ins")
    at.text_input(key="cat_ru_burglary").set_value("Проникновения в жилище")
    at.text_input(key="cat_ky_burglary").set_value("Үйгө кирип уурдоо")
    at.button(key="cat_rename_go").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success][-1:] == ["The category is renamed: Home break-ins."]
    assert read_categories(Workspace(tiny_workspace)).label("burglary", "ru") == "Проникновения в жилище"
    at.switch_page("views/overview.py").run()
    assert not at.exception, at.exception
    options = at.multiselect(key="f_cats").options
    assert "Home break-ins" in options and "Burglary" not in options
    # priorities marked on the tab are stored
    at.switch_page("views/data.py").run()
    at.multiselect(key="cat_priorities").set_value(["public_order"])
    at.button(key="cat_priorities_go").click().run()
    assert not at.exception, at.exception
    assert read_categories(Workspace(tiny_workspace)).priorities == ("public_order",)


def test_the_pack_follows_the_marked_priorities_and_names(tmp_path):
    from geo.report.options import ReportOptions
    from geo.report.study import pack_study, read_layers

    ws = Workspace(tmp_path / "w.gpkg")
    ws.write({k: require_valid(v, k) for k, v in tiny_layers().items()})
    # by counts, the pack would take burglary and public order (the only categories present)
    s = pack_study(read_layers(ws.path), ReportOptions(area="North"))
    assert set(s.options.priorities) == {"burglary", "public_order"}
    write_categories(ws, read_categories(ws).rename("burglary", label="Home break-ins", label_ru="Кражи из домов",
                                                    label_ky="Үйдөн уурдоо").mark_priorities(["burglary", "theft"]))
    layers = read_layers(ws.path)
    s = pack_study(layers, ReportOptions(area="North", lang="ru"))
    assert s.options.priorities == ("burglary",)  # marked and present; theft has no incidents here
    assert "Кражи из домов" in s.subtitle("burglary")
    # asked for explicitly, the options win over the marks
    assert pack_study(layers, ReportOptions(area="North", priorities=["public_order"])).options.priorities == (
        "public_order",)


def test_legends_and_points_name_and_colour_the_workspace_categories():
    from geo.categories import with_categories
    from layers.incidents import category_legend, incident_payload

    lst = DEFAULT_CATEGORIES.add("Bicycle theft", label_ru="Кражи велосипедов").rename("burglary", label="Break-ins")
    inc = require_valid(tiny_layers()["incidents"], "incidents").copy()
    inc.loc[0, "category"] = "bicycle_theft"
    with_categories(inc, lst)
    p = incident_payload(inc, lang="ru")
    code = p["cat"][0]
    assert p["labels"][code] == "Кражи велосипедов" and p["colors"][code] == category_color("bicycle_theft")
    assert p["labels"][p["cat"][2]] == "Break-ins"  # renamed only in English: the new name in every language
    legend = category_legend(["bicycle_theft", "burglary"], lang="en", category_list=lst)
    html = legend.html
    assert "Bicycle theft" in html and "Break-ins" in html and category_color("bicycle_theft") in html


def test_print_map_legend_names_and_colours_the_workspace_categories():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from geo.categories import with_categories
    from geo.printmap.layers import _draw_incidents

    lst = DEFAULT_CATEGORIES.add("Bicycle theft").rename("burglary", label="Break-ins")
    inc = require_valid(tiny_layers()["incidents"], "incidents").copy()
    inc.loc[0, "category"] = "bicycle_theft"
    with_categories(inc, lst)
    fig, ax = plt.subplots()
    try:
        section = _draw_incidents(ax, inc.to_crs(3857), k=1.0, tr=Tr("en"))
    finally:
        plt.close(fig)
    rows = {label: sym for sym, label in section.rows}
    assert {"Bicycle theft (1)", "Break-ins (8)", "Public order (9)"} == set(rows)
    assert rows["Bicycle theft (1)"].face == category_color("bicycle_theft")
