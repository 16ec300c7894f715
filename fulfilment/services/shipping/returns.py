"""Returning an item to its merchant: the return parcel and its label job."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal, Role
from warehouse.common.exceptions import Conflict, Forbidden, TransitionRefused
from warehouse.common.jobs import job_record
from warehouse.models import Item, ItemState

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
        if item.state == S.RETURNING:
            existing = shipment_of_item(item)
            if existing is not None:
                return existing
        refusal = lifecycle.item_refusal(item, S.RETURNING)
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
