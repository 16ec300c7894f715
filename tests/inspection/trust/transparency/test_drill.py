"""Drill: a worker is killed (SIGKILL) after writing a certificate's log entry,
before the issuing transaction commits. Nothing of it stays: no certificate,
no entry. A new worker issues it again: one certificate, one entry, sequenced
and under a signed head."""

import os
import signal
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from inspection.models import Certificate, LogEntry, TreeHead
from tests.conftest import TASK_SECONDS, celery_worker, wait_for
from tests.drills.conftest import passed
from warehouse.common import jobs
from warehouse.models import ItemState

pytestmark = [
    pytest.mark.drill,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, monkeypatch):
    media = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    settings.MEDIA_ROOT = media
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def test_a_worker_killed_after_the_log_entry_leaves_both_or_neither(
    world, qc, tmp_path, trust_dir
):
    stalled = tmp_path / "stalled"
    keys = {
        "TRUST_DIR": str(trust_dir),
        "TRUST_DIR_CREATE": "false",
        "TRUST_OPERATOR": settings.TRUST_OPERATOR,
    }
    stalling = {
        **keys,
        "DJANGO_SETTINGS_MODULE": "tests.inspection.trust.transparency.drill.settings",
        "DRILL_LOG_STALL_MARKER": str(stalled),
    }
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    with celery_worker(first_log, env=stalling) as process:
        item = passed(world)
        wait_for(
            stalled.exists,
            TASK_SECONDS,
            "the worker to write the log entry and stall before committing",
            first_log,
        )
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    item.refresh_from_db()
    assert item.state == ItemState.PASSED
    assert not Certificate.objects.exists()
    assert not LogEntry.objects.exists()

    with celery_worker(second_log, env=keys):
        later = timezone.now() + timedelta(
            seconds=settings.JOBS_RESEND_AFTER_SECONDS + 1
        )
        assert jobs.jobs_dispatch(now=later) >= 1
        wait_for(
            lambda: (
                LogEntry.objects.filter(index__isnull=False).exists()
                and TreeHead.objects.exists()
            ),
            TASK_SECONDS,
            "the new worker to issue, sequence and sign a head",
            second_log,
        )

    certificate = Certificate.objects.get()
    entry = LogEntry.objects.get()
    assert entry.certificate == certificate
    assert (entry.index, entry.kind) == (0, "issue")
    assert TreeHead.objects.get().tree_size == 1
