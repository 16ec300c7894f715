"""The template a merchant fills in, as CSV or XLSX: every column, and one
example row per demo category."""

import csv
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from ..demo import CATEGORIES as DEMO_CATEGORIES
from .columns import cell_text

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
