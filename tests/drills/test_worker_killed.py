"""Drill: a worker is killed (SIGKILL) while it issues a certificate.

The worker runs with ``tests.drills.settings``, whose media storage stalls
right after writing the certificate's PDF: the file is on disk, the
certificate row and the item's move are inside the job's open transaction.
The drill kills the worker there. The certificate job is still pending; a new
worker then gets it again from the job dispatcher (as beat would, once the
job's message is older than ``JOBS_RESEND_AFTER_SECONDS``), and later the dead
worker's own message, which Redis hands out again after its visibility
timeout (forced here). The end: one certificate, one file, the item certified
once. The label path has its own kill drill in ``tests/fulfilment/test_tasks.py``.
"""

import os
import re
import signal
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from kombu import Connection

from inspection.models import Certificate
from tests.conftest import TASK_SECONDS, celery_worker, wait_for
from warehouse.common import jobs
from warehouse.models import ItemState, Job

from .conftest import assert_one_certificate_each, certified_count, passed

pytestmark = [
    pytest.mark.drill,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def redeliver_unacknowledged() -> None:
    """Put every message a worker took but never acknowledged back on its
    queue, as Redis's transport does once they are older than the visibility
    timeout (an hour in production; zero here)."""
    with Connection(
        settings.CELERY_BROKER_URL, transport_options={"visibility_timeout": 0}
    ) as connection:
        connection.default_channel.qos.restore_visible(num=1000, interval=1)


def test_a_worker_killed_while_issuing_a_certificate_leaves_one_certificate(
    world, qc, tmp_path
):
    media = tmp_path / "media"
    stalled = tmp_path / "stalled"
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    stalling = {
        "DJANGO_SETTINGS_MODULE": "tests.drills.settings",
        "DRILL_STALL_MARKER": str(stalled),
    }
    with celery_worker(first_log, env=stalling) as process:
        item = passed(world)
        wait_for(
            stalled.exists,
            TASK_SECONDS,
            "the worker to write the PDF and stall before committing",
            first_log,
        )
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    item.refresh_from_db()
    assert item.state == ItemState.PASSED  # nothing committed
    assert not Certificate.objects.exists()
    assert (media / stalled.read_text()).exists()  # the dead worker's file
    job = Job.objects.get(key=f"certificate:{item.pk}")
    assert job.state == Job.State.PENDING  # to run again
    # The job the worker died in: received, never finished (other jobs of the
    # verdict, an e-mail, may have run before it).
    text = first_log.read_text()
    (task_id,) = set(re.findall(r"job_run\[([^\]]+)\] received", text)) - set(
        re.findall(r"job_run\[([^\]]+)\] succeeded", text)
    )

    with celery_worker(second_log):
        later = timezone.now() + timedelta(
            seconds=settings.JOBS_RESEND_AFTER_SECONDS + 1
        )
        assert jobs.jobs_dispatch(now=later) >= 1  # the certificate job among them
        wait_for(
            lambda: certified_count([item]) == 1,
            TASK_SECONDS,
            "the new worker to certify the item",
            second_log,
        )
        redeliver_unacknowledged()
        wait_for(
            lambda: f"job_run[{task_id}] succeeded" in second_log.read_text(),
            TASK_SECONDS,
            "the killed worker's message to be delivered again and run",
            second_log,
        )

    assert Job.objects.get(pk=job.pk).state == Job.State.DONE
    assert_one_certificate_each([item], media)
