"""Orders from the platform accepted, one or a batch: idempotent on the
platform's id, every check made before anything is written, the work done
per batch."""

import hashlib
import json
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict, DomainError, Forbidden, InvalidInput
from warehouse.models import CategoryFlow, Item, ItemState, Merchant, Warehouse

from ...lifecycle import order_transition
from ...models import EarlyCancellation, Order, OrderLine
from ...promises import promise_deadline
from ...selectors import related_known
from ..stock import order_line_for_item, orders_lines_allocate
from .cancel import hold_named_items
from .common import ORDER_ROLES, order_id_lock, platform_of

S = ItemState
GONE = (S.FAILED, S.RETURNING, S.RETURNED_TO_MERCHANT, S.RELEASED)


def _fingerprint(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refuse(field: str, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, code=code, fields={field: [message]})


BATCH_MAX = 1000  # orders in one batch (POST /api/v1/orders/batch/)


@dataclass
class Accepted:
    """What became of one order of an intake: ``created`` (``order`` new),
    ``duplicate`` (``order`` the one stored under its id, with the same
    content) or ``refused`` (``error``; nothing of it was written)."""

    order_id: str
    status: str
    order: Order | None = None
    error: DomainError | None = None


def order_create(*, principal: Principal, data: dict) -> tuple[Order, bool]:
    """Accept a platform order; (order, created).

    ``data`` is the validated request (see ``OrderCreateInput``). The same
    ``order_id`` with the same content answers the existing order (a repeat);
    with other content it is a 409. Lines naming an item code are order-first;
    lines naming a SKU take stock, or wait for the item announced with this
    order's id as its ``order_ref``. An order the platform cancelled before
    sending it (see :func:`~.cancel.order_cancel_by_id`) is accepted cancelled.
    One order is a batch of one (:func:`orders_accept`).
    """
    (outcome,) = orders_accept(principal=principal, orders=[data])
    if outcome.error is not None:
        raise outcome.error
    return outcome.order, outcome.status == "created"


def order_sender_check(*, principal: Principal) -> None:
    """Refuse anyone but the platform (or an admin) sending orders."""
    if principal.role not in ORDER_ROLES:
        raise Forbidden(_("Only the platform sends orders."), code="role_cannot_order")


def orders_accept(*, principal: Principal, orders: list[dict]) -> list[Accepted]:
    """Accept platform orders (each as :func:`order_create` takes it) in one
    transaction; answer what became of each, in order.

    An order refused (unknown merchant, an item taken, its id used for other
    content …) is answered with its error and does not stop the others;
    nothing of it is written. The same id with the same content, stored
    before or earlier in the same batch, is a ``duplicate``. Every check is
    made before anything is written, and the work is done per batch, not per
    order: one query for each kind of thing looked up, one INSERT of the
    orders and one of their lines, the stock-first lines allocated at once
    (:func:`~fulfilment.services.stock.orders_lines_allocate`).
    """
    order_sender_check(principal=principal)
    if len(orders) > BATCH_MAX:
        raise InvalidInput(
            _("A batch holds at most %(max)d orders.") % {"max": BATCH_MAX},
            fields={"orders": [str(BATCH_MAX)]},
        )
    try:
        return _accept(principal, orders)
    except IntegrityError:
        # An id accepted meanwhile by another request (where the database has
        # no advisory locks to queue on: SQLite): judged again, a duplicate.
        return _accept(principal, orders)


def _accept(principal: Principal, orders: list[dict]) -> list[Accepted]:
    from ..notify import webhook_events_together

    outcomes: list[Accepted] = []
    # A batch's webhook messages (each order's events folded into its
    # message) are written together when it is done: one INSERT. (Its items'
    # own moves are told as they happen, before them; one order alone tells
    # them in the order they happen.)
    together = webhook_events_together() if len(orders) > 1 else nullcontext()
    with transaction.atomic(), together:
        ids = sorted({data["order_id"] for data in orders})
        order_id_lock(*ids)
        intake = _Intake(principal, orders, ids)
        new: list[tuple[Order, list[OrderLine]]] = []
        for data in orders:
            try:
                outcome = intake.judge(data)
            except DomainError as exc:
                outcome = Accepted(data["order_id"], "refused", error=exc)
            if outcome.status == "created":
                new.append((outcome.order, outcome.order._new_lines))
            outcomes.append(outcome)
        if new:
            _orders_write(new, intake, actor=principal.user)
    return outcomes


class _Intake:
    """What a batch looks up once, and what its orders already took: the
    orders stored under its ids, merchants, warehouses, cancellations ahead,
    the named items (locked) and the items taken."""

    def __init__(self, principal: Principal, orders: list[dict], ids: list[str]):
        self.platform = platform_of(principal)
        self.seen: dict[str, Order] = {
            order.external_id: order
            for order in Order.objects.filter(external_id__in=ids)
        }
        self.merchants = {
            m.code: m
            for m in Merchant.objects.filter(
                code__in={data["merchant"] for data in orders}, is_active=True
            )
        }
        self.warehouses = {
            w.code: w
            for w in Warehouse.objects.filter(
                code__in={data["warehouse"] for data in orders}, is_active=True
            )
        }
        unseen = [i for i in ids if i not in self.seen]
        self.early: dict[str, EarlyCancellation] = {}
        if unseen:
            for early in EarlyCancellation.objects.filter(
                Q(platform=self.platform) | Q(platform__isnull=True),
                external_id__in=unseen,
            ).order_by("pk"):
                self.early.setdefault(early.external_id, early)
        codes = {
            line["item_code"]
            for data in orders
            for line in data["lines"]
            if line.get("item_code")
        }
        self.items: dict[str, Item] = {}
        self.taken: set[str] = set()
        if codes:
            # Locked, so that two orders naming one item at once cannot both take it.
            self.items = {
                item.code: item
                for item in Item.objects.select_related("category")
                .select_for_update(of=("self",))
                .filter(code__in=codes)
                .order_by("pk")
            }
            self.taken = set(
                OrderLine.objects.filter(item_code__in=codes)
                .exclude(order__status=Order.Status.CANCELLED)
                .values_list("item_code", flat=True)
            )

    def judge(self, data: dict) -> Accepted:
        """One order: a duplicate, or new (built, not saved); raises its refusal."""
        order_id = data["order_id"]
        fingerprint = _fingerprint(data)
        stored = self.seen.get(order_id)
        if stored is not None:
            return Accepted(order_id, "duplicate", order=_repeat(stored, fingerprint))
        merchant = self.merchants.get(data["merchant"])
        if merchant is None:
            raise _refuse("merchant", _("Unknown merchant %s.") % data["merchant"])
        warehouse = self.warehouses.get(data["warehouse"])
        if warehouse is None:
            raise _refuse("warehouse", _("Unknown warehouse %s.") % data["warehouse"])
        ordered_at = data.get("ordered_at") or timezone.now()
        buyer = data["buyer"]
        order = Order(
            external_id=order_id,
            platform=self.platform,
            merchant=merchant,
            warehouse=warehouse,
            fingerprint=fingerprint,
            buyer_name=buyer["name"],
            buyer_phone=buyer["phone"],
            buyer_email=buyer.get("email", ""),
            buyer_province=buyer.get("province", ""),
            buyer_city=buyer.get("city", ""),
            buyer_address=buyer["address"],
            buyer_postcode=buyer.get("postcode", ""),
            carrier=data["carrier"],
            promise=data["promise"],
            ordered_at=ordered_at,
            deadline=promise_deadline(
                promise=data["promise"],
                ordered_at=ordered_at,
                time_zone=warehouse.time_zone,
            ),
        )
        lines = self._lines(order, data["lines"])
        order._new_lines = lines
        self.seen[order_id] = order  # a repeat later in the batch is a duplicate
        self.taken.update(line.item_code for line in lines if line.item_code)
        return Accepted(order_id, "created", order=order)

    def _lines(self, order: Order, lines: list[dict]) -> list[OrderLine]:
        codes = [line["item_code"] for line in lines if line.get("item_code")]
        if len(codes) != len(set(codes)):
            raise _refuse("lines", _("An item code appears on two lines."))
        rows = []
        for number, line in enumerate(lines, start=1):
            code = line.get("item_code", "")
            if not code:
                rows.append(
                    OrderLine(
                        order=order,
                        line=number,
                        sku=line["sku"],
                        quantity=line.get("quantity", 1),
                    )
                )
                continue
            field = f"lines[{number - 1}].item_code"
            item = self.items.get(code)
            if item is None or item.merchant_id != order.merchant_id:
                raise _refuse(
                    field,
                    _("No item %(code)s of merchant %(merchant)s.")
                    % {"code": code, "merchant": order.merchant.code},
                    code="unknown_item",
                )
            if item.warehouse_id != order.warehouse_id:
                raise _refuse(
                    field,
                    _("Item %(code)s is at another warehouse.") % {"code": code},
                    code="wrong_warehouse",
                )
            if item.category.flow != CategoryFlow.ORDER_FIRST:
                raise _refuse(
                    field,
                    _("Item %(code)s is stock; order it by SKU.") % {"code": code},
                )
            if code in self.taken or item.state in GONE:
                raise Conflict(
                    _("Item %(code)s is not available (%(state)s).")
                    % {"code": code, "state": item.get_state_display()},
                    code="item_unavailable",
                    fields={field: [code]},
                )
            rows.append(
                OrderLine(order=order, line=number, item_code=code, sku=item.sku)
            )
        return rows


def _orders_write(
    new: list[tuple[Order, list[OrderLine]]], intake: _Intake, *, actor
) -> None:
    """Write the accepted orders of a batch: one INSERT of the orders, one of
    their lines, then each order's ``order.created``, the cancellations ahead,
    and the allocation of the rest at once."""
    from ..notify import order_event

    Order.objects.bulk_create([order for order, _lines in new])
    rows = []
    for order, lines in new:
        for line in lines:
            line.order = order  # now with its pk
        rows.extend(lines)
        del order._new_lines
    OrderLine.objects.bulk_create(rows)
    _lines_tie_announced(new)
    allocate = []
    for order, lines in new:
        order_event(order, "order.created")
        related_known(order, "lines", lines)
        related_known(order, "shipments", [])
        early = intake.early.get(order.external_id)
        if early is not None:  # cancelled before it came: nothing allocated
            _cancelled_ahead(order, lines, early, actor=actor)
        else:
            allocate.append((order, lines))
    # What can be allocated now is, in the orders' own transaction; the rest
    # when its item is certified or its SKU restocked.
    orders_lines_allocate(allocate, new=True)


def _lines_tie_announced(new: list[tuple[Order, list[OrderLine]]]) -> None:
    """Order-first items announced before their order, with its id as
    ``order_ref``, are tied to its line of their SKU."""
    orders = {order.external_id: (order, lines) for order, lines in new}
    announced = (
        Item.objects.filter(order_ref__in=list(orders))
        .exclude(order_ref="")
        .exclude(state__in=GONE)
    )  # the partial index
    for item in announced:
        order, lines = orders[item.order_ref]
        if item.merchant_id != order.merchant_id:
            continue
        tied = order_line_for_item(item)
        for row in lines:
            if tied is not None and row.pk == tied.pk:
                row.item_code = tied.item_code


def _cancelled_ahead(order: Order, lines: list[OrderLine], early, *, actor) -> None:
    """Accept a new order as cancelled: the platform cancelled it before it came."""
    order_transition(  # created in this transaction: the row is ours already
        order=order,
        to=Order.Status.CANCELLED,
        actor=actor,
        reason=early.reason,
        changes={"cancel_reason": early.reason},
        stamp=("cancelled_at",),
        locked=True,
    )
    for line in lines:
        related_known(line, "allocations", [])
    hold_named_items(order)


def _repeat(order: Order, fingerprint: str) -> Order:
    if order.fingerprint != fingerprint:
        raise Conflict(
            _("Order %(order)s was already received with different content.")
            % {"order": order.external_id},
            code="order_id_reused",
            fields={"order_id": [order.external_id]},
        )
    return order
