"""Auditing the log from the outside, with nothing but its public key.

:func:`log_audit` checks, for a source of the log's public data (its HTTP
endpoints, :class:`HttpSource`, or a saved dump, :class:`DumpSource`):

- every signed tree head's Ed25519 signature, by a key of the given JWKS
  that was valid and not yet revoked at the head's timestamp;
- that the log only grew: sizes never shrink as time goes on, one size has
  one root, and each head is consistent with the one before it (the log's
  consistency proof, verified by RFC 9162 §2.1.4.2);
- that the entries, hashed again, give every head's root (a replaced or
  removed entry changes the roots it was under);
- that every certificate number it is given has an entry, included in the
  newest head (an inclusion proof, verified by §2.1.3.2).

Heads seen by an earlier audit can be given again (``seen``): a log that
later forked or rewrote its history is inconsistent with them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import merkle
from .log import sth_data

PAGE = 1000


@dataclass
class AuditResult:
    """What the audit checked and every failure it found (empty: the log is sound)."""

    heads: int = 0
    entries: int = 0
    certificates: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _unb64(value: str) -> bytes:
    return base64.b64decode(value)


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass(frozen=True)
class PublicKey:
    kid: str
    key: Ed25519PublicKey
    nbf: int | None
    exp: int | None
    revoked_from: int | None

    def valid_at(self, seconds: float) -> bool:
        if self.nbf is not None and seconds < self.nbf:
            return False
        if self.exp is not None and seconds >= self.exp:
            return False
        return self.revoked_from is None or seconds < self.revoked_from


def jwks_keys(document: dict) -> dict[str, PublicKey]:
    """The Ed25519 keys of a JWKS, by kid."""
    return {
        jwk["kid"]: PublicKey(
            kid=jwk["kid"],
            key=Ed25519PublicKey.from_public_bytes(_b64url(jwk["x"])),
            nbf=jwk.get("nbf"),
            exp=jwk.get("exp"),
            revoked_from=jwk.get("revoked_from"),
        )
        for jwk in document.get("keys", [])
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519"
    }


# --- sources ------------------------------------------------------------------------


class HttpSource:
    """The log's public endpoints under ``base`` (``get(path) -> JSON``)."""

    def __init__(self, base: str, get: Callable[[str], dict] | None = None):
        self.base = base.rstrip("/")
        self.get = get or self._http_get

    def _http_get(self, path: str) -> dict:
        import httpx

        answer = httpx.get(self.base + path, timeout=30, trust_env=False)
        answer.raise_for_status()
        return answer.json()

    def heads(self) -> list[dict]:
        out, after = [], 0
        while True:
            page = self.get(f"/transparency/sths?after={after}")["sths"]
            out += page
            if len(page) < PAGE:
                return out
            after = page[-1]["timestamp"]

    def entries(self, size: int) -> list[dict]:
        out: list[dict] = []
        while len(out) < size:
            start = len(out)
            page = self.get(f"/transparency/entries?start={start}&end={size - 1}")
            if not page["entries"]:
                break
            out += page["entries"]
        return out

    def consistency(self, first: int, second: int, tree) -> list[bytes]:
        proof = self.get(f"/transparency/consistency?first={first}&second={second}")
        return [_unb64(p) for p in proof["proof"]]

    def inclusion(self, number: str, size: int, tree) -> list[tuple[int, list[bytes]]]:
        answer = self.get(f"/transparency/proof?number={number}&tree_size={size}")
        return [
            (e["index"], [_unb64(p) for p in e["proof"]]) for e in answer["entries"]
        ]


class DumpSource:
    """A saved copy of the log: ``{"sths": [...], "entries": [...]}``.

    Proofs are computed from the dump's own entries, so the roots and the
    signatures carry the weight.
    """

    def __init__(self, document: dict):
        self.document = document

    def heads(self) -> list[dict]:
        return list(self.document.get("sths", []))

    def entries(self, size: int) -> list[dict]:
        return list(self.document.get("entries", []))[:size]

    def consistency(self, first: int, second: int, tree) -> list[bytes]:
        return tree.consistency(first, second)

    def inclusion(self, number: str, size: int, tree) -> list[tuple[int, list[bytes]]]:
        return [
            (index, tree.inclusion(index, size))
            for index in self.document.get("_numbers", {}).get(number, [])
            if index < size
        ]


# --- the audit ----------------------------------------------------------------------


def _head_key(head: dict) -> tuple:
    return (head["timestamp"], head["tree_size"], head["root_hash"], head["signature"])


def _heads_checked(heads, keys, result) -> list[dict]:
    good = []
    for head in heads:
        label = f"head of {head['tree_size']} at {head['timestamp']}"
        key = keys.get(head.get("kid", ""))
        if key is None:
            result.failures.append(f"{label}: unknown key {head.get('kid')!r}")
            continue
        try:
            key.key.verify(
                _unb64(head["signature"]),
                sth_data(
                    tree_size=head["tree_size"],
                    timestamp=head["timestamp"],
                    root_hash=_unb64(head["root_hash"]),
                ),
            )
        except (InvalidSignature, ValueError):
            result.failures.append(f"{label}: signature invalid")
            continue
        if not key.valid_at(head["timestamp"] / 1000):
            result.failures.append(f"{label}: key {key.kid} not valid then (revoked?)")
            continue
        good.append(head)
    return good


def log_audit(
    source, jwks: dict, *, numbers: Iterable[str] = (), seen: Iterable[dict] = ()
) -> AuditResult:
    """Audit the log behind ``source`` with the keys of ``jwks``."""
    result = AuditResult()
    keys = jwks_keys(jwks)
    unique = {_head_key(h): h for h in [*seen, *source.heads()]}
    heads = sorted(unique.values(), key=lambda h: (h["timestamp"], h["tree_size"]))
    result.heads = len(heads)
    if not heads:
        result.failures.append("the log has no signed tree head")
        return result
    heads = _heads_checked(heads, keys, result)
    if not heads:
        result.failures.append("no tree head is signed by a key of the JWKS")
        return result
    size = max((h["tree_size"] for h in heads), default=0)
    entries = source.entries(size)
    result.entries = len(entries)
    if [e["index"] for e in entries] != list(range(size)):
        result.failures.append(
            f"entries are not the consecutive indices 0..{size - 1} "
            f"({len(entries)} entries served)"
        )
        return result
    tree = merkle.MemoryTree(e["leaf"].encode() for e in entries)
    numbers_at: dict[str, list[int]] = {}
    for entry in entries:
        try:
            numbers_at.setdefault(json.loads(entry["leaf"])["number"], []).append(
                entry["index"]
            )
        except (ValueError, KeyError, TypeError):
            result.failures.append(f"entry {entry['index']}: not a leaf of this log")
    if isinstance(source, DumpSource):
        source.document["_numbers"] = numbers_at
    roots: dict[int, str] = {}
    previous = None
    for head in heads:
        n, label = head["tree_size"], f"head of {head['tree_size']}"
        if roots.setdefault(n, head["root_hash"]) != head["root_hash"]:
            result.failures.append(f"{label}: two different roots for one size")
        if tree.root(n) != _unb64(head["root_hash"]):
            result.failures.append(f"{label}: the entries do not give its root")
        if previous is not None:
            if n < previous["tree_size"]:
                result.failures.append(
                    f"{label}: smaller than the earlier head of {previous['tree_size']}"
                )
            elif n > previous["tree_size"]:
                m = previous["tree_size"]
                try:
                    merkle.consistency_verify(
                        m,
                        n,
                        _unb64(previous["root_hash"]),
                        _unb64(head["root_hash"]),
                        source.consistency(m, n, tree) if m else [],
                    )
                except merkle.ProofError as error:
                    result.failures.append(f"{label}: not consistent with {m}: {error}")
        previous = head
    latest = max(heads, key=lambda h: (h["tree_size"], h["timestamp"]))
    for number in numbers:
        result.certificates += 1
        if number not in numbers_at:
            result.failures.append(f"certificate {number}: not in the log")
            continue
        proofs = source.inclusion(number, latest["tree_size"], tree)
        if not proofs:
            result.failures.append(f"certificate {number}: no inclusion proof")
        for index, proof in proofs:
            try:
                merkle.inclusion_verify(
                    index,
                    latest["tree_size"],
                    merkle.leaf_hash(entries[index]["leaf"].encode()),
                    proof,
                    _unb64(latest["root_hash"]),
                )
            except merkle.ProofError as error:
                result.failures.append(f"certificate {number} (entry {index}): {error}")
    return result
