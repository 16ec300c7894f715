"""Release at the dock: refused for every reason, with the reason; once only;
only by the scan of the parcel's label (its tracking barcode)."""

import pytest

from fulfilment.models import Order, Shipment
from inspection import services as inspection
from tests.conftest import api_client
from tests.inspection.factories import jade_row
from warehouse.common.access import principal_of
from warehouse.models import ItemEvent, ItemState, ScanLog

from .conftest import (
    certified,
    failed,
    label_scan,
    order_payload,
    received,
    run_jobs,
    tracking_of,
)

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
    assert label_scan(world.station, tracking_of(item)).status_code == 200
    again = label_scan(world.station, tracking_of(item), HTTP_ACCEPT_LANGUAGE="en")
    refused(again, "already_released", "already")
    refused(release(world.station, item.code), "already_released", "already left")
    assert ItemEvent.objects.filter(item=item, to_state=S.RELEASED).count() == 1


def test_release_scan_answers_the_item_and_logs_refusals(world, qc):
    item = certified(world)
    ordered(world, item)
    scan = label_scan(world.station, tracking_of(item))
    assert scan.status_code == 200, scan.json()
    assert scan.json()["item"]["code"] == item.code
    assert scan.json()["item"]["state"] == "released"
    # Released: only a buyer's return brings it back.
    assert scan.json()["item"]["allowed_actions"] == [
        "return_announce",
        "return_receive",
    ]
    again = label_scan(world.station, tracking_of(item))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_released"
    assert Shipment.objects.get().status == Shipment.Status.RELEASED
    log = list(
        ScanLog.objects.filter(action="release")
        .order_by("id")
        .values_list("outcome", "error_code")
    )
    assert log == [("accepted", ""), ("refused", "already_released")]


def test_an_item_code_never_releases_it_says_to_scan_the_label(world, qc):
    """The item API and a release scan of the item's code or serial are
    refused: only the label's tracking barcode shows the label is on the box."""
    item = certified(world, {**jade_row(), "serial": "JADE-SER-77"})
    ordered(world, item)
    shipment = Shipment.objects.get()
    words = "Scan the tracking barcode on the ZTO Express label of parcel"
    refused(release(world.station, item.code), "label_scan_required", words)
    for barcode in (item.code, "JADE-SER-77"):
        answer = label_scan(world.station, barcode, HTTP_ACCEPT_LANGUAGE="en")
        refused(answer, "label_scan_required", shipment.reference)
    item.refresh_from_db()
    shipment.refresh_from_db()
    assert item.state == S.PACKED
    assert shipment.status == Shipment.Status.LABELLED
    log = ScanLog.objects.filter(action="release").order_by("id")
    assert [(s.outcome, s.error_code) for s in log] == [
        ("refused", "label_scan_required")
    ] * 2
    assert log[0].error_params == {"ref": shipment.reference, "carrier": "zto"}


def test_the_refusal_is_in_the_readers_language(world, qc):
    item = certified(world)
    ordered(world, item)
    answer = api_client(world.station).post(
        f"/api/v1/items/{item.code}/release/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 409
    assert "中通快递面单的运单条码" in answer.json()["error"]["message"]


def test_an_unknown_barcode_is_no_parcel(world, qc):
    answer = label_scan(world.station, "NOT-A-PARCEL", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "shipment_not_found"


def test_a_label_never_marked_printed_is_marked_at_its_scan(world, qc):
    """The scan of the label proves it was printed: the parcel leaves the
    labels to print with that reason in its history, not silently."""
    item = certified(world)
    ordered(world, item)
    shipment = Shipment.objects.get()
    assert shipment.printed_at is None
    pending = "/api/v1/shipments/?pending_labels=1"
    listed = api_client(world.station).get(pending).json()["results"]
    assert [s["reference"] for s in listed] == [shipment.reference]

    assert label_scan(world.station, shipment.tracking_number).status_code == 200

    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.RELEASED
    assert shipment.printed_at == shipment.released_at
    assert shipment.history[-1]["reason"] == "label_printed_at_release"
    assert api_client(world.station).get(pending).json()["results"] == []


def test_a_label_marked_printed_keeps_its_time(world, qc):
    item = certified(world)
    ordered(world, item)
    shipment = Shipment.objects.get()
    api_client(world.station).post(f"/api/v1/shipments/{shipment.reference}/printed/")
    shipment.refresh_from_db()
    printed = shipment.printed_at
    assert printed is not None
    assert label_scan(world.station, shipment.tracking_number).status_code == 200
    shipment.refresh_from_db()
    assert shipment.printed_at == printed
    assert "reason" not in shipment.history[-1]


def test_release_by_reference_needs_a_printed_label(world, qc):
    """Without the label's scan, a parcel leaves by its reference only once
    its label was marked printed."""
    item = certified(world)
    ordered(world, item)
    shipment = Shipment.objects.get()
    url = f"/api/v1/shipments/{shipment.reference}/release/"
    refused(english(world.station).post(url), "label_scan_required", "Scan")
    api_client(world.station).post(f"/api/v1/shipments/{shipment.reference}/printed/")
    assert english(world.station).post(url).json()["status"] == "released"
    item.refresh_from_db()
    assert item.state == S.RELEASED


def test_merchants_and_inspectors_cannot_release(world, qc):
    item = certified(world)
    ordered(world, item)
    for user in (world.merchant_user, world.inspector):
        answer = release(user, item.code)
        assert answer.status_code == 403
    assert label_scan(world.inspector, tracking_of(item)).status_code == 403
    item.refresh_from_db()
    assert item.state == S.PACKED
