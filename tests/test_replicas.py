"""Two app replicas behind HAProxy on one PostGIS database, started from the files of ``deploy/``.

What a regional office runs (docs/deploy.md), on a throwaway cluster (the ``pg`` fixture):

- the database seeded as the deployment guide says, ``python -m geo workspace copy`` per municipality;
- two ``streamlit run`` replicas started with the command line and settings of ``deploy/koopsuz@.service``
  (its ExecStart with ``%i`` replaced, its Environment and the EnvironmentFile ``koopsuz.env.example``);
- HAProxy with ``deploy/haproxy.cfg`` (checked with ``haproxy -c`` first), its addresses filled in through
  the environment variables the file reads;
- ``deploy/backup.sh`` (also as ``koopsuz-backup.service`` runs it) and a restore with ``pg_restore``.

Then: two browsers land on different replicas and each draws the Overview map; an import made in one
replica's browser (the Data page, upload through the proxy) shows in the other replica's browser on its
next rerun; a replica killed with SIGKILL is taken out and the other serves every browser. Logs of the
replicas and the proxy go to ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest

from browser_support import ARTIFACTS, Session, browser, free_port, tile_server, wait_healthy  # noqa: F401 - fixtures
from conftest import ROOT

DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "koopsuz@.service"
ENV_EXAMPLE = DEPLOY / "koopsuz.env.example"
HAPROXY = "/usr/sbin/haproxy"
COOKIE = "KOOPSUZ_REPLICA"
DATABASE = "replicas"  # a database of its own: the app lists every workspace schema of its database
IMPORTED = 3  # incidents the test imports through replica 1
ADMIN, PASSWORD = "coordinator", "replicas need an account 14"  # a database always asks who is reading


# --- the deployment files, read as systemd and HAProxy read them ---------------------------------------

def unit_entries(path: Path) -> dict[str, list[str]]:
    """``Key=value`` lines of a systemd unit, every value of each key (section names ignored)."""
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _sep, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def env_file(path: Path) -> dict[str, str]:
    """Settings of a systemd EnvironmentFile (``NAME=value`` lines, ``#`` comments)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _sep, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def unit_environment(entries: dict[str, list[str]]) -> dict[str, str]:
    """The unit's ``Environment=`` assignments (space-separated, as systemd splits them)."""
    out = {}
    for line in entries.get("Environment", []):
        for item in shlex.split(line):
            key, _sep, value = item.partition("=")
            out[key] = value
    return out


def replica_argv(port: int) -> list[str]:
    """The unit's ExecStart for instance ``port``, with the install's paths mapped onto this checkout."""
    entries = unit_entries(UNIT)
    (exec_start,) = entries["ExecStart"]
    argv = shlex.split(exec_start.replace("%i", str(port)))
    installed = Path(entries["WorkingDirectory"][0])
    assert Path(argv[0]).is_relative_to(installed), argv[0]  # the venv of the install's folder
    argv[0] = str(ROOT / Path(argv[0]).relative_to(installed))
    if not Path(argv[0]).exists():  # a venv made elsewhere: the same entry point of this interpreter
        argv[0:1] = [sys.executable, "-m", "streamlit"]
    return argv


def proxy_env(proxy_port: int, replica_ports: list[int], socket_path: Path) -> dict[str, str]:
    return {**os.environ, "KOOPSUZ_PROXY_BIND": f"127.0.0.1:{proxy_port}",
            "KOOPSUZ_REPLICA_1": f"127.0.0.1:{replica_ports[0]}", "KOOPSUZ_REPLICA_2": f"127.0.0.1:{replica_ports[1]}",
            "KOOPSUZ_HAPROXY_SOCKET": str(socket_path), "KOOPSUZ_HAPROXY_LOG": "stdout"}


def haproxy_stat(socket_path: Path) -> dict[str, str]:
    """Each replica's state as HAProxy's admin socket reports it (``UP``, ``DOWN``...), by server name."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(str(socket_path))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    if not lines:
        return {}
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
    return {r["svname"]: r["status"] for r in rows if r["pxname"] == "replicas" and r["svname"] not in
            ("FRONTEND", "BACKEND")}


def http_get(url: str, *, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


# --- fixtures: the database, the replicas, the proxy ------------------------------------------------------

@pytest.fixture(scope="module")
def database(pg, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The database seeded as docs/deploy.md says (one ``workspace copy`` per municipality); and the demo's
    folder of municipality GeoPackages (the demo at a fifth of its volume)."""
    from geo.demo import write_demo

    pg.psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    pg.psql(f"CREATE DATABASE {DATABASE}")
    pg.psql("CREATE EXTENSION postgis", database=DATABASE)
    url = pg.url.rsplit("/", 1)[0] + f"/{DATABASE}"
    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, scale=0.2)
    for gpkg in sorted((folder / "municipalities").glob("*.gpkg")):
        argv = [sys.executable, "-m", "geo", "workspace", "copy", str(gpkg), f"{url}?schema={gpkg.stem}"]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
    # the first account, made on the server as docs/deploy.md says
    done = subprocess.run([sys.executable, "-m", "geo", "user", "add", ADMIN, "--name", "Regional coordinator",
                           "--role", "admin", "--workspace", url, "--password-stdin"], input=PASSWORD + "\n",
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return url, folder / "municipalities"


@contextlib.contextmanager
def replica(port: int, database_url: str, tiles: str) -> Iterator[subprocess.Popen]:
    """One replica as systemd starts it: ExecStart, the EnvironmentFile, then the unit's Environment."""
    entries = unit_entries(UNIT)
    assert entries["EnvironmentFile"] == ["/etc/koopsuz/koopsuz.env"]
    settings = env_file(ENV_EXAMPLE)
    assert "KOOPSUZ_DATABASE" in settings
    settings["KOOPSUZ_DATABASE"] = database_url  # the example's placeholder password, replaced
    home = ARTIFACTS / f"replica-{port}-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings, **unit_environment(entries), "HOME": str(home), "KOOPSUZ_TILES": tiles}
    log = open(ARTIFACTS / f"replica-{port}.log", "wb")  # a pipe nobody reads would fill and block the server
    proc = subprocess.Popen(replica_argv(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def stack(database, tile_server, tmp_path_factory: pytest.TempPathFactory):
    """Two replicas and HAProxy in front: ``{"url", "procs": {"r1": Popen, "r2": Popen}, "socket"}``."""
    if not Path(HAPROXY).exists():
        pytest.fail(f"{HAPROXY} is missing: `make test` installs Debian's haproxy")
    ARTIFACTS.mkdir(exist_ok=True)
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    proxy_port = free_port()
    sock = tmp_path_factory.mktemp("haproxy") / "admin.sock"
    env = proxy_env(proxy_port, ports, sock)
    check = subprocess.run([HAPROXY, "-c", "-f", str(DEPLOY / "haproxy.cfg")], env=env, capture_output=True,
                           text=True, timeout=30, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Configuration file is valid" in check.stdout
    with contextlib.ExitStack() as stack:
        procs = {f"r{i + 1}": stack.enter_context(replica(p, database[0], tile_server)) for i, p in enumerate(ports)}
        for proc, port in zip(procs.values(), ports, strict=True):
            wait_healthy(port, proc, 120)
        log = stack.enter_context(open(ARTIFACTS / "haproxy.log", "wb"))
        # -db: in the foreground, as a child of the test (systemd runs Debian's haproxy.service)
        proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(DEPLOY / "haproxy.cfg")], env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{proxy_port}/"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # both replicas checked UP, the proxy answering
                if proxy.poll() is not None:
                    pytest.fail(f"haproxy exited with {proxy.returncode}; see {ARTIFACTS / 'haproxy.log'}")
                with contextlib.suppress(OSError):
                    if set(haproxy_stat(sock).values()) == {"UP"}:
                        break
                time.sleep(0.5)
            assert haproxy_stat(sock) == {"r1": "UP", "r2": "UP"}
            yield {"url": url, "procs": procs, "socket": sock, "ports": dict(zip(procs, ports, strict=True))}
        finally:
            proxy.terminate()
            try:
                proxy.wait(10)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait(10)


# --- helpers for the pages --------------------------------------------------------------------------------

def replica_of(session: Session) -> str | None:
    """The replica HAProxy pinned this browser to (its affinity cookie)."""
    for c in session.context.cookies():
        if c["name"] == COOKIE:
            return c["value"]
    return None


def expected_stations(folder: Path) -> int:
    """Stations the Overview of the first municipality draws: those in its first area's settlements."""
    from geo.select import within_boundaries

    first = sorted(folder.glob("*.gpkg"))[0]
    boundaries = gpd.read_file(first, layer="boundaries")
    stations = gpd.read_file(first, layer="stations")
    area = sorted(a for a in boundaries["area"].dropna().astype(str).unique() if a)[0]
    return len(within_boundaries(stations, boundaries[boundaries["area"] == area]))


def headline(session: Session) -> int:
    """The Overview's headline count of incidents (digits of the first metric, whatever the language)."""
    value = session.page.locator("[data-testid=stMetric]").first.locator("[data-testid=stMetricValue]")
    value.wait_for(timeout=60_000)
    return int(re.sub(r"\D", "", value.inner_text()))


def import_csv(workspace: Path, path: Path, *, prefix: str = "REPLICA") -> Path:
    """``IMPORTED`` incidents like the workspace's latest ones (so that the Overview's default period counts
    them), with new numbers, as a CSV export of a register."""
    inc = gpd.read_file(workspace, layer="incidents").sort_values("occurred_at").tail(IMPORTED)
    lines = ["id,occurred_at,category,description,lat,lon"]
    for i, row in enumerate(inc.itertuples()):
        lines.append(f"{prefix}-{i},{row.occurred_at:%Y-%m-%d %H:%M},{row.category},imported through replica 1,"
                     f"{row.geometry.y:.6f},{row.geometry.x:.6f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the tests ---------------------------------------------------------------------------------------------

@pytest.mark.browser
def test_two_browsers_on_two_replicas_and_an_import_seen_by_both(stack, database, browser, tmp_path):
    """(a) Affinity: two browsers, two replicas, each draws the map. (b) An import through replica 1's page
    shows in replica 2's page on its next rerun, without a restart."""
    stations = expected_stations(database[1])
    sessions = [Session(browser), Session(browser)]
    try:
        for s in sessions:
            s.sign_in_as(stack["url"] + "?lang=en", ADMIN, PASSWORD)
            s.wait_map(stations)
        pinned = [replica_of(s) for s in sessions]
        assert sorted(pinned) == ["r1", "r2"], pinned  # round robin: one browser on each replica
        for s in sessions:
            assert s.counts()[0] == stations
            assert s.errors == [] and s.remote == [] and s.failed == []
        one, two = sessions if pinned[0] == "r1" else sessions[::-1]
        before = headline(two)
        assert headline(one) == before  # one database, one count

        # (b) the import, through replica 1: an upload through the proxy (its session is there), check, append
        upload = import_csv(sorted(database[1].glob("*.gpkg"))[0], tmp_path / "register.csv")
        one.go("data")
        one.page.locator(".st-key-imp_file input[type=file]").set_input_files(str(upload))
        one.key("imp_mode").wait_for(timeout=60_000)  # a new file is checked at once
        one.choose_nth("imp_mode", 1)  # add to the layer
        assert one.key("imp_mode").locator("input[type=radio]").nth(1).is_checked()
        one.page.get_by_role("button", name=f"Import {IMPORTED} incidents").click(timeout=60_000)
        one.page.get_by_text(f"Imported {IMPORTED} incidents from register.csv (append)").wait_for(timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        one.page.screenshot(path=str(ARTIFACTS / "replicas_import_r1.png"), full_page=True)
        assert replica_of(one) == "r1"  # the upload and the import stayed on replica 1

        # replica 2's page, on its next rerun (the same session: "r" asks Streamlit to rerun), counts them
        deadline = time.monotonic() + 60
        seen = headline(two)
        while seen != before + IMPORTED and time.monotonic() < deadline:
            two.settle()
            two.page.locator("body").press("r")
            two.page.wait_for_timeout(2000)
            seen = headline(two)
        two.page.screenshot(path=str(ARTIFACTS / "replicas_seen_r2.png"), full_page=True)
        assert seen == before + IMPORTED, (before, seen)
        assert replica_of(two) == "r2"
        assert two.errors == [] and two.failed == []
        assert [p.poll() for p in stack["procs"].values()] == [None, None]  # no replica restarted
    finally:
        for s in sessions:
            s.close()


@pytest.mark.browser
def test_killed_replica_leaves_the_other_serving(stack, database, browser):
    """(c) Replica 1 killed with SIGKILL: HAProxy takes it out, new browsers and a browser pinned to it are
    served by replica 2."""
    stations = expected_stations(database[1])
    opened: list[Session] = []
    try:
        pinned = None
        for _attempt in range(2):  # round robin: one of two new browsers lands on replica 1
            s = Session(browser)
            opened.append(s)
            s.sign_in_as(stack["url"] + "?lang=en", ADMIN, PASSWORD)
            s.wait_map(stations)
            if replica_of(s) == "r1":
                pinned = s
                break
        assert pinned is not None, [replica_of(s) for s in opened]

        victim = stack["procs"]["r1"]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 30 and not haproxy_stat(stack["socket"])["r1"].startswith("DOWN"):
            time.sleep(0.25)
        taken_out = time.monotonic() - t0
        state = haproxy_stat(stack["socket"])
        assert state["r1"].startswith("DOWN") and state["r2"] == "UP", state
        assert taken_out < 15, taken_out  # docs/deploy.md: a dead replica is out within seconds
        print(f"replica 1 taken out {taken_out:.1f} s after it was killed")

        # new sessions: every one answered, by replica 2
        for _attempt in range(4):
            status, cookie = http_get(stack["url"])
            assert status == 200
            assert f"{COOKIE}=r2" in cookie, cookie
        assert http_get(stack["url"] + "_stcore/health")[0] == 200

        # the browser pinned to the dead replica: a reload lands on replica 2, which asks who is reading (the
        # session lived in replica 1's memory), and draws the map once signed in again
        pinned.page.reload()
        pinned.page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        pinned.sign_in_as(stack["url"] + "?lang=en", ADMIN, PASSWORD)
        pinned.wait_map(stations)
        assert pinned.counts()[0] == stations
        assert replica_of(pinned) == "r2"
        pinned.page.screenshot(path=str(ARTIFACTS / "replicas_after_kill.png"), full_page=True)
    finally:
        for s in opened:
            s.close()


@pytest.mark.browser
def test_a_workspace_copied_again_is_seen_by_the_replicas(stack, database, browser, tmp_path):
    """A municipality's workspace updated on a laptop and copied into the database again (docs/deploy.md,
    section 4) shows in a replica's page on its next rerun, like an import."""
    key = "jeti-oguz"
    s = Session(browser)
    try:
        s.sign_in_as(stack["url"] + f"?lang=en&m={key}", ADMIN, PASSWORD)
        s.map.locator(".leaflet-container").wait_for(timeout=60_000)
        s.settle()
        laptop = tmp_path / f"{key}.gpkg"  # the working group's copy
        laptop.write_bytes((database[1] / f"{key}.gpkg").read_bytes())
        for round_ in range(2):  # twice: after a first import the laptop's workspace keeps its set of tables
            before = headline(s)
            # three more incidents each time
            csv = import_csv(laptop, tmp_path / f"register-{round_}.csv", prefix=f"LAPTOP{round_}")
            for argv in (["import", "incidents", str(csv), "--workspace", str(laptop), "--mode", "append"],
                         ["workspace", "copy", str(laptop), f"{database[0]}?schema={key}"]):
                done = subprocess.run([sys.executable, "-m", "geo", *argv], cwd=ROOT, capture_output=True,
                                      text=True, timeout=300, check=False)
                assert done.returncode == 0, done.stderr
            deadline = time.monotonic() + 30
            seen = before
            while seen != before + IMPORTED and time.monotonic() < deadline:
                s.settle()
                s.page.locator("body").press("r")
                s.page.wait_for_timeout(2000)
                seen = headline(s)
            assert seen == before + IMPORTED, (round_, before, seen)
    finally:
        s.close()


def _backup_env(pg, database_url: str, folder: Path) -> dict[str, str]:
    """The backup service's settings: koopsuz.env.example with this cluster's database and a test folder."""
    settings = env_file(ENV_EXAMPLE)
    assert {"KOOPSUZ_DATABASE", "KOOPSUZ_BACKUP_DIR", "KOOPSUZ_BACKUP_KEEP"} <= settings.keys()
    settings.update(KOOPSUZ_DATABASE=database_url, KOOPSUZ_BACKUP_DIR=str(folder), KOOPSUZ_BACKUP_KEEP="2")
    return {**os.environ, **settings, "PG_BIN": str(pg.bindir)}


def _backup_argv() -> list[str]:
    """koopsuz-backup.service's ExecStart, the install's folder mapped onto this checkout."""
    (exec_start,) = unit_entries(DEPLOY / "koopsuz-backup.service")["ExecStart"]
    argv = shlex.split(exec_start)
    argv[0] = str(DEPLOY / Path(argv[0]).name)
    assert Path(argv[0]).is_file() and os.access(argv[0], os.X_OK), argv[0]
    return argv


def test_backup_keeps_the_newest_dumps_and_restores_the_same_rows(pg, database, tmp_path):
    """(d) backup.sh as the backup service runs it: a dated pg_dump, the oldest beyond KEEP deleted; the dump
    restored with pg_restore into a new database reads the same rows in every table of every municipality."""
    from geo.io.workspaces import list_municipalities, open_workspace

    url = database[0]
    folder = tmp_path / "backups"
    folder.mkdir()
    for old in ("koopsuz-20200101-000000.dump", "koopsuz-20200102-000000.dump"):
        (folder / old).write_bytes(b"an older dump")
    env = _backup_env(pg, url, folder)
    done = subprocess.run(_backup_argv(), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip().splitlines()[-1])
    assert re.fullmatch(r"koopsuz-\d{8}-\d{6}\.dump", dump.name), dump
    assert sorted(p.name for p in folder.iterdir()) == ["koopsuz-20200102-000000.dump", dump.name]
    assert dump.stat().st_mode & 0o077 == 0  # police records: the owner's only

    # a failed run (no such database) writes nothing and deletes no good dump
    bad = {**env, "KOOPSUZ_DATABASE": url.rsplit("/", 1)[0] + "/no_such_database"}
    failed = subprocess.run(_backup_argv(), env=bad, capture_output=True, text=True, timeout=120, check=False)
    assert failed.returncode != 0
    assert sorted(p.name for p in folder.iterdir()) == ["koopsuz-20200102-000000.dump", dump.name]

    # the restore drill of docs/deploy.md, into a new database
    restored_db = f"{DATABASE}_restored"
    pg.psql(f"DROP DATABASE IF EXISTS {restored_db}")
    pg.psql(f"CREATE DATABASE {restored_db}")
    restore = subprocess.run([str(pg.bindir / "pg_restore"), "--exit-on-error", "-h", str(pg.dir),
                              "-p", str(pg.port), "-U", pg.user, "-d", restored_db, str(dump)],
                             capture_output=True, text=True, timeout=300, check=False)
    assert restore.returncode == 0, restore.stderr
    restored = url.rsplit("/", 1)[0] + f"/{restored_db}"
    before = list_municipalities(url)
    after = list_municipalities(restored)
    assert [m.key for m in after] == [m.key for m in before] == ["bishkek", "jeti-oguz"]
    for old, new in zip(before, after, strict=True):
        a, b = open_workspace(old.location), open_workspace(new.location)
        assert b.tables() == a.tables() and "incidents" in a.tables()
        for table in a.tables():
            assert len(b.read_table(table)) == len(a.read_table(table)), (old.key, table)
        assert len(b.read("incidents")) == len(a.read("incidents")) > 0
        assert b.meta() == a.meta()
        assert b.version() == a.version()


def _installed_here(text: str) -> str:
    """A unit file with the install's paths mapped onto this checkout (for systemd-analyze verify)."""
    return (text.replace("/opt/koopsuz/.venv/bin/streamlit", str(Path(replica_argv(8501)[0])))
            .replace("/opt/koopsuz", str(ROOT)).replace("/etc/koopsuz/koopsuz.env", str(ENV_EXAMPLE))
            .replace("User=koopsuz", "User=root").replace("Group=koopsuz", "Group=root"))


def test_units_are_valid_for_systemd(tmp_path):
    """The units as systemd reads them: no unknown key, no missing program; the timer starts the backup."""
    analyze = "/usr/bin/systemd-analyze"
    if not Path(analyze).exists():
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    if not Path(replica_argv(8501)[0]).name == "streamlit":
        pytest.skip("no streamlit entry point in .venv/bin to verify the unit against")
    names = {"koopsuz@.service": "koopsuz@8501.service", "koopsuz-backup.service": "koopsuz-backup.service",
             "koopsuz-backup.timer": "koopsuz-backup.timer"}
    for src, dst in names.items():
        (tmp_path / dst).write_text(_installed_here((DEPLOY / src).read_text(encoding="utf-8")), encoding="utf-8")
    done = subprocess.run([analyze, "verify", "--man=no", *(str(tmp_path / n) for n in names.values())],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
    timer = unit_entries(DEPLOY / "koopsuz-backup.timer")
    assert timer["Unit"] == ["koopsuz-backup.service"]
    (calendar,) = timer["OnCalendar"]
    assert subprocess.run([analyze, "calendar", calendar], capture_output=True, timeout=30).returncode == 0


def test_every_deploy_file_is_in_the_guide_and_exercised_here():
    """docs/deploy.md names every file of deploy/, and a test of this module exercises each one."""
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert sorted(EXERCISED) == sorted(f.name for f in DEPLOY.iterdir())
    for name, tests in EXERCISED.items():
        assert f"deploy/{name}" in guide, name
        for test in tests:
            assert callable(globals().get(test)), test


# Which tests run each file of deploy/ (a new file there needs a test, and a line here).
EXERCISED = {
    "haproxy.cfg": ["test_two_browsers_on_two_replicas_and_an_import_seen_by_both",
                    "test_killed_replica_leaves_the_other_serving"],
    "koopsuz@.service": ["test_two_browsers_on_two_replicas_and_an_import_seen_by_both",
                         "test_units_are_valid_for_systemd"],
    "koopsuz.env.example": ["test_two_browsers_on_two_replicas_and_an_import_seen_by_both",
                            "test_backup_keeps_the_newest_dumps_and_restores_the_same_rows"],
    "backup.sh": ["test_backup_keeps_the_newest_dumps_and_restores_the_same_rows"],
    "koopsuz-backup.service": ["test_backup_keeps_the_newest_dumps_and_restores_the_same_rows",
                               "test_units_are_valid_for_systemd"],
    "koopsuz-backup.timer": ["test_units_are_valid_for_systemd"],
}
