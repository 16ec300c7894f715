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

import re
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
LATIN = string.ascii_letters + DIGITS + "_"
"""Given fixed codes in the CJK font in every document: a verification
link's token (URL-safe letters, new on every page) would otherwise make a
new subset, and a new font program, for every document."""


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


class _Slot(pdfdoc.PDFObject):
    """Where a :class:`_Template` takes what differs from one document to the
    next."""

    def __init__(self, n: int):
        self.mark = b"\0slot%d\0" % n

    def format(self, document):
        return self.mark


_SLOT = re.compile(rb"\0slot(\d+)\0")


class _Template(pdfdoc.PDFObject):
    """A PDF object formatted once per process but for its slots, filled in
    each document (a reference to another object, the font's name)."""

    __RefOnly__ = 1

    def __init__(self, parts: tuple, fills: list):
        self.parts = parts
        self.fills = fills

    def format(self, document):
        out = [self.parts[0]]
        for slot, part in zip(self.parts[1::2], self.parts[2::2], strict=True):
            out += (self.fills[slot].format(document), part)
        return b"".join(out)


def _template(thing, doc) -> tuple:
    """``thing`` formatted, cut at its slots: text, slot number, text, …"""
    parts = _SLOT.split(pdfdoc.format(thing, doc, toplevel=1))
    return tuple(int(p) if n % 2 else p for n, p in enumerate(parts))


def _stream(content: bytes, doc, **entries) -> bytes:
    """A stream of content already compressed, formatted (no reference in it)."""
    stream = pdfdoc.PDFStream(content=content)
    stream.dictionary.dict.update(entries)
    stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
    return stream.format(doc)  # already compressed: no filter applied again


def _subset(face, base: str, subset: list[int], doc) -> dict:
    """Everything the PDF holds of one subset, formatted: its font program
    and ToUnicode map (streams), its descriptor and its font dictionary
    (templates whose slots take the references and the font's name)."""
    program = face.makeSubset(subset)
    descriptor = pdfdoc.PDFDictionary(
        {
            "Type": "/FontDescriptor",
            "Ascent": face.ascent,
            "CapHeight": face.capHeight,
            "Descent": face.descent,
            "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(face.bbox),
            "FontName": pdfdoc.PDFName(base),
            "ItalicAngle": face.italicAngle,
            "StemV": face.stemV,
            "FontFile2": _Slot(0),
            "MissingWidth": face.defaultWidth,
        }
    )
    widths = pdfdoc.PDFArray(list(map(face.getCharWidth, subset)))
    font = pdfdoc.PDFDictionary(
        {
            "Type": "/Font",
            "Subtype": "/TrueType",
            "Name": _Slot(0),
            "BaseFont": pdfdoc.PDFName(base),
            "FirstChar": 0,
            "LastChar": len(subset) - 1,
            "Widths": _Formatted(widths.format(doc)),
            "ToUnicode": _Slot(1),
            "FontDescriptor": _Slot(2),
        }
    )
    cmap = makeToUnicodeCMap(base, subset).encode("latin-1")
    return {
        "program": _stream(zlib.compress(program), doc, Length1=len(program)),
        "cmap": _stream(zlib.compress(cmap), doc),
        "descriptor": _template(descriptor, doc),
        "font": _template(font, doc),
    }


def _font_objects(font: TTFont):
    """``font.addObjects``: reportlab's, with each subset's objects made and
    formatted once per process (:data:`PROGRAMS`): building a subset's font
    program and compressing it is most of the cost of a page otherwise."""

    def add(doc):
        if not isinstance(doc.encrypt, pdfdoc.NoEncryption):
            raise ValueError("the kept font objects are not encrypted")
        state = font._assignState(doc)
        state.frozen = 1
        face = font.face
        for n, subset in enumerate(state.subsets):
            internal = font.getSubsetInternalName(n, doc)[1:]
            base = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode(
                "pdfdoc"
            )
            made = PROGRAMS.get(
                ("subset", face.filename, face.subfontNameX, base, *subset),
                lambda subset=subset, base=base: _subset(face, base, subset, doc),
            )
            program = doc.Reference(
                _Formatted(made["program"]), f"fontFile:{face.filename}({base})"
            )
            descriptor = doc.Reference(
                _Template(made["descriptor"], [program]), "fontDescriptor:" + base
            )
            cmap = doc.Reference(_Formatted(made["cmap"]), "toUnicodeCMap:" + base)
            name = _Formatted(pdfdoc.PDFName(internal).encode("latin-1"))
            pdf_font = _Template(made["font"], [name, cmap, descriptor])
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
    their fonts the same names), ``chars`` holds the characters, by font
    name, and ``recurring`` the text they came from."""

    key: str
    chars: dict[str, frozenset[str]]
    recurring: str


@lru_cache(maxsize=64)
def _fixed(recurring: str) -> Fixed:
    cjk = "".join(sorted(set(recurring + LATIN)))
    return Fixed(
        key=cjk,
        chars={SANS_BOLD: frozenset(BOLD), CJK: frozenset(cjk)},
        recurring=recurring,
    )


def document_begin(canvas, recurring: str) -> Fixed:
    """Give this document's recurring characters their codes before it draws.

    ``recurring``: the text that is the same on many pages (labels, a
    template's texts). Its characters and :data:`LATIN`, sorted, fill the CJK
    font's first subsets; the Latin bold font starts with :data:`BOLD`.
    Every character drawn later and not among them goes to later subsets.
    Both fonts get their names in the document now, in this order, so that
    they are the same in every document. The codes are given once per
    recurring text and process (:func:`_begun`) and copied into each document.
    """
    doc = canvas._doc
    fixed = _fixed(recurring)
    for font, (assignments, subsets, next_code) in zip(
        pdf_fonts(), _begun(fixed.key), strict=True
    ):
        state = font._assignState(doc)
        state.assignments = dict(assignments)
        state.subsets = [list(subset) for subset in subsets]
        state.nextCode = next_code
        font.getSubsetInternalName(0, doc)
    return fixed


@lru_cache(maxsize=64)
def fixed_codes(key: str) -> dict[str, tuple[dict[int, str], dict[int, str]]]:
    """The codes :func:`document_begin` gives the characters it fixes, by
    font name, as two tables for ``str.translate``: to the character whose
    number is the code (its subset times 256 plus its byte), and to the
    character of its byte alone. A character the font has no glyph for is
    code 0, as ``splitString`` gives it."""
    tables = {}
    for font, (assignments, _subsets, _next) in zip(
        pdf_fonts(), _begun(key), strict=True
    ):
        chars = key if font.fontName == CJK else BOLD
        codes = {
            ord(char): assignments.get(32 if char == "\xa0" else ord(char), 0)
            for char in set(chars)
        }
        tables[font.fontName] = (
            {char: chr(code) for char, code in codes.items()},
            {char: chr(code & 0xFF) for char, code in codes.items()},
        )
    return tables


@lru_cache(maxsize=64)
def _begun(key: str) -> tuple[tuple[dict, tuple, int], ...]:
    """The codes :func:`document_begin` gives (each font's assignments,
    subsets and next code), made in a document of their own."""
    bold, cjk = pdf_fonts()
    doc = pdfdoc.PDFDocument()
    bold.splitString(BOLD, doc)
    _close_subset(bold, doc)
    cjk.splitString(key, doc)
    _close_subset(cjk, doc)
    begun = []
    for font in (bold, cjk):
        state = font.state.pop(doc)
        begun.append(
            (state.assignments, tuple(map(tuple, state.subsets)), state.nextCode)
        )
    return tuple(begun)


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
