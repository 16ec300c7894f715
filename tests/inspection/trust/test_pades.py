"""PAdES-signed certificate PDFs: signed at issue, validated by pyHanko against
the operator's root, kept valid across a key rotation, refused after a
revocation date, and reported by the verify page's upload check."""

import asyncio
import datetime as dt
import hashlib
import io

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from inspection import services
from inspection.models import CertificateFile
from inspection.pdf import certificate_pdf
from inspection.services.certificates.content import certificate_document
from inspection.trust import keys
from inspection.trust.pades import pdf_sign, pdf_signature_check
from tests.inspection.test_certificates import certified_item, pdf_bytes
from warehouse.demo import demo_clock

from .conftest import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def pyhanko_status(data: bytes):
    """pyHanko's own verdict on the PDF's signature, trusting only the demo root."""
    roots = [
        asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
        for root in keys.trust_roots()
    ]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    return validate_pdf_signature(signature, context)


def one_byte_changed(data: bytes) -> bytes:
    """The PDF with one byte of the signed (first) revision's page stream changed."""
    at = data.index(b"stream\n", data.index(b"/Length")) + 20
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def test_an_issued_certificate_is_signed_and_pyhanko_validates_it(world, qc):
    """The stored PDF carries a PAdES signature by the operator that pyHanko
    validates against the demo root, covering the whole file; its hash is the
    signed file's; one changed byte of the signed content breaks it."""
    _item, certificate = certified_item(world)
    data = pdf_bytes(certificate)

    assert certificate.sha256 == hashlib.sha256(data).hexdigest()
    status = pyhanko_status(data)
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == OPERATOR
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"

    broken = pyhanko_status(one_byte_changed(data))
    assert not broken.intact
    assert not broken.bottom_line


def test_the_check_reports_signer_time_and_changes(world, qc):
    """pdf_signature_check: who signed, when, unchanged; altered after one byte."""
    _item, certificate = certified_item(world)
    data = pdf_bytes(certificate)

    check = pdf_signature_check(data)
    assert check["valid"] and check["code"] == "valid"
    assert check["signer"] == OPERATOR and check["kid"] == "p1"
    assert abs(check["signed_at"] - timezone.now()) < dt.timedelta(minutes=1)

    altered = pdf_signature_check(one_byte_changed(data))
    assert not altered["valid"] and altered["code"] == "altered"
    assert not altered["intact"]
    assert pdf_signature_check(b"%PDF-1.7 nothing")["code"] in {
        "unreadable",
        "unsigned",
    }


def test_a_rendering_again_is_signed_too(world, qc):
    """Re-rendering signs the new file and records its hash; the old verifies."""
    _item, certificate = certified_item(world)
    first = pdf_bytes(certificate)
    with demo_clock(timezone.now() + dt.timedelta(minutes=5)):
        services.certificate_rerender(certificate=certificate)
    certificate.refresh_from_db()
    second = pdf_bytes(certificate)

    assert second != first
    assert pdf_signature_check(second)["valid"]
    assert services.certificate_verify_pdf(first) == certificate
    assert services.certificate_verify_pdf(second) == certificate


def test_a_pdf_is_signed_from_inside_a_running_event_loop(world, qc):
    """A caller whose thread runs an event loop (an async view, a browser
    test's driver) gets a signed PDF too: pyHanko's loop runs beside it."""
    _item, certificate = certified_item(world)
    rendered = certificate_pdf(certificate_document(certificate))

    async def sign_inside_a_loop() -> bytes:
        return pdf_sign(rendered)

    signed = asyncio.run(sign_inside_a_loop())

    assert signed.startswith(rendered)
    assert pdf_signature_check(signed)["valid"]
    assert pyhanko_status(signed).bottom_line


def test_rotation_signs_new_pdfs_and_keeps_old_ones_valid(world, qc, trust_dir):
    """After a rotation p2 signs new PDFs; one signed by p1 still validates."""
    _item, old = certified_item(world)
    keys.trust_rotate(trust_dir)
    new = pdf_sign(certificate_pdf(certificate_document(old)))

    assert pdf_signature_check(new)["kid"] == "p2"
    kept = pdf_signature_check(pdf_bytes(old))
    assert kept["valid"] and kept["kid"] == "p1"
    assert pyhanko_status(pdf_bytes(old)).bottom_line
    assert services.certificate_verify_pdf(pdf_bytes(old)) == old


def test_a_revoked_signer_fails_from_its_date_on(world, qc, trust_dir):
    """p1 revoked from a date: a PDF it signed before stays valid, one signed at
    or after is reported revoked (not genuine), whatever its hash."""
    _item, certificate = certified_item(world)
    rendered = certificate_pdf(certificate_document(certificate))
    now = timezone.now()
    with demo_clock(now - dt.timedelta(days=2)):
        before = pdf_sign(rendered)
    with demo_clock(now - dt.timedelta(hours=1)):
        after = pdf_sign(rendered)
    for data in (before, after):  # both recorded as renderings of ours
        CertificateFile.objects.create(
            certificate=certificate,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
        )

    keys.trust_revoke(trust_dir, kid="p1", since=now - dt.timedelta(days=1))

    assert pdf_signature_check(before)["valid"]
    revoked = pdf_signature_check(after)
    assert revoked["code"] == "revoked" and revoked["revoked"]
    assert revoked["intact"] and revoked["trusted"]  # the math alone is fine
    assert services.certificate_verify_pdf(before) == certificate
    assert services.certificate_verify_pdf(after) is None


def test_a_pdf_signed_under_another_root_is_untrusted(world, qc, tmp_path, settings):
    """A signature by a certificate of someone else's root is not ours."""
    _item, certificate = certified_item(world)
    rendered = certificate_pdf(certificate_document(certificate))
    ours = settings.TRUST_DIR
    keys.trust_create(tmp_path / "forger", operator=OPERATOR)
    settings.TRUST_DIR = str(tmp_path / "forger")
    forged = pdf_sign(rendered)
    settings.TRUST_DIR = ours

    check = pdf_signature_check(forged)
    assert check["intact"] and not check["trusted"]
    assert check["code"] == "untrusted" and check["kid"] is None


def post_pdf(client, data: bytes, language: str = "en") -> str:
    answer = client.post(
        "/verify/", {"pdf": io.BytesIO(data)}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_upload_check_says_who_signed_and_whether_unchanged(
    client, world, qc, trust_dir
):
    """The verify page's upload: genuine with the signer and 'unchanged'; one
    changed byte: not genuine, changed after signing; a revoked signer: not
    genuine, compromised; an unsigned earlier rendering: genuine by its hash."""
    _item, certificate = certified_item(world)
    data = pdf_bytes(certificate)

    page = post_pdf(client, data)
    assert "Genuine: this file is a certificate we issued" in page
    assert f"Signed by {OPERATOR} on" in page
    assert "the document is unchanged since it was signed" in page
    page = post_pdf(client, data, "zh-hans")
    assert f"由 {OPERATOR} 于" in page and "签署后文件未被改动" in page

    page = post_pdf(client, one_byte_changed(data))
    assert "Not genuine" in page
    assert "the file was changed after it was signed" in page

    unsigned = certificate_pdf(certificate_document(certificate))
    CertificateFile.objects.create(
        certificate=certificate,
        sha256=hashlib.sha256(unsigned).hexdigest(),
        size=len(unsigned),
    )
    page = post_pdf(client, unsigned)
    assert "Genuine: this file is a certificate we issued" in page
    assert "The file carries no digital signature." in page

    keys.trust_revoke(trust_dir, kid="p1", since=timezone.now() - dt.timedelta(days=1))
    page = post_pdf(client, data)
    assert "Not genuine" in page
    assert "with a key declared compromised by then: not genuine" in page
