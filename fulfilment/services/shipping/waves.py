"""Label waves: a buyer's parcels booked and labelled in bulk, printed at once.

Packing is one scan per parcel; booking and rendering are not done per
parcel. A packed parcel joins the open :class:`~fulfilment.models.Wave` of
its warehouse, carrier and packing station (:func:`wave_join`, one UPDATE);
the pack that opens a wave records its one job, ``fulfilment.label_wave``
(:func:`label_wave`), sent when that pack commits (in dev and the demo,
where tasks run in-process, it runs then). The job closes the wave, so
parcels packed meanwhile join it up to :data:`WAVE_SIZE` (the pack that
fills it closes it) and later ones open the next: under load a wave grows
while the labels worker is busy with the last one, and costs one job
whatever its size. The job is an outbox row: a broker that is down delays a
wave and loses none (the dispatcher sends it later).

The job books each parcel of its wave still in ``booking`` (status
``booking`` is the to-do list) with the carrier's adapter, idempotent on
the parcel's reference, renders its PDF and ZPL labels and moves it to
``labelled`` through :func:`~fulfilment.lifecycle.shipment_transition_many`,
:data:`CHUNK` parcels per transaction (one UPDATE of them, one INSERT of
their webhook messages). A worker killed mid-wave leaves the
committed chunks labelled; the job runs again and redoes only the parcels
still booking. One parcel's failure leaves the others labelled: a carrier's
transient error makes the job retry with backoff (the rerun books only what
is left), a refusal fails the job for staff once nothing else is left
(``carrier_refused``, the parcels and the carrier's reasons in its error;
queued again from the admin, it books them again) as a parcel's own label
job did.

A station prints a whole wave's labels as one PDF (a 4x6 in page each, one
document) and one ZPL stream, then marks the wave printed: its labels leave
the labels to print, as :func:`~.labels.label_printed` does for one.
"""

import logging

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from inspection.services.certificates import certificate_label_link
from warehouse.common.access import Principal, tenant_scope
from warehouse.common.exceptions import DomainError, NotFound
from warehouse.common.jobs import job_record

from ...carriers import CarrierRefused
from ...labels import label_zpl, labels_pdf
from ...lifecycle import shipment_transition_many
from ...models import Shipment, ShipmentItem, Wave
from ..notify import webhook_events_together
from .dock import dock_required
from .labels import label_data, parcel_book, parcel_label_changes, station_font

logger = logging.getLogger("qcw.labels")

# Parcels in one wave at most: the pack that reaches it closes the wave.
WAVE_SIZE = 200
# Parcels booked and written per transaction of a wave's job: what a worker
# killed mid-wave redoes at most.
CHUNK = 10
WAVE_JOB = "fulfilment.label_wave"

SS = Shipment.Status


class WaveIncomplete(Exception):
    """Some parcels of a wave met a carrier's transient error: the job is
    retried with backoff, and its rerun books only those."""


# --- packing: joining a wave --------------------------------------------------------


def wave_join(*, warehouse_id: int, carrier: str, station_id: int | None) -> int:
    """The open wave a parcel being packed joins (its id), in the caller's
    transaction: the open wave of the warehouse, carrier and station, counted
    one parcel more (and closed if that fills it), or a new one with its job.

    One statement when a wave is open. Its row lock, held until the pack
    commits, makes the wave's job (which closes it first) wait for the packs
    that joined it, so none is left out; a pack that finds it closed after
    that wait opens the next wave.
    """
    now = timezone.now()
    station = "station_id IS NULL" if station_id is None else "station_id = %s"
    sql = (
        f"UPDATE {Wave._meta.db_table} SET size = size + 1, "  # noqa: S608 - no input
        "closed_at = CASE WHEN size + 1 >= %s THEN %s ELSE NULL END "
        f"WHERE warehouse_id = %s AND carrier = %s AND {station} "
        "AND closed_at IS NULL RETURNING id"
    )
    params = [WAVE_SIZE, connection.ops.adapt_datetimefield_value(now)]
    params += [warehouse_id, carrier, *([] if station_id is None else [station_id])]
    for _attempt in range(5):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        try:
            with transaction.atomic():
                wave = Wave.objects.create(
                    warehouse_id=warehouse_id,
                    carrier=carrier,
                    station_id=station_id,
                    size=1,
                    opened_at=now,
                )
        except IntegrityError:  # opened meanwhile by a concurrent pack: join it
            continue
        job_record(name=WAVE_JOB, args={"wave_id": wave.pk})
        return wave.pk
    raise IntegrityError("the open wave kept changing hands")


# --- the wave's job -------------------------------------------------------------------


def label_wave(*, wave_id: int) -> None:
    """Job: close the wave, then book and label each of its parcels still
    booking, :data:`CHUNK` per transaction (see the module's doc)."""
    now = timezone.now()
    # Waits for the packs that joined the wave and have not committed yet.
    Wave.objects.filter(pk=wave_id, closed_at=None).update(closed_at=now)
    wave = Wave.objects.get(pk=wave_id)
    todo = list(
        Shipment.objects.filter(wave_id=wave_id, status=SS.BOOKING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    run = _WaveRun(printer_font=station_font(wave.station_id))
    for start in range(0, len(todo), CHUNK):
        with transaction.atomic():
            run.chunk(todo[start : start + CHUNK])
    if run.failed:
        raise WaveIncomplete(
            "; ".join(f"{ref}: {error}" for ref, error in run.failed.items())
        )
    if run.refused:
        raise DomainError(
            "; ".join(f"{ref}: {reason}" for ref, reason in run.refused.items()),
            code="carrier_refused",
        )
    if not Shipment.objects.filter(wave_id=wave_id, status=SS.BOOKING).exists():
        Wave.objects.filter(pk=wave_id, labelled_at=None).update(
            labelled_at=timezone.now()
        )


class _WaveRun:
    """One run of a wave's job: what it could not book, by parcel reference,
    and the certificate links it looked up, by item (a lot's units share one)."""

    def __init__(self, *, printer_font: str):
        self.printer_font = printer_font
        self.links: dict[int, str] = {}
        self.refused: dict[str, str] = {}
        self.failed: dict[str, str] = {}

    def chunk(self, ids: list[int]) -> None:
        """Book and label the parcels ``ids`` still booking, in the caller's
        transaction; a parcel locked by another run of the job is its."""
        parcels = _with_contents(
            Shipment.objects.select_for_update(of=("self",), skip_locked=True).filter(
                pk__in=ids, status=SS.BOOKING
            )
        )
        labelled: list[Shipment] = []
        changes: list[dict] = []
        for shipment in parcels:
            content = next(iter(shipment.contents.all()), None)
            try:
                booking = parcel_book(shipment, content)
            except CarrierRefused as exc:
                self.refused[shipment.reference] = str(exc)
                continue
            except Exception as exc:  # transient: this parcel waits for a retry
                self.failed[shipment.reference] = f"{type(exc).__name__}: {exc}"
                logger.warning("Booking %s failed: %s", shipment.reference, exc)
                continue
            item = content.item if content else None
            labelled.append(shipment)
            changes.append(
                parcel_label_changes(
                    shipment,
                    booking,
                    item,
                    printer_font=self.printer_font,
                    certificate_link=self.link(shipment, item),
                )
            )
        # One UPDATE for the chunk's moves and one INSERT for their messages.
        with webhook_events_together():
            shipment_transition_many(
                shipments=labelled, to=SS.LABELLED, changes=changes
            )

    def link(self, shipment: Shipment, item) -> str:
        """The verification link the item's label prints (looked up once)."""
        if item is None or shipment.kind != Shipment.Kind.ORDER:
            return ""
        if item.pk not in self.links:
            self.links[item.pk] = certificate_label_link(item)
        return self.links[item.pk]


# --- printing a wave ------------------------------------------------------------------


def wave_list_for(principal: Principal) -> QuerySet:
    """The waves of the caller's warehouses, newest first, with their parcels
    counted: ``parcels``, ``labelled`` (labels made) and ``to_print``."""
    dock_required(principal)
    labelled = Q(shipments__status=SS.LABELLED)
    return (
        tenant_scope(Wave.objects.all(), principal)
        .select_related("station", "warehouse")
        .annotate(
            parcels=Count("shipments"),
            labelled=Count("shipments", filter=labelled),
            to_print=Count(
                "shipments", filter=labelled & Q(shipments__printed_at=None)
            ),
        )
        .order_by("-opened_at", "-id")
    )


def wave_get_for(principal: Principal, wave_id: int) -> Wave:
    wave = wave_list_for(principal).filter(pk=wave_id).first()
    if wave is None:
        raise NotFound(_("No label wave %s.") % wave_id, code="wave_not_found")
    return wave


def _with_contents(parcels: QuerySet) -> QuerySet:
    """``parcels`` in packing order, with what a label shows of each: its
    warehouse, order and contents (items)."""
    return (
        parcels.select_related("warehouse", "order")
        .prefetch_related(
            Prefetch(
                "contents",
                queryset=ShipmentItem.objects.select_related("item").order_by("id"),
            )
        )
        .order_by("id")
    )


def _wave_labels(wave: Wave) -> list[Shipment]:
    """The wave's labelled parcels (still in the warehouse), in packing order."""
    labels = list(_with_contents(wave.shipments.filter(status=SS.LABELLED)))
    if not labels:
        raise NotFound(_("This wave has no labels to print yet."), code="no_label")
    return labels


def wave_labels_pdf(wave: Wave) -> bytes:
    """Every label of the wave in one PDF, a 4x6 in page each: the pages of
    the parcels' own label files, drawn in one document."""
    run = _WaveRun(printer_font="")
    data = []
    for shipment in _wave_labels(wave):
        item = next((c.item for c in shipment.contents.all()), None)
        link = run.link(shipment, item)
        data.append(label_data(shipment, item, certificate_link=link))
    return labels_pdf(data, title=f"{wave} {wave.get_carrier_display()}")


def wave_labels_zpl(wave: Wave, *, station_id: int | None) -> str:
    """Every label of the wave in one ZPL stream, for the printer of the
    station downloading it: the stored labels where it has the packing
    station's font, rendered again for its own font otherwise."""
    font = station_font(station_id)
    shipments = _wave_labels(wave)
    if font == station_font(wave.station_id):
        return "".join(shipment.label_zpl for shipment in shipments)
    run = _WaveRun(printer_font=font)
    labels = []
    for shipment in shipments:
        item = next((c.item for c in shipment.contents.all()), None)
        data = label_data(shipment, item, certificate_link=run.link(shipment, item))
        labels.append(label_zpl(data, printer_font=font))
    return "".join(labels)


def wave_printed(*, principal: Principal, wave: Wave) -> int:
    """Mark the wave's labels printed (those not marked yet), and the wave:
    they leave the labels to print. Returns how many labels were marked."""
    dock_required(principal)
    now = timezone.now()
    with transaction.atomic():
        marked = Shipment.objects.filter(
            wave=wave, status=SS.LABELLED, printed_at=None
        ).update(printed_at=now)
        Wave.objects.filter(pk=wave.pk, printed_at=None).update(printed_at=now)
    return marked
