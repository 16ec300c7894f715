"""Orders cancelled (also before they come), an item of a cancelled order
refused at receipt or held for its merchant's decision, and that decision."""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal, Role, tenant_scope
from warehouse.common.exceptions import Conflict, Forbidden, NotFound
from warehouse.fastpath.refs import CACHES
from warehouse.models import Category, CategoryFlow, Item, ItemState

from ...lifecycle import order_transition
from ...models import EarlyCancellation, HeldForMerchant, MerchantPolicy, Order
from ...statements import cancelled_order_of
from ..stock import allocations_cancel, stock_lot_put
from .common import ORDER_ROLES, order_id_lock, platform_of

S = ItemState
ORDER_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # as OrderCreateInput accepts


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
            order_id_lock(external_id)
            if not Order.objects.filter(external_id=external_id).exists():
                EarlyCancellation.objects.get_or_create(
                    external_id=external_id,
                    platform=platform_of(principal),
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
        from ..shipping import shipments_cancel

        shipments_cancel(order, actor=principal.user)
        items = allocations_cancel(order, actor=principal.user)
        for item in items:
            if item.quantity == 1 and not hasattr(item, "stock"):
                _hold_for_merchant(item, order)
        hold_named_items(order)
    return order


def hold_named_items(order: Order) -> None:
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
            from ..shipping import return_create

            return_create(principal=principal, item=item)
    return item
