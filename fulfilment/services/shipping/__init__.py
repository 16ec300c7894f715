"""Packing, carrier bookings and labels, release at the dock, manifests, returns.

A shipment is one parcel. Packing an order creates it and records a label
job (booking with the carrier's adapter, then the 4x6 label as PDF and ZPL);
the job runs once per shipment however often it is delivered. Release hands
the parcel to the carrier: it checks every rule of DESIGN.md section 3 and
answers a 409 naming the first that fails.

One module per step: :mod:`.packing`, :mod:`.labels` (booking, labels,
cancelled bookings), :mod:`.release`, :mod:`.manifests`, :mod:`.returns`;
:mod:`.dock` holds what they share (who may act at which warehouse, a new
parcel's reference, an item's parcel).
"""

from .labels import (
    booking_cancel,
    label_printed,
    labels_pending,
    shipment_label,
    shipments_cancel,
)
from .manifests import manifest_close
from .packing import item_pack_scan, order_pack
from .release import (
    item_for_dock,
    item_release,
    release_scan,
    shipment_release,
    tracking_release,
)
from .returns import return_create, return_delivered, returns_tracking_sweep

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
    "return_delivered",
    "returns_tracking_sweep",
    "shipment_label",
    "shipment_release",
    "shipments_cancel",
    "tracking_release",
]
