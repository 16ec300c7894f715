"""The carrier's booking and the parcel's labels (a return parcel's job; a
buyer's parcels are booked in waves, :mod:`.waves`, with the same steps:
:func:`parcel_book`, :func:`parcel_labelled`), the labels waiting to be
printed, and cancelling the bookings of an order's parcels."""

from django.core.files.base import ContentFile
from django.utils import timezone

from inspection.services.certificates import certificate_label_link
from warehouse.common.access import Principal, tenant_scope
from warehouse.common.exceptions import DomainError
from warehouse.common.jobs import job_record
from warehouse.models import Item

from ...carriers import (
    CARRIERS,
    Address,
    Booking,
    CarrierRefused,
    ShipmentRequest,
    carrier_adapter_get,
)
from ...labels import LabelData, label_pdf, label_zpl
from ...lifecycle import SHIPMENTS, shipment_transition
from ...masking import recipient_on_label
from ...models import Order, Shipment, ShipmentItem, StationPrinter
from .dock import dock_required


def _warehouse_address(order_or_item) -> dict:
    warehouse = order_or_item.warehouse
    return {
        "name": warehouse.names_both,
        "phone": "",
        "lines": warehouse.address or warehouse.city,
        "city": warehouse.city,
    }


def label_data(
    shipment: Shipment, item: Item | None, *, certificate_link: str | None = None
) -> LabelData:
    """What the parcel's label prints: a privacy waybill, the buyer's name and
    phone masked, the carrier's virtual number if it gave one.

    ``certificate_link``: the item's verification link if the caller looked
    it up already (a wave, once per item), else it is looked up here.
    """
    if shipment.kind != Shipment.Kind.ORDER or item is None:
        certificate_link = ""
    elif certificate_link is None:
        certificate_link = certificate_label_link(item)
    carrier = CARRIERS[shipment.carrier]
    return LabelData(
        carrier_code=shipment.carrier,
        carrier_name=f"{carrier.name} {carrier.name_zh}",
        tracking_number=shipment.tracking_number,
        sort_code=shipment.sort_code,
        sender=Address(**_warehouse_address(shipment)),
        recipient=Address(**recipient_on_label(shipment)),
        item_code=item.code if item else "",
        order_ref=shipment.order.external_id if shipment.order_id else "",
        certificate_url=certificate_link,
        created_at=shipment.booked_at or timezone.now(),
        time_zone=shipment.warehouse.time_zone,
        kind=shipment.kind,
        virtual_number=shipment.virtual_number,
    )


def station_font(station_id: int | None) -> str:
    """The CJK font of the label printer at the station, if its
    :class:`StationPrinter` names one; "" (Chinese as bitmaps, which every
    printer prints) otherwise."""
    if station_id is None:
        return ""
    fonts = StationPrinter.objects.filter(station_id=station_id)
    return fonts.values_list("cjk_font", flat=True).first() or ""


def _printer_font(shipment: Shipment) -> str:
    """The font of the printer at the station that packed the parcel; "" for
    a parcel packed elsewhere or a return."""
    history = shipment.order.history if shipment.order_id else []
    station_id = next(
        (e.get("station") for e in reversed(history) if e["to"] == "packed"), None
    )
    return station_font(station_id)


def label_zpl_for(shipment: Shipment, *, station_id: int | None) -> str:
    """The parcel's ZPL for the printer of the station downloading it.

    The label is rendered at booking for the printer of the packing station.
    Printed at another station (a reprint at another dock), or by someone at
    no station, it is rendered again for that printer: with its font, or with
    Chinese as bitmaps where it names none, so no printer gets Chinese text
    under a font it lacks. Nothing stored changes.
    """
    font = station_font(station_id)
    if font == _printer_font(shipment):
        return shipment.label_zpl
    content = shipment.contents.select_related("item").first()
    data = label_data(shipment, content.item if content else None)
    return label_zpl(data, printer_font=font)


def shipment_label(*, shipment_id: int) -> None:
    """Job: book the parcel with its carrier and render its labels, once (a
    return parcel; a buyer's parcel is labelled in its wave, :mod:`.waves`).

    The booking uses the shipment's reference as the carrier's idempotency
    key, so a job that died after booking books the same number again. The
    carrier gets the recipient whole; a parcel to a buyer asks for a privacy
    waybill, whose label masks the buyer's name and phone and prints the
    carrier's virtual number. The ZPL is rendered for the printer of the
    station that packed the parcel (:func:`_printer_font`). A
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
        booking = parcel_book(shipment, content)
    except CarrierRefused as exc:
        raise DomainError(str(exc), code="carrier_refused") from exc
    parcel_labelled(
        shipment,
        booking,
        content.item if content else None,
        printer_font=_printer_font(shipment),
    )


def parcel_book(shipment: Shipment, content: ShipmentItem | None) -> Booking:
    """Book ``shipment`` (its first ``content``) with its carrier; idempotent
    on the parcel's reference. Raises :class:`CarrierRefused` (for good) or
    :class:`CarrierError` (try again later)."""
    item = content.item if content else None
    return carrier_adapter_get(shipment.carrier).book(
        ShipmentRequest(
            reference=shipment.reference,
            carrier=shipment.carrier,
            sender=Address(**_warehouse_address(shipment)),
            recipient=Address(**shipment.recipient),
            weight_mg=int((item.claim or {}).get("weight_mg") or 0) if item else 0,
            item_code=item.code if item else "",
            privacy=shipment.kind == Shipment.Kind.ORDER,
        )
    )


def parcel_labelled(
    shipment: Shipment,
    booking: Booking,
    item: Item | None,
    *,
    printer_font: str,
    certificate_link: str | None = None,
) -> Shipment:
    """Render the booked parcel's labels (PDF stored as a file, ZPL for
    ``printer_font``) and move it ``booking → labelled`` with its booking, in
    the caller's transaction, the row locked by the caller."""
    changes = parcel_label_changes(
        shipment,
        booking,
        item,
        printer_font=printer_font,
        certificate_link=certificate_link,
    )
    return shipment_transition(
        shipment=shipment, to=Shipment.Status.LABELLED, changes=changes, locked=True
    )


def parcel_label_changes(
    shipment: Shipment,
    booking: Booking,
    item: Item | None,
    *,
    printer_font: str,
    certificate_link: str | None = None,
) -> dict:
    """Render the booked parcel's labels, its PDF stored as a file: the
    fields its move ``booking → labelled`` sets (its booking and labels),
    for :func:`parcel_labelled` or a wave's moves of many parcels at once."""
    booked = {
        "tracking_number": booking.tracking_number,
        "sort_code": booking.sort_code,
        "booked_at": booking.booked_at,
        "virtual_number": booking.virtual_number,
    }
    for name, value in booked.items():  # what the label shows
        setattr(shipment, name, value)
    data = label_data(shipment, item, certificate_link=certificate_link)
    shipment.label_pdf.save(
        f"{shipment.reference}.pdf", ContentFile(label_pdf(data)), save=False
    )
    return {
        **booked,
        "label_zpl": label_zpl(data, printer_font=printer_font),
        "label_pdf": shipment.label_pdf,
    }


def labels_pending(*, principal: Principal):
    """Labels ready to print at the caller's warehouse, oldest first."""
    dock_required(principal)
    return tenant_scope(
        Shipment.objects.filter(status=Shipment.Status.LABELLED, printed_at=None),
        principal,
    ).order_by("booked_at", "id")


def label_printed(*, principal: Principal, shipment: Shipment) -> Shipment:
    dock_required(principal)
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
