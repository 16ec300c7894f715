"""The public verification page on a phone: the buyer who scanned the QR code
sees the verdict and the photos first, whole, without scrolling sideways; the
same page still reads well on a desktop."""

import io

import pytest
from PIL import Image

from inspection import selectors, services
from inspection.models import Certificate
from tests.fulfilment.conftest import run_jobs
from tests.inspection.factories import jade_row, received, weighing
from warehouse.common.access import principal_of

PHONE = {"width": 390, "height": 844}
# A landscape, a portrait and a wide photo: each must keep its own shape.
SHAPES = ((640, 360), (300, 500), (900, 300))


def jpeg(size: tuple[int, int], colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def certified_with_photos(world) -> Certificate:
    item = received(world, jade_row())
    principal = principal_of(world.inspector)
    inspection = services.inspection_open(principal=principal, code=item.code)
    for n, size in enumerate(SHAPES):
        services.inspection_photo_add(
            principal=principal,
            inspection_id=inspection.pk,
            data=jpeg(size, (40 + 60 * n, 120, 90)),
            caption=f"side {n}",
        )
    services.inspection_submit(
        principal=principal, code=item.code, observed=weighing(weight_g="52.35")
    )
    run_jobs()
    item.refresh_from_db()
    return selectors.certificate_current_for_item(item)


PHOTO_BOXES = """() => [...document.querySelectorAll('[data-testid=photos] img')].map(
  img => { const r = img.getBoundingClientRect();
           return {w: r.width, h: r.height, nw: img.naturalWidth,
                   nh: img.naturalHeight, href: img.closest('a')?.href || ''}; })"""

WRAPPED = """(selector) => [...document.querySelectorAll(selector)].filter(el => {
  const style = getComputedStyle(el);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
  const wrapped = el.getBoundingClientRect().height > line * 1.5;
  return el.offsetParent !== null && (wrapped || el.scrollWidth > el.clientWidth + 1);
}).map(el => el.textContent.trim())"""


def photo_boxes(page) -> list[dict]:
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=photos] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    return page.evaluate(PHOTO_BOXES)


def assert_shapes_kept(boxes: list[dict]) -> None:
    assert len(boxes) == len(SHAPES)
    for box in boxes:
        assert box["w"] > 0 and box["h"] > 0, box
        natural = box["nw"] / box["nh"]
        assert abs(box["w"] / box["h"] - natural) <= 0.02 * natural, box


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
def test_on_a_phone_the_verdict_and_whole_photos_come_first(screen, world, qc, locale):
    certificate = certified_with_photos(world)
    s = screen(locale, f"verify-phone-{locale}")
    page = s.page
    page.set_viewport_size(PHONE)
    assert s.go(f"/verify/{certificate.token}").status == 200

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )
    verdict = page.locator("[data-testid=verdict]")
    assert verdict.get_attribute("data-status") == "valid"
    assert verdict.bounding_box()["y"] + verdict.bounding_box()["height"] < 844
    assert verdict.locator("[data-verdict=pass]").count() == 1

    boxes = photo_boxes(page)
    assert_shapes_kept(boxes)
    # Across the phone's width, each opening its full-size image.
    assert all(box["w"] >= 0.85 * PHONE["width"] for box in boxes), boxes
    photos = selectors.public_photos(certificate)
    urls = {f"{s.base_url}/verify/{certificate.token}/photos/{p.pk}" for p in photos}
    assert {box["href"] for box in boxes} == urls

    # The photos come before the checks, the verdict before the photos.
    order = page.evaluate(
        """() => ['verdict', 'photos', 'checks'].map(id =>
          document.querySelector(`[data-testid=${id}]`).getBoundingClientRect().top)"""
    )
    assert order == sorted(order), order

    # Headings, labels and each check's result stay whole on one line.
    assert page.evaluate(WRAPPED, "header h1, h2, dt, .check-result") == []
    s.shot("verify")


def test_a_revoked_certificate_says_so_first_on_a_phone(screen, world, qc):
    certificate = certified_with_photos(world)
    services.certificate_revoke(
        principal=principal_of(world.supervisor),
        number=certificate.number,
        reason="wrong weight",
    )
    s = screen("en", "verify-phone-revoked")
    s.page.set_viewport_size(PHONE)
    s.go(f"/verify/{certificate.token}")
    verdict = s.page.locator("[data-testid=verdict]")
    assert verdict.get_attribute("data-status") == "revoked"
    assert verdict.bounding_box()["y"] < 844
    assert "revoked" in verdict.inner_text()
    assert verdict.locator("[data-verdict]").count() == 0  # no "pass" under it
    assert "UTC" in s.page.locator("main").inner_text()
    assert s.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    s.shot("revoked")


def test_on_a_desktop_the_photos_keep_their_shape_and_the_checks_are_a_table(
    screen, world, qc
):
    certificate = certified_with_photos(world)
    s = screen("en", "verify-desktop")
    s.go(f"/verify/{certificate.token}")
    page = s.page
    assert_shapes_kept(photo_boxes(page))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The checks' column headings show on a wide screen.
    assert page.locator("[data-testid=checks] thead").is_visible()
    # No photo taller than the screen.
    assert all(box["h"] <= 900 for box in photo_boxes(page))
    s.shot("verify")
