"""Sign-in attempts per address: a sliding window, so one address cannot try password after password.

The per-account lockout (:class:`geo.auth.accounts.LockoutPolicy`) stops guessing one account's password;
this stops one address trying many accounts (password spraying), as OWASP's authentication guidance asks
for both. The counts live in the server process (one object per app, made by the page layer), not in the
store: a refused attempt costs no write, and a flood of attempts cannot grow the database. With several
replicas each counts its own attempts, so an address gets at most ``max_attempts`` per replica and window.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from dataclasses import dataclass, field

__all__ = ["AddressLimiter"]


@dataclass
class AddressLimiter:
    """At most ``max_attempts`` failed sign-ins per address within ``window``; thread-safe.

    Parameters
    ----------
    max_attempts : int, default 20
        Failed attempts an address may make within ``window``; the next is refused until the oldest
        leaves the window.
    window : timedelta, default 15 minutes
    max_addresses : int, default 10,000
        Addresses remembered at once; the one idle longest is forgotten first, so memory stays bounded.

    Examples
    --------
    >>> limiter = AddressLimiter(max_attempts=2)
    >>> now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> limiter.failed("10.0.0.1", now); limiter.failed("10.0.0.1", now)
    >>> limiter.wait("10.0.0.1", now) > dt.timedelta(0), limiter.wait("10.0.0.2", now)
    (True, datetime.timedelta(0))
    """

    max_attempts: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)
    max_addresses: int = 10_000
    _failures: dict[str, deque[dt.datetime]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.window <= dt.timedelta(0) or self.max_addresses < 1:
            msg = "max_attempts and max_addresses must be at least 1 and window above 0"
            raise ValueError(msg)

    def wait(self, address: str, now: dt.datetime) -> dt.timedelta:
        """How long ``address`` must wait before its next attempt (zero: it may try now)."""
        with self._lock:
            times = self._recent(address, now)
            if times is None or len(times) < self.max_attempts:
                return dt.timedelta(0)
            return times[0] + self.window - now

    def failed(self, address: str, now: dt.datetime) -> None:
        """Count a failed attempt from ``address``."""
        with self._lock:
            times = self._recent(address, now)
            if times is None:
                if len(self._failures) >= self.max_addresses:  # forget the address idle longest
                    oldest = min(self._failures, key=lambda a: self._failures[a][-1])
                    del self._failures[oldest]
                times = self._failures[address] = deque()
            times.append(now)

    def _recent(self, address: str, now: dt.datetime) -> deque[dt.datetime] | None:
        times = self._failures.get(address)
        if times is None:
            return None
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[address]
            return None
        return times
