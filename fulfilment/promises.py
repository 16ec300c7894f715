"""Dispatch promises (当日发 / 24小时发), computed in the warehouse's time zone.

Pure functions: aware datetimes in, aware datetimes (UTC) out.
"""

import datetime as dt
import zoneinfo

SAME_DAY = "same_day"
WITHIN_24H = "within_24h"
CUTOFF = dt.time(16, 0)
AT_RISK_BEFORE = dt.timedelta(hours=2)


def promise_deadline(
    *,
    promise: str,
    ordered_at: dt.datetime,
    time_zone: str,
    cutoff: dt.time = CUTOFF,
) -> dt.datetime:
    """When an order must have left the warehouse.

    Same-day: an order placed before the cut-off (16:00 local time) leaves by
    23:59:59 local time that day; an order at or after the cut-off falls back
    to the usual rule for late orders, within 24 hours. Within 24 h: 24 hours
    after the order, whatever the clock says locally.
    """
    if ordered_at.tzinfo is None:
        raise ValueError("ordered_at must be time-zone aware")
    if promise not in (SAME_DAY, WITHIN_24H):
        raise ValueError(f"unknown promise {promise!r}")
    zone = zoneinfo.ZoneInfo(time_zone)
    local = ordered_at.astimezone(zone)
    if promise == SAME_DAY and local.time() < cutoff:
        end = dt.datetime.combine(local.date(), dt.time(23, 59, 59), tzinfo=zone)
        return end.astimezone(dt.UTC)
    # In UTC: Python adds to an aware local time on the wall clock, which
    # would make a day with a clock change 23 or 25 real hours.
    return ordered_at.astimezone(dt.UTC) + dt.timedelta(hours=24)


def promise_status(
    *,
    deadline: dt.datetime,
    now: dt.datetime,
    dispatched_at: dt.datetime | None = None,
    at_risk_before: dt.timedelta = AT_RISK_BEFORE,
) -> str:
    """met / late once dispatched; else breached, at_risk or on_track.

    A deadline is inclusive: leaving exactly at it is on time.
    """
    if dispatched_at is not None:
        return "met" if dispatched_at <= deadline else "late"
    if now > deadline:
        return "breached"
    if now >= deadline - at_risk_before:
        return "at_risk"
    return "on_track"
