"""The platform's orders in batches (POST /api/v1/orders/batch/): one result
per order, idempotent per order and per batch, allocated set-based."""

import datetime as dt
import zoneinfo
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfilment.models import Allocation, Order, OrderLine, StockLot, WebhookMessage
from fulfilment.services.notify import ENDPOINTS
from tests.conftest import api_client
from tests.warehouse.test_concurrency import at_once
from warehouse.models import ItemState

from .conftest import certified, certified_lot, order_payload, run_jobs

BATCH = "/api/v1/orders/batch/"


def send(user, orders, **headers):
    return api_client(user).post(BATCH, {"orders": orders}, format="json", **headers)


def written() -> tuple[int, int, int, int]:
    """What the database holds of orders: orders, lines, allocations, units taken."""
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        Allocation.objects.count(),
        sum(StockLot.objects.values_list("allocated", flat=True)),
    )


def stock_order(world, quantity=1, **extra) -> dict:
    return order_payload(
        world, lines=[{"sku": "SERUM-30", "quantity": quantity}], **extra
    )


def test_a_partial_batch_answers_each_order_in_order_and_writes_the_good_ones(
    world, qc
):
    certified_lot(world, quantity=10)
    item = certified(world)
    good = stock_order(world, quantity=2)
    bad_line = order_payload(world, lines=[{"sku": "SERUM-30", "quantity": 0}])
    no_merchant = {**stock_order(world), "merchant": "NOBODY"}
    named = order_payload(world, lines=[{"item_code": item.code}])
    taken = order_payload(world, lines=[{"sku": "SERUM-30"}, {"item_code": item.code}])
    orders = [good, bad_line, no_merchant, named, taken, "not an order"]

    answer = send(world.platform, orders)

    assert answer.status_code == 200, answer.json()
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "refused",
        "refused",
        "created",
        "refused",
        "refused",
    ]
    assert [r["order_id"] for r in results] == [
        good["order_id"],
        bad_line["order_id"],
        no_merchant["order_id"],
        named["order_id"],
        taken["order_id"],
        None,
    ]
    assert answer.json()["counts"] == {"created": 2, "duplicate": 0, "refused": 4}
    assert results[0]["order"]["status"] == "allocated"
    assert results[0]["order"]["lines"][0]["allocated"][0]["quantity"] == 2
    assert results[3]["order"]["lines"][0]["item_code"] == item.code
    # Each refusal as a single POST would give it, named where it is in the batch.
    assert results[1]["error"]["code"] == "invalid"
    assert list(results[1]["error"]["fields"]) == ["orders[1].lines[0].quantity"]
    assert results[1]["http_status"] == 400
    assert results[2]["error"]["code"] == "invalid"
    assert list(results[2]["error"]["fields"]) == ["orders[2].merchant"]
    assert results[4]["error"]["code"] == "item_unavailable"  # taken by orders[3]
    assert results[4]["error"]["fields"] == {
        "orders[4].lines[1].item_code": [item.code]
    }
    assert results[4]["http_status"] == 409
    assert list(results[5]["error"]["fields"]) == ["orders[5]"]
    # Only the good ones were written; the refused ones left nothing.
    assert set(Order.objects.values_list("external_id", flat=True)) == {
        good["order_id"],
        named["order_id"],
    }
    item.refresh_from_db()
    assert item.state == ItemState.ALLOCATED
    # As a single order's: the same history and status.
    order = Order.objects.get(external_id=good["order_id"])
    assert order.status == Order.Status.ALLOCATED
    assert [(h["from"], h["to"]) for h in order.history] == [("open", "allocated")]


def test_a_batch_order_has_the_history_and_messages_of_a_single_one(world, qc):
    from fulfilment.models import WebhookEndpoint

    WebhookEndpoint.objects.create(
        platform=world.platform.platform_account,
        url="https://hooks.example.com/qcw",
        secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )
    certified_lot(world, quantity=10)
    single, batched = stock_order(world, quantity=2), stock_order(world, quantity=2)
    one = api_client(world.platform).post("/api/v1/orders/", single, format="json")
    assert one.status_code == 201
    assert send(world.platform, [batched, stock_order(world)]).status_code == 200

    def told(order_id):
        return [
            m.event_type
            for m in WebhookMessage.objects.order_by("id")
            if f'"order_id":"{order_id}"' in m.body.replace(" ", "")
        ]

    assert told(batched["order_id"]) == told(single["order_id"])
    assert told(single["order_id"])  # the platform was told something
    a, b = (Order.objects.get(external_id=p["order_id"]) for p in (single, batched))
    assert [(h["from"], h["to"]) for h in a.history] == [
        (h["from"], h["to"]) for h in b.history
    ]
    assert a.status == b.status == Order.Status.ALLOCATED


def test_a_batch_repeated_with_its_key_gets_the_same_answer_and_writes_nothing(
    world, qc
):
    certified_lot(world, quantity=10)
    orders = [stock_order(world, quantity=3) for _ in range(3)] + [
        {**stock_order(world), "warehouse": "NOWHERE"}
    ]
    first = send(world.platform, orders, HTTP_IDEMPOTENCY_KEY="batch-1")
    assert first.status_code == 200
    before = written()

    again = send(world.platform, orders, HTTP_IDEMPOTENCY_KEY="batch-1")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert written() == before


def test_the_same_orders_in_a_new_batch_are_duplicates_and_other_content_refused(
    world, qc
):
    certified_lot(world, quantity=10)
    orders = [stock_order(world, quantity=2) for _ in range(3)]
    first = send(world.platform, orders, HTTP_IDEMPOTENCY_KEY="batch-1")
    before = written()
    changed = {**orders[1], "carrier": "sf"}

    again = send(
        world.platform, [orders[0], changed, orders[2]], HTTP_IDEMPOTENCY_KEY="batch-2"
    )

    results = again.json()["results"]
    assert [r["status"] for r in results] == ["duplicate", "refused", "duplicate"]
    assert results[0]["order"] == first.json()["results"][0]["order"]
    assert results[1]["error"]["code"] == "order_id_reused"
    assert results[1]["http_status"] == 409
    assert list(results[1]["error"]["fields"]) == ["orders[1].order_id"]
    assert written() == before


def test_an_order_posted_alone_then_in_a_batch_is_a_duplicate_and_vice_versa(world, qc):
    certified_lot(world, quantity=10)
    alone, batched = stock_order(world, quantity=2), stock_order(world, quantity=2)
    single = api_client(world.platform)
    assert single.post("/api/v1/orders/", alone, format="json").status_code == 201
    answer = send(world.platform, [alone, batched]).json()["results"]
    assert [r["status"] for r in answer] == ["duplicate", "created"]
    assert answer[0]["order"]["order_id"] == alone["order_id"]
    before = written()

    repeat = single.post("/api/v1/orders/", batched, format="json")

    assert repeat.status_code == 200  # a repeat: the stored order
    assert repeat.json() == answer[1]["order"]
    other = single.post(
        "/api/v1/orders/", {**batched, "promise": "same_day"}, format="json"
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "order_id_reused"
    assert written() == before


def test_one_id_twice_in_a_batch_is_created_once(world, qc):
    certified_lot(world, quantity=10)
    order = stock_order(world, quantity=2)
    results = send(world.platform, [order, order, {**order, "carrier": "sf"}]).json()[
        "results"
    ]
    assert [r["status"] for r in results] == ["created", "duplicate", "refused"]
    assert results[1]["order"] == results[0]["order"]
    assert results[2]["error"]["code"] == "order_id_reused"
    assert Order.objects.count() == 1
    assert sum(StockLot.objects.values_list("allocated", flat=True)) == 2


def test_a_batch_takes_stock_first_expiry_first_out_within_shelf_life(world, qc):
    # The lot template asks 180 days of shelf life left: this one has them
    # until today, and the orders leave tomorrow at the earliest.
    today = dt.datetime.now(zoneinfo.ZoneInfo(world.gz.time_zone)).date()
    soon = (today + dt.timedelta(days=180)).isoformat()
    too_short = certified_lot(
        world, quantity=5, expiry_date=soon, production_date="2026-01-01"
    )
    later = certified_lot(world, quantity=5, expiry_date="2029-06-30")
    sooner = certified_lot(world, quantity=3, expiry_date="2028-12-31")
    orders = [stock_order(world, quantity=2) for _ in range(4)]

    results = send(world.platform, orders).json()["results"]

    allocated = [r["order"]["lines"][0]["allocated"] for r in results]
    assert allocated == [
        [{"item": sooner.code, "quantity": 2}],
        [{"item": sooner.code, "quantity": 1}, {"item": later.code, "quantity": 1}],
        [{"item": later.code, "quantity": 2}],
        [{"item": later.code, "quantity": 2}],
    ]
    assert [r["order"]["status"] for r in results] == ["allocated"] * 4
    too_short.stock.refresh_from_db()
    assert too_short.stock.allocated == 0
    # What the answers say is what was stored.
    for result in results:
        stored = api_client(world.platform).get(f"/api/v1/orders/{result['order_id']}/")
        assert stored.json() == result["order"]


def test_a_batch_beyond_the_stock_leaves_the_rest_open_for_a_restock(world, qc):
    certified_lot(world, quantity=3)
    results = send(
        world.platform,
        [stock_order(world, quantity=2)] * 1 + [stock_order(world, quantity=2)],
    ).json()["results"]
    assert [r["order"]["status"] for r in results] == ["allocated", "open"]
    assert results[1]["order"]["lines"][0]["allocated"] == [
        {"item": results[0]["order"]["lines"][0]["allocated"][0]["item"], "quantity": 1}
    ]
    certified_lot(world, quantity=5)
    run_jobs()
    waiting = Order.objects.get(external_id=results[1]["order_id"])
    assert waiting.status == Order.Status.ALLOCATED


@pytest.mark.parametrize(
    "body",
    [
        {"orders": []},
        {"orders": "P-1"},
        {"order": []},
        [],
    ],
    ids=["empty", "not-a-list", "no-orders", "not-an-object"],
)
def test_a_malformed_batch_is_400_and_writes_nothing(world, body):
    answer = api_client(world.platform).post(BATCH, body, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid"
    assert Order.objects.count() == 0


def test_over_a_thousand_orders_is_400_and_writes_nothing(world, qc):
    certified_lot(world, quantity=10)
    order = stock_order(world)
    orders = [{**order, "order_id": f"BIG-{n}"} for n in range(1001)]

    answer = send(world.platform, orders)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid"
    assert "orders" in answer.json()["error"]["fields"]
    assert written()[:3] == (0, 0, 0)


def test_only_the_platform_sends_batches(world, qc):
    answer = send(world.merchant_user, [stock_order(world)])
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "role_cannot_order"
    assert Order.objects.count() == 0


@pytest.mark.parametrize("endpoints", [0, 1], ids=["no-webhooks", "a-webhook"])
def test_a_batch_costs_a_constant_number_of_queries_not_one_per_order(
    world, qc, endpoints
):
    from fulfilment.models import WebhookEndpoint

    certified_lot(world, quantity=500)
    certified_lot(world, quantity=500, expiry_date="2028-12-31")
    for _ in range(endpoints):
        WebhookEndpoint.objects.create(
            platform=world.platform.platform_account,
            url="https://hooks.example.com/qcw",
            secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        )
    ENDPOINTS.clear()

    def queries(count: int) -> int:
        orders = [stock_order(world, quantity=2) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            answer = send(world.platform, orders)
        assert answer.json()["counts"]["created"] == count
        return len(captured)

    queries(2)  # warm the caches (token, reference data)
    five, fifty = queries(5), queries(50)
    assert fifty <= five + 2, (five, fifty)
    assert Order.objects.filter(status=Order.Status.ALLOCATED).count() == 57
    # every order's message was written all the same
    assert WebhookMessage.objects.count() == 57 * endpoints


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_racing_for_the_last_units_never_share_one(world, qc):
    # Two lots whose pk order is not their FEFO order; singles race too.
    later = certified_lot(world, quantity=6, expiry_date="2029-06-30")
    sooner = certified_lot(world, quantity=4, expiry_date="2028-12-31")
    client = api_client(world.platform)
    batches = [[stock_order(world, quantity=2) for _ in range(4)] for _ in "ab"]
    singles = [stock_order(world, quantity=2) for _ in range(2)]

    answers = at_once(
        [partial(client.post, BATCH, {"orders": b}, format="json") for b in batches]
        + [partial(client.post, "/api/v1/orders/", s, format="json") for s in singles]
    )

    assert [a.status_code for a in answers] == [200, 200, 201, 201]
    assert Order.objects.count() == 10
    # 10 units: five orders of 2; the others wait, with what was left.
    assert Order.objects.filter(status=Order.Status.ALLOCATED).count() == 5
    for lot in (later, sooner):
        lot.stock.refresh_from_db()
        given = sum(
            a.quantity for a in Allocation.objects.filter(item=lot, cancelled_at=None)
        )
        assert given == lot.stock.allocated == lot.quantity
    for line in OrderLine.objects.all():
        assert sum(a.quantity for a in line.allocations.all()) <= line.quantity
    for order in Order.objects.filter(status=Order.Status.ALLOCATED):
        assert [(h["from"], h["to"]) for h in order.history] == [("open", "allocated")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_order_sent_alone_and_in_a_batch_at_once_is_created_once(world, qc):
    certified_lot(world, quantity=10)
    client = api_client(world.platform)
    for _ in range(3):
        order = stock_order(world, quantity=2)

        alone, batched = at_once(
            [
                partial(client.post, "/api/v1/orders/", order, format="json"),
                partial(client.post, BATCH, {"orders": [order]}, format="json"),
            ]
        )

        outcome = (alone.status_code, batched.json()["results"][0]["status"])
        assert outcome in {(200, "created"), (201, "duplicate")}, outcome
        stored = Order.objects.get(external_id=order["order_id"])
        assert (
            sum(a.quantity for a in Allocation.objects.filter(line__order=stored)) == 2
        )
