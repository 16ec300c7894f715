"""Uploads are judged by their bytes and their size, never by name or header.

Complements tests/inspection/test_api.py (photos that are not images, a photo
over the byte limit), tests/inspection/test_pages.py (a script posted as a
photo), tests/warehouse/views/test_portal.py (a CSV over the cap) and
tests/warehouse/test_uploads.py (the file reader).
"""

import io
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from inspection.models import InspectionPhoto
from inspection.views import verify as verify_views
from tests.conftest import api_client
from tests.security.conftest import png
from warehouse import sheets, uploads
from warehouse.models import InboundNotice

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<html><body><script>document.location='//evil.example'</script></body></html>"
# A PNG signature and header chunk with nothing after: it starts like a PNG.
HALF_PNG = png()[:40]


def photo_api(user, inspection_id, upload):
    return api_client(user).post(
        f"/api/v1/inspections/{inspection_id}/photos/",
        {"image": upload},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def stored_files(settings) -> list:
    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    [
        ("front.png", "image/png", HTML),
        ("front.svg", "image/svg+xml", SVG),
        ("front.jpg", "image/jpeg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
        ("front.png", "image/png", HALF_PNG),
    ],
)
def test_a_photo_is_refused_when_its_bytes_are_no_image(
    world, estate, settings, name, content_type, data
):
    """Whatever the name and Content-Type claim, the bytes decide (API)."""
    before = stored_files(settings)

    response = photo_api(
        world.inspector,
        estate.inspection.pk,
        SimpleUploadedFile(name, data, content_type=content_type),
    )

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_image"
    assert error["message"] == "Not a readable JPEG, PNG or WebP image."
    assert InspectionPhoto.objects.count() == 1  # the estate's own
    assert stored_files(settings) == before


def test_a_photo_with_too_many_pixels_is_refused_before_decoding(
    world, estate, settings
):
    """A decompression bomb (small file, huge picture) is a 413 too_large."""
    settings.INSPECTION_PHOTO_MAX_PIXELS = 1000

    response = photo_api(
        world.inspector,
        estate.inspection.pk,
        SimpleUploadedFile("big.png", png(size=(100, 100)), content_type="image/png"),
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert "megapixels" in response.json()["error"]["message"]
    assert InspectionPhoto.objects.count() == 1


def page_photo(client, inspection_id, upload):
    return client.post(
        reverse("inspect:photo-add", kwargs={"inspection_id": inspection_id}),
        {"image": upload},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_photo_page_refuses_a_file_over_the_limit(client, world, estate, settings):
    settings.INSPECTION_PHOTO_MAX_BYTES = 1024 * 1024
    client.force_login(world.inspector)
    big = png(size=(300, 300)) + b"\x00" * (1024 * 1024)

    response = page_photo(
        client,
        estate.inspection.pk,
        SimpleUploadedFile("big.png", big, content_type="image/png"),
    )

    assert response.status_code == 400
    assert "The photo is larger than 1 MB." in response.content.decode()
    assert InspectionPhoto.objects.count() == 1


def test_the_photo_page_judges_the_bytes_too(client, world, estate, settings):
    client.force_login(world.inspector)

    response = page_photo(
        client,
        estate.inspection.pk,
        SimpleUploadedFile("front.png", HTML, content_type="image/png"),
    )

    assert response.status_code == 400
    assert "Not a readable JPEG, PNG or WebP image." in response.content.decode()
    assert InspectionPhoto.objects.count() == 1


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["sku", "title", "category", "claim.material"])
    workbook.active.append(["B-1", "Bangle", "jewellery-jade", "nephrite jade"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_over_the_cap_is_a_413_and_announces_nothing(
    client, world, monkeypatch
):
    """The portal's cap holds for workbooks as for CSV (tested in the portal's
    own tests): the file is refused unread, with the limit named."""
    monkeypatch.setattr(uploads.reader, "MAX_UPLOAD_BYTES", 1000)
    client.force_login(world.merchant_user)
    data = xlsx_bytes()
    assert len(data) > 1000

    response = client.post(
        reverse("portal:notice-upload"),
        {
            "reference": "FILE-BIG",
            "warehouse": "GZ",
            "file": SimpleUploadedFile("items.xlsx", data),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 413
    assert "The file is larger than 0 MB; split the shipment." in (
        response.content.decode()
    )
    assert InboundNotice.objects.count() == 0


def test_a_certificate_pdf_over_the_cap_is_a_413(client, db, monkeypatch):
    monkeypatch.setattr(verify_views, "MAX_PDF_BYTES", 100)

    response = client.post(
        "/verify/",
        {"pdf": SimpleUploadedFile("c.pdf", b"%PDF-1.7\n" + b"0" * 200)},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 413
    assert "That file is too large to be one of our certificates." in (
        response.content.decode()
    )


def test_a_request_body_over_the_limit_is_a_json_400(world, settings):
    """Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are refused in the API's shape."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"reference": "R-1", "warehouse": "GZ", "items": [], "pad": "x" * 2000}

    response = api_client(world.merchant_user).post(
        "/api/v1/inbound-notices/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 413, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "too_large"
    assert InboundNotice.objects.count() == 0


# --- notice files built to hold a web worker ----------------------------------------
#
# Each is refused (or read) through the upload page after bounded work (XML
# events and CSV lines the reader handled: a count, not a clock, so a busy
# machine cannot fail it), with the limit it passes named and nothing saved.
# The workbooks are written part by part, as a hostile file would be: a sheet
# of millions of rows, a declared dimension of the whole grid, a value in the
# last column, a shared-strings table of millions of entries or one of
# megabytes.

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEADER = ("sku", "title", "category", "claim.material", "claim.weight_g")
ITEM = ("B-1", "Bangle", "jewellery-jade", "nephrite jade", "52.31")
# The largest case, 500,000 empty cells, is a million XML events; reading any
# of these files whole would be several million.
WORK_BOUND = 2_000_000


def inline_row(number: int, values) -> bytes:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'.encode()


def workbook(
    rows: bytes,
    *,
    dimension: str = "",
    strings: bytes | None = None,
    prolog: bytes = b"",
) -> bytes:
    """An XLSX of hand-written parts: ``rows`` inside the first sheet's
    ``sheetData`` (after the header row and one item), ``strings`` as the
    shared-strings table's entries, ``prolog`` before the sheet's root."""
    overrides = [
        ("/xl/workbook.xml", f"{TYPES}.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", f"{TYPES}.worksheet+xml"),
    ]
    relations = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    parts = {}
    if strings is not None:
        overrides.append(("/xl/sharedStrings.xml", f"{TYPES}.sharedStrings+xml"))
        relations.append(("rId2", "sharedStrings", "sharedStrings.xml"))
        parts["xl/sharedStrings.xml"] = (
            f'<sst xmlns="{MAIN}">'.encode() + strings + b"</sst>"
        )
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(
            f'<Override PartName="{name}" ContentType="{kind}"/>'
            for name, kind in overrides
        )
        + "</Types>"
    ).encode()
    parts["_rels/.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="'
        f'{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ).encode()
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        '<sheet name="items" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ).encode()
    parts["xl/_rels/workbook.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships">'
        + "".join(
            f'<Relationship Id="{rid}" Type="{RELS}/{kind}" Target="{target}"/>'
            for rid, kind, target in relations
        )
        + "</Relationships>"
    ).encode()
    parts["xl/worksheets/sheet1.xml"] = (
        prolog
        + f'<worksheet xmlns="{MAIN}">'.encode()
        + (f'<dimension ref="{dimension}"/>'.encode() if dimension else b"")
        + b"<sheetData>"
        + inline_row(1, HEADER)
        + inline_row(2, ITEM)
        + rows
        + b"</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def upload_measured(client, user, data: bytes, name: str = "items.xlsx", **headers):
    """The upload page's answer to ``data``, and the work the reader did for
    it: the XML events and CSV lines it handled."""
    client.force_login(user)
    work = 0

    def events(source, clock):
        nonlocal work
        for event in read_events(source, clock):
            work += 1
            yield event

    def lines(text, longest):
        nonlocal work
        for line in read_lines(text, longest):
            work += 1
            yield line

    read_events, read_lines = sheets._events, sheets._lines
    with (
        mock.patch.object(sheets, "_events", events),
        mock.patch.object(sheets, "_lines", lines),
    ):
        response = client.post(
            reverse("portal:notice-upload"),
            {
                "reference": "BOMB-1",
                "warehouse": "GZ",
                "file": SimpleUploadedFile(name, data),
            },
            HTTP_ACCEPT_LANGUAGE=headers.get("language", "en"),
        )
    return response, work


def assert_refused(response, work: int, message: str) -> None:
    assert work < WORK_BOUND
    assert response.status_code == 400, response.content.decode()[-2000:]
    assert message in response.content.decode()
    assert not InboundNotice.objects.exists()


MILLIONS_OF_EMPTY_ROWS = b"<row/>" * 3_000_000


def test_millions_of_empty_rows_in_a_small_workbook_are_a_zip_bomb(client, world):
    """The issue's file: tens of kB unpacking to tens of MB of empty rows. The
    zip directory gives it away before anything is unpacked."""
    data = workbook(MILLIONS_OF_EMPTY_ROWS)
    assert len(data) < 100_000

    response, work = upload_measured(client, world.merchant_user, data)

    assert_refused(
        response,
        work,
        "Part xl/worksheets/sheet1.xml of the workbook unpacks to more than "
        "100 times its packed size",
    )


def test_millions_of_empty_rows_stop_at_the_empty_row_limit(client, world, settings):
    """Without the ratio guard, the rows themselves: reading stops at the
    10,000th empty row, not at the three millionth."""
    settings.INBOUND_UPLOAD_MAX_ZIP_RATIO = 1_000_000

    response, work = upload_measured(
        client, world.merchant_user, workbook(MILLIONS_OF_EMPTY_ROWS)
    )

    assert_refused(response, work, "The file has more than 10000 empty rows")


def test_rows_the_sheet_skips_count_as_empty_rows_without_being_visited(client, world):
    """One row at the bottom of the grid: a million missing rows before it."""
    last = inline_row(1_048_576, ("B-2", "Ring", "jewellery-jade", "gold", "3"))

    response, work = upload_measured(client, world.merchant_user, workbook(last))

    assert_refused(response, work, "The file has more than 10000 empty rows")


def test_a_declared_dimension_of_the_whole_grid_is_not_trusted(client, world):
    """``A1:XFD1048576`` declared over an item and 5,000 empty rows: the rows
    are read as the sheet holds them (the declaration made openpyxl pad each
    to 16,384 cells, every one looked at), and the notice is announced."""
    data = workbook(b"<row/>" * 5_000, dimension="A1:XFD1048576")

    response, work = upload_measured(client, world.merchant_user, data)

    assert work < WORK_BOUND
    assert response.status_code == 302, response.content.decode()[-2000:]
    notice = InboundNotice.objects.get(reference="BOMB-1")
    assert list(notice.items.values_list("sku", flat=True)) == ["B-1"]


def test_a_value_in_the_last_column_is_refused_by_the_column_limit(client, world):
    row = b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'

    response, work = upload_measured(client, world.merchant_user, workbook(row))

    assert_refused(
        response,
        work,
        "Row 3: A value beyond column 100; a notice file has at most 100 columns.",
    )


def test_rows_of_thousands_of_empty_cells_are_bounded_by_the_cell_limit(
    client, world, settings
):
    """Empty cells cost reading too: 40 rows of 16,384 formatted empty cells
    pass a cell limit of 500,000."""
    settings.INBOUND_UPLOAD_MAX_CELLS = 500_000
    settings.INBOUND_UPLOAD_MAX_ZIP_RATIO = 1_000_000
    row = b"<row>" + b'<c s="0"/>' * 16_384 + b"</row>"

    response, work = upload_measured(client, world.merchant_user, workbook(row * 40))

    assert_refused(
        response,
        work,
        "The file has more than 500000 cells; split it into several files.",
    )


def test_a_shared_strings_table_of_millions_is_read_only_as_far_as_used(
    client, world, settings
):
    """Two million entries, the sheet using the first: the table is read to
    its first entry, the notice announced."""
    settings.INBOUND_UPLOAD_MAX_ZIP_RATIO = 1_000_000
    strings = b"<si><t>nephrite jade</t></si>" + b"<si><t>x</t></si>" * 2_000_000
    row = b'<row r="3">' + b'<c t="inlineStr"><is><t>B-3</t></is></c>'
    row += b'<c t="inlineStr"><is><t>Ring</t></is></c>'
    row += b'<c t="inlineStr"><is><t>jewellery-jade</t></is></c>'
    row += b'<c t="s"><v>0</v></c><c><v>3</v></c></row>'

    response, work = upload_measured(
        client, world.merchant_user, workbook(row, strings=strings)
    )

    assert work < WORK_BOUND
    assert response.status_code == 302, response.content.decode()[-2000:]
    notice = InboundNotice.objects.get(reference="BOMB-1")
    assert notice.items.get(sku="B-3").claim["material"] == "nephrite jade"


def test_a_cell_pointing_past_the_cell_limit_into_the_strings_is_refused(
    client, world, settings
):
    strings = b"<si><t>x</t></si>" * 1000
    row = b'<row r="3"><c t="s"><v>4999999</v></c></row>'

    response, work = upload_measured(
        client, world.merchant_user, workbook(row, strings=strings)
    )

    assert_refused(response, work, "The file has more than 4000000 cells")


@pytest.mark.parametrize(
    "length", [40_000, 50_000_000], ids=["longer-than-a-cell", "megabytes"]
)
def test_a_huge_shared_string_is_refused_by_the_cell_length(
    client, world, settings, length
):
    settings.INBOUND_UPLOAD_MAX_ZIP_RATIO = 1_000_000
    strings = b"<si><t>" + b"x" * length + b"</t></si>"
    row = b'<row r="3"><c t="s"><v>0</v></c></row>'

    response, work = upload_measured(
        client, world.merchant_user, workbook(row, strings=strings)
    )

    assert_refused(response, work, "A cell holds more than 32767 characters.")


LAUGHS = b"".join(
    b'<!ENTITY l%d "%s">' % (n, b"&l%d;" % (n - 1) * 10 if n else b"lol" * 10)
    for n in range(10)
)


@pytest.mark.parametrize(
    ("prolog", "cell"),
    [
        (b"<!DOCTYPE worksheet [" + LAUGHS + b"]>", b"&l9;"),
        (b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>', b"&e;"),
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_xml_entities_in_a_workbook_are_refused(client, world, prolog, cell):
    row = b'<row r="3"><c t="inlineStr"><is><t>' + cell + b"</t></is></c></row>"

    response, work = upload_measured(
        client, world.merchant_user, workbook(row, prolog=prolog)
    )

    assert_refused(response, work, "This is not a CSV or XLSX file.")


def test_a_workbook_unpacking_past_the_limit_is_refused_unread(client, world, settings):
    settings.INBOUND_UPLOAD_MAX_UNPACKED_MB = 1
    rows = b"".join(
        inline_row(n, (f"B-{n}", "Bangle", "jewellery-jade", "jade", "1"))
        for n in range(3, 20_000)
    )

    response, work = upload_measured(client, world.merchant_user, workbook(rows))

    assert_refused(
        response,
        work,
        "The workbook unpacks to more than 1 MB; split it or save it as CSV.",
    )


def test_a_huge_styles_part_is_refused_unread(client, world, settings):
    """Parts read whole (content types, workbook, styles) stay small."""
    settings.INBOUND_UPLOAD_MAX_ZIP_RATIO = 1_000_000
    data = workbook(b"")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            target.writestr(part, source.read(part))
        target.writestr(
            "xl/styles.xml",
            f'<styleSheet xmlns="{MAIN}"><numFmts>'.encode()
            + b'<numFmt numFmtId="200" formatCode="0"/>' * 200_000
            + b"</numFmts></styleSheet>",
        )

    response, work = upload_measured(client, world.merchant_user, out.getvalue())

    assert_refused(
        response,
        work,
        "Part xl/styles.xml of the workbook unpacks to more than 4 MB",
    )


def csv_upload(*lines: str | bytes) -> bytes:
    header = ",".join(HEADER) + "\n" + ",".join(ITEM) + "\n"
    return header.encode() + b"".join(
        line if isinstance(line, bytes) else line.encode() for line in lines
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            csv_upload("\n" * 5_000_000),
            "The file has more than 10000 empty rows",
        ),
        (
            csv_upload(",,,,\n" * 1_000_000),
            "The file has more than 10000 empty rows",
        ),
        (
            csv_upload("x" * 4_000_000 + "\n"),
            "Row 3: A line is longer than 3277000 characters.",
        ),
        (
            csv_upload("B-2," + "x," * 1_000_000 + "\n"),
            "Row 3: A value beyond column 100; a notice file has at most 100 columns.",
        ),
        (
            csv_upload('B-2,"' + "x" * 200_000 + '",jewellery-jade\n'),
            "Row 3: A cell holds more than 32767 characters.",
        ),
        (
            csv_upload("B-2," + "x" * 40_000 + ",jewellery-jade\n"),
            "Row 3: A cell holds more than 32767 characters.",
        ),
        (
            csv_upload(
                *[f"B-{n},Bangle,jewellery-jade,jade,1\n" for n in range(70_000)]
            )
            + b"B-x,Ring\x00,jewellery-jade,jade,1\n",
            "Row 70003: A control character (U+0000) in the text; remove it.",
        ),
    ],
    ids=[
        "millions-of-blank-lines",
        "millions-of-empty-records",
        "a-megabytes-line",
        "a-million-columns",
        "a-field-over-the-csv-limit",
        "a-cell-over-the-cell-limit",
        "nul-after-the-first-64-kb",
    ],
)
def test_csv_files_built_to_hold_a_worker_are_refused_naming_the_limit(
    client, world, data, message
):
    assert len(data) <= uploads.MAX_UPLOAD_BYTES

    response, work = upload_measured(
        client, world.merchant_user, data, name="items.csv"
    )

    assert_refused(response, work, message)


def test_reading_past_the_time_budget_is_refused(client, world, settings):
    """The last guard, whatever the file: the reading's wall-clock budget."""
    settings.INBOUND_UPLOAD_READ_SECONDS = 0

    response, work = upload_measured(
        client, world.merchant_user, csv_upload(), name="items.csv"
    )

    assert_refused(
        response,
        work,
        "Reading the file took more than 0 seconds; split it into smaller files.",
    )


def test_a_limit_is_named_in_the_readers_language(client, world):
    response, work = upload_measured(
        client,
        world.merchant_user,
        csv_upload("\n" * 20_000),
        name="items.csv",
        language="zh-hans",
    )

    assert_refused(response, work, "空行超过 10000 行")
