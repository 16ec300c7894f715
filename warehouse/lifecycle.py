"""The Item state machine: the only code that changes ``Item.state``.

The table :data:`TRANSITIONS` lists every allowed move (DESIGN.md section 3);
:data:`ITEMS` is the one :class:`~warehouse.common.statemachine.StateMachine`
that holds it, as ``fulfilment.lifecycle`` holds the order's and the parcel's.
:func:`item_transition` makes one move: in one transaction it re-reads the item
with ``SELECT … FOR UPDATE``, refuses a move the table does not allow (naming
the allowed ones), runs the guards other apps registered for that move, saves
with ``update_fields`` and writes exactly one :class:`~warehouse.models.ItemEvent`,
then tells the observers. :func:`item_refusal` is the same judge, asked
without moving.

There is one named function per transition (``item_receive``, ``item_pass`` …).
Domain services decide *why* and call them; the lifecycle never sends mail,
prints or enqueues. Apps that build on it add rules through
:func:`transition_guard_register`, not by editing this table's callers.
"""

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from warehouse.common.exceptions import DomainError
from warehouse.common.statemachine import Move, StateMachine, rows_save_alike
from warehouse.fastpath.statements import rows_insert

from .models import Item, ItemEvent, ItemState, Location, Station

if TYPE_CHECKING:
    from .extensions import TransitionGuard as Guard
    from .extensions import TransitionObserver as Observer
    from .extensions import TransitionObserverMany as ObserverMany

S = ItemState


# A move of the table: source, target and the verb stations and pages show.
Transition = Move


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.ANNOUNCED, S.RECEIVED, "receive"),
    Transition(S.RECEIVED, S.INSPECTING, "inspect"),
    Transition(S.INSPECTING, S.PASSED, "pass"),
    Transition(S.INSPECTING, S.FAILED, "fail"),
    Transition(S.INSPECTING, S.HELD, "hold"),
    Transition(S.HELD, S.INSPECTING, "reinspect"),
    Transition(S.HELD, S.PASSED, "pass"),
    Transition(S.HELD, S.FAILED, "fail"),
    Transition(S.FAILED, S.INSPECTING, "reinspect"),
    Transition(S.PASSED, S.CERTIFIED, "certify"),
    Transition(S.CERTIFIED, S.ALLOCATED, "allocate"),
    # A correction (DESIGN.md rule 3): the certificate is revoked and the item
    # inspected again; guarded by the inspection app (revoked certificate only).
    Transition(S.CERTIFIED, S.INSPECTING, "reinspect"),
    Transition(S.ALLOCATED, S.PACKED, "pack"),
    Transition(S.PACKED, S.RELEASED, "release"),
    # The order was cancelled: the item goes back to stock (fulfilment) ...
    Transition(S.ALLOCATED, S.CERTIFIED, "deallocate"),
    Transition(S.PACKED, S.CERTIFIED, "unpack"),
    # ... or, on its merchant's choice, back to the merchant.
    Transition(S.CERTIFIED, S.RETURNING, "return"),
    Transition(S.FAILED, S.RETURNING, "return"),
    Transition(S.RETURNING, S.RETURNED_TO_MERCHANT, "return_complete"),
    # A buyer's return: announced by the platform, or received unannounced ...
    Transition(S.RELEASED, S.RETURN_EXPECTED, "return_announce"),
    Transition(S.RETURN_EXPECTED, S.RETURN_RECEIVED, "return_receive"),
    Transition(S.RELEASED, S.RETURN_RECEIVED, "return_receive"),
    # ... compared with what we certified, then by the verdict: back to stock
    # or to the merchant, or disputed under a supervisor.
    Transition(S.RETURN_RECEIVED, S.RETURN_INSPECTING, "return_inspect"),
    Transition(S.RETURN_INSPECTING, S.CERTIFIED, "restock"),
    Transition(S.RETURN_INSPECTING, S.RETURNING, "return"),
    Transition(S.RETURN_INSPECTING, S.DISPUTED, "dispute"),
    Transition(S.DISPUTED, S.RETURN_INSPECTING, "return_inspect"),
    Transition(S.DISPUTED, S.RETURNING, "return"),
)

# The verbs as people read them (the API keeps the verbs), with the station's
# look-up, which moves nothing.
ACTION_LABELS = {
    "receive": gettext_lazy("Receive"),
    "lookup": gettext_lazy("Look up"),
    "inspect": gettext_lazy("Inspect"),
    "pass": gettext_lazy("Pass"),
    "fail": gettext_lazy("Fail"),
    "hold": gettext_lazy("Hold"),
    "reinspect": gettext_lazy("Re-inspect"),
    "certify": gettext_lazy("Certify"),
    "allocate": gettext_lazy("Allocate"),
    "pack": gettext_lazy("Pack"),
    "release": gettext_lazy("Release"),
    "deallocate": gettext_lazy("Back to stock"),
    "unpack": gettext_lazy("Unpack"),
    "return": gettext_lazy("Return to merchant"),
    "return_complete": gettext_lazy("Returned to merchant"),
    "return_announce": gettext_lazy("Expect a buyer's return"),
    "return_receive": gettext_lazy("Receive a buyer's return"),
    "return_inspect": gettext_lazy("Inspect a buyer's return"),
    "restock": gettext_lazy("Back to stock"),
    "dispute": gettext_lazy("Dispute"),
}

# One colour per state, shared by the pages, the admin and the dashboards.
STATE_COLOURS: dict[str, str] = {
    S.ANNOUNCED: "#6b7280",
    S.RECEIVED: "#2563eb",
    S.INSPECTING: "#7c3aed",
    S.HELD: "#d97706",
    S.PASSED: "#16a34a",
    S.FAILED: "#dc2626",
    S.CERTIFIED: "#059669",
    S.ALLOCATED: "#0891b2",
    S.PACKED: "#0e7490",
    S.RELEASED: "#1f2937",
    S.RETURNING: "#b45309",
    S.RETURNED_TO_MERCHANT: "#78350f",
    S.RETURN_EXPECTED: "#4f46e5",
    S.RETURN_RECEIVED: "#4338ca",
    S.RETURN_INSPECTING: "#6d28d9",
    S.DISPUTED: "#be123c",
}


def _words(item: Item, to: str, allowed: list[str]) -> str:
    """A table refusal's sentence, naming the item by its code and the states
    by their names in the reader's language (the error's fields keep codes)."""
    if allowed:
        return _(
            "Item %(code)s is %(state)s and cannot become %(target)s; allowed next: "
            "%(allowed)s."
        ) % {
            "code": item.code,
            "state": ITEMS.label(item.state),
            "target": ITEMS.label(to),
            "allowed": ITEMS.labels(allowed),
        }
    return _("Item %(code)s is %(state)s, a final state; it cannot change.") % {
        "code": item.code,
        "state": ITEMS.label(item.state),
    }


def _event(item: Item, source: str, at, **facts) -> ItemEvent:
    """Write one ``ItemEvent`` (a move's, or a step's with ``source``
    unchanged); ``facts`` as :func:`_event_row` takes them."""
    event = _event_row(item, source, at, **facts)
    event.save(force_insert=True)
    return event


def _event_row(
    item: Item,
    source: str,
    at,
    *,
    actor=None,
    station: Station | None = None,
    reason: str = "",
    reason_code: str = "",
    reason_params: dict | None = None,
    reason_lang: str = "",
    payload: dict | None = None,
) -> ItemEvent:
    """The ``ItemEvent`` of a move or step, not saved yet."""
    return ItemEvent(
        item=item,
        from_state=source,
        to_state=item.state,
        actor=actor if getattr(actor, "pk", None) else None,
        station=station,
        at=at,
        reason_code=reason_code,
        reason_params=reason_params or {},
        reason=reason,
        reason_lang=_language(reason, reason_lang),
        payload=payload or {},
    )


def _record(item: Item, move: Move, at, facts: dict) -> None:
    """After the save: the move's one event, then the observers."""
    event = _event(item, move.source, at, **facts)
    for observer in _observers:
        observer(item, event)


def _record_many(items: list[Item], moves: list[Move], at, facts: list[dict]) -> None:
    """After the save of many moves: their events in one INSERT, then the
    observers, one after another: each told of all the moves at once if it
    registered a way to be (``many``), else of each move in turn."""
    events = rows_insert(
        ItemEvent,
        [
            _event_row(item, move.source, at, **each)
            for item, move, each in zip(items, moves, facts, strict=True)
        ],
    )
    for observer in _observers:
        many = _observers_many.get(observer)
        if many is not None:
            many(items, events)
            continue
        for item, event in zip(items, events, strict=True):
            observer(item, event)


ITEMS = StateMachine(
    model=Item,
    moves=TRANSITIONS,
    field="state",
    name_field="code",
    words=_words,
    stamp=("state_changed_at",),
    record=_record,
    record_many=_record_many,
)
# The table read by source: {source: {target: Transition}}.
ALLOWED: dict[str, dict[str, Transition]] = ITEMS.allowed

# Extension points (their contracts: warehouse.extensions).
_guards: dict[tuple[str, str], list["Guard"]] = ITEMS.guards
_observers: list["Observer"] = []
_observers_many: dict["Observer", "ObserverMany"] = {}


def transition_guard_register(*, source: str, target: str, guard: "Guard") -> None:
    """Add a rule to one move: ``guard(item)`` raises a domain error to refuse it.

    Guards run with the item row locked, after the table allowed the move
    (:class:`~warehouse.extensions.TransitionGuard`).
    """
    ITEMS.guard_register(source=source, target=target, guard=guard)


def transition_observer_register(
    observer: "Observer", *, many: "ObserverMany | None" = None
) -> None:
    """Call ``observer(item, event)`` after every move, in its transaction;
    with ``many``, ``many(items, events)`` instead for the moves of
    :func:`item_transition_many` (the same effects, in fewer statements).

    For effects that must commit with the move or not at all, such as
    recording a job (a webhook, an allocation); never for slow work
    (:class:`~warehouse.extensions.TransitionObserver`).
    """
    if observer not in _observers:
        _observers.append(observer)
    if many is not None:
        _observers_many[observer] = many


def transition_guards() -> dict[tuple[str, str], tuple["Guard", ...]]:
    """The registered guards, by (source, target), in the order they run."""
    return {move: tuple(guards) for move, guards in _guards.items()}


def transition_observers() -> tuple["Observer", ...]:
    """The registered observers, in the order they run."""
    return tuple(_observers)


def item_allowed_next(item: Item) -> list[Transition]:
    """The moves the table allows from the item's state (guards not run)."""
    return ITEMS.allowed_next(item)


def item_allowed_actions(item: Item) -> list[str]:
    """Station/page verbs for the allowed moves, without repeats, in table order."""
    return list(dict.fromkeys(t.action for t in ITEMS.allowed_next(item)))


def item_refusal(item: Item, to: str) -> DomainError | None:
    """Why ``item`` may not move to ``to``, or None if it may.

    The one judge of a move, as :func:`item_transition` applies it: the table
    (a :class:`~warehouse.common.exceptions.TransitionRefused` naming the
    allowed moves), then the guards other apps registered for the move (their
    own domain error, e.g. the certificate rule). It reads ``item`` as given
    and changes nothing; a caller whose decision must hold locks the row
    first. Any 409 about an item's state takes its reason from here, never
    from a check of its own.
    """
    return ITEMS.refusal(item, to)


def item_transition(
    *,
    item: Item,
    to: str,
    actor,
    station: Station | None = None,
    reason: str = "",
    reason_code: str = "",
    reason_params: dict | None = None,
    reason_lang: str = "",
    payload: dict | None = None,
    changes: dict | None = None,
    stamp: tuple[str, ...] = (),
    locked: bool = False,
) -> Item:
    """Move ``item`` to state ``to`` and record it; return the updated item.

    Why is recorded as a fact: ``reason_code`` (a code of
    :mod:`warehouse.messages`) with its ``reason_params``, rendered when the
    timeline is read. ``reason`` is only for text a person typed, stored as
    typed with its language ``reason_lang`` (the active language if not given).

    ``changes`` sets other fields of the item in the same save; the fields
    named in ``stamp`` get the transition's time (e.g. ``received_at``), as
    ``state_changed_at`` always does. Raises :class:`TransitionRefused` when
    the move is not allowed from the item's current (locked, re-read) state,
    or a guard's domain error. ``locked=True`` says the caller already read
    ``item`` ``SELECT … FOR UPDATE`` in the current transaction: it is used
    as read, without a second read. It joins the caller's transaction without
    a savepoint (:meth:`~warehouse.common.statemachine.StateMachine.transition`).
    """
    return ITEMS.transition(
        obj=item,
        to=to,
        changes=changes,
        stamp=stamp,
        locked=locked,
        actor=actor,
        station=station,
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        reason_lang=reason_lang,
        payload=payload,
    )


def item_transition_many(
    *, items: list[Item], to: str, actor, reasons: list[dict]
) -> list[Item]:
    """Move each of ``items``, locked ``FOR UPDATE`` in the caller's
    transaction, to state ``to``, as :func:`item_transition` with
    ``locked=True`` would one by one: judged by the same table and guards
    (the first refusal is raised and nothing is saved), one event each with
    its own ``reasons[i]`` (``reason_code``, ``reason_params``, ``payload``),
    the same observers; saved in one UPDATE and one INSERT of the events.
    """
    return ITEMS.transition_many(
        objs=items,
        to=to,
        save=rows_save_alike,
        facts_each=reasons,
        actor=actor,
    )


def item_event_record(
    *,
    item: Item,
    actor,
    station: Station | None = None,
    reason: str = "",
    reason_code: str = "",
    reason_params: dict | None = None,
    reason_lang: str = "",
    payload: dict | None = None,
) -> ItemEvent:
    """Record a step in the item's history that does not change its state.

    For example "inspection completed, awaiting sign-off". The event's
    ``from_state`` and ``to_state`` are both the item's current state. The
    reason is given as in :func:`item_transition`.
    """
    return _event(
        item,
        item.state,
        timezone.now(),
        actor=actor,
        station=station,
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        reason_lang=reason_lang,
        payload=payload,
    )


def _language(text: str, language: str) -> str:
    """The language typed text is in: as given, else the active one."""
    if not text:
        return ""
    return language or get_language() or ""


def item_receive(
    *,
    item: Item,
    actor,
    station: Station | None = None,
    location: Location | None = None,
    reason: str = "",
    reason_code: str = "",
    reason_params: dict | None = None,
    payload: dict | None = None,
    locked: bool = False,
) -> Item:
    """announced → received: the parcel is in our hands."""
    changes = {"location": location} if location is not None else {}
    return item_transition(
        item=item,
        to=S.RECEIVED,
        actor=actor,
        station=station,
        reason=reason,
        reason_code=reason_code,
        reason_params=reason_params,
        payload=payload,
        changes=changes,
        stamp=("received_at",),
        locked=locked,
    )


def _simple(target: str, doc: str):
    def move(
        *,
        item: Item,
        actor,
        station: Station | None = None,
        reason: str = "",
        reason_code: str = "",
        reason_params: dict | None = None,
        reason_lang: str = "",
        payload: dict | None = None,
    ) -> Item:
        return item_transition(
            item=item,
            to=target,
            actor=actor,
            station=station,
            reason=reason,
            reason_code=reason_code,
            reason_params=reason_params,
            reason_lang=reason_lang,
            payload=payload,
        )

    move.__doc__ = doc
    return move


item_inspection_start = _simple(
    S.INSPECTING, "received/held/failed/certified → inspecting."
)
item_pass = _simple(S.PASSED, "inspecting/held → passed: the item matches its claim.")
item_fail = _simple(S.FAILED, "inspecting/held → failed: the item does not match.")
item_hold = _simple(
    S.HELD, "inspecting → held: a second opinion, lab or appeal is needed."
)
item_certify = _simple(S.CERTIFIED, "passed → certified: its certificate is issued.")
item_allocate = _simple(S.ALLOCATED, "certified → allocated to an order.")
item_deallocate = _simple(S.CERTIFIED, "allocated → certified: back to stock.")
item_pack = _simple(S.PACKED, "allocated → packed.")
item_unpack = _simple(S.CERTIFIED, "packed → certified: its order was cancelled.")
item_release = _simple(S.RELEASED, "packed → released: handed to a carrier.")
item_return_start = _simple(
    S.RETURNING,
    "failed/certified/return_inspecting/disputed → returning to its merchant.",
)
item_return_announce = _simple(
    S.RETURN_EXPECTED,
    "released → return_expected: the platform announced a buyer's return.",
)
item_return_receive = _simple(
    S.RETURN_RECEIVED,
    "released/return_expected → return_received: the buyer's parcel is in our hands.",
)
item_return_inspect = _simple(
    S.RETURN_INSPECTING,
    "return_received/disputed → return_inspecting: compared with its certificate.",
)
item_restock = _simple(
    S.CERTIFIED,
    "return_inspecting → certified: a returned item that matches, unopened, restocked.",
)
item_dispute = _simple(
    S.DISPUTED,
    "return_inspecting → disputed: not the item we certified; a supervisor holds it.",
)
item_return_complete = _simple(
    S.RETURNED_TO_MERCHANT,
    "returning → returned_to_merchant: delivered to the merchant (the carrier's "
    "report or the merchant's confirmation).",
)
