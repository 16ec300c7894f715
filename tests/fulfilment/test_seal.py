"""The anti-swap seal (防调包扣) bound at packing.

An order-first item of a category that leaves under a seal is packed only
with the number of a pre-printed seal, by the pack scan (``seal``) or the
pack API (``seal``, or ``seals`` by item code): none is 409
``seal_required``, a number any tag already has (a seal's or a receiving
label's) 409 ``seal_used``, and nothing is packed. The seal is a tag of
purpose ``seal``, on the record of the item's current certificate and in its
history (``seal_bound``), written in the pack's transaction. Other
categories are packed as before.
"""

import pytest
from django.utils import translation

from fulfilment.models import Order, Shipment
from inspection.selectors import certificate_current_for_item
from tests.conftest import api_client
from tests.inspection.factories import announce, jade_row
from tests.warehouse import factories as f
from warehouse.models import ItemEvent, ItemState, ScanLog, Station, Tag

from .conftest import certified, order_payload, run_jobs
from .test_dock_pages import client_for, operator_of

pytestmark = pytest.mark.django_db
S = ItemState
SCANS = "/api/v1/scans/"


@pytest.fixture(autouse=True)
def _templates(qc):
    """The categories' inspection templates, published."""


@pytest.fixture
def sealed(world):
    """Jewellery and jade leave under an anti-swap seal."""
    world.jade.seal_required = True
    world.jade.save(update_fields=["seal_required"])
    return world.jade


def ordered(world, count: int = 1):
    """``count`` certified jade items on one order, allocated to it."""
    items = [certified(world) for _ in range(count)]
    payload = order_payload(world, lines=[{"item_code": i.code} for i in items])
    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    assert answer.status_code == 201, answer.content
    run_jobs()
    for item in items:
        item.refresh_from_db()
        assert item.state == S.ALLOCATED
    return items, payload["order_id"]


def pack_scan(world, code: str, **fields):
    return api_client(world.station).post(
        SCANS, {"barcode": code, "action": "pack", **fields}, format="json"
    )


def pack_api(world, order_id: str, body: dict | None = None):
    return api_client(world.station).post(
        f"/api/v1/orders/{order_id}/pack/", body or {}, format="json"
    )


def assert_not_packed(item, order_id: str) -> None:
    item.refresh_from_db()
    assert item.state == S.ALLOCATED
    assert Order.objects.get(external_id=order_id).status == Order.Status.ALLOCATED
    assert not Shipment.objects.filter(order__external_id=order_id).exists()


# --- asked for where the category says so, and only there ----------------------


def test_a_sealed_categorys_item_is_not_packed_without_its_seal(world, sealed):
    """The pack scan without a seal: 409 seal_required naming the item,
    logged as refused; nothing packed, no parcel."""
    [item], order_id = ordered(world)

    answer = pack_scan(world, item.code)

    assert answer.status_code == 409, answer.content
    error = answer.json()["error"]
    assert error["code"] == "seal_required"
    assert item.code in error["message"]
    assert_not_packed(item, order_id)
    log = ScanLog.objects.filter(barcode=item.code, action="pack").get()
    assert (log.outcome, log.error_code, log.error_params) == (
        "refused",
        "seal_required",
        {"item": item.code},
    )
    assert not Tag.objects.filter(purpose=Tag.Purpose.SEAL).exists()


def test_a_blank_seal_is_no_seal(world, sealed):
    [item], order_id = ordered(world)

    answer = pack_scan(world, item.code, seal="   ")

    assert answer.status_code == 409, answer.content
    assert answer.json()["error"]["code"] == "seal_required"
    assert_not_packed(item, order_id)


def test_the_pack_api_asks_for_the_seal_too(world, sealed):
    [item], order_id = ordered(world)

    refused = pack_api(world, order_id)
    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "seal_required"
    assert_not_packed(item, order_id)

    packed = pack_api(world, order_id, {"seal": "S00012345"})
    assert packed.status_code == 200, packed.content
    item.refresh_from_db()
    assert item.state == S.PACKED
    assert Tag.objects.get(value="S00012345").item_id == item.pk


def test_the_pack_api_takes_each_items_seal_by_its_code(world, sealed):
    """An order of two sealed items: each needs its own seal; one missing
    refuses the pack, naming that item."""
    (first, second), order_id = ordered(world, 2)

    refused = pack_api(world, order_id, {"seals": {first.code: "S00000001"}})
    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "seal_required"
    assert refused.json()["error"]["message"].count(second.code) == 1
    assert_not_packed(first, order_id)
    assert not Tag.objects.filter(purpose=Tag.Purpose.SEAL).exists()

    packed = pack_api(
        world,
        order_id,
        {"seals": {first.code: "S00000001", second.code: "S00000002"}},
    )
    assert packed.status_code == 200, packed.content
    assert dict(
        Tag.objects.filter(purpose=Tag.Purpose.SEAL).values_list("value", "item_id")
    ) == {"S00000001": first.pk, "S00000002": second.pk}


def test_no_seal_is_asked_for_other_categories(world):
    """Jade whose category does not ask for a seal packs as before."""
    assert not world.jade.seal_required
    [item], _order_id = ordered(world)

    answer = pack_scan(world, item.code)

    assert answer.status_code == 200, answer.content
    assert answer.json()["item"]["state"] == "packed"
    assert not Tag.objects.filter(purpose=Tag.Purpose.SEAL).exists()
    assert not ItemEvent.objects.filter(item=item, reason_code="seal_bound").exists()


def test_a_seal_goes_only_with_a_pack_scan(world, sealed):
    [item], _order_id = ordered(world)

    answer = api_client(world.station).post(
        SCANS,
        {"barcode": item.code, "action": "lookup", "seal": "S00012345"},
        format="json",
    )

    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] == "invalid"
    assert "seal" in answer.json()["error"]["fields"]
    assert not Tag.objects.exists()


# --- single use ------------------------------------------------------------------


def test_a_used_seal_number_is_refused(world, sealed):
    """A seal is single use: the second item packed with the same number is
    refused (409 seal_used) and stays unpacked."""
    [first], _ = ordered(world)
    [second], second_order = ordered(world)
    assert pack_scan(world, first.code, seal="S00012345").status_code == 200

    answer = pack_scan(world, second.code, seal="S00012345")

    assert answer.status_code == 409, answer.content
    error = answer.json()["error"]
    assert error["code"] == "seal_used"
    assert "S00012345" in error["message"]
    assert_not_packed(second, second_order)
    assert Tag.objects.get(value="S00012345").item_id == first.pk


def test_a_receiving_tags_number_is_not_a_seal(world, sealed):
    """Tag numbers are unique whatever their purpose: a receiving label's
    number is refused as a seal."""
    [item], order_id = ordered(world)
    [other], _ = ordered(world)
    Tag.objects.create(value="T-000777", item=other, purpose=Tag.Purpose.RECEIVING)

    answer = pack_scan(world, item.code, seal="T-000777")

    assert answer.status_code == 409, answer.content
    assert answer.json()["error"]["code"] == "seal_used"
    assert_not_packed(item, order_id)


def test_a_seals_number_is_not_a_receiving_tag(world, sealed):
    """The other way round: a seal's number bound at receiving is tag_used."""
    [item], _ = ordered(world)
    assert pack_scan(world, item.code, seal="S00000042").status_code == 200
    arrived = announce(world, jade_row())

    answer = api_client(world.station).post(
        SCANS,
        {"barcode": arrived.code, "action": "receive", "tag": "S00000042"},
        format="json",
    )

    assert answer.status_code == 409, answer.content
    assert answer.json()["error"]["code"] == "tag_used"


# --- where the seal is recorded ------------------------------------------------


def test_the_seal_is_on_the_certificate_record_and_in_the_items_history(world, sealed):
    """One tag of purpose seal (the station and person who bound it), the
    current certificate's ``seal``, and a ``seal_bound`` event before the
    move to packed, rendered in the reader's language."""
    [item], _order_id = ordered(world)

    answer = pack_scan(world, item.code, seal=" S00012345 ")

    assert answer.status_code == 200, answer.content
    tag = Tag.objects.get(value="S00012345")
    assert (tag.purpose, tag.item_id, tag.station_id, tag.bound_by_id) == (
        Tag.Purpose.SEAL,
        item.pk,
        world.station.station.pk,
        world.station.pk,
    )
    assert certificate_current_for_item(item).seal == "S00012345"
    events = list(ItemEvent.objects.filter(item=item).order_by("id"))
    bound = next(e for e in events if e.reason_code == "seal_bound")
    assert bound.reason_params == {"seal": "S00012345"}
    assert (bound.from_state, bound.to_state) == (S.ALLOCATED, S.ALLOCATED)
    assert events[-1].to_state == S.PACKED
    assert events.index(bound) == len(events) - 2
    with translation.override("en"):
        assert bound.reason_text == "Anti-swap seal S00012345 bound."
    with translation.override("zh-hans"):
        assert bound.reason_text == "已绑定防调包扣 S00012345。"

    detail = api_client(world.merchant_user).get(
        f"/api/v1/items/{item.code}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    shown = [e for e in detail.json()["events"] if e["code"] == "seal_bound"]
    assert shown == [
        {
            **shown[0],
            "params": {"seal": "S00012345"},
            "reason": "Anti-swap seal S00012345 bound.",
        }
    ]


def test_packing_twice_binds_the_seal_once(world, sealed):
    """A repeated pack scan answers the parcel already made: no second seal."""
    [item], _order_id = ordered(world)
    assert pack_scan(world, item.code, seal="S00012345").status_code == 200

    again = pack_scan(world, item.code)

    assert again.status_code == 200, again.content
    assert again.json()["item"]["state"] == "packed"
    assert Tag.objects.filter(item=item, purpose=Tag.Purpose.SEAL).count() == 1
    assert ItemEvent.objects.filter(item=item, reason_code="seal_bound").count() == 1


# --- the dock's page -------------------------------------------------------------


def test_the_dock_station_page_asks_for_the_seal(world, sealed):
    """The dock's scan page has the seal's field; a pack from it binds it."""
    [item], _order_id = ordered(world)
    dock = f.StationFactory(
        code="GZ-DOCK-01", warehouse=world.gz, kind=Station.Kind.DOCK
    )
    at_dock = client_for(operator_of(world.gz, "operator"))
    assert at_dock.post("/station/choose/", {"station": dock.pk}).status_code == 302
    page = at_dock.get("/station/").content.decode()
    assert 'name="seal"' in page

    refused = at_dock.post(
        "/station/scan/",
        {"barcode": item.code, "action": "pack"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 409
    assert "seal_required" in refused.content.decode()

    packed = at_dock.post(
        "/station/scan/",
        {"barcode": item.code, "action": "pack", "seal": "S00099999"},
        HTTP_HX_REQUEST="true",
    )
    assert packed.status_code == 200, packed.content
    assert 'data-state="packed"' in packed.content.decode()
    assert Tag.objects.get(value="S00099999").purpose == Tag.Purpose.SEAL
