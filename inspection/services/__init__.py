"""Every write in the inspection app: templates, inspections, photos, holds, appeals.

Services are keyword-only, own their transaction and raise domain errors
(:mod:`warehouse.common.exceptions`). Item states change only through
:mod:`warehouse.lifecycle`.
"""

from .certificates import (
    CERTIFICATE_JOB,
    certificate_by_token,
    certificate_enqueue,
    certificate_issue,
    certificate_lookup,
    certificate_rerender,
    certificate_revoke,
    certificate_summary,
    certificate_verify_pdf,
    public_photos,
    revoked_only,
    signature_valid,
    valid_certificate_required,
)
from .inspections import (
    appeal_create,
    hold_decide,
    inspection_complete,
    inspection_observe,
    inspection_open,
    inspection_rules,
    inspection_scale_reading,
    inspection_sign_off,
    inspection_submit,
    inspection_units_record,
    inspection_verdict,
    rule_context,
    signoff_needed,
)
from .photos import image_validate, inspection_photo_add
from .templates import (
    claim_checkers,
    template_in_force,
    template_in_use,
    template_publish,
    template_rules,
    templates_in_force,
)

__all__ = [
    "CERTIFICATE_JOB",
    "appeal_create",
    "certificate_by_token",
    "certificate_enqueue",
    "certificate_issue",
    "certificate_lookup",
    "certificate_rerender",
    "certificate_revoke",
    "certificate_summary",
    "certificate_verify_pdf",
    "claim_checkers",
    "hold_decide",
    "image_validate",
    "inspection_complete",
    "inspection_observe",
    "inspection_open",
    "inspection_photo_add",
    "inspection_rules",
    "inspection_scale_reading",
    "inspection_sign_off",
    "inspection_submit",
    "inspection_units_record",
    "inspection_verdict",
    "public_photos",
    "revoked_only",
    "rule_context",
    "signature_valid",
    "signoff_needed",
    "template_in_force",
    "template_in_use",
    "template_publish",
    "template_rules",
    "templates_in_force",
    "valid_certificate_required",
]
