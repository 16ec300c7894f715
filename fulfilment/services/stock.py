"""Stock on the shelf and allocation of certified items to orders.

Order-first: an item is allocated to its own order as soon as it is certified
(the order names its code, or the item was announced with the order's id as
``order_ref``), whichever of item and order arrived first. Stock-first: a
line for ``quantity`` units of a SKU takes units from the certified lots of
that SKU at the order's warehouse, earliest expiry first (FEFO), never from a
lot whose remaining shelf life on the dispatch date would be below the
category's minimum.

Concurrency: lots are locked ``FOR UPDATE`` in FEFO order before any is
taken, so two allocations on PostgreSQL serialise on the same lots, in the
same order (no deadlock), and a unit is never given to two orders; the
database also refuses a lot allocated beyond its quantity.
"""

import datetime as dt
import math
import zoneinfo

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from inspection.models import Certificate, InspectionCheck
from inspection.rules import claim_expiry
from inspection.selectors import certificate_current_for_item
from warehouse import lifecycle
from warehouse.common.jobs import job_record
from warehouse.models import CategoryFlow, Item, ItemEvent, ItemState

from ..lifecycle import order_transition
from ..models import Allocation, HeldForMerchant, Order, OrderLine, StockLot
from ..selectors import related_known

S = ItemState
OPEN_STATUSES = (Order.Status.OPEN, Order.Status.ALLOCATED)


# --- stock lots -------------------------------------------------------------------


def _shelf_life_rule(item: Item) -> dict:
    """The shelf-life parameters of the inspection behind the item's certificate."""
    certificate = certificate_current_for_item(item)
    if certificate is None or certificate.status != Certificate.Status.VALID:
        return {}
    rule = (
        InspectionCheck.objects.filter(
            inspection_id=certificate.inspection_id, kind="shelf_life"
        )
        .values_list("rule", flat=True)
        .first()
    )
    return (rule or {}).get("params", {})


def sell_by_date(claim: dict, params: dict) -> tuple[dt.date | None, dt.date | None]:
    """(expiry, last dispatch date keeping the minimum remaining shelf life)."""
    expiry = claim_expiry(claim)
    if expiry is None:
        return None, None
    keep = int(params.get("min_remaining_days") or 0)
    share = params.get("min_remaining_share")
    production = claim.get("production_date")
    if share and production:
        total = (expiry - dt.date.fromisoformat(production)).days
        keep = max(keep, math.ceil(float(share) * total))
    return expiry, expiry - dt.timedelta(days=keep)


def stock_lot_put(item: Item) -> StockLot:
    """Put a certified, unclaimed item on the shelf as a lot of its quantity."""
    expiry, sell_by = sell_by_date(item.claim, _shelf_life_rule(item))
    lot, _created = StockLot.objects.update_or_create(
        item=item,
        defaults={
            "merchant_id": item.merchant_id,
            "warehouse_id": item.warehouse_id,
            "sku": item.sku,
            "quantity": item.quantity,
            "expires_on": expiry,
            "sell_by": sell_by,
            "is_active": True,
        },
    )
    return lot


def on_item_transition(item: Item, event: ItemEvent) -> None:
    """Lifecycle observer: keep stock in step and react to certification.

    A stock-first item that becomes certified goes on the shelf and waiting
    lines of its SKU are allocated; an order-first item is allocated to its
    order by a job (it cannot move again inside its own move). An item that
    leaves ``certified`` other than by allocation (re-inspection after a
    revocation, return) leaves the shelf.
    """
    if event.to_state == S.CERTIFIED and event.from_state == S.PASSED:
        job_record(
            name="fulfilment.item_certified",
            args={"item_id": item.pk},
            key=f"certified:{item.pk}",
        )
    elif event.from_state == S.CERTIFIED and event.to_state in (
        S.INSPECTING,
        S.RETURNING,
    ):
        StockLot.objects.filter(item=item).update(is_active=False)


def item_certified(*, item_id: int) -> None:
    """Job: a newly certified item goes to its order, its merchant, or the shelf."""
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item_id)
        if (
            item.state != S.CERTIFIED
            or item.allocations.filter(cancelled_at=None).exists()
        ):
            return
        line = order_line_for_item(item)
        if line is not None and line.order.status == Order.Status.CANCELLED:
            HeldForMerchant.objects.get_or_create(item=item, order=line.order)
            lifecycle.item_event_record(
                item=item,
                actor=None,
                reason_code="order_cancelled_held",
                reason_params={"order": line.order.external_id},
            )
            return
        if line is not None:
            _allocate_item(line, item)
            order_status_update(line.order)
            return
        if item.category.flow == CategoryFlow.STOCK_FIRST:
            stock_lot_put(item)
            lines_waiting = OrderLine.objects.filter(
                order__merchant_id=item.merchant_id,
                order__warehouse_id=item.warehouse_id,
                order__status=Order.Status.OPEN,
                sku=item.sku,
                item_code="",
            ).values_list("order_id", flat=True)
            for order_id in sorted(set(lines_waiting)):
                job_record(
                    name="fulfilment.order_allocate",
                    args={"order_id": order_id},
                    key=f"allocate:{order_id}",
                )


def order_line_for_item(item: Item) -> OrderLine | None:
    """The order line an order-first item belongs to, if its order exists."""
    lines = OrderLine.objects.select_related("order").filter(
        order__merchant_id=item.merchant_id
    )
    line = lines.filter(item_code=item.code).first()
    if line is None and item.order_ref:
        line = lines.filter(
            order__external_id=item.order_ref, sku=item.sku, item_code=""
        ).first()
        if line is not None:
            line.item_code = item.code
            line.save(update_fields=["item_code"])
    return line


# --- allocation -------------------------------------------------------------------


def _allocate_item(line: OrderLine, item: Item) -> Allocation:
    allocation = Allocation.objects.create(line=line, item=item, quantity=1)
    lifecycle.item_allocate(
        item=item,
        actor=None,
        reason_code="allocated_to_order",
        reason_params={"order": line.order.external_id},
        payload={"order": line.order.external_id},
    )
    return allocation


def _allocated(line: OrderLine) -> int:
    return (
        line.allocations.filter(cancelled_at=None).aggregate(n=Sum("quantity"))["n"]
        or 0
    )


def dispatch_date(order: Order) -> dt.date:
    """The local date by which the order must leave (its deadline's date)."""
    zone = zoneinfo.ZoneInfo(order.warehouse.time_zone)
    return order.deadline.astimezone(zone).date()


def _allocate_stock(line: OrderLine, order: Order, have: int) -> list[Allocation]:
    """Take the line's missing units from lots of its SKU, FEFO; returns the
    allocations made (possibly fewer units than missing, or none).

    Candidates are read without locks, then locked one at a time in FEFO
    order and re-checked: concurrent orders queue on the first lot with
    units left instead of all locking every lot (and never deadlock, since
    they lock in the same order).
    """
    wanted = line.quantity - have
    made: list[Allocation] = []
    if wanted <= 0:
        return made
    day = dispatch_date(order)
    candidates = (
        StockLot.objects.filter(
            merchant_id=order.merchant_id,
            warehouse_id=order.warehouse_id,
            sku=line.sku,
            is_active=True,
            allocated__lt=F("quantity"),
        )
        .filter(Q(sell_by__isnull=True) | Q(sell_by__gte=day))
        .order_by(F("expires_on").asc(nulls_last=True), "id")
        .values_list("pk", flat=True)
    )
    for lot_id in list(candidates[:50]):
        lot = (
            StockLot.objects.select_for_update(of=("self",))
            .select_related("item")
            .get(pk=lot_id)
        )
        take = min(wanted, lot.quantity - lot.allocated)
        if take <= 0 or not lot.is_active or lot.item.state != S.CERTIFIED:
            continue
        # A lot's units are recorded as allocations (and later as parcel
        # contents), not as events in the lot's own history: a lot of
        # thousands of units would carry thousands of events.
        made.append(Allocation.objects.create(line=line, item=lot.item, quantity=take))
        StockLot.objects.filter(pk=lot.pk).update(allocated=F("allocated") + take)
        wanted -= take
        if wanted == 0:
            break
    return made


def order_allocate(*, order_id: int) -> Order:
    """Allocate what can be allocated to an open order, and update its status.

    Order-first lines take their certified item; stock-first lines take units
    FEFO. A line that cannot be filled yet waits: it is allocated when its
    item is certified or stock of its SKU arrives.
    """
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .get(pk=order_id)
        )
        if order.status == Order.Status.OPEN:
            lines_allocate(order, list(order.lines.all()))
    return order


def lines_allocate(order: Order, lines: list[OrderLine], *, new: bool = False) -> None:
    """Allocate ``lines`` of ``order`` (locked, or created in this transaction:
    ``new``, so nothing is allocated yet) and mark it allocated when full."""
    filled = True
    for line in lines:
        made: list[Allocation] = []
        if line.item_code:
            done = not new and line.allocations.filter(cancelled_at=None).exists()
            if not done:
                item = (
                    Item.objects.select_for_update()
                    .filter(code=line.item_code, merchant_id=order.merchant_id)
                    .first()
                )
                if item is not None and item.state == S.CERTIFIED:
                    made.append(_allocate_item(line, item))
                    done = True
        else:
            have = 0 if new else _allocated(line)
            made = _allocate_stock(line, order, have)
            done = have + sum(a.quantity for a in made) >= line.quantity
        if new:  # all it has: the answer needs no read back
            related_known(line, "allocations", made)
        filled = filled and done
    if filled:  # the order is locked, or new: no second read
        order_transition(order=order, to=Order.Status.ALLOCATED, locked=True)


def order_status_update(order: Order) -> None:
    """``open`` becomes ``allocated`` once every line is fully allocated.

    ``order`` may be a plain read: the move locks it and is judged on the
    locked row (an order cancelled meanwhile is refused, not overwritten).
    """
    if order.status != Order.Status.OPEN:
        return  # nothing left to allocate
    for line in order.lines.all():
        if _allocated(line) < line.quantity:
            return
    order_transition(order=order, to=Order.Status.ALLOCATED)


def allocations_cancel(order: Order, *, actor) -> list[Item]:
    """Give back everything allocated to a cancelled order; return its items.

    Lot units go back on the shelf; order-first items go back to
    ``certified`` (unpacked first if they were packed).
    """
    now = timezone.now()
    items = []
    allocations = (
        Allocation.objects.select_related("item")
        .filter(line__order=order, cancelled_at=None)
        .order_by("item_id")
    )
    for allocation in allocations:
        item = Item.objects.select_for_update().get(pk=allocation.item_id)
        allocation.cancelled_at = now
        allocation.save(update_fields=["cancelled_at"])
        reason = {
            "reason_code": "order_cancelled_to_stock",
            "reason_params": {"order": order.external_id},
        }
        if item.state == S.CERTIFIED:  # units of a lot: back on the shelf
            StockLot.objects.filter(item=item).update(
                allocated=F("allocated") - allocation.quantity
            )
        elif item.state == S.ALLOCATED:
            lifecycle.item_deallocate(item=item, actor=actor, **reason)
        elif item.state == S.PACKED:
            lifecycle.item_unpack(item=item, actor=actor, **reason)
        items.append(item)
    return items
