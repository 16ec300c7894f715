"""Drill: the broker goes down while verdicts are given, and comes back.

A Redis server of the test's own is stopped while inspectors pass items:
every verdict commits with its certificate job, which cannot be sent. When
Redis is back, the job dispatcher (Celery beat, every few seconds) sends the
waiting jobs; each is sent a second time here, as if its message had been
taken for lost before the worker caught up, and a real worker certifies each
item exactly once. The label path has its own outage drill in
``tests/fulfilment/test_tasks.py``.
"""

import re

import pytest

from inspection import services as inspection
from inspection.models import Certificate
from tests.conftest import TASK_SECONDS, celery_worker, wait_for
from tests.fulfilment.test_tasks import OwnRedis, broker
from warehouse.common import jobs
from warehouse.models import Item, ItemState, Job

from .conftest import assert_one_certificate_each, certified_count, passed

pytestmark = [
    pytest.mark.drill,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

# A job delivered again after it ran (or before: then the other delivery).
SKIPPED = re.compile(r"warehouse\.tasks\.job_run\[[^\]]+\] succeeded in \S+: 'skipped'")


def certificate_jobs(items):
    return Job.objects.filter(
        name=inspection.CERTIFICATE_JOB, key__in=[f"certificate:{i.pk}" for i in items]
    )


def _dispatched_when_back(items) -> bool:
    """The dispatcher as beat runs it, until no job of ``items`` waits unsent
    (while Redis is still coming back, it sends nothing)."""
    jobs.jobs_dispatch()
    return not certificate_jobs(items).filter(enqueued_at=None).exists()


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
                waiting = certificate_jobs(down).filter(
                    state=Job.State.PENDING, enqueued_at=None
                )
                assert waiting.count() == 3  # recorded, not sent
            finally:
                redis.start()

            wait_for(
                lambda: _dispatched_when_back(down),
                TASK_SECONDS,
                "the dispatcher to send the waiting jobs once Redis is back",
                log,
            )
            again = [jobs.job_send(job) for job in certificate_jobs(down)]
            assert again == [True] * 3  # again
            wait_for(
                lambda: (
                    certified_count(down) == 3
                    and len(SKIPPED.findall(log.read_text())) >= 3
                ),
                TASK_SECONDS,
                "the worker to run every job, the duplicates too",
                log,
            )
            assert not certificate_jobs(down).exclude(state=Job.State.DONE).exists()
    finally:
        redis.stop()

    assert_one_certificate_each([first, *down], media)
