"""Stock on the shelf and allocation of certified items to orders.

Order-first: an item is allocated to its own order as soon as it is certified
(the order names its code, or the item was announced with the order's id as
``order_ref``), whichever of item and order arrived first. Stock-first: a
line for ``quantity`` units of a SKU takes units from the certified lots of
that SKU at the order's warehouse, earliest expiry first (FEFO), never from a
lot whose remaining shelf life on the dispatch date would be below the
category's minimum.

Concurrency: the candidate lots of an allocation (one order's, a batch's, a
restock's) are locked ``FOR UPDATE`` together, in pk order, before any is
taken, so two allocations on PostgreSQL serialise on the same lots, in the
same order (no deadlock), and a unit is never given to two orders; the
database also refuses a lot allocated beyond its quantity.
"""

import datetime as dt
import math
import zoneinfo

from django.db import transaction
from django.db.models import Case, F, PositiveIntegerField, Q, Sum, Value, When
from django.utils import timezone

from inspection.models import Certificate, InspectionCheck
from inspection.rules import claim_expiry
from inspection.selectors import certificate_current_for_item
from warehouse import lifecycle
from warehouse.common.jobs import job_record, job_record_many
from warehouse.models import CategoryFlow, Item, ItemEvent, ItemState

from ..lifecycle import order_transition, order_transition_many
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
    on_items_transition([item], [event])


def on_items_transition(items: list[Item], events: list[ItemEvent]) -> None:
    """:func:`on_item_transition` for many moves at once (a batch of
    certificates): the jobs of the newly certified items in one statement."""
    placing = []
    for item, event in zip(items, events, strict=True):
        if event.to_state == S.CERTIFIED and event.from_state == S.RETURN_INSPECTING:
            # A buyer's unopened return back to stock: the units its old order
            # took came back with it, so its lot is whole again; the job puts
            # it on the shelf as at certification.
            StockLot.objects.filter(item=item).update(allocated=0)
        elif event.from_state == S.CERTIFIED and event.to_state in (
            S.INSPECTING,
            S.RETURNING,
        ):
            StockLot.objects.filter(item=item).update(is_active=False)
        if event.to_state == S.CERTIFIED and event.from_state in (
            S.PASSED,
            S.RETURN_INSPECTING,
        ):
            placing.append(({"item_id": item.pk}, f"certified:{item.pk}"))
    if placing:
        job_record_many(name="fulfilment.item_certified", each=placing)


def item_certified(*, item_id: int) -> None:
    """Job: a newly certified item goes to its order, its merchant, or the shelf."""
    items_certified(item_ids=[item_id])


PLACE_BATCH = 50
"""``fulfilment.item_certified`` jobs one run takes together at most: a batch
of certificates' items (:data:`inspection.services.certificates.ISSUE_BATCH`)."""


def items_certified_batch(batch: list[dict]) -> None:
    """The batch handler of ``fulfilment.item_certified`` jobs (their args,
    ``{"item_id": …}`` each): the items certified by one batch of
    certificates are placed in one transaction."""
    items_certified(item_ids=[args["item_id"] for args in batch])


def items_certified(*, item_ids: list[int]) -> None:
    """Newly certified items go to their orders, their merchants, or the
    shelf, as :func:`item_certified` places one: one read of the items
    (locked), of their open allocations and of their order lines for all of
    them; an item no longer certified, or allocated already, is left."""
    with transaction.atomic():
        items = list(
            Item.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(pk__in=item_ids, state=S.CERTIFIED)
            .order_by("pk")
        )
        allocated = set(
            Allocation.objects.filter(item__in=items, cancelled_at=None)
            # a returned item's old order left with it (restocked)
            .exclude(line__order__status=Order.Status.DISPATCHED)
            .values_list("item_id", flat=True)
        )
        items = [item for item in items if item.pk not in allocated]
        lines = order_lines_for_items(items)
        for item in items:
            _item_place(item, lines.get(item.pk))


def _item_place(item: Item, line: OrderLine | None) -> None:
    """A certified item (locked, unallocated) to its order ``line``, held for
    its merchant (its order was cancelled), or on the shelf."""
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
    return order_lines_for_items([item]).get(item.pk)


def order_lines_for_items(items: list[Item]) -> dict[int, OrderLine]:
    """The order lines order-first items belong to, by item id, where their
    orders exist: the line naming an item's code, else a line of the order
    its ``order_ref`` names for its SKU naming no item yet, which is tied to
    it now (its ``item_code`` set). Each free line goes to one item, in the
    order given. One read of the lines naming them, one of the free lines."""
    found: dict[int, OrderLine] = {}
    if not items:
        return found
    known = OrderLine.objects.select_related("order").filter(
        item_code__in=[item.code for item in items]
    )
    by_code = {}
    for line in known:
        by_code.setdefault((line.order.merchant_id, line.item_code), line)
    for item in items:
        line = by_code.get((item.merchant_id, item.code))
        if line is not None:
            found[item.pk] = line
    waiting = [item for item in items if item.pk not in found and item.order_ref]
    if not waiting:
        return found
    free = list(
        OrderLine.objects.select_related("order").filter(
            order__external_id__in={item.order_ref for item in waiting},
            item_code="",
        )
    )
    for item in waiting:
        line = next(
            (
                line
                for line in free
                if line.order.merchant_id == item.merchant_id
                and line.order.external_id == item.order_ref
                and line.sku == item.sku
            ),
            None,
        )
        if line is not None:
            free.remove(line)
            line.item_code = item.code
            line.save(update_fields=["item_code"])
            found[item.pk] = line
    return found


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


def _lots_lock(wants: list[tuple[Order, OrderLine, int]]) -> dict:
    """Lock, once and in a stable order (pk), every lot the ``wants`` could
    take from; answer them by (merchant, warehouse, SKU), FEFO.

    One ``SELECT … FOR UPDATE`` for all of them: two allocations (two
    batches, a batch and a single order, a restock job) wait for each other
    on the same rows in the same order, so they never deadlock, and the
    second sees the first's counters once it gets the rows. A lot whose last
    dispatch date is before the earliest dispatch date wanted of it, whose
    item left ``certified``, or with nothing left, is not a candidate.
    """
    earliest: dict[tuple, dt.date] = {}
    for order, line, _wanted in wants:
        key = (order.merchant_id, order.warehouse_id, line.sku)
        day = dispatch_date(order)
        earliest[key] = min(day, earliest.get(key, day))
    where = Q()
    for (merchant, warehouse, sku), day in earliest.items():
        where |= Q(merchant_id=merchant, warehouse_id=warehouse, sku=sku) & (
            Q(sell_by__isnull=True) | Q(sell_by__gte=day)
        )
    lots = (
        StockLot.objects.select_for_update(of=("self",))
        .select_related("item")
        .only(
            "merchant_id",
            "warehouse_id",
            "sku",
            "quantity",
            "allocated",
            "expires_on",
            "sell_by",
            "item__code",
        )
        .filter(where, is_active=True, allocated__lt=F("quantity"))
        .filter(item__state=S.CERTIFIED)
        .order_by("pk")
    )
    by_key: dict[tuple, list[StockLot]] = {}
    for lot in lots:
        by_key.setdefault((lot.merchant_id, lot.warehouse_id, lot.sku), []).append(lot)
    for candidates in by_key.values():  # FEFO: earliest expiry first, then id
        candidates.sort(
            key=lambda lot: (lot.expires_on is None, lot.expires_on, lot.pk)
        )
    return by_key


def stock_allocate(
    wants: list[tuple[Order, OrderLine, int]],
) -> dict[int, list[Allocation]]:
    """Take units for stock-first lines, set-based: ``wants`` are (order, line,
    units missing), served in the order given; answers the allocations made
    per line pk (possibly fewer units than missing, or none).

    The candidate lots are locked once (:func:`_lots_lock`), the units are
    shared out in memory, FEFO, never from a lot past its last dispatch date
    for the order (the category's minimum remaining shelf life), and written
    with one INSERT of the allocations and one UPDATE of the lots' counters,
    whatever the number of orders. A lot's units are recorded as allocations
    (and later as parcel contents), not as events in the lot's own history:
    a lot of thousands of units would carry thousands of events.
    """
    made: dict[int, list[Allocation]] = {line.pk: [] for _o, line, _w in wants}
    wants = [want for want in wants if want[2] > 0]
    if not wants:
        return made
    by_key = _lots_lock(wants)
    taken: dict[int, int] = {}
    rows: list[Allocation] = []
    for order, line, wanted in wants:
        day = dispatch_date(order)
        for lot in by_key.get((order.merchant_id, order.warehouse_id, line.sku), ()):
            if lot.sell_by is not None and lot.sell_by < day:
                continue
            take = min(wanted, lot.quantity - lot.allocated)
            if take <= 0:
                continue
            lot.allocated += take
            taken[lot.pk] = taken.get(lot.pk, 0) + take
            allocation = Allocation(line=line, item=lot.item, quantity=take)
            rows.append(allocation)
            made[line.pk].append(allocation)
            wanted -= take
            if wanted == 0:
                break
    if rows:
        Allocation.objects.bulk_create(rows)
        StockLot.objects.filter(pk__in=taken).update(
            allocated=F("allocated")
            + Case(
                *(When(pk=pk, then=Value(n)) for pk, n in taken.items()),
                output_field=PositiveIntegerField(),
            )
        )
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
    orders_lines_allocate([(order, lines)], new=new)


def orders_lines_allocate(
    orders: list[tuple[Order, list[OrderLine]]], *, new: bool = False
) -> None:
    """Allocate the lines of each order (see :func:`lines_allocate`); the
    stock-first lines of all of them at once (:func:`stock_allocate`), the
    orders filled moved to ``allocated`` together."""
    done: dict[int, bool] = {}
    have: dict[int, int] = {}
    wants = []
    for order, lines in orders:
        for line in lines:
            if line.item_code:
                done[line.pk] = _item_line_allocate(order, line, new=new)
            else:
                have[line.pk] = 0 if new else _allocated(line)
                wants.append((order, line, line.quantity - have[line.pk]))
    made = stock_allocate(wants)
    for _order, line, _wanted in wants:
        units = have[line.pk] + sum(a.quantity for a in made[line.pk])
        done[line.pk] = units >= line.quantity
        if new:  # all it has: the answer needs no read back
            related_known(line, "allocations", made[line.pk])
    # The orders are locked, or new: no second read.
    filled = [order for order, lines in orders if all(done[ln.pk] for ln in lines)]
    order_transition_many(orders=filled, to=Order.Status.ALLOCATED)


def _item_line_allocate(order: Order, line: OrderLine, *, new: bool) -> bool:
    """An order-first line takes its item once it is certified; whether it has it."""
    if not new and line.allocations.filter(cancelled_at=None).exists():
        return True
    item = (
        Item.objects.select_for_update()
        .filter(code=line.item_code, merchant_id=order.merchant_id)
        .first()
    )
    made = []
    if item is not None and item.state == S.CERTIFIED:
        made.append(_allocate_item(line, item))
    if new:
        related_known(line, "allocations", made)
    return bool(made)


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
