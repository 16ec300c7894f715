"""Return inspections read: lists, one, the inspector's queue, the disputes.

Every read starts from :func:`warehouse.common.access.tenant_scope`: a
merchant sees its own items' return inspections, staff their warehouses',
the platform all; anything else is unknown (404).
"""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from warehouse.common.access import Principal, tenant_scope
from warehouse.common.exceptions import NotFound
from warehouse.models import Item, ItemState

from ...models import ReturnInspection, ReturnPhoto

S = ItemState
QUEUE_STATES = (S.RETURN_RECEIVED, S.RETURN_INSPECTING)


def _rows(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(
        "item",
        "notice",
        "certificate",
        "inspected_by",
        "signed_off_by",
        "station",
    ).prefetch_related(
        Prefetch("photos", queryset=ReturnPhoto.objects.order_by("uploaded_at", "id"))
    )


def return_inspection_list_for(principal: Principal) -> QuerySet:
    """Every return inspection the principal may see, newest first."""
    return _rows(
        tenant_scope(ReturnInspection.objects.all(), principal, via="item__")
    ).order_by("-inspected_at", "-id")


def _item_visible(principal: Principal, code: str) -> Item:
    item = tenant_scope(Item.objects.all(), principal).filter(code=code).first()
    if item is None:
        raise NotFound(_("No item %(code)s.") % {"code": code}, code="item_not_found")
    return item


def return_inspection_list_for_item(principal: Principal, code: str) -> QuerySet:
    """The item's return inspections, in order; 404 for an item not visible."""
    item = _item_visible(principal, code)
    return _rows(ReturnInspection.objects.filter(item=item)).order_by("number")


def return_inspection_get_for(
    principal: Principal, inspection_id: int
) -> ReturnInspection:
    inspection = return_inspection_list_for(principal).filter(pk=inspection_id).first()
    if inspection is None:
        raise NotFound(
            _("No return inspection %(id)s.") % {"id": inspection_id},
            code="return_inspection_not_found",
        )
    return inspection


def return_inspection_latest(item: Item) -> ReturnInspection | None:
    """The item's latest return inspection (None before its first)."""
    return ReturnInspection.objects.filter(item=item).order_by("-number").first()


def return_photo_get_for(
    principal: Principal, inspection_id: int, photo_id: int
) -> ReturnPhoto:
    inspection = return_inspection_get_for(principal, inspection_id)
    photo = ReturnPhoto.objects.filter(inspection=inspection, pk=photo_id).first()
    if photo is None:
        raise NotFound(_("No such photo."), code="photo_not_found")
    return photo


def return_inspections_awaiting(principal: Principal) -> QuerySet:
    """Return inspections waiting for a second person's sign-off, oldest first."""
    return (
        return_inspection_list_for(principal)
        .filter(status=ReturnInspection.Status.AWAITING_SIGNOFF)
        .order_by("inspected_at", "id")
    )


def _items(principal: Principal, states) -> QuerySet:
    return (
        tenant_scope(Item.objects.all(), principal)
        .filter(state__in=states)
        .select_related("merchant", "warehouse", "category")
        .order_by("state_changed_at", "id")
    )


def return_queue(principal: Principal) -> QuerySet:
    """The inspector's return queue: items received back from buyers or being
    compared, longest waiting first."""
    return _items(principal, QUEUE_STATES)


def disputes(principal: Principal) -> QuerySet:
    """Disputed items, held under a supervisor, longest waiting first."""
    return _items(principal, (S.DISPUTED,))
