"""One writer at a time: an operating-system lock on a file beside the workspace.

Two imports into one workspace, from the command line and the app or from two
sessions of the app, each copy the workspace, change the copy and move it over
the original; without a lock the second move throws away the first import.
:func:`file_lock` holds ``fcntl.flock`` on a small file beside the workspace
for the length of a write, across processes and threads (each holder opens
its own file description, which is what ``flock`` locks).

``flock`` has no timeout, so the wait polls a non-blocking attempt until the
deadline. The lock file is removed when the lock is released, so nothing is
left beside the workspace; a waiter that wakes up holding a lock on a file
already removed (or replaced) by the previous holder tries again, the usual
way to make removal safe.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

from geo.messages import WS_LOCKED

__all__ = ["file_lock", "try_file_lock"]

_POLL = (0.005, 0.05)  # seconds between attempts, random in this range so waiters do not move in step


@contextlib.contextmanager
def file_lock(path: str | os.PathLike[str], *, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) for the block.

    Parameters
    ----------
    path : path-like
        The lock file; its folder must exist or be creatable.
    timeout : float
        Seconds to wait for another holder to finish; 0 tries once.

    Raises
    ------
    TimeoutError
        When the lock is still held by another after ``timeout`` seconds.
    """
    fd = _acquire(Path(path), deadline=time.monotonic() + max(timeout, 0.0))
    if fd is None:
        msg = WS_LOCKED.format(file=path, seconds=f"{timeout:g}")
        raise TimeoutError(msg)
    try:
        yield
    finally:
        _release(Path(path), fd)


@contextlib.contextmanager
def try_file_lock(path: str | os.PathLike[str]) -> Iterator[bool]:
    """Take the lock on ``path`` if it is free at once; yield whether it was taken.

    For work that only makes sense while nobody writes, and that can be
    skipped when somebody does (removing a killed write's leftovers).
    """
    try:
        fd = _acquire(Path(path), deadline=time.monotonic())
    except OSError:  # a read-only folder: nobody can write there either, nothing to tidy
        fd = None
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        _release(Path(path), fd)


def _acquire(path: Path, *, deadline: float) -> int | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                return None
            time.sleep(random.uniform(*_POLL))
            continue
        except BaseException:
            os.close(fd)
            raise
        # Locked; but if the previous holder removed the file meanwhile, this lock guards nothing.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def _release(path: Path, fd: int) -> None:
    # Remove while still holding it, then unlock by closing: a waiter that got the old file retries.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    os.close(fd)
