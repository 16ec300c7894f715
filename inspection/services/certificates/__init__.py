"""Certificates: sign, say, issue (idempotent), revoke, verify.

:mod:`.signing` holds the keys and the HMAC over a certificate's content,
:mod:`.content` what a certificate says and the PDF made from it,
:mod:`.issue` the job a passing verdict records and the certificate it issues,
:mod:`.revoke` a supervisor's revocation and the guards that enforce it,
:mod:`.verify` what a buyer checks: the link, a typed number and code, a PDF.
"""

# Reads, in inspection.selectors; the verify pages find them here too.
from ...selectors import certificate_by_token, public_photos
from .content import (
    certificate_checks,
    certificate_content,
    certificate_document,
    claimed_text,
    value_text,
    verify_url,
)
from .issue import (
    CERTIFICATE_JOB,
    ISSUE_BATCH,
    certificate_enqueue,
    certificate_issue,
    certificate_rerender,
    certificates_issue,
    certificates_issue_batch,
)
from .revoke import certificate_revoke, revoked_only, valid_certificate_required
from .signing import canonical, content_sign, signature_valid, signing_keys
from .verify import (
    certificate_label_link,
    certificate_lookup,
    certificate_summary,
    certificate_valid_link,
    certificate_verify_pdf,
    number_is_valid,
)

__all__ = [
    "CERTIFICATE_JOB",
    "ISSUE_BATCH",
    "canonical",
    "certificate_by_token",
    "certificate_checks",
    "certificate_content",
    "certificate_document",
    "certificate_enqueue",
    "certificate_issue",
    "certificate_label_link",
    "certificate_lookup",
    "certificate_rerender",
    "certificate_revoke",
    "certificate_summary",
    "certificate_valid_link",
    "certificate_verify_pdf",
    "certificates_issue",
    "certificates_issue_batch",
    "claimed_text",
    "content_sign",
    "number_is_valid",
    "public_photos",
    "revoked_only",
    "signature_valid",
    "signing_keys",
    "valid_certificate_required",
    "value_text",
    "verify_url",
]
