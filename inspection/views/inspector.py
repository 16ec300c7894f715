"""The inspector workstation and the item page.

The queue of the inspector's warehouses (oldest first), a scan box that opens
an item, the inspection form generated from the category's template with the
claim beside each check and its verdict judged as values are entered (htmx
posts each row to the same service the API uses), photos from a phone or
webcam, completion and second-inspector sign-off, supervisors' decisions on
held items, merchants' appeals, certificates one by one or as a ZIP, and a
reprint of the item's label. Every read is scoped to the person (a merchant
opening another merchant's item gets 404).
"""

import datetime as dt
import io
import zipfile

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from warehouse.access import Role, tenant_scope
from warehouse.barcodes import barcode_parse
from warehouse.claims import claim_name
from warehouse.exceptions import DomainError, InvalidInput, NotFound
from warehouse.lifecycle import item_allowed_actions
from warehouse.models import Category, ItemState, Merchant
from warehouse.pages import STAFF, page_view, refused
from warehouse.selectors import item_get_for, item_list_for
from warehouse.services import item_resolve

from .. import selectors, services
from ..forms import check_rows, errors_by_check, observed_from_post
from ..labels import ItemLabelData, item_label_pdf
from ..models import Certificate, HoldDecision, Inspection
from ..services.certificates import value_text

S = ItemState
QUEUE_STATES = (S.RECEIVED, S.INSPECTING, S.HELD)
AGE_CHOICES = (0, 4, 24, 72)
EVERYONE = (*STAFF, Role.MERCHANT, Role.OPERATOR)
MAX_ZIP_CERTIFICATES = 500


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# --- queue and scan -------------------------------------------------------------------


def _queue_context(request) -> dict:
    principal = request.principal
    params = request.GET
    state = params.get("state", "")
    items = item_list_for(principal).filter(
        state__in=[state] if state in QUEUE_STATES else QUEUE_STATES
    )
    category = params.get("category", "")
    if category:
        items = items.filter(category__code=category)
    merchant = params.get("merchant", "")
    if merchant:
        items = items.filter(merchant__code=merchant)
    age = _int(params.get("age"), 0)
    if age in AGE_CHOICES and age:
        items = items.filter(received_at__lte=timezone.now() - dt.timedelta(hours=age))
    page = Paginator(items.order_by("received_at", "id"), 50).get_page(
        params.get("page")
    )
    awaiting = (
        selectors.inspection_list_for(principal)
        .filter(status=Inspection.Status.AWAITING_SIGNOFF)
        .exclude(completed_by=request.user)
        .order_by("completed_at")[:50]
    )
    return {
        "page": page,
        "awaiting": awaiting,
        "filters": {
            "state": state,
            "category": category,
            "merchant": merchant,
            "age": age,
        },
        "states": [(s.value, s.label) for s in QUEUE_STATES],
        "categories": Category.objects.filter(is_active=True).order_by("code"),
        "merchants": Merchant.objects.filter(is_active=True).order_by("code"),
        "ages": AGE_CHOICES,
    }


@require_GET
@page_view(*STAFF)
def queue(request):
    """Items waiting for inspection in the person's warehouses, oldest first."""
    context = _queue_context(request)
    template = (
        "inspection/queue_table.html" if request.htmx else "inspection/queue.html"
    )
    return render(request, template, context)


@require_GET
@page_view(*STAFF)
def scan(request):
    """Open the item a barcode names (item code, serial, tag or GS1 string)."""
    raw = request.GET.get("barcode", "").strip()
    try:
        if not raw:
            raise InvalidInput(_("Scan or type a barcode."))
        item = item_resolve(barcode=barcode_parse(raw), principal=request.principal)
    except DomainError as exc:
        context = _queue_context(request)
        context.update({"scan_error": exc.message, "barcode": raw})
        status = 404 if isinstance(exc, NotFound) else 400
        return render(request, "inspection/queue.html", context, status=status)
    active = item.inspections.filter(
        status__in=(Inspection.Status.OPEN, Inspection.Status.AWAITING_SIGNOFF)
    ).first()
    if active is not None:
        return redirect("inspect:inspection", inspection_id=active.pk)
    return redirect("inspect:item-detail", code=item.code)


# --- the item page --------------------------------------------------------------------


@require_GET
@page_view(*EVERYONE)
def item_detail(request, code: str):
    """An item: claim, timeline, inspections with checks and photos, certificate."""
    principal = request.principal
    item = item_get_for(principal, code)
    inspections = list(selectors.inspection_list_for_item(principal, code))
    for inspection in inspections:
        inspection.rows = check_rows(inspection.checks.all())
    certificate = (
        Certificate.objects.filter(item=item).order_by("-issued_at", "-id").first()
    )
    active = next(
        (i for i in inspections if i.status != Inspection.Status.CLOSED),
        None,
    )
    held_for_merchant = getattr(item, "held_for_merchant", None)
    return render(
        request,
        "inspection/item_detail.html",
        {
            "item": item,
            "events": item.events.all(),
            "claim_rows": claim_rows(item.claim or {}),
            "hint": STATE_HINTS.get(item.state),
            "inspections": inspections,
            "active": active,
            "certificate": certificate,
            "allowed": item_allowed_actions(item),
            "is_staff_role": principal.role in STAFF,
            "is_supervisor": principal.role in (Role.SUPERVISOR, Role.ADMIN),
            "is_merchant": principal.role == Role.MERCHANT,
            "can_label": principal.role in (*STAFF, Role.OPERATOR),
            "held_for_merchant": held_for_merchant,
            "hold_decisions": HoldDecision.Decision.choices,
            "can_return": item.state == S.FAILED
            or (held_for_merchant is not None and item.state == S.CERTIFIED),
        },
    )


# Where the item stands, in a sentence, at the top of "What next" (states
# whose next step the panel's own actions or certificate already say are left
# out).
STATE_HINTS = {
    S.ANNOUNCED: gettext_lazy("Announced: waiting for the parcel to arrive."),
    S.RECEIVED: gettext_lazy("Received: waiting in the inspection queue."),
    S.INSPECTING: gettext_lazy("Being inspected."),
    S.HELD: gettext_lazy("Held: waiting for a second opinion or a decision."),
    S.CERTIFIED: gettext_lazy("Certified: waiting for its order."),
    S.ALLOCATED: gettext_lazy("Allocated to an order: waiting to be packed."),
    S.PACKED: gettext_lazy("Packed: waiting for the carrier at the dock."),
    S.FAILED: gettext_lazy(
        "Failed: it goes back to the merchant unless the verdict is appealed."
    ),
    S.RETURNING: gettext_lazy("On its way back to the merchant."),
}


def claim_rows(claim: dict) -> list[tuple[str, str]]:
    """The stored claim as (name, text) lines; weights shown in grams."""
    rows = []
    for key, value in claim.items():
        if key.endswith("_mg") and isinstance(value, int):
            rows.append((claim_name(key), f"{value / 1000:.3f} g"))
        else:
            rows.append((claim_name(key), value_text(value)))
    return rows


@require_POST
@page_view(*STAFF)
def inspection_start(request, code: str):
    """Open the first inspection of a received item."""
    try:
        inspection = services.inspection_open(
            principal=request.principal, code=code, notes=request.POST.get("notes", "")
        )
    except DomainError as exc:
        refused(request, exc)
        return redirect("inspect:item-detail", code=code)
    return redirect("inspect:inspection", inspection_id=inspection.pk)


@require_GET
@page_view(*EVERYONE)
def item_label(request, code: str):
    """The item's own label again, as PDF (inspectors and operators)."""
    if request.principal.role not in (*STAFF, Role.OPERATOR):
        raise NotFound(_("No item %(code)s.") % {"code": code})
    item = item_get_for(request.principal, code)
    pdf = item_label_pdf(
        ItemLabelData(
            code=item.code,
            title=item.title,
            merchant=item.merchant.code,
            category=item.category.name_zh or item.category.name,
            warehouse=item.warehouse.code,
            sku=item.sku,
        )
    )
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{item.code}-label.pdf"'},
    )


@require_GET
@xframe_options_sameorigin
@page_view(*EVERYONE)
def certificate_pdf(request, code: str):
    """The item's current certificate inline (previewed in the item page)."""
    certificate = selectors.certificate_for_item(request.principal, code)
    if not certificate.pdf:
        raise NotFound(
            _("The certificate of %(code)s is still being drawn.") % {"code": code}
        )
    response = FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{certificate.number}.pdf",
        as_attachment=request.GET.get("download") == "1",
    )
    response["X-Certificate-Status"] = certificate.status
    return response


@require_GET
@page_view(Role.MERCHANT, *STAFF)
def certificates_zip(request):
    """Certificates of the chosen items (``code``), or of every item in a
    state/notice filter, as one ZIP of PDFs (at most 500)."""
    certificates = tenant_scope(
        Certificate.objects.select_related("item").exclude(pdf=""),
        request.principal,
        via="item__",
    ).filter(status=Certificate.Status.VALID)
    codes = [c for c in request.GET.getlist("code") if c]
    if codes:
        certificates = certificates.filter(item__code__in=codes)
    notice = request.GET.get("notice", "")
    if notice:
        certificates = certificates.filter(item__notice__reference=notice)
    if not codes and not notice and request.GET.get("all") != "1":
        messages.error(request, _("Choose the items whose certificates you want."))
        return redirect("home")
    certificates = list(certificates.order_by("item__code")[: MAX_ZIP_CERTIFICATES + 1])
    if not certificates:
        raise NotFound(_("None of these items has a valid certificate yet."))
    if len(certificates) > MAX_ZIP_CERTIFICATES:
        messages.error(
            request,
            _("At most %(n)d certificates in one ZIP; narrow the choice.")
            % {"n": MAX_ZIP_CERTIFICATES},
        )
        return redirect("home")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            with certificate.pdf.open("rb") as pdf:
                archive.writestr(
                    f"{certificate.item.code}-{certificate.number}.pdf", pdf.read()
                )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return HttpResponse(
        buffer.getvalue(),
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="certificates-{stamp}.zip"'
        },
    )


# --- the inspection form --------------------------------------------------------------


def _inspection(request, inspection_id: int) -> Inspection:
    return selectors.inspection_get_for(request.principal, inspection_id)


def _form_context(request, inspection, *, errors=None) -> dict:
    rows = check_rows(inspection.checks.all(), errors=errors)
    units = list(inspection.units.all()) if inspection.is_lot else []
    taken = {u.number for u in units}
    return {
        "inspection": inspection,
        "item": inspection.item,
        "rows": rows,
        "units": units,
        "free_units": [
            n for n in range(1, (inspection.sample_size or 0) + 1) if n not in taken
        ],
        "photos": inspection.photos.all(),
        "is_open": inspection.status == Inspection.Status.OPEN,
        "can_sign_off": inspection.status == Inspection.Status.AWAITING_SIGNOFF
        and inspection.completed_by_id != request.user.pk,
        "verdict_now": services.inspection_verdict(inspection),
        "photo_max_mb": settings.INSPECTION_PHOTO_MAX_BYTES // (1024 * 1024),
    }


@require_GET
@page_view(*STAFF)
def inspection_form(request, inspection_id: int):
    """The form of one inspection: a row per check, claim beside observation."""
    inspection = _inspection(request, inspection_id)
    return render(
        request, "inspection/inspection_form.html", _form_context(request, inspection)
    )


@require_POST
@page_view(*STAFF)
def inspection_observe(request, inspection_id: int):
    """Record the posted rows' observations; answer the judged rows (htmx) or
    the whole form. A bad value is shown in its row and nothing is written."""
    inspection = _inspection(request, inspection_id)
    checks = list(inspection.checks.all())
    observed = observed_from_post(checks, request.POST)
    errors, status = {}, 200
    if observed:
        try:
            services.inspection_observe(
                principal=request.principal,
                inspection_id=inspection.pk,
                observed=observed,
            )
        except InvalidInput as exc:
            errors = errors_by_check(checks, exc.fields) or {"": exc.message}
            status = 400
        except DomainError as exc:
            refused(request, exc)
            status = 409
        inspection = _inspection(request, inspection_id)
    context = _form_context(request, inspection, errors=errors)
    if errors.get(""):
        messages.error(request, errors[""])
    if request.htmx:
        return render(
            request, "inspection/inspection_checks.html", context, status=status
        )
    return render(request, "inspection/inspection_form.html", context, status=status)


@require_POST
@page_view(*STAFF)
def inspection_unit(request, inspection_id: int):
    """Record one sampled unit of a lot with its observations."""
    inspection = _inspection(request, inspection_id)
    checks = list(inspection.checks.all())
    unit = _int(request.POST.get("unit"))
    try:
        services.inspection_units_record(
            principal=request.principal,
            inspection_id=inspection.pk,
            units=[
                {"unit": unit, "observed": observed_from_post(checks, request.POST)}
            ],
        )
    except DomainError as exc:
        refused(request, exc)
        inspection = _inspection(request, inspection_id)
        return render(
            request,
            "inspection/inspection_form.html",
            _form_context(request, inspection),
            status=409 if exc.code in ("unit_recorded",) else 400,
        )
    messages.success(request, _("Unit %(n)s recorded.") % {"n": unit})
    return redirect("inspect:inspection", inspection_id=inspection.pk)


@require_POST
@page_view(*STAFF)
def inspection_photo(request, inspection_id: int):
    """Attach a photo (a phone's camera or a webcam through the file input)."""
    inspection = _inspection(request, inspection_id)
    upload = request.FILES.get("image")
    status = 201
    try:
        if upload is None:
            raise InvalidInput(_("Choose a photo."))
        if upload.size > settings.INSPECTION_PHOTO_MAX_BYTES:
            raise InvalidInput(
                _("The photo is larger than %(max)d MB.")
                % {"max": settings.INSPECTION_PHOTO_MAX_BYTES // (1024 * 1024)}
            )
        services.inspection_photo_add(
            principal=request.principal,
            inspection_id=inspection.pk,
            data=upload.read(),
            check_key=request.POST.get("check", ""),
            caption=request.POST.get("caption", ""),
        )
        messages.success(request, _("Photo added."))
    except DomainError as exc:
        refused(request, exc)
        status = 400
    if request.htmx:
        inspection = _inspection(request, inspection_id)
        return render(
            request,
            "inspection/inspection_photos.html",
            _form_context(request, inspection),
            status=status,
        )
    return redirect("inspect:inspection", inspection_id=inspection.pk)


@require_POST
@page_view(*STAFF)
def inspection_finish(request, inspection_id: int):
    """Complete the inspection: the verdict is applied, or waits for sign-off."""
    inspection = _inspection(request, inspection_id)
    try:
        services.inspection_complete(
            principal=request.principal,
            inspection_id=inspection.pk,
            notes=request.POST.get("notes") or None,
        )
    except DomainError as exc:
        refused(request, exc)
        return redirect("inspect:inspection", inspection_id=inspection.pk)
    inspection = _inspection(request, inspection_id)
    if inspection.status == Inspection.Status.AWAITING_SIGNOFF:
        messages.info(
            request, _("Completed; a second inspector must sign the verdict off.")
        )
    else:
        messages.success(
            request,
            _("Completed: %(verdict)s.")
            % {"verdict": inspection.get_verdict_display()},
        )
    return redirect("inspect:item-detail", code=inspection.item.code)


@require_POST
@page_view(*STAFF)
def inspection_signoff(request, inspection_id: int):
    """A second inspector approves the verdict, or disputes it with a note."""
    inspection = _inspection(request, inspection_id)
    approve = request.POST.get("approve") == "yes"
    try:
        services.inspection_sign_off(
            principal=request.principal,
            inspection_id=inspection.pk,
            approve=approve,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        refused(request, exc)
        return redirect("inspect:inspection", inspection_id=inspection.pk)
    messages.success(
        request, _("Verdict signed off.") if approve else _("Verdict disputed: held.")
    )
    return redirect("inspect:item-detail", code=inspection.item.code)


# --- decisions on held and failed items ---------------------------------------------


@require_POST
@page_view(*STAFF)
def hold_decision(request, code: str):
    """A supervisor decides a held item: pass, fail or inspect again."""
    try:
        inspection = services.hold_decide(
            principal=request.principal,
            code=code,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        refused(request, exc)
        return redirect("inspect:item-detail", code=code)
    if inspection.status == Inspection.Status.OPEN:
        return redirect("inspect:inspection", inspection_id=inspection.pk)
    messages.success(request, _("Decision recorded."))
    return redirect("inspect:item-detail", code=code)


@require_POST
@page_view(Role.MERCHANT)
def appeal(request, code: str):
    """The merchant appeals a failed verdict (once); a new inspection opens."""
    try:
        services.appeal_create(
            principal=request.principal,
            code=code,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        refused(request, exc)
        return redirect("inspect:item-detail", code=code)
    messages.success(request, _("Appeal filed; the item will be inspected again."))
    return redirect("inspect:item-detail", code=code)
