"""Warehouse tasks run by a real Celery worker over Redis.

The worker is a separate process: it reads the broker from ``REDIS_URL`` and
the *test* database (committed data, so ``transaction=True``). With no result
backend configured, the tests read the outcome from the database and the
worker's log (``Task …[id] succeeded in …s: <return value>``).
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from tests.conftest import TASK_SECONDS, wait_for
from tests.warehouse import factories as f
from warehouse.common.tasks import idempotency_keys_purge_task
from warehouse.models import IdempotencyKey

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _succeeded(log: Path, task_id: str):
    """The logged return value of task ``task_id``, once it succeeded."""
    found = re.search(
        rf"\[{re.escape(task_id)}\] succeeded in [0-9.e-]+s: (.*)", log.read_text()
    )
    return found and found.group(1).strip()


def _keys(user, now):
    for name, hours in {"48h": 48, "25h": 25, "23h": 23, "new": 0}.items():
        IdempotencyKey.objects.create(
            user=user,
            key=name,
            fingerprint="f" * 64,
            response_status=200,
            response_body={},
            created_at=now - dt.timedelta(hours=hours),
        )


def test_the_worker_purges_expired_idempotency_keys_once(worker):
    """The purge enqueued to Redis runs in the worker: expired keys go, once."""
    assert celery_app.conf.task_always_eager is False  # really sent to Redis
    _keys(f.UserFactory(username="caller"), timezone.now())

    first = idempotency_keys_purge_task.delay()
    result = wait_for(
        lambda: _succeeded(worker, first.id), TASK_SECONDS, "the purge", worker
    )

    assert result == "2"
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {
        "23h",
        "new",
    }

    second = idempotency_keys_purge_task.delay()
    again = wait_for(
        lambda: _succeeded(worker, second.id), TASK_SECONDS, "the repeat", worker
    )

    assert again == "0"
    assert IdempotencyKey.objects.count() == 2
