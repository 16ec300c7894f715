"""Drill: a worker is killed (SIGKILL) while it issues a certificate.

The worker runs with ``tests.drills.settings``, whose media storage stalls
right after writing the certificate's PDF: the file is on disk, the
certificate row and the item's move are inside the job's open transaction.
The drill kills the worker there. A new worker then gets the item again from
the sweep (as beat would), and later the dead worker's own message, which
Redis hands out again after its visibility timeout (forced here). The end:
one certificate, one file, the item certified once. The label path has its
own kill drill in ``tests/fulfilment/test_tasks.py``.
"""

import os
import re
import signal

import pytest
from django.conf import settings
from kombu import Connection

from inspection import services as inspection
from inspection.models import Certificate
from tests.conftest import TASK_SECONDS, celery_worker, wait_for
from warehouse.models import ItemState

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
    (task_id,) = re.findall(
        r"certificate_issue\[([^\]]+)\] received", first_log.read_text()
    )

    with celery_worker(second_log):
        assert inspection.certificates_sweep(older_than_seconds=0) == 1
        wait_for(
            lambda: certified_count([item]) == 1,
            TASK_SECONDS,
            "the new worker to certify the item",
            second_log,
        )
        redeliver_unacknowledged()
        wait_for(
            lambda: f"certificate_issue[{task_id}] succeeded" in second_log.read_text(),
            TASK_SECONDS,
            "the killed worker's message to be delivered again and run",
            second_log,
        )

    assert_one_certificate_each([item], media)
