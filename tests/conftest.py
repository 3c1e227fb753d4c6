"""Shared fixtures: a tiny hand-made workspace and the path of the shared real data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REALDATA = ROOT.parent / "shared" / "realdata"
# The app's own default is Russian; tests that read English words from the pages (and the app servers the browser
# tests start, which inherit this) ask for English. The language tests ask for ru and ky explicitly.
os.environ.setdefault("KOOPSUZ_LANG", "en")
HOSTILE = '<script>window.__kz_pwned = 1</script><img src=x onerror="window.__kz_pwned=2">'


def realdata(*parts: str) -> Path:
    """A file of ../shared/realdata, or skip the test saying why."""
    p = REALDATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not present: {p} (tests read ../shared/realdata beside the repo)")
    return p


def tiny_layers() -> dict[str, gpd.GeoDataFrame]:
    """Two areas near Bishkek: 'North' (units A, B) and 'South' (unit C)."""
    x0, y0 = 74.60, 42.85
    boundaries = gpd.GeoDataFrame(
        {
            "name": ["A", "B", "C"],
            "population": [10_000, 20_000, 5_000],
            "area": ["North", "North", "South"],
            "district": ["A", "B", "C"],
        },
        geometry=[box(x0, y0, x0 + 0.01, y0 + 0.01), box(x0 + 0.01, y0, x0 + 0.02, y0 + 0.01),
                  box(x0, y0 - 0.02, x0 + 0.02, y0 - 0.01)],
        crs=4326,
    )
    pts = [Point(x0 + 0.002 + 0.0005 * i, y0 + 0.005) for i in range(10)]  # in A
    pts += [Point(x0 + 0.015, y0 + 0.002 + 0.0005 * i) for i in range(6)]  # in B
    pts += [Point(x0 + 0.005, y0 - 0.015)]  # in C: the hostile description
    pts += [Point(x0 + 0.05, y0 + 0.05)]  # outside every unit
    n = len(pts)
    incidents = gpd.GeoDataFrame(
        {
            "id": [f"T-{i:03d}" for i in range(n)],
            "occurred_at": pd.to_datetime(["2016-03-01 10:00"] * 8 + ["2017-03-01 22:30"] * (n - 8)),
            "category": (["burglary", "public_order"] * n)[:n],
            "description": ["plain"] * (n - 2) + [HOSTILE, "outside"],
        },
        geometry=pts,
        crs=4326,
    )
    stations = gpd.GeoDataFrame(
        {"name": ["HQ <b>bold</b>", "Post B", "Station C"], "kind": ["headquarters", "post", "station"],
         "opened": pd.to_datetime(["2001-01-01", None, "2017-09-01"])},
        geometry=[Point(x0 + 0.005, y0 + 0.008), Point(x0 + 0.012, y0 + 0.005), Point(x0 + 0.01, y0 - 0.012)],
        crs=4326,
    )
    cameras = gpd.GeoDataFrame(
        {"name": ["Cam 1", "Dome"], "direction_deg": [90.0, None], "fov_deg": [60.0, None],
         "range_m": [150.0, None]},
        geometry=[Point(x0 + 0.004, y0 + 0.004), Point(x0 + 0.016, y0 + 0.006)],
        crs=4326,
    )
    roads = gpd.GeoDataFrame(
        {"name": ["Main street"], "road_class": ["primary"], "speed_kmh": [50.0]},
        geometry=[LineString([(x0 - 0.01, y0 + 0.005), (x0 + 0.03, y0 + 0.005)])],
        crs=4326,
    )
    return {"incidents": incidents, "stations": stations, "cameras": cameras,
            "boundaries": boundaries, "roads": roads}


@pytest.fixture
def tiny() -> dict[str, gpd.GeoDataFrame]:
    return tiny_layers()


@pytest.fixture
def tiny_workspace(tmp_path: Path) -> Path:
    from geo.schema import require_valid
    from geo.io.store import Workspace

    path = tmp_path / "tiny.gpkg"
    Workspace(path).write({k: require_valid(v, k) for k, v in tiny_layers().items()}, meta={"title": "tiny"})
    return path


DEMO_MUNICIPALITIES = ROOT / "data" / "demo" / "municipalities"


def demo_app(monkeypatch, tmp_path: Path, *, municipality: str | None = None):  # noqa: ANN201 - an AppTest
    """The app on a copy of the demo's municipalities (so a test may import into it), run once; skips without
    the demo. ``municipality`` is chosen through the address, as ``?m=`` does."""
    import shutil

    from streamlit.testing.v1 import AppTest

    if not (DEMO_MUNICIPALITIES / "bishkek.gpkg").is_file():
        pytest.skip("the demo municipalities are built by `make demo`")
    shutil.copytree(DEMO_MUNICIPALITIES, tmp_path / "ws")
    monkeypatch.setenv("KOOPSUZ_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("KOOPSUZ_DATABASE", raising=False)
    monkeypatch.setenv("KOOPSUZ_TILES", "none")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if municipality:
        at.query_params["m"] = municipality
    at.run()
    return at


def map_html(at) -> str:  # noqa: ANN001 - a streamlit AppTest
    """The folium maps of a page as st_folium hands them to the browser (the component's arguments, as JSON
    text with the page's own characters)."""
    import json

    found: list[str] = []

    def walk(node) -> None:  # noqa: ANN001 - an AppTest tree node
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(proto, "json_args", None):
            found.append(json.dumps(json.loads(proto.json_args), ensure_ascii=False))
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else []:
            walk(child)

    walk(at._tree)
    return "\n".join(found)


# --- the two stores: every store test runs on the GeoPackage file and on PostGIS ----------------------

STORES = ("gpkg", "postgis")


@pytest.fixture(scope="session")
def pg():
    """A throwaway PostgreSQL + PostGIS cluster for the session (tests/pg_cluster.py)."""
    from pg_cluster import Cluster, missing

    reason = missing()
    if reason:
        if os.environ.get("CI"):  # make test installs it: its absence in CI is a broken set-up, not a skip
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=STORES)
def store_kind(request) -> str:
    return request.param


@pytest.fixture
def new_store(request, store_kind, tmp_path):
    """Make an empty workspace of the parametrised kind: ``new_store("w")`` (a file in tmp_path, or a schema)."""
    import uuid

    from geo.io.workspaces import open_workspace, with_schema

    def make(name: str = "w", *, folder: Path | None = None, lock_timeout: float | None = None):
        kw = {} if lock_timeout is None else {"lock_timeout": lock_timeout}
        if store_kind == "gpkg":
            where = folder or tmp_path
            where.mkdir(parents=True, exist_ok=True)
            return open_workspace(where / f"{name}.gpkg", **kw)
        cluster = request.getfixturevalue("pg")
        return open_workspace(with_schema(cluster.url, f"{name}_{uuid.uuid4().hex[:10]}"), **kw)

    return make


# --- sessions: AppTest runs are signed in as an administrator unless a test says otherwise ---------------

@pytest.fixture(autouse=True)
def _signed_in_apptest(request, monkeypatch):
    """Every AppTest session holds a signed-in administrator, as a session after the sign-in form does.

    The pages' own tests are about the pages; what the sign-in form, the roles and the demo session do is
    tested by tests/test_sign_in.py (marked ``anonymous``), and in the browser.
    """
    if request.node.get_closest_marker("anonymous"):
        from views.auth import limiter

        limiter.clear()  # each sign-in test starts with no failed attempt counted for its address
        yield
        return
    from streamlit.testing.v1 import AppTest

    from geo.auth import Account

    original = AppTest.from_file.__func__

    def from_file(cls, *args, **kwargs):
        at = original(cls, *args, **kwargs)
        at.session_state["koopsuz_account"] = Account("tester", "Test administrator", roles={"*": "admin"})
        return at

    monkeypatch.setattr(AppTest, "from_file", classmethod(from_file))
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, its report also says what the page showed then (text, errors, a screenshot).

    A failure seen only in CI (a map that never drew) can then be told apart from a page that showed an error.
    """
    outcome = yield
    report = outcome.get_result()
    s = getattr(item, "funcargs", {}).get("session")
    if report.when != "call" or not report.failed or s is None or not hasattr(s, "page"):
        return
    try:
        text = s.page.locator("body").inner_text(timeout=5_000)
        shot = ROOT / "test-artifacts" / f"failed-{item.name[:80]}.png"
        shot.parent.mkdir(exist_ok=True)
        s.page.screenshot(path=str(shot), full_page=True, timeout=10_000)
    except Exception as exc:  # noqa: BLE001 - the report of the failure matters more than this addition
        text, shot = f"(page not readable: {exc})", None
    report.sections.append(("what the page showed", f"url: {s.page.url}\nscreenshot: {shot}\n"
                            f"console errors: {s.errors[:10]}\nfailed requests: {s.failed[:10]}\n\n{text[:4000]}"))
