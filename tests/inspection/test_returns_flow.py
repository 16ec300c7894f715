"""The whole way back through the API: the platform's notice of a buyer's
return, the receive scan of the buyer's tracking number, the comparison with
the certificate, its sign-off, and the platform told the verdict."""

import json

import pytest
from django.utils import timezone

from fulfilment.models import WebhookEndpoint, WebhookMessage
from tests.fulfilment.conftest import certified
from warehouse.models import ItemState

from .test_returns_api import SAME, inspect, post, released, sealed

pytestmark = pytest.mark.django_db
S = ItemState


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def test_announced_received_and_inspected_the_platform_hears_the_verdict(world, qc):
    """The whole way back through the API: the platform's notice, the receive
    scan of the buyer's tracking number, the comparison, the webhook."""
    WebhookEndpoint.objects.create(
        platform=world.platform.platform_account,
        url="https://hooks.example.com/qcw",
        secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )
    item = sealed(released(world, certified(world)))
    notice = {
        "return_id": "RET-E2E-1",
        "order": item.sold_on,
        "items": [{"item": item.code, "opened": False}],
        "reason": "七天无理由",
        "carrier": "顺丰",
        "tracking_number": "SF1234567890",
        "delivered_at": timezone.now().isoformat(),
    }
    announced = post(world.platform, "/api/v1/returns/", notice)
    assert announced.status_code == 201, announced.json()
    scanned = post(
        world.station,
        "/api/v1/scans/",
        {"barcode": "SF1234567890", "action": "receive"},
    )
    assert scanned.status_code == 200, scanned.json()
    item.refresh_from_db()
    assert item.state == S.RETURN_RECEIVED
    answer = inspect(world, item, {**SAME, "weight_g": "50.31"})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["return_id"] == "RET-E2E-1"
    signed = post(
        qc.inspector2,
        f"/api/v1/return-inspections/{answer.json()['id']}/signoff/",
        {"approve": True},
    )
    assert signed.status_code == 200, signed.json()
    told = WebhookMessage.objects.get(event_type="return.inspected")
    data = json.loads(told.body)["data"]
    assert (data["return_id"], data["verdict"], data["outcome"]) == (
        "RET-E2E-1",
        "mismatch",
        "disputed",
    )
    assert data["report_url"].endswith(
        f"/api/v1/return-inspections/{answer.json()['id']}/report.pdf"
    )
