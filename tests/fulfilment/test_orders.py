"""Orders: validation, idempotency, masking, tenants, cancellation policies."""

import pytest

from fulfilment.models import HeldForMerchant, MerchantPolicy, Order
from tests.conftest import api_client
from tests.inspection.factories import announce, jade_row
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.common.exceptions import Conflict
from warehouse.models import ItemState

from .conftest import certified, label_scan, order_payload, run_jobs, tracking_of

pytestmark = pytest.mark.django_db
S = ItemState


def create(user, payload):
    return api_client(user).post("/api/v1/orders/", payload, format="json")


def test_a_repeated_order_answers_the_same_order_and_other_content_is_409(world, qc):
    payload = order_payload(world, lines=[{"sku": "SERUM-30", "quantity": 2}])
    assert create(world.platform, payload).status_code == 201
    again = create(world.platform, payload)
    assert again.status_code == 200
    assert again.json()["order_id"] == payload["order_id"]
    changed = create(world.platform, {**payload, "carrier": "sf"})
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "order_id_reused"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "A", "item_code": "QX"}]}, "lines"),
        ({"lines": [{"sku": "A", "quantity": 0}]}, "lines"),
        ({"promise": "next_week"}, "promise"),
        ({"carrier": "dhl"}, "carrier"),
        ({"buyer": {"name": "x", "phone": "call me", "address": "y"}}, "buyer"),
        ({"order_id": "has spaces in it"}, "order_id"),
        ({"merchant": "NOBODY"}, "merchant"),
        ({"warehouse": "XX"}, "warehouse"),
        ({"lines": [{"item_code": "QNOTANITEM1X"}]}, "lines[0].item_code"),
    ],
)
def test_bad_orders_are_400_naming_the_field_and_write_nothing(world, change, field):
    base = order_payload(world, lines=[{"sku": "SERUM-30"}])
    answer = create(world.platform, {**base, **change})
    assert answer.status_code == 400, answer.json()
    fields = answer.json()["error"]["fields"]
    assert any(name.startswith(field) for name in fields), fields
    assert not Order.objects.exists()


def test_only_the_platform_sends_orders(world):
    payload = order_payload(world, lines=[{"sku": "SERUM-30"}])
    for user in (world.merchant_user, world.station, world.inspector):
        assert create(user, payload).status_code == 403
    assert not Order.objects.exists()


def test_merchants_see_their_orders_masked_and_never_another_merchants(world, qc):
    payload = order_payload(world, lines=[{"sku": "SERUM-30"}])
    create(world.platform, payload)
    url = f"/api/v1/orders/{payload['order_id']}/"

    full = api_client(world.platform).get(url).json()["buyer"]
    assert full["phone"] == "13800138000"
    mine = api_client(world.merchant_user).get(url)
    assert mine.status_code == 200
    assert mine.json()["buyer"]["phone"] == "138****8000"
    assert mine.json()["buyer"]["name"] == "王**"
    assert "email" not in mine.json()["buyer"]
    assert api_client(world.merchant2_user).get(url).status_code == 404
    listed = api_client(world.merchant2_user).get("/api/v1/orders/").json()
    assert listed["count"] == 0
    assert api_client(world.station_sih).get(url).status_code == 404


def test_an_item_on_its_way_for_a_cancelled_order_is_refused_at_receiving(world, qc):
    payload = order_payload(world, lines=[{"sku": "BANGLE-1"}])
    create(world.platform, payload)
    item = announce(world, {**jade_row(), "order_ref": payload["order_id"]})
    api_client(world.platform).post(
        f"/api/v1/orders/{payload['order_id']}/cancel/", format="json"
    )

    scan = api_client(world.station).post(
        "/api/v1/scans/", {"barcode": item.code, "action": "receive"}, format="json"
    )

    assert scan.status_code == 409
    assert scan.json()["error"]["code"] == "order_cancelled"
    item.refresh_from_db()
    assert item.state == S.ANNOUNCED


def test_with_the_hold_policy_it_is_inspected_and_held_for_the_merchant(world, qc):
    MerchantPolicy.objects.create(
        merchant=world.merchant, on_cancel=MerchantPolicy.OnCancel.HOLD
    )
    payload = order_payload(world, lines=[{"sku": "BANGLE-1"}])
    create(world.platform, payload)
    api_client(world.platform).post(
        f"/api/v1/orders/{payload['order_id']}/cancel/", format="json"
    )
    item = certified(world, {**jade_row(), "order_ref": payload["order_id"]})

    assert item.state == S.CERTIFIED  # never allocated to the cancelled order
    held = HeldForMerchant.objects.get(item=item)
    assert held.decision == "pending"
    other = api_client(world.merchant2_user).post(
        f"/api/v1/items/{item.code}/decision/", {"decision": "keep"}, format="json"
    )
    assert other.status_code == 404
    kept = api_client(world.merchant_user).post(
        f"/api/v1/items/{item.code}/decision/", {"decision": "keep"}, format="json"
    )
    assert kept.status_code == 200, kept.json()
    item.refresh_from_db()
    assert item.stock.quantity == 1  # now stock of its SKU
    again = api_client(world.merchant_user).post(
        f"/api/v1/items/{item.code}/decision/", {"decision": "return"}, format="json"
    )
    assert again.status_code == 409


def test_cancelling_an_allocated_order_holds_the_item_and_a_return_sends_it_back(
    world, qc
):
    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = "0757-22334455"
    world.merchant.save()
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    create(world.platform, payload)
    run_jobs()
    item.refresh_from_db()
    assert item.state == S.ALLOCATED

    cancelled = api_client(world.platform).post(
        f"/api/v1/orders/{payload['order_id']}/cancel/", {"reason": "x"}, format="json"
    )
    assert cancelled.json()["status"] == "cancelled"
    item.refresh_from_db()
    assert item.state == S.CERTIFIED
    back = api_client(world.merchant_user).post(
        f"/api/v1/items/{item.code}/decision/", {"decision": "return"}, format="json"
    )
    assert back.status_code == 200, back.json()
    item.refresh_from_db()
    assert item.state == S.RETURNING
    with pytest.raises(Conflict):
        lifecycle.item_allocate(item=item, actor=None)


def test_a_dispatched_order_cannot_be_cancelled(world, qc):
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    create(world.platform, payload)
    run_jobs()
    api_client(world.station).post(
        f"/api/v1/orders/{payload['order_id']}/pack/", format="json"
    )
    run_jobs()
    assert label_scan(world.station, tracking_of(item)).status_code == 200
    answer = api_client(world.platform).post(
        f"/api/v1/orders/{payload['order_id']}/cancel/", format="json"
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "order_dispatched"


def test_a_cancellation_ahead_of_its_order_binds_only_its_own_platform(world, qc):
    other = f.PlatformFactory(user=f.UserFactory(username="platform-b")).user
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    cancel = f"/api/v1/orders/{payload['order_id']}/cancel/"

    ahead = api_client(other).post(cancel, {"reason": "x"}, format="json")
    assert ahead.status_code == 202

    answer = create(world.platform, payload)
    assert answer.status_code == 201
    assert answer.json()["status"] == "allocated"
    assert Order.objects.get(external_id=payload["order_id"]).status == "allocated"


def test_an_item_cannot_be_ordered_twice(world, qc):
    item = certified(world)
    create(world.platform, order_payload(world, lines=[{"item_code": item.code}]))
    second = create(
        world.platform, order_payload(world, lines=[{"item_code": item.code}])
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "item_unavailable"


def test_a_merchant_sets_its_cancellation_policy_through_the_api(world):
    url = "/api/v1/merchant-policy/"
    mine = api_client(world.merchant_user)
    assert mine.get(url).json() == {
        "on_cancel": "refuse",
        "return_carrier": "sf",
        "return_to": None,
    }

    changed = mine.put(url, {"on_cancel": "hold", "return_carrier": "zto"}, "json")

    assert changed.status_code == 200, changed.json()
    assert MerchantPolicy.objects.get(merchant=world.merchant).on_cancel == "hold"
    bad = mine.put(url, {"on_cancel": "burn", "return_carrier": "zto"}, "json")
    assert bad.status_code == 400
    assert "on_cancel" in bad.json()["error"]["fields"]
    assert MerchantPolicy.objects.get(merchant=world.merchant).on_cancel == "hold"
    other = api_client(world.merchant2_user).get(url).json()
    assert other["on_cancel"] == "refuse"  # its own, untouched
    assert (
        api_client(world.platform).put(url, {"on_cancel": "hold"}, "json").status_code
        == 403
    )


@pytest.mark.parametrize("kind", ["stock", "item", "waiting"])
def test_the_answers_to_create_and_pack_are_the_order_and_parcel_as_read_back(
    world, qc, kind
):
    from .conftest import certified_lot

    if kind == "stock":
        lot = certified_lot(world, quantity=5)
        lines = [{"sku": lot.sku, "quantity": 2}]
    elif kind == "item":
        lines = [{"item_code": certified(world).code}]
    else:  # nothing to allocate yet: the line waits
        lines = [{"sku": "NOT-IN-STOCK", "quantity": 1}]
    payload = order_payload(world, lines=lines)

    created = create(world.platform, payload)

    assert created.status_code == 201, created.json()
    url = f"/api/v1/orders/{payload['order_id']}/"
    read = api_client(world.platform).get(url).json()
    assert created.json() == read
    assert bool(read["lines"][0]["allocated"]) == (kind != "waiting")
    if kind == "waiting":
        return
    packed = api_client(world.station).post(f"{url}pack/", format="json")
    assert packed.status_code == 200, packed.json()
    parcel = packed.json()["reference"]
    shown = api_client(world.station).get(f"/api/v1/shipments/{parcel}/").json()
    assert packed.json() == shown
    assert shown["items"] and shown["order_id"] == payload["order_id"]
    again = api_client(world.station).post(f"{url}pack/", format="json")
    assert again.json() == shown  # a repeat answers the same parcel


def _receive(world, item):
    return api_client(world.station).post(
        "/api/v1/scans/", {"barcode": item.code, "action": "receive"}, format="json"
    )


def test_an_item_named_by_code_on_a_cancelled_order_is_refused_at_receiving(world):
    item = announce(world, jade_row())
    payload = order_payload(world, lines=[{"item_code": item.code}])
    assert create(world.platform, payload).status_code == 201
    api_client(world.platform).post(
        f"/api/v1/orders/{payload['order_id']}/cancel/", format="json"
    )

    scan = _receive(world, item)

    assert scan.status_code == 409
    assert payload["order_id"] in scan.json()["error"]["message"]
    item.refresh_from_db()
    assert item.state == S.ANNOUNCED


def test_only_a_cancelled_order_of_the_items_own_merchant_refuses_it(world):
    payload = order_payload(world, lines=[{"sku": "BANGLE-1"}])
    create(world.platform, payload)
    api_client(world.platform).post(
        f"/api/v1/orders/{payload['order_id']}/cancel/", format="json"
    )
    other = announce(
        world,
        {**jade_row(), "order_ref": payload["order_id"]},
        merchant=world.merchant2,
        user=world.merchant2_user,
    )
    open_order = order_payload(world, lines=[{"sku": "BANGLE-1"}])
    create(world.platform, open_order)
    mine = announce(world, {**jade_row(), "order_ref": open_order["order_id"]})

    assert _receive(world, other).status_code == 200
    assert _receive(world, mine).status_code == 200
