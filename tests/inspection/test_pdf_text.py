"""A certificate shows its Chinese in a viewer that has no Chinese font: pdfium
(the engine of Chrome's viewer) decodes its text layer and draws its Chinese
glyphs from the font program embedded in the PDF, with its lookup of the
machine's own fonts switched off."""

import ctypes
import datetime as dt
import io
import secrets
from contextlib import contextmanager
from dataclasses import replace

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from inspection.pdf import CertificateData, CheckLine, certificate_pdf

from .test_certificates import certified_item, pdf_bytes
from .test_pdf_fonts import assert_every_font_embedded, item_label, label

pytestmark = pytest.mark.django_db

SCALE = 2  # pixels per point
HEADING = "质检鉴定证书"
RULE_ZH = "材质与申报相同"  # the material rule, in Chinese
_FIELDS = dict(pdfium_c.FPDF_SYSFONTINFO._fields_)
NO_FONTS = pdfium_c.FPDF_SYSFONTINFO(
    version=1,
    Release=_FIELDS["Release"](lambda info: None),
    EnumFonts=_FIELDS["EnumFonts"](lambda info, mapper: None),
    MapFont=_FIELDS["MapFont"](lambda info, weight, italic, cs, pitch, face, ok: None),
    GetFont=_FIELDS["GetFont"](lambda info, face: None),
    GetFontData=_FIELDS["GetFontData"](lambda info, font, table, out, size: 0),
    GetFaceName=_FIELDS["GetFaceName"](lambda info, font, out, size: 0),
    GetFontCharset=_FIELDS["GetFontCharset"](lambda info, font: 0),
    DeleteFont=_FIELDS["DeleteFont"](lambda info, font: None),
)
"""pdfium's interface to the machine's fonts, with no font behind it."""
_DEFAULTS = []  # pdfium keeps pointers to them: they must outlive their use


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


@contextmanager
def system_fonts_off():
    """pdfium finds no font on the machine (this one may have a Chinese font),
    as on a machine without any; its default lookup is put back afterwards
    (a new one each time: pdfium releases the one it replaces)."""
    pdfium_c.FPDF_SetSystemFontInfo(ctypes.byref(NO_FONTS))
    try:
        yield
    finally:
        _DEFAULTS.append(pdfium_c.FPDF_GetDefaultSystemFontInfo())
        pdfium_c.FPDF_SetSystemFontInfo(_DEFAULTS[-1])


@pytest.fixture
def no_system_fonts():
    with system_fonts_off():
        yield


def render(data: bytes) -> Image.Image:
    document = pypdfium2.PdfDocument(data)
    try:
        return document[0].render(scale=SCALE).to_pil().convert("L")
    finally:
        document.close()


def text_and_boxes(data: bytes, needle: str) -> tuple[str, tuple[int, ...], list]:
    """The page's text layer, the pixel box of ``needle`` on a render of it,
    and the tight box (drawn outline) of every Han character on the page."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        height = page.get_height()
        text_page = page.get_textpage()
        text = text_page.get_text_range()
        found = text_page.search(needle).get_next()
        assert found is not None, f"{needle} not in the text layer"
        start, count = found
        boxes = [
            text_page.get_charbox(i, loose=True) for i in range(start, start + count)
        ]
        left = min(b[0] for b in boxes)
        bottom = min(b[1] for b in boxes)
        right = max(b[2] for b in boxes)
        top = max(b[3] for b in boxes)
        region = tuple(
            round(v * SCALE)
            for v in (left - 1, height - top - 1, right + 1, height - bottom + 1)
        )
        han = [
            (char, text_page.get_charbox(i))
            for i in range(text_page.count_chars())
            if "\u4e00" <= (char := text_page.get_text_range(i, 1)) <= "\u9fff"
        ]
        return text, region, han
    finally:
        document.close()


def ink(image: Image.Image) -> int:
    """Pixels that stand out from the region's background (its commonest shade)."""
    histogram = image.histogram()
    background = histogram.index(max(histogram))
    return sum(n for shade, n in enumerate(histogram) if abs(shade - background) > 64)


def changed(one: Image.Image, other: Image.Image) -> int:
    """Pixels that differ clearly between two renders of the same region."""
    return sum(ImageChops.difference(one, other).histogram()[65:])


def without_font_programs(data: bytes) -> bytes:
    """The same PDF with every embedded font program taken out."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for one in (
                font,
                *(d.get_object() for d in font.get("/DescendantFonts", [])),
            ):
                descriptor = one.get("/FontDescriptor")
                if descriptor is None:
                    continue
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    descriptor.get_object().pop(key, None)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_without_system_fonts_a_chinese_font_that_is_only_named_draws_nothing(
    no_system_fonts,
):
    """The switch works: a PDF that names a Chinese font without embedding it
    (as the certificates did with STSong-Light) shows no Chinese under it."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(300, 100))
    canvas.setFont("STSong-Light", 30)
    canvas.drawString(10, 40, HEADING)
    canvas.save()
    _text, region, _han = text_and_boxes(out.getvalue(), HEADING)
    assert ink(render(out.getvalue()).crop(region)) == 0


def test_the_certificates_chinese_is_in_its_text_layer(world, qc, no_system_fonts):
    _item, certificate = certified_item(world)
    text, _region, han = text_and_boxes(pdf_bytes(certificate), HEADING)
    for words in (HEADING, RULE_ZH, "合格", "本证书一物一证", "证书编号"):
        assert words in text, words
    assert len(han) > 50


def test_the_certificates_chinese_is_drawn_from_its_embedded_font(
    world, qc, no_system_fonts
):
    _item, certificate = certified_item(world)
    data = pdf_bytes(certificate)
    _text, region, han = text_and_boxes(data, HEADING)

    # Every Han character has an outline in the embedded subset: a glyph
    # missing from it would be drawn as nothing, a box of no size.
    empty = [char for char, (left, bottom, right, top) in han if left >= right]
    assert not empty, empty
    assert not [char for char, (_l, bottom, _r, top) in han if bottom >= top]

    heading = render(data).crop(region)
    assert ink(heading) > 0.08 * heading.width * heading.height

    # Without the font programs, the same page shows something else there
    # (with no font to draw its codes, pdfium draws other glyphs or none).
    stripped = render(without_font_programs(data)).crop(region)
    assert changed(heading, stripped) > 0.5 * ink(heading)


def test_the_machines_fonts_change_nothing_on_a_certificate(world, qc):
    """Drawn from its own fonts: the same pixels with the machine's fonts
    looked up and without."""
    _item, certificate = certified_item(world)
    data = pdf_bytes(certificate)
    with_system = render(data)
    with system_fonts_off():
        without = render(data)
    assert changed(with_system, without) == 0


# --- operators kept from one document for the next ---------------------------------


def marker() -> str:
    """Three Chinese characters drawn at random from the upper part of the
    range: with them in its texts, a template's characters (and so their
    codes) are like no other's."""
    return "".join(chr(0x9000 + secrets.randbelow(0x0F00)) for _ in range(3))


LOW = "丁七万丈"
"""Characters that sort before every other Chinese character the certificate
shows: with them in its texts, a template gives all those others other codes."""


def certificate_data(marker: str, **changes) -> CertificateData:
    """A certificate whose template texts carry ``marker``: texts no earlier
    document showed, so the renderer keeps nothing for them yet."""
    checks = (
        CheckLine(
            "Material",
            "材质",
            "nephrite jade",
            ("和田玉", "nephrite jade"),
            (f"材质与申报相同 {marker}", f"same material as claimed {marker}"),
            "pass",
        ),
        CheckLine(
            "Packaging",
            "外包装",
            "gift box",
            ("完好", "intact"),
            (f"包装完好 {marker}", f"packaging intact {marker}"),
            "fail",
        ),
    )
    data = {
        "number": "GZ-20261125-000001-K",
        "query_code": "7KQ4-MX2P",
        "verify_url": "https://qc.example.com/verify/5m3Hc0a0vWkq8QbTQ7m1x9sPq2aZbYdE",
        "warehouse_name": "广州质检仓 Guangzhou",
        "warehouse_address": "广州市白云区太和镇 88 号",
        "item_code": "QBFA5Y13P1MR",
        "merchant_name": "翡翠之家",
        "title": "和田玉手镯 Hetian nephrite bangle",
        "category": "Jewellery and jade",
        "category_zh": "珠宝玉石",
        "checks": checks,
        "inspectors": ("李文",),
        "issued_at": dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC),
        "time_zone": "Asia/Shanghai",
        "verdict": "pass",
    }
    return CertificateData(**{**data, **changes})


def test_text_kept_from_earlier_documents_shows_the_same_in_a_later_one(
    no_system_fonts,
):
    mark = marker()
    data = certificate_data(mark)
    first = certificate_pdf(data)  # nothing kept for this template's texts yet

    # Another template in between: the same labels under other codes.
    between = certificate_pdf(certificate_data(LOW))
    text, _region, _han = text_and_boxes(between, HEADING)
    for words in ("材质", "外包装", f"材质与申报相同 {LOW}", "珠宝玉石", "合格"):
        assert words in text, words
    label()
    item_label()
    assert certificate_pdf(data) == first  # shown from what was kept

    other = certificate_pdf(
        replace(data, title="翡翠手镯 jadeite bangle", merchant_name="玉满堂")
    )
    text, _region, han = text_and_boxes(other, HEADING)
    for words in (
        f"材质与申报相同 {mark}",
        "same material as claimed",
        "包装完好",
        "不合格",
        "翡翠手镯 jadeite bangle",
        "玉满堂",
        "珠宝玉石",
        "本证书一物一证",
    ):
        assert words in text, words
    assert not [char for char, (left, _b, right, _t) in han if left >= right]
    assert_every_font_embedded(other)
