"""The log's writes: entries recorded with the certificate, sequenced, heads signed."""

import base64
import json
from unittest import mock

import pytest

from inspection import services
from inspection.models import Certificate, LogEntry, LogNode, TreeHead
from inspection.services.certificates import issue as issuing
from inspection.trust.keys import seal_key
from inspection.trust.transparency import log as tlog
from inspection.trust.transparency import merkle, reads
from inspection.trust.transparency.merkle import MemoryTree
from tests.inspection.factories import weighing
from tests.inspection.test_certificates import certified_item, passed_item
from warehouse.common import jobs
from warehouse.common.access import principal_of
from warehouse.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"
    settings.TRANSPARENCY_STH_SECONDS = 60


def test_issuing_records_a_pending_entry_and_the_sequencer_job(world, qc):
    _item, certificate = certified_item(world)

    entry = LogEntry.objects.get(certificate=certificate)
    assert entry.index is None
    assert entry.kind == "issue"
    leaf = json.loads(entry.leaf)
    assert leaf == {
        "kind": "issue",
        "number": certificate.number,
        "sha256": tlog.content_sha256(certificate),
        "at": certificate.issued_at.isoformat().replace("+00:00", "Z"),
    }
    assert entry.leaf_hash == merkle.leaf_hash(entry.leaf.encode()).hex()
    job = Job.objects.get(name=tlog.TRANSPARENCY_JOB)
    assert job.key == "transparency:integrate"
    assert job.state == Job.State.PENDING


def test_the_job_sequences_entries_and_signs_a_head_the_seal_key_verifies(world, qc):
    _item, certificate = certified_item(world)
    job = Job.objects.get(name=tlog.TRANSPARENCY_JOB)

    assert jobs.job_run(job.pk) == Job.State.DONE

    entry = LogEntry.objects.get(certificate=certificate)
    assert entry.index == 0
    head = TreeHead.objects.get()
    assert head.tree_size == 1
    assert head.root_hash == merkle.leaf_hash(entry.leaf.encode()).hex()
    key = seal_key(head.kid)
    key.public.verify(
        base64.b64decode(head.signature),
        tlog.sth_data(
            tree_size=1,
            timestamp=head.timestamp,
            root_hash=bytes.fromhex(head.root_hash),
        ),
    )


def test_a_revocation_and_a_reissue_are_entries_too(world, qc):
    item, certificate = certified_item(world)
    services.certificate_revoke(
        principal=principal_of(world.supervisor),
        number=certificate.number,
        reason="Clasp swapped.",
        reinspect=True,
    )
    revoked = LogEntry.objects.get(certificate=certificate, kind="revoke")
    assert json.loads(revoked.leaf)["kind"] == "revoke"

    tlog.log_integrate(sign=True)
    assert list(LogEntry.objects.values_list("index", "kind")) == [
        (0, "issue"),
        (1, "revoke"),
    ]
    # the re-inspection passes: the new certificate is a re-issue of the old
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed=weighing(weight_g="52.35"),
    )
    job = Job.objects.get(
        name=services.CERTIFICATE_JOB, args={"item_id": item.pk}, state="pending"
    )
    assert jobs.job_run(job.pk) == Job.State.DONE
    reissue = LogEntry.objects.get(kind="reissue")
    assert reissue.certificate.number != certificate.number
    assert json.loads(reissue.leaf)["replaces"] == certificate.number


def test_heads_are_signed_only_at_the_interval_unless_asked(world, qc, settings):
    certified_item(world)
    assert tlog.log_integrate() == 1  # no head yet: due
    assert TreeHead.objects.count() == 1
    certified_item(world)
    assert tlog.log_integrate() == 2  # sequenced, the head is not due yet
    assert TreeHead.objects.count() == 1
    settings.TRANSPARENCY_STH_SECONDS = 0
    tlog.log_integrate()
    assert list(TreeHead.objects.values_list("tree_size", flat=True)) == [2, 1]


def test_stored_subtrees_give_the_same_proofs_as_the_recursive_tree(world, qc):
    """Entries integrated in several batches: every proof equals the memory tree's."""
    leaves = []
    for batch in (1, 2, 5, 3):
        for _ in range(batch):
            leaf = json.dumps({"n": len(leaves)})
            leaves.append(leaf.encode())
            LogEntry.objects.create(
                kind="issue",
                certificate=certified_item(world)[1],
                leaf=leaf,
                leaf_hash=merkle.leaf_hash(leaf.encode()).hex(),
                recorded_at="2026-01-01T00:00:00Z",
            )
        tlog.log_integrate(sign=True)
    # each certified_item also logged its own issue: compare with the real leaves
    stored = [e.leaf.encode() for e in LogEntry.objects.order_by("index")]
    tree = MemoryTree(stored)
    n = tree.size
    assert n == 2 * len(leaves)
    assert reads.nodes_read(merkle.frontier(n))
    assert merkle.root_hash(n, reads.nodes_read) == tree.root()
    for m in range(n):
        assert merkle.inclusion_proof(m, n, reads.nodes_read) == tree.inclusion(m)
    for m in range(1, n + 1):
        assert merkle.consistency_proof(m, n, reads.nodes_read) == tree.consistency(m)
    assert LogNode.objects.count() == 2 * n - bin(n).count("1")


def test_an_exception_after_the_insert_rolls_back_certificate_and_entry(
    world, qc, tmp_path
):
    """Issuing under a failure after the certificate row: both or neither,
    and no PDF file left behind."""
    item = passed_item(world)
    job = Job.objects.get(name=services.CERTIFICATE_JOB, args={"item_id": item.pk})
    with mock.patch.object(
        issuing.lifecycle, "item_transition_many", side_effect=RuntimeError("killed")
    ):
        assert jobs.job_run(job.pk) == Job.State.PENDING
    assert not Certificate.objects.filter(item=item).exists()
    assert not LogEntry.objects.exists()
    assert not list((tmp_path / "media").rglob("*.pdf"))
    assert jobs.job_run(job.pk) == Job.State.DONE
    assert len(list((tmp_path / "media").rglob("*.pdf"))) == 1
    assert LogEntry.objects.get().certificate.item == item


def test_the_migration_backfills_the_entries_the_services_write(world, qc):
    """Certificates issued before the log get the same leaves, in order."""
    import importlib

    from django.apps import apps

    backfill = importlib.import_module(
        "inspection.migrations.0008_transparency"
    ).log_backfill
    first_item, first = certified_item(world)
    certified_item(world)
    services.certificate_revoke(
        principal=principal_of(world.supervisor),
        number=first.number,
        reason="Clasp swapped.",
        reinspect=True,
    )
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=first_item.code,
        observed=weighing(weight_g="52.35"),
    )
    job = Job.objects.get(
        name=services.CERTIFICATE_JOB, args={"item_id": first_item.pk}, state="pending"
    )
    jobs.job_run(job.pk)
    written = list(
        LogEntry.objects.order_by("id").values_list("kind", "leaf", "leaf_hash")
    )
    assert [row[0] for row in written] == ["issue", "issue", "revoke", "reissue"]
    LogEntry.objects.all().delete()

    backfill(apps, None)

    assert (
        list(LogEntry.objects.order_by("id").values_list("kind", "leaf", "leaf_hash"))
        == written
    )
    assert not LogEntry.objects.filter(index__isnull=False).exists()


def test_the_sequencer_run_twice_integrates_once(world, qc):
    certified_item(world)
    job = Job.objects.get(name=tlog.TRANSPARENCY_JOB)
    assert jobs.job_run(job.pk) == Job.State.DONE
    assert jobs.job_run(job.pk) == "skipped"  # a second delivery: done already
    assert tlog.log_integrate(sign=False) == 1
    assert list(LogEntry.objects.values_list("index", flat=True)) == [0]
    assert LogNode.objects.count() == 1
    assert TreeHead.objects.count() == 1
