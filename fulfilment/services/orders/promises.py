"""Dispatch promises: orders flagged at risk or breached, and on-time figures."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ...models import Order, PromiseState
from ...promises import promise_status


def promises_sweep(*, now=None) -> dict:
    """Periodic (beat): flag orders whose promise is at risk or breached."""
    now = now or timezone.now()
    counts = {PromiseState.AT_RISK: 0, PromiseState.BREACHED: 0}
    pending = Order.objects.filter(
        status__in=[Order.Status.OPEN, Order.Status.ALLOCATED, Order.Status.PACKED],
        deadline__lte=now + timedelta(hours=2),
    ).exclude(promise_state=PromiseState.BREACHED)
    from ..notify import order_event

    for order in pending.select_related("warehouse"):
        state = promise_status(deadline=order.deadline, now=now)
        if state in counts and state != order.promise_state:
            with transaction.atomic():
                changed = Order.objects.filter(
                    pk=order.pk, promise_state=order.promise_state
                ).update(promise_state=state)
                if changed:
                    order.promise_state = state
                    order_event(order, f"order.promise_{state}")
                    counts[state] += 1
    return {str(k): v for k, v in counts.items()}


def dispatch_figures(*, orders) -> list[dict]:
    """On-time dispatch per warehouse and merchant over ``orders``."""
    rows = (
        orders.values("warehouse__code", "merchant__code")
        .annotate(
            met=Count("id", filter=Q(promise_state=PromiseState.MET)),
            late=Count("id", filter=Q(promise_state=PromiseState.LATE)),
            breached=Count(
                "id",
                filter=Q(promise_state=PromiseState.BREACHED)
                & ~Q(status=Order.Status.CANCELLED),
            ),
            open=Count(
                "id",
                filter=Q(
                    status__in=[
                        Order.Status.OPEN,
                        Order.Status.ALLOCATED,
                        Order.Status.PACKED,
                    ]
                ),
            ),
        )
        .order_by("warehouse__code", "merchant__code")
    )
    figures = []
    for row in rows:
        judged = row["met"] + row["late"] + row["breached"]
        figures.append(
            {
                "warehouse": row["warehouse__code"],
                "merchant": row["merchant__code"],
                "on_time": row["met"],
                "late": row["late"],
                "breached": row["breached"],
                "open": row["open"],
                "on_time_rate": round(row["met"] / judged, 4) if judged else None,
            }
        )
    return figures
