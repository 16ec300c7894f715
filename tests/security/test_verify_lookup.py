"""The public verify lookup reads what a buyer types, and answers anything else.

``/verify/?number=…&code=…`` is the page every buyer reaches without signing
in. A code holding anything but ASCII (full-width letters from a Chinese
input method, an emoji) answered 500: ``hmac.compare_digest`` refuses str
holding non-ASCII. Full-width typing now finds the certificate (NFKC, any
dash a hyphen); anything else is the plain "no certificate matches" page.
"""

import pytest
from django.test import Client

from inspection.services import certificate_lookup
from tests.conftest import api_client
from tests.fulfilment.conftest import certified
from warehouse.common.exceptions import NotFound

pytestmark = pytest.mark.django_db


def full_width(text: str) -> str:
    """``text`` as a Chinese input method's full-width mode types it."""
    return "".join(
        chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else "\u3000" for char in text
    )


@pytest.fixture
def certificate(world, qc):
    return certified(world).certificates.get()


def lookup(number: str, code: str):
    return Client(HTTP_ACCEPT_LANGUAGE="en").get(
        "/verify/", {"number": number, "code": code}
    )


@pytest.mark.parametrize(
    "typed",
    [
        full_width,  # U+FF27 U+FF3A U+FF0D ... for GZ-...
        lambda text: full_width(text).lower(),
        lambda text: text.replace("-", "\u2014"),  # an em dash
        lambda text: text.replace("-", "\u3000"),  # an ideographic space
    ],
)
def test_the_verify_lookup_reads_full_width_typing(certificate, typed):
    """A buyer whose input method is in full-width mode finds the certificate."""
    code = certificate.query_code

    found = lookup(typed(certificate.number), typed(code))

    assert found.status_code == 302, found.content.decode()
    assert found["Location"] == f"/verify/{certificate.token}"


@pytest.mark.parametrize(
    "code",
    [
        "😀",
        "ABCD-😀😀😀😀",
        full_width("ZZZZ-ZZZZ"),
        "ÀBCD-2345",
        "١٢٣٤-٥٦٧٨",  # Arabic-Indic digits are not ASCII digits after NFKC
        "ß" * 8,
        "\ufffd" * 9,
    ],
)
def test_the_verify_lookup_answers_any_code_with_a_page(certificate, code):
    """Non-ASCII codes beside a real number: 404 page, not a 500 (the
    comparison raised TypeError on str holding anything but ASCII)."""
    response = lookup(certificate.number, code)

    assert response.status_code == 404
    assert "No certificate matches that number and query code." in (
        response.content.decode()
    )


def test_the_lookup_service_refuses_what_http_cannot_send(certificate):
    """A lone surrogate cannot arrive any more (UTF-8 only), but the service
    answers NotFound for it too."""
    with pytest.raises(NotFound):
        certificate_lookup(number=certificate.number, query_code="\ud800" * 8)
    with pytest.raises(NotFound):
        certificate_lookup(number="\ud800", query_code=certificate.query_code)


@pytest.mark.parametrize("token", ["😀" * 20, full_width("x" * 32), "%ED%A0%80" * 8])
def test_the_certificate_json_twin_answers_any_token_with_a_404(db, token):
    """The lookup's JSON form is by token (the QR code): the same rule."""
    response = Client().get(f"/verify/{token}.json")

    assert response.status_code == 404


@pytest.mark.parametrize("number", ["😀", full_width("GZ-20261125-000001-K")])
def test_the_api_certificate_answers_any_number_with_a_json_404(world, number):
    response = api_client(world.platform).get(f"/api/v1/certificates/{number}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "certificate_not_found"
