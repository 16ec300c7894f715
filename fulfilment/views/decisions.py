"""The merchant's decisions on items that will not reach a buyer.

A failed item goes back on the merchant's request; an item held after its
order was cancelled goes back or stays as stock; a returning item whose
parcel was handed to the carrier is confirmed received. Both call the services the
REST API calls; the buttons are on the item page.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from warehouse.common.access import Role
from warehouse.common.exceptions import DomainError, InvalidInput
from warehouse.common.pages import page_view, refused
from warehouse.selectors import item_get_for

from .. import services
from ..models import HeldForMerchant, Shipment
from .policy import refused_return

DECIDERS = (Role.MERCHANT, Role.SUPERVISOR, Role.ADMIN)


@require_POST
@page_view(*DECIDERS)
def item_return(request, code: str):
    """Send a failed item back to its merchant (a return parcel and label)."""
    item = item_get_for(request.principal, code)
    try:
        shipment = services.return_create(principal=request.principal, item=item)
    except DomainError as exc:
        refused_return(request, exc)
    else:
        messages.success(
            request,
            _("The item goes back to you in parcel %(ref)s.")
            % {"ref": shipment.reference},
        )
    return redirect("inspect:item-detail", code=code)


@require_POST
@page_view(*DECIDERS)
def item_held(request, code: str):
    """Decide an item held after its order was cancelled: return or keep."""
    item = item_get_for(request.principal, code)
    decision = request.POST.get("decision", "")
    try:
        if decision not in (
            HeldForMerchant.Decision.RETURN,
            HeldForMerchant.Decision.KEEP,
        ):
            raise InvalidInput(_("Choose to have it returned or to keep it as stock."))
        services.held_decide(principal=request.principal, item=item, decision=decision)
    except DomainError as exc:
        refused_return(request, exc)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("inspect:item-detail", code=code)


@require_POST
@page_view(*DECIDERS)
def item_received(request, code: str):
    """The merchant confirms the return parcel of a returning item arrived."""
    item = item_get_for(request.principal, code)
    shipment = (
        Shipment.objects.filter(kind=Shipment.Kind.RETURN, contents__item=item)
        .order_by("-id")
        .first()
    )
    try:
        if shipment is None:
            raise InvalidInput(_("This item has no return parcel."))
        services.return_delivered(principal=request.principal, shipment=shipment)
    except DomainError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Receipt confirmed."))
    return redirect("inspect:item-detail", code=code)
