"""One workspace per municipality, chosen in the sidebar: a folder of GeoPackages or a PostGIS database.

AppTest on both stores: the sidebar offers the municipalities, the chosen one's data is what every page
shows, the address remembers it; an empty database starts as the demo's two municipalities.
"""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geo.io.workspaces import list_municipalities, open_workspace

DEMO_MUNICIPALITIES = ROOT / "data" / "demo" / "municipalities"


@pytest.fixture
def municipalities_dir(tmp_path):
    if not (DEMO_MUNICIPALITIES / "bishkek.gpkg").is_file():
        pytest.skip("the demo municipalities are built by `make demo`")
    folder = tmp_path / "workspaces"
    folder.mkdir()
    for f in DEMO_MUNICIPALITIES.glob("*.gpkg"):
        shutil.copyfile(f, folder / f.name)
    return folder


def open_app(monkeypatch, *, folder=None, database=None) -> AppTest:
    for name in ("KOOPSUZ_WORKSPACE", "KOOPSUZ_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    if folder is not None:
        monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(folder))
    if database is not None:
        monkeypatch.setenv("KOOPSUZ_DATABASE", database)
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def headline(at: AppTest) -> str:
    return {m.label: m.value for m in at.metric}["Incidents"]


def check_choice(at: AppTest) -> None:
    picker = at.selectbox(key="m")
    assert picker.options == ["Bishkek", "Jeti-Oguz"] and picker.value == "bishkek"
    assert at.session_state["filter"].area == "Bishkek" and at.radio(key="f_area").options == ["Bishkek", "All areas"]
    bishkek = headline(at)
    picker.set_value("jeti-oguz").run()
    assert not at.exception, at.exception
    assert at.query_params["m"] in ("jeti-oguz", ["jeti-oguz"])  # the address remembers it
    assert at.session_state["filter"].area == "Jeti-Oguz" and at.radio(key="f_area").options == ["Jeti-Oguz", "All areas"]
    assert headline(at) != bishkek
    at.switch_page("views/data.py").run()  # the Data page works on the chosen municipality's workspace
    assert not at.exception, at.exception
    assert any("jeti-oguz" in c.value for c in at.caption), [c.value for c in at.caption]


def test_a_folder_of_geopackages_is_one_municipality_per_file(monkeypatch, municipalities_dir):
    check_choice(open_app(monkeypatch, folder=municipalities_dir))


def test_an_empty_database_starts_as_the_demo_municipalities(monkeypatch, pg, municipalities_dir):
    pg.reset()
    at = open_app(monkeypatch, database=pg.url)
    assert [m.key for m in list_municipalities(pg.url)] == ["bishkek", "jeti-oguz"]
    check_choice(at)
    # the seeded schemas hold what the demo files hold
    for key in ("bishkek", "jeti-oguz"):
        seeded = open_workspace(f"{pg.url}?schema={key}")
        demo = open_workspace(DEMO_MUNICIPALITIES / f"{key}.gpkg")
        assert {t: len(seeded.read_table(t)) for t in seeded.tables()} == \
            {t: len(demo.read_table(t)) for t in demo.tables()}


def test_the_command_line_finds_the_municipality_as_the_app_does(pg, municipalities_dir, tmp_path):
    import os
    import subprocess
    import sys

    csv = tmp_path / "naryn.csv"
    csv.write_text("id,date,type,lat,lon\nn1,2017-03-01 10:00,Кража,41.43,76.0\n", encoding="utf-8")

    def geo(*args: str, **env: str) -> subprocess.CompletedProcess:
        clean = {k: v for k, v in os.environ.items() if k not in ("KOOPSUZ_WORKSPACE", "KOOPSUZ_DATABASE")}
        return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=300, env={**clean, **env})

    # the app's location with two municipalities and none named: refused, naming them
    p = geo("import", "incidents", str(csv), KOOPSUZ_WORKSPACE=str(municipalities_dir))
    assert p.returncode == 2 and "holds 2 municipalities (bishkek, jeti-oguz)" in p.stderr, p.stderr
    # a new key creates its workspace beside the others, which the app then offers
    p = geo("import", "incidents", str(csv), "--municipality", "naryn", KOOPSUZ_WORKSPACE=str(municipalities_dir))
    assert p.returncode == 0, p.stderr
    assert [m.key for m in list_municipalities(municipalities_dir)] == ["bishkek", "jeti-oguz", "naryn"]
    # the same on PostGIS: KOOPSUZ_DATABASE, a schema per municipality
    pg.reset()
    p = geo("import", "incidents", str(csv), "--municipality", "naryn", KOOPSUZ_DATABASE=pg.url)
    assert p.returncode == 0, p.stderr
    assert len(open_workspace(f"{pg.url}?schema=naryn").read("incidents")) == 1
    p = geo("import", "incidents", str(csv), "--municipality", "Naryn!", KOOPSUZ_DATABASE=pg.url)
    assert p.returncode == 2 and "cannot name a municipality" in p.stderr


def test_the_default_folder_starts_as_the_demo_municipalities(monkeypatch, tmp_path):
    """`make run` on a fresh clone: data/workspaces/ is empty, the app copies the two demo municipalities in."""
    import views.common

    if not (DEMO_MUNICIPALITIES / "bishkek.gpkg").is_file():
        pytest.skip("the demo municipalities are built by `make demo`")
    folder = tmp_path / "workspaces"  # stands for data/workspaces, which this test must not touch
    monkeypatch.setattr(views.common, "DEFAULT_LOCATION", folder)
    at = open_app(monkeypatch, folder=folder)
    assert sorted(p.name for p in folder.iterdir()) == ["bishkek.gpkg", "jeti-oguz.gpkg"]
    assert at.selectbox(key="m").options == ["Bishkek", "Jeti-Oguz"]
    for f in folder.iterdir():  # copies: an import changes them, never the demo
        assert f.read_bytes() == (DEMO_MUNICIPALITIES / f.name).read_bytes()
