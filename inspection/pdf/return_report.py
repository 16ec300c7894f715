"""The return report PDF: a buyer's returned item compared with its certificate.

Plain data in, bytes out, no ORM: :func:`return_report_pdf` takes a
:class:`ReturnReportData` and returns the PDF's bytes, the same bytes for the
same data (the canvas is ``invariant``). Like the certificate, every label is
printed in Chinese and English and every value the service hands in as
``(Chinese, English)``; each compared point shows what was certified beside
what came back, with the point's reason and result, and the certified photos
stand beside the returned ones. The number and the QR code lead to the
certificate's verification page; the footer states the signature of the
report's content.
"""

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4

from .codes import draw_qr
from .photos import PHOTO_GAP, Photo, draw_photo
from .text import (
    INK,
    MUTED,
    PALE,
    RULE,
    Text,
    draw_text,
    languages,
    local_time,
    pdf_canvas,
    wrap_text,
)

PAGE_W, PAGE_H = A4
MARGIN = 36.0
BAND = HexColor("#1e3a5f")
ON_BAND = Color(*(0.85 + 0.15 * v for v in BAND.rgb()))

VERDICT_COLOURS = {
    "matches": HexColor("#15803d"),
    "damaged": HexColor("#b45309"),
    "mismatch": HexColor("#b91c1c"),
}
VERDICT_WORDS = {
    "matches": ("与认证一致", "MATCHES"),
    "damaged": ("已损坏", "DAMAGED"),
    "mismatch": ("与认证不符", "MISMATCH"),
}
RESULT_COLOURS = {
    "ok": HexColor("#15803d"),
    "damaged": HexColor("#b45309"),
    "mismatch": HexColor("#b91c1c"),
}
RESULT_WORDS = {
    "ok": ("一致", "OK"),
    "damaged": ("损坏", "DAMAGED"),
    "mismatch": ("不符", "MISMATCH"),
}

# The report's fixed labels, in both languages.
TITLE_ZH, TITLE_EN = "退货核验报告", "RETURN VERIFICATION REPORT"
NUMBER = "报告编号 Report No."
CERTIFICATE = "证书编号 Certificate No."
SCAN = "扫码验证证书 Scan to verify"
ITEM_CODE, MERCHANT, ITEM = "商品编码 Item code", "商家 Merchant", "商品 Item"
CATEGORY = "品类 Category"
RETURN_ID = "退货单号 Return ID"
SEAL = "防调包封签 Anti-swap seal"
INSPECTED = "核验时间 Inspected"
ISSUED = "报告日期 Issued"
VERDICT = "结论 Verdict"
OUTCOME = "去向 Outcome"
CERTIFIED_PHOTOS = "认证时照片 Certified photos"
RETURNED_PHOTOS = "退回时照片 Returned photos"
INSPECTED_BY = "核验员 Inspected by"
SIGNED_OFF_BY = "复核 Signed off by"
NOTES = "备注 Notes"
SIGNATURE = "内容签名 Content signature"
NONE = "—"
NO_PHOTOS = "无照片 No photos"
COLUMNS = (
    ("比对项 Point", 0.15),
    ("认证时 Certified", 0.20),
    ("退回时 Returned", 0.20),
    ("理由 Reason", 0.33),
    ("结果 Result", 0.12),
)
FOOTER_ZH = (
    "本报告将退回商品与其质检证书记录的实测值逐项比对；"  # noqa: RUF001
    "内容已签名，扫描二维码可核验证书。"  # noqa: RUF001
)
FOOTER_EN = (
    "This report compares the returned item with the values its certificate "
    "recorded, point by point; its content is signed. Scan the QR code to "
    "verify the certificate."
)
RECURRING = "".join(
    (
        TITLE_ZH,
        NUMBER,
        CERTIFICATE,
        SCAN,
        ITEM_CODE,
        MERCHANT,
        ITEM,
        CATEGORY,
        RETURN_ID,
        SEAL,
        INSPECTED,
        ISSUED,
        VERDICT,
        OUTCOME,
        CERTIFIED_PHOTOS,
        RETURNED_PHOTOS,
        INSPECTED_BY,
        SIGNED_OFF_BY,
        NOTES,
        SIGNATURE,
        NONE,
        NO_PHOTOS,
        FOOTER_ZH,
        *(heading for heading, _share in COLUMNS),
        *(word for words in VERDICT_WORDS.values() for word in words),
        *(word for words in RESULT_WORDS.values() for word in words),
    )
)

CELL_SIZE = 7.5
LINE = 9.0
CELL_LINES = 3  # per language
PHOTOS_PER_SIDE = 4
PHOTO_ROW_MAX = 150.0


@dataclass(frozen=True)
class ComparedPoint:
    """One compared point: what was certified, what came back, and why."""

    check: str
    label: Text
    certified: Text
    returned: Text
    reason: Text
    severity: str  # ok | damaged | mismatch


@dataclass(frozen=True)
class ReturnReportData:
    number: str
    certificate_number: str
    verify_url: str
    warehouse_name: str
    warehouse_address: str
    item_code: str
    merchant_name: str
    title: str
    category: str
    category_zh: str
    return_id: str
    seal: str
    points: tuple[ComparedPoint, ...]
    verdict: str
    outcome: Text
    inspectors: tuple[str, ...]
    signed_off: Text
    inspected_at: dt.datetime
    issued_at: dt.datetime
    time_zone: str
    notes: str = ""
    key_id: str = ""
    signature: str = ""
    certified_photos: tuple[bytes, ...] = ()
    """JPEG or PNG, in order; the first :data:`PHOTOS_PER_SIDE` are shown."""
    returned_photos: tuple[bytes, ...] = ()


def _cell(text: Text, width: float) -> list[tuple[str, Color]]:
    """A cell's lines: Chinese in ink, English beneath in grey."""
    lines = []
    for n, language in enumerate(languages(text or NONE)):
        colour = INK if n == 0 else MUTED
        lines += [
            (line, colour) for line in wrap_text(language, width, CELL_SIZE, CELL_LINES)
        ]
    return lines


def _photo_side(c, t, photos, heading, x, top, width, height) -> None:
    """The photos of one side in a grid of two columns, each whole, centred
    in its box; the heading above them."""
    draw_text(t, x, top, heading, 8, colour=MUTED)
    top -= 8
    shown = photos[:PHOTOS_PER_SIDE]
    if not shown:
        draw_text(t, x, top - 14, NO_PHOTOS, 8, colour=MUTED)
        return
    columns = 1 if len(shown) == 1 else 2
    rows = -(-len(shown) // columns)
    box_w = (width - PHOTO_GAP * (columns - 1)) / columns
    box_h = min(box_w * 0.75, (height - PHOTO_GAP * (rows - 1)) / rows)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    for n, data in enumerate(shown):
        row, column = divmod(n, columns)
        bx = x + column * (box_w + PHOTO_GAP)
        by = top - (row + 1) * box_h - row * PHOTO_GAP
        image = Photo(data)
        w, h = image.getSize()
        scale = min(box_w / w, box_h / h)
        dw, dh = w * scale, h * scale
        c.rect(bx, by, box_w, box_h, stroke=1, fill=0)
        draw_photo(c, image, bx + (box_w - dw) / 2, by + (box_h - dh) / 2, dw, dh)


def _photos_height(data: ReturnReportData, width: float) -> float:
    """The height the photo grids want (the taller side's), heading included."""
    tallest = 0.0
    for photos in (data.certified_photos, data.returned_photos):
        shown = min(len(photos), PHOTOS_PER_SIDE)
        columns = 1 if shown <= 1 else 2
        rows = max(1, -(-shown // columns))
        box_w = (width - PHOTO_GAP * (columns - 1)) / columns
        box_h = min(box_w * 0.75, PHOTO_ROW_MAX / (1 if columns == 1 else 1.4))
        tallest = max(tallest, rows * box_h + (rows - 1) * PHOTO_GAP)
    return tallest + 10


def _footer(t, data: ReturnReportData, width: float) -> None:
    c = t._canvas
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.line(MARGIN, MARGIN + 64, MARGIN + width, MARGIN + 64)
    draw_text(t, MARGIN, MARGIN + 50, FOOTER_ZH, 7.5, colour=MUTED)
    draw_text(t, MARGIN, MARGIN + 38, FOOTER_EN, 7.5, colour=MUTED)
    signature = f"{SIGNATURE} ({data.key_id or NONE}): {data.signature or NONE}"
    for n, line in enumerate(wrap_text(signature, width, 6.5, 2)):
        draw_text(t, MARGIN, MARGIN + 25 - n * 8, line, 6.5, colour=MUTED)
    draw_text(t, MARGIN, MARGIN + 2, data.verify_url, 7, colour=MUTED)


FOOTER_TOP = MARGIN + 74


def return_report_pdf(data: ReturnReportData) -> bytes:
    """Render the return report; the same data gives the same bytes.

    One A4 page when it fits; compared points or photos that do not fit go
    on a second page (nothing is left out).
    """
    out = io.BytesIO()
    c = pdf_canvas(out, A4, RECURRING)
    c.setTitle(f"Return report {data.number}")
    c.setAuthor(data.warehouse_name)
    c.setSubject(f"Return verification of item {data.item_code}")
    width = PAGE_W - 2 * MARGIN
    t = c.beginText()

    # Header band.
    band_h = 70.0
    top = PAGE_H - MARGIN
    c.setFillColor(BAND)
    c.rect(MARGIN, top - band_h, width, band_h, stroke=0, fill=1)
    draw_text(t, MARGIN + 14, top - 30, TITLE_ZH, 20, colour=white)
    draw_text(t, MARGIN + 14, top - 50, TITLE_EN, 12, bold=True, colour=white)
    draw_text(
        t,
        MARGIN + width - 14,
        top - 28,
        data.warehouse_name,
        9,
        colour=white,
        right=True,
    )
    for n, line in enumerate(wrap_text(data.warehouse_address, width * 0.5, 7.5, 2)):
        draw_text(
            t,
            MARGIN + width - 14,
            top - 42 - n * 10,
            line,
            7.5,
            colour=ON_BAND,
            right=True,
        )

    # Numbers and the certificate's QR code.
    y = top - band_h - 22
    qr_size = 96.0
    draw_qr(c, data.verify_url, MARGIN + width - qr_size, y - qr_size + 12, qr_size)
    draw_text(t, MARGIN + width, y - qr_size + 2, SCAN, 7, colour=MUTED, right=True)
    draw_text(t, MARGIN, y, NUMBER, 8, colour=MUTED)
    draw_text(t, MARGIN, y - 16, data.number, 13, bold=True)
    draw_text(t, MARGIN + 240, y, CERTIFICATE, 8, colour=MUTED)
    draw_text(t, MARGIN + 240, y - 16, data.certificate_number, 13, bold=True)

    # The item and the return.
    y -= 42
    label_w = 110.0
    text_w = width - qr_size - label_w - 16
    rows = (
        (ITEM_CODE, data.item_code),
        (MERCHANT, data.merchant_name),
        (ITEM, data.title),
        (CATEGORY, f"{data.category_zh} {data.category}".strip()),
        (RETURN_ID, data.return_id or NONE),
        (SEAL, data.seal or NONE),
        (INSPECTED, local_time(data.inspected_at, data.time_zone)),
        (ISSUED, local_time(data.issued_at, data.time_zone)),
    )
    for label, value in rows:
        draw_text(t, MARGIN, y, label, 8, colour=MUTED)
        lines = wrap_text(value, text_w, 9.5, 2)
        for n, line in enumerate(lines):
            bold = label in (ITEM_CODE, SEAL)
            draw_text(t, MARGIN + label_w, y - n * 12, line, 9.5, bold=bold)
        y -= 12 * len(lines) + 4

    # The verdict and where the item went.
    y -= 8
    colour = VERDICT_COLOURS.get(data.verdict, INK)
    badge_w = 190.0
    c.setFillColor(colour)
    c.roundRect(MARGIN, y - 30, badge_w, 30, 4, stroke=0, fill=1)
    zh, en = VERDICT_WORDS.get(data.verdict, (data.verdict, data.verdict))
    draw_text(t, MARGIN + 10, y - 14, f"{VERDICT}", 7, colour=white)
    draw_text(t, MARGIN + 10, y - 25, f"{zh} {en}", 10, bold=True, colour=white)
    draw_text(t, MARGIN + badge_w + 14, y - 8, OUTCOME, 8, colour=MUTED)
    for n, line in enumerate(languages(data.outcome)):
        draw_text(t, MARGIN + badge_w + 14, y - 20 - n * 11, line, 9.5)
    y -= 48

    # The compared points: certified beside returned.
    x_cols = [MARGIN]
    for _heading, share in COLUMNS:
        x_cols.append(x_cols[-1] + width * share)
    table = []
    for point in data.points:
        cells = [point.label, point.certified, point.returned, point.reason]
        wrapped = [
            _cell(text, width * share - 8)
            for text, (_h, share) in zip(cells, COLUMNS, strict=False)
        ]
        table.append((point, wrapped, max(len(lines) for lines in wrapped) * LINE + 6))

    def heading(y):
        c.setFillColor(PALE)
        c.rect(MARGIN, y - 6, width, 18, stroke=0, fill=1)
        for (text, _share), x in zip(COLUMNS, x_cols, strict=False):
            draw_text(t, x + 4, y, text, 7.5, colour=MUTED)
        return y - 10

    def new_page():
        nonlocal t
        _footer(t, data, width)
        c.drawText(t)
        c.showPage()
        t = c.beginText()
        c.colour = (None, None)
        return PAGE_H - MARGIN - 10

    y = heading(y)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    for point, wrapped, height in table:
        if y - height < FOOTER_TOP:
            y = heading(new_page())
            c.setStrokeColor(RULE)
            c.setLineWidth(0.5)
        for lines, x in zip(wrapped, x_cols, strict=False):
            for n, (line, line_colour) in enumerate(lines):
                draw_text(
                    t, x + 4, y - LINE - n * LINE, line, CELL_SIZE, colour=line_colour
                )
        result_colour = RESULT_COLOURS.get(point.severity, INK)
        for n, word in enumerate(RESULT_WORDS.get(point.severity, (point.severity,))):
            draw_text(
                t,
                x_cols[4] + 4,
                y - LINE - n * LINE,
                word,
                CELL_SIZE + 0.5,
                colour=result_colour,
            )
        y -= height
        c.line(MARGIN, y + 1, MARGIN + width, y + 1)

    # Who inspected, who signed off, their notes.
    people = [
        (INSPECTED_BY, ", ".join(data.inspectors) or NONE),
        *((SIGNED_OFF_BY, line) for line in languages(data.signed_off or NONE)),
    ]
    if data.notes:
        people.append((NOTES, data.notes))
    needed = 14 * len(people) + 18
    if y - needed < FOOTER_TOP:
        y = new_page()
    y -= 16
    for label, value in people:
        for n, line in enumerate(wrap_text(value, width - label_w, 8.5, 3)):
            if n == 0:
                draw_text(t, MARGIN, y, label, 8, colour=MUTED)
            draw_text(t, MARGIN + label_w, y, line, 8.5)
            y -= 12
        y -= 2

    # The photos: certified on the left, returned on the right.
    half = (width - 16) / 2
    want = _photos_height(data, half)
    if y - 12 - want < FOOTER_TOP:
        y = new_page()
    y -= 14
    room = min(want, y - FOOTER_TOP - 8)
    _photo_side(c, t, data.certified_photos, CERTIFIED_PHOTOS, MARGIN, y, half, room)
    _photo_side(
        c, t, data.returned_photos, RETURNED_PHOTOS, MARGIN + half + 16, y, half, room
    )

    _footer(t, data, width)
    c.drawText(t)
    c.showPage()
    c.save()
    return out.getvalue()
