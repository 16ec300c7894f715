"""An inspector at the workstation, merchants' item pages, the language switch."""

import io

from PIL import Image

from inspection.models import Certificate
from tests.inspection.factories import jade_row, received
from warehouse.models import ItemState

PASSWORD = "pw-for-tests-123"


def png(path) -> str:
    image = Image.new("RGB", (320, 240), (30, 120, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_inspector_scans_an_item_and_inspects_it_to_a_certificate(
    screen, world, qc, tmp_path
):
    item = received(world, jade_row())
    other = received(world, jade_row())
    s = screen("en", "inspector")
    s.sign_in("inspector", PASSWORD)
    page = s.page
    assert page.url.endswith("/inspect/")
    assert page.locator(f"text={other.code}").count() == 1
    s.shot("queue")

    # The scan box has the focus: a keyboard-wedge scanner types and sends Enter.
    assert page.evaluate("document.activeElement.name") == "barcode"
    page.keyboard.type(item.code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/items/{item.code}/")
    s.shot("item-received")
    page.click("text=Start the inspection")
    page.wait_for_url("**/inspect/inspections/*/")

    # Each check is judged as its value is entered.
    page.fill("#weight-weight_g", "52.30")
    page.locator("#weight-weight_g").blur()
    page.wait_for_selector("#verdict-weight [data-verdict=pass]")
    page.fill("#weight-weight_g", "50")
    page.locator("#weight-weight_g").blur()
    page.wait_for_selector("#verdict-weight [data-verdict=fail]")
    page.fill("#weight-weight_g", "52.31")
    page.locator("#weight-weight_g").blur()
    page.wait_for_selector("#verdict-weight [data-verdict=pass]")
    page.fill("#material-material", "hetian jade")
    page.locator("#material-material").blur()
    page.wait_for_selector("#verdict-material [data-verdict=pass]")
    page.check("input[name=appearance-result][value=yes]")
    page.wait_for_selector("#verdict-appearance [data-verdict=pass]")
    page.wait_for_selector("#verdict-now [data-verdict=pass]")

    page.set_input_files("#photo-image", png(tmp_path / "bangle.png"))
    page.fill("#photo-caption", "front")
    page.click("text=Add the photo")
    page.wait_for_selector("#photos img")
    s.shot("inspection-form")

    page.fill("#notes", "As claimed.")
    page.click("text=Complete the inspection")
    page.wait_for_url(f"**/items/{item.code}/")
    certificate = Certificate.objects.get(item=item)
    item.refresh_from_db()
    assert item.state == ItemState.CERTIFIED
    assert page.locator(f"text={certificate.number}").count() >= 1
    assert page.locator("[data-state=certified]").count() >= 1
    s.shot("item-certified")
    pdf = page.request.get(s.base_url + f"/items/{item.code}/certificate.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")


def test_a_merchant_cannot_open_another_merchants_item(screen, world, qc):
    item = received(world, jade_row())
    s = screen("en", "merchant2")
    s.sign_in("m2", PASSWORD)
    response = s.go(f"/items/{item.code}/")
    assert response.status == 404
    assert item.title not in s.page.content()
    s.shot("other-merchants-item")
    own = screen("en", "merchant")
    own.sign_in("m1", PASSWORD)
    assert own.go(f"/items/{item.code}/").status == 200
    own.shot("own-item")


def test_language_switch(screen, world, qc):
    received(world, jade_row())
    s = screen("en", "language")
    s.sign_in("inspector", PASSWORD)
    page = s.page
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1", has_text="Inspection queue").count() == 1
    page.click("[data-testid=language-switch] button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert page.locator("h1", has_text="质检队列").count() == 1
    s.shot("queue-zh")
    page.click("[data-testid=language-switch] button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"


def test_main_pages_render_for_their_roles(screen, world, qc):
    """Screenshots of the pages not shown by the other browser tests."""
    received(world, jade_row())
    anonymous = screen("zh-hans", "signin")
    anonymous.go("/accounts/login/")
    assert anonymous.page.locator("#id_username").count() == 1
    anonymous.shot("login")
    supervisor = screen("en", "supervisor")
    supervisor.sign_in("supervisor", PASSWORD)
    assert supervisor.page.url.endswith("/dashboard/")
    supervisor.page.wait_for_selector("[data-chart][data-drawn] canvas")
    supervisor.shot("dashboard")
    merchant = screen("zh-hans", "merchant-pages")
    merchant.sign_in("m1", PASSWORD)
    for path, label in [
        ("/portal/items/", "items"),
        ("/portal/shipments/", "shipments"),
        ("/portal/shipments/upload/", "upload"),
        ("/portal/tokens/", "tokens"),
    ]:
        assert merchant.go(path).status == 200, path
        merchant.shot(label)
    # A phone-sized screen.
    phone = screen("zh-hans", "phone")
    phone.page.set_viewport_size({"width": 390, "height": 844})
    phone.sign_in("inspector", PASSWORD)
    phone.shot("queue-phone")
