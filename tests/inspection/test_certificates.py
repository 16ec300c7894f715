"""Certificates: issue, PDF content and barcodes, verification, revocation,
idempotent and recoverable jobs (recorded with the verdict, in the outbox)."""

import importlib
import io
from unittest import mock

import pypdfium2
import pytest
import zxingcpp
from django.apps import apps as django_apps
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from inspection import selectors, services
from inspection.models import Certificate, CertificateFile
from inspection.services.certificates import issue as issuing
from inspection.services.certificates import number_is_valid
from inspection.trust.seal import seal_decode_verify
from tests.conftest import api_client
from warehouse import lifecycle
from warehouse.common import jobs
from warehouse.common.access import principal_of
from warehouse.common.exceptions import Conflict, Forbidden
from warehouse.common.tasks import job_run_task
from warehouse.demo import demo_clock
from warehouse.models import Item, ItemEvent, ItemState, Job

from .factories import GOOD_JADE, jade_row, received, weighing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def passed_item(world, **observed) -> Item:
    """A jade item inspected and passed (its certificate job not yet run)."""
    item = received(world, jade_row())
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed={**weighing(weight_g="52.35"), **observed},
    )
    item.refresh_from_db()
    assert item.state == ItemState.PASSED
    return item


def certificate_job(item: Item) -> Job:
    """The item's one certificate job (the test fails if there are more)."""
    return Job.objects.get(name=services.CERTIFICATE_JOB, args={"item_id": item.pk})


def certified_item(world) -> tuple[Item, Certificate]:
    """A passed item whose certificate job ran, as a worker runs it."""
    item = passed_item(world)
    assert jobs.job_run(certificate_job(item).pk) == Job.State.DONE
    item.refresh_from_db()
    return item, selectors.certificate_current_for_item(item)


def pdf_bytes(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


# --- issuing --------------------------------------------------------------------------


def test_issuing_certifies_the_item_with_a_signed_numbered_certificate(world, qc):
    item, certificate = certified_item(world)

    assert item.state == ItemState.CERTIFIED
    assert certificate.number.startswith("GZ-")
    assert number_is_valid(certificate.number)
    assert len(certificate.token) >= 22  # >= 128 bits
    assert services.signature_valid(certificate)
    assert certificate.sha256 == CertificateFile.objects.get().sha256
    event = ItemEvent.objects.filter(item=item).last()
    assert (event.from_state, event.to_state) == ("passed", "certified")
    assert event.payload == {"certificate": certificate.number}


def test_a_mistyped_number_fails_its_check_character(world, qc):
    _item, certificate = certified_item(world)
    number = certificate.number
    digits = [i for i, char in enumerate(number) if char.isdigit()]

    typos = [
        number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :] for i in digits
    ]

    assert number_is_valid(number)
    assert not any(number_is_valid(typo) for typo in typos)


def test_a_pass_records_one_certificate_job_keyed_per_item_on_its_queue(world, qc):
    item = passed_item(world)

    job = certificate_job(item)
    assert (job.key, job.state) == (f"certificate:{item.pk}", Job.State.PENDING)
    assert jobs._handlers[services.CERTIFICATE_JOB].queue == "certificates"
    assert not Certificate.objects.exists()  # nothing issued inside the verdict


def test_a_verdict_rolled_back_leaves_no_certificate_job(world, qc):
    item = received(world, jade_row())

    with pytest.raises(RuntimeError), transaction.atomic():
        services.inspection_submit(
            principal=principal_of(world.inspector), code=item.code, observed=GOOD_JADE
        )
        assert Job.objects.filter(name=services.CERTIFICATE_JOB).count() == 1
        raise RuntimeError("the caller's transaction fails")

    assert not Job.objects.filter(name=services.CERTIFICATE_JOB).exists()
    item.refresh_from_db()
    assert item.state == ItemState.RECEIVED


def test_a_fail_or_a_hold_records_no_certificate_job(world, qc):
    for observed in ({"appearance": False}, {"packaging": "opened"}):
        item = received(world, jade_row())
        services.inspection_submit(
            principal=principal_of(world.inspector),
            code=item.code,
            observed={**GOOD_JADE, **observed},
        )
    assert not Job.objects.filter(name=services.CERTIFICATE_JOB).exists()


def test_a_supervisor_passing_a_held_item_records_its_certificate_job(world, qc):
    item = received(world, jade_row())
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed={**GOOD_JADE, "packaging": "opened"},
    )
    services.hold_decide(
        principal=principal_of(world.supervisor),
        code=item.code,
        decision="pass",
        reason="Seal replaced by the courier; item unharmed.",
    )

    assert jobs.job_run(certificate_job(item).pk) == Job.State.DONE
    item.refresh_from_db()
    assert item.state == ItemState.CERTIFIED


def test_the_job_run_twice_makes_one_certificate_and_one_file(world, qc, tmp_path):
    item = passed_item(world)
    job = certificate_job(item)

    first = jobs.job_run(job.pk)
    second = jobs.job_run(job.pk)  # a second delivery of the same message
    Job.objects.filter(pk=job.pk).update(state=Job.State.PENDING)  # queued again
    third = jobs.job_run(job.pk)

    assert (first, second, third) == ("done", "skipped", "done")
    assert Certificate.objects.count() == 1
    assert CertificateFile.objects.count() == 1
    assert len(list((tmp_path / "media").rglob("*.pdf"))) == 1
    assert ItemEvent.objects.filter(item=item, to_state="certified").count() == 1


def test_the_job_is_sent_only_after_the_verdict_commits(
    world, qc, django_capture_on_commit_callbacks
):
    item = received(world, jade_row())
    with mock.patch.object(
        job_run_task, "apply_async", wraps=job_run_task.apply_async
    ) as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.inspection_submit(
                principal=principal_of(world.inspector),
                code=item.code,
                observed=GOOD_JADE,
            )
        item.refresh_from_db()
        assert item.state == ItemState.PASSED  # nothing ran inside the transaction
        assert send.call_count == 0

        for callback in callbacks:  # the commit happened: the (eager) jobs run
            callback()

    job = certificate_job(item)
    assert mock.call(args=[job.pk], queue="certificates") in send.call_args_list
    item.refresh_from_db()
    assert item.state == ItemState.CERTIFIED
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


def test_a_broker_outage_at_the_verdict_loses_nothing(
    world, qc, django_capture_on_commit_callbacks
):
    """The verdict commits; the job waits and the dispatcher sends it later."""
    item = received(world, jade_row())
    with (
        mock.patch.object(
            job_run_task, "apply_async", side_effect=ConnectionError("redis down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.inspection_submit(
            principal=principal_of(world.inspector), code=item.code, observed=GOOD_JADE
        )
    item.refresh_from_db()
    assert item.state == ItemState.PASSED
    job = certificate_job(item)
    assert (job.state, job.enqueued_at) == (Job.State.PENDING, None)

    assert jobs.jobs_dispatch() >= 1  # the broker is back: beat's next round

    item.refresh_from_db()
    assert item.state == ItemState.CERTIFIED
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE
    assert Certificate.objects.filter(item=item).count() == 1


def test_a_full_disk_leaves_the_item_passed_and_the_job_retries(world, qc, tmp_path):
    item = passed_item(world)
    job = certificate_job(item)
    with mock.patch.object(
        FileSystemStorage, "_save", side_effect=OSError(28, "No space left")
    ):
        assert jobs.job_run(job.pk) == Job.State.PENDING

    job.refresh_from_db()
    assert job.attempts == 1 and "No space left" in job.last_error
    assert job.available_at > job.created_at  # retried later, with backoff
    item.refresh_from_db()
    assert item.state == ItemState.PASSED
    assert not Certificate.objects.exists()
    assert not list((tmp_path / "media").rglob("*.pdf"))

    assert jobs.job_run(job.pk) == Job.State.DONE
    assert Certificate.objects.get().item_id == item.pk


def test_a_number_taken_meanwhile_is_picked_again(world, qc, tmp_path):
    """Two workers issuing at once may pick one number: the later takes the
    next one instead of failing its job."""
    _first, taken = certified_item(world)
    item = passed_item(world)
    real = issuing._numbers
    picks = iter([[taken.number]])

    with mock.patch.object(
        issuing, "_numbers", side_effect=lambda *a: next(picks, None) or real(*a)
    ):
        assert jobs.job_run(certificate_job(item).pk) == Job.State.DONE

    certificate = selectors.certificate_current_for_item(item)
    assert certificate.number != taken.number
    assert number_is_valid(certificate.number)
    assert len(list((tmp_path / "media").rglob("*.pdf"))) == 2


def test_numbers_taken_again_and_again_retry_the_job_later_not_fail_it(world, qc):
    _first, taken = certified_item(world)
    item = passed_item(world)
    job = certificate_job(item)

    with mock.patch.object(issuing, "_numbers", return_value=[taken.number]):
        assert jobs.job_run(job.pk) == Job.State.PENDING

    job.refresh_from_db()
    assert job.attempts == 1 and "IntegrityError" in job.last_error
    assert Certificate.objects.filter(item=item).count() == 0
    with (  # called directly, the error is raised
        pytest.raises(IntegrityError),
        mock.patch.object(issuing, "_numbers", return_value=[taken.number]),
    ):
        services.certificate_issue(item_id=item.pk)


def test_certificate_jobs_are_listed_in_the_job_admin(client, world, qc):
    item = passed_item(world)
    client.force_login(world.admin)

    page = client.get("/admin/warehouse/job/", {"name": services.CERTIFICATE_JOB})

    assert page.status_code == 200
    assert f"certificate:{item.pk}" in page.content.decode()


def test_items_passed_before_the_upgrade_get_their_certificate_job(world, qc):
    """The migration gives each item waiting in ``passed`` the job a verdict
    records now, unsent (the dispatcher sends it); none twice."""
    waiting = passed_item(world)
    Job.objects.filter(name=services.CERTIFICATE_JOB).delete()  # as before
    done, _certificate = certified_item(world)
    pending = passed_item(world)  # already has its job
    migration = importlib.import_module("inspection.migrations.0003_certificate_jobs")

    migration.certificate_jobs_record(django_apps, None)

    job = certificate_job(waiting)
    assert (job.key, job.state, job.enqueued_at) == (
        f"certificate:{waiting.pk}",
        Job.State.PENDING,
        None,
    )
    certificate_jobs = Job.objects.filter(name=services.CERTIFICATE_JOB)
    assert certificate_jobs.filter(args={"item_id": pending.pk}).count() == 1
    assert certificate_jobs.filter(args={"item_id": done.pk}).count() == 1  # its own
    assert jobs.job_run(job.pk) == Job.State.DONE
    waiting.refresh_from_db()
    assert waiting.state == ItemState.CERTIFIED


# --- the PDF --------------------------------------------------------------------------


def test_the_pdf_states_the_item_the_weights_and_the_verdicts(world, qc):
    _item, certificate = certified_item(world)
    data = pdf_bytes(certificate)

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert certificate.item.code in text
    assert "52.310 g" in text  # claimed
    assert "52.350 g" in text  # observed
    assert "PASS" in text
    assert certificate.number in text
    assert certificate.query_code in text


def test_the_qr_code_and_the_code128_decode(world, qc):
    _item, certificate = certified_item(world)
    page = pypdfium2.PdfDocument(pdf_bytes(certificate))[0]
    image = page.render(scale=3).to_pil()

    found = {r.format: r.text for r in zxingcpp.read_barcodes(image)}

    verify = f"https://qc.example.com/verify/{certificate.token}"
    # The verify URL, and after "#" the certificate's seal (inspection.trust.seal).
    url, _hash, _seal = found[zxingcpp.BarcodeFormat.QRCode].partition("#QC1:")
    assert url == verify
    assert seal_decode_verify(found[zxingcpp.BarcodeFormat.QRCode]).genuine
    assert found[zxingcpp.BarcodeFormat.Code128] == certificate.item.code


def test_rendering_is_deterministic(world, qc):
    """The same certificate renders the same bytes at the same moment (its QR
    seal states when it was signed, to the second). Each stored file is that
    rendering with its PAdES signature appended (an incremental update stating
    its own signing time), so a rendering again is a second verifiable file."""
    from inspection.pdf import certificate_pdf
    from inspection.services.certificates.content import certificate_document

    with demo_clock(timezone.now().replace(microsecond=0)):
        _item, certificate = certified_item(world)
        first = pdf_bytes(certificate)

        services.certificate_rerender(certificate=certificate)

        certificate.refresh_from_db()
        rendered = certificate_pdf(certificate_document(certificate))
    assert first.startswith(rendered)
    assert pdf_bytes(certificate).startswith(rendered)
    assert CertificateFile.objects.count() == 2


# --- verification ---------------------------------------------------------------------


def test_the_verify_page_shows_a_valid_certificate_and_nothing_private(
    client, world, qc
):
    world.merchant.contact_phone = "+86 138 0013 8000"
    world.merchant.contact_email = "owner@jade.example"
    world.merchant.save()
    item, certificate = certified_item(world)

    page = client.get(f"/verify/{certificate.token}", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Valid certificate" in html
    assert item.code in html and certificate.number in html
    assert "52.350 g" in html
    assert "+86 138" not in html and "owner@jade.example" not in html
    assert certificate.query_code not in html  # the printed secret stays on paper


def test_the_json_twin(client, world, qc):
    _item, certificate = certified_item(world)

    body = client.get(f"/verify/{certificate.token}.json").json()

    assert body["number"] == certificate.number
    assert body["valid"] is True
    assert {c["check"] for c in body["checks"]} >= {"material", "weight"}


def test_lookup_needs_the_number_and_its_query_code(client, world, qc):
    _item, certificate = certified_item(world)

    found = client.get(
        "/verify/",
        {
            "number": certificate.number.lower(),
            "code": certificate.query_code.replace("-", ""),
        },
    )
    assert found.status_code == 302
    assert found["Location"] == f"/verify/{certificate.token}"

    wrong = client.get("/verify/", {"number": certificate.number, "code": "AAAA-AAAA"})
    assert wrong.status_code == 404


def test_unknown_tokens_are_a_plain_404(client, world, qc):
    assert client.get("/verify/" + "x" * 32).status_code == 404
    assert client.get("/verify/" + "x" * 32 + ".json").status_code == 404


def test_a_genuine_pdf_verifies_and_a_tampered_one_does_not(client, world, qc):
    _item, certificate = certified_item(world)
    genuine = pdf_bytes(certificate)
    tampered = forge(genuine, b"52.350 g", b"53.350 g")
    assert "53.350 g" in PdfReader(io.BytesIO(tampered)).pages[0].extract_text()

    good = client.post(
        "/verify/", {"pdf": io.BytesIO(genuine)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    bad = client.post(
        "/verify/", {"pdf": io.BytesIO(tampered)}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "Genuine" in good.content.decode()
    assert certificate.number in good.content.decode()
    assert "Not genuine" in bad.content.decode()


def forge(data: bytes, old: bytes, new: bytes) -> bytes:
    """The PDF with ``new`` pasted over its page, where ``old`` was printed.

    The page's text is drawn in embedded font subsets (its bytes are glyph
    codes, not ``old``), so the forger covers the line and writes over it.
    """
    from reportlab.pdfgen.canvas import Canvas

    reader = PdfReader(io.BytesIO(data))
    assert old.decode() in reader.pages[0].extract_text()
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=reader.pages[0].mediabox[2:])
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(150, 300, 120, 12, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawString(152, 302, new.decode())
    canvas.save()
    writer = PdfWriter(clone_from=reader)
    writer.pages[0].merge_page(PdfReader(overlay).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_forged_signature_is_not_genuine(world, qc):
    _item, certificate = certified_item(world)
    Certificate.objects.filter(pk=certificate.pk).update(
        content={**certificate.content, "title": "Imperial jade"}
    )

    assert services.certificate_verify_pdf(pdf_bytes(certificate)) is None


def test_verification_is_throttled(client, world, qc, settings):
    settings.VERIFY_THROTTLE_PER_MINUTE = 3
    _item, certificate = certified_item(world)
    answers = [client.get(f"/verify/{certificate.token}").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


# --- revocation and re-issue ----------------------------------------------------------


def test_a_revoked_certificate_shows_revoked_and_blocks_the_way_out(client, world, qc):
    item, certificate = certified_item(world)

    services.certificate_revoke(
        principal=principal_of(world.supervisor),
        number=certificate.number,
        reason="The clasp was swapped after inspection.",
    )

    page = client.get(f"/verify/{certificate.token}", HTTP_ACCEPT_LANGUAGE="en")
    assert "revoked" in page.content.decode()
    assert "The clasp was swapped" in page.content.decode()
    with pytest.raises(Conflict) as refused, transaction.atomic():
        lifecycle.item_allocate(item=item, actor=world.supervisor)
    assert refused.value.code == "certificate_revoked"


def test_release_is_refused_once_the_certificate_is_revoked(world, qc):
    item, certificate = certified_item(world)
    lifecycle.item_allocate(item=item, actor=world.supervisor)
    lifecycle.item_pack(item=item, actor=world.supervisor)
    services.certificate_revoke(
        principal=principal_of(world.supervisor), number=certificate.number, reason="x"
    )

    with pytest.raises(Conflict) as refused, transaction.atomic():
        lifecycle.item_release(item=item, actor=world.supervisor)

    assert refused.value.code == "certificate_revoked"
    item.refresh_from_db()
    assert item.state == ItemState.PACKED


def test_only_supervisors_revoke(world, qc):
    _item, certificate = certified_item(world)
    with pytest.raises(Forbidden):
        services.certificate_revoke(
            principal=principal_of(world.inspector),
            number=certificate.number,
            reason="x",
        )


def test_a_passing_reinspection_reissues_and_the_old_page_points_to_it(
    client, world, qc
):
    item, old = certified_item(world)
    services.certificate_revoke(
        principal=principal_of(world.supervisor),
        number=old.number,
        reason="Weight was misread.",
        reinspect=True,
    )
    item.refresh_from_db()
    assert item.state == ItemState.INSPECTING

    services.inspection_submit(
        principal=principal_of(qc.inspector2), code=item.code, observed=GOOD_JADE
    )
    job = Job.objects.get(key=f"certificate:{item.pk}", state=Job.State.PENDING)
    assert jobs.job_run(job.pk) == Job.State.DONE
    new = selectors.certificate_current_for_item(item)

    old.refresh_from_db()
    assert new.pk != old.pk and old.replaced_by_id == new.pk
    body = client.get(f"/verify/{old.token}.json").json()
    assert body["valid"] is False
    assert body["replaced_by"] == f"/verify/{new.token}"


def test_a_valid_certificate_must_be_revoked_before_reinspection(world, qc):
    item, _certificate = certified_item(world)
    with pytest.raises(Conflict) as refused, transaction.atomic():
        lifecycle.item_inspection_start(item=item, actor=world.supervisor)
    assert refused.value.code == "certificate_valid"


# --- API ------------------------------------------------------------------------------


def test_the_merchant_downloads_the_pdf_and_another_merchant_cannot(world, qc):
    item, certificate = certified_item(world)
    url = f"/api/v1/items/{item.code}/certificate.pdf"

    mine = api_client(world.merchant_user).get(url)
    assert mine.status_code == 200
    assert mine["Content-Type"] == "application/pdf"
    assert b"".join(mine.streaming_content) == pdf_bytes(certificate)
    assert api_client(world.merchant2_user).get(url).status_code == 404


def test_item_detail_shows_the_certificate(world, qc):
    item, certificate = certified_item(world)

    body = api_client(world.merchant_user).get(f"/api/v1/items/{item.code}").json()

    assert body["certificate"]["number"] == certificate.number
    assert body["certificate"]["status"] == "valid"
    assert body["certificate"]["verify_url"].endswith(certificate.token)


def test_revoke_over_the_api(world, qc):
    _item, certificate = certified_item(world)
    url = f"/api/v1/certificates/{certificate.number}/revoke/"

    assert (
        api_client(world.inspector)
        .post(url, {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    done = api_client(world.supervisor).post(url, {"reason": "Swapped."}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "revoked"
    again = api_client(world.supervisor).post(url, {"reason": "Again."}, format="json")
    assert again.status_code == 409
