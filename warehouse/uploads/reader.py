"""Inbound notice files (CSV or XLSX) read into the item rows the service takes.

A file has a header row and one item per row: ``sku``, ``title``,
``category``, optional ``serial``, ``gtin``, ``order_ref``, ``quantity``, and
claim columns named ``claim.<key>`` (``claim.material``, ``claim.weight_g``,
``claim.expiry_date``, ``claim.labels`` …). The notice itself (reference,
warehouse, carrier, tracking number) comes from the upload form.

:func:`notice_file_read` finds what the file itself gets wrong (not a CSV or
XLSX, empty, too large, unknown columns, bad numbers) and names each problem
by the row of the file it is on, counting the header as row 1, as a
spreadsheet does. :func:`service_errors` maps the service's own row errors
(``items[3].claim.weight_g``) back to those rows. :func:`notice_template`
writes the template a merchant fills in.

The rows come out as the API takes them: texts as texts, claim numbers as
strings (``"52.31"``), dates as ISO dates (``"2029-08-31"``), labels as a list.

A file holds at most ``INBOUND_NOTICE_MAX_ITEMS`` items, as a notice sent to
the API does. The work spent reading it is bounded by :mod:`warehouse.sheets`
(empty rows, columns, cells, unpacked size, time: the ``INBOUND_UPLOAD_*``
settings); a file past one of those limits is refused with the limit named.
CSV text is UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode
text") or GB18030, the superset of the GBK that Excel in Chinese saves.
"""

import csv
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from .. import sheets
from ..demo import CATEGORIES as DEMO_CATEGORIES

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_FILE_ERRORS = 200
TEXT_COLUMNS = ("sku", "title", "category", "serial", "gtin", "order_ref")
REQUIRED_COLUMNS = ("sku", "title", "category")
CLAIM_PREFIX = "claim."
CLAIM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DATE_CLAIMS = frozenset(("expiry_date", "production_date"))
# "|", the full-width semicolon (U+FF1B, typed with a Chinese IME) or ";".
LABEL_SEPARATORS = re.compile("[|\uff1b;]")
LOOSE_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# Claims a category names (``Category.claim_fields``) that are not a column:
# the column the merchant fills for each.
REQUIREMENT_COLUMNS = {"weight": "claim.weight_g", "shelf_life": "claim.expiry_date"}

TEMPLATE_COLUMNS = (
    "sku",
    "title",
    "category",
    "serial",
    "gtin",
    "order_ref",
    "quantity",
    "claim.material",
    "claim.weight_g",
    "claim.declared_value",
    "claim.packaging",
    "claim.production_date",
    "claim.expiry_date",
    "claim.labels",
    "claim.imei",
    "claim.model",
    "claim.grade",
)
# One example row per demo category (warehouse.demo.CATEGORIES).
TEMPLATE_EXAMPLES = {
    "jewellery-jade": {
        "sku": "JADE-BANGLE-56",
        "title": "和田玉手镯 56mm Hetian nephrite bangle",
        "serial": "HT-2026-0001",
        "order_ref": "LS-900001",
        "quantity": 1,
        "claim.material": "nephrite jade",
        "claim.weight_g": 52.31,
        "claim.declared_value": "3880.00",
        "claim.packaging": "gift box",
    },
    "cosmetics": {
        "sku": "SERUM-30ML",
        "title": "玻尿酸精华 30ml hyaluronic serum",
        "gtin": "07032069804988",
        "quantity": 200,
        "claim.packaging": "sealed carton",
        "claim.production_date": dt.date(2026, 9, 1),
        "claim.expiry_date": dt.date(2029, 8, 31),
        "claim.labels": "name|net_content|producer|production_date|licence_number",
    },
    "packaged-food": {
        "sku": "TEA-OOLONG-250G",
        "title": "凤凰单丛茶 250g Phoenix oolong tea",
        "quantity": 120,
        "claim.weight_g": 250,
        "claim.packaging": "sealed box",
        "claim.production_date": dt.date(2026, 5, 1),
        "claim.expiry_date": dt.date(2028, 4, 30),
        "claim.labels": (
            "name|ingredients|net_content|producer|production_date|shelf_life"
            "|licence_number"
        ),
    },
    "phones-used": {
        "sku": "IP13-128-BLU",
        "title": "iPhone 13 128GB 蓝色 blue",
        "serial": "356938035643809",
        "order_ref": "LS-900003",
        "quantity": 1,
        "claim.declared_value": "3299.00",
        "claim.imei": "356938035643809",
        "claim.model": "iPhone 13 128GB",
        "claim.grade": "A",
    },
}

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)
# Files that decode as text but are not a table (PDF, PostScript, RTF, HTML,
# XML), as their lower-cased first bytes.
_TEXT_NOT_CSV = (b"%pdf", b"%!ps", b"{\\rtf", b"<!doctype", b"<html", b"<?xml")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class RowError:
    """One problem: the file's row (1 is the header; None: the whole file)."""

    row: int | None
    column: str
    message: str


@dataclass
class NoticeFile:
    """What a file held: item rows, the file row of each, and the problems."""

    items: list[dict] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    kind: str = ""

    def error(self, row: int | None, column: str, message: str) -> None:
        if len(self.errors) < MAX_FILE_ERRORS:
            self.errors.append(RowError(row, column, message))

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_FILE_ERRORS


def labels_split(text: str) -> list[str]:
    """``"name|net content|producer"`` -> the list of markings."""
    return [part.strip() for part in LABEL_SEPARATORS.split(text) if part.strip()]


def date_normalise(text: str) -> str:
    """``2026/9/1`` or ``2026年9月1日`` (as spreadsheets save them) -> ``2026-09-01``.

    Anything else is returned as given, for the service to judge.
    """
    match = LOOSE_DATE.match(text.strip())
    if match is None:
        return text
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return text


def _cell_text(value) -> str:
    """A cell as text: whole numbers without ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"  # 0.1 + 0.2 typed in a sheet is 0.3
    return str(value).strip()


def _columns_read(header: list, row: int, result: NoticeFile) -> list[str | None]:
    """The column names of ``header`` (None for unnamed columns), checked."""
    columns: list[str | None] = []
    seen: set[str] = set()
    for value in header:
        name = _cell_text(value).lstrip("\ufeff").strip().lower()
        if not name:
            columns.append(None)
            continue
        if name in seen:
            result.error(row, name, _("This column appears twice."))
        elif name not in (*TEXT_COLUMNS, "quantity") and not (
            name.startswith(CLAIM_PREFIX)
            and CLAIM_KEY.match(name.removeprefix(CLAIM_PREFIX))
        ):
            result.error(
                row,
                name,
                _(
                    "Unknown column. Use sku, title, category, serial, gtin, "
                    "order_ref, quantity, or claim.<check> (e.g. claim.weight_g)."
                ),
            )
        seen.add(name)
        columns.append(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            result.error(row, name, _("This column is missing."))
    return columns


def _quantity(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if re.fullmatch(r"\d{1,9}(\.0+)?", text):
        return int(float(text))
    return None


def _claim_value(key: str, value):
    """A claim cell the way the API takes it (None: empty)."""
    if isinstance(value, bool):
        return value  # free checks take yes/no
    if isinstance(value, dt.datetime | dt.date) and key in DATE_CLAIMS:
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    text = _cell_text(value)
    if not text:
        return None
    if key == "labels":
        return labels_split(text)
    if key in DATE_CLAIMS:
        return date_normalise(text)
    return text


def _row_read(
    columns: list[str | None], cells: list, row: int, result: NoticeFile
) -> dict | None:
    """One item from one row of cells (None for a blank row)."""
    if all(_cell_text(cell) == "" for cell in cells):
        return None
    item: dict = {}
    claim: dict = {}
    for index, cell in enumerate(cells):
        name = columns[index] if index < len(columns) else None
        if name is None:
            if _cell_text(cell):
                result.error(
                    row,
                    _("column %(n)d") % {"n": index + 1},
                    _("A value in a column without a header."),
                )
            continue
        if name in TEXT_COLUMNS:
            item[name] = _cell_text(cell)
        elif name == "quantity":
            if _cell_text(cell) == "":
                continue
            quantity = _quantity(cell)
            if quantity is None or quantity < 1:
                result.error(row, name, _("Enter a whole number of at least 1."))
            else:
                item["quantity"] = quantity
        else:
            key = name.removeprefix(CLAIM_PREFIX)
            value = _claim_value(key, cell)
            if value is not None:
                claim[key] = value
    item["claim"] = claim
    return item


def _rows_collect(rows, result: NoticeFile) -> None:
    """Read ``(file row, cells)`` pairs: the header, then one item per row.

    A row with a problem is reported, not kept: the file is refused anyway.
    """
    limit = settings.INBOUND_NOTICE_MAX_ITEMS
    columns = None
    count = 0
    for number, cells in rows:
        if columns is None:
            if all(_cell_text(cell) == "" for cell in cells):
                continue  # blank lines before the header
            columns = _columns_read(list(cells), number, result)
            if result.errors:
                return
            continue
        known = len(result.errors)
        item = _row_read(columns, list(cells), number, result)
        if item is None:
            continue
        count += 1
        if count > limit:
            result.error(
                None,
                "",
                _("A notice holds at most %(max)d items; split the file.")
                % {"max": limit},
            )
            return
        if len(result.errors) == known:
            result.items.append(item)
            result.rows.append(number)
        elif result.full:
            return
    if columns is None:
        result.error(None, "", _("The file is empty."))
    elif not count:
        result.error(None, "", _("The file has a header but no items."))


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
    """:func:`_rows_collect` until the file passes a limit; then the limit
    is the first problem listed (the rows read before it keep theirs)."""
    try:
        _rows_collect(rows, result)
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


ITEM_KEY = re.compile(r"^items\[(\d+)\]\.(.+)$")


def service_errors(fields: dict, rows: list[int]) -> list[RowError]:
    """The service's ``InvalidInput.fields`` as errors on the file's rows."""
    errors = []
    for key, messages in fields.items():
        match = ITEM_KEY.match(key)
        if match is None:
            errors.extend(RowError(None, key, str(m)) for m in messages)
            continue
        index, column = int(match.group(1)), match.group(2)
        if column.startswith(CLAIM_PREFIX):
            requirement = column.removeprefix(CLAIM_PREFIX)
            column = REQUIREMENT_COLUMNS.get(requirement, column)
        elif column not in (*TEXT_COLUMNS, "quantity", "claim", "item"):
            # identity claims (imei, model) named without the prefix
            column = CLAIM_PREFIX + column
        row = rows[index] if 0 <= index < len(rows) else None
        errors.extend(RowError(row, column, str(m)) for m in messages)
    errors.sort(key=lambda e: (e.row or 0, e.column))
    return errors


# --- the template ------------------------------------------------------------------


def _template_rows() -> list[list]:
    rows = []
    for category in DEMO_CATEGORIES:
        example = {"category": category["code"], **TEMPLATE_EXAMPLES[category["code"]]}
        rows.append([example.get(column, "") for column in TEMPLATE_COLUMNS])
    return rows


def notice_template_csv() -> bytes:
    """The CSV template: UTF-8 with a BOM, so Excel shows the Chinese titles."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    for row in _template_rows():
        writer.writerow(_cell_text(value) for value in row)
    return out.getvalue().encode("utf-8-sig")


def notice_template_xlsx() -> bytes:
    """The XLSX template: dates as date cells, weights and quantities as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "items"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _template_rows():
        sheet.append([None if value == "" else value for value in row])
    for index, column in enumerate(TEMPLATE_COLUMNS):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column) + 4)
        if column.endswith("_date"):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
        elif column in ("gtin", "serial", "claim.imei", "claim.declared_value"):
            for cell in sheet[letter][1:]:
                cell.number_format = "@"  # text: keep leading zeros, long digits
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
