"""Reading inbound notice files (CSV, XLSX) into the item rows the service takes."""

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from warehouse import sheets, uploads
from warehouse.demo import CATEGORIES


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def read(data: bytes, name: str = "items.csv") -> uploads.NoticeFile:
    return uploads.notice_file_read(SimpleUploadedFile(name, data))


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def messages(result: uploads.NoticeFile) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in result.errors]


# --- the template ------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_template_is_utf8_with_bom_and_reads_back_one_item_per_category():
    """The header, then one example per demo category, every one readable."""
    data = uploads.notice_template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "和田玉手镯" in data.decode("utf-8-sig")

    result = read(data)

    assert result.errors == []
    assert result.kind == "csv"
    assert result.rows == [2, 3, 4, 5]
    assert [item["category"] for item in result.items] == [
        c["code"] for c in CATEGORIES
    ]
    jade = result.items[0]
    assert jade["claim"] == {
        "material": "nephrite jade",
        "weight_g": "52.31",
        "declared_value": "3880.00",
        "packaging": "gift box",
    }
    assert jade["quantity"] == 1
    cosmetics = result.items[1]
    assert cosmetics["gtin"] == "07032069804988"
    assert cosmetics["claim"]["expiry_date"] == "2029-08-31"
    assert cosmetics["claim"]["labels"][:2] == ["name", "net_content"]


@pytest.mark.django_db
def test_xlsx_template_reads_back_exactly_as_the_csv_template():
    """Date cells become ISO dates, number cells strings, as in the CSV."""
    result = read(uploads.notice_template_xlsx(), "template.xlsx")

    assert result.errors == []
    assert result.kind == "xlsx"
    assert result.items == read(uploads.notice_template_csv()).items
    assert result.rows == [2, 3, 4, 5]


def test_every_demo_category_has_a_template_example():
    assert {c["code"] for c in CATEGORIES} <= set(uploads.TEMPLATE_EXAMPLES)


# --- CSV ---------------------------------------------------------------------------


def test_csv_rows_become_api_item_rows():
    """Empty cells are left out of the claim; labels split on | and U+FF1B."""
    result = read(
        csv_bytes(
            "sku,title,category,serial,quantity,claim.weight_g,claim.labels,"
            "claim.material",
            "S1,Bangle,jewellery-jade,SN-1,,52.31,,nephrite jade",
            "S2,Serum,cosmetics,,200,,name|net content\uff1bproducer,",
        )
    )

    assert result.errors == []
    assert result.items == [
        {
            "sku": "S1",
            "title": "Bangle",
            "category": "jewellery-jade",
            "serial": "SN-1",
            "claim": {"weight_g": "52.31", "material": "nephrite jade"},
        },
        {
            "sku": "S2",
            "title": "Serum",
            "category": "cosmetics",
            "serial": "",
            "quantity": 200,
            "claim": {"labels": ["name", "net content", "producer"]},
        },
    ]


def test_csv_saved_by_excel_in_chinese_gb18030_semicolons_slash_dates():
    """Excel's plain "CSV" in a Chinese locale: GB18030, maybe ``;``, 2026/9/1."""
    result = read(
        csv_bytes(
            "sku;title;category;claim.expiry_date;claim.production_date",
            "S1;玻尿酸精华;cosmetics;2029/8/31;2026年9月1日",
            encoding="gb18030",
        )
    )

    assert result.errors == []
    assert result.items[0]["title"] == "玻尿酸精华"
    assert result.items[0]["claim"] == {
        "expiry_date": "2029-08-31",
        "production_date": "2026-09-01",
    }


def test_csv_row_numbers_are_the_file_lines_with_blank_lines_and_quoted_newlines():
    """Row N is the line the record starts on: blank lines count, are skipped."""
    result = read(
        csv_bytes(
            "sku,title,category,quantity",
            "S1,One,cosmetics,1",
            "",
            'S2,"Two',
            'lines",cosmetics,2',
            "S3,Three,cosmetics,x",
        )
    )

    assert result.rows == [2, 4]
    assert result.items[1]["title"] == "Two\nlines"
    assert messages(result) == [(6, "quantity", "Enter a whole number of at least 1.")]


def test_unknown_duplicate_and_missing_columns_are_named_on_row_1():
    result = read(csv_bytes("sku,titel,sku,claim.Weight g", "S1,x,S1,1"))

    assert (1, "titel", result.errors[0].message) in messages(result)
    assert result.errors[0].message.startswith("Unknown column.")
    assert (1, "sku", "This column appears twice.") in messages(result)
    assert (1, "title", "This column is missing.") in messages(result)
    assert (1, "category", "This column is missing.") in messages(result)
    assert any(e.column == "claim.weight g" for e in result.errors)
    assert result.items == []


def test_a_value_under_no_header_is_an_error():
    result = read(csv_bytes("sku,title,category,", "S1,x,cosmetics,oops"))

    assert messages(result) == [
        (2, "column 4", "A value in a column without a header.")
    ]


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "two", "1e3"])
def test_bad_quantities_are_named_by_row(quantity):
    result = read(
        csv_bytes("sku,title,category,quantity", f"S1,x,cosmetics,{quantity}")
    )

    assert messages(result) == [(2, "quantity", "Enter a whole number of at least 1.")]


# --- XLSX --------------------------------------------------------------------------


def test_xlsx_cells_become_strings_dates_and_whole_numbers():
    """Numbers typed in cells arrive as the API takes them: claim values as
    strings, IMEIs without ``.0``, float noise rounded, dates as ISO dates."""
    header = ["sku", "title", "category", "serial", "quantity", "claim.weight_g"]
    header += ["claim.imei", "claim.expiry_date", "claim.declared_value"]
    phone = ["S1", "Phone", "phones-used", 356938035643809, 1.0, 0.1 + 0.2]
    phone += [356938035643809, dt.datetime(2029, 8, 31), 3299]
    serum = ["S2", "Serum", "cosmetics", None, 12, 30, None, dt.date(2028, 1, 2), 12.5]
    data = xlsx([header, phone, [None] * 9, serum])

    result = read(data, "file.xlsx")

    assert result.errors == []
    assert result.rows == [2, 4]
    phone, serum = result.items
    assert phone["serial"] == "356938035643809"
    assert phone["quantity"] == 1
    assert phone["claim"] == {
        "weight_g": "0.3",
        "imei": "356938035643809",
        "expiry_date": "2029-08-31",
        "declared_value": "3299",
    }
    assert serum["quantity"] == 12
    assert serum["claim"] == {
        "weight_g": "30",
        "expiry_date": "2028-01-02",
        "declared_value": "12.5",
    }


def test_xlsx_errors_name_sheet_rows():
    data = xlsx([["sku", "title", "category", "quantity"], [], ["S1", "x", "c", 0.5]])

    assert messages(read(data, "f.xlsx")) == [
        (3, "quantity", "Enter a whole number of at least 1.")
    ]


# --- files that are not notices ----------------------------------------------------

NOT_OURS = "This is not a CSV or XLSX file."


def _docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"PK\x03\x04 damaged zip",
        b"<!DOCTYPE html><html><body>sku,title</body></html>",
        b"sku,title,category\n\x01\x02\x03,x,y\n",
    ],
    ids=["pdf", "png", "jpeg", "broken-zip", "html", "control-chars"],
)
def test_files_that_are_not_csv_or_xlsx_are_refused_by_content(data):
    result = read(data, "items.csv")

    assert messages(result) == [(None, "", NOT_OURS)]
    assert result.items == []


def test_a_zip_that_is_not_a_workbook_is_refused():
    assert messages(read(_docx_like(), "items.xlsx")) == [(None, "", NOT_OURS)]


def test_legacy_xls_is_refused_with_advice():
    result = read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")

    assert "save it as .xlsx or CSV" in result.errors[0].message


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(data):
    assert messages(read(data)) == [(None, "", "The file is empty.")]


def test_a_header_without_items_is_refused():
    assert messages(read(csv_bytes("sku,title,category", ",,"))) == [
        (None, "", "The file has a header but no items.")
    ]


def test_a_file_over_the_size_cap_is_refused_unread(monkeypatch):
    monkeypatch.setattr(uploads.reader, "MAX_UPLOAD_BYTES", 100)
    data = csv_bytes("sku,title,category", *[f"S{n},x,c" for n in range(20)])

    result = read(data)

    assert result.items == []
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith("The file is larger than")


def test_the_size_cap_is_20_mb():
    assert uploads.MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_more_rows_than_a_notice_holds_are_refused(settings):
    settings.INBOUND_NOTICE_MAX_ITEMS = 2
    data = csv_bytes("sku,title,category", "S1,x,c", "S2,x,c", "S3,x,c")

    result = read(data)

    assert messages(result) == [
        (None, "", "A notice holds at most 2 items; split the file.")
    ]


# --- the limits on the work per file -----------------------------------------------
# (the files built to pass them: tests/security/test_uploads.py)


def test_csv_saved_as_excel_unicode_text_utf16_with_tabs():
    """Excel's "Unicode text": UTF-16 with a BOM, tab-separated."""
    data = "\ufeffsku\ttitle\tcategory\nS1\t玻尿酸精华\tcosmetics\n".encode("utf-16-le")

    result = read(data)

    assert result.errors == []
    assert result.items == [
        {"sku": "S1", "title": "玻尿酸精华", "category": "cosmetics", "claim": {}}
    ]


def test_empty_rows_up_to_the_limit_are_skipped_one_more_is_refused(settings):
    """Rows an XLSX leaves out count as empty rows, as blank CSV lines do."""
    settings.INBOUND_UPLOAD_MAX_BLANK_ROWS = 3
    header = ["sku", "title", "category"]
    refused = [(None, "", _blank_rows_message(3))]

    assert read(csv_bytes("sku,title,category", "", ",,", "", "S1,x,c")).rows == [5]
    assert messages(read(csv_bytes("sku,title,category", *[""] * 4, "S1,x,c"))) == (
        refused
    )
    workbook = Workbook()
    workbook.active.append(header)
    workbook.active.cell(row=5, column=1, value="S1")  # rows 2-4 left out
    assert read(_saved(workbook), "f.xlsx").rows == [5]
    workbook.active.cell(row=9, column=1, value="S2")  # 5-8: 7 in all
    assert messages(read(_saved(workbook), "f.xlsx")) == refused


def test_columns_past_the_limit_hold_nothing_or_the_file_is_refused(settings):
    """Empty columns after the last one used (Excel saves them when they were
    formatted) are ignored; a value past the limit names its row."""
    settings.INBOUND_UPLOAD_MAX_COLUMNS = 4

    assert read(csv_bytes("sku,title,category" + "," * 50, "S1,x,c,,,,")).rows == [2]
    assert messages(read(csv_bytes("sku,title,category", "S1,x,c,,y"))) == [
        (2, "", "A value beyond column 4; a notice file has at most 4 columns.")
    ]
    wide = xlsx([["sku", "title", "category", None, "y"]])
    assert messages(read(wide, "f.xlsx")) == [
        (1, "", "A value beyond column 4; a notice file has at most 4 columns.")
    ]


def test_a_limit_met_after_bad_rows_is_listed_first_and_nothing_is_kept(settings):
    settings.INBOUND_UPLOAD_MAX_BLANK_ROWS = 1
    data = csv_bytes("sku,title,category,quantity", "S1,x,c,0", "", "", "S2,x,c,1")

    result = read(data)

    assert messages(result) == [
        (None, "", _blank_rows_message(1)),
        (2, "quantity", "Enter a whole number of at least 1."),
    ]
    assert result.items == []


def test_a_control_character_deep_in_a_csv_names_its_line():
    rows = [f"S{n},x,c" for n in range(10_000)]  # past the first 64 kB
    data = csv_bytes("sku,title,category", *rows, "S,\x1bx,c")

    assert messages(read(data)) == [
        (10002, "", "A control character (U+001B) in the text; remove it.")
    ]


def test_every_limit_has_a_message_in_both_languages():
    """The codes :mod:`warehouse.sheets` refuses with are in the catalogue,
    each translated."""
    source = Path(sheets.__file__).read_text()
    raised = set(re.findall(r'Refused\(\s*"(\w+)"', source))
    raised |= {"control_character"}  # found by uploads itself
    params = {"max": 7001, "mb": 7002, "ratio": 7003, "seconds": 7004}
    params |= {"part": "xl/PART.xml", "error": "ERROR", "character": "U+0000"}

    assert raised == set(uploads.REFUSALS)
    for code, message in uploads.REFUSALS.items():
        english = str(message) % params
        with translation.override("zh-hans"):
            chinese = str(message) % params
        assert chinese != english, code
        for value in map(str, params.values()):
            assert (value in chinese) == (value in english), (code, value)


def _blank_rows_message(limit: int) -> str:
    return (
        f"The file has more than {limit} empty rows; delete the empty rows "
        "(those below the items too) and upload it again."
    )


def _saved(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the service's errors back on file rows ----------------------------------------


def test_service_errors_map_to_file_rows_and_columns():
    """``items[i]`` is the i-th item read; its row is where the file had it."""
    fields = {
        "items[1].claim.weight_g": ["Enter a number."],
        "items[0].claim.weight": ["This claim is required."],
        "items[2].claim.shelf_life": ["This claim is required."],
        "items[2].category": ["Unknown category 'x'."],
        "items[2].imei": ["This claim is required."],
        "items": ["Too many items."],
    }

    errors = uploads.service_errors(fields, [2, 5, 9])

    assert [(e.row, e.column, e.message) for e in errors] == [
        (None, "items", "Too many items."),
        (2, "claim.weight_g", "This claim is required."),
        (5, "claim.weight_g", "Enter a number."),
        (9, "category", "Unknown category 'x'."),
        (9, "claim.expiry_date", "This claim is required."),
        (9, "claim.imei", "This claim is required."),
    ]


def test_labels_split_on_bar_and_both_semicolons():
    assert uploads.labels_split(" a | b\uff1bc;;d ") == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-01", "2026-09-01"),
        ("2026/9/1", "2026-09-01"),
        ("2026.09.01", "2026-09-01"),
        ("2026年9月1日", "2026-09-01"),
        ("2026/2/30", "2026/2/30"),
        ("01/09/2026", "01/09/2026"),
    ],
)
def test_dates_as_spreadsheets_save_them_become_iso(text, expected):
    assert uploads.date_normalise(text) == expected
