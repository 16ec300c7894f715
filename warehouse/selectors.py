"""Every non-trivial read in the warehouse app, scoped to who asks."""

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from warehouse.common.access import Principal, tenant_scope
from warehouse.common.exceptions import NotFound

from .models import InboundNotice, Item, ItemEvent

NOTICE_ROW_FIELDS = ("line", "code", "sku", "serial", "order_ref", "state")


def item_list_for(principal: Principal) -> QuerySet:
    """Items ``principal`` may see, with what the list shows joined in."""
    return tenant_scope(
        Item.objects.select_related("merchant", "category", "warehouse", "location"),
        principal,
    )


def item_get_for(principal: Principal, code: str) -> Item:
    """One item with its notice, tags and full event history; 404 if not visible."""
    events = ItemEvent.objects.select_related("actor", "station").order_by("at", "id")
    item = (
        item_list_for(principal)
        .select_related("notice")
        .prefetch_related(Prefetch("events", queryset=events), "tags")
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound(_("No item %(code)s.") % {"code": code}, code="item_not_found")
    return item


def notice_list_for(principal: Principal) -> QuerySet:
    return tenant_scope(
        InboundNotice.objects.select_related("merchant", "warehouse"), principal
    )


def notice_item_rows(notice: InboundNotice) -> list[dict]:
    return list(notice.items.order_by("line").values(*NOTICE_ROW_FIELDS))


def notice_get_for(principal: Principal, notice_id: int) -> InboundNotice:
    """One notice with its item rows and a count per state; 404 if not visible."""
    notice = notice_list_for(principal).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(
            _("No inbound notice %(id)s.") % {"id": notice_id}, code="notice_not_found"
        )
    notice.item_rows = notice_item_rows(notice)
    notice.state_counts = dict(
        notice.items.order_by().values_list("state").annotate(n=Count("id"))
    )
    return notice
