"""The certificate gives its free space to the item's photos: as many as fit,
as large as the page allows, whole (their own aspect ratio), never over a
line of text; every line it printed before is still there."""

import io
from dataclasses import replace

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from bench.certificates import sample_certificate
from inspection import selectors, services
from inspection.pdf import PHOTO_MIN_H, certificate_pdf
from inspection.services.certificates.content import PDF_PHOTOS
from tests.fulfilment.conftest import run_jobs
from warehouse.common.access import principal_of

from .factories import jade_row, received, weighing
from .test_certificates import pdf_bytes
from .test_pdf_fonts import assert_every_font_embedded

OLD_THUMBNAIL = 88.0  # points: the photo's box before


def jpeg(size: tuple[int, int], colour=(60, 130, 100)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def layout(data: bytes) -> tuple[list[tuple], list[tuple], str]:
    """The drawn box (left, bottom, right, top) and pixel size of every photo
    on the page (the QR code's one-bit mask of modules is not one), the box
    of every printed character, and the page's text."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        images = [
            (image.get_bounds(), image.get_px_size())
            for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])
            if image.get_metadata().bits_per_pixel != 1
        ]
        text_page = page.get_textpage()
        chars = [
            text_page.get_charbox(i)
            for i in range(text_page.count_chars())
            if text_page.get_text_range(i, 1).strip()
        ]
        return images, chars, text_page.get_text_range()
    finally:
        document.close()


def overlaps(one, other) -> bool:
    return (
        one[0] < other[2] - 0.5
        and other[0] < one[2] - 0.5
        and one[1] < other[3] - 0.5
        and other[1] < one[3] - 0.5
    )


def assert_whole_and_clear(images, chars) -> None:
    """Each photo at its own aspect ratio, inside the page's margins, over no
    character and no other photo."""
    for (box, (px_w, px_h)), n in zip(images, range(len(images)), strict=True):
        left, bottom, right, top = box
        assert abs((right - left) / (top - bottom) - px_w / px_h) < 0.01 * px_w / px_h
        assert left >= 35 and right <= 595 - 35 and bottom >= 36 and top <= 842 - 36
        assert not [c for c in chars if overlaps(box, c)], box
        assert not [o for o, _px in images[n + 1 :] if overlaps(box, o)]


SHAPES = ((640, 480), (480, 640), (600, 600), (640, 360), (640, 480))


@pytest.mark.parametrize("checks", [2, 4, 8])
@pytest.mark.parametrize("count", [1, 2, 4])
def test_the_photos_take_the_free_space_whole_and_every_line_stays(checks, count):
    base = sample_certificate(3)
    data = replace(
        base,
        checks=base.checks[:checks],
        photos=tuple(jpeg(size) for size in SHAPES[:count]),
    )
    pdf = certificate_pdf(data)
    images, chars, text = layout(pdf)

    assert images, "no photo on the certificate"
    assert_whole_and_clear(images, chars)
    heights = {round(box[3] - box[1], 1) for box, _px in images}
    assert len(heights) == 1  # one row height
    assert min(heights) >= PHOTO_MIN_H > OLD_THUMBNAIL
    # Several times the old thumbnail's area (88 points square at most).
    area = sum((box[2] - box[0]) * (box[3] - box[1]) for box, _px in images)
    assert area >= 3 * OLD_THUMBNAIL**2
    if checks <= 4:  # room for every one of them
        assert len(images) == count

    # Every line the certificate printed before: all checks, both languages.
    assert "更多检查项" not in text
    for check in data.checks:
        assert check.label_zh in text and check.label in text
    for words in ("质检鉴定证书", "CERTIFICATE OF INSPECTION", data.number, "PASS"):
        assert words in text
    assert "检验照片 Inspection photos" in text
    assert_every_font_embedded(pdf)


def test_a_lot_keeps_its_sample_line_and_gets_its_photos_below_it():
    base = sample_certificate(4)
    lot = ("抽样 32 件", "Sample of 32 from a lot of 500")
    data = replace(
        base, checks=base.checks[:4], lot=lot, photos=(jpeg((640, 480)),) * 2
    )
    images, chars, text = layout(certificate_pdf(data))
    assert len(images) == 2
    assert_whole_and_clear(images, chars)
    assert lot[0] in text and lot[1] in text


def test_without_photos_the_page_is_as_before():
    data = replace(sample_certificate(5), photos=())
    images, _chars, text = layout(certificate_pdf(data))
    assert images == [] and "Inspection photos" not in text


def test_too_many_checks_for_a_row_leave_a_thumbnail_beside_the_verdict():
    base = sample_certificate(6)
    many = base.checks * 2  # sixteen checks: the table needs the page
    data = replace(base, checks=many, photos=(jpeg((640, 480)), jpeg((480, 640))))
    images, chars, _text = layout(certificate_pdf(data))
    assert len(images) == 1
    box, _px = images[0]
    assert max(box[2] - box[0], box[3] - box[1]) == pytest.approx(OLD_THUMBNAIL, 0.01)
    assert_whole_and_clear(images, chars)


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


@pytest.mark.django_db
def test_an_issued_certificate_shows_the_inspections_first_photos(world, qc, _media):
    item = received(world, jade_row())
    principal = principal_of(world.inspector)
    inspection = services.inspection_open(principal=principal, code=item.code)
    for n in range(PDF_PHOTOS + 1):
        services.inspection_photo_add(
            principal=principal,
            inspection_id=inspection.pk,
            data=jpeg((1600, 1200), (20 * n, 120, 90)),
        )
    services.inspection_submit(
        principal=principal, code=item.code, observed=weighing(weight_g="52.35")
    )
    run_jobs()
    item.refresh_from_db()
    certificate = selectors.certificate_current_for_item(item)
    images, chars, _text = layout(pdf_bytes(certificate))
    # At most PDF_PHOTOS of them, made small for the PDF, in the page's order.
    assert 1 <= len(images) <= PDF_PHOTOS
    assert all(max(px) == 640 for _box, px in images)
    assert_whole_and_clear(images, chars)


def test_a_jpeg_is_embedded_as_its_own_bytes():
    """Not re-encoded as ASCII85 text: the PDF carries the JPEG as it is."""
    photo = jpeg((640, 480))
    pdf = certificate_pdf(replace(sample_certificate(7), photos=(photo,)))
    assert photo in pdf
    assert b"/ASCII85Decode /DCTDecode" not in pdf
