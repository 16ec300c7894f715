"""Warehouse tasks run by a real Celery worker over Redis.

The worker is a separate process: it reads the broker from ``REDIS_URL`` and
the *test* database (committed data, so ``transaction=True``). With no result
backend configured, the tests read the outcome from the database and the
worker's log (``Task …[id] succeeded in …s: <return value>``).
"""

import datetime as dt
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from tests.warehouse import factories as f
from warehouse.models import IdempotencyKey
from warehouse.tasks import idempotency_keys_purge_task

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

BOOT_SECONDS = 60
TASK_SECONDS = 30


def _test_database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def _wait_for(condition, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real ``celery worker`` on the test database; stopped at teardown."""
    name = f"qcw-test-{uuid.uuid4().hex[:8]}@localhost"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "IDEMPOTENCY_KEY_TTL_HOURS": "24",
        "DB_CONN_MAX_AGE": "0",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and args
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                "default",
                "-n",
                name,
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def ready():
            if process.poll() is not None:
                pytest.fail(f"the worker exited at start:\n{log.read_text()[-4000:]}")
            return celery_app.control.ping(destination=[name], timeout=0.5)

        _wait_for(ready, BOOT_SECONDS, "the worker to answer a ping", log)
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


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
    result = _wait_for(
        lambda: _succeeded(worker, first.id), TASK_SECONDS, "the purge", worker
    )

    assert result == "2"
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {
        "23h",
        "new",
    }

    second = idempotency_keys_purge_task.delay()
    again = _wait_for(
        lambda: _succeeded(worker, second.id), TASK_SECONDS, "the repeat", worker
    )

    assert again == "0"
    assert IdempotencyKey.objects.count() == 2
