"""Atomic file output: every file the library writes appears whole or not at all.

A workspace, a map, a pack or a tile is written to a temporary file beside its
target and moved over it with :func:`os.replace` only when complete, so an
error or a killed process leaves the previous file intact. This is the one
place that knows how; the standard library has the pieces (``mkstemp``,
``os.replace``) but not the whole (permissions, clean-up, fsync).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output", "atomic_write", "fsync_dir", "fsync_file", "publish"]


def publish(tmp: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """Move a finished temporary file over ``out`` in one step, with a new file's usual permissions.

    ``tempfile.mkstemp`` creates files readable by their owner only; a map,
    pack or workspace handed to colleagues should get what any new file gets
    (0666 less the umask).

    Parameters
    ----------
    tmp : path-like
        The finished file, on the same file system as ``out``.
    out : path-like
        Where it goes; an existing file there is replaced.
    """
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, out)


@contextlib.contextmanager
def atomic_output(out: str | os.PathLike[str], *, suffix: str = ".tmp", create: bool = True) -> Iterator[Path]:
    """A temporary path beside ``out`` that replaces ``out`` when the block ends without error.

    Parameters
    ----------
    out : path-like
        The file to write; its folder is created if needed.
    suffix : str, default ".tmp"
        Ending of the temporary name (GDAL picks its driver from it, e.g.
        ``".tmp.gpkg"``).
    create : bool, default True
        Leave the empty temporary file in place; False removes it first, for
        writers that must create the file themselves (GDAL's GeoPackage
        driver).

    Yields
    ------
    pathlib.Path
        The temporary file. On an exception it is removed and ``out`` is
        left as it was.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    if not create:
        tmp.unlink()
    try:
        yield tmp
        publish(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : path-like
    data : bytes

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return path


def fsync_file(path: str | os.PathLike[str]) -> None:
    """Flush a file's contents to disk (before it replaces another)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(directory: str | os.PathLike[str]) -> None:
    """Flush a folder's entries to disk (after a rename in it), where the platform allows."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    # Read, not set: os.umask would change it for a moment for every thread of the app.
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("Umask:")).split()[1], 8)
    return 0o022
