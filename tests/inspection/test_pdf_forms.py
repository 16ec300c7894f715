"""How a certificate is drawn fast, and still right: its static layout is a
form object kept from one certificate to the next, its JPEG photo is
embedded byte for byte, its fonts stay embedded and both languages are on
the page (its QR code: test_pdf_codes)."""

import io
from dataclasses import replace

import pypdfium2
from PIL import Image
from pypdf import PdfReader

from bench.certificates import sample_certificate
from inspection.pdf import FORMS, CheckLine, certificate_pdf

from .test_pdf_fonts import assert_every_font_embedded
from .test_pdf_text import certificate_data, marker, system_fonts_off

PAGE_FORM = "/FormXob.CertificatePage"
TABLE_FORM = "/FormXob.CertificateTable"


def page_of(data: bytes):
    return PdfReader(io.BytesIO(data)).pages[0]


def xobjects(data: bytes) -> dict:
    """The page's XObjects (images and forms), by name."""
    found = page_of(data)["/Resources"]["/XObject"]
    return {name: ref.get_object() for name, ref in found.items()}


def text_layer(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return document[0].get_textpage().get_text_range()
    finally:
        document.close()


def jpeg(size=(400, 300), colour=(180, 40, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=85)
    return out.getvalue()


# --- the static layout: two forms, kept --------------------------------------------


def test_the_static_layout_is_a_form_kept_from_one_certificate_for_the_next():
    template = certificate_data(marker())  # texts no earlier test drew
    first = certificate_pdf(template)
    kept = len(FORMS.entries)
    second = certificate_pdf(
        replace(
            template,
            number="GZ-20261125-000002-K",
            query_code="9ZZ1-AB3C",
            verify_url="https://qc.example.com/verify/Zq8w0c1vWkq8QbTQ7m1x9sPq2aZbYdEx",
            merchant_name="玉满堂",
            title="翡翠手镯 jadeite bangle",
        )
    )
    assert len(FORMS.entries) == kept  # nothing new made for the second

    one, other = xobjects(first), xobjects(second)
    for name in (PAGE_FORM, TABLE_FORM):
        assert one[name]["/Subtype"] == "/Form"
        # The same form, byte for byte, in both documents.
        assert one[name]._data == other[name]._data
    for data in (first, second):
        content = page_of(data).get_contents().get_data()
        assert f"{PAGE_FORM} Do".encode() in content
        assert f"{TABLE_FORM} Do".encode() in content
        # The static texts are in the forms, not written out on the page.
        assert content.count(b" Tj") < 40


def test_the_same_certificate_is_the_same_bytes_with_its_forms_made_or_kept():
    template = certificate_data(marker())
    made = certificate_pdf(template)  # the forms are made in this document
    assert certificate_pdf(template) == made  # and kept for this one


def test_the_forms_text_is_extractable_in_both_languages_from_embedded_fonts():
    mark = marker()
    data = certificate_pdf(certificate_data(mark))
    assert_every_font_embedded(data)  # the forms' fonts as well as the page's
    page = page_of(data)
    page_fonts = page["/Resources"].raw_get("/Font").idnum
    for name in (PAGE_FORM, TABLE_FORM):
        form = page["/Resources"]["/XObject"][name].get_object()
        assert form["/Resources"].raw_get("/Font").idnum == page_fonts  # the same
    with system_fonts_off():
        text = text_layer(data)
    for words in (
        "质检鉴定证书",
        "CERTIFICATE OF INSPECTION",
        "广州质检仓 Guangzhou",
        "检查项 Check",
        "规则 Rule",
        f"材质与申报相同 {mark}",
        f"same material as claimed {mark}",
        "合格",
        "PASS",
        "不合格",
        "FAIL",
        "本证书一物一证",
        "One item, one certificate.",
        "质检员 Inspected and signed by",
    ):
        assert words in text, words
    extracted = page_of(data).extract_text()
    assert f"材质与申报相同 {mark}" in extracted and "质检鉴定证书" in extracted


def test_a_table_whose_text_has_no_fixed_codes_is_drawn_on_the_page():
    """A verdict word outside the template's texts: the table cannot be a kept
    form (its codes would differ from one document to the next); it is drawn
    on the page, as right."""
    base = certificate_data(marker())
    odd = CheckLine(
        "Seal", "封条", "intact", "intact", ("封条完好", "seal intact"), "复核"
    )
    data = replace(base, checks=(*base.checks, odd))
    pdf = certificate_pdf(data)
    assert TABLE_FORM not in xobjects(pdf)
    assert PAGE_FORM in xobjects(pdf)
    text = text_layer(pdf)
    for words in ("复核", "封条完好", "seal intact", "检查项 Check"):
        assert words in text, words
    assert certificate_pdf(data) == pdf
    assert_every_font_embedded(pdf)


# --- the photo: its own bytes ------------------------------------------------------


def test_a_jpeg_photo_is_embedded_as_the_same_bytes():
    photo = jpeg()
    pdf = certificate_pdf(replace(sample_certificate(11), photos=(photo,)))
    images = [x for x in xobjects(pdf).values() if x["/Subtype"] == "/Image"]
    assert len(images) == 1
    image = images[0]
    assert image._data == photo  # not decoded, re-compressed nor re-encoded
    assert image["/Filter"] == ["/DCTDecode"]
    assert (image["/Width"], image["/Height"]) == (400, 300)
    assert image["/ColorSpace"] == "/DeviceRGB"


def test_the_same_jpeg_twice_is_one_image_object_and_a_png_is_drawn_too():
    photo = jpeg((300, 400))
    png = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 90, 200)).save(png, "PNG")
    base = sample_certificate(12)
    pdf = certificate_pdf(
        replace(base, checks=base.checks[:2], photos=(photo, photo, png.getvalue()))
    )
    images = [x for x in xobjects(pdf).values() if x["/Subtype"] == "/Image"]
    assert sorted(x["/Filter"] == ["/DCTDecode"] for x in images) == [False, True]
    document = pypdfium2.PdfDocument(pdf)
    try:
        drawn = [
            image
            for image in document[0].get_objects(
                filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]
            )
            if image.get_metadata().bits_per_pixel != 1  # not the QR code's mask
        ]
        assert len(drawn) == 3
    finally:
        document.close()
