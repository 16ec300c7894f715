"""Background jobs that are never lost and take effect once (the outbox).

A service that needs work done later calls :func:`job_record` inside its own
transaction: a :class:`~warehouse.models.Job` row commits with the change or
not at all. After commit the job's id is handed to Celery
(``warehouse.tasks.job_run``); if the broker is down, the row simply waits and
:func:`jobs_dispatch` (Celery beat, every few seconds) sends it when the broker
is back, as it re-sends a job whose message was lost.

:func:`job_run` executes a job: it locks the row (``FOR UPDATE SKIP LOCKED``:
a second delivery of the same job returns at once), runs the handler that
:func:`job_handler_register` registered for its name, and marks it done in the
same transaction as the handler's own writes. A worker killed mid-job leaves
nothing written and the row pending; Celery redelivers the message (late
acknowledgement, reject on worker loss) or the dispatcher re-sends it, and the
job runs again from the start. Transient errors are retried with exponential
backoff and full jitter by the dispatcher, never with broker-side countdowns
(so no message waits longer than Redis's visibility timeout); a domain error
fails the job for good.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .exceptions import DomainError
from .jobstatements import (
    job_done,
    job_insert,
    job_read,
    jobs_claim,
    keyed_job_get_or_create,
    keyed_jobs_statement,
)
from .models import Job

logger = logging.getLogger("qcw.jobs")


class JobHandler(Protocol):
    """Does the work of a recorded job: ``fn(**job.args)``.

    Connected with ``job_handler_register(name, fn, queue=, max_attempts=,
    atomic=)``; one handler per job name (``<app>.<service>``), a later
    registration replaces the earlier; :func:`~warehouse.common.jobs.job_record` of
    an unknown name is a ``ValueError``. Run by a Celery worker of ``queue``
    (a queue a worker consumes: ``tests/test_deploy.py`` holds it) after the
    recording transaction committed, and again by the dispatcher if its
    message was lost.

    A handler registered with ``many`` (and ``batch``, how many at most) is
    also given the args of other pending jobs of its name at once:
    ``many([args, ...])`` does for each what ``fn(**args)`` does for one, in
    one transaction (:func:`~warehouse.common.jobs.job_run`).

    It must be idempotent: it may run again after a crash. With ``atomic``
    (the default) it runs inside the transaction that marks the job done,
    with the job row locked, and its writes are undone if it raises;
    ``atomic=False`` is for long work that commits in steps and is safe to
    run concurrently (a drain). Raising a
    :class:`~warehouse.common.exceptions.DomainError` fails the job for good; any
    other exception is retried with backoff up to ``max_attempts``, then the
    job is dead. Its return value is ignored.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> object: ...


class JobBatchHandler(Protocol):
    """Does the work of several recorded jobs of one name at once:
    ``many([job.args, ...])``, as ``fn(**args)`` would for each, in the one
    transaction that marks them all done. Idempotent as ``fn`` is."""

    def __call__(self, batch: list[dict]) -> object: ...


@dataclass(frozen=True)
class Handler:
    fn: JobHandler
    queue: str
    max_attempts: int
    atomic: bool
    many: JobBatchHandler | None = None
    batch: int = 1


_handlers: dict[str, Handler] = {}


def job_handler_register(
    name: str,
    fn: JobHandler,
    *,
    queue: str = "default",
    max_attempts: int = 10,
    atomic: bool = True,
    many: JobBatchHandler | None = None,
    batch: int = 1,
) -> None:
    """Run ``fn(**args)`` for jobs named ``name``, on Celery queue ``queue``.

    ``fn`` must be idempotent: it may run again after a crash. With
    ``atomic`` (the default) it runs in the transaction that marks the job
    done, with the job's row locked; ``atomic=False`` is for long jobs that
    commit in steps themselves and are safe to run concurrently (a drain).
    An atomic handler may also give ``many`` and ``batch``: a run then takes
    up to ``batch`` pending jobs of the name together (a backlog, a lot's
    items passed at once) and hands their args to ``many`` in one
    transaction. The contract: :class:`JobHandler`, :class:`JobBatchHandler`.
    """
    if many is not None and not atomic:
        raise ValueError(f"Job {name!r}: only an atomic handler takes batches.")
    _handlers[name] = Handler(
        fn=fn,
        queue=queue,
        max_attempts=max_attempts,
        atomic=atomic,
        many=many,
        batch=max(1, batch) if many is not None else 1,
    )


def job_handlers() -> dict[str, Handler]:
    """The registered handlers, by job name."""
    return dict(_handlers)


def job_record(*, name: str, args: dict | None = None, key: str = "") -> Job:
    """Record a job in the caller's transaction; it is sent after commit.

    With ``key``, a job with the same key still pending is returned instead of
    a second one (e.g. one label job per shipment). One statement either way
    (:mod:`warehouse.common.jobstatements`).

    Jobs of a handler that takes batches, recorded by one transaction, are
    sent one message a batch (:func:`_chunk_position`): the first of each
    batch is sent, the others ride with it (its run takes them) and wait
    unsent, so the dispatcher sends any its run did not take at its next
    round.
    """
    if name not in _handlers:
        raise ValueError(f"No handler registered for job {name!r}.")
    position = _chunk_position(name)
    rides = _rides(position, 0, _handlers[name].batch)
    # ``enqueued_at`` is set at once: the job is sent when this transaction
    # commits. If sending fails it is cleared (the dispatcher sends the job
    # on its next round); if the process dies between commit and send, the
    # job counts as lost and is sent again after JOBS_RESEND_AFTER_SECONDS.
    # A job riding with an earlier one is left unsent.
    job = Job(
        name=name,
        args=args or {},
        key=key,
        enqueued_at=None if rides else timezone.now(),
    )
    if key:
        job, created = keyed_job_get_or_create(job)
        if not created:
            return job
    else:
        job_insert(job)
    if position is not None:
        _chunks()[name] = position + 1
    if not rides:
        _send_on_commit(job)
    return job


def job_record_many(*, name: str, each: list[tuple[dict, str]]) -> list[Job]:
    """:func:`job_record` for many keyed jobs of ``name`` (``each``: their
    args and keys, the keys distinct), e.g. one for each item a batch moved:
    on PostgreSQL one statement for all
    (:func:`~warehouse.common.jobstatements.keyed_jobs_statement`), sent as
    :func:`job_record` sends them. Elsewhere, for one job, keys missing or
    repeated, and for a key that a concurrent transaction recorded
    meanwhile, :func:`job_record` each.
    """
    if name not in _handlers:
        raise ValueError(f"No handler registered for job {name!r}.")
    keys = {key for _args, key in each}
    if (
        connection.vendor != "postgresql"
        or len(each) < 2
        or len(keys) < len(each)
        or "" in keys
    ):
        return [job_record(name=name, args=args, key=key) for args, key in each]
    position = _chunk_position(name)
    batch = _handlers[name].batch
    now = timezone.now()
    jobs = [
        Job(
            name=name,
            args=args or {},
            key=key,
            enqueued_at=None if _rides(position, n, batch) else now,
        )
        for n, (args, key) in enumerate(each)
    ]
    found = keyed_jobs_statement(jobs)
    if position is not None:
        _chunks()[name] = position + len(jobs)
    recorded = []
    for job in jobs:
        got = found.get(job.key)
        if got is None:  # taken meanwhile by a concurrent transaction
            got = job_record(name=name, args=job.args, key=job.key)
        elif got.created and got.enqueued_at is not None:
            _send_on_commit(got)
        recorded.append(got)
    return recorded


def _rides(position: int | None, n: int, batch: int) -> bool:
    """Whether the ``n``-th job recorded now, ``position`` jobs of its batch
    handler having been recorded before in this transaction, rides with an
    earlier one (left unsent: that one's run takes it)."""
    return position is not None and (position + n) % batch != 0


def _send_on_commit(job: Job) -> None:
    # robust: the caller's change is committed; a job not sent waits for the
    # dispatcher, and the caller's answer stays a success
    transaction.on_commit(lambda: _send(job), robust=True)


def _chunks() -> dict[str, int]:
    """How many jobs of each batch handler the current transaction recorded.

    Kept with the transaction's list of commit hooks, which Django replaces
    when the transaction commits or rolls back (or a savepoint rolls back:
    a new count then, which sends more messages, never fewer).
    """
    hooks = connection.run_on_commit
    kept = getattr(connection, "_qcw_job_chunks", None)
    if kept is None or kept[0] is not hooks:
        kept = (hooks, {})
        connection._qcw_job_chunks = kept
    return kept[1]


def _chunk_position(name: str) -> int | None:
    """How many jobs of ``name`` the current transaction recorded before,
    for a handler that takes batches; None for others, outside a
    transaction (each job is then its own commit), or where jobs run
    in-process as they are sent (the embedded default: no dispatcher runs
    there to send a job its batch left, and a message costs nothing)."""
    handler = _handlers[name]
    if (
        handler.many is None
        or not connection.in_atomic_block
        or job_run_task.app.conf.task_always_eager
    ):
        return None
    return _chunks().get(name, 0)


DONE_HERE = 1_000
DONE_HERE_SECONDS = 60.0
"""How many jobs this process's batches committed done it remembers, and for
how long: the messages of a batch's other jobs come right after it, mostly
to the same worker, and are answered without a statement. Briefly, so that
ids a restored database gives out again are soon read again (the dispatcher
sends a pending job's message again only after JOBS_RESEND_AFTER_SECONDS)."""
_done_here: dict[int, float] = {}


def _remember_done(ids: list[int]) -> None:
    """Remember jobs this process committed done (the oldest forgotten)."""
    now = time.monotonic()
    _done_here.update(dict.fromkeys(ids, now))
    while len(_done_here) > DONE_HERE:
        del _done_here[next(iter(_done_here))]


def _done_lately(job_id: int) -> bool:
    """Whether a batch of this process committed ``job_id`` done lately."""
    at = _done_here.get(job_id)
    return at is not None and time.monotonic() - at < DONE_HERE_SECONDS


def jobs_done_forget() -> None:
    """Forget the jobs this process's batches did (a test's rows are gone)."""
    _done_here.clear()


def _batch_run(handler: Handler, job: Job, ids: list[int]) -> None:
    """Run ``job`` (locked) with the other pending jobs of its name this
    transaction can claim, by ``handler.many``, and mark them all done; their
    ids (``job``'s first) are put in ``ids`` before the handler runs."""
    jobs = [job, *jobs_claim(job, handler.batch - 1)]
    ids.extend(claimed.pk for claimed in jobs)
    handler.many([claimed.args for claimed in jobs])
    Job.objects.filter(pk__in=ids).update(state=Job.State.DONE, done_at=timezone.now())
    # Once committed, the others' messages need not read them (a job done
    # stays done).
    done = ids[1:]
    transaction.on_commit(lambda: _remember_done(done))


def _send(job: Job) -> bool:
    try:
        handler = _handlers[job.name]
        # A job that is not atomic is named in its message, so that its run
        # can skip the locked read (job_run); the others' messages stay as
        # they were.
        hint = {} if handler.atomic else {"kwargs": {"name": job.name}}
        job_run_task.apply_async(args=[job.pk], queue=handler.queue, **hint)
    except Exception:  # broker down: the dispatcher sends it later
        Job.objects.filter(pk=job.pk).update(enqueued_at=None)
        logger.warning("Could not enqueue job %s; it waits for the dispatcher", job)
        return False
    return True


def job_send(job: Job) -> bool:
    """Hand a committed job to Celery; False (and the job waits) if it cannot."""
    Job.objects.filter(pk=job.pk, state=Job.State.PENDING).update(
        enqueued_at=timezone.now()
    )
    return _send(job)


def job_backoff(attempt: int, *, base: float = 5.0, cap: float = 1800.0) -> float:
    """Seconds before retry number ``attempt``: exponential, full jitter, >= 1."""
    return max(1.0, random.random() * min(cap, base * 2**attempt))


def _outcome(job: Job, handler: Handler | None, exc: Exception | None) -> dict:
    """The job's changes after a run that raised ``exc`` (or None), also set
    on ``job``."""
    now = timezone.now()
    if exc is None:
        changes = {"state": Job.State.DONE, "done_at": now}
    elif isinstance(exc, DomainError) or handler is None:
        changes = {"state": Job.State.FAILED, "last_error": str(exc)}
        logger.warning("Job %s refused: %s", job, exc)
    else:
        attempts = job.attempts + 1
        changes = {
            "attempts": attempts,
            "last_error": f"{type(exc).__name__}: {exc}"[:2000],
        }
        if attempts >= handler.max_attempts:
            changes["state"] = Job.State.DEAD
            logger.error("Job %s gave up after %s attempts", job, attempts)
        else:
            changes["available_at"] = now + timedelta(seconds=job_backoff(attempts))
            changes["enqueued_at"] = None
            logger.warning("Job %s failed, retry later: %s", job, exc)
    # Only if no other run of the job wrote an outcome meanwhile (it is still
    # pending with the attempts this run read).
    Job.objects.filter(
        pk=job.pk, state=Job.State.PENDING, attempts=job.attempts
    ).update(**changes)
    for name, value in changes.items():
        setattr(job, name, value)
    return changes


def _call(handler: Handler | None, job: Job) -> Exception | None:
    if handler is None:
        return DomainError(f"No handler for job {job.name!r}.")
    try:
        handler.fn(**job.args)
    except Exception as exc:
        return exc
    return None


def job_run(job_id: int, *, name: str = "", alone: bool = False) -> str:
    """Execute one job at most once; returns what happened, for the logs.

    The common way, an atomic handler that succeeds, is one transaction of
    two statements besides the handler's: the row read ``FOR UPDATE SKIP
    LOCKED`` (a second delivery finds it locked, or done, and returns at
    once) and one ``UPDATE`` marking it done, which commits with the
    handler's writes. A handler that raises rolls the whole transaction back,
    its writes with it, and the failure is written after, in its own
    statement (unless another run wrote an outcome meanwhile).

    A job whose handler takes batches (``many``) takes other pending jobs of
    its name with it, locked (``SKIP LOCKED``), unless ``alone``: they are
    done together, and their own messages, when they come, find them done.
    If the batch raises, it is undone as a whole and each of its jobs runs
    again alone, so one job's failure is that job's only. A message of a job
    that a batch of this process committed is answered at once.

    A job whose handler is not atomic runs outside a transaction, its outcome
    written after: two statements, when ``name`` (the job's, which its
    message carries) says so up front; otherwise it is read as above and the
    read's transaction ends before the handler runs.
    """
    if _done_lately(job_id):
        return "skipped"  # done by a batch of ours
    hinted = _handlers.get(name)
    if hinted is not None and not hinted.atomic:
        job = job_read(job_id, lock=False)
        if job is None:
            return "skipped"
        handler = _handlers.get(job.name)
        if handler is None or not handler.atomic:
            _outcome(job, handler, _call(handler, job))
            return job.state
    job = handler = None
    batch: list[int] = []
    try:
        with transaction.atomic():
            job = job_read(job_id, lock=True)
            if job is None:
                return "skipped"  # done meanwhile, or running in another worker
            handler = _handlers.get(job.name)
            if handler is not None and handler.atomic and handler.many and not alone:
                _batch_run(handler, job, batch)
                return Job.State.DONE
            if handler is not None and handler.atomic:
                handler.fn(**job.args)
                job_done(job.pk)
                return Job.State.DONE
    except Exception as exc:
        if handler is None or not handler.atomic:
            raise  # the job's own read failed: the message is redelivered
        if len(batch) > 1:
            # The batch is undone; each of its jobs runs alone, with its own
            # outcome (one taken by another run meanwhile is passed by).
            logger.warning("Job batch of %s undone, its jobs run alone: %s", job, exc)
            return _alone(job_id, batch)
        # Rolled back, the handler's writes with it (or its commit failed).
        _outcome(job, handler, exc)
        return job.state
    # No handler, or one that commits in steps itself (a drain): outside.
    _outcome(job, handler, _call(handler, job))
    return job.state


def _alone(job_id: int, batch: list[int]) -> str:
    """Run ``job_id`` and the rest of its undone ``batch`` one by one; the
    state of ``job_id``'s run."""
    state = job_run(job_id, alone=True)
    for other in batch:
        if other != job_id:
            job_run(other, alone=True)
    return state


def jobs_dispatch(*, limit: int = 5000, now=None) -> int:
    """Send due jobs never sent, or sent so long ago their message was lost.

    Returns how many were sent; stops at the first broker error (the rest wait).
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.JOBS_RESEND_AFTER_SECONDS)
    due = Job.objects.filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale),
        state=Job.State.PENDING,
        available_at__lte=now,
    ).order_by("available_at")[:limit]
    sent = 0
    for job in due:
        if not job_send(job):
            break
        sent += 1
    return sent


@shared_task(
    # The name is what the broker holds: it stays as it was registered.
    name="warehouse.tasks.job_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=300,
)
def job_run_task(job_id: int, name: str = "") -> str:
    """The worker's side of the outbox: run one recorded job; safe twice.
    ``name``, the job's, sent for a job that is not atomic, lets it skip the
    locked read (messages of atomic jobs, and older ones, have none)."""
    return job_run(job_id, name=name)
