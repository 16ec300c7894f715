"""An uploaded file (CSV or XLSX, told apart by its bytes) read into a
:class:`~warehouse.uploads.rows.NoticeFile`, within the limits of
:mod:`warehouse.sheets`."""

import logging
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import sheets
from .rows import NoticeFile, RowError, rows_collect

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)
# Files that decode as text but are not a table (PDF, PostScript, RTF, HTML,
# XML), as their lower-cased first bytes.
_TEXT_NOT_CSV = (b"%pdf", b"%!ps", b"{\\rtf", b"<!doctype", b"<html", b"<?xml")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text_decode(data: bytes) -> str | None:
    """CSV bytes as text: UTF-8 (with or without BOM), UTF-16 with a BOM,
    else GB18030 (Excel in Chinese saves its plain "CSV" that way); None if
    it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if b"\x00" in data[:65536] or head.startswith(_TEXT_NOT_CSV):
            return None
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Binary files can decode by chance; text has no control characters.
        return None if _CONTROL.search(text, 0, 65536) else text
    return None


# What each limit of :mod:`warehouse.sheets` tells the merchant, by its code.
REFUSALS = {
    "blank_rows": gettext_lazy(
        "The file has more than %(max)d empty rows; delete the empty rows "
        "(those below the items too) and upload it again."
    ),
    "columns": gettext_lazy(
        "A value beyond column %(max)d; a notice file has at most %(max)d columns."
    ),
    "cells": gettext_lazy(
        "The file has more than %(max)d cells; split it into several files."
    ),
    "cell_too_long": gettext_lazy("A cell holds more than %(max)d characters."),
    "line_too_long": gettext_lazy("A line is longer than %(max)d characters."),
    "csv_unreadable": gettext_lazy("The CSV cannot be read: %(error)s"),
    "control_character": gettext_lazy(
        "A control character (%(character)s) in the text; remove it."
    ),
    "unpacked": gettext_lazy(
        "The workbook unpacks to more than %(mb)d MB; split it or save it as CSV."
    ),
    "zip_ratio": gettext_lazy(
        "Part %(part)s of the workbook unpacks to more than %(ratio)d times "
        "its packed size: this is not a workbook we read."
    ),
    "parts": gettext_lazy(
        "The workbook has more than %(max)d parts; save the items in a new "
        "workbook or as CSV."
    ),
    "part_too_large": gettext_lazy(
        "Part %(part)s of the workbook unpacks to more than %(mb)d MB; save "
        "the items in a new workbook or as CSV."
    ),
    "too_slow": gettext_lazy(
        "Reading the file took more than %(seconds)d seconds; split it into "
        "smaller files."
    ),
}


def _refusal(refused: sheets.Refused) -> RowError:
    """A limit the file passed, as the error the page lists."""
    return RowError(refused.row, "", str(REFUSALS[refused.code]) % refused.params)


def _rows_read(rows, result: NoticeFile) -> None:
    """:func:`rows_collect` until the file passes a limit; then the limit
    is the first problem listed (the rows read before it keep theirs)."""
    try:
        rows_collect(rows, result)
    except sheets.Refused as refused:
        result.items, result.rows = [], []
        result.errors.insert(0, _refusal(refused))


def _control_character(text: str) -> sheets.Refused | None:
    """A control character anywhere in a CSV text (NUL …), on its line."""
    match = _CONTROL.search(text)
    if match is None:
        return None
    return sheets.Refused(
        "control_character",
        row=text.count("\n", 0, match.start()) + 1,
        character=f"U+{ord(match.group()):04X}",
    )


def notice_file_read(upload) -> NoticeFile:
    """Read an uploaded CSV or XLSX file (told apart by content, not by name)."""
    result = NoticeFile()
    limits = sheets.Limits.from_settings()
    clock = sheets.Clock(limits.seconds)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        result.error(None, "", _too_large())
        return result
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        result.error(None, "", _too_large())
        return result
    if not data.strip():
        result.error(None, "", _("The file is empty."))
        return result
    not_ours = _("This is not a CSV or XLSX file.")
    if data.startswith(_XLSX_MAGIC):
        result.kind = "xlsx"
        rows = sheets.xlsx_rows(data, limits, clock)
        try:
            _rows_read(rows, result)
        except Exception as exc:
            # A zip that is not a workbook (a .docx, a damaged file …): openpyxl
            # and the XML parser raise many kinds of errors for those.
            logger.info("unreadable xlsx upload: %r", exc)
            result.items, result.rows, result.errors = [], [], []
            result.error(None, "", not_ours)
        finally:
            rows.close()
        return result
    if data.startswith(_OLE_MAGIC):
        result.error(
            None, "", _("Old Excel (.xls) files are not read; save it as .xlsx or CSV.")
        )
        return result
    text = _text_decode(data)
    if text is None:
        result.error(None, "", not_ours)
        return result
    result.kind = "csv"
    control = _control_character(text)
    if control is not None:
        result.errors.append(_refusal(control))
        return result
    _rows_read(sheets.csv_rows(text, limits, clock), result)
    return result


def _too_large() -> str:
    return _("The file is larger than %(mb)d MB; split the shipment.") % {
        "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
    }
