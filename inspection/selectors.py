"""Every non-trivial read of inspections and templates, scoped to who asks."""

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _

from warehouse.common.access import Principal, tenant_scope
from warehouse.common.exceptions import NotFound
from warehouse.models import Item
from warehouse.selectors import item_list_for

from .models import (
    Certificate,
    Inspection,
    InspectionCheck,
    InspectionPhoto,
    InspectionTemplate,
    SampleUnit,
)

_DETAIL_RELATED = (
    "item",
    "item__merchant",
    "item__category",
    "item__warehouse",
    "template",
    "template__category",
    "opened_by",
    "completed_by",
    "signed_off_by",
    "station",
    "hold_decision",
    "hold_decision__decided_by",
)


def inspection_list_for(principal: Principal) -> QuerySet:
    """Inspections of the items ``principal`` may see, with what a list shows."""
    return tenant_scope(
        Inspection.objects.select_related(*_DETAIL_RELATED), principal, via="item__"
    )


def inspection_list_for_item(principal: Principal, code: str) -> QuerySet:
    """An item's inspections, oldest first; 404 when the item is not visible."""
    item = item_list_for(principal).filter(code=code).values_list("pk", flat=True)
    item_id = item.first()
    if item_id is None:
        raise NotFound(_("No item %(code)s.") % {"code": code}, code="item_not_found")
    return (
        inspection_list_for(principal)
        .filter(item_id=item_id)
        .prefetch_related(*_detail_prefetch())
        .order_by("number")
    )


def _detail_prefetch():
    return (
        Prefetch(
            "checks", queryset=InspectionCheck.objects.select_related("observed_by")
        ),
        Prefetch(
            "photos", queryset=InspectionPhoto.objects.order_by("uploaded_at", "id")
        ),
        Prefetch("units", queryset=SampleUnit.objects.order_by("number")),
    )


def inspection_get_for(principal: Principal, inspection_id: int) -> Inspection:
    """One inspection with checks, photos and sampled units; 404 if not visible."""
    inspection = (
        inspection_list_for(principal)
        .prefetch_related(*_detail_prefetch())
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None:
        raise NotFound(
            _("No inspection %(id)s.") % {"id": inspection_id},
            code="inspection_not_found",
        )
    return inspection


def photo_get_for(principal: Principal, inspection_id: int, photo_id: int):
    photo = (
        InspectionPhoto.objects.filter(
            pk=photo_id,
            inspection__in=inspection_list_for(principal).filter(pk=inspection_id),
        )
        .select_related("inspection")
        .first()
    )
    if photo is None:
        raise NotFound(_("No photo %(id)s.") % {"id": photo_id}, code="photo_not_found")
    return photo


def template_list(*, category: str = "", all_versions: bool = False) -> QuerySet:
    """Templates with their checks: the versions in force, or every version."""
    templates = InspectionTemplate.objects.select_related("category").prefetch_related(
        "checks"
    )
    if category:
        templates = templates.filter(category__code=category)
    if not all_versions:
        templates = template_in_force(templates)
    return templates.order_by("category__code", "-version")


def template_in_force(templates: QuerySet) -> QuerySet:
    """Of ``templates``, each category's newest version."""
    latest = {}
    for category_id, version in templates.values_list("category_id", "version"):
        latest[category_id] = max(version, latest.get(category_id, 0))
    return templates.filter(
        pk__in=[
            pk
            for pk, category_id, version in templates.values_list(
                "pk", "category_id", "version"
            )
            if latest[category_id] == version
        ]
    )


def template_get(template_id: int) -> InspectionTemplate:
    template = template_list(all_versions=True).filter(pk=template_id).first()
    if template is None:
        raise NotFound(
            _("No inspection template %(id)s.") % {"id": template_id},
            code="template_not_found",
        )
    return template


# --- certificates ---------------------------------------------------------------------

CERTIFICATE_NEWEST_FIRST = ("-issued_at", "-id")


def certificate_current_for_item(item: Item) -> Certificate | None:
    """The item's current certificate: its newest, valid or revoked (None before
    its first).

    The one reading of "the item's certificate": the release guards, the item
    page and detail, a label's link, issuing (the certificate a new one
    replaces) and stock (the shelf life it was judged on). No relation is
    joined: none of them reads one.
    """
    return (
        Certificate.objects.filter(item=item)
        .order_by(*CERTIFICATE_NEWEST_FIRST)
        .first()
    )


# The fields of an item's current certificate that the release guards read.
CURRENT_CERTIFICATE_FIELDS = ("status", "number", "revoked_reason")


def certificate_current_annotations(item_ref: str) -> dict[str, Subquery]:
    """Annotations giving each row the current certificate (as
    :func:`certificate_current_for_item` reads it) of the item at ``item_ref``
    (``"item_id"`` on an allocation): ``current_certificate_<field>`` for
    :data:`CURRENT_CERTIFICATE_FIELDS`, all None before its first. Many items'
    certificates in the query that reads them; see
    :func:`certificate_current_annotated`.
    """
    newest = Certificate.objects.filter(item_id=OuterRef(item_ref)).order_by(
        *CERTIFICATE_NEWEST_FIRST
    )
    return {
        f"current_certificate_{field}": Subquery(newest.values(field)[:1])
        for field in CURRENT_CERTIFICATE_FIELDS
    }


def certificate_current_annotated(row) -> Certificate | None:
    """The current certificate of a row read with
    :func:`certificate_current_annotations` (unsaved, only those fields), or
    None before its first."""
    values = {
        field: getattr(row, f"current_certificate_{field}")
        for field in CURRENT_CERTIFICATE_FIELDS
    }
    if values["status"] is None:
        return None
    return Certificate(**values)


def certificate_get_for(principal: Principal, number: str) -> Certificate:
    certificate = (
        tenant_scope(
            Certificate.objects.select_related(
                "item", "replaced_by", "revoked_by", "inspection"
            ),
            principal,
            via="item__",
        )
        .filter(number=(number or "").strip().upper())
        .first()
    )
    if certificate is None:
        raise NotFound(
            _("No certificate %(number)s.") % {"number": number},
            code="certificate_not_found",
        )
    return certificate


def certificate_for_item(principal: Principal, code: str) -> Certificate:
    """The item's newest certificate; 404 when the item is not visible or has none."""
    certificate = (
        tenant_scope(
            Certificate.objects.select_related("item"), principal, via="item__"
        )
        .filter(item__code=code)
        .order_by(*CERTIFICATE_NEWEST_FIRST)
        .first()
    )
    if certificate is None:
        raise NotFound(
            _("Item %(code)s has no certificate.") % {"code": code},
            code="certificate_not_found",
        )
    return certificate


def certificate_by_token(token: str) -> Certificate:
    """The certificate a verification link names (public: no principal)."""
    certificate = (
        Certificate.objects.select_related(
            "item__warehouse", "item__category", "replaced_by", "inspection"
        )
        .filter(token=token)
        .first()
        if token and len(token) <= 64
        else None
    )
    if certificate is None:
        raise NotFound(_("No such certificate."), code="certificate_not_found")
    return certificate


def public_photos(certificate: Certificate) -> QuerySet:
    """The photos of the inspection behind a certificate, as its public page shows."""
    return InspectionPhoto.objects.filter(inspection=certificate.inspection).order_by(
        "uploaded_at", "id"
    )
