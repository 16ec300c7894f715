"""Message codes: what the product stores instead of sentences.

A stored fact is a code with its parameters (``{"code": "certificate_issued",
"params": {"number": "QC-2026-000001"}}``); the words are rendered when they
are shown, in the reader's language (:meth:`Catalogue.render`). Each app keeps
one :class:`Catalogue` of its codes, each with its English source string for
gettext and the parameters it takes; the API's error ``code`` values come from
the same catalogues (``tests/warehouse/test_messages.py`` checks it).

This module's :data:`CATALOGUE` holds the warehouse's codes: the item
timeline's reasons (every app writes an item's events through
``warehouse.lifecycle``, so the timeline's codes live beside it) and the
warehouse's API error codes.
"""

from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Message:
    """One code: its English source string (lazy gettext) and its parameters.

    ``labels`` maps a parameter to the words for its stored values (a verdict
    stored as ``"pass"`` is shown as its label in the reader's language).
    """

    code: str
    text: Promise
    params: tuple[str, ...] = ()
    labels: Mapping[str, Mapping[str, Promise]] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The English source string (the msgid gettext looks up)."""
        with translation.override(None):
            return str(self.text)


class Catalogue:
    """An app's message codes and the one way to turn a code into words."""

    def __init__(self, app: str, messages: Iterable[Message]):
        self.app = app
        self.messages: dict[str, Message] = {}
        for message in messages:
            if message.code in self.messages:
                raise ValueError(f"{app}: message code {message.code} twice.")
            self.messages[message.code] = message

    def __contains__(self, code: str) -> bool:
        return code in self.messages

    def codes(self) -> frozenset[str]:
        return frozenset(self.messages)

    def render(
        self, code: str, params: Mapping | None = None, *, language: str | None = None
    ) -> str:
        """The words for ``code`` with ``params``, in ``language`` (or the active one).

        An unknown code is returned as it is; parameters that do not fit the
        string leave the string unformatted rather than failing a page.
        """
        message = self.messages.get(code)
        if message is None:
            return code
        context = translation.override(language) if language else nullcontext()
        with context:
            values = dict(params or {})
            for name, words in message.labels.items():
                value = values.get(name)
                if isinstance(value, str) and value in words:
                    values[name] = str(words[value])
            text = str(message.text)
            if not message.params:
                return text
            try:
                return text % values
            except (KeyError, TypeError, ValueError):
                return text


# Words for stored values that the timeline's reasons name.
VERDICT_LABELS = {
    "pass": _("pass"),
    "fail": _("fail"),
    "hold": _("hold"),
}
DECISION_LABELS = {**VERDICT_LABELS, "reinspect": _("re-inspect")}

M = Message

# The item timeline: ItemEvent.reason_code and its reason_params.
ITEM_EVENTS = (
    M("inspection_opened", _("Inspection #%(number)d opened."), ("number",)),
    M(
        "inspection_awaiting_signoff",
        _(
            "Inspection #%(number)d: verdict %(verdict)s, awaiting a second "
            "inspector's sign-off."
        ),
        ("number", "verdict"),
        {"verdict": VERDICT_LABELS},
    ),
    M(
        "inspection_verdict",
        _("Inspection #%(number)d: %(verdict)s."),
        ("number", "verdict"),
        {"verdict": VERDICT_LABELS},
    ),
    M(
        "signoff_disputed",
        _(
            "Inspection #%(number)d: sign-off disputed the %(verdict)s "
            "verdict: %(note)s"
        ),
        ("number", "verdict", "note"),
        {"verdict": VERDICT_LABELS},
    ),
    M("merchant_appealed", _("Merchant appealed: %(reason)s"), ("reason",)),
    M(
        "supervisor_decided",
        _("Supervisor decided %(decision)s: %(reason)s"),
        ("decision", "reason"),
        {"decision": DECISION_LABELS},
    ),
    M("certificate_issued", _("Certificate %(number)s issued."), ("number",)),
    M(
        "certificate_revoked",
        _("Certificate %(number)s revoked: %(reason)s"),
        ("number", "reason"),
    ),
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
    # A reason written as a sentence before reasons were codes, that the
    # migration could not read back into one: shown as it was written.
    M("legacy_text", _("%(text)s"), ("text",)),
)

# The warehouse's API error codes (warehouse.common.exceptions and its services).
ERRORS = (
    M("refused", _("The request was refused.")),
    M("invalid", _("The input is not valid.")),
    M("too_large", _("The upload is too large.")),
    M("permission_denied", _("You do not have permission to do this.")),
    M("not_found", _("Not found.")),
    M("conflict", _("The request conflicts with what exists.")),
    M("invalid_transition", _("The item's state does not allow this move.")),
    M("unprocessable", _("The request cannot be processed as asked.")),
    M("ambiguous_barcode", _("The barcode matches several items.")),
    M("barcode_check_digit", _("The barcode's check character is wrong.")),
    M("barcode_invalid", _("The barcode cannot be read.")),
    M("barcode_unusable", _("The barcode cannot identify an item.")),
    M("duplicate_reference", _("The reference is already used.")),
    M("gtin_mismatch", _("The barcode's GTIN does not match the item.")),
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
)

CATALOGUE = Catalogue("warehouse", (*ITEM_EVENTS, *ERRORS))
message_render = CATALOGUE.render

# Other apps' catalogues, by app (extension point: warehouse.extensions).
_catalogues: dict[str, Catalogue] = {}


def message_catalogue_register(catalogue: Catalogue) -> None:
    """Make an app's codes known to :func:`error_render` (once per app)."""
    if catalogue.app != CATALOGUE.app:
        _catalogues[catalogue.app] = catalogue


def message_catalogues() -> tuple[Catalogue, ...]:
    """The warehouse's catalogue, then the registered ones by app."""
    return (CATALOGUE, *(_catalogues[app] for app in sorted(_catalogues)))


def error_render(
    code: str, params: Mapping | None = None, *, language: str | None = None
) -> str | None:
    """The words for an error code of any app's catalogue; None if none has it."""
    for catalogue in message_catalogues():
        if code in catalogue:
            return catalogue.render(code, params, language=language)
    return None


def event_reason(code: str, params: Mapping | None, text: str = "") -> str:
    """An item event's reason as the reader reads it: its code rendered, or its text.

    Text is what a person typed, or a row written before reasons were codes
    and not recognised by the migration that turned them into codes.
    """
    if code:
        return message_render(code, params)
    return text
