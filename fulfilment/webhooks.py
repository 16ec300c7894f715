"""Outgoing webhooks as the Standard Webhooks specification has them.

https://www.standardwebhooks.com: each request carries ``webhook-id`` (the
same on every retry of one message), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` over
``{id}.{timestamp}.{body}``, one per active secret, so a receiver keeps
verifying while secrets rotate. Secrets are ``whsec_`` + base64 of random
bytes. Pure functions; the receiver's own library verifies what these sign
(the tests check with ``standardwebhooks``).
"""

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import random
import secrets as _secrets
import socket
import time
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

PREFIX = "whsec_"
WEBHOOK_MAX_ATTEMPTS = 12


class WebhookVerificationError(Exception):
    pass


class WebhookUrlError(ValueError):
    pass


def webhook_secret_new() -> str:
    return PREFIX + base64.b64encode(_secrets.token_bytes(32)).decode()


def _secret_bytes(secret: str) -> bytes:
    raw = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ValueError("malformed webhook secret") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError("webhook secret must hold 24 to 64 bytes")
    return key


def _signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_sign(
    *, secrets: list[str], msg_id: str, timestamp: int, body: bytes
) -> str:
    """The ``webhook-signature`` value: one ``v1,`` signature per secret."""
    if not secrets:
        raise ValueError("an endpoint needs at least one secret")
    return " ".join(f"v1,{_signature(s, msg_id, timestamp, body)}" for s in secrets)


def webhook_headers(
    *, secrets: list[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhook_sign(
            secrets=secrets, msg_id=msg_id, timestamp=timestamp, body=body
        ),
        "content-type": "application/json",
    }


def webhook_verify(
    *,
    secret: str,
    headers: dict,
    body: bytes,
    now: float | None = None,
    tolerance: int = 300,
) -> None:
    """Check a received message as a receiver would; raise if not genuine."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lower["webhook-id"]
        timestamp = int(lower["webhook-timestamp"])
        signatures = lower["webhook-signature"].split()
    except (KeyError, ValueError) as exc:
        raise WebhookVerificationError("missing or malformed headers") from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise WebhookVerificationError("timestamp outside the tolerance")
    expected = _signature(secret, msg_id, timestamp, body)
    for item in signatures:
        version, _sep, value = item.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise WebhookVerificationError("no matching signature")


def _address_refused(address: ipaddress._BaseAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return _address_refused(embedded)
    return not address.is_global or address.is_multicast


def webhook_url_validate(
    url: str, *, resolve: bool = True, allow_private: bool = False
) -> str:
    """Refuse a URL a webhook must not be sent to; return it if acceptable.

    HTTPS only, a host name, no credentials, and no address that is not
    publicly routable (loopback, private, link-local such as cloud metadata,
    multicast, reserved, unspecified, and IPv4 hidden in IPv6). With
    ``resolve`` the host is looked up and every address it has is checked.
    ``allow_private`` (tests and benchmarks only) admits plain http on any
    address.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlError(_("This is not a valid URL.")) from exc
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise WebhookUrlError(_("Webhook URLs must use https."))
    if not parts.hostname:
        raise WebhookUrlError(_("The URL has no host."))
    if parts.username or parts.password:
        raise WebhookUrlError(_("Put no user name or password in the URL."))
    if port == 0:
        raise WebhookUrlError(_("Port 0 is not a port."))
    host = parts.hostname
    if allow_private:
        return url
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = []
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise WebhookUrlError(_("Webhooks cannot go to a local host.")) from None
        if resolve:
            try:
                infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
            except OSError as exc:
                raise WebhookUrlError(
                    _("The host %(host)s cannot be resolved.") % {"host": host}
                ) from exc
            addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if _address_refused(address):
            raise WebhookUrlError(
                _("Webhooks cannot go to the private or local address %(address)s.")
                % {"address": address}
            )
    return url


def webhook_backoff(
    attempt: int, *, base: float = 30.0, cap: float = 6 * 3600.0, rng=random.random
) -> float:
    """Seconds before retry ``attempt``: exponential with full jitter, >= 1 s."""
    return max(1.0, rng() * min(cap, base * 2 ** max(0, attempt)))


def webhook_payload(event_type: str, data: dict, *, at: dt.datetime) -> bytes:
    """The message body: compact JSON, sorted keys (same bytes every time)."""
    return json.dumps(
        {
            "type": event_type,
            "timestamp": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode()
