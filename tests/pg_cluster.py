"""A throwaway PostgreSQL + PostGIS cluster for the tests: created in a temporary folder, removed after.

Debian's server binaries (``/usr/lib/postgresql/<version>/bin``) run the
cluster; ``make test`` installs them with apt-get when absent. PostgreSQL
refuses to run as root, so under root the cluster belongs to the ``postgres``
user (created by the Debian package) and its commands run through
``runuser``. The server listens on a Unix socket in the cluster's folder and
on a free TCP port of 127.0.0.1 (the proxy and the replicas connect there).
Nothing outside the folder is touched; ``stop`` removes it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["Cluster", "missing"]


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def missing() -> str | None:
    """Why a cluster cannot be started here (``None`` when it can)."""
    bindir = _bin_dir()
    if bindir is None:
        return "PostgreSQL server not installed (make test installs postgresql and postgis with apt-get)"
    version = bindir.parts[-2]
    if not glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
        return f"PostGIS not installed for PostgreSQL {version} (make test installs postgresql-{version}-postgis-3)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running cluster with one database ``koopsuz`` that has PostGIS."""

    def __init__(self) -> None:
        reason = missing()
        if reason:
            raise RuntimeError(reason)
        self.bindir = _bin_dir()
        # not tempfile.gettempdir(): a test may point that at its own folder, which postgres cannot enter
        self.dir = Path(tempfile.mkdtemp(prefix="koopsuz-pg-", dir=os.environ.get("TMPDIR", "/tmp")))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.root = os.geteuid() == 0
        self.user = "postgres" if self.root else pwd.getpwuid(os.geteuid()).pw_name
        if self.root:
            os.chmod(self.dir, 0o755)
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync",
                  "--locale=C.UTF-8")
        opts = (f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "server.log"), "-w", "-t", "60",
                  "start")
        self._run("createdb", "-h", str(self.dir), "-p", str(self.port), "-U", self.user, "koopsuz")
        self.psql("CREATE EXTENSION postgis")

    @property
    def url(self) -> str:
        """SQLAlchemy/libpq address of the ``koopsuz`` database over TCP."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/koopsuz"

    def psql(self, sql: str, *, database: str = "koopsuz") -> str:
        return self._run("psql", "-h", str(self.dir), "-p", str(self.port), "-U", self.user, "-d", database,
                         "-v", "ON_ERROR_STOP=1", "-qAtc", sql)

    def reset(self) -> None:
        """Drop every schema but PostGIS's own: each test starts from an empty database."""
        schemas = self.psql("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                            "AND nspname NOT IN ('public', 'information_schema', 'topology', 'tiger')").split()
        for name in schemas:
            self.psql(f'DROP SCHEMA "{name}" CASCADE')

    def stop(self) -> None:
        with_timeout = ["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop"]
        try:
            self._run(*with_timeout)
        finally:
            time.sleep(0.1)
            shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, cmd: str, *args: str) -> str:
        argv = [str(self.bindir / cmd), *args]
        if self.root:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode:
            msg = f"{cmd} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            raise RuntimeError(msg)
        return done.stdout.strip()
