"""Trust that needs no server (issue 22): one module per concern.

``keys`` (the operator's keys: seal keys, PDF signers, roots), ``pades`` (signed
certificate PDFs), ``seal`` (the QR code's offline-verifiable seal) and the
transparency log. Import from the modules themselves; this package re-exports
only the keys' interface, which the others build on.
"""

from .keys import (
    PdfSigner,
    SealKey,
    TrustError,
    jwks,
    operator_name,
    pdf_signer,
    pdf_signers,
    seal_key,
    seal_key_current,
    seal_keys,
    trust_reset,
    trust_roots,
)

__all__ = [
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
    "trust_reset",
    "trust_roots",
]
