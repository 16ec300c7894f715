"""Codes drawn on a PDF page: the QR code of a link and the Code 128 barcode
of a value, each one path of rectangles, filled once.

The QR code is encoded by zxing-cpp (C++: a fortieth of the time of a
pure-Python encoder's search for the best mask) and drawn as one rectangle
per run of dark modules; the Code 128 barcode as one rectangle a bar.
"""

import re
from functools import lru_cache

import zxingcpp
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import white
from reportlab.pdfgen.canvas import Canvas

from .text import INK

_DARK = re.compile(rb"\x00+")
_NUMBERS = tuple(map(str, range(256)))


# Each page has its own link: keep only the last few (a page rendered again at
# once, a label printed twice).
@lru_cache(maxsize=8)
def _qr_path(url: str) -> tuple[int, str]:
    """The QR code of ``url`` (error correction level M, the mask chosen by
    the standard's penalty rules): its size in modules and the PDF path of its
    dark modules, one rectangle per run of them, in module units with rows
    counted downwards from the top."""
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(symbol.to_image(scale=1, add_quiet_zones=False))
    modules, width = image.shape
    pixels = image.tobytes()  # one byte a module, 0 for dark
    # The rows one after the other, a light module between them: no run of
    # dark ones goes on from one row into the next.
    stride = width + 1
    rows = b"\xff".join(pixels[n : n + width] for n in range(0, modules * width, width))
    number = _NUMBERS
    path = []
    for run in _DARK.finditer(rows):
        start, end = run.span()
        row, column = divmod(start, stride)
        path += (number[column], " ", number[row], " ", number[end - start], " 1 re\n")
    return modules, "".join(path)


def qr_modules(url: str) -> int:
    """The side of ``url``'s QR code in modules (17 + 4 x its version)."""
    return _qr_path(url)[0]


def draw_qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``url`` in a square of ``size`` points at (x, y):
    its dark modules are one path, filled once."""
    modules, path = _qr_path(url)
    quiet = 2
    unit = size / (modules + 2 * quiet)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(INK)
    c.saveState()
    # Module units, y downwards: (column, row) is the module's top left corner.
    c.transform(unit, 0, 0, -unit, x + quiet * unit, y + size - quiet * unit)
    c.addLiteral(path + "f")
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
