"""Celery wrappers for the cross-cutting jobs: thin, idempotent.

The task names are part of what the broker holds, so they keep the names they
were registered under before this module moved.
"""

from celery import shared_task

from . import idempotency, jobs


@shared_task(name="warehouse.tasks.idempotency_keys_purge")
def idempotency_keys_purge_task() -> int:
    """Periodic (beat): drop expired Idempotency-Key records."""
    return idempotency.idempotency_keys_purge()


@shared_task(
    name="warehouse.tasks.job_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=300,
)
def job_run_task(job_id: int) -> str:
    """Run one recorded job (see ``warehouse.common.jobs``); safe to deliver twice."""
    return jobs.job_run(job_id)


@shared_task(name="warehouse.tasks.jobs_dispatch")
def jobs_dispatch_task() -> int:
    """Periodic (beat): send jobs the broker never got or lost."""
    return jobs.jobs_dispatch()
