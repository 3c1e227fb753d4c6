"""In a browser: the Chicago incidents imported into a copy of the demo workspace through the Data page.

The upload goes through the page (about 3 MB, a few seconds), as a user would do it; then the Data page shows the
health check, and the Overview warns that incidents and settlements describe different places and shows no
headline rate computed from the Kyrgyz population.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from browser_support import ARTIFACTS, Session, browser, running_app  # noqa: F401 - fixtures
from conftest import ROOT, realdata


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory):
    from geo.demo import write_demo

    folder = tmp_path_factory.mktemp("health")
    demo = write_demo(folder / "demo", scale=0.2)
    ws = folder / "workspace.gpkg"
    shutil.copyfile(demo, ws)
    return ws

# the Overview's headline rate: "Rate per 100,000 a year", or "Incidents per 100,000 residents" without a period
RATE_LABELS = ("Rate per 100,000", "Incidents per 100,000 residents")


def metric_values(s: Session) -> dict[str, str]:
    return {m.locator("[data-testid=stMetricLabel]").inner_text().strip():
            m.locator("[data-testid=stMetricValue]").inner_text().strip()
            for m in s.page.locator("[data-testid=stMetric]").all()}


def wait_metrics(s: Session, *, incidents: str | None = None) -> dict[str, str]:
    """The page's metrics once drawn (and once the incident count is ``incidents``, when given)."""
    deadline = time.monotonic() + 120
    while True:
        s.settle()
        values = metric_values(s)
        ready = ("Incidents" in values and "Population" in values
                 and any(k.startswith(RATE_LABELS) for k in values)
                 and (incidents is None or values["Incidents"] == incidents))
        if ready or time.monotonic() > deadline:
            return values
        s.page.wait_for_timeout(500)


def headline_rate(values: dict[str, str]) -> str:
    [rate] = [v for k, v in values.items() if k.startswith(RATE_LABELS)]
    return rate


def test_chicago_into_the_demo_warns_and_shows_no_rate_from_kyrgyz_population(browser, demo_copy):
    crimes = realdata("chicago", "crimes_2014_09.csv")
    with running_app(demo_copy, "none") as url:
        s = Session(browser)
        try:
            s.page.goto(url)
            s.go("data")
            s.page.locator(".st-key-imp_file input[type=file]").set_input_files(str(crimes))
            confirm = s.page.get_by_role("button", name="Import 21,559 incidents")
            confirm.wait_for(timeout=120_000)
            s.settle()
            s.key("imp_confirm_replace").locator("label").click()  # replacing the demo's incidents: confirmed
            s.settle()
            done = s.page.get_by_text("Imported 21,559 incidents from crimes_2014_09.csv (replace)")
            for _attempt in range(3):  # Streamlit may swallow a click that lands during a rerun
                if confirm.count():
                    confirm.click()
                try:
                    done.wait_for(timeout=60_000)
                    break
                except Exception:  # noqa: BLE001 - playwright's TimeoutError: click again
                    s.page.screenshot(path=str(ARTIFACTS / "health_data_waiting.png"), full_page=True)
            done.wait_for(timeout=60_000)
            # the Data page: the health of the workspace as the import left it
            s.page.get_by_text("the settlements are still the invented demo ones").first.wait_for(timeout=60_000)
            s.settle()
            s.page.screenshot(path=str(ARTIFACTS / "health_data_page.png"), full_page=True)

            s.go("")  # the Overview, on the area this session chose before the import (the demo's first)
            s.page.get_by_text("describe different places").first.wait_for(timeout=120_000)
            values = wait_metrics(s)
            assert values["Incidents"] == "0" and headline_rate(values) == "–", values  # no Kyrgyz rate of 0
            s.page.screenshot(path=str(ARTIFACTS / "health_overview_demo_area.png"), full_page=True)

            # "study the imported incidents on their own": the pseudo-area of the incidents outside every settlement
            s.page.get_by_role("button", name="Study the imported incidents on their own").click()
            s.page.get_by_text("You are studying the incidents that lie outside every settlement").first.wait_for(
                timeout=120_000)
            assert s.key("f_area").get_by_role("radio", name="Imported data").is_checked()
            values = wait_metrics(s)
            shown = int(values["Incidents"].replace(",", ""))
            assert 0 < shown <= 21_559, values  # in the period this session chose before the import
            assert headline_rate(values) == "–" and values["Population"] == "0", values  # no rate from Kyrgyz residents
            s.map.locator(".leaflet-container").wait_for(timeout=60_000)
            s.page.screenshot(path=str(ARTIFACTS / "health_overview_imported.png"), full_page=True)
            assert not s.errors, s.errors
        finally:
            s.close()
        # a new visit: real data is in the workspace now, so the demo session without an account is over: the
        # sign-in form comes first (an administrator made on the server); then the sidebar opens on the imported
        # incidents (most lie outside every settlement), never on a Kyrgyz area or "All"; their latest year
        subprocess.run([sys.executable, "-m", "geo", "user", "add", "ada", "--name", "Ada", "--role", "admin",
                        "--workspace", str(demo_copy), "--password-stdin"], input="a long enough password\n",
                       text=True, cwd=ROOT, check=True, capture_output=True, timeout=120)
        s = Session(browser)
        try:
            s.page.goto(url)
            s.page.get_by_role("textbox", name="User name").fill("ada")
            s.page.get_by_role("textbox", name="Password").fill("a long enough password")
            s.page.get_by_role("button", name="Sign in").click()
            s.page.get_by_text("You are studying the incidents that lie outside every settlement").first.wait_for(
                timeout=120_000)
            assert s.key("f_area").get_by_role("radio", name="Imported data").is_checked()
            values = wait_metrics(s, incidents="21,559")
            assert values["Incidents"] == "21,559", values
            assert headline_rate(values) == "–" and values["Population"] == "0", values
            assert s.page.get_by_text("police stations lie more than 50 km from every incident").count() >= 1
            assert not s.errors, s.errors
        finally:
            s.close()
