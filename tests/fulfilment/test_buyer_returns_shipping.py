"""A buyer's returned item sent back to its merchant leaves in a return parcel
that nobody has to ask for: the move into ``returning`` records the job, the
job makes the parcel and its label job once."""

import pytest

from fulfilment.models import Shipment
from tests.fulfilment.conftest import run_jobs
from tests.inspection.test_returns_api import SAME, inspect, jade_back
from warehouse.common.jobs import Job, job_run
from warehouse.models import ItemState

S = ItemState


@pytest.fixture(autouse=True)
def _return_address(world):
    merchant = world.merchant
    merchant.return_address = "广州市天河区珠江新城 8 号 翡翠之家"
    merchant.contact_phone = "13800138000"
    merchant.save(update_fields=["return_address", "contact_phone"])


def _return_parcels(item):
    return Shipment.objects.filter(kind=Shipment.Kind.RETURN, contents__item=item)


def test_a_matching_return_goes_back_to_its_merchant_in_a_parcel_of_its_own(world, qc):
    item = jade_back(world)
    assert inspect(world, item).json()["outcome"] == "to_merchant"
    item.refresh_from_db()
    assert item.state == S.RETURNING
    assert not _return_parcels(item).exists(), "made by the job, after commit"

    outcomes = run_jobs()

    assert "fulfilment.buyer_return_ship:done" in outcomes, outcomes
    [parcel] = _return_parcels(item)
    assert parcel.merchant == item.merchant
    assert parcel.recipient == {
        "name": item.merchant.name,
        "phone": "13800138000",
        "lines": "广州市天河区珠江新城 8 号 翡翠之家",
    }
    assert parcel.tracking_number, "its label job ran: booked and labelled"
    item.refresh_from_db()
    assert item.state == S.RETURNING, "it stays returning until delivered"


def test_the_job_run_twice_makes_one_parcel(world, qc):
    item = jade_back(world)
    inspect(world, item)
    job = Job.objects.get(name="fulfilment.buyer_return_ship")
    run_jobs()

    Job.objects.filter(pk=job.pk).update(state=Job.State.PENDING)
    job_run(job.pk)

    assert _return_parcels(item).count() == 1


def test_a_return_awaiting_sign_off_has_no_parcel_yet(world, qc):
    """The job comes with the move into returning, not with a verdict that
    still waits for a second inspector."""
    item = jade_back(world)
    inspect(world, item, _weight_off())
    item.refresh_from_db()
    assert item.state == S.RETURN_INSPECTING, "a mismatch waits for sign-off"

    assert not Job.objects.filter(name="fulfilment.buyer_return_ship").exists()


def _weight_off() -> dict:
    return {**SAME, "weight_g": "50.31"}


def test_without_a_return_address_the_merchant_asks_for_the_parcel(world, qc):
    """The job cannot book a parcel the carrier could not deliver: it fails
    with the reason, and the item's page offers the merchant to ask again
    once the address is there."""
    from django.test import Client

    merchant = world.merchant
    merchant.return_address = ""
    merchant.save(update_fields=["return_address"])
    item = jade_back(world)
    inspect(world, item)

    run_jobs()

    job = Job.objects.get(name="fulfilment.buyer_return_ship")
    assert job.state == Job.State.FAILED
    assert "JADEHOME" in job.last_error, "the refusal naming the merchant"
    assert not _return_parcels(item).exists()
    page = Client()
    page.force_login(world.merchant_user)
    html = page.get(f"/items/{item.code}/").content.decode()
    assert 'data-testid="return-ask"' in html

    merchant.return_address = "广州市天河区珠江新城 8 号 翡翠之家"
    merchant.save(update_fields=["return_address"])
    answer = page.post(f"/decisions/items/{item.code}/return/")

    assert answer.status_code == 302
    assert _return_parcels(item).count() == 1
    html = page.get(f"/items/{item.code}/").content.decode()
    assert 'data-testid="return-ask"' not in html
