"""Inspections: open, observe, complete, sign off, decide holds, appeal.

Every function here owns its transaction, locks the item row first and the
inspection row second (always in that order, so two stations acting on one
item queue instead of deadlocking), and changes the item's state only through
``warehouse.lifecycle``. Refusals are domain errors with stable codes.
"""

from .appeals import appeal_create
from .common import inspection_rules, rule_context
from .holds import hold_decide
from .lots import inspection_units_record
from .observing import (
    inspection_observe,
    inspection_scale_reading,
    observations_parse,
)
from .opening import inspection_open
from .refusals import (
    appeal_refusal,
    complete_refusal,
    hold_decide_refusal,
    observe_refusal,
    open_refusal,
    sign_off_refusal,
)
from .submission import inspection_submit
from .verdicts import (
    inspection_complete,
    inspection_sign_off,
    inspection_verdict,
    signoff_needed,
)

__all__ = [
    "appeal_create",
    "appeal_refusal",
    "complete_refusal",
    "hold_decide",
    "hold_decide_refusal",
    "inspection_complete",
    "inspection_observe",
    "inspection_open",
    "inspection_rules",
    "inspection_scale_reading",
    "inspection_sign_off",
    "inspection_submit",
    "inspection_units_record",
    "inspection_verdict",
    "observations_parse",
    "observe_refusal",
    "open_refusal",
    "rule_context",
    "sign_off_refusal",
    "signoff_needed",
]
