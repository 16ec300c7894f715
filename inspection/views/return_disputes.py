"""The supervisor's side of buyer's returns: sign-offs and disputed items.

A comparison whose verdict is ``damaged`` or ``mismatch`` waits for a
second person's sign-off (not the one who compared: the service refuses
and its sentence is shown); a disagreement disputes the item, and a
supervisor then sends it back to its merchant or has it compared again.
One page lists both (:func:`return_disputes`); the sign-off is also offered
on the return inspection's page and in the inspector's return queue.
"""

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from warehouse.common.access import Role
from warehouse.common.exceptions import DomainError
from warehouse.common.pages import STAFF, page_view, refused

from ..models import ReturnInspection
from ..services import returns as service
from .returns import DECISIONS, MAX_ROWS, inspection_for, verdict_context

SUPERVISION = (Role.SUPERVISOR, Role.ADMIN)


def _next_url(request, default: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return wanted
    return default


@require_POST
@page_view(*STAFF)
def return_signoff(request, inspection_id: int):
    """Confirm a comparison's verdict, or disagree with a note (the item is
    then disputed); never by the person who compared (the service says so)."""
    inspection = inspection_for(request, inspection_id)
    approve = request.POST.get("approve") == "yes"
    back = _next_url(
        request,
        reverse("inspect:return-inspection", kwargs={"inspection_id": inspection.pk}),
    )
    try:
        service.return_inspection_sign_off(
            principal=request.principal,
            inspection_id=inspection.pk,
            approve=approve,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        refused(request, exc)
        return redirect(back)
    if approve:
        messages.success(
            request,
            _("Verdict on %(code)s signed off.") % {"code": inspection.item.code},
        )
    else:
        messages.success(
            request,
            _("Verdict on %(code)s disagreed with: the item is disputed.")
            % {"code": inspection.item.code},
        )
    return redirect(back)


@require_GET
@page_view(*SUPERVISION)
def return_disputes(request):
    """What waits for a supervisor: comparisons awaiting their sign-off and
    disputed items waiting for a decision."""
    principal = request.principal
    awaiting = list(
        service.return_inspections_awaiting(principal).select_related(
            "item__warehouse"
        )[:MAX_ROWS]
    )
    for inspection in awaiting:
        inspection.live = verdict_context(
            {"verdict": inspection.verdict, "checks": inspection.checks}
        )
        refusal = service.return_sign_off_refusal(principal, inspection)
        inspection.can_sign_off = refusal is None
        inspection.why_not = refusal.message if refusal is not None else ""
    disputed = list(service.disputes(principal)[:MAX_ROWS])
    latest_first = ReturnInspection.objects.order_by("-number")
    prefetch_related_objects(
        disputed,
        Prefetch("return_inspections", queryset=latest_first, to_attr="returns"),
    )
    for item in disputed:
        item.last_return = item.returns[0] if item.returns else None
        if item.last_return is not None:
            item.last_return.live = verdict_context(
                {"verdict": item.last_return.verdict, "checks": item.last_return.checks}
            )
    return render(
        request,
        "inspection/return_disputes.html",
        {"awaiting": awaiting, "disputed": disputed, "decisions": DECISIONS},
    )


@require_POST
@page_view(*SUPERVISION)
def return_decide(request, code: str):
    """A supervisor decides a disputed item: back to its merchant, or
    compared again (the comparison form opens)."""
    decision = request.POST.get("decision", "")
    try:
        service.return_dispute_decide(
            principal=request.principal,
            code=code,
            decision=decision,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        refused(request, exc)
        return redirect("inspect:return-disputes")
    if decision == "reinspect":
        messages.success(
            request, _("Item %(code)s is compared again.") % {"code": code}
        )
        return redirect("inspect:return-compare", code=code)
    messages.success(
        request, _("Item %(code)s goes back to its merchant.") % {"code": code}
    )
    return redirect("inspect:return-disputes")
