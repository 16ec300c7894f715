"""Celery wrappers for inspection services: ids in, one service call, done.

Every job here is idempotent (it may run twice: late acknowledgement, retries,
the sweep), so it is retried on any error but a domain refusal.
"""

from celery import shared_task

from warehouse.exceptions import DomainError

from . import services

RETRY = {
    "autoretry_for": (Exception,),
    "dont_autoretry_for": (DomainError,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 12,
}


@shared_task(
    name="inspection.tasks.certificate_issue",
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    **RETRY,
)
def certificate_issue_task(item_id: int) -> str | None:
    """Issue the certificate of a passed item (no-op when it already has one)."""
    certificate = services.certificate_issue(item_id=item_id)
    return certificate.number if certificate else None


@shared_task(name="inspection.tasks.certificates_sweep")
def certificates_sweep_task() -> int:
    """Periodic (beat): enqueue passed items whose certificate job was lost."""
    return services.certificates_sweep()
