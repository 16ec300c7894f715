"""Orders from the platform: accept (idempotent on the platform's id), cancel,
the merchant's decision on an item whose order was cancelled, and promises."""

import hashlib
import json
import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal, Role, tenant_scope
from warehouse.common.exceptions import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from warehouse.fastpath.refs import CACHES
from warehouse.models import (
    Category,
    CategoryFlow,
    Item,
    ItemState,
    Merchant,
    Warehouse,
)

from ..lifecycle import order_transition
from ..models import (
    EarlyCancellation,
    HeldForMerchant,
    MerchantPolicy,
    Order,
    OrderLine,
    PromiseState,
)
from ..promises import promise_deadline, promise_status
from ..selectors import related_known
from ..statements import cancelled_order_of
from .stock import (
    allocations_cancel,
    order_line_for_item,
    orders_lines_allocate,
    stock_lot_put,
)

S = ItemState
ORDER_ROLES = (Role.PLATFORM, Role.ADMIN)
ORDER_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # as OrderCreateInput accepts
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
    sending it (see :func:`order_cancel_by_id`) is accepted cancelled.
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
    from .notify import webhook_events_together

    outcomes: list[Accepted] = []
    # A batch's webhook messages (each order's events folded into its
    # message) are written together when it is done: one INSERT. (Its items'
    # own moves are told as they happen, before them; one order alone tells
    # them in the order they happen.)
    together = webhook_events_together() if len(orders) > 1 else nullcontext()
    with transaction.atomic(), together:
        ids = sorted({data["order_id"] for data in orders})
        _order_id_lock(*ids)
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
        self.platform = _platform_of(principal)
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
    from .notify import order_event

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


def _platform_of(principal: Principal):
    """The platform account acting, or None for an admin."""
    if principal.role != Role.PLATFORM:
        return None
    return getattr(principal.user, "platform_account", None)


def _order_id_lock(*external_ids: str) -> None:
    """Serialise accepting orders ``external_ids`` with cancelling them ahead,
    and with other requests accepting them, so that an order and its
    cancellation arriving at once cannot miss each other, and an id is
    judged new by one request at a time (PostgreSQL; SQLite has one writer
    at a time anyway). Locks are taken in the order given: callers sort."""
    if connection.vendor == "postgresql" and external_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('order:' || id))"
                " FROM unnest(%s::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n",
                [list(external_ids)],
            )


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
    _hold_named_items(order)


def _repeat(order: Order, fingerprint: str) -> Order:
    if order.fingerprint != fingerprint:
        raise Conflict(
            _("Order %(order)s was already received with different content.")
            % {"order": order.external_id},
            code="order_id_reused",
            fields={"order_id": [order.external_id]},
        )
    return order


def order_get_for(principal: Principal, external_id: str) -> Order:
    """One order the caller may see, read alone (for actions on it)."""
    orders = tenant_scope(
        Order.objects.select_related("warehouse", "merchant"), principal
    )
    order = orders.filter(external_id=external_id).first()
    if order is None:
        raise NotFound(_("No order %s.") % external_id, code="order_not_found")
    return order


def order_cancel_by_id(
    *, principal: Principal, external_id: str, reason: str = ""
) -> Order | None:
    """Cancel order ``external_id`` (see :func:`order_cancel`).

    The platform's pushes can overtake each other: the platform (or an admin)
    cancelling an order not received yet is recorded, and the order is
    accepted already cancelled when it comes; None is returned then. Anyone
    else gets :class:`NotFound` for an unknown order.
    """
    try:
        order = order_get_for(principal, external_id)
    except NotFound:
        if principal.role not in ORDER_ROLES or not ORDER_ID.fullmatch(external_id):
            raise
        with transaction.atomic():
            _order_id_lock(external_id)
            if not Order.objects.filter(external_id=external_id).exists():
                EarlyCancellation.objects.get_or_create(
                    external_id=external_id,
                    platform=_platform_of(principal),
                    defaults={"reason": reason[:300]},
                )
                return None
        order = order_get_for(principal, external_id)  # it came meanwhile
    return order_cancel(principal=principal, order=order, reason=reason)


def order_cancel(*, principal: Principal, order: Order, reason: str = "") -> Order:
    """Cancel an order that has not left: the buyer's order never ships.

    Allocated units go back to stock; an order-first item already in the
    warehouse is held for its merchant's decision (return or keep). An item
    still on its way follows the merchant's policy when it arrives: refused
    at receiving, or inspected and held (see :func:`receive_guard`).
    Cancelling twice is a no-op; a dispatched order cannot be cancelled (409).
    """
    if principal.role not in (*ORDER_ROLES, Role.SUPERVISOR):
        raise Forbidden(
            _("Only the platform cancels orders."), code="role_cannot_order"
        )
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("merchant", "warehouse")
            .get(pk=order.pk)
        )
        if order.status == Order.Status.CANCELLED:
            return order  # cancelling twice changes nothing
        # A dispatched order is refused by the table (order_dispatched).
        order_transition(
            order=order,
            to=Order.Status.CANCELLED,
            actor=principal.user,
            reason=reason[:300],
            changes={"cancel_reason": reason[:300]},
            stamp=("cancelled_at",),
            locked=True,
        )
        from .shipping import shipments_cancel

        shipments_cancel(order, actor=principal.user)
        items = allocations_cancel(order, actor=principal.user)
        for item in items:
            if item.quantity == 1 and not hasattr(item, "stock"):
                _hold_for_merchant(item, order)
        _hold_named_items(order)
    return order


def _hold_named_items(order: Order) -> None:
    """Items the cancelled order names that wait in the warehouse are held
    for their merchant's decision."""
    for line in order.lines.exclude(item_code=""):
        item = Item.objects.filter(code=line.item_code).first()
        if item is not None and item.state in (S.PASSED, S.CERTIFIED):
            _hold_for_merchant(item, order)


def _hold_for_merchant(item: Item, order: Order) -> None:
    _held, created = HeldForMerchant.objects.get_or_create(item=item, order=order)
    if created:
        lifecycle.item_event_record(
            item=item,
            actor=None,
            reason_code="order_cancelled_held",
            reason_params={"order": order.external_id},
        )


def receive_guard(item: Item) -> None:
    """Guard for announced → received: refuse an item whose order was
    cancelled when its merchant asked for that.

    Only order-first items belong to an order; for them it costs one indexed
    query (:func:`~fulfilment.statements.cancelled_order_of`; lots cost
    nothing).
    """
    if CACHES[Category].get(item.category_id).flow != CategoryFlow.ORDER_FIRST:
        return
    cancelled = cancelled_order_of(item)
    if cancelled is None:
        return
    policy = MerchantPolicy.objects.filter(merchant_id=item.merchant_id).first()
    if policy is None or policy.on_cancel == MerchantPolicy.OnCancel.REFUSE:
        raise Conflict(
            _(
                "Refuse this parcel: order %(order)s was cancelled and the merchant "
                "asked for such items to be refused."
            )
            % {"order": cancelled},
            code="order_cancelled",
        )


def held_decide(*, principal: Principal, item: Item, decision: str) -> Item:
    """The merchant's decision on an item held after its order was cancelled."""
    if principal.role not in (Role.MERCHANT, Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(_("Only the merchant decides."), code="permission_denied")
    with transaction.atomic():
        held = (
            HeldForMerchant.objects.select_for_update()
            .filter(item=item, decision=HeldForMerchant.Decision.PENDING)
            .first()
        )
        if held is None:
            raise Conflict(
                _("Item %(code)s is not waiting for a decision.") % {"code": item.code},
                code="no_decision_pending",
            )
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.state != S.CERTIFIED:
            raise Conflict(
                _("Item %(code)s is %(state)s; decide once it is certified.")
                % {"code": item.code, "state": item.get_state_display()},
                code="not_certified",
            )
        held.decision = decision
        held.decided_at = timezone.now()
        held.decided_by = principal.user
        held.save(update_fields=["decision", "decided_at", "decided_by"])
        if decision == HeldForMerchant.Decision.KEEP:
            stock_lot_put(item)
            lifecycle.item_event_record(
                item=item, actor=principal.user, reason_code="kept_as_stock"
            )
        else:
            from .shipping import return_create

            return_create(principal=principal, item=item)
    return item


# --- dispatch promises ---------------------------------------------------------------


def promises_sweep(*, now=None) -> dict:
    """Periodic (beat): flag orders whose promise is at risk or breached."""
    now = now or timezone.now()
    counts = {PromiseState.AT_RISK: 0, PromiseState.BREACHED: 0}
    pending = Order.objects.filter(
        status__in=[Order.Status.OPEN, Order.Status.ALLOCATED, Order.Status.PACKED],
        deadline__lte=now + timedelta(hours=2),
    ).exclude(promise_state=PromiseState.BREACHED)
    from .notify import order_event

    for order in pending.select_related("warehouse"):
        state = promise_status(deadline=order.deadline, now=now)
        if state in counts and state != order.promise_state:
            with transaction.atomic():
                changed = Order.objects.filter(
                    pk=order.pk, promise_state=order.promise_state
                ).update(promise_state=state)
                if changed:
                    order.promise_state = state
                    order_event(order, f"order.promise_{state}")
                    counts[state] += 1
    return {str(k): v for k, v in counts.items()}


def dispatch_figures(*, orders) -> list[dict]:
    """On-time dispatch per warehouse and merchant over ``orders``."""
    rows = (
        orders.values("warehouse__code", "merchant__code")
        .annotate(
            met=Count("id", filter=Q(promise_state=PromiseState.MET)),
            late=Count("id", filter=Q(promise_state=PromiseState.LATE)),
            breached=Count(
                "id",
                filter=Q(promise_state=PromiseState.BREACHED)
                & ~Q(status=Order.Status.CANCELLED),
            ),
            open=Count(
                "id",
                filter=Q(
                    status__in=[
                        Order.Status.OPEN,
                        Order.Status.ALLOCATED,
                        Order.Status.PACKED,
                    ]
                ),
            ),
        )
        .order_by("warehouse__code", "merchant__code")
    )
    figures = []
    for row in rows:
        judged = row["met"] + row["late"] + row["breached"]
        figures.append(
            {
                "warehouse": row["warehouse__code"],
                "merchant": row["merchant__code"],
                "on_time": row["met"],
                "late": row["late"],
                "breached": row["breached"],
                "open": row["open"],
                "on_time_rate": round(row["met"] / judged, 4) if judged else None,
            }
        )
    return figures
