"""What the browser tests share: the app under `streamlit run`, a local tile server, Chromium, a watched page.

The fixtures here are imported by each browser test module (``from browser_support import ...``); a
module-scoped fixture then lives once per module that uses it. No request may leave the machine: a
:class:`Session` aborts and records every request to a non-local host, as a machine without internet would.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - t0
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"no answer on /_stcore/health within {timeout} s")


def png_tile() -> bytes:
    """A 256x256 light grey PNG, written by hand (no imaging library needed)."""
    raw = b"".join(b"\x00" + b"\xe8\xe4\xd8" * 256 for _ in range(256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))

    ihdr = (256).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def tile_server() -> Iterator[str]:
    tile = png_tile()
    served: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the browser cancelled the tile
                self.wfile.write(tile)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    srv.served = served  # type: ignore[attr-defined]
    yield f"http://127.0.0.1:{srv.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    srv.shutdown()


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of municipalities as `make demo` writes it (the demo at a fifth of its volume)."""
    from geo.demo import write_demo

    out = tmp_path_factory.mktemp("demo")
    write_demo(out, scale=0.2)
    return out / "municipalities"


@pytest.fixture(scope="module")
def demo_folder_app(demo_folder: Path, tile_server: str) -> Iterator[str]:
    """The app opened on :func:`demo_folder`: the location a national coordinator's server points at."""
    with running_app(demo_folder, tile_server) as url:
        yield url


@contextlib.contextmanager
def running_app(workspace: Path, tiles: str, *, env: dict[str, str] | None = None,
                port: int | None = None) -> Iterator[str]:
    """`streamlit run app.py` on ``port`` (default a free one), on this workspace; ``env`` adds to the server's
    environment."""
    port = port or free_port()
    env = {**os.environ, "KOOPSUZ_WORKSPACE": str(workspace), "KOOPSUZ_TILES": tiles, **(env or {})}
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"streamlit-{port}.log", "wb")  # a pipe nobody reads would fill and block the server
    proc = subprocess.Popen(
        # on the loopback address, as `make run`: a demo workspace opens as the demo session, without an account
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(port, proc, 90)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Session:
    """A page with its console errors and every request it tried."""

    def __init__(self, browser, *, viewport: dict[str, int] | None = None) -> None:
        self.context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000})
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _failed(self, request) -> None:
        # a load cancelled because its map was redrawn (tiles, fonts of the old frame) is not a failure;
        # a missing asset answers 404, which _response records
        if request.failure == "net::ERR_ABORTED":
            return
        self.failed.append(f"{request.url} {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url} HTTP {response.status}")

    def _route(self, route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:  # as without internet
            self.remote.append(route.request.url)
            route.abort()

    @property
    def map(self):
        # the newest map: while a page redraws, the old map's frame can linger for a moment
        return self.page.frame_locator(f"{MAP_FRAME} >> nth=-1")

    def wait_map(self, stations: int) -> None:
        self.map.locator(".leaflet-container").wait_for(timeout=60_000)
        self.map.locator("i.kz-station").nth(stations - 1).wait_for(state="attached", timeout=60_000)
        self.page.wait_for_timeout(1000)

    def sign_in_as(self, url: str, user: str, password: str) -> None:
        """Open ``url``, fill the sign-in form and wait for the signed-in page's navigation."""
        self.page.goto(url)
        self.page.get_by_role("textbox", name="User name").fill(user)
        self.page.get_by_role("textbox", name="Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.locator("[data-testid=stSidebarNav]").wait_for(timeout=90_000)

    def choose(self, option: str) -> None:
        """Click a radio option by its label; Streamlit may swallow a click that lands during a rerun."""
        radio = self.page.get_by_role("radio", name=option)
        for _ in range(10):
            self.page.locator("label").filter(has_text=option).click()
            self.page.wait_for_timeout(1000)
            if radio.is_checked():
                return
        pytest.fail(f"radio option {option!r} could not be chosen")

    def choose_nth(self, key: str, index: int) -> None:
        """Click option ``index`` of the radio made with ``key=key`` (labels change with the language)."""
        widget = self.page.locator(f".st-key-{key}")
        for _ in range(10):
            self.settle()
            widget.locator("label:has(input[type=radio])").nth(index).click()
            for _ in range(10):
                if widget.locator("input[type=radio]").nth(index).is_checked():
                    return
                self.page.wait_for_timeout(150)
        pytest.fail(f"option {index} of radio {key!r} could not be chosen")

    def key(self, key: str):
        """The element made with ``key=key`` (Streamlit gives it the class ``st-key-<key>``)."""
        return self.page.locator(f".st-key-{key}")

    def go(self, path: str) -> None:
        """Follow the sidebar link to a page by its address (``planner``...), whatever its title's language."""
        self.page.locator(f"[data-testid=stSidebarNav] a[href*='/{path}']").first.click()
        self.page.wait_for_url(f"**/{path}*", timeout=60_000)

    def settle(self) -> None:
        """Wait until the app is not rerunning (a rerun redraws open dropdowns and detaches their options)."""
        self.page.wait_for_timeout(300)
        self.page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=60_000)

    def pick(self, key: str, option: str) -> None:
        """Choose one option of the multiselect made with ``key=key``, again if a rerun closed the list under
        the click."""
        for _ in range(5):
            self.settle()
            box = self.key(key).get_by_role("combobox")
            # scrolled into view first: a list opened while the sidebar still scrolls to it closes at once
            box.scroll_into_view_if_needed()
            self.page.wait_for_timeout(300)
            box.click()
            try:
                self.page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            except Exception:  # noqa: BLE001 - playwright's TimeoutError: the list was redrawn
                self.page.keyboard.press("Escape")
                continue
            self.page.keyboard.press("Escape")
            return
        pytest.fail(f"option {option!r} of {key!r} could not be chosen")

    def counts(self) -> tuple[int, int]:
        return (self.map.locator("i.kz-station").count(), self.map.locator("path.kz-boundary").count())

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser) -> Iterator[Session]:
    """A fresh page (its own context) for each test, closed after it."""
    s = Session(browser)
    yield s
    s.close()
