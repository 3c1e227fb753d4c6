"""The Hotspots page in a real browser: its top hot spots are the pack's, and none holds fewer than the minimum.

`streamlit run` on the demo workspace, headless Debian Chromium via Playwright (tests/browser_support.py); the
table is read from the page's grid as a reader sees it, and compared with the pack's table for the same
settings (the sidebar's defaults: the first area, the latest calendar year, every category; Gi*, the default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import (ARTIFACTS, Session, browser, running_app, session,  # noqa: F401 - fixtures
                             tile_server)
from geo.report import ReportOptions, map_content, read_layers
from geo.stats.hotspots import MIN_TOP_INCIDENTS

pytestmark = pytest.mark.browser

# The grid draws on a canvas; its accessible table holds the cells in view (rows of header and data cells).
GRID_ROWS = """
(grid) => [...grid.querySelectorAll('[role=grid] tr')]
    .map(tr => [...tr.querySelectorAll('[role=columnheader], [role=gridcell]')].map(c => c.textContent.trim()))
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from geo.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("hsws"), scale=0.2)


@pytest.fixture(scope="module")
def app(workspace, tile_server) -> Iterator[str]:
    with running_app(workspace, tile_server, env={"KOOPSUZ_LANG": "en"}) as url:
        yield url


def page_table(s: Session, header: str) -> list[dict[str, str]]:
    """The rows of the page's table whose header row holds ``header``, as the reader sees them."""
    for _ in range(120):
        for grid in s.page.locator("[data-testid=stDataFrame]").all():
            grid.scroll_into_view_if_needed()  # the grid fills its accessible table only for the cells in view
            rows = [r for r in grid.evaluate(GRID_ROWS) if r]
            if rows and header in rows[0] and len(rows) > 1:
                return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
        s.page.wait_for_timeout(500)
    pytest.fail(f"no table with the column {header!r} on the page")


def whole(text: str) -> int:
    """A whole number as the page writes it ("1,891")."""
    return int(text.replace(",", "").replace("\u202f", "").replace("\xa0", "").replace(" ", ""))


def test_the_hotspots_page_lists_the_packs_top_hot_spots_and_none_under_the_minimum(app, session, workspace):
    s = session
    s.page.goto(app)
    s.go("hotspots")
    s.map.locator("path.kz-gi-cell").first.wait_for(state="attached", timeout=120_000)  # Gi*, the default
    rows = page_table(s, "Nearest road")
    ARTIFACTS.mkdir(exist_ok=True)
    s.page.screenshot(path=str(ARTIFACTS / "hotspots_top.png"), full_page=True)

    view = map_content("hotspots", read_layers(workspace), options=ReportOptions(area="Bishkek",
                                                                              date=dt.date(2024, 5, 1)))
    paper = view.tables["top"]
    assert 0 < len(rows) == len(paper)
    assert all(whole(r["Incidents"]) >= MIN_TOP_INCIDENTS for r in rows)
    assert [whole(r["Incidents"]) for r in rows] == paper["Incidents"].tolist()
    assert [whole(r["Rank"]) for r in rows] == paper["Rank"].tolist()
    # The grid puts in its accessible table only the columns in view (the first ones): compare those.
    shown = [c for c in ("Settlement", "Nearest road", "Main categories", "Confidence") if c in rows[0]]
    assert shown[:2] == ["Settlement", "Nearest road"]
    for column in shown:
        assert [r[column] for r in rows] == paper[column].astype(str).tolist()
    assert s.errors == [] and s.remote == [] and s.failed == []
