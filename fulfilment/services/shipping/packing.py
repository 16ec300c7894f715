"""Packing an order into its parcel, from the dock's page, API or ``pack`` scan.

The parcel is created with its contents in the open label wave of its
carrier and the packing station (:func:`.waves.wave_join`): no job per
parcel; the wave's job books and labels it.
"""

from celery import current_app
from django.db import transaction
from django.utils.translation import gettext as _

from inspection.services.certificates import valid_certificate_required
from warehouse import lifecycle
from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict
from warehouse.models import Item, ItemState

from ...lifecycle import order_transition
from ...models import Allocation, Order, Shipment, ShipmentItem
from ...selectors import related_known, shipment_list_for
from .dock import (
    dock_required,
    parcel_attach,
    shipment_of_item,
    shipment_reference,
    warehouse_required,
)
from .waves import wave_join

S = ItemState


def _buyer_address(order: Order) -> dict:
    return {
        "name": order.buyer_name,
        "phone": order.buyer_phone,
        "lines": order.buyer_address,
        "city": order.buyer_city,
        "province": order.buyer_province,
        "postcode": order.buyer_postcode,
    }


def order_pack(*, principal: Principal, order: Order) -> Shipment:
    """Pack a fully allocated order into one parcel in its label wave.

    Order-first items move ``allocated → packed`` (their guard checks the
    certificate again); lot units are recorded as the parcel's contents. Packing
    an order already packed answers its shipment.
    """
    dock_required(principal)
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .get(pk=order.pk)
        )
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
        shipment = Shipment.objects.create(
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
        allocations = (
            Allocation.objects.filter(line__order=order, cancelled_at=None)
            .select_related("item")
            .order_by("item_id")
        )
        contents = []
        for allocation in allocations:
            item = allocation.item
            if item.state == S.ALLOCATED:
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
                valid_certificate_required(item)
            contents.append(
                ShipmentItem(shipment=shipment, item=item, quantity=allocation.quantity)
            )
        ShipmentItem.objects.bulk_create(contents)
        related_known(shipment, "contents", contents)
    return shipment


def item_pack_scan(principal: Principal, barcode) -> Item:
    """The ``pack`` scan: an order-first item's code packs its order; a
    return's answers its return parcel (made when it was sent back: its
    carrier, tracking number and label), which its label's scan releases."""
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
    shipment = order_pack(principal=principal, order=allocation.line.order)
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
