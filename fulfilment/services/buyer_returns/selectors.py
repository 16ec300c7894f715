"""Reads of buyers' returns, in the caller's scope (``tenant_scope``): the
platform sees every return, a merchant its own, staff their warehouses'."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from inspection.models import ReturnInspection
from warehouse.common.access import Principal, tenant_scope
from warehouse.common.exceptions import NotFound
from warehouse.models import ReturnNotice, ReturnNoticeItem


def return_notice_list_for(principal: Principal) -> QuerySet:
    """The returns ``principal`` may see, newest first, with their items and
    their return inspections (in the item's order)."""
    return (
        tenant_scope(ReturnNotice.objects.all(), principal)
        .select_related("merchant", "warehouse")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReturnNoticeItem.objects.select_related("item").order_by("id"),
            ),
            Prefetch(
                "inspections",
                queryset=ReturnInspection.objects.order_by("item_id", "number"),
            ),
        )
    )


def return_notice_get_for(principal: Principal, return_id: str) -> ReturnNotice:
    """One announced return by the platform's id; another merchant's is not
    found (404 ``return_notice_not_found``), as one that does not exist."""
    notice = (
        return_notice_list_for(principal).filter(return_id=return_id).first()
        if return_id
        else None
    )
    if notice is None:
        raise NotFound(
            _("No return %(return_id)s.") % {"return_id": return_id},
            code="return_notice_not_found",
            params={"return_id": return_id},
        )
    return notice


def return_inspection_latest(notice: ReturnNotice, item_id: int):
    """The item's latest return inspection on this return (prefetched), or None."""
    latest = None
    for inspection in notice.inspections.all():
        if inspection.item_id == item_id:
            latest = inspection
    return latest
