"""Outgoing webhooks as the Standard Webhooks specification has them.

https://www.standardwebhooks.com: each request carries ``webhook-id`` (the
same on every retry of one message), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` over
``{id}.{timestamp}.{body}``, one per active secret, so a receiver keeps
verifying while secrets rotate. Secrets are ``whsec_`` + base64 of random
bytes. The signing functions are pure; the receiver's own library verifies
what they sign (the tests check with ``standardwebhooks``).

Where a webhook may go: :func:`webhook_url_validate` when an endpoint is
registered, and :func:`webhook_client`, whose connections resolve the host
once, check every address and connect to a checked one (no DNS rebinding
between the check and the connection).

Batched delivery (an endpoint's opt-in): one request carries a JSON array of
messages, each the message's own body with its ``id``
(:func:`webhook_batch_body`); the request's ``webhook-id`` is the batch's
(:func:`webhook_batch_id`) and the signature covers the whole array, so the
stock verifier checks it as it checks one message.
"""

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import random
import re
import secrets as _secrets
import socket
import ssl
import time

import httpcore
import httpx
from django.utils.translation import gettext as _

PREFIX = "whsec_"
WEBHOOK_MAX_ATTEMPTS = 12
# At most this many messages in one batched request.
WEBHOOK_BATCH_MAX = 100


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


# Not globally routable (the IANA special-purpose registries' "globally
# reachable: false" blocks, multicast and the reserved space), checked on top
# of ``ipaddress``'s ``is_global``, which misses some on older Pythons.
_V4_NOT_GLOBAL = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local: cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
# Only global unicast (2000::/3) is sent to: that leaves out ::, ::1, the
# IPv4-compatible ::/96, 64:ff9b:1::/48 (NAT64 local use), 100::/64
# (discard), 5f00::/16, fc00::/7 (unique local), fe80::/10 (link-local),
# fec0::/10 (site-local) and ff00::/8 (multicast). Inside it, these:
_V6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_V6_NOT_GLOBAL = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: IPv4-mapped, NAT64,
    IPv4-compatible, 6to4, and Teredo's server and (de-obfuscated) client."""
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _NAT64 or address in _V4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return []


def webhook_address_refused(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> bool:
    """Whether a webhook must not be sent to ``address``: True unless it, and
    every IPv4 address embedded in it, is globally routable unicast.

    ``::ffff:a.b.c.d`` (IPv4-mapped) and ``64:ff9b::a.b.c.d`` (NAT64, what
    DNS64 answers on IPv6-only networks) are the IPv4 address in IPv6 form
    and judged by it alone. The other embeddings (IPv4-compatible ``::/96``,
    6to4 ``2002::/16``, Teredo ``2001::/32``, NAT64 local use
    ``64:ff9b:1::/48``) are refused whatever they carry: their prefixes are
    deprecated or local, not global unicast.
    """
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(address.packed)  # without a %scope
        if any(webhook_address_refused(inner) for inner in _embedded(address)):
            return True
        if address.ipv4_mapped is not None or address in _NAT64:
            return False
        return (
            address not in _V6_GLOBAL_UNICAST
            or any(address in net for net in _V6_NOT_GLOBAL)
            or not address.is_global
        )
    return (
        any(address in net for net in _V4_NOT_GLOBAL)
        or not address.is_global
        or address.is_multicast
    )


# A host whose last label is a number is an IPv4 address in one of the forms
# inet_aton reads (2130706433, 0177.0.0.1, 127.1, 0x7f.1): WHATWG URL's
# "ends in a number" rule. Read it as the resolver will, not as a name.
_NUMERIC_LAST_LABEL = re.compile(r"(?:[0-9]+|0x[0-9a-f]*)", re.IGNORECASE)
_IPV4_ANY_FORM = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")


def _host_literal(host: str):
    """The address a host names without asking DNS, or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    name = host.rstrip(".")
    if _NUMERIC_LAST_LABEL.fullmatch(name.rpartition(".")[2]):
        if not _IPV4_ANY_FORM.fullmatch(name):
            raise WebhookUrlError(_("This is not a valid URL."))
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            raise WebhookUrlError(_("This is not a valid URL.")) from None
    return None


def _resolve(host: str, port: int) -> list:
    """Every address ``host`` resolves to, each once, in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookUrlError(
            _("The host %(host)s cannot be resolved.") % {"host": host}
        ) from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(i[4][0]) for i in infos))
    if not addresses:
        raise WebhookUrlError(
            _("The host %(host)s cannot be resolved.") % {"host": host}
        )
    return addresses


def _refuse_any(addresses) -> None:
    for address in addresses:
        if webhook_address_refused(address):
            shown = str(address)
            if isinstance(address, ipaddress.IPv6Address) and _embedded(address):
                shown += f" ({', '.join(str(a) for a in _embedded(address))})"
            raise WebhookUrlError(
                _("Webhooks cannot go to the private or local address %(address)s.")
                % {"address": shown}
            )


def webhook_addresses(host: str, port: int, *, allow_private: bool = False) -> list:
    """Resolve ``host`` once and check every address it has; all of them, in
    order, to connect to. One refused address refuses the host (a name that
    answers a public and a private address would otherwise reach the private
    one on some connections)."""
    addresses = _resolve(host, port)
    if not allow_private:
        _refuse_any(addresses)
    return addresses


def webhook_url_validate(
    url: str, *, resolve: bool = True, allow_private: bool = False
) -> str:
    """Refuse a URL a webhook must not be sent to; return it if acceptable.

    HTTPS only, a host, no credentials, and no address that is not globally
    routable (see :func:`webhook_address_refused`): literal addresses in
    every spelling the resolver reads (``2130706433``, ``0177.0.0.1``,
    ``127.1``, ``[64:ff9b::7f00:1]``), local names (``localhost.``,
    ``*.internal``, a name without a dot) and, with ``resolve``, every
    address a name resolves to. The URL is read by the HTTP client's own
    parser, so what is checked is what it connects to. Delivery checks again
    on every connection it opens (:class:`PinnedBackend`): a name may
    resolve elsewhere later. ``allow_private`` (tests and benchmarks only)
    admits plain http and any address.
    """
    try:
        parsed = httpx.URL(url)
        host, port = parsed.host, parsed.port
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise WebhookUrlError(_("This is not a valid URL.")) from exc
    if parsed.scheme != "https" and not (allow_private and parsed.scheme == "http"):
        raise WebhookUrlError(_("Webhook URLs must use https."))
    if not host:
        raise WebhookUrlError(_("The URL has no host."))
    if parsed.userinfo:
        raise WebhookUrlError(_("Put no user name or password in the URL."))
    if port == 0:
        raise WebhookUrlError(_("Port 0 is not a port."))
    if port is not None and not 0 < port < 65536:
        raise WebhookUrlError(_("This is not a valid URL."))
    if allow_private:
        return url
    literal = _host_literal(host)
    if literal is not None:
        _refuse_any([literal])
        return url
    name = host.rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(_LOCAL_SUFFIXES) or "." not in name:
        raise WebhookUrlError(_("Webhooks cannot go to a local host."))
    if resolve:
        webhook_addresses(host, port or 443)
    return url


# --- the HTTP client: connect to the address that was checked --------------


class PinnedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, resolving and checking on connect.

    Each new connection resolves its host once, checks every address
    (:func:`webhook_addresses`) and connects to a checked address itself,
    never to the name: a resolver that answers differently a moment later
    (DNS rebinding) is not asked again. TLS (SNI and the certificate's name)
    and the ``Host`` header still come from the URL. A kept-alive connection
    stays on the address it was opened to, so a burst resolves once per
    connection, not per message.
    """

    def __init__(self, *, allow_private: bool = False):
        self.allow_private = allow_private
        self._tcp = httpcore.SyncBackend()

    def connect_tcp(
        self, host, port, timeout=None, local_address=None, socket_options=None
    ):
        try:
            addresses = webhook_addresses(host, port, allow_private=self.allow_private)
        except WebhookUrlError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for address in addresses:
            try:
                return self._tcp.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("webhooks are sent over TCP only")

    def sleep(self, seconds: float) -> None:
        self._tcp.sleep(seconds)


_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport over a :class:`PinnedBackend` connection pool."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        verify: ssl.SSLContext | bool = True,
    ):
        limits = _LIMITS
        ssl_context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ssl_context, limits=limits)
        # httpx takes no network backend (encode/httpx#3180): the pool it
        # made is replaced by the same pool on ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(allow_private=allow_private),
        )


def webhook_client(
    *,
    timeout: float,
    allow_private: bool = False,
    verify: ssl.SSLContext | bool = True,
) -> httpx.Client:
    """The HTTP client webhooks are sent with: pinned connections, redirects
    not followed (a 3xx is a failed attempt), no proxy or credentials from
    the environment (a proxy would resolve the name itself)."""
    return httpx.Client(
        transport=PinnedTransport(allow_private=allow_private, verify=verify),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


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


def webhook_batch_id(msg_ids: list[str]) -> str:
    """The ``webhook-id`` of a batched request: the same for the same messages
    (a retry of the whole batch), another for any other set."""
    digest = hashlib.sha256("\n".join(msg_ids).encode()).hexdigest()[:32]
    return f"batch_{digest}"


def webhook_batch_body(messages: list[tuple[str, str]]) -> bytes:
    """A batched request's body from ``(msg_id, body)`` pairs, in order: a JSON
    array whose items are each message's body (``type``, ``timestamp``,
    ``data``) with its ``id`` put first; the stored bodies (JSON objects, see
    :func:`webhook_payload`) are spliced, not parsed and written again."""
    items = []
    for msg_id, body in messages:
        inner = body.strip()[1:].lstrip()
        mid = json.dumps(msg_id)
        items.append(f'{{"id":{mid}}}' if inner == "}" else f'{{"id":{mid},{inner}')
    return ("[" + ",".join(items) + "]").encode()
