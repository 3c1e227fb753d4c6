"""Concurrent sessions: server time to a finished page run, errors, memory and CPU of the replicas.

Each session is a Streamlit websocket client that does not draw
(:mod:`bench.load_client`): it asks for the Overview (a first page load), then
Hotspots and Planner, as a reader following the sidebar would, and times each
page run from the request to the server's ``script_finished``. Twenty sessions
start at once. A few real Chromiums (Playwright, Debian's chromium) time the
Overview's map drawn in one scenario, alongside the twenty clients.

Scenarios (``--scenarios``, all by default):

- ``demo``: the embedded GeoPackage store (a copy of the demo's two
  municipalities), one replica, no proxy;
- ``demo2``: the same store, two replicas behind HAProxy (one office's server, no database);
- ``pg1``: PostGIS with the demo municipalities (the app seeds an empty
  database from them), one replica, no proxy;
- ``pg2``: the same database, two replicas behind HAProxy with
  ``deploy/haproxy.cfg`` (cookie affinity, websocket upgrade); the browsers run here;
- ``pg10``: PostGIS with ten municipalities of 29,705 incidents each
  (297,050 in all): the demo's Bishkek workspace copied ten times with
  ``python -m geo workspace copy`` under the keys ``m01`` .. ``m10``, each
  renamed in its metadata; session *i* studies municipality *i* mod 10;
  two replicas behind HAProxy.

Measured for each: page runs p50/p95/max (s), failed runs (an exception element
on the page, a run not finished successfully, a closed socket, a lost session)
and the tracebacks the replicas logged, the replicas' resident memory (sum over their processes) before
the sessions, at its peak and ``--after`` seconds after the last session closed,
and the replicas' CPU seconds per page run. The replicas run as deployed
(``deploy/koopsuz@.service``'s command line) with Streamlit's file watcher
off (``STREAMLIT_SERVER_FILE_WATCHER_TYPE=none``): on this machine other jobs
write into the source tree, and the watcher would spend the CPU measured
here re-walking it.

``--waves N`` runs the twenty sessions N times (does memory level off or grow?);
``--env NAME=VALUE`` sets a setting of the replicas (``STREAMLIT_RUNNER_POST_SCRIPT_GC=false``).

Run: ``.venv/bin/python -m bench.load`` (10 to 20 minutes on a busy machine; ``--scenarios demo``
about 2). Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.load_client import PageRun, StreamlitSession  # noqa: E402

PAGES = ["", "hotspots", "planner"]  # the Overview (default page), then two more pages of the sidebar
DEMO = ROOT / "data" / "demo" / "municipalities"
HAPROXY = "/usr/sbin/haproxy"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no answer from {url} within {timeout} s")


@dataclass
class Replica:
    port: int
    proc: subprocess.Popen
    log: Path

    def processes(self) -> list[psutil.Process]:
        try:
            p = psutil.Process(self.proc.pid)
            return [p, *p.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


def start_replica(env: dict[str, str], logdir: Path) -> Replica:
    port = free_port()
    log = logdir / f"replica-{port}.log"
    # deploy/koopsuz@.service's ExecStart, on a free port
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_http(f"http://127.0.0.1:{port}/_stcore/health", 120, proc)
    return Replica(port, proc, log)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def start_proxy(replicas: list[Replica], workdir: Path) -> tuple[subprocess.Popen, int]:
    """HAProxy with deploy/haproxy.cfg, its addresses filled through its environment variables."""
    port = free_port()
    env = {**os.environ, "KOOPSUZ_PROXY_BIND": f"127.0.0.1:{port}",
           "KOOPSUZ_REPLICA_1": f"127.0.0.1:{replicas[0].port}",
           "KOOPSUZ_REPLICA_2": f"127.0.0.1:{replicas[1].port}",
           "KOOPSUZ_HAPROXY_SOCKET": str(workdir / "haproxy.sock"), "KOOPSUZ_HAPROXY_LOG": "stdout"}
    cfg = ROOT / "deploy" / "haproxy.cfg"
    subprocess.run([HAPROXY, "-c", "-f", str(cfg)], env=env, check=True, capture_output=True)
    with open(workdir / "haproxy.log", "wb") as out:
        proc = subprocess.Popen([HAPROXY, "-db", "-f", str(cfg)], env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_http(f"http://127.0.0.1:{port}/_stcore/health", 30, proc)
    time.sleep(5)  # both replicas marked up by the health checks (rise 2, every 2 s)
    return proc, port


class Meter:
    """The replicas' resident memory (sampled every 0.2 s) and CPU time."""

    def __init__(self, replicas: list[Replica]) -> None:
        self.replicas = replicas
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rss(self) -> int:
        total = 0
        for r in self.replicas:
            for p in r.processes():
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
        return total

    def cpu(self) -> float:
        total = 0.0
        for r in self.replicas:
            for p in r.processes():
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    total += t.user + t.system
        return total

    def __enter__(self) -> Meter:
        self.peak = self.rss()
        self._stop.clear()

        def sample() -> None:
            while not self._stop.wait(0.2):
                self.peak = max(self.peak, self.rss())

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


def affinity_cookie(url: str) -> str:
    """What a browser's first request brings back: the proxy's cookie naming its replica (or nothing)."""
    with urllib.request.urlopen(url, timeout=60) as r:
        cookies = [c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies)


async def one_session(url: str, query: str, runs: list[PageRun], failures: list[str]) -> None:
    session = StreamlitSession(url, query=query)
    try:
        session.cookies = await asyncio.to_thread(affinity_cookie, url)
        async with session:
            for page in PAGES:
                runs.append(await session.run(page))
    except Exception as exc:  # noqa: BLE001 - any failure of a session is an error to count, not a crash
        failures.append(f"{type(exc).__name__}: {exc}")


async def one_browser(browser, url: str, out: list[float], failures: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        t0 = time.perf_counter()
        await page.goto(url)
        await page.frame_locator(MAP_FRAME).locator(".marker-cluster").first.wait_for(timeout=180_000)
        out.append(time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001
        failures.append(f"browser: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


@dataclass
class Result:
    name: str
    replicas: int
    proxy: bool
    sessions: int
    runs: list[PageRun] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    log_errors: int = 0
    warmup: float = 0.0
    rss_idle: int = 0
    rss_before: int = 0
    rss_peak: int = 0
    rss_after: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    browsers: list[float] = field(default_factory=list)
    rss_series: list[tuple[int, int]] = field(default_factory=list)  # (seconds after, bytes)
    wave_rss: list[int] = field(default_factory=list)  # with --waves: memory 10 s after each wave, then its peak
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average before and after the sessions

    @property
    def errors(self) -> int:
        """Page runs that failed (an exception on the page, not finished, socket closed) and lost sessions."""
        return sum(not r.ok for r in self.runs) + len(self.failures)

    def quantile(self, q: float, page: str | None = None) -> float:
        times = sorted(r.seconds for r in self.runs if page is None or r.page == page)
        if not times:
            return float("nan")
        return statistics.quantiles(times, n=100, method="inclusive")[int(q * 100) - 1] if len(times) > 1 \
            else times[0]


async def drive(url: str, sessions: int, queries: list[str], browsers: int, result: Result) -> None:
    tasks = [one_session(url, queries[i % len(queries)], result.runs, result.failures) for i in range(sessions)]
    if not browsers:
        await asyncio.gather(*tasks)
        return
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            urls = [f"{url}?{queries[i % len(queries)]}" for i in range(browsers)]
            await asyncio.gather(*tasks, *(one_browser(browser, u, result.browsers, result.failures) for u in urls))
        finally:
            await browser.close()


def scenario(name: str, env: dict[str, str], *, replicas: int, proxy: bool, sessions: int, queries: list[str],
             browsers: int, after: float, workdir: Path, waves: int = 1) -> Result:
    result = Result(name, replicas, proxy, sessions)
    started = [start_replica(env, workdir) for _unused in range(replicas)]
    proxy_proc = None
    try:
        meter = Meter(started)
        result.rss_idle = meter.rss()
        if proxy:
            proxy_proc, port = start_proxy(started, workdir)
            url = f"http://127.0.0.1:{port}/"
        else:
            url = f"http://127.0.0.1:{started[0].port}/"

        # one reader first, on each replica, through the three pages: the first page load opens the workspace
        # and the pages fill their caches (reported apart); "before" is the memory of a server in use
        async def warm() -> float:
            t0 = time.perf_counter()
            for r in started:
                for q in queries[:1]:
                    async with StreamlitSession(f"http://127.0.0.1:{r.port}/", query=q) as s:
                        for page in PAGES:
                            run = await s.run(page)
                            if not run.ok:
                                raise RuntimeError(f"warm-up page run failed: {run.errors}")
            return time.perf_counter() - t0

        result.warmup = asyncio.run(warm())
        time.sleep(2)
        result.rss_before = meter.rss()
        cpu0 = meter.cpu()
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        with meter:
            asyncio.run(drive(url, sessions, queries, browsers, result))
        result.wall = time.perf_counter() - t0
        result.cpu = meter.cpu() - cpu0
        result.load = (load0, os.getloadavg()[0])
        result.rss_peak = meter.peak
        for _wave in range(waves - 1):  # the same sessions again: does memory grow with each wave, or level off?
            time.sleep(10)
            result.wave_rss.append(meter.rss())
            with meter:
                asyncio.run(drive(url, sessions, queries, 0, Result(name, replicas, proxy, sessions)))
            result.wave_rss.append(meter.peak)
        t_end = time.monotonic()
        while (waited := time.monotonic() - t_end) < after:  # memory every 10 s after the sessions closed
            time.sleep(min(10.0, after - waited))
            result.rss_series.append((round(time.monotonic() - t_end), meter.rss()))
            if result.rss_series[-1][0] <= 61:
                result.rss_after = result.rss_series[-1][1]
        result.log_errors = sum(r.log.read_text(errors="replace").count("Traceback") for r in started)
    finally:
        if proxy_proc is not None:
            stop(proxy_proc)
        for r in started:
            stop(r.proc)
    return result


def build_ten(cluster_url: str, workdir: Path) -> list[str]:
    """Ten municipalities of the demo's Bishkek (29,705 incidents each) in PostGIS, as ``m01`` .. ``m10``."""
    keys = []
    for i in range(1, 11):
        key = f"m{i:02d}"
        gpkg = workdir / f"{key}.gpkg"
        shutil.copyfile(DEMO / "bishkek.gpkg", gpkg)
        with contextlib.closing(sqlite3.connect(gpkg)) as db, db:  # its own name: "Municipality 1" ...
            for meta_key, value in (("municipality", f"Municipality {i}"), ("municipality_ru", f"Муниципалитет {i}"),
                                    ("municipality_ky", f"Муниципалитет {i}")):
                db.execute("UPDATE koopsuz_meta SET value = ? WHERE key = ?", (value, meta_key))
        subprocess.run([sys.executable, "-m", "geo", "workspace", "copy", str(gpkg), f"{cluster_url}?schema={key}"],
                       cwd=ROOT, check=True, capture_output=True, timeout=600)
        keys.append(key)
    return keys


def megabytes(n: int) -> str:
    return f"{n / 2**20:,.0f}"


def table(results: list[Result]) -> str:
    head = ("| scenario | replicas | sessions | page runs | failed runs / tracebacks logged | p50 (s) | p95 (s) | max (s) | Overview p95 (s) "
            "| CPU s per page run | memory before / peak / 60 s after (MB) | wall (s) | machine load |")
    rows = [head, "|" + "---|" * 13]
    for r in results:
        rows.append(
            f"| {r.name} | {r.replicas}{' + HAProxy' if r.proxy else ''} | {r.sessions} | {len(r.runs)} "
            f"| {r.errors} / {r.log_errors} "
            f"| {r.quantile(0.5):.1f} | {r.quantile(0.95):.1f} | {max((x.seconds for x in r.runs), default=0):.1f} "
            f"| {r.quantile(0.95, '(default)'):.1f} | {r.cpu / max(len(r.runs), 1):.2f} "
            f"| {megabytes(r.rss_before)} / {megabytes(r.rss_peak)} / {megabytes(r.rss_after)} | {r.wall:.0f} "
            f"| {r.load[0]:.1f} / {r.load[1]:.1f} |")
    return "\n".join(rows)


def per_page(results: list[Result]) -> str:
    rows = ["| scenario | page | runs | p50 (s) | p95 (s) | map message (MB) |", "|---|---|---|---|---|---|"]
    for r in results:
        for page in ("(default)", *PAGES[1:]):
            mine = [x for x in r.runs if x.page == page]
            maps = [x.map_bytes for x in mine if x.map_bytes]
            rows.append(f"| {r.name} | {'overview' if page == '(default)' else page} | {len(mine)} "
                        f"| {r.quantile(0.5, page):.1f} | {r.quantile(0.95, page):.1f} "
                        f"| {statistics.median(maps) / 2**20 if maps else 0:.1f} |")
    return "\n".join(rows)


@contextlib.contextmanager
def postgis() -> Iterator[object]:
    from pg_cluster import Cluster

    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--scenarios", default="demo,demo2,pg1,pg2,pg10")
    ap.add_argument("--browsers", type=int, default=3, help="real Chromiums in the pg2 scenario")
    ap.add_argument("--after", type=float, default=60.0, help="seconds after the sessions end to read memory")
    ap.add_argument("--lang", default="ru")
    ap.add_argument("--waves", type=int, default=1, help="run the sessions this many times (memory that levels off)")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for the replicas (e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=false), repeatable")
    args = ap.parse_args()
    # a stopped bench still stops its replicas, proxy and database (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_unused: sys.exit(143))
    wanted = args.scenarios.split(",")
    workdir = Path(tempfile.mkdtemp(prefix="koopsuz-load-"))
    base = {**os.environ, "KOOPSUZ_TILES": "none", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    base.pop("KOOPSUZ_DATABASE", None)
    base.update(dict(e.split("=", 1) for e in args.env))
    suffix = f" ({', '.join(args.env)})" if args.env else ""
    base.pop("KOOPSUZ_WORKSPACE", None)
    common = {"sessions": args.sessions, "after": args.after, "workdir": workdir, "waves": args.waves}
    demo_queries = [f"lang={args.lang}&m=bishkek"]
    results: list[Result] = []
    t_all = time.perf_counter()

    def report(r: Result) -> None:
        results.append(r)
        print(f"{r.name}: {len(r.runs)} runs, failed {r.errors}, tracebacks logged {r.log_errors}, p50 {r.quantile(0.5):.1f} s, "
              f"p95 {r.quantile(0.95):.1f} s, cpu/run {r.cpu / max(len(r.runs), 1):.2f} s, rss "
              f"{megabytes(r.rss_before)}/{megabytes(r.rss_peak)}/{megabytes(r.rss_after)} MB, warm-up "
              f"{r.warmup:.1f} s, browsers {[round(b, 1) for b in r.browsers]}, machine load "
              f"{r.load[0]:.1f} -> {r.load[1]:.1f}", flush=True)
        if r.wave_rss:
            print("  further waves (10 s after the wave before / peak, MB):",
                  ", ".join(megabytes(b) for b in r.wave_rss), flush=True)
        print("  memory after the sessions (s: MB):",
              ", ".join(f"{t}: {megabytes(b)}" for t, b in r.rss_series), flush=True)
        for f in r.failures[:5]:
            print("  failure:", f, flush=True)
        for x in [x for x in r.runs if not x.ok][:5]:
            print("  error:", x.page, x.errors[:2], flush=True)

    try:
        for key, replicas in (("demo", 1), ("demo2", 2)):
            if key not in wanted:
                continue
            ws = workdir / f"workspaces-{key}"
            ws.mkdir()
            for gpkg in DEMO.glob("*.gpkg"):
                shutil.copyfile(gpkg, ws / gpkg.name)
            report(scenario("demo, GeoPackage" + suffix, {**base, "KOOPSUZ_WORKSPACE": str(ws)}, replicas=replicas,
                            proxy=replicas > 1, queries=demo_queries, browsers=0, **common))
        if {"pg1", "pg2", "pg10"} & set(wanted):
            with postgis() as cluster:
                env = {**base, "KOOPSUZ_DATABASE": cluster.url}
                if "pg1" in wanted:
                    report(scenario("demo, PostGIS" + suffix, env, replicas=1, proxy=False, queries=demo_queries,
                                    browsers=0, **common))
                if "pg2" in wanted:
                    report(scenario("demo, PostGIS" + suffix, env, replicas=2, proxy=True, queries=demo_queries,
                                    browsers=args.browsers, **common))
                if "pg10" in wanted:
                    cluster.reset()
                    t0 = time.perf_counter()
                    keys = build_ten(cluster.url, workdir)
                    print(f"ten municipalities copied into PostGIS in {time.perf_counter() - t0:.0f} s", flush=True)
                    queries = [f"lang={args.lang}&m={k}" for k in keys]
                    report(scenario("10 municipalities, 297,050 incidents, PostGIS" + suffix, env, replicas=2, proxy=True,
                                    queries=queries, browsers=0, **common))
    finally:
        print(f"\n{dt.date.today().isoformat()}, {os.cpu_count()} cores, whole bench {time.perf_counter() - t_all:.0f} s,"
              f" bench process CPU {time.process_time():.0f} s\n")
        print(table(results))
        print()
        print(per_page(results))
        browsers = [b for r in results for b in r.browsers]
        if browsers:
            print(f"\nChromium, navigation to the Overview's clusters drawn: {', '.join(f'{b:.1f}' for b in browsers)} s")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
