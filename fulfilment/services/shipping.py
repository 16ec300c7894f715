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

from inspection.models import Certificate
from inspection.services.certificates import (
    certificate_current,
    certificate_valid_link,
    valid_certificate_required,
)
from warehouse import lifecycle
from warehouse.access import Principal, Role, tenant_scope
from warehouse.exceptions import Conflict, DomainError, Forbidden, NotFound
from warehouse.jobs import job_record
from warehouse.models import Item, ItemState

from ..carriers import (
    CARRIERS,
    Address,
    CarrierError,
    CarrierRefused,
    ShipmentRequest,
    carrier_adapter_get,
)
from ..labels import LabelData, label_pdf, label_zpl
from ..masking import recipient_name_shown
from ..models import (
    Allocation,
    Manifest,
    MerchantPolicy,
    Order,
    PromiseState,
    Shipment,
    ShipmentItem,
)
from ..selectors import related_known, shipment_list_for

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
        if order.status == Order.Status.PACKED:
            return (
                shipment_list_for(principal)
                .filter(order=order)
                .exclude(status=Shipment.Status.CANCELLED)
                .get()
            )
        if order.status != Order.Status.ALLOCATED:
            raise Conflict(
                _("Order %(order)s is %(status)s; only an allocated order is packed.")
                % {"order": order.external_id, "status": order.get_status_display()},
                code="order_cancelled"
                if order.status == Order.Status.CANCELLED
                else "not_allocated",
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
            reason = _("Packed for order %(order)s in parcel %(ref)s.") % {
                "order": order.external_id,
                "ref": shipment.reference,
            }
            if item.state == S.ALLOCATED:
                lifecycle.item_pack(
                    item=item,
                    actor=principal.user,
                    station=principal.station,
                    reason=reason,
                )
            else:  # lot units: the lot stays certified on the shelf; the
                # parcel's contents record them (see stock.py)
                valid_certificate_required(item)
            contents.append(
                ShipmentItem(shipment=shipment, item=item, quantity=allocation.quantity)
            )
        ShipmentItem.objects.bulk_create(contents)
        related_known(shipment, "contents", contents)
        order.status = Order.Status.PACKED
        order.save(update_fields=["status"])
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
        return
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
    shipment.tracking_number = booking.tracking_number
    shipment.sort_code = booking.sort_code
    shipment.booked_at = booking.booked_at
    data = _label_data(shipment, content.item if content else None)
    shipment.label_zpl = label_zpl(data)
    shipment.label_pdf.save(
        f"{shipment.reference}.pdf", ContentFile(label_pdf(data)), save=False
    )
    shipment.status = Shipment.Status.LABELLED
    shipment.save(
        update_fields=[
            "tracking_number",
            "sort_code",
            "booked_at",
            "label_zpl",
            "label_pdf",
            "status",
        ]
    )
    from .notify import shipment_event

    shipment_event(shipment, "shipment.labelled")


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


def shipments_cancel(order: Order) -> None:
    """Cancel an order's parcels that have not left (in the caller's transaction)."""
    for shipment in order.shipments.select_for_update().exclude(
        status__in=[Shipment.Status.RELEASED, Shipment.Status.CANCELLED]
    ):
        shipment.status = Shipment.Status.CANCELLED
        shipment.save(update_fields=["status"])
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


def _release_checks(shipment: Shipment | None, item: Item) -> None:
    """Raise the first reason why this parcel may not leave (DESIGN.md rule 1)."""
    code = item.code
    if item.state == S.FAILED:
        raise _refusal(
            _("Item %(code)s failed inspection; it can only go back to its merchant.")
            % {"code": code},
            "failed",
        )
    if item.state in (S.ANNOUNCED, S.RECEIVED, S.INSPECTING, S.HELD, S.PASSED):
        raise _refusal(
            _("Item %(code)s is not certified (it is %(state)s).")
            % {"code": code, "state": item.state},
            "not_certified",
        )
    if item.state in (S.RELEASED, S.RETURNED_TO_MERCHANT):
        raise _refusal(
            _("Item %(code)s has already left (%(state)s).")
            % {"code": code, "state": item.state},
            "already_released",
        )
    if shipment is None or shipment.kind == Shipment.Kind.ORDER:
        current = certificate_current(item)
        if current is None:
            raise _refusal(
                _("Item %(code)s has no certificate.") % {"code": code},
                "not_certified",
            )
        if current.status != Certificate.Status.VALID:
            raise _refusal(
                _("The certificate %(number)s of item %(code)s is revoked: %(reason)s")
                % {
                    "number": current.number,
                    "code": code,
                    "reason": current.revoked_reason,
                },
                "certificate_revoked",
            )
    if (
        shipment is not None
        and shipment.order_id
        and shipment.order.status == Order.Status.CANCELLED
    ):
        raise _refusal(
            _("Order %(order)s was cancelled; this parcel must not leave.")
            % {"order": shipment.order.external_id},
            "order_cancelled",
        )
    if shipment is None:
        if item.state == S.CERTIFIED:
            raise _refusal(
                _("Item %(code)s is not allocated to an order.") % {"code": code},
                "not_allocated",
            )
        raise _refusal(_("Item %(code)s is not packed.") % {"code": code}, "not_packed")
    if shipment.status == Shipment.Status.RELEASED:
        raise _refusal(
            _("Parcel %(ref)s has already been handed to %(carrier)s.")
            % {"ref": shipment.reference, "carrier": shipment.carrier},
            "already_released",
        )
    if shipment.status == Shipment.Status.CANCELLED:
        raise _refusal(
            _("Parcel %(ref)s was cancelled.") % {"ref": shipment.reference},
            "order_cancelled",
        )
    if shipment.status != Shipment.Status.LABELLED or not shipment.tracking_number:
        raise _refusal(
            _("Parcel %(ref)s has no carrier label yet.") % {"ref": shipment.reference},
            "no_label",
        )


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
            shipment = (
                Shipment.objects.select_for_update(of=("self",))
                .select_related("order", "warehouse")
                .get(pk=shipment.pk)
            )
            _in_warehouse(principal, shipment.warehouse_id)
        if item is not None:
            item = Item.objects.select_for_update().get(pk=item.pk)
            _release_checks(shipment, item)
        contents = list(shipment.contents.select_related("item").order_by("item_id"))
        now = timezone.now()
        for content in contents:
            member = Item.objects.select_for_update().get(pk=content.item_id)
            _release_checks(shipment, member)
            reason = _("Handed to %(carrier)s, tracking %(tracking)s.") % {
                "carrier": shipment.carrier,
                "tracking": shipment.tracking_number,
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
                    reason=reason,
                    payload=payload,
                )
            elif member.state == S.RETURNING:
                lifecycle.item_return_complete(
                    item=member,
                    actor=principal.user,
                    station=station,
                    reason=reason,
                    payload=payload,
                )
            # Lot units: the released parcel and its contents record them.
        shipment.status = Shipment.Status.RELEASED
        shipment.released_at = now
        shipment.released_by = principal.user
        shipment.station = principal.station
        shipment.manifest = _open_manifest(shipment)
        shipment.save(
            update_fields=[
                "status",
                "released_at",
                "released_by",
                "station",
                "manifest",
            ]
        )
        from .notify import order_dispatched, shipment_event

        if shipment.order_id:
            order = shipment.order
            order.status = Order.Status.DISPATCHED
            order.dispatched_at = now
            order.promise_state = (
                PromiseState.MET if now <= order.deadline else PromiseState.LATE
            )
            order.save(update_fields=["status", "dispatched_at", "promise_state"])
            order_dispatched(order, shipment)
        else:
            shipment_event(shipment, "shipment.released")
    return shipment


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
    from ..pdf import ManifestData, ManifestLine, manifest_pdf

    _require_dock(principal)
    with transaction.atomic():
        manifest = (
            Manifest.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .get(pk=manifest.pk)
        )
        _in_warehouse(principal, manifest.warehouse_id)
        if manifest.status == Manifest.Status.CLOSED:
            return manifest
        carrier = CARRIERS[manifest.carrier]
        manifest.status = Manifest.Status.CLOSED
        manifest.closed_at = timezone.now()
        manifest.closed_by = principal.user
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
            closed_at=manifest.closed_at,
            closed_by=principal.user.get_username(),
            time_zone=manifest.warehouse.time_zone,
            lines=tuple(lines),
        )
        manifest.pdf.save(
            f"{manifest.number}.pdf", ContentFile(manifest_pdf(data)), save=False
        )
        manifest.save(update_fields=["status", "closed_at", "closed_by", "pdf"])
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
        if item.state not in (S.FAILED, S.CERTIFIED):
            raise Conflict(
                _("Item %(code)s is %(state)s; only a failed item goes back.")
                % {"code": item.code, "state": item.state},
                code="not_returnable",
            )
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
            item=item, actor=principal.user, reason=_("Going back to the merchant.")
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
        from .notify import merchant_return_notice

        merchant_return_notice(item, shipment)
    return shipment
