"""The Municipalities page in a real browser: the demo's two municipalities side by side, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_support import (ARTIFACTS, browser, demo_folder, demo_folder_app, session,  # noqa: F401 - fixtures
                             tile_server)
from geo.io.workspaces import list_municipalities

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def folder(demo_folder: Path) -> Path:
    return demo_folder


@pytest.fixture(scope="module")
def app(demo_folder_app: str) -> str:
    return demo_folder_app


def _grid_text(session) -> str:
    """The table's cells as the browser holds them (the grid draws on a canvas and keeps an accessible copy)."""
    grid = session.page.locator("[data-testid=stDataFrame]")
    grid.wait_for(timeout=90_000)
    session.page.wait_for_timeout(500)
    return grid.inner_text() + " " + " ".join(grid.locator("[role=gridcell], td, th").all_inner_texts())


@pytest.mark.parametrize(("lang", "names"), [("en", ("Bishkek", "Jeti-Oguz")), ("ru", ("Бишкек", "Джети-Огуз"))])
def test_municipalities_side_by_side(app, session, folder, lang, names):
    assert [m.name for m in list_municipalities(folder)] == ["Bishkek", "Jeti-Oguz"]
    session.page.goto(f"{app}?lang={lang}")  # as a reader comes: the app first, then the page from the sidebar
    session.go("municipalities")
    session.settle()
    text = _grid_text(session)
    for name in names:
        assert name in text, (name, text[:500])
    # the small multiples: one image with both maps, drawn by the same function as the printable page
    image = session.page.locator("[data-testid=stImage] img, [data-testid=stFullScreenFrame] img").first
    image.wait_for(timeout=60_000)
    box = image.bounding_box()
    assert box is not None and box["width"] > 400
    assert session.page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 1000
    # the downloads of the printable page and of the maps
    for key in ("muni_pdf", "muni_png"):
        session.key(key).locator("button").wait_for(timeout=60_000)
    session.settle()
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / f"municipalities_{lang}.png"), full_page=True)
    assert session.errors == []
    assert session.remote == []
    assert session.failed == []
