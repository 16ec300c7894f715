"""What every dock action shares: who may act, at which warehouse, and the
parcel's reference and its current parcel."""

from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from warehouse.common.access import Principal, Role
from warehouse.common.exceptions import Conflict, Forbidden
from warehouse.models import Item

from ...models import Shipment, ShipmentItem

DOCK_ROLES = (Role.STATION, Role.SUPERVISOR, Role.ADMIN)
REFERENCE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# The parcel history's reason when a release scan marks its label printed.
PRINTED_AT_RELEASE = "label_printed_at_release"


def dock_required(principal: Principal) -> None:
    """Refuse (403) anyone but a station, a supervisor or an admin."""
    if principal.role not in DOCK_ROLES:
        raise Forbidden(
            _("Only a station or a supervisor packs and releases."),
            code="permission_denied",
        )


def warehouse_required(principal: Principal, warehouse_id: int) -> None:
    """Refuse (409 ``wrong_warehouse``) a parcel of a warehouse the caller is
    not at."""
    if not principal.sees_all and warehouse_id not in principal.warehouse_ids:
        raise Conflict(
            _("This parcel belongs to another warehouse; it cannot leave from here."),
            code="wrong_warehouse",
        )


def shipment_reference() -> str:
    """A new parcel's reference: ``S`` and 11 characters no one misreads."""
    return "S" + get_random_string(11, REFERENCE_CHARS)


def parcel_attach(item: Item, shipment: Shipment) -> Item:
    """Give the item of a pack or release scan its parcel, for the station's
    answer: ``item.parcel`` (carrier, tracking number and label once the
    label job has run) and ``item.parcel_printed_now`` (its label was marked
    printed by this release scan)."""
    item.parcel = shipment
    history = shipment.history or []
    item.parcel_printed_now = (
        shipment.status == Shipment.Status.RELEASED
        and bool(history)
        and history[-1].get("reason") == PRINTED_AT_RELEASE
    )
    return item


def shipment_of_item(item: Item) -> Shipment | None:
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
