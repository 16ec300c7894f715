"""Shipping labels: 4x6 in PDF and ZPL II, pure functions, plain data in.

:func:`label_pdf` draws one 288x432 pt page with reportlab (its fonts
embedded as the certificate's are, :mod:`inspection.fonts`):
carrier and sort code, the tracking number as Code128, recipient and sender,
the item code as Code128, the certificate's QR code, order and date in the
warehouse's time zone, and a banner on returns. The same data gives the same
bytes. The label prints what it is given: the labels service gives it a
buyer's name and phone masked and the carrier's virtual number, if any (a
privacy waybill, :func:`fulfilment.masking.recipient_on_label`).
:func:`label_zpl` writes the same label for 203 dpi thermal printers; user
text goes through ``^FH`` hex escapes so an address cannot inject ZPL
commands.

Chinese on a thermal printer: by default every field that is not plain
ASCII is drawn as a bitmap (``^GF``), rasterised with the PDF's CJK font
(:func:`inspection.fonts.raster_font`), so any Zebra-compatible printer
prints it, one without a CJK font too. A printer that has a CJK font can be
given its name (``printer_font``, e.g. ``E:SIMSUN.FNT``): such fields are
then sent as UTF-8 text in that font (``^CI28``, ``^A@``), which is smaller.
A station names its printer's font in :class:`fulfilment.models.StationPrinter`;
the labels service renders a parcel's stored label for the printer of the
station that packed it.
"""

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw
from reportlab.lib.colors import HexColor, black, white

from inspection.fonts import raster_font
from inspection.pdf import (
    draw_code128,
    draw_qr,
    local_time,
    pdf_canvas,
    qr_modules,
    wrap_text,
)
from inspection.pdf import draw_text as _draw_text

from .carriers import Address

W, H = 288.0, 432.0  # 4 x 6 in
M = 10.0
# Black on white, and a neutral grey for the small captions: a carrier's
# label is printed in one ink (thermal printers have no other).
INK = black
MUTED = HexColor("#4d4d4d")

# The label's fixed words, in both languages (the PDF and the ZPL alike).
RETURN = "RETURN TO MERCHANT 退回商家"
TO, FROM = "收 TO", "寄 FROM"
ITEM, ORDER = "Item 物品", "Order 订单"
VERIFY = "Scan to verify 扫码验证"
VIRTUAL = "Virtual no. 虚拟号"
RECURRING = "".join((RETURN, TO, FROM, ITEM, ORDER, VERIFY, VIRTUAL))


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
    # The carrier's virtual number for the recipient ("" none): the courier
    # calls it instead of the recipient's phone, which the label masks.
    virtual_number: str = ""


def draw_text(t, x, y, text, size, *, colour=INK, **kw) -> None:
    """The certificate's text drawing, in the label's black by default."""
    _draw_text(t, x, y, text, size, colour=colour, **kw)


def _name_phone(address: Address, gap: str = " ") -> str:
    """The name and the phone, whichever are given: no dangling separator."""
    return gap.join(p.strip() for p in (address.name, address.phone) if p.strip())


def _address_lines(address: Address) -> list[str]:
    place = " ".join(p for p in (address.province, address.city, address.postcode) if p)
    return [line for line in (place, *address.lines.splitlines()) if line.strip()]


def label_pdf(data: LabelData) -> bytes:
    """One 4x6 in page: what a carrier's sorter and a courier need."""
    return labels_pdf([data], title=f"{data.carrier_name} {data.tracking_number}")


def labels_pdf(labels: Iterable[LabelData], *, title: str = "") -> bytes:
    """Labels one after the other, a 4x6 in page each, in one document (a
    wave printed at once); its fonts are embedded once for every page."""
    out = io.BytesIO()
    c = pdf_canvas(out, (W, H), RECURRING)
    if title:
        c.setTitle(title)
    for data in labels:
        _label_page(c, data)
    c.save()
    return out.getvalue()


def _label_page(c, data: LabelData) -> None:
    """Draw one label on the canvas's current page, and end the page."""
    t = c.beginText()
    c.setStrokeColor(INK)
    c.setLineWidth(1)
    y = H - M
    if data.kind == "return":  # black on white, as a carrier's sorter reads it
        c.setFillColor(black)
        c.rect(0, H - 24, W, 24, stroke=0, fill=1)
        draw_text(t, M, H - 17, RETURN, 12, bold=True, colour=white)
        y -= 24
    c.setFillColor(black)  # the barcodes' bars
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
    draw_text(t, M + 30, y - 14, _name_phone(recipient, "  "), 12, bold=True)
    line_y = y - 30
    if data.virtual_number:
        draw_text(t, M + 30, y - 27, f"{VIRTUAL} {data.virtual_number}", 9, bold=True)
        line_y = y - 40
    for line in _address_lines(recipient)[:3]:
        for part in wrap_text(line, W - 2 * M - 30, 10, 2):
            draw_text(t, M + 30, line_y, part, 10)
            line_y -= 12
    y -= 80
    c.line(M, y, W - M, y)
    draw_text(t, M, y - 11, FROM, 7, colour=MUTED)
    sender = data.sender
    draw_text(t, M + 36, y - 11, _name_phone(sender), 8)
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


def _ascii(text: str) -> bool:
    return all(" " <= char <= "~" for char in text)


# Dots at or above this grey are black (the glyphs are drawn anti-aliased).
_THRESHOLD = [0] * 128 + [255] * 128
# Room either side of a glyph's advance for ink that overhangs it.
_PAD = 4


@lru_cache(maxsize=4096)
def _glyph(char: str, height: int) -> tuple[float, Image.Image]:
    """One character at ``height`` dots: its advance and its dots (mode
    ``1``, drawn :data:`_PAD` dots right of the image's left edge). Kept: a
    label's texts are made of a few hundred characters."""
    font = raster_font(height)
    ascent, descent = font.getmetrics()
    advance = font.getlength(char)
    image = Image.new("L", (int(advance) + 1 + 2 * _PAD, ascent + descent), 0)
    ImageDraw.Draw(image).text((_PAD, 0), char, fill=255, font=font)
    return advance, image.point(_THRESHOLD).convert("1")


@lru_cache(maxsize=256)
def text_bitmap(text: str, height: int) -> tuple[int, int, bytes]:
    """``text`` rasterised ``height`` dots tall: ``(bytes per row, rows, bits)``,
    one bit a dot, 1 black, each row padded to whole bytes (as ``^GF`` takes).

    Composed of its characters' kept dots (:func:`_glyph`), each at its
    advance rounded to a whole dot: a label's names, numbers and addresses
    are new on every label, their characters are not, and rendering a text
    whole costs a millisecond where composing it costs a few microseconds
    a character.
    """
    glyphs = [_glyph(char, height) for char in text]
    rows = glyphs[0][1].height if glyphs else sum(raster_font(height).getmetrics())
    width = max(1, int(sum(advance for advance, _image in glyphs)) + 1)
    bits = Image.new("1", (width, rows), 0)
    x = 0.0
    for advance, image in glyphs:
        bits.paste(1, (round(x) - _PAD, 0), mask=image)
        x += advance
    return (width + 7) // 8, rows, bits.tobytes()


def _graphic(x: int, y: int, text: str, height: int, reverse: bool = False) -> str:
    """``text`` as a ``^GF`` bitmap field: prints on any printer."""
    per_row, _rows, bits = text_bitmap(text, height)
    size = len(bits)
    flip = "^FR" if reverse else ""
    return f"^FO{x},{y}{flip}^GFA,{size},{size},{per_row},{bits.hex().upper()}^FS"


def _field(
    x: int,
    y: int,
    text: str,
    height: int = 30,
    *,
    printer_font: str = "",
    reverse: bool = False,
) -> str:
    """A text field: ASCII in the printer's own font 0; anything else as a
    bitmap, or in ``printer_font`` when the printer has a CJK font."""
    flip = "^FR" if reverse else ""
    if _ascii(text):
        return f"^FO{x},{y}{flip}^A0N,{height},{height}^FH^FD{_fh(text)}^FS"
    if printer_font:
        return (
            f"^FO{x},{y}{flip}^A@N,{height},{height},{printer_font}^FH^FD{_fh(text)}^FS"
        )
    return _graphic(x, y, text, height, reverse)


@lru_cache(maxsize=1024)
def _wrap_dots(text: str, height: int, width: int, max_lines: int) -> tuple[str, ...]:
    """Lines of ``text`` at ``height`` dots no wider than ``width`` dots.

    Measured by its characters' kept advances (:func:`_glyph`), as its bitmap
    is composed. Cached: a wave's labels repeat the sender's lines.
    """
    text = " ".join(text.split())
    if not text:
        return ()
    advances = [_glyph(char, height)[0] for char in text]
    if sum(advances) <= width:
        return (text,)
    lines: list[str] = []
    line, used = "", 0.0
    for char, advance in zip(text, advances, strict=True):
        if line and used + advance > width:
            lines.append(line)
            line = char.lstrip()
            used = advance if line else 0.0
            if len(lines) == max_lines:
                break
        else:
            line += char
            used += advance
    else:
        if line:
            lines.append(line)
    return tuple(lines[:max_lines])


ZPL_QR_BOX = 310
"""Dots (203 dpi) the ZPL label's QR code may take, across and down."""
# Bytes a QR code of level M holds in byte mode, by version (1-20).
_QR_M_BYTES = (14, 26, 42, 62, 84, 106, 122, 152, 180, 213)
_QR_M_BYTES += (251, 287, 331, 362, 412, 450, 504, 560, 624, 666)


def _zpl_qr_modules(url: str) -> int:
    """The side in modules of ``url``'s QR code as the printer may encode it:
    ours (mixed modes) or all in byte mode (its automatic mode may not mix),
    whichever is larger."""
    size = len(url.encode())
    version = next(
        (v for v, room in enumerate(_QR_M_BYTES, 1) if room >= size),
        len(_QR_M_BYTES),
    )
    return max(qr_modules(url), 17 + 4 * version)


def label_zpl(data: LabelData, *, printer_font: str = "") -> str:
    """The same label in ZPL II for a 203 dpi 4x6 in printer (812 x 1218 dots).

    ``printer_font``: the name of a CJK font the printer has (e.g.
    ``E:SIMSUN.FNT``); without one, Chinese is drawn as bitmaps.
    """

    def field(x, y, text, height=30, **kw):
        return _field(x, y, text, height, printer_font=printer_font, **kw)

    lines = [
        "^XA",
        "^CI28",  # field data is UTF-8
        "^PW812",
        "^LL1218",
        "^LH0,0",
    ]
    y = 20
    if data.kind == "return":
        lines.append("^FO0,0^GB812,60,60^FS")
        lines.append(field(20, 10, RETURN, 40, reverse=True))
        y = 80
    recipient, sender = data.recipient, data.sender
    lines += [
        field(20, y, data.carrier_name, 50),
        field(520, y, data.sort_code, 50),
        f"^FO20,{y + 70}^GB772,3,3^FS",
        f"^FO40,{y + 90}^BY3^BCN,180,Y,N,N^FH^FD{_fh(data.tracking_number)}^FS",
        f"^FO20,{y + 320}^GB772,3,3^FS",
        field(20, y + 340, TO, 24),
        field(110, y + 336, _name_phone(recipient), 36),
    ]
    line_y = y + 384
    if data.virtual_number:
        lines.append(field(110, y + 380, f"{VIRTUAL} {data.virtual_number}", 26))
        line_y = y + 414
    for line in _address_lines(recipient)[:3]:
        for part in _wrap_dots(line, 28, 680, 2):
            if line_y > y + 500:
                break
            lines.append(field(110, line_y, part, 28))
            line_y += 34
    lines += [
        f"^FO20,{y + 520}^GB772,3,3^FS",
        field(20, y + 532, FROM, 20),
        field(110, y + 530, _name_phone(sender), 24),
    ]
    for i, line in enumerate(_address_lines(sender)[:2]):
        part = _wrap_dots(line, 20, 680, 1)
        if part:
            lines.append(field(110, y + 558 + 20 * i, part[0], 20))
    lines += [
        f"^FO20,{y + 600}^GB772,3,3^FS",
        f"^FO20,{y + 620}^BY2^BCN,100,Y,N,N^FH^FD{_fh(data.item_code)}^FS",
        field(20, y + 770, f"{ITEM} {data.item_code}", 26),
    ]
    if data.order_ref:
        lines.append(field(20, y + 806, f"{ORDER} {data.order_ref}", 24))
    lines.append(field(20, y + 840, local_time(data.created_at, data.time_zone), 20))
    if data.certificate_url:
        # The link carries the certificate's seal (version 12 as we encode
        # it, 65 modules; 14 or 15, up to 77, by a printer encoding it all
        # as bytes): 4 dots (0.5 mm) a module then, 5 for a short link,
        # within the 310 dots right of the item's barcode, right-aligned.
        modules = _zpl_qr_modules(data.certificate_url)
        dots = min(5, max(3, ZPL_QR_BOX // modules))
        left = 792 - dots * modules
        url = _fh(data.certificate_url)
        lines.append(f"^FO{left},{y + 610}^BQN,2,{dots}^FH^FDMA,{url}^FS")
        lines.append(field(540, y + 620 + dots * modules, VERIFY, 22))
    lines.append("^PQ1")
    lines.append("^XZ")
    return "\n".join(lines) + "\n"
