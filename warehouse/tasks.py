"""Celery wrappers for warehouse services: thin, idempotent."""

from celery import shared_task

from . import idempotency, services


@shared_task(name="warehouse.tasks.idempotency_keys_purge")
def idempotency_keys_purge_task() -> int:
    """Periodic (beat): drop expired Idempotency-Key records."""
    return idempotency.idempotency_keys_purge()


@shared_task(name="warehouse.tasks.scan_log_purge")
def scan_log_purge_task() -> int:
    """Periodic (beat): drop scan-log rows past their retention."""
    return services.scan_log_purge()
