"""Fulfilment's message codes: its timeline reasons, API errors and e-mails.

One :class:`~warehouse.common.messages.Catalogue`, registered by
``fulfilment.wiring``: the item timeline's reasons fulfilment writes
(allocated, packed, handed to a carrier …), the ``code`` of every domain
error fulfilment raises (and every refusal its order and shipment tables
name) beside the generic ones of ``warehouse.messages`` and the certificate
ones of ``inspection.messages``, and the e-mails it sends (:data:`EMAILS`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from warehouse.common.messages import Catalogue, Message
from warehouse.common.messages import Message as M
from warehouse.messages import event_reason, item_state_labels
from warehouse.vocabularies import CARRIERS, RETURN_REASONS

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
        {"carrier": CARRIERS.labels},
    ),
    M("returning_to_merchant", _("Going back to the merchant.")),
    M(
        "delivered_to_merchant",
        _("Delivered to the merchant by %(carrier)s, tracking %(tracking)s."),
        ("carrier", "tracking"),
        {"carrier": CARRIERS.labels},
    ),
    M("receipt_confirmed", _("The merchant confirmed receipt.")),
    M(
        "return_announced",
        _("The platform announced the buyer's return %(return_id)s: %(reason)s."),
        ("return_id", "reason"),
        {"reason": RETURN_REASONS.labels},
    ),
)

ERRORS = (
    M("carrier_refused", _("The carrier refused the booking.")),
    M("invalid_url", _("The URL is not valid.")),
    M("item_unavailable", _("The item is not available for this order.")),
    M(
        "label_scan_required",
        _(
            "Scan the tracking barcode on the %(carrier)s label of parcel %(ref)s "
            "to release it: only that scan shows the label is on the box."
        ),
        ("ref", "carrier"),
        {"carrier": CARRIERS.labels},
    ),
    M("manifest_not_found", _("No such manifest.")),
    M("manifest_open", _("The manifest is still open.")),
    M("no_decision_pending", _("No decision is pending for this item.")),
    M("no_label", _("The parcel has no label yet.")),
    M("no_return_address", _("The merchant has no return address.")),
    M("not_allocated", _("The order is not allocated.")),
    M("not_returnable", _("The item cannot be returned.")),
    M(
        "not_released",
        _("Return parcel %(ref)s has not been handed to its carrier yet."),
        ("ref",),
    ),
    M("order_cancelled", _("The order is cancelled.")),
    M("order_dispatched", _("The order is already dispatched.")),
    M("order_id_reused", _("The order id was used for another order.")),
    M("order_not_found", _("No such order.")),
    M("role_cannot_order", _("This role cannot place orders.")),
    M("shipment_not_found", _("No such shipment.")),
    M("already_released", _("The parcel is already released.")),
    M("unknown_item", _("The order names an unknown item.")),
    M("wave_not_found", _("No such label wave.")),
    M("wrong_warehouse", _("The item is in another warehouse.")),
)

# The platform's notices of buyers' returns (fulfilment.services.buyer_returns).
RETURN_ERRORS = (
    M(
        "role_cannot_announce_return",
        _("Only the platform announces buyers' returns."),
    ),
    M("return_notice_not_found", _("No return %(return_id)s."), ("return_id",)),
    M(
        "return_id_reused",
        _("Return %(return_id)s was already announced with other content."),
        ("return_id",),
    ),
    M("return_order_unknown", _("No order %(order)s."), ("order",)),
    M(
        "return_delivered_in_future",
        _("The delivery time is in the future."),
    ),
    M("return_item_twice", _("Item %(item)s is named twice."), ("item",)),
    M(
        "return_item_not_on_order",
        _("Item %(item)s is not on order %(order)s."),
        ("item", "order"),
    ),
    M(
        "return_already_open",
        _("Item %(item)s is already on an open return %(return_id)s."),
        ("item", "return_id"),
    ),
    M(
        "return_item_not_released",
        _("Item %(item)s is not with a buyer: it is %(state)s."),
        ("item", "state"),
        {"state": item_state_labels},
    ),
    M(
        "return_lot_units",
        _(
            "Item %(item)s is a lot of %(units)d units; a buyer's return is taken "
            "for an item that left as itself, not for units taken from a lot."
        ),
        ("item", "units"),
    ),
    M(
        "return_delivered_before_release",
        _("Item %(item)s was released on %(released)s, after the delivery time."),
        ("item", "released"),
    ),
    M(
        "return_window_closed",
        _(
            "Item %(item)s: the return window of %(days)s days after "
            "delivery on %(delivered)s closed at the end of %(last_day)s."
        ),
        ("item", "days", "delivered", "last_day"),
    ),
    M(
        "return_opened_refused",
        _(
            "Item %(item)s: opened goods of category %(category)s are not "
            "taken back without a reason."
        ),
        ("item", "category"),
    ),
)


@dataclass(frozen=True)
class Email:
    """An e-mail fulfilment sends: its code (stored in the job) and its words."""

    code: str
    subject: Message
    body: Message


_STATE = {"state": item_state_labels}

EMAILS = {
    email.code: email
    for email in (
        # To the merchant, on a verdict; ``reason`` is the event's reason as
        # a fact ({"code", "params", "text"}), rendered with the e-mail.
        Email(
            "item_verdict",
            M(
                "email_item_verdict_subject",
                _("Item %(code)s: %(state)s"),
                ("code", "state"),
                _STATE,
            ),
            M(
                "email_item_verdict_body",
                _("Your item %(code)s (%(title)s) is now %(state)s.\n%(reason)s"),
                ("code", "title", "state", "reason"),
                _STATE,
            ),
        ),
        # To the buyer, when the parcel leaves.
        Email(
            "order_on_its_way",
            M(
                "email_order_on_its_way_subject",
                _("Your order %(order)s is on its way"),
                ("order",),
            ),
            M(
                "email_order_on_its_way_body",
                _(
                    "Your order %(order)s left our inspection warehouse with "
                    "%(carrier)s, tracking number %(tracking)s.\n"
                    "Check its certificate: %(links)s"
                ),
                ("order", "carrier", "tracking", "links"),
                {"carrier": CARRIERS.labels},
            ),
        ),
        # To the merchant, when an item is sent back.
        Email(
            "item_returning",
            M(
                "email_item_returning_subject",
                _("Item %(code)s is coming back to you"),
                ("code",),
            ),
            M(
                "email_item_returning_body",
                _(
                    "Your item %(code)s (%(title)s) is being returned to you with "
                    "%(carrier)s; the tracking number follows once the label is "
                    "printed."
                ),
                ("code", "title", "carrier"),
                {"carrier": CARRIERS.labels},
            ),
        ),
    )
}
"""The e-mails by code: what an ``email_send`` job names with its params."""

CATALOGUE = Catalogue(
    "fulfilment",
    (
        *ITEM_EVENTS,
        *ERRORS,
        *RETURN_ERRORS,
        *(m for e in EMAILS.values() for m in (e.subject, e.body)),
    ),
)


def email_render(
    code: str, params: Mapping, languages: Sequence[str]
) -> tuple[str, str]:
    """The subject and body of e-mail ``code``, in each of ``languages`` in turn.

    A param that is itself a fact (``{"code", "params", "text"}``: an item
    event's reason) is rendered first, in the same language. With several
    languages the subjects are joined by `` / `` and the bodies follow each
    other, so a reader of either finds theirs.
    """
    email = EMAILS[code]
    subjects, bodies = [], []
    for language in languages:
        with translation.override(language):
            values = {
                name: event_reason(
                    value.get("code", ""), value.get("params"), value.get("text", "")
                )
                if isinstance(value, Mapping)
                else value
                for name, value in params.items()
            }
            subjects.append(CATALOGUE.render(email.subject.code, values))
            bodies.append(CATALOGUE.render(email.body.code, values))
    return " / ".join(subjects), "\n\n".join(bodies)
