"""Every page of the demo through the browser: seconds from a click in the sidebar to the page ready.

The app runs with ``streamlit run`` on the demo's municipalities (the embedded GeoPackage store, the demo
analyst signed in on the loopback address, as ``make run``). A headless Debian Chromium opens the Overview
and then follows the sidebar's links in turn, as a user would, twice: the first round pays each page's
analyses (cached per study afterwards), the second is the warm server issue 18 asks about. A page is ready
when its own title is shown, its script run has finished with nothing left stale, and, on a page with a
map, Leaflet has drawn its panes.

The peer is the page's own first visit in the same run: the warm visit is what the caches save.

Run: ``.venv/bin/python -m bench.pages [--rounds 2]``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.demo import write_demo  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking"]
# the analyst's pages in the sidebar's order, by address ("" is the Overview)
PAGES = ("hotspots", "planner", "residents", "export", "published", "emerging", "nearrepeat", "forecast",
         "evaluation", "municipalities", "data", "")
TARGET_S = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def title(page) -> str:  # noqa: ANN001 - a Playwright page
    h = page.locator("[data-testid=stMain] h1").first
    return h.inner_text() if h.count() else ""


def ready(page, before: str | None = None) -> None:  # noqa: ANN001 - a Playwright page
    """The new page's title shown (another than ``before``: its run has begun), the script run finished
    (``stApp``'s ``data-test-script-state``, as Streamlit's own browser tests wait for it) and nothing left
    stale, and any map's panes drawn."""
    page.wait_for_function(
        "t => { const h = document.querySelector('[data-testid=stMain] h1'); return h && h.innerText !== t; }",
        arg=before if before is not None else "\u0000", timeout=300_000)
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=stApp]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-stale=true]'); }", timeout=300_000)
    maps = page.locator("iframe[title='streamlit_folium.st_folium']")
    if maps.count():
        page.frame_locator("iframe[title='streamlit_folium.st_folium'] >> nth=0").locator(
            ".leaflet-map-pane").first.wait_for(state="attached", timeout=300_000)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2, help="visits of every page (the first is cold)")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp()) / "demo"
    write_demo(folder)
    port = free_port()
    env = {**os.environ, "KOOPSUZ_WORKSPACE": str(folder / "municipalities"), "KOOPSUZ_TILES": "none"}
    env.pop("KOOPSUZ_DATABASE", None)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times: dict[str, list[float]] = {p: [] for p in PAGES}
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/?m=bishkek&lang=ru")
            page.locator("[data-testid=stSidebarNav]").wait_for(timeout=300_000)
            ready(page)
            first_load = time.perf_counter() - t0
            for _round in range(args.rounds):
                for path in PAGES:
                    link = page.locator(f"[data-testid=stSidebarNav] a[href$='/{path}']" if path else
                                        "[data-testid=stSidebarNav] a").first
                    before = title(page)
                    t0 = time.perf_counter()
                    link.click()
                    ready(page, before)
                    times[path].append(time.perf_counter() - t0)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"Fresh browser on the demo (Bishkek, Russian), the Overview ready: {first_load:.1f} s\n")
    print("| page | first visit (s) | warm visit (s) | warm under 2 s |")
    print("|---|---|---|---|")
    for path in PAGES:
        cold, warm = times[path][0], statistics.median(times[path][1:]) if len(times[path]) > 1 else float("nan")
        print(f"| {path or 'overview'} | {cold:.1f} | {warm:.1f} | {'yes' if warm < TARGET_S else 'no'} |")


if __name__ == "__main__":
    main()
