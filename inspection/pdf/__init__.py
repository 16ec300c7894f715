"""The product's PDFs, drawn on the canvas directly: plain data in, bytes out,
no ORM; the same data gives the same bytes.

- :mod:`.text`: the canvas every document is drawn on (:func:`pdf_canvas`,
  fonts embedded as subsets), text in runs of one font, widths, wrapping, and
  the page's one text object (:func:`draw_text`);
- :mod:`.codes`: QR codes and Code 128 barcodes, each one path filled once;
- :mod:`.photos`: photos (a JPEG embedded as its own bytes) and their rows;
- :mod:`.forms`: what every page of a kind draws the same, kept per process
  as form objects (:class:`Plan`, :func:`draw_plan`);
- :mod:`.certificate`: the inspection certificate (:func:`certificate_pdf`).

fulfilment's labels and manifests draw with the same helpers.
"""

from .certificate import CertificateData, CheckLine, certificate_pdf
from .codes import draw_code128, draw_qr, qr_modules
from .forms import FORMS, Plan, draw_plan
from .photos import PHOTO_MIN_H, Photo, draw_photo, photo_grid
from .text import (
    Text,
    draw_text,
    languages,
    local_time,
    pdf_canvas,
    text_width,
    wrap_text,
)

__all__ = [
    "FORMS",
    "PHOTO_MIN_H",
    "CertificateData",
    "CheckLine",
    "Photo",
    "Plan",
    "Text",
    "certificate_pdf",
    "draw_code128",
    "draw_photo",
    "draw_plan",
    "draw_qr",
    "draw_text",
    "languages",
    "local_time",
    "pdf_canvas",
    "photo_grid",
    "qr_modules",
    "text_width",
    "wrap_text",
]
