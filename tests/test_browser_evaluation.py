"""The Did it work? page in a real browser: the demo's Kelechek station answered with numbers, map and chart."""

from __future__ import annotations

import time

import pytest

from browser_support import (ARTIFACTS, MAP_FRAME, browser, demo_folder, demo_folder_app,  # noqa: F401 - fixtures
                             session, tile_server)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(demo_folder_app: str) -> str:
    return demo_folder_app


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_did_the_kelechek_station_help(app, session, lang):
    session.page.goto(f"{app}?lang={lang}&m=bishkek")
    session.page.locator("[data-testid=stSidebarNav]").wait_for(timeout=90_000)
    session.settle()
    t0 = time.monotonic()
    session.go("evaluation")
    heading = {"en": "Did “Kelechek police station” help?", "ru": "Помогло ли «Отдел милиции ж/м Келечек»?"}[lang]
    session.page.locator("[data-testid=stMetricValue]").nth(3).wait_for(timeout=90_000)
    frame = session.page.frame_locator(f"{MAP_FRAME} >> nth=-1")
    frame.locator("path.kz-eval-treated").first.wait_for(state="attached", timeout=90_000)
    frame.locator("path.kz-eval-control").first.wait_for(state="attached", timeout=90_000)
    session.page.locator("[data-testid=stVegaLiteChart], .vega-embed").first.wait_for(timeout=90_000)
    seconds = time.monotonic() - t0
    print(f"\nDid it work? page ({lang}) ready {seconds:.1f} s after navigation")
    body = session.page.locator("[data-testid=stMain]").inner_text()
    assert heading.split("«")[0].split("“")[0].strip() in body
    assert {"en": "weighted displacement difference, WDD", "ru": "WDD"}[lang] in body
    assert session.errors == [] and session.failed == []
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / f"evaluation_{lang}.png"), full_page=True)


def test_what_residents_feel_beside_the_records(app, session):
    """Jeti-Oguz: each settlement coloured by survey share and recorded rate; Tamga has too few respondents."""
    session.page.goto(f"{app}?lang=en&m=jeti-oguz")
    session.page.locator("[data-testid=stSidebarNav]").wait_for(timeout=90_000)
    session.settle()
    session.go("residents")
    frame = session.page.frame_locator(f"{MAP_FRAME} >> nth=-1")
    frame.locator("path.kz-perception").first.wait_for(state="attached", timeout=90_000)
    assert frame.locator("path.kz-perception").count() == 8  # the eight settlements of Jeti-Oguz
    legend = frame.locator(".kz-legend").inner_text()
    assert "Many agree, little recorded crime" in legend and "Too few respondents, or no rate" in legend
    session.page.locator("[data-testid=stDataFrame]").wait_for(timeout=60_000)
    assert session.errors == [] and session.failed == []
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / "residents_jeti_oguz.png"), full_page=True)
