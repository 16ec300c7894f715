"""The QR seal: a certificate's essentials in a COSE_Sign1 CWT, zlib, Base45,
verified offline with the published keys (inspection.trust.seal)."""

import datetime as dt
import json
import zlib

import base45
import cbor2
import pytest
from django.utils import timezone

from inspection.trust import seal
from inspection.trust.keys import jwks, seal_key, trust_revoke, trust_rotate

CLAIMS = {
    "number": "GZ-20261125-000123-K",
    "item": "GZ-2611-000457",
    "category": "jewellery-jade",
    "material": "nephrite_jade",
    "weight_mg": 52350,
    "verdict": "pass",
    "warehouse": "GZ",
    "issued_on": 20261125,
}
URL = "https://qc.example.com/verify/" + "k" * 32
SEAL_BYTES_MAX = 200
"""The typical jewellery seal, signed and compressed (186 bytes measured)."""


def sealed(**kw) -> str:
    return seal.seal_encode_claims(CLAIMS, **kw)


def test_a_seal_verifies_with_the_published_keys():
    text = sealed()
    assert text.startswith("QC1:")
    result = seal.seal_decode_verify(text)
    assert result.genuine, result
    assert result.reason == ""
    assert result.kid == "q1"
    assert result.claims == CLAIMS
    assert abs(result.signed_at - timezone.now()) < dt.timedelta(seconds=5)


def test_the_seal_is_a_cose_sign1_cwt_in_zlib_and_base45():
    """Protected header {1: -8 (EdDSA), 4: kid}; claims iat (6) and the
    private-use claim holding the essentials under small integer keys."""
    raw = zlib.decompress(base45.b45decode(sealed()[4:]))
    sign1 = cbor2.loads(raw)
    assert sign1.tag == 18
    protected, unprotected, payload, signature = sign1.value
    assert cbor2.loads(protected) == {1: -8, 4: b"q1"}
    assert unprotected == {}
    assert len(signature) == 64
    claims = cbor2.loads(payload)
    assert set(claims) == {6, seal.CLAIM_CERTIFICATE}
    assert claims[seal.CLAIM_CERTIFICATE][1] == CLAIMS["number"]
    assert claims[seal.CLAIM_CERTIFICATE][5] == 52350


def test_a_url_carrying_the_seal_verifies_and_spaces_are_percent_encoded():
    text = sealed()
    url = seal.seal_url(URL, text)
    assert " " not in url
    assert url.startswith(URL + "#QC1:")
    assert seal.seal_decode_verify(url).genuine
    assert seal.seal_text(url) == text
    assert "%" not in text or "%25" in url


def test_the_typical_seal_is_small_enough_for_a_label_qr():
    text = sealed()
    size = len(base45.b45decode(text[4:]))
    assert size <= SEAL_BYTES_MAX, size
    assert len(seal.seal_url(URL, text)) <= 380


@pytest.mark.parametrize("where", [10, 40, 80, 120, 160])
def test_a_changed_byte_is_not_genuine(where):
    packed = bytearray(zlib.decompress(base45.b45decode(sealed()[4:])))
    packed[where] ^= 0x01
    forged = "QC1:" + base45.b45encode(zlib.compress(bytes(packed))).decode()
    result = seal.seal_decode_verify(forged)
    assert not result.genuine
    assert result.reason in {"signature", "format", "unknown_key", "algorithm"}


def test_changed_claims_under_the_old_signature_are_not_genuine():
    raw = zlib.decompress(base45.b45decode(sealed()[4:]))
    sign1 = cbor2.loads(raw)
    protected, unprotected, payload, signature = sign1.value
    claims = cbor2.loads(payload)
    claims[seal.CLAIM_CERTIFICATE][5] = 60000  # heavier than certified
    forged_payload = cbor2.dumps(claims)
    forged = cbor2.dumps(
        cbor2.CBORTag(18, [protected, unprotected, forged_payload, signature])
    )
    text = "QC1:" + base45.b45encode(zlib.compress(forged)).decode()
    result = seal.seal_decode_verify(text)
    assert (result.genuine, result.reason) == (False, "signature")
    assert result.claims["weight_mg"] == 60000


def test_a_character_changed_in_the_text_is_not_genuine():
    text = sealed()
    middle = len(text) // 2
    changed = text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1 :]
    assert not seal.seal_decode_verify(changed).genuine


def test_an_unknown_key_is_not_genuine(trust_dir):
    """A key of someone else's under a kid we never published."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from inspection.trust.keys import SealKey

    stranger = Ed25519PrivateKey.generate()
    key = SealKey(
        kid="x9",
        private=stranger,
        public=stranger.public_key(),
        not_before=timezone.now() - dt.timedelta(days=1),
        not_after=None,
        revoked_from=None,
    )
    result = seal.seal_decode_verify(sealed(key=key))
    assert (result.genuine, result.reason) == (False, "unknown_key")
    assert result.message == "The seal names a key we never published."


def test_a_stranger_key_under_our_kid_is_not_genuine():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from inspection.trust.keys import SealKey

    stranger = Ed25519PrivateKey.generate()
    key = SealKey(
        kid="q1",
        private=stranger,
        public=stranger.public_key(),
        not_before=timezone.now() - dt.timedelta(days=1),
        not_after=None,
        revoked_from=None,
    )
    result = seal.seal_decode_verify(sealed(key=key))
    assert (result.genuine, result.reason) == (False, "signature")


def test_a_key_revoked_before_the_seal_was_signed_is_not_genuine(trust_dir):
    text = sealed()
    trust_revoke(trust_dir, kid="q1", since=timezone.now() - dt.timedelta(hours=1))
    result = seal.seal_decode_verify(text)
    assert (result.genuine, result.reason) == (False, "key_revoked")


def test_a_key_revoked_after_the_seal_was_signed_still_verifies(trust_dir):
    text = sealed(at=timezone.now() - dt.timedelta(days=2))
    trust_rotate(trust_dir, pdf=False)
    trust_revoke(trust_dir, kid="q1", since=timezone.now() - dt.timedelta(days=1))
    assert seal.seal_decode_verify(text).genuine


def test_a_seal_dated_before_its_key_is_not_genuine(trust_dir):
    trust_rotate(trust_dir, pdf=False)  # q2 signs from now on
    text = sealed(key=seal_key("q2"), at=timezone.now() - dt.timedelta(days=3))
    result = seal.seal_decode_verify(text)
    assert (result.genuine, result.reason) == (False, "key_not_valid")


def test_after_rotation_old_seals_verify_and_new_ones_use_the_new_key(trust_dir):
    old = sealed()
    trust_rotate(trust_dir, pdf=False)
    new = sealed()
    assert seal.seal_decode_verify(old).genuine
    assert seal.seal_decode_verify(new).kid == "q2"
    assert seal.seal_decode_verify(new).genuine


def test_a_jwks_document_verifies_as_the_keys_do(trust_dir):
    document = json.loads(json.dumps(jwks()))
    text = sealed()
    assert seal.seal_decode_verify(text, keys=document).genuine
    assert not seal.seal_decode_verify(text, keys={"keys": []}).genuine
    trust_revoke(trust_dir, kid="q1", since=timezone.now() - dt.timedelta(hours=1))
    revoked = json.loads(json.dumps(jwks()))
    assert seal.seal_decode_verify(text, keys=revoked).reason == "key_revoked"


@pytest.mark.parametrize(
    "text", ["", "hello", "QC1:", "QC1:!!!", "QC2:" + "A" * 30, URL, URL + "#QC1:00"]
)
def test_what_is_no_seal_is_not_genuine(text):
    result = seal.seal_decode_verify(text)
    assert (result.genuine, result.reason) == (False, "format")
