"""The columns of a notice file and how a cell reads as text.

``sku``, ``title``, ``category``, optional ``serial``, ``gtin``,
``order_ref``, ``quantity``, and claim columns named ``claim.<key>``. Claim
cells come out as the API takes them: numbers as strings (``"52.31"``),
dates as ISO dates (``"2029-08-31"``), labels as a list.
"""

import datetime as dt
import re

TEXT_COLUMNS = ("sku", "title", "category", "serial", "gtin", "order_ref")
REQUIRED_COLUMNS = ("sku", "title", "category")
CLAIM_PREFIX = "claim."
COMMENT = "#"  # a line before the header starting with it is a comment
CLAIM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DATE_CLAIMS = frozenset(("expiry_date", "production_date"))
# "|", the full-width semicolon (U+FF1B, typed with a Chinese IME) or ";".
LABEL_SEPARATORS = re.compile("[|\uff1b;]")
LOOSE_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# Claims a category names (``Category.claim_fields``) that are not a column:
# the column the merchant fills for each.
REQUIREMENT_COLUMNS = {"weight": "claim.weight_g", "shelf_life": "claim.expiry_date"}


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


def cell_text(value) -> str:
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
