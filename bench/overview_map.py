"""Overview map with many incidents: Koopsuz's incident layer against folium's own.

Peers, on the same incidents in the same run:
- ``folium.plugins.MarkerCluster`` with a ``folium.Popup`` per marker (what a
  folium user writes first; one JavaScript statement per incident);
- ``folium.plugins.FastMarkerCluster`` (data array, but no popups).

Measured: server-side build and render of the map HTML, its size, and the
time headless Chromium takes from loading that HTML to the first cluster
drawn. Then the whole Overview page through ``streamlit run``: time from
navigation to the map with its clusters.

Run: ``.venv/bin/python -m bench.overview_map [--scale 3.2]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.server
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from functools import partial
from pathlib import Path

import folium
from folium.plugins import FastMarkerCluster, MarkerCluster

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.demo import write_demo  # noqa: E402
from geo.select import IncidentFilter, assign_units, filter_incidents  # noqa: E402
from geo.io.store import Workspace  # noqa: E402
from layers.basemap import Tiles, finish, new_map  # noqa: E402
from layers.incidents import IncidentCluster  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def build(kind: str, inc, bounds) -> str:
    m = new_map(bounds, tiles=Tiles("none"))
    if kind == "koopsuz":
        IncidentCluster(inc).add_to(m)
    elif kind == "folium MarkerCluster":
        mc = MarkerCluster().add_to(m)
        for y, x, d in zip(inc.geometry.y, inc.geometry.x, inc["description"], strict=True):
            folium.CircleMarker([y, x], radius=5, popup=folium.Popup(str(d))).add_to(mc)
    else:
        FastMarkerCluster(list(zip(inc.geometry.y, inc.geometry.x, strict=True))).add_to(m)
    return finish(m).get_root().render()


def serve_static() -> tuple[str, http.server.ThreadingHTTPServer, Path]:
    """Serve the repo root so /app/static/... resolves as under Streamlit."""
    tmp = Path(tempfile.mkdtemp())
    (tmp / "app").mkdir()
    (tmp / "app" / "static").symlink_to(ROOT / "static")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = partial(Quiet, directory=str(tmp))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}/", srv, tmp


def browser_ms(browser, url: str) -> float:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    t0 = time.perf_counter()
    page.goto(url)
    page.locator(".marker-cluster").first.wait_for(timeout=300_000)
    ms = (time.perf_counter() - t0) * 1000
    page.close()
    return ms


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load(page, url: str) -> tuple[float, float, int, int]:
    """One navigation: seconds to clusters drawn, to the script run finished; websocket and HTTP bytes received
    (the bodies that came over the network: a file the browser's cache held counts nothing)."""
    ws_bytes, responses = [0], []

    def count(ws) -> None:  # noqa: ANN001 - a Playwright websocket
        ws.on("framereceived", lambda payload: ws_bytes.__setitem__(0, ws_bytes[0] + len(payload)))

    page.on("websocket", count)
    page.on("response", lambda r: responses.append(r))
    t0 = time.perf_counter()
    page.goto(url)
    page.frame_locator("iframe[title='streamlit_folium.st_folium']").locator(".marker-cluster").first.wait_for(
        timeout=300_000)
    drawn = time.perf_counter() - t0
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]')"
                           "?.getAttribute('data-test-script-state') === 'notRunning'", timeout=300_000)
    done = time.perf_counter() - t0
    page.wait_for_timeout(500)  # any frame still in flight
    http_bytes = sum(r.request.sizes()["responseBodySize"] for r in responses)
    return drawn, done, ws_bytes[0], http_bytes


def page_seconds(browser, workspace: Path, repeats: int) -> dict[str, list[tuple[float, float, int, int]]]:
    """Loads of the Overview through ``streamlit run``: ``first`` (the server opens the workspace), ``fresh``
    (a new browser profile each time: every file downloaded) and ``returning`` (one profile: the browser's cache
    holds Streamlit's and Leaflet's files, as for someone who opened the app before)."""
    port = free_port()
    env = {**os.environ, "KOOPSUZ_WORKSPACE": str(workspace), "KOOPSUZ_TILES": "none"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(f"{url}_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        out: dict[str, list[tuple[float, float, int, int]]] = {"first": [], "fresh": [], "returning": []}
        for kind, n in (("first", 1), ("fresh", repeats)):
            for _ in range(n):
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                out[kind].append(_load(ctx.new_page(), url))
                ctx.close()
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        _load(ctx.new_page(), url)  # fills the cache
        for _ in range(repeats):
            page = ctx.new_page()
            out["returning"].append(_load(page, url))
            page.close()
        ctx.close()
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=3.2, help="demo scale (3.2: about 100,000 incidents)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    out = Path(tempfile.mkdtemp())
    path = write_demo(out, scale=args.scale)
    ws = Workspace(path)
    b = ws.read("boundaries")
    inc = assign_units(ws.read("incidents"), b)
    view = filter_incidents(inc, IncidentFilter(area="Bishkek", start=dt.date(2017, 1, 1), end=dt.date(2017, 12, 31)))
    bounds = tuple(b[b["area"] == "Bishkek"].total_bounds)
    print(f"demo scale {args.scale:g}: {len(inc):,} incidents; Overview default view (Bishkek, 2017): {len(view):,}")

    base, srv, tmp = serve_static()
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for kind in ("koopsuz", "folium MarkerCluster", "folium FastMarkerCluster (no popups)"):
            builds, draws = [], []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                html = build(kind, view, bounds)
                builds.append(time.perf_counter() - t0)
                (tmp / "map.html").write_text(html, encoding="utf-8")
                draws.append(browser_ms(browser, base + "map.html") / 1000)
            rows.append((kind, statistics.median(builds), len(html.encode()) / 1e6, statistics.median(draws)))
        loads = page_seconds(browser, path, args.repeats)
        browser.close()
    srv.shutdown()

    ours = rows[0]
    print("\n| layer | build + render (s) | HTML (MB) | browser to clusters (s) | total vs koopsuz |")
    print("|---|---|---|---|---|")
    for kind, bt, mb, dr in rows:
        print(f"| {kind} | {bt:.2f} | {mb:.1f} | {dr:.2f} | {(bt + dr) / (ours[1] + ours[3]):.1f}x |")
    print("\nThe Overview through `streamlit run`, from navigation (medians; MB received: the page's websocket data, "
          "then HTTP bodies: Streamlit's and Leaflet's files)\n")
    print("| load | clusters drawn (s) | script run finished (s) | page data (MB) | files (MB) |")
    print("|---|---|---|---|---|")
    words = {"first": "first after the server starts (opens the workspace)", "fresh": "new browser profile",
             "returning": "returning browser (files cached)"}
    for kind, runs in loads.items():
        med = [statistics.median(r[i] for r in runs) for i in range(4)]
        print(f"| {words[kind]} | {med[0]:.1f} | {med[1]:.1f} | {med[2] / 1e6:.2f} | {med[3] / 1e6:.2f} |")


if __name__ == "__main__":
    main()
