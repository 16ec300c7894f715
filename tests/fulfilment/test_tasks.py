"""Label jobs run by a real Celery worker over Redis, through faults
(CI runs these): a broker outage while orders are packed, and a worker
killed mid-job. Each ends with one label per parcel."""

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from fulfilment.models import Order, Shipment
from tests.conftest import TASK_SECONDS, api_client, celery_worker, wait_for
from warehouse.common import jobs
from warehouse.models import Job

from .conftest import certified, order_payload

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def media(tmp_path, monkeypatch, settings):
    """Where the worker writes labels and this test reads them."""
    path = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(path))
    settings.MEDIA_ROOT = path
    return path


def allocated_orders(world, count: int) -> list[Order]:
    """``count`` certified items, each allocated to its own order (in-process)."""
    celery_app.conf.task_always_eager = True
    try:
        orders = []
        for _ in range(count):
            item = certified(world)
            payload = order_payload(world, lines=[{"item_code": item.code}])
            api_client(world.platform).post("/api/v1/orders/", payload, format="json")
            orders.append(Order.objects.get(external_id=payload["order_id"]))
        assert all(o.status == Order.Status.ALLOCATED for o in orders)
        return orders
    finally:
        celery_app.conf.task_always_eager = False


def pack(world, order: Order) -> Shipment:
    answer = api_client(world.station).post(
        f"/api/v1/orders/{order.external_id}/pack/", format="json"
    )
    assert answer.status_code == 200, answer.json()
    return Shipment.objects.get(reference=answer.json()["reference"])


def labelled(shipments, log):
    def done():
        states = Shipment.objects.filter(pk__in=[s.pk for s in shipments])
        return all(s.status == Shipment.Status.LABELLED for s in states)

    return wait_for(done, TASK_SECONDS, "the worker to label every parcel", log)


def assert_one_label_each(shipments, media) -> None:
    rows = Shipment.objects.filter(pk__in=[s.pk for s in shipments])
    numbers = [s.tracking_number for s in rows]
    assert len(set(numbers)) == len(shipments) and all(numbers)
    assert len(list((media / "labels").rglob("*.pdf"))) == len(shipments)
    # One job per label wave, none per parcel; every one done.
    assert not Job.objects.filter(name="fulfilment.shipment_label").exists()
    waves = Job.objects.filter(name="fulfilment.label_wave")
    assert 1 <= waves.count() <= len(shipments)
    assert set(waves.values_list("state", flat=True)) == {"done"}


def test_a_worker_books_and_labels_packed_orders(world, qc, media, worker):
    orders = allocated_orders(world, 3)
    shipments = [pack(world, order) for order in orders]
    assert labelled(shipments, worker)
    assert_one_label_each(shipments, media)
    assert "warehouse.tasks.job_run" in worker.read_text()


# --- a broker outage ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A Redis server of the test's own, so it can be stopped and started."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for the outage drill"
        self.process = subprocess.Popen(  # noqa: S603
            [
                binary,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("own redis did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def broker(url: str):
    """Point this process's Celery app at ``url`` for the block."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        celery_app._pool = None
        celery_app.amqp._producer_pool = None


def test_parcels_packed_while_redis_is_down_are_labelled_once_it_is_back(
    world, qc, media, tmp_path
):
    orders = allocated_orders(world, 4)
    redis = OwnRedis(tmp_path)
    redis.start()
    log = tmp_path / "worker.log"
    with broker(redis.url), celery_worker(log, broker=redis.url):
        first = pack(world, orders[0])  # broker up: sent at commit
        assert labelled([first], log)
        redis.stop()
        try:
            down = [pack(world, order) for order in orders[1:]]  # commits anyway
            # The first opens a wave whose job waits; the others join it.
            waiting = Job.objects.filter(state="pending", enqueued_at=None)
            assert waiting.count() == 1
        finally:
            redis.start()
        wait_for(
            lambda: (
                jobs.jobs_dispatch() >= 0
                and not Job.objects.filter(state="pending", enqueued_at=None).exists()
            ),
            TASK_SECONDS,
            "the dispatcher to send the waiting jobs",
            log,
        )
        assert labelled(down, log)
    redis.stop()
    assert_one_label_each([first, *down], media)


def test_a_worker_killed_mid_job_leaves_nothing_and_the_job_runs_again(
    world, qc, media, tmp_path, settings
):
    (order,) = allocated_orders(world, 1)
    log = tmp_path / "worker.log"
    slow = {"SANDBOX_CARRIER_DELAY_SECONDS": "30"}
    with celery_worker(log, env=slow) as process:
        shipment = pack(world, order)
        wait_for(
            lambda: "job_run" in log.read_text() and "received" in log.read_text(),
            TASK_SECONDS,
            "the worker to take the label job",
            log,
        )
        time.sleep(1)  # inside the slow booking, its transaction open
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.BOOKING  # nothing half written
    job = Job.objects.get(name="fulfilment.label_wave")
    assert job.state == "pending"

    with celery_worker(log):
        # The message died with the worker; the dispatcher sends the job again
        # once it is older than the resend delay (beat does this in production).
        later = timezone.now() + timezone.timedelta(
            seconds=settings.JOBS_RESEND_AFTER_SECONDS + 1
        )
        assert jobs.jobs_dispatch(now=later) == 1
        assert labelled([shipment], log)
    assert_one_label_each([shipment], media)
