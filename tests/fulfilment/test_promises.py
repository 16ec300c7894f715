"""Dispatch promises in the warehouse's time zone, and the periodic sweep."""

import datetime as dt
import zoneinfo

import pytest

from fulfilment.models import Order, PromiseState
from fulfilment.promises import promise_deadline, promise_status
from fulfilment.services import dispatch_figures, promises_sweep
from tests.conftest import api_client

from .conftest import order_payload

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NY = zoneinfo.ZoneInfo("America/New_York")
UTC = dt.UTC


def local(*args, zone=SH):
    return dt.datetime(*args, tzinfo=zone)


def deadline(promise, when, zone="Asia/Shanghai"):
    return promise_deadline(promise=promise, ordered_at=when, time_zone=zone)


def test_same_day_before_the_cutoff_leaves_by_midnight_local():
    due = deadline("same_day", local(2026, 11, 25, 15, 59, 59))
    assert due == local(2026, 11, 25, 23, 59, 59)
    assert due == dt.datetime(2026, 11, 25, 15, 59, 59, tzinfo=UTC)


def test_same_day_at_or_after_the_cutoff_falls_back_to_24_hours():
    at_cutoff = local(2026, 11, 25, 16, 0)
    assert deadline("same_day", at_cutoff) == local(2026, 11, 26, 16, 0)
    late = local(2026, 11, 25, 23, 30)
    assert deadline("same_day", late) == local(2026, 11, 26, 23, 30)


def test_the_cutoff_is_local_time_not_utc():
    # 07:59 UTC is 15:59 in Shanghai (before the cut-off) ...
    assert deadline("same_day", dt.datetime(2026, 11, 25, 7, 59, tzinfo=UTC)) == local(
        2026, 11, 25, 23, 59, 59
    )
    # ... and 16:30 UTC is already 00:30 the next day there.
    assert deadline("same_day", dt.datetime(2026, 11, 25, 16, 30, tzinfo=UTC)) == local(
        2026, 11, 26, 23, 59, 59
    )


def test_24_hours_cross_midnight():
    ordered = local(2026, 12, 31, 22, 15)
    assert deadline("within_24h", ordered) == local(2027, 1, 1, 22, 15)


def test_a_daylight_saving_day_keeps_24_real_hours_and_local_midnight():
    # New York springs forward on 2026-03-08 at 02:00.
    ordered = local(2026, 3, 7, 12, 0, zone=NY)
    due = deadline("within_24h", ordered, "America/New_York")
    assert due - ordered == dt.timedelta(hours=24)
    assert due.astimezone(NY).hour == 13
    same_day = deadline(
        "same_day", local(2026, 3, 8, 9, 0, zone=NY), "America/New_York"
    )
    assert same_day.astimezone(NY) == local(2026, 3, 8, 23, 59, 59, zone=NY)


def test_status_at_each_boundary():
    due = local(2026, 11, 25, 23, 59, 59)
    second = dt.timedelta(seconds=1)
    assert promise_status(deadline=due, now=due) == "at_risk"
    assert promise_status(deadline=due, now=due + second) == "breached"
    assert promise_status(deadline=due, now=due - dt.timedelta(hours=2)) == "at_risk"
    assert promise_status(deadline=due, now=due - dt.timedelta(hours=2) - second) == (
        "on_track"
    )
    assert promise_status(deadline=due, now=due, dispatched_at=due) == "met"
    assert promise_status(deadline=due, now=due, dispatched_at=due + second) == "late"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        deadline("same_day", dt.datetime(2026, 1, 1, 9, 0))


@pytest.mark.django_db
def test_the_sweep_flags_orders_at_risk_and_breached_once(world):
    now = dt.datetime.now(UTC)
    client = api_client(world.platform)
    for hours_ago in (23, 30, 1):
        payload = order_payload(
            world,
            lines=[{"sku": "SERUM-30"}],
            ordered_at=(now - dt.timedelta(hours=hours_ago)).isoformat(),
        )
        assert client.post("/api/v1/orders/", payload, format="json").status_code == 201

    assert promises_sweep(now=now) == {"at_risk": 1, "breached": 1}
    assert promises_sweep(now=now) == {"at_risk": 0, "breached": 0}
    states = sorted(Order.objects.values_list("promise_state", flat=True))
    assert states == ["at_risk", "breached", "on_track"]
    figures = dispatch_figures(orders=Order.objects.all())
    assert figures[0]["breached"] == 1 and figures[0]["on_time_rate"] == 0.0
    answer = api_client(world.supervisor).get(
        "/api/v1/dispatch-figures/?from=2020-01-01"
    )
    assert answer.status_code == 200
    assert answer.json()[0]["open"] == 3
    bad = api_client(world.supervisor).get("/api/v1/dispatch-figures/?from=yesterday")
    assert bad.status_code == 400
    assert Order.objects.filter(promise_state=PromiseState.BREACHED).count() == 1
