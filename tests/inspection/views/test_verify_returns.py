"""The public verify page and its JSON after a buyer's return: a return
verified as the certified item is said, with its date in the warehouse's time
zone; after any other verdict nothing is said of a buyer or a return, and no
buyer's data ever shows."""

import datetime as dt

import pytest
from django.utils import timezone

from fulfilment.demo_returns import demo_return_observed
from fulfilment.models import Shipment
from inspection.models import ReturnInspection, ReturnOutcome, ReturnVerdict
from inspection.selectors import certificate_current_for_item
from inspection.services.returns import (
    return_inspection_create,
    return_inspection_sign_off,
)
from tests.conftest import api_client
from tests.fulfilment.conftest import certified, label_scan, order_payload, run_jobs
from warehouse.common.access import principal_of
from warehouse.models import ReturnNotice, ReturnNoticeItem, ReturnReason

from ..test_certificates import _media, certified_item  # noqa: F401

pytestmark = pytest.mark.django_db

BUYER = {
    "return_id": "RET-SECRET-777",
    "order_ref": "ORD-BUYER-42",
    "tracking_number": "SF1234567890",
    "buyer_note": "买家留言：不想要了",  # noqa: RUF001
}


def returned(world, item, certificate, *, verdict, status, outcome, at):
    """A buyer's return of ``item`` and its (one) return inspection, as stored."""
    number = ReturnInspection.objects.filter(item=item).count() + 1
    notice = ReturnNotice.objects.create(
        merchant=item.merchant,
        warehouse=item.warehouse,
        reason=ReturnReason.NOT_AS_DESCRIBED,
        carrier="SF",
        delivered_at=at - dt.timedelta(days=2),
        **{**BUYER, "return_id": f"{BUYER['return_id']}-{number}"},
    )
    ReturnNoticeItem.objects.create(notice=notice, item=item, received_at=at)
    return ReturnInspection.objects.create(
        item=item,
        notice=notice,
        certificate=certificate,
        number=number,
        verdict=verdict,
        outcome=outcome,
        status=status,
        inspected_by=world.inspector,
        inspected_at=at,
        closed_at=at if status != ReturnInspection.Status.AWAITING_SIGNOFF else None,
        checks=[
            {
                "check": "weight",
                "code": "return_weight_same",
                "params": {},
                "ok": True,
                "severity": "ok",
            }
        ],
    )


def page_and_json(client, certificate, language="en"):
    page = client.get(f"/verify/{certificate.token}", HTTP_ACCEPT_LANGUAGE=language)
    body = client.get(f"/verify/{certificate.token}.json").json()
    assert page.status_code == 200
    return page.content.decode(), body


def assert_no_buyer_data(html: str, body: dict):
    text = html + str(body)
    for value in BUYER.values():
        assert value not in text
    assert "not as described" not in text and "not_as_described" not in text


def test_a_matched_return_is_said_with_its_local_date(client, world, qc):
    item, certificate = certified_item(world)
    # 23:30 UTC is the next day in Guangzhou (UTC+8): the local date is said.
    at = timezone.now().replace(hour=23, minute=30) - dt.timedelta(days=1)
    returned(
        world,
        item,
        certificate,
        verdict=ReturnVerdict.MATCHES,
        status=ReturnInspection.Status.CLOSED,
        outcome=ReturnOutcome.TO_MERCHANT,
        at=at,
    )
    local = (at + dt.timedelta(hours=8)).date().isoformat()

    html, body = page_and_json(client, certificate)

    assert body["returned_verified_at"] == local
    assert f"Returned by the buyer on {local}, verified as the certified item." in html
    assert_no_buyer_data(html, body)


def test_the_matched_return_in_chinese(client, world, qc):
    item, certificate = certified_item(world)
    at = timezone.now() - dt.timedelta(days=1)
    returned(
        world,
        item,
        certificate,
        verdict=ReturnVerdict.MATCHES,
        status=ReturnInspection.Status.CLOSED,
        outcome=ReturnOutcome.RESTOCK,
        at=at,
    )

    html, body = page_and_json(client, certificate, language="zh-hans")

    assert (
        f"买家于 {body['returned_verified_at']} 退回，经核验为认证时的同一件物品。"  # noqa: RUF001
        in html
    )
    assert_no_buyer_data(html, body)


@pytest.mark.parametrize(
    ("verdict", "status", "outcome"),
    [
        (ReturnVerdict.DAMAGED, "closed", ReturnOutcome.TO_MERCHANT),
        (ReturnVerdict.MISMATCH, "closed", ReturnOutcome.DISPUTED),
        (ReturnVerdict.MISMATCH, "disputed", ReturnOutcome.DISPUTED),
        (ReturnVerdict.DAMAGED, "awaiting_signoff", ""),
        (ReturnVerdict.MISMATCH, "awaiting_signoff", ""),
    ],
)
def test_after_any_other_verdict_nothing_is_said_of_a_buyer(
    client, world, qc, verdict, status, outcome
):
    item, certificate = certified_item(world)
    returned(
        world,
        item,
        certificate,
        verdict=verdict,
        status=status,
        outcome=outcome,
        at=timezone.now() - dt.timedelta(hours=3),
    )

    html, body = page_and_json(client, certificate)

    assert body["returned_verified_at"] is None
    assert 'data-testid="returned-verified"' not in html
    assert "buyer" not in html.lower() and "return" not in html.lower()
    assert_no_buyer_data(html, body)


def test_a_later_return_that_does_not_match_takes_the_sentence_away(client, world, qc):
    item, certificate = certified_item(world)
    returned(
        world,
        item,
        certificate,
        verdict=ReturnVerdict.MATCHES,
        status=ReturnInspection.Status.CLOSED,
        outcome=ReturnOutcome.RESTOCK,
        at=timezone.now() - dt.timedelta(days=3),
    )
    returned(
        world,
        item,
        certificate,
        verdict=ReturnVerdict.MISMATCH,
        status=ReturnInspection.Status.DISPUTED,
        outcome=ReturnOutcome.DISPUTED,
        at=timezone.now() - dt.timedelta(hours=1),
    )

    html, body = page_and_json(client, certificate)

    assert body["returned_verified_at"] is None
    assert 'data-testid="returned-verified"' not in html


def test_a_certificate_never_returned_says_nothing(client, world, qc):
    _item, certificate = certified_item(world)

    html, body = page_and_json(client, certificate)

    assert body["returned_verified_at"] is None
    assert 'data-testid="returned-verified"' not in html


# --- through the services: released, announced, received, compared -------------------


def released_and_received(world, n: int = 1):
    """A certified item of the world's merchant ordered, packed, handed to
    the carrier, then announced back by the platform and received."""
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    assert answer.status_code == 201, answer.content
    run_jobs()
    answer = api_client(world.station).post(
        f"/api/v1/orders/{payload['order_id']}/pack/", format="json"
    )
    assert answer.status_code == 200, answer.content
    run_jobs()
    shipment = Shipment.objects.get(order__external_id=payload["order_id"])
    assert label_scan(world.station, shipment.tracking_number).status_code == 200
    tracking = f"SF44400000000{n:02d}"
    notice = {
        "return_id": f"{BUYER['return_id']}-{n}",
        "order": payload["order_id"],
        "items": [{"item": item.code, "opened": False}],
        "reason": "not_as_described",
        "carrier": "sf",
        "tracking_number": tracking,
        "buyer_note": BUYER["buyer_note"],
        "delivered_at": timezone.now().isoformat(),
    }
    answer = api_client(world.platform).post("/api/v1/returns/", notice, format="json")
    assert answer.status_code == 201, answer.content
    scan = {"barcode": tracking, "action": "receive"}
    answer = api_client(world.station).post("/api/v1/scans/", scan, format="json")
    assert answer.status_code == 200, answer.content
    item.refresh_from_db()
    return item, tracking


def compared(world, goal: str):
    """A returned item compared through the service: as certified
    (``matched``), 2 g lighter (``lighter``) or damaged (``damaged``)."""
    item, tracking = released_and_received(world)
    observed = demo_return_observed(item, "matched" if goal == "damaged" else goal)
    if goal == "damaged":
        observed["condition"] = "damaged"
    inspection = return_inspection_create(
        principal=principal_of(world.inspector), code=item.code, observed=observed
    )
    run_jobs()
    return item, tracking, inspection, certificate_current_for_item(item)


@pytest.mark.parametrize(
    ("goal", "sign_off", "verified"),
    [
        ("matched", None, True),
        ("lighter", None, False),  # awaiting sign-off
        ("lighter", True, False),  # mismatch confirmed: disputed
        ("lighter", False, False),  # the second inspector disagrees: disputed
        ("damaged", True, False),  # back to the merchant, damaged
    ],
)
def test_through_the_services_each_outcome(client, world, qc, goal, sign_off, verified):
    item, tracking, inspection, certificate = compared(world, goal)
    if sign_off is not None:
        return_inspection_sign_off(
            principal=principal_of(qc.inspector2),
            inspection_id=inspection.pk,
            approve=sign_off,
            note="" if sign_off else "Weighed again: the scale was off.",
        )
        run_jobs()
    inspection.refresh_from_db()

    html, body = page_and_json(client, certificate)

    assert (body["returned_verified_at"] is not None) is verified
    assert ('data-testid="returned-verified"' in html) is verified
    if verified:
        assert inspection.verdict == "matches" and inspection.status == "closed"
        local = timezone.localtime(inspection.closed_at, item.warehouse.tzinfo)
        assert body["returned_verified_at"] == local.date().isoformat()
    else:
        assert "buyer" not in html.lower() and "return" not in html.lower()
    text = html + str(body)
    for secret in (tracking, item.buyer_return_lines.get().notice.return_id):
        assert secret not in text
    assert_no_buyer_data(html, body)
