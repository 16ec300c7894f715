"""Packing an order into its parcel, from the dock's page, API or ``pack`` scan.

The parcel is created with its contents in the open label wave of its
carrier and the packing station (:func:`.waves.wave_join`): no job per
parcel; the wave's job books and labels it.

An order-first item of a category that leaves under an anti-swap seal
(``Category.seal_required``: jewellery, jade, gold, phones) is packed only
with the number of the seal bound to it (防调包扣): the tag, the item's
history and its current certificate's record take it, in the pack's
transaction (:func:`_seal`).
"""

from celery import current_app
from django.db import transaction
from django.utils.translation import gettext as _

from inspection.models import Certificate
from inspection.selectors import (
    certificate_current_annotated,
    certificate_current_annotations,
)
from inspection.services.certificates import valid_certificate_required
from warehouse import lifecycle
from warehouse.common.access import Principal, tenant_scope
from warehouse.common.exceptions import Conflict, NotFound
from warehouse.fastpath.refs import CACHES
from warehouse.fastpath.statements import row_insert
from warehouse.models import Category, Item, ItemState
from warehouse.services import seal_bind

from ...lifecycle import order_transition
from ...models import Allocation, Order, Shipment, ShipmentItem
from ...selectors import Prepared, related_known, shipment_list_for
from .dock import (
    dock_required,
    parcel_attach,
    shipment_of_item,
    shipment_reference,
    warehouse_required,
)
from .waves import wave_join

S = ItemState


class Seals:
    """The anti-swap seal numbers given with a pack: by item code, and
    ``one`` for the first item needing a seal without one of its own (the
    pack API's ``seal``, for an order of one sealed item)."""

    def __init__(self, by_item: dict[str, str] | None = None, one: str = ""):
        self.by_item = {code: (v or "").strip() for code, v in (by_item or {}).items()}
        self.one = (one or "").strip()

    def take(self, code: str, required: bool) -> str:
        """The seal number given for item ``code``, or, if it ``required``
        one, the ``one`` not yet taken ("" when none)."""
        if self.by_item.get(code):
            return self.by_item[code]
        if not required:
            return ""
        one, self.one = self.one, ""
        return one


def _buyer_address(order: Order) -> dict:
    return {
        "name": order.buyer_name,
        "phone": order.buyer_phone,
        "lines": order.buyer_address,
        "city": order.buyer_city,
        "province": order.buyer_province,
        "postcode": order.buyer_postcode,
    }


def order_pack(
    *, principal: Principal, order: Order, seals: Seals | None = None
) -> Shipment:
    """Pack a fully allocated order into one parcel in its label wave.

    Order-first items move ``allocated → packed`` (their guard checks the
    certificate again), each with its anti-swap seal where its category asks
    for one (``seals``: see :class:`Seals`; none given is 409
    ``seal_required``, a used number 409 ``seal_used``); lot units are
    recorded as the parcel's contents, each lot's current certificate still
    valid. Packing an order already packed answers its shipment.
    """
    dock_required(principal)
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .get(pk=order.pk)
        )
        return _pack_locked(principal, order, seals)


def _scoped_orders(principal: Principal, external_id=None):
    orders = tenant_scope(
        Order.objects.select_for_update(of=("self",)).select_related("warehouse"),
        principal,
    )
    return orders.filter(external_id=external_id).order_by("pk")[:1]


# The order to pack, locked, in the caller's scope (compiled once per scope).
_ORDER_LOCKED = Prepared(_scoped_orders)


def _allocations(_context, order_id):
    return (
        Allocation.objects.filter(line__order_id=order_id, cancelled_at=None)
        .select_related("item")
        .annotate(**certificate_current_annotations("item_id"))
        .order_by("item_id")
    )


# An order's allocations, their items and the items' current certificates.
_ALLOCATIONS = Prepared(_allocations)


def _scope(principal: Principal):
    """What :func:`tenant_scope` reads of a principal: the shape of a read."""
    return (
        principal.sees_all,
        principal.role,
        principal.merchant_id,
        tuple(sorted(principal.warehouse_ids)),
    )


def order_pack_by_id(
    *, principal: Principal, external_id: str, seals: Seals | None = None
) -> Shipment:
    """:func:`order_pack` for the order ``external_id`` the caller may see
    (404 ``order_not_found`` otherwise, before the dock's 403), read once,
    locked: the pack API's path."""
    with transaction.atomic():
        found = _ORDER_LOCKED.rows(
            external_id, shape=_scope(principal), context=principal
        )
        if not found:
            raise NotFound(_("No order %s.") % external_id, code="order_not_found")
        dock_required(principal)
        return _pack_locked(principal, found[0], seals)


def _seal(principal: Principal, item: Item, seals: Seals, current) -> None:
    """Bind the seal ``seals`` gives ``item`` (an order-first item being
    packed) where one is given or its category asks for one: the tag and the
    history's ``seal_bound`` (:func:`warehouse.services.seal_bind`, which
    refuses a missing or used number), and the seal on the record of the
    item's ``current`` certificate."""
    category = CACHES[Category].get(item.category_id)
    required = bool(category and category.seal_required)
    value = seals.take(item.code, required)
    if not value and not required:
        return
    tag = seal_bind(item=item, value=value, principal=principal)
    if current is not None:
        Certificate.objects.filter(item_id=item.pk, number=current.number).update(
            seal=tag.value
        )


def _pack_locked(
    principal: Principal, order: Order, seals: Seals | None = None
) -> Shipment:
    """Pack ``order``, read ``FOR UPDATE`` in the caller's transaction."""
    warehouse_required(principal, order.warehouse_id)
    if order.status == Order.Status.PACKED:  # packing twice: its parcel
        return (
            shipment_list_for(principal)
            .filter(order=order)
            .exclude(status=Shipment.Status.CANCELLED)
            .get()
        )
    # Only an allocated order is packed: the table refuses the rest
    # (not_allocated, order_cancelled).
    order_transition(
        order=order,
        to=Order.Status.PACKED,
        actor=principal.user,
        station=principal.station,
        locked=True,
    )
    shipment = Shipment(
        reference=shipment_reference(),
        kind=Shipment.Kind.ORDER,
        order=order,
        merchant_id=order.merchant_id,
        warehouse=order.warehouse,
        carrier=order.carrier,
        recipient=_buyer_address(order),
        wave_id=wave_join(
            warehouse_id=order.warehouse_id,
            carrier=order.carrier,
            station_id=principal.station.pk if principal.station else None,
        ),
    )
    row_insert(shipment)
    # The items and their current certificates in one read.
    contents = []
    seals = seals if seals is not None else Seals()
    for allocation in _ALLOCATIONS.rows(order.pk):
        item = allocation.item
        if item.state == S.ALLOCATED:
            _seal(principal, item, seals, certificate_current_annotated(allocation))
            lifecycle.item_pack(
                item=item,
                actor=principal.user,
                station=principal.station,
                reason_code="packed_for_order",
                reason_params={
                    "order": order.external_id,
                    "ref": shipment.reference,
                },
            )
        else:  # lot units: the lot stays certified on the shelf; the
            # parcel's contents record them (see stock.py)
            valid_certificate_required(
                item, current=certificate_current_annotated(allocation)
            )
        contents.append(
            ShipmentItem(shipment=shipment, item=item, quantity=allocation.quantity)
        )
    ShipmentItem.objects.bulk_create(contents)
    related_known(shipment, "contents", contents)
    return shipment


def item_pack_scan(principal: Principal, barcode, *, seal: str = "") -> Item:
    """The ``pack`` scan: an order-first item's code packs its order, under
    the anti-swap ``seal`` scanned with it (needed where its category asks
    for one); a return's answers its return parcel (made when it was sent
    back: its carrier, tracking number and label), which its label's scan
    releases."""
    from warehouse.services import item_resolve

    item = item_resolve(barcode=barcode, principal=principal)
    if item.state == S.RETURNING:
        dock_required(principal)
        warehouse_required(principal, item.warehouse_id)
        shipment = shipment_of_item(item)
        if shipment is not None and shipment.kind == Shipment.Kind.RETURN:
            return parcel_attach(item, shipment)
    allocation = (
        Allocation.objects.select_related("line__order")
        .filter(item=item, cancelled_at=None)
        .first()
    )
    if allocation is None or item.quantity > 1:
        raise Conflict(
            _("Item %(code)s is not allocated to an order of its own.")
            % {"code": item.code},
            code="not_allocated",
        )
    shipment = order_pack(
        principal=principal,
        order=allocation.line.order,
        seals=Seals({item.code: seal}),
    )
    packed = next(
        (
            c.item
            for c in getattr(shipment, "_prefetched_objects_cache", {}).get(
                "contents", ()
            )
            if c.item_id == item.pk
        ),
        None,
    )
    if packed is None:  # packed before: read it again
        item.refresh_from_db()
    else:  # the item moved in order_pack: its new state, and the scanned
        # item keeps the warehouse, merchant and category the answer shows
        for field in Item._meta.concrete_fields:
            setattr(item, field.attname, getattr(packed, field.attname))
    if current_app.conf.task_always_eager:
        shipment.refresh_from_db()  # labelled: its wave's job ran at commit
    return parcel_attach(item, shipment)
