"""Drill: the broker goes down while verdicts are given, and comes back.

A Redis server of the test's own is stopped while inspectors pass items:
every verdict commits, its certificate job cannot be sent. When Redis is
back, the sweep (Celery beat, every five minutes) sends the waiting items,
twice here as if beat fired again before the worker caught up, and a real
worker certifies each item exactly once. The label path (the job outbox) has
its own outage drill in ``tests/fulfilment/test_tasks.py``.
"""

import re

import pytest

from inspection import services as inspection
from inspection.models import Certificate
from tests.conftest import TASK_SECONDS, celery_worker, wait_for
from tests.fulfilment.test_tasks import OwnRedis, broker
from warehouse.models import Item, ItemState

from .conftest import assert_one_certificate_each, certified_count, passed

pytestmark = [
    pytest.mark.drill,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

DONE = re.compile(r"inspection\.tasks\.certificate_issue\[[^\]]+\] succeeded")


def _sweep_when_back() -> int:
    """The sweep as beat runs it, once Redis answers again (0 while not)."""
    try:
        return inspection.certificates_sweep(older_than_seconds=0)
    except Exception:  # the broker is still coming back
        return 0


def test_verdicts_given_while_redis_is_down_are_certified_once_it_is_back(
    world, qc, tmp_path
):
    media = tmp_path / "media"
    redis = OwnRedis(tmp_path)
    redis.start()
    log = tmp_path / "worker.log"
    try:
        with broker(redis.url), celery_worker(log, broker=redis.url):
            first = passed(world)  # broker up: sent at commit
            wait_for(
                lambda: certified_count([first]) == 1,
                TASK_SECONDS,
                "the worker to certify the item passed before the outage",
                log,
            )

            redis.stop()
            try:
                down = [passed(world) for _ in range(3)]  # the verdicts commit
                assert set(
                    Item.objects.filter(pk__in=[i.pk for i in down]).values_list(
                        "state", flat=True
                    )
                ) == {ItemState.PASSED}
                assert not Certificate.objects.filter(item__in=down).exists()
            finally:
                redis.start()

            wait_for(
                lambda: _sweep_when_back() == 3,
                TASK_SECONDS,
                "the sweep to send the waiting items once Redis is back",
                log,
            )
            assert inspection.certificates_sweep(older_than_seconds=0) == 3  # again
            wait_for(
                lambda: len(DONE.findall(log.read_text())) >= 1 + 2 * 3,
                TASK_SECONDS,
                "the worker to run every job, the duplicates too",
                log,
            )
            assert inspection.certificates_sweep(older_than_seconds=0) == 0
    finally:
        redis.stop()

    assert_one_certificate_each([first, *down], media)
