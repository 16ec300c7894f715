"""Fulfilment's message codes: its API error codes, with their English words.

One :class:`~warehouse.messages.Catalogue`, as the warehouse keeps its own;
the ``code`` of every domain error fulfilment raises (and every refusal its
order and shipment tables name) is here or, for the warehouse's generic ones
(``permission_denied``, ``item_not_found`` …), in ``warehouse.messages``.
Item timeline reasons written by fulfilment (allocated, packed, handed to a
carrier …) are codes of the warehouse's catalogue, beside the timeline.
"""

from django.utils.translation import gettext_lazy as _

from warehouse.messages import Catalogue
from warehouse.messages import Message as M

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
    M("not_certified", _("The item is not certified.")),
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

CATALOGUE = Catalogue("fulfilment", ERRORS)
message_render = CATALOGUE.render
