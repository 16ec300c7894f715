"""Webhooks in bulk: an order's events of one transaction are one message
(``order.accepted`` carries the allocation), a drain's requests share one
kept-alive connection, and an endpoint may take many events per request
(one signed JSON array, verified with the ``standardwebhooks`` library)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from fulfilment.models import Order, WebhookAttempt, WebhookEndpoint, WebhookMessage
from fulfilment.services import notify, webhook_emit, webhooks_deliver
from fulfilment.services.notify import delivery
from fulfilment.services.stock import order_allocate
from fulfilment.webhooks import (
    WEBHOOK_MAX_ATTEMPTS,
    webhook_batch_body,
    webhook_secret_new,
)
from tests.conftest import api_client
from warehouse.common.jobs import Job

from .conftest import certified, certified_lot, lot_row, order_payload


class Receiver:
    """An HTTP/1.1 receiver on loopback that keeps connections alive, counts
    the connections it accepts, verifies every request with the Standard
    Webhooks library and keeps what it was sent; ``fail_next`` answers 503."""

    def __init__(self, secret: str):
        self.secret = secret
        self.connections = 0
        self.requests: list[tuple[dict, object]] = []  # (headers, verified body)
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                receiver.connections += 1
                super().setup()

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = dict(self.headers)
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    self.send_response(503)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                payload = Webhook(receiver.secret).verify(body, headers)
                receiver.requests.append((headers, payload))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        """Every event received, in order, batched or not."""
        out = []
        for headers, payload in self.requests:
            if isinstance(payload, list):
                out.extend(payload)
            else:
                out.append({"id": headers["webhook-id"], **payload})
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings, world):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    delivery._clients.clear()  # a fresh client: its connections are counted
    secret = webhook_secret_new()
    server = Receiver(secret)
    server.endpoint = WebhookEndpoint.objects.create(
        platform=world.platform.platform_account, url=server.url, secrets=[secret]
    )
    yield server
    server.close()
    delivery._clients.clear()


def batched(receiver) -> WebhookEndpoint:
    receiver.endpoint.batched = True
    receiver.endpoint.save(update_fields=["batched"])
    return receiver.endpoint


def of_order(order_id: str):
    return WebhookMessage.objects.filter(
        body__contains=f'"order_id":"{order_id}"'
    ).order_by("id")


# --- one message per order and transaction ----------------------------------------


def test_an_order_created_and_allocated_at_once_is_one_accepted_message(
    world, qc, receiver
):
    item = certified(world)
    lot = certified_lot(world, quantity=5)
    payload = order_payload(
        world,
        lines=[{"item_code": item.code}, {"sku": lot.sku, "quantity": 3}],
    )

    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")

    assert answer.status_code == 201, answer.content
    [message] = of_order(payload["order_id"])
    assert message.event_type == "order.accepted"
    body = json.loads(message.body)
    assert body["type"] == "order.accepted"
    data = body["data"]
    assert data["order_id"] == payload["order_id"]
    assert data["status"] == "allocated"
    assert data["events"] == ["order.created", "order.allocated"]
    assert data["lines"] == [
        {
            "line": 1,
            "item_code": item.code,
            "sku": item.sku,
            "quantity": 1,
            "allocated": [{"item": item.code, "quantity": 1}],
        },
        {
            "line": 2,
            "item_code": None,
            "sku": lot.sku,
            "quantity": 3,
            "allocated": [{"item": lot.code, "quantity": 3}],  # the lot
        },
    ]
    # the item's own move is its own event
    item_moves = WebhookMessage.objects.filter(
        event_type="item.state_changed", body__contains='"to":"allocated"'
    )
    assert item_moves.count() == 1

    webhooks_deliver(endpoint_id=receiver.endpoint.pk)
    types = [e["type"] for e in receiver.events() if "order_id" in e["data"]]
    assert types.count("order.accepted") == 1
    assert "order.created" not in types and "order.allocated" not in types


def test_an_order_nothing_can_be_allocated_to_stays_order_created(world, receiver):
    payload = order_payload(world, lines=[{"sku": "NOTHING-ON-THE-SHELF"}])

    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")

    assert answer.status_code == 201, answer.content
    [message] = of_order(payload["order_id"])
    assert message.event_type == "order.created"
    data = json.loads(message.body)["data"]
    assert data["status"] == "open" and "events" not in data


def test_an_allocation_in_a_later_transaction_is_its_own_message(world, qc, receiver):
    """Stock that arrives later allocates the waiting order in its own
    transaction: order.allocated, alone, with the allocation."""
    payload = order_payload(world, lines=[{"sku": lot_row()["sku"], "quantity": 2}])
    assert (
        api_client(world.platform)
        .post("/api/v1/orders/", payload, format="json")
        .status_code
        == 201
    )
    order = Order.objects.get(external_id=payload["order_id"])
    lot = certified_lot(world, quantity=4)
    order_allocate(order_id=order.pk)  # whether or not a job did it already

    types = list(of_order(payload["order_id"]).values_list("event_type", flat=True))
    assert types == ["order.created", "order.allocated"]
    data = json.loads(of_order(payload["order_id"]).last().body)["data"]
    assert "events" not in data
    assert data["lines"][0]["allocated"] == [{"item": lot.code, "quantity": 2}]


def test_events_in_separate_transactions_stay_separate_messages(world, receiver):
    order = _order(world)
    with transaction.atomic():
        notify.order_event(order, "order.created")
    with transaction.atomic():
        notify.order_event(order, "order.cancelled")

    types = list(of_order(order.external_id).values_list("event_type", flat=True))
    assert types == ["order.created", "order.cancelled"]


def test_a_rolled_back_savepoint_leaves_no_trace_in_the_message(world, receiver):
    """An event folded in inside a savepoint that rolls back is gone with it;
    the next event of that transaction is then a message of its own."""
    order = _order(world)
    with transaction.atomic():
        notify.order_event(order, "order.created")
        with pytest.raises(RuntimeError), transaction.atomic():
            notify.order_event(order, "order.cancelled")
            raise RuntimeError("the savepoint rolls back")
        notify.order_event(order, "order.allocated")

    messages = list(of_order(order.external_id))
    assert [m.event_type for m in messages] == ["order.created", "order.allocated"]
    assert "order.cancelled" not in messages[0].body
    assert "events" not in json.loads(messages[0].body)["data"]


def test_a_message_written_in_a_rolled_back_savepoint_is_written_again(world, receiver):
    order = _order(world)
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            notify.order_event(order, "order.created")
            raise RuntimeError("the savepoint rolls back")
        notify.order_event(order, "order.cancelled")

    assert list(of_order(order.external_id).values_list("event_type", flat=True)) == [
        "order.cancelled"
    ]


def test_a_parcels_event_folds_into_its_orders_message(world, receiver):
    order = _order(world)
    parcel = order.shipments.create(
        reference="P-FOLD-1",
        kind="order",
        merchant=order.merchant,
        warehouse=order.warehouse,
        recipient={"name": "王小明", "phone": "13800138000", "lines": "1 号"},
        carrier="zto",
        status="labelled",
        tracking_number="ZTO123",
    )
    with transaction.atomic():
        notify.order_event(order, "order.cancelled")
        notify.shipment_event(parcel, "shipment.labelled")

    [message] = of_order(order.external_id)
    data = json.loads(message.body)["data"]
    assert message.event_type == "shipment.labelled"
    assert data["events"] == ["order.cancelled", "shipment.labelled"]
    assert data["parcels"][0]["tracking_number"] == "ZTO123"
    assert data["order_id"] == order.external_id


def test_events_held_together_are_written_in_one_insert(world, receiver):
    """A batch of orders: each order's events still fold into its one
    message, and all the messages are one INSERT."""
    orders = [_order(world) for _ in range(5)]
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        with notify.webhook_events_together():
            for order in orders:
                notify.order_event(order, "order.created")
            for order in orders:
                notify.order_event(order, "order.cancelled")
            assert not WebhookMessage.objects.exists()  # held until the end
        notify.order_event(orders[0], "order.promise_at_risk")  # after: folded

    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('INSERT INTO "fulfilment_webhookmessage"')
    ]
    assert len(inserts) == 1
    for order in orders[1:]:
        [message] = of_order(order.external_id)
        assert message.event_type == "order.cancelled"
        events = json.loads(message.body)["data"]["events"]
        assert events[:2] == ["order.created", "order.cancelled"]
    assert json.loads(of_order(orders[0].external_id).get().body)["data"]["events"] == [
        "order.created",
        "order.cancelled",
        "order.promise_at_risk",
    ]


def test_an_event_held_under_a_rolled_back_savepoint_is_left_out(world, receiver):
    kept, gone = _order(world), _order(world)
    with transaction.atomic(), notify.webhook_events_together():
        notify.order_event(kept, "order.created")
        with pytest.raises(RuntimeError), transaction.atomic():
            notify.order_event(gone, "order.created")
            notify.order_event(kept, "order.cancelled")
            raise RuntimeError("the savepoint rolls back")

    assert list(of_order(kept.external_id).values_list("event_type", flat=True)) == [
        "order.created"
    ]
    assert not of_order(gone.external_id).exists()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_starts_each_endpoints_drain_once(world, settings):
    """However many messages a transaction records, one drain job per
    endpoint is recorded after it commits, and the folded message is there."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    for n in range(2):
        WebhookEndpoint.objects.create(
            platform=world.platform.platform_account,
            url=f"http://127.0.0.1:9/hooks{n}",
            secrets=[webhook_secret_new()],
        )
    notify.ENDPOINTS.clear()
    orders = [_order(world) for _ in range(3)]
    Job.objects.all().delete()
    with transaction.atomic():
        for order in orders:
            notify.order_event(order, "order.created")
            notify.order_event(order, "order.allocated")
        webhook_emit("test.event", {})

    assert WebhookMessage.objects.filter(event_type="order.accepted").count() == 6
    assert WebhookMessage.objects.filter(event_type="test.event").count() == 2
    drains = Job.objects.filter(name="fulfilment.webhooks_deliver")
    assert sorted(j.args["endpoint_id"] for j in drains) == sorted(
        WebhookEndpoint.objects.values_list("pk", flat=True)
    )


# --- delivery -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_default_endpoint_gets_one_message_per_request(receiver):
    for n in range(3):
        webhook_emit("test.event", {"n": n})
    ids = list(WebhookMessage.objects.values_list("msg_id", flat=True))

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 3

    assert len(receiver.requests) == 3
    assert [h["webhook-id"] for h, _ in receiver.requests] == ids
    assert all(isinstance(p, dict) for _, p in receiver.requests)
    assert [p["data"]["n"] for _, p in receiver.requests] == [0, 1, 2]


@pytest.mark.django_db
def test_many_messages_go_over_one_kept_alive_connection(receiver):
    for n in range(25):
        webhook_emit("test.event", {"n": n})
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk, batch=10) == 25
    for n in range(5):  # a later drain in the same process
        webhook_emit("test.event", {"n": 25 + n})
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 5

    assert len(receiver.requests) == 30
    assert receiver.connections == 1


@pytest.mark.django_db
def test_a_batched_endpoint_gets_one_signed_array_its_library_verifies(receiver):
    batched(receiver)
    for n in range(5):
        webhook_emit("test.event", {"n": n})
    messages = list(WebhookMessage.objects.order_by("id"))

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 5

    [(headers, payload)] = receiver.requests  # verified by standardwebhooks
    assert headers["webhook-id"].startswith("batch_")
    assert isinstance(payload, list) and len(payload) == 5
    assert [e["id"] for e in payload] == [m.msg_id for m in messages]
    assert len({e["id"] for e in payload}) == 5
    for event, message in zip(payload, messages, strict=True):
        assert set(event) == {"id", "type", "timestamp", "data"}
        assert {k: v for k, v in event.items() if k != "id"} == json.loads(message.body)
    assert set(WebhookMessage.objects.values_list("state", flat=True)) == {"delivered"}
    assert WebhookAttempt.objects.filter(status_code=204).count() == 5


@pytest.mark.django_db
def test_a_batch_holds_at_most_the_limit(receiver, monkeypatch):
    monkeypatch.setattr(delivery, "WEBHOOK_BATCH_MAX", 2)
    batched(receiver)
    for n in range(5):
        webhook_emit("test.event", {"n": n})

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 5

    assert [len(p) for _, p in receiver.requests] == [2, 2, 1]
    assert [e["data"]["n"] for e in receiver.events()] == [0, 1, 2, 3, 4]
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 3
    assert receiver.connections == 1


@pytest.mark.django_db
def test_a_failed_batch_is_retried_whole_and_delivered_once(receiver):
    batched(receiver)
    for n in range(3):
        webhook_emit("test.event", {"n": n})
    receiver.fail_next = 1

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0

    messages = WebhookMessage.objects.order_by("id")
    assert {(m.state, m.attempts) for m in messages} == {("pending", 1)}
    assert len({m.next_attempt_at for m in messages}) == 1  # retried together
    assert messages[0].next_attempt_at > timezone.now()
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0  # not yet due
    WebhookMessage.objects.update(next_attempt_at=timezone.now())

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 3

    [(_headers, payload)] = receiver.requests
    assert [e["data"]["n"] for e in payload] == [0, 1, 2]
    messages = WebhookMessage.objects.order_by("id")
    assert [e["id"] for e in receiver.events()] == [m.msg_id for m in messages]
    assert {(m.state, m.attempts) for m in messages} == {("delivered", 2)}
    for message in messages:
        assert list(message.log.values_list("status_code", flat=True)) == [503, 204]
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_failed_batch_holds_back_later_messages(receiver, monkeypatch):
    """Events stay in order: what follows a failed batch waits for its retry."""
    monkeypatch.setattr(delivery, "WEBHOOK_BATCH_MAX", 2)
    batched(receiver)
    for n in range(4):
        webhook_emit("test.event", {"n": n})
    receiver.fail_next = 1

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0

    retry_at = {m.next_attempt_at for m in WebhookMessage.objects.all()}
    assert len(retry_at) == 1
    assert list(
        WebhookMessage.objects.order_by("id").values_list("attempts", flat=True)
    ) == [1, 1, 0, 0]


@pytest.mark.django_db
def test_a_batch_failing_its_last_attempt_gives_up_on_its_messages(receiver):
    batched(receiver)
    for n in range(2):
        webhook_emit("test.event", {"n": n})
    WebhookMessage.objects.update(attempts=WEBHOOK_MAX_ATTEMPTS - 1)
    receiver.fail_next = 1

    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0

    assert set(WebhookMessage.objects.values_list("state", "attempts")) == {
        ("failed", WEBHOOK_MAX_ATTEMPTS)
    }
    assert webhooks_deliver(endpoint_id=receiver.endpoint.pk) == 0
    assert not receiver.requests


def test_the_batch_body_splices_each_stored_body_with_its_id():
    body = webhook_batch_body(
        [("msg_a", '{"data":{"n":1},"timestamp":"t","type":"x"}'), ("msg_b", "{}")]
    )
    assert json.loads(body) == [
        {"id": "msg_a", "data": {"n": 1}, "timestamp": "t", "type": "x"},
        {"id": "msg_b"},
    ]


# --- the endpoint's setting ---------------------------------------------------------


@pytest.mark.django_db
def test_the_platform_sets_batched_delivery_through_the_api(world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    client = api_client(world.platform)
    created = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://8.8.8.8/hooks", "batched": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["batched"] is True
    url = f"/api/v1/webhook-endpoints/{created.json()['id']}/"

    changed = client.patch(url, {"batched": False}, format="json")

    assert changed.status_code == 200, changed.content
    assert changed.json()["batched"] is False
    assert client.get(url).json()["batched"] is False
    assert WebhookEndpoint.objects.get().batched is False
    default = client.post(
        "/api/v1/webhook-endpoints/", {"url": "https://8.8.4.4/hooks"}, format="json"
    )
    assert default.json()["batched"] is False
    refused = client.patch(url, {"batched": "sometimes"}, format="json")
    assert refused.status_code == 400
    assert api_client(world.merchant_user).patch(
        url, {"batched": True}
    ).status_code in (
        403,
        404,
    )


def test_an_admin_sets_batched_delivery(world, client):
    endpoint = WebhookEndpoint.objects.create(
        platform=world.platform.platform_account, url="https://8.8.8.8/hooks"
    )
    client.force_login(world.admin)
    url = f"/admin/fulfilment/webhookendpoint/{endpoint.pk}/change/"
    now = timezone.localtime()

    answer = client.post(
        url,
        {
            "is_active": "on",
            "batched": "on",
            "created_at_0": now.strftime("%Y-%m-%d"),
            "created_at_1": now.strftime("%H:%M:%S"),
        },
    )

    assert answer.status_code == 302, answer.content[:2000]
    endpoint.refresh_from_db()
    assert endpoint.batched is True


# --- helpers ------------------------------------------------------------------------


def _order(world) -> Order:
    """An open order, written without telling anyone."""
    payload = order_payload(world, lines=[{"sku": "QUIET-SKU"}])
    with notify_off():
        answer = api_client(world.platform).post(
            "/api/v1/orders/", payload, format="json"
        )
    assert answer.status_code == 201, answer.content
    return Order.objects.get(external_id=payload["order_id"])


class notify_off:
    """Endpoints off while an order is written (its own messages aside)."""

    def __enter__(self):
        self.active = list(
            WebhookEndpoint.objects.filter(is_active=True).values_list("pk", flat=True)
        )
        WebhookEndpoint.objects.filter(pk__in=self.active).update(is_active=False)
        notify.ENDPOINTS.clear()

    def __exit__(self, *exc):
        WebhookEndpoint.objects.filter(pk__in=self.active).update(is_active=True)
        notify.ENDPOINTS.clear()


@pytest.mark.django_db(transaction=True)
def test_a_message_committed_as_a_drain_ends_is_delivered_without_the_sweep(
    receiver, monkeypatch
):
    """A message that comes after the drain's last look, while its job still
    holds the key (so its own kick records nothing), is found by the look the
    drain takes after freeing the key, and a drain of its own delivers it."""
    drain_end = delivery._drain_end
    late: list = []

    def message_just_before_the_end(endpoint_id):
        if not late:
            late.append(webhook_emit("test.event", {"n": "late"}))
            assert Job.objects.filter(state="pending").count() == 1  # the drain's
        drain_end(endpoint_id)

    monkeypatch.setattr(delivery, "_drain_end", message_just_before_the_end)
    webhook_emit("test.event", {"n": "first"})  # its commit starts the drain

    assert [e["data"]["n"] for e in receiver.events()] == ["first", "late"]
    assert not WebhookMessage.objects.exclude(state="delivered").exists()
    assert Job.objects.filter(name="fulfilment.webhooks_deliver").count() == 2
