"""The client's address, as seen through the trusted reverse proxies.

Behind a reverse proxy every request comes from the proxy's address: keyed on
``REMOTE_ADDR``, every visitor would share one throttle budget, and anyone
could lock any user out of sign-in. Each proxy appends the address it was
reached from to ``X-Forwarded-For``; everything left of what the trusted
proxies appended was written by the client and may be anything.

``TRUSTED_PROXY_COUNT`` says how many proxies stand in front of the
application, each appending to the header (nginx's
``$proxy_add_x_forwarded_for`` does). With ``N`` of them the client is the
``N``-th entry from the right: the address the outermost proxy saw. With ``0``
(the default) the header is ignored entirely. The throttles, the sign-in
lock-out (django-axes) and the scan log all take the address from
:func:`client_address`, so they agree on who a visitor is.
"""

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    """``value`` as a normalised IP address (port and brackets removed), or None."""
    value = value.strip()
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:203.0.113.7
    return str(mapped or address)


def client_address(request) -> str | None:
    """The address of the client that sent ``request``.

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` is above 0 and the request
    carries ``X-Forwarded-For``: then the entry the outermost trusted proxy
    appended, or the left-most entry when the header is shorter than the
    number of proxies (every entry was then written by a trusted proxy). An
    entry that is not an IP address falls back to ``REMOTE_ADDR``. None when
    not even that is an address (a unix socket).
    """
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded.strip():
        return remote
    entries = forwarded.split(",")
    chosen = entries[-min(count, len(entries))]
    return _address(chosen) or remote
