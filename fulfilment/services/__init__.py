"""Every write in the fulfilment app: orders, allocation, packing, labels,
release, manifests, returns, promises and notifications.

Services are keyword-only, own their transaction and raise domain errors;
item states change only through :mod:`warehouse.lifecycle`.
"""

from .notify import (
    email_send,
    webhook_emit,
    webhook_endpoint_create,
    webhook_endpoint_rotate,
    webhooks_deliver,
    webhooks_sweep,
)
from .notify import (
    on_item_transition as notify_on_item_transition,
)
from .orders import (
    BATCH_MAX,
    Accepted,
    dispatch_figures,
    held_decide,
    order_cancel,
    order_cancel_by_id,
    order_create,
    order_get_for,
    order_sender_check,
    orders_accept,
    promises_sweep,
    receive_guard,
)
from .shipping import (
    booking_cancel,
    item_for_dock,
    item_pack_scan,
    item_release,
    label_printed,
    labels_pending,
    manifest_close,
    order_pack,
    release_scan,
    return_create,
    return_delivered,
    returns_tracking_sweep,
    shipment_label,
    shipment_release,
    tracking_release,
)
from .stock import (
    PLACE_BATCH,
    item_certified,
    items_certified,
    items_certified_batch,
    order_allocate,
)
from .stock import (
    on_item_transition as stock_on_item_transition,
)
from .stock import (
    on_items_transition as stock_on_items_transition,
)

__all__ = [
    "BATCH_MAX",
    "PLACE_BATCH",
    "Accepted",
    "booking_cancel",
    "dispatch_figures",
    "email_send",
    "held_decide",
    "item_certified",
    "item_for_dock",
    "item_pack_scan",
    "item_release",
    "items_certified",
    "items_certified_batch",
    "label_printed",
    "labels_pending",
    "manifest_close",
    "notify_on_item_transition",
    "order_allocate",
    "order_cancel",
    "order_cancel_by_id",
    "order_create",
    "order_get_for",
    "order_pack",
    "order_sender_check",
    "orders_accept",
    "promises_sweep",
    "receive_guard",
    "release_scan",
    "return_create",
    "return_delivered",
    "returns_tracking_sweep",
    "shipment_label",
    "shipment_release",
    "stock_on_item_transition",
    "stock_on_items_transition",
    "tracking_release",
    "webhook_emit",
    "webhook_endpoint_create",
    "webhook_endpoint_rotate",
    "webhooks_deliver",
    "webhooks_sweep",
]
