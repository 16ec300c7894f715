"""The dock's pages: labels to print (download, mark printed) and manifests."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fulfilment.models import Manifest, Order, Shipment
from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse.models import Station

from .conftest import certified, failed, label_scan, order_payload, run_jobs

pytestmark = pytest.mark.django_db
LABELS = "/dock/labels/"
MANIFESTS = "/dock/manifests/"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def operator_of(warehouse, username: str):
    user = f.UserFactory(username=username)
    f.StaffFactory(user=user, warehouse=warehouse, role="operator")
    return user


@pytest.fixture
def dock(world) -> Station:
    return f.StationFactory(
        code="GZ-DOCK-01", warehouse=world.gz, kind=Station.Kind.DOCK
    )


@pytest.fixture
def operator(world):
    return operator_of(world.gz, "operator")


@pytest.fixture
def at_dock(operator, dock) -> Client:
    client = client_for(operator)
    assert client.post("/station/choose/", {"station": dock.pk}).status_code == 302
    return client


@pytest.fixture
def elsewhere(world) -> Client:
    """An operator at Sihui's station: nothing of Guangzhou's is theirs."""
    user = operator_of(world.sih, "operator-sih")
    client = client_for(user)
    station = world.station_sih.station
    assert client.post("/station/choose/", {"station": station.pk}).status_code == 302
    return client


def packed(world, *, label=True) -> Shipment:
    """A certified item ordered and packed at the dock; its label made if ``label``."""
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    run_jobs()
    order = Order.objects.get(external_id=payload["order_id"])
    answer = api_client(world.station).post(
        f"/api/v1/orders/{order.external_id}/pack/", format="json"
    )
    assert answer.status_code == 200, answer.content
    if label:
        run_jobs()
    return Shipment.objects.get(order=order)


def released(world) -> Shipment:
    shipment = packed(world)
    answer = label_scan(world.station, shipment.tracking_number)
    assert answer.status_code == 200, answer.content
    shipment.refresh_from_db()
    return shipment


# --- who may open the pages --------------------------------------------------------


@pytest.mark.parametrize("url", [LABELS, MANIFESTS])
def test_anonymous_is_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={url}")


@pytest.mark.parametrize("who", ["merchant_user", "inspector"])
@pytest.mark.parametrize("url", [LABELS, MANIFESTS])
def test_merchants_and_inspectors_may_not(world, who, url):
    assert client_for(getattr(world, who)).get(url).status_code == 403


def test_an_operator_chooses_a_station_first(world, operator):
    client = client_for(operator)
    for url in (LABELS, MANIFESTS):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/station/"
    page = client.get("/station/").content.decode()
    assert "Choose the station you are working at first." in page


def test_a_supervisor_without_a_station_sees_their_warehouses(world, qc):
    shipment = packed(world)
    page = client_for(world.supervisor).get(LABELS).content.decode()
    assert shipment.tracking_number in page
    assert "no station chosen" in page


# --- labels -------------------------------------------------------------------------


def test_labels_list_pending_and_waiting_parcels(world, qc, at_dock):
    ready = packed(world)
    waiting = packed(world, label=False)
    assert waiting.status == Shipment.Status.BOOKING

    response = at_dock.get(LABELS)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="label-row"') == 1
    assert ready.tracking_number in page
    assert ready.order.external_id in page
    assert ready.contents.get().item.code in page
    assert "ZTO Express" in page
    assert f"/dock/labels/{ready.reference}/label.pdf" in page
    assert f"/dock/labels/{ready.reference}/label.zpl" in page
    assert page.count('data-testid="waiting-row"') == 1
    assert waiting.reference in page and "awaiting label" in page


def test_label_downloads_are_the_apis_bytes(world, qc, at_dock):
    shipment = packed(world)

    pdf = at_dock.get(f"/dock/labels/{shipment.reference}/label.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert f"{shipment.tracking_number}.pdf" in pdf["Content-Disposition"]
    body = b"".join(pdf.streaming_content)
    with shipment.label_pdf.open("rb") as stored:
        assert body == stored.read()
    assert body.startswith(b"%PDF")
    api = api_client(world.station).get(
        f"/api/v1/shipments/{shipment.reference}/label.pdf"
    )
    assert b"".join(api.streaming_content) == body

    zpl = at_dock.get(f"/dock/labels/{shipment.reference}/label.zpl")
    assert zpl.status_code == 200
    assert zpl["Content-Type"] == "application/zpl; charset=utf-8"
    assert zpl.content.decode() == shipment.label_zpl
    assert "attachment" in zpl["Content-Disposition"]

    assert at_dock.get(f"/dock/labels/{shipment.reference}/label.png").status_code == (
        404
    )
    assert at_dock.get("/dock/labels/SNOSUCH/label.pdf").status_code == 404


def test_a_parcel_without_a_label_has_nothing_to_download(world, qc, at_dock):
    shipment = packed(world, label=False)
    response = at_dock.get(f"/dock/labels/{shipment.reference}/label.pdf")
    assert response.status_code == 404


def test_mark_printed_takes_the_label_off_the_list(world, qc, at_dock):
    shipment = packed(world)
    url = f"/dock/labels/{shipment.reference}/printed/"
    assert at_dock.get(url).status_code == 405

    response = at_dock.post(url, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Label {shipment.tracking_number} marked printed." in page
    assert 'data-testid="label-row"' not in page
    shipment.refresh_from_db()
    assert shipment.printed_at is not None
    # still downloadable for a reprint
    reprint = at_dock.get(f"/dock/labels/{shipment.reference}/label.zpl")
    assert reprint.status_code == 200


def test_another_warehouses_labels_are_404(world, qc, elsewhere):
    shipment = packed(world)
    assert shipment.tracking_number not in elsewhere.get(LABELS).content.decode()
    for url in (
        f"/dock/labels/{shipment.reference}/label.pdf",
        f"/dock/labels/{shipment.reference}/label.zpl",
    ):
        assert elsewhere.get(url).status_code == 404
    response = elsewhere.post(f"/dock/labels/{shipment.reference}/printed/")
    assert response.status_code == 404
    shipment.refresh_from_db()
    assert shipment.printed_at is None


def test_labels_list_queries_do_not_grow_with_rows(world, qc, at_dock):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert at_dock.get(LABELS).status_code == 200
        return len(captured)

    def waiting(shipment):  # as if its booking had not run yet
        Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.BOOKING)

    packed(world)
    waiting(packed(world))
    few = queries()
    for _ in range(3):
        packed(world)
        waiting(packed(world))
    page = at_dock.get(LABELS).content.decode()
    assert page.count('data-testid="label-row"') == 4
    assert page.count('data-testid="waiting-row"') == 4
    assert page.count('data-testid="wave-row"') == 4  # a wave each, to print
    assert queries() == few
    # session, user and role (6), station, waves to print (1), labels (2),
    # waiting (2)
    assert few <= 12


# --- manifests -----------------------------------------------------------------------


def test_release_opens_a_manifest_and_closing_makes_its_pdf(world, qc, at_dock):
    shipment = released(world)
    manifest = shipment.manifest
    assert manifest.status == Manifest.Status.OPEN

    page = at_dock.get(MANIFESTS).content.decode()
    assert page.count('data-testid="open-manifest"') == 1
    assert manifest.number in page
    detail = at_dock.get(f"/dock/manifests/{manifest.number}/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert shipment.tracking_number in text
    assert shipment.contents.get().item.code in text
    assert "Close for pickup" in text
    # an open manifest has no PDF yet
    pdf_url = f"/dock/manifests/{manifest.number}/manifest.pdf"
    assert at_dock.get(pdf_url).status_code == 404

    closing = at_dock.post(f"/dock/manifests/{manifest.number}/close/", follow=True)
    assert closing.status_code == 200
    text = closing.content.decode()
    assert f"Manifest {manifest.number} closed." in text
    assert 'data-testid="manifest-status">closed<' in text
    manifest.refresh_from_db()
    assert manifest.status == Manifest.Status.CLOSED
    assert manifest.closed_by.username == "operator"

    pdf = at_dock.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    with manifest.pdf.open("rb") as stored:
        assert body == stored.read()
    listing = at_dock.get(MANIFESTS).content.decode()
    assert 'data-testid="open-manifest"' not in listing
    assert listing.count('data-testid="closed-manifest"') == 1

    again = at_dock.post(f"/dock/manifests/{manifest.number}/close/", follow=True)
    assert "was already closed" in again.content.decode()


def test_another_warehouses_manifest_is_404(world, qc, elsewhere):
    manifest = released(world).manifest
    assert manifest.number not in elsewhere.get(MANIFESTS).content.decode()
    assert elsewhere.get(f"/dock/manifests/{manifest.number}/").status_code == 404
    close = elsewhere.post(f"/dock/manifests/{manifest.number}/close/")
    assert close.status_code == 404
    manifest.refresh_from_db()
    assert manifest.status == Manifest.Status.OPEN
    assert (
        elsewhere.get(f"/dock/manifests/{manifest.number}/manifest.pdf").status_code
        == 404
    )


def test_manifest_list_queries_do_not_grow_with_rows(world, qc, at_dock):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert at_dock.get(MANIFESTS).status_code == 200
        return len(captured)

    released(world)
    few = queries()
    released(world)
    Manifest.objects.update(status=Manifest.Status.CLOSED)
    released(world)
    assert queries() == few
    assert few <= 9  # session, user and role (6), station, open, closed


# --- a return at the dock's station ----------------------------------------------


def test_a_returns_pack_scan_shows_its_parcel_and_its_label_scan_sends_it(
    world, qc, at_dock
):
    """A return is not refused as "not allocated" at the pack scan: the
    answer is its return parcel (carrier, tracking number, label to print);
    its label's tracking barcode hands it over."""
    item = failed(world, qc)
    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = "0757-22334455"
    world.merchant.save()
    back = api_client(world.merchant_user).post(f"/api/v1/items/{item.code}/return/")
    assert back.status_code == 201, back.content
    run_jobs()
    shipment = Shipment.objects.get(reference=back.json()["reference"])

    packed = at_dock.post(
        "/station/scan/",
        {"barcode": item.code, "action": "pack"},
        HTTP_HX_REQUEST="true",
    )
    assert packed.status_code == 200, packed.content
    page = packed.content.decode()
    assert 'data-state="returning"' in page
    assert "SF Express" in page and shipment.tracking_number in page
    assert f"/dock/labels/{shipment.reference}/label.pdf" in page

    by_code = at_dock.post(
        "/station/scan/",
        {"barcode": item.code, "action": "release"},
        HTTP_HX_REQUEST="true",
    )
    assert by_code.status_code == 409
    assert "label_scan_required" in by_code.content.decode()
    sent = at_dock.post(
        "/station/scan/",
        {"barcode": shipment.tracking_number, "action": "release"},
        HTTP_HX_REQUEST="true",
    )
    assert sent.status_code == 200, sent.content
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.RELEASED
