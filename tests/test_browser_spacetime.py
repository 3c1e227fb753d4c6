"""Issue 17's pages in a real browser on the demo: emerging hot spots, near repeats, which map predicts best."""

from __future__ import annotations

import time

import pytest

from browser_support import (ARTIFACTS, MAP_FRAME, browser, demo_folder, demo_folder_app,  # noqa: F401 - fixtures
                             session, tile_server)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(demo_folder_app: str) -> str:
    return demo_folder_app


def test_what_emerges_repeats_and_predicts(app, session):
    session.page.goto(f"{app}?lang=en&m=bishkek")
    session.page.locator("[data-testid=stSidebarNav]").wait_for(timeout=90_000)
    session.settle()
    ARTIFACTS.mkdir(exist_ok=True)

    t0 = time.monotonic()
    session.go("emerging")
    frame = session.page.frame_locator(f"{MAP_FRAME} >> nth=-1")
    frame.locator("path.kz-emerging-cell").first.wait_for(state="attached", timeout=90_000)
    print(f"\nEmerging hot spots ready {time.monotonic() - t0:.1f} s after navigation")
    legend = frame.locator(".kz-legend").inner_text()
    assert "Consecutive hot spot" in legend and "Persistent hot spot" in legend, legend
    body = session.page.locator("[data-testid=stMain]").inner_text()
    assert "getting worse (January 2016 to December 2018)" in body
    session.page.screenshot(path=str(ARTIFACTS / "emerging.png"), full_page=True)

    t0 = time.monotonic()
    session.go("nearrepeat")
    session.page.get_by_text("After an incident, others 0 to under 100 m away and 0 to under 7 days later").wait_for(
        timeout=90_000)
    print(f"Near repeats ready {time.monotonic() - t0:.1f} s after navigation")
    session.page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=60_000)
    session.page.screenshot(path=str(ARTIFACTS / "nearrepeat.png"), full_page=True)

    t0 = time.monotonic()
    session.go("forecast")
    session.page.get_by_text("Follow the ").first.wait_for(timeout=90_000)
    session.page.locator("[data-testid=stVegaLiteChart], .vega-embed").first.wait_for(timeout=90_000)
    print(f"Which map predicts best ready {time.monotonic() - t0:.1f} s after navigation")
    body = session.page.locator("[data-testid=stMain]").inner_text()
    assert "times what chance gives (PAI)" in body
    assert session.errors == [] and session.failed == []
    session.page.screenshot(path=str(ARTIFACTS / "forecast.png"), full_page=True)
