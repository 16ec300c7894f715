"""The item page previews the whole certificate: a frame of the A4 page's
shape (210:297) that fits the screen, and a link that opens the PDF."""

import pytest

from inspection import selectors, services
from tests.fulfilment.conftest import run_jobs
from tests.inspection.factories import jade_row, received, weighing
from warehouse.common.access import principal_of

PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_preview_shows_the_whole_page_and_links_to_it(screen, world, qc):
    item = received(world, jade_row())
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed=weighing(weight_g="52.35"),
    )
    run_jobs()
    item.refresh_from_db()
    assert selectors.certificate_current_for_item(item).pdf
    s = screen("en", "certificate-preview")
    s.sign_in("inspector", PASSWORD)
    assert s.go(f"/items/{item.code}/").status == 200
    page = s.page
    frame = page.locator("[data-testid=certificate-preview]")
    box = frame.bounding_box()
    assert box["height"] / box["width"] == pytest.approx(297 / 210, rel=0.02)
    # The whole page on the screen at once, not a strip of its top.
    assert box["height"] <= page.viewport_size["height"]
    assert box["height"] >= 0.7 * page.viewport_size["height"]
    src = frame.get_attribute("src")
    answer = page.request.get(s.base_url + src.split("#")[0])
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    link = page.locator("#h-preview ~ p a")
    assert link.get_attribute("href") == src.split("#")[0]
    s.shot("item")
