"""Return inspections: a buyer's returned item compared with its certificate.

:mod:`.compare` is the judge (pure: reads the certificate, the seal and the
template, writes nothing); :mod:`.inspect` the writes (create, sign-off, a
supervisor's decision on a disputed item, photos); :mod:`.queries` the
reads; :mod:`.report` the signed return report's job.
"""

from .compare import (
    POINT_CODES,
    return_certified_values,
    return_compare,
    return_outcome,
    return_verdict,
)
from .inspect import (
    DECISIONS,
    return_dispute_decide,
    return_inspect_refusal,
    return_inspection_create,
    return_inspection_locked,
    return_inspection_sign_off,
    return_inspector_required,
    return_photo_add,
    return_sign_off_refusal,
    return_supervisor_required,
)
from .queries import (
    disputes,
    return_inspection_get_for,
    return_inspection_latest,
    return_inspection_list_for,
    return_inspection_list_for_item,
    return_inspections_awaiting,
    return_photo_get_for,
    return_queue,
)

__all__ = [
    "DECISIONS",
    "POINT_CODES",
    "disputes",
    "return_certified_values",
    "return_compare",
    "return_dispute_decide",
    "return_inspect_refusal",
    "return_inspection_create",
    "return_inspection_get_for",
    "return_inspection_latest",
    "return_inspection_list_for",
    "return_inspection_list_for_item",
    "return_inspection_locked",
    "return_inspection_sign_off",
    "return_inspections_awaiting",
    "return_inspector_required",
    "return_outcome",
    "return_photo_add",
    "return_photo_get_for",
    "return_queue",
    "return_sign_off_refusal",
    "return_supervisor_required",
    "return_verdict",
]
