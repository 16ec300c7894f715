"""The whole way out, through the API: order, allocation, packing, label,
release, manifest; and back to the merchant."""

import io

import pytest
from pypdf import PdfReader

from fulfilment.carriers import tracking_number_valid
from fulfilment.models import Manifest, Order, PromiseState, Shipment
from fulfilment.services import returns_tracking_sweep
from tests.conftest import api_client
from warehouse.models import ItemEvent, ItemState

from .conftest import (
    certified,
    certified_lot,
    failed,
    label_scan,
    order_payload,
    run_jobs,
)

pytestmark = pytest.mark.django_db
S = ItemState


def post(user, path, data=None, **headers):
    return api_client(user).post(path, data or {}, format="json", **headers)


def test_order_first_item_goes_from_order_to_released(world, qc):
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])

    created = post(world.platform, "/api/v1/orders/", payload)
    assert created.status_code == 201, created.json()
    run_jobs()  # allocation
    item.refresh_from_db()
    assert item.state == S.ALLOCATED
    order = api_client(world.platform).get(f"/api/v1/orders/{payload['order_id']}/")
    assert order.json()["status"] == "allocated"
    assert order.json()["lines"][0]["allocated"] == [{"item": item.code, "quantity": 1}]

    packed = post(world.station, f"/api/v1/orders/{payload['order_id']}/pack/")
    assert packed.status_code == 200, packed.json()
    assert packed.json()["status"] == "booking"
    run_jobs()  # booking and label
    shipment = Shipment.objects.get(reference=packed.json()["reference"])
    assert shipment.status == Shipment.Status.LABELLED
    assert tracking_number_valid("zto", shipment.tracking_number)
    label = api_client(world.station).get(
        f"/api/v1/shipments/{shipment.reference}/label.pdf"
    )
    text = PdfReader(io.BytesIO(b"".join(label.streaming_content)))
    assert shipment.tracking_number in text.pages[0].extract_text()
    zpl = api_client(world.station).get(
        f"/api/v1/shipments/{shipment.reference}/label.zpl"
    )
    assert zpl.content.decode().startswith("^XA")
    pending = api_client(world.station).get("/api/v1/shipments/?pending_labels=1")
    assert [s["reference"] for s in pending.json()["results"]] == [shipment.reference]

    refused = post(world.station, f"/api/v1/items/{item.code}/release/")
    assert refused.json()["error"]["code"] == "label_scan_required"
    released = label_scan(world.station, shipment.tracking_number)
    assert released.status_code == 200, released.json()
    item.refresh_from_db()
    assert item.state == S.RELEASED
    released = api_client(world.station).get(f"/api/v1/shipments/{shipment.reference}/")
    order = Order.objects.get(external_id=payload["order_id"])
    assert order.status == Order.Status.DISPATCHED
    assert order.promise_state == PromiseState.MET
    assert released.json()["manifest"]
    steps = list(ItemEvent.objects.filter(item=item).values_list("to_state", flat=True))
    assert steps[-3:] == [S.ALLOCATED, S.PACKED, S.RELEASED]

    manifest = Manifest.objects.get(number=released.json()["manifest"])
    closed = post(world.station, f"/api/v1/manifests/{manifest.number}/close/")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["shipments"][0]["tracking_number"] == shipment.tracking_number
    pdf = api_client(world.station).get(
        f"/api/v1/manifests/{manifest.number}/manifest.pdf"
    )
    manifest_text = (
        PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0].extract_text()
    )
    assert shipment.tracking_number in manifest_text
    assert item.code in manifest_text


def test_order_before_item_ties_by_order_ref(world, qc):
    payload = order_payload(world, lines=[{"sku": "BANGLE-1"}])
    assert post(world.platform, "/api/v1/orders/", payload).status_code == 201
    run_jobs()
    item = certified(world, jade_row_with_ref(payload["order_id"]))
    assert item.state == S.ALLOCATED
    order = Order.objects.get(external_id=payload["order_id"])
    assert order.status == Order.Status.ALLOCATED
    assert order.lines.get().item_code == item.code


def jade_row_with_ref(order_ref):
    from tests.inspection.factories import jade_row

    return {**jade_row(), "order_ref": order_ref}


def test_item_before_order_ties_by_order_ref(world, qc):
    item = certified(world, jade_row_with_ref("P-EARLY-1"))
    assert item.state == S.CERTIFIED
    payload = {
        **order_payload(world, lines=[{"sku": "BANGLE-1"}]),
        "order_id": "P-EARLY-1",
    }
    assert post(world.platform, "/api/v1/orders/", payload).status_code == 201
    run_jobs()
    item.refresh_from_db()
    assert item.state == S.ALLOCATED


def test_stock_lines_take_lots_first_expiry_first_out(world, qc):
    later = certified_lot(world, quantity=5, expiry_date="2029-06-30")
    sooner = certified_lot(world, quantity=3, expiry_date="2028-12-31")
    payload = order_payload(world, lines=[{"sku": "SERUM-30", "quantity": 4}])
    assert post(world.platform, "/api/v1/orders/", payload).status_code == 201
    run_jobs()
    order = api_client(world.platform).get(f"/api/v1/orders/{payload['order_id']}/")
    assert order.json()["status"] == "allocated"
    assert order.json()["lines"][0]["allocated"] == [
        {"item": sooner.code, "quantity": 3},
        {"item": later.code, "quantity": 1},
    ]
    # Lots stay certified on the shelf; the units are in their history.
    later.refresh_from_db()
    assert later.state == S.CERTIFIED
    assert later.stock.allocated == 1

    shipment = post(world.station, f"/api/v1/orders/{payload['order_id']}/pack/").json()
    run_jobs()
    tracking = Shipment.objects.get(reference=shipment["reference"]).tracking_number
    released = api_client(world.station).post(
        "/api/v1/scans/", {"barcode": tracking, "action": "release"}, format="json"
    )
    assert released.status_code == 200, released.json()
    assert Shipment.objects.get(reference=shipment["reference"]).status == "released"


def test_stock_below_minimum_remaining_shelf_life_is_never_allocated(world, qc):
    # The lot template asks 180 days of shelf life left. This lot had exactly
    # 180 at receipt (it passed); on the dispatch date, tomorrow, it has 179.
    import datetime as dt
    import zoneinfo

    today = dt.datetime.now(zoneinfo.ZoneInfo(world.gz.time_zone)).date()
    soon = (today + dt.timedelta(days=180)).isoformat()
    early = certified_lot(
        world, quantity=5, expiry_date=soon, production_date="2026-01-01"
    )
    assert early.stock.sell_by == today
    lot = certified_lot(world, quantity=5, expiry_date="2029-06-30")
    payload = order_payload(world, lines=[{"sku": "SERUM-30", "quantity": 2}])
    post(world.platform, "/api/v1/orders/", payload)
    run_jobs()
    lines = (
        api_client(world.platform)
        .get(f"/api/v1/orders/{payload['order_id']}/")
        .json()["lines"]
    )
    assert lines[0]["allocated"] == [{"item": lot.code, "quantity": 2}]


def test_failed_item_goes_back_to_its_merchant(world, qc):
    item = failed(world, qc)
    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = "0757-22334455"
    world.merchant.save()

    refused = post(world.station, f"/api/v1/items/{item.code}/release/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "failed"

    back = post(world.merchant_user, f"/api/v1/items/{item.code}/return/")
    assert back.status_code == 201, back.json()
    assert back.json()["kind"] == "return"
    run_jobs()
    shipment = Shipment.objects.get(reference=back.json()["reference"])
    assert shipment.status == Shipment.Status.LABELLED
    released = label_scan(world.station, shipment.tracking_number)
    assert released.status_code == 200, released.json()
    item.refresh_from_db()
    assert item.state == S.RETURNING  # handed over, not yet delivered
    assert returns_tracking_sweep() == 1
    item.refresh_from_db()
    assert item.state == S.RETURNED_TO_MERCHANT
