"""The order, shipment and manifest state machines: the only code that changes
their ``status``.

What :mod:`warehouse.lifecycle` is for items, this is for the rest: per entity
a table of allowed moves (:data:`ORDER_MOVES`, :data:`SHIPMENT_MOVES`,
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

Services decide *why* and call a transition; they do not check states
themselves. ``order_refusal``/``shipment_refusal`` answer why a move may not
be made, from the same table and guards, for a service that must say so
before it moves (the release checks).

The history is kept on the row, a JSON list of ``{"from", "to", "at",
"actor"}`` (with ``station``, ``reason`` and ``payload`` when given), rather
than in a table of its own: a move then costs the one UPDATE it always cost
and no INSERT beside it (a burst of 10,000 orders makes three moves each).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from warehouse.common.exceptions import DomainError, TransitionRefused

from .models import Manifest, Order, Shipment

ANY = "*"  # a refusal for a target from any state the table has no move from


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    action: str  # the verb for it
    # The webhook event type the platform is sent for this move ("" none).
    message: str = ""
    # Shipments: only parcels of these kinds send the message (empty: all).
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """The REST contract's code and words for a move the table refuses."""

    code: str
    describe: Callable[[Any], str]


Guard = Callable[[Any], None]
Tell = Callable[[Any, Move, dict], None]


class StateMachine:
    """One model's ``status``: its table of moves and the one way to make them."""

    def __init__(
        self,
        *,
        model: type[models.Model],
        name_field: str,
        moves: Iterable[Move],
        refusals: dict[tuple[str, str], Refusal] | None = None,
        related: tuple[str, ...] = (),
        tell: Tell | None = None,
    ):
        self.model = model
        self.name_field = name_field
        self.moves = tuple(moves)
        self.refusals = refusals or {}
        self.related = related  # read with the row when the transition re-reads it
        self.tell = tell
        self.allowed: dict[str, dict[str, Move]] = defaultdict(dict)
        for move in self.moves:
            if move.target in self.allowed[move.source]:
                raise ValueError(f"{move.source} → {move.target} is listed twice.")
            self.allowed[move.source][move.target] = move
        self.guards: dict[tuple[str, str], list[Guard]] = defaultdict(list)

    def guard_register(self, *, source: str, target: str, guard: Guard) -> None:
        """Add a rule to one move: ``guard(obj)`` raises a domain error to refuse."""
        if target not in self.allowed.get(source, {}):
            raise ValueError(f"No transition {source} → {target} to guard.")
        if guard not in self.guards[(source, target)]:
            self.guards[(source, target)].append(guard)

    def allowed_next(self, obj) -> list[Move]:
        """The moves the table allows from ``obj``'s status (guards not run)."""
        return list(self.allowed.get(obj.status, {}).values())

    def sources(self, target: str) -> list[str]:
        """The statuses from which the table allows a move to ``target``."""
        return [m.source for m in self.moves if m.target == target]

    def refusal(self, obj, to: str) -> DomainError | None:
        """Why ``obj`` may not move to ``to``, or None: the table, then the guards.

        Reads ``obj`` as given and changes nothing.
        """
        if to not in self.allowed.get(obj.status, {}):
            return self._refused(obj, to)
        for guard in self.guards.get((obj.status, to), ()):
            try:
                guard(obj)
            except DomainError as exc:
                return exc
        return None

    def _refused(self, obj, to: str) -> TransitionRefused:
        allowed = [str(target) for target in self.allowed.get(obj.status, {})]
        fields = {"status": obj.status, "allowed": allowed, "target": to}
        known = self.refusals.get((obj.status, to)) or self.refusals.get((ANY, to))
        if known is not None:
            return TransitionRefused(
                known.describe(obj), code=known.code, fields=fields
            )
        facts = {
            "what": capfirst(self.model._meta.verbose_name),
            "name": getattr(obj, self.name_field),
            "status": obj.status,
            "target": to,
            "allowed": ", ".join(allowed),
        }
        if allowed:
            message = (
                _(
                    "%(what)s %(name)s is %(status)s and cannot become %(target)s; "
                    "allowed next: %(allowed)s."
                )
                % facts
            )
        else:
            message = (
                _("%(what)s %(name)s is %(status)s, a final state; it cannot change.")
                % facts
            )
        return TransitionRefused(message, fields=fields)

    def transition(
        self,
        *,
        obj,
        to: str,
        actor=None,
        station=None,
        reason: str = "",
        payload: dict | None = None,
        changes: dict | None = None,
        stamp: tuple[str, ...] = (),
        locked: bool = False,
        context: dict | None = None,
    ):
        """Move ``obj`` to status ``to``, record it, tell the platform; return ``obj``.

        ``changes`` sets other fields in the same save; the fields named in
        ``stamp`` get the move's time. ``locked=True`` says the caller already
        holds the row (read ``FOR UPDATE``, or created, in the current
        transaction): it is used as read. ``context`` is handed to the message.
        Raises :class:`TransitionRefused` (or a guard's error) and changes
        nothing when the move is not allowed from the row's current status.
        """
        # As item_transition: joins the caller's transaction without a
        # savepoint; a refusal spoils an enclosing transaction, as any error.
        held = locked and transaction.get_connection().in_atomic_block
        with transaction.atomic(savepoint=False):
            if held:
                current = obj
            else:
                current = (
                    self.model.objects.select_for_update(of=("self",))
                    .select_related(*self.related)
                    .get(pk=obj.pk)
                )
            refusal = self.refusal(current, to)
            if refusal is not None:
                raise refusal
            move = self.allowed[current.status][to]
            now = timezone.now()
            entry = {
                "from": current.status,
                "to": to,
                "at": now.isoformat(),
                "actor": getattr(actor, "pk", None),
            }
            if station is not None:
                entry["station"] = station.pk
            if reason:
                entry["reason"] = reason
            if payload:
                entry["payload"] = payload
            fields = {
                "status": to,
                "history": [*(current.history or []), entry],
                **(changes or {}),
            }
            fields.update(dict.fromkeys(stamp, now))
            for name, value in fields.items():
                setattr(current, name, value)
            current.save(update_fields=list(fields))
            if (
                move.message
                and self.tell is not None
                and (not move.kinds or current.kind in move.kinds)
            ):
                self.tell(current, move, context or {})
        # Keep the caller's instance (with its loaded relations) in step.
        for name, value in fields.items():
            setattr(obj, name, value)
        return obj


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


def _order_tell(order: Order, move: Move, context: dict) -> None:
    from .services.notify import order_dispatched, order_event

    if move.target == OS.DISPATCHED:  # with tracking and certificate links
        order_dispatched(order, context["shipment"])
    else:
        order_event(order, move.message)


ORDERS = StateMachine(
    model=Order,
    name_field="external_id",
    moves=ORDER_MOVES,
    refusals=ORDER_REFUSALS,
    related=("merchant", "warehouse"),
    tell=_order_tell,
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
        actor=actor,
        station=station,
        reason=reason,
        payload=payload,
        changes=changes,
        stamp=stamp,
        locked=locked,
        context={"shipment": shipment},
    )


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


def _shipment_tell(shipment: Shipment, move: Move, context: dict) -> None:
    from .services.notify import shipment_event

    shipment_event(shipment, move.message)


SHIPMENTS = StateMachine(
    model=Shipment,
    name_field="reference",
    moves=SHIPMENT_MOVES,
    refusals=SHIPMENT_REFUSALS,
    related=("order",),
    tell=_shipment_tell,
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
        actor=actor,
        station=station,
        reason=reason,
        payload=payload,
        changes=changes,
        stamp=stamp,
        locked=locked,
    )


def shipment_refusal(shipment: Shipment, to: str) -> DomainError | None:
    """Why ``shipment`` may not move to ``to`` now, or None."""
    return SHIPMENTS.refusal(shipment, to)


# --- manifests --------------------------------------------------------------------

MANIFEST_MOVES: tuple[Move, ...] = (
    Move(Manifest.Status.OPEN, Manifest.Status.CLOSED, "close"),
)

MANIFESTS = StateMachine(model=Manifest, name_field="number", moves=MANIFEST_MOVES)


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
        actor=actor,
        station=station,
        reason=reason,
        changes=changes,
        stamp=stamp,
        locked=locked,
    )
