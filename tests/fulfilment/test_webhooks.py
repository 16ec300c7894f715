"""Standard Webhooks: signatures a receiver's stock verifier accepts, URL
checks against SSRF, backoff, and delivery to a real receiver."""

import datetime as dt
import ipaddress
import json
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import httpcore
import httpx
import pytest
from django.core import checks
from django.db import OperationalError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from fulfilment import webhooks
from fulfilment.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from fulfilment.services import webhook_emit, webhooks_deliver, webhooks_sweep
from fulfilment.webhooks import (
    PinnedBackend,
    WebhookUrlError,
    webhook_backoff,
    webhook_client,
    webhook_headers,
    webhook_payload,
    webhook_secret_new,
    webhook_url_validate,
    webhook_verify,
)
from tests.conftest import api_client

from .conftest import certified, order_payload

BODY = webhook_payload(
    "item.state_changed",
    {"item": "Q1234567890X", "to": "released"},
    at=dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC),
)


def signed(secrets, msg_id="msg_1", timestamp=None):
    timestamp = timestamp or int(dt.datetime.now(dt.UTC).timestamp())
    return webhook_headers(
        secrets=secrets, msg_id=msg_id, timestamp=timestamp, body=BODY
    )


def test_the_standard_webhooks_library_verifies_our_signature():
    secret = webhook_secret_new()
    headers = signed([secret])
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    webhook_verify(secret=secret, headers=headers, body=BODY)


def test_during_a_rotation_both_secrets_verify():
    new, old = webhook_secret_new(), webhook_secret_new()
    headers = signed([new, old])
    assert len(headers["webhook-signature"].split()) == 2
    for secret in (new, old):
        Webhook(secret).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook_secret_new()).verify(BODY, headers)


@pytest.mark.parametrize("tamper", ["body", "id", "timestamp"])
def test_tampering_fails_verification(tamper):
    secret = webhook_secret_new()
    headers = signed([secret])
    body = BODY
    if tamper == "body":
        body = BODY.replace(b"released", b"returned")
    elif tamper == "id":
        headers["webhook-id"] = "msg_2"
    else:
        headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) + 1)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhook_verify(secret=secret, headers=headers, body=body)


def test_an_old_timestamp_is_refused():
    secret = webhook_secret_new()
    headers = signed([secret], timestamp=1_700_000_000)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhook_verify(secret=secret, headers=headers, body=BODY)


def test_the_body_is_the_same_bytes_every_time():
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    one = webhook_payload("x", {"b": 1, "a": "中"}, at=at)
    assert one == webhook_payload("x", {"a": "中", "b": 1}, at=at)
    assert json.loads(one)["timestamp"] == "2026-01-01T00:00:00Z"


# --- where a webhook may go -------------------------------------------------------

# Not globally routable, in every form an address can take: the plain blocks,
# then IPv4 inside IPv6 (mapped, compatible, NAT64, 6to4, Teredo).
REFUSED_ADDRESSES = [
    pytest.param(address, id=f"{why}:{address}")
    for why, addresses in {
        "loopback": ["127.0.0.1", "127.255.255.254", "::1"],
        "private": ["10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1", "fd12::1"],
        "link-local": ["169.254.169.254", "fe80::1"],
        "site-local": ["fec0::1"],
        "cgnat": ["100.64.0.1", "100.127.255.254"],
        "this-network": ["0.0.0.0", "0.1.2.3", "::"],  # noqa: S104
        "ietf-protocol": ["192.0.0.8", "2001:2::1", "2001:20::1"],
        "documentation": [
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "2001:db8::1",
            "3fff::1",
        ],
        "benchmarking": ["198.18.0.1", "198.19.255.254"],
        "6to4-relay": ["192.88.99.1"],
        "multicast": ["224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1"],
        "reserved": ["240.0.0.1", "255.255.255.255", "5f00::1", "4000::1"],
        "discard-only": ["100::1"],
        "ipv4-mapped": [
            "::ffff:127.0.0.1",
            "::ffff:7f00:1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
        ],
        # deprecated (RFC 4291): refused whatever it carries
        "ipv4-compatible": ["::127.0.0.1", "::10.0.0.1", "::8.8.8.8"],
        "nat64": [
            "64:ff9b::7f00:1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::a00:1",
            "64:ff9b::c0a8:101",
        ],
        # local use (RFC 8215): refused whatever it carries
        "nat64-local": [
            "64:ff9b:1::7f00:1",
            "64:ff9b:1:7f:0:1::",
            "64:ff9b:1::808:808",
        ],
        "6to4": ["2002:7f00:1::1", "2002:a9fe:a9fe::", "2002:c0a8:101::1"],
        "6to4-public": ["2002:808:808::1"],  # deprecated (RFC 7526)
        # server 8.8.8.8 / client 127.0.0.1 (obfuscated 80ff:fffe); server 10.0.0.1
        # / client 8.8.8.8; both public (Teredo is not global unicast)
        "teredo": [
            "2001:0:808:808:8000:63bf:80ff:fffe",
            "2001:0:a00:1:8000:63bf:f7f7:f7f7",
            "2001:0:808:808:8000:63bf:f7f7:f7f7",
        ],
    }.items()
    for address in addresses
]
ACCEPTED_ADDRESSES = [
    "8.8.8.8",
    "93.184.216.34",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",  # IPv4-mapped public address
    "64:ff9b::808:808",  # DNS64's answer for 8.8.8.8 on an IPv6-only network
]


def literal(address: str, path="/hook") -> str:
    return (
        f"https://[{address}]{path}" if ":" in address else f"https://{address}{path}"
    )


def resolves_to(*addresses, port=443):
    def getaddrinfo(host, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, 1, 6, "", (a, port))
            for a in addresses
        ]

    return getaddrinfo


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_an_address_literal_that_is_not_global_is_refused(address):
    with pytest.raises(WebhookUrlError) as refused:
        webhook_url_validate(literal(address), resolve=False)
    assert str(ipaddress.ip_address(address)) in str(refused.value)


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_a_name_resolving_to_an_address_that_is_not_global_is_refused(
    address, monkeypatch
):
    """At registration, and again when delivery opens a connection: then
    nothing is connected to."""
    monkeypatch.setattr(socket, "getaddrinfo", resolves_to("93.184.216.34", address))
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))

    with pytest.raises(WebhookUrlError, match=re.escape(str(ip(address)))):
        webhook_url_validate("https://hooks.example.com/x")
    with pytest.raises(httpcore.ConnectError, match=re.escape(str(ip(address)))):
        PinnedBackend().connect_tcp("hooks.example.com", 443)
    assert connects == []


def ip(address):
    return ipaddress.ip_address(address)


@pytest.mark.parametrize("address", ACCEPTED_ADDRESSES)
def test_a_global_address_is_accepted_as_a_literal_and_as_an_answer(
    address, monkeypatch
):
    assert webhook_url_validate(literal(address), resolve=False) == literal(address)
    monkeypatch.setattr(socket, "getaddrinfo", resolves_to(address))
    assert webhook_url_validate("https://hooks.example.com/x")


@pytest.mark.parametrize(
    "url",
    [
        "https://platform.example.com/hooks/qc",
        "https://Platform.Example.COM:8443/hooks",
        "https://platform.example.com./hooks",  # a fully qualified name
        "https://2130706433.example.com/hooks",  # a name that starts with digits
    ],
)
def test_a_public_https_url_is_accepted(url):
    assert webhook_url_validate(url, resolve=False) == url


@pytest.mark.parametrize(
    "url",
    [
        # the same loopback address as the resolver reads it, not as a string
        "https://2130706433/hook",
        "https://0x7f000001/hook",
        "https://017700000001/hook",
        "https://0177.0.0.1/hook",
        "https://127.1/hook",
        "https://0x7f.1/hook",
        "https://127.0.0.1./hook",
        "https://[::ffff:127.0.0.1]:8443/hook",
        "https://[64:ff9b::7f00:1]:443/hook",
        "https://[fe80::1%25eth0]/hook",
        "https://1.2.3.4.5/hook",
        # local names
        "https://localhost/hook",
        "https://localhost./hook",
        "https://LOCALHOST/hook",
        "https://localhost.localdomain/hook",
        "https://api.localhost/hook",
        "https://printer.local/hook",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://router.home.arpa/hook",
        "https://intranet/hook",
        "https://ｌｏｃａｌｈｏｓｔ/hook",  # noqa: RUF001 - full-width
        # not an https URL to a host
        "http://platform.example.com/hook",
        "ftp://platform.example.com/hook",
        "https://user:pw@platform.example.com/hook",
        "https://platform.example.com:0/hook",
        "https://platform.example.com:99999/hook",
        "https:///hook",
        "not a url",
    ],
)
def test_unsafe_urls_are_refused(url):
    with pytest.raises(WebhookUrlError):
        webhook_url_validate(url, resolve=False)


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0177.0.0.1", "127.1", "0x7f.1", "::ffff:127.0.0.1", "localhost"],
)
def test_a_connection_checks_what_the_resolver_makes_of_the_host(host, monkeypatch):
    """Whatever spelling slips past the URL check, the address is checked."""
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))
    with pytest.raises(httpcore.ConnectError, match=r"127\.0\.0\.1|::1"):
        PinnedBackend().connect_tcp(host, 443)
    assert connects == []


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolves_to("93.184.216.34"))
    assert webhook_url_validate("https://hooks.example.com/x")
    monkeypatch.setattr(socket, "getaddrinfo", resolves_to("93.184.216.34", "10.1.2.3"))
    with pytest.raises(WebhookUrlError, match=r"10\.1\.2\.3"):
        webhook_url_validate("https://hooks.example.com/x")


def test_the_allowance_for_a_local_receiver_fails_the_deploy_check(settings):
    def deploy_errors():
        return {
            message.id
            for message in checks.run_checks(include_deployment_checks=True)
            if message.id.startswith("fulfilment.")
        }

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert deploy_errors() == set()
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    assert deploy_errors() == {"fulfilment.E001"}


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    assert webhook_backoff(1, rng=lambda: 1.0) == 60
    assert webhook_backoff(4, rng=lambda: 1.0) == 480
    assert webhook_backoff(30, rng=lambda: 1.0) == 6 * 3600
    assert webhook_backoff(3, rng=lambda: 0.0) == 1.0
    draws = {webhook_backoff(5) for _ in range(50)}
    assert len(draws) > 40 and all(1 <= d <= 960 for d in draws)


# --- delivery ---------------------------------------------------------------------


TLS_PEM = Path(__file__).with_name("webhook_receiver.pem")  # hooks.example.test


class Receiver:
    """An HTTP/1.1 receiver on loopback (keep-alive, as real ones) that
    verifies with the library, notes each request's Host and each TLS
    handshake's SNI, and can be told to fail or to redirect."""

    def __init__(self, secret: str, *, tls: bool = False):
        self.secret = secret
        self.received: list[tuple[str, dict]] = []
        self.hosts: list[str] = []
        self.sni: list[str | None] = []
        self.fail_next = 0
        self.redirect_to = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.hosts.append(self.headers["host"])
                if receiver.fail_next or receiver.redirect_to:
                    receiver.fail_next = max(0, receiver.fail_next - 1)
                    self.send_response(307 if receiver.redirect_to else 503)
                    if receiver.redirect_to:
                        self.send_header("location", receiver.redirect_to)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                receiver.received.append((self.headers["webhook-id"], payload))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(TLS_PEM)
            context.sni_callback = lambda conn, name, ctx: self.sni.append(name)
            self.server.socket = context.wrap_socket(
                self.server.socket, server_side=True
            )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings, world):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    secret = webhook_secret_new()
    server = Receiver(secret)
    endpoint = WebhookEndpoint.objects.create(
        platform=world.platform.platform_account, url=server.url, secrets=[secret]
    )
    server.endpoint = endpoint
    yield server
    server.close()


class Network:
    """The resolver and the connections, watched: what each name was asked
    for and answered, and every address a socket was opened to. A name not
    in ``answers`` goes to the real resolver; ``unreachable`` addresses
    refuse connections (tests reach no outside network)."""

    def __init__(self, monkeypatch, answers: dict, unreachable=()):
        self.answers, self.unreachable = answers, set(unreachable)
        self.lookups: list[tuple[str, str]] = []
        self.connects: list[str] = []
        self._getaddrinfo = socket.getaddrinfo
        self._create_connection = socket.create_connection
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", self.create_connection)

    def getaddrinfo(self, host, port, *args, **kwargs):
        if host not in self.answers:
            return self._getaddrinfo(host, port, *args, **kwargs)
        answer = self.answers[host]
        address = answer(len(self.lookups)) if callable(answer) else answer
        self.lookups.append((host, address))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def create_connection(self, address, *args, **kwargs):
        self.connects.append(address[0])
        if address[0] in self.unreachable:
            raise ConnectionRefusedError(f"{address[0]} is out of reach in tests")
        return self._create_connection(address, *args, **kwargs)


@pytest.mark.django_db
def test_delivery_connects_to_the_address_it_resolved_with_the_original_host(
    receiver, monkeypatch
):
    """The name is resolved once for the connection, the socket is opened to
    that address (not to the name, which a resolver may answer differently
    a moment later), the request still names the host, and the kept-alive
    connection carries the whole drain."""
    host = "hooks.example.test"
    net = Network(monkeypatch, {host: "127.0.0.1"})
    receiver.endpoint.url = f"http://{host}:{receiver.port}/hooks"
    receiver.endpoint.save()
    for n in range(3):
        webhook_emit("test.event", {"n": n})

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 3

    assert [p["data"]["n"] for _, p in receiver.received] == [0, 1, 2]
    assert receiver.hosts == [f"{host}:{receiver.port}"] * 3
    assert net.lookups == [(host, "127.0.0.1")]
    assert net.connects == ["127.0.0.1"]


@pytest.mark.django_db
@pytest.mark.parametrize("honest_answers", [1, 2])
def test_a_name_rebound_to_loopback_after_its_check_is_never_connected_to(
    world, settings, monkeypatch, honest_answers
):
    """DNS rebinding: the attacker's resolver answers a public address to the
    first lookups (registration, any later check) and 127.0.0.1 after.
    Whenever the switch comes, the address a socket opens to is one that
    was checked, so the receiver on loopback hears nothing."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    public = "93.184.216.34"
    host = "rebind.example.com"
    net = Network(
        monkeypatch,
        {host: lambda n: public if n < honest_answers else "127.0.0.1"},
        unreachable=[public],
    )
    created = api_client(world.platform).post(
        "/api/v1/webhook-endpoints/",
        {"url": f"https://{host}:{port}/hooks"},
        format="json",
    )
    assert created.status_code == 201, created.content
    webhook_emit("test.event", {"n": 1})

    assert webhooks_deliver(endpoint_id=created.json()["id"]) == 0

    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "ConnectError" in attempt.error
    if honest_answers == 1:  # the connection's own lookup answered loopback
        assert net.connects == [] and "127.0.0.1" in attempt.error
    else:  # it answered the public address: that is where the socket went
        assert net.connects == [public]


@pytest.mark.django_db
def test_a_redirect_is_not_followed(receiver, monkeypatch):
    """A 3xx is a failed attempt, retried later; its Location is never
    connected to (it was not checked)."""
    elsewhere = socket.create_server(("127.0.0.1", 0))
    elsewhere.setblocking(False)
    receiver.redirect_to = f"http://127.0.0.1:{elsewhere.getsockname()[1]}/steal"
    net = Network(monkeypatch, {})
    webhook_emit("test.event", {"n": 1})

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0

    with pytest.raises(BlockingIOError):
        elsewhere.accept()
    elsewhere.close()
    assert net.connects == ["127.0.0.1"]
    message = WebhookMessage.objects.get()
    assert message.state == "pending" and message.attempts == 1
    assert list(message.log.values_list("status_code", flat=True)) == [307]


def test_tls_is_checked_for_the_host_named_in_the_url(monkeypatch):
    """The socket goes to the resolved address; SNI and the certificate's
    name are the URL's host: a certificate for another name fails, though
    the address is the same."""
    server = Receiver(webhook_secret_new(), tls=True)
    trust = ssl.create_default_context(cafile=TLS_PEM)
    client = webhook_client(timeout=5, allow_private=True, verify=trust)
    net = Network(
        monkeypatch,
        {"hooks.example.test": "127.0.0.1", "other.example.test": "127.0.0.1"},
    )
    body = webhook_payload("test.event", {}, at=dt.datetime.now(dt.UTC))
    headers = webhook_headers(
        secrets=[server.secret],
        msg_id="msg_tls",
        timestamp=int(dt.datetime.now(dt.UTC).timestamp()),
        body=body,
    )
    try:
        answer = client.post(
            f"https://hooks.example.test:{server.port}/hooks",
            content=body,
            headers=headers,
        )
        assert answer.status_code == 204
        assert server.sni == ["hooks.example.test"]
        assert server.hosts == [f"hooks.example.test:{server.port}"]
        assert net.connects == ["127.0.0.1"]

        with pytest.raises(httpx.ConnectError, match="certificate"):
            client.post(
                f"https://other.example.test:{server.port}/hooks",
                content=body,
                headers=headers,
            )
        assert server.sni[1:] == ["other.example.test"]
        assert len(server.received) == 1
    finally:
        client.close()
        server.close()


@pytest.mark.django_db
def test_messages_reach_the_receiver_in_order_with_a_log(receiver):
    for n in range(3):
        webhook_emit("test.event", {"n": n})
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 3
    assert [p["data"]["n"] for _, p in receiver.received] == [0, 1, 2]
    message = WebhookMessage.objects.first()
    assert message.state == "delivered"
    assert list(message.log.values_list("status_code", flat=True)) == [204]


@pytest.mark.django_db
def test_a_failed_delivery_is_retried_later_with_the_same_id(receiver):
    webhook_emit("test.event", {"n": 1})
    receiver.fail_next = 1
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0
    message = WebhookMessage.objects.get()
    assert message.state == "pending" and message.attempts == 1
    assert message.next_attempt_at > message.created_at
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0  # not yet due
    WebhookMessage.objects.update(next_attempt_at=message.created_at)
    assert webhooks_sweep() == 1
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 1
    assert [mid for mid, _ in receiver.received] == [message.msg_id]
    assert list(message.log.values_list("status_code", flat=True)) == [503, 204]


@pytest.mark.django_db
def test_platform_registers_and_rotates_an_endpoint_through_the_api(world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    client = api_client(world.platform)
    refused = client.post(
        "/api/v1/webhook-endpoints/", {"url": "https://10.0.0.5/x"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_url"
    created = client.post(
        "/api/v1/webhook-endpoints/", {"url": "https://8.8.8.8/hooks"}, format="json"
    )
    assert created.status_code == 201
    first = created.json()["secret"]
    assert first.startswith("whsec_")
    rotated = client.post(
        f"/api/v1/webhook-endpoints/{created.json()['id']}/rotate/", format="json"
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secrets == [rotated.json()["secret"], first]
    assert (
        api_client(world.merchant_user).get("/api/v1/webhook-endpoints/").status_code
        == 403
    )


def test_an_endpoint_is_deactivated_in_the_admin_never_deleted(world, client):
    """Processes cache the active endpoints; a deleted one would break their writes."""
    endpoint = WebhookEndpoint.objects.create(
        platform=world.platform.platform_account, url="https://8.8.8.8/hooks"
    )
    client.force_login(world.admin)
    url = f"/admin/fulfilment/webhookendpoint/{endpoint.pk}/delete/"

    assert client.post(url, {"post": "yes"}).status_code == 403
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_order_is_answered_when_kicking_its_webhook_drain_fails(receiver, world, qc):
    """The order and its messages commit together; the drain is started after
    the commit. Losing that kick must not turn a saved order into an error
    answer (the platform would send it again); the sweep delivers later."""
    item = certified(world)
    webhooks_deliver(endpoint_id=receiver.endpoint.pk)  # what came before
    receiver.received.clear()
    payload = order_payload(world, lines=[{"item_code": item.code}])

    with mock.patch(
        "fulfilment.services.notify.delivery.job_record",
        side_effect=OperationalError("server closed the connection"),
    ):
        answer = api_client(world.platform).post(
            "/api/v1/orders/", payload, format="json"
        )

    assert answer.status_code == 201, answer.content
    pending = WebhookMessage.objects.filter(state=WebhookMessage.State.PENDING)
    assert pending.exists() and not receiver.received
    assert webhooks_sweep() == 1
    # created and allocated in the order's transaction: one message
    assert {p["type"] for _, p in receiver.received} >= {"order.accepted"}
    assert not pending.exists()
