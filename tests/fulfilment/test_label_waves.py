"""Label waves: packing records no job per parcel; one job books and labels a
wave of parcels, one parcel's failure leaves the others labelled, a worker
killed mid-wave redoes only what was left; a wave prints as one PDF and one
ZPL stream."""

import io
import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from config.celery import app as celery_app
from fulfilment import carriers
from fulfilment.carriers import CARRIERS, CarrierError, CarrierRefused, SandboxAdapter
from fulfilment.models import Order, Shipment, Wave
from fulfilment.services import order_pack
from fulfilment.services.shipping import waves
from tests.conftest import api_client
from tests.inspection.factories import announce, jade_row
from tests.warehouse import factories as f
from warehouse.common import jobs
from warehouse.common.access import principal_of
from warehouse.common.jobs import job_run
from warehouse.models import Job, Station

from .conftest import certified, certified_lot, order_payload, run_jobs
from .test_dock_pages import LABELS, client_for, operator_of

pytestmark = pytest.mark.django_db

WAVE_JOB = "fulfilment.label_wave"


class Scripted(SandboxAdapter):
    """The sandbox, counting its bookings by reference; a reference in
    ``refuse`` is refused, one in ``fail`` meets a transient error, and after
    ``kill_after`` bookings the worker "dies" (a BaseException, as a SIGKILL
    leaves nothing of the transaction)."""

    booked: Counter = Counter()
    refuse: set = set()
    fail: set = set()
    kill_after: int | None = None

    def book(self, request):
        cls = Scripted
        if cls.kill_after is not None and sum(cls.booked.values()) >= cls.kill_after:
            cls.kill_after = None
            raise Killed
        if request.reference in cls.refuse:
            raise CarrierRefused("The recipient's address is not served.")
        if request.reference in cls.fail:
            raise CarrierError("carrier timed out")
        cls.booked[request.reference] += 1
        return super().book(request)


class Killed(BaseException):
    pass


@pytest.fixture
def carrier(settings):
    settings.FULFILMENT_CARRIER_ADAPTERS = {
        code: f"{__name__}.Scripted" for code in CARRIERS
    }
    Scripted.booked.clear()
    Scripted.refuse, Scripted.fail, Scripted.kill_after = set(), set(), None
    yield Scripted
    carriers._adapter.cache_clear()


@pytest.fixture
def not_eager():
    """Jobs go to a broker (as in production): a pack's answer does not wait
    for its wave."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


def allocated(world, count: int) -> list[Order]:
    """``count`` single-unit orders for one certified lot, allocated."""
    certified_lot(world, quantity=max(count, 5))
    payloads = [
        order_payload(world, lines=[{"sku": "SERUM-30", "quantity": 1}])
        for _ in range(count)
    ]
    for payload in payloads:
        answer = api_client(world.platform).post(
            "/api/v1/orders/", payload, format="json"
        )
        assert answer.status_code == 201, answer.content
    run_jobs()
    orders = list(
        Order.objects.filter(external_id__in=[p["order_id"] for p in payloads])
    )
    assert {o.status for o in orders} == {Order.Status.ALLOCATED}
    return orders


def pack(user, order: Order) -> Shipment:
    answer = api_client(user).post(
        f"/api/v1/orders/{order.external_id}/pack/", format="json"
    )
    assert answer.status_code == 200, answer.content
    return Shipment.objects.get(reference=answer.json()["reference"])


def wave_jobs():
    return Job.objects.filter(name=WAVE_JOB)


def statuses(shipments) -> dict[str, str]:
    rows = Shipment.objects.filter(pk__in=[s.pk for s in shipments])
    return {s.reference: s.status for s in rows}


# --- one job per wave -----------------------------------------------------------------


def test_a_wave_books_and_labels_its_parcels_with_one_job(world, qc, carrier):
    orders = allocated(world, 5)
    shipments = [pack(world.station, order) for order in orders]

    assert wave_jobs().count() == 1  # one job for the wave, none per parcel
    assert not Job.objects.filter(name="fulfilment.shipment_label").exists()
    (wave,) = Wave.objects.all()
    assert {s.wave_id for s in shipments} == {wave.pk}
    assert (wave.size, wave.station, wave.carrier) == (5, world.station.station, "zto")
    assert wave.closed_at is None  # still open: packing adds to it

    assert run_jobs() == [f"{WAVE_JOB}:done"]
    rows = Shipment.objects.filter(wave=wave)
    assert {s.status for s in rows} == {Shipment.Status.LABELLED}
    assert len({s.tracking_number for s in rows}) == 5
    assert all(s.label_pdf and s.label_zpl.startswith("^XA") for s in rows)
    assert all(s.history[-1]["to"] == "labelled" for s in rows)
    assert set(carrier.booked.values()) == {1} and len(carrier.booked) == 5
    wave.refresh_from_db()
    assert wave.closed_at and wave.labelled_at

    # The next parcel opens the next wave, with its own job.
    more = allocated(world, 1)
    nxt = pack(world.station, more[0])
    assert nxt.wave_id != wave.pk and wave_jobs().count() == 2


def test_a_chunk_of_a_wave_moves_its_parcels_in_one_update_and_one_insert(
    world, qc, carrier
):
    """The parcels of one chunk are moved together: one UPDATE of the parcels
    and one INSERT of their messages, however many parcels, each with its own
    history entry, labels and ``shipment.labelled`` message."""
    from fulfilment.models import WebhookEndpoint, WebhookMessage

    WebhookEndpoint.objects.create(
        platform=world.platform.platform_account,
        url="https://hooks.example.com/qcw",
        secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )
    shipments = [pack(world.station, order) for order in allocated(world, 6)]
    WebhookMessage.objects.all().delete()
    (job,) = wave_jobs()
    with CaptureQueriesContext(connection) as queries:
        assert job_run(job.pk) == "done"
    sql = [q["sql"] for q in queries.captured_queries]
    table = Shipment._meta.db_table
    assert sum(q.startswith(f'UPDATE "{table}"') for q in sql) == 1
    messages = WebhookMessage._meta.db_table
    assert sum(q.startswith(f'INSERT INTO "{messages}"') for q in sql) == 1

    rows = Shipment.objects.filter(pk__in=[s.pk for s in shipments])
    assert {s.status for s in rows} == {Shipment.Status.LABELLED}
    assert len({s.tracking_number for s in rows}) == 6
    assert all(s.label_pdf and s.label_zpl.startswith("^XA") for s in rows)
    assert all(s.tracking_number in s.label_zpl for s in rows)
    assert [
        [(h["from"], h["to"]) for h in s.history if h["to"] == "labelled"] for s in rows
    ] == [[("booking", "labelled")]] * 6
    sent = WebhookMessage.objects.filter(event_type="shipment.labelled")
    assert sorted(m.body.count('"parcel"') for m in sent) == [1] * 6
    assert all(s.reference in "".join(m.body for m in sent) for s in rows)


def test_waves_are_per_station_and_a_full_wave_closes(world, qc, carrier, monkeypatch):
    monkeypatch.setattr(waves, "WAVE_SIZE", 2)
    orders = allocated(world, 4)
    at_one = [pack(world.station, order) for order in orders[:3]]
    supervisor = pack(world.supervisor, orders[3])  # no station: a wave of its own

    first, second = (Wave.objects.get(pk=s.wave_id) for s in at_one[::2])
    assert at_one[0].wave_id == at_one[1].wave_id != at_one[2].wave_id
    assert first.closed_at is not None and first.size == 2  # filled: closed
    assert second.closed_at is None and second.size == 1
    assert supervisor.wave_id not in (first.pk, second.pk)
    assert Wave.objects.get(pk=supervisor.wave_id).station is None
    assert wave_jobs().count() == 3
    run_jobs()
    assert set(statuses([*at_one, supervisor]).values()) == {"labelled"}


# A pack scan (token cached): item, its allocation with its order, SAVEPOINT,
# order FOR UPDATE, order update, wave update (joining it), shipment insert,
# allocations with items, item FOR UPDATE, its certificate (the packed
# guard), item update, item event, contents insert, RELEASE, scan log. No job
# row, no broker message: the wave's job was recorded by its first parcel.
PACK_SCAN_QUERIES = 15


def test_packing_records_no_job_and_costs_the_same_queries_at_any_wave_size(
    world, qc, carrier, not_eager
):
    """A pack scan records no job (the first of a wave records the wave's
    one) and costs the same number of queries whatever the size of its wave.
    (A receive scan, measured beside it, costs fewer: it moves one item and
    writes no parcel.)"""
    items = [certified(world) for _ in range(4)]
    for item in items:
        payload = order_payload(world, lines=[{"item_code": item.code}])
        api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    run_jobs()
    client = api_client(world.station)
    arrived = announce(world, jade_row())

    def scan(code, action):
        with CaptureQueriesContext(connection) as queries:
            answer = client.post(
                "/api/v1/scans/", {"barcode": code, "action": action}, format="json"
            )
        assert answer.status_code == 200, answer.content
        return len(queries), answer.json()

    jobs = Job.objects.count()
    scan(items[0].code, "pack")  # opens the wave, records its job
    assert Job.objects.count() == jobs + 1
    counts = [scan(item.code, "pack") for item in items[1:]]
    assert Job.objects.count() == jobs + 1  # the later packs record none
    assert [n for n, _answer in counts] == [PACK_SCAN_QUERIES] * 3
    assert Wave.objects.get().size == 4
    _n, answer = counts[-1]
    assert answer["item"]["state"] == "packed"
    assert answer["item"]["category"]["code"] == world.jade.code
    receive, _answer = scan(arrived.code, "receive")
    print(f"pack scan {PACK_SCAN_QUERIES} queries, receive scan {receive}")


# --- one parcel's failure -------------------------------------------------------------


def test_a_transient_failure_leaves_the_others_labelled_and_that_one_retried(
    world, qc, carrier
):
    shipments = [pack(world.station, order) for order in allocated(world, 4)]
    unlucky = shipments[1].reference
    carrier.fail = {unlucky}

    (job,) = wave_jobs()
    assert job_run(job.pk) == "pending"  # retried later, with backoff
    job.refresh_from_db()
    assert job.attempts == 1 and unlucky in job.last_error
    assert statuses(shipments) == {
        s.reference: "booking" if s.reference == unlucky else "labelled"
        for s in shipments
    }

    carrier.fail = set()  # the carrier is back
    assert job_run(job.pk) == "done"
    assert set(statuses(shipments).values()) == {"labelled"}
    assert set(carrier.booked.values()) == {1}  # the others were not booked again


def test_a_refused_booking_fails_the_job_for_staff_and_the_others_are_labelled(
    world, qc, carrier
):
    shipments = [pack(world.station, order) for order in allocated(world, 3)]
    refused = shipments[0].reference
    carrier.refuse = {refused}

    (job,) = wave_jobs()
    assert job_run(job.pk) == "failed"
    job.refresh_from_db()
    assert refused in job.last_error and "not served" in job.last_error
    assert statuses(shipments)[refused] == "booking"
    assert sum(status == "labelled" for status in statuses(shipments).values()) == 2
    assert Wave.objects.get().labelled_at is None

    # Staff fix the address and queue the job again (the admin's action).
    carrier.refuse = set()
    Job.objects.filter(pk=job.pk).update(state=Job.State.PENDING, attempts=0)
    assert job_run(job.pk) == "done"
    assert set(statuses(shipments).values()) == {"labelled"}
    assert set(carrier.booked.values()) == {1}
    assert Wave.objects.get().labelled_at is not None


def test_a_worker_killed_mid_wave_redoes_only_the_unfinished_parcels(
    world, qc, carrier
):
    count = waves.CHUNK + 5
    shipments = [pack(world.station, order) for order in allocated(world, count)]
    carrier.kill_after = waves.CHUNK + 2  # in the second chunk

    (job,) = wave_jobs()
    with pytest.raises(Killed):
        job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "pending"  # the job is sent again, as after a SIGKILL
    done = [r for r, status in statuses(shipments).items() if status == "labelled"]
    assert len(done) == waves.CHUNK  # the first chunk was committed
    before = Counter(carrier.booked)

    assert job_run(job.pk) == "done"
    assert set(statuses(shipments).values()) == {"labelled"}
    for reference in done:  # finished parcels: booked once, not redone
        assert carrier.booked[reference] == 1
    redone = {r for r in carrier.booked if carrier.booked[r] > before.get(r, 0)}
    assert redone.isdisjoint(done) and len(redone) == count - waves.CHUNK
    numbers = Shipment.objects.filter(pk__in=[s.pk for s in shipments])
    assert len({s.tracking_number for s in numbers}) == count


def test_a_parcel_cancelled_before_its_wave_runs_is_not_booked(world, qc, carrier):
    orders = allocated(world, 2)
    shipments = [pack(world.station, order) for order in orders]
    answer = api_client(world.platform).post(
        f"/api/v1/orders/{orders[0].external_id}/cancel/", format="json"
    )
    assert answer.status_code == 200, answer.content
    run_jobs()
    assert statuses(shipments) == {
        shipments[0].reference: "cancelled",
        shipments[1].reference: "labelled",
    }
    assert list(carrier.booked) == [shipments[1].reference]


# --- printing a wave ------------------------------------------------------------------


def test_a_wave_prints_as_one_pdf_and_one_zpl_stream_then_is_marked_printed(
    world, qc, carrier
):
    shipments = [pack(world.station, order) for order in allocated(world, 3)]
    run_jobs()
    wave = Wave.objects.get()
    client = api_client(world.station)

    listed = client.get("/api/v1/waves/?to_print=1").json()["results"]
    assert [(w["id"], w["parcels"], w["to_print"]) for w in listed] == [(wave.pk, 3, 3)]
    assert listed[0]["station"] == world.station.station.code

    pdf = client.get(listed[0]["labels_pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert len(pages) == 3
    numbers = [
        s.tracking_number for s in Shipment.objects.filter(wave=wave).order_by("id")
    ]
    for page, number in zip(pages, numbers, strict=True):
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (288, 432)
        assert number in page.extract_text()

    zpl = client.get(listed[0]["labels_zpl"]).content.decode()
    assert zpl.count("^XA") == zpl.count("^XZ") == 3
    for number in numbers:
        assert f"^FD{number}^FS" in zpl

    answer = client.post(f"/api/v1/waves/{wave.pk}/printed/", format="json")
    assert answer.status_code == 200 and answer.json()["to_print"] == 0
    assert all(
        s.printed_at for s in Shipment.objects.filter(pk__in=[s.pk for s in shipments])
    )
    pending = client.get("/api/v1/shipments/?pending_labels=1").json()["results"]
    assert pending == []
    assert client.get("/api/v1/waves/?to_print=1").json()["results"] == []


def test_a_wave_before_its_labels_and_of_another_warehouse_is_a_404(world, qc, carrier):
    pack(world.station, allocated(world, 1)[0])
    wave = Wave.objects.get()
    own = api_client(world.station).get(f"/api/v1/waves/{wave.pk}/labels.pdf")
    assert own.status_code == 404 and own.json()["error"]["code"] == "no_label"
    run_jobs()
    other = api_client(world.station_sih).get(f"/api/v1/waves/{wave.pk}/labels.pdf")
    assert other.status_code == 404
    assert api_client(world.merchant_user).get("/api/v1/waves/").status_code == 403


def test_the_dock_page_lists_the_waves_to_print_with_their_files(world, qc, carrier):
    dock = f.StationFactory(
        code="GZ-DOCK-01", warehouse=world.gz, kind=Station.Kind.DOCK
    )
    at_dock = client_for(operator_of(world.gz, "operator"))
    assert at_dock.post("/station/choose/", {"station": dock.pk}).status_code == 302
    for order in allocated(world, 2):
        pack(world.station, order)
    run_jobs()
    wave = Wave.objects.get()
    page = at_dock.get(LABELS)
    html = page.content.decode()
    assert page.status_code == 200
    assert f"/dock/waves/{wave.pk}/labels.pdf" in html
    assert f"/dock/waves/{wave.pk}/labels.zpl" in html
    download = at_dock.get(f"/dock/waves/{wave.pk}/labels.pdf")
    assert len(PdfReader(io.BytesIO(download.content)).pages) == 2

    done = at_dock.post(f"/dock/waves/{wave.pk}/printed/")
    assert done.status_code == 302
    html = at_dock.get(LABELS).content.decode()
    assert f"/dock/waves/{wave.pk}/labels.pdf" not in html
    assert not Shipment.objects.filter(wave=wave, printed_at=None).exists()


# --- a pack racing its wave's job (PostgreSQL) ----------------------------------------


def _waiting_for_a_lock(sql_start: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE %s",
            [sql_start + "%"],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pack_in_flight_when_its_wave_closes_is_labelled_by_that_wave(
    world, qc, carrier, monkeypatch
):
    """The job closes its wave only once the packs that joined it committed
    (their row lock): a parcel is never left in a closed wave unbooked, and
    a pack after the close opens the next wave."""
    monkeypatch.setattr(jobs, "_send", lambda job: True)  # the test runs jobs
    orders = allocated(world, 3)
    first = pack(world.station, orders[0])  # opens the wave and its job
    (job,) = wave_jobs()
    joined, go = threading.Event(), threading.Event()
    outcome = {}

    def pack_held():
        try:
            with transaction.atomic():
                shipment = order_pack(
                    principal=principal_of(world.station), order=orders[1]
                )
                outcome["second"] = shipment.pk
                joined.set()
                go.wait(timeout=20)  # not committed yet
        finally:
            connection.close()

    def wave_job():
        try:
            outcome["job"] = job_run(job.pk)
        finally:
            connection.close()

    packer = threading.Thread(target=pack_held)
    packer.start()
    assert joined.wait(timeout=20)
    worker = threading.Thread(target=wave_job)
    worker.start()
    for _ in range(400):  # until the job's close waits for the pack's lock
        if _waiting_for_a_lock('UPDATE "fulfilment_wave"'):
            break
        threading.Event().wait(0.05)
    else:
        raise AssertionError("the wave's job did not wait for the pack")
    go.set()
    packer.join(timeout=30)
    worker.join(timeout=30)

    assert outcome["job"] == "done"
    second = Shipment.objects.get(pk=outcome["second"])
    assert second.wave_id == first.wave_id
    assert statuses([first, second]) == {
        first.reference: "labelled",
        second.reference: "labelled",
    }
    third = pack(world.station, orders[2])  # the wave is closed: the next one
    assert third.wave_id != first.wave_id and wave_jobs().count() == 2
