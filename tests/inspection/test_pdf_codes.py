"""A certificate's QR code is one path of rectangles, filled once, and it and
the item's Code 128 barcode decode from a render of the page."""

import pypdfium2
import pytest
import zxingcpp
from pypdf.generic import ContentStream

from bench.certificates import sample_certificate
from inspection.pdf import certificate_pdf

from .test_pdf_forms import page_of

# --- the QR code: one path ---------------------------------------------------------


def qr_paths(data: bytes) -> list[int]:
    """For each path drawn in module units with rows counted downwards (the
    QR code's transformation), the number of rectangles it has before it is
    filled; any other operator inside it starts a new count."""
    page = page_of(data)
    operations = ContentStream(page.get_contents(), page.pdf).operations
    paths, rects, inside = [], 0, False
    for operands, operator in operations:
        if operator == b"cm" and operands[3] < 0:
            inside, rects = True, 0
        elif inside and operator == b"re":
            rects += 1
        elif inside and operator in (b"f", b"f*"):
            paths.append(rects)
            rects = 0
        elif inside and operator == b"Q":
            inside = False
        elif inside:
            paths.append(-1)  # something else in the middle of it
    return paths


def test_the_qr_code_is_one_path_filled_once_and_it_and_the_barcode_decode():
    data = sample_certificate(13)
    pdf = certificate_pdf(data)
    paths = qr_paths(pdf)
    assert len(paths) == 1, paths
    assert paths[0] > 50  # every run of dark modules: one rectangle each

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    found = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    assert found[zxingcpp.BarcodeFormat.QRCode] == data.verify_url
    assert found[zxingcpp.BarcodeFormat.Code128] == data.item_code


@pytest.mark.parametrize("n", range(5))
def test_every_certificates_qr_code_decodes(n):
    data = sample_certificate(100 + n)
    document = pypdfium2.PdfDocument(certificate_pdf(data))
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    found = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    assert found[zxingcpp.BarcodeFormat.QRCode] == data.verify_url
