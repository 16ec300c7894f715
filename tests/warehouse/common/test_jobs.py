"""The job outbox: recorded with the change, sent after commit, never lost
when the broker is down, run once, retried with backoff, failed for good on
a domain refusal."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from warehouse.common import jobs
from warehouse.common.exceptions import Conflict
from warehouse.models import Job, Merchant

pytestmark = pytest.mark.django_db(transaction=True)

calls: list = []


def touch(*, code: str, fail: str = "") -> None:
    """A test job: writes a row (undone if it raises)."""
    Merchant.objects.create(code=code, name=code)
    calls.append(code)
    if fail == "transient":
        raise ConnectionError("carrier timed out")
    if fail == "domain":
        raise Conflict("refused by the domain")


@pytest.fixture(autouse=True)
def _handler():
    calls.clear()
    jobs.job_handler_register("test.touch", touch, max_attempts=3)
    yield
    jobs._handlers.pop("test.touch", None)


def record(**args):
    with transaction.atomic():
        return jobs.job_record(name="test.touch", args=args)


def test_a_job_runs_after_commit_and_once():
    job = record(code="A1")
    job.refresh_from_db()
    assert job.state == Job.State.DONE and calls == ["A1"]
    assert jobs.job_run(job.pk) == "skipped"  # a second delivery
    assert calls == ["A1"] and Merchant.objects.filter(code="A1").count() == 1


def test_a_rolled_back_change_records_no_job():
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.job_record(name="test.touch", args={"code": "B1"})
        raise RuntimeError("the change failed")
    assert not Job.objects.exists() and calls == []


def test_with_the_broker_down_the_job_waits_and_the_dispatcher_sends_it():
    with mock.patch(
        "warehouse.common.tasks.job_run_task.apply_async", side_effect=OSError("down")
    ):
        job = record(code="C1")
        assert jobs.jobs_dispatch() == 0
    job.refresh_from_db()
    assert job.state == Job.State.PENDING and job.enqueued_at is None
    assert calls == []
    assert jobs.jobs_dispatch() == 1  # broker back
    job.refresh_from_db()
    assert job.state == Job.State.DONE and calls == ["C1"]


def test_a_lost_message_is_sent_again_after_the_resend_delay(settings):
    with mock.patch(
        "warehouse.common.tasks.job_run_task.apply_async"
    ):  # sent, then lost
        job = record(code="D1")
    assert jobs.jobs_dispatch() == 0  # just sent: not yet taken for lost
    later = timezone.now() + dt.timedelta(
        seconds=settings.JOBS_RESEND_AFTER_SECONDS + 1
    )
    assert jobs.jobs_dispatch(now=later) == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and calls == ["D1"]


def test_transient_errors_are_retried_with_backoff_then_given_up():
    job = record(code="E1", fail="transient")
    job.refresh_from_db()
    assert job.state == Job.State.PENDING and job.attempts == 1
    assert job.available_at > timezone.now()
    assert not Merchant.objects.filter(code="E1").exists()  # its write undone
    assert "carrier timed out" in job.last_error
    assert jobs.jobs_dispatch() == 0  # not due yet
    for _ in range(2):
        Job.objects.filter(pk=job.pk).update(available_at=timezone.now())
        jobs.jobs_dispatch()
    job.refresh_from_db()
    assert job.state == Job.State.DEAD and job.attempts == 3


def test_a_domain_refusal_fails_the_job_for_good():
    job = record(code="F1", fail="domain")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.last_error == "refused by the domain"
    assert not Merchant.objects.filter(code="F1").exists()


def test_a_key_makes_one_pending_job():
    with (
        mock.patch("warehouse.common.tasks.job_run_task.apply_async"),
        transaction.atomic(),
    ):
        one = jobs.job_record(name="test.touch", args={"code": "G1"}, key="k")
        two = jobs.job_record(name="test.touch", args={"code": "G1"}, key="k")
    assert one.pk == two.pk and Job.objects.count() == 1


@pytest.mark.postgres
def test_a_key_taken_and_freed_while_recording_records_a_new_job():
    """After our look, another transaction records the key (our insert waits
    on its row, then gives way); a worker finishes that job before we look
    again. The caller's change still needs its job: a new one, not an error
    after the caller's commit."""
    theirs: dict = {}
    inserted = threading.Event()

    def ours_waiting() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # one per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE %s",
                ['%INSERT INTO "warehouse_job"%'],
            )
            return cursor.fetchone()[0] > 0

    def theirs_recorded_then_done():
        try:
            with transaction.atomic():
                theirs["job"] = Job.objects.create(name="test.touch", key="k", args={})
                inserted.set()
                deadline = time.monotonic() + 10
                while not ours_waiting():
                    assert time.monotonic() < deadline, "our insert never waited"
                    time.sleep(0.01)
            Job.objects.filter(pk=theirs["job"].pk).update(state=Job.State.DONE)
        except Exception as exc:  # reported by the test below
            theirs["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=theirs_recorded_then_done)

    def race(execute, sql, params, many, context):
        """Theirs starts as our insert is about to run, and is over before
        our next statement."""
        if 'INSERT INTO "warehouse_job"' in sql and not thread.is_alive():
            if "job" not in theirs:
                thread.start()
                assert inserted.wait(10)
        elif thread.is_alive():
            thread.join(10)
        return execute(sql, params, many, context)

    with (
        mock.patch("warehouse.common.tasks.job_run_task.apply_async") as sent,
        connection.execute_wrapper(race),
        transaction.atomic(),
    ):
        ours = jobs.job_record(name="test.touch", args={"code": "R1"}, key="k")

    thread.join(10)
    assert "error" not in theirs, theirs.get("error")
    assert theirs["job"].pk != ours.pk
    assert Job.objects.get(key="k", state=Job.State.PENDING).pk == ours.pk
    assert sent.call_args.kwargs["args"] == [ours.pk]
