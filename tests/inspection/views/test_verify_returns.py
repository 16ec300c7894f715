"""The public verify page and its JSON after a buyer's return: a return
verified as the certified item is said, with its date in the warehouse's time
zone; after any other verdict nothing is said of a buyer or a return, and no
buyer's data ever shows."""

import datetime as dt

import pytest
from django.utils import timezone

from inspection.models import ReturnInspection, ReturnOutcome, ReturnVerdict
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
