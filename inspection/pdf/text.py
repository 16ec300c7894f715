"""Text on a PDF page: fonts by run, widths, wrapping, and the canvas every
document of the product is drawn on (:func:`pdf_canvas`).

Plain data in, operators out, no ORM. Fonts (:mod:`inspection.fonts`): Latin
bold text in Vera Sans, everything else in a CJK TrueType font, each embedded
as the subset of glyphs the document uses, so a page looks the same in every
viewer, one without Chinese fonts included. The operators that show a
recurring text (labels, a template's texts) are kept from page to page
(:func:`draw_text`), and so are the formatted objects of the font subsets.
"""

import datetime as dt
import zoneinfo
from functools import lru_cache

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

from ..fonts import (
    CJK,
    SANS_BOLD,
    Fixed,
    Kept,
    document_begin,
    fixed_codes,
    latin_chars,
    pdf_fonts,
)

# The house's colours, shared by every document.
INK = HexColor("#111827")
MUTED = HexColor("#4b5563")
RULE = HexColor("#d1d5db")
PALE = HexColor("#f3f4f6")


Text = str | tuple[str, str]
"""What a cell says: one text (data, a number, a certificate issued before
certificates stated facts) or ``(Chinese, English)``, printed one under the
other (once when both are the same)."""


def _is_cjk(char: str) -> bool:
    return ord(char) > 0x2E7F


# The caches below hold what recurs from page to page (labels, rules, the
# template's texts: a few hundred strings). Numbers, codes, addresses and
# verification links are new on every page and never hit again; a long-lived
# worker renders tens of thousands of pages, so the caches stay small enough
# that those strings cannot pile up in memory (bench/worker_memory.py).
TEXT_CACHE_SIZE = 1024


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def text_runs(text: str, bold: bool) -> tuple[tuple[str, str], ...]:
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
def text_width(text: str, size: float, bold: bool = False) -> float:
    return sum(
        pdfmetrics.stringWidth(run, font, size) for run, font in text_runs(text, bold)
    )


class PdfCanvas(Canvas):
    """A canvas that knows which characters' codes its document fixed."""

    fixed: Fixed
    colour: tuple[PDFTextObject | None, Color | None] = (None, None)


# A recurring run's operators, by the codes of its document (Fixed.key), font,
# text and size: labels and a template's texts; see TEXT_CACHE_SIZE.
SHOWN = Kept(4 * TEXT_CACHE_SIZE)


def _show(c: PdfCanvas, font_name: str, run: str, size: float) -> str:
    """The operators that show ``run`` in ``font_name`` at ``size``: for each
    of the font's subsets it takes characters from, select it and show them."""
    font = pdfmetrics.getFont(font_name)
    doc = c._doc
    size = fp_str(size)
    return " ".join(
        f"{font.getSubsetInternalName(subset, doc)} {size} Tf ({escapePDF(codes)}) Tj"
        for subset, codes in font.splitString(run, doc)
    )


def _show_fixed(c: PdfCanvas, font_name: str, run: str, size: float) -> str:
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


def draw_text(
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
        x -= text_width(text, size, bold)
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
    for run, font in text_runs(text, bold):
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


def wrap_text(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``: words kept whole where they fit,
    Chinese broken anywhere; an ellipsis when it needs more than ``max_lines``."""
    text = " ".join(str(text).split())
    if text_width(text, size) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        candidate = line + token
        if text_width(candidate, size) <= width:
            line = candidate
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while text_width(line, size) > width:  # one token wider than the cell
            cut = len(line)
            while cut > 1 and text_width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size) > width:
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
    c = PdfCanvas(
        out, pagesize=pagesize, invariant=1, pageCompression=1, initialFontName=CJK
    )
    c.fixed = document_begin(c, recurring)
    return c


def languages(text: Text) -> tuple[str, ...]:
    """A cell's texts: Chinese then English, or its one text."""
    if isinstance(text, str):
        return (text,)
    zh, en = text
    return (zh,) if zh == en or not en else (zh, en) if zh else (en,)


def local_time(moment: dt.datetime, zone: str) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} ({zone})"
