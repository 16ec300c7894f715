"""Pinned query counts: the scan and item paths cost the same on any amount of data.

Each count is exact, so that a regression (an N+1, a lost ``select_related``)
fails here. The counts are per request under the test's transaction, where an
inner ``atomic()`` adds a SAVEPOINT and a RELEASE (the receive path).

- scan lookup by item code: token+user, item, scan-log insert.
- scan lookup by serial: token+user, tag, item, scan-log insert.
- scan receive: token+user, item, SAVEPOINT, item FOR UPDATE, the
  fulfilment guard (is the order-first item's order cancelled?), item update,
  event insert, notice progress update, scan-log insert, RELEASE.
- item detail: token+user, item (with merchant, category, warehouse, location,
  notice), its events (with actor and station), its tags, its current
  certificate.
- item list: token+user, count, one page.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfilment.services import webhook_emit
from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.codes import item_code_new
from warehouse.models import Item, ItemEvent

# A warm station scan: its token is cached (warehouse.common.auth), so a lookup is
# the item read and the scan-log insert.
LOOKUP_QUERIES = 2
LOOKUP_BY_SERIAL_QUERIES = 3
# begin, lock-read, cancelled-order guard, update, event, notice, log, commit
RECEIVE_QUERIES = 8
DETAIL_QUERIES = 5
LIST_QUERIES = 3
# Stations are resolved in the token query; other roles cost one more
# (merchant membership), the platform two (no membership, then its account).
ROLE_QUERIES = {"station": 0, "merchant_user": 1, "platform": 2}


def crowd(world, count: int) -> None:
    """``count`` other items (and an event each) in both warehouses."""
    now = timezone.now()
    notices = [
        f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        f.NoticeFactory(merchant=world.merchant2, warehouse=world.gz),
        f.NoticeFactory(merchant=world.merchant, warehouse=world.sih),
    ]
    made = Item.objects.bulk_create(
        [
            Item(
                code=item_code_new(),
                merchant_id=notice.merchant_id,
                warehouse_id=notice.warehouse_id,
                notice=notice,
                line=n,
                sku=f"SKU-{n}",
                title="Filler",
                category=world.jade if n % 2 else world.lots,
                serial=f"FILL-{n}",
                claim={"material": "nephrite jade", "weight_mg": 1000 + n},
                created_at=now,
                state_changed_at=now,
            )
            for n in range(count)
            for notice in [notices[n % len(notices)]]
        ]
    )
    ItemEvent.objects.bulk_create(
        [ItemEvent(item=item, from_state="", to_state="announced") for item in made]
    )


def walk(item: Item, world, events: int) -> Item:
    """Give ``item`` exactly ``events`` events: receive, inspect, then hold/resume."""
    lifecycle.item_receive(
        item=item, actor=world.station, station=world.station.station
    )
    moves = [lifecycle.item_inspection_start, lifecycle.item_hold]
    for n in range(events - 1):
        moves[n % 2](item=item, actor=world.inspector)
    assert item.events.count() == events
    return item


@pytest.fixture
def target(world):
    """The item the requests are about: announced, merchant1, Guangzhou."""
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    return f.ItemFactory(notice=notice, category=world.jade, line=0, serial="TGT-1")


def scan_body(barcode, action="lookup"):
    return {"barcode": barcode, "action": action}


def lookup(client, code):
    response = client.post("/api/v1/scans/", scan_body(code), format="json")
    assert response.status_code == 200


def warm(client, code):
    """One scan first: the process caches the token, and the warehouse,
    merchant and category rows it shows (warehouse.common.auth,
    warehouse.fastpath.refs),
    so later scans read the item alone. The active webhook endpoints, read
    every few seconds per process, are read here too (none: nothing sent)."""
    lookup(client, code)
    assert webhook_emit("test.warm", {}) == 0


@pytest.mark.parametrize("others", [1, 200])
@pytest.mark.parametrize("events", [1, 30])
def test_scan_lookup_queries_are_constant(
    world, target, others, events, django_assert_num_queries
):
    """A lookup costs the same with 1 or 200 items, 1 or 30 events."""
    crowd(world, others)
    walk(target, world, events)
    client = api_client(world.station)
    warm(client, target.code)

    with django_assert_num_queries(LOOKUP_QUERIES):
        response = client.post("/api/v1/scans/", scan_body(target.code), format="json")

    assert response.status_code == 200
    with django_assert_num_queries(LOOKUP_BY_SERIAL_QUERIES):
        response = client.post("/api/v1/scans/", scan_body("TGT-1"), format="json")

    assert response.status_code == 200
    assert response.json()["item"]["code"] == target.code


@pytest.mark.parametrize("others", [1, 200])
def test_scan_receive_queries_are_constant(
    world, target, others, django_assert_num_queries
):
    """A receive costs the same with 1 or 200 items (and their events) around."""
    crowd(world, others)
    client = api_client(world.station)
    warm(client, target.code)

    with django_assert_num_queries(RECEIVE_QUERIES):
        response = client.post(
            "/api/v1/scans/", scan_body(target.code, "receive"), format="json"
        )

    assert response.status_code == 200
    assert response.json()["item"]["state"] == "received"


@pytest.mark.parametrize("others", [1, 200])
@pytest.mark.parametrize("events", [1, 30])
@pytest.mark.parametrize("who", ["station", "merchant_user"])
def test_item_detail_queries_are_constant(
    world, target, others, events, who, django_assert_num_queries
):
    """The detail with its full history costs the same for 1 or 30 events."""
    crowd(world, others)
    walk(target, world, events)
    client = api_client(getattr(world, who))

    with django_assert_num_queries(DETAIL_QUERIES + ROLE_QUERIES[who]):
        response = client.get(f"/api/v1/items/{target.code}")

    assert response.status_code == 200
    assert len(response.json()["events"]) == events


@pytest.mark.parametrize("others", [10, 120])
@pytest.mark.parametrize("who", ["station", "merchant_user", "platform"])
def test_item_list_queries_are_constant(world, others, who, django_assert_num_queries):
    """A page of 50 costs the same with 10 or 120 items."""
    crowd(world, others)
    client = api_client(getattr(world, who))

    with django_assert_num_queries(LIST_QUERIES + ROLE_QUERIES[who]):
        response = client.get("/api/v1/items/", {"page_size": 50})

    assert response.status_code == 200
    assert 0 < len(response.json()["results"]) <= 50
    if others == 120:
        assert len(response.json()["results"]) == 50


def test_a_cold_process_reads_each_reference_row_once(world, target):
    """The first scan in a process also checks the token and reads the
    warehouse, merchant and category (four queries more); the next one reads
    the item alone."""
    client = api_client(world.station)

    with CaptureQueriesContext(connection) as cold:
        lookup(client, target.code)
    with CaptureQueriesContext(connection) as hot:
        lookup(client, target.code)

    assert len(cold) == len(hot) + 4
