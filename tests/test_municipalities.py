"""Municipalities side by side: the demo's two municipalities, the comparison against direct counts, the page
and its printable PDF."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from english import english_words
from geo.crs import local_crs
from geo.demo import make_demo, write_demo
from geo.io.store import Workspace
from geo.io.workspaces import list_municipalities, open_workspace
from geo.messages import MUNI_NO_PREVIOUS, MUNI_NONE_BEFORE, RATE_NO_POPULATION
from geo.report.municipalities import (comparison_pdf, comparison_table, compare_municipalities, settlement_rates,
                                       years_of)
from geo.report.study import read_layers

NAMES = {"bishkek": ("Bishkek", "Бишкек", "Бишкек"), "jeti-oguz": ("Jeti-Oguz", "Джети-Огуз", "Жети-Өгүз")}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    return out


@pytest.fixture(scope="module")
def folder(demo_dir) -> Path:
    return demo_dir / "municipalities"


@pytest.fixture(scope="module")
def workspaces(folder) -> dict[str, dict[str, gpd.GeoDataFrame]]:
    return {m.key: read_layers(m.location) for m in list_municipalities(folder)}


@pytest.fixture(scope="module")
def rows(workspaces) -> pd.DataFrame:
    return compare_municipalities(workspaces, year=2017)


# ---------------------------------------------------------------- the demo's municipalities


def test_write_demo_keeps_demo_gpkg_and_writes_two_municipalities(demo_dir, folder):
    assert (demo_dir / "demo.gpkg").is_file()
    found = list_municipalities(folder)
    assert [(m.key, m.name) for m in found] == [("bishkek", "Bishkek"), ("jeti-oguz", "Jeti-Oguz")]
    whole = open_workspace(demo_dir / "demo.gpkg").meta()
    for m in found:
        meta = open_workspace(m.location).meta()
        en, ru, ky = NAMES[m.key]
        assert (meta["municipality"], meta["municipality_ru"], meta["municipality_ky"]) == (en, ru, ky)
        assert meta["title"] == f"Koopsuz demo: {en} (synthetic)"
        assert {k: meta[k] for k in ("synthetic", "seed", "scale", "provenance")} == \
            {k: whole[k] for k in ("synthetic", "seed", "scale", "provenance")}


def test_each_municipality_holds_exactly_its_own_layers(demo_dir, folder):
    demo = {n: open_workspace(demo_dir / "demo.gpkg").read(n) for n in ("incidents", "boundaries", "stations")}
    total = 0
    for key, (en, _ru, _ky) in NAMES.items():
        ws = open_workspace(folder / f"{key}.gpkg")
        b, inc = ws.read("boundaries"), ws.read("incidents")
        assert len(b) and set(b["area"]) == {en}
        assert len(b) == int((demo["boundaries"]["area"] == en).sum())
        # every incident of the file lies in one of its settlements, and they are all the demo's incidents there
        joined = gpd.sjoin(inc, b[["geometry"]], predicate="within", how="left")
        assert joined["index_right"].notna().all()
        inside = gpd.sjoin(demo["incidents"], demo["boundaries"][demo["boundaries"]["area"] == en][["geometry"]],
                           predicate="within")
        assert len(inc) == inside.index.nunique() > 0
        assert set(inc["id"]) == set(demo["incidents"].loc[inside.index.unique(), "id"])
        total += len(inc)
        # stations and cameras: in or at the edge of the municipality, none of the other's
        for layer in ("stations", "cameras"):
            frame = ws.read(layer)
            assert len(frame) > 0
            crs = local_crs(b)
            assert (frame.to_crs(crs).distance(b.to_crs(crs).union_all()) < 1.0).all(), (key, layer)
    assert total == len(demo["incidents"])


# ---------------------------------------------------------------- the comparison against direct counts


def _direct(path: Path, year: int) -> dict:
    ws = open_workspace(path)
    inc, b, st, cams = ws.read("incidents"), ws.read("boundaries"), ws.read("stations"), ws.read("cameras")
    y = inc["occurred_at"].dt.year
    now, before = inc[y == year], inc[y == year - 1]
    crs = local_crs(b)
    xy = np.column_stack([now.to_crs(crs).geometry.x, now.to_crs(crs).geometry.y])
    sxy = np.column_stack([st.to_crs(crs).geometry.x, st.to_crs(crs).geometry.y])
    dist, _i = cKDTree(sxy).query(xy)
    days = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1
    pop = int(b["population"].sum())
    return {"incidents": len(now), "previous": len(before), "residents": pop,
            "rate": len(now) / pop * 1e5 * 365.25 / days, "change": (len(now) - len(before)) / len(before),
            "covered": int((dist <= 1500.0).sum()), "cameras": len(cams), "stations": len(st),
            "by_cat": now["category"].value_counts(), "by_cat_before": before["category"].value_counts()}


def test_comparison_equals_direct_counts(rows, folder):
    assert rows.attrs["year"] == 2017
    assert list(rows["key"]) == ["bishkek", "jeti-oguz"]
    for row in rows.itertuples(index=False):
        d = _direct(folder / f"{row.key}.gpkg", 2017)
        assert (row.start, row.end) == (dt.date(2017, 1, 1), dt.date(2017, 12, 31))
        assert row.incidents == d["incidents"] > 0
        assert row.previous_incidents == d["previous"] > 0
        assert row.residents == d["residents"]
        assert row.rate == pytest.approx(d["rate"])
        assert row.rate_note == ""
        assert row.change == pytest.approx(d["change"])
        assert row.covered == d["covered"] and row.covered_share == pytest.approx(d["covered"] / d["incidents"])
        assert (row.standard, row.reach) == ("radius", 1500.0)
        assert row.cameras == d["cameras"] and row.stations == d["stations"]
        assert len(row.priorities) >= 1
        for cat, n, before, trend in row.priorities:
            assert n == int(d["by_cat"].get(cat, 0)) and before == int(d["by_cat_before"].get(cat, 0))
            assert trend == ("up" if n > before else "down" if n < before else "same")
    # what sets them apart: Jeti-Oguz's plan puts livestock theft first, Bishkek's has none of it
    pri = {r.key: [p[0] for p in r.priorities] for r in rows.itertuples()}
    assert pri["jeti-oguz"][0] == "livestock_theft" and "livestock_theft" not in pri["bishkek"]


def test_the_first_year_has_no_change_and_says_why(workspaces):
    first = compare_municipalities(workspaces, year=2016)
    assert first["previous_incidents"].isna().all() and first["change"].isna().all()
    assert set(first["change_note"]) == {MUNI_NO_PREVIOUS.format(year="2015")}
    assert all(t is None for r in first["priorities"] for *_x, t in r)
    assert years_of(workspaces) == [2018, 2017, 2016]
    assert compare_municipalities(workspaces).attrs["year"] == 2018  # the latest year by default
    # none the year before: no percentage, and the reason
    gap = dict(workspaces["jeti-oguz"])
    gap["incidents"] = gap["incidents"][gap["incidents"]["occurred_at"].dt.year != 2017]
    row = compare_municipalities({"jeti-oguz": gap}, year=2018).iloc[0]
    assert row["previous_incidents"] == 0 and np.isnan(row["change"])
    assert row["change_note"] == MUNI_NONE_BEFORE.format(year="2017")


def test_missing_population_gives_no_rate_and_the_reason(workspaces):
    some = dict(workspaces["jeti-oguz"])
    b = some["boundaries"].copy()
    b.loc[b.index[0], "population"] = np.nan
    some["boundaries"] = b
    none = dict(workspaces["bishkek"])
    none["boundaries"] = none["boundaries"].assign(population=np.nan)
    out = compare_municipalities({"jeti-oguz": some, "bishkek": none}, year=2017)
    assert out["rate"].isna().all()
    assert out.loc[0, "rate_note"] == (f"1 of {len(b)} settlements have no population figure: no rate for the "
                                       "municipality")
    assert out.loc[1, "rate_note"] == RATE_NO_POPULATION and pd.isna(out.loc[1, "residents"])
    table = comparison_table(out, lang="en")
    assert table["Why a figure is missing"].tolist() == [out.loc[0, "rate_note"], RATE_NO_POPULATION]


def test_table_headers_say_unit_and_period(rows):
    table = comparison_table(rows, lang="en")
    assert list(table["Municipality"]) == ["Bishkek", "Jeti-Oguz"]
    for head in ("Incidents in 2017", "Incidents in 2016", "Change on 2016, %",
                 "Rate per 100,000 residents a year, 2017", "Coverage: within 1,500 m of a station, 2017, %"):
        assert head in table.columns
    assert pd.api.types.is_integer_dtype(table["Incidents in 2017"])  # sortable as numbers
    assert table["Coverage: within 1,500 m of a station, 2017, %"].tolist() == \
        (rows["covered_share"] * 100).round(1).tolist()
    ru = comparison_table(rows, lang="ru")
    assert list(ru[ru.columns[0]]) == ["Бишкек", "Джети-Огуз"]
    ky = comparison_table(rows, lang="ky")
    assert list(ky[ky.columns[0]]) == ["Бишкек", "Жети-Өгүз"]


def _pdf_text(data: bytes, tmp_path: Path, name: str) -> tuple[int, str]:
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return pages, text


@pytest.mark.parametrize("lang", ["en", "ru", "ky"])
def test_printable_pdf_has_the_table_and_the_maps_in_the_language(rows, workspaces, tmp_path, lang):
    maps = {k: settlement_rates(v, year=2017) for k, v in workspaces.items()}
    pages, text = _pdf_text(comparison_pdf(rows, maps, lang=lang, date=dt.date(2018, 1, 15)), tmp_path, lang)
    assert pages >= 2
    for key, names in NAMES.items():
        name = names[("en", "ru", "ky").index(lang)]
        assert text.count(name) >= 2, (key, name)  # in the table and over its map
    if lang != "en":
        assert not english_words(text), english_words(text)


# ---------------------------------------------------------------- the page


def _run(monkeypatch, workspace: Path, lang: str = "en") -> AppTest:
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(workspace))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.setenv("KOOPSUZ_LANG", lang)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.switch_page("views/municipalities.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def two(folder, tmp_path) -> Path:
    out = tmp_path / "municipalities"
    out.mkdir()
    for f in folder.glob("*.gpkg"):
        shutil.copy(f, out / f.name)
    return out


def test_page_shows_both_municipalities_side_by_side(monkeypatch, two, workspaces):
    at = _run(monkeypatch, two)
    table = at.dataframe[0].value
    assert list(table["Municipality"]) == ["Bishkek", "Jeti-Oguz"]
    latest = compare_municipalities(workspaces, year=2018)
    assert table["Incidents in 2018"].tolist() == latest["incidents"].tolist()
    assert at.selectbox(key="muni_year").value == 2018
    assert not at.info  # two municipalities: nothing to excuse
    at.selectbox(key="muni_year").set_value(2017).run()
    assert not at.exception, at.exception
    again = at.dataframe[0].value
    assert "Incidents in 2017" in again.columns and "Incidents in 2018" not in again.columns


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_page_in_russian_and_kyrgyz_has_no_english_words(monkeypatch, two, lang):
    at = _run(monkeypatch, two, lang)
    table = at.dataframe[0].value
    names = [NAMES[k][("en", "ru", "ky").index(lang)] for k in ("bishkek", "jeti-oguz")]
    assert list(table[table.columns[0]]) == names
    words = " ".join([*map(str, table.columns), *table.astype(str).to_numpy().ravel(), at.title[0].value,
                      *(c.value for c in at.main.caption)])
    assert not english_words(words), english_words(words)


def test_one_municipality_says_so_and_shows_its_row(monkeypatch, folder, tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(folder / "jeti-oguz.gpkg", one / "jeti-oguz.gpkg")
    at = _run(monkeypatch, one)
    assert any("only one municipality" in i.value for i in at.info)
    assert list(at.dataframe[0].value["Municipality"]) == ["Jeti-Oguz"]


def test_a_stored_demo_file_still_opens_as_one_workspace(demo_dir):
    # the whole demo is one workspace with both areas: still readable as before (tests and make run use it)
    ws = Workspace(demo_dir / "demo.gpkg")
    assert set(ws.read("boundaries")["area"]) == {"Bishkek", "Jeti-Oguz"}
    assert len(ws.read("incidents")) == len(make_demo()["incidents"])
