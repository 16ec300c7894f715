"""Fault drills (issue 7): a broker outage, a worker killed mid-job, a database
connection dropped mid-request, a full disk, duplicated and reordered platform
pushes. Each drill breaks a real service (a Redis server, a worker process, a
PostgreSQL backend, a tmpfs) and proves exactly one effect and nothing lost.

They are marked ``drill`` (CI runs them; ``-m 'not drill'`` skips them locally)
and ``postgres``/``redis`` for the services they need.
"""

import hashlib
from pathlib import Path

import pytest
from django.utils import translation

from inspection import services as inspection
from inspection.models import Certificate, CertificateFile
from tests.inspection.factories import (  # noqa: F401 - qc is a fixture
    GOOD_JADE,
    jade_row,
    qc,
    received,
)
from warehouse.common.access import principal_of
from warehouse.models import Item, ItemEvent, ItemState


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path, monkeypatch):
    """Messages in English; media (certificates) in the test's own folder, for
    this process and for any worker it starts."""
    media = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(media))
    settings.MEDIA_ROOT = media
    settings.PUBLIC_BASE_URL = "https://qc.example.com"
    with translation.override("en"):
        yield


def pdf_files(media: Path) -> list[Path]:
    """Every certificate file on disk, partial ones included."""
    return sorted(p for p in (media / "certificates").rglob("*") if p.is_file())


def passed(world) -> Item:
    """Receive a jade item and pass it: the verdict commits with its
    certificate job, which is sent to the broker after commit."""
    item = received(world, jade_row())
    inspection.inspection_submit(
        principal=principal_of(world.inspector), code=item.code, observed=GOOD_JADE
    )
    return item


def certified_count(items) -> int:
    return Item.objects.filter(
        pk__in=[i.pk for i in items], state=ItemState.CERTIFIED
    ).count()


def assert_one_certificate_each(items, media: Path) -> None:
    """Every item certified once: one certificate, one rendering, one event and
    one file on disk, the file being the one the certificate names and hashes."""
    files = pdf_files(media)
    assert len(files) == len(items), [f.name for f in files]
    for item in items:
        item.refresh_from_db()
        assert item.state == ItemState.CERTIFIED
        (certificate,) = Certificate.objects.filter(item=item)
        assert CertificateFile.objects.filter(certificate=certificate).count() == 1
        events = ItemEvent.objects.filter(item=item, to_state=ItemState.CERTIFIED)
        assert events.count() == 1
        path = media / certificate.pdf.name
        assert path in files
        assert hashlib.sha256(path.read_bytes()).hexdigest() == certificate.sha256
