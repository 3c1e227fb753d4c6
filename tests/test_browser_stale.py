"""A result is shown only while its settings hold: the Planner's proposal greys out when a setting changes.

Replays the finding of issue 13: after "Propose sites", a change of k or of the categories left the old
proposal (and its sites on the map) beside the new settings with no sign that it was out of date. Here the
proposal must go grey (``views.common.result_block`` gives it the class ``st-key-pl_stale``), the page must say
that the settings have changed, and the map must no longer draw the proposed sites.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest

from browser_support import (ARTIFACTS, Session, browser, running_app, session,  # noqa: F401 - fixtures
                             tile_server)
from geo.demo import make_demo
from geo.io.store import Workspace
from geo.select import within_boundaries

pytestmark = pytest.mark.browser

STALE_TEXT = "The settings have changed since these sites were proposed"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, gpd.GeoDataFrame]]:
    layers = make_demo(scale=0.2)
    path = tmp_path_factory.mktemp("ws") / "stale.gpkg"
    Workspace(path).write(layers, meta={"title": "stale results", "synthetic": "true"})  # invented data
    return path, layers


@pytest.fixture(scope="module")
def app(workspace, tile_server) -> Iterator[str]:
    with running_app(workspace[0], tile_server) as url:
        yield url


def bishkek_stations(layers: dict[str, gpd.GeoDataFrame]) -> int:
    units = layers["boundaries"][layers["boundaries"]["area"] == "Bishkek"]
    return len(within_boundaries(layers["stations"], units))


def set_k(s: Session, k: int) -> None:
    box = s.key("pl_k").get_by_role("spinbutton")
    box.fill(str(k))
    box.press("Enter")
    s.page.wait_for_timeout(1000)
    s.settle()


def propose(s: Session, k: int) -> None:
    """Press "Propose sites" and wait for its ``k`` numbered sites on the map and its current, not grey, block."""
    s.key("pl_run").get_by_role("button").click()
    s.key("pl_current").wait_for(timeout=120_000)
    s.map.locator(".kz-proposed").nth(k - 1).wait_for(state="attached", timeout=60_000)
    s.settle()
    assert s.map.locator(".kz-proposed").count() == k
    assert s.key("pl_stale").count() == 0
    assert s.page.get_by_text(STALE_TEXT).count() == 0


def assert_stale(s: Session) -> None:
    """The proposal is greyed out, says why, and its sites are off the map."""
    try:
        s.key("pl_stale").wait_for(timeout=60_000)
    finally:
        s.page.screenshot(path=str(ARTIFACTS / "planner_stale_wait.png"), full_page=True)
    s.settle()
    assert s.key("pl_current").count() == 0
    assert s.page.get_by_text(STALE_TEXT).count() == 1
    # still there to read, but grey: the CSS result_block writes applies to it
    stale = s.key("pl_stale").first
    assert stale.get_by_text("Proposed sites", exact=True).count() == 1
    style = stale.evaluate("e => [getComputedStyle(e).opacity, getComputedStyle(e).filter]")
    assert float(style[0]) < 1 and "grayscale" in style[1], style
    # the map is redrawn without the proposal: no numbered site and no proposed reach
    s.page.wait_for_timeout(1500)
    assert s.map.locator(".leaflet-container").count() == 1
    assert s.map.locator(".kz-proposed").count() == 0
    assert s.map.locator("path.kz-proposed-area").count() == 0


def test_a_changed_k_or_category_greys_out_the_proposal(app, session, workspace):
    s = session
    ARTIFACTS.mkdir(exist_ok=True)
    s.page.goto(app)
    s.wait_map(bishkek_stations(workspace[1]))
    s.go("planner")
    s.key("pl_run").get_by_role("button").wait_for(timeout=60_000)
    set_k(s, 2)
    propose(s, 2)
    assert s.map.locator("path.kz-proposed-area").count() == 2  # each site with its reach
    s.page.screenshot(path=str(ARTIFACTS / "planner_current.png"), full_page=True)

    # k changes: the proposal of 2 sites no longer answers "3 sites"
    set_k(s, 3)
    assert_stale(s)
    s.page.screenshot(path=str(ARTIFACTS / "planner_stale_k.png"), full_page=True)

    # back to the settings it was made with: current again, without proposing again
    set_k(s, 2)
    s.key("pl_current").wait_for(timeout=60_000)
    s.map.locator(".kz-proposed").nth(1).wait_for(state="attached", timeout=60_000)
    assert s.key("pl_stale").count() == 0 and s.page.get_by_text(STALE_TEXT).count() == 0

    # a category taken out of the sidebar's list changes the incidents the proposal was made for
    chips = s.key("f_cats").locator("[data-tag]")
    n_cats = chips.count()
    assert n_cats > 1
    chips.first.locator("button").click()  # the chip's own remove button
    s.page.wait_for_timeout(1000)
    s.settle()
    assert chips.count() == n_cats - 1
    assert_stale(s)
    s.page.screenshot(path=str(ARTIFACTS / "planner_stale_categories.png"), full_page=True)

    # proposing again with the new settings makes it current
    propose(s, 2)
    assert s.errors == [] and s.remote == [] and s.failed == []
