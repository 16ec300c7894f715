"""POST /api/v1/scans/: stations look items up and receive them by any barcode."""

import pytest

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.models import (
    InboundNotice,
    Item,
    ItemEvent,
    ItemState,
    ScanLog,
    Tag,
)
from warehouse.serializers import ItemSerializer, item_summary

URL = "/api/v1/scans/"
GTIN = "07032069804988"
OTHER_GTIN = "05901234123457"
SERIAL = "SER123"


def client_for(user=None):
    """An API client for ``user`` that asks for English messages."""
    client = api_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def scan(user, barcode, action="lookup", **extra):
    return client_for(user).post(
        URL, {"barcode": barcode, "action": action, **extra}, format="json"
    )


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


@pytest.fixture
def item(world):
    """An announced jade bangle of merchant1, expected in Guangzhou."""
    notice = f.NoticeFactory(
        merchant=world.merchant, warehouse=world.gz, reference="ASN-SCAN"
    )
    return f.ItemFactory(
        notice=notice, category=world.jade, serial=SERIAL, gtin=GTIN, line=0
    )


def barcode_for(kind: str, item: Item) -> str:
    """The same item named by each kind of barcode a station may send."""
    if kind == "tag":
        Tag.objects.create(value="TAG-000042", item=item)
    return {
        "code": item.code,
        "serial": SERIAL,
        "tag": "TAG-000042",
        "gs1_hri": f"(01){GTIN}(21){SERIAL}",
        "gs1_raw": f"01{GTIN}21{SERIAL}",
        "gs1_aim": f"]C101{GTIN}21{SERIAL}",
    }[kind]


KINDS = ["code", "serial", "tag", "gs1_hri", "gs1_raw", "gs1_aim"]


# --- Lookup and receive ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_lookup_by_any_barcode_answers_the_item(world, item, kind):
    """Item code, serial, bound tag or GS1 string: the same item, unchanged."""
    response = scan(world.station, barcode_for(kind, item))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "lookup"
    assert body["item"]["code"] == item.code
    assert body["item"]["state"] == "announced"
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED
    assert not ItemEvent.objects.filter(item=item).exists()


def test_scan_answer_carries_what_a_station_needs(world, item):
    """Code, state, merchant, category, claim and the next allowed actions."""
    item = scan(world.station, item.code).json()["item"]

    assert item["state"] == "announced"
    assert item["merchant"] == {"code": "JADEHOME", "name": "Merchant JADEHOME"}
    assert item["category"] == {
        "code": "jewellery-jade",
        "name": "Jewellery and jade",
        "name_zh": "",
    }
    assert item["warehouse"] == "GZ"
    assert item["claim"] == {"material": "nephrite jade", "weight_mg": 52310}
    assert item["allowed_actions"] == ["receive"]
    assert item["serial"] == SERIAL
    assert item["gtin"] == GTIN


def test_gs1_scan_answer_summarises_the_gs1_fields(world, item):
    """A GS1 scan also answers what the barcode said (GTIN, serial, dates)."""
    response = scan(world.station, f"(01){GTIN}(17)271231(21){SERIAL}")

    assert response.status_code == 200, response.content
    assert response.json()["gs1"] == {
        "gtin": GTIN,
        "serial": SERIAL,
        "expiry_date": "2027-12-31",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_receive_by_any_barcode_moves_the_item_to_received(world, item, kind):
    """The item becomes received, with one event naming station and actor."""
    barcode = barcode_for(kind, item)

    response = scan(world.station, barcode, "receive")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "receive"
    assert body["item"]["code"] == item.code
    assert body["item"]["state"] == "received"
    assert body["item"]["allowed_actions"] == ["inspect"]
    assert body["item"]["received_at"] is not None
    item.refresh_from_db()
    assert item.state == ItemState.RECEIVED
    event = ItemEvent.objects.get(item=item)
    assert (event.from_state, event.to_state) == ("announced", "received")
    assert event.station.code == "GZ-RCV-01"
    assert event.actor == world.station
    assert event.payload["barcode"] == barcode
    assert item.notice.status == InboundNotice.Status.RECEIVED


def test_receiving_one_of_two_items_makes_the_notice_receiving(world, item):
    """The notice is receiving while one of its items is still announced."""
    f.ItemFactory(notice=item.notice, category=world.jade, line=1)

    assert scan(world.station, item.code, "receive").status_code == 200

    item.notice.refresh_from_db()
    assert item.notice.status == InboundNotice.Status.RECEIVING


def test_receive_binds_a_tag_and_puts_the_item_at_a_location(world, item):
    """``tag`` is bound (then scannable); ``location`` is recorded."""
    location = f.LocationFactory(warehouse=world.gz)

    response = scan(
        world.station,
        item.code,
        "receive",
        tag="TAG-77",
        location=location.barcode,
    )

    assert response.status_code == 200, response.content
    assert response.json()["item"]["location"] == location.barcode
    tag = Tag.objects.get(value="TAG-77")
    assert tag.item == item
    assert tag.station.code == "GZ-RCV-01"
    looked_up = scan(world.station, "TAG-77")
    assert looked_up.json()["item"]["code"] == item.code


def test_a_used_tag_is_refused_and_the_receive_rolls_back(world, item):
    """Tags are single use: 409 tag_used, and the second item stays announced."""
    other = f.ItemFactory(notice=item.notice, category=world.jade, line=1)
    assert scan(world.station, item.code, "receive", tag="TAG-1").status_code == 200

    response = scan(world.station, other.code, "receive", tag="TAG-1")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "tag_used"
    assert error["message"] == (
        "Tag TAG-1 is already bound to another item; use a new tag."
    )
    other.refresh_from_db()
    assert other.state == ItemState.ANNOUNCED
    assert not ItemEvent.objects.filter(item=other).exists()


def test_receive_at_an_unknown_location_is_404(world, item):
    """A location barcode of another warehouse (or none) is refused; no change."""
    elsewhere = f.LocationFactory(warehouse=world.sih)

    response = scan(world.station, item.code, "receive", location=elsewhere.barcode)

    assert response.status_code == 404
    assert error_of(response)["code"] == "location_not_found"
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED


# --- Refusals ---------------------------------------------------------------------


def test_gs1_with_a_bad_check_digit_is_400_with_the_reason(world, item):
    """A wrong GTIN check digit is caught before any lookup, and says so."""
    response = scan(world.station, f"(01){GTIN[:-1]}7(21){SERIAL}", "receive")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "barcode_check_digit"
    assert error["message"].startswith("GS1 barcode has a wrong check digit:")
    assert "Expected 8, got 7" in error["message"]
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED


def test_a_mistyped_item_code_is_400_not_404(world, item):
    """One wrong character in an item code: the check character catches it."""
    wrong = item.code[:5] + ("X" if item.code[5] != "X" else "Y") + item.code[6:]

    response = scan(world.station, wrong)

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "barcode_check_digit",
        "message": f"{wrong} is not a valid item code: its check character is "
        "wrong. Rescan or retype it.",
        "fields": {},
    }


def test_an_unknown_barcode_is_404(world, item):
    """A well-formed barcode naming nothing: 404 item_not_found."""
    response = scan(world.station, "NO-SUCH-THING")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "item_not_found",
        "message": "No item for barcode NO-SUCH-THING.",
        "fields": {},
    }


def test_receiving_twice_is_409_naming_the_state(world, item):
    """The second receive is refused with the item's state and allowed moves."""
    assert scan(world.station, item.code, "receive").status_code == 200

    response = scan(world.station, item.code, "receive")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "invalid_transition"
    assert error["message"] == (
        f"Item {item.code} is received and cannot become received; "
        "allowed next: inspecting."
    )
    assert error["fields"]["state"] == "received"
    assert ItemEvent.objects.filter(item=item).count() == 1


def test_a_serial_shared_by_two_items_is_ambiguous(world, item):
    """Two merchants' items with one serial: 409, scan the item code instead."""
    notice2 = f.NoticeFactory(merchant=world.merchant2, warehouse=world.gz)
    f.ItemFactory(notice=notice2, category=world.jade, serial=SERIAL, line=0)

    response = scan(world.station, SERIAL, "receive")

    assert response.status_code == 409
    assert error_of(response)["code"] == "ambiguous_barcode"
    assert error_of(response)["message"] == (
        "Serial SER123 matches several items; scan the item code instead."
    )
    assert not ItemEvent.objects.exists()


def test_a_gs1_gtin_that_differs_from_the_announced_one_is_409(world, item):
    """Serial matches, GTIN does not: the goods are not what was announced."""
    response = scan(world.station, f"(01){OTHER_GTIN}(21){SERIAL}", "receive")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "gtin_mismatch"
    assert OTHER_GTIN in error["message"]
    assert GTIN in error["message"]
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED


@pytest.mark.parametrize("action", ["lookup", "receive"])
@pytest.mark.parametrize("kind", ["code", "serial", "gs1_hri"])
def test_a_station_of_another_warehouse_gets_404(world, item, kind, action):
    """A Sihui station cannot see a Guangzhou item, by any barcode."""
    response = scan(world.station_sih, barcode_for(kind, item), action)

    assert response.status_code == 404
    assert error_of(response)["code"] == "item_not_found"
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED
    log = ScanLog.objects.get()
    assert log.item is None  # the log does not leak the item either


def test_an_inspector_may_look_up_but_not_receive(world, item):
    """Inspectors scan to open items; receiving is for stations and supervisors."""
    lookup = scan(world.inspector, item.code)
    receive = scan(world.inspector, item.code, "receive")

    assert lookup.status_code == 200
    assert receive.status_code == 403
    assert error_of(receive) == {
        "code": "role_cannot_receive",
        "message": "Only a station or a supervisor receives items.",
        "fields": {},
    }
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED


def test_a_supervisor_of_the_warehouse_may_receive(world, item):
    """Supervisors receive too; the event has no station."""
    response = scan(world.supervisor, item.code, "receive")

    assert response.status_code == 200
    event = ItemEvent.objects.get(item=item)
    assert event.actor == world.supervisor
    assert event.station is None


@pytest.mark.parametrize("who", ["merchant_user", "merchant2_user", "platform"])
@pytest.mark.parametrize("action", ["lookup", "receive"])
def test_merchants_and_the_platform_cannot_scan(world, item, who, action):
    """403 whatever the item, so a merchant cannot probe for another's item."""
    response = scan(getattr(world, who), item.code, action)

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert error_of(response)["message"]  # its language: see api/test_items
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED


def test_an_unauthenticated_scan_is_401(world, item):
    """No token: 401 in the error shape."""
    response = scan(None, item.code)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"barcode": "X"}, "action", "This field is required."),
        ({"barcode": "X", "action": "fly"}, "action", '"fly" is not a valid choice.'),
        ({"action": "lookup"}, "barcode", "This field is required."),
        (
            {"barcode": "", "action": "lookup"},
            "barcode",
            "This field may not be blank.",
        ),
        (
            [1, 2],
            "non_field_errors",
            "Invalid data. Expected a dictionary, but got list.",
        ),
    ],
)
def test_a_bad_scan_body_is_400_in_the_error_shape(world, body, field, message):
    """Missing or wrong fields: 400, code invalid, the field named."""
    response = client_for(world.station).post(URL, body, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"] == message
    assert error["fields"][field] == [message]


def test_a_blank_barcode_after_trimming_is_400(world):
    """Whitespace only: the barcode parser refuses it."""
    response = scan(world.station, "   ")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "barcode_invalid",
        "message": "The barcode is empty.",
        "fields": {},
    }


# --- The scan log ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "barcode", "action", "status", "outcome", "error_code"),
    [
        ("station", "{code}", "lookup", 200, "accepted", ""),
        ("station", "{code}", "receive", 200, "accepted", ""),
        ("inspector", "{code}", "lookup", 200, "accepted", ""),
        ("inspector", "{code}", "receive", 403, "refused", "role_cannot_receive"),
        ("station", "NOPE", "lookup", 404, "refused", "item_not_found"),
        ("station_sih", "{code}", "receive", 404, "refused", "item_not_found"),
        ("station", "{mistyped}", "lookup", 400, "refused", "barcode_check_digit"),
        (
            "station",
            "(01)07032069804987",
            "lookup",
            400,
            "refused",
            "barcode_check_digit",
        ),
        ("station", "{code}", "fly", 400, "refused", "invalid"),
        ("station", "{code}", "", 400, "refused", "invalid"),
    ],
)
def test_every_scan_writes_exactly_one_scan_log_row(
    world, item, user, barcode, action, status, outcome, error_code
):
    """Accepted or refused, one row: station, barcode, action, outcome, error."""
    mistyped = item.code[:-1] + ("0" if item.code[-1] != "0" else "1")
    barcode = barcode.format(code=item.code, mistyped=mistyped)
    caller = getattr(world, user)

    response = scan(caller, barcode, action)

    assert response.status_code == status, response.content
    log = ScanLog.objects.get()
    assert log.barcode == barcode
    assert log.action == action
    assert log.outcome == outcome
    assert log.error_code == error_code
    assert log.user == caller
    expected_station = getattr(caller, "station", None) if "station" in user else None
    assert log.station == expected_station
    if outcome == "refused":
        assert log.message  # its content: see the test below
    else:
        assert log.item == item
        assert log.message == ""


def test_a_refused_receive_logs_the_item_it_was_about(world, item):
    """Receive twice: two rows, the second refused with invalid_transition."""
    scan(world.station, item.code, "receive")
    scan(world.station, item.code, "receive")

    first, second = ScanLog.objects.order_by("id")
    assert (first.outcome, first.error_code) == ("accepted", "")
    assert (second.outcome, second.error_code) == ("refused", "invalid_transition")
    assert second.item == item
    assert second.station.code == "GZ-RCV-01"
    assert second.action == "receive"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"barcode": "X", "action": "fly"}, '"fly" is not a valid choice.'),
        ({"barcode": "X"}, "This field is required."),
    ],
)
def test_the_scan_log_message_is_the_message_the_station_got(world, body, message):
    """A refused scan's log row holds the readable message, not a Python repr."""
    response = client_for(world.station).post(URL, body, format="json")

    assert error_of(response)["message"] == message
    assert ScanLog.objects.get().message == message


def test_the_scan_log_message_of_a_domain_refusal_is_the_answer(world, item):
    """A refusal by the domain logs exactly the message the station was given."""
    response = scan(world.station, "NO-SUCH-THING")

    assert ScanLog.objects.get().message == error_of(response)["message"]


@pytest.mark.parametrize("state", ["announced", "received"])
def test_the_scan_answer_has_the_item_exactly_as_the_item_api_shows_it(world, state):
    """The scan's fast item summary is, key for key, what ItemSerializer gives."""
    location = f.LocationFactory(warehouse=world.gz)
    item = f.ItemFactory(
        notice__merchant=world.merchant,
        notice__warehouse=world.gz,
        serial="SN-9",
        gtin="07032069804988",
        order_ref="LS-1",
    )
    if state == "received":
        lifecycle.item_receive(
            item=item,
            actor=world.station,
            station=world.station.station,
            location=location,
        )
    item = Item.objects.select_related(
        "merchant", "category", "warehouse", "location"
    ).get(pk=item.pk)

    assert item_summary(item) == ItemSerializer(item).data


def test_a_renamed_merchant_shows_at_once_in_this_process(world):
    """Saving a cached reference row evicts it: the next scan shows the new name."""
    item = f.ItemFactory(notice__merchant=world.merchant, notice__warehouse=world.gz)
    client = api_client(world.station)
    body = {"barcode": item.code, "action": "lookup"}
    assert client.post(URL, body, format="json").json()["item"]["merchant"]["name"] == (
        world.merchant.name
    )

    world.merchant.name = "Jade Home Renamed"
    world.merchant.save(update_fields=["name"])

    answer = client.post(URL, body, format="json").json()
    assert answer["item"]["merchant"]["name"] == "Jade Home Renamed"
