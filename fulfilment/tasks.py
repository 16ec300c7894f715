"""Periodic fulfilment jobs (Celery beat). Work triggered by a change is a
recorded job (``warehouse.common.jobs``), run by ``warehouse.tasks.job_run``."""

from celery import shared_task

from . import services


@shared_task(name="fulfilment.tasks.promises_sweep")
def promises_sweep_task() -> dict:
    """Flag orders whose dispatch promise is at risk or breached."""
    return services.promises_sweep()


@shared_task(name="fulfilment.tasks.webhooks_sweep")
def webhooks_sweep_task() -> int:
    """Start deliveries for endpoints with messages due (retries included)."""
    return services.webhooks_sweep()


@shared_task(name="fulfilment.tasks.returns_tracking_sweep")
def returns_tracking_sweep_task() -> int:
    """Ask the carriers whether released return parcels were delivered."""
    return services.returns_tracking_sweep()
