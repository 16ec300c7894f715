"""The comparison of a buyer's return in a browser: the verdict follows what
the inspector types (a weight 2 g off is not the certified item, the same
weight matches), on a phone's width without sideways scrolling."""

from inspection.models import ReturnInspection
from tests.inspection.views.test_returns import returned

from .test_lifecycle import PASSWORD

PHONE = {"width": 390, "height": 844}


def verdict(page, expected: str) -> str:
    """The live verdict once the round trip for the last keystroke answered."""
    page.wait_for_selector(f"[data-testid=live-verdict][data-verdict={expected}]")
    return page.inner_text("[data-testid=live-verdict] [data-testid=verdict]")


def test_live_verdict_follows_the_typed_weight(screen, world, qc):
    item = returned(world)
    inspector = screen("en", "return-compare")
    inspector.sign_in("inspector", PASSWORD)
    page = inspector.page
    page.set_viewport_size(PHONE)
    inspector.go(f"/items/{item.code}/return-compare/")
    assert "52.310 g" in page.inner_text("[data-testid=certified-weight]")
    page.fill("#material", "和田玉")
    page.select_option("#condition", "as_certified")
    page.fill("#weight_g", "54.31")
    assert verdict(page, "mismatch") == "not the certified item"
    inspector.shot("mismatch")
    page.fill("#weight_g", "52.31")
    assert verdict(page, "matches") == "matches the certified item"
    inspector.shot("matches")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the form scrolls sideways on a phone"
    )
    assert not ReturnInspection.objects.exists()  # the preview writes nothing
    page.click("[data-testid=compare-submit]")
    page.wait_for_url("**/inspect/return-inspections/*/")
    inspection = ReturnInspection.objects.get(item=item)
    assert inspection.verdict == "matches"
    assert verdict(page, "matches") == "matches the certified item"
    inspector.shot("recorded")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_supervisor_disputes_on_a_phone(screen, world, qc):
    """A mismatch waits for a sign-off on the disputes page; the supervisor
    disagrees with a note, then sends the disputed item back to its
    merchant; the pages fit a phone's width."""
    item = returned(world)
    inspector = screen("en", "return-mismatch")
    inspector.sign_in("inspector", PASSWORD)
    inspector.page.set_viewport_size(PHONE)
    inspector.go("/inspect/returns/")
    assert no_sideways_scroll(inspector.page), "the queue scrolls sideways"
    inspector.page.click(f"tr[data-code='{item.code}'] a.button")
    inspector.page.fill("#material", "和田玉")
    inspector.page.fill("#weight_g", "54.31")
    verdict(inspector.page, "mismatch")
    inspector.page.click("[data-testid=compare-submit]")
    inspector.page.wait_for_url("**/inspect/return-inspections/*/")
    inspector.shot("awaiting")

    supervisor = screen("zh-CN", "return-disputes")
    supervisor.sign_in("supervisor", PASSWORD)
    page = supervisor.page
    page.set_viewport_size(PHONE)
    supervisor.go("/inspect/disputes/")
    row = f"[data-testid=returns-awaiting] tr[data-code='{item.code}']"
    page.fill(f"{row} textarea", "秤已校准 重量一致")
    supervisor.shot("awaiting")
    assert no_sideways_scroll(page), "the disputes page scrolls sideways"
    page.click(f"{row} button[value=no]")
    page.wait_for_selector(f"[data-testid=disputed] tr[data-code='{item.code}']")
    item.refresh_from_db()
    assert item.state == "disputed"
    disputed = f"[data-testid=disputed] tr[data-code='{item.code}']"
    page.fill(f"{disputed} textarea", "封签缺失 退回商家")
    supervisor.shot("disputed")
    assert no_sideways_scroll(page), "the disputes page scrolls sideways"
    page.click(f"{disputed} button[value=return_to_merchant]")
    page.wait_for_load_state()
    item.refresh_from_db()
    assert item.state == "returning"
    supervisor.shot("decided")
