"""Release at the dock: refused for every reason, with the reason; once only."""

import pytest

from fulfilment.models import Order, Shipment
from inspection import services as inspection
from tests.conftest import api_client
from tests.inspection.factories import jade_row
from warehouse.common.access import principal_of
from warehouse.models import ItemEvent, ItemState, ScanLog

from .conftest import certified, failed, order_payload, received, run_jobs

pytestmark = pytest.mark.django_db
S = ItemState


def english(user):
    """A client whose answers are in English (the messages are asserted)."""
    client = api_client(user)
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return client


def release(user, code):
    return english(user).post(f"/api/v1/items/{code}/release/", format="json")


def refused(answer, code: str, words: str):
    assert answer.status_code == 409, answer.json()
    error = answer.json()["error"]
    assert error["code"] == code
    assert words in error["message"]


def ordered(world, item, *, pack=True, label=True):
    payload = order_payload(world, lines=[{"item_code": item.code}])
    api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    run_jobs()
    order = Order.objects.get(external_id=payload["order_id"])
    if pack:
        api_client(world.station).post(
            f"/api/v1/orders/{order.external_id}/pack/", format="json"
        )
        if label:
            run_jobs()
    item.refresh_from_db()
    return order


def test_refused_when_not_certified(world, qc):
    item = received(world, jade_row())
    refused(release(world.station, item.code), "not_certified", "is not certified")


def test_refused_when_failed(world, qc):
    item = failed(world, qc)
    refused(release(world.station, item.code), "failed", "failed inspection")


def test_refused_when_certificate_revoked(world, qc):
    item = certified(world)
    ordered(world, item)
    inspection.certificate_revoke(
        principal=principal_of(world.supervisor),
        number=item.certificates.get().number,
        reason="Scratch found at packing",
    )
    refused(release(world.station, item.code), "certificate_revoked", "Scratch found")


def test_refused_when_not_allocated_or_not_packed(world, qc):
    item = certified(world)
    refused(release(world.station, item.code), "not_allocated", "not allocated")
    ordered(world, item, pack=False)
    refused(release(world.station, item.code), "not_packed", "is not packed")


def test_refused_without_a_label(world, qc):
    item = certified(world)
    ordered(world, item, label=False)
    assert item.state == S.PACKED
    refused(release(world.station, item.code), "no_label", "no carrier label")


def test_refused_at_the_wrong_warehouse(world, qc):
    item = certified(world)
    ordered(world, item)
    refused(
        release(world.station_sih, item.code), "wrong_warehouse", "another warehouse"
    )


def test_refused_when_the_order_was_cancelled(world, qc):
    item = certified(world)
    order = ordered(world, item)
    shipment = order.shipments.get()
    cancel = api_client(world.platform).post(
        f"/api/v1/orders/{order.external_id}/cancel/",
        {"reason": "buyer changed mind"},
        format="json",
    )
    assert cancel.status_code == 200
    answer = english(world.station).post(
        f"/api/v1/shipments/{shipment.reference}/release/", format="json"
    )
    refused(answer, "order_cancelled", "was cancelled")
    item.refresh_from_db()
    assert item.state == S.CERTIFIED  # unpacked, held for the merchant


def test_released_once_and_a_repeat_says_so(world, qc):
    item = certified(world)
    ordered(world, item)
    assert release(world.station, item.code).status_code == 200
    refused(release(world.station, item.code), "already_released", "already left")
    assert ItemEvent.objects.filter(item=item, to_state=S.RELEASED).count() == 1


def test_release_scan_answers_the_item_and_logs_refusals(world, qc):
    item = certified(world)
    ordered(world, item)
    scan = api_client(world.station).post(
        "/api/v1/scans/", {"barcode": item.code, "action": "release"}, format="json"
    )
    assert scan.status_code == 200, scan.json()
    assert scan.json()["item"]["state"] == "released"
    assert scan.json()["item"]["allowed_actions"] == []
    again = api_client(world.station).post(
        "/api/v1/scans/", {"barcode": item.code, "action": "release"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_released"
    assert Shipment.objects.get().status == Shipment.Status.RELEASED
    log = list(
        ScanLog.objects.filter(action="release")
        .order_by("id")
        .values_list("outcome", "error_code")
    )
    assert log == [("accepted", ""), ("refused", "already_released")]


def test_merchants_and_inspectors_cannot_release(world, qc):
    item = certified(world)
    ordered(world, item)
    for user in (world.merchant_user, world.inspector):
        answer = release(user, item.code)
        assert answer.status_code == 403
    item.refresh_from_db()
    assert item.state == S.PACKED
