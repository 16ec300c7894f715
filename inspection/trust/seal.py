"""The QR seal: a certificate's essentials, signed, verifiable with no server.

As the EU digital COVID certificate does: the claims are a CBOR Web Token
(RFC 8392) signed as a ``COSE_Sign1`` (RFC 9052, Ed25519: protected header
``{1: -8, 4: kid}``), compressed with zlib and written in Base45 (RFC 9285,
the QR code's alphanumeric characters) after the prefix ``QC1:``. The QR code
carries it after the verify URL's ``#`` (:func:`seal_url`): a fragment is
never sent to a server, so the page checks it in the browser, and anyone
holding the published keys (``/.well-known/qcw-keys.json``) can check it
offline (``manage.py seal_verify``, the standalone verifier).

The claims map holds ``iat`` (6: when the seal was signed, Unix seconds) and
one private-use claim (:data:`CLAIM_CERTIFICATE`, as the EU's ``hcert`` holds
its certificate) whose map has one small integer key per essential
(:data:`FIELDS`): one byte a key instead of five for a private claim each.
A seal is genuine when its signature verifies with the published key its
``kid`` names and that key was valid when the seal was signed (``iat``: not
before the key's ``not_before``, not at or after its ``exp`` or
``revoked_from``): a key revoked before the seal was made makes it a forgery.
"""

from __future__ import annotations

import base64
import datetime as dt
import zlib
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import keys as trust_keys
from .keys import SealKey

PREFIX = "QC1:"
"""Version 1 of the seal; a reader refuses any other prefix."""
COSE_SIGN1_TAG = 18
ALG = 1  # COSE header label: algorithm
KID = 4  # COSE header label: key id
EDDSA = -8  # COSE algorithm: EdDSA (Ed25519 here)
CLAIM_IAT = 6  # CWT: issued at (the seal's signing time)
CLAIM_CERTIFICATE = -65537
"""The private-use CWT claim (RFC 8392 §9.1: below -65536) holding the
certificate's essentials."""
FIELDS = {
    1: "number",
    2: "item",
    3: "category",
    4: "material",  # a vocabulary code, or the text found; absent if unchecked
    5: "weight_mg",  # the certified (observed) weight; absent if not weighed
    6: "verdict",
    7: "warehouse",
    8: "issued_on",  # the issue date in the warehouse's time zone, YYYYMMDD
}
KEYS = {name: number for number, name in FIELDS.items()}

REASONS = {
    "format": _("This is not a QC seal, or it is damaged."),
    "algorithm": _("The seal is signed with an algorithm we do not use."),
    "unknown_key": _("The seal names a key we never published."),
    "key_not_valid": _("The key was not valid when the seal was signed."),
    "key_revoked": _("The key was revoked before the seal was signed."),
    "signature": _("The signature does not match the seal's content."),
}
"""Why a seal is not genuine: each code's sentence (the reader's language)."""


@dataclass(frozen=True)
class SealResult:
    """What a seal says and whether it is genuine.

    ``reason`` is a code of :data:`REASONS` when not genuine ("" when it is);
    ``claims`` the essentials as read (empty when unreadable), ``signed_at``
    the seal's ``iat``, ``kid`` the key it names.
    """

    genuine: bool
    reason: str = ""
    kid: str = ""
    signed_at: dt.datetime | None = None
    claims: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(REASONS.get(self.reason, ""))


# --- the certificate's essentials ---------------------------------------------------


def seal_claims(certificate) -> dict:
    """The essentials a seal states, from the certificate's signed content
    (and its warehouse's time zone, for the issue date)."""
    content = certificate.content
    weight_mg = material = None
    for check in content.get("checks", []) if content.get("format") else []:
        kind, observed = check.get("kind"), check.get("observed")
        if not isinstance(observed, dict):
            continue
        if kind == "weight" and weight_mg is None:
            if isinstance(observed.get("weight_mg"), int):
                weight_mg = observed["weight_mg"]
        elif kind == "material" and material is None and observed.get("material"):
            material = str(observed["material"])
    warehouse = certificate.item.warehouse
    issued = timezone.localtime(certificate.issued_at, warehouse.tzinfo)
    claims = {
        "number": certificate.number,
        "item": content.get("item") or certificate.item.code,
        "category": content.get("category") or "",
        "material": material,
        "weight_mg": weight_mg,
        "verdict": content.get("verdict") or "",
        "warehouse": content.get("warehouse") or warehouse.code,
        "issued_on": int(issued.strftime("%Y%m%d")),
    }
    return {name: value for name, value in claims.items() if value is not None}


# --- encoding -----------------------------------------------------------------------


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    """What COSE_Sign1 signs (RFC 9052 §4.4), with no external data."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def seal_encode_claims(
    claims: dict, *, key: SealKey | None = None, at: dt.datetime | None = None
) -> str:
    """``claims`` (names of :data:`FIELDS`) sealed with ``key`` (the current
    seal key) as signed at ``at`` (now): ``QC1:`` and Base45."""
    key = key or trust_keys.seal_key_current()
    if key.private is None:
        raise trust_keys.TrustError(f"Seal key {key.kid} has no private key.")
    moment = at or timezone.now()
    essentials = {KEYS[name]: value for name, value in claims.items()}
    payload = cbor2.dumps(
        {CLAIM_IAT: int(moment.timestamp()), CLAIM_CERTIFICATE: essentials}
    )
    protected = cbor2.dumps({ALG: EDDSA, KID: key.kid.encode()})
    signature = key.private.sign(_sig_structure(protected, payload))
    sign1 = cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature])
    packed = zlib.compress(cbor2.dumps(sign1), 9)
    return PREFIX + base45.b45encode(packed).decode("ascii")


def seal_encode(
    certificate, *, key: SealKey | None = None, at: dt.datetime | None = None
) -> str:
    """The certificate's seal (:func:`seal_claims`), signed now by the
    current seal key."""
    return seal_encode_claims(seal_claims(certificate), key=key, at=at)


def seal_url(url: str, seal: str) -> str:
    """The QR code's text: the verify ``url``, ``#`` and the seal, its
    Base45 ``%`` written ``%25`` and space ``%20`` (QR alphanumeric
    characters still), so a browser's ``decodeURIComponent`` gives it back."""
    return f"{url}#{seal.replace('%', '%25').replace(' ', '%20')}"


# --- decoding and verifying ---------------------------------------------------------


def seal_text(text: str) -> str:
    """The seal in ``text``: a seal itself, or a URL carrying it after ``#``
    (percent-encoded, :func:`seal_url`), surrounding blanks ignored."""
    text = (text or "").strip()
    if "#" in text and not text.upper().startswith(PREFIX):
        return unquote(urlsplit(text).fragment)
    return text


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _moment(seconds) -> dt.datetime | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)


def seal_keys_from_jwks(document: dict) -> list[SealKey]:
    """The seal keys a JWKS publishes (:func:`inspection.trust.keys.jwks`):
    public halves with their dates and revocations."""
    found = []
    for jwk in document.get("keys", []):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        found.append(
            SealKey(
                kid=str(jwk["kid"]),
                private=None,
                public=Ed25519PublicKey.from_public_bytes(_b64url(jwk["x"])),
                not_before=_moment(jwk.get("nbf"))
                or dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                not_after=_moment(jwk.get("exp")),
                revoked_from=_moment(jwk.get("revoked_from")),
            )
        )
    return found


class _Unreadable(Exception):
    pass


def _read(text: str) -> tuple[bytes, dict, bytes, bytes]:
    """The protected header (bytes and map), payload and signature of a seal."""
    seal = text
    if not seal.upper().startswith(PREFIX):
        raise _Unreadable
    try:
        packed = base45.b45decode(seal[len(PREFIX) :])
        raw = zlib.decompress(packed) if packed[:1] == b"\x78" else packed
        sign1 = cbor2.loads(raw)
        if isinstance(sign1, cbor2.CBORTag):
            if sign1.tag != COSE_SIGN1_TAG:
                raise _Unreadable
            sign1 = sign1.value
        protected, _unprotected, payload, signature = sign1
        header = cbor2.loads(protected) if protected else {}
    except (ValueError, TypeError, zlib.error, cbor2.CBORDecodeError) as exc:
        raise _Unreadable from exc
    if not all(isinstance(v, bytes) for v in (protected, payload, signature)):
        raise _Unreadable
    if not isinstance(header, dict):
        raise _Unreadable
    return protected, header, payload, signature


def _claims(payload: bytes) -> tuple[dict, dt.datetime | None]:
    try:
        cwt = cbor2.loads(payload)
        essentials = cwt.get(CLAIM_CERTIFICATE) or {}
        claims = {FIELDS[k]: v for k, v in essentials.items() if k in FIELDS}
        return claims, _moment(cwt.get(CLAIM_IAT))
    except (ValueError, TypeError, AttributeError, cbor2.CBORDecodeError):
        return {}, None


def seal_decode_verify(
    text: str, keys: list[SealKey] | dict | None = None
) -> SealResult:
    """Read a seal (or a URL carrying one) and check it against ``keys``: the
    published seal keys (default), a list of :class:`SealKey` or a JWKS."""
    if keys is None:
        keys = trust_keys.seal_keys()
    elif isinstance(keys, dict):
        keys = seal_keys_from_jwks(keys)
    text = seal_text(text)
    first = _verify(text, keys)
    if not first.genuine and "%" in text and " " not in text:
        # A seal copied out of a URL with its percent-encoding kept.
        second = _verify(unquote(text), keys)
        if second.genuine or first.reason == "format":
            return second
    return first


def _verify(text: str, keys: list[SealKey]) -> SealResult:
    try:
        protected, header, payload, signature = _read(text)
    except _Unreadable:
        return SealResult(genuine=False, reason="format")
    kid_raw = header.get(KID, b"")
    kid = (
        kid_raw.decode("utf-8", "replace")
        if isinstance(kid_raw, bytes)
        else str(kid_raw)
    )
    claims, signed_at = _claims(payload)
    result = {"kid": kid, "claims": claims, "signed_at": signed_at}
    if header.get(ALG) != EDDSA:
        return SealResult(genuine=False, reason="algorithm", **result)
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        return SealResult(genuine=False, reason="unknown_key", **result)
    try:
        key.public.verify(signature, _sig_structure(protected, payload))
    except InvalidSignature:
        return SealResult(genuine=False, reason="signature", **result)
    if signed_at is None or not claims:
        return SealResult(genuine=False, reason="format", **result)
    if key.revoked_from is not None and signed_at >= key.revoked_from:
        return SealResult(genuine=False, reason="key_revoked", **result)
    if not key.valid_at(signed_at):
        return SealResult(genuine=False, reason="key_not_valid", **result)
    return SealResult(genuine=True, **result)
