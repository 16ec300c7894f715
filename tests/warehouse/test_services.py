"""Warehouse services: inbound notices, resolving scans, receiving, the scan log."""

import datetime as dt
import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from warehouse import lifecycle, services
from warehouse.barcodes import barcode_parse
from warehouse.codes import ALPHABET, item_code_is_valid, item_code_new
from warehouse.common.access import principal_of
from warehouse.common.exceptions import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionRefused,
)
from warehouse.models import (
    InboundNotice,
    Item,
    ItemEvent,
    ItemState,
    ScanLog,
    Tag,
)

from . import factories as f

GTIN_A = "07032069804988"  # valid GTIN-14
GTIN_B = "04006381333931"  # valid GTIN-14
EAN_13 = "5901234123457"  # valid GTIN-13, scanned as (01)05901234123457


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def jade_row(**overrides) -> dict:
    """A good order-first row (jewellery-jade needs material and weight)."""
    row = {
        "sku": "BANGLE-1",
        "title": "Nephrite bangle",
        "category": "jewellery-jade",
        "claim": {"material": "nephrite jade", "weight_g": "52.31"},
    }
    row.update(overrides)
    return row


def lot_row(**overrides) -> dict:
    """A good stock-first row (cosmetics needs shelf life and packaging)."""
    row = {
        "sku": "CREAM-50",
        "title": "Face cream 50 ml",
        "category": "cosmetics",
        "quantity": 24,
        "claim": {"expiry_date": "2027-06-30", "packaging": "boxed"},
    }
    row.update(overrides)
    return row


def announce(world, items, *, merchant=None, user=None, reference="ASN-1", **kw):
    """Announce ``items`` to Guangzhou for ``merchant`` (the world's first)."""
    kw.setdefault("warehouse_code", "GZ")
    return services.inbound_notice_create(
        merchant=merchant or world.merchant,
        reference=reference,
        items=items,
        actor=user or world.merchant_user,
        **kw,
    )


def counts() -> tuple[int, int, int]:
    return (
        InboundNotice.objects.count(),
        Item.objects.count(),
        ItemEvent.objects.count(),
    )


def walk(item, *states, actor=None):
    """Drive ``item`` through the named lifecycle moves into each of ``states``."""
    into = {
        "received": lifecycle.item_receive,
        "inspecting": lifecycle.item_inspection_start,
        "passed": lifecycle.item_pass,
        "failed": lifecycle.item_fail,
        "certified": lifecycle.item_certify,
        "allocated": lifecycle.item_allocate,
        "packed": lifecycle.item_pack,
        "released": lifecycle.item_release,
        "returning": lifecycle.item_return_start,
        "returned_to_merchant": lifecycle.item_return_complete,
    }
    for state in states:
        into[state](item=item, actor=actor)
    return item


# --- inbound_notice_create: the happy path ---------------------------------------


def test_inbound_notice_create_writes_notice_and_items(world):
    """A good notice writes the notice and one announced item per row."""
    notice = announce(
        world,
        [
            jade_row(serial="SN-1001", order_ref="ORD-1"),
            jade_row(
                sku="RING-7",
                title="Jadeite ring",
                claim={"material": "jadeite A", "weight_ct": 1.5},
            ),
            lot_row(gtin=GTIN_A),
        ],
        reference="  ASN-2026-001 ",
        carrier="zto",
        tracking_number=" 7310001 ",
    )

    notice.refresh_from_db()
    assert notice.merchant == world.merchant
    assert notice.warehouse == world.gz
    assert notice.reference == "ASN-2026-001", "the reference is stripped"
    assert notice.carrier == "zto"
    assert notice.tracking_number == "7310001"
    assert notice.status == InboundNotice.Status.ANNOUNCED
    assert notice.item_count == 3
    assert notice.created_by == world.merchant_user

    items = list(Item.objects.filter(notice=notice).order_by("line"))
    assert [i.line for i in items] == [0, 1, 2]
    assert [r["code"] for r in notice.created_rows] == [i.code for i in items]
    assert all(i.state == ItemState.ANNOUNCED for i in items)
    assert all(i.merchant == world.merchant and i.warehouse == world.gz for i in items)
    assert all(i.received_at is None and i.location is None for i in items)
    bangle, ring, cream = items
    assert (bangle.serial, bangle.order_ref, bangle.quantity) == ("SN-1001", "ORD-1", 1)
    assert bangle.claim == {"material": "nephrite jade", "weight_mg": 52310}
    assert ring.claim == {"material": "jadeite A", "weight_mg": 300}, "1.5 ct = 300 mg"
    assert ring.category == world.jade
    assert cream.category == world.lots
    assert (cream.quantity, cream.gtin) == (24, GTIN_A)
    assert cream.claim == {"expiry_date": "2027-06-30", "packaging": "boxed"}


def test_inbound_notice_item_codes_are_unique_and_valid(world):
    """Every item gets its own valid warehouse code."""
    notice = announce(world, [jade_row(sku=f"SKU-{n}") for n in range(200)])

    codes = list(Item.objects.filter(notice=notice).values_list("code", flat=True))
    assert len(codes) == 200
    assert len(set(codes)) == 200, "codes are unique"
    bad = [code for code in codes if not item_code_is_valid(code)]
    assert not bad, f"codes failing their check: {bad}"
    assert notice.item_count == 200


def test_inbound_notice_announcement_is_recorded_on_the_notice(world):
    """The notice says who announced and when; item histories start at receipt.

    (The service's docstring: the announcement is the notice; an item's event
    history starts with its first change of state.)
    """
    before = timezone.now()
    notice = announce(world, [jade_row(), lot_row()])

    items = Item.objects.filter(notice=notice)
    assert notice.created_by == world.merchant_user
    assert before <= notice.created_at <= timezone.now()
    assert all(i.created_at == notice.created_at for i in items)
    assert all(i.state_changed_at == notice.created_at for i in items)
    assert not ItemEvent.objects.filter(item__notice=notice).exists()


def test_inbound_notice_accepts_shelf_life_as_production_date_and_days(world):
    """A lot may claim shelf life as production date plus days instead of expiry."""
    row = lot_row(
        claim={
            "production_date": "2026-01-15",
            "shelf_life_days": "730",
            "packaging": "boxed",
            "labels": ["name", "net content"],
        }
    )

    notice = announce(world, [row])

    (item,) = Item.objects.filter(notice=notice)
    assert item.claim == {
        "production_date": "2026-01-15",
        "shelf_life_days": 730,
        "packaging": "boxed",
        "labels": ["name", "net_content"],  # markings stored as their codes
    }


def test_inbound_notice_item_code_collision_retries_with_new_codes(world, monkeypatch):
    """A new code that is already taken is replaced; the notice still goes in."""
    taken = announce(world, [jade_row()], reference="ASN-1").created_rows[0]["code"]
    fresh = [item_code_new(), item_code_new()]
    drawn = iter([taken, "Q0000000000X", *fresh])
    monkeypatch.setattr(services.notices, "item_code_new", lambda: next(drawn))

    notice = announce(world, [jade_row(), jade_row()], reference="ASN-2")

    codes = sorted(Item.objects.filter(notice=notice).values_list("code", flat=True))
    assert codes == sorted(fresh)
    assert Item.objects.filter(code=taken).count() == 1


def test_inbound_notice_gives_up_when_codes_keep_colliding(world, monkeypatch):
    """If every draw collides, the notice is refused whole with a conflict."""
    taken = announce(world, [jade_row()], reference="ASN-1").created_rows[0]["code"]
    before = counts()
    monkeypatch.setattr(services.notices, "item_code_new", lambda: taken)

    with pytest.raises(Conflict) as caught:
        announce(world, [jade_row()], reference="ASN-2")

    assert caught.value.message == "Could not allocate item codes; try again."
    assert counts() == before
    assert not InboundNotice.objects.filter(reference="ASN-2").exists()


# --- inbound_notice_create: one bad row refuses the whole notice -------------------

BAD_ROWS = [
    ("unknown category", jade_row(category="no-such"), "category", "Unknown category"),
    ("category not text", jade_row(category=5), "category", "Unknown category"),
    (
        "negative weight",
        jade_row(claim={"material": "jade", "weight_g": "-1"}),
        "claim.weight_g",
        "greater than 0",
    ),
    (
        "zero weight",
        jade_row(claim={"material": "jade", "weight_g": 0}),
        "claim.weight_g",
        "greater than 0",
    ),
    (
        "weight below a milligram",
        jade_row(claim={"material": "jade", "weight_g": "0.0001"}),
        "claim.weight_g",
        "finer than one milligram",
    ),
    (
        "bad date",
        lot_row(claim={"expiry_date": "2026-13-01", "packaging": "boxed"}),
        "claim.expiry_date",
        "valid date",
    ),
    (
        "expiry before production",
        lot_row(
            claim={
                "production_date": "2026-05-01",
                "expiry_date": "2026-04-01",
                "packaging": "boxed",
            }
        ),
        "claim.expiry_date",
        "before production date",
    ),
    (
        "missing weight claim",
        jade_row(claim={"material": "nephrite jade"}),
        "claim.weight",
        "This claim is required",
    ),
    (
        "missing material claim",
        jade_row(claim={"weight_g": "3"}),
        "claim.material",
        "This claim is required",
    ),
    (
        "production date without shelf-life days",
        lot_row(claim={"production_date": "2026-01-01", "packaging": "boxed"}),
        "claim.shelf_life",
        "This claim is required",
    ),
    (
        "missing packaging claim",
        lot_row(claim={"expiry_date": "2027-01-01"}),
        "claim.packaging",
        "This claim is required",
    ),
    (
        "bad IMEI",
        jade_row(claim={"material": "jade", "weight_g": 1, "imei": "352099001761482"}),
        "claim.imei",
        "Not a valid IMEI",
    ),
    (
        "quantity above 1 on order-first",
        jade_row(quantity=2),
        "quantity",
        "ships one item per order",
    ),
    ("quantity 0", lot_row(quantity=0), "quantity", "at least 1"),
    ("negative quantity", lot_row(quantity=-3), "quantity", "at least 1"),
    ("quantity as text", lot_row(quantity="3"), "quantity", "at least 1"),
    ("quantity fractional", lot_row(quantity=1.5), "quantity", "at least 1"),
    ("quantity boolean", lot_row(quantity=True), "quantity", "at least 1"),
    ("unknown field", jade_row(colour="green"), "colour", "Unknown field"),
    ("row is text", "BANGLE-1", "item", "must be an object"),
    ("row is a list", ["BANGLE-1"], "item", "must be an object"),
    ("row is null", None, "item", "must be an object"),
    ("missing sku", jade_row(sku=""), "sku", "required"),
    ("blank title", jade_row(title="   "), "title", "required"),
    ("sku too long", jade_row(sku="S" * 65), "sku", "At most 64 characters"),
    ("serial not text", jade_row(serial=12345), "serial", "Enter a text"),
    (
        "serial on a lot of several",
        lot_row(serial="SN-LOT"),
        "serial",
        "cannot carry one serial",
    ),
    ("GTIN of 5 digits", lot_row(gtin="12345"), "gtin", "8, 12, 13 or 14 digits"),
    ("GTIN with letters", lot_row(gtin="0703206980498X"), "gtin", "8, 12, 13 or 14"),
    (
        "GTIN with a wrong check digit",
        lot_row(gtin="07032069804987"),
        "gtin",
        "8, 12, 13 or 14",
    ),
]


@pytest.mark.parametrize(
    ("bad", "field", "fragment"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_inbound_notice_with_one_bad_row_is_refused_whole(world, bad, field, fragment):
    """One bad row among good ones refuses the notice; the error names row and field."""
    rows = [jade_row(serial="SN-1"), lot_row(), bad, jade_row(serial="SN-2")]

    with pytest.raises(InvalidInput) as caught:
        announce(world, rows)

    exc = caught.value
    assert exc.code == "invalid_items"
    key = f"items[2].{field}"
    assert set(exc.fields) == {key}, f"only the bad row is named: {exc.fields}"
    assert any(fragment in m for m in exc.fields[key]), exc.fields[key]
    assert exc.message.startswith(f"Item 2, {field}: "), exc.message
    assert fragment in exc.message, exc.message
    assert counts() == (0, 0, 0), "nothing is written: no notice, items or events"


def test_inbound_notice_names_every_bad_row(world):
    """Several bad rows are all named; the message names the first."""
    rows = [jade_row(category="nope"), jade_row(), lot_row(quantity=0), jade_row()]

    with pytest.raises(InvalidInput) as caught:
        announce(world, rows)

    assert set(caught.value.fields) == {"items[0].category", "items[2].quantity"}
    assert caught.value.message == (
        "Item 0, category: Unknown category nope; use one of: Cosmetics, "
        "Jewellery and jade."
    )
    assert counts() == (0, 0, 0)


def test_inbound_notice_claim_that_is_not_an_object_names_the_claim(world):
    """A claim that is not an object is reported under ``items[n].claim``."""
    with pytest.raises(InvalidInput) as caught:
        announce(world, [jade_row(), jade_row(claim="nephrite, 52 g")])

    assert set(caught.value.fields) == {"items[1].claim"}, caught.value.fields
    assert "object keyed by check" in caught.value.message
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        (
            {"material": "jade", "weight_g": 1, "declared_value": "1e30"},
            "declared_value",
        ),
        ({"material": "jade", "weight_g": "1e999999"}, "weight_g"),
        (
            {"material": "jade", "weight_g": 1, "shelf_life_days": "1e5000"},
            "shelf_life_days",
        ),
    ],
    ids=["declared_value 1e30", "weight_g 1e999999", "shelf_life_days 1e5000"],
)
def test_inbound_notice_absurd_number_in_claim_is_bad_input(world, claim, field):
    """A huge number in a claim is refused as bad input, never a server error."""
    with pytest.raises(InvalidInput) as caught:
        announce(world, [jade_row(), jade_row(claim=claim)])

    assert f"items[1].claim.{field}" in caught.value.fields, caught.value.fields
    assert counts() == (0, 0, 0)


def test_inbound_notice_duplicate_serial_inside_the_notice(world):
    """The same serial twice in one notice names the repeat and the first line."""
    rows = [jade_row(serial="SN-1"), jade_row(serial="SN-2"), jade_row(serial="SN-1")]

    with pytest.raises(InvalidInput) as caught:
        announce(world, rows)

    assert set(caught.value.fields) == {"items[2].serial"}
    assert caught.value.message == (
        "Item 2, serial: Serial SN-1 is already on item 0 of this notice."
    )
    assert counts() == (0, 0, 0)


def test_inbound_notice_serial_still_in_the_warehouse_is_refused(world):
    """A serial already announced by the merchant and still here cannot come again."""
    announce(world, [jade_row(serial="SN-1")], reference="ASN-1")
    before = counts()

    with pytest.raises(InvalidInput) as caught:
        announce(
            world,
            [jade_row(serial="SN-7"), jade_row(), jade_row(serial="SN-1")],
            reference="ASN-2",
        )

    assert set(caught.value.fields) == {"items[2].serial"}
    assert "Serial SN-1 is already announced and still in our care" in (
        caught.value.message
    )
    assert counts() == before, "nothing more is written"
    assert not InboundNotice.objects.filter(reference="ASN-2").exists()


def test_inbound_notice_serial_of_another_merchant_is_fine(world):
    """Serials are per merchant: another merchant may announce the same one."""
    announce(world, [jade_row(serial="SN-1")])

    notice = announce(
        world,
        [jade_row(serial="SN-1")],
        merchant=world.merchant2,
        user=world.merchant2_user,
    )

    assert Item.objects.filter(serial="SN-1").count() == 2
    assert notice.merchant == world.merchant2


def test_inbound_notice_serial_of_an_item_that_left_may_come_again(world):
    """Once an item was returned to its merchant, its serial may be announced again."""
    first = announce(world, [jade_row(serial="SN-1")], reference="ASN-1")
    item = first.items.get()
    walk(item, "received", "inspecting", "failed", "returning", "returned_to_merchant")

    again = announce(world, [jade_row(serial="SN-1")], reference="ASN-2")

    assert again.created_rows[0]["serial"] == "SN-1"
    states = sorted(Item.objects.filter(serial="SN-1").values_list("state", flat=True))
    assert states == ["announced", "returned_to_merchant"]


def test_inbound_notice_with_too_many_items_is_refused(world, settings):
    """More rows than INBOUND_NOTICE_MAX_ITEMS refuse the notice; the limit is fine."""
    settings.INBOUND_NOTICE_MAX_ITEMS = 2

    with pytest.raises(InvalidInput) as caught:
        announce(world, [jade_row(), jade_row(), jade_row()])

    assert caught.value.fields == {"items": ["Too many items."]}
    assert "at most 2 items" in caught.value.message
    assert counts() == (0, 0, 0)
    assert announce(world, [jade_row(), jade_row()]).item_count == 2


def test_inbound_notice_duplicate_reference_is_a_conflict(world):
    """A merchant cannot reuse a reference; nothing more is written."""
    announce(world, [jade_row()], reference="ASN-1")
    before = counts()

    with pytest.raises(Conflict) as caught:
        announce(world, [jade_row(), lot_row()], reference=" ASN-1 ")

    assert caught.value.code == "duplicate_reference"
    assert caught.value.message == "Notice ASN-1 already exists."
    assert "reference" in caught.value.fields
    assert counts() == before


def test_inbound_notice_same_reference_for_another_merchant_is_fine(world):
    """References are per merchant."""
    announce(world, [jade_row()], reference="ASN-1")

    other = announce(
        world,
        [jade_row()],
        reference="ASN-1",
        merchant=world.merchant2,
        user=world.merchant2_user,
    )

    assert InboundNotice.objects.filter(reference="ASN-1").count() == 2
    assert other.merchant == world.merchant2


@pytest.mark.parametrize("code", ["NOPE", "gz", ""])
def test_inbound_notice_unknown_warehouse(world, code):
    """An unknown warehouse code is refused, naming the code."""
    with pytest.raises(InvalidInput) as caught:
        announce(world, [jade_row()], warehouse_code=code)

    assert caught.value.message == f"Unknown warehouse {code!r}."
    assert set(caught.value.fields) == {"warehouse"}
    assert counts() == (0, 0, 0)


def test_inbound_notice_inactive_warehouse_is_unknown(world):
    """A warehouse that is no longer active takes no notices."""
    world.sih.is_active = False
    world.sih.save()

    with pytest.raises(InvalidInput) as caught:
        announce(world, [jade_row()], warehouse_code="SIH")

    assert "Unknown warehouse 'SIH'" in caught.value.message


def test_inbound_notice_unknown_carrier(world):
    """An unknown carrier is refused with the list of known ones."""
    with pytest.raises(InvalidInput) as caught:
        announce(world, [jade_row()], carrier="dhl")

    assert caught.value.code == "unknown_carrier"
    assert caught.value.message.startswith("Unknown carrier dhl; use one of: ")
    (hint,) = caught.value.fields["carrier"]
    assert "ZTO Express" in hint and "SF Express" in hint
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("items", [[], {}, None, "rows"])
def test_inbound_notice_without_items_is_refused(world, items):
    """A notice needs a non-empty list of items."""
    with pytest.raises(InvalidInput) as caught:
        announce(world, items)

    assert caught.value.message == "A notice needs at least one item."
    assert set(caught.value.fields) == {"items"}
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("reference", ["", "   ", None])
def test_inbound_notice_without_reference_is_refused(world, reference):
    """A reference is required."""
    with pytest.raises(InvalidInput) as caught:
        announce(world, [jade_row()], reference=reference)

    assert caught.value.message == "A reference is required."
    assert set(caught.value.fields) == {"reference"}


# --- item_resolve ---------------------------------------------------------------


@pytest.fixture
def stock(world):
    """Items announced to Guangzhou by the first merchant, by line."""
    notice = announce(
        world,
        [
            jade_row(serial="SN-1001"),
            jade_row(serial="SN-2002", gtin=GTIN_A),
            lot_row(gtin=GTIN_B),
            lot_row(sku="SOAP-1", gtin=EAN_13),
        ],
    )
    return {item.line: item for item in Item.objects.filter(notice=notice)}


def resolve(raw: str, user):
    return services.item_resolve(
        barcode=barcode_parse(raw), principal=principal_of(user)
    )


@pytest.mark.parametrize(
    "who", ["station", "merchant_user", "inspector", "supervisor", "admin", "platform"]
)
def test_item_resolve_by_item_code_for_everyone_in_scope(world, stock, who):
    """Our own item code finds the item for each role allowed to see it."""
    item = stock[0]

    assert resolve(item.code, getattr(world, who)).pk == item.pk


def test_item_resolve_by_merchant_serial(world, stock):
    """A merchant serial (plain text) finds its item."""
    assert resolve("SN-1001", world.station).pk == stock[0].pk
    assert resolve("  SN-2002\r\n", world.station).pk == stock[1].pk


def test_item_resolve_by_bound_tag(world, stock):
    """A pre-printed tag bound at receiving finds its item."""
    services.tag_bind(
        item=stock[2], value="TAG-000123", principal=principal_of(world.station)
    )

    assert resolve("TAG-000123", world.station).pk == stock[2].pk


@pytest.mark.parametrize(
    "raw",
    [
        f"(01){GTIN_A}(21)SN-2002",
        f"01{GTIN_A}21SN-2002",
        f"]C101{GTIN_A}21SN-2002\x1d17271231",
    ],
)
def test_item_resolve_by_gs1_serial(world, stock, raw):
    """A GS1 string with a serial (AI 21) finds the item with that serial."""
    assert resolve(raw, world.station).pk == stock[1].pk


def test_item_resolve_by_gs1_serial_without_gtin(world, stock):
    """A GS1 serial alone finds an item announced without a GTIN."""
    assert resolve("(21)SN-1001", world.station).pk == stock[0].pk


def test_item_resolve_by_gs1_gtin_on_a_lot(world, stock):
    """A GS1 string with only a GTIN (and lot, expiry) finds the lot by GTIN."""
    item = resolve(f"(01){GTIN_B}(17)271231(10)L42", world.station)

    assert item.pk == stock[2].pk
    assert item.quantity == 24


def test_item_resolve_by_gs1_finds_a_lot_announced_with_a_13_digit_gtin(world, stock):
    """A GTIN-13 announced on a lot matches the same GTIN scanned as AI 01 (14 digits).

    GS1 element strings always carry 14 digits; an EAN-13 printed on the box is
    the same number with a leading zero, and is stored that way.
    """
    assert stock[3].gtin == "0" + EAN_13

    assert resolve(f"(01)0{EAN_13}", world.station).pk == stock[3].pk


def test_item_resolve_gs1_serial_with_another_gtin_is_a_conflict(world, stock):
    """A GS1 serial whose GTIN differs from the announced one is refused."""
    with pytest.raises(Conflict) as caught:
        resolve(f"(01){GTIN_B}(21)SN-2002", world.station)

    assert caught.value.code == "gtin_mismatch"
    assert GTIN_B in caught.value.message and GTIN_A in caught.value.message


@pytest.mark.parametrize(
    "barcode",
    [
        lambda stock: stock[0].code,
        lambda stock: "SN-1001",
        lambda stock: "(21)SN-1001",
        lambda stock: f"(01){GTIN_B}",
    ],
    ids=["code", "serial", "gs1 serial", "gs1 gtin"],
)
@pytest.mark.parametrize("who", ["station_sih", "merchant2_user"])
def test_item_resolve_out_of_scope_is_not_found(world, stock, barcode, who):
    """Another warehouse's station and another merchant cannot find the item."""
    raw = barcode(stock)

    with pytest.raises(NotFound) as caught:
        resolve(raw, getattr(world, who))

    assert caught.value.code == "item_not_found"
    assert caught.value.message.startswith("No item for barcode ")


def test_item_resolve_for_nobody_is_not_found(world, stock):
    """A user with no role sees nothing."""
    with pytest.raises(NotFound):
        resolve(stock[0].code, AnonymousUser())
    with pytest.raises(NotFound):
        resolve(stock[0].code, f.UserFactory(username="nobody"))


def test_item_resolve_unknown_code_is_not_found(world, stock):
    """A well-formed code that names no item is not found."""
    code = item_code_new()

    with pytest.raises(NotFound) as caught:
        resolve(code, world.station)

    assert caught.value.message == f"No item for barcode {code}."


@pytest.mark.parametrize("position", [1, 5, 10, 11])
def test_item_resolve_mistyped_code_says_check_digit(world, stock, position):
    """A real code with one character changed is refused as a check-digit error."""
    code = stock[0].code
    replacement = next(c for c in ALPHABET if c != code[position])
    typo = code[:position] + replacement + code[position + 1 :]

    with pytest.raises(InvalidInput) as caught:
        resolve(typo, world.station)

    assert caught.value.code == "barcode_check_digit"
    assert typo in caught.value.message
    assert "check character is wrong" in caught.value.message


def test_item_resolve_serial_of_two_merchants_is_ambiguous_for_a_station(world, stock):
    """Two merchants' shared serial is ambiguous to a station, not to a merchant."""
    other = announce(
        world,
        [jade_row(serial="SN-1001")],
        merchant=world.merchant2,
        user=world.merchant2_user,
    ).items.get()

    for raw in ("SN-1001", "(21)SN-1001"):
        with pytest.raises(Conflict) as caught:
            resolve(raw, world.station)
        assert caught.value.code == "ambiguous_barcode"
        assert "SN-1001 matches several items" in caught.value.message

    assert resolve("SN-1001", world.merchant_user).pk == stock[0].pk
    assert resolve("SN-1001", world.merchant2_user).pk == other.pk


def test_item_resolve_serial_prefers_the_item_still_here(world, stock):
    """A serial names the item in our care, not an earlier one that went back."""
    old = stock[0]
    walk(old, "received", "inspecting", "failed", "returning", "returned_to_merchant")
    new = announce(world, [jade_row(serial="SN-1001")], reference="ASN-2")

    assert resolve("SN-1001", world.station).pk == new.items.get().pk
    assert resolve(old.code, world.station).pk == old.pk, "the code still finds it"


# --- item_receive_scan ------------------------------------------------------------


@pytest.fixture
def parcel(world):
    """Two jade items on one notice, announced to Guangzhou."""
    notice = announce(
        world, [jade_row(serial="SN-1"), jade_row(serial="SN-2", gtin=GTIN_A)]
    )
    return list(Item.objects.filter(notice=notice).order_by("line"))


def receive(item, user, raw=None, **kw):
    return services.item_receive_scan(
        item=item,
        principal=principal_of(user),
        barcode=barcode_parse(raw or item.code),
        **kw,
    )


def notice_status(item) -> str:
    return InboundNotice.objects.values_list("status", flat=True).get(pk=item.notice_id)


def test_item_receive_scan_receives_and_records(world, parcel):
    """Receiving moves the item to received, with one event naming the station."""
    item = parcel[0]
    started = timezone.now()

    returned = receive(item, world.station)

    assert returned.state == ItemState.RECEIVED
    fresh = Item.objects.get(pk=item.pk)
    assert fresh.state == ItemState.RECEIVED
    assert fresh.received_at >= started
    (event,) = ItemEvent.objects.filter(item=item)
    assert (event.from_state, event.to_state) == ("announced", "received")
    assert event.actor == world.station
    assert event.station == world.station.station
    assert event.payload == {"barcode": item.code}
    log = ScanLog.objects.get(item=item)
    assert (log.action, log.outcome) == ("receive", ScanLog.Outcome.ACCEPTED)
    assert log.station == world.station.station


def test_item_receive_scan_moves_the_notice_along(world, parcel):
    """The notice goes announced → receiving → received as its items arrive."""
    first, second = parcel
    assert notice_status(first) == InboundNotice.Status.ANNOUNCED

    receive(first, world.station)
    assert notice_status(first) == InboundNotice.Status.RECEIVING

    receive(second, world.station)
    assert notice_status(first) == InboundNotice.Status.RECEIVED


def test_item_receive_scan_by_gs1_records_what_it_said(world, parcel):
    """A GS1 scan stores its fields in the event payload."""
    item = parcel[1]
    raw = f"(01){GTIN_A}(21)SN-2(17)271231"

    receive(item, world.station, raw=raw)

    event = ItemEvent.objects.get(item=item)
    assert event.payload == {
        "barcode": raw,
        "gs1": {"gtin": GTIN_A, "serial": "SN-2", "expiry_date": "2027-12-31"},
    }


def test_item_receive_scan_binds_a_tag(world, parcel):
    """A tag given at receiving is bound to the item, single use."""
    item = parcel[0]

    receive(item, world.station, tag=" TAG-0001 ")

    tag = Tag.objects.get(value="TAG-0001")
    assert tag.item_id == item.pk
    assert tag.station == world.station.station
    assert tag.bound_by == world.station
    assert tag.symbology == Tag.Symbology.CODE128


def test_item_receive_scan_long_tag_is_a_qr_tag(world, parcel):
    """A tag too long for a Code128 label is recorded as QR."""
    receive(parcel[0], world.station, tag="https://t.example/" + "x" * 40)

    assert Tag.objects.get().symbology == Tag.Symbology.QR


def test_item_receive_scan_with_a_used_tag_changes_nothing(world, parcel):
    """A tag already bound is refused, and the item stays announced: all or nothing."""
    first, second = parcel
    receive(first, world.station, tag="TAG-0001")
    status = notice_status(first)
    logs = ScanLog.objects.count()

    with pytest.raises(Conflict) as caught:
        receive(second, world.station, tag="TAG-0001")

    assert caught.value.code == "tag_used"
    assert "Tag TAG-0001 is already bound" in caught.value.message
    fresh = Item.objects.get(pk=second.pk)
    assert fresh.state == ItemState.ANNOUNCED
    assert fresh.received_at is None
    assert not ItemEvent.objects.filter(item=second).exists()
    assert list(Tag.objects.values_list("value", "item_id")) == [("TAG-0001", first.pk)]
    assert notice_status(first) == status
    assert ScanLog.objects.count() == logs, "no accepted scan is logged"


def test_item_receive_scan_refused_leaves_the_callers_instance_as_it_was(world, parcel):
    """After a refused receive, the instance passed in does not claim ``received``."""
    second = parcel[1]
    receive(parcel[0], world.station, tag="TAG-0001")

    with pytest.raises(Conflict):
        receive(second, world.station, tag="TAG-0001")

    assert second.state == ItemState.ANNOUNCED, "the rolled-back move shows"
    assert second.received_at is None


@pytest.mark.parametrize("tag", ["   ", "T" * 129])
def test_item_receive_scan_with_an_invalid_tag_changes_nothing(world, parcel, tag):
    """A blank or overlong tag is refused and the item is not received."""
    with pytest.raises(InvalidInput) as caught:
        receive(parcel[0], world.station, tag=tag)

    assert caught.value.code == "tag_invalid"
    assert Item.objects.get(pk=parcel[0].pk).state == ItemState.ANNOUNCED
    assert not ItemEvent.objects.exists()
    assert not Tag.objects.exists()


def test_item_receive_scan_binds_a_location(world, parcel):
    """A location barcode puts the item there."""
    shelf = f.LocationFactory(warehouse=world.gz, zone="A", shelf="03", bin="02")

    receive(parcel[0], world.station, location_barcode=shelf.barcode)

    assert Item.objects.get(pk=parcel[0].pk).location == shelf


@pytest.mark.parametrize("where", ["unknown", "other warehouse"])
def test_item_receive_scan_unknown_location_changes_nothing(world, parcel, where):
    """A location that is not in the item's warehouse is not found; nothing changes."""
    if where == "unknown":
        barcode = "L-GZ-Z-99-99"
    else:
        barcode = f.LocationFactory(warehouse=world.sih).barcode
    item = parcel[0]

    with pytest.raises(NotFound) as caught:
        receive(item, world.station, location_barcode=barcode)

    assert caught.value.code == "location_not_found"
    assert caught.value.message == f"No location {barcode} in this warehouse."
    fresh = Item.objects.get(pk=item.pk)
    assert (fresh.state, fresh.location, fresh.received_at) == (
        ItemState.ANNOUNCED,
        None,
        None,
    )
    assert not ItemEvent.objects.exists()
    assert not ScanLog.objects.exists()
    assert notice_status(item) == InboundNotice.Status.ANNOUNCED


def test_item_receive_scan_twice_is_refused(world, parcel):
    """An item is received once; a second receive is a refused transition."""
    item = parcel[0]
    receive(item, world.station)

    with pytest.raises(TransitionRefused) as caught:
        receive(Item.objects.get(pk=item.pk), world.station)

    assert "is received and cannot become received" in caught.value.message
    assert ItemEvent.objects.filter(item=item).count() == 1
    assert ScanLog.objects.filter(item=item).count() == 1


# --- scan_process -----------------------------------------------------------------


def test_scan_process_lookup_logs_an_accepted_scan(world, parcel):
    """A lookup resolves the item, changes nothing and is logged as accepted."""
    item, barcode = services.scan_process(
        principal=principal_of(world.station), barcode="SN-1", action="lookup"
    )

    assert item.pk == parcel[0].pk
    assert barcode.value == "SN-1"
    assert Item.objects.get(pk=item.pk).state == ItemState.ANNOUNCED
    log = ScanLog.objects.get()
    assert (log.action, log.outcome, log.item_id) == ("lookup", "accepted", item.pk)


def test_scan_process_refusal_is_logged_and_raised(world, parcel):
    """A refused scan raises its domain error and leaves a refused log row."""
    with pytest.raises(NotFound):
        services.scan_process(
            principal=principal_of(world.station), barcode="NOPE-1", action="lookup"
        )

    log = ScanLog.objects.get()
    assert (log.outcome, log.error_code) == ("refused", "item_not_found")
    assert log.message == "No item for barcode NOPE-1."
    assert log.barcode == "NOPE-1"


def test_scan_process_inspector_may_not_receive(world, parcel):
    """Only stations, supervisors and admins receive; an inspector is refused."""
    with pytest.raises(Forbidden) as caught:
        services.scan_process(
            principal=principal_of(world.inspector),
            barcode=parcel[0].code,
            action="receive",
        )

    assert caught.value.code == "role_cannot_receive"
    assert Item.objects.get(pk=parcel[0].pk).state == ItemState.ANNOUNCED
    log = ScanLog.objects.get()
    assert (log.outcome, log.item_id) == ("refused", parcel[0].pk)


def test_scan_process_refused_receive_is_logged_once(world, parcel):
    """A receive refused mid-way leaves only the refused log row, nothing else."""
    receive(parcel[0], world.station, tag="TAG-1")
    ScanLog.objects.all().delete()

    with pytest.raises(Conflict):
        services.scan_process(
            principal=principal_of(world.station),
            barcode=parcel[1].code,
            action="receive",
            tag="TAG-1",
        )

    log = ScanLog.objects.get()
    assert (log.outcome, log.error_code) == ("refused", "tag_used")
    assert Item.objects.get(pk=parcel[1].pk).state == ItemState.ANNOUNCED


# --- scan_log_write ---------------------------------------------------------------


def test_scan_log_write_records_the_scan(world, parcel, caplog):
    """A scan is written to the scan log and to the ``qcw.scans`` logger."""
    principal = principal_of(world.station)

    with caplog.at_level(logging.INFO, logger="qcw.scans"):
        services.scan_log_write(
            principal=principal,
            barcode="SN-1",
            action="lookup",
            outcome=ScanLog.Outcome.REFUSED,
            item=parcel[0],
            error_code="item_not_found",
            message="No item.",
        )

    log = ScanLog.objects.get()
    assert log.station == world.station.station
    assert log.user == world.station
    assert (log.barcode, log.action, log.outcome) == ("SN-1", "lookup", "refused")
    assert log.item == parcel[0]
    assert (log.error_code, log.message) == ("item_not_found", "No item.")
    line = next(r.getMessage() for r in caplog.records if r.name == "qcw.scans")
    assert "station=GZ-RCV-01" in line
    assert "outcome=refused" in line
    assert f"item={parcel[0].code}" in line


def test_scan_log_write_truncates_long_values(world):
    """Overlong barcode, action and message are cut to their columns."""
    services.scan_log_write(
        principal=principal_of(world.station),
        barcode="B" * 300,
        action="A" * 30,
        outcome=ScanLog.Outcome.REFUSED,
        message="M" * 400,
    )

    log = ScanLog.objects.get()
    assert (len(log.barcode), len(log.action), len(log.message)) == (256, 16, 300)
    assert log.item is None


def test_scan_log_write_for_nobody_has_no_user(db):
    """A scan by an unauthenticated caller is logged without user or station."""
    services.scan_log_write(
        principal=principal_of(AnonymousUser()),
        barcode="X",
        action="lookup",
        outcome=ScanLog.Outcome.REFUSED,
        error_code="not_authenticated",
    )

    log = ScanLog.objects.get()
    assert (log.user, log.station) == (None, None)


def test_scan_log_purge_drops_only_rows_past_retention(world, settings):
    """Rows older than SCAN_LOG_RETENTION_DAYS go, newer stay; a rerun deletes none."""
    settings.SCAN_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    station = world.station.station
    for days in (400, 31, 29, 0):
        ScanLog.objects.create(
            station=station,
            barcode=f"AGE-{days}",
            action="lookup",
            outcome="accepted",
            at=now - dt.timedelta(days=days),
        )

    assert services.scan_log_purge(now=now, batch=1) == 2
    assert services.scan_log_purge(now=now) == 0
    kept = sorted(ScanLog.objects.values_list("barcode", flat=True))
    assert kept == ["AGE-0", "AGE-29"]
