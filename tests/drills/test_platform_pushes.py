"""Drill: the platform's pushes arrive twice, at once, and out of order.

The platform retries what it is not sure we got (with the same
Idempotency-Key, a new one, or none) and its deliveries race and overtake
each other: an order twice, from two connections at once; a cancellation
twice; a cancellation before its order; the order changed after its
cancellation. On PostgreSQL with real row locks, each ends with one order,
at most one allocation, one webhook per event, and the answers the API
documents (201 new, 200 repeat, 409 other content under the same id).
"""

import json
import uuid
from functools import partial

import pytest

from fulfilment.models import Allocation, HeldForMerchant, Order, WebhookMessage
from tests.conftest import api_client
from tests.fulfilment.conftest import certified, order_payload
from tests.fulfilment.test_webhooks import receiver  # noqa: F401 - a fixture
from tests.warehouse.test_concurrency import at_once
from warehouse.models import ItemEvent, ItemState

pytestmark = [
    pytest.mark.drill,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("receiver"),  # webhooks are recorded and delivered
]

ORDERS = "/api/v1/orders/"
S = ItemState


def _headers(key: str | None) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": key} if key else {}


def push(client, payload: dict, key: str | None = None):
    return client.post(ORDERS, payload, format="json", **_headers(key))


def cancel(client, order_id: str, key: str | None = None):
    url = f"{ORDERS}{order_id}/cancel/"
    return client.post(url, {"reason": "buyer"}, format="json", **_headers(key))


def webhooks(event_type: str, order_id: str) -> int:
    """Messages recorded for the platform telling ``event_type``: one per
    event, however often pushed (an order's events of one transaction are
    one message, listing them in ``data.events``)."""
    messages = WebhookMessage.objects.filter(
        body__contains=f'"order_id":"{order_id}"'
    ).values_list("event_type", "body")
    return sum(
        kind == event_type or event_type in json.loads(body)["data"].get("events", [])
        for kind, body in messages
    )


def in_order(calls):
    return [call() for call in calls]


def assert_one_allocation(item, order_id: str) -> None:
    assert Order.objects.filter(external_id=order_id).count() == 1
    order = Order.objects.get(external_id=order_id)
    assert order.lines.count() == 1
    assert order.status == Order.Status.ALLOCATED
    assert Allocation.objects.filter(item=item).count() == 1
    item.refresh_from_db()
    assert item.state == S.ALLOCATED
    assert ItemEvent.objects.filter(item=item, to_state=S.ALLOCATED).count() == 1
    assert webhooks("order.created", order_id) == 1


PUSHED_TWICE = [
    (run, keys) for run in (in_order, at_once) for keys in ("none", "same", "new")
]


def test_an_order_pushed_twice_is_one_order_with_one_allocation(world, qc):
    """Each way of pushing twice: one after the other and at once, with no
    Idempotency-Key, the same one, a new one for the retry."""
    for run, keys in PUSHED_TWICE:
        item = certified(world)
        payload = order_payload(world, lines=[{"item_code": item.code}])
        key = str(uuid.uuid4())
        pushes = {
            "none": [None, None],
            "same": [key, key],
            "new": [str(uuid.uuid4()), str(uuid.uuid4())],
        }[keys]
        clients = [api_client(world.platform) for _ in pushes]  # two connections

        answers = run(
            [partial(push, c, payload, k) for c, k in zip(clients, pushes, strict=True)]
        )

        way = f"{run.__name__}, keys: {keys}"
        statuses = sorted(a.status_code for a in answers)
        if keys == "same":
            # The repeat gets the first answer or, while the first runs, 409.
            assert statuses in ([201, 201], [201, 409]), (way, statuses)
            if run is in_order:
                assert answers[1].headers["Idempotent-Replayed"] == "true"
            for answer in answers:
                if answer.status_code == 409:
                    code = answer.json()["error"]["code"]
                    assert code == "idempotency_in_progress", way
        else:
            assert statuses == [200, 201], (way, [a.json() for a in answers])
        for answer in answers:
            if answer.status_code in (200, 201):
                assert answer.json()["order_id"] == payload["order_id"], way
                assert answer.json()["status"] == "allocated", way
        assert_one_allocation(item, payload["order_id"])


def test_a_cancellation_pushed_twice_cancels_once(world, qc):
    for run in (in_order, at_once):
        item = certified(world)
        payload = order_payload(world, lines=[{"item_code": item.code}])
        assert push(api_client(world.platform), payload).status_code == 201
        order_id = payload["order_id"]
        clients = [api_client(world.platform) for _ in "ab"]

        answers = run([partial(cancel, c, order_id) for c in clients])

        way = run.__name__
        assert [a.status_code for a in answers] == [200, 200], (way, answers)
        assert {a.json()["status"] for a in answers} == {"cancelled"}, way
        allocation = Allocation.objects.get(item=item)
        assert allocation.cancelled_at is not None
        item.refresh_from_db()
        assert item.state == S.CERTIFIED, way  # given back once, held
        back = ItemEvent.objects.filter(item=item, from_state=S.ALLOCATED)
        assert list(back.values_list("to_state", flat=True)) == [S.CERTIFIED], way
        assert HeldForMerchant.objects.filter(item=item).count() == 1, way
        assert webhooks("order.cancelled", order_id) == 1, way


def test_an_order_changed_after_its_cancellation_is_409_and_stays_cancelled(world, qc):
    item = certified(world)
    platform = api_client(world.platform)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    assert push(platform, payload).status_code == 201
    assert cancel(platform, payload["order_id"]).status_code == 200

    changed = push(platform, {**payload, "carrier": "sf"})
    same = push(platform, payload)

    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "order_id_reused"
    assert same.status_code == 200
    assert same.json()["status"] == "cancelled"
    item.refresh_from_db()
    assert item.state == S.CERTIFIED  # not allocated again
    assert not Allocation.objects.filter(item=item, cancelled_at=None).exists()
    assert webhooks("order.created", payload["order_id"]) == 1
    assert webhooks("order.cancelled", payload["order_id"]) == 1


def test_a_cancellation_that_overtakes_its_order_still_cancels_it(world, qc):
    """The cancellation first, then the order; and both at once."""
    for run in (in_order, at_once):
        item = certified(world)
        payload = order_payload(world, lines=[{"item_code": item.code}])
        order_id = payload["order_id"]
        platform = [api_client(world.platform) for _ in "ab"]

        early, order = run(
            [
                partial(cancel, platform[0], order_id),
                partial(push, platform[1], payload),
            ]
        )

        way = run.__name__
        # 202: recorded ahead of its order; 200: the order came first (at once).
        assert early.status_code in (200, 202), (way, early.json())
        assert early.json()["status"] == "cancelled", way
        assert order.status_code == 201, (way, order.json())
        assert Order.objects.get(external_id=order_id).status == "cancelled", way
        item.refresh_from_db()
        assert item.state == S.CERTIFIED, way  # never leaves for it
        assert not Allocation.objects.filter(item=item, cancelled_at=None).exists()
        assert HeldForMerchant.objects.filter(item=item).count() == 1, way
        again = cancel(platform[0], order_id)
        assert again.status_code == 200, way
        assert again.json()["status"] == "cancelled", way
        repeat = push(platform[1], payload)
        assert repeat.status_code == 200, way
        assert repeat.json()["status"] == "cancelled", way
        assert webhooks("order.created", order_id) == 1, way
        assert webhooks("order.cancelled", order_id) == 1, way
