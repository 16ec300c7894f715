"""The merchant's view of their buyers' returns, in the portal.

Each return the platform announced (or a parcel received with no notice) of
the signed-in merchant's items: the platform's return id and order, each
item's state, and the latest return inspection of each: its verdict, where
the item went, every compared point's reason in the reader's language, the
photos taken at the comparison and the signed return report. Only a
merchant's users open these pages, and only ever their own merchant's
returns: another merchant's return is a 404, as is any id not theirs.
"""

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inspection.models import ReturnInspection, ReturnPhoto
from warehouse.common.access import Principal, Role, tenant_scope
from warehouse.common.messages import message_render
from warehouse.common.pages import page_view
from warehouse.models import ReturnNotice

PAGE_SIZE = 50
MAX_PK = 2**63 - 1
# A verdict holds (the report is signed, the item has gone its way) once
# closed, or once a second inspector disputed it.
REPORTED = (ReturnInspection.Status.CLOSED, ReturnInspection.Status.DISPUTED)


def buyer_returns_for(principal: Principal):
    """The buyers' returns ``principal`` may see, newest first, with their
    items and warehouse read at once."""
    return (
        tenant_scope(ReturnNotice.objects.all(), principal)
        .select_related("warehouse")
        .prefetch_related("lines__item")
        .order_by("-created_at", "-id")
    )


def _latest_inspections(item_ids) -> dict[int, ReturnInspection]:
    """Each item's latest return inspection, with its photos, by item id."""
    latest = {}
    inspections = (
        ReturnInspection.objects.filter(item_id__in=item_ids)
        .select_related("notice")
        .prefetch_related("photos")
        .order_by("item_id", "number")
    )
    for inspection in inspections:
        latest[inspection.item_id] = inspection
    return latest


def report_url(inspection: ReturnInspection) -> str:
    """Where the signed return report of ``inspection`` is downloaded."""
    try:
        return reverse(
            "inspection:return-inspection-report",
            kwargs={"inspection_id": inspection.pk},
        )
    except NoReverseMatch:
        return f"/api/v1/return-inspections/{inspection.pk}/report.pdf"


def point_reason(point: dict) -> str:
    """A compared point's reason in the reader's language (its code if no
    catalogue knows it)."""
    code = point.get("code", "")
    return message_render(code, point.get("params") or {}, strict=True) or code


def _inspection_view(inspection: ReturnInspection | None) -> dict | None:
    if inspection is None:
        return None
    return {
        "id": inspection.pk,
        "number": inspection.number,
        "verdict": inspection.verdict,
        "verdict_label": inspection.get_verdict_display(),
        "outcome": inspection.outcome,
        "outcome_label": inspection.get_outcome_display() if inspection.outcome else "",
        "status": inspection.status,
        "status_label": inspection.get_status_display(),
        "inspected_at": inspection.inspected_at,
        "points": [
            {**point, "reason": point_reason(point)}
            for point in inspection.checks or []
        ],
        "photos": [
            reverse("decide:buyer-return-photo", kwargs={"photo_id": photo.pk})
            for photo in inspection.photos.all()
        ],
        "report_url": report_url(inspection) if inspection.status in REPORTED else "",
    }


def _lines_of(notices) -> dict[int, list[dict]]:
    """Each notice's items with their latest return inspection, by notice id."""
    lines = [line for notice in notices for line in notice.lines.all()]
    latest = _latest_inspections({line.item_id for line in lines})
    by_notice: dict[int, list[dict]] = {}
    for line in lines:
        inspection = latest.get(line.item_id)
        if inspection is not None and inspection.notice_id != line.notice_id:
            inspection = None  # a later return's inspection is not this one's
        by_notice.setdefault(line.notice_id, []).append(
            {
                "line": line,
                "item": line.item,
                "inspection": _inspection_view(inspection),
            }
        )
    return by_notice


@require_GET
@page_view(Role.MERCHANT)
def buyer_return_list(request):
    """The merchant's buyers' returns, newest first, with each item's state
    and verdict."""
    page = Paginator(buyer_returns_for(request.principal), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    lines = _lines_of(page.object_list)
    for notice in page.object_list:
        notice.rows = lines.get(notice.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/returns_list.html",
        {"page": page, "query": query.urlencode()},
    )


@require_GET
@page_view(Role.MERCHANT)
def buyer_return_detail(request, notice_id: int):
    """One buyer's return: each item, its comparison with what we certified,
    every point's reason, the photos and the report."""
    notice = None
    if notice_id <= MAX_PK:
        notice = buyer_returns_for(request.principal).filter(pk=notice_id).first()
    if notice is None:
        raise Http404(_("No such return."))
    return render(
        request,
        "portal/return_detail.html",
        {"notice": notice, "rows": _lines_of([notice]).get(notice.pk, [])},
    )


@require_GET
@page_view(Role.MERCHANT)
def buyer_return_photo(request, photo_id: int):
    """A photo taken at the return inspection of one of the merchant's items."""
    photo = None
    if photo_id <= MAX_PK:
        photo = (
            tenant_scope(
                ReturnPhoto.objects.all(), request.principal, via="inspection__item__"
            )
            .filter(pk=photo_id)
            .first()
        )
    if photo is None:
        raise Http404(_("No such photo."))
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
