"""Stations and orders racing on PostgreSQL: exactly one effect each.

Real row locks need PostgreSQL and committed data (``transaction=True``);
jobs run in-process after each commit.
"""

from functools import partial

import pytest

from fulfilment.models import Allocation, Order, Shipment, StockLot
from tests.conftest import api_client
from tests.warehouse.test_concurrency import at_once
from warehouse.models import ItemEvent, ItemState

from .conftest import certified, certified_lot, order_payload, tracking_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_stations_releasing_one_item_at_once_release_it_once(world, qc):
    second = api_client(qc.qc_station)  # another station of the same warehouse
    first = api_client(world.station)
    for _ in range(3):
        item = certified(world)
        payload = order_payload(world, lines=[{"item_code": item.code}])
        api_client(world.platform).post("/api/v1/orders/", payload, format="json")
        first.post(f"/api/v1/orders/{payload['order_id']}/pack/", format="json")
        scan = {"barcode": tracking_of(item), "action": "release"}

        answers = at_once(
            [
                partial(c.post, "/api/v1/scans/", scan, format="json")
                for c in (first, second)
            ]
        )

        assert sorted(a.status_code for a in answers) == [200, 409]
        loser = next(a for a in answers if a.status_code == 409)
        assert loser.json()["error"]["code"] == "already_released"
        assert (
            ItemEvent.objects.filter(item=item, to_state=ItemState.RELEASED).count()
            == 1
        )
        shipment = Shipment.objects.get(order__external_id=payload["order_id"])
        assert shipment.status == Shipment.Status.RELEASED


def test_parallel_orders_never_get_one_unit_twice(world, qc):
    lots = [certified_lot(world, quantity=5), certified_lot(world, quantity=5)]
    client = api_client(world.platform)
    payloads = [
        order_payload(world, lines=[{"sku": "SERUM-30", "quantity": 3}])
        for _ in range(6)
    ]

    answers = at_once(
        [partial(client.post, "/api/v1/orders/", p, format="json") for p in payloads]
    )

    assert [a.status_code for a in answers] == [201] * 6
    allocated = Order.objects.filter(status=Order.Status.ALLOCATED).count()
    assert allocated == 3  # 10 units: three orders of 3, the fourth cannot fill
    for lot in lots:
        lot.stock.refresh_from_db()
        given = sum(
            a.quantity for a in Allocation.objects.filter(item=lot, cancelled_at=None)
        )
        assert given == lot.stock.allocated <= lot.quantity
    assert sum(StockLot.objects.values_list("allocated", flat=True)) == 10


def test_two_orders_naming_one_item_at_once_take_it_once(world, qc):
    item = certified(world)
    client = api_client(world.platform)
    payloads = [order_payload(world, lines=[{"item_code": item.code}]) for _ in "ab"]

    answers = at_once(
        [partial(client.post, "/api/v1/orders/", p, format="json") for p in payloads]
    )

    assert sorted(a.status_code for a in answers) == [201, 409]
    assert Allocation.objects.filter(item=item).count() == 1
    item.refresh_from_db()
    assert item.state == ItemState.ALLOCATED
