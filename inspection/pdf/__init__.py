"""The certificate PDF: one A4 page, Chinese and English, plain data in, bytes out.

No ORM here: :func:`certificate_pdf` takes a :class:`CertificateData` and
returns the PDF's bytes, the same bytes for the same data (the canvas is
``invariant``), so their SHA-256 identifies the document.

What the checks leave of the page goes to the inspection's photos, whole and
as large as fits, beside the verdict or in rows under it
(:func:`_photo_layout`); a page too full of checks keeps a thumbnail.

Fonts (:mod:`inspection.fonts`): Latin text in Vera Sans, everything else in
a CJK TrueType font, each embedded as the subset of glyphs the page uses, so
the page looks the same in every viewer, one without Chinese fonts included.

Speed (DESIGN.md section 8 asks for 100 certificates per second per core,
issue 20 for 300): fonts are loaded once per process; what is the same on
every certificate of a template (band, labels, category, the checks' names,
rules and verdicts, footer) is drawn once per process into two form objects,
kept compressed and shown with one ``Do`` in each document
(:func:`_draw_plan`); a JPEG photo is embedded as its own bytes (:class:`_Photo`);
the QR code is encoded by zxing-cpp (C++: a fortieth of the time of a
pure-Python encoder's search for the best mask) and drawn as one path of a
rectangle per run of dark modules, filled once, and so is the Code 128
barcode, one rectangle a bar; the operators that show a recurring text
(labels, a template's texts) are kept from page to page (:func:`_text`), and
so are the formatted objects of the font subsets (:mod:`inspection.fonts`);
everything is drawn on the canvas directly, without platypus.
"""

import contextlib
import datetime as dt
import io
import re
import zlib
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

import zxingcpp
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfutils import readJPEGInfo
from reportlab.pdfgen.canvas import Canvas, _digester
from reportlab.pdfgen.textobject import PDFTextObject

from .fonts import (
    CJK,
    SANS_BOLD,
    Fixed,
    Kept,
    _Slot,
    _Template,
    _template,
    document_begin,
    fixed_codes,
    latin_chars,
    pdf_fonts,
)

PAGE_W, PAGE_H = A4
MARGIN = 36.0
INK = HexColor("#111827")
MUTED = HexColor("#4b5563")
RULE = HexColor("#d1d5db")
BAND = HexColor("#0f3d3e")
PALE = HexColor("#f3f4f6")
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


Text = str | tuple[str, str]
"""What a cell says: one text (data, a number, a certificate issued before
certificates stated facts) or ``(Chinese, English)``, printed one under the
other (once when both are the same)."""


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


def _is_cjk(char: str) -> bool:
    return ord(char) > 0x2E7F


# The caches below hold what recurs from page to page (labels, rules, the
# template's texts: a few hundred strings). Numbers, codes, addresses and
# verification links are new on every page and never hit again; a long-lived
# worker renders tens of thousands of pages, so the caches stay small enough
# that those strings cannot pile up in memory (bench/worker_memory.py).
TEXT_CACHE_SIZE = 1024


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _runs(text: str, bold: bool) -> tuple[tuple[str, str], ...]:
    """``text`` cut into runs of one font: regular text all in the CJK font
    (its Latin letters too: one run, one subset to draw from), bold text in
    the Latin bold font where it has the character, the rest in the CJK font."""
    if not bold:
        return ((text, CJK),)
    has = latin_chars()
    runs: list[tuple[str, str]] = []
    for char in text:
        font = SANS_BOLD if ord(char) in has else CJK
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + char, font)
        else:
            runs.append((char, font))
    return tuple(runs)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _width(text: str, size: float, bold: bool = False) -> float:
    return sum(
        pdfmetrics.stringWidth(run, font, size) for run, font in _runs(text, bold)
    )


class _Canvas(Canvas):
    """A canvas that knows which characters' codes its document fixed."""

    fixed: Fixed
    colour: tuple[PDFTextObject | None, Color | None] = (None, None)


# A recurring run's operators, by the codes of its document (Fixed.key), font,
# text and size: labels and a template's texts; see TEXT_CACHE_SIZE.
SHOWN = Kept(4 * TEXT_CACHE_SIZE)


def _show(c: _Canvas, font_name: str, run: str, size: float) -> str:
    """The operators that show ``run`` in ``font_name`` at ``size``: for each
    of the font's subsets it takes characters from, select it and show them."""
    font = pdfmetrics.getFont(font_name)
    doc = c._doc
    size = fp_str(size)
    return " ".join(
        f"{font.getSubsetInternalName(subset, doc)} {size} Tf ({escapePDF(codes)}) Tj"
        for subset, codes in font.splitString(run, doc)
    )


def _show_fixed(c: _Canvas, font_name: str, run: str, size: float) -> str:
    """:func:`_show` for a run of characters whose codes the document's
    beginning fixed (:func:`inspection.fonts.fixed_codes`): the same
    operators, the codes translated rather than looked up one by one."""
    codes, low = fixed_codes(c.fixed.key)[font_name]
    coded = run.translate(codes)
    subset = ord(min(coded)) >> 8 if coded else -1
    if ord(max(coded, default="\0")) >> 8 != subset:  # none, or two subsets
        return _show(c, font_name, run, size)
    font = pdfmetrics.getFont(font_name)
    name = font.getSubsetInternalName(subset, c._doc)
    shown = escapePDF(run.translate(low).encode("latin-1"))
    return f"{name} {fp_str(size)} Tf ({shown}) Tj"


@lru_cache(maxsize=64)
def _fill(colour: Color) -> str:
    return f"{fp_str(colour.red, colour.green, colour.blue)} rg"


def _text(
    t: PDFTextObject,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    bold=False,
    colour=INK,
    right=False,
) -> None:
    """Write ``text`` at (x, y) into the page's one text object.

    One text object for the whole page (rather than one per string) halves
    the cost of the page: text is drawn last, over every shape. A run of
    the document's recurring text (a label, a template's text: its codes
    fixed when the document began, :func:`inspection.fonts.document_begin`)
    is shown by the operators kept from an earlier document with the same
    codes; the text object's own ``textOut`` would split it into subsets and
    measure it again each time. Only those are kept: what is new on every
    page (numbers, names) would only churn the cache.
    """
    if right:
        x -= _width(text, size, bold)
    c = t._canvas
    t.setTextOrigin(x, y)
    kept_t, kept_colour = c.colour
    if kept_t is not t or kept_colour is not colour:
        if colour.alpha == 1 and c._extgstate.getValue("ca") == 1:
            t._code.append(_fill(colour))  # what setFillColor writes then
        else:
            t.setFillColor(colour)
        c.colour = (t, colour)
    fixed = c.fixed
    for run, font in _runs(text, bold):
        if not fixed.chars[font].issuperset(run):
            shown = _show(c, font, run, size)
        elif run in fixed.recurring:
            shown = SHOWN.get(
                (fixed.key, font, run, size),
                lambda font=font, run=run: _show(c, font, run, size),
            )
        else:
            shown = _show_fixed(c, font, run, size)
        t._code.append(shown)


def _wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``: words kept whole where they fit,
    Chinese broken anywhere; an ellipsis when it needs more than ``max_lines``."""
    text = " ".join(str(text).split())
    if _width(text, size) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        candidate = line + token
        if _width(candidate, size) <= width:
            line = candidate
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while _width(line, size) > width:  # one token wider than the cell
            cut = len(line)
            while cut > 1 and _width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _width(last + "…", size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _tokens(text: str):
    """Words with their leading space; each CJK character is a token of its own."""
    word = ""
    for char in text:
        if char == " ":
            if word:
                yield word
            word = " "
        elif _is_cjk(char):
            if word:
                yield word
            word = ""
            yield char
        else:
            word += char
    if word:
        yield word


def pdf_canvas(out, pagesize, recurring: str = "") -> Canvas:
    """A canvas whose fonts are embedded subsets (:mod:`inspection.fonts`).

    ``recurring``: the text every page of this kind shows (its labels), whose
    characters get the first, cached, subsets. The same data gives the same
    bytes (``invariant``).
    """
    pdf_fonts()
    c = _Canvas(
        out, pagesize=pagesize, invariant=1, pageCompression=1, initialFontName=CJK
    )
    c.fixed = document_begin(c, recurring)
    return c


def _languages(text: Text) -> tuple[str, ...]:
    """A cell's texts: Chinese then English, or its one text."""
    if isinstance(text, str):
        return (text,)
    zh, en = text
    return (zh,) if zh == en or not en else (zh, en) if zh else (en,)


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


def _qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
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


def _code128(c: Canvas, value: str, x: float, y: float, width: float, height: float):
    """Draw the Code 128 barcode of ``value`` at (x, y), ``height`` tall and
    at most ``width`` wide (1.6 points a module at most), in the current
    fill colour: its bars one path, filled once."""
    modules, path = _code128_path(value)
    scale = min(1.6, width / modules)
    c.saveState()
    c.transform(scale, 0, 0, height, x, y)
    c.addLiteral(path + "\nf")
    c.restoreState()


class _Photo:
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


def _draw_photo(c: Canvas, image: _Photo, x: float, y: float, w: float, h: float):
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


def _photo(c: Canvas, data: bytes, x: float, y: float, box: float) -> None:
    """The photo in a square of ``box`` points at (x, y), whole, centred."""
    image = _Photo(data)
    w, h = image.getSize()
    scale = box / max(w, h)
    dw, dh = w * scale, h * scale
    c.setStrokeColor(RULE)
    c.rect(x, y, box, box, stroke=1, fill=0)
    _draw_photo(c, image, x + (box - dw) / 2, y + (box - dh) / 2, dw, dh)


PHOTO_GAP = 8.0
PHOTO_MAX_H = 250.0
"""The photos' height when the page has room (one photo of 4:3 is then about
a third of the page's area above the checks)."""
PHOTO_MIN_H = 96.0
"""Below this a photo row is not worth the space: one photo goes beside the
verdict, as a thumbnail, instead."""


def _photo_grid(
    images: list[_Photo], aspects: list[float], width: float, height: float, rows: int
) -> tuple[float, list[list[tuple[_Photo, float]]]]:
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
    images = [_Photo(photo) for photo in data.photos]
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
            row_h, grid = _photo_grid(
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


def _local(moment: dt.datetime, zone: str) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} ({zone})"


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
    its kept forms show, :func:`_draw_plan`)."""
    texts = [
        RECURRING,
        data.warehouse_name,
        data.warehouse_address,
        f"{data.category_zh} {data.category}",
    ]
    for check in data.checks:
        texts += [check.label_zh, check.label, *_languages(check.rule)]
    return "".join(texts)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def _cell(text: Text, width: float) -> tuple[tuple[str, Color], ...]:
    """A cell's lines: Chinese in ink, English beneath in grey."""
    lines = []
    for n, language in enumerate(_languages(text or NONE)):
        colour = INK if n == 0 else MUTED
        lines += [
            (line, colour) for line in _wrap(language, width, CELL_SIZE, CELL_LINES)
        ]
    return tuple(lines)


# --- the page's static layout, kept as form objects ---------------------------------
#
# Most of a certificate is the same on every certificate of its template: the
# header band, the labels, the category, each check's name and rule, the
# verdicts, the footer. Those are drawn once per process into a form object
# (a PDF "XObject" of subtype Form) whose content stream is kept compressed;
# each document embeds the kept stream as it is and shows it with one ``Do``.
# Its text is shown in the font subsets that :func:`inspection.fonts.
# document_begin` gives the same codes and names in every document that
# begins with the same recurring text (:class:`Fixed`), so a form kept from
# one document shows the same text in the next; a form whose text is not all
# in those subsets is drawn on the page instead (:meth:`_Plan.fixed_in`).

FORM_CACHE_SIZE = 256
FORMS = Kept(FORM_CACHE_SIZE)
"""The kept forms, by their document's recurring codes and what they draw:
a template's layout variants (number of lines of its item block, verdict,
where its photos go), so a few per template."""

FORM_BOX = (0.0, -PAGE_H, PAGE_W, PAGE_H)
"""The forms' bounding box: the page, and room below a form placed lower
down (the check table's form is drawn relative to the table's top)."""


class _Plan:
    """What one part of the page draws, in order: filled rectangles and
    lines, then texts (drawn over them). Its :meth:`key` is what it draws,
    so two equal plans make the same form."""

    def __init__(self):
        self.shapes: list[tuple] = []
        self.texts: list[tuple] = []

    def rect(self, colour, x, y, w, h, radius=0.0):
        self.shapes.append(("rect", colour, x, y, w, h, radius))

    def line(self, colour, x1, y1, x2, y2, width=0.5):
        self.shapes.append(("line", colour, x1, y1, x2, y2, width))

    def text(self, x, y, text, size, *, bold=False, colour=INK, right=False):
        self.texts.append((x, y, text, size, bold, colour, right))

    def key(self) -> tuple:
        return (tuple(self.shapes), tuple(self.texts))

    def fixed_in(self, fixed: Fixed) -> bool:
        """Whether every character it shows has its code fixed by the
        document's beginning (then the same in every document like it)."""
        chars = fixed.chars
        return all(
            chars[font].issuperset(run)
            for _x, _y, text, _size, bold, _c, _r in self.texts
            for run, font in _runs(text, bold)
        )

    def draw(self, c: Canvas, t: PDFTextObject, dy: float = 0.0) -> None:
        for kind, colour, *box in self.shapes:
            if kind == "rect":
                x, y, w, h, radius = box
                c.setFillColor(colour)
                if radius:
                    c.roundRect(x, y + dy, w, h, radius, stroke=0, fill=1)
                else:
                    c.rect(x, y + dy, w, h, stroke=0, fill=1)
            else:
                x1, y1, x2, y2, width = box
                c.setStrokeColor(colour)
                c.setLineWidth(width)
                c.line(x1, y1 + dy, x2, y2 + dy)
        for x, y, text, size, bold, colour, right in self.texts:
            _text(t, x, y + dy, text, size, bold=bold, colour=colour, right=right)


def _form_object(content: bytes, doc) -> _Template:
    """A form XObject of ``content`` (its operators), formatted and
    compressed; its one slot takes the document's fonts (their dictionary,
    the page's too)."""
    stream = zlib.compress(content)
    dictionary = pdfdoc.PDFDictionary(
        {
            "Type": pdfdoc.PDFName("XObject"),
            "Subtype": pdfdoc.PDFName("Form"),
            "FormType": 1,
            "BBox": pdfdoc.PDFArray(list(FORM_BOX)),
            "Resources": pdfdoc.PDFDictionary(
                {
                    "Font": _Slot(0),
                    "ProcSet": pdfdoc.PDFArray(
                        [pdfdoc.PDFName("PDF"), pdfdoc.PDFName("Text")]
                    ),
                }
            ),
            "Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")]),
            "Length": len(stream),
        }
    )
    *parts, last = _template(dictionary, doc)
    return (*parts, last + b"\nstream\n" + stream + b"\nendstream\n")


def _make_form(c: _Canvas, name: str, plan: _Plan) -> tuple:
    """Draw ``plan`` as the form ``name`` of this document and return the
    form's object formatted (:func:`_form_object`), to keep."""
    colour = c.colour
    c.beginForm(name, *FORM_BOX)
    t = c.beginText()
    plan.draw(c, t)
    c.drawText(t)
    content = pdfdoc.pdfdocEnc("\n".join(c._code))
    c.endForm()
    c.colour = colour  # the page's text object: as before the form
    return _form_object(content, c._doc)


def _draw_plan(c: _Canvas, t: PDFTextObject, name: str, plan: _Plan, dy=0.0):
    """Show ``plan`` (``dy`` points up the page) as the form ``name``, kept
    from an earlier document when one drew the same with the same codes;
    drawn on the page when its text is not all in the fixed subsets."""
    fixed = c.fixed
    parts = FORMS.get(
        (name, fixed.key, plan.key()),
        lambda: plan.fixed_in(fixed) and _make_form(c, name, plan),
    )
    if not parts:  # kept as such: drawn on the page each time
        plan.draw(c, t, dy)
        return
    doc = c._doc
    internal = doc.getXObjectName(name)
    form = _Template(parts, [pdfdoc.PDFObjectReference("BasicFonts")])
    if internal in doc.idToObject:  # made just now: the kept one replaces it
        form.__InternalName__ = internal
        doc.idToObject[internal] = form
    else:
        doc.Reference(form, internal)
    if dy:
        c._code.append(f"q 1 0 0 1 0 {fp_str(dy)} cm /{internal} Do Q")
    else:
        c._code.append(f"/{internal} Do")
    c._formsinuse.append(name)


def certificate_pdf(data: CertificateData) -> bytes:
    """Render the certificate; the same data gives the same bytes.

    What is the same on every certificate of a template goes into two kept
    forms (:class:`_Plan`): ``page`` (the band, labels, verdict badge,
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
    page = _Plan()

    # Header band.
    band_h = 70.0
    top = PAGE_H - MARGIN
    page.rect(BAND, MARGIN, top - band_h, width, band_h)
    page.text(MARGIN + 14, top - 30, TITLE_ZH, 20, colour=white)
    page.text(MARGIN + 14, top - 50, TITLE_EN, 12, bold=True, colour=white)
    page.text(
        MARGIN + width - 14, top - 28, data.warehouse_name, 9, colour=white, right=True
    )
    for n, line in enumerate(_wrap(data.warehouse_address, width * 0.5, 7.5, 2)):
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
    _qr(c, data.verify_url, MARGIN + width - qr_size, y - qr_size + 12, qr_size)
    page.text(MARGIN + width - qr_size / 2 - 30, y - qr_size + 2, SCAN, 7, colour=MUTED)
    page.text(MARGIN, y, NUMBER, 8, colour=MUTED)
    _text(t, MARGIN, y - 16, data.number, 15, bold=True)
    page.text(MARGIN + 250, y, QUERY, 8, colour=MUTED)
    _text(t, MARGIN + 250, y - 16, data.query_code, 15, bold=True)

    # Item block: the category is the template's, the other values the item's.
    y -= 44
    label_w = 92.0
    rows = (
        (ITEM_CODE, data.item_code),
        (MERCHANT, data.merchant_name),
        (ITEM, data.title),
        (CATEGORY, f"{data.category_zh} {data.category}".strip()),
        (ISSUED, _local(data.issued_at, data.time_zone)),
    )
    text_w = width - qr_size - label_w - 110
    for label, value in rows:
        page.text(MARGIN, y, label, 8, colour=MUTED)
        lines = _wrap(value, text_w, 9.5, 2)
        for n, line in enumerate(lines):
            if label == CATEGORY:
                page.text(MARGIN + label_w, y - n * 12, line, 9.5)
            else:
                _text(
                    t, MARGIN + label_w, y - n * 12, line, 9.5, bold=label == ITEM_CODE
                )
        y -= 12 * len(lines) + 6
    _code128(c, data.item_code, MARGIN + label_w, y - 26, text_w, 28)
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
        line for text in _languages(data.lot) for line in _wrap(text, 260, 8, 2)
    ]
    for n, line in enumerate(lot_lines if data.lot else ()):
        _text(t, MARGIN + badge_w + 12, y - 8 - n * 9, line, 7.5, colour=MUTED)
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
                _draw_photo(c, image, x, top - row_h, photo_w, row_h)
                c.rect(x, top - row_h, photo_w, row_h, stroke=1, fill=0)
                x += photo_w + PHOTO_GAP
            top -= row_h + PHOTO_GAP
        y = min(y, top + PHOTO_GAP - 22)
    elif data.photos:  # no room for a row: a thumbnail beside the verdict
        box = 88.0
        _photo(c, data.photos[0], MARGIN + width - box, verdict_top - 30, box)
        y = min(y, verdict_top - box - 18)

    # Footer.
    page.line(RULE, MARGIN, MARGIN + 52, MARGIN + width, MARGIN + 52)
    page.text(MARGIN, MARGIN + 38, FOOTER_ZH, 7.5, colour=MUTED)
    page.text(MARGIN, MARGIN + 26, FOOTER_EN, 7.5, colour=MUTED)
    _text(t, MARGIN, MARGIN + 12, data.verify_url, 7, colour=MUTED)
    _draw_plan(c, t, "CertificatePage", page)

    # The check table, its form drawn from the table's top (``y``): what
    # was claimed and observed is the item's, on the page.
    table = _Plan()
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
                    _text(
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
    _text(t, MARGIN + 150, table_y + y, ", ".join(data.inspectors) or NONE, 9)
    _draw_plan(c, t, "CertificateTable", table, table_y)
    c.drawText(t)
    c.showPage()
    c.save()
    return out.getvalue()


# Drawing helpers shared with fulfilment's labels and manifests.
draw_text = _text
draw_qr = _qr
draw_code128 = _code128
text_width = _width
wrap_text = _wrap
local_time = _local
