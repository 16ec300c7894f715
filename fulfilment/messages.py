"""Fulfilment's message codes: its timeline reasons and API errors.

One :class:`~warehouse.common.messages.Catalogue`, registered by
``fulfilment.wiring``: the item timeline's reasons fulfilment writes
(allocated, packed, handed to a carrier …), the ``code`` of every domain
error fulfilment raises (and every refusal its order and shipment tables
name) beside the generic ones of ``warehouse.messages`` and the certificate
ones of ``inspection.messages``.
"""

from django.utils.translation import gettext_lazy as _

from warehouse.common.messages import Catalogue
from warehouse.common.messages import Message as M

# The item timeline (ItemEvent.reason_code and its reason_params).
ITEM_EVENTS = (
    M("allocated_to_order", _("Allocated to order %(order)s."), ("order",)),
    M(
        "order_cancelled_held",
        _("Order %(order)s was cancelled: held for the merchant."),
        ("order",),
    ),
    M("order_cancelled_to_stock", _("Order %(order)s cancelled."), ("order",)),
    M("kept_as_stock", _("Kept as stock.")),
    M(
        "packed_for_order",
        _("Packed for order %(order)s in parcel %(ref)s."),
        ("order", "ref"),
    ),
    M(
        "handed_to_carrier",
        _("Handed to %(carrier)s, tracking %(tracking)s."),
        ("carrier", "tracking"),
    ),
    M("returning_to_merchant", _("Going back to the merchant.")),
)

ERRORS = (
    M("carrier_refused", _("The carrier refused the booking.")),
    M("invalid_url", _("The URL is not valid.")),
    M("item_unavailable", _("The item is not available for this order.")),
    M("manifest_not_found", _("No such manifest.")),
    M("manifest_open", _("The manifest is still open.")),
    M("no_decision_pending", _("No decision is pending for this item.")),
    M("no_label", _("The parcel has no label yet.")),
    M("no_return_address", _("The merchant has no return address.")),
    M("not_allocated", _("The order is not allocated.")),
    M("not_returnable", _("The item cannot be returned.")),
    M("order_cancelled", _("The order is cancelled.")),
    M("order_dispatched", _("The order is already dispatched.")),
    M("order_id_reused", _("The order id was used for another order.")),
    M("order_not_found", _("No such order.")),
    M("role_cannot_order", _("This role cannot place orders.")),
    M("shipment_not_found", _("No such shipment.")),
    M("already_released", _("The parcel is already released.")),
    M("unknown_item", _("The order names an unknown item.")),
    M("wrong_warehouse", _("The item is in another warehouse.")),
)


CATALOGUE = Catalogue("fulfilment", (*ITEM_EVENTS, *ERRORS))
