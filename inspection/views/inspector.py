"""The inspector workstation.

The queue of the inspector's warehouses (oldest first), a scan box that opens
an item, the inspection form generated from the category's template with the
claim beside each check and its verdict judged as values are entered (htmx
posts each row to the same service the API uses), photos from a phone or
webcam, completion and second-inspector sign-off. Every read is scoped to the
person.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from warehouse.barcodes import barcode_parse
from warehouse.common.exceptions import DomainError, InvalidInput, NotFound
from warehouse.common.pages import STAFF, page_view, refused
from warehouse.selectors import item_list_for
from warehouse.services import item_resolve

from .. import selectors, services
from ..filters import QueueFilter
from ..forms import (
    MAX_TABLE_ROWS,
    check_rows,
    errors_by_check,
    observed_from_post,
    sample_table,
    sample_units,
)
from ..models import Inspection
from ..services.certificates import value_text
from .next_step import next_step


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# --- queue and scan -------------------------------------------------------------------


def _queue_context(request) -> dict:
    principal = request.principal
    filters = QueueFilter(request.GET, queryset=item_list_for(principal))
    page = Paginator(filters.qs.order_by("received_at", "id"), 50).get_page(
        request.GET.get("page")
    )
    # Only what the service would let this person sign off (not their own,
    # nor an appeal's re-inspection when they judged the appealed one).
    awaiting = [
        inspection
        for inspection in selectors.inspection_list_for(principal)
        .filter(status=Inspection.Status.AWAITING_SIGNOFF)
        .exclude(completed_by=request.user)
        .select_related("previous")
        .order_by("completed_at")[:50]
        if services.sign_off_refusal(principal, inspection) is None
    ]
    return {"page": page, "awaiting": awaiting, "filters": filters}


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


# --- the inspection form --------------------------------------------------------------


def _inspection(request, inspection_id: int) -> Inspection:
    return selectors.inspection_get_for(request.principal, inspection_id)


def _form_context(request, inspection, *, errors=None, sample=None) -> dict:
    """What the inspection page shows this person: inputs only when the
    service would take their observations now, the sign-off only when it
    would take their sign-off, and otherwise why the page is read-only."""
    principal = request.principal
    rows = check_rows(inspection.checks.all(), errors=errors)
    units = list(inspection.units.all()) if inspection.is_lot else []
    taken = {u.number for u in units}
    observe_refusal = services.observe_refusal(principal, inspection)
    editable = observe_refusal is None
    free_units = [
        n for n in range(1, (inspection.sample_size or 0) + 1) if n not in taken
    ]
    if inspection.is_lot and editable and sample is None:
        sample = sample_table(rows, free_units[:MAX_TABLE_ROWS])
    return {
        "inspection": inspection,
        "item": inspection.item,
        "rows": rows,
        "units": units,
        "unit_rows": [
            (
                unit,
                [
                    (
                        value_text(unit.observed.get(row.prefix)),
                        (unit.results.get(row.prefix) or {}).get("verdict"),
                    )
                    for row in rows
                ],
            )
            for unit in units
        ],
        "free_units": free_units,
        "sample": sample,
        "photos": inspection.photos.all(),
        "is_open": editable,
        "read_only_reason": None if editable else observe_refusal.message,
        "can_sign_off": services.sign_off_refusal(principal, inspection) is None,
        "next_step": next_step(principal, inspection.item, _active(inspection)),
        "verdict_now": services.inspection_verdict(inspection),
        "photo_max_mb": settings.INSPECTION_PHOTO_MAX_BYTES // (1024 * 1024),
    }


def photo_posted(upload) -> bytes:
    """A photo a page's form posted, read: refused (400, the form's answer)
    when none was chosen or it is over the size limit, before it is read."""
    if upload is None:
        raise InvalidInput(_("Choose a photo."))
    photo_size_check(upload)
    return upload.read()


def photo_size_check(upload) -> None:
    """Refuse (400) a posted photo over the size limit, before it is read."""
    if upload.size > settings.INSPECTION_PHOTO_MAX_BYTES:
        raise InvalidInput(
            _("The photo is larger than %(max)d MB.")
            % {"max": settings.INSPECTION_PHOTO_MAX_BYTES // (1024 * 1024)}
        )


def _active(inspection) -> Inspection | None:
    active = (Inspection.Status.OPEN, Inspection.Status.AWAITING_SIGNOFF)
    return inspection if inspection.status in active else None


def _closed_answer(request, inspection, exc: DomainError, context: dict):
    """A post to an inspection that takes no more input: refused with the
    service's sentence, nothing written. The page reloads read-only (an htmx
    row asks the browser to reload, so the value is never silently dropped)."""
    refused(request, exc)
    if request.htmx:
        return HttpResponse(status=409, headers={"HX-Refresh": "true"})
    return render(request, "inspection/inspection_form.html", context, status=409)


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
    if (refusal := services.observe_refusal(request.principal, inspection)) is not None:
        return _closed_answer(
            request, inspection, refusal, _form_context(request, inspection)
        )
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
    if (refusal := services.observe_refusal(request.principal, inspection)) is not None:
        return _closed_answer(
            request, inspection, refusal, _form_context(request, inspection)
        )
    checks = list(inspection.checks.all())
    if "sample-table" in request.POST:
        return _sample_table_record(request, inspection, checks)
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


def _sample_table_record(request, inspection, checks):
    """Record the filled rows of the sample table in one service call: every
    bad cell is named by unit and column and nothing is written, or all the
    rows are recorded."""
    rows = check_rows(checks)
    taken = set(inspection.units.values_list("number", flat=True))
    free = [n for n in range(1, inspection.sample_size + 1) if n not in taken]
    table = sample_table(rows, free[:MAX_TABLE_ROWS], request.POST)
    units = sample_units(table, checks, services.observations_parse)
    if not units and not table.errors:
        messages.error(request, _("Fill in at least one row of the table."))
        status = 400
    elif table.errors:
        messages.error(
            request,
            ngettext(
                "%(n)d cell cannot be read; nothing was recorded.",
                "%(n)d cells cannot be read; nothing was recorded.",
                len(table.errors),
            )
            % {"n": len(table.errors)},
        )
        status = 400
    else:
        try:
            services.inspection_units_record(
                principal=request.principal, inspection_id=inspection.pk, units=units
            )
        except DomainError as exc:
            refused(request, exc)
            status = 409 if exc.code == "unit_recorded" else 400
        else:
            messages.success(
                request,
                ngettext("%(n)d unit recorded.", "%(n)d units recorded.", len(units))
                % {"n": len(units)},
            )
            return redirect("inspect:inspection", inspection_id=inspection.pk)
    inspection = _inspection(request, inspection.pk)
    return render(
        request,
        "inspection/inspection_form.html",
        _form_context(request, inspection, sample=table),
        status=status,
    )


@require_POST
@page_view(*STAFF)
def inspection_photo(request, inspection_id: int):
    """Attach a photo (a phone's camera or a webcam through the file input)."""
    inspection = _inspection(request, inspection_id)
    upload = request.FILES.get("image")
    status = 201
    try:
        services.inspection_photo_add(
            principal=request.principal,
            inspection_id=inspection.pk,
            data=photo_posted(upload),
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
