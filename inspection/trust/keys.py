"""The operator's keys: where they come from, which one signs now, which are public.

Two kinds of key, each with a short id (``kid``):

- **seal keys** (Ed25519, kids ``q1``, ``q2`` …) sign the QR seal (COSE) and the
  transparency log's tree heads; their public halves are published as a JWKS.
- **PDF signers** (X.509, ECDSA P-256, kids ``p1``, ``p2`` …): a signing
  certificate and its key, issued by the operator's own root, sign every
  certificate PDF (PAdES). The root certificates are the trust anchors.

Where they come from (never from the repository):

1. ``settings.TRUST_DIR``: a directory of PEM files and a ``keys.json``
   (written by ``manage.py trust_init``)::

       keys.json            {"operator": ..., "seal": [{"kid", "not_before",
                             "not_after", "revoked_from"}], "pdf": [...same...],
                             "roots": ["root-1.pem", ...]}
       root-1.pem           a root certificate (root-1.key.pem: its key, only
                             where certificates are issued; keep it offline)
       seal-q1.key.pem      a seal key that can sign (private, PKCS#8)
       seal-q1.pub.pem      a retired seal key's public half (no private file)
       pdf-p1.pem           a signing certificate followed by its chain
       pdf-p1.key.pem       its private key (absent once retired)

   The entry listed first in ``seal`` (``pdf``) that has a private key and is
   valid now signs; the others stay published so what they signed verifies.
2. The environment, when ``TRUST_DIR`` is empty: ``TRUST_SEAL_KEY_PEM`` (the
   Ed25519 private key), ``TRUST_SEAL_KID`` (default ``q1``),
   ``TRUST_PDF_CERT_PEM`` (signing certificate then its chain),
   ``TRUST_PDF_KEY_PEM``, ``TRUST_ROOT_CERT_PEM`` (one or more roots) and,
   optionally, ``TRUST_KEYS_JSON`` (the same document as ``keys.json``, for
   dates, revocations and retired public keys given as ``"public_pem"``).

On the embedded default (``TRUST_DIR_CREATE``, on when debugging) a missing
directory is created with demo keys on first use, by the same code as
``trust_init``. Keys are read once per process and read again when
``keys.json`` changes (a rotation or revocation by another process) or a
setting does (tests).

A key ``revoked_from`` a moment is compromised: anything it signed at or after
that moment is not genuine; what it signed before stays valid.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.signals import setting_changed
from django.utils import timezone

from .keyfiles import (
    KEYS_FILE,
    TrustError,
    cache_lock,
    pem_certificates,
    pem_private_key,
    trust_reset,
)
from .keyfiles import cache as _cache

# The writers, where callers of this module have always found them.
from .keystore import trust_create, trust_revoke, trust_rotate


@dataclass(frozen=True)
class SealKey:
    """An Ed25519 key of the QR seal and the log's tree heads."""

    kid: str  # short id, e.g. "q1"
    private: Ed25519PrivateKey | None  # None for a retired key (public only)
    public: Ed25519PublicKey
    not_before: dt.datetime  # aware
    not_after: dt.datetime | None
    revoked_from: dt.datetime | None  # anything signed at/after is not genuine

    def valid_at(self, moment: dt.datetime) -> bool:
        """Whether something signed at ``moment`` by this key is genuine."""
        if moment < self.not_before:
            return False
        if self.not_after is not None and moment >= self.not_after:
            return False
        return self.revoked_from is None or moment < self.revoked_from

    @property
    def x(self) -> str:
        """The raw public key, base64url without padding (the JWK's ``x``)."""
        raw = self.public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class PdfSigner:
    """An X.509 signing certificate for PAdES, its key and its chain to a root."""

    kid: str  # short id, e.g. "p1"
    certificate: x509.Certificate
    private: ec.EllipticCurvePrivateKey | None  # None once retired
    chain: tuple[x509.Certificate, ...]  # issuers up to and including the root
    not_before: dt.datetime  # aware
    not_after: dt.datetime | None
    revoked_from: dt.datetime | None  # anything signed at/after is not genuine

    def valid_at(self, moment: dt.datetime) -> bool:
        """Whether a signature made at ``moment`` with this certificate is genuine."""
        if moment < self.not_before:
            return False
        if self.not_after is not None and moment >= self.not_after:
            return False
        return self.revoked_from is None or moment < self.revoked_from

    @property
    def name(self) -> str:
        """The signer's name as the certificate states it (the operator)."""
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return (
            str(names[0].value) if names else self.certificate.subject.rfc4514_string()
        )

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (hex), how a signature names its signer here."""
        return self.certificate.fingerprint(hashes.SHA256()).hex()


@dataclass(frozen=True)
class _Material:
    operator: str
    seal: tuple[SealKey, ...]
    pdf: tuple[PdfSigner, ...]
    roots: tuple[x509.Certificate, ...]


# --- the public interface ----------------------------------------------------------


def seal_keys() -> list[SealKey]:
    """Every published seal key, newest first (retired and revoked ones included)."""
    return list(_material().seal)


def seal_key_current() -> SealKey:
    """The seal key that signs now: has a private key and is valid now."""
    now = timezone.now()
    for key in _material().seal:
        if key.private is not None and key.valid_at(now):
            return key
    raise TrustError("No seal key can sign now: run manage.py trust_init --rotate.")


def seal_key(kid: str) -> SealKey | None:
    """The published seal key ``kid``, or None."""
    return next((key for key in _material().seal if key.kid == kid), None)


def jwks() -> dict:
    """The seal keys as a JWKS (RFC 7517/8037), with their validity and revocation.

    ``nbf``, ``exp`` and ``revoked_from`` are Unix seconds (``exp`` and
    ``revoked_from`` null when unset).
    """

    def seconds(moment):
        return int(moment.timestamp()) if moment is not None else None

    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "kid": key.kid,
                "x": key.x,
                "use": "sig",
                "alg": "EdDSA",
                "nbf": seconds(key.not_before),
                "exp": seconds(key.not_after),
                "revoked_from": seconds(key.revoked_from),
            }
            for key in _material().seal
        ]
    }


def pdf_signer() -> PdfSigner:
    """The PDF signing certificate that signs now (has its key, valid now)."""
    now = timezone.now()
    for signer in _material().pdf:
        if signer.private is not None and signer.valid_at(now):
            return signer
    raise TrustError("No PDF signer can sign now: run manage.py trust_init --rotate.")


def pdf_signers() -> list[PdfSigner]:
    """Every PDF signing certificate the operator issued, newest first."""
    return list(_material().pdf)


def trust_roots() -> list[x509.Certificate]:
    """The operator's root certificate(s): the anchors PDF signatures chain to."""
    return list(_material().roots)


def operator_name() -> str:
    """The operator's name, as the signing certificates carry it."""
    return _material().operator


# --- reading -----------------------------------------------------------------------


def _material() -> _Material:
    directory = settings.TRUST_DIR
    if directory:
        path = Path(directory)
        if not (path / KEYS_FILE).exists():
            if not settings.TRUST_DIR_CREATE:
                raise TrustError(
                    f"No {KEYS_FILE} in TRUST_DIR={path}: run manage.py trust_init."
                )
            trust_create(path, operator=settings.TRUST_OPERATOR, exist_ok=True)
        stamp = ("dir", str(path), (path / KEYS_FILE).stat().st_mtime_ns)
    else:
        stamp = ("env",)
    cached = _cache.get("material")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with cache_lock:
        material = _read_dir(Path(directory)) if directory else _read_env()
        _cache["material"] = (stamp, material)
    return material


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _dates(entry: dict) -> dict:
    return {
        "not_before": _moment(entry.get("not_before"))
        or dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        "not_after": _moment(entry.get("not_after")),
        "revoked_from": _moment(entry.get("revoked_from")),
    }


def _read_dir(path: Path) -> _Material:
    spec = json.loads((path / KEYS_FILE).read_text())
    seal = []
    for entry in spec.get("seal", []):
        kid = entry["kid"]
        private_file = path / f"seal-{kid}.key.pem"
        if private_file.exists():
            private = pem_private_key(private_file.read_bytes())
            public = private.public_key()
        else:
            private = None
            public = serialization.load_pem_public_key(
                (path / f"seal-{kid}.pub.pem").read_bytes()
            )
        seal.append(SealKey(kid=kid, private=private, public=public, **_dates(entry)))
    pdf = []
    for entry in spec.get("pdf", []):
        kid = entry["kid"]
        certificate, *chain = pem_certificates((path / f"pdf-{kid}.pem").read_bytes())
        key_file = path / f"pdf-{kid}.key.pem"
        private = pem_private_key(key_file.read_bytes()) if key_file.exists() else None
        pdf.append(
            PdfSigner(
                kid=kid,
                certificate=certificate,
                private=private,
                chain=tuple(chain),
                **_dates(entry),
            )
        )
    roots = [
        cert
        for name in spec.get("roots", [])
        for cert in pem_certificates((path / name).read_bytes())
    ]
    return _Material(
        operator=spec.get("operator", ""),
        seal=tuple(seal),
        pdf=tuple(pdf),
        roots=tuple(roots),
    )


def _read_env() -> _Material:
    env = os.environ
    spec = json.loads(env.get("TRUST_KEYS_JSON") or "{}")
    seal_pem = env.get("TRUST_SEAL_KEY_PEM", "")
    pdf_cert_pem = env.get("TRUST_PDF_CERT_PEM", "")
    pdf_key_pem = env.get("TRUST_PDF_KEY_PEM", "")
    roots_pem = env.get("TRUST_ROOT_CERT_PEM", "")
    if not (seal_pem and pdf_cert_pem and pdf_key_pem and roots_pem):
        raise TrustError(
            "No trust keys: set TRUST_DIR, or TRUST_SEAL_KEY_PEM, TRUST_PDF_CERT_PEM, "
            "TRUST_PDF_KEY_PEM and TRUST_ROOT_CERT_PEM (see docs/DEPLOY.md)."
        )
    current_kid = env.get("TRUST_SEAL_KID", "q1")
    entries = {entry["kid"]: entry for entry in spec.get("seal", [])}
    private = pem_private_key(seal_pem.encode())
    seal = [
        SealKey(
            kid=current_kid,
            private=private,
            public=private.public_key(),
            **_dates(entries.pop(current_kid, {})),
        )
    ]
    for kid, entry in entries.items():  # retired keys, public only
        public = serialization.load_pem_public_key(entry["public_pem"].encode())
        seal.append(SealKey(kid=kid, private=None, public=public, **_dates(entry)))
    certificate, *chain = pem_certificates(pdf_cert_pem.encode())
    pdf_entries = {entry["kid"]: entry for entry in spec.get("pdf", [])}
    pdf_kid = env.get("TRUST_PDF_KID", "p1")
    pdf = [
        PdfSigner(
            kid=pdf_kid,
            certificate=certificate,
            private=pem_private_key(pdf_key_pem.encode()),
            chain=tuple(chain),
            **_dates(pdf_entries.pop(pdf_kid, {})),
        )
    ]
    for kid, entry in pdf_entries.items():  # retired certificates
        old, *old_chain = pem_certificates(entry["certificate_pem"].encode())
        pdf.append(
            PdfSigner(
                kid=kid,
                certificate=old,
                private=None,
                chain=tuple(old_chain),
                **_dates(entry),
            )
        )
    return _Material(
        operator=spec.get("operator", settings.TRUST_OPERATOR),
        seal=tuple(seal),
        pdf=tuple(pdf),
        roots=tuple(pem_certificates(roots_pem.encode())),
    )


def _on_setting_changed(*, setting, **kwargs):
    if setting.startswith("TRUST_"):
        trust_reset()


setting_changed.connect(_on_setting_changed)

__all__ = [
    "KEYS_FILE",
    "PdfSigner",
    "SealKey",
    "TrustError",
    "jwks",
    "operator_name",
    "pdf_signer",
    "pdf_signers",
    "seal_key",
    "seal_key_current",
    "seal_keys",
    "trust_create",
    "trust_reset",
    "trust_revoke",
    "trust_roots",
    "trust_rotate",
]
