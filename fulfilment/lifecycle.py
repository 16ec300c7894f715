"""The order, shipment and manifest state machines: the only code that changes
their ``status``.

What :mod:`warehouse.lifecycle` is for items, this is for the rest, in the
same form (:class:`warehouse.common.statemachine.StateMachine`): per entity a
table of allowed moves (:data:`ORDER_MOVES`, :data:`SHIPMENT_MOVES`,
:data:`MANIFEST_MOVES`) and one transition function (:func:`order_transition`,
:func:`shipment_transition`, :func:`manifest_transition`). A transition, in the
caller's transaction:

- takes the row locked: re-read ``SELECT … FOR UPDATE``, or, with
  ``locked=True``, the instance the caller already locked (or created) in this
  transaction, without a second read (the order burst path);
- refuses a move the table or its guards do not allow with a
  :class:`~warehouse.common.exceptions.TransitionRefused` (HTTP 409) naming the
  allowed moves in its ``fields``: code ``invalid_transition`` and words that
  list them, or the REST contract's own code and words where the table has
  them (:data:`ORDER_REFUSALS`, :data:`SHIPMENT_REFUSALS`: ``order_dispatched``,
  ``no_label``, ``already_released`` …);
- saves with ``update_fields``, appends one entry to the row's ``history``
  and records the move's webhook message where the table names one.

:func:`order_transition_many` and :func:`shipment_transition_many` move many
rows the caller locked (or created) at once, each judged, journalled and
told as a move of its own, saved in one UPDATE (the batch intake, a label
wave's chunk).

Services decide *why* and call a transition; they do not check states
themselves. ``order_refusal``/``shipment_refusal`` answer why a move may not
be made, from the same table and guards, for a service that must say so
before it moves (the release checks).

The history is kept on the row, a JSON list of ``{"from", "to", "at",
"actor"}`` (with ``station``, ``reason`` and ``payload`` when given), rather
than in a table of its own: a move then costs the one UPDATE it always cost
and no INSERT beside it (a burst of 10,000 orders makes three moves each).
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from warehouse.common import statemachine
from warehouse.common.exceptions import DomainError, TransitionRefused
from warehouse.common.statemachine import ANY, Refusal, StateMachine
from warehouse.fastpath.statements import rows_update

from .models import Manifest, Order, Shipment


@dataclass(frozen=True)
class Move(statemachine.Move):
    # The webhook event type the platform is sent for this move ("" none).
    message: str = ""
    # Shipments: only parcels of these kinds send the message (empty: all).
    kinds: tuple[str, ...] = ()


def _history(row, move: Move, at: datetime, facts: dict) -> dict:
    """The move's entry, appended to the row's ``history`` in the same save."""
    entry = {
        "from": str(move.source),
        "to": str(move.target),
        "at": at.isoformat(),
        "actor": getattr(facts.get("actor"), "pk", None),
    }
    if facts.get("station") is not None:
        entry["station"] = facts["station"].pk
    if facts.get("reason"):
        entry["reason"] = facts["reason"]
    if facts.get("payload"):
        entry["payload"] = facts["payload"]
    return {"history": [*(row.history or []), entry]}


def _telling(tell):
    """A record hook that sends the move's webhook message, if the table names
    one for this kind of row, through ``tell(row, move, facts)``."""

    def record(row, move: Move, at: datetime, facts: dict) -> None:
        if move.message and (not move.kinds or row.kind in move.kinds):
            tell(row, move, facts)

    return record


# --- orders -----------------------------------------------------------------------

OS = Order.Status

ORDER_MOVES: tuple[Move, ...] = (
    Move(OS.OPEN, OS.ALLOCATED, "allocate", "order.allocated"),
    Move(OS.ALLOCATED, OS.PACKED, "pack"),
    Move(OS.PACKED, OS.DISPATCHED, "dispatch", "order.dispatched"),
    # A cancelled order never ships; what was allocated goes back.
    Move(OS.OPEN, OS.CANCELLED, "cancel", "order.cancelled"),
    Move(OS.ALLOCATED, OS.CANCELLED, "cancel", "order.cancelled"),
    Move(OS.PACKED, OS.CANCELLED, "cancel", "order.cancelled"),
)


def _only_allocated_is_packed(order: Order) -> str:
    return _("Order %(order)s is %(status)s; only an allocated order is packed.") % {
        "order": order.external_id,
        "status": order.get_status_display(),
    }


ORDER_REFUSALS: dict[tuple[str, str], Refusal] = {
    (OS.DISPATCHED, OS.CANCELLED): Refusal(
        "order_dispatched",
        lambda order: (
            _("Order %(order)s has already left the warehouse.")
            % {"order": order.external_id}
        ),
    ),
    (OS.CANCELLED, OS.PACKED): Refusal("order_cancelled", _only_allocated_is_packed),
    (ANY, OS.PACKED): Refusal("not_allocated", _only_allocated_is_packed),
}


def _order_tell(order: Order, move: Move, facts: dict) -> None:
    from .services.notify import order_dispatched, order_event

    if move.target == OS.DISPATCHED:  # with tracking and certificate links
        order_dispatched(order, facts["shipment"])
    else:
        order_event(order, move.message)


ORDERS = StateMachine(
    model=Order,
    moves=ORDER_MOVES,
    name_field="external_id",
    refusals=ORDER_REFUSALS,
    related=("merchant", "warehouse"),
    journal=_history,
    record=_telling(_order_tell),
)


def order_transition(
    *,
    order: Order,
    to: str,
    actor=None,
    station=None,
    reason: str = "",
    payload: dict | None = None,
    changes: dict | None = None,
    stamp: tuple[str, ...] = (),
    locked: bool = False,
    shipment: Shipment | None = None,
) -> Order:
    """Move ``order`` to status ``to`` (see :meth:`StateMachine.transition`).

    The move's webhook (``order.allocated``, ``order.cancelled``,
    ``order.dispatched`` with ``shipment``'s tracking) is recorded with it.
    """
    return ORDERS.transition(
        obj=order,
        to=to,
        changes=changes,
        stamp=stamp,
        locked=locked,
        actor=actor,
        station=station,
        reason=reason,
        payload=payload,
        shipment=shipment,
    )


def order_transition_many(
    *, orders: list[Order], to: str, actor=None, reason: str = ""
) -> list[Order]:
    """Move each of ``orders``, locked or created in the caller's transaction,
    to status ``to``: what :func:`order_transition` with ``locked=True`` does
    for one, in one UPDATE for all (the batch intake).

    Each order is judged by the same table and guards (the first refusal is
    raised and nothing is saved), gets the same history entry and sends the
    same webhook message as a move of its own; orders whose saved fields come
    out the same are saved together. One order alone is moved by
    :func:`order_transition`.
    """
    return ORDERS.transition_many(
        objs=orders, to=to, save=_orders_save, actor=actor, reason=reason
    )


# Orders whose fields come out the same (new orders: the same history entry
# on an empty history) are saved by one UPDATE.
_orders_save = statemachine.rows_save_alike


def order_refusal(order: Order, to: str) -> DomainError | None:
    """Why ``order`` may not move to ``to`` now, or None."""
    return ORDERS.refusal(order, to)


# --- shipments --------------------------------------------------------------------

SS = Shipment.Status

SHIPMENT_MOVES: tuple[Move, ...] = (
    Move(SS.BOOKING, SS.LABELLED, "label", "shipment.labelled"),
    # A buyer's parcel leaving is told by its order's dispatch (order.dispatched).
    Move(
        SS.LABELLED,
        SS.RELEASED,
        "release",
        "shipment.released",
        kinds=(Shipment.Kind.RETURN,),
    ),
    Move(SS.BOOKING, SS.CANCELLED, "cancel"),
    Move(SS.LABELLED, SS.CANCELLED, "cancel"),
)


def _no_label(shipment: Shipment) -> str:
    return _("Parcel %(ref)s has no carrier label yet.") % {"ref": shipment.reference}


def _parcel_cancelled(shipment: Shipment) -> str:
    if shipment.order_id:
        return _("Order %(order)s was cancelled; this parcel must not leave.") % {
            "order": shipment.order.external_id
        }
    return _("Parcel %(ref)s was cancelled.") % {"ref": shipment.reference}


SHIPMENT_REFUSALS: dict[tuple[str, str], Refusal] = {
    (SS.RELEASED, SS.RELEASED): Refusal(
        "already_released",
        lambda shipment: (
            _("Parcel %(ref)s has already been handed to %(carrier)s.")
            % {"ref": shipment.reference, "carrier": shipment.carrier}
        ),
    ),
    (SS.CANCELLED, SS.RELEASED): Refusal("order_cancelled", _parcel_cancelled),
    (SS.BOOKING, SS.RELEASED): Refusal("no_label", _no_label),
}


def _tracking_number_required(shipment: Shipment) -> None:
    """Guard for labelled → released: the carrier's number is on the label."""
    if not shipment.tracking_number:
        raise TransitionRefused(_no_label(shipment), code="no_label")


def _shipment_tell(shipment: Shipment, move: Move, facts: dict) -> None:
    from .services.notify import shipment_event

    shipment_event(shipment, move.message)


SHIPMENTS = StateMachine(
    model=Shipment,
    moves=SHIPMENT_MOVES,
    name_field="reference",
    refusals=SHIPMENT_REFUSALS,
    related=("order",),
    journal=_history,
    record=_telling(_shipment_tell),
)
SHIPMENTS.guard_register(
    source=SS.LABELLED, target=SS.RELEASED, guard=_tracking_number_required
)


def shipment_transition(
    *,
    shipment: Shipment,
    to: str,
    actor=None,
    station=None,
    reason: str = "",
    payload: dict | None = None,
    changes: dict | None = None,
    stamp: tuple[str, ...] = (),
    locked: bool = False,
) -> Shipment:
    """Move ``shipment`` to status ``to`` (see :meth:`StateMachine.transition`).

    The move's webhook (``shipment.labelled``; ``shipment.released`` for a
    return parcel) is recorded with it.
    """
    return SHIPMENTS.transition(
        obj=shipment,
        to=to,
        changes=changes,
        stamp=stamp,
        locked=locked,
        actor=actor,
        station=station,
        reason=reason,
        payload=payload,
    )


def shipment_transition_many(
    *,
    shipments: list[Shipment],
    to: str,
    changes: list[dict] | None = None,
    actor=None,
    reason: str = "",
) -> list[Shipment]:
    """Move each of ``shipments``, locked by the caller in its transaction, to
    status ``to``, ``changes[i]`` set on ``shipments[i]`` in the same save:
    what :func:`shipment_transition` with ``locked=True`` does for one, in one
    UPDATE for all (a label wave's chunk).

    Each parcel is judged by the same table and guards (the first refusal is
    raised and nothing is saved), gets the same history entry and sends the
    same webhook message as a move of its own. One parcel alone, or outside a
    transaction, is moved by :func:`shipment_transition`.
    """
    return SHIPMENTS.transition_many(
        objs=shipments,
        to=to,
        changes=changes,
        save=_shipments_save,
        actor=actor,
        reason=reason,
    )


def _shipments_save(shipments: list[Shipment], fields: list[dict]) -> None:
    names: dict[str, None] = {}
    for changed in fields:
        names.update(dict.fromkeys(changed))
    rows_update(Shipment, shipments, list(names))


def shipment_refusal(shipment: Shipment, to: str) -> DomainError | None:
    """Why ``shipment`` may not move to ``to`` now, or None."""
    return SHIPMENTS.refusal(shipment, to)


# --- manifests --------------------------------------------------------------------

MANIFEST_MOVES: tuple[Move, ...] = (
    Move(Manifest.Status.OPEN, Manifest.Status.CLOSED, "close"),
)

MANIFESTS = StateMachine(
    model=Manifest, moves=MANIFEST_MOVES, name_field="number", journal=_history
)


def manifest_transition(
    *,
    manifest: Manifest,
    to: str,
    actor=None,
    station=None,
    reason: str = "",
    changes: dict | None = None,
    stamp: tuple[str, ...] = (),
    locked: bool = False,
) -> Manifest:
    """Move ``manifest`` to status ``to`` (see :meth:`StateMachine.transition`)."""
    return MANIFESTS.transition(
        obj=manifest,
        to=to,
        changes=changes,
        stamp=stamp,
        locked=locked,
        actor=actor,
        station=station,
        reason=reason,
    )
