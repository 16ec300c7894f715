"""The supervisor's decisions: held items, appeals waiting, revoked certificates.

One page lists what waits for a supervisor in their warehouses (items held
with a pending decision, appeals whose re-inspection is not closed) and the
certificates revoked lately. Each row offers the action the services would
take from this person now (asked of ``services.hold_decide_refusal``,
``observe_refusal``; a revocation of a valid certificate by a supervisor),
and every decision goes through a confirmation page that says what will
happen before the POST that does it.
"""

from datetime import timedelta

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from warehouse.common.access import Role, tenant_scope
from warehouse.common.exceptions import Conflict, DomainError, InvalidInput, NotFound
from warehouse.common.pages import page_view, refused
from warehouse.models import Item, ItemState
from warehouse.selectors import item_get_for

from .. import selectors, services
from ..forms import check_rows
from ..models import (
    Appeal,
    Certificate,
    CheckVerdict,
    HoldDecision,
    Inspection,
    InspectionCheck,
)

SUPERVISION = (Role.SUPERVISOR, Role.ADMIN)
RECENT_REVOCATIONS = timedelta(days=30)
MAX_ROWS = 200

# What each decision on a held item does, said on its confirmation page.
HOLD_OUTCOMES = {
    HoldDecision.Decision.PASS: gettext_lazy(
        "The item passes: its certificate is issued and it waits for its order."
    ),
    HoldDecision.Decision.FAIL: gettext_lazy(
        "The item fails: it goes back to its merchant, unless the merchant "
        "appeals the verdict (once)."
    ),
    HoldDecision.Decision.REINSPECT: gettext_lazy(
        "A new inspection opens against the template in force; the held "
        "inspection stays as it was."
    ),
}


# --- reads ------------------------------------------------------------------------


def held_items(principal) -> list[Item]:
    """Held items of the principal's warehouses, oldest hold first, each with
    its last closed inspection (``held_by``) and the checks of it that did
    not pass (``held_by.reasons``: form rows, with the check's label)."""
    not_passed = InspectionCheck.objects.filter(
        verdict__in=(CheckVerdict.FAIL, CheckVerdict.HOLD)
    ).order_by("position", "pk")
    closed = (
        Inspection.objects.filter(status=Inspection.Status.CLOSED)
        .select_related("completed_by", "signed_off_by")
        .prefetch_related(Prefetch("checks", queryset=not_passed, to_attr="missed"))
        .order_by("-number")
    )
    items = list(
        tenant_scope(Item.objects.filter(state=ItemState.HELD), principal)
        .select_related("merchant", "warehouse")
        .prefetch_related(Prefetch("inspections", queryset=closed, to_attr="closed"))
        .order_by("state_changed_at", "pk")[:MAX_ROWS]
    )
    for item in items:
        item.held_by = item.closed[0] if item.closed else None
        if item.held_by is not None:
            item.held_by.reasons = check_rows(item.held_by.missed)
    return items


def appeals_waiting(principal) -> list[Appeal]:
    """Appeals whose re-inspection is not closed yet, oldest first."""
    return list(
        tenant_scope(
            Appeal.objects.exclude(reinspection__status=Inspection.Status.CLOSED),
            principal,
            via="item__",
        )
        .select_related(
            "item", "item__merchant", "item__warehouse", "reinspection", "appealed"
        )
        .order_by("created_at", "pk")[:MAX_ROWS]
    )


def revoked_recently(principal) -> list[Certificate]:
    """Certificates revoked in the last 30 days, newest first."""
    since = timezone.now() - RECENT_REVOCATIONS
    return list(
        tenant_scope(
            Certificate.objects.filter(
                status=Certificate.Status.REVOKED, revoked_at__gte=since
            ),
            principal,
            via="item__",
        )
        .select_related("item", "item__warehouse", "revoked_by", "replaced_by")
        .order_by("-revoked_at", "-pk")[:MAX_ROWS]
    )


def revoke_refusal(certificate: Certificate | None) -> DomainError | None:
    """Why a supervisor may not revoke ``certificate`` now, or None: the
    service's own condition (a valid certificate; only supervisors open
    these pages)."""
    if certificate is None:
        return NotFound(_("This item has no certificate."))
    if certificate.status != Certificate.Status.VALID:
        return Conflict(
            _("Certificate %(number)s is already revoked.")
            % {"number": certificate.number},
            code="already_revoked",
        )
    return None


# --- pages ------------------------------------------------------------------------


@require_http_methods(["GET"])
@page_view(*SUPERVISION)
def decisions(request):
    """Held items, appeals waiting and recent revocations, each with its action.

    ``?certificate=`` (a certificate number or an item code) opens the
    revocation's confirmation page for that item.
    """
    principal = request.principal
    wanted = request.GET.get("certificate", "").strip().upper()
    if wanted:
        certificate = (
            tenant_scope(Certificate.objects.all(), principal, via="item__")
            .filter(Q(number=wanted) | Q(item__code=wanted))
            .select_related("item")
            .first()
        )
        if certificate is not None:
            return redirect("inspect:revoke", code=certificate.item.code)
        messages.error(
            request,
            _("No certificate or item %(number)s in your warehouses.")
            % {"number": wanted},
        )
    held = held_items(principal)
    for item in held:
        item.can_decide = services.hold_decide_refusal(principal, item) is None
    appeals = appeals_waiting(principal)
    for appeal in appeals:
        appeal.reinspection.item = appeal.item
        appeal.can_inspect = (
            services.observe_refusal(principal, appeal.reinspection) is None
        )
    return render(
        request,
        "inspection/decisions.html",
        {
            "held": held,
            "appeals": appeals,
            "revoked": revoked_recently(principal),
            "hold_decisions": HoldDecision.Decision.choices,
            "wanted": wanted,
        },
    )


@require_http_methods(["GET", "POST"])
@page_view(*SUPERVISION)
def hold_decide(request, code: str):
    """Confirm a decision on a held item (GET: what will happen), then make it.

    ``decision`` (pass, fail or reinspect) comes from the list's button; the
    reason is asked here, on the confirmation page.
    """
    principal = request.principal
    item = item_get_for(principal, code)
    data = request.POST if request.method == "POST" else request.GET
    decision = data.get("decision", "")
    refusal = services.hold_decide_refusal(principal, item)
    if refusal is None and decision not in HoldDecision.Decision.values:
        refusal = InvalidInput(_("Decide pass, fail or reinspect."))
    if refusal is not None:
        refused(request, refusal)
        return redirect("inspect:decisions")
    context = {
        "item": item,
        "decision": decision,
        "decision_label": HoldDecision.Decision(decision).label,
        "outcome": HOLD_OUTCOMES[decision],
        "held_by": (
            Inspection.objects.filter(item=item, status=Inspection.Status.CLOSED)
            .select_related("completed_by", "signed_off_by")
            .order_by("-number")
            .first()
        ),
        "reason": data.get("reason", ""),
    }
    if request.method == "GET":
        return render(request, "inspection/decisions_hold.html", context)
    try:
        inspection = services.hold_decide(
            principal=principal,
            code=item.code,
            decision=decision,
            reason=request.POST.get("reason", ""),
        )
    except InvalidInput as exc:
        context["error"] = exc.message
        return render(request, "inspection/decisions_hold.html", context, status=400)
    except DomainError as exc:
        refused(request, exc)
        return redirect("inspect:decisions")
    if inspection.status == Inspection.Status.OPEN:
        messages.success(
            request,
            _("Decision recorded: item %(code)s is inspected again.")
            % {"code": item.code},
        )
        return redirect("inspect:inspection", inspection_id=inspection.pk)
    messages.success(
        request,
        _("Decision recorded for item %(code)s: %(decision)s.")
        % {"code": item.code, "decision": HoldDecision.Decision(decision).label},
    )
    return redirect("inspect:decisions")


@require_http_methods(["GET", "POST"])
@page_view(*SUPERVISION)
def revoke(request, code: str):
    """Confirm the revocation of an item's certificate (GET), then revoke it."""
    principal = request.principal
    item = item_get_for(principal, code)
    certificate = selectors.certificate_current_for_item(item)
    refusal = revoke_refusal(certificate)
    if refusal is not None:
        refused(request, refusal)
        return redirect("inspect:decisions")
    context = {
        "item": item,
        "certificate": certificate,
        "can_reinspect": item.state == ItemState.CERTIFIED,
        "reason": request.POST.get("reason", ""),
        "reinspect": request.POST.get("reinspect") == "1",
    }
    if request.method == "GET":
        return render(request, "inspection/decisions_revoke.html", context)
    try:
        services.certificate_revoke(
            principal=principal,
            number=certificate.number,
            reason=request.POST.get("reason", ""),
            reinspect=context["reinspect"],
        )
    except InvalidInput as exc:
        context["error"] = exc.message
        return render(request, "inspection/decisions_revoke.html", context, status=400)
    except DomainError as exc:
        refused(request, exc)
        return redirect("inspect:decisions")
    messages.success(
        request,
        _("Certificate %(number)s is revoked; its public page says so.")
        % {"number": certificate.number},
    )
    return redirect("inspect:decisions")
