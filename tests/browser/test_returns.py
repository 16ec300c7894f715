"""A return in a real browser: the merchant sends a failed item back, the
dock scans its return parcel at the pack station and releases it by its
label's tracking barcode; the item stays ``returning`` until the carrier
reports delivery (the tracking sweep), or until the merchant confirms
receipt on the item page."""

import pytest

from fulfilment import tasks
from fulfilment.models import Shipment
from tests.fulfilment.conftest import failed, run_jobs
from tests.warehouse import factories as f
from warehouse.models import ItemState, Station

from .test_dock import scan
from .test_lifecycle import PASSWORD, choose_station

S = ItemState


def _sent_back(merchant, world, qc):
    """The merchant asks for the failed item back on its page."""
    item = failed(world, qc)
    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = "0757-22334455"
    world.merchant.save()
    merchant.sign_in("m1", PASSWORD)
    merchant.go(f"/items/{item.code}/")
    merchant.page.click(f"form[action='/decisions/items/{item.code}/return/'] button")
    merchant.page.wait_for_load_state()
    run_jobs()  # the return label
    item.refresh_from_db()
    assert item.state == S.RETURNING
    return item, Shipment.objects.get(kind=Shipment.Kind.RETURN, contents__item=item)


def _handed_over(screen, world, shipment, item, locale):
    operator = f.UserFactory(username="op")
    f.StaffFactory(user=operator, warehouse=world.gz, role="operator")
    f.StationFactory(code="GZ-DOCK-01", warehouse=world.gz, kind=Station.Kind.DOCK)
    op = screen(locale, f"returns-dock-{locale}")
    op.sign_in("op", PASSWORD)
    choose_station(op, "GZ-DOCK-01")
    assert scan(op.page, "pack", item.code) == "ok"  # the return parcel answers
    assert op.page.inner_text("[data-testid=parcel-tracking]") == (
        shipment.tracking_number
    )
    assert scan(op.page, "release", shipment.tracking_number) == "ok"
    op.shot("released")
    shipment.refresh_from_db()
    item.refresh_from_db()
    assert shipment.status == Shipment.Status.RELEASED
    assert item.state == S.RETURNING


def _state(page) -> str:
    return page.get_attribute("h1 [data-state]", "data-state")


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_return_is_returned_when_the_carrier_reports_delivery(
    screen, world, qc, locale
):
    merchant = screen(locale, f"returns-carrier-{locale}")
    item, shipment = _sent_back(merchant, world, qc)
    _handed_over(screen, world, shipment, item, locale)

    merchant.go(f"/items/{item.code}/")
    assert _state(merchant.page) == "returning"
    assert merchant.page.locator("[data-testid=return-received]").count() == 1
    merchant.shot("returning")

    assert tasks.returns_tracking_sweep_task() == 1  # the carrier: delivered
    merchant.go(f"/items/{item.code}/")
    item.refresh_from_db()
    assert item.state == S.RETURNED_TO_MERCHANT
    assert merchant.page.locator("[data-testid=return-received]").count() == 0
    assert _state(merchant.page) == "returned_to_merchant"
    delivered = {
        "en": f"Delivered to the merchant by SF Express, tracking "
        f"{shipment.tracking_number}.",
        "zh-hans": f"已由 顺丰速运 送达商家\uff0c运单号 {shipment.tracking_number}。",
    }[locale]
    assert delivered in merchant.page.inner_text("body")
    merchant.shot("returned")


def test_merchant_confirms_receipt_in_the_portal(screen, world, qc):
    merchant = screen("en", "returns-confirm")
    item, shipment = _sent_back(merchant, world, qc)
    merchant.go(f"/items/{item.code}/")
    # Not handed over yet: nothing to confirm.
    assert merchant.page.locator("[data-testid=return-received]").count() == 0
    _handed_over(screen, world, shipment, item, "en")

    merchant.go(f"/items/{item.code}/")
    assert _state(merchant.page) == "returning"
    merchant.page.click("[data-testid=return-received] button")
    merchant.page.wait_for_load_state()
    assert "Receipt confirmed." in merchant.page.inner_text("body")
    assert _state(merchant.page) == "returned_to_merchant"
    assert "The merchant confirmed receipt." in merchant.page.inner_text("body")
    item.refresh_from_db()
    assert item.state == S.RETURNED_TO_MERCHANT
    merchant.shot("confirmed")
