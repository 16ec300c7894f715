"""The platform hears of a buyer's returned item: ``return.received`` as it
enters return_received, ``return.inspected`` as it leaves
return_inspecting (docs/WEBHOOKS.md)."""

import json

import pytest

from fulfilment.models import WebhookEndpoint, WebhookMessage
from inspection.models import ReturnInspection
from inspection.selectors import certificate_current_for_item
from tests.conftest import api_client
from warehouse import lifecycle
from warehouse.models import ItemState, ReturnNotice, ReturnNoticeItem

from .conftest import certified, label_scan, run_jobs, tracking_of
from .test_release import ordered

pytestmark = pytest.mark.django_db
S = ItemState


@pytest.fixture
def endpoint(world):
    return WebhookEndpoint.objects.create(
        platform=world.platform.platform_account,
        url="https://hooks.example.com/qcw",
        secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


def _bodies(event_type: str) -> list[dict]:
    return [
        json.loads(body)
        for body in WebhookMessage.objects.filter(event_type=event_type)
        .order_by("id")
        .values_list("body", flat=True)
    ]


@pytest.fixture
def sold(world, qc):
    """A certified jade item, ordered, packed and handed to the carrier."""
    item = certified(world)
    order = ordered(world, item)
    assert label_scan(world.station, tracking_of(item)).status_code == 200
    run_jobs()
    item.refresh_from_db()
    assert item.state == S.RELEASED
    item.order = order
    return item


def _announce(world, item, return_id="RET-W1"):
    answer = api_client(world.platform).post(
        "/api/v1/returns/",
        {
            "return_id": return_id,
            "order": item.order.external_id,
            "items": [{"item": item.code}],
            "reason": "七天无理由",
            "carrier": "sf",
            "tracking_number": "SF1234567890",
            "delivered_at": item.state_changed_at.isoformat(),
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()


def test_return_received_is_told_when_an_announced_item_is_received(
    world, sold, endpoint
):
    _announce(world, sold)
    assert _bodies("return.received") == []

    lifecycle.item_return_receive(
        item=sold, actor=world.station, reason_code="return_received"
    )

    (body,) = _bodies("return.received")
    data = body["data"]
    assert data.pop("at")
    assert data == {
        "return_id": "RET-W1",
        "order": sold.order.external_id,
        "item": sold.code,
        "unannounced": False,
    }


def test_return_received_unannounced_has_no_return_id(world, sold, endpoint):
    notice = ReturnNotice.objects.create(
        merchant=world.merchant,
        warehouse=world.gz,
        unannounced=True,
        order_ref=sold.order.external_id,
    )
    ReturnNoticeItem.objects.create(notice=notice, item=sold)

    lifecycle.item_return_receive(
        item=sold, actor=world.station, reason_code="return_received_unannounced"
    )

    (body,) = _bodies("return.received")
    assert body["data"]["return_id"] == ""
    assert body["data"]["unannounced"] is True
    assert body["data"]["order"] == sold.order.external_id


def test_return_inspected_is_told_when_the_item_leaves_return_inspecting(
    world, sold, endpoint, settings
):
    settings.PUBLIC_BASE_URL = "https://qc.example.com/"
    _announce(world, sold)
    lifecycle.item_return_receive(item=sold, actor=world.station)
    lifecycle.item_return_inspect(item=sold, actor=world.inspector)
    checks = [
        {
            "check": "weight",
            "code": "return_weight_differs",
            "params": {
                "now_mg": 50310,
                "certified_mg": 52310,
                "difference_mg": 2000,
                "tolerance_mg": 20,
            },
            "ok": False,
            "severity": "mismatch",
        }
    ]
    # The comparison's own service is the inspection app's: the row alone here.
    inspection = ReturnInspection.objects.create(
        item=sold,
        notice=ReturnNotice.objects.get(return_id="RET-W1"),
        certificate=certificate_current_for_item(sold),
        number=1,
        checks=checks,
        verdict="mismatch",
        outcome="disputed",
        status="closed",
        inspected_by=world.inspector,
    )
    assert _bodies("return.inspected") == []

    lifecycle.item_dispute(item=sold, actor=world.supervisor)

    (body,) = _bodies("return.inspected")
    data = body["data"]
    assert data.pop("at")
    assert data == {
        "return_id": "RET-W1",
        "order": sold.order.external_id,
        "item": sold.code,
        "verdict": "mismatch",
        "outcome": "disputed",
        "checks": checks,
        "report_url": (
            f"https://qc.example.com/api/v1/return-inspections/{inspection.pk}"
            "/report.pdf"
        ),
    }
    # Back from the supervisor for another look, then to the merchant: told again.
    lifecycle.item_return_inspect(item=sold, actor=world.supervisor)
    lifecycle.item_return_start(item=sold, actor=world.supervisor)
    assert [b["data"]["outcome"] for b in _bodies("return.inspected")] == [
        "disputed",
        "to_merchant",
    ]


def test_the_return_shows_its_latest_inspection_in_the_readers_language(world, sold):
    _announce(world, sold)
    lifecycle.item_return_receive(item=sold, actor=world.station)
    lifecycle.item_return_inspect(item=sold, actor=world.inspector)
    ReturnInspection.objects.create(
        item=sold,
        notice=ReturnNotice.objects.get(return_id="RET-W1"),
        certificate=certificate_current_for_item(sold),
        number=1,
        checks=[
            {
                "check": "seal",
                "code": "return_seal_intact",
                "params": {"seal": "S00012345"},
                "ok": True,
                "severity": "ok",
            }
        ],
        verdict="matches",
        outcome="to_merchant",
        status="closed",
        inspected_by=world.inspector,
    )

    answer = api_client(world.merchant_user).get(
        "/api/v1/returns/RET-W1/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert answer.status_code == 200
    (line,) = answer.json()["items"]
    assert line["state"] == "return_inspecting"
    shown = line["inspection"]
    assert (shown["verdict"], shown["outcome"], shown["status"]) == (
        "matches",
        "to_merchant",
        "closed",
    )
    assert shown["checks"][0]["code"] == "return_seal_intact"
    assert shown["checks"][0]["reason"]  # the catalogue's words, or the code
    assert shown["report_url"].endswith(
        f"/api/v1/return-inspections/{shown['id']}/report.pdf"
    )
