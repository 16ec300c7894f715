"""The merchant's buyers' returns in the portal (/decisions/buyer-returns/):
their returns only, each item's state and verdict, every compared point's
reason in the reader's language, the photos and the report link; another
merchant's return or photo is a 404, other roles 403."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from inspection.models import (
    ReturnInspection,
    ReturnOutcome,
    ReturnPhoto,
    ReturnVerdict,
)
from tests.inspection.test_certificates import certified_item
from warehouse.models import ReturnNotice, ReturnNoticeItem, ReturnReason

pytestmark = pytest.mark.django_db
LIST = "/decisions/buyer-returns/"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01"
    b"\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def a_return(world, *, verdict=ReturnVerdict.MISMATCH, status="closed"):
    """A certified item of the world's merchant returned by a buyer and
    compared: 2 g lighter than certified, with one photo."""
    item, certificate = certified_item(world)
    notice = ReturnNotice.objects.create(
        return_id="RET-1001",
        merchant=item.merchant,
        warehouse=item.warehouse,
        order_ref="ORD-77",
        reason=ReturnReason.NOT_AS_DESCRIBED,
        carrier="SF",
        tracking_number="SF9988776655",
        delivered_at=timezone.now() - dt.timedelta(days=2),
    )
    ReturnNoticeItem.objects.create(
        notice=notice, item=item, received_at=timezone.now()
    )
    inspection = ReturnInspection.objects.create(
        item=item,
        notice=notice,
        certificate=certificate,
        number=1,
        verdict=verdict,
        outcome=ReturnOutcome.DISPUTED,
        status=status,
        inspected_by=world.inspector,
        closed_at=timezone.now(),
        checks=[
            {
                "check": "weight",
                "code": "return_weight_differs",
                "params": {
                    "now_mg": 50350,
                    "certified_mg": 52350,
                    "difference_mg": -2000,
                    "tolerance_mg": 20,
                },
                "ok": False,
                "severity": "mismatch",
            }
        ],
    )
    photo = ReturnPhoto(
        inspection=inspection,
        content_type="image/png",
        size=len(PNG),
        width=1,
        height=1,
        sha256="a" * 64,
        uploaded_by=world.inspector,
    )
    photo.image.save("p.png", ContentFile(PNG), save=False)
    photo.save()
    return notice, item, inspection, photo


def test_the_merchant_sees_their_returns_with_state_and_verdict(world, qc):
    notice, item, _inspection, _photo = a_return(world)

    page = client_for(world.merchant_user).get(LIST)

    assert page.status_code == 200
    html = page.content.decode()
    assert "RET-1001" in html and item.code in html
    assert 'data-verdict="mismatch"' in html
    assert f"/decisions/buyer-returns/{notice.pk}/" in html
    assert "Buyers&#x27; returns" in html or "Buyers' returns" in html  # the menu


def test_the_detail_shows_each_point_the_photos_and_the_report(world, qc):
    notice, item, inspection, photo = a_return(world)
    client = client_for(world.merchant_user)

    page = client.get(f"{LIST}{notice.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert item.code in html and "ORD-77" in html and "SF9988776655" in html
    assert 'data-testid="return-points"' in html
    assert "return_weight_differs" not in html or "differs" in html
    assert f"/api/v1/return-inspections/{inspection.pk}/report.pdf" in html
    photo_url = f"{LIST}photos/{photo.pk}"
    assert photo_url in html
    served = client.get(photo_url)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PNG


def test_the_report_link_waits_for_the_sign_off(world, qc):
    notice, _item, _inspection, _photo = a_return(world, status="awaiting_signoff")

    html = client_for(world.merchant_user).get(f"{LIST}{notice.pk}/").content.decode()

    assert "report.pdf" not in html
    assert "awaiting sign-off" in html


def test_the_pages_in_chinese(world, qc):
    notice, _item, _inspection, _photo = a_return(world)
    client = client_for(world.merchant_user, "zh-hans")

    listing = client.get(LIST).content.decode()
    detail = client.get(f"{LIST}{notice.pk}/").content.decode()

    assert "买家退货" in listing
    assert "下载退货报告" in detail


def test_another_merchants_return_and_photo_are_404(world, qc):
    notice, _item, _inspection, photo = a_return(world)
    other = client_for(world.merchant2_user)

    assert other.get(f"{LIST}{notice.pk}/").status_code == 404
    assert other.get(f"{LIST}photos/{photo.pk}").status_code == 404
    assert "RET-1001" not in other.get(LIST).content.decode()
    assert other.get(f"{LIST}{2**63}/").status_code == 404


@pytest.mark.parametrize("who", ["inspector", "supervisor", "admin"])
def test_other_roles_may_not_open_the_merchants_pages(world, qc, who):
    notice, _item, _inspection, _photo = a_return(world)
    client = client_for(getattr(world, who))

    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{notice.pk}/").status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_return_compared_through_the_services(world, qc):
    """Announced, received and compared 2 g lighter by the services: the
    merchant reads each point's reason and the verdict awaiting sign-off."""
    from tests.inspection.views.test_verify_returns import compared

    item, _tracking, inspection, _certificate = compared(world, "lighter")
    notice = inspection.notice

    listing = client_for(world.merchant_user).get(LIST).content.decode()
    detail = client_for(world.merchant_user).get(f"{LIST}{notice.pk}/")

    assert notice.return_id in listing and item.code in listing
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "2000 mg apart" in html.replace("-2000", "2000")
    assert "awaiting sign-off" in html
    assert "report.pdf" not in html


def test_a_parcel_received_with_no_notice_is_an_unannounced_return(world, qc):
    item, _certificate = certified_item(world)
    notice = ReturnNotice.objects.create(
        merchant=item.merchant, warehouse=item.warehouse, unannounced=True
    )
    ReturnNoticeItem.objects.create(
        notice=notice, item=item, received_at=timezone.now()
    )
    client = client_for(world.merchant_user)

    listing = client.get(LIST).content.decode()
    detail = client.get(f"{LIST}{notice.pk}/").content.decode()

    assert "unannounced" in listing and item.code in listing
    assert "not inspected yet" in listing
    assert "Unannounced return" in detail
