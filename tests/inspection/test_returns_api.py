"""A buyer's return compared with its certificate, through the API: each
verdict, where the item goes, the live preview, photos and tenancy.

The items are certified, ordered, packed and released through the real
flow; the buyer's return reaches ``return_received`` as the notice and the
receive scan leave it (a notice and its line, then the lifecycle's moves).
"""

import io

import pytest
from django.utils import timezone
from PIL import Image

from fulfilment.models import Order, StockLot
from inspection.models import Certificate, ReturnInspection
from tests.conftest import api_client
from tests.fulfilment.conftest import (
    certified,
    label_scan,
    order_payload,
    run_jobs,
)
from tests.inspection.factories import GOOD_UNIT, lot_row, received
from warehouse import lifecycle
from warehouse.common.access import principal_of
from warehouse.models import (
    ItemEvent,
    ItemState,
    Job,
    ReturnNotice,
    ReturnNoticeItem,
    Tag,
)

pytestmark = pytest.mark.django_db
S = ItemState
SEAL = "S00012345"


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def post(user, path, data=None, **headers):
    return api_client(user).post(path, data or {}, format="json", **headers)


# --- the way out and back -------------------------------------------------------------


def released(world, item):
    """``item`` (certified) ordered, packed, labelled and handed to a carrier;
    its order's id is ``item.sold_on``."""
    payload = order_payload(world, lines=[{"item_code": item.code}])
    item.sold_on = payload["order_id"]
    assert post(world.platform, "/api/v1/orders/", payload).status_code == 201
    run_jobs()
    packed = post(world.station, f"/api/v1/orders/{payload['order_id']}/pack/")
    assert packed.status_code == 200, packed.json()
    run_jobs()
    from fulfilment.models import Shipment

    shipment = Shipment.objects.get(reference=packed.json()["reference"])
    assert label_scan(world.station, shipment.tracking_number).status_code == 200
    item.refresh_from_db()
    item.sold_on = payload["order_id"]
    assert item.state == S.RELEASED
    return item


def sealed(item, seal: str = SEAL):
    """The anti-swap seal bound at packing, as packing records it."""
    if not Tag.objects.filter(item=item, purpose=Tag.Purpose.SEAL).exists():
        Tag.objects.create(value=seal, purpose=Tag.Purpose.SEAL, item=item)
        Certificate.objects.filter(item=item).update(seal=seal)
    return item


def returned(world, item, *, reason="not_as_described", opened=False):
    """The buyer's parcel announced and received: the item ``return_received``."""
    notice = ReturnNotice.objects.create(
        return_id=f"R-{item.code}",
        merchant=item.merchant,
        warehouse=item.warehouse,
        order_ref=item.order_ref,
        reason=reason,
        carrier="sf",
        tracking_number=f"SF{item.pk:010d}",
        delivered_at=timezone.now(),
    )
    line = ReturnNoticeItem.objects.create(notice=notice, item=item, opened=opened)
    lifecycle.item_return_announce(
        item=item,
        actor=world.platform,
        reason_code="return_announced",
        reason_params={"return_id": notice.return_id, "reason": reason},
    )
    lifecycle.item_return_receive(
        item=item, actor=world.station, reason_code="return_received"
    )
    line.received_at = timezone.now()
    line.save(update_fields=["received_at"])
    item.refresh_from_db()
    assert item.state == S.RETURN_RECEIVED
    return item


def jade_back(world, *, seal=True):
    """A certified jade bangle (52.31 g) sold, sealed, and returned."""
    item = released(world, certified(world))
    if seal:
        sealed(item)
    return returned(world, item)


def unit_certified(world):
    """One unit of stock-first goods (cosmetics), certified and on the shelf."""
    from inspection import services

    item = received(world, lot_row(quantity=1))
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed={**GOOD_UNIT, "expiry_date": item.claim["expiry_date"]},
    )
    services.certificate_issue(item_id=item.pk)
    run_jobs()
    item.refresh_from_db()
    assert item.state == S.CERTIFIED
    return item


def unit_sold(world):
    """A stock-first unit sold by SKU, packed and handed over, then marked
    ``released``: a lot's units leave in their parcel's contents and the
    item stays ``certified``, so its own moves are made here."""
    item = unit_certified(world)
    payload = order_payload(world, lines=[{"sku": item.sku, "quantity": 1}])
    assert post(world.platform, "/api/v1/orders/", payload).status_code == 201
    run_jobs()
    packed = post(world.station, f"/api/v1/orders/{payload['order_id']}/pack/")
    assert packed.status_code == 200, packed.json()
    run_jobs()
    from fulfilment.models import Shipment

    shipment = Shipment.objects.get(reference=packed.json()["reference"])
    assert label_scan(world.station, shipment.tracking_number).status_code == 200
    assert Order.objects.get(external_id=payload["order_id"]).status == "dispatched"
    item.refresh_from_db()
    for move in (lifecycle.item_allocate, lifecycle.item_pack, lifecycle.item_release):
        move(item=item, actor=world.station)
    item.refresh_from_db()
    assert item.state == S.RELEASED
    return item


SAME = {
    "seal": {"present": True, "intact": True, "number": SEAL},
    "weight_g": "52.31",
    "material": "和田玉",
}


def inspect(world, item, observed=None, user=None, **headers):
    return post(
        user or world.inspector,
        f"/api/v1/items/{item.code}/return-inspections/",
        SAME if observed is None else observed,
        **headers,
    )


# --- verdicts -------------------------------------------------------------------------


def test_the_same_weight_matches_and_the_item_goes_back_to_its_merchant(world, qc):
    item = jade_back(world)
    answer = inspect(world, item, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["verdict"] == "matches"
    assert body["outcome"] == "to_merchant"
    assert body["status"] == "closed"
    assert body["return_id"] == f"R-{item.code}"
    assert body["certificate"] == Certificate.objects.get(item=item).number
    assert [c["code"] for c in body["checks"]] == [
        "return_seal_intact",
        "return_weight_same",
        "return_material_same",
    ]
    assert "和田玉" in body["checks"][2]["reason"]  # the reader's language
    assert body["report_url"] == (f"/api/v1/return-inspections/{body['id']}/report.pdf")
    item.refresh_from_db()
    assert item.state == S.RETURNING
    moves = list(
        ItemEvent.objects.filter(item=item)
        .order_by("-id")
        .values_list("from_state", "to_state", "reason_code")[:2]
    )
    assert moves == [
        (S.RETURN_INSPECTING, S.RETURNING, "return_inspected"),
        (S.RETURN_RECEIVED, S.RETURN_INSPECTING, "return_inspected"),
    ]
    assert Job.objects.filter(name="inspection.return_report").count() == 1


def test_two_grams_lighter_is_a_mismatch_awaiting_sign_off(world, qc):
    item = jade_back(world)
    answer = inspect(world, item, {**SAME, "weight_g": "50.31"})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["verdict"] == "mismatch"
    assert body["status"] == "awaiting_signoff"
    assert body["outcome"] == ""
    assert body["report_url"] is None
    weight = body["checks"][1]
    assert weight["code"] == "return_weight_differs"
    assert weight["severity"] == "mismatch"
    assert weight["params"]["difference_mg"] == 2000
    item.refresh_from_db()
    assert item.state == S.RETURN_INSPECTING
    assert not Job.objects.filter(name="inspection.return_report").exists()


def test_a_broken_seal_is_a_mismatch(world, qc):
    item = jade_back(world)
    seal = {"present": True, "intact": False, "number": SEAL}
    body = inspect(world, item, {**SAME, "seal": seal}).json()
    assert body["verdict"] == "mismatch"
    assert body["checks"][0]["code"] == "return_seal_broken"


def test_another_seal_number_is_a_mismatch(world, qc):
    item = jade_back(world)
    seal = {"present": True, "intact": True, "number": "S00099999"}
    body = inspect(world, item, {**SAME, "seal": seal}).json()
    assert body["verdict"] == "mismatch"
    assert body["checks"][0]["code"] == "return_seal_number_differs"
    assert body["checks"][0]["params"] == {"found": "S00099999", "certified": SEAL}


def test_a_damaged_item_is_damaged_awaiting_sign_off(world, qc):
    item = jade_back(world)
    body = inspect(world, item, {**SAME, "condition": "damaged"}).json()
    assert body["verdict"] == "damaged"
    assert body["status"] == "awaiting_signoff"
    assert body["checks"][-1]["code"] == "return_condition_damaged"


def test_an_item_without_a_seal_is_compared_without_one(world, qc):
    item = jade_back(world, seal=False)
    answer = inspect(world, item, {"weight_g": "52.31", "material": "nephrite"})
    assert answer.status_code == 201, answer.json()
    assert [c["check"] for c in answer.json()["checks"]] == ["weight", "material"]


def test_opened_stock_first_goods_match_but_go_back_to_the_merchant(world, qc):
    item = returned(world, unit_sold(world), reason="not_as_described", opened=True)
    body = inspect(world, item, {"packaging": "opened"}).json()
    assert (body["verdict"], body["outcome"]) == ("matches", "to_merchant")
    assert body["checks"][0]["code"] == "return_packaging_opened"
    item.refresh_from_db()
    assert item.state == S.RETURNING


def test_unopened_stock_first_goods_go_back_to_stock_and_sell_again(world, qc):
    item = returned(world, unit_sold(world), reason="no_reason")
    body = inspect(world, item, {"packaging": "unopened"}).json()
    assert (body["verdict"], body["outcome"]) == ("matches", "restock")
    item.refresh_from_db()
    assert item.state == S.CERTIFIED
    run_jobs()
    lot = StockLot.objects.get(item=item)
    assert lot.is_active and lot.allocated == 0
    payload = order_payload(world, lines=[{"sku": item.sku, "quantity": 1}])
    assert post(world.platform, "/api/v1/orders/", payload).status_code == 201
    run_jobs()
    order = Order.objects.get(external_id=payload["order_id"])
    assert order.status == "allocated"
    assert order.lines.get().allocations.get().item == item


# --- refusals -------------------------------------------------------------------------


def test_a_compared_point_left_out_is_refused_naming_its_field(world, qc):
    item = jade_back(world)
    answer = inspect(world, item, {"seal": SAME["seal"], "material": "和田玉"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "missing_observation"
    assert set(answer.json()["error"]["fields"]) == {"weight_g"}
    item.refresh_from_db()
    assert item.state == S.RETURN_RECEIVED
    assert not ReturnInspection.objects.exists()


def test_another_merchants_item_is_unknown(world, qc):
    from tests.warehouse import factories as f

    item = jade_back(world)
    first = inspect(world, item).json()
    outsider = world.merchant2_user
    for path in (
        f"/api/v1/items/{item.code}/return-inspections/",
        f"/api/v1/return-inspections/{first['id']}/",
    ):
        assert api_client(outsider).get(path).status_code == 404
    own = api_client(world.merchant_user).get(
        f"/api/v1/return-inspections/{first['id']}/"
    )
    assert own.status_code == 200
    # Staff of another warehouse do not see it either.
    stranger = f.UserFactory(username="sih-inspector")
    f.StaffFactory(user=stranger, warehouse=world.sih)
    assert inspect(world, item, user=stranger).status_code == 404


def test_merchants_platform_and_stations_may_not_inspect_a_return(world, qc):
    item = jade_back(world)
    for user in (world.merchant_user, world.platform, world.station):
        answer = inspect(world, item, user=user)
        assert answer.status_code == 403, user


def test_an_item_not_returned_is_refused_by_the_lifecycle(world, qc):
    item = certified(world)
    answer = inspect(world, item)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "invalid_transition"


def test_a_second_inspection_waits_for_the_first_ones_sign_off(world, qc):
    item = jade_back(world)
    assert inspect(world, item, {**SAME, "weight_g": "40"}).status_code == 201
    again = inspect(world, item)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "return_awaiting_signoff_exists"


# --- preview, photos, lists -----------------------------------------------------------


def test_the_preview_judges_and_writes_nothing(world, qc):
    item = jade_back(world)
    events = ItemEvent.objects.count()
    answer = post(
        world.inspector,
        f"/api/v1/items/{item.code}/return-inspections/preview/",
        {**SAME, "weight_g": "50.31"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["verdict"] == "mismatch"
    assert answer.json()["outcome"] == "disputed"
    assert answer.json()["certified"]["weight_mg"] == 52310
    assert answer.json()["checks"][1]["reason"].startswith("Weighs 50310 mg")
    assert ItemEvent.objects.count() == events
    assert not ReturnInspection.objects.exists()
    item.refresh_from_db()
    assert item.state == S.RETURN_RECEIVED
    missing = post(
        world.inspector,
        f"/api/v1/items/{item.code}/return-inspections/preview/",
        {"weight_g": "52.31"},
    )
    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"seal", "material"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, format="PNG")
    return out.getvalue()


def test_photos_of_the_return_are_uploaded_and_read_back(world, qc):
    item = jade_back(world)
    inspection = inspect(world, item, {**SAME, "weight_g": "40"}).json()
    client = api_client(world.inspector)
    upload = io.BytesIO(_png())
    upload.name = "now.png"
    answer = client.post(
        f"/api/v1/return-inspections/{inspection['id']}/photos/",
        {"image": upload},
        format="multipart",
    )
    assert answer.status_code == 201, answer.json()
    photo = answer.json()
    assert photo["content_type"] == "image/png"
    got = client.get(photo["url"])
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == _png()
    detail = client.get(f"/api/v1/return-inspections/{inspection['id']}/").json()
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    bad = io.BytesIO(b"not an image")
    bad.name = "x.png"
    refused = client.post(
        f"/api/v1/return-inspections/{inspection['id']}/photos/",
        {"image": bad},
        format="multipart",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_image"
    assert api_client(world.merchant2_user).get(photo["url"]).status_code == 404


def test_an_items_return_inspections_are_listed_in_order(world, qc):
    item = jade_back(world)
    inspect(world, item, {**SAME, "weight_g": "40"})
    listed = api_client(world.merchant_user).get(
        f"/api/v1/items/{item.code}/return-inspections/"
    )
    assert listed.status_code == 200
    assert [i["number"] for i in listed.json()] == [1]


def test_the_station_named_is_recorded_and_an_unknown_one_refused(world, qc):
    item = jade_back(world)
    unknown = inspect(world, item, {**SAME, "station": "NO-SUCH"})
    assert unknown.status_code == 400
    assert "station" in unknown.json()["error"]["fields"]
    answer = inspect(world, item, {**SAME, "station": "GZ-QC-01"})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["station"] == "GZ-QC-01"


def test_a_return_sent_back_to_its_merchant_gets_its_own_parcel(world, qc):
    """The merchant (or staff) asks for the parcel as for a failed item: a
    return parcel is made for the item already returning, not the parcel it
    was sold in; asking again answers the same parcel."""
    from fulfilment.models import Shipment

    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = "0757-22334455"
    world.merchant.save()
    item = jade_back(world)
    assert inspect(world, item).json()["outcome"] == "to_merchant"
    item.refresh_from_db()
    assert item.state == S.RETURNING
    asked = post(world.merchant_user, f"/api/v1/items/{item.code}/return/")
    assert asked.status_code == 201, asked.json()
    parcel = Shipment.objects.get(reference=asked.json()["reference"])
    assert parcel.kind == Shipment.Kind.RETURN
    again = post(world.merchant_user, f"/api/v1/items/{item.code}/return/")
    assert again.json()["reference"] == parcel.reference
    item.refresh_from_db()
    assert item.state == S.RETURNING


def test_a_repeated_post_with_its_idempotency_key_answers_the_first(world, qc):
    item = jade_back(world)
    first = inspect(world, item, HTTP_IDEMPOTENCY_KEY="ri-1")
    again = inspect(world, item, HTTP_IDEMPOTENCY_KEY="ri-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert ReturnInspection.objects.filter(item=item).count() == 1
