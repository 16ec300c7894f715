"""Shared fixtures.

Tests marked ``postgres`` need PostgreSQL (``DATABASE_URL``), tests marked
``redis`` need Redis and a Celery worker (``REDIS_URL``). Locally without
them they are skipped with the reason; in CI (``CI=true``) a missing service
fails the test instead.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from config.celery import app as celery_app

from .warehouse import factories as f

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL: run with DATABASE_URL=postgres://… (.ci/run sets it)"
    if marker == "redis" and not settings.REDIS_URL:
        return (
            "needs Redis and a Celery worker: run with REDIS_URL=redis://… "
            "(bash .ci/run sets it)"
        )
    if marker == "browser" and not shutil.which(CHROMIUM):
        return f"needs Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


def pytest_configure(config):
    # Password hashing is deliberately slow; tests don't need that.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) and (reason := _missing(marker)):
            if IN_CI:
                pytest.fail(f"CI=true but the service is missing: {reason}")
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Tasks run in-process unless a test asks for the real worker (``redis``)."""
    eager = request.node.get_closest_marker("redis") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_reference_cache():
    """Rows, tokens and webhook endpoints cached per process, and the jobs
    this process's batches did, must not outlive the test that made them (a
    flush between transactional tests deletes rows without a signal; a
    rolled-back test's ids may be given again)."""
    from warehouse.common.jobs import jobs_done_forget
    from warehouse.fastpath.cache import caches_clear

    caches_clear()
    jobs_done_forget()
    yield
    caches_clear()
    jobs_done_forget()


@pytest.fixture(autouse=True)
def _no_throttle_bleed(monkeypatch):
    """Throttle counters live in the cache: start every test clean, and at
    the start of a fixed window (a minute turning over mid-test would hand
    out a second allowance)."""
    from django.core.cache import cache

    from warehouse.common import throttles

    cache.clear()
    monkeypatch.setattr(throttles, "clock", lambda: 1_800_000_000.0)


def api_client(user=None) -> APIClient:
    """A DRF test client authenticated with ``user``'s token (or anonymous)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {f.token_for(user)}")
    return client


@dataclass
class World:
    """Two warehouses, two merchants, their users, stations, staff and the platform."""

    gz: object
    sih: object
    jade: object
    lots: object
    merchant: object
    merchant_user: object
    merchant2: object
    merchant2_user: object
    station: object
    station_sih: object
    inspector: object
    supervisor: object
    platform: object
    admin: object


@pytest.fixture
def world(db) -> World:
    gz = f.WarehouseFactory(code="GZ", name="Guangzhou")
    sih = f.WarehouseFactory(code="SIH", name="Sihui")
    merchant = f.MerchantFactory(code="JADEHOME")
    merchant2 = f.MerchantFactory(code="GLOWLAB")
    inspector = f.UserFactory(username="inspector")
    f.StaffFactory(user=inspector, warehouse=gz)
    supervisor = f.UserFactory(username="supervisor")
    f.StaffFactory(user=supervisor, warehouse=gz, role="supervisor")
    return World(
        gz=gz,
        sih=sih,
        jade=f.CategoryFactory(),
        lots=f.LotCategoryFactory(),
        merchant=merchant,
        merchant_user=f.MerchantUserFactory(username="m1", merchant=merchant),
        merchant2=merchant2,
        merchant2_user=f.MerchantUserFactory(username="m2", merchant=merchant2),
        station=f.StationFactory(code="GZ-RCV-01", warehouse=gz).user,
        station_sih=f.StationFactory(code="SIH-RCV-01", warehouse=sih).user,
        inspector=inspector,
        supervisor=supervisor,
        platform=f.PlatformFactory().user,
        admin=f.UserFactory(username="admin", is_staff=True, is_superuser=True),
    )


@pytest.fixture
def without_app_guards():
    """Set aside the guards other apps registered on lifecycle moves.

    For tests of the lifecycle's own mechanics, which drive raw moves
    (``certified → allocated`` …) that the inspection app guards with rules
    tested in ``tests/inspection``.
    """
    from warehouse import lifecycle

    saved = {key: list(value) for key, value in lifecycle._guards.items()}
    lifecycle._guards.clear()
    yield
    lifecycle._guards.clear()
    lifecycle._guards.update(saved)


# --- a real Celery worker ---------------------------------------------------------

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


def wait_for(condition, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


@contextmanager
def celery_worker(log: Path, *, env: dict | None = None, broker: str = ""):
    """Start a real ``celery worker`` process on the test database; stop it
    on exit. Yields the process (a test may kill it)."""
    name = f"qcw-test-{uuid.uuid4().hex[:8]}@localhost"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": broker or settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "IDEMPOTENCY_KEY_TTL_HOURS": "24",
        "DB_CONN_MAX_AGE": "0",
        **(env or {}),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and args
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",  # and every queue (config.settings)
                "-n",
                name,
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def ready():
            if process.poll() is not None:
                pytest.fail(f"the worker exited at start:\n{log.read_text()[-4000:]}")
            return celery_app.control.ping(destination=[name], timeout=0.5)

        wait_for(ready, BOOT_SECONDS, "the worker to answer a ping", log)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real ``celery worker`` on the test database; stopped at teardown.

    It is a separate process: it reads the broker from ``REDIS_URL`` and the
    *test* database (committed data: use ``transaction=True``). Its log is
    the fixture's value.
    """
    log = tmp_path / "worker.log"
    with celery_worker(log):
        yield log
