"""The living demo: a warehouse in full swing, seeded once for this module."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from fulfilment.models import Manifest, Order, Shipment, WebhookMessage
from inspection.models import Appeal, Certificate, HoldDecision, Inspection
from warehouse.demo import demo_clock, demo_seed
from warehouse.models import Item, ItemEvent, ItemState


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo seeded once; undone when the module's tests are done."""
    from django.test.utils import override_settings

    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        yield demo_seed()
        transaction.set_rollback(True)


def live():
    return Item.objects.filter(notice__reference__startswith="LIVE-")


def test_every_item_state_is_there(world, db):
    """Each state of the lifecycle has items in it, the summary says so."""
    states = set(live().values_list("state", flat=True))

    assert states == set(ItemState.values)
    assert world["living"]["states"] == {
        s: live().filter(state=s).count() for s in sorted(states)
    }
    assert live().count() >= 30


def test_held_failed_appealed_and_lots(world, db):
    """A hold awaits its decision, a failure its appeal's re-inspection, and a
    stock-first lot was passed by sample while another is being sampled."""
    held = live().filter(state=ItemState.HELD)
    assert held.exists()
    assert not HoldDecision.objects.filter(inspection__item__in=held).exists()

    appeal = Appeal.objects.get(item__in=live())
    assert appeal.item.state == ItemState.INSPECTING
    assert appeal.item.inspections.filter(verdict="fail").exists()

    lots = live().filter(quantity__gt=1)
    assert set(lots.values_list("state", flat=True)) == {
        ItemState.CERTIFIED,
        ItemState.INSPECTING,
    }
    for lot in lots:
        inspection = lot.inspections.get()
        assert 0 < inspection.units.count() <= inspection.sample_size
    sold = Order.objects.get(external_id="LS-LIVE-LOT-1")
    assert sold.status == Order.Status.DISPATCHED


def test_orders_of_both_promises_one_at_risk_one_breached(world, db):
    orders = Order.objects.filter(external_id__startswith="LS-LIVE-")

    assert set(orders.values_list("promise", flat=True)) == {"same_day", "within_24h"}
    assert orders.filter(promise_state="at_risk").exists()
    assert orders.filter(promise_state="breached").exists()
    assert world["living"]["orders"]["at_risk"] >= 1


def test_a_revoked_certificate_a_closed_manifest_labels_to_print(world, db):
    revoked = Certificate.objects.get(status=Certificate.Status.REVOKED)
    assert world["living"]["revoked_certificates"] == [revoked.number]
    assert revoked.revoked_reason

    closed = Manifest.objects.filter(status=Manifest.Status.CLOSED)
    assert closed.exists()
    assert Shipment.objects.filter(manifest__in=closed, status="released").exists()
    to_print = Shipment.objects.filter(
        printed_at=None, status="labelled", contents__item__state=ItemState.PACKED
    )
    assert to_print.count() == live().filter(state=ItemState.PACKED).count() > 0


def test_webhook_messages_are_recorded_and_none_sent(world, db):
    messages = WebhookMessage.objects.filter(
        endpoint__platform__user__username="platform"
    )

    assert messages.count() == world["living"]["webhook_messages"] > 0
    assert {"order.accepted", "item.state_changed"} <= set(
        messages.values_list("event_type", flat=True)
    )
    assert not messages.exclude(state="pending").exists()
    assert not messages.first().endpoint.is_active


def test_a_week_of_history(world, db):
    """Events fall on each of the last seven days (the charts have shape),
    in order for each item, none in the future."""
    now = timezone.now()
    events = ItemEvent.objects.filter(item__in=live())
    days = {at.date() for at in events.values_list("at", flat=True)}
    assert len(days) >= 6
    assert min(days) >= (now - dt.timedelta(days=7)).date()
    assert not events.filter(at__gt=now).exists()
    for item in live().filter(state=ItemState.RELEASED):
        ats = list(item.events.order_by("id").values_list("at", flat=True))
        assert ats == sorted(ats)
    inspected = Inspection.objects.filter(item__in=live()).values_list(
        "opened_at", flat=True
    )
    assert len({at.date() for at in inspected}) >= 3


def test_buyers_returns_each_as_far_as_the_demo_says(world, db, client):
    """Returns announced, received, matched, awaiting sign-off and disputed,
    made by the services: the matched item's certificate says so publicly."""
    from fulfilment.demo_returns import RETURN_PREFIX
    from inspection.models import ReturnInspection
    from warehouse.models import ReturnNotice

    notices = ReturnNotice.objects.filter(return_id__startswith=RETURN_PREFIX)
    states = [n.lines.get().item.state for n in notices.order_by("return_id")]
    assert states == [
        ItemState.RETURN_EXPECTED,
        ItemState.RETURN_RECEIVED,
        ItemState.RETURNING,
        ItemState.RETURN_INSPECTING,
        ItemState.DISPUTED,
    ]
    inspections = ReturnInspection.objects.filter(notice__in=notices).order_by("id")
    assert [(i.verdict, i.status) for i in inspections] == [
        ("matches", "closed"),
        ("mismatch", "awaiting_signoff"),
        ("mismatch", "closed"),
    ]
    assert all(i.photos.count() == 2 for i in inspections)
    matched = inspections[0].certificate
    body = client.get(f"/verify/{matched.token}.json").json()
    assert body["returned_verified_at"]
    assert live().filter(state=ItemState.RELEASED).exists()


def test_seeding_again_changes_nothing(world, db):
    counts = [
        m.objects.count()
        for m in (Item, ItemEvent, Order, Shipment, Certificate, WebhookMessage)
    ]

    again = demo_seed()

    assert again == world
    assert counts == [
        m.objects.count()
        for m in (Item, ItemEvent, Order, Shipment, Certificate, WebhookMessage)
    ]


def test_the_demo_clock_sets_what_services_and_defaults_stamp():
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    with demo_clock(at):
        assert timezone.now() == at
        assert ItemEvent._meta.get_field("at").get_default() == at
        assert isinstance(timezone.now(), dt.datetime)
    assert timezone.now() > at
