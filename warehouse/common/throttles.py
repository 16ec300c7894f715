"""Request throttling: anonymous callers by address, the others by caller.

Anonymous callers are counted per client address as :func:`client_address`
computes it (through ``TRUSTED_PROXY_COUNT`` proxies), the same address the
verification pages and the sign-in lock-out use.

DRF's ``UserRateThrottle`` keeps every request's timestamp in one cached
list, read and rewritten (pickled) on each request: its cost grows with the
traffic it is meant to limit. A station scanning all day needs O(1): this
throttle counts requests per caller in fixed windows with one atomic
increment.
"""

import math
import time

from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .proxies import client_address


def clock() -> float:
    """Seconds since the epoch; the windows below are counted on this clock."""
    return time.time()


def count_in_window(key: str, seconds: int) -> tuple[int, int]:
    """Count one more request under ``key`` in the current fixed window of
    ``seconds``: one atomic increment. Returns the count so far in this
    window and the whole seconds until the window ends (for Retry-After)."""
    now = clock()
    window_key = f"{key}:{int(now // seconds)}"
    try:
        count = cache.incr(window_key)
    except ValueError:  # first request of the window
        if cache.add(window_key, 1, timeout=seconds + 1):
            count = 1
        else:  # another process created it meanwhile
            count = cache.incr(window_key)
    return count, max(1, math.ceil(seconds - now % seconds))


class ClientAddressAnonThrottle(AnonRateThrottle):
    """At most ``num_requests`` per client address (rate from scope ``anon``)."""

    def get_ident(self, request):
        return client_address(request) or "unknown"


class FixedWindowUserThrottle(UserRateThrottle):
    """At most ``num_requests`` per caller per window (rate from scope ``user``)."""

    def allow_request(self, request, view):
        if self.rate is None or not request.user.is_authenticated:
            return True  # anonymous callers are ClientAddressAnonThrottle's
        count, self.wait_seconds = count_in_window(
            f"throttle:{self.scope}:{request.user.pk}", self.duration
        )
        return count <= self.num_requests

    def wait(self):
        return self.wait_seconds
