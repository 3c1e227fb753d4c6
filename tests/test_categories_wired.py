"""The workspace's own categories everywhere (issue 13, item 10): pages, pack, command line, import.

A workspace renames "burglary", adds "Bicycle theft" and marks both as its plan's priorities; every place
that names a category must show the workspace's names, accept the added key and refuse an unknown one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, map_html, tiny_layers
from geo.categories import DEFAULT_CATEGORIES, OTHER, CategoryList, categories_of
from geo.io.categories import CATEGORIES_TABLE, read_categories
from geo.io.store import Workspace
from geo.schema import require_valid

RENAMED_EN, RENAMED_RU, RENAMED_KY = "Homes broken into", "Квартирные кражи и взломы", "Үйгө кирип уурдоо"
ADDED_EN, ADDED_RU, ADDED_KY = "Bicycle theft", "Кражи велосипедов", "Велосипед уурдоо"
ADDED = "bicycle_theft"
# tiny_layers' incidents of 2017 in the North (settlement B) that become bicycle thefts
BICYCLE_ROWS = [10, 12]


def custom_list() -> CategoryList:
    return (DEFAULT_CATEGORIES.rename("burglary", label=RENAMED_EN, label_ru=RENAMED_RU, label_ky=RENAMED_KY)
            .add(ADDED_EN, label_ru=ADDED_RU, label_ky=ADDED_KY).mark_priorities(["burglary", ADDED]))


@pytest.fixture
def custom_workspace(tmp_path: Path) -> Path:
    """The tiny workspace with its own list: burglary renamed, bicycle theft added, both priorities."""
    lst = custom_list()
    assert ADDED in lst and lst.keys[-1] == OTHER
    layers = tiny_layers()
    inc = layers["incidents"].copy()
    inc.loc[BICYCLE_ROWS, "category"] = ADDED
    layers["incidents"] = inc
    valid = {k: require_valid(v, k, categories=lst) for k, v in layers.items()}
    path = tmp_path / "custom.gpkg"
    Workspace(path).write({**valid, CATEGORIES_TABLE: lst.to_frame()}, meta={"title": "custom"})
    assert read_categories(Workspace(path)).label("burglary", "ru") == RENAMED_RU
    return path


def _run(monkeypatch, workspace: Path) -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _page_bytes(at: AppTest) -> bytes:
    """Everything the page sends to the browser (charts' data included), as bytes."""
    out: list[bytes] = []

    def walk(node) -> None:  # noqa: ANN001 - an AppTest tree node
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            out.append(proto.SerializeToString())
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else []:
            walk(child)

    walk(at._tree)
    return b"\n".join(out)


def test_pages_name_the_workspace_categories(monkeypatch, custom_workspace):
    at = _run(monkeypatch, custom_workspace)
    # the sidebar offers the workspace's names: the renamed one under its new name, the added one
    options = at.multiselect(key="f_cats").options
    assert RENAMED_EN in options and ADDED_EN in options and "Burglary" not in options
    # the Overview's map legend (and the points' popups) name them as the workspace does
    html = map_html(at)
    assert RENAMED_EN in html and ADDED_EN in html
    assert "Burglary" not in html

    at.switch_page("views/hotspots.py").run()
    assert not at.exception, at.exception
    sent = _page_bytes(at)
    # the chart of incidents per month by category, in the workspace's names
    assert RENAMED_EN.encode() in sent and ADDED_EN.encode() in sent
    assert b"Burglary" not in sent

    at.switch_page("views/planner.py").run()
    assert not at.exception, at.exception
    # weight inputs only for the categories of the study, named as the workspace names them
    weights = {w.key: w.label for w in at.number_input if w.key.startswith("pl_w_")}
    assert weights == {"pl_w_public_order": "Public order", "pl_w_burglary": RENAMED_EN,
                       f"pl_w_{ADDED}": ADDED_EN}

    # only the added category and the renamed one: the Export page's options accept the added key
    at.multiselect(key="f_cats").set_value([ADDED, "burglary"]).run()
    assert not at.exception, at.exception
    at.switch_page("views/export.py").run()
    assert not at.exception, at.exception
    assert not [i.value for i in at.info if "Nothing to export" in i.value]
    # the categories of the workspace's incidents, in its names
    assert set(at.multiselect(key="pk_prio").options) == {RENAMED_EN, ADDED_EN, "Public order"}
    assert at.multiselect(key="pk_prio").value == ["burglary", ADDED]  # the priorities the workspace marked


def test_pack_text_names_the_workspace_categories(custom_workspace):
    from geo.report.methods import cover_text, methods_text
    from geo.report.options import ReportOptions
    from geo.report.study import pack_study, read_layers
    from geo.report.views import make_view

    layers = read_layers(custom_workspace)
    # the list the incidents carry: the options accept its added key
    s = pack_study(layers, ReportOptions(area="North", lang="ru", categories=["burglary", ADDED],
                                         category_list=categories_of(layers["incidents"])))
    assert s.options.priorities == ("burglary", ADDED)
    views = [make_view("hotspots", s, c) for c in s.options.priorities]
    cover = "\n".join(cover_text(s, []))
    # categories and priorities in the workspace's Russian names
    assert cover.count(RENAMED_RU) == 2 and cover.count(ADDED_RU) == 2, cover
    assert "Квартирные кражи," not in cover.replace(RENAMED_RU, "")
    every = [make_view("overview", s, None), *views, make_view("coverage", s, None), make_view("sites", s, None)]
    methods = "\n".join(methods_text(s, every))
    assert RENAMED_RU in methods and ADDED_RU in methods


def test_the_printed_pack_names_the_workspace_categories(custom_workspace, tmp_path):
    from geo.report import ReportOptions, build_pack, read_layers

    layers = read_layers(custom_workspace)
    o = ReportOptions(area="North", lang="ru", date=dt.date(2026, 3, 1))
    result = build_pack(layers, tmp_path / "pack.pdf", options=o)
    text = subprocess.run(["pdftotext", "-layout", str(result.paths["pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    assert RENAMED_RU in flat and ADDED_RU in flat
    assert "Burglary" not in flat and "Квартирные кражи " not in flat.replace(RENAMED_RU, "")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ})


def test_cli_category_follows_the_workspace_list(custom_workspace, tmp_path):
    ok = cli("density", f"workspace:{custom_workspace}", "--category", ADDED, "burglary",
             "--out", str(tmp_path / "d.tif"), "--json")
    assert ok.returncode == 0, ok.stderr
    # every settlement, every date: the even rows 0..16 (burglaries, two of them now bicycle thefts)
    assert json.loads(ok.stdout)["incidents"] == 9
    bad = cli("density", f"workspace:{custom_workspace}", "--category", "bogus", "--out", str(tmp_path / "x.tif"))
    assert bad.returncode == 2
    line = bad.stderr.strip().splitlines()[-1]
    assert line.startswith("error: unknown category bogus; categories: ")
    assert line.endswith(", ".join(custom_list().keys)), line
    # a key of the default list the workspace keeps is accepted too (no incidents of it: another error)
    nofile = cli("density", f"workspace:{custom_workspace}", "--category", "theft", "--out", str(tmp_path / "t.tif"))
    assert "unknown category" not in nofile.stderr
    # the print commands too: an added key accepted, an unknown priority refused with the keys
    png = cli("export", "--workspace", str(custom_workspace), "--map", "hotspots", "--category", ADDED,
              "--area", "North", "--format", "png", "--dpi", "60", "--out", str(tmp_path / "h.png"))
    assert png.returncode == 0, png.stderr
    refused = cli("pack", "--workspace", str(custom_workspace), "--priority", "bogus", "--out",
                  str(tmp_path / "p.pdf"))
    assert refused.returncode == 2 and "unknown category bogus; categories: " in refused.stderr
    assert ADDED in refused.stderr


def _registry(tmp_path: Path) -> Path:
    csv = tmp_path / "reg.csv"
    csv.write_text("id,date,lat,lon,type\n1,2020-01-02,42.87,74.6,Break and Enter\n"
                   "2,2020-01-03,42.87,74.61,Vehicle Collision\n3,2020-01-04,42.87,74.62,Break and Enter\n"
                   "4,2020-01-05,42.87,74.63,Burglary\n", encoding="utf-8")
    return csv


def test_cli_import_own_labels_keeps_the_files_labels(tmp_path):
    csv = _registry(tmp_path)
    own = tmp_path / "own.gpkg"
    r = cli("import", "incidents", str(csv), "--workspace", str(own), "--own-labels", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["accepted"] == 4
    ws = Workspace(own)
    lst = read_categories(ws)
    assert {"break_and_enter", "vehicle_collision"} <= set(lst.keys)
    assert lst.label("vehicle_collision", "en") == "Vehicle Collision"
    assert list(ws.read("incidents").sort_values("id")["category"]) == [
        "break_and_enter", "vehicle_collision", "break_and_enter", "burglary"]
    # without the flag the labels are mapped to the list's categories, and the list stays the default
    mapped = tmp_path / "mapped.gpkg"
    r = cli("import", "incidents", str(csv), "--workspace", str(mapped), "--json")
    assert r.returncode == 0, r.stderr
    assert list(Workspace(mapped).read("incidents").sort_values("id")["category"]) == [
        "burglary", "road_traffic", "burglary", "burglary"]
    assert "break_and_enter" not in read_categories(Workspace(mapped))
    # the own-labels list is what the other commands check --category against
    ok = cli("density", f"workspace:{own}", "--category", "vehicle_collision", "--out", str(tmp_path / "v.tif"))
    assert "unknown category" not in ok.stderr


def test_data_page_import_keeps_the_files_labels_when_asked(monkeypatch, tiny_workspace, tmp_path):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # uploads stored under this test's folder
    csv = _registry(tmp_path).read_bytes()
    at = _run(monkeypatch, tiny_workspace)
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    at.file_uploader(key="imp_file").set_value(("reg.csv", csv, "text/csv")).run()
    assert not at.exception, at.exception
    assert at.toggle(key="imp_own_labels").value is False
    assert [b for b in at.button if b.label == "Import 4 incidents"]
    # the option changes what the import does: the check must run again before Import
    at.toggle(key="imp_own_labels").set_value(True).run()
    assert not [b for b in at.button if b.label == "Import 4 incidents"]
    at.button(key="imp_check").click().run()
    assert not at.exception, at.exception
    at.checkbox(key="imp_confirm_replace").check().run()  # the incidents there replaced: confirmed
    [confirm] = [b for b in at.button if b.label == "Import 4 incidents"]
    confirm.click().run()
    assert not at.exception, at.exception
    ws = Workspace(tiny_workspace)
    lst = read_categories(ws)
    assert {"break_and_enter", "vehicle_collision"} <= set(lst.keys)
    assert sorted(set(ws.read("incidents")["category"])) == ["break_and_enter", "burglary", "vehicle_collision"]
    # the sidebar now offers the file's labels as categories
    assert {"Break and Enter", "Vehicle Collision"} <= set(at.multiselect(key="f_cats").options)
