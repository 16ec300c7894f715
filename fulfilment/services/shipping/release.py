"""Packing, carrier bookings and labels, release at the dock, manifests, returns.

A shipment is one parcel. Packing an order creates it and records a label
job (booking with the carrier's adapter, then the 4x6 label as PDF and ZPL);
the job runs once per shipment however often it is delivered. Release hands
the parcel to the carrier: it checks every rule of DESIGN.md section 3 and
answers a 409 naming the first that fails.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspection.services.certificates import (
    certificate_valid_link,
    valid_certificate_required,
)
from warehouse import lifecycle
from warehouse.common.access import Principal, Role, tenant_scope
from warehouse.common.exceptions import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TransitionRefused,
)
from warehouse.common.jobs import job_record
from warehouse.models import Item, ItemState

from ...carriers import (
    CARRIERS,
    Address,
    CarrierError,
    CarrierRefused,
    ShipmentRequest,
    carrier_adapter_get,
)
from ...labels import LabelData, label_pdf, label_zpl
from ...lifecycle import (
    SHIPMENTS,
    manifest_transition,
    order_transition,
    shipment_refusal,
    shipment_transition,
)
from ...masking import recipient_name_shown
from ...models import (
    Allocation,
    Manifest,
    MerchantPolicy,
    Order,
    PromiseState,
    Shipment,
    ShipmentItem,
)
from ...selectors import related_known, shipment_list_for

S = ItemState
DOCK_ROLES = (Role.STATION, Role.SUPERVISOR, Role.ADMIN)
REFERENCE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _require_dock(principal: Principal) -> None:
    if principal.role not in DOCK_ROLES:
        raise Forbidden(
            _("Only a station or a supervisor packs and releases."),
            code="permission_denied",
        )


def _in_warehouse(principal: Principal, warehouse_id: int) -> None:
    if not principal.sees_all and warehouse_id not in principal.warehouse_ids:
        raise Conflict(
            _("This parcel belongs to another warehouse; it cannot leave from here."),
            code="wrong_warehouse",
        )


def _reference() -> str:
    return "S" + get_random_string(11, REFERENCE_CHARS)


def _warehouse_address(order_or_item) -> dict:
    warehouse = order_or_item.warehouse
    return {
        "name": warehouse.name,
        "phone": "",
        "lines": warehouse.address or warehouse.city,
        "city": warehouse.city,
    }


def _buyer_address(order: Order) -> dict:
    return {
        "name": order.buyer_name,
        "phone": order.buyer_phone,
        "lines": order.buyer_address,
        "city": order.buyer_city,
        "province": order.buyer_province,
        "postcode": order.buyer_postcode,
    }


# --- packing -----------------------------------------------------------------------


def order_pack(*, principal: Principal, order: Order) -> Shipment:
    """Pack a fully allocated order into one parcel and queue its label.

    Order-first items move ``allocated → packed`` (their guard checks the
    certificate again); lot units are recorded as the parcel's contents. Packing
    an order already packed answers its shipment.
    """
    _require_dock(principal)
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .get(pk=order.pk)
        )
        _in_warehouse(principal, order.warehouse_id)
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
            reference=_reference(),
            kind=Shipment.Kind.ORDER,
            order=order,
            merchant_id=order.merchant_id,
            warehouse=order.warehouse,
            carrier=order.carrier,
            recipient=_buyer_address(order),
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
        # The shipment is new: no other label job can exist for it.
        job_record(name="fulfilment.shipment_label", args={"shipment_id": shipment.pk})
    return shipment


def item_pack_scan(principal: Principal, barcode) -> Item:
    """The ``pack`` scan: an order-first item's code packs its order."""
    from warehouse.services import item_resolve

    item = item_resolve(barcode=barcode, principal=principal)
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
    order_pack(principal=principal, order=allocation.line.order)
    item.refresh_from_db()
    return item


# --- labels -----------------------------------------------------------------------


def _label_data(shipment: Shipment, item: Item | None) -> LabelData:
    certificate_link = ""
    if shipment.kind == Shipment.Kind.ORDER and item is not None:
        certificate_link = certificate_valid_link(item)
    carrier = CARRIERS[shipment.carrier]
    return LabelData(
        carrier_code=shipment.carrier,
        carrier_name=f"{carrier.name} {carrier.name_zh}",
        tracking_number=shipment.tracking_number,
        sort_code=shipment.sort_code,
        sender=Address(**_warehouse_address(shipment)),
        recipient=Address(**shipment.recipient),
        item_code=item.code if item else "",
        order_ref=shipment.order.external_id if shipment.order_id else "",
        certificate_url=certificate_link,
        created_at=shipment.booked_at or timezone.now(),
        time_zone=shipment.warehouse.time_zone,
        kind=shipment.kind,
    )


def shipment_label(*, shipment_id: int) -> None:
    """Job: book the parcel with its carrier and render its labels, once.

    The booking uses the shipment's reference as the carrier's idempotency
    key, so a job that died after booking books the same number again. A
    carrier's transient error is raised (the job is retried with backoff); a
    refusal is a domain error (the job fails and the parcel waits for staff).
    """
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("warehouse", "order")
        .get(pk=shipment_id)
    )
    if shipment.status != Shipment.Status.BOOKING:
        return  # booked already: the job ran before
    content = shipment.contents.select_related("item").first()
    try:
        booking = carrier_adapter_get(shipment.carrier).book(
            ShipmentRequest(
                reference=shipment.reference,
                carrier=shipment.carrier,
                sender=Address(**_warehouse_address(shipment)),
                recipient=Address(**shipment.recipient),
                weight_mg=int((content.item.claim or {}).get("weight_mg") or 0)
                if content
                else 0,
                item_code=content.item.code if content else "",
            )
        )
    except CarrierRefused as exc:
        raise DomainError(str(exc), code="carrier_refused") from exc
    except CarrierError:
        raise
    booked = {
        "tracking_number": booking.tracking_number,
        "sort_code": booking.sort_code,
        "booked_at": booking.booked_at,
    }
    for name, value in booked.items():  # what the label shows
        setattr(shipment, name, value)
    data = _label_data(shipment, content.item if content else None)
    shipment.label_pdf.save(
        f"{shipment.reference}.pdf", ContentFile(label_pdf(data)), save=False
    )
    shipment_transition(
        shipment=shipment,
        to=Shipment.Status.LABELLED,
        changes={
            **booked,
            "label_zpl": label_zpl(data),
            "label_pdf": shipment.label_pdf,
        },
        locked=True,
    )


def labels_pending(*, principal: Principal):
    """Labels ready to print at the caller's warehouse, oldest first."""
    _require_dock(principal)
    return tenant_scope(
        Shipment.objects.filter(status=Shipment.Status.LABELLED, printed_at=None),
        principal,
    ).order_by("booked_at", "id")


def label_printed(*, principal: Principal, shipment: Shipment) -> Shipment:
    _require_dock(principal)
    Shipment.objects.filter(pk=shipment.pk, printed_at=None).update(
        printed_at=timezone.now()
    )
    shipment.refresh_from_db()
    return shipment


def shipments_cancel(order: Order, *, actor=None) -> None:
    """Cancel an order's parcels that have not left (in the caller's transaction)."""
    cancellable = SHIPMENTS.sources(Shipment.Status.CANCELLED)
    for shipment in order.shipments.select_for_update().filter(status__in=cancellable):
        shipment_transition(
            shipment=shipment, to=Shipment.Status.CANCELLED, actor=actor, locked=True
        )
        if shipment.tracking_number:
            job_record(
                name="fulfilment.booking_cancel",
                args={
                    "carrier": shipment.carrier,
                    "tracking": shipment.tracking_number,
                },
            )


def booking_cancel(*, carrier: str, tracking: str) -> None:
    """Job: tell the carrier a booked parcel will not be handed over."""
    carrier_adapter_get(carrier).cancel(tracking)


# --- release at the dock ----------------------------------------------------------


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
        raise _refusal(message % {"code": item.code, "state": item.state}, code)
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


def _shipment_of(item: Item) -> Shipment | None:
    """The item's parcel that has not left, or the latest one."""
    contents = (
        ShipmentItem.objects.select_related("shipment__order")
        .filter(item=item)
        .order_by("-shipment_id")
    )
    shipments = [c.shipment for c in contents]
    for shipment in shipments:
        if shipment.status in (Shipment.Status.BOOKING, Shipment.Status.LABELLED):
            return shipment
    return shipments[0] if shipments else None


def item_for_dock(principal: Principal, code: str) -> Item:
    """The item a dock action names: stations see every warehouse's items here,
    so that a parcel at the wrong dock is refused as such (409), not unknown."""
    _require_dock(principal)
    item = Item.objects.select_related("warehouse").filter(code=code).first()
    if item is None:
        raise NotFound(_("No item %(code)s.") % {"code": code}, code="item_not_found")
    return item


def item_release(*, principal: Principal, code: str) -> Shipment:
    """``POST /items/{code}/release/``: release the parcel holding this item."""
    item = item_for_dock(principal, code)
    _in_warehouse(principal, item.warehouse_id)
    if item.quantity > 1 and item.state == S.CERTIFIED:
        raise _refusal(
            _("Item %(code)s is a lot; release its parcels by tracking number.")
            % {"code": code},
            "not_packed",
        )
    shipment = _shipment_of(item)
    return shipment_release(principal=principal, shipment=shipment, item=item)


def shipment_release(
    *, principal: Principal, shipment: Shipment | None, item: Item | None = None
) -> Shipment:
    """Hand a labelled parcel to its carrier: every item leaves, once.

    Locks the parcel, then its items, re-checks every rule, moves order-first
    items ``packed → released`` (returns ``returning → returned_to_merchant``),
    adds the parcel to the carrier's open manifest, closes the order's
    promise, and tells the buyer and the platform.
    """
    _require_dock(principal)
    with transaction.atomic():
        if shipment is not None:
            shipment = _shipment_locked(shipment)
            _in_warehouse(principal, shipment.warehouse_id)
        if item is not None:
            item = Item.objects.select_for_update().get(pk=item.pk)
            _release_checks(shipment, item)
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
            if member.state == S.PACKED:
                lifecycle.item_release(
                    item=member,
                    actor=principal.user,
                    station=station,
                    payload=payload,
                    **reason,
                )
            elif member.state == S.RETURNING:
                lifecycle.item_return_complete(
                    item=member,
                    actor=principal.user,
                    station=station,
                    payload=payload,
                    **reason,
                )
            # Lot units: the released parcel and its contents record them.
        shipment_transition(  # a return parcel's tells the platform
            shipment=shipment,
            to=Shipment.Status.RELEASED,
            actor=principal.user,
            station=principal.station,
            changes={
                "released_at": now,
                "released_by": principal.user,
                "station": principal.station,
                "manifest": _open_manifest(shipment),
            },
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


def tracking_release(*, principal: Principal, tracking: str) -> Shipment:
    """Release a parcel by the tracking number on its label (lots, returns)."""
    _require_dock(principal)
    shipment = (
        Shipment.objects.select_related("order")
        .filter(tracking_number=tracking)
        .order_by("-id")
        .first()
    )
    if shipment is None:
        raise NotFound(
            _("No parcel with tracking number %(tracking)s.") % {"tracking": tracking},
            code="shipment_not_found",
        )
    return shipment_release(principal=principal, shipment=shipment)


def release_scan(principal: Principal, barcode) -> Item:
    """The ``release`` scan: an item code, or a label's tracking number."""
    from warehouse.barcodes import Kind

    if barcode.kind == Kind.CODE:
        shipment = item_release(principal=principal, code=barcode.value)
    else:
        shipment = tracking_release(principal=principal, tracking=barcode.raw)
    return shipment.contents.select_related("item").first().item


# --- manifests ------------------------------------------------------------------------


def _open_manifest(shipment: Shipment) -> Manifest:
    manifest = (
        Manifest.objects.select_for_update()
        .filter(
            warehouse_id=shipment.warehouse_id,
            carrier=shipment.carrier,
            status=Manifest.Status.OPEN,
        )
        .first()
    )
    if manifest is None:
        day = timezone.localdate()
        manifest, _created = Manifest.objects.get_or_create(
            warehouse_id=shipment.warehouse_id,
            carrier=shipment.carrier,
            status=Manifest.Status.OPEN,
            defaults={
                "number": f"M-{shipment.warehouse.code}-{shipment.carrier.upper()}-"
                f"{day:%Y%m%d}-{get_random_string(4, REFERENCE_CHARS)}",
            },
        )
    return manifest


def manifest_close(*, principal: Principal, manifest: Manifest) -> Manifest:
    """Close a pickup: the list and its PDF prove what was handed to whom."""
    from ...pdf import ManifestData, ManifestLine, manifest_pdf

    _require_dock(principal)
    with transaction.atomic():
        manifest = (
            Manifest.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .get(pk=manifest.pk)
        )
        _in_warehouse(principal, manifest.warehouse_id)
        if manifest.status == Manifest.Status.CLOSED:
            return manifest  # closing twice changes nothing
        carrier = CARRIERS[manifest.carrier]
        closed_at = timezone.now()
        lines = [
            ManifestLine(
                tracking_number=s.tracking_number,
                reference=s.reference,
                kind=s.kind,
                recipient=recipient_name_shown(s),
                city=s.recipient.get("city", ""),
                items=", ".join(c.item.code for c in s.contents.all()),
                released_at=s.released_at,
            )
            for s in manifest.shipments.prefetch_related("contents__item").order_by(
                "released_at", "id"
            )
        ]
        data = ManifestData(
            number=manifest.number,
            warehouse=manifest.warehouse.name,
            carrier=f"{carrier.name} {carrier.name_zh}",
            opened_at=manifest.opened_at,
            closed_at=closed_at,
            closed_by=principal.user.get_username(),
            time_zone=manifest.warehouse.time_zone,
            lines=tuple(lines),
        )
        manifest.pdf.save(
            f"{manifest.number}.pdf", ContentFile(manifest_pdf(data)), save=False
        )
        manifest_transition(
            manifest=manifest,
            to=Manifest.Status.CLOSED,
            actor=principal.user,
            station=principal.station,
            changes={
                "closed_at": closed_at,
                "closed_by": principal.user,
                "pdf": manifest.pdf,
            },
            locked=True,
        )
    return manifest


# --- returns to the merchant ----------------------------------------------------------


def return_create(*, principal: Principal, item: Item) -> Shipment:
    """Send a failed item (or a cancelled order's item) back to its merchant.

    ``failed/certified → returning``, a return parcel to the merchant's
    return address with the merchant's return carrier, and its label job.
    Asking twice answers the same parcel.
    """
    if principal.role not in (
        Role.MERCHANT,
        Role.SUPERVISOR,
        Role.ADMIN,
        Role.STATION,
    ):
        raise Forbidden(_("Only the merchant or staff return items."))
    with transaction.atomic():
        item = (
            Item.objects.select_for_update(of=("self",))
            .select_related("merchant", "warehouse")
            .get(pk=item.pk)
        )
        if item.state == S.RETURNING:
            existing = _shipment_of(item)
            if existing is not None:
                return existing
        refusal = lifecycle.item_refusal(item, S.RETURNING)
        if isinstance(refusal, TransitionRefused):  # the table: not from here
            raise Conflict(
                _("Item %(code)s is %(state)s; only a failed item goes back.")
                % {"code": item.code, "state": item.state},
                code="not_returnable",
                fields=refusal.fields,
            )
        if refusal is not None:
            raise refusal
        if item.state == S.CERTIFIED and not hasattr(item, "held_for_merchant"):
            raise Conflict(
                _("Item %(code)s passed; it goes back only if its order was cancelled.")
                % {"code": item.code},
                code="not_returnable",
            )
        merchant = item.merchant
        if not merchant.return_address:
            raise Conflict(
                _("Merchant %(merchant)s has no return address.")
                % {"merchant": merchant.code},
                code="no_return_address",
            )
        policy = MerchantPolicy.objects.filter(merchant=merchant).first()
        lifecycle.item_return_start(
            item=item, actor=principal.user, reason_code="returning_to_merchant"
        )
        shipment = Shipment.objects.create(
            reference=_reference(),
            kind=Shipment.Kind.RETURN,
            merchant=merchant,
            warehouse=item.warehouse,
            carrier=policy.return_carrier if policy else settings.RETURN_CARRIER,
            recipient={
                "name": merchant.name,
                "phone": merchant.contact_phone or "-",
                "lines": merchant.return_address,
            },
        )
        ShipmentItem.objects.create(
            shipment=shipment, item=item, quantity=item.quantity
        )
        job_record(
            name="fulfilment.shipment_label",
            args={"shipment_id": shipment.pk},
            key=f"label:{shipment.pk}",
        )
        from ..notify import merchant_return_notice

        merchant_return_notice(item, shipment)
    return shipment
