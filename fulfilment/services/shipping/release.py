"""Release at the dock: a labelled parcel handed to its carrier when the
tracking barcode on its label is scanned, with the 409 that names why a
parcel may not leave.

The hand-over scans the parcel's label: that scan is what shows the label is
on the box. An item code alone (the item API, a release scan of an item's
code, serial, tag or GS1 string) never releases: it answers the reason the
item may not leave, or ``label_scan_required`` when only the label's scan is
missing. A parcel whose label was never marked printed is marked printed by
its release scan (the box carries it), with that reason in its history.
"""

from typing import NoReturn

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from warehouse import lifecycle
from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict, NotFound
from warehouse.models import Item, ItemState

from ...lifecycle import order_transition, shipment_refusal, shipment_transition
from ...messages import CATALOGUE
from ...models import Order, PromiseState, Shipment
from .dock import (
    PRINTED_AT_RELEASE,
    dock_required,
    parcel_attach,
    shipment_of_item,
    warehouse_required,
)
from .manifests import manifest_open_for

S = ItemState


def _refusal(message: str, code: str) -> Conflict:
    return Conflict(message, code=code)


# Why an item may not leave, in the release contract's words (DESIGN.md section
# 5), for the states from which no move of the item table leads out of the door.
STAYS = {
    S.FAILED: (
        "failed",
        gettext_lazy(
            "Item %(code)s failed inspection; it can only go back to its merchant."
        ),
    ),
    **dict.fromkeys(
        (S.ANNOUNCED, S.RECEIVED, S.INSPECTING, S.HELD, S.PASSED),
        (
            "not_certified",
            gettext_lazy("Item %(code)s is not certified (it is %(state)s)."),
        ),
    ),
    **dict.fromkeys(
        (S.RELEASED, S.RETURNED_TO_MERCHANT),
        (
            "already_released",
            gettext_lazy("Item %(code)s has already left (%(state)s)."),
        ),
    ),
}
# From the other states, the item's next move toward the door: the one its
# parcel's release makes (packed → released, returning → returned) or the one
# it still lacks (certified → allocated, allocated → packed; a lot's units
# leave certified). The item lifecycle's guards on it (a valid certificate,
# DESIGN.md rule 1) decide whether the item may go on.
ONWARD = {
    S.CERTIFIED: S.ALLOCATED,
    S.ALLOCATED: S.PACKED,
    S.PACKED: S.RELEASED,
    S.RETURNING: S.RETURNED_TO_MERCHANT,
}


def _release_checks(shipment: Shipment | None, item: Item) -> None:
    """Raise the first reason why this parcel may not leave (DESIGN.md rule 1).

    The reasons come from the item lifecycle (its table and guards, through
    :func:`warehouse.lifecycle.item_refusal`) and the shipment's
    (:func:`fulfilment.lifecycle.shipment_refusal`), in the contract's codes.
    """
    if item.state in STAYS:
        code, message = STAYS[item.state]
        raise _refusal(
            message % {"code": item.code, "state": item.get_state_display()}, code
        )
    refusal = lifecycle.item_refusal(item, ONWARD[item.state])
    if refusal is not None:
        raise refusal
    if shipment is None:
        if item.state == S.CERTIFIED:
            raise _refusal(
                _("Item %(code)s is not allocated to an order.") % {"code": item.code},
                "not_allocated",
            )
        raise _refusal(
            _("Item %(code)s is not packed.") % {"code": item.code}, "not_packed"
        )
    refusal = shipment_refusal(shipment, Shipment.Status.RELEASED)
    if refusal is not None:
        raise refusal


def label_scan_required(shipment: Shipment) -> Conflict:
    """The refusal of a release that did not scan the parcel's label."""
    params = {"ref": shipment.reference, "carrier": shipment.carrier}
    return Conflict(
        CATALOGUE.render("label_scan_required", params),
        code="label_scan_required",
        params=params,
    )


def item_for_dock(principal: Principal, code: str) -> Item:
    """The item a dock action names: stations see every warehouse's items here,
    so that a parcel at the wrong dock is refused as such (409), not unknown."""
    dock_required(principal)
    item = Item.objects.select_related("warehouse").filter(code=code).first()
    if item is None:
        raise NotFound(_("No item %(code)s.") % {"code": code}, code="item_not_found")
    return item


def item_release(*, principal: Principal, code: str) -> NoReturn:
    """``POST /items/{code}/release/``: never releases, always says why not.

    An item code does not show that the parcel's label is on the box: the
    answer is the first reason the item may not leave (not certified, not
    packed, no label yet …), or, when only the scan of the label is missing,
    409 ``label_scan_required`` naming the parcel to scan.
    """
    item = item_for_dock(principal, code)
    warehouse_required(principal, item.warehouse_id)
    if item.quantity > 1 and item.state == S.CERTIFIED:
        raise _refusal(
            _("Item %(code)s is a lot; release its parcels by tracking number.")
            % {"code": code},
            "not_packed",
        )
    shipment = shipment_of_item(item)
    _release_checks(shipment, item)
    raise label_scan_required(shipment)


def shipment_release(
    *, principal: Principal, shipment: Shipment, label_scanned: bool = False
) -> Shipment:
    """Hand a labelled parcel to its carrier: every item leaves, once.

    Locks the parcel, then its items, re-checks every rule, moves order-first
    items ``packed → released`` (a return's items stay ``returning`` until
    delivered: :func:`.returns.return_delivered`),
    adds the parcel to the carrier's open manifest, closes the order's
    promise, and tells the buyer and the platform.

    ``label_scanned``: the tracking barcode on the parcel's label was
    scanned. A label never marked printed is then marked printed now (the
    history's reason: ``label_printed_at_release``); without that scan such
    a parcel is refused ``label_scan_required`` (a release by its reference).
    """
    dock_required(principal)
    with transaction.atomic():
        shipment = _shipment_locked(shipment)
        warehouse_required(principal, shipment.warehouse_id)
        printed_now = shipment.printed_at is None
        if printed_now and not label_scanned:
            refusal = shipment_refusal(shipment, Shipment.Status.RELEASED)
            raise refusal or label_scan_required(shipment)
        contents = list(shipment.contents.select_related("item").order_by("item_id"))
        now = timezone.now()
        for content in contents:
            member = Item.objects.select_for_update().get(pk=content.item_id)
            _release_checks(shipment, member)
            reason = {
                "reason_code": "handed_to_carrier",
                "reason_params": {
                    "carrier": shipment.carrier,
                    "tracking": shipment.tracking_number,
                },
            }
            payload = {
                "tracking": shipment.tracking_number,
                "parcel": shipment.reference,
            }
            station = principal.station
            # A sold item is released; one going back to its merchant stays
            # returning until its parcel is delivered (.returns).
            move = {S.PACKED: lifecycle.item_release}.get(member.state)
            if move is not None:
                move(
                    item=member,
                    actor=principal.user,
                    station=station,
                    payload=payload,
                    **reason,
                )
            # Lot units: the released parcel and its contents record them.
        changes = {
            "released_at": now,
            "released_by": principal.user,
            "station": principal.station,
            "manifest": manifest_open_for(shipment),
        }
        if printed_now:  # the scanned label is on the box: it was printed
            changes["printed_at"] = now
        shipment_transition(  # a return parcel's tells the platform
            shipment=shipment,
            to=Shipment.Status.RELEASED,
            actor=principal.user,
            station=principal.station,
            reason=PRINTED_AT_RELEASE if printed_now else "",
            changes=changes,
            locked=True,
        )
        if shipment.order_id:  # locked with the parcel (_shipment_locked)
            order = shipment.order
            order_transition(  # tells the platform and the buyer
                order=order,
                to=Order.Status.DISPATCHED,
                actor=principal.user,
                station=principal.station,
                payload={"parcel": shipment.reference},
                changes={
                    "dispatched_at": now,
                    "promise_state": (
                        PromiseState.MET if now <= order.deadline else PromiseState.LATE
                    ),
                },
                locked=True,
                shipment=shipment,
            )
    return shipment


def _shipment_locked(shipment: Shipment) -> Shipment:
    """The parcel read again ``FOR UPDATE``, with its order locked in the same
    statement (its release moves both; no second read)."""
    rows = Shipment.objects.select_related("order", "warehouse")
    if shipment.order_id is None:
        return rows.select_for_update(of=("self",)).get(pk=shipment.pk)
    # An inner join (the order exists): PostgreSQL locks no row of the
    # nullable side of an outer join.
    return (
        rows.select_related("order__merchant", "order__warehouse")
        .select_for_update(of=("self", "order"))
        .filter(order__external_id__isnull=False)
        .get(pk=shipment.pk)
    )


def _shipment_by_tracking(tracking: str) -> Shipment | None:
    return (
        Shipment.objects.select_related("order")
        .filter(tracking_number=tracking)
        .order_by("-id")
        .first()
    )


def tracking_release(*, principal: Principal, tracking: str) -> Shipment:
    """Release the parcel whose label's tracking barcode was scanned."""
    dock_required(principal)
    tracking = tracking.strip()
    shipment = _shipment_by_tracking(tracking) if tracking else None
    if shipment is None:
        raise NotFound(
            _("No parcel with tracking number %(tracking)s.") % {"tracking": tracking},
            code="shipment_not_found",
        )
    return shipment_release(principal=principal, shipment=shipment, label_scanned=True)


def release_scan(principal: Principal, barcode) -> Item:
    """The ``release`` scan: the tracking barcode on the parcel's label.

    Anything else that names an item (its code, serial, tag or GS1 string)
    is refused with the reason it may not leave, or ``label_scan_required``.
    The item answered carries its parcel (:func:`.dock.parcel_attach`).
    """
    from warehouse.barcodes import Kind
    from warehouse.services import item_resolve

    dock_required(principal)
    shipment = _shipment_by_tracking(barcode.value)
    if shipment is not None:
        shipment = shipment_release(
            principal=principal, shipment=shipment, label_scanned=True
        )
        return parcel_attach(
            shipment.contents.select_related("item").first().item, shipment
        )
    if barcode.kind == Kind.CODE:
        item_release(principal=principal, code=barcode.value)
    try:
        item = item_resolve(barcode=barcode, principal=principal)
    except NotFound:
        item = None
    if item is not None:
        item_release(principal=principal, code=item.code)
    raise NotFound(
        _("No parcel with tracking number %(tracking)s.") % {"tracking": barcode.value},
        code="shipment_not_found",
    )
