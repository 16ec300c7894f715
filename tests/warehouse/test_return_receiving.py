"""Receiving a buyer's return at the receive scan.

The scan takes the return parcel's tracking number (every item of its
notice still expected becomes ``return_received``) or an item code (that
item; a ``released`` item no notice announced is received as an
unannounced return, with a notice of its own). The answer is the usual scan
answer, with what was received; the scope of a station is its warehouse's,
as for any receive; a second scan of the same parcel, from the same or
another station, at once or later, moves nothing and is answered as a
second receive is (409 ``invalid_transition``). The ordinary receive costs
the queries it did: the return's lookup runs only when no announced item
was found.
"""

import datetime as dt
from contextlib import contextmanager
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.conftest import api_client
from tests.warehouse import factories as f
from tests.warehouse.test_concurrency import at_once
from tests.warehouse.test_query_counts import RECEIVE_QUERIES, warm
from warehouse import lifecycle
from warehouse.models import (
    Item,
    ItemEvent,
    ItemState,
    ReturnNotice,
    ReturnNoticeItem,
    ScanLog,
)

pytestmark = pytest.mark.django_db
S = ItemState
SCANS = "/api/v1/scans/"
TRACKING = "SF1234567890123"
# A return received by item code: the item found by its code and locked as
# any receive's; its open line (with its notice), the line's update, the
# item's move (its locked re-read, update and event), the return.received
# webhook observer's read of the line, and the scan log, in the scan's
# transaction (SAVEPOINT and RELEASE under the test's).
RETURN_BY_CODE_QUERIES = 10


@contextmanager
def guards_aside():
    """The lifecycle's own moves, without the rules other apps add to them
    (a certificate to pack …, tested in their apps); the scans run with them."""
    saved = {move: list(guards) for move, guards in lifecycle._guards.items()}
    lifecycle._guards.clear()
    try:
        yield
    finally:
        lifecycle._guards.clear()
        lifecycle._guards.update(saved)


def released(world, *, warehouse=None, merchant=None) -> Item:
    """An item of ``merchant`` (merchant1) in ``warehouse`` (Guangzhou),
    certified, packed and handed to a carrier."""
    notice = f.NoticeFactory(
        merchant=merchant or world.merchant, warehouse=warehouse or world.gz
    )
    item = f.ItemFactory(notice=notice, category=world.jade)
    for move in (
        lifecycle.item_receive,
        lifecycle.item_inspection_start,
        lifecycle.item_pass,
        lifecycle.item_certify,
        lifecycle.item_allocate,
        lifecycle.item_pack,
        lifecycle.item_release,
    ):
        with guards_aside():
            move(item=item, actor=world.supervisor)
    return item


def announced(world, items, *, return_id="R-1", tracking=TRACKING) -> ReturnNotice:
    """The platform's notice of a return of ``items``: each return_expected."""
    first = items[0]
    notice = ReturnNotice.objects.create(
        return_id=return_id,
        merchant_id=first.merchant_id,
        warehouse_id=first.warehouse_id,
        order_ref="P-1",
        reason="no_reason",
        carrier="sf",
        tracking_number=tracking,
        delivered_at=timezone.now() - dt.timedelta(days=1),
        created_by=world.platform,
    )
    for item in items:
        ReturnNoticeItem.objects.create(notice=notice, item=item)
        lifecycle.item_return_announce(
            item=item,
            actor=world.platform,
            reason_code="return_announced",
            reason_params={"return_id": return_id, "reason": "no_reason"},
        )
    return notice


def receive(user, barcode: str, **headers):
    return api_client(user).post(
        SCANS, {"barcode": barcode, "action": "receive"}, format="json", **headers
    )


def state(item) -> str:
    return Item.objects.values_list("state", flat=True).get(pk=item.pk)


# --- by the tracking number --------------------------------------------------------


def test_a_returns_tracking_number_receives_every_item_of_it(world):
    """Both items become return_received at this station; the answer is the
    first, with what the parcel held; one accepted scan in the log."""
    first, second = released(world), released(world)
    notice = announced(world, [first, second])

    answer = receive(world.station, TRACKING)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["action"] == "receive"
    assert body["item"]["code"] == first.code
    assert body["item"]["state"] == "return_received"
    assert body["item"]["allowed_actions"] == ["return_inspect"]
    assert body["buyer_return"] == {
        "return_id": "R-1",
        "unannounced": False,
        "tracking_number": TRACKING,
        "items": [first.code, second.code],
    }
    station = world.station.station
    for item in (first, second):
        assert state(item) == S.RETURN_RECEIVED
        line = ReturnNoticeItem.objects.get(notice=notice, item=item)
        assert line.received_at is not None
        assert line.received_station_id == station.pk
        event = ItemEvent.objects.filter(item=item).latest("id")
        assert (event.from_state, event.to_state) == (
            S.RETURN_EXPECTED,
            S.RETURN_RECEIVED,
        )
        assert (event.reason_code, event.reason_params) == (
            "return_received",
            {"return_id": "R-1"},
        )
        assert event.station_id == station.pk
        assert event.payload == {"barcode": TRACKING}
    log = ScanLog.objects.get(barcode=TRACKING)
    assert (log.outcome, log.action, log.item_id) == ("accepted", "receive", first.pk)


def test_the_history_says_a_return_was_received_in_the_readers_language(world):
    item = released(world)
    announced(world, [item])
    assert receive(world.station, TRACKING).status_code == 200

    event = ItemEvent.objects.filter(item=item).latest("id")
    with translation.override("en"):
        assert event.reason_text == "Buyer's return R-1 received."
    with translation.override("zh-hans"):
        assert event.reason_text == "买家退货 R-1 已收货。"


def test_the_tracking_number_is_found_by_its_index(world):
    """The notice's lookup by tracking number reads the partial index
    ``buyer_return_tracking`` (sequential scans off, as on a big table)."""
    item = released(world)
    announced(world, [item])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as queries:
        assert receive(world.station, TRACKING).status_code == 200
    lookup = next(
        q["sql"] for q in queries if 'FROM "warehouse_returnnotice"' in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {lookup}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "buyer_return_tracking" in plan, plan


# --- by the item code --------------------------------------------------------------


def test_an_item_code_receives_that_item_of_its_return(world):
    """One item of a two-item return scanned by its code: it alone is
    received; the parcel's tracking number later receives the other."""
    first, second = released(world), released(world)
    notice = announced(world, [first, second])

    answer = receive(world.station, second.code)

    assert answer.status_code == 200, answer.content
    assert answer.json()["item"]["code"] == second.code
    assert answer.json()["buyer_return"] == {
        "return_id": "R-1",
        "unannounced": False,
        "tracking_number": "",
        "items": [second.code],
    }
    assert (state(first), state(second)) == (S.RETURN_EXPECTED, S.RETURN_RECEIVED)
    assert ReturnNoticeItem.objects.get(item=second).received_at is not None
    assert ReturnNoticeItem.objects.get(item=first).received_at is None

    rest = receive(world.station, TRACKING)

    assert rest.status_code == 200, rest.content
    assert rest.json()["buyer_return"]["items"] == [first.code]
    assert state(first) == S.RETURN_RECEIVED
    assert ItemEvent.objects.filter(to_state=S.RETURN_RECEIVED).count() == 2
    assert ReturnNotice.objects.get() == notice


def test_an_unannounced_return_is_received_with_a_notice_of_its_own(world):
    """A released item's code with no notice: released → return_received,
    an unannounced notice (no return id) of its merchant and warehouse, its
    line received here."""
    item = released(world)

    answer = receive(world.station, item.code)

    assert answer.status_code == 200, answer.content
    assert answer.json()["item"]["state"] == "return_received"
    assert answer.json()["buyer_return"] == {
        "return_id": "",
        "unannounced": True,
        "tracking_number": "",
        "items": [item.code],
    }
    notice = ReturnNotice.objects.get()
    assert (notice.return_id, notice.unannounced) == ("", True)
    assert (notice.merchant_id, notice.warehouse_id) == (
        world.merchant.pk,
        world.gz.pk,
    )
    assert notice.created_by_id == world.station.pk
    line = notice.lines.get()
    assert line.item_id == item.pk
    assert line.received_station_id == world.station.station.pk
    assert line.received_at is not None
    event = ItemEvent.objects.filter(item=item).latest("id")
    assert (event.from_state, event.to_state) == (S.RELEASED, S.RETURN_RECEIVED)
    assert (event.reason_code, event.reason_params) == (
        "return_received_unannounced",
        {},
    )
    with translation.override("en"):
        assert event.reason_text == "Buyer's return received without a return notice."


def test_an_announced_items_receive_costs_what_it_did(world):
    """The return's lookup adds nothing to the ordinary receive."""
    item = f.ItemFactory(
        notice=f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        category=world.jade,
    )
    client = api_client(world.station)
    warm(client, item.code)

    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            SCANS, {"barcode": item.code, "action": "receive"}, format="json"
        )

    assert answer.status_code == 200, answer.content
    assert answer.json()["item"]["state"] == "received"
    assert len(queries) == RECEIVE_QUERIES
    assert not any("returnnotice" in q["sql"] for q in queries)


@pytest.mark.parametrize("others", [1, 20])
def test_a_returns_receive_by_code_costs_the_same_whatever_else_is_returned(
    world, others, django_assert_num_queries
):
    """Other returns (announced and unannounced) do not change its cost."""
    for n in range(others):
        announced(world, [released(world)], return_id=f"R-X{n}", tracking=f"YT{n}")
        receive(world.station, released(world).code)
    item = released(world)
    announced(world, [item], return_id="R-9", tracking="SF9")
    client = api_client(world.station)
    warm(client, item.code)

    with django_assert_num_queries(RETURN_BY_CODE_QUERIES):
        answer = client.post(
            SCANS, {"barcode": item.code, "action": "receive"}, format="json"
        )

    assert answer.status_code == 200, answer.content
    assert answer.json()["buyer_return"]["return_id"] == "R-9"


# --- received once -------------------------------------------------------------------


@pytest.mark.parametrize("again", ["code", "tracking"])
def test_a_repeated_scan_is_answered_already_received(world, again):
    """The same parcel scanned again (by code or tracking number): 409
    invalid_transition naming the return_received state, nothing moved,
    logged as refused."""
    item = released(world)
    announced(world, [item])
    assert receive(world.station, item.code).status_code == 200

    answer = receive(world.station, item.code if again == "code" else TRACKING)

    assert answer.status_code == 409, answer.content
    error = answer.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["fields"]["state"] == "return_received"
    assert error["fields"]["target"] == "return_received"
    assert ItemEvent.objects.filter(item=item, to_state=S.RETURN_RECEIVED).count() == 1
    assert sorted(ScanLog.objects.values_list("outcome", "error_code")) == [
        ("accepted", ""),
        ("refused", "invalid_transition"),
    ]


def test_an_unannounced_return_scanned_twice_has_one_notice(world):
    item = released(world)
    assert receive(world.station, item.code).status_code == 200

    again = receive(world.station, item.code)

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    assert ReturnNotice.objects.count() == 1
    assert ReturnNoticeItem.objects.count() == 1


def test_a_repeated_scan_with_its_idempotency_key_is_replayed(world):
    item = released(world)
    announced(world, [item])
    key = {"headers": {"Idempotency-Key": "return-parcel-1"}}

    first = receive(world.station, TRACKING, **key)
    second = receive(world.station, TRACKING, **key)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()
    assert ItemEvent.objects.filter(item=item, to_state=S.RETURN_RECEIVED).count() == 1


# --- who may receive what --------------------------------------------------------


def test_another_warehouses_station_does_not_find_the_return(world):
    """Sihui's station: the Guangzhou return is unknown by tracking number
    and by code (404 item_not_found), as an announced item of Guangzhou is."""
    item = released(world)
    announced(world, [item])
    unannounced = released(world)

    for barcode in (TRACKING, item.code, unannounced.code):
        answer = receive(world.station_sih, barcode)
        assert answer.status_code == 404, answer.content
        assert answer.json()["error"]["code"] == "item_not_found"
    assert (state(item), state(unannounced)) == (S.RETURN_EXPECTED, S.RELEASED)
    assert ReturnNotice.objects.count() == 1


def test_a_return_of_another_warehouse_is_received_there(world):
    """Sihui's station receives Sihui's return; the Guangzhou one stays."""
    here = released(world, warehouse=world.sih)
    announced(world, [here], return_id="R-SIH", tracking="ZT0001")
    there = released(world)
    announced(world, [there], return_id="R-GZ", tracking="ZT0002")

    assert receive(world.station_sih, "ZT0001").status_code == 200
    assert receive(world.station_sih, "ZT0002").status_code == 404
    assert (state(here), state(there)) == (S.RETURN_RECEIVED, S.RETURN_EXPECTED)


@pytest.mark.parametrize("who", ["merchant_user", "inspector", "platform"])
def test_only_receiving_roles_receive_a_return(world, who):
    """A merchant, an inspector or the platform may not receive (403; 404
    for a tracking number, which names no item they may look up), and
    nothing moves."""
    item = released(world)
    announced(world, [item])

    for barcode in (TRACKING, item.code):
        answer = receive(getattr(world, who), barcode)
        assert answer.status_code in (403, 404), answer.content
    assert state(item) == S.RETURN_EXPECTED
    assert not ItemEvent.objects.filter(to_state=S.RETURN_RECEIVED).exists()


def test_an_unknown_tracking_number_is_not_found(world):
    item = released(world)
    announced(world, [item])

    answer = receive(world.station, "SF0000000000000")

    assert answer.status_code == 404, answer.content
    assert answer.json()["error"]["code"] == "item_not_found"


# --- the receiving station's page ----------------------------------------------------


def test_the_receiving_page_receives_a_return_by_its_tracking_number(client, world):
    from tests.warehouse.views.test_station import CHOOSE

    item = released(world)
    announced(world, [item])
    user = f.UserFactory(username="operator-gz")
    f.StaffFactory(user=user, warehouse=world.gz, role="operator")
    client.force_login(user)
    assert client.post(CHOOSE, {"station": world.station.station.pk}).status_code == 302

    answer = client.post(
        "/station/scan/",
        {"barcode": TRACKING, "action": "receive"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 200, answer.content
    page = answer.content.decode()
    assert 'data-state="return_received"' in page
    assert 'data-testid="buyer-return"' in page
    assert "R-1" in page and item.code in page
    assert state(item) == S.RETURN_RECEIVED


# --- two stations, one parcel, at once ----------------------------------------------


@pytest.fixture
def stations(world):
    second = f.StationFactory(code="GZ-RCV-02", warehouse=world.gz).user
    return world.station, second


def _one_move_at_once(stations, barcode: str, items) -> None:
    answers = at_once([partial(receive, user, barcode) for user in stations])
    assert sorted(r.status_code for r in answers) == [200, 409], [
        r.content for r in answers
    ]
    refused = next(r for r in answers if r.status_code == 409).json()["error"]
    assert refused["code"] == "invalid_transition"
    assert refused["fields"]["state"] == "return_received"
    for item in items:
        assert state(item) == S.RETURN_RECEIVED
        assert (
            ItemEvent.objects.filter(item=item, to_state=S.RETURN_RECEIVED).count() == 1
        )
    logs = ScanLog.objects.filter(barcode=barcode)
    assert sorted(logs.values_list("outcome", "error_code")) == [
        ("accepted", ""),
        ("refused", "invalid_transition"),
    ]
    assert logs.values("station").distinct().count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_stations_receiving_one_return_parcel_at_once_receive_it_once(
    world, stations
):
    """By its tracking number, three rounds: one 200, one 409; one event per item."""
    for n in range(3):
        items = [released(world), released(world)]
        tracking = f"SF{n:013d}"
        announced(world, items, return_id=f"R-{n}", tracking=tracking)

        _one_move_at_once(stations, tracking, items)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_stations_receiving_one_unannounced_return_at_once_make_one_notice(
    world, stations
):
    for _ in range(3):
        item = released(world)

        _one_move_at_once(stations, item.code, [item])

        assert ReturnNoticeItem.objects.filter(item=item).count() == 1
    assert ReturnNotice.objects.filter(unannounced=True).count() == 3


def test_a_return_whose_serial_is_back_in_the_warehouse_is_refused(world):
    """A serial is one item's while it is here: a sold item whose merchant
    announced the same serial again cannot come back beside it (409, named),
    and nothing is written."""
    item = released(world)
    item.serial = "SN-BANGLE-0001"
    item.save(update_fields=["serial"])
    again = f.ItemFactory(
        notice=f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        category=world.jade,
        serial="SN-BANGLE-0001",
    )

    answer = receive(world.station, item.code, HTTP_ACCEPT_LANGUAGE="en")

    assert answer.status_code == 409, answer.content
    error = answer.json()["error"]
    assert error["code"] == "return_serial_in_use"
    assert error["message"] == (
        f"Item {item.code} cannot come back: its serial SN-BANGLE-0001 is on "
        f"item {again.code}, in the warehouse now."
    )
    assert state(item) == S.RELEASED
    assert not ReturnNotice.objects.exists()
