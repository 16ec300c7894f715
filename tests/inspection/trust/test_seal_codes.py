"""The seal where it is printed and published: the certificate PDF's and the
parcel label's QR codes carry it after the verify URL's ``#``, and the keys
that check it are at ``/.well-known/qcw-keys.json``."""

import pypdfium2
import pytest
import zxingcpp
from django.test import Client

from fulfilment.labels import label_zpl
from fulfilment.services.shipping.labels import label_data
from inspection import selectors
from inspection.services.certificates import (
    certificate_document,
    certificate_label_link,
    verify_url,
)
from inspection.trust import seal
from inspection.trust.keys import jwks
from tests.fulfilment.conftest import certified
from tests.inspection.factories import qc  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("qc")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def qr_texts(pdf: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=4).to_pil()
    return [
        found.text
        for found in zxingcpp.read_barcodes(image)
        if found.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_the_certificate_pdf_qr_carries_a_genuine_seal(world):
    item = certified(world)
    certificate = selectors.certificate_current_for_item(item)
    (text,) = qr_texts(certificate.pdf.read())
    assert text.startswith(verify_url(certificate.token) + "#QC1:")
    result = seal.seal_decode_verify(text)
    assert result.genuine, result
    assert result.claims["number"] == certificate.number
    assert result.claims["item"] == item.code
    assert result.claims["category"] == "jewellery-jade"
    assert result.claims["weight_mg"] == 52310  # as weighed
    assert result.claims["material"] == "nephrite jade"
    assert result.claims["verdict"] == "pass"
    assert result.claims["warehouse"] == item.warehouse.code
    assert str(result.claims["issued_on"]) == certificate.number.split("-")[1]
    # The page prints the short link; only the QR code carries the seal.
    assert certificate_document(certificate).verify_url == verify_url(certificate.token)


def test_the_parcel_label_qr_carries_the_seal_and_fits(world):
    from fulfilment.labels import label_pdf
    from fulfilment.models import Shipment

    item = certified(world)
    link = certificate_label_link(item)
    assert seal.seal_decode_verify(link).genuine
    shipment = Shipment(
        kind=Shipment.Kind.ORDER,
        carrier="sf",
        warehouse=item.warehouse,
        recipient={"name": "Li Lei", "phone": "13800000000", "lines": "1 Road"},
        reference="P-TEST-1",
    )
    data = label_data(shipment, item, certificate_link=link)
    (text,) = qr_texts(label_pdf(data))
    assert seal.seal_decode_verify(text).genuine
    zpl = label_zpl(data)
    # 0.5 mm modules at 203 dpi, right of the item barcode, inside the label.
    assert "^BQN,2,4^FH^FDMA,https://qc.example.com/verify/" in zpl
    position = zpl.split("^BQN,2,4")[0].rsplit("^FO", 1)[1]
    left = int(position.split(",")[0])
    assert left >= 480 and left + 4 * 73 <= 792  # version 14 or 15 as bytes


def test_a_revoked_certificate_has_no_label_link(world):
    item = certified(world)
    certificate = selectors.certificate_current_for_item(item)
    certificate.status = certificate.Status.REVOKED
    certificate.save(update_fields=["status"])
    assert certificate_label_link(item) == ""


@pytest.mark.usefixtures("db")
def test_the_keys_are_published_as_a_cacheable_jwks_open_to_any_origin():
    response = Client().get("/.well-known/qcw-keys.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"]
    assert response.json() == jwks()
    (key,) = response.json()["keys"]
    assert key["kid"] == "q1" and key["alg"] == "EdDSA" and key["crv"] == "Ed25519"
