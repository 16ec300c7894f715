"""RFC 9162 §2.1 hashing and proofs, against the RFC's own recursive definitions."""

import hashlib

import pytest

from inspection.trust.transparency import merkle
from inspection.trust.transparency.merkle import MemoryTree, ProofError

# --- a straightforward reference: the RFC's definitions, word for word ----------------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    return subproof(m, d, True)


LEAVES = [f"leaf {i}".encode() for i in range(64)]
TREE = MemoryTree(LEAVES)


def test_hashes_are_domain_separated():
    assert merkle.leaf_hash(b"x") == _h(b"\x00x")
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == _h(b"\x01" + b"a" * 32 + b"b" * 32)
    assert MemoryTree().root() == _h(b"")


@pytest.mark.parametrize("n", range(0, 65))
def test_root_equals_the_recursive_definition_for_every_size(n):
    assert TREE.root(n) == mth(LEAVES[:n])


@pytest.mark.parametrize("n", range(1, 65))
def test_inclusion_proofs_equal_path_and_verify_for_every_leaf(n):
    root = mth(LEAVES[:n])
    for m in range(n):
        expected = path(m, LEAVES[:n])
        got = TREE.inclusion(m, n)
        assert got == expected, (m, n)
        merkle.inclusion_verify(m, n, merkle.leaf_hash(LEAVES[m]), got, root)


@pytest.mark.parametrize("n", range(1, 65))
def test_consistency_proofs_equal_proof_and_verify_for_every_pair(n):
    second = mth(LEAVES[:n])
    for m in range(1, n + 1):
        expected = proof(m, LEAVES[:n])
        got = TREE.consistency(m, n)
        assert got == expected, (m, n)
        merkle.consistency_verify(m, n, mth(LEAVES[:m]), second, got)


def test_an_inclusion_proof_fails_for_another_leaf_a_changed_hash_or_a_wrong_size():
    n, m = 13, 6
    root = TREE.root(n)
    good = TREE.inclusion(m, n)
    with pytest.raises(ProofError, match="root"):
        merkle.inclusion_verify(m, n, merkle.leaf_hash(LEAVES[m + 1]), good, root)
    bad = list(good)
    bad[1] = bytes(32)
    with pytest.raises(ProofError, match="root"):
        merkle.inclusion_verify(m, n, merkle.leaf_hash(LEAVES[m]), bad, root)
    with pytest.raises(ProofError):
        merkle.inclusion_verify(m, n + 8, merkle.leaf_hash(LEAVES[m]), good, root)
    with pytest.raises(ProofError, match="out of range"):
        merkle.inclusion_verify(n, n, merkle.leaf_hash(LEAVES[m]), good, root)
    with pytest.raises(ProofError, match="too long"):
        merkle.inclusion_verify(m, n, merkle.leaf_hash(LEAVES[m]), good * 2, root)


def test_a_consistency_proof_fails_for_a_rewritten_history():
    rewritten = list(LEAVES[:20])
    rewritten[3] = b"replaced"
    other = MemoryTree(rewritten)
    first, second = TREE.root(7), other.root(20)
    with pytest.raises(ProofError):
        merkle.consistency_verify(7, 20, first, second, other.consistency(7, 20))
    with pytest.raises(ProofError):
        merkle.consistency_verify(7, 20, first, second, TREE.consistency(7, 20))
    with pytest.raises(ProofError, match="equal sizes"):
        merkle.consistency_verify(5, 5, TREE.root(5), other.root(5), [])
    merkle.consistency_verify(0, 20, merkle.EMPTY_ROOT, second, [])


def test_rfc6962_known_roots():
    """The roots of the RFC 6962 reference test tree (certificate-transparency)."""
    leaves = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    tree = MemoryTree(leaves)
    for size, expected in enumerate(roots, start=1):
        assert tree.root(size).hex() == expected
    # the reference inclusion proof of leaf 0 in the tree of 8 (RFC 6962 tests)
    assert [p.hex() for p in tree.inclusion(0, 8)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


def test_appending_reads_only_the_frontier():
    assert merkle.frontier(13) == [(3, 0), (2, 2), (0, 12)]
    assert merkle.completed(7) == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert merkle.completed(8) == [(0, 8)]
