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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .exceptions import DomainError
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


@dataclass(frozen=True)
class Handler:
    fn: JobHandler
    queue: str
    max_attempts: int
    atomic: bool


_handlers: dict[str, Handler] = {}


def job_handler_register(
    name: str,
    fn: JobHandler,
    *,
    queue: str = "default",
    max_attempts: int = 10,
    atomic: bool = True,
) -> None:
    """Run ``fn(**args)`` for jobs named ``name``, on Celery queue ``queue``.

    ``fn`` must be idempotent: it may run again after a crash. With
    ``atomic`` (the default) it runs in the transaction that marks the job
    done, with the job's row locked; ``atomic=False`` is for long jobs that
    commit in steps themselves and are safe to run concurrently (a drain).
    The contract: :class:`JobHandler`.
    """
    _handlers[name] = Handler(
        fn=fn, queue=queue, max_attempts=max_attempts, atomic=atomic
    )


def job_handlers() -> dict[str, Handler]:
    """The registered handlers, by job name."""
    return dict(_handlers)


def job_record(*, name: str, args: dict | None = None, key: str = "") -> Job:
    """Record a job in the caller's transaction; it is sent after commit.

    With ``key``, a job with the same key still pending is returned instead of
    a second one (e.g. one label job per shipment).
    """
    if name not in _handlers:
        raise ValueError(f"No handler registered for job {name!r}.")
    # ``enqueued_at`` is set at once: the job is sent when this transaction
    # commits. If sending fails it is cleared (the dispatcher sends the job
    # on its next round); if the process dies between commit and send, the
    # job counts as lost and is sent again after JOBS_RESEND_AFTER_SECONDS.
    fields = {"name": name, "args": args or {}, "enqueued_at": timezone.now()}
    if key:
        job, created = _keyed_job_get_or_create(key, fields)
        if not created:
            return job
    else:
        job = Job.objects.create(**fields)
    # robust: the caller's change is committed; a job not sent waits for
    # the dispatcher, and the caller's answer stays a success
    transaction.on_commit(lambda: _send(job), robust=True)
    return job


def _keyed_job_get_or_create(key: str, fields: dict) -> tuple[Job, bool]:
    """The pending job with ``key``, or a new one: (job, created).

    A concurrent transaction may record the same key between our look and our
    insert, and a worker may finish that job before we look again: then the
    key is free and this records a new job, as the caller needs work done
    after its own change (a drain must see the messages just committed).
    """
    for _ in range(5):
        existing = Job.objects.filter(key=key, state=Job.State.PENDING).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                return Job.objects.create(key=key, **fields), True
        except IntegrityError:  # recorded meanwhile by a concurrent transaction
            continue
    raise IntegrityError(f"job key {key!r} kept changing hands")


def _send(job: Job) -> bool:
    try:
        job_run_task.apply_async(args=[job.pk], queue=_handlers[job.name].queue)
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


def _outcome(job: Job, handler: Handler | None, exc: Exception | None) -> None:
    """Set the job's state after a run that raised ``exc`` (or None)."""
    now = timezone.now()
    if exc is None:
        job.state, job.done_at = Job.State.DONE, now
    elif isinstance(exc, DomainError) or handler is None:
        job.state, job.last_error = Job.State.FAILED, str(exc)
        logger.warning("Job %s refused: %s", job, exc)
    else:
        job.attempts += 1
        job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if job.attempts >= handler.max_attempts:
            job.state = Job.State.DEAD
            logger.error("Job %s gave up after %s attempts", job, job.attempts)
        else:
            job.available_at = now + timedelta(seconds=job_backoff(job.attempts))
            job.enqueued_at = None
            logger.warning("Job %s failed, retry later: %s", job, exc)


OUTCOME_FIELDS = [
    "state",
    "attempts",
    "available_at",
    "enqueued_at",
    "done_at",
    "last_error",
]


def _call(handler: Handler | None, job: Job) -> Exception | None:
    if handler is None:
        return DomainError(f"No handler for job {job.name!r}.")
    try:
        handler.fn(**job.args)
    except Exception as exc:
        return exc
    return None


def job_run(job_id: int) -> str:
    """Execute one job at most once; returns what happened, for the logs."""
    job = Job.objects.filter(pk=job_id, state=Job.State.PENDING).first()
    if job is None:
        return "skipped"
    handler = _handlers.get(job.name)
    if handler is not None and not handler.atomic:
        _outcome(job, handler, _call(handler, job))
        Job.objects.filter(pk=job.pk, state=Job.State.PENDING).update(
            **{name: getattr(job, name) for name in OUTCOME_FIELDS}
        )
        return job.state
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, state=Job.State.PENDING)
            .first()
        )
        if job is None:
            return "skipped"  # done meanwhile, or running in another worker
        with transaction.atomic():  # the handler's writes, undone if it raises
            exc = _call(handler, job)
            if exc is not None:
                transaction.set_rollback(True)
        _outcome(job, handler, exc)
        job.save(update_fields=OUTCOME_FIELDS)
        return job.state


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
def job_run_task(job_id: int) -> str:
    """The worker's side of the outbox: run one recorded job; safe twice."""
    return job_run(job_id)
