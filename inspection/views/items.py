"""The item page and what is done from it.

An item's claim, timeline, inspections with checks and photos, and
certificate; a reprint of its label, its certificate one by one or many as a
ZIP, supervisors' decisions on held items and merchants' appeals. Every read
is scoped to the person (a merchant opening another merchant's item gets 404).
"""

import io
import zipfile

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from warehouse.claims import claim_name
from warehouse.common.access import Role, tenant_scope
from warehouse.common.exceptions import DomainError, NotFound
from warehouse.common.pages import STAFF, page_view, refused
from warehouse.lifecycle import item_allowed_actions
from warehouse.models import ItemState
from warehouse.selectors import item_get_for
from warehouse.vocabularies import claim_value_name

from .. import selectors, services
from ..filters import CertificateFilter
from ..forms import check_rows
from ..labels import ItemLabelData, item_label_pdf
from ..models import Certificate, HoldDecision, Inspection
from ..services.certificates import value_text
from ..services.returns import return_inspect_refusal
from .next_step import next_step
from .returns import COMPARABLE, report_url, verdict_context

S = ItemState
EVERYONE = (*STAFF, Role.MERCHANT, Role.OPERATOR)
MAX_ZIP_CERTIFICATES = 500


@require_GET
@page_view(*EVERYONE)
def item_detail(request, code: str):
    """An item: claim, timeline, inspections with checks and photos, certificate."""
    principal = request.principal
    item = item_get_for(principal, code)
    inspections = list(selectors.inspection_list_for_item(principal, code))
    for inspection in inspections:
        inspection.rows = check_rows(inspection.checks.all())
    certificate = selectors.certificate_current_for_item(item)
    active = next(
        (i for i in inspections if i.status != Inspection.Status.CLOSED),
        None,
    )
    held_for_merchant = getattr(item, "held_for_merchant", None)
    # An action is offered only when its service would accept it from this
    # person now (the services' own refusal checks decide).
    can_open = services.open_refusal(principal, item) is None
    can_continue = active is not None and (
        services.observe_refusal(principal, active) is None
    )
    can_sign_off = active is not None and (
        services.sign_off_refusal(principal, active) is None
    )
    returns = list(
        item.return_inspections.select_related("inspected_by").order_by("-number")
    )
    for inspection in returns:
        inspection.live = verdict_context(
            {"verdict": inspection.verdict, "checks": inspection.checks}
        )
        inspection.report_url = report_url(inspection) if inspection.report else ""
    return render(
        request,
        "inspection/item_detail.html",
        {
            "item": item,
            "return_inspections": returns,
            "can_compare": principal.role in STAFF
            and item.state in COMPARABLE
            and return_inspect_refusal(item) is None,
            "events": item.events.all(),
            "claim_rows": claim_rows(item.claim or {}),
            "hint": STATE_HINTS.get(item.state),
            "inspections": inspections,
            "active": active,
            "certificate": certificate,
            "allowed": item_allowed_actions(item),
            "is_staff_role": principal.role in STAFF,
            "can_open": can_open,
            "can_continue": can_continue,
            "can_sign_off": can_sign_off,
            "can_decide": services.hold_decide_refusal(principal, item) is None,
            "can_appeal": services.appeal_refusal(principal, item) is None,
            "next_step": next_step(principal, item, active),
            "is_merchant": principal.role == Role.MERCHANT,
            "can_label": principal.role in (*STAFF, Role.OPERATOR),
            "held_for_merchant": held_for_merchant,
            "hold_decisions": HoldDecision.Decision.choices,
            "can_return": item.state == S.FAILED
            or (held_for_merchant is not None and item.state == S.CERTIFIED)
            or (item.state == S.RETURNING and not _return_parcel_made(item)),
        },
    )


def _return_parcel_made(item) -> bool:
    """Whether a returning item has its return parcel (a buyer's return sent
    back gets one from its job; without a return address it waits for the
    merchant to ask, as a failed item does)."""
    return item.shipment_contents.filter(shipment__kind="return").exists()


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
    S.RETURN_EXPECTED: gettext_lazy("A buyer is sending it back."),
    S.RETURN_RECEIVED: gettext_lazy(
        "Returned by a buyer: waiting to be compared with its certificate."
    ),
    S.RETURN_INSPECTING: gettext_lazy("Being compared with its certificate."),
    S.DISPUTED: gettext_lazy("Disputed return: a supervisor decides."),
}


def claim_rows(claim: dict) -> list[tuple[str, str]]:
    """The stored claim as (name, text) lines; weights shown in grams."""
    rows = []
    for key, value in claim.items():
        if key.endswith("_mg") and isinstance(value, int):
            rows.append((claim_name(key), f"{value / 1000:.3f} g"))
        else:
            rows.append((claim_name(key), value_text(claim_value_name(key, value))))
    return rows


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
    filters = CertificateFilter(request.GET, queryset=certificates)
    if not filters.chosen():
        messages.error(request, _("Choose the items whose certificates you want."))
        return redirect("home")
    certificates = list(filters.qs.order_by("item__code")[: MAX_ZIP_CERTIFICATES + 1])
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
