"""Certificate jobs (outbox jobs on the ``certificates`` queue) run by a real
Celery worker over Redis (CI runs these)."""

import pytest

from inspection import services
from inspection.models import Certificate
from tests.conftest import TASK_SECONDS, wait_for
from warehouse.common.access import principal_of
from warehouse.models import Item, ItemState, Job

from .factories import GOOD_JADE, jade_row, received

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def media_worker(request, tmp_path, monkeypatch, settings):
    """A real worker writing certificates where this test reads them."""
    media = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    settings.MEDIA_ROOT = media
    return request.getfixturevalue("worker")


def test_a_worker_renders_the_certificate_after_the_verdict_commits(
    world, qc, media_worker, tmp_path
):
    item = received(world, jade_row())

    services.inspection_submit(
        principal=principal_of(world.inspector), code=item.code, observed=GOOD_JADE
    )

    state = wait_for(
        lambda: Item.objects.get(pk=item.pk).state == ItemState.CERTIFIED,
        TASK_SECONDS,
        "the worker to certify the item",
        media_worker,
    )
    assert state
    certificate = Certificate.objects.get(item=item)
    assert certificate.pdf.storage.exists(certificate.pdf.name)
    assert list((tmp_path / "media").rglob("*.pdf"))
    job = Job.objects.get(key=f"certificate:{item.pk}")
    assert (job.name, job.state) == (services.CERTIFICATE_JOB, Job.State.DONE)
    assert "warehouse.tasks.job_run" in media_worker.read_text()
