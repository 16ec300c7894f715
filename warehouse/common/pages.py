"""What every page view shares: who is signed in, what they may open, errors.

Page views call the same services and selectors as the API. They start from
:func:`page_view`, which requires a signed-in user of one of the given roles
and puts their :class:`~warehouse.common.access.Principal` on ``request.principal``;
a domain refusal becomes a message on the page (or a 404 for ``NotFound``,
so a merchant cannot tell that another merchant's item exists).

An operator works at one station of their warehouse at a time: the station
is kept in the session, and :func:`station_principal` acts as that station
(with the operator as the person) so scans from the pages are logged and
recorded exactly as scans from a station's scanner.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from warehouse.models import Station

from .access import Principal, Role, principal_of
from .exceptions import DomainError, NotFound

STAFF = (Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN)
STATION_PEOPLE = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
SESSION_STATION = "qcw_station_id"

# Where each role starts after signing in.
HOME_OF_ROLE = {
    Role.MERCHANT: "portal:items",
    Role.INSPECTOR: "inspect:queue",
    Role.SUPERVISOR: "dashboard:overview",
    Role.ADMIN: "dashboard:overview",
    Role.OPERATOR: "station:home",
}


def page_view(*roles: str) -> Callable:
    """Decorate a page view: signed in, one of ``roles``, principal attached.

    Anonymous users are sent to sign in; other roles get 403. A ``NotFound``
    raised inside the view is a 404 page.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            principal = principal_of(request.user)
            if principal.role not in roles:
                raise PermissionDenied(_("Your role may not open this page."))
            request.principal = principal
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from None

        return wrapped

    return decorator


def stations_for(principal: Principal):
    """The active stations a person may work at: their warehouses' ones."""
    stations = Station.objects.filter(is_active=True).select_related("warehouse")
    if principal.role == Role.ADMIN:
        return stations
    return stations.filter(warehouse_id__in=principal.warehouse_ids)


def station_principal(request) -> Principal | None:
    """The signed-in person acting as the station chosen in this session."""
    station_id = request.session.get(SESSION_STATION)
    if station_id is None:
        return None
    station = stations_for(request.principal).filter(pk=station_id).first()
    if station is None:  # deactivated, or the person moved warehouse
        request.session.pop(SESSION_STATION, None)
        return None
    return Principal(
        user=request.user,
        role=Role.STATION,
        station=station,
        warehouse_ids=frozenset({station.warehouse_id}),
    )


def station_choose(request, station_id) -> Station:
    """Work at ``station_id`` from now on in this session (404 if not theirs)."""
    station = stations_for(request.principal).filter(pk=station_id).first()
    if station is None:
        raise Http404(_("No such station."))
    request.session[SESSION_STATION] = station.pk
    return station


def refused(request, exc: DomainError) -> None:
    """Show a service's refusal on the next page the user sees.

    Something the user may not see stays a 404 (raised again), as on every page.
    """
    if isinstance(exc, NotFound):
        raise exc
    messages.error(request, exc.message)


def home_redirect(request):
    """Send a signed-in user to the page their role starts from."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    name = HOME_OF_ROLE.get(principal_of(request.user).role)
    if name is None:
        raise PermissionDenied(
            _("Your account has no role in any warehouse or merchant yet.")
        )
    return redirect(name)
