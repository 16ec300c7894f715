"""The log's writes: recording entries, sequencing them, signing tree heads.

Appending is part of issuing: :func:`log_entry_record` writes a pending
entry (no index) in the caller's transaction, the one that issues, revokes
or re-issues the certificate, and records the ``inspection.transparency_integrate``
job (keyed: one pending job however many entries wait). So a certificate and
its entry commit together or not at all. The sequencer
(:func:`log_integrate`, run by that job and by Celery beat every
``TRANSPARENCY_STH_SECONDS``) locks the log's one :class:`LogState` row, gives
pending entries consecutive indices in the order they were recorded, stores
the complete subtrees they complete (reading only the tree's frontier:
``O(log n)`` rows) and, once the last head is ``TRANSPARENCY_STH_SECONDS``
old, signs a new tree head with the current seal key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warehouse.common.jobs import job_record
from warehouse.fastpath.statements import rows_insert, rows_update

from ...models import Certificate, LogEntry, LogNode, LogState, TreeHead
from ..keys import seal_key_current
from . import merkle
from .reads import nodes_read

TRANSPARENCY_JOB = "inspection.transparency_integrate"
BATCH = 10_000


def content_sha256(certificate: Certificate) -> str:
    """SHA-256 (hex) of the certificate's signed content, in its canonical bytes."""
    from ...services.certificates.signing import canonical

    return hashlib.sha256(canonical(certificate.content)).hexdigest()


def leaf_data(*, kind: str, certificate: Certificate, at, replaces: str = "") -> str:
    """The leaf's canonical JSON: what happened to which certificate, when."""
    data = {
        "kind": kind,
        "number": certificate.number,
        "sha256": content_sha256(certificate),
        "at": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }
    if replaces:
        data["replaces"] = replaces
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def log_entry_record(
    *, certificate: Certificate, kind: str, at=None, replaces: str = ""
) -> LogEntry:
    """Record a pending entry and the sequencer's job, in the caller's transaction."""
    (entry,) = log_entries_record(
        [{"certificate": certificate, "kind": kind, "at": at, "replaces": replaces}]
    )
    return entry


def log_entries_record(entries: list[dict]) -> list[LogEntry]:
    """Record pending entries (each ``certificate``, ``kind``, ``at``,
    ``replaces`` as :func:`log_entry_record` takes them), in the order given,
    and the sequencer's job once, in the caller's transaction: one INSERT."""
    rows = []
    for entry in entries:
        at = entry.get("at") or timezone.now()
        leaf = leaf_data(
            kind=entry["kind"],
            certificate=entry["certificate"],
            at=at,
            replaces=entry.get("replaces", ""),
        )
        rows.append(
            LogEntry(
                kind=entry["kind"],
                certificate=entry["certificate"],
                leaf=leaf,
                leaf_hash=merkle.leaf_hash(leaf.encode()).hex(),
                recorded_at=at,
            )
        )
    rows = rows_insert(LogEntry, rows)
    if rows:
        job_record(name=TRANSPARENCY_JOB, key="transparency:integrate")
    return rows


def sth_data(*, tree_size: int, timestamp: int, root_hash: bytes) -> bytes:
    """RFC 9162 ``TreeHeadDataToSign``: timestamp, size, root, no extensions."""
    return (
        struct.pack(">QQB", timestamp, tree_size, len(root_hash)) + root_hash + b"\0\0"
    )


def _sth_sign(size: int, root: bytes) -> TreeHead:
    key = seal_key_current()
    timestamp = int(timezone.now().timestamp() * 1000)
    signature = key.private.sign(
        sth_data(tree_size=size, timestamp=timestamp, root_hash=root)
    )
    return TreeHead.objects.create(
        tree_size=size,
        root_hash=root.hex(),
        timestamp=timestamp,
        kid=key.kid,
        signature=base64.b64encode(signature).decode(),
    )


def _sth_due() -> bool:
    last = TreeHead.objects.order_by("-timestamp").values_list("timestamp").first()
    if last is None:
        return True
    age_ms = timezone.now().timestamp() * 1000 - last[0]
    return age_ms >= settings.TRANSPARENCY_STH_SECONDS * 1000


def log_integrate(*, sign: bool | None = None, batch: int = BATCH) -> int:
    """Sequence pending entries and sign a head when due; the new tree size.

    ``sign=True`` signs a head now, ``False`` never, ``None`` when the last
    head is ``TRANSPARENCY_STH_SECONDS`` old (or there is none). Idempotent
    and safe to run concurrently: the second run waits for the first's lock
    and finds nothing pending.
    """
    with transaction.atomic():
        state, _ = LogState.objects.get_or_create(pk=1)
        state = LogState.objects.select_for_update().get(pk=1)
        size = state.size
        pending = list(
            LogEntry.objects.filter(index__isnull=True).order_by("id")[:batch]
        )
        if pending:
            known = nodes_read(merkle.frontier(size))
            new: dict[merkle.Coord, bytes] = {}

            def read(coord: merkle.Coord) -> bytes:
                return new[coord] if coord in new else known[coord]

            now = timezone.now()
            for entry in pending:
                for level, index in merkle.completed(size):
                    if level == 0:
                        value = bytes.fromhex(entry.leaf_hash)
                    else:
                        value = merkle.node_hash(
                            read((level - 1, 2 * index)),
                            read((level - 1, 2 * index + 1)),
                        )
                    new[(level, index)] = value
                entry.index, entry.integrated_at = size, now
                size += 1
            LogNode.objects.bulk_create(
                LogNode(level=lv, index=i, hash=h.hex()) for (lv, i), h in new.items()
            )
            rows_update(LogEntry, pending, ["index", "integrated_at"])
            state.size = size
            state.save(update_fields=["size"])
        if sign or (sign is None and _sth_due()):
            _sth_sign(size, merkle.root_hash(size, nodes_read))
    return size
