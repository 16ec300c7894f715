"""Celery wrappers for the cross-cutting jobs: thin, idempotent.

The task names are part of what the broker holds, so they keep the names they
were registered under before this module moved.
"""

from celery import shared_task

from . import idempotency, jobs
from .jobs import job_run_task  # noqa: F401 - the outbox's task, registered here too


@shared_task(name="warehouse.tasks.idempotency_keys_purge")
def idempotency_keys_purge_task() -> int:
    """Periodic (beat): drop expired Idempotency-Key records."""
    return idempotency.idempotency_keys_purge()


@shared_task(name="warehouse.tasks.jobs_dispatch")
def jobs_dispatch_task() -> int:
    """Periodic (beat): send jobs the broker never got or lost."""
    return jobs.jobs_dispatch()
