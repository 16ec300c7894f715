"""What each event tells: an item's move (to the platform, and its verdict
to the merchant), an order's and a parcel's events (folded per order and
transaction, :mod:`.outbox`), the dispatch (to the platform and the buyer),
an item going back to its merchant.
"""

from inspection.services.certificates import certificate_valid_link
from warehouse.fastpath.refs import CACHES
from warehouse.models import Item, ItemEvent, ItemState, Merchant, Warehouse

from ...models import Allocation, Order, OrderLine, Shipment
from .mail import BUYER_LANGUAGES, email_record
from .outbox import ORDER, PARCEL, endpoint_ids, event_record, webhook_emit

S = ItemState
VERDICT_STATES = (S.PASSED, S.FAILED, S.HELD)


def on_item_transition(item: Item, event: ItemEvent) -> None:
    """Lifecycle observer: the platform hears of every state change; the
    merchant of every verdict."""
    webhook_emit(
        "item.state_changed",
        {
            "item": item.code,
            "merchant": _code(item, "merchant"),
            "warehouse": _code(item, "warehouse"),
            "sku": item.sku,
            "order_ref": item.order_ref,
            "from": event.from_state,
            "to": event.to_state,
            "at": event.at.isoformat(),
        },
    )
    if event.to_state in VERDICT_STATES:
        merchant = CACHES[Merchant].get(item.merchant_id)
        if merchant.contact_email:
            email_record(
                to=merchant.contact_email,
                languages=[merchant.language],
                message="item_verdict",
                params={
                    "code": item.code,
                    "title": item.title,
                    "state": event.to_state,  # shown as its name: 合格, passed
                    "reason": {
                        "code": event.reason_code,
                        "params": event.reason_params,
                        "text": event.reason,
                    },
                },
            )


def _code(item: Item, relation: str) -> str:
    model = Merchant if relation == "merchant" else Warehouse
    return CACHES[model].get(getattr(item, f"{relation}_id")).code


def _order_data(order: Order) -> dict:
    return {
        "order_id": order.external_id,
        "merchant": order.merchant.code,
        "warehouse": order.warehouse.code,
        "status": order.status,
        "promise": order.promise,
        "deadline": order.deadline.isoformat(),
        "promise_state": order.promise_state,
    }


def _allocation_lines(order: Order) -> list[dict]:
    """The order's lines with what is allocated to them, as the order API
    answers them: ``allocated`` lists each item given and its quantity (the
    order-first line's item; for a stock-first line each lot it takes units
    of, named by its item's code). From the lines and allocations this
    transaction already holds (``related_known``), else one read."""
    rows = _known_allocations(order)
    if rows is None:
        rows = (
            OrderLine.objects.filter(order_id=order.pk)
            .order_by("line", "allocations__id")
            .values_list(
                "line",
                "item_code",
                "sku",
                "quantity",
                "allocations__item__code",
                "allocations__quantity",
                "allocations__cancelled_at",
            )
        )
    lines: dict[int, dict] = {}
    for n, code, sku, quantity, item, taken, cancelled in rows:
        line = lines.setdefault(
            n,
            {
                "line": n,
                "item_code": code or None,
                "sku": sku,
                "quantity": quantity,
                "allocated": [],
            },
        )
        if item is not None and cancelled is None:
            line["allocated"].append({"item": item, "quantity": taken})
    return list(lines.values())


def _known_allocations(order: Order) -> list[tuple] | None:
    """The rows :func:`_allocation_lines` reads, if the order's lines, their
    allocations and those allocations' items are all in memory."""
    known = getattr(order, "_prefetched_objects_cache", {}).get("lines")
    if known is None:
        return None
    rows = []
    for line in known:
        allocations = getattr(line, "_prefetched_objects_cache", {}).get("allocations")
        if allocations is None:
            return None
        head = (line.line, line.item_code, line.sku, line.quantity)
        if not allocations:
            rows.append((*head, None, None, None))
        for allocation in allocations:
            if not Allocation.item.is_cached(allocation):
                return None
            rows.append(
                (
                    *head,
                    allocation.item.code,
                    allocation.quantity,
                    allocation.cancelled_at,
                )
            )
    return rows


def order_event(order: Order, event_type: str) -> None:
    """An order's event; ``order.allocated`` carries the allocation. Folded
    with the order's other events of this transaction (see :mod:`.outbox`)."""
    if not endpoint_ids():
        return
    data = _order_data(order)
    if event_type == "order.allocated":
        data["lines"] = _allocation_lines(order)
    event_record((ORDER, order.pk), ORDER, event_type, data)


def shipment_event(shipment: Shipment, event_type: str) -> None:
    """A parcel's event: folded with its order's events of this transaction."""
    key = (ORDER, shipment.order_id) if shipment.order_id else (PARCEL, shipment.pk)
    event_record(
        key,
        PARCEL,
        event_type,
        {
            "parcel": shipment.reference,
            "kind": shipment.kind,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "order_id": shipment.order.external_id if shipment.order_id else None,
            "status": shipment.status,
        },
    )


def _certificate_links(shipment: Shipment) -> list[str]:
    links = (
        certificate_valid_link(content.item)
        for content in shipment.contents.select_related("item")
    )
    return [link for link in links if link]


def order_dispatched(order: Order, shipment: Shipment) -> None:
    """The platform and the buyer hear the parcel left, with tracking and
    certificate links."""
    links = _certificate_links(shipment)
    event_record(
        (ORDER, order.pk),
        ORDER,
        "order.dispatched",
        {
            **_order_data(order),
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "dispatched_at": order.dispatched_at.isoformat(),
            "certificates": links,
        },
    )
    if order.buyer_email:
        email_record(
            to=order.buyer_email,
            languages=BUYER_LANGUAGES,
            message="order_on_its_way",
            params={
                "order": order.external_id,
                "carrier": shipment.carrier,
                "tracking": shipment.tracking_number,
                "links": " ".join(links) or "-",
            },
        )


def merchant_return_notice(item: Item, shipment: Shipment) -> None:
    if item.merchant.contact_email:
        email_record(
            to=item.merchant.contact_email,
            languages=[item.merchant.language],
            message="item_returning",
            params={
                "code": item.code,
                "title": item.title,
                "carrier": shipment.carrier,
            },
        )
