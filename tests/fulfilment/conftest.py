"""Fixtures of the fulfilment tests: certified items, stock lots, orders, jobs."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone, translation

from fulfilment.models import Shipment
from inspection import services as inspection
from tests.conftest import api_client
from tests.inspection.factories import (  # noqa: F401 - qc is a fixture
    GOOD_JADE,
    GOOD_UNIT,
    jade_row,
    lot_row,
    qc,
    received,
)
from warehouse.common.access import principal_of
from warehouse.common.jobs import job_run
from warehouse.models import Item, ItemState, Job


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"
    with translation.override("en"):
        yield


def run_jobs(limit: int = 200) -> list[str]:
    """Run every pending job as a worker would (tests have no on_commit)."""
    outcomes = []
    for _ in range(limit):
        job = (
            Job.objects.filter(
                state=Job.State.PENDING, available_at__lte=timezone.now()
            )
            .order_by("id")
            .first()
        )
        if job is None:
            return outcomes
        outcomes.append(f"{job.name}:{job_run(job.pk)}")
    raise AssertionError(f"jobs keep coming: {outcomes[-5:]}")


def certified(world, row: dict | None = None, **kw) -> Item:
    """A jade item received, inspected, passed and certified (jobs run)."""
    item = received(world, row or jade_row(), **kw)
    inspection.inspection_submit(
        principal=principal_of(world.inspector), code=item.code, observed=GOOD_JADE
    )
    inspection.certificate_issue(item_id=item.pk)
    run_jobs()
    item.refresh_from_db()
    assert item.state in (ItemState.CERTIFIED, ItemState.ALLOCATED), item.state
    return item


def failed(world, qc_world) -> Item:
    """A jade item that failed (its appearance check), signed off by a second
    inspector."""
    item = received(world, jade_row())
    done = inspection.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed={**GOOD_JADE, "appearance": False},
    )[0]
    inspection.inspection_sign_off(
        principal=principal_of(qc_world.inspector2), inspection_id=done.pk
    )
    item.refresh_from_db()
    assert item.state == ItemState.FAILED
    return item


def certified_lot(world, quantity: int = 20, **claim) -> Item:
    """A stock-first lot inspected by sample, passed and certified."""
    item = received(world, lot_row(quantity=quantity, **claim))
    who = principal_of(world.inspector)
    inspection_ = inspection.inspection_open(principal=who, code=item.code)
    plan = inspection_.sample_size
    seen = {**GOOD_UNIT, "expiry_date": item.claim["expiry_date"]}
    inspection.inspection_units_record(
        principal=who,
        inspection_id=inspection_.pk,
        units=[{"unit": n, "observed": seen} for n in range(1, plan + 1)],
    )
    inspection.inspection_complete(principal=who, inspection_id=inspection_.pk)
    inspection.certificate_issue(item_id=item.pk)
    run_jobs()
    item.refresh_from_db()
    assert item.state == ItemState.CERTIFIED
    return item


_orders = itertools.count(1)


def order_payload(world, *, lines, promise="within_24h", **extra) -> dict:
    return {
        "order_id": f"P-{next(_orders)}",
        "merchant": world.merchant.code,
        "warehouse": "GZ",
        "carrier": "zto",
        "promise": promise,
        "ordered_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "buyer": {
            "name": "王小明",
            "phone": "13800138000",
            "email": "buyer@example.com",
            "province": "广东省",
            "city": "深圳市",
            "address": "南山区科技园路 1 号 2 栋 301",
            "postcode": "518000",
        },
        "lines": lines,
        **extra,
    }


def tracking_of(item) -> str:
    """The tracking number on the label of the item's latest parcel."""
    return (
        Shipment.objects.filter(contents__item=item)
        .exclude(status=Shipment.Status.CANCELLED)
        .order_by("-id")
        .values_list("tracking_number", flat=True)
        .first()
    )


def label_scan(user, barcode: str, **headers):
    """The dock's hand-over: a ``release`` scan of ``barcode`` (a parcel
    label's tracking number, or anything else a station might scan)."""
    return api_client(user).post(
        "/api/v1/scans/",
        {"barcode": barcode, "action": "release"},
        format="json",
        **headers,
    )
