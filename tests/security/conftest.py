"""Fixtures of the security sweep: merchant A's estate and the callers who
must not reach it.

:func:`estate` gives merchant A (``world.merchant``, warehouse GZ) one object
of every kind a URL can name: a notice, items in each interesting state, an
open inspection with a photo, a certificate, an order packed into a labelled
parcel, a released parcel on an open manifest, and the platform's webhook
endpoint. :func:`outsiders` adds the staff of the other warehouse (SIH).
"""

import io
from dataclasses import dataclass

import pytest
from django.utils import translation
from PIL import Image

from fulfilment.models import Manifest, Order, Shipment, WebhookEndpoint
from inspection import services as inspection
from inspection.models import Certificate, Inspection, InspectionPhoto
from tests.conftest import api_client
from tests.fulfilment.conftest import (
    certified,
    failed,
    label_scan,
    order_payload,
    run_jobs,
)
from tests.inspection.factories import (  # noqa: F401 - qc is a fixture
    jade_row,
    qc,
    received,
)
from tests.warehouse import factories as f
from warehouse.common.access import principal_of
from warehouse.models import InboundNotice, Item, Station
from warehouse.services import inbound_notice_create


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"
    # Webhook endpoints are registered on public https addresses; nothing is sent.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    with translation.override("en"):
        yield


def png(size=(40, 30), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@dataclass
class Estate:
    """Merchant A's objects, one of each kind a URL names."""

    notice: InboundNotice
    announced: Item
    inspecting: Item
    inspection: Inspection
    photo: InspectionPhoto
    certified: Item
    certificate: Certificate
    failed: Item
    order: Order
    shipment: Shipment
    released: Shipment
    manifest: Manifest
    endpoint: WebhookEndpoint
    template_id: int
    dock: Station

    def markers(self) -> list[str]:
        """Strings that name A's objects: none may appear in an outsider's answer."""
        return [
            self.notice.reference,
            self.announced.code,
            self.inspecting.code,
            self.certified.code,
            self.failed.code,
            self.certificate.number,
            self.order.external_id,
            self.shipment.reference,
            self.shipment.tracking_number,
            self.released.reference,
            self.released.tracking_number,
            self.manifest.number,
        ]


def _packed(world, item) -> Shipment:
    payload = order_payload(world, lines=[{"item_code": item.code}])
    payload["order_id"] = f"ORDER-A-PRIVATE-{item.pk:04d}"
    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    assert answer.status_code == 201, answer.content.decode()
    run_jobs()
    answer = api_client(world.station).post(
        f"/api/v1/orders/{payload['order_id']}/pack/", format="json"
    )
    assert answer.status_code == 200, answer.content
    run_jobs()
    return Shipment.objects.get(order__external_id=payload["order_id"])


@pytest.fixture
def estate(world, qc) -> Estate:  # noqa: F811 - qc is the fixture
    dock = f.StationFactory(
        code="GZ-DOCK-01", warehouse=world.gz, kind=Station.Kind.DOCK
    )
    notice = inbound_notice_create(
        merchant=world.merchant,
        warehouse_code="GZ",
        reference="ASN-A-PRIVATE-0001",
        items=[jade_row()],
        actor=world.merchant_user,
    )
    announced = Item.objects.get(code=notice.created_rows[0]["code"])
    inspecting = received(world, jade_row())
    opened = inspection.inspection_open(
        principal=principal_of(world.inspector), code=inspecting.code
    )
    photo = inspection.inspection_photo_add(
        principal=principal_of(world.inspector),
        inspection_id=opened.pk,
        data=png(),
        caption="front",
    )
    done = certified(world)
    shipment = _packed(world, certified(world))
    released = _packed(world, certified(world))
    answer = label_scan(dock.user, released.tracking_number)
    assert answer.status_code == 200, answer.content
    released.refresh_from_db()
    closed = api_client(dock.user).post(
        f"/api/v1/manifests/{released.manifest.number}/close/"
    )
    assert closed.status_code == 200, closed.content
    run_jobs()  # the manifest's PDF
    endpoint = api_client(world.platform).post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://hooks.example.com/qcw"},
        format="json",
    )
    assert endpoint.status_code == 201, endpoint.content
    return Estate(
        notice=announced.notice,
        announced=announced,
        inspecting=inspecting,
        inspection=opened,
        photo=photo,
        certified=done,
        certificate=done.certificates.get(),
        failed=failed(world, qc),
        order=shipment.order,
        shipment=shipment,
        released=released,
        manifest=released.manifest,
        endpoint=WebhookEndpoint.objects.get(pk=endpoint.json()["id"]),
        template_id=qc.jade_template.pk,
        dock=dock,
    )


@dataclass
class Outsiders:
    """People of the other warehouse (SIH): GZ's items are not theirs."""

    inspector: object
    supervisor: object
    operator: object
    station: object


@pytest.fixture
def outsiders(world) -> Outsiders:
    inspector = f.UserFactory(username="inspector-sih")
    f.StaffFactory(user=inspector, warehouse=world.sih)
    supervisor = f.UserFactory(username="supervisor-sih")
    f.StaffFactory(user=supervisor, warehouse=world.sih, role="supervisor")
    operator = f.UserFactory(username="operator-sih")
    f.StaffFactory(user=operator, warehouse=world.sih, role="operator")
    return Outsiders(
        inspector=inspector,
        supervisor=supervisor,
        operator=operator,
        station=world.station_sih,
    )
