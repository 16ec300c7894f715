"""A supervisor's decision on a held item: pass, fail or re-inspect."""

from django.db import transaction
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal
from warehouse.common.exceptions import InvalidInput, TransitionRefused

from ...models import HoldDecision, Inspection
from ..certificates.issue import certificate_enqueue
from .common import (
    S,
    inspection_last_closed,
    item_locked,
    note_clean,
    person_required,
    typed_language,
    typed_params,
)
from .opening import inspection_create


def require_held(item) -> None:
    """Only a held item waits for a supervisor's decision."""
    if item.state != S.HELD:
        raise TransitionRefused(
            _("Item %(code)s is %(state)s, not held.")
            % {"code": item.code, "state": item.get_state_display()},
            fields={"state": item.state},
        )


def hold_decide(
    *, principal: Principal, code: str, decision: str, reason: str
) -> Inspection:
    """A supervisor resolves a held item: ``pass``, ``fail`` or ``reinspect``.

    The decision is recorded beside the inspection that held the item (which
    stays as it was); ``reinspect`` opens a new inspection against the
    template in force. Returns the held inspection, or the new one.
    """
    person_required(principal, "decide")
    if decision not in HoldDecision.Decision.values:
        raise InvalidInput(
            _("Decide pass, fail or reinspect."),
            fields={"decision": [_("Choose pass, fail or reinspect.")]},
        )
    reason = note_clean(reason, "reason", required=True)
    with transaction.atomic():
        item = item_locked(principal, code)
        require_held(item)
        held = inspection_last_closed(item)
        HoldDecision.objects.create(
            inspection=held,
            decision=decision,
            reason=reason,
            reason_lang=typed_language(reason),
            decided_by=principal.user,
        )
        label = {
            "reason_code": "supervisor_decided",
            "reason_params": {"decision": decision, **typed_params("reason", reason)},
        }
        payload = {"inspection": held.pk, "decision": decision}
        if decision == HoldDecision.Decision.REINSPECT:
            new = inspection_create(
                item=item,
                principal=principal,
                reason=Inspection.Reason.REINSPECTION,
                previous=held,
            )
            lifecycle.item_inspection_start(
                item=item,
                actor=principal.user,
                payload={**payload, "new_inspection": new.pk},
                **label,
            )
            return new
        move = lifecycle.item_pass if decision == "pass" else lifecycle.item_fail
        move(item=item, actor=principal.user, payload=payload, **label)
        if decision == HoldDecision.Decision.PASS:
            certificate_enqueue(item)
    return held
