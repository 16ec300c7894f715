"""A notice file's rows read into items, each problem named by its file row
(the header is row 1, as in a spreadsheet); the service's own row errors
(``items[3].claim.weight_g``) mapped back to those rows."""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from .columns import (
    CLAIM_KEY,
    CLAIM_PREFIX,
    COMMENT,
    DATE_CLAIMS,
    REQUIRED_COLUMNS,
    REQUIREMENT_COLUMNS,
    TEXT_COLUMNS,
    cell_text,
    date_normalise,
    labels_split,
)

MAX_FILE_ERRORS = 200


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


def _columns_read(header: list, row: int, result: NoticeFile) -> list[str | None]:
    """The column names of ``header`` (None for unnamed columns), checked."""
    columns: list[str | None] = []
    seen: set[str] = set()
    for value in header:
        name = cell_text(value).lstrip("\ufeff").strip().lower()
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
    text = cell_text(value)
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
    if all(cell_text(cell) == "" for cell in cells):
        return None
    item: dict = {}
    claim: dict = {}
    for index, cell in enumerate(cells):
        name = columns[index] if index < len(columns) else None
        if name is None:
            if cell_text(cell):
                result.error(
                    row,
                    _("column %(n)d") % {"n": index + 1},
                    _("A value in a column without a header."),
                )
            continue
        if name in TEXT_COLUMNS:
            item[name] = cell_text(cell)
        elif name == "quantity":
            if cell_text(cell) == "":
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


def _comment(cells) -> bool:
    """A comment line (the template's lists of codes): one cell, the first,
    starting with ``#``; an item's row names more than its SKU."""
    return (
        bool(cells)
        and cell_text(cells[0]).startswith(COMMENT)
        and all(cell_text(cell) == "" for cell in cells[1:])
    )


def rows_collect(rows, result: NoticeFile) -> None:
    """Read ``(file row, cells)`` pairs: the header, then one item per row.
    Blank lines and comments (:func:`_comment`) are skipped.

    A row with a problem is reported, not kept: the file is refused anyway.
    """
    limit = settings.INBOUND_NOTICE_MAX_ITEMS
    columns = None
    count = 0
    for number, cells in rows:
        if columns is None:
            if all(cell_text(cell) == "" for cell in cells) or _comment(cells):
                continue
            columns = _columns_read(list(cells), number, result)
            if result.errors:
                return
            continue
        if _comment(cells):
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
