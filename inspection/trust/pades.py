"""PAdES signatures of certificate PDFs (pyHanko), and their check.

:func:`pdf_sign` signs a rendered PDF with the operator's current signing
certificate (:func:`inspection.trust.keys.pdf_signer`): an incremental update
adding an invisible certification signature (PAdES B-B, ``ETSI.CAdES.detached``,
DocMDP "no changes"), so a PDF reader shows "certified by <operator>" and that
the document is unchanged, given the operator's root as a trusted anchor.
:func:`pdf_signature_check` validates such a signature against
:func:`~inspection.trust.keys.trust_roots` and the keys' revocation dates; it is
what the public verify page's upload check reports.

The cheap path (issuing runs at 100+ certificates per second per core): pyHanko
lays out the PDF update, computes the byte range and its digest, and embeds the
signature; the CMS container around the signature is assembled from parts
pyHanko built once per signing certificate (the certificates, the signed
attributes with the digest left open, the algorithms), so each PDF costs one
ECDSA signature and a few concatenations instead of building and encoding the
ASN.1 structures again. No revocation data is fetched or embedded, the space
reserved for the container is known, so pyHanko's size-estimating dry run is
skipped. The time a signature states is Django's clock (``timezone.now``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import keys
from .keys import PdfSigner

logger = logging.getLogger(__name__)

FIELD_NAME = "QCW-Certificate"
_PLACEHOLDER = bytes(range(0xA0, 0xC0))  # 32 bytes standing for the digest


def _der(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


class _TemplateSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, whose PAdES CMS is assembled from kept parts.

    The first signature is made by pyHanko itself over a placeholder digest;
    its encoded parts are kept (everything but the digest and the signature
    value is the same for every PDF this certificate signs). Anything else
    (a dry run, a timestamp, another digest) goes to pyHanko unchanged.
    """

    def __init__(self, signer: PdfSigner):
        key = signer.private
        super().__init__(
            signing_cert=_der(signer.certificate),
            signing_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            cert_registry=SimpleCertificateStore.from_certs(
                [_der(cert) for cert in signer.chain]
            ),
        )
        self._key = key
        self._parts = None
        self.container_size = 0

    async def _parts_make(self, signed_attr_settings):
        reference = await super().async_sign(
            _PLACEHOLDER,
            "sha256",
            use_pades=True,
            signed_attr_settings=signed_attr_settings,
        )
        signed_data = reference["content"]
        (info,) = signed_data["signer_infos"]
        attributes = info["signed_attrs"]
        kinds = {attribute["type"].native for attribute in attributes}
        attrs = attributes.dump()
        if (
            "signing_time" in kinds
            or attrs.count(_PLACEHOLDER) != 1
            or info["unsigned_attrs"].native is not None
        ):  # pragma: no cover - a pyHanko that signs otherwise: no template
            return None
        self.container_size = len(reference.dump())
        return {
            "content_type": reference["content_type"].dump(),
            "data_head": b"".join(
                signed_data[name].dump()
                for name in (
                    "version",
                    "digest_algorithms",
                    "encap_content_info",
                    "certificates",
                )
            ),
            "info_head": b"".join(
                info[name].dump() for name in ("version", "sid", "digest_algorithm")
            ),
            "attrs": attrs,
            "algorithm": info["signature_algorithm"].dump(),
        }

    async def async_sign(
        self,
        data_digest,
        digest_algorithm,
        dry_run=False,
        use_pades=False,
        timestamper=None,
        signed_attr_settings=None,
        is_pdf_sig=True,
        encap_content_info=None,
    ) -> cms.ContentInfo:
        plain = (
            not dry_run
            and use_pades
            and timestamper is None
            and is_pdf_sig
            and encap_content_info is None
            and digest_algorithm == "sha256"
        )
        if plain and self._parts is None:
            self._parts = await self._parts_make(signed_attr_settings)
        if not plain or not self._parts:
            return await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
        parts = self._parts
        attrs = parts["attrs"].replace(_PLACEHOLDER, data_digest)
        # What is signed is the attributes as a SET (tag 0x31), not as [0].
        signature = self._key.sign(b"\x31" + attrs[1:], ec.ECDSA(hashes.SHA256()))
        info = _tlv(
            0x30,
            parts["info_head"] + attrs + parts["algorithm"] + _tlv(0x04, signature),
        )
        data = _tlv(0x30, parts["data_head"] + _tlv(0x31, info))
        return cms.ContentInfo.load(
            _tlv(0x30, parts["content_type"] + _tlv(0xA0, data))
        )


class _ClockedPdfSigner(signers.PdfSigner):
    """pyHanko's PdfSigner stating Django's time (``timezone.now``) as signing time."""

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(
            pdf_out, existing_fields_only=existing_fields_only
        )
        session.system_time = timezone.now()
        return session


_lock = threading.Lock()
_signers: dict[str, tuple[PdfSigner, _ClockedPdfSigner, _TemplateSigner]] = {}


def _pdf_signer_for(signer: PdfSigner) -> tuple[_ClockedPdfSigner, _TemplateSigner]:
    kept = _signers.get(signer.kid)
    if kept is None or kept[0] is not signer:  # keys read again: build anew
        cms_signer = _TemplateSigner(signer)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=signer.name,
            reason="Certificate of inspection",
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        )
        kept = (signer, _ClockedPdfSigner(meta, signer=cms_signer), cms_signer)
        with _lock:
            _signers[signer.kid] = kept
    return kept[1], kept[2]


def pdf_sign(pdf_bytes: bytes) -> bytes:
    """The PDF with the operator's PAdES signature added (an incremental update).

    Signed by the current signing certificate; the bytes before the update are
    the rendered PDF's, unchanged.
    """
    pdf_signer, cms_signer = _pdf_signer_for(keys.pdf_signer())
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    # pyHanko counts the reserved space in hex digits: two per byte.
    size = cms_signer.container_size
    reserved = 2 * (size + 64) if size else None
    # pyHanko's sign_pdf starts and closes an event loop per call; nothing here
    # waits on the network (no timestamp, no revocation fetching), so one loop
    # per thread is kept and reused.
    out = _run(pdf_signer.async_sign_pdf(writer, bytes_reserved=reserved))
    return out.getvalue()


_local = threading.local()


def _loop() -> asyncio.AbstractEventLoop:
    loop = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop


def _run(coroutine):
    """Run ``coroutine`` to its end from synchronous code.

    On this thread's kept loop; but a thread whose own loop is running (an
    async caller, or a browser driver that runs one) may not start a second,
    so there the coroutine gets a thread and a loop of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _loop().run_until_complete(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- the check -----------------------------------------------------------------------


def _validation_context() -> ValidationContext:
    return ValidationContext(
        trust_roots=[_der(root) for root in keys.trust_roots()],
        # Every signing certificate the operator issued, retired ones too.
        other_certs=[
            _der(cert)
            for signer in keys.pdf_signers()
            for cert in (signer.certificate, *signer.chain)
        ],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def pdf_signature_check(pdf_bytes: bytes) -> dict:
    """What the PDF's PAdES signature says, checked against the operator's roots.

    A dict of facts:

    - ``signed``: the PDF carries a signature at all;
    - ``intact``: the signed bytes are unchanged (the digest matches);
    - ``unchanged``: ``intact`` and the signature covers the whole file
      (nothing was added after signing);
    - ``trusted``: the signing certificate chains to one of the operator's roots;
    - ``signer`` (the signing certificate's common name), ``kid`` (the
      operator's id for it, None for a certificate the keys don't list),
      ``signed_at`` (the signing time it states, aware);
    - ``revoked``: the certificate was declared compromised at or before
      ``signed_at``;
    - ``valid``: all of it holds: signed, unchanged, trusted, not revoked;
    - ``code``: why not, when not valid (``unsigned``, ``altered``,
      ``untrusted``, ``revoked``, ``unreadable``), else ``"valid"``.
    """
    answer = {
        "signed": False,
        "intact": False,
        "unchanged": False,
        "trusted": False,
        "signer": None,
        "kid": None,
        "signed_at": None,
        "revoked": False,
        "valid": False,
        "code": "unsigned",
    }
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # a hostile or broken upload: not a PDF of ours
        logger.info("uploaded PDF unreadable", exc_info=True)
        answer["code"] = "unreadable"
        return answer
    if not signatures:
        return answer
    answer["signed"] = True
    signature = signatures[-1]
    try:
        status = validate_pdf_signature(signature, _validation_context())
    except Exception:  # a malformed signature is not a valid one
        logger.info("uploaded PDF's signature unreadable", exc_info=True)
        answer["code"] = "altered"
        return answer
    signed_at = status.signer_reported_dt
    if signed_at is not None and timezone.is_naive(signed_at):
        signed_at = signed_at.replace(tzinfo=dt.UTC)
    answer["signed_at"] = signed_at
    answer["intact"] = bool(status.intact and status.valid)
    answer["unchanged"] = answer["intact"] and (
        status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    )
    answer["trusted"] = bool(status.trusted)
    cert = status.signing_cert
    if cert is not None:
        answer["signer"] = cert.subject.native.get("common_name")
        fingerprint = hashlib.sha256(cert.dump()).hexdigest()
        known = next(
            (s for s in keys.pdf_signers() if s.fingerprint == fingerprint), None
        )
        if known is not None:
            answer["kid"] = known.kid
            answer["revoked"] = known.revoked_from is not None and (
                signed_at is None or signed_at >= known.revoked_from
            )
    if not answer["unchanged"]:
        answer["code"] = "altered"
    elif not answer["trusted"]:
        answer["code"] = "untrusted"
    elif answer["revoked"]:
        answer["code"] = "revoked"
    else:
        answer["valid"] = True
        answer["code"] = "valid"
    return answer


def pdf_signer_reset() -> None:
    """Forget the signer objects kept per signing certificate (tests)."""
    with _lock:
        _signers.clear()
