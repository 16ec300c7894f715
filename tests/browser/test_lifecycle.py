"""The whole life of an item driven from the pages, and a merchant's upload.

Announced by the merchant (form), received at a receiving station, inspected
to a certificate, packed and released at the dock by an operator, and seen
released by the merchant: in English and in Chinese. Only the order comes from
the platform's API, as it does in production. Selectors are ids and data
attributes, so the same steps run in both languages.
"""

import re

import pytest

from fulfilment.models import Shipment
from inspection.models import Certificate
from tests.conftest import api_client
from tests.fulfilment.conftest import order_payload
from tests.warehouse import factories as f
from warehouse.models import Item, ItemState, Station

PASSWORD = "pw-for-tests-123"
SHIPMENT_PAGE = re.compile(r"/portal/shipments/\d+/$")


def scan(page, action: str, code: str) -> str:
    page.click(f"label[for=action-{action}]")
    box = page.locator("input[data-scanbox]")
    box.fill(code)
    box.press("Enter")
    result = page.locator("[data-testid=scan-result]")
    result.wait_for()
    page.wait_for_function(
        "code => document.querySelector('[data-testid=scan-result]')"
        ".textContent.includes(code)",
        arg=code,
    )
    return result.get_attribute("data-outcome")


def choose_station(s, code: str):
    s.go("/station/?change=1")
    station = Station.objects.get(code=code)
    s.page.check(f"#station-{station.pk}")
    s.page.click("form[action='/station/choose/'] button[type=submit]")
    s.page.wait_for_selector("input[data-scanbox]")


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_an_item_from_announcement_to_release_through_the_pages(
    screen, world, qc, locale
):
    operator = f.UserFactory(username="op")
    f.StaffFactory(user=operator, warehouse=world.gz, role="operator")
    f.StationFactory(code="GZ-DOCK-01", warehouse=world.gz, kind=Station.Kind.DOCK)
    world.merchant.return_address = "1 Tiyu West Rd, Guangzhou"
    world.merchant.save()
    tag = locale.split("-")[0]

    # The merchant announces the shipment with the form.
    merchant = screen(locale, f"life-{tag}-merchant")
    merchant.sign_in("m1", PASSWORD)
    page = merchant.page
    merchant.go("/portal/shipments/new/")
    page.fill("#id_reference", f"LIFE-{tag}")
    page.select_option(
        "#id_warehouse",
        label=page.locator("#id_warehouse option", has_text="GZ").first.inner_text(),
    )
    page.fill("#id_items-0-sku", "BANGLE-56")
    page.fill("#id_items-0-title", "Hetian nephrite bangle 56 mm")
    page.select_option("#id_items-0-category", "jewellery-jade")
    page.fill("#id_items-0-serial", f"HT-{tag}-1")
    page.fill("#id_items-0-material", "nephrite jade")
    page.fill("#id_items-0-weight_g", "52.31")
    page.fill("#id_items-0-declared_value", "1200")
    merchant.shot("announce")
    page.click("form button[type=submit]:not([name=add_row])")
    page.wait_for_url(SHIPMENT_PAGE)
    item = Item.objects.get(notice__reference=f"LIFE-{tag}")
    assert item.state == ItemState.ANNOUNCED
    merchant.shot("shipment")

    # An operator receives it at the receiving station.
    op = screen(locale, f"life-{tag}-operator")
    op.sign_in("op", PASSWORD)
    choose_station(op, "GZ-RCV-01")
    assert scan(op.page, "receive", item.code) == "ok"
    op.shot("received")
    item.refresh_from_db()
    assert item.state == ItemState.RECEIVED

    # The inspector scans it and inspects it to a certificate.
    inspector = screen(locale, f"life-{tag}-inspector")
    inspector.sign_in("inspector", PASSWORD)
    page = inspector.page
    page.locator("input[data-scanbox]").fill(item.serial)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/items/{item.code}/")
    page.click(f"form[action='/items/{item.code}/inspect/'] button")
    page.wait_for_url("**/inspect/inspections/*/")
    page.fill("#material-material", "nephrite jade")
    page.locator("#material-material").blur()
    page.wait_for_selector("#verdict-material [data-verdict=pass]")
    page.fill("#weight-weight_g", "52.29")
    page.locator("#weight-weight_g").blur()
    page.wait_for_selector("#verdict-weight [data-verdict=pass]")
    page.check("input[name=appearance-result][value=yes]")
    page.wait_for_selector("#verdict-now [data-verdict=pass]")
    inspector.shot("inspection")
    page.click("form[action$='/complete/'] button")
    page.wait_for_url(f"**/items/{item.code}/")
    item.refresh_from_db()
    assert item.state == ItemState.CERTIFIED
    assert Certificate.objects.filter(item=item, status="valid").count() == 1
    inspector.shot("certified")

    # The platform orders it (API); it is allocated at once.
    answer = api_client(world.platform).post(
        "/api/v1/orders/",
        order_payload(world, lines=[{"item_code": item.code}]),
        format="json",
    )
    assert answer.status_code == 201, answer.content
    item.refresh_from_db()
    assert item.state == ItemState.ALLOCATED

    # The operator packs it at the dock, prints its label and releases it.
    choose_station(op, "GZ-DOCK-01")
    assert scan(op.page, "pack", item.code) == "ok"
    op.go("/dock/labels/")
    op.page.wait_for_selector("a[href$='label.pdf']")
    op.shot("labels")
    op.go("/station/")
    # The item's code does not release it: the label's tracking barcode does.
    assert scan(op.page, "release", item.code) == "refused"
    tracking = Shipment.objects.get(contents__item=item).tracking_number
    assert scan(op.page, "release", tracking) == "ok"
    op.shot("released")
    item.refresh_from_db()
    assert item.state == ItemState.RELEASED
    op.go("/dock/manifests/")
    op.shot("manifests")

    # The merchant sees it released, with its certificate.
    merchant.go(f"/items/{item.code}/")
    assert merchant.page.locator("h1 [data-state=released]").count() == 1
    merchant.shot("item-released")
    merchant.go("/portal/items/")
    merchant.shot("items")


CSV_HEADER = (
    "sku,title,category,serial,claim.material,claim.weight_g,claim.declared_value"
)


def test_a_merchant_uploads_a_csv_with_a_bad_row_fixes_it_and_succeeds(
    screen, world, qc, tmp_path
):
    good = "BANGLE-1,Nephrite bangle,jewellery-jade,S-1,nephrite jade,52.31,1200"
    bad = "RING-1,Jadeite ring,jewellery-jade,S-2,jadeite A,heavy,800"
    fixed = "RING-1,Jadeite ring,jewellery-jade,S-2,jadeite A,3.25,800"
    broken = tmp_path / "shipment.csv"
    broken.write_text("\n".join([CSV_HEADER, good, bad]) + "\n", encoding="utf-8")
    s = screen("en", "upload")
    s.sign_in("m1", PASSWORD)
    page = s.page
    s.go("/portal/shipments/upload/")
    page.fill("#id_reference", "UP-1")
    page.select_option("#id_warehouse", index=1)
    page.set_input_files("#id_file", str(broken))
    page.click("text=Upload and announce")
    errors = page.locator("[data-testid=upload-errors]")
    errors.wait_for()
    assert "Row 3" in errors.inner_text()
    assert "weight" in errors.inner_text()
    assert Item.objects.filter(notice__reference="UP-1").count() == 0
    s.shot("upload-error")

    repaired = tmp_path / "shipment-fixed.csv"
    repaired.write_text("\n".join([CSV_HEADER, good, fixed]) + "\n", encoding="utf-8")
    page.set_input_files("#id_file", str(repaired))
    page.click("text=Upload and announce")
    page.wait_for_url(SHIPMENT_PAGE)
    assert Item.objects.filter(notice__reference="UP-1").count() == 2
    s.shot("upload-done")
