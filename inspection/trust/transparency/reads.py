"""The log's reads: heads, entries and proofs as the public endpoints serve them.

Every proof reads its complete subtrees in one query (``O(log n)`` rows, by
the ``(level, index)`` unique index), whatever the log's size.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from django.db.models import Q

from ...models import Certificate, LogEntry, LogNode, TreeHead
from . import merkle

MAX_ENTRIES = 1000  # one page of /transparency/entries


def nodes_read(coords: Iterable[merkle.Coord]) -> dict[merkle.Coord, bytes]:
    """The stored hashes of complete subtrees, by ``(level, index)``; one query."""
    coords = set(coords)
    if not coords:
        return {}
    levels: dict[int, list[int]] = {}
    for level, index in coords:
        levels.setdefault(level, []).append(index)
    query = None
    for level, indices in levels.items():
        term = Q(level=level, index__in=indices)
        query = term if query is None else query | term
    found = {
        (level, index): bytes.fromhex(value)
        for level, index, value in LogNode.objects.filter(query).values_list(
            "level", "index", "hash"
        )
    }
    missing = coords - found.keys()
    if missing:
        raise merkle.ProofError(f"subtrees not in the log: {sorted(missing)[:5]}")
    return found


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def sth_json(head: TreeHead) -> dict:
    """A head as served: RFC 9162's fields, hashes and signature in base64."""
    return {
        "tree_size": head.tree_size,
        "timestamp": head.timestamp,
        "root_hash": b64(bytes.fromhex(head.root_hash)),
        "kid": head.kid,
        "signature": head.signature,
    }


def sth_latest() -> TreeHead | None:
    """The newest signed head."""
    return TreeHead.objects.order_by("-timestamp", "-id").first()


def sth_at(size: int) -> TreeHead | None:
    """The newest signed head of exactly ``size`` entries."""
    return TreeHead.objects.filter(tree_size=size).order_by("-timestamp", "-id").first()


def sth_list(*, after: int = 0, limit: int = MAX_ENTRIES) -> list[TreeHead]:
    """Signed heads after ``after`` (ms), oldest first (what an auditor fetches)."""
    return list(
        TreeHead.objects.filter(timestamp__gt=after).order_by("timestamp", "id")[:limit]
    )


def entries_page(start: int, end: int) -> list[dict]:
    """Integrated entries ``start..end`` (inclusive), at most :data:`MAX_ENTRIES`."""
    end = min(end, start + MAX_ENTRIES - 1)
    rows = (
        LogEntry.objects.filter(index__gte=start, index__lte=end)
        .order_by("index")
        .values_list("index", "leaf")
    )
    return [{"index": index, "leaf": leaf} for index, leaf in rows]


def consistency_json(first: int, second: int) -> dict:
    """``PROOF(first, D[0:second])`` in base64."""
    if first == 0 or first == second:
        return {"first": first, "second": second, "proof": []}
    proof = merkle.consistency_proof(first, second, nodes_read)
    return {"first": first, "second": second, "proof": [b64(p) for p in proof]}


def inclusion_json(entry: LogEntry, head: TreeHead) -> dict:
    """The entry's inclusion proof against ``head`` (which must contain it)."""
    proof = merkle.inclusion_proof(entry.index, head.tree_size, nodes_read)
    return {
        "index": entry.index,
        "kind": entry.kind,
        "leaf": entry.leaf,
        "tree_size": head.tree_size,
        "root_hash": b64(bytes.fromhex(head.root_hash)),
        "proof": [b64(p) for p in proof],
        "sth": sth_json(head),
    }


def certificate_transparency(certificate: Certificate) -> dict | None:
    """The verify JSON's ``transparency``: the issue's inclusion in the latest head.

    ``{"pending": true}`` while its entry is not yet under a signed head; None
    for a certificate issued before the log existed.
    """
    entry = (
        LogEntry.objects.filter(
            certificate=certificate,
            kind__in=[LogEntry.Kind.ISSUE, LogEntry.Kind.REISSUE],
        )
        .order_by("id")
        .first()
    )
    if entry is None:
        return None
    head = sth_latest()
    if entry.index is None or head is None or entry.index >= head.tree_size:
        return {"pending": True}
    return inclusion_json(entry, head)
