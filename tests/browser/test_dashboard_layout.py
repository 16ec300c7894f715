"""The supervisor's pages in a browser: the dashboard's charts drawn with no
text over another in either language, no page scrolling sideways on a phone,
and a held item decided through its confirmation page."""

import pytest

from inspection import services
from tests.fulfilment.conftest import certified, failed
from tests.inspection.factories import GOOD_JADE, jade_row, received
from warehouse.common.access import principal_of
from warehouse.models import ItemState

PASSWORD = "pw-for-tests-123"
PHONE = {"width": 390, "height": 844}

# Every visible element holding text of its own, and every chart, with its
# box; then each pair of boxes (neither inside the other) that overlaps by
# more than a pixel either way.
OVERLAPS = """() => {
  const boxes = [];
  const visible = (el) => {
    // Not drawn: hidden, or inside a closed <details>.
    if (!el.checkVisibility({visibilityProperty: true})) return null;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? r : null;
  };
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("[data-chart]") && !el.matches("[data-chart]")) continue;
    if (["SCRIPT", "STYLE", "OPTION", "NOSCRIPT"].includes(el.tagName)) continue;
    const own = [...el.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()
    );
    if (!own && !el.matches("[data-chart]")) continue;
    const r = visible(el);
    if (!r) continue;
    const text = (el.textContent || "").trim().slice(0, 30);
    boxes.push({el, r, name: el.tagName + " " + text});
  }
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (w > 1 && h > 1) out.push(a.name + " | " + b.name);
    }
  }
  return out;
}"""
SIDEWAYS = "document.scrollingElement.scrollWidth"
# The three charts are drawn (each box marked by the script, a canvas in it).
THREE_CHARTS = """() => {
  const boxes = [...document.querySelectorAll("[data-chart]")];
  return boxes.length === 3
    && boxes.every((b) => b.dataset.drawn && b.querySelector("canvas"));
}"""


def held(world):
    item = received(world, jade_row())
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed={**GOOD_JADE, "packaging": "damaged"},
    )
    item.refresh_from_db()
    assert item.state == ItemState.HELD
    return item


@pytest.fixture
def floor(world, qc):
    """Something to chart and decide: certified, failed and held items."""
    certified(world)
    certified(world)
    failed(world, qc)
    return {"held": held(world), "certified": certified(world)}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_dashboards_charts_are_drawn_and_no_text_overlaps(
    screen, world, qc, floor, locale
):
    supervisor = screen(locale, f"dashboard-{locale}")
    supervisor.sign_in("supervisor", PASSWORD)
    page = supervisor.page
    for size in ({"width": 1366, "height": 900}, PHONE):
        page.set_viewport_size(size)
        for query in ("", "?from={d}&to={d}"):
            day = page.evaluate("new Date().toISOString().slice(0, 10)")
            supervisor.go("/dashboard/" + query.format(d=day))
            page.wait_for_function(THREE_CHARTS)
            boxes = page.locator("[data-chart]")
            assert boxes.count() == 3
            for n in range(3):
                box = boxes.nth(n).bounding_box()
                assert box["height"] >= 120 and box["width"] >= 200, box
            assert page.evaluate(OVERLAPS) == []
            assert page.evaluate(SIDEWAYS) <= size["width"]
            supervisor.shot(f"{size['width']}{'-day' if query else ''}")


def test_the_charts_are_drawn_again_when_the_filters_change(screen, world, qc, floor):
    supervisor = screen("en", "dashboard-filters")
    supervisor.sign_in("supervisor", PASSWORD)
    page = supervisor.page
    supervisor.go("/dashboard/")
    page.wait_for_function(THREE_CHARTS)
    assert "per day" in page.inner_text("#h-throughput")
    day = page.input_value("#f-to")
    page.fill("#f-from", day)  # its change event sends the form (htmx)
    page.wait_for_function(
        "document.querySelector('#h-throughput').textContent.includes('per hour')"
    )
    page.wait_for_function(THREE_CHARTS)
    drawn = page.evaluate(
        "[...document.querySelectorAll('[data-chart]')].map((b) => b.dataset.drawn)"
    )
    assert drawn == ["3 series"] * 3
    supervisor.shot("one-day")


def test_no_page_of_the_supervisor_scrolls_sideways_on_a_phone(
    screen, world, qc, floor
):
    supervisor = screen("zh-CN", "supervisor-phone")
    supervisor.sign_in("supervisor", PASSWORD)
    page = supervisor.page
    page.set_viewport_size(PHONE)
    held_code, certified_code = floor["held"].code, floor["certified"].code
    for path in (
        "/dashboard/",
        "/inspect/decisions/",
        f"/inspect/decisions/holds/{held_code}/?decision=fail",
        f"/inspect/decisions/revoke/{certified_code}/",
        "/inspect/",
        f"/items/{held_code}/",
        "/station/",
        "/dock/labels/",
        "/dock/manifests/",
        "/account/",
    ):
        assert supervisor.go(path).status == 200, path
        width = page.evaluate(SIDEWAYS)
        assert width <= PHONE["width"], f"{path} is {width} px wide"
    supervisor.shot("last")


def test_a_supervisor_decides_a_held_item_after_confirming(screen, world, qc, floor):
    item = floor["held"]
    supervisor = screen("en", "decide-hold")
    supervisor.sign_in("supervisor", PASSWORD)
    page = supervisor.page
    page.click("header nav >> text=Decisions")
    page.wait_for_url("**/inspect/decisions/")
    row = page.locator(f"[data-testid=held] tr[data-code='{item.code}']")
    assert row.count() == 1
    supervisor.shot("list")

    # Cancel changes nothing.
    row.locator("button[value=pass]").click()
    page.wait_for_url(f"**/inspect/decisions/holds/{item.code}/?decision=pass")
    assert "its certificate is issued" in page.inner_text("[data-testid=confirm]")
    page.click("text=Cancel")
    page.wait_for_url("**/inspect/decisions/")
    item.refresh_from_db()
    assert item.state == ItemState.HELD

    row.locator("button[value=fail]").click()
    page.wait_for_url(f"**/inspect/decisions/holds/{item.code}/?decision=fail")
    confirm = page.inner_text("[data-testid=confirm]")
    assert "it goes back to its merchant" in confirm
    supervisor.shot("confirm")
    page.fill("#reason", "The box was crushed in transit.")
    page.click("button:has-text('Yes, decide')")
    page.wait_for_url("**/inspect/decisions/")
    assert f"Decision recorded for item {item.code}" in page.inner_text(".messages")
    assert page.locator(f"[data-testid=held] tr[data-code='{item.code}']").count() == 0
    supervisor.shot("decided")
    item.refresh_from_db()
    assert item.state == ItemState.FAILED
