"""Returning an item to its merchant: the return parcel and its label job,
and its delivery.

A return parcel's release hands it to the carrier; its item stays
``returning`` until the parcel is delivered: the carrier reports it (the
tracking sweep, :func:`returns_tracking_sweep`) or the merchant confirms
receipt in the portal. Both go through :func:`return_delivered`, which moves
the item ``returning → returned_to_merchant`` once.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal, Role
from warehouse.common.exceptions import (
    Conflict,
    Forbidden,
    NotFound,
    TransitionRefused,
)
from warehouse.common.jobs import job_record
from warehouse.models import Item, ItemState

from ...messages import CATALOGUE
from ...models import MerchantPolicy, Shipment, ShipmentItem
from .dock import shipment_of_item, shipment_reference

S = ItemState


def return_recipient(merchant, policy: MerchantPolicy | None) -> dict:
    """Where a return parcel goes: the return policy's structured address
    (province, city, postcode, phone), or else the merchant's return address
    text and contact phone; refused (409 ``no_return_address``) without an
    address or a phone, which the carrier needs. Nothing is made up."""
    if policy is not None and policy.return_to:
        return {key: str(value) for key, value in policy.return_to.items()}
    if not merchant.return_address.strip() or not merchant.contact_phone.strip():
        raise Conflict(
            _(
                "Merchant %(merchant)s has no return address with a phone number; "
                "the carrier needs both."
            )
            % {"merchant": merchant.code},
            code="no_return_address",
        )
    return {
        "name": merchant.name,
        "phone": merchant.contact_phone.strip(),
        "lines": merchant.return_address,
    }


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
        # A buyer's return its inspection sent back (inspection's
        # to_merchant outcome) is returning already, with no return parcel
        # yet: it gets one; the parcel it was sold in is not it.
        back = item.state == S.RETURNING
        if back:
            existing = shipment_of_item(item)
            if existing is not None and existing.kind == Shipment.Kind.RETURN:
                return existing
        refusal = None if back else lifecycle.item_refusal(item, S.RETURNING)
        if isinstance(refusal, TransitionRefused):  # the table: not from here
            raise Conflict(
                _("Item %(code)s is %(state)s; only a failed item goes back.")
                % {"code": item.code, "state": item.get_state_display()},
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
        policy = MerchantPolicy.objects.filter(merchant=merchant).first()
        recipient = return_recipient(merchant, policy)
        if not back:
            lifecycle.item_return_start(
                item=item, actor=principal.user, reason_code="returning_to_merchant"
            )
        shipment = Shipment.objects.create(
            reference=shipment_reference(),
            kind=Shipment.Kind.RETURN,
            merchant=merchant,
            warehouse=item.warehouse,
            carrier=policy.return_carrier if policy else settings.RETURN_CARRIER,
            recipient=recipient,
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


def _return_refused(shipment: Shipment) -> Conflict:
    params = {"ref": shipment.reference}
    return Conflict(
        CATALOGUE.render("not_released", params), code="not_released", params=params
    )


def return_delivered(
    *, principal: Principal | None, shipment: Shipment, event=None
) -> bool:
    """A released return parcel reached its merchant: its items become
    ``returned_to_merchant``. Answers whether anything moved (a second call,
    a second tracking event, moves nothing).

    ``principal``: the merchant (or staff) confirming receipt in the portal;
    ``None`` for the carrier's tracking event ``event`` (a
    :class:`fulfilment.carriers.TrackingEvent`). Refused (409
    ``not_released``) before the parcel was released; another merchant's
    parcel is unknown (404).
    """
    if principal is not None:
        if principal.role not in (Role.MERCHANT, Role.SUPERVISOR, Role.ADMIN):
            raise Forbidden(_("Only the merchant or staff confirm a return."))
        if principal.role == Role.MERCHANT and (
            principal.merchant_id != shipment.merchant_id
        ):
            raise NotFound(_("No such parcel."), code="shipment_not_found")
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if (
            shipment.kind != Shipment.Kind.RETURN
            or shipment.status != Shipment.Status.RELEASED
        ):
            raise _return_refused(shipment)
        moved = False
        items = Item.objects.select_for_update().filter(
            shipment_contents__shipment=shipment, state=S.RETURNING
        )
        for item in items.order_by("pk"):
            if event is not None:
                reason = {
                    "reason_code": "delivered_to_merchant",
                    "reason_params": {
                        "carrier": shipment.carrier,
                        "tracking": shipment.tracking_number,
                    },
                }
            else:
                reason = {"reason_code": "receipt_confirmed", "reason_params": {}}
            lifecycle.item_return_complete(
                item=item,
                actor=principal.user if principal is not None else None,
                payload={
                    "tracking": shipment.tracking_number,
                    "parcel": shipment.reference,
                },
                **reason,
            )
            moved = True
    return moved


def returns_in_transit():
    """Released return parcels whose items are still ``returning``."""
    return Shipment.objects.filter(
        kind=Shipment.Kind.RETURN,
        status=Shipment.Status.RELEASED,
        contents__item__state=S.RETURNING,
    ).distinct()


def returns_tracking_sweep() -> int:
    """Ask each carrier about the return parcels on their way and apply the
    ``delivered`` events (periodic, idempotent). Answers how many parcels
    were delivered now; a carrier that fails is asked again next time."""
    from ...carriers import CarrierError, carrier_adapter_get

    delivered = 0
    for shipment in returns_in_transit().order_by("pk"):
        try:
            events = carrier_adapter_get(shipment.carrier).track(
                shipment.tracking_number
            )
        except CarrierError:
            continue
        event = next((e for e in events if e.code == "delivered"), None)
        if event is not None and return_delivered(
            principal=None, shipment=shipment, event=event
        ):
            delivered += 1
    return delivered
