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

from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .proxies import client_address


class ClientAddressAnonThrottle(AnonRateThrottle):
    """At most ``num_requests`` per client address (rate from scope ``anon``)."""

    def get_ident(self, request):
        return client_address(request) or "unknown"


class FixedWindowUserThrottle(UserRateThrottle):
    """At most ``num_requests`` per caller per window (rate from scope ``user``)."""

    def allow_request(self, request, view):
        if self.rate is None or not request.user.is_authenticated:
            return True  # anonymous callers are ClientAddressAnonThrottle's
        now = self.timer()
        window = int(now // self.duration)
        key = f"throttle:{self.scope}:{request.user.pk}:{window}"
        try:
            count = cache.incr(key)
        except ValueError:  # first request of the window
            if cache.add(key, 1, timeout=self.duration + 1):
                count = 1
            else:  # another process created it meanwhile
                count = cache.incr(key)
        self.wait_seconds = self.duration - (now % self.duration)
        return count <= self.num_requests

    def wait(self):
        return self.wait_seconds
