"""Orders from the platform: accept (idempotent on the platform's id), cancel,
the merchant's decision on an item whose order was cancelled, and promises.

One module per step: :mod:`.accept` (one order or a batch), :mod:`.cancel`
(cancelling, the held items and the receipt guard), :mod:`.promises`;
:mod:`.common` holds what intake and cancellation share. Every name is
re-exported here.
"""

from .accept import BATCH_MAX, Accepted, order_create, order_sender_check, orders_accept
from .cancel import (
    ORDER_ID,
    held_decide,
    hold_named_items,
    order_cancel,
    order_cancel_by_id,
    order_get_for,
    receive_guard,
)
from .common import ORDER_ROLES, order_id_lock, platform_of
from .promises import dispatch_figures, promises_sweep

__all__ = [
    "BATCH_MAX",
    "ORDER_ID",
    "ORDER_ROLES",
    "Accepted",
    "dispatch_figures",
    "held_decide",
    "hold_named_items",
    "order_cancel",
    "order_cancel_by_id",
    "order_create",
    "order_get_for",
    "order_id_lock",
    "order_sender_check",
    "orders_accept",
    "platform_of",
    "promises_sweep",
    "receive_guard",
]
