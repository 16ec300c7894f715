"""The dock in a real browser: the pack result names the carrier, the
tracking number and the label to print; the hand-over refuses an item's code
with the reason (scan the label) and releases on the label's tracking barcode.

In English and in Chinese, on a desktop and on a phone (the last result sits
above the scan box there).
"""

import pytest

from fulfilment.models import Shipment
from tests.conftest import api_client
from tests.fulfilment.conftest import certified, order_payload, run_jobs
from tests.warehouse import factories as f
from warehouse.models import ItemState, Station

from .test_lifecycle import PASSWORD, choose_station

PHONE = {"width": 390, "height": 844}
FRESH = "[data-testid=scan-result]:not([data-stale])"


def scan(page, action: str, barcode: str) -> str:
    """Scan ``barcode`` and wait for its own result (not the last one's)."""
    page.evaluate(
        "() => document.querySelectorAll('[data-testid=scan-result]')"
        ".forEach(e => e.setAttribute('data-stale', ''))"
    )
    page.click(f"label[for=action-{action}]")
    box = page.locator("input[data-scanbox]")
    box.fill(barcode)
    box.press("Enter")
    result = page.locator(FRESH)
    result.wait_for()
    return result.get_attribute("data-outcome")


@pytest.mark.parametrize(
    ("locale", "phone"), [("en", False), ("zh-hans", False), ("en", True)]
)
def test_pack_shows_the_label_release_wants_the_label_scanned(
    screen, world, qc, locale, phone
):
    operator = f.UserFactory(username="op")
    f.StaffFactory(user=operator, warehouse=world.gz, role="operator")
    f.StationFactory(code="GZ-DOCK-01", warehouse=world.gz, kind=Station.Kind.DOCK)
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    assert answer.status_code == 201, answer.content
    run_jobs()

    op = screen(locale, f"dock-{locale}{'-phone' if phone else ''}")
    if phone:
        op.page.set_viewport_size(PHONE)
    op.sign_in("op", PASSWORD)
    choose_station(op, "GZ-DOCK-01")
    page = op.page

    # Packed: the label job ran in-process; the result names carrier,
    # tracking number and the label to print.
    assert scan(page, "pack", item.code) == "ok"
    shipment = Shipment.objects.get(order__external_id=payload["order_id"])
    assert shipment.tracking_number
    carrier = "ZTO Express" if locale == "en" else "中通快递"
    assert page.inner_text("[data-testid=parcel-carrier]") == carrier
    assert page.inner_text("[data-testid=parcel-tracking]") == shipment.tracking_number
    pdf = page.get_attribute("[data-testid=label-pdf]", "href")
    assert pdf.endswith(f"/dock/labels/{shipment.reference}/label.pdf")
    label = page.request.get(op.base_url + pdf)
    assert label.status == 200
    assert label.body().startswith(b"%PDF")
    op.shot("packed")
    if phone:  # the result is above the scan box, within the first screen
        result = page.locator("[data-testid=scan-result]").bounding_box()
        box = page.locator("input[data-scanbox]").bounding_box()
        assert result["y"] < box["y"]
        assert result["y"] < PHONE["height"]

    # The item's code does not release it: the result says to scan the label.
    assert scan(page, "release", item.code) == "refused"
    message = page.inner_text("[data-testid=scan-result] .message")
    if locale == "en":
        assert "Scan the tracking barcode on the ZTO Express label" in message
    else:
        assert "中通快递面单的运单条码" in message
    assert shipment.reference in message
    item.refresh_from_db()
    assert item.state == ItemState.PACKED
    op.shot("refused")

    # The label's barcode releases it; its label, never marked printed, is
    # marked printed now, and the result says so.
    assert scan(page, "release", shipment.tracking_number) == "ok"
    assert page.locator("[data-testid=printed-now]").count() == 1
    item.refresh_from_db()
    shipment.refresh_from_db()
    assert item.state == ItemState.RELEASED
    assert shipment.printed_at is not None
    op.shot("released")
