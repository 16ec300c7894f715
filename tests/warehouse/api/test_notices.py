"""POST/GET /api/v1/inbound-notices/: announcing shipments, and who sees them."""

import pytest

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.common.exceptions import InvalidInput
from warehouse.models import InboundNotice, Item, ItemEvent, ItemState
from warehouse.services import inbound_notice_create

URL = "/api/v1/inbound-notices/"


def client_for(user=None):
    """An API client for ``user`` that asks for English messages."""
    client = api_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def item_row(n: int, **overrides) -> dict:
    row = {
        "sku": f"BANGLE-{n}",
        "title": f"Nephrite bangle #{n}",
        "category": "jewellery-jade",
        "serial": f"SN-{n:06d}",
        "order_ref": f"ORD-{n}",
        "claim": {"material": "nephrite jade", "weight_g": 52.31},
    }
    row.update(overrides)
    return row


def notice_body(count: int = 3, *, reference: str = "ASN-1", **overrides) -> dict:
    body = {
        "reference": reference,
        "warehouse": "GZ",
        "carrier": "sf",
        "tracking_number": "SF1234567890",
        "items": [item_row(n) for n in range(count)],
    }
    body.update(overrides)
    return body


def post_notice(user, body):
    return client_for(user).post(URL, body, format="json")


def notice_for(merchant, warehouse, **kwargs):
    """A notice (with two announced items) made without the API."""
    notice = f.NoticeFactory(merchant=merchant, warehouse=warehouse, **kwargs)
    for line in range(2):
        f.ItemFactory(notice=notice, line=line, serial=f"{notice.reference}-{line}")
    notice.item_count = 2
    notice.save(update_fields=["item_count"])
    return notice


# --- Create --------------------------------------------------------------------


def test_merchant_announces_a_notice_and_gets_every_item_code(world):
    """201 with the notice and one row per item, each with its warehouse code."""
    response = post_notice(world.merchant_user, notice_body(3))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "ASN-1"
    assert body["merchant"] == "JADEHOME"
    assert body["warehouse"] == "GZ"
    assert body["carrier"] == "sf"
    assert body["tracking_number"] == "SF1234567890"
    assert body["status"] == "announced"
    assert body["item_count"] == 3
    assert [row["line"] for row in body["items"]] == [0, 1, 2]
    assert [row["serial"] for row in body["items"]] == [
        "SN-000000",
        "SN-000001",
        "SN-000002",
    ]
    assert all(row["state"] == "announced" for row in body["items"])
    codes = [row["code"] for row in body["items"]]
    assert len(set(codes)) == 3
    stored = Item.objects.filter(notice_id=body["id"])
    assert sorted(stored.values_list("code", flat=True)) == sorted(codes)
    item = stored.get(line=0)
    assert item.merchant == world.merchant
    assert item.warehouse == world.gz
    assert item.claim == {"material": "nephrite jade", "weight_mg": 52310}
    assert item.state == ItemState.ANNOUNCED
    notice = InboundNotice.objects.get(pk=body["id"])
    assert notice.created_by == world.merchant_user
    # The announcement is the notice; an item's history starts when it moves.
    assert not ItemEvent.objects.exists()


def test_one_bad_row_among_fifty_refuses_the_whole_notice(world):
    """Row 17's impossible weight names that row and field; nothing is written."""
    body = notice_body(50)
    body["items"][17]["claim"]["weight_g"] = -3

    response = post_notice(world.merchant_user, body)

    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": {
            "code": "invalid_items",
            "message": "Item 17, claim.weight_g: Weight must be greater than 0.",
            "fields": {"items[17].claim.weight_g": ["Weight must be greater than 0."]},
        }
    }
    assert not InboundNotice.objects.exists()
    assert not Item.objects.exists()
    assert not ItemEvent.objects.exists()


def test_every_bad_row_is_named_at_once(world):
    """Several bad rows are reported together, each under its own key."""
    body = notice_body(5)
    body["items"][1]["category"] = "spaceships"
    del body["items"][3]["claim"]["material"]
    body["items"][4]["serial"] = body["items"][0]["serial"]

    response = post_notice(world.merchant_user, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_items"
    assert error["message"] == (
        "Item 1, category: Unknown category spaceships; use one of: Cosmetics, "
        "Jewellery and jade."
    )
    assert error["fields"] == {
        "items[1].category": [
            "Unknown category spaceships; use one of: Cosmetics, Jewellery and jade."
        ],
        "items[3].claim.material": ["This claim is required."],
        "items[4].serial": ["Serial SN-000000 is already on item 0 of this notice."],
    }
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"warehouse": "NOWHERE"}, "warehouse", "Unknown warehouse 'NOWHERE'."),
        ({"items": []}, "items", "A notice needs at least one item."),
        ({"items": "lots"}, "items", "A notice needs at least one item."),
        ({"reference": "   "}, "reference", "This field may not be blank."),
    ],
)
def test_bad_notice_header_is_400(world, change, field, message):
    """A bad header field answers 400 naming the field; nothing is written."""
    response = post_notice(world.merchant_user, notice_body(2, **change))

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["message"] == message
    assert field in error["fields"]
    assert not InboundNotice.objects.exists()


def lot_row(**overrides) -> dict:
    row = {
        "sku": "SERUM-30ML",
        "title": "Serum 30 ml",
        "category": "cosmetics",
        "quantity": 24,
        "claim": {"expiry_date": "2027-06-30", "packaging": "sealed box"},
    }
    row.update(overrides)
    return row


def test_a_stock_first_lot_is_one_item_with_its_quantity(world):
    """A cosmetics lot of 24 units is one item carrying quantity 24."""
    response = post_notice(world.merchant_user, notice_body(items=[lot_row()]))

    assert response.status_code == 201, response.content
    item = Item.objects.get(code=response.json()["items"][0]["code"])
    assert item.quantity == 24
    assert item.claim == {"expiry_date": "2027-06-30", "packaging": "sealed box"}


@pytest.mark.parametrize(
    ("quantity", "code"),
    # Past any integer column, the API's JSON parser refuses it
    # (warehouse.common.parsers).
    [(2**31, "invalid_items"), (2**70, "invalid")],
)
def test_an_impossible_quantity_is_400_not_500(world, quantity, code):
    """A quantity no column can hold is bad input, named by row and field."""
    client = client_for(world.merchant_user)
    client.raise_request_exception = False

    response = client.post(
        URL, notice_body(items=[lot_row(quantity=quantity)]), format="json"
    )

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert list(error["fields"]) == ["items[0].quantity"]
    assert not InboundNotice.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sku": "SERUM\x0030"}, "sku"),
        ({"title": "Serum\x00"}, "title"),
        (
            {"claim": {"expiry_date": "2027-06-30", "packaging": "box\x00"}},
            "claim.packaging",
        ),
    ],
)
def test_nul_characters_in_item_text_are_400_not_500(world, change, field):
    """NUL cannot be stored (PostgreSQL refuses it): bad input, not a crash.

    The API's JSON parser refuses it before the notice is read
    (``warehouse.common.parsers``); rows from elsewhere (an uploaded file) meet the
    service's own check (:func:`test_the_service_refuses_nul_in_rows_itself`)."""
    client = client_for(world.merchant_user)
    client.raise_request_exception = False

    response = client.post(URL, notice_body(items=[lot_row(**change)]), format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert f"items[0].{field}" in error["fields"]
    assert not Item.objects.exists()


def test_the_service_refuses_nul_in_rows_itself(world):
    """Rows that did not come through the API's parser (a file) are checked too."""
    with pytest.raises(InvalidInput) as refused:
        inbound_notice_create(
            merchant=world.merchant,
            warehouse_code="GZ",
            reference="ASN-NUL",
            items=[lot_row(title="Serum\x00")],
            actor=world.merchant_user,
        )

    assert refused.value.code == "invalid_items"
    assert "items[0].title" in refused.value.fields
    assert not Item.objects.exists()


def test_a_notice_past_the_item_limit_is_refused(world, settings):
    """More rows than INBOUND_NOTICE_MAX_ITEMS: 400, split the shipment."""
    settings.INBOUND_NOTICE_MAX_ITEMS = 5

    response = post_notice(world.merchant_user, notice_body(6))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "A notice holds at most 5 items; split the shipment."
    assert error["fields"] == {"items": ["Too many items."]}
    assert not InboundNotice.objects.exists()


def test_a_serial_still_in_our_care_cannot_be_announced_again(world):
    """The same merchant serial twice while the first is here: 400 on that row."""
    assert post_notice(world.merchant_user, notice_body(1)).status_code == 201

    response = post_notice(
        world.merchant_user,
        notice_body(reference="ASN-2", items=[item_row(5), item_row(0)]),
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "items[1].serial": [
            "Serial SN-000000 is already announced and still in our care."
        ]
    }


def test_missing_items_key_is_400_in_the_error_shape(world):
    """The request serializer's own errors use the one JSON error shape."""
    body = notice_body(1)
    del body["items"]

    response = post_notice(world.merchant_user, body)

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "This field is required.",
            "fields": {"items": ["This field is required."]},
        }
    }


def test_a_reference_is_used_once_per_merchant(world):
    """The same reference again is 409; another merchant may use it."""
    assert post_notice(world.merchant_user, notice_body(1)).status_code == 201

    again = post_notice(
        world.merchant_user, notice_body(1, items=[item_row(0, serial="NEW-0")])
    )
    other = post_notice(
        world.merchant2_user,
        notice_body(1, items=[item_row(0, serial="OTHER-0")]),
    )

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_reference"
    assert again.json()["error"]["message"] == "Notice ASN-1 already exists."
    assert other.status_code == 201
    assert InboundNotice.objects.count() == 2


@pytest.mark.parametrize(
    "who", ["station", "inspector", "supervisor", "platform", "admin"]
)
def test_only_merchants_announce(world, who):
    """Every other role gets 403 in the error shape, and nothing is written."""
    response = post_notice(getattr(world, who), notice_body(1))

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "Your role may not do this.",
            "fields": {},
        }
    }
    assert not InboundNotice.objects.exists()


def test_unauthenticated_announcement_is_401_in_the_error_shape(world):
    """No token: 401 with a Token challenge, in the error shape."""
    response = post_notice(None, notice_body(1))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "fields": {},
        }
    }
    assert not InboundNotice.objects.exists()


def test_a_two_thousand_item_notice_lands_in_one_piece(world):
    """2,000 rows: one notice with 2,000 announced items with distinct codes."""
    body = notice_body(2000, reference="ASN-BIG")

    response = post_notice(world.merchant_user, body)

    assert response.status_code == 201, response.content[:500]
    payload = response.json()
    assert payload["item_count"] == 2000
    assert len(payload["items"]) == 2000
    assert [row["line"] for row in payload["items"]] == list(range(2000))
    codes = {row["code"] for row in payload["items"]}
    assert len(codes) == 2000
    notice = InboundNotice.objects.get(reference="ASN-BIG")
    assert notice.item_count == 2000
    assert set(notice.items.values_list("code", flat=True)) == codes
    assert notice.items.filter(state=ItemState.ANNOUNCED).count() == 2000
    assert notice.items.get(line=1999).serial == "SN-001999"


# --- List and detail -----------------------------------------------------------


def test_merchant_lists_only_its_own_notices(world):
    """The list is paginated and holds only the caller's merchant's notices."""
    mine = notice_for(world.merchant, world.gz, reference="MINE-1")
    notice_for(world.merchant2, world.gz, reference="THEIRS-1")

    response = client_for(world.merchant_user).get(URL)
    other = client_for(world.merchant2_user).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["next"] is None
    assert [n["id"] for n in body["results"]] == [mine.pk]
    assert body["results"][0]["reference"] == "MINE-1"
    assert [n["reference"] for n in other.json()["results"]] == ["THEIRS-1"]


def test_notice_list_filters_by_status_and_paginates(world):
    """?status= narrows the list; ?page_size= pages it."""
    for n in range(3):
        notice_for(world.merchant, world.gz, reference=f"A-{n}")
    receiving = notice_for(
        world.merchant, world.gz, reference="R-1", status=InboundNotice.Status.RECEIVING
    )
    client = client_for(world.merchant_user)

    filtered = client.get(URL, {"status": "receiving"})
    page = client.get(URL, {"page_size": 2})
    bad = client.get(URL, {"status": "lost"})

    assert filtered.status_code == 200
    assert [n["id"] for n in filtered.json()["results"]] == [receiving.pk]
    assert filtered.json()["results"][0]["status"] == "receiving"
    assert page.json()["count"] == 4
    assert len(page.json()["results"]) == 2
    assert "page=2" in page.json()["next"]
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
    assert "status" in bad.json()["error"]["fields"]


def test_notice_detail_has_items_and_counts_per_state(world):
    """Detail: the notice, its item rows in line order, and a count per state."""
    created = post_notice(world.merchant_user, notice_body(3)).json()
    first = Item.objects.get(code=created["items"][0]["code"])
    lifecycle.item_receive(item=first, actor=world.station)

    response = client_for(world.merchant_user).get(f"{URL}{created['id']}/")

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == "ASN-1"
    assert body["states"] == {"announced": 2, "received": 1}
    assert [row["code"] for row in body["items"]] == [
        row["code"] for row in created["items"]
    ]
    assert body["items"][0] == {
        "line": 0,
        "code": first.code,
        "sku": "BANGLE-0",
        "serial": "SN-000000",
        "order_ref": "ORD-0",
        "state": ItemState.RECEIVED,
    }


def test_another_merchants_notice_is_404_and_not_listed(world):
    """merchant2 can neither open nor list merchant1's notice."""
    notice = notice_for(world.merchant, world.gz, reference="SECRET")
    client = client_for(world.merchant2_user)

    detail = client.get(f"{URL}{notice.pk}/")
    listed = client.get(URL)
    unknown = client.get(f"{URL}{notice.pk + 1000}/")

    assert detail.status_code == 404
    assert detail.json() == {
        "error": {
            "code": "notice_not_found",
            "message": f"No inbound notice {notice.pk}.",
            "fields": {},
        }
    }
    # Indistinguishable from a notice that does not exist at all.
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "notice_not_found"
    assert listed.json()["count"] == 0


def test_a_station_sees_only_its_warehouses_notices(world):
    """A Guangzhou station lists and opens Guangzhou notices, not Sihui ones."""
    gz = notice_for(world.merchant, world.gz, reference="TO-GZ")
    sih = notice_for(world.merchant2, world.sih, reference="TO-SIH")
    client = client_for(world.station)

    listed = client.get(URL)

    assert [n["id"] for n in listed.json()["results"]] == [gz.pk]
    assert client.get(f"{URL}{gz.pk}/").status_code == 200
    assert client.get(f"{URL}{sih.pk}/").status_code == 404
    sih_station = client_for(world.station_sih).get(URL)
    assert [n["id"] for n in sih_station.json()["results"]] == [sih.pk]


def test_platform_and_admin_list_every_notice(world):
    """Those who see all get both warehouses' notices."""
    notice_for(world.merchant, world.gz, reference="TO-GZ")
    notice_for(world.merchant2, world.sih, reference="TO-SIH")

    for user in (world.platform, world.admin):
        body = client_for(user).get(URL).json()
        assert sorted(n["reference"] for n in body["results"]) == ["TO-GZ", "TO-SIH"]


def test_notice_list_needs_authentication(world):
    """No token: 401 in the error shape."""
    response = client_for().get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
