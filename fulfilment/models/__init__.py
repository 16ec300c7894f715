"""Orders, allocations, shipments and labels, manifests, returns, notifications.

Fields, choices and constraints only; every write goes through
``fulfilment.services``, every change of an item's state through
``warehouse.lifecycle``, of an order's, a shipment's or a manifest's status
through ``fulfilment.lifecycle`` (which keeps its ``history``).

One module per sub-domain: :mod:`.orders` (with allocations and the items
held after a cancellation), :mod:`.shipments` (parcels and manifests),
:mod:`.webhooks`, :mod:`.stock`, :mod:`.printers` (a station's label printer),
:mod:`.waves` (label waves: parcels booked and printed together).
"""

from .orders import (
    Allocation,
    EarlyCancellation,
    HeldForMerchant,
    MerchantPolicy,
    Order,
    OrderLine,
    Promise,
    PromiseState,
)
from .printers import StationPrinter
from .shipments import Manifest, Shipment, ShipmentItem
from .stock import StockLot
from .waves import Wave
from .webhooks import WebhookAttempt, WebhookEndpoint, WebhookMessage

__all__ = [
    "Allocation",
    "EarlyCancellation",
    "HeldForMerchant",
    "Manifest",
    "MerchantPolicy",
    "Order",
    "OrderLine",
    "Promise",
    "PromiseState",
    "Shipment",
    "ShipmentItem",
    "StationPrinter",
    "StockLot",
    "Wave",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
