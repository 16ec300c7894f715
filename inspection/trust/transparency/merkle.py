"""RFC 9162 §2.1 Merkle trees: hashing, proofs and their verification (pure).

Hashes are SHA-256 with the RFC's domain separation: a leaf is
``SHA-256(0x00 || d)``, an interior node ``SHA-256(0x01 || left || right)``,
the empty tree ``SHA-256()``.

Every subtree the RFC's recursive definitions name (``MTH(D[a:b])`` inside
``PATH`` and ``PROOF``) starts at a multiple of a power of two at least its
size, so its hash folds, right to left, the hashes of at most ``log2 n``
*complete* subtrees: perfect binary trees of ``2**level`` leaves starting at
leaf ``index * 2**level``, addressed ``(level, index)``. A store keeps those
(:class:`MemoryTree` in memory, the log's ``LogNode`` rows in the database)
and a proof costs ``O(log n)`` reads: :func:`inclusion_ranges` and
:func:`consistency_ranges` name the subtrees a proof needs, :func:`subtrees`
their complete parts, :func:`fold` turns those hashes into the subtree's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Coord = tuple[int, int]  # (level, index): leaves index*2**level .. +2**level
Range = tuple[int, int]  # (start, size): the leaves D[start:start+size]


class ProofError(ValueError):
    """A proof does not verify (or its request is out of range)."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n > 1``)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- which subtrees a proof needs -----------------------------------------------------


def inclusion_ranges(m: int, n: int) -> list[Range]:
    """The subtrees whose hashes are ``PATH(m, D[0:n])``, in the RFC's order."""
    if not 0 <= m < n:
        raise ProofError(f"leaf {m} is not in a tree of {n} leaves")
    out: list[Range] = []
    start = 0
    while n > 1:
        k = _split(n)
        if m < k:
            out.append((start + k, n - k))
            n = k
        else:
            out.append((start, k))
            m -= k
            start += k
            n -= k
    out.reverse()  # the recursion appends on the way back up
    return out


def consistency_ranges(m: int, n: int) -> list[Range]:
    """The subtrees whose hashes are ``PROOF(m, D[0:n])``, in the RFC's order."""
    if not 0 < m <= n:
        raise ProofError(f"no consistency proof from {m} to {n} leaves")
    out: list[Range] = []
    start, complete = 0, True
    while m != n:
        k = _split(n)
        if m <= k:
            out.append((start + k, n - k))
            n = k
        else:
            out.append((start, k))
            m -= k
            start += k
            n -= k
            complete = False
    if not complete:
        out.append((start, n))
    out.reverse()
    return out


def subtrees(start: int, size: int) -> list[Coord]:
    """The complete subtrees, left to right, that make up ``D[start:start+size]``."""
    out: list[Coord] = []
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, start >> level))
            start += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a subtree from its complete parts' hashes (left to right)."""
    if not hashes:
        return EMPTY_ROOT
    value = hashes[-1]
    for left in reversed(hashes[:-1]):
        value = node_hash(left, value)
    return value


Reader = Callable[[Iterable[Coord]], dict[Coord, bytes]]


def ranges_hashes(ranges: Sequence[Range], read: Reader) -> list[bytes]:
    """The hashes of ``ranges``, their complete subtrees read in one call."""
    parts = [subtrees(start, size) for start, size in ranges]
    found = read({coord for part in parts for coord in part})
    return [fold([found[coord] for coord in part]) for part in parts]


def root_hash(size: int, read: Reader) -> bytes:
    """``MTH(D[0:size])``."""
    return ranges_hashes([(0, size)], read)[0] if size else EMPTY_ROOT


def inclusion_proof(m: int, n: int, read: Reader) -> list[bytes]:
    """``PATH(m, D[0:n])`` from stored complete subtrees."""
    return ranges_hashes(inclusion_ranges(m, n), read)


def consistency_proof(m: int, n: int, read: Reader) -> list[bytes]:
    """``PROOF(m, D[0:n])`` from stored complete subtrees."""
    return ranges_hashes(consistency_ranges(m, n), read)


def completed(size: int) -> list[Coord]:
    """The complete subtrees that appending leaf number ``size`` completes.

    Level 0 (the leaf itself) first, then each level its right child closes.
    """
    out = [(0, size)]
    level, index = 0, size
    while index & 1:
        level, index = level + 1, index >> 1
        out.append((level, index))
    return out


def frontier(size: int) -> list[Coord]:
    """The complete subtrees of ``D[0:size]``: all appending ever reads."""
    return subtrees(0, size)


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------


def inclusion_verify(
    leaf_index: int,
    tree_size: int,
    leaf: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> None:
    """Check an inclusion proof of the leaf hash ``leaf``; raise :class:`ProofError`."""
    if leaf_index >= tree_size or leaf_index < 0:
        raise ProofError("leaf index out of range")
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof too short")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root")


def consistency_verify(
    first: int,
    second: int,
    first_hash: bytes,
    second_hash: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check a consistency proof between two tree heads; raise :class:`ProofError`."""
    if first > second or first < 0:
        raise ProofError("first tree is larger than the second")
    if first == second:
        if proof:
            raise ProofError("proof between equal sizes must be empty")
        if first_hash != second_hash:
            raise ProofError("equal sizes with different roots")
        return
    if first == 0:  # the empty tree is consistent with every tree
        if proof:
            raise ProofError("proof from the empty tree must be empty")
        return
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: its root is the first node
        path.insert(0, first_hash)
    if not path:
        raise ProofError("empty consistency proof")
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof too short")
    if fr != first_hash:
        raise ProofError("consistency proof does not lead to the first root")
    if sr != second_hash:
        raise ProofError("consistency proof does not lead to the second root")


# --- an in-memory tree ----------------------------------------------------------------


class MemoryTree:
    """A tree kept as lists of complete subtree hashes per level (audits, bench)."""

    def __init__(self, leaves: Iterable[bytes] = ()):
        self.levels: list[list[bytes]] = [[]]
        for leaf in leaves:
            self.append_hash(leaf_hash(leaf))

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append_hash(self, value: bytes) -> None:
        """Append a leaf by its leaf hash."""
        for level, index in completed(self.size):
            if level == len(self.levels):
                self.levels.append([])
            if level:
                below = self.levels[level - 1]
                value = node_hash(below[2 * index], below[2 * index + 1])
            self.levels[level].append(value)

    def read(self, coords: Iterable[Coord]) -> dict[Coord, bytes]:
        return {(lv, i): self.levels[lv][i] for lv, i in coords}

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self.read)

    def inclusion(self, m: int, n: int | None = None) -> list[bytes]:
        return inclusion_proof(m, self.size if n is None else n, self.read)

    def consistency(self, m: int, n: int | None = None) -> list[bytes]:
        return consistency_proof(m, self.size if n is None else n, self.read)
