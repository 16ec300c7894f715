"""Uploads are judged by their bytes and their size, never by name or header.

Complements tests/inspection/test_api.py (photos that are not images, a photo
over the byte limit), tests/inspection/test_pages.py (a script posted as a
photo), tests/warehouse/test_portal_pages.py (a CSV over the cap) and
tests/warehouse/test_uploads.py (the file reader).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from inspection import views as verify_views
from inspection.models import InspectionPhoto
from tests.conftest import api_client
from tests.security.conftest import png
from warehouse import uploads
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
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
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
