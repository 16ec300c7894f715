"""The pack request: one locked read of the order within the caller's scope,
its items and their current certificates in one read, the answer built from
memory; the same number of queries whatever the number of lines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfilment.models import Order, Shipment
from inspection import services as inspection
from tests.conftest import api_client
from warehouse.common.access import principal_of

from .conftest import certified_lot, order_payload, run_jobs

pytestmark = pytest.mark.django_db

# The token, SAVEPOINT (the test's transaction), order FOR UPDATE in the
# caller's scope, order update, wave update (joining it), shipment insert,
# allocations with their items and current certificates, contents insert,
# RELEASE: no read of the order before its locked read, none per line.
PACK_API_QUERIES = 9


def ordered(world, lines) -> str:
    payload = order_payload(world, lines=lines)
    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    assert answer.status_code == 201, answer.content
    run_jobs()
    return payload["order_id"]


def pack(user, order_id: str):
    return api_client(user).post(f"/api/v1/orders/{order_id}/pack/")


def counted_pack(user, order_id: str):
    with CaptureQueriesContext(connection) as queries:
        answer = pack(user, order_id)
    assert answer.status_code == 200, answer.content
    return len(queries), answer.json()


def test_packing_by_the_api_costs_the_same_queries_for_one_line_or_three(world, qc):
    lots = [certified_lot(world, quantity=2) for _ in range(4)]
    first = ordered(world, [{"sku": "SERUM-30", "quantity": 1}])
    one = ordered(world, [{"sku": "SERUM-30", "quantity": 1}])
    # Lots of two, the first's units taken: five units over the other three.
    three = ordered(world, [{"sku": "SERUM-30", "quantity": 5}])
    counted_pack(world.station, first)  # opens the wave

    n_one, _answer = counted_pack(world.station, one)
    n_three, answer_three = counted_pack(world.station, three)

    assert n_one == n_three <= PACK_API_QUERIES
    assert len(answer_three["items"]) == 3
    assert {i["item"] for i in answer_three["items"]} < {lot.code for lot in lots}
    assert sum(i["quantity"] for i in answer_three["items"]) == 5
    shipment = Shipment.objects.get(reference=answer_three["reference"])
    assert answer_three == {
        "reference": shipment.reference,
        "kind": "order",
        "order_id": three,
        "warehouse": "GZ",
        "carrier": "zto",
        "status": "booking",
        "tracking_number": "",
        "sort_code": "",
        "items": answer_three["items"],
        "created_at": answer_three["created_at"],
        "booked_at": None,
        "released_at": None,
        "label_pdf": None,
        "label_zpl": None,
        "manifest": None,
    }
    order = Order.objects.get(external_id=three)
    assert order.status == Order.Status.PACKED
    assert order.history[-1]["to"] == "packed"
    assert "station" in order.history[-1]
    # Packing again answers the same parcel.
    again = pack(world.station, three)
    assert again.status_code == 200 and again.json()["reference"] == shipment.reference


def test_a_lot_whose_certificate_was_revoked_is_not_packed(world, qc):
    lot = certified_lot(world, quantity=5)
    order_id = ordered(world, [{"sku": "SERUM-30", "quantity": 1}])
    inspection.certificate_revoke(
        principal=principal_of(world.supervisor),
        number=lot.certificates.get().number,
        reason="Seal broken",
    )
    refused = pack(world.station, order_id)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "certificate_revoked"
    assert "Seal broken" in refused.json()["error"]["message"]
    assert Order.objects.get(external_id=order_id).status == Order.Status.ALLOCATED
    assert not Shipment.objects.filter(order__external_id=order_id).exists()


def test_an_order_out_of_scope_is_not_found_and_a_merchant_may_not_pack(world, qc):
    certified_lot(world, quantity=5)
    order_id = ordered(world, [{"sku": "SERUM-30", "quantity": 1}])
    missing = pack(world.station, "P-NO-SUCH-ORDER")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "order_not_found"
    merchant = pack(world.merchant_user, order_id)
    assert merchant.status_code == 403
    assert Order.objects.get(external_id=order_id).status == Order.Status.ALLOCATED


def test_each_caller_packs_only_within_its_own_scope(world, qc):
    """The locked read is compiled once per scope: a station elsewhere and
    another merchant do not find the order that the GZ station packs."""
    certified_lot(world, quantity=5)
    order_id = ordered(world, [{"sku": "SERUM-30", "quantity": 1}])
    for outsider in (world.station_sih, world.merchant2_user, world.station_sih):
        answer = pack(outsider, order_id)
        assert answer.status_code == 404, answer.content
        assert answer.json()["error"]["code"] == "order_not_found"
    assert Order.objects.get(external_id=order_id).status == Order.Status.ALLOCATED
    assert pack(world.station, order_id).status_code == 200
    assert pack(world.supervisor, order_id).status_code == 200  # its parcel again
