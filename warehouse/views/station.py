"""The station operator's pages: choose a station, then scan at it.

An operator (or a supervisor) works at one station of their warehouse at a
time; the station is kept in the session
(:func:`~warehouse.common.pages.station_choose`).
Every scan goes through :func:`warehouse.services.scan_process` as the chosen
station, exactly like a scan sent to ``POST /api/v1/scans/``: it is logged
with the station and the person, accepted or refused, and pack and release
are carried out by the fulfilment app's registered handlers.

With htmx the scan answers a fragment (the result, shown above the scan box
where the eye is on a phone, and the station's latest scans, swapped out of
band below it) with the refusal's HTTP status (400, 404, 409); without it, the
page redirects back with the outcome as a message.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from warehouse.common.access import Principal
from warehouse.common.api import DOMAIN_STATUS
from warehouse.common.exceptions import DomainError
from warehouse.common.pages import (
    STATION_PEOPLE,
    page_view,
    station_choose,
    station_principal,
    stations_for,
)
from warehouse.common.proxies import client_address

from .. import lifecycle, services
from ..fastpath.refs import item_attach_references
from ..models import ScanLog, Station
from ..services.scans import SCAN_LOOKUP, SCAN_PACK, SCAN_RECEIVE, SCAN_RELEASE

SESSION_ACTION = "qcw_station_action"
HISTORY_SIZE = 20

ACTION_LABELS = lifecycle.ACTION_LABELS

# The scan actions each kind of station offers, the first one preselected.
KIND_ACTIONS = {
    Station.Kind.RECEIVING: (SCAN_RECEIVE, SCAN_LOOKUP),
    Station.Kind.INSPECTION: (SCAN_LOOKUP,),
    Station.Kind.DOCK: (SCAN_PACK, SCAN_RELEASE, SCAN_LOOKUP),
}


def actions_for(station: Station) -> tuple[str, ...]:
    return KIND_ACTIONS.get(station.kind, (SCAN_LOOKUP,))


class ScanForm(forms.Form):
    """What a scan posts: the same fields as the REST scan's body."""

    barcode = forms.CharField(
        label=gettext_lazy("Barcode"), max_length=512, strip=False
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"))
    tag = forms.CharField(label=gettext_lazy("Tag"), max_length=128, required=False)
    location = forms.CharField(
        label=gettext_lazy("Location"), max_length=64, required=False
    )
    seal = forms.CharField(
        label=gettext_lazy("Anti-swap seal"), max_length=128, required=False
    )

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            (action, ACTION_LABELS[action]) for action in actions_for(station)
        ]


def _status_of(exc: DomainError) -> int:
    """The HTTP status the API answers this refusal with."""
    return next((code for cls, code in DOMAIN_STATUS if isinstance(exc, cls)), 400)


def _history(station: Station) -> list[ScanLog]:
    """The station's latest scans, newest first, in a fixed number of queries."""
    return list(
        ScanLog.objects.filter(station=station)
        .select_related("item", "user")
        .order_by("-at", "-id")[:HISTORY_SIZE]
    )


def _selected_action(request, station: Station) -> str:
    offered = actions_for(station)
    chosen = request.session.get(SESSION_ACTION)
    return chosen if chosen in offered else offered[0]


@page_view(*STATION_PEOPLE)
def station_home(request):
    """The stations to choose from, or the scan page of the chosen one."""
    principal = station_principal(request)
    if principal is None or request.GET.get("change"):
        stations = stations_for(request.principal).order_by("warehouse__code", "code")
        return render(
            request,
            "station/station_choose.html",
            {
                "stations": stations,
                "current": principal.station if principal else None,
            },
        )
    station = principal.station
    return render(
        request,
        "station/station_scan.html",
        {
            "station": station,
            "actions": [(a, ACTION_LABELS[a]) for a in actions_for(station)],
            "selected": _selected_action(request, station),
            "receives": SCAN_RECEIVE in actions_for(station),
            "packs": SCAN_PACK in actions_for(station),
            "history": _history(station),
        },
    )


@page_view(*STATION_PEOPLE)
@require_POST
def station_choose_view(request):
    """Work at the posted station from now on (404 if it is not theirs)."""
    try:
        station_id = int(request.POST.get("station", ""))
    except ValueError:
        raise Http404(_("No such station.")) from None
    station = station_choose(request, station_id)
    request.session.pop(SESSION_ACTION, None)
    messages.success(
        request,
        _("You are working at %(station)s.") % {"station": station.display_name},
    )
    return redirect("station:home")


@page_view(*STATION_PEOPLE)
@require_POST
def station_scan(request):
    """One scan at the chosen station, answered as a fragment (htmx) or a message."""
    principal = station_principal(request)
    if principal is None:
        message = _("Choose the station you are working at first.")
        messages.error(request, message)  # shown on the page redirected to
        if request.htmx:
            response = render(
                request,
                "station/scan_output.html",
                {"result": {"ok": False, "message": message, "code": "no_station"}},
                status=409,
            )
            response["HX-Redirect"] = reverse("station:home")
            return response
        return redirect("station:home")
    station = principal.station
    form = ScanForm(request.POST, station=station)
    result, status = _scan(request, principal, form)
    if not request.htmx:
        (messages.success if result["ok"] else messages.error)(
            request, result["message"]
        )
        return redirect("station:home")
    return render(
        request,
        "station/scan_output.html",
        {"station": station, "result": result, "history": _history(station)},
        status=status,
    )


def _scan(request, principal: Principal, form: ScanForm) -> tuple[dict, int]:
    """Carry the scan out; the result panel's content and its HTTP status."""
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label}: {' '.join(errs)}"
            for name, errs in form.errors.items()
        )
        # The API logs the scans it refuses before the service; so do we.
        services.scan_log_write(
            principal=principal,
            barcode=request.POST.get("barcode", ""),
            action=request.POST.get("action", ""),
            outcome=ScanLog.Outcome.REFUSED,
            error_code="invalid",
            message=errors,
            client_address=client_address(request),
        )
        return {
            "ok": False,
            "code": "invalid",
            "message": _("The scan was not understood: %(errors)s")
            % {"errors": errors},
            "barcode": request.POST.get("barcode", ""),
        }, 400
    data = form.cleaned_data
    action = data["action"]
    if request.session.get(SESSION_ACTION) != action:  # no session write per scan
        request.session[SESSION_ACTION] = action
    try:
        item, _barcode = services.scan_process(
            principal=principal,
            barcode=data["barcode"],
            action=action,
            tag=data["tag"],
            location=data["location"],
            seal=data["seal"],
            client_address=client_address(request),
        )
    except DomainError as exc:
        return {
            "ok": False,
            "code": exc.code,
            "message": exc.message,
            "barcode": data["barcode"],
            "action": action,
        }, _status_of(exc)
    item = item_attach_references(item)
    return {
        "ok": True,
        "barcode": data["barcode"],
        "action": action,
        "item": item,
        # A pack or release scan's parcel (the dock's handlers attach it): its
        # carrier, tracking number and label, and whether this release scan
        # marked its label printed.
        "parcel": getattr(item, "parcel", None),
        "printed_now": getattr(item, "parcel_printed_now", False),
        # A buyer's return received (by its tracking number: all its items).
        "buyer_return": getattr(item, "buyer_return", None),
        "next": lifecycle.item_allowed_next(item),
        "message": _("%(action)s: %(code)s is %(state)s.")
        % {
            "action": ACTION_LABELS[action],
            "code": item.code,
            "state": item.get_state_display(),
        },
    }, 200
