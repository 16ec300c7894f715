"""Packing, carrier bookings and labels, release at the dock, manifests, returns.

A shipment is one parcel. Packing an order creates it and records a label
job (booking with the carrier's adapter, then the 4x6 label as PDF and ZPL);
the job runs once per shipment however often it is delivered. Release hands
the parcel to the carrier: it checks every rule of DESIGN.md section 3 and
answers a 409 naming the first that fails.
"""

from .release import (
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
    shipment_label,
    shipment_release,
    shipments_cancel,
    tracking_release,
)

__all__ = [
    "booking_cancel",
    "item_for_dock",
    "item_pack_scan",
    "item_release",
    "label_printed",
    "labels_pending",
    "manifest_close",
    "order_pack",
    "release_scan",
    "return_create",
    "shipment_label",
    "shipment_release",
    "shipments_cancel",
    "tracking_release",
]
