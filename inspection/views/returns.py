"""Buyer's returns at the workstation: the queue, the comparison, the disputes.

An inspector's queue of returned items (received, or being compared), the
comparison form of one item (what we certified beside each field, the verdict
judged again by the same judge as the service at every keystroke, an htmx
round trip to :func:`return_preview`), the page of one return inspection
(its points, the certified photos beside the return's, photo upload) and the
supervisor's disputes page (inspections waiting for their sign-off, disputed
items waiting for a decision). Every read is scoped to the person; every
write is a service of :mod:`inspection.services.returns`, whose refusal is
shown as it said it.
"""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warehouse.common.exceptions import DomainError, InvalidInput
from warehouse.common.pages import STAFF, page_view, refused
from warehouse.models import ItemState
from warehouse.selectors import item_get_for
from warehouse.vocabularies import MATERIALS

from .. import messages as catalogue
from ..models import Certificate, ReturnInspection, ReturnOutcome, ReturnVerdict
from ..selectors import certificate_current_for_item
from ..services import returns as service
from .inspector import photo_posted, photo_size_check

S = ItemState
COMPARABLE = (S.RETURN_RECEIVED, S.RETURN_INSPECTING)
MAX_ROWS = 200

PACKAGING_CHOICES = (
    ("unopened", gettext_lazy("unopened")),
    ("opened", gettext_lazy("opened")),
    ("damaged", gettext_lazy("damaged")),
)
CONDITION_CHOICES = (
    ("as_certified", gettext_lazy("as certified")),
    ("damaged", gettext_lazy("damaged")),
)
DECISIONS = (
    ("return_to_merchant", gettext_lazy("Return to the merchant")),
    ("reinspect", gettext_lazy("Inspect again")),
)
# Each verdict's tone (the stylesheet's v-pass, v-hold, v-fail).
VERDICT_TONES = {
    ReturnVerdict.MATCHES: "pass",
    ReturnVerdict.DAMAGED: "hold",
    ReturnVerdict.MISMATCH: "fail",
}
SEVERITY_TONES = {"ok": "pass", "damaged": "hold", "mismatch": "fail"}
OUTCOME_WORDS = {
    ReturnOutcome.RESTOCK: gettext_lazy(
        "It goes back to stock, under its certificate."
    ),
    ReturnOutcome.TO_MERCHANT: gettext_lazy("It goes back to its merchant."),
    ReturnOutcome.DISPUTED: gettext_lazy("It is disputed: a supervisor decides."),
}


# --- what the pages show ------------------------------------------------------------


def point_rows(checks: list[dict]) -> list[dict]:
    """The stored points of a comparison as rows: the check, its reason in
    the reader's language and its tone."""
    rows = []
    for point in checks or []:
        code = point.get("code", "")
        reason = catalogue.return_point_reason(code, point.get("params"))
        severity = point.get("severity") or ("ok" if point.get("ok") else "mismatch")
        rows.append(
            {
                "check": point.get("check", ""),
                "code": code,
                "reason": reason,
                "severity": severity,
                "tone": SEVERITY_TONES.get(severity, "pending"),
            }
        )
    return rows


def verdict_context(judged: dict | None, *, signoff: bool = False) -> dict:
    """A judge's answer (``return_compare``'s dict) for the verdict partial;
    ``signoff``: the verdict still needs a second person's sign-off."""
    if not judged:
        return {"verdict": None}
    verdict = judged.get("verdict")
    outcome = judged.get("outcome") or ""
    return {
        "signoff": signoff,
        "verdict": verdict,
        "verdict_label": ReturnVerdict(verdict).label if verdict else "",
        "verdict_tone": VERDICT_TONES.get(verdict, "pending"),
        "outcome": outcome,
        "outcome_words": OUTCOME_WORDS.get(outcome, ""),
        "points": point_rows(judged.get("checks")),
    }


def report_url(inspection: ReturnInspection) -> str:
    """Where the inspection's signed report is downloaded (the API's)."""
    return reverse("inspection:return-inspection-report", kwargs={"pk": inspection.pk})


def return_photo_url(inspection_id: int, photo_id: int) -> str:
    """Where a return photo's bytes are read (the API's)."""
    return reverse(
        "inspection:return-inspection-photo-file",
        kwargs={"inspection_id": inspection_id, "photo_id": photo_id},
    )


def certified_photos(certificate: Certificate | None) -> list[dict]:
    """The photos of the inspection that certified the item, with their URLs."""
    if certificate is None or certificate.inspection_id is None:
        return []
    return [
        {
            "url": reverse(
                "inspection:photo-file",
                kwargs={
                    "inspection_id": certificate.inspection_id,
                    "photo_id": photo.pk,
                },
            ),
            "caption": photo.caption or photo.check_key,
        }
        for photo in certificate.inspection.photos.all()
    ]


def form_fields(certified: dict) -> dict:
    """Which inputs the comparison form has, from what was certified
    (``return_certified_values``): a point we certified is one to observe."""
    identity = certified.get("identity") or {}
    if not isinstance(identity, dict):
        identity = {}
    return {
        "seal": bool(certified.get("seal")),
        "weight": certified.get("weight_mg") is not None,
        "material": bool(certified.get("material")),
        "identity": sorted(identity),
        "packaging": bool(certified.get("packaging")),
    }


def observed_from_post(data, fields: dict) -> dict:
    """The posted form as the service's observations; a field left empty is
    left out, so the judge names it as missing."""
    observed: dict = {}
    if fields["seal"]:
        seal = {}
        present = data.get("seal-present", "")
        if present in ("yes", "no"):
            seal["present"] = present == "yes"
        intact = data.get("seal-intact", "")
        if intact in ("yes", "no"):
            seal["intact"] = intact == "yes"
        if number := data.get("seal-number", "").strip():
            seal["number"] = number
        if seal:
            observed["seal"] = seal
    if fields["weight"] and (weight := data.get("weight_g", "").strip()):
        observed["weight_g"] = weight
    if fields["material"] and (material := data.get("material", "").strip()):
        observed["material"] = material
    identity = {
        key: value
        for key in fields["identity"]
        if (value := data.get(f"identity-{key}", "").strip())
    }
    if identity:
        observed["identity"] = identity
    if fields["packaging"] and (packaging := data.get("packaging", "").strip()):
        observed["packaging"] = packaging
    if condition := data.get("condition", "").strip():
        observed["condition"] = condition
    if notes := data.get("notes", "").strip():
        observed["notes"] = notes
    return observed


def _certified_rows(certified: dict) -> dict:
    """What the form shows beside each field, as text."""
    weight = certified.get("weight_mg")
    material = certified.get("material") or ""
    return {
        "seal": certified.get("seal") or "",
        "weight": f"{weight / 1000:.3f} g" if isinstance(weight, int) else "",
        "material": _material_name(material),
        "identity": certified.get("identity") or {},
    }


def _material_name(code: str) -> str:
    return MATERIALS.name(code) if code else ""


def _compare_context(request, item, *, data=None, error="", judged=None) -> dict:
    certified = service.return_certified_values(item)
    fields = form_fields(certified)
    certificate = certificate_current_for_item(item)
    refusal = service.return_inspect_refusal(item)
    data = data if data is not None else {}
    rows = _certified_rows(certified)
    identity = [
        {
            "key": key,
            "certified": rows["identity"].get(key, ""),
            "value": data.get(f"identity-{key}", ""),
        }
        for key in fields["identity"]
    ]
    return {
        "identity_rows": identity,
        "item": item,
        "certified": rows,
        "fields": fields,
        "values": data,
        "error": error,
        "packaging_choices": PACKAGING_CHOICES,
        "condition_choices": CONDITION_CHOICES,
        "materials": _material_options(),
        "certified_photos": certified_photos(certificate),
        "live": verdict_context(judged),
        "comparable": refusal is None,
        "photo_max_mb": settings.INSPECTION_PHOTO_MAX_BYTES // (1024 * 1024),
        "refusal": refusal.message if refusal is not None else "",
    }


def _material_options() -> list[str]:
    return [MATERIALS.name(code) for code in MATERIALS.codes()]


# --- the inspector's pages ----------------------------------------------------------


@require_GET
@page_view(*STAFF)
def return_queue(request):
    """Returned items waiting for their comparison in the person's
    warehouses, oldest first, and the comparisons this person may sign off."""
    principal = request.principal
    items = list(service.return_queue(principal)[:MAX_ROWS])
    # An item whose comparison awaits its sign-off opens that comparison.
    waiting = dict(
        ReturnInspection.objects.filter(
            item__in=items, status=ReturnInspection.Status.AWAITING_SIGNOFF
        ).values_list("item_id", "pk")
    )
    for item in items:
        item.awaiting_id = waiting.get(item.pk)
    awaiting = [
        inspection
        for inspection in service.return_inspections_awaiting(principal)
        .select_related("item__warehouse")
        .exclude(inspected_by=request.user)[:MAX_ROWS]
        if service.return_sign_off_refusal(principal, inspection) is None
    ]
    for inspection in awaiting:
        inspection.live = verdict_context(
            {"verdict": inspection.verdict, "checks": inspection.checks}
        )
        inspection.can_sign_off = True
    return render(
        request,
        "inspection/return_queue.html",
        {"items": items, "awaiting": awaiting, "decisions": DECISIONS},
    )


@require_http_methods(["GET", "POST"])
@page_view(*STAFF)
def return_compare(request, code: str):
    """The comparison form of a returned item (GET) and its submission (POST:
    ``return_inspection_create``, then the inspection's page)."""
    principal = request.principal
    item = item_get_for(principal, code)
    if request.method == "GET":
        context = _compare_context(request, item)
        return render(request, "inspection/return_compare.html", context)
    fields = form_fields(service.return_certified_values(item))
    observed = observed_from_post(request.POST, fields)
    try:
        inspection = _record(principal, item, observed, request.FILES.getlist("images"))
    except DomainError as exc:
        if not isinstance(exc, InvalidInput):
            refused(request, exc)
            item = item_get_for(principal, code)
            return render(
                request,
                "inspection/return_compare.html",
                _compare_context(request, item, data=request.POST),
                status=409,
            )
        return render(
            request,
            "inspection/return_compare.html",
            _compare_context(request, item, data=request.POST, error=exc.message),
            status=400,
        )
    if inspection.status == ReturnInspection.Status.AWAITING_SIGNOFF:
        messages.info(
            request,
            _("Compared: %(verdict)s. A second person must sign the verdict off.")
            % {"verdict": inspection.get_verdict_display()},
        )
    else:
        messages.success(
            request,
            _("Compared: %(verdict)s.") % {"verdict": inspection.get_verdict_display()},
        )
    return redirect("inspect:return-inspection", inspection_id=inspection.pk)


def _record(principal, item, observed: dict, uploads) -> ReturnInspection:
    """The comparison and the photos taken with it, all or nothing: one
    transaction, so the report's job (recorded by the service, run after
    commit) finds the photos."""
    for upload in uploads:
        photo_size_check(upload)
    with transaction.atomic():
        inspection = service.return_inspection_create(
            principal=principal, code=item.code, observed=observed
        )
        for upload in uploads:
            service.return_photo_add(
                principal=principal, inspection_id=inspection.pk, data=upload.read()
            )
    return inspection


@require_POST
@page_view(*STAFF)
def return_preview(request, code: str):
    """The live verdict of the comparison form: the posted fields judged by
    ``return_compare``, nothing written (the form's htmx round trip)."""
    item = item_get_for(request.principal, code)
    fields = form_fields(service.return_certified_values(item))
    observed = observed_from_post(request.POST, fields)
    context = {"item": item, "live": verdict_context(None), "missing": ""}
    status = 200
    try:
        judged = service.return_compare(item=item, observed=observed)
        context["live"] = verdict_context(
            judged, signoff=judged["verdict"] != ReturnVerdict.MATCHES
        )
    except InvalidInput as exc:
        context["missing"] = exc.message
    except DomainError as exc:
        context["missing"] = exc.message
        status = 409
    return render(request, "inspection/_return_verdict.html", context, status=status)


def inspection_for(request, inspection_id: int) -> ReturnInspection:
    """A return inspection of the person's scope (404 otherwise)."""
    return service.return_inspection_get_for(request.principal, inspection_id)


@require_GET
@page_view(*STAFF)
def return_inspection(request, inspection_id: int):
    """One return inspection: its points, the certified photos beside the
    return's, photo upload, and the sign-off when this person may give it."""
    inspection = inspection_for(request, inspection_id)
    context = _inspection_context(inspection)
    refusal = service.return_sign_off_refusal(request.principal, inspection)
    context["can_sign_off"] = refusal is None
    return render(request, "inspection/return_inspection.html", context)


def _inspection_context(inspection: ReturnInspection) -> dict:
    return {
        "inspection": inspection,
        "item": inspection.item,
        "live": verdict_context(
            {
                "verdict": inspection.verdict,
                "outcome": inspection.outcome,
                "checks": inspection.checks,
            },
            signoff=inspection.status == ReturnInspection.Status.AWAITING_SIGNOFF,
        ),
        "certified": _certified_rows(inspection.certified or {}),
        "certified_photos": certified_photos(inspection.certificate),
        "photos": [
            {"url": return_photo_url(inspection.pk, photo.pk)}
            for photo in inspection.photos.all()
        ],
        "report_url": report_url(inspection) if inspection.report else "",
        "photo_max_mb": settings.INSPECTION_PHOTO_MAX_BYTES // (1024 * 1024),
        "decisions": DECISIONS,
    }


@require_POST
@page_view(*STAFF)
def return_photo_add(request, inspection_id: int):
    """Attach a photo to a return inspection (same rules as an inspection's)."""
    inspection = inspection_for(request, inspection_id)
    upload = request.FILES.get("image")
    try:
        service.return_photo_add(
            principal=request.principal,
            inspection_id=inspection.pk,
            data=photo_posted(upload),
        )
        messages.success(request, _("Photo added."))
    except DomainError as exc:
        refused(request, exc)
    return redirect("inspect:return-inspection", inspection_id=inspection.pk)
