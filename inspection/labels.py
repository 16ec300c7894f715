"""The item's own label (the warehouse's unit barcode), for a reprint.

A pure function: plain data in, PDF bytes out. One 60x40 mm page for a
thermal label printer: the item code as Code128 and in print, the title,
merchant, category and warehouse, so a worn or lost label can be replaced at
the bench without the inspection screen.
"""

import io
from dataclasses import dataclass

from reportlab.lib.units import mm

from .pdf import draw_code128, draw_text, pdf_canvas, wrap_text

W, H = 60 * mm, 40 * mm
M = 2.5 * mm


@dataclass(frozen=True)
class ItemLabelData:
    code: str
    title: str
    merchant: str
    category: str
    warehouse: str
    sku: str = ""


def item_label_pdf(data: ItemLabelData) -> bytes:
    """One 60x40 mm page; the same data gives the same bytes."""
    out = io.BytesIO()
    c = pdf_canvas(out, (W, H))
    c.setTitle(data.code)
    draw_code128(c, data.code, M, H - M - 14 * mm, W - 2 * M, 13 * mm)
    t = c.beginText()
    draw_text(t, M, H - M - 18 * mm, data.code, 11, bold=True)
    y = H - M - 22 * mm
    for line in wrap_text(data.title, W - 2 * M, 7, 2):
        draw_text(t, M, y, line, 7)
        y -= 8.5
    draw_text(t, M, y, f"{data.merchant} · {data.category}", 6)
    draw_text(t, M, M, f"{data.warehouse}  {data.sku}", 6)
    c.drawText(t)
    c.showPage()
    c.save()
    return out.getvalue()
