"""Request throttling: anonymous callers by address, the others by caller.

Anonymous callers are counted per client address as :func:`client_address`
computes it (through ``TRUSTED_PROXY_COUNT`` proxies), the same address the
verification pages and the sign-in lock-out use.

DRF's ``UserRateThrottle`` keeps every request's timestamp in one cached
list, read and rewritten (pickled) on each request: its cost grows with the
traffic it is meant to limit. A station scanning all day needs O(1): these
throttles count requests per caller in fixed windows.

The per-caller API throttle (:class:`FixedWindowUserThrottle`) does not ask
Redis on every request either: each process counts its own admissions
(:class:`WindowCounter`) and adds them to the shared count in Redis in one
round trip, reading the total back, once it has admitted a slice of the limit
(``THROTTLE_SYNC_SHARE`` of it) or ``THROTTLE_SYNC_SECONDS``
after its last look, whichever comes first. A process admits a request while
its last look at the total plus what it admitted since stays under the limit.

The price is a bounded over-admission: a process never holds more than one
slice unreported, and once it has seen the total at the limit it admits
nothing more in that window, so ``P`` processes together admit at most
``limit - 1 + P x slice`` requests in a window (with the defaults and a limit
of 3,000 a minute, a slice is 30: five gunicorn workers admit at most 3,149).
One process alone is exact: it refuses the request after the limit-th. A
limit under 1/share (100 a window with the defaults; any limit with a share
of 0) is counted as before, exactly: every request adds itself to the shared
count and is refused past the limit. If Redis cannot be reached, the request
that should look fails with the cache's error, as every request did when
each one asked Redis.
"""

import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from warehouse.fastpath.cache import TTLCache

from .proxies import client_address


def clock() -> float:
    """Seconds since the epoch; the windows below are counted on this clock."""
    return time.time()


def _window_add(window_key: str, amount: int, seconds: int) -> int:
    """Add ``amount`` to the shared count at ``window_key`` (created for the
    window's ``seconds``, plus one) and return the new count.

    One round trip on Redis: ``SET NX EX`` (the window's first request makes
    it, with its expiry) and ``INCRBY`` in one pipeline. Other cache backends
    (the in-process one of a Redis-less install) take the cache API's way.
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(window_key)
        client = backend._cache.get_client(key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 0, ex=seconds + 1, nx=True)
        pipe.incrby(key, amount)
        return int(pipe.execute()[1])
    cache.add(window_key, 0, timeout=seconds + 1)
    try:
        return cache.incr(window_key, amount) if amount else cache.get(window_key, 0)
    except ValueError:  # expired between the two calls
        cache.add(window_key, amount, timeout=seconds + 1)
        return amount


def _retry_after(now: float, seconds: int) -> int:
    return max(1, math.ceil(seconds - now % seconds))


def count_in_window(key: str, seconds: int) -> tuple[int, int]:
    """Count one more request under ``key`` in the current fixed window of
    ``seconds``: one atomic increment (one round trip), exact across
    processes. Returns the count so far in this window and the whole seconds
    until the window ends (for Retry-After)."""
    now = clock()
    count = _window_add(f"{key}:{int(now // seconds)}", 1, seconds)
    return count, _retry_after(now, seconds)


@dataclass
class _Window:
    """One key's window as this process sees it."""

    number: int  # which window: clock() // seconds
    known: int = 0  # the shared count at the last look (ours included)
    pending: int = 0  # admitted here since, not yet added to it
    looked_at: float = -math.inf  # clock() at the last look


class WindowCounter:
    """Admissions per key in fixed windows, counted in this process and
    reported to the shared count in slices (the module's docstring gives the
    bound). One per process (:data:`WINDOWS`); tests make two to play two
    processes."""

    def __init__(self, name: str = "throttle windows"):
        # A TTLCache, so that tests' caches_clear() forgets the windows too.
        self._windows = TTLCache(name, ttl=3600, max_size=100_000)
        self._lock = threading.Lock()

    def admit(self, key: str, *, limit: int, seconds: int) -> tuple[bool, int]:
        """Whether one more request under ``key`` fits ``limit`` per window of
        ``seconds``, and the whole seconds until the window ends. A refused
        request is not counted."""
        slice_ = int(limit * settings.THROTTLE_SYNC_SHARE)
        if slice_ < 1:  # a small limit: every request asks Redis, exact
            count, wait = count_in_window(key, seconds)
            return count <= limit, wait
        now = clock()
        number = int(now // seconds)
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.number != number:
                window = _Window(number)
                self._windows.put(key, window)
            if (
                window.pending >= slice_
                or now - window.looked_at >= settings.THROTTLE_SYNC_SECONDS
            ):
                window.known = _window_add(f"{key}:{number}", window.pending, seconds)
                window.pending, window.looked_at = 0, now
            allowed = window.known + window.pending < limit
            if allowed:
                window.pending += 1
        return allowed, _retry_after(now, seconds)

    def clear(self) -> None:
        self._windows.clear()


WINDOWS = WindowCounter()


class ClientAddressAnonThrottle(AnonRateThrottle):
    """At most ``num_requests`` per client address (rate from scope ``anon``)."""

    def get_ident(self, request):
        return client_address(request) or "unknown"


class FixedWindowUserThrottle(UserRateThrottle):
    """At most ``num_requests`` per caller per window (rate from scope
    ``user``), counted by :data:`WINDOWS`."""

    def allow_request(self, request, view):
        if self.rate is None or not request.user.is_authenticated:
            return True  # anonymous callers are ClientAddressAnonThrottle's
        allowed, self.wait_seconds = WINDOWS.admit(
            f"throttle:{self.scope}:{request.user.pk}",
            limit=self.num_requests,
            seconds=self.duration,
        )
        return allowed

    def wait(self):
        return self.wait_seconds
