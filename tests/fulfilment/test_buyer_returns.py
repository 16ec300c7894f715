"""The platform's notice of a buyer's return (``POST /api/v1/returns/``) and
what it may read of returns; the return webhooks are in
``test_buyer_returns_webhooks.py``.

A notice is accepted all or nothing: every item on the order, with a buyer,
delivered after its release, inside its category's window counted in the
warehouse's time zone, and opened goods under a no-reason return only where
the category takes them.
"""

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.utils import timezone

from fulfilment.models import Order, OrderLine
from fulfilment.services.buyer_returns import return_window_end
from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.demo import demo_clock
from warehouse.models import (
    Item,
    ItemEvent,
    ItemState,
    ReturnNotice,
    ReturnNoticeItem,
)

pytestmark = pytest.mark.django_db
S = ItemState
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def english(user):
    client = api_client(user)
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return client


def released(world, *, category=None, order=None):
    """An order-first item on its own order (or ``order``), driven raw to
    released (the certificate's guards are tested elsewhere)."""
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    item = f.ItemFactory(notice=notice, category=category or world.jade)
    if order is None:
        now = timezone.now()
        order = Order.objects.create(
            external_id=f"ORD-R{next(_numbers)}",
            merchant=world.merchant,
            warehouse=world.gz,
            fingerprint="-",
            buyer_name="王小明",
            buyer_phone="13800138000",
            buyer_address="南山区科技园路 1 号",
            carrier="zto",
            promise="within_24h",
            ordered_at=now,
            deadline=now,
        )
    OrderLine.objects.create(
        order=order, line=order.lines.count() + 1, item_code=item.code, sku=item.sku
    )
    for move, target in (
        (lifecycle.item_receive, S.RECEIVED),
        (lifecycle.item_inspection_start, S.INSPECTING),
        (lifecycle.item_pass, S.PASSED),
        (lifecycle.item_certify, S.CERTIFIED),
        (lifecycle.item_allocate, S.ALLOCATED),
        (lifecycle.item_pack, S.PACKED),
        (lifecycle.item_release, S.RELEASED),
    ):
        item.refresh_from_db()
        if item.state != target:  # committed, allocation's job may have run
            move(item=item, actor=world.station)
    item.refresh_from_db()
    item.order = order
    return item


@pytest.fixture
def raw(without_app_guards):
    """Raw moves: no guard of another app stands in the way."""


def notice_body(item, **extra) -> dict:
    return {
        "return_id": f"RET-{next(_numbers)}",
        "order": item.order.external_id,
        "items": [{"item": item.code, "opened": False}],
        "reason": "quality_complaint",
        "carrier": "sf",
        "tracking_number": f"SF{next(_numbers):010d}",
        "delivered_at": timezone.now().isoformat(),
        **extra,
    }


def announce(world, body, user=None):
    return english(user or world.platform).post("/api/v1/returns/", body, format="json")


def refused(answer, http_status: int, code: str) -> dict:
    assert answer.status_code == http_status, answer.json()
    error = answer.json()["error"]
    assert error["code"] == code, error
    return error


def test_a_released_items_return_is_accepted_and_the_item_expected(world, raw):
    item = released(world)
    body = notice_body(item, buyer_note="表面有划痕")

    answer = announce(world, body)

    assert answer.status_code == 201, answer.json()
    shown = answer.json()
    assert shown["return_id"] == body["return_id"]
    assert shown["order"] == item.order.external_id
    assert shown["reason"] == "quality_complaint"
    assert shown["carrier"] == "sf"
    assert shown["buyer_note"] == "表面有划痕"
    assert shown["items"] == [
        {
            "item": item.code,
            "state": "return_expected",
            "opened": False,
            "received_at": None,
            "inspection": None,
        }
    ]
    item.refresh_from_db()
    assert item.state == S.RETURN_EXPECTED
    event = ItemEvent.objects.filter(item=item).latest("id")
    assert (event.from_state, event.to_state) == (S.RELEASED, S.RETURN_EXPECTED)
    assert event.reason_code == "return_announced"
    assert event.reason_params == {
        "return_id": body["return_id"],
        "reason": "quality_complaint",
    }
    assert event.actor == world.platform
    assert event.reason_text == (
        f"The platform announced the buyer's return {body['return_id']}: "
        "quality complaint."
    )
    notice = ReturnNotice.objects.get(return_id=body["return_id"])
    assert (notice.merchant, notice.warehouse) == (world.merchant, world.gz)
    assert notice.buyer_note_lang == "en"
    assert not notice.unannounced


def test_a_repeat_answers_the_same_return_and_other_content_is_refused(world, raw):
    item = released(world)
    body = notice_body(item)
    first = announce(world, body)

    again = announce(world, body)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert ReturnNotice.objects.count() == 1
    assert ItemEvent.objects.filter(item=item, to_state=S.RETURN_EXPECTED).count() == 1
    other = announce(world, {**body, "tracking_number": "SF9999999999"})
    error = refused(other, 409, "return_id_reused")
    assert error["fields"] == {"return_id": [body["return_id"]]}


def test_an_item_never_released_is_refused(world, raw):
    item = released(world)
    unsold = f.ItemFactory(
        notice=f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        category=world.jade,
    )
    OrderLine.objects.create(order=item.order, line=9, item_code=unsold.code)
    body = notice_body(item, items=[{"item": unsold.code}])

    error = refused(announce(world, body), 409, "return_item_not_released")

    assert error["message"] == (
        f"Item {unsold.code} is not with a buyer: it is announced."
    )
    assert error["fields"] == {"items[0].item": [error["message"]]}
    assert not ReturnNotice.objects.exists()


def test_an_item_on_an_open_return_is_refused(world, raw):
    item = released(world)
    first = notice_body(item)
    announce(world, first)

    error = refused(announce(world, notice_body(item)), 409, "return_already_open")

    assert first["return_id"] in error["message"]


def test_an_item_not_on_the_order_is_refused_naming_the_field(world, raw):
    item = released(world)
    stranger = released(world)
    body = notice_body(
        item, items=[{"item": item.code}, {"item": stranger.code, "opened": False}]
    )

    error = refused(announce(world, body), 400, "return_item_not_on_order")

    assert list(error["fields"]) == ["items[1].item"]
    assert error["message"] == (
        f"Item {stranger.code} is not on order {item.order.external_id}."
    )


def test_an_unknown_order_is_refused(world, raw):
    item = released(world)
    error = refused(
        announce(world, notice_body(item, order="NO-SUCH")), 400, "return_order_unknown"
    )
    assert list(error["fields"]) == ["order"]


def test_one_bad_item_refuses_the_whole_notice(world, raw):
    item = released(world)
    same_order = released(world, order=item.order)
    unsold = f.ItemFactory(
        notice=f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        category=world.jade,
    )
    OrderLine.objects.create(order=item.order, line=9, item_code=unsold.code)
    body = notice_body(
        item,
        items=[{"item": item.code}, {"item": same_order.code}, {"item": unsold.code}],
    )

    error = refused(announce(world, body), 409, "return_item_not_released")

    assert list(error["fields"]) == ["items[2].item"]
    assert not ReturnNotice.objects.exists()
    assert not ReturnNoticeItem.objects.exists()
    for kept in (item, same_order):
        kept.refresh_from_db()
        assert kept.state == S.RELEASED
        assert not ItemEvent.objects.filter(
            item=kept, reason_code="return_announced"
        ).exists()
    # The two good items alone are accepted together.
    body["items"] = body["items"][:2]
    assert announce(world, body).status_code == 201
    assert set(ReturnNoticeItem.objects.values_list("item__state", flat=True)) == {
        S.RETURN_EXPECTED
    }


def test_a_delivery_before_the_release_or_in_the_future_is_refused(world, raw):
    item = released(world)
    before = timezone.now() - dt.timedelta(hours=1)
    after = timezone.now() + dt.timedelta(hours=1)

    error = refused(
        announce(world, notice_body(item, delivered_at=before.isoformat())),
        400,
        "return_delivered_before_release",
    )
    assert list(error["fields"]) == ["delivered_at"]
    error = refused(
        announce(world, notice_body(item, delivered_at=after.isoformat())),
        400,
        "return_delivered_in_future",
    )
    assert list(error["fields"]) == ["delivered_at"]


def test_the_window_is_counted_in_calendar_days_of_the_warehouses_time_zone():
    # Delivered at 23:30 in Shanghai: 15:30 UTC of the same date.
    delivered_at = dt.datetime(2026, 12, 1, 23, 30, tzinfo=SHANGHAI)
    delivered, last_day, closes = return_window_end(delivered_at, 7, SHANGHAI)
    assert (delivered, last_day) == (dt.date(2026, 12, 1), dt.date(2026, 12, 8))
    # Refused from midnight in Shanghai, 16:00 UTC on the last day.
    assert closes == dt.datetime(2026, 12, 8, 16, 0, tzinfo=dt.UTC)
    # Delivered at 07:00 in Shanghai, still the day before in UTC.
    early = dt.datetime(2026, 12, 1, 7, 0, tzinfo=SHANGHAI)
    assert return_window_end(early, 7, SHANGHAI)[:2] == (
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 8),
    )


def test_outside_the_window_is_refused_in_the_warehouses_time_zone(world, raw):
    """Delivered late in Shanghai's day: the last minute allowed is 23:59 in
    Shanghai on the seventh day after, when UTC is still at 15:59 of that
    day; at midnight in Shanghai (16:00 UTC, the same UTC date) it is
    refused, though a window counted in UTC would still be open."""
    assert world.gz.time_zone == "Asia/Shanghai"
    first, second = released(world), released(world)
    tomorrow = timezone.now().astimezone(SHANGHAI).date() + dt.timedelta(days=1)
    delivered_at = dt.datetime.combine(tomorrow, dt.time(23, 30), tzinfo=SHANGHAI)
    last_day = tomorrow + dt.timedelta(days=7)
    last_minute = dt.datetime.combine(last_day, dt.time(23, 59), tzinfo=SHANGHAI)
    midnight = last_minute + dt.timedelta(minutes=1)
    assert midnight.astimezone(dt.UTC).date() == last_day  # UTC: still that day

    with demo_clock(last_minute.astimezone(dt.UTC)):
        ok = announce(world, notice_body(first, delivered_at=delivered_at.isoformat()))
    with demo_clock(midnight.astimezone(dt.UTC)):
        late = announce(
            world, notice_body(second, delivered_at=delivered_at.isoformat())
        )

    assert ok.status_code == 201, ok.json()
    error = refused(late, 409, "return_window_closed")
    assert error["message"] == (
        f"Item {second.code}: the return window of 7 days after delivery on "
        f"{tomorrow.isoformat()} closed at the end of {last_day.isoformat()}."
    )
    assert list(error["fields"]) == ["items[0].item"]


def test_the_window_is_the_categorys(world, raw):
    world.jade.return_window_days = 15
    world.jade.save()
    item = released(world)
    delivered_at = timezone.now() + dt.timedelta(minutes=1)
    with demo_clock(delivered_at + dt.timedelta(days=10)):
        answer = announce(
            world, notice_body(item, delivered_at=delivered_at.isoformat())
        )
    assert answer.status_code == 201, answer.json()


@pytest.fixture
def cosmetics(world):
    world.lots.returns_opened_accepted = False
    world.lots.save()
    return world.lots


def test_opened_cosmetics_without_a_reason_are_refused(world, raw, cosmetics):
    item = released(world, category=cosmetics)
    body = notice_body(
        item, items=[{"item": item.code, "opened": True}], reason="no_reason"
    )

    error = refused(announce(world, body), 409, "return_opened_refused")

    assert error["message"] == (
        f"Item {item.code}: opened goods of category cosmetics are not taken "
        "back without a reason."
    )
    item.refresh_from_db()
    assert item.state == S.RELEASED


def test_opened_cosmetics_with_a_quality_complaint_are_accepted(world, raw, cosmetics):
    item = released(world, category=cosmetics)
    body = notice_body(
        item, items=[{"item": item.code, "opened": True}], reason="质量问题"
    )
    answer = announce(world, body)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["items"][0]["opened"] is True


def test_unopened_cosmetics_without_a_reason_are_accepted(world, raw, cosmetics):
    item = released(world, category=cosmetics)
    body = notice_body(
        item, items=[{"item": item.code, "opened": False}], reason="no_reason"
    )
    assert announce(world, body).status_code == 201


def test_opened_goods_of_a_category_taking_them_are_accepted(world, raw):
    item = released(world)
    body = notice_body(
        item, items=[{"item": item.code, "opened": True}], reason="no_reason"
    )
    assert announce(world, body).status_code == 201


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("七天无理由", "no_reason"),
        ("无理由退货", "no_reason"),
        ("描述不符", "not_as_described"),
        ("运输损坏", "damaged_in_transit"),
        ("过敏", "allergic_reaction"),
        ("wrong item", "wrong_item"),
    ],
)
def test_a_reason_in_the_trades_words_is_stored_as_its_code(world, raw, said, code):
    item = released(world)
    body = notice_body(item, reason=said, carrier="顺丰")

    answer = announce(world, body)

    assert answer.status_code == 201, answer.json()
    notice = ReturnNotice.objects.get(return_id=body["return_id"])
    assert (notice.reason, notice.carrier) == (code, "sf")
    assert answer.json()["reason"] == code


def test_an_unknown_reason_lists_the_reasons(world, raw):
    item = released(world)
    error = refused(
        announce(world, notice_body(item, reason="不想要了")),
        400,
        "unknown_return_reason",
    )
    assert "quality complaint" in error["message"]


def test_only_the_platform_announces(world, raw):
    item = released(world)
    for user in (world.merchant_user, world.inspector, world.station):
        refused(
            announce(world, notice_body(item), user=user),
            403,
            "role_cannot_announce_return",
        )
    assert not ReturnNotice.objects.exists()


def test_a_merchant_reads_its_own_returns_and_not_anothers(world, raw):
    item = released(world)
    body = notice_body(item, buyer_note="不喜欢")
    announce(world, body)
    path = f"/api/v1/returns/{body['return_id']}/"

    own = english(world.merchant_user).get(path)
    other = english(world.merchant2_user).get(path)
    missing = english(world.merchant2_user).get("/api/v1/returns/NO-SUCH/")

    assert own.status_code == 200
    assert own.json()["items"][0]["item"] == item.code
    assert own.json()["buyer_note"] is None  # the buyer's words: not for merchants
    refused(other, 404, "return_notice_not_found")  # as one that does not exist
    refused(missing, 404, "return_notice_not_found")
    assert english(world.merchant_user).get("/api/v1/returns/").json()["count"] == 1
    assert english(world.merchant2_user).get("/api/v1/returns/").json()["count"] == 0
    listed = english(world.platform).get("/api/v1/returns/").json()
    assert [r["return_id"] for r in listed["results"]] == [body["return_id"]]
    assert listed["results"][0]["buyer_note"] == "不喜欢"


def test_a_notice_for_an_item_received_unannounced_takes_over_its_notice(world, raw):
    item = released(world)
    unannounced = ReturnNotice.objects.create(
        merchant=world.merchant, warehouse=world.gz, unannounced=True
    )
    ReturnNoticeItem.objects.create(notice=unannounced, item=item)
    lifecycle.item_return_receive(
        item=item,
        actor=world.station,
        reason_code="return_received_unannounced",
    )
    body = notice_body(item, reason="描述不符")

    answer = announce(world, body)

    assert answer.status_code == 201, answer.json()
    assert ReturnNotice.objects.count() == 1
    unannounced.refresh_from_db()
    assert unannounced.return_id == body["return_id"]
    assert unannounced.reason == "not_as_described"
    assert unannounced.order_ref == item.order.external_id
    assert unannounced.unannounced  # it was received before it was announced
    item.refresh_from_db()
    assert item.state == S.RETURN_RECEIVED  # not moved back
    event = ItemEvent.objects.filter(item=item).latest("id")
    assert event.reason_code == "return_announced"
    assert event.from_state == event.to_state == S.RETURN_RECEIVED
    assert answer.json()["unannounced"] is True


def test_the_list_reads_the_same_number_of_queries_for_more_returns(
    world, raw, django_assert_num_queries
):
    """The page's count, the returns, their items, their inspections."""
    client = english(world.platform)
    announce(world, notice_body(released(world)))
    client.get("/api/v1/returns/")  # the caller's token and principal cached
    with django_assert_num_queries(4):
        assert client.get("/api/v1/returns/").json()["count"] == 1
    for _ in range(3):
        announce(world, notice_body(released(world)))
    with django_assert_num_queries(4):
        assert client.get("/api/v1/returns/").json()["count"] == 4


def test_units_taken_from_a_lot_are_not_announced_as_a_return(world, raw, cosmetics):
    """A lot stays on the shelf while its units leave in parcels: no unit has a
    code or state to follow back, so the notice is refused naming the lot."""
    lot = f.ItemFactory(
        notice=f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        category=cosmetics,
        quantity=12,
    )
    item = released(world)
    OrderLine.objects.create(
        order=item.order, line=2, item_code=lot.code, sku=lot.sku, quantity=2
    )
    body = notice_body(item, items=[{"item": lot.code, "opened": False}])

    error = refused(announce(world, body), 409, "return_lot_units")

    assert error["message"] == (
        f"Item {lot.code} is a lot of 12 units; a buyer's return is taken for an "
        "item that left as itself, not for units taken from a lot."
    )
    assert error["fields"] == {"items[0].item": [error["message"]]}
    lot.refresh_from_db()
    assert lot.state == S.ANNOUNCED


def test_a_return_whose_serial_is_back_in_the_warehouse_is_refused(world, raw):
    item = released(world)
    Item.objects.filter(pk=item.pk).update(serial="SN-JADE-77")
    again = f.ItemFactory(
        notice=f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        category=world.jade,
        serial="SN-JADE-77",
    )

    error = refused(announce(world, notice_body(item)), 409, "return_serial_in_use")

    assert error["fields"] == {"items[0].item": [error["message"]]}
    assert again.code in error["message"]
    item.refresh_from_db()
    assert item.state == S.RELEASED
