"""What issuing a certificate costs: the job's statements, pinned (it reads
what the certificate states once and writes each row once), and the photos
the PDF takes without decoding them again.

Counted without the savepoints of the test's own transaction (in a worker the
job's transaction is the outermost one, and only the number's retry keeps a
savepoint of its own)."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.worker_memory import photo_jpeg
from inspection import services
from inspection.services.certificates.content import _photo_for_pdf
from inspection.services.certificates.issue import (
    certificate_issue,
    certificates_issue,
)
from warehouse.common.access import principal_of
from warehouse.models import ItemState

from .factories import jade_row, received, weighing

pytestmark = pytest.mark.django_db

ISSUE_STATEMENTS = [
    ("SELECT", "warehouse_item"),  # the items, locked, with their warehouse …
    ("SELECT", "inspection_inspection"),  # the passing inspections, people
    ("SELECT", "inspection_inspectioncheck"),  # … their checks
    ("SELECT", "inspection_inspectionphoto"),  # … and the photos the PDF shows
    ("SELECT", "inspection_certificate"),  # the items' certificates
    ("SELECT", "inspection_certificate"),  # the day's last number
    ("INSERT", "inspection_certificate"),
    ("UPDATE", "inspection_certificate"),  # the stored PDFs and their hashes
    ("INSERT", "inspection_certificatefile"),
    ("INSERT", "inspection_logentry"),  # the transparency log's entries …
    ("WITH", "warehouse_job"),  # … and its integration job
    ("UPDATE", "warehouse_item"),  # certified
    ("INSERT", "warehouse_itemevent"),
]
FULFILMENT_JOBS = [("WITH", "warehouse_job")]  # item_certified: one for a batch


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _passed_with_photo(world, n: int):
    inspector = principal_of(world.inspector)
    item = received(world, jade_row())
    opened, _ = services.inspection_submit(
        principal=inspector,
        code=item.code,
        observed=weighing(weight_g="52.35"),
        complete=False,
    )
    services.inspection_photo_add(
        principal=inspector, inspection_id=opened.pk, data=photo_jpeg(n)
    )
    services.inspection_complete(principal=inspector, inspection_id=opened.pk)
    item.refresh_from_db()
    assert item.state == ItemState.PASSED
    return item


def _statements(captured) -> list[tuple[str, str]]:
    found = []
    for query in captured:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            continue
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
        table = table.group(1) if table else ""
        found.append((verb, table))
    return found


def test_issuing_a_certificate_takes_fourteen_statements(world, qc):
    certificate_issue(item_id=_passed_with_photo(world, 0).pk)  # warm
    item = _passed_with_photo(world, 1)

    with CaptureQueriesContext(connection) as queries:
        certificate = certificate_issue(item_id=item.pk)

    assert certificate is not None and certificate.sha256
    assert _statements(queries.captured_queries) == ISSUE_STATEMENTS + FULFILMENT_JOBS


def test_issuing_a_batch_reads_and_writes_each_table_once(world, qc):
    """A batch of certificates costs the statements of one: fulfilment's jobs
    too (its observer told of the batch's moves at once) are one statement."""
    certificate_issue(item_id=_passed_with_photo(world, 0).pk)  # warm
    items = [_passed_with_photo(world, n) for n in range(1, 6)]

    with CaptureQueriesContext(connection) as queries:
        found = certificates_issue(item_ids=[item.pk for item in items])

    assert sorted(found) == sorted(item.pk for item in items)
    assert len({certificate.number for certificate in found.values()}) == 5
    assert all(certificate.sha256 for certificate in found.values())
    assert _statements(queries.captured_queries) == ISSUE_STATEMENTS + FULFILMENT_JOBS


def test_the_job_run_again_reads_and_writes_nothing_new(world, qc):
    item = _passed_with_photo(world, 0)
    first = certificate_issue(item_id=item.pk)

    with CaptureQueriesContext(connection) as queries:
        again = certificate_issue(item_id=item.pk)

    assert again == first
    # The item (certified now) and its current certificate: two reads.
    assert _statements(queries.captured_queries) == [
        ("SELECT", "warehouse_item"),
        ("SELECT", "inspection_certificate"),
    ]


# --- the photos on the PDF: taken as they are only when nothing is to strip ------


def _jpeg(size, **save) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (62, 140, 110)).save(out, "JPEG", quality=80, **save)
    return out.getvalue()


def test_a_small_bare_jpeg_goes_on_the_pdf_as_it_is():
    data = _jpeg((640, 480))

    assert _photo_for_pdf(data) == data


def test_a_photo_with_exif_is_encoded_again_without_it():
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make; a phone writes where it was taken too
    data = _jpeg((640, 480), exif=exif.tobytes())

    out = _photo_for_pdf(data)

    assert out != data
    with Image.open(io.BytesIO(out)) as image:
        assert "exif" not in image.info
        assert image.size == (640, 480)


def test_a_large_photo_is_made_small_and_a_png_a_jpeg():
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGBA", (300, 200), (1, 2, 3, 255)).save(png, "PNG")
    for data, size in ((_jpeg((4000, 3000)), (640, 480)), (png.getvalue(), (300, 200))):
        with Image.open(io.BytesIO(_photo_for_pdf(data))) as image:
            assert (image.format, image.mode, image.size) == ("JPEG", "RGB", size)
