"""The certificate PDF: one A4 page, Chinese and English, plain data in, bytes out.

No ORM here: :func:`certificate_pdf` takes a :class:`CertificateData` and
returns the PDF's bytes, the same bytes for the same data (the canvas is
``invariant``), so their SHA-256 identifies the document.

What the checks leave of the page goes to the inspection's photos, whole and
as large as fits, beside the verdict or in rows under it
(:func:`_photo_layout`); a page too full of checks keeps a thumbnail.

Speed (DESIGN.md section 8 asks for 100 certificates per second per core,
issue 20 for 300): what is the same on every certificate of a template (band,
labels, category, the checks' names, rules and verdicts, footer) is drawn once
per process into two form objects (:mod:`inspection.pdf.forms`); the rest is
drawn on the canvas directly, without platypus, by the shared helpers of
:mod:`inspection.pdf.text`, :mod:`.codes` and :mod:`.photos`.
"""

import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4

from .codes import draw_code128, draw_qr
from .forms import Plan, draw_plan
from .photos import (
    PHOTO_GAP,
    PHOTO_MAX_H,
    PHOTO_MIN_H,
    Photo,
    draw_photo,
    draw_photo_square,
    photo_grid,
)
from .text import (
    INK,
    MUTED,
    PALE,
    RULE,
    TEXT_CACHE_SIZE,
    Text,
    draw_text,
    languages,
    local_time,
    pdf_canvas,
    wrap_text,
)

PAGE_W, PAGE_H = A4
MARGIN = 36.0
BAND = HexColor("#0f3d3e")
ON_BAND = Color(*(0.85 + 0.15 * v for v in BAND.rgb()))
"""White at 85 % over the band, as one opaque colour (a form object draws
no transparency without a graphics state of its own)."""
VERDICT_COLOURS = {
    "pass": HexColor("#15803d"),
    "fail": HexColor("#b91c1c"),
    "hold": HexColor("#b45309"),
    "skipped": HexColor("#6b7280"),
    "pending": HexColor("#6b7280"),
}
VERDICT_WORDS = {
    "pass": "合格 PASS",
    "fail": "不合格 FAIL",
    "hold": "暂扣 HOLD",
    "skipped": "未检 N/A",
    "pending": "待检 PENDING",
}


@dataclass(frozen=True)
class CheckLine:
    label: str
    label_zh: str
    claimed: Text
    observed: Text
    rule: Text
    verdict: str


@dataclass(frozen=True)
class CertificateData:
    number: str
    query_code: str
    verify_url: str
    warehouse_name: str
    warehouse_address: str
    item_code: str
    merchant_name: str
    title: str
    category: str
    category_zh: str
    checks: tuple[CheckLine, ...]
    inspectors: tuple[str, ...]
    issued_at: dt.datetime
    time_zone: str
    verdict: str
    photos: tuple[bytes, ...] = ()
    """The inspection's photos (JPEG or PNG), in order: as many as fit are
    shown, as large as the page's free space allows (:func:`_photo_layout`)."""
    lot: Text = ""
    qr_url: str = ""
    """What the QR code encodes: the verify URL with the certificate's seal
    after ``#`` (:func:`inspection.trust.seal.certificate_seal_url`); the
    verify URL alone when empty. The page prints the verify URL alone."""


def _photo_layout(
    data: CertificateData, verdict_top: float, width: float, room: float, badge_w
):
    """Where the photos go: in one or two rows under the verdict across the
    page, or beside the verdict badge from its top (taller, but narrower; not
    beside a lot's sample line), whichever shows most of them; ``room`` is
    the height between the verdict's top and the lowest the check table may
    begin. Returns the rows' left, top, row height, rows of photos with their
    widths, and the baseline of their heading; ``None`` when no layout has
    rows at least :data:`PHOTO_MIN_H` tall."""
    if not data.photos:
        return None
    images = [Photo(photo) for photo in data.photos]
    aspects = [w / h for w, h in (image.getSize() for image in images)]
    # Under the verdict: 44 points of badge and gap, 14 of heading, 22 to the
    # table's heading; beside it, 22 to the table's heading.
    places = [(MARGIN, verdict_top - 58, verdict_top - 52, room - 80)]
    if not data.lot:
        side = MARGIN + badge_w + 16
        places.append((side, verdict_top, verdict_top - 44, room - 22))
    best = None
    for x, top, label_y, height in places:
        for rows in (1, 2):
            row_h, grid = photo_grid(
                images,
                aspects,
                MARGIN + width - x,
                min(height, rows * PHOTO_MAX_H + PHOTO_GAP * (rows - 1)),
                rows,
            )
            if row_h < PHOTO_MIN_H:
                continue
            area = row_h * sum(w for row in grid for _image, w in row)
            if best is None or area > best[0] + 1:
                best = (area, (x, top, row_h, grid, label_y))
    return best[1] if best else None


# Check table columns: (heading, share of the table's width).
COLUMNS = (
    ("检查项 Check", 0.20),
    ("申报 Claimed", 0.19),
    ("实测 Observed", 0.19),
    ("规则 Rule", 0.28),
    ("结论 Result", 0.14),
)
CELL_SIZE = 7.5
LINE = 9.0
CELL_LINES = 2  # per language

# The certificate's fixed labels, in both languages.
TITLE_ZH, TITLE_EN = "质检鉴定证书", "CERTIFICATE OF INSPECTION"
SCAN = "扫码验证 Scan to verify"
NUMBER = "证书编号 Certificate No."
QUERY = "查询码 Query code"
ITEM_CODE, MERCHANT, ITEM = "商品编码 Item code", "商家 Merchant", "商品 Item"
CATEGORY, ISSUED = "品类 Category", "签发日期 Issued"
VERDICT = "结论"
PHOTOS = "检验照片 Inspection photos"
MORE = "… 更多检查项见验证页面 More checks on the verification page"
NONE = "—"  # an empty cell
SIGNED = "质检员 Inspected and signed by"
FOOTER_ZH = (
    "本证书一物一证，以验证页面显示的状态为准；"  # noqa: RUF001
    "扫描二维码或凭证书编号与查询码核验。"
)
FOOTER_EN = (
    "One item, one certificate. Valid only as the verification page shows: "
    "scan the QR code, or enter the number and query code."
)
LABELS = (
    TITLE_ZH,
    SCAN,
    NUMBER,
    QUERY,
    ITEM_CODE,
    MERCHANT,
    ITEM,
    CATEGORY,
    ISSUED,
    PHOTOS,
)
RECURRING = "".join(
    (
        *LABELS,
        TITLE_EN,
        MORE,
        NONE,
        SIGNED,
        FOOTER_ZH,
        FOOTER_EN,
        *VERDICT_WORDS.values(),
        *dict(COLUMNS),
    )
)


def _recurring(data: CertificateData) -> str:
    """What this certificate shares with others of its template: the fixed
    labels, the warehouse, the category, each check's labels and rule (what
    its kept forms show, :func:`draw_plan`)."""
    texts = [
        RECURRING,
        data.warehouse_name,
        data.warehouse_address,
        f"{data.category_zh} {data.category}",
    ]
    for check in data.checks:
        texts += [check.label_zh, check.label, *languages(check.rule)]
    return "".join(texts)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _cell(text: Text, width: float) -> tuple[tuple[str, Color], ...]:
    """A cell's lines: Chinese in ink, English beneath in grey."""
    lines = []
    for n, language in enumerate(languages(text or NONE)):
        colour = INK if n == 0 else MUTED
        lines += [
            (line, colour) for line in wrap_text(language, width, CELL_SIZE, CELL_LINES)
        ]
    return tuple(lines)


def certificate_pdf(data: CertificateData) -> bytes:
    """Render the certificate; the same data gives the same bytes.

    What is the same on every certificate of a template goes into two kept
    forms (:class:`Plan`): ``page`` (the band, labels, verdict badge,
    footer) and ``table`` (the check table but for what was claimed and
    observed, drawn relative to the table's top). The rest (numbers, codes,
    names, values, QR code, barcode, photos) is drawn on the page.
    """
    out = io.BytesIO()
    c = pdf_canvas(out, A4, _recurring(data))
    c.setTitle(f"Certificate {data.number}")
    c.setAuthor(data.warehouse_name)
    c.setSubject(f"Inspection certificate for item {data.item_code}")
    width = PAGE_W - 2 * MARGIN
    t = c.beginText()
    page = Plan()

    # Header band.
    band_h = 70.0
    top = PAGE_H - MARGIN
    page.rect(BAND, MARGIN, top - band_h, width, band_h)
    page.text(MARGIN + 14, top - 30, TITLE_ZH, 20, colour=white)
    page.text(MARGIN + 14, top - 50, TITLE_EN, 12, bold=True, colour=white)
    page.text(
        MARGIN + width - 14, top - 28, data.warehouse_name, 9, colour=white, right=True
    )
    for n, line in enumerate(wrap_text(data.warehouse_address, width * 0.5, 7.5, 2)):
        page.text(
            MARGIN + width - 14,
            top - 42 - n * 10,
            line,
            7.5,
            colour=ON_BAND,
            right=True,
        )

    # Number, query code and QR.
    y = top - band_h - 22
    qr_size = 104.0
    qr_url = data.qr_url or data.verify_url
    draw_qr(c, qr_url, MARGIN + width - qr_size, y - qr_size + 12, qr_size)
    page.text(MARGIN + width - qr_size / 2 - 30, y - qr_size + 2, SCAN, 7, colour=MUTED)
    page.text(MARGIN, y, NUMBER, 8, colour=MUTED)
    draw_text(t, MARGIN, y - 16, data.number, 15, bold=True)
    page.text(MARGIN + 250, y, QUERY, 8, colour=MUTED)
    draw_text(t, MARGIN + 250, y - 16, data.query_code, 15, bold=True)

    # Item block: the category is the template's, the other values the item's.
    y -= 44
    label_w = 92.0
    rows = (
        (ITEM_CODE, data.item_code),
        (MERCHANT, data.merchant_name),
        (ITEM, data.title),
        (CATEGORY, f"{data.category_zh} {data.category}".strip()),
        (ISSUED, local_time(data.issued_at, data.time_zone)),
    )
    text_w = width - qr_size - label_w - 110
    for label, value in rows:
        page.text(MARGIN, y, label, 8, colour=MUTED)
        lines = wrap_text(value, text_w, 9.5, 2)
        for n, line in enumerate(lines):
            if label == CATEGORY:
                page.text(MARGIN + label_w, y - n * 12, line, 9.5)
            else:
                draw_text(
                    t, MARGIN + label_w, y - n * 12, line, 9.5, bold=label == ITEM_CODE
                )
        y -= 12 * len(lines) + 6
    draw_code128(c, data.item_code, MARGIN + label_w, y - 26, text_w, 28)
    y -= 40

    # The check table's rows, measured first: the photos take the room they
    # leave (each cell in Chinese, English beneath).
    x_cols = [MARGIN]
    for _heading, share in COLUMNS:
        x_cols.append(x_cols[-1] + width * share)
    rows = []
    for check in data.checks:
        cells = [
            (check.label_zh or check.label, check.label),
            check.claimed,
            check.observed,
            check.rule,
        ]
        wrapped = [
            _cell(text, width * share - 8)
            for text, (_h, share) in zip(cells, COLUMNS, strict=False)
        ]
        rows.append((check, wrapped, max(len(lines) for lines in wrapped) * LINE + 6))
    bottom_limit = MARGIN + 96
    table_h = 10 + sum(height for _check, _wrapped, height in rows)

    # Verdict badge, then the photos: a row as tall as the page allows.
    verdict_top = y
    colour = VERDICT_COLOURS.get(data.verdict, INK)
    badge_w = 150.0
    page.rect(colour, MARGIN, y - 30, badge_w, 30, radius=4)
    page.text(MARGIN + 12, y - 20, VERDICT, 11, colour=white)
    word = VERDICT_WORDS.get(data.verdict, data.verdict).split()[-1]
    page.text(MARGIN + 50, y - 20, word, 14, bold=True, colour=white)
    lot_lines = [
        line for text in languages(data.lot) for line in wrap_text(text, 260, 8, 2)
    ]
    for n, line in enumerate(lot_lines if data.lot else ()):
        draw_text(t, MARGIN + badge_w + 12, y - 8 - n * 9, line, 7.5, colour=MUTED)
    y -= 46
    photo_row = _photo_layout(
        data, verdict_top, width, verdict_top - table_h - bottom_limit, badge_w
    )
    if photo_row:
        left, top, row_h, grid, label_y = photo_row
        page.text(MARGIN, label_y, PHOTOS, 8, colour=MUTED)
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        for row in grid:
            x = left
            for image, photo_w in row:
                draw_photo(c, image, x, top - row_h, photo_w, row_h)
                c.rect(x, top - row_h, photo_w, row_h, stroke=1, fill=0)
                x += photo_w + PHOTO_GAP
            top -= row_h + PHOTO_GAP
        y = min(y, top + PHOTO_GAP - 22)
    elif data.photos:  # no room for a row: a thumbnail beside the verdict
        box = 88.0
        draw_photo_square(
            c, data.photos[0], MARGIN + width - box, verdict_top - 30, box
        )
        y = min(y, verdict_top - box - 18)

    # Footer.
    page.line(RULE, MARGIN, MARGIN + 52, MARGIN + width, MARGIN + 52)
    page.text(MARGIN, MARGIN + 38, FOOTER_ZH, 7.5, colour=MUTED)
    page.text(MARGIN, MARGIN + 26, FOOTER_EN, 7.5, colour=MUTED)
    draw_text(t, MARGIN, MARGIN + 12, data.verify_url, 7, colour=MUTED)
    draw_plan(c, t, "CertificatePage", page)

    # The check table, its form drawn from the table's top (``y``): what
    # was claimed and observed is the item's, on the page.
    table = Plan()
    table_y, y = y, 0.0
    table.rect(PALE, MARGIN, y - 6, width, 18)
    for (heading, _share), x in zip(COLUMNS, x_cols, strict=False):
        table.text(x + 4, y, heading, 7.5, colour=MUTED)
    y -= 10
    for check, wrapped, height in rows:
        if table_y + y - height < bottom_limit:  # never spill off the page
            table.text(MARGIN + 4, y - LINE, MORE, CELL_SIZE, colour=MUTED)
            y -= LINE + 6
            break
        for column, (lines, x) in enumerate(zip(wrapped, x_cols, strict=False)):
            for n, (line, line_colour) in enumerate(lines):
                if column in (1, 2):
                    draw_text(
                        t,
                        x + 4,
                        table_y + y - LINE - n * LINE,
                        line,
                        CELL_SIZE,
                        colour=line_colour,
                    )
                else:
                    table.text(
                        x + 4, y - LINE - n * LINE, line, CELL_SIZE, colour=line_colour
                    )
        verdict_colour = VERDICT_COLOURS.get(check.verdict, INK)
        for n, word in enumerate(
            VERDICT_WORDS.get(check.verdict, check.verdict).split(" ", 1)
        ):
            table.text(
                x_cols[4] + 4,
                y - LINE - n * LINE,
                word,
                CELL_SIZE + 0.5,
                colour=verdict_colour,
            )
        y -= height
        table.line(RULE, MARGIN, y + 1, MARGIN + width, y + 1)

    # Inspectors.
    y -= 22
    table.text(MARGIN, y, SIGNED, 8, colour=MUTED)
    draw_text(t, MARGIN + 150, table_y + y, ", ".join(data.inspectors) or NONE, 9)
    draw_plan(c, t, "CertificateTable", table, table_y)
    c.drawText(t)
    c.showPage()
    c.save()
    return out.getvalue()
