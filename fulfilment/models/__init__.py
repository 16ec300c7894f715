"""Orders, allocations, shipments and labels, manifests, returns, notifications.

Fields, choices and constraints only; every write goes through
``fulfilment.services``, every change of an item's state through
``warehouse.lifecycle``, of an order's, a shipment's or a manifest's status
through ``fulfilment.lifecycle`` (which keeps its ``history``).
"""

from .orders import (
    Allocation,
    EarlyCancellation,
    HeldForMerchant,
    Manifest,
    MerchantPolicy,
    Order,
    OrderLine,
    Promise,
    PromiseState,
    Shipment,
    ShipmentItem,
    StockLot,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)

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
    "StockLot",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
