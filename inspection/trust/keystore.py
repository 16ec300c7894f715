"""Writing the operator's keys: ``trust_init``'s new keys, rotation, revocation.

Also the embedded default's demo keys, made on first use by
:mod:`inspection.trust.keys`. The layout written is the one
:mod:`inspection.trust.keys` reads (its docstring).
"""

import datetime as dt
import fcntl
import json
import shutil
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils import timezone

from .keyfiles import (
    KEYS_FILE,
    TrustError,
    pem_certificates,
    pem_private_key,
    trust_reset,
)

# --- writing (trust_init and the embedded default) ----------------------------------


def _pem_private(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        path.chmod(0o600)


def _root_new(operator: str, now: dt.datetime, serial_hint: int):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"{operator} Root CA {serial_hint}"
            ),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, operator),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _signing_cert_new(
    operator: str, root_key, root: x509.Certificate, now: dt.datetime
):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, operator),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, operator),
                ]
            )
        )
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def _next_kid(prefix: str, entries: list[dict]) -> str:
    numbers = [
        int(e["kid"][len(prefix) :])
        for e in entries
        if e["kid"][len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def trust_create(
    path: Path, *, operator: str, force: bool = False, exist_ok: bool = False
) -> bool:
    """Create a demo root CA, a PDF signing certificate it issues and a seal key.

    Written to a temporary directory beside ``path`` and moved into place, under
    a lock, so two processes starting at once create one set. Refuses an
    existing ``keys.json`` unless ``force`` (``exist_ok``: return False instead).
    Returns whether keys were created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (path / KEYS_FILE).exists() and not force:
            if exist_ok:
                return False
            raise TrustError(f"{path / KEYS_FILE} exists: use --force to replace it.")
        now = timezone.now().replace(microsecond=0)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
        try:
            root_key, root = _root_new(operator, now, 1)
            _write(staging / "root-1.pem", _pem_cert(root))
            _write(staging / "root-1.key.pem", _pem_private(root_key), private=True)
            pdf_key, pdf_cert = _signing_cert_new(operator, root_key, root, now)
            _write(staging / "pdf-p1.pem", _pem_cert(pdf_cert) + _pem_cert(root))
            _write(staging / "pdf-p1.key.pem", _pem_private(pdf_key), private=True)
            seal = Ed25519PrivateKey.generate()
            _write(staging / "seal-q1.key.pem", _pem_private(seal), private=True)
            _write(
                staging / "seal-q1.pub.pem",
                seal.public_key().public_bytes(
                    serialization.Encoding.PEM,
                    serialization.PublicFormat.SubjectPublicKeyInfo,
                ),
            )
            # Valid from a while back: demo data is stamped over the past days.
            since = _iso(now - dt.timedelta(days=30))
            spec = {
                "operator": operator,
                "roots": ["root-1.pem"],
                "seal": [
                    {
                        "kid": "q1",
                        "not_before": since,
                        "not_after": None,
                        "revoked_from": None,
                    }
                ],
                "pdf": [
                    {
                        "kid": "p1",
                        "not_before": since,
                        "not_after": None,
                        "revoked_from": None,
                    }
                ],
            }
            _write(staging / KEYS_FILE, json.dumps(spec, indent=2).encode())
            if path.exists():
                shutil.rmtree(path)
            staging.rename(path)
            path.chmod(0o700)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    trust_reset()
    return True


def _spec_write(path: Path, spec: dict) -> None:
    staging = path / f".{KEYS_FILE}.new"
    staging.write_text(json.dumps(spec, indent=2))
    staging.replace(path / KEYS_FILE)  # atomic: readers see the old or the new
    trust_reset()


def trust_rotate(path: Path, *, seal: bool = True, pdf: bool = True) -> list[str]:
    """Add a new seal key and/or signing certificate that sign from now on.

    The old ones stay published (public halves, certificates) so what they
    signed still verifies; their private keys are kept until removed by hand
    (delete ``seal-<kid>.key.pem`` / ``pdf-<kid>.key.pem`` to retire them). A new
    signing certificate is issued by the newest root, whose key must be in the
    directory. Returns the new kids.
    """
    path = Path(path)
    spec = json.loads((path / KEYS_FILE).read_text())
    now = timezone.now().replace(microsecond=0)
    created = []
    if seal:
        kid = _next_kid("q", spec["seal"])
        key = Ed25519PrivateKey.generate()
        _write(path / f"seal-{kid}.key.pem", _pem_private(key), private=True)
        _write(
            path / f"seal-{kid}.pub.pem",
            key.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            ),
        )
        spec["seal"].insert(
            0,
            {
                "kid": kid,
                "not_before": _iso(now),
                "not_after": None,
                "revoked_from": None,
            },
        )
        created.append(kid)
    if pdf:
        root_name = spec["roots"][-1]
        root_key_file = path / root_name.replace(".pem", ".key.pem")
        if not root_key_file.exists():
            raise TrustError(
                f"No root key {root_key_file}: needed to issue a certificate."
            )
        root = pem_certificates((path / root_name).read_bytes())[0]
        key, cert = _signing_cert_new(
            spec.get("operator", ""),
            pem_private_key(root_key_file.read_bytes()),
            root,
            now,
        )
        kid = _next_kid("p", spec["pdf"])
        _write(path / f"pdf-{kid}.pem", _pem_cert(cert) + _pem_cert(root))
        _write(path / f"pdf-{kid}.key.pem", _pem_private(key), private=True)
        spec["pdf"].insert(
            0,
            {
                "kid": kid,
                "not_before": _iso(now),
                "not_after": None,
                "revoked_from": None,
            },
        )
        created.append(kid)
    _spec_write(path, spec)
    return created


def trust_revoke(path: Path, *, kid: str, since: dt.datetime) -> None:
    """Declare the key ``kid`` (seal or PDF) compromised from ``since`` on.

    What it signed at or after ``since`` is not genuine; before stays valid.
    Its private key is deleted once ``since`` has come: a revoked key never
    signs again (rotate first when it is the one that signs now).
    """
    path = Path(path)
    spec = json.loads((path / KEYS_FILE).read_text())
    for kind in ("seal", "pdf"):
        for entry in spec.get(kind, []):
            if entry["kid"] == kid:
                entry["revoked_from"] = _iso(since)
                private = path / f"{kind}-{kid}.key.pem"
                if since <= timezone.now() and private.exists():
                    private.unlink()
                _spec_write(path, spec)
                return
    raise TrustError(f"No key {kid!r} in {path / KEYS_FILE}.")
