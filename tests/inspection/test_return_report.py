"""The signed return report: its PDF (both languages, certified beside
returned, the seal, the verdict, the photos), its signature, its job (run
twice, one file) and who may download it."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image
from pypdf import PdfReader

from inspection import messages, selectors, services
from inspection.models import (
    Certificate,
    InspectionPhoto,
    ReturnInspection,
    ReturnPhoto,
)
from inspection.services.returns import report as reporting
from inspection.services.returns import return_compare
from tests.conftest import api_client
from warehouse.common import jobs
from warehouse.common.access import principal_of
from warehouse.models import Item, Job, ReturnNotice, ReturnNoticeItem

from .factories import jade_row, received, weighing

pytestmark = pytest.mark.django_db

REPORT_URL = "/api/v1/return-inspections/{pk}/report.pdf"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def _jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(out, format="JPEG")
    return out.getvalue()


def _certified(world) -> tuple[Item, Certificate]:
    """A jade item inspected (52.350 g), passed and certified, as a worker does."""
    item = received(world, jade_row())
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed=weighing(weight_g="52.35"),
    )
    job = Job.objects.get(name=services.CERTIFICATE_JOB, args={"item_id": item.pk})
    assert jobs.job_run(job.pk) == Job.State.DONE
    item.refresh_from_db()
    certificate = selectors.certificate_current_for_item(item)
    for colour in ("red", "blue"):
        data = _jpeg(colour)
        InspectionPhoto.objects.create(
            inspection=certificate.inspection,
            image=ContentFile(data, name="certified.jpg"),
            content_type="image/jpeg",
            size=len(data),
            width=400,
            height=300,
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=world.inspector,
        )
    return item, certificate


# FIXTURE: the return inspection row is built directly with the model from
# the judge's answer (inspection.services.returns.return_compare), as the
# return inspection service stores it; the item's state is not walked
# through the return flow: the report reads only the inspection.
def _return_inspection(world, qc, *, weight_g="52.36", status="closed", **kw):
    item, certificate = _certified(world)
    certificate.seal = "S00012345"
    certificate.save(update_fields=["seal"])
    notice = ReturnNotice.objects.create(
        return_id="RT-7001",
        merchant=item.merchant,
        warehouse=item.warehouse,
        order_ref="ORD-1",
        reason="no_reason",
        buyer_note="买错了",
        carrier="sf",
        tracking_number="SF1234567890",
        created_by=world.platform,
    )
    ReturnNoticeItem.objects.create(notice=notice, item=item)
    judged = return_compare(
        item=item,
        observed={
            "seal": {"present": True, "intact": True, "number": "S00012345"},
            "weight_g": weight_g,
            "material": "和田玉",
        },
    )
    inspection = ReturnInspection.objects.create(
        item=item,
        notice=notice,
        certificate=certificate,
        number=1,
        observed=judged["observed"],
        certified=judged["certified"],
        checks=judged["checks"],
        verdict=judged["verdict"],
        outcome=judged["outcome"],
        status=status,
        inspected_by=world.inspector,
        **kw,
    )
    for colour in ("green", "yellow", "white"):
        data = _jpeg(colour)
        ReturnPhoto.objects.create(
            inspection=inspection,
            image=ContentFile(data, name="returned.jpg"),
            content_type="image/jpeg",
            size=len(data),
            width=400,
            height=300,
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=world.inspector,
        )
    return inspection


def _enqueued(inspection) -> Job:
    with transaction.atomic():
        reporting.return_report_enqueue(inspection)
    return Job.objects.get(name=reporting.RETURN_REPORT_JOB)


def _rendered(inspection) -> ReturnInspection:
    assert jobs.job_run(_enqueued(inspection).pk) == Job.State.DONE
    inspection.refresh_from_db()
    return inspection


def _pdf(inspection) -> bytes:
    with inspection.report.open("rb") as handle:
        return handle.read()


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _images(data: bytes) -> int:
    """The image XObjects of the PDF's pages."""
    count = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        count += sum(
            1 for ref in xobjects.values() if ref.get_object()["/Subtype"] == "/Image"
        )
    return count


# --- the job --------------------------------------------------------------------------


def test_the_job_is_keyed_per_inspection_and_recorded_once(world, qc):
    inspection = _return_inspection(world, qc)

    with transaction.atomic():
        reporting.return_report_enqueue(inspection)
        reporting.return_report_enqueue(inspection)

    job = Job.objects.get(name=reporting.RETURN_REPORT_JOB)
    assert job.key == f"return-report:{inspection.pk}"
    assert job.args == {"inspection_id": inspection.pk}


def test_a_report_enqueued_in_a_rolled_back_verdict_is_not_recorded(world, qc):
    inspection = _return_inspection(world, qc)

    with pytest.raises(RuntimeError), transaction.atomic():
        reporting.return_report_enqueue(inspection)
        raise RuntimeError("the verdict failed")

    assert not Job.objects.filter(name=reporting.RETURN_REPORT_JOB).exists()


def test_the_job_run_twice_writes_one_file(world, qc, tmp_path):
    inspection = _return_inspection(world, qc)
    job = _enqueued(inspection)

    first = jobs.job_run(job.pk)
    second = jobs.job_run(job.pk)  # a second delivery of the same message
    Job.objects.filter(pk=job.pk).update(state=Job.State.PENDING)  # queued again
    third = jobs.job_run(job.pk)

    assert (first, second, third) == ("done", "skipped", "done")
    inspection.refresh_from_db()
    reports = list((tmp_path / "media" / "returns").rglob("*.pdf"))
    assert [path.name for path in reports] == [
        f"{inspection.certificate.number}-R1.pdf"
    ]
    assert hashlib.sha256(_pdf(inspection)).hexdigest() == inspection.report_sha256


def test_a_report_already_stored_is_not_written_again(world, qc):
    inspection = _rendered(_return_inspection(world, qc))
    before = (inspection.report.name, inspection.report_sha256)

    again = reporting.return_report_render(inspection_id=inspection.pk)

    assert (again.report.name, again.report_sha256) == before


def test_an_inspection_awaiting_signoff_gets_no_report_yet(world, qc):
    inspection = _return_inspection(
        world, qc, weight_g="48.10", status="awaiting_signoff"
    )

    reporting.return_report_render(inspection_id=inspection.pk)

    inspection.refresh_from_db()
    assert not inspection.report
    assert inspection.report_content == {}


def test_a_file_left_by_a_run_that_died_is_replaced(world, qc, tmp_path):
    inspection = _return_inspection(world, qc)
    with transaction.atomic():
        reporting.return_report_render(inspection_id=inspection.pk)
        transaction.set_rollback(True)  # the worker died before the commit

    inspection = _rendered(inspection)

    reports = list((tmp_path / "media" / "returns").rglob("*.pdf"))
    assert len(reports) == 1
    assert hashlib.sha256(reports[0].read_bytes()).hexdigest() == (
        inspection.report_sha256
    )


# --- the PDF --------------------------------------------------------------------------


def test_the_pdf_states_certified_and_returned_in_both_languages(world, qc):
    inspection = _rendered(_return_inspection(world, qc))

    text = _text(_pdf(inspection))

    for label in ("认证时", "Certified", "退回时", "Returned", "退货核验报告"):
        assert label in text
    assert "52.350 g" in text  # certified
    assert "52.360 g" in text  # returned
    assert "S00012345" in text
    assert "MATCHES" in text and "与认证一致" in text
    assert inspection.certificate.number in text
    assert inspection.item.code in text
    assert "inspector" in text  # who inspected


def test_a_mismatch_prints_its_verdict(world, qc):
    inspection = _rendered(
        _return_inspection(world, qc, weight_g="48.10", status="disputed")
    )

    text = _text(_pdf(inspection))

    assert "MISMATCH" in text and "与认证不符" in text
    assert "48.100 g" in text
    assert inspection.report_content["verdict"] == "mismatch"


def test_the_pdf_holds_no_buyer_data(world, qc):
    inspection = _rendered(_return_inspection(world, qc))

    text = _text(_pdf(inspection))
    content = str(inspection.report_content)

    for private in ("SF1234567890", "买错了", "no_reason", "ORD-1"):
        assert private not in text
        assert private not in content


def test_both_sides_photos_are_embedded(world, qc):
    inspection = _rendered(_return_inspection(world, qc))

    assert _images(_pdf(inspection)) == 2 + 3  # certified + returned
    photos = inspection.report_content["photos"]
    assert len(photos["certified"]) == 2
    assert len(photos["returned"]) == 3


def test_the_same_content_renders_the_same_bytes(world, qc):
    inspection = _rendered(_return_inspection(world, qc))

    from inspection.pdf.return_report import return_report_pdf

    again = return_report_pdf(reporting.return_report_document(inspection))

    assert hashlib.sha256(again).hexdigest() == inspection.report_sha256


# --- the signature --------------------------------------------------------------------


def test_the_signature_verifies_and_a_changed_byte_fails(world, qc):
    inspection = _rendered(_return_inspection(world, qc))
    assert inspection.report_key_id
    assert reporting.return_report_signature_valid(inspection)

    inspection.report_content["points"][1]["returned"] = 52_361
    assert not reporting.return_report_signature_valid(inspection)

    inspection.refresh_from_db()
    inspection.report_content["seal"] = "S00012346"
    assert not reporting.return_report_signature_valid(inspection)


def test_a_signature_under_an_unknown_key_fails(world, qc):
    inspection = _rendered(_return_inspection(world, qc))

    inspection.report_key_id = "retired"

    assert not reporting.return_report_signature_valid(inspection)


# --- the download ---------------------------------------------------------------------


def test_platform_merchant_and_staff_download_it(world, qc):
    inspection = _rendered(_return_inspection(world, qc))
    url = REPORT_URL.format(pk=inspection.pk)

    for user in (world.platform, world.merchant_user, world.inspector, world.admin):
        response = api_client(user).get(url)
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        data = b"".join(response.streaming_content)
        assert hashlib.sha256(data).hexdigest() == inspection.report_sha256
        assert response["ETag"] == f'"{inspection.report_sha256}"'
        assert response["X-Report-SHA256"] == inspection.report_sha256


def test_another_merchant_and_another_warehouse_get_a_404(world, qc):
    inspection = _rendered(_return_inspection(world, qc))
    url = REPORT_URL.format(pk=inspection.pk)

    for user in (world.merchant2_user, world.station_sih):
        response = api_client(user).get(url)
        assert response.status_code == 404, user
        assert response.json()["error"]["code"] == "not_found"
    assert api_client(world.platform).get(REPORT_URL.format(pk=999999)).status_code == (
        404
    )


def test_anonymous_is_refused(world, qc):
    inspection = _rendered(_return_inspection(world, qc))

    response = api_client().get(REPORT_URL.format(pk=inspection.pk))

    assert response.status_code in (401, 403)


def test_a_report_not_rendered_yet_is_a_409_report_pending(world, qc):
    inspection = _return_inspection(world, qc)

    response = api_client(world.merchant_user).get(REPORT_URL.format(pk=inspection.pk))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "report_pending"


def test_each_points_reason_is_printed_in_both_languages(world, qc):
    inspection = _rendered(_return_inspection(world, qc))

    text = " ".join(_text(_pdf(inspection)).split())

    for point in inspection.checks:
        for language in ("zh-hans", "en"):
            reason = messages.return_point_reason(
                point["code"], point["params"], language
            )
            assert " ".join(reason.split())[:12] in text, (language, reason)


# --- through the return inspection service --------------------------------------------


def _report_job_run(inspection_id: int) -> ReturnInspection:
    job = Job.objects.get(
        name=reporting.RETURN_REPORT_JOB, key=f"return-report:{inspection_id}"
    )
    assert jobs.job_run(job.pk) == Job.State.DONE
    return ReturnInspection.objects.get(pk=inspection_id)


def test_a_matching_return_gets_its_report_through_the_service(world, qc):
    from .test_returns_api import inspect, jade_back

    item = jade_back(world)
    answer = inspect(world, item)
    assert answer.status_code == 201, answer.json()
    pending = api_client(world.merchant_user).get(
        REPORT_URL.format(pk=answer.json()["id"])
    )
    assert pending.json()["error"]["code"] == "report_pending"

    inspection = _report_job_run(answer.json()["id"])

    text = _text(_pdf(inspection))
    assert "MATCHES" in text and "S00012345" in text
    assert reporting.return_report_signature_valid(inspection)
    response = api_client(world.merchant_user).get(REPORT_URL.format(pk=inspection.pk))
    assert response.status_code == 200
    assert response["ETag"] == f'"{inspection.report_sha256}"'


def test_a_disputed_sign_off_is_reported_with_its_note(world, qc):
    from .test_returns_api import SAME, inspect, jade_back
    from .test_returns_signoff import sign

    item = jade_back(world)
    inspection_id = inspect(world, item, {**SAME, "weight_g": "50.31"}).json()["id"]
    assert not Job.objects.filter(name=reporting.RETURN_REPORT_JOB).exists()
    answer = sign(qc.inspector2, inspection_id, approve=False, note="重量差两克")
    assert answer.status_code == 200, answer.json()

    inspection = _report_job_run(inspection_id)

    text = _text(_pdf(inspection))
    assert "MISMATCH" in text
    assert "50.310 g" in text and "52.310 g" in text
    assert "inspector2" in text and "重量差两克" in text
    assert inspection.report_content["signoff"]["approved"] is False
