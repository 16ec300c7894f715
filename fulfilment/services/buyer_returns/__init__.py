"""Buyers' returns as the platform sees them: its notices (accepted all or
nothing, idempotent on its return id), what it may read of them, and the
webhooks telling it an item came back and how its comparison with the
certificate ended. Receiving the parcel and the comparison itself are the
warehouse's and the inspection app's."""

from .notices import (
    RETURN_ROLES,
    return_notice_create,
    return_sender_check,
    return_window_end,
)
from .selectors import (
    return_inspection_latest,
    return_notice_get_for,
    return_notice_list_for,
)
from .shipping import buyer_return_ship
from .webhooks import on_item_transition as returns_on_item_transition
from .webhooks import return_line_of, return_report_url

__all__ = [
    "RETURN_ROLES",
    "buyer_return_ship",
    "return_inspection_latest",
    "return_line_of",
    "return_notice_create",
    "return_notice_get_for",
    "return_notice_list_for",
    "return_report_url",
    "return_sender_check",
    "return_window_end",
    "returns_on_item_transition",
]
