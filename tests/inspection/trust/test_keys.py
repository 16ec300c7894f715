"""The operator's keys: created, read, rotated, revoked, published."""

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from inspection.trust import keys as k


def test_demo_keys_sign_and_chain_to_the_root(trust_dir):
    """trust_init's keys: a seal key q1 that signs, a signer p1 issued by root-1."""
    current = k.seal_key_current()
    assert current.kid == "q1" and current.private is not None
    signer = k.pdf_signer()
    assert signer.kid == "p1" and signer.name == "QC Warehouse (test)"
    (root,) = k.trust_roots()
    assert signer.certificate.issuer == root.subject
    assert signer.chain == (root,)
    signer.certificate.verify_directly_issued_by(root)
    assert k.seal_key("q1") == current and k.seal_key("nope") is None


def test_jwks_publishes_public_keys_with_dates(trust_dir):
    """The JWKS carries kid, x, nbf, exp and revoked_from, and no private part."""
    (jwk,) = k.jwks()["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
    assert jwk["kid"] == "q1" and jwk["use"] == "sig"
    assert jwk["exp"] is None and jwk["revoked_from"] is None
    assert isinstance(jwk["nbf"], int) and "d" not in jwk
    assert len(jwk["x"]) == 43  # 32 bytes, base64url without padding


def test_rotation_keeps_old_keys_published(trust_dir):
    """A rotation adds q2 and p2, which sign now; q1 and p1 stay published."""
    assert k.trust_rotate(trust_dir) == ["q2", "p2"]
    assert k.seal_key_current().kid == "q2"
    assert k.pdf_signer().kid == "p2"
    assert [key.kid for key in k.seal_keys()] == ["q2", "q1"]
    assert [s.kid for s in k.pdf_signers()] == ["p2", "p1"]
    assert [jwk["kid"] for jwk in k.jwks()["keys"]] == ["q2", "q1"]


def test_revocation_from_a_date(trust_dir):
    """A key revoked from a moment: genuine before it, not at or after it."""
    k.trust_rotate(trust_dir)
    since = timezone.now() - dt.timedelta(days=1)
    k.trust_revoke(trust_dir, kid="q1", since=since)
    q1 = k.seal_key("q1")
    assert q1.revoked_from == since.replace(microsecond=since.microsecond)
    assert q1.private is None  # a revoked key never signs again
    assert q1.valid_at(since - dt.timedelta(seconds=1))
    assert not q1.valid_at(since)
    assert k.jwks()["keys"][1]["revoked_from"] == int(since.timestamp())
    with pytest.raises(k.TrustError, match="No key 'q9'"):
        k.trust_revoke(trust_dir, kid="q9", since=since)


def test_the_command_creates_rotates_and_revokes(tmp_path, settings):
    """trust_init refuses to overwrite without --force; --rotate; --revoke --from."""
    path = tmp_path / "keys"
    call_command("trust_init", "--dir", str(path), "--operator", "ACME")
    spec = json.loads((path / "keys.json").read_text())
    assert spec["operator"] == "ACME"
    assert [e["kid"] for e in spec["seal"]] == ["q1"]
    with pytest.raises(CommandError, match="--force"):
        call_command("trust_init", "--dir", str(path))
    call_command("trust_init", "--dir", str(path), "--rotate", "--only", "seal")
    call_command(
        "trust_init", "--dir", str(path), "--revoke", "q1", "--from", "2026-01-01"
    )
    spec = json.loads((path / "keys.json").read_text())
    assert [e["kid"] for e in spec["seal"]] == ["q2", "q1"]
    assert [e["kid"] for e in spec["pdf"]] == ["p1"]
    assert spec["seal"][1]["revoked_from"] == "2026-01-01T00:00:00+00:00"
    assert not (path / "seal-q1.key.pem").exists()
    with pytest.raises(CommandError, match="--from"):
        call_command("trust_init", "--dir", str(path), "--revoke", "q2")
    call_command("trust_init", "--dir", str(path), "--force")
    assert json.loads((path / "keys.json").read_text())["seal"][0]["kid"] == "q1"


def test_embedded_default_creates_its_directory(tmp_path, settings):
    """With TRUST_DIR_CREATE (debugging), a missing directory gets demo keys."""
    settings.TRUST_DIR = str(tmp_path / "var" / "trust")
    settings.TRUST_DIR_CREATE = True
    assert k.seal_key_current().kid == "q1"
    assert (tmp_path / "var" / "trust" / "keys.json").exists()
    settings.TRUST_DIR = str(tmp_path / "elsewhere")
    settings.TRUST_DIR_CREATE = False
    with pytest.raises(k.TrustError, match="trust_init"):
        k.seal_keys()


def test_keys_from_the_environment(trust_dir, settings, monkeypatch):
    """With TRUST_DIR empty, the PEM contents come from TRUST_*_PEM variables."""
    seal = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    pem = seal.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    monkeypatch.setenv("TRUST_SEAL_KEY_PEM", pem)
    monkeypatch.setenv("TRUST_SEAL_KID", "e1")
    monkeypatch.setenv("TRUST_PDF_CERT_PEM", (trust_dir / "pdf-p1.pem").read_text())
    monkeypatch.setenv("TRUST_PDF_KEY_PEM", (trust_dir / "pdf-p1.key.pem").read_text())
    monkeypatch.setenv("TRUST_ROOT_CERT_PEM", (trust_dir / "root-1.pem").read_text())
    settings.TRUST_DIR = ""
    assert k.seal_key_current().kid == "e1"
    assert k.pdf_signer().kid == "p1"
    assert len(k.trust_roots()) == 1
    monkeypatch.delenv("TRUST_SEAL_KEY_PEM")
    k.trust_reset()
    with pytest.raises(k.TrustError, match="TRUST_SEAL_KEY_PEM"):
        k.seal_keys()
