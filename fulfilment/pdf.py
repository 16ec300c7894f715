"""The carrier manifest PDF: what one pickup took, A4, pure function."""

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from inspection.pdf import draw_text, local_time, pdf_canvas, wrap_text

W, H = A4
M = 36.0
MUTED = HexColor("#4b5563")
RULE = HexColor("#d1d5db")
ROW = 14.0
COLUMNS = (
    ("#", 0),
    ("Tracking 运单号", 22),
    ("Parcel 包裹", 130),
    ("To 收件人", 200),
    ("Items 物品", 330),
    ("Handed over 交接", 440),
)


TITLE = "Carrier manifest 承运交接清单"
PARCELS, CLOSED_BY = "Parcels 件数", "Closed by 交接人"
SIGNATURE = "Carrier signature 承运商签字: ____________"
RECURRING = "".join((TITLE, PARCELS, CLOSED_BY, SIGNATURE, *(h for h, _x in COLUMNS)))


@dataclass(frozen=True)
class ManifestLine:
    tracking_number: str
    reference: str
    kind: str
    recipient: str
    city: str
    items: str
    released_at: dt.datetime | None


@dataclass(frozen=True)
class ManifestData:
    number: str
    warehouse: str
    carrier: str
    opened_at: dt.datetime
    closed_at: dt.datetime
    closed_by: str
    time_zone: str
    lines: tuple[ManifestLine, ...]


def _header(c: Canvas, data: ManifestData, page: int) -> float:
    t = c.beginText()
    draw_text(t, M, H - M - 14, TITLE, 16, bold=True)
    draw_text(t, W - M, H - M - 14, data.number, 11, bold=True, right=True)
    draw_text(t, M, H - M - 32, f"{data.warehouse} → {data.carrier}", 10)
    draw_text(
        t,
        M,
        H - M - 46,
        f"{local_time(data.opened_at, data.time_zone)} - "
        f"{local_time(data.closed_at, data.time_zone)}",
        8,
        colour=MUTED,
    )
    draw_text(t, W - M, H - M - 46, f"p. {page}", 8, colour=MUTED, right=True)
    y = H - M - 66
    for heading, x in COLUMNS:
        draw_text(t, M + x, y, heading, 8, bold=True)
    c.drawText(t)
    c.setStrokeColor(RULE)
    c.line(M, y - 4, W - M, y - 4)
    return y - 4 - ROW


def manifest_pdf(data: ManifestData) -> bytes:
    """Every parcel of the pickup, one row each, and a signature block."""
    out = io.BytesIO()
    c = pdf_canvas(out, A4, RECURRING)
    c.setTitle(f"Manifest {data.number}")
    page = 1
    y = _header(c, data, page)
    t = c.beginText()
    for index, line in enumerate(data.lines, start=1):
        if y < M + 80:
            c.drawText(t)
            c.showPage()
            page += 1
            y = _header(c, data, page)
            t = c.beginText()
        when = (
            local_time(line.released_at, data.time_zone)[:16]
            if line.released_at
            else ""
        )
        cells = (
            str(index),
            line.tracking_number,
            line.reference,
            wrap_text(f"{line.recipient} {line.city}", 125, 8, 1)[0],
            wrap_text(line.items, 105, 8, 1)[0],
            when,
        )
        for (_heading, x), cell in zip(COLUMNS, cells, strict=True):
            draw_text(t, M + x, y, cell, 8)
        y -= ROW
    y -= 10
    draw_text(t, M, y, f"{PARCELS}: {len(data.lines)}", 10, bold=True)
    draw_text(t, M, y - 30, f"{CLOSED_BY}: {data.closed_by}", 9)
    draw_text(t, W / 2, y - 30, SIGNATURE, 9)
    c.drawText(t)
    c.showPage()
    c.save()
    return out.getvalue()
