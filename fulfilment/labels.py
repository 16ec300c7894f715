"""Shipping labels: 4x6 in PDF and ZPL II, pure functions, plain data in.

:func:`label_pdf` draws one 288x432 pt page with reportlab (its fonts
embedded as the certificate's are, :mod:`inspection.fonts`):
carrier and sort code, the tracking number as Code128, recipient and sender,
the item code as Code128, the certificate's QR code, order and date in the
warehouse's time zone, and a banner on returns. The same data gives the same
bytes. :func:`label_zpl` writes the same label for 203 dpi thermal printers;
user text goes through ``^FH`` hex escapes so an address cannot inject ZPL
commands. Printing Chinese on a thermal printer needs a CJK font loaded on
it (``^CW``); the ZPL names it ``E:SIMSUN.FNT``.
"""

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.colors import HexColor, white

from inspection.pdf import (
    draw_code128,
    draw_qr,
    draw_text,
    local_time,
    pdf_canvas,
    wrap_text,
)

from .carriers import Address

W, H = 288.0, 432.0  # 4 x 6 in
M = 10.0
INK = HexColor("#111827")
MUTED = HexColor("#4b5563")
RETURN_BAND = HexColor("#b45309")

# The label's fixed words, in both languages (the PDF and the ZPL alike).
RETURN = "RETURN TO MERCHANT 退回商家"
TO, FROM = "收 TO", "寄 FROM"
ITEM, ORDER = "Item 物品", "Order 订单"
VERIFY = "Scan to verify 扫码验证"
RECURRING = "".join((RETURN, TO, FROM, ITEM, ORDER, VERIFY))


@dataclass(frozen=True)
class LabelData:
    carrier_code: str
    carrier_name: str
    tracking_number: str
    sort_code: str
    sender: Address
    recipient: Address
    item_code: str
    order_ref: str
    certificate_url: str
    created_at: dt.datetime
    time_zone: str
    kind: str = "order"  # or "return"


def _address_lines(address: Address) -> list[str]:
    place = " ".join(p for p in (address.province, address.city, address.postcode) if p)
    return [line for line in (place, *address.lines.splitlines()) if line.strip()]


def label_pdf(data: LabelData) -> bytes:
    """One 4x6 in page: what a carrier's sorter and a courier need."""
    out = io.BytesIO()
    c = pdf_canvas(out, (W, H), RECURRING)
    c.setTitle(f"{data.carrier_name} {data.tracking_number}")
    t = c.beginText()
    c.setStrokeColor(INK)
    c.setLineWidth(1)
    y = H - M
    if data.kind == "return":
        c.setFillColor(RETURN_BAND)
        c.rect(0, H - 24, W, 24, stroke=0, fill=1)
        draw_text(t, M, H - 17, RETURN, 12, bold=True, colour=white)
        y -= 24
    draw_text(t, M, y - 16, data.carrier_name, 16, bold=True)
    draw_text(t, W - M, y - 16, data.sort_code, 16, bold=True, right=True)
    y -= 24
    c.line(M, y, W - M, y)
    draw_code128(c, data.tracking_number, M + 4, y - 66, W - 2 * M - 8, 58)
    draw_text(t, W / 2 - 60, y - 78, data.tracking_number, 12, bold=True)
    y -= 86
    c.line(M, y, W - M, y)
    draw_text(t, M, y - 12, TO, 8, colour=MUTED)
    recipient = data.recipient
    draw_text(t, M + 30, y - 14, f"{recipient.name}  {recipient.phone}", 12, bold=True)
    line_y = y - 30
    for line in _address_lines(recipient)[:3]:
        for part in wrap_text(line, W - 2 * M - 30, 10, 2):
            draw_text(t, M + 30, line_y, part, 10)
            line_y -= 12
    y -= 80
    c.line(M, y, W - M, y)
    draw_text(t, M, y - 11, FROM, 7, colour=MUTED)
    sender = data.sender
    draw_text(t, M + 36, y - 11, f"{sender.name} {sender.phone}".strip(), 8)
    for i, line in enumerate(_address_lines(sender)[:2]):
        draw_text(
            t, M + 36, y - 21 - 9 * i, wrap_text(line, W - 2 * M - 36, 7, 1)[0], 7
        )
    y -= 42
    c.line(M, y, W - M, y)
    qr = 92.0
    draw_code128(c, data.item_code, M, y - 50, W - 3 * M - qr, 40)
    draw_text(t, M, y - 62, f"{ITEM} {data.item_code}", 9, bold=True)
    if data.order_ref:
        draw_text(t, M, y - 75, f"{ORDER} {data.order_ref}", 8)
    draw_text(
        t, M, y - 88, local_time(data.created_at, data.time_zone), 7, colour=MUTED
    )
    if data.certificate_url:
        draw_qr(c, data.certificate_url, W - M - qr, y - qr - 4, qr)
        draw_text(t, W - M - qr / 2 - 40, y - qr - 14, VERIFY, 7)
    c.drawText(t)
    c.showPage()
    c.save()
    return out.getvalue()


def _fh(text: str) -> str:
    """Field data safe for ^FH: '^', '~' and '_' written as _XX hex escapes."""
    return (
        str(text)
        .replace("_", "_5F")
        .replace("^", "_5E")
        .replace("~", "_7E")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _field(x: int, y: int, text: str, height: int = 30, font: str = "0") -> str:
    return f"^FO{x},{y}^A{font}N,{height},{height}^FH^FD{_fh(text)}^FS"


def label_zpl(data: LabelData) -> str:
    """The same label in ZPL II for a 203 dpi 4x6 in printer (812 x 1218 dots)."""
    lines = [
        "^XA",
        "^CI28",  # field data is UTF-8
        "^CW1,E:SIMSUN.FNT",  # font 1: the printer's CJK font
        "^PW812",
        "^LL1218",
        "^LH0,0",
    ]
    y = 20
    if data.kind == "return":
        lines.append("^FO0,0^GB812,60,60^FS")
        lines.append("^FO20,12^FR^A0N,40,40^FDRETURN TO MERCHANT^FS")
        y = 80
    lines += [
        _field(20, y, data.carrier_name, 50, "1"),
        _field(520, y, data.sort_code, 50),
        f"^FO20,{y + 70}^GB772,3,3^FS",
        f"^FO40,{y + 90}^BY3^BCN,180,Y,N,N^FH^FD{_fh(data.tracking_number)}^FS",
        f"^FO20,{y + 320}^GB772,3,3^FS",
        _field(20, y + 340, "TO", 24),
        _field(90, y + 340, f"{data.recipient.name} {data.recipient.phone}", 36, "1"),
    ]
    line_y = y + 390
    for line in _address_lines(data.recipient)[:3]:
        lines.append(_field(90, line_y, line[:40], 30, "1"))
        line_y += 38
    lines += [
        f"^FO20,{y + 520}^GB772,3,3^FS",
        _field(20, y + 535, "FROM", 20),
        _field(
            110, y + 535, f"{data.sender.name} {data.sender.phone}".strip(), 24, "1"
        ),
        f"^FO20,{y + 600}^GB772,3,3^FS",
        f"^FO20,{y + 620}^BY2^BCN,100,Y,N,N^FH^FD{_fh(data.item_code)}^FS",
    ]
    if data.order_ref:
        lines.append(_field(20, y + 770, f"Order {data.order_ref}", 26))
    if data.certificate_url:
        lines.append(f"^FO560,{y + 610}^BQN,2,5^FH^FDMA,{_fh(data.certificate_url)}^FS")
        lines.append(_field(560, y + 860, "Scan to verify", 22))
    lines.append("^PQ1")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"
