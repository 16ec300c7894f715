"""The warehouse's message codes: its catalogue (``warehouse.common.messages``).

:data:`CATALOGUE` holds the codes the warehouse writes: its API error codes
(among them ``unknown_<kind>`` of each vocabulary, ``warehouse.vocabularies``)
and the item timeline's ``legacy_text`` (a reason stored as a sentence before
reasons were codes). The timeline's other reasons are the codes of the app
that writes them (``inspection.messages``, ``fulfilment.messages``);
:func:`event_reason` renders an event's reason from whichever registered
catalogue has its code. ``warehouse.wiring`` registers the catalogue,
before any other app's.
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from warehouse.common.messages import Catalogue, message_render
from warehouse.common.messages import Message as M

from .states import ItemState
from .vocabularies import CATEGORY_UNKNOWN, VOCABULARIES, category_labels


def item_state_labels() -> Mapping:
    """The item states' names, as a message's labels."""
    return dict(ItemState.choices)


# The item timeline's reasons written by the warehouse (ItemEvent.reason_code).
ITEM_EVENTS = (
    # A reason written as a sentence before reasons were codes, that the
    # migration could not read back into one: shown as it was written.
    M("legacy_text", _("%(text)s"), ("text",)),
    # Packing: the anti-swap seal bound to an order-first item.
    M("seal_bound", _("Anti-swap seal %(seal)s bound."), ("seal",)),
    # A buyer's return received: on its notice, or with none.
    M(
        "return_received",
        _("Buyer's return %(return_id)s received."),
        ("return_id",),
    ),
    M(
        "return_received_unannounced",
        _("Buyer's return received without a return notice."),
    ),
)

# The warehouse's API error codes (warehouse.common.exceptions and its services).
ERRORS = (
    M("refused", _("The request was refused.")),
    M("invalid", _("The input is not valid.")),
    M("too_large", _("The upload is too large.")),
    M("permission_denied", _("You do not have permission to do this.")),
    M("not_found", _("Not found.")),
    M("conflict", _("The request conflicts with what exists.")),
    M(
        "invalid_transition",
        _(
            "The item is %(state)s and cannot become %(target)s; allowed next: "
            "%(allowed)s."
        ),
        ("state", "target", "allowed"),
        dict.fromkeys(("state", "target", "allowed"), item_state_labels),
    ),
    M("unprocessable", _("The request cannot be processed as asked.")),
    M(
        "ambiguous_barcode",
        _("Serial %(serial)s matches several items; scan the item code instead."),
        ("serial",),
    ),
    M("barcode_check_digit", _("The barcode's check character is wrong.")),
    M("barcode_invalid", _("The barcode cannot be read.")),
    M("barcode_unusable", _("The barcode cannot identify an item.")),
    M("duplicate_reference", _("The reference is already used.")),
    M(
        "gtin_mismatch",
        _("The barcode's GTIN %(scanned)s differs from the announced %(announced)s."),
        ("scanned", "announced"),
    ),
    M("idempotency_in_progress", _("A request with this key is still running.")),
    M("idempotency_key_invalid", _("The Idempotency-Key is not valid.")),
    M("idempotency_key_reused", _("The Idempotency-Key was used for another request.")),
    M("invalid_items", _("Some items are not valid.")),
    M("item_not_found", _("No such item.")),
    M("location_not_found", _("No such location in this warehouse.")),
    M("notice_not_found", _("No such notice.")),
    M("role_cannot_receive", _("This role cannot receive items.")),
    M("tag_invalid", _("The tag is not valid.")),
    M("tag_used", _("The tag is already bound to an item.")),
    M(
        "seal_required",
        _("Item %(item)s leaves under an anti-swap seal: scan the seal's number."),
        ("item",),
    ),
    M("seal_invalid", _("The seal number is not valid.")),
    M("seal_used", _("Seal %(seal)s is already used; bind a new seal."), ("seal",)),
    M(
        "return_serial_in_use",
        _(
            "Item %(item)s cannot come back: its serial %(serial)s is on item "
            "%(other)s, in the warehouse now."
        ),
        ("item", "serial", "other"),
    ),
)

# A name no term of a vocabulary has (warehouse.vocabularies): the value
# given and the codes it may be, shown by their names in the reader's language.
VOCABULARY_ERRORS = (
    *(
        M(v.error_code, v.unknown, (v.value_param, "list"), {"list": v.labels})
        for v in VOCABULARIES.values()
    ),
    M(
        "unknown_category",
        CATEGORY_UNKNOWN,
        ("value", "list"),
        {"list": category_labels},
    ),
)

CATALOGUE = Catalogue("warehouse", (*ITEM_EVENTS, *ERRORS, *VOCABULARY_ERRORS))


def event_reason(code: str, params: Mapping | None, text: str = "") -> str:
    """An item event's reason as the reader reads it: its code rendered from
    whichever app's catalogue has it (the code itself if none), or its text.

    Text is what a person typed, or a row written before reasons were codes
    and not recognised by the migration that turned them into codes.
    """
    if code:
        words = message_render(code, params)
        return code if words is None else words
    return text
