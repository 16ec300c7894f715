"""What every page of a kind draws the same, kept as form objects (:class:`Plan`,
:func:`draw_plan`), for any document that repeats a layout.

Most of a certificate is the same on every certificate of its template: the
header band, the labels, the category, each check's name and rule, the
verdicts, the footer. Those are drawn once per process into a form object
(a PDF "XObject" of subtype Form) whose content stream is kept compressed;
each document embeds the kept stream as it is and shows it with one ``Do``.
Its text is shown in the font subsets that :func:`inspection.fonts.
document_begin` gives the same codes and names in every document that
begins with the same recurring text (:class:`Fixed`), so a form kept from
one document shows the same text in the next; a form whose text is not all
in those subsets is drawn on the page instead (:meth:`Plan.fixed_in`).
"""

import zlib

from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

from ..fonts import Fixed, Kept, _Slot, _Template, _template
from .text import INK, PdfCanvas, draw_text, text_runs

_PAGE_W, _PAGE_H = A4  # the forms are drawn for an A4 page

FORM_CACHE_SIZE = 256
FORMS = Kept(FORM_CACHE_SIZE)
"""The kept forms, by their document's recurring codes and what they draw:
a template's layout variants (number of lines of its item block, verdict,
where its photos go), so a few per template."""

FORM_BOX = (0.0, -_PAGE_H, _PAGE_W, _PAGE_H)
"""The forms' bounding box: the page, and room below a form placed lower
down (the check table's form is drawn relative to the table's top)."""


class Plan:
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
            for run, font in text_runs(text, bold)
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
            draw_text(t, x, y + dy, text, size, bold=bold, colour=colour, right=right)


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


def _make_form(c: PdfCanvas, name: str, plan: Plan) -> tuple:
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


def draw_plan(c: PdfCanvas, t: PDFTextObject, name: str, plan: Plan, dy=0.0):
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
