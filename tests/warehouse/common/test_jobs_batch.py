"""Jobs taken in batches: a handler with ``many`` is given the other pending
jobs of its name with its own, each job still runs once, two runs never take
the same job, and a batch that raises is undone and run job by job, so one
job's failure is its own."""

import datetime as dt
import threading
from unittest import mock

import pytest
from django.db import connection, transaction

from warehouse.common import jobs
from warehouse.common.exceptions import Conflict
from warehouse.models import Job, Merchant

pytestmark = pytest.mark.django_db(transaction=True)

batches: list[list[str]] = []
singles: list[str] = []


def touch_one(*, code: str) -> None:
    singles.append(code)
    _touch([code])


def touch_many(batch: list[dict]) -> None:
    codes = [args["code"] for args in batch]
    batches.append(codes)
    _touch(codes)


def _touch(codes: list[str]) -> None:
    for code in codes:
        Merchant.objects.create(code=code, name=code)
        if code.startswith("DOMAIN"):
            raise Conflict("refused by the domain")
        if code.startswith("FLAKY"):
            raise ConnectionError("carrier timed out")


@pytest.fixture(autouse=True)
def _handler():
    batches.clear()
    singles.clear()
    jobs.job_handler_register(
        "test.batch", touch_one, many=touch_many, batch=3, max_attempts=3
    )
    yield
    jobs._handlers.pop("test.batch", None)


def recorded(*codes: str) -> list[Job]:
    """Jobs recorded while no message reaches a worker (sent, then lost)."""
    with (
        mock.patch("warehouse.common.tasks.job_run_task.apply_async"),
        transaction.atomic(),
    ):
        return [jobs.job_record(name="test.batch", args={"code": c}) for c in codes]


def states() -> dict[str, str]:
    return {job.args["code"]: job.state for job in Job.objects.order_by("pk")}


def test_a_run_takes_the_pending_jobs_of_its_name_up_to_the_batch():
    first, *_ = recorded("A1", "A2", "A3", "A4")

    assert jobs.job_run(first.pk) == Job.State.DONE

    assert batches == [["A1", "A2", "A3"]]  # its own first, oldest next
    assert states() == {"A1": "done", "A2": "done", "A3": "done", "A4": "pending"}
    # The others' messages, when they come, find their jobs done.
    assert [jobs.job_run(job.pk) for job in Job.objects.order_by("pk")] == [
        "skipped",
        "skipped",
        "skipped",
        Job.State.DONE,
    ]
    assert batches[-1] == ["A4"]
    assert Merchant.objects.filter(code__startswith="A").count() == 4


def test_a_done_job_is_known_done_without_a_statement_in_the_process_that_did_it():
    first, second = recorded("B1", "B2")
    jobs.job_run(first.pk)

    with mock.patch.object(connection, "cursor", side_effect=AssertionError):
        assert jobs.job_run(second.pk) == "skipped"
    jobs.jobs_done_forget()  # another process reads it: done
    assert jobs.job_run(second.pk) == "skipped"


def test_a_job_remembered_done_is_read_again_after_a_while(monkeypatch):
    """The memory is brief: a job id a restored database gave out again is
    run once the dispatcher sends its message again."""
    first, second = recorded("B1", "B2")
    jobs.job_run(first.pk)
    # The database restored to before B2 was done: the id is pending again.
    Job.objects.filter(pk=second.pk).update(state=Job.State.PENDING)
    Merchant.objects.filter(code="B2").delete()
    assert jobs.job_run(second.pk) == "skipped"  # remembered, lately

    later = jobs.time.monotonic() + jobs.DONE_HERE_SECONDS
    monkeypatch.setattr(jobs.time, "monotonic", lambda: later)

    assert jobs.job_run(second.pk) == Job.State.DONE
    assert batches[-1] == ["B2"]


def test_a_job_not_yet_due_stays_out_of_the_batch():
    first, later = recorded("C1", "C2")
    Job.objects.filter(pk=later.pk).update(
        available_at=later.available_at + dt.timedelta(hours=1)
    )

    jobs.job_run(first.pk)

    assert batches == [["C1"]]
    assert states() == {"C1": "done", "C2": "pending"}


def test_a_batch_that_fails_runs_its_jobs_alone_each_with_its_own_outcome():
    first, *_ = recorded("D1", "DOMAIN-2", "FLAKY-3")

    assert jobs.job_run(first.pk) == Job.State.DONE

    # The batch was undone (nothing of it kept), then each job ran alone.
    assert batches == [["D1", "DOMAIN-2", "FLAKY-3"]]
    assert singles == ["D1", "DOMAIN-2", "FLAKY-3"]
    assert states() == {"D1": "done", "DOMAIN-2": "failed", "FLAKY-3": "pending"}
    flaky = Job.objects.get(args__code="FLAKY-3")
    assert flaky.attempts == 1 and "ConnectionError" in flaky.last_error
    assert list(Merchant.objects.values_list("code", flat=True)) == ["D1"]


def test_a_batch_of_one_that_fails_is_not_run_twice():
    (job,) = recorded("FLAKY-1")

    assert jobs.job_run(job.pk) == Job.State.PENDING

    assert batches == [["FLAKY-1"]] and singles == []
    job.refresh_from_db()
    assert job.attempts == 1


def test_two_runs_at_once_never_take_the_same_job():
    """A run holds its batch (the jobs locked) while another run starts: the
    second takes the jobs the first left, not one of the first's."""
    first, *_, fourth, _fifth = recorded("E1", "E2", "E3", "E4", "E5")
    holding, release = threading.Event(), threading.Event()

    def slow_many(batch):
        touch_many(batch)
        holding.set()
        assert release.wait(10)

    jobs.job_handler_register("test.batch", touch_one, many=slow_many, batch=3)
    outcome = {}

    def theirs():
        try:
            outcome["first"] = jobs.job_run(first.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=theirs)
    thread.start()
    try:
        assert holding.wait(10)
        jobs.job_handler_register("test.batch", touch_one, many=touch_many, batch=3)
        assert jobs.job_run(fourth.pk) == Job.State.DONE
        assert jobs.job_run(first.pk) == "skipped"  # locked by the first run
    finally:
        release.set()
        thread.join(10)

    assert outcome["first"] == Job.State.DONE
    assert sorted(batches) == [["E1", "E2", "E3"], ["E4", "E5"]]
    assert set(states().values()) == {"done"}
    assert Merchant.objects.filter(code__startswith="E").count() == 5


def test_only_an_atomic_handler_takes_batches():
    with pytest.raises(ValueError, match="atomic"):
        jobs.job_handler_register(
            "test.drain", touch_one, many=touch_many, batch=5, atomic=False
        )


# --- one message a batch --------------------------------------------------------


@pytest.fixture
def worker_sends():
    """Jobs go to a broker and a worker (not run in-process as sent)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def test_jobs_recorded_together_send_one_message_a_batch(worker_sends):
    """Seven jobs of one transaction (batches of three): the first of each
    batch is sent, the others ride with it, unsent; the three runs do all."""
    with mock.patch("warehouse.common.tasks.job_run_task.apply_async") as send:
        with transaction.atomic():
            recorded_jobs = [
                jobs.job_record(name="test.batch", args={"code": f"F{n}"})
                for n in range(7)
            ]
        sent = [call.kwargs["args"][0] for call in send.call_args_list]

    ids = [job.pk for job in recorded_jobs]
    assert sent == [ids[0], ids[3], ids[6]]
    unsent = Job.objects.filter(enqueued_at=None).values_list("pk", flat=True)
    assert sorted(unsent) == sorted(set(ids) - set(sent))
    assert [jobs.job_run(pk) for pk in sent] == [Job.State.DONE] * 3
    assert set(states().values()) == {"done"}
    assert sorted(len(batch) for batch in batches) == [1, 3, 3]


def test_a_job_left_by_its_batch_is_sent_by_the_dispatcher(worker_sends):
    with (
        mock.patch("warehouse.common.tasks.job_run_task.apply_async"),
        transaction.atomic(),
    ):
        first = jobs.job_record(name="test.batch", args={"code": "G1"})
        rider = jobs.job_record(name="test.batch", args={"code": "G2"})
    assert rider.enqueued_at is None
    jobs.job_run_task.app.conf.task_always_eager = True  # the dispatcher runs it
    # Its batch's run did not take it (another run held it then, say).
    Job.objects.filter(pk=first.pk).update(state=Job.State.DONE)

    assert jobs.jobs_dispatch() == 1  # eager: sent and run
    assert states() == {"G1": "done", "G2": "done"}


def test_a_batch_whose_first_job_was_rolled_back_sends_its_next(worker_sends):
    """The first job of a batch recorded in a savepoint that rolls back takes
    its message with it: the next job of the transaction is sent instead."""
    with mock.patch("warehouse.common.tasks.job_run_task.apply_async") as send:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    jobs.job_record(name="test.batch", args={"code": "H0"})
                    raise RuntimeError("this step failed")
            except RuntimeError:
                pass
            kept = jobs.job_record(name="test.batch", args={"code": "H1"})
            jobs.job_record(name="test.batch", args={"code": "H2"})
        sent = [call.kwargs["args"][0] for call in send.call_args_list]

    assert sent == [kept.pk]
    assert jobs.job_run(kept.pk) == Job.State.DONE
    assert states() == {"H1": "done", "H2": "done"}


def test_jobs_run_in_process_as_sent_are_each_sent():
    """The embedded default (no broker, no dispatcher): every job is sent,
    so none waits for a dispatcher that does not run."""
    with transaction.atomic():
        recorded_jobs = [
            jobs.job_record(name="test.batch", args={"code": f"J{n}"}) for n in range(4)
        ]

    assert all(job.enqueued_at is not None for job in recorded_jobs)
    assert set(states().values()) == {"done"}


def test_jobs_recorded_in_separate_transactions_are_each_sent(worker_sends):
    with mock.patch("warehouse.common.tasks.job_run_task.apply_async") as send:
        for n in range(4):
            with transaction.atomic():
                jobs.job_record(name="test.batch", args={"code": f"I{n}"})
        jobs.job_record(name="test.batch", args={"code": "I-autocommit"})

    assert send.call_count == 5
    assert not Job.objects.filter(enqueued_at=None).exists()


# --- many keyed jobs recorded at once ---------------------------------------------


def keyed(*codes: str) -> list[tuple[dict, str]]:
    return [({"code": code}, f"key:{code}") for code in codes]


@pytest.mark.postgres
def test_keyed_jobs_recorded_together_take_one_statement_and_one_message_a_batch(
    worker_sends,
):
    """Seven keyed jobs at once (batches of three): one statement, the rows
    and messages job_record would give them one by one."""
    from django.test.utils import CaptureQueriesContext

    with mock.patch("warehouse.common.tasks.job_run_task.apply_async") as send:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            recorded_jobs = jobs.job_record_many(
                name="test.batch", each=keyed(*(f"K{n}" for n in range(7)))
            )
        sent = [call.kwargs["args"][0] for call in send.call_args_list]

    statements = [q["sql"] for q in queries.captured_queries]
    assert len([sql for sql in statements if "warehouse_job" in sql]) == 1
    ids = [job.pk for job in recorded_jobs]
    assert [job.key for job in recorded_jobs] == [f"key:K{n}" for n in range(7)]
    rows = Job.objects.filter(pk__in=ids).order_by("pk")
    assert [(row.args, row.key, row.state) for row in rows] == [
        ({"code": f"K{n}"}, f"key:K{n}", "pending") for n in range(7)
    ]
    assert sent == [ids[0], ids[3], ids[6]]
    unsent = Job.objects.filter(enqueued_at=None).values_list("pk", flat=True)
    assert sorted(unsent) == sorted(set(ids) - set(sent))
    assert [jobs.job_run(pk) for pk in sent] == [Job.State.DONE] * 3
    assert set(states().values()) == {"done"}


def test_a_key_pending_already_is_recorded_once_and_a_done_one_again():
    with mock.patch("warehouse.common.tasks.job_run_task.apply_async"):
        with transaction.atomic():
            pending, done = (
                jobs.job_record(name="test.batch", args=args, key=key)
                for args, key in keyed("L1", "L2")
            )
        Job.objects.filter(pk=done.pk).update(state=Job.State.DONE)
        with transaction.atomic():
            again = jobs.job_record_many(
                name="test.batch", each=keyed("L1", "L2", "L3")
            )

    assert again[0].pk == pending.pk
    assert again[1].pk != done.pk and again[2].pk not in (pending.pk, done.pk)
    assert Job.objects.filter(key="key:L1").count() == 1
    assert list(
        Job.objects.filter(state="pending").order_by("pk").values_list("key", flat=True)
    ) == ["key:L1", "key:L2", "key:L3"]


def test_one_keyed_job_jobs_without_keys_or_an_unknown_name_are_as_job_record():
    with pytest.raises(ValueError, match="No handler"):
        jobs.job_record_many(name="test.nobody", each=keyed("M1", "M2"))
    with (
        mock.patch("warehouse.common.tasks.job_run_task.apply_async"),
        transaction.atomic(),
    ):
        (one,) = jobs.job_record_many(name="test.batch", each=keyed("M1"))
        unkeyed = jobs.job_record_many(
            name="test.batch", each=[({"code": "M2"}, ""), ({"code": "M3"}, "")]
        )
    assert one.key == "key:M1"
    assert len({one.pk, *(job.pk for job in unkeyed)}) == 3
    assert states() == {"M1": "pending", "M2": "pending", "M3": "pending"}
