"""Signing: the keys, the canonical bytes of a certificate's content, its HMAC."""

import hashlib
import hmac
import json

from django.conf import settings

from ...models import Certificate


def signing_keys() -> dict[str, bytes]:
    """``{key id: secret}`` from ``CERTIFICATE_SIGNING_KEYS``.

    Without configured keys a key derived from ``SECRET_KEY`` is used (id
    ``k0``), so the embedded default works; a deployment sets its own keys and
    keeps retired ones listed so old certificates still verify.
    """
    keys = {
        key_id: secret.encode()
        for key_id, secret in settings.CERTIFICATE_SIGNING_KEYS.items()
    }
    if not keys:
        derived = hashlib.sha256(
            b"qcw-certificates:" + settings.SECRET_KEY.encode()
        ).hexdigest()
        keys = {"k0": derived.encode()}
    return keys


def _current_key() -> tuple[str, bytes]:
    keys = signing_keys()
    key_id = settings.CERTIFICATE_SIGNING_KEY_ID or next(iter(keys))
    return key_id, keys[key_id]


def canonical(content: dict) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def content_sign(content: dict, *, key_id: str | None = None) -> tuple[str, str]:
    """``(key id, hex HMAC-SHA256)`` of the content, with the current key."""
    if key_id is None:
        key_id, secret = _current_key()
    else:
        secret = signing_keys()[key_id]
    return key_id, hmac.new(secret, canonical(content), hashlib.sha256).hexdigest()


def signature_valid(certificate: Certificate) -> bool:
    """Whether the stored signature matches the stored content and its key."""
    if certificate.key_id not in signing_keys():
        return False
    _key, expected = content_sign(certificate.content, key_id=certificate.key_id)
    return hmac.compare_digest(expected, certificate.signature)
