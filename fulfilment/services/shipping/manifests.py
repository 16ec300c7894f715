"""Carrier manifests: the pickup a released parcel joins, and closing it with
its PDF."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from warehouse.common.access import Principal

from ...carriers import CARRIERS
from ...lifecycle import manifest_transition
from ...masking import recipient_name_shown
from ...models import Manifest, Shipment
from .dock import REFERENCE_CHARS, dock_required, warehouse_required


def manifest_open_for(shipment: Shipment) -> Manifest:
    """The carrier's open pickup at the parcel's warehouse, locked; opened if
    there is none (in the caller's transaction)."""
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

    dock_required(principal)
    with transaction.atomic():
        manifest = (
            Manifest.objects.select_for_update(of=("self",))
            .select_related("warehouse")
            .get(pk=manifest.pk)
        )
        warehouse_required(principal, manifest.warehouse_id)
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
            warehouse=manifest.warehouse.names_both,
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
