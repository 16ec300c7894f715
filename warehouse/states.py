"""The item's lifecycle states: stored codes and their names.

Apart from the models so that what names a state (the message catalogue, the
lifecycle table) needs no model; ``warehouse.models`` re-exports them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemState(models.TextChoices):
    """The lifecycle states. Stored and sent to stations: never rename one."""

    ANNOUNCED = "announced", _("announced")
    RECEIVED = "received", _("received")
    INSPECTING = "inspecting", _("inspecting")
    HELD = "held", _("held")
    PASSED = "passed", _("passed")
    FAILED = "failed", _("failed")
    CERTIFIED = "certified", _("certified")
    ALLOCATED = "allocated", _("allocated")
    PACKED = "packed", _("packed")
    RELEASED = "released", _("released")
    RETURNING = "returning", _("returning")
    RETURNED_TO_MERCHANT = "returned_to_merchant", _("returned to merchant")
    # A buyer's return, compared with what we certified (DESIGN.md section 3).
    RETURN_EXPECTED = "return_expected", _("return expected")
    RETURN_RECEIVED = "return_received", _("return received")
    RETURN_INSPECTING = "return_inspecting", _("return inspecting")
    DISPUTED = "disputed", _("disputed")


# States an item has left the warehouse in; its serial may be announced again.
ITEM_GONE_STATES = (ItemState.RELEASED, ItemState.RETURNED_TO_MERCHANT)

# States of an item on its way back from a buyer, until the comparison with its
# certificate decides where it goes.
ITEM_BUYER_RETURN_STATES = (
    ItemState.RETURN_EXPECTED,
    ItemState.RETURN_RECEIVED,
    ItemState.RETURN_INSPECTING,
    ItemState.DISPUTED,
)
