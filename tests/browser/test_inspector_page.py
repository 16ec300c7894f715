"""The inspector's page in a browser: who is offered the sign-off, a closed
inspection shown read-only, a lot's sample pasted from a spreadsheet."""

from inspection import services
from inspection.models import Inspection
from tests.fulfilment.conftest import certified
from tests.inspection.factories import GOOD_JADE, jade_row, lot_row, received
from warehouse.common.access import principal_of
from warehouse.models import ItemState

PASSWORD = "pw-for-tests-123"


def awaiting(world) -> Inspection:
    item = received(world, jade_row(declared_value="8000"))
    inspection, _ = services.inspection_submit(
        principal=principal_of(world.inspector), code=item.code, observed=GOOD_JADE
    )
    assert inspection.status == Inspection.Status.AWAITING_SIGNOFF
    return inspection


def test_the_sign_off_is_offered_to_the_second_inspector_only(screen, world, qc):
    inspection = awaiting(world)
    item = inspection.item
    first = screen("en", "first-inspector")
    first.sign_in("inspector", PASSWORD)
    page = first.page
    first.go(f"/items/{item.code}/")
    assert page.locator("[data-testid=next-step][data-step=sign_off]").count() == 1
    assert page.locator("[data-testid=sign-off-link]").count() == 0
    assert page.locator("[data-testid=yours]").count() == 0
    first.shot("item-awaiting")
    page.click("text=See the inspection (read-only)")
    page.wait_for_url(f"**/inspect/inspections/{inspection.pk}/")
    assert page.locator("[data-testid=read-only]").is_visible()
    assert "waiting for a second inspector" in page.inner_text(
        "[data-testid=read-only]"
    )
    assert page.locator("button", has_text="Sign off the verdict").count() == 0
    assert page.locator("main input:not([type=hidden])").count() == 0
    first.shot("inspection-read-only-first")

    second = screen("en", "second-inspector")
    second.sign_in("inspector2", PASSWORD)
    page = second.page
    second.go(f"/items/{item.code}/")
    assert page.locator("[data-testid=yours]").count() == 1
    second.shot("item-awaiting")
    page.click("[data-testid=sign-off-link]")
    page.wait_for_url(f"**/inspect/inspections/{inspection.pk}/")
    second.shot("inspection-sign-off")
    page.click("button:has-text('Sign off the verdict')")
    page.wait_for_url(f"**/items/{item.code}/")
    item.refresh_from_db()
    assert item.state == ItemState.CERTIFIED


def test_a_closed_inspection_is_read_only(screen, world, qc):
    item = certified(world)
    inspection = Inspection.objects.get(item=item)
    s = screen("zh-hans", "closed-inspection")
    s.sign_in("inspector", PASSWORD)
    page = s.page
    s.go(f"/inspect/inspections/{inspection.pk}/")
    banner = page.inner_text("[data-testid=read-only]")
    assert "只读" in banner and "inspector" in banner
    assert page.locator("[data-testid=checks-read-only] tbody tr").count() == 4
    assert page.locator("main input:not([type=hidden]), main textarea").count() == 0
    assert page.locator("main form").count() == 0
    s.shot("read-only-zh")
    phone = screen("en", "closed-inspection-phone")
    phone.page.set_viewport_size({"width": 390, "height": 844})
    phone.sign_in("inspector", PASSWORD)
    phone.go(f"/inspect/inspections/{inspection.pk}/")
    assert phone.page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    )
    phone.shot("read-only-phone")


PASTE = """(text) => {
  const cell = document.querySelector("input[name=u1-shelf_life]");
  cell.focus();
  const data = new DataTransfer();
  data.setData("text/plain", text);
  cell.dispatchEvent(new ClipboardEvent("paste",
    {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def test_a_sample_pasted_from_a_spreadsheet_is_recorded(screen, world, qc):
    item = received(world, lot_row(quantity=20))
    inspection = services.inspection_open(
        principal=principal_of(world.inspector), code=item.code
    )
    n = inspection.sample_size
    s = screen("en", "sample-table")
    s.sign_in("inspector", PASSWORD)
    page = s.page
    s.go(f"/inspect/inspections/{inspection.pk}/")
    assert page.locator("table.sample-table tbody tr").count() == n
    # A spreadsheet's rows: expiry date and packaging state; unit 2's date is a typo.
    rows = ["2029/6/30\tintact"] * n
    rows[1] = "2029-13-01\tintact"
    page.evaluate(PASTE, "\r\n".join(rows) + "\r\n")
    assert page.input_value("input[name=u1-shelf_life]") == "2029/6/30"
    assert page.input_value(f"input[name=u{n}-packaging]") == "intact"
    s.shot("pasted")
    page.click("text=Record the filled rows")
    page.wait_for_selector("[data-testid=sample-errors]")
    assert "Unit 2, Shelf life" in page.inner_text("[data-testid=sample-errors]")
    assert page.locator("td.cell-error input[name=u2-shelf_life]").count() == 1
    assert inspection.units.count() == 0
    s.shot("cell-refused")
    # Enter (a scanner's, after a GS1 string) goes down the column, sending nothing.
    page.fill("input[name=u2-shelf_life]", "2029-06-30")
    page.press("input[name=u2-shelf_life]", "Enter")
    assert page.evaluate("document.activeElement.name") == "u3-shelf_life"
    assert inspection.units.count() == 0
    page.click("text=Record the filled rows")
    page.wait_for_selector("[data-testid=units-recorded]")
    assert inspection.units.count() == n
    assert page.locator("table.sample-table").count() == 0
    s.shot("sample-recorded")
    page.click("text=Complete the inspection")
    page.wait_for_url(f"**/items/{item.code}/")
    item.refresh_from_db()
    assert item.state in (ItemState.PASSED, ItemState.CERTIFIED)
    s.shot("lot-passed")
