"""The supervisor dashboard's figures: selectors over items, inspections, orders.

Every read starts from :func:`~warehouse.common.access.tenant_scope`, so a
supervisor only counts their own warehouses' rows, and is then narrowed to
the chosen warehouse and period. Each figure is one aggregate query (or, for
dwell times, one query of a duration per released item in the period), so
the page costs the same number of queries whatever the amount of data.

A period is a range of whole days in the warehouse's time zone; hours are
bucketed in that zone by the database (``TruncHour`` with ``tzinfo``).
"""

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from inspection.models import Inspection, Verdict
from warehouse.common.access import Principal, Role, tenant_scope
from warehouse.models import ItemEvent, ItemState, Warehouse

from .models import Order
from .promises import AT_RISK_BEFORE, promise_status
from .services import dispatch_figures

S = ItemState
THROUGHPUT_STATES = (S.RECEIVED.value, S.CERTIFIED.value, S.RELEASED.value)
OPEN_ORDER = (Order.Status.OPEN, Order.Status.ALLOCATED, Order.Status.PACKED)
# The longest period one page (and one export) covers: 31 days of hours.
MAX_DAYS = 31
# At-risk and breached orders listed on the page (all are counted).
PROMISE_ROWS = 50
# At-risk and breached orders in an export.
PROMISE_EXPORT_ROWS = 10_000


@dataclass(frozen=True)
class Period:
    """What the figures cover: whose rows, which warehouse, which days."""

    principal: Principal
    warehouse: Warehouse | None  # None: every warehouse the principal sees
    day_from: dt.date
    day_to: dt.date  # inclusive
    zone: zoneinfo.ZoneInfo

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.day_from, dt.time(0), tzinfo=self.zone)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period (midnight after ``day_to``)."""
        return dt.datetime.combine(
            self.day_to + dt.timedelta(days=1), dt.time(0), tzinfo=self.zone
        )

    def scoped(self, queryset: QuerySet, via: str = "") -> QuerySet:
        """``queryset`` narrowed to the principal's rows and the warehouse."""
        queryset = tenant_scope(queryset, self.principal, via=via)
        if self.warehouse is not None:
            queryset = queryset.filter(**{f"{via}warehouse_id": self.warehouse.pk})
        return queryset


def warehouses_for(principal: Principal) -> list[Warehouse]:
    """The warehouses a supervisor may look at: theirs; an admin: all."""
    warehouses = Warehouse.objects.order_by("code")
    if principal.role != Role.ADMIN:
        warehouses = warehouses.filter(pk__in=principal.warehouse_ids)
    return list(warehouses)


def zone_for(warehouse: Warehouse | None, warehouses: list[Warehouse]):
    """The chosen warehouse's time zone; for all of them, their common zone
    (or the site's when they differ)."""
    if warehouse is not None:
        return warehouse.tzinfo
    zones = {w.time_zone for w in warehouses}
    return zoneinfo.ZoneInfo(zones.pop() if len(zones) == 1 else settings.TIME_ZONE)


def _transitions(period: Period) -> QuerySet:
    """Item events in the period that changed a state (not notes)."""
    return (
        period.scoped(ItemEvent.objects.all(), via="item__")
        .filter(at__gte=period.start, at__lt=period.end)
        .exclude(from_state=F("to_state"))
    )


def _category_label(name: str, name_zh: str) -> str:
    if name_zh and (get_language() or "").lower().startswith("zh"):
        return name_zh
    return name


def _hours(period: Period) -> list[dt.datetime]:
    """Every local hour of the period, as aware datetimes in its zone."""
    hours, moment = [], period.start.astimezone(dt.UTC)
    end = period.end.astimezone(dt.UTC)
    while moment < end:
        hours.append(moment.astimezone(period.zone))
        moment += dt.timedelta(hours=1)
    return hours


# --- throughput ---------------------------------------------------------------


def throughput(period: Period) -> dict:
    """Items received, certified and released per hour of the period.

    ``hours`` lists every hour (zeros included) as ``{"hour", "received",
    "certified", "released"}``; ``totals`` sums them.
    """
    rows = (
        _transitions(period)
        .filter(to_state__in=THROUGHPUT_STATES)
        .annotate(hour=TruncHour("at", tzinfo=period.zone))
        .values("hour", "to_state")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts: dict[tuple, int] = {}
    for row in rows:
        key = (row["hour"].astimezone(dt.UTC), row["to_state"])
        counts[key] = counts.get(key, 0) + row["count"]
    hours = []
    for hour in _hours(period):
        utc = hour.astimezone(dt.UTC)
        hours.append(
            {
                "hour": hour,
                **{state: counts.get((utc, state), 0) for state in THROUGHPUT_STATES},
            }
        )
    totals = {state: sum(h[state] for h in hours) for state in THROUGHPUT_STATES}
    return {"hours": hours, "totals": totals}


# Periods up to this many days are charted and exported per hour, longer
# ones per day: a week of hours is a comb of spikes.
HOURLY_UP_TO_DAYS = 2


def bucket_for(period: Period) -> str:
    """``"hour"`` for a day or two, ``"day"`` for longer periods."""
    days = (period.day_to - period.day_from).days + 1
    return "hour" if days <= HOURLY_UP_TO_DAYS else "day"


def throughput_series(period: Period, flow: dict | None = None) -> dict:
    """Throughput in the period's bucket: what the chart draws and the CSV
    export writes, from one reading (``flow``, :func:`throughput`'s answer,
    or read now).

    ``{"bucket": "hour" | "day", "rows": [{"start": aware datetime,
    "received", "certified", "released"}, …]}``; local days of the period's
    zone (a day when the clocks change has its 23 or 25 hours).
    """
    flow = flow if flow is not None else throughput(period)
    bucket = bucket_for(period)
    if bucket == "hour":
        rows = [
            {"start": h["hour"], **{s: h[s] for s in THROUGHPUT_STATES}}
            for h in flow["hours"]
        ]
        return {"bucket": bucket, "rows": rows}
    days: dict[dt.date, dict] = {}
    for h in flow["hours"]:
        day = h["hour"].date()
        row = days.setdefault(
            day,
            {
                "start": dt.datetime.combine(day, dt.time(0), tzinfo=period.zone),
                **dict.fromkeys(THROUGHPUT_STATES, 0),
            },
        )
        for state in THROUGHPUT_STATES:
            row[state] += h[state]
    return {"bucket": bucket, "rows": list(days.values())}


# --- verdicts -----------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _rates(label: str, passed: int, failed: int, held: int) -> dict:
    total = passed + failed + held
    return {
        "label": label,
        "pass": passed,
        "fail": failed,
        "hold": held,
        "total": total,
        "pass_rate": passed / total if total else None,
        "fail_rate": failed / total if total else None,
        "hold_rate": held / total if total else None,
        "pass_percent": _percent(passed, total),
        "fail_percent": _percent(failed, total),
        "hold_percent": _percent(held, total),
    }


def verdict_rates(period: Period) -> dict:
    """Pass / fail / hold of the inspections closed in the period.

    By category, by merchant and overall. A verdict whose sign-off was
    disputed counts as the hold it became.
    """
    disputed = Q(signoff_approved=False)
    rows = (
        period.scoped(Inspection.objects.all(), via="item__")
        .filter(
            status=Inspection.Status.CLOSED,
            closed_at__gte=period.start,
            closed_at__lt=period.end,
        )
        .values(
            "item__category__name",
            "item__category__name_zh",
            "item__merchant__code",
            "item__merchant__name",
        )
        .annotate(
            passed=Count("id", filter=Q(verdict=Verdict.PASS) & ~disputed),
            failed=Count("id", filter=Q(verdict=Verdict.FAIL) & ~disputed),
            held=Count("id", filter=Q(verdict=Verdict.HOLD) | disputed),
        )
        .order_by()
    )
    by_category: dict[str, list[int]] = {}
    by_merchant: dict[str, list[int]] = {}
    merchants: dict[str, tuple[str, str]] = {}
    for row in rows:
        counts = (row["passed"], row["failed"], row["held"])
        category = _category_label(
            row["item__category__name"], row["item__category__name_zh"]
        )
        merchant = f"{row['item__merchant__code']} {row['item__merchant__name']}"
        merchants[merchant] = (row["item__merchant__code"], row["item__merchant__name"])
        for table, key in ((by_category, category), (by_merchant, merchant)):
            sums = table.setdefault(key, [0, 0, 0])
            for index, count in enumerate(counts):
                sums[index] += count
    overall = [sum(c[i] for c in by_category.values()) for i in range(3)]
    return {
        "by_category": [_rates(k, *v) for k, v in sorted(by_category.items())],
        # A merchant's row also gives its code and its name apart: the name is
        # data (shown as typed), the code is what a chart labels it with.
        "by_merchant": [
            {**_rates(k, *v), "code": merchants[k][0], "name": merchants[k][1]}
            for k, v in sorted(by_merchant.items())
        ],
        "overall": _rates(_("All"), *overall),
    }


# --- dwell time ---------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float | None:
    """Linear interpolation between the nearest ranks (SQL ``percentile_cont``)."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _dwell_row(label: str, hours: list[float]) -> dict:
    hours = sorted(hours)
    return {
        "label": label,
        "count": len(hours),
        "median": percentile(hours, 0.5),
        "mean": sum(hours) / len(hours) if hours else None,
        "p90": percentile(hours, 0.9),
    }


def dwell_times(period: Period) -> dict:
    """Hours from receipt to release of the items released in the period.

    Median, mean and 90th percentile per category and overall. The database
    computes each item's duration; one row per released item comes back
    (the period is at most ``MAX_DAYS`` long, which bounds it).
    """
    durations = (
        _transitions(period)
        .filter(to_state=S.RELEASED, item__received_at__isnull=False)
        .annotate(
            dwell=ExpressionWrapper(
                F("at") - F("item__received_at"), output_field=DurationField()
            )
        )
        .values_list("item__category__name", "item__category__name_zh", "dwell")
        .order_by()
    )
    by_category: dict[str, list[float]] = {}
    everything: list[float] = []
    for name, name_zh, dwell in durations:
        hours = max(dwell.total_seconds(), 0) / 3600
        by_category.setdefault(_category_label(name, name_zh), []).append(hours)
        everything.append(hours)
    return {
        "by_category": [_dwell_row(k, v) for k, v in sorted(by_category.items())],
        "overall": _dwell_row(_("All"), everything),
    }


# --- dispatch promises ----------------------------------------------------------


def promises(period: Period, *, now=None, limit: int = PROMISE_ROWS) -> dict:
    """Open orders whose dispatch promise is at risk or already breached, now.

    Counted from their deadlines (as :func:`~fulfilment.promises.promise_status`
    judges them, without waiting for the periodic sweep), with the first
    ``limit`` of them by deadline; and the on-time rate per warehouse and
    merchant of the orders placed in the period.
    """
    now = now or timezone.now()
    soon = now + AT_RISK_BEFORE
    open_orders = period.scoped(Order.objects.filter(status__in=OPEN_ORDER))
    counts = open_orders.aggregate(
        breached=Count("id", filter=Q(deadline__lt=now)),
        at_risk=Count("id", filter=Q(deadline__gte=now, deadline__lte=soon)),
    )
    rows = []
    for order in (
        open_orders.filter(deadline__lte=soon)
        .select_related("merchant", "warehouse")
        .order_by("deadline", "id")[:limit]
    ):
        state = promise_status(deadline=order.deadline, now=now)
        rows.append(
            {
                "order": order.external_id,
                "merchant": order.merchant.code,
                "merchant_name": order.merchant.name,
                "warehouse": order.warehouse.code,
                "deadline": timezone.localtime(order.deadline, order.warehouse.tzinfo),
                "promise": order.get_promise_display(),
                "status": order.get_status_display(),
                "state": state,
                "state_label": _("breached") if state == "breached" else _("at risk"),
            }
        )
    ordered = period.scoped(Order.objects.all()).filter(
        ordered_at__gte=period.start, ordered_at__lt=period.end
    )
    return {
        "at_risk": counts["at_risk"],
        "breached": counts["breached"],
        "orders": rows,
        "more": max(counts["at_risk"] + counts["breached"] - len(rows), 0),
        "on_time": [
            {
                **row,
                "on_time_percent": None
                if row["on_time_rate"] is None
                else 100 * row["on_time_rate"],
            }
            for row in dispatch_figures(orders=ordered.order_by())
        ],
    }


# --- inspectors -------------------------------------------------------------------


def _person(row: dict, prefix: str) -> tuple[int, str]:
    full = " ".join(
        part for part in (row[f"{prefix}__first_name"], row[f"{prefix}__last_name"])
    ).strip()
    return row[f"{prefix}_id"], full or row[f"{prefix}__username"]


def inspector_workload(period: Period) -> dict:
    """Per inspector: inspections completed and sign-offs given in the period,
    inspections open now and their verdicts awaiting someone's sign-off now."""
    inspections = period.scoped(Inspection.objects.all(), via="item__")
    start, end = period.start, period.end
    columns = (
        (
            "completed",
            "completed_by",
            inspections.filter(completed_at__gte=start, completed_at__lt=end),
        ),
        (
            "signed_off",
            "signed_off_by",
            inspections.filter(signed_off_at__gte=start, signed_off_at__lt=end),
        ),
        ("open", "opened_by", inspections.filter(status=Inspection.Status.OPEN)),
        (
            "awaiting_signoff",
            "completed_by",
            inspections.filter(status=Inspection.Status.AWAITING_SIGNOFF),
        ),
    )
    people: dict[int, dict] = {}
    for column, person, queryset in columns:
        rows = (
            queryset.exclude(**{f"{person}_id": None})
            .values(
                f"{person}_id",
                f"{person}__username",
                f"{person}__first_name",
                f"{person}__last_name",
            )
            .annotate(count=Count("id"))
            .order_by()
        )
        for row in rows:
            pk, name = _person(row, person)
            entry = people.setdefault(
                pk,
                {
                    "inspector": name,
                    "completed": 0,
                    "signed_off": 0,
                    "open": 0,
                    "awaiting_signoff": 0,
                },
            )
            entry[column] += row["count"]
    rows = sorted(people.values(), key=lambda r: (-r["completed"], r["inspector"]))
    return {
        "rows": rows,
        "awaiting_signoff": sum(r["awaiting_signoff"] for r in rows),
        "open": sum(r["open"] for r in rows),
    }


# --- everything -------------------------------------------------------------------


def dashboard_figures(period: Period, *, now=None) -> dict:
    """Every figure of the dashboard, and the KPI tiles drawn from them."""
    flow = throughput(period)
    verdicts = verdict_rates(period)
    dwell = dwell_times(period)
    dispatch = promises(period, now=now)
    workload = inspector_workload(period)
    return {
        "throughput": flow,
        "series": throughput_series(period, flow),
        "verdicts": verdicts,
        "dwell": dwell,
        "promises": dispatch,
        "workload": workload,
        "kpis": {
            "received": flow["totals"][S.RECEIVED],
            "certified": flow["totals"][S.CERTIFIED],
            "released": flow["totals"][S.RELEASED],
            "pass_rate": verdicts["overall"]["pass_rate"],
            "pass_percent": verdicts["overall"]["pass_percent"],
            "median_dwell": dwell["overall"]["median"],
            "at_risk": dispatch["at_risk"],
            "breached": dispatch["breached"],
        },
    }
