"""Input no honest client sends is refused as bad input, never a 500.

PostgreSQL text cannot hold a NUL character: every lookup by a code, number
or filter holding one used to fail with a server error (found by the schema
fuzzer and this sweep; ``warehouse.middleware.RejectNulMiddleware``).
"""

import pytest
from django.test import Client

from tests.conftest import api_client
from warehouse.models import ScanLog

pytestmark = pytest.mark.django_db

API_PATHS = [
    "/api/v1/items/Q%00",
    "/api/v1/items/Q%00/",
    "/api/v1/items/Q%00/inspections/",
    "/api/v1/items/Q%00/certificate.pdf",
    "/api/v1/certificates/GZ%00/",
    "/api/v1/orders/O%00/",
    "/api/v1/shipments/S%00/",
    "/api/v1/shipments/S%00/label.pdf",
    "/api/v1/manifests/M%00/",
    "/api/v1/manifests/M%00/manifest.pdf",
]
API_QUERIES = [
    "/api/v1/inspection-templates/?category=%00",
    "/api/v1/orders/?status=%00",
    "/api/v1/shipments/?status=%00",
    "/api/v1/dispatch-figures/?warehouse=G%00Z",
    "/api/v1/items/?state=%00",
]
PAGES = [
    "/items/Q%00/",
    "/items/Q%00/label.pdf",
    "/inspect/?category=%00",
    "/dock/manifests/M%00/",
    "/dock/labels/S%00/label.pdf",
    "/verify/?number=GZ%00&code=%00",
]


@pytest.mark.parametrize("url", API_PATHS + API_QUERIES)
def test_a_nul_in_an_api_address_is_a_json_400(world, url):
    response = api_client(world.platform).get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "The address contains a NUL character.",
        "fields": {},
    }


@pytest.mark.parametrize("url", PAGES)
def test_a_nul_in_a_page_address_is_a_400(world, url):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.supervisor)

    response = client.get(url)

    assert response.status_code == 400
    assert b"The address contains a NUL character." in response.content


def test_a_scanned_nul_is_refused_and_still_logged(world):
    """A scanner sending garbage gets 400; the refusal is in the scan log."""
    response = api_client(world.station).post(
        "/api/v1/scans/",
        {"barcode": "Q\x00X", "action": "look\x00up"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    logged = ScanLog.objects.get()
    assert (logged.barcode, logged.action, logged.outcome) == (
        "Q\ufffdX",
        "look\ufffdup",
        ScanLog.Outcome.REFUSED,
    )


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_api_path_is_a_json_404_for_every_method(db, method):
    """Not a CSRF page for POST: the API never answers in HTML."""
    response = getattr(Client(enforce_csrf_checks=True), method)("/api/v1/nothing/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
