"""A return parcel is ``returning`` until delivered: the carrier's tracking
event (the sweep) or the merchant's confirmation moves its item, once."""

import pytest
from django.test import Client

from fulfilment import tasks
from fulfilment.carriers import carrier_adapter_get
from fulfilment.models import Shipment
from fulfilment.services import return_delivered, returns_tracking_sweep
from warehouse.common.access import principal_of
from warehouse.common.exceptions import Conflict, NotFound
from warehouse.models import ItemEvent, ItemState

from .conftest import failed, label_scan, run_jobs

pytestmark = pytest.mark.django_db
S = ItemState


def _return_parcel(world, qc) -> tuple:
    """A failed item's return parcel, labelled, not yet released."""
    from tests.conftest import api_client

    item = failed(world, qc)
    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = "0757-22334455"
    world.merchant.save()
    back = api_client(world.merchant_user).post(
        f"/api/v1/items/{item.code}/return/", {}, format="json"
    )
    assert back.status_code == 201, back.json()
    run_jobs()
    return item, Shipment.objects.get(reference=back.json()["reference"])


def _released(world, qc) -> tuple:
    item, shipment = _return_parcel(world, qc)
    response = label_scan(world.station, shipment.tracking_number)
    assert response.status_code == 200, response.json()
    item.refresh_from_db()
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.RELEASED
    assert shipment.manifest_id is not None
    assert item.state == S.RETURNING
    return item, shipment


def test_sandbox_reports_nothing_before_release_and_delivery_after(world, qc):
    _, shipment = _return_parcel(world, qc)
    adapter = carrier_adapter_get(shipment.carrier)
    assert adapter.track(shipment.tracking_number) == []
    label_scan(world.station, shipment.tracking_number)
    codes = [e.code for e in adapter.track(shipment.tracking_number)]
    assert codes == ["picked_up", "delivered"]


def test_sandbox_delivery_waits_for_its_delay(world, qc, settings):
    settings.SANDBOX_DELIVERY_DELAY_SECONDS = 3600
    item, _shipment = _released(world, qc)
    assert returns_tracking_sweep() == 0
    item.refresh_from_db()
    assert item.state == S.RETURNING


def test_tracking_event_applies_once(world, qc):
    item, shipment = _released(world, qc)
    assert tasks.returns_tracking_sweep_task() == 1
    assert returns_tracking_sweep() == 0  # nothing left in transit
    assert return_delivered(principal=None, shipment=shipment, event=object()) is False
    item.refresh_from_db()
    assert item.state == S.RETURNED_TO_MERCHANT
    events = ItemEvent.objects.filter(item=item, to_state=S.RETURNED_TO_MERCHANT)
    assert [e.reason_code for e in events] == ["delivered_to_merchant"]
    assert shipment.tracking_number in str(events[0].reason_text)


def test_merchant_confirms_receipt(world, qc):
    item, shipment = _released(world, qc)
    principal = principal_of(world.merchant_user)
    assert return_delivered(principal=principal, shipment=shipment) is True
    assert return_delivered(principal=principal, shipment=shipment) is False
    item.refresh_from_db()
    assert item.state == S.RETURNED_TO_MERCHANT
    assert returns_tracking_sweep() == 0
    event = ItemEvent.objects.get(item=item, to_state=S.RETURNED_TO_MERCHANT)
    assert event.reason_code == "receipt_confirmed"
    assert event.actor == world.merchant_user


def test_confirm_refused_before_release(world, qc):
    item, shipment = _return_parcel(world, qc)
    with pytest.raises(Conflict) as refused:
        return_delivered(principal=principal_of(world.merchant_user), shipment=shipment)
    assert refused.value.code == "not_released"
    item.refresh_from_db()
    assert item.state == S.RETURNING


def test_another_merchant_cannot_confirm(world, qc):
    item, shipment = _released(world, qc)
    with pytest.raises(NotFound):
        return_delivered(
            principal=principal_of(world.merchant2_user), shipment=shipment
        )
    client = Client()
    client.force_login(world.merchant2_user)
    response = client.post(f"/decisions/items/{item.code}/received/")
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.state == S.RETURNING


def test_portal_button_confirms_receipt(world, qc):
    item, shipment = _return_parcel(world, qc)
    client = Client(headers={"accept-language": "en"})
    client.force_login(world.merchant_user)
    page = client.get(f"/items/{item.code}/")
    assert b"return-received" not in page.content  # not released yet
    refused = client.post(f"/decisions/items/{item.code}/received/", follow=True)
    item.refresh_from_db()
    assert item.state == S.RETURNING
    assert b"not been handed to its carrier" in refused.content

    label_scan(world.station, shipment.tracking_number)
    page = client.get(f"/items/{item.code}/")
    assert b"return-received" in page.content
    done = client.post(f"/decisions/items/{item.code}/received/")
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.state == S.RETURNED_TO_MERCHANT
