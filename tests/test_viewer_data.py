"""What a viewer's pages read (views.privacy.viewer_data through views.common.load_data), in AppTest sessions.

The library's masking is tested in tests/test_privacy.py; here: the one choke point every page reads
through gives a viewer's session the masked layer in the data model's schema, and an analyst's the recorded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geo.auth import Account
from geo.auth.store import open_accounts
from geo.privacy import PrivacyPolicy, is_sensitive, leaks
from geo.select import unit_of
from geo.io.store import Workspace

DEMO = ROOT / "data" / "demo" / "municipalities" / "jeti-oguz.gpkg"
VIEWER = Account("council", "Council member", roles={"*": "viewer"})
ANALYST = Account("planner", "Police planner", roles={"*": "analyst"})


def _read_through_load_data() -> None:
    import streamlit as st

    from views.common import load_data
    from views.privacy import is_viewer_data, sensitive_table

    data = load_data()
    st.session_state["out_data"] = data
    st.session_state["out_viewer"] = is_viewer_data(data)
    if is_viewer_data(data):
        st.session_state["out_sensitive"] = sensitive_table(data)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    where = tmp_path / "municipalities"
    where.mkdir()
    shutil.copy(DEMO, where / DEMO.name)
    return where


def _run(monkeypatch, folder: Path, account: Account) -> AppTest:
    monkeypatch.delenv("KOOPSUZ_DATABASE", raising=False)
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(folder))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(_read_through_load_data, default_timeout=120)
    at.session_state["koopsuz_account"] = account
    at.run()
    assert not at.exception, at.exception
    return at


def _recorded() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    from geo.schema import validate
    from geo.select import assign_units, with_unit_ids

    ws = Workspace(DEMO)
    boundaries = with_unit_ids(validate(ws.read("boundaries"), "boundaries").accepted)
    return assign_units(validate(ws.read("incidents"), "incidents").accepted, boundaries), boundaries


def test_a_viewer_reads_masked_incidents_in_the_data_models_schema(monkeypatch, folder):
    at = _run(monkeypatch, folder, VIEWER)
    data, recorded = at.session_state["out_data"], _recorded()[0]
    assert at.session_state["out_viewer"]
    inc = data.incidents
    # the data model's columns, so every page and the pack work unchanged
    assert list(inc.columns) == ["id", "occurred_at", "category", "description", "raw_category", "weight", "unit",
                                 "area", "geometry"]
    assert inc["occurred_at"].dtype == recorded["occurred_at"].dtype
    # anonymous numbers, no registry number, no words
    assert set(inc["id"]) == {f"v{i + 1}" for i in range(len(inc))}
    assert not set(inc["id"]) & set(recorded["id"])
    assert inc["description"].isna().all() and inc["raw_category"].isna().all()
    # dates to the month: every time is midnight on the first day of its month, the month the incident's
    t = pd.to_datetime(inc["occurred_at"])
    assert (t.dt.day == 1).all() and (t.dt.hour == 0).all() and (t.dt.minute == 0).all()
    assert sorted(t.dt.strftime("%Y-%m")) == sorted(
        pd.to_datetime(recorded["occurred_at"][~is_sensitive(recorded["category"], PrivacyPolicy())])
        .dt.strftime("%Y-%m"))
    # no sensitive category among the points; every other incident is one point
    assert not is_sensitive(inc["category"], PrivacyPolicy()).any()
    assert len(inc) == int((~is_sensitive(recorded["category"], PrivacyPolicy())).sum())
    # no point within the minimum displacement of any recorded incident (sensitive ones too)
    assert len(leaks(inc, recorded, min_m=PrivacyPolicy().min_m)) == 0
    # no rejected rows, and the method and its parameters travel with the layer
    assert all(len(r) == 0 for r in data.rejected.values())
    assert inc.attrs["privacy"]["method"] == "donut" and inc.attrs["privacy"]["min_m"] == 100.0


def test_a_viewers_counts_per_settlement_are_the_recorded_ones(monkeypatch, folder):
    at = _run(monkeypatch, folder, VIEWER)
    data = at.session_state["out_data"]
    recorded, boundaries = _recorded()
    policy = PrivacyPolicy()
    plain = recorded[~is_sensitive(recorded["category"], policy)]
    # masked points stay in their settlement: counts per settlement and category do not change
    shown = pd.Series(unit_of(data.incidents, boundaries)).value_counts().sort_index()
    truth = pd.Series(unit_of(plain, boundaries)).value_counts().sort_index()
    pd.testing.assert_series_equal(shown, truth, check_names=False)
    assert (data.incidents["unit"].to_numpy() == boundaries["unit_id"].to_numpy()[
        unit_of(data.incidents, boundaries)]).all()
    # the sensitive categories: counts per settlement only, below 3 withheld, the rest exact
    table = at.session_state["out_sensitive"]
    assert set(table["category"]) == {"domestic_violence"}
    sens = recorded[is_sensitive(recorded["category"], policy)]
    exact = pd.Series(unit_of(sens, boundaries)).map(dict(enumerate(boundaries["unit_id"]))).value_counts()
    for _i, row in table.iterrows():
        n = int(exact.get(row["unit"], 0))
        assert (pd.isna(row["count"]) and 0 < n < 3) if row["suppressed"] else int(row["count"]) == n


def test_an_analyst_reads_the_recorded_incidents(monkeypatch, folder):
    at = _run(monkeypatch, folder, ANALYST)
    data, recorded = at.session_state["out_data"], _recorded()[0]
    assert not at.session_state["out_viewer"]
    assert set(data.incidents["id"]) == set(recorded["id"])
    assert len(leaks(data.incidents, recorded, min_m=PrivacyPolicy().min_m)) == len(recorded)


def test_the_seed_is_kept_on_the_server_once_and_the_masking_repeats(monkeypatch, folder):
    first = _run(monkeypatch, folder, VIEWER).session_state["out_data"].incidents
    meta = open_accounts(str(folder)).meta()
    seeds = {k: v for k, v in meta.items() if k.startswith("privacy_seed_")}
    assert list(seeds) == ["privacy_seed_jeti-oguz"] and int(seeds["privacy_seed_jeti-oguz"]) > 0
    # a new session (another server process would read the same store) masks alike
    from views.privacy import _viewer

    _viewer.clear()
    again = _run(monkeypatch, folder, VIEWER).session_state["out_data"].incidents
    assert open_accounts(str(folder)).meta()["privacy_seed_jeti-oguz"] == seeds["privacy_seed_jeti-oguz"]
    assert first.geometry.geom_equals_exact(again.geometry, tolerance=0).all()
    assert "privacy_seed" not in repr(first.attrs)


def _app(monkeypatch, folder: Path, account: Account) -> AppTest:
    monkeypatch.delenv("KOOPSUZ_DATABASE", raising=False)
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(folder))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["koopsuz_account"] = account
    at.run()
    assert not at.exception, at.exception
    return at


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_a_viewers_pages_say_how_points_were_moved_and_show_months_only(monkeypatch, folder):
    at = _app(monkeypatch, folder, VIEWER)
    text = _captions(at)
    assert "(donut masking)" in text and "spatial k-anonymity" in text
    assert "Sensitive categories: counts per settlement" in [h.value for h in at.subheader]
    sensitive = at.dataframe[-1].value
    assert set(sensitive["Category"]) == {"Domestic violence"}
    assert sensitive["Incidents"].map(lambda v: v == "fewer than 3" or v.isdigit()).all()
    at.switch_page("views/hotspots.py").run()
    assert not at.exception, at.exception
    text = _captions(at)
    assert "Hours and days of the week are not shown: dates are to the month." in text
    assert "(donut masking)" in text
    for method in ("density", "gistar", "rate"):
        at.radio(key="hs_method").set_value(method).run()
        assert not at.exception, (method, at.exception)
    at.switch_page("views/export.py").run()
    assert not at.exception, at.exception
    assert "(donut masking)" in _captions(at)


def test_an_analysts_pages_say_nothing_of_masking(monkeypatch, folder):
    at = _app(monkeypatch, folder, ANALYST)
    assert "(donut masking)" not in _captions(at)
    at.switch_page("views/hotspots.py").run()
    assert not at.exception, at.exception
    assert "Hours and days of the week are not shown" not in _captions(at)


def test_an_administrator_chooses_how_viewers_see_incidents(monkeypatch, folder):
    """Data page → Privacy for viewers: saved in the workspace, audited, and a viewer's data follows it."""
    from geo.auth import read_audit

    monkeypatch.delenv("KOOPSUZ_DATABASE", raising=False)
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(folder))
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["koopsuz_account"] = Account("boss", "Administrator", roles={"*": "admin"})
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    at.radio(key="priv_method").set_value("aggregate")
    at.number_input(key="priv_min_count").set_value(5)
    at.multiselect(key="priv_sensitive").set_value(["juvenile"])
    [save] = [b for b in at.button if b.label == "Save the privacy settings"]
    save.click().run()
    assert not at.exception, at.exception
    meta = Workspace(folder / DEMO.name).meta()
    assert meta["privacy_method"] == "aggregate" and meta["privacy_min_count"] == "5"
    assert meta["privacy_sensitive"] == "juvenile"
    policy = PrivacyPolicy.from_meta(meta)
    assert policy.method == "aggregate" and policy.min_count == 5 and "juvenile" in policy.sensitive
    assert "domestic_violence" in policy.sensitive  # always
    log = read_audit(open_accounts(folder), user="boss")
    assert (log["action"] == "privacy_change").sum() == 1

    viewer = _run(monkeypatch, folder, VIEWER)
    assert len(viewer.session_state["out_data"].incidents) == 0  # aggregation: no point reaches a viewer
    # a policy edited by hand into nonsense gives the strictest, never a weaker one
    Workspace(folder / DEMO.name).write({}, meta={"privacy_method": "donut", "privacy_min_m": "lots"})
    from views.privacy import policy_for

    class _Data:
        meta = Workspace(folder / DEMO.name).meta()

    assert policy_for(_Data()).method == "aggregate"
