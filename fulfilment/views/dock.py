"""The dock's pages: labels to print (one by one, or a wave at once),
carrier manifests to close.

They act for the station chosen in the session (an operator must choose one
first); a supervisor or admin who has not chosen one acts as themselves, over
their warehouses. Every read goes through the same scoped selectors as the
REST API, so a label or manifest of another warehouse is a 404, and the files
served are the same bytes the API serves.
"""

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from warehouse.common.access import Principal, Role
from warehouse.common.exceptions import DomainError, NotFound
from warehouse.common.pages import STATION_PEOPLE, page_view, refused, station_principal

from .. import selectors, services
from ..api.waves import wave_file_response
from ..downloads import label_file_response
from ..filters import ShipmentFilter
from ..masking import recipient_name_shown
from ..models import Manifest, Shipment
from ..services.shipping import waves

RECENT_CLOSED = 20


def _dock(view):
    """Run ``view(request, principal, …)`` as the chosen station (or supervisor)."""

    def wrapped(request, *args, **kwargs):
        principal = station_principal(request)
        if principal is None:
            if request.principal.role == Role.OPERATOR:
                messages.info(
                    request, _("Choose the station you are working at first.")
                )
                return redirect("station:home")
            principal = request.principal
        return view(request, principal, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _station_of(principal: Principal):
    return principal.station if principal.role == Role.STATION else None


# --- labels ------------------------------------------------------------------------


@page_view(*STATION_PEOPLE)
@_dock
def label_list(request, principal: Principal):
    """Labels ready to print at this warehouse (by wave, and one by one), and
    parcels still being booked."""
    shipments = selectors.shipment_list_for(principal)
    labels = ShipmentFilter(
        {"pending_labels": "1"}, queryset=shipments, principal=principal
    ).qs
    waiting = ShipmentFilter(
        {"status": Shipment.Status.BOOKING}, queryset=shipments, principal=principal
    ).qs.order_by("created_at", "id")
    return render(
        request,
        "dock/label_list.html",
        {
            "station": _station_of(principal),
            "labels": list(labels),
            "waiting": list(waiting),
            "waves": list(
                waves.wave_list_for(principal)
                .filter(to_print__gt=0)
                .order_by("opened_at", "id")
            ),
        },
    )


@page_view(*STATION_PEOPLE)
@_dock
def wave_download(request, principal: Principal, wave_id: int, fmt: str):
    """The wave's labels as the API serves them: one PDF or one ZPL stream."""
    wave = waves.wave_get_for(principal, wave_id)
    station = _station_of(principal)
    return wave_file_response(wave, fmt, station_id=station.pk if station else None)


@page_view(*STATION_PEOPLE)
@require_POST
@_dock
def wave_printed(request, principal: Principal, wave_id: int):
    """Mark the wave's labels printed: they leave the list of labels to print."""
    wave = waves.wave_get_for(principal, wave_id)
    try:
        marked = waves.wave_printed(principal=principal, wave=wave)
    except DomainError as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            ngettext(
                "Wave %(wave)s: %(count)s label marked printed.",
                "Wave %(wave)s: %(count)s labels marked printed.",
                marked,
            )
            % {"wave": wave, "count": marked},
        )
    return redirect("dock:labels")


@page_view(*STATION_PEOPLE)
@_dock
def label_download(request, principal: Principal, reference: str, fmt: str):
    """The parcel's label as the API serves it: PDF (4x6 in) or ZPL."""
    shipment = selectors.shipment_get_for(principal, reference)
    station = _station_of(principal)
    return label_file_response(
        shipment, fmt, station_id=station.pk if station else None
    )


@page_view(*STATION_PEOPLE)
@require_POST
@_dock
def label_printed(request, principal: Principal, reference: str):
    """Mark the parcel's label printed: it leaves the list of labels to print."""
    shipment = selectors.shipment_get_for(principal, reference)
    try:
        services.label_printed(principal=principal, shipment=shipment)
    except DomainError as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("Label %(tracking)s marked printed.")
            % {"tracking": shipment.tracking_number or shipment.reference},
        )
    return redirect("dock:labels")


# --- manifests ---------------------------------------------------------------------


def _manifests(principal: Principal):
    """The warehouse's manifests with their parcel counts (no parcels loaded)."""
    return (
        selectors.manifest_list_for(principal)
        .prefetch_related(None)
        .annotate(parcels=Count("shipments"))
    )


@page_view(*STATION_PEOPLE)
@_dock
def manifest_list(request, principal: Principal):
    """Open manifests (to close at pickup) and the latest closed ones."""
    manifests = _manifests(principal)
    return render(
        request,
        "dock/manifest_list.html",
        {
            "station": _station_of(principal),
            "open": list(
                manifests.filter(status=Manifest.Status.OPEN).order_by(
                    "opened_at", "id"
                )
            ),
            "closed": list(
                manifests.filter(status=Manifest.Status.CLOSED)
                .select_related("closed_by")
                .order_by("-closed_at", "-id")[:RECENT_CLOSED]
            ),
        },
    )


@page_view(*STATION_PEOPLE)
@_dock
def manifest_detail(request, principal: Principal, number: str):
    """The parcels handed over on one manifest, buyers' names masked."""
    manifest = selectors.manifest_get_for(principal, number)
    parcels = list(manifest.shipments.all())
    for parcel in parcels:
        parcel.recipient_shown = recipient_name_shown(parcel)
    return render(
        request,
        "dock/manifest_detail.html",
        {"manifest": manifest, "parcels": parcels},
    )


@page_view(*STATION_PEOPLE)
@require_POST
@_dock
def manifest_close(request, principal: Principal, number: str):
    """Close the pickup: the list is final and its PDF is made."""
    manifest = selectors.manifest_get_for(principal, number)
    was_open = manifest.status == Manifest.Status.OPEN
    try:
        services.manifest_close(principal=principal, manifest=manifest)
    except DomainError as exc:
        refused(request, exc)
    else:
        if was_open:
            messages.success(
                request, _("Manifest %(number)s closed.") % {"number": number}
            )
        else:
            messages.info(
                request,
                _("Manifest %(number)s was already closed.") % {"number": number},
            )
    return redirect("dock:manifest-detail", number=number)


@page_view(*STATION_PEOPLE)
@_dock
def manifest_pdf(request, principal: Principal, number: str):
    """The closed manifest's PDF, as the API serves it."""
    manifest = selectors.manifest_get_for(principal, number)
    if not manifest.pdf:
        raise NotFound(_("The manifest is still open."), code="manifest_open")
    return FileResponse(
        manifest.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{manifest.number}.pdf",
    )
