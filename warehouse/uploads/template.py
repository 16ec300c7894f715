"""The template a merchant fills in, as CSV or XLSX: every column, one
example row per demo category, and the codes of the categories and of the
vocabularies the claim columns take, with their Chinese and English names (a
cell may hold any of them): a second sheet of the workbook, comment lines
(``#`` …) below the CSV's examples, which the reader skips."""

import csv
import datetime as dt
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ..demo import CATEGORIES as DEMO_CATEGORIES
from ..vocabularies import MARKINGS, MATERIALS, PACKAGING_TYPES, Term, categories
from .columns import COMMENT, cell_text

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


# The claim columns whose values are vocabulary terms.
VOCABULARY_COLUMNS = (
    ("claim.material", MATERIALS),
    ("claim.packaging", PACKAGING_TYPES),
    ("claim.labels", MARKINGS),
)


def _columns_terms() -> list[tuple[str, list[Term]]]:
    """``(column, terms)``: the active categories (from the database), then
    the terms each claim column takes."""
    vocabulary = categories()
    return [
        ("category", [vocabulary.terms[code] for code in vocabulary.active]),
        *((column, list(vocabulary)) for column, vocabulary in VOCABULARY_COLUMNS),
    ]


def _codes_rows() -> list[list[str]]:
    """``[column, code, 中文, English]`` for every category and every term a
    claim column takes."""
    return [
        [column, term.code, term.zh, term.en]
        for column, terms in _columns_terms()
        for term in terms
    ]


def _codes_heading() -> list[str]:
    return [_("column"), _("code"), "中文", "English"]


def _codes_note() -> str:
    return _(
        "A category, a material, a packaging type or a marking may be given by "
        "its code, its Chinese or its English name."
    )


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
        writer.writerow(cell_text(value) for value in row)
    writer.writerow([])
    writer.writerow([f"{COMMENT} {_codes_note()}"])
    for column, terms in _columns_terms():
        listed = "; ".join(f"{t.code} = {t.zh} / {t.en}" for t in terms)
        writer.writerow([f"{COMMENT} {column}: {listed}"])
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
    codes = workbook.create_sheet("codes")
    codes.append([_codes_note()])
    codes.append(_codes_heading())
    for cell in codes[2]:
        cell.font = Font(bold=True)
    for row in _codes_rows():
        codes.append(row)
    for letter, width in zip("ABCD", (18, 18, 18, 30), strict=True):
        codes.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
