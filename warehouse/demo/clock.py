"""The demo's clock: :func:`demo_clock` sets the time the services stamp, and
:class:`DemoWeek` hands out moments of the last seven days in order."""

import contextlib
import datetime as dt
from unittest import mock


class _ClockMeta(type):
    # A real datetime is still a datetime while the clock is set.
    def __instancecheck__(cls, value):
        return isinstance(value, dt.datetime)


@contextlib.contextmanager
def demo_clock(at: dt.datetime):
    """Run the block as if it were ``at``: what the services stamp
    (``timezone.now()``, and the models' ``default=timezone.now``) is ``at``.

    For seeding a history through the services, which take no time of their
    own; the demo only. It sets the one clock Django's ``timezone.now`` reads.
    """

    class Clock(dt.datetime, metaclass=_ClockMeta):
        @classmethod
        def now(cls, tz=None):
            return at.astimezone(tz) if tz else at.replace(tzinfo=None)

    with mock.patch("django.utils.timezone.datetime", Clock):
        yield at


class DemoWeek:
    """Moments of the last seven days, handed out in order.

    The seeders share the week: each takes the part ``[start, end)`` of it
    (receipts first, then inspections, then dispatch) and hands out ``steps``
    moments evenly over it, in working hours (08:00 to 20:00, UTC+8), none in
    the future.
    """

    def __init__(self, *, steps: int, start: float = 0.0, end: float = 1.0):
        from django.utils import timezone

        self.now = timezone.now()
        self.steps, self.n = max(steps, 1), 0
        self.start, self.end = start, end
        local = dt.timezone(dt.timedelta(hours=8))
        today = self.now.astimezone(local).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.first_day = today - dt.timedelta(days=6)

    def next(self) -> dt.datetime:
        share = self.start + (self.end - self.start) * self.n / self.steps
        self.n += 1
        day = int(share * 7)
        at = self.first_day + dt.timedelta(days=day, hours=8 + 12 * (share * 7 - day))
        return min(at, self.now - dt.timedelta(minutes=30)).astimezone(dt.UTC)
