"""The fonts of every printed document, embedded so any viewer or printer shows them.

Chinese is set in WenQuanYi Micro Hei (TrueType outlines; Apache License
2.0, which allows redistribution and embedding), installed from PyPI as the
``paperang-p2-fonts-cjk`` wheel (pinned in ``pyproject.toml``, so a fresh
machine gets it with the project; :data:`CJK_SHA256` names the file we
tested); so is Latin text, except bold Latin text, set in Bitstream Vera
Sans Bold, which reportlab ships. Each PDF embeds only the glyphs it uses (reportlab's
``TTFont`` subsets), and the ZPL labels draw Chinese as bitmaps rasterised
from the same file (:func:`raster_font`).

Fonts are loaded once per process, on first use (the CJK file is 5 MB and
takes a few hundred milliseconds to read), not when the module is imported.

Speed: building a subset's font program and compressing it is most of the
cost of a page. A document first gives the characters that recur from page
to page (its fixed labels, a template's texts) their codes, sorted, in
subsets of their own (:func:`document_begin`); those subsets are then the
same on every page and their compressed programs are kept per process
(:data:`PROGRAM_CACHE_SIZE` of them). Only the characters of what changes
(names, addresses) make a new subset. The codes of those recurring
characters are the same in every document that begins with the same
recurring text (:class:`Fixed`), so a text made only of them is also shown
with the same operators in each: :mod:`inspection.pdf` keeps those.
"""

import string
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from threading import Lock

import reportlab
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import (
    FF_NONSYMBOLIC,
    FF_SYMBOLIC,
    SUBSETN,
    TTFont,
    makeToUnicodeCMap,
)

CJK = "QCW-CJK"
SANS_BOLD = "QCW-Sans-Bold"
CJK_PACKAGE = "paperang_p2_fonts_cjk"
CJK_FILE = "fonts/wqy-microhei.ttc"
CJK_INDEX = 0  # the collection's proportional face (1 is its monospaced twin)
CJK_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
LATIN_DIR = Path(reportlab.__file__).parent / "fonts"


def cjk_font_path() -> Path:
    """The installed CJK font collection."""
    return Path(str(files(CJK_PACKAGE).joinpath(CJK_FILE)))


PROGRAM_CACHE_SIZE = 256
DIGITS = "0123456789 .,:-()/"
BOLD = string.ascii_uppercase + DIGITS + "#&"
"""What bold text mostly is (numbers, codes, capitals): the bold font's subset 0."""


class Kept:
    """What a subset needs in a PDF (its compressed program, its widths and
    its ToUnicode map, formatted) by font and characters: bounded, shared by
    the threads of a process."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = Lock()

    def get(self, key, make):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        found = make()
        with self.lock:
            self.entries[key] = found
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return found


PROGRAMS = Kept(PROGRAM_CACHE_SIZE)


class _Formatted(pdfdoc.PDFObject):
    """A PDF object formatted once (a subset's widths)."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document):
        return self.data


def _program(face, subset: list[int]) -> tuple[int, bytes]:
    """The subset's font program: its length and its compressed bytes."""

    def make():
        program = face.makeSubset(subset)
        return len(program), zlib.compress(program)

    return PROGRAMS.get(("program", face.filename, face.subfontNameX, *subset), make)


def _subset_objects(face):
    """``face.addSubsetObjects`` with the font program from :data:`PROGRAMS`."""

    def add(doc, fontname, subset):
        length, compressed = _program(face, subset)
        stream = pdfdoc.PDFStream(content=compressed)
        stream.dictionary["Length1"] = length
        stream.dictionary["Filter"] = pdfdoc.PDFArray(
            [pdfdoc.PDFName("FlateDecode")]
        )  # already compressed: reportlab applies no filter again
        ref = doc.Reference(stream, f"fontFile:{face.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(fontname),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": ref,
                "MissingWidth": face.defaultWidth,
            }
        )
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)

    return add


def _font_objects(font: TTFont):
    """``font.addObjects``: reportlab's, with each subset's widths and
    ToUnicode map made once per process (:data:`PROGRAMS`)."""

    def add(doc):
        state = font._assignState(doc)
        state.frozen = 1
        face = font.face
        for n, subset in enumerate(state.subsets):
            internal = font.getSubsetInternalName(n, doc)[1:]
            base = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode(
                "pdfdoc"
            )

            def make(subset=subset, base=base):
                widths = pdfdoc.PDFArray(list(map(face.getCharWidth, subset)))
                cmap = makeToUnicodeCMap(base, subset).encode("latin-1")
                return widths.format(doc), zlib.compress(cmap)

            key = ("objects", face.filename, face.subfontNameX, base, *subset)
            widths, cmap = PROGRAMS.get(key, make)
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {font.fontName} subset {n}"
            pdf_font.Name = internal
            pdf_font.BaseFont = base
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = _Formatted(widths)
            stream = pdfdoc.PDFStream(content=cmap)
            stream.dictionary["Filter"] = pdfdoc.PDFArray(
                [pdfdoc.PDFName("FlateDecode")]
            )
            pdf_font.ToUnicode = doc.Reference(stream, "toUnicodeCMap:" + base)
            pdf_font.FontDescriptor = face.addSubsetObjects(doc, base, subset)
            doc.Reference(pdf_font, internal)
            doc.idToObject["BasicFonts"].dict[internal] = pdf_font
        del font.state[doc]

    return add


@cache
def pdf_fonts() -> tuple[TTFont, TTFont]:
    """``(sans bold, cjk)``, registered with reportlab under their names."""
    loaded = (
        TTFont(SANS_BOLD, str(LATIN_DIR / "VeraBd.ttf"), asciiReadable=False),
        # Not ASCII-readable: the CJK font's subsets hold only what it draws.
        TTFont(CJK, str(cjk_font_path()), subfontIndex=CJK_INDEX, asciiReadable=False),
    )
    for font in loaded:
        font.face.addSubsetObjects = _subset_objects(font.face)
        font.face.get_table = _glyf_kept(font.face.get_table)
        font.addObjects = _font_objects(font)
        pdfmetrics.registerFont(font)
    return loaded


def _glyf_kept(get_table):
    """``face.get_table`` that reads the outlines table once: a subset copies
    it otherwise (3.5 MB of the CJK font) every time it is made."""
    kept = {}

    def get(tag):
        if tag != "glyf":
            return get_table(tag)
        if tag not in kept:
            kept[tag] = get_table(tag)
        return kept[tag]

    return get


def _close_subset(font: TTFont, doc) -> None:
    """Characters given codes from now on go to a new subset."""
    state = font._assignState(doc)
    if state.nextCode & 0xFF:
        state.nextCode = (state.nextCode | 0xFF) + 1


@dataclass(frozen=True)
class Fixed:
    """What :func:`document_begin` gave codes to: ``key`` names the codes (two
    documents with the same key give these characters the same codes, and
    their fonts the same names), and ``chars`` holds the characters, by font
    name."""

    key: str
    chars: dict[str, frozenset[str]]


@lru_cache(maxsize=64)
def _fixed(recurring: str) -> Fixed:
    cjk = "".join(sorted(set(recurring + DIGITS)))
    return Fixed(key=cjk, chars={SANS_BOLD: frozenset(BOLD), CJK: frozenset(cjk)})


def document_begin(canvas, recurring: str) -> Fixed:
    """Give this document's recurring characters their codes before it draws.

    ``recurring``: the text that is the same on many pages (labels, a
    template's texts). Its characters and the digits, sorted, fill the CJK
    font's first subsets; the Latin bold font starts with :data:`BOLD`.
    Every character drawn later and not among them goes to later subsets.
    Both fonts get their names in the document now, in this order, so that
    they are the same in every document.
    """
    bold, cjk = pdf_fonts()
    doc = canvas._doc
    fixed = _fixed(recurring)
    bold.splitString(BOLD, doc)
    _close_subset(bold, doc)
    cjk.splitString(fixed.key, doc)
    _close_subset(cjk, doc)
    for font in (bold, cjk):
        font.getSubsetInternalName(0, doc)
    return fixed


@cache
def latin_chars() -> frozenset[int]:
    """The code points the Latin bold font draws; every other one is the CJK font's."""
    bold, _cjk = pdf_fonts()
    return frozenset(bold.face.charToGlyph)


@lru_cache(maxsize=32)
def raster_font(size: int):
    """The CJK font for Pillow at ``size`` pixels (bitmaps for thermal printers)."""
    from PIL import ImageFont

    return ImageFont.truetype(str(cjk_font_path()), size=size, index=CJK_INDEX)
