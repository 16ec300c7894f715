"""A certificate's QR code is one image mask of its modules, drawn once, and
it and the item's Code 128 barcode decode from a render of the page."""

import pypdfium2
import pytest
import zxingcpp
from pypdf.generic import ContentStream

from bench.certificates import sample_certificate, sealed
from inspection.pdf import certificate_pdf, qr_modules

from .test_pdf_forms import page_of

# --- the QR code: one image mask ----------------------------------------------------


def qr_masks(data: bytes) -> list[dict]:
    """The settings of every inline image drawn on the page (the QR code is
    the one that is a mask)."""
    page = page_of(data)
    operations = ContentStream(page.get_contents(), page.pdf).operations
    return [
        dict(operands["settings"])
        for operands, operator in operations
        if operator == b"INLINE IMAGE"
    ]


def test_the_qr_code_is_one_image_mask_and_it_and_the_barcode_decode():
    data = sample_certificate(13)
    pdf = certificate_pdf(data)
    [mask] = qr_masks(pdf)
    modules = qr_modules(data.verify_url)
    assert (mask["/W"], mask["/H"], mask["/IM"], mask["/BPC"]) == (
        modules,
        modules,
        True,
        1,
    )

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    found = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    assert found[zxingcpp.BarcodeFormat.QRCode] == data.verify_url
    assert found[zxingcpp.BarcodeFormat.Code128] == data.item_code


def test_a_sealed_link_is_a_version_12_code_that_decodes_from_a_print_at_150_dpi():
    """The link with its seal (issue 22) as the page prints it: read back
    whole from a 150 dpi render, as a phone reads a print."""
    data = sealed(sample_certificate(14))
    assert qr_modules(data.qr_url) == 17 + 4 * 12
    document = pypdfium2.PdfDocument(certificate_pdf(data))
    try:
        image = document[0].render(scale=150 / 72).to_pil()
    finally:
        document.close()
    found = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    assert found[zxingcpp.BarcodeFormat.QRCode] == data.qr_url


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
