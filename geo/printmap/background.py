"""A figure's PNG rendered by a forked child while the caller goes on writing the PDF.

The pack needs each map twice: vector in the PDF and a PNG in the zip. Agg holds the GIL while it
draws, so a thread cannot overlap the two; a child process forked from the caller can, and it starts with
the figure already built (nothing is pickled or built again). On two cores this takes the PNGs off the
pack's critical path: the PDF page is written while the child renders and compresses the image.

Hand-written rather than :mod:`multiprocessing` or :mod:`concurrent.futures`: both would pickle the
figure (hundreds of artists) or start an interpreter, which costs more than the drawing saved, and
neither lets the child skip the parent's exit handlers. The child touches only the figure, Agg and a
temporary file, and leaves with :func:`os._exit`, so the parent's open files (the PDF being written),
buffers and threads are never flushed, closed or joined twice.

Where ``fork`` is missing or unsafe (not Linux), or it fails, or the child does not finish within
``timeout`` seconds, or its file is not a PNG, :meth:`PendingPng.result` returns ``None`` and the
caller draws the image itself: the files are the same either way, only the time differs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import matplotlib

from geo.printmap.output import _write
from geo.printmap.style import RC

__all__ = ["PendingPng", "start_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WAIT_S = 120.0  # a child that has not written its image by then is killed, and the caller draws it


class PendingPng:
    """A PNG being rendered by a child process (or already rendered, or failed)."""

    def __init__(self, pid: int | None, path: Path | None, data: bytes | None = None) -> None:
        self.pid, self.path, self.data = pid, path, data

    def result(self, *, timeout: float = WAIT_S) -> bytes | None:
        """The PNG's bytes, or ``None`` when the child failed or took longer than ``timeout`` seconds."""
        if self.pid is None:
            return self.data
        deadline = time.monotonic() + timeout
        status = None
        delay = 0.002
        while status is None and time.monotonic() < deadline:
            pid, code = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                status = code
            else:
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        if status is None:  # bounded: a stuck child is stopped, never waited for
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        self.pid = None
        try:
            if status is not None and os.waitstatus_to_exitcode(status) == 0:
                data = self.path.read_bytes()
                self.data = data if data.startswith(PNG_SIGNATURE) else None
        except OSError:
            self.data = None
        finally:
            with contextlib.suppress(OSError):
                self.path.unlink()
        return self.data


def _forkable() -> bool:
    # macOS's system frameworks are not fork-safe and Windows has no fork
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def start_png(fig: Any, *, dpi: int) -> PendingPng:
    """Start rendering ``fig`` as PNG at ``dpi`` in a forked child; the caller may change the figure at once.

    The child sees the figure as it is now (a later page number or ``clear`` in the parent does not reach
    it). Its bytes are :func:`~geo.printmap.save_figure`'s. Where no child can be started, the returned
    object holds ``None`` and the caller draws the image itself.
    """
    if not _forkable():
        return PendingPng(None, None, None)
    fd, name = tempfile.mkstemp(prefix="koopsuz-map-", suffix=".png")
    try:
        pid = os.fork()
    except OSError:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        return PendingPng(None, None, None)
    if pid == 0:  # the child: render, write, leave without running anything of the parent's
        code = 1
        try:
            # RC without styled()'s lock: another thread of the parent may have held it when we forked,
            # and in this single-threaded copy it would never be released
            with matplotlib.rc_context(RC), os.fdopen(fd, "wb") as fh:
                _write(fig, fh, fmt="png", dpi=dpi)
            code = 0
        finally:
            os._exit(code)
    os.close(fd)
    return PendingPng(pid, Path(name))
