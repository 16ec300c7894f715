"""Drill: the media store is full when a certificate is saved.

MEDIA_ROOT is a real 2 MB tmpfs, filled until one page (4 KB) is left: the
worker starts writing the PDF and the kernel answers ENOSPC half way. The job
fails and is left pending with a backoff, for the job dispatcher to send again;
meanwhile the item stays ``passed``, with no certificate row and no partial
file. Once space is freed a retry succeeds: one certificate, one file.
(Mounting needs root; without it the drill fails in CI and is skipped
locally.)
"""

import errno
import os
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from inspection.models import Certificate, CertificateFile
from tests.conftest import IN_CI, TASK_SECONDS, celery_worker, wait_for
from warehouse.common import jobs
from warehouse.models import Item, ItemState, Job

from .conftest import assert_one_certificate_each, certified_count, passed, pdf_files

pytestmark = [
    pytest.mark.drill,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

CHUNK = b"\0" * 65536


class SmallDisk:
    """A tmpfs mounted at ``path``, which the drill fills and frees."""

    def __init__(self, path):
        self.path = path
        self.filler = path / "filler"

    def free_bytes(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def fill(self, *, leave: int) -> None:
        """Fill the disk, then give back about ``leave`` bytes."""
        with self.filler.open("wb") as out:
            try:
                while True:
                    out.write(CHUNK)
                    out.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
        os.truncate(self.filler, self.filler.stat().st_size - leave)
        assert 0 < self.free_bytes() <= leave + 4096

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def small_disk(tmp_path):
    path = tmp_path / "media"  # MEDIA_ROOT of this test and its worker
    path.mkdir()
    mounted = subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", "size=2m", "qcw-drill", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs (needs root): {mounted.stderr.strip()}"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)  # noqa: S603,S607


def test_a_full_disk_leaves_the_item_passed_and_a_retry_certifies_it_once(
    world, qc, tmp_path, small_disk
):
    log = tmp_path / "worker.log"
    with celery_worker(log):
        small_disk.fill(leave=4096)  # a certificate is ~7 KB
        item = passed(world)
        job = Job.objects.get(key=f"certificate:{item.pk}")
        wait_for(
            lambda: (
                "No space left on device" in log.read_text()
                and "retry later" in log.read_text()
                and Job.objects.get(pk=job.pk).attempts == 1
            ),
            TASK_SECONDS,
            "the certificate job to fail on the full disk and be retried",
            log,
        )
        assert Item.objects.get(pk=item.pk).state == ItemState.PASSED
        assert not Certificate.objects.exists()
        assert not CertificateFile.objects.exists()
        # A partial file would stay as long as the disk is full.
        wait_for(
            lambda: not pdf_files(small_disk.path),
            5,
            "no partial certificate file on the full disk",
            log,
        )

        small_disk.free()
        # beat's dispatcher, once the job's backoff has passed
        later = timezone.now() + timedelta(
            seconds=settings.JOBS_RESEND_AFTER_SECONDS + 1
        )
        assert jobs.jobs_dispatch(now=later) >= 1
        wait_for(
            lambda: certified_count([item]) == 1,
            TASK_SECONDS,
            "a retry to certify the item once there is space",
            log,
        )

    assert_one_certificate_each([item], small_disk.path)
