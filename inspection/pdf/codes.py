"""Codes drawn on a PDF page: the QR code of a link and the Code 128 barcode
of a value, each one path of rectangles, filled once.

The QR code is encoded by zxing-cpp, its mask pattern chosen by
:mod:`.qrmask` (the same choice, in a fraction of the time), and drawn as
one image mask of its modules; the Code 128 barcode as one rectangle a bar.
"""

from functools import lru_cache

import zxingcpp
from PIL import Image
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import white
from reportlab.pdfgen.canvas import Canvas

from .qrmask import mask_best
from .text import INK


# Each page has its own link: keep only the last few (a page rendered again at
# once, a label printed twice).
@lru_cache(maxsize=8)
def _qr_mask(url: str) -> tuple[int, str]:
    """The QR code of ``url`` (error correction level M, the mask chosen by
    the standard's penalty rules): its size in modules and its modules as a
    PDF inline image mask, one bit a module (0 dark, painted in the fill
    colour; 1 light, left as it is), hex-encoded, rows from the top.

    A link with its seal (issue 22) is a version 12 code: one rectangle per
    run of dark modules was about a thousand rectangles, 14 KB of path for
    each page to write and compress; the mask is 0.6 KB."""
    image = _qr_image(url, mask=0)
    mask = mask_best(image.tobytes(), image.shape[0])
    if mask:
        image = _qr_image(url, mask=mask)
    modules, width = image.shape
    # One byte a module, 0 for dark: packed eight to a byte, each row padded.
    bits = Image.frombytes("L", (width, modules), image.tobytes()).convert("1")
    return modules, bits.tobytes().hex()


def _qr_image(url: str, *, mask: int) -> memoryview:
    """The modules of ``url``'s QR code (level M) with mask pattern ``mask``,
    a byte each (0 dark), rows from the top, no quiet zone."""
    symbol = zxingcpp.create_barcode(
        url, zxingcpp.BarcodeFormat.QRCode, ec_level="M", data_mask=mask
    )
    return memoryview(symbol.to_image(scale=1, add_quiet_zones=False))


def qr_modules(url: str) -> int:
    """The side of ``url``'s QR code in modules (17 + 4 x its version)."""
    return _qr_mask(url)[0]


def draw_qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``url`` in a square of ``size`` points at (x, y),
    with a quiet zone of two modules: its modules are one image mask,
    painted once in ink."""
    modules, data = _qr_mask(url)
    quiet = 2
    unit = size / (modules + 2 * quiet)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(INK)
    c.saveState()
    # The image's unit square, scaled to the modules' square inside the quiet
    # zone (an image is drawn from its top row down).
    side = unit * modules
    c.transform(side, 0, 0, side, x + quiet * unit, y + quiet * unit)
    c.addLiteral(
        f"BI /W {modules} /H {modules} /IM true /BPC 1 /F /AHx ID\n{data}>\nEI"
    )
    c.restoreState()


def _code128_path(value: str) -> tuple[int, str]:
    """The Code 128 symbol of ``value`` (no quiet zone): its width in modules
    and the PDF path of its bars, one rectangle each, a module wide and tall
    units."""
    barcode = Code128(value, barWidth=1, quiet=False)
    barcode.validate()
    barcode.encode()
    barcode.decompose()
    path = []
    left = 0
    # reportlab's decomposition: a bar of n modules is the n-th capital
    # letter, a space of n modules the n-th small one.
    for element in barcode.decomposed:
        modules = ord(element) & 0x1F
        if element.isupper():
            path.append(f"{left} 0 {modules} 1 re")
        left += modules
    return left, "\n".join(path)


def draw_code128(
    c: Canvas, value: str, x: float, y: float, width: float, height: float
):
    """Draw the Code 128 barcode of ``value`` at (x, y), ``height`` tall and
    at most ``width`` wide (1.6 points a module at most), in the current
    fill colour: its bars one path, filled once."""
    modules, path = _code128_path(value)
    scale = min(1.6, width / modules)
    c.saveState()
    c.transform(scale, 0, 0, height, x, y)
    c.addLiteral(path + "\nf")
    c.restoreState()
