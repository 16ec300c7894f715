"""Photos on a PDF page: a JPEG embedded as its own bytes, any other image
through reportlab, and photos of their own aspect ratios laid out in rows
(:func:`photo_grid`).
"""

import contextlib
import io

from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfutils import readJPEGInfo
from reportlab.pdfgen.canvas import Canvas, _digester

from .text import RULE


class Photo:
    """A photo to draw. A JPEG is embedded as its own bytes (DCTDecode): never
    decoded, re-compressed or re-encoded as text, its size read from its
    header; any other image (a PNG) goes through reportlab's ``drawImage``."""

    def __init__(self, data: bytes):
        self.data = data
        self.jpeg = None  # (width, height, components) of a JPEG
        if data[:2] == b"\xff\xd8":
            # A JPEG reportlab cannot read (12 bits, lossless) is drawn by
            # drawImage, decoded.
            with contextlib.suppress(Exception):
                self.jpeg = readJPEGInfo(io.BytesIO(data))[:3]
        if self.jpeg is None:
            self.reader = ImageReader(io.BytesIO(data))

    def getSize(self) -> tuple[int, int]:
        return self.jpeg[:2] if self.jpeg else self.reader.getSize()


JPEG_COLOUR_SPACES = {1: "DeviceGray", 3: "DeviceRGB", 4: "DeviceCMYK"}


def draw_photo(c: Canvas, image: Photo, x: float, y: float, w: float, h: float):
    """Draw ``image`` in the box (x, y, w, h); a JPEG as an image object of
    its own bytes, named by their digest (the same photo twice on a page is
    one object)."""
    if image.jpeg is None:
        c.drawImage(image.reader, x, y, w, h)
        return
    doc = c._doc
    name = _digester(image.data)
    internal = doc.getXObjectName(name)
    if internal not in doc.idToObject:
        width, height, components = image.jpeg
        found = pdfdoc.PDFImageXObject(name)
        found.width, found.height = width, height
        found.bitsPerComponent = 8
        found.colorSpace = JPEG_COLOUR_SPACES.get(components, "DeviceCMYK")
        if components == 4:
            found._dotrans = 1  # as reportlab: Adobe's CMYK JPEGs are inverted
        found.streamContent = image.data
        found._filters = ("DCTDecode",)
        found.mask = None
        doc.Reference(found, internal)
    c._currentPageHasImages = 1
    c._code.append(f"q {fp_str(w, 0, 0, h, x, y)} cm /{internal} Do Q")
    c._formsinuse.append(name)


def draw_photo_square(c: Canvas, data: bytes, x: float, y: float, box: float) -> None:
    """The photo in a square of ``box`` points at (x, y), whole, centred."""
    image = Photo(data)
    w, h = image.getSize()
    scale = box / max(w, h)
    dw, dh = w * scale, h * scale
    c.setStrokeColor(RULE)
    c.rect(x, y, box, box, stroke=1, fill=0)
    draw_photo(c, image, x + (box - dw) / 2, y + (box - dh) / 2, dw, dh)


PHOTO_GAP = 8.0
PHOTO_MAX_H = 250.0
"""The photos' height when the page has room (one photo of 4:3 is then about
a third of the page's area above the checks)."""
PHOTO_MIN_H = 96.0
"""Below this a photo row is not worth the space: one photo goes beside the
verdict, as a thumbnail, instead."""


def photo_grid(
    images: list[Photo], aspects: list[float], width: float, height: float, rows: int
) -> tuple[float, list[list[tuple[Photo, float]]]]:
    """The photos in ``rows`` rows ``width`` wide, all of one height, the
    rows together at most ``height`` tall: as many photos as stay at least
    :data:`PHOTO_MIN_H` tall (the first ones), each at its own aspect ratio.
    Returns the rows' height and each row's photos with their widths (a row
    height of 0 and no rows when not even one photo a row fits)."""
    for count in range(len(images), rows - 1, -1):
        per_row = -(-count // rows)
        chunks = [range(n, min(n + per_row, count)) for n in range(0, count, per_row)]
        row_h = (height - PHOTO_GAP * (len(chunks) - 1)) / len(chunks)
        for chunk in chunks:
            room = width - PHOTO_GAP * (len(chunk) - 1)
            row_h = min(row_h, room / sum(aspects[n] for n in chunk))
        if row_h >= PHOTO_MIN_H or count == rows:
            return row_h, [
                [(images[n], row_h * aspects[n]) for n in chunk] for chunk in chunks
            ]
    return 0.0, []
