"""Standard Webhooks: signatures a receiver's stock verifier accepts, URL
checks against SSRF, backoff, and delivery to a real receiver."""

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.db import OperationalError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from fulfilment import webhooks
from fulfilment.models import WebhookEndpoint, WebhookMessage
from fulfilment.services import webhook_emit, webhooks_deliver, webhooks_sweep
from fulfilment.webhooks import (
    WebhookUrlError,
    webhook_backoff,
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


@pytest.mark.parametrize(
    "url",
    [
        "http://platform.example.com/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://10.0.0.1/hook",
        "https://192.168.1.1/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://user:pw@platform.example.com/hook",
        "https://localhost/hook",
        "https://platform.example.com:0/hook",
        "ftp://platform.example.com/hook",
        "not a url",
    ],
)
def test_unsafe_urls_are_refused(url):
    with pytest.raises(WebhookUrlError):
        webhook_url_validate(url, resolve=False)


def test_a_public_https_url_is_accepted():
    url = "https://platform.example.com/hooks/qc"
    assert webhook_url_validate(url, resolve=False) == url
    assert webhook_url_validate("https://8.8.8.8/x", resolve=False)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    def resolves_to(*addresses):
        return lambda *a, **k: [(2, 1, 6, "", (a, 443)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", resolves_to("93.184.216.34"))
    assert webhook_url_validate("https://hooks.example.com/x")
    monkeypatch.setattr(socket, "getaddrinfo", resolves_to("93.184.216.34", "10.1.2.3"))
    with pytest.raises(WebhookUrlError, match=r"10\.1\.2\.3"):
        webhook_url_validate("https://hooks.example.com/x")


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    assert webhook_backoff(1, rng=lambda: 1.0) == 60
    assert webhook_backoff(4, rng=lambda: 1.0) == 480
    assert webhook_backoff(30, rng=lambda: 1.0) == 6 * 3600
    assert webhook_backoff(3, rng=lambda: 0.0) == 1.0
    draws = {webhook_backoff(5) for _ in range(50)}
    assert len(draws) > 40 and all(1 <= d <= 960 for d in draws)


# --- delivery ---------------------------------------------------------------------


class Receiver:
    """An HTTP receiver on loopback that verifies with the library, and can be
    told to fail."""

    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[tuple[str, dict]] = []
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                receiver.received.append((self.headers["webhook-id"], payload))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


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
    server.server.shutdown()


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
        "fulfilment.services.notify.job_record",
        side_effect=OperationalError("server closed the connection"),
    ):
        answer = api_client(world.platform).post(
            "/api/v1/orders/", payload, format="json"
        )

    assert answer.status_code == 201, answer.content
    pending = WebhookMessage.objects.filter(state=WebhookMessage.State.PENDING)
    assert pending.exists() and not receiver.received
    assert webhooks_sweep() == 1
    assert {p["type"] for _, p in receiver.received} >= {"order.allocated"}
    assert not pending.exists()
