"""Celery wrappers for warehouse services: thin, idempotent.

Celery finds each installed app's ``tasks`` module; the cross-cutting tasks
(the job outbox, Idempotency-Key purging) are registered by importing
``warehouse.common.tasks`` here.
"""

from celery import shared_task

from . import services
from .common import tasks as common_tasks  # noqa: F401 - registers its tasks


@shared_task(name="warehouse.tasks.scan_log_purge")
def scan_log_purge_task() -> int:
    """Periodic (beat): drop scan-log rows past their retention."""
    return services.scan_log_purge()
