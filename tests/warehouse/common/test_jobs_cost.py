"""What a job costs the database (warehouse.common.jobs): one statement to
record it, keyed or not, and two to run it (the row read locked, one UPDATE
marking it done), besides the transactions' own BEGIN and COMMIT; and what
the cheaper way keeps: a run in progress is skipped, a killed run leaves the
job pending, a failed run's writes are undone."""

import threading
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from warehouse.common import jobs
from warehouse.models import Job, Merchant

pytestmark = pytest.mark.django_db(transaction=True)

runs: list = []


def touch(*, code: str, fail: bool = False) -> None:
    """A trivial job: one row, undone if it raises."""
    Merchant.objects.create(code=code, name=code)
    runs.append(code)
    if fail:
        raise ConnectionError("carrier timed out")


def drain(*, code: str) -> None:
    """A job that commits in steps itself (``atomic=False``)."""
    runs.append(code)


@pytest.fixture(autouse=True)
def sent():
    """The test handlers registered; Celery's send mocked (what was sent)."""
    runs.clear()
    jobs.job_handler_register("test.touch", touch, max_attempts=3)
    jobs.job_handler_register("test.drain", drain, atomic=False)
    with mock.patch("warehouse.common.tasks.job_run_task.apply_async") as sent:
        yield sent
    jobs._handlers.pop("test.touch", None)
    jobs._handlers.pop("test.drain", None)


def statements(context) -> list[str]:
    """Each statement's first word (BEGIN, INSERT, SELECT, UPDATE …)."""
    return [query["sql"].split()[0].upper() for query in context.captured_queries]


def run_as_sent(sent) -> str:
    """Run the last job sent as the worker would: the message's arguments."""
    message = sent.call_args.kwargs
    return jobs.job_run_task(*message["args"], **message.get("kwargs", {}))


def test_a_job_is_recorded_in_one_statement_and_run_in_two(sent):
    with CaptureQueriesContext(connection) as recording, transaction.atomic():
        job = jobs.job_record(name="test.touch", args={"code": "A1"})
    with CaptureQueriesContext(connection) as running:
        assert run_as_sent(sent) == "done"

    assert statements(recording) == ["BEGIN", "INSERT", "COMMIT"]
    # The read locked, the handler's own insert, the job marked done.
    assert statements(running) == ["BEGIN", "SELECT", "INSERT", "UPDATE", "COMMIT"]
    assert sent.call_args.kwargs["args"] == [job.pk]
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.done_at is not None
    assert runs == ["A1"]


def test_record_and_run_of_a_trivial_job_in_seven_statements(
    sent, django_assert_num_queries
):
    """Recorded in the caller's transaction (3 statements, its BEGIN and
    COMMIT included), sent after commit and run (4): were 10 (a plain look
    before the locked read, a savepoint around the handler and its release)."""
    jobs.job_handler_register("test.nothing", lambda: runs.append("nothing"))
    sent.side_effect = lambda args, queue: jobs.job_run_task(*args)
    try:
        with django_assert_num_queries(7), transaction.atomic():
            job = jobs.job_record(name="test.nothing")
    finally:
        jobs._handlers.pop("test.nothing", None)

    job.refresh_from_db()
    assert job.state == Job.State.DONE and runs == ["nothing"]


def test_a_job_that_commits_in_steps_is_read_and_marked_in_two_statements(
    sent, django_assert_num_queries
):
    """The message names the job: one that is not atomic is read without a
    transaction (were: the same two)."""
    with transaction.atomic():
        jobs.job_record(name="test.drain", args={"code": "B1"})
    assert sent.call_args.kwargs["kwargs"] == {"name": "test.drain"}
    with django_assert_num_queries(2):
        assert run_as_sent(sent) == "done"
    # A message without the name (sent before it was added): read locked first.
    with transaction.atomic():
        again = jobs.job_record(name="test.drain", args={"code": "B2"})
    with CaptureQueriesContext(connection) as running:
        assert jobs.job_run_task(again.pk) == "done"

    assert statements(running) == ["BEGIN", "SELECT", "COMMIT", "UPDATE"]
    assert runs == ["B1", "B2"]
    assert not Job.objects.exclude(state=Job.State.DONE).exists()


@pytest.mark.postgres
def test_a_keyed_job_is_one_statement_new_or_pending(sent):
    """The look for a pending job with the key and the insert are one
    statement (were four: a look, a savepoint, the insert, its release)."""
    with CaptureQueriesContext(connection) as first, transaction.atomic():
        one = jobs.job_record(name="test.touch", args={"code": "C1"}, key="c")
    with CaptureQueriesContext(connection) as again, transaction.atomic():
        two = jobs.job_record(name="test.touch", args={"code": "C2"}, key="c")

    assert statements(first) == ["BEGIN", "WITH", "COMMIT"]
    assert statements(again) == ["BEGIN", "WITH", "COMMIT"]
    assert one.pk == two.pk and two.args == {"code": "C1"}
    assert sent.call_count == 1  # the pending one is not sent again
    stored = Job.objects.get(pk=one.pk)
    for field in Job._meta.concrete_fields:  # as the ORM reads it
        assert getattr(two, field.attname) == getattr(stored, field.attname)


def test_a_failed_run_undoes_its_writes_and_says_so_after():
    with transaction.atomic():
        job = jobs.job_record(name="test.touch", args={"code": "D1", "fail": True})

    with CaptureQueriesContext(connection) as running:
        assert jobs.job_run(job.pk) == "pending"

    # Read, the handler's insert, rolled back; the failure in its own UPDATE.
    assert statements(running) == ["BEGIN", "SELECT", "INSERT", "ROLLBACK", "UPDATE"]
    job.refresh_from_db()
    assert (job.state, job.attempts, job.enqueued_at) == ("pending", 1, None)
    assert "carrier timed out" in job.last_error
    assert not Merchant.objects.filter(code="D1").exists()


@pytest.mark.postgres
def test_a_run_in_progress_is_skipped_and_a_killed_one_leaves_the_job_pending():
    """Another worker holds the job (its row locked, its handler's writes
    uncommitted): a second delivery returns at once. The worker dies (its
    transaction aborts): the job is still pending, and runs once."""
    with transaction.atomic():
        job = jobs.job_record(name="test.touch", args={"code": "E1"})
    holding, die = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Job.objects.select_for_update().get(pk=job.pk)
                Merchant.objects.create(code="E1", name="half done")
                holding.set()
                die.wait(10)
                raise SystemExit  # killed: nothing it wrote commits
        except SystemExit:
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert holding.wait(10)
    try:
        assert jobs.job_run(job.pk) == "skipped"
        assert Job.objects.get(pk=job.pk).state == Job.State.PENDING
    finally:
        die.set()
        thread.join(10)

    assert jobs.job_run(job.pk) == "done"
    assert jobs.job_run(job.pk) == "skipped"  # and once only
    assert list(Merchant.objects.filter(code="E1").values_list("name", flat=True)) == [
        "E1"
    ]
    assert runs == ["E1"]
