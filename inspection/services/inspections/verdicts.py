"""Verdicts: completing an inspection, a second inspector's sign-off, applying it.

A passing verdict records the item's certificate job in its own transaction.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict, Forbidden, InvalidInput

from ... import rules
from ...models import CheckVerdict, Inspection, InspectionCheck, Verdict
from ..certificates.issue import certificate_enqueue
from .common import (
    inspection_locked,
    inspector_required,
    not_a_previous_judge,
    note_clean,
    person_required,
    require_judgeable,
    station_of,
    typed_language,
    typed_params,
)
from .lots import lot_verdict


def inspection_verdict(inspection: Inspection) -> str | None:
    """The verdict the checks give now (None while a mandatory check is pending)."""
    outcomes = []
    for check in inspection.checks.all():
        rule = rules.rule_from_dict(check.rule)
        if check.verdict in (CheckVerdict.PENDING, CheckVerdict.SKIPPED):
            outcomes.append((rule, None))
        else:
            result = rules.CheckResult(
                check.verdict, "", check.detail, check.code, check.params
            )
            outcomes.append((rule, result))
    return rules.verdict_aggregate(outcomes)


def signoff_needed(inspection: Inspection, verdict: str) -> bool:
    """A failed verdict, or a pass of an item declared above the threshold."""
    if verdict == Verdict.FAIL:
        return True
    threshold = inspection.template.signoff_above_value
    if verdict != Verdict.PASS or threshold is None:
        return False
    try:
        value = Decimal(str(inspection.item.claim.get("declared_value", "0")))
    except (InvalidOperation, ValueError):
        return False
    return value > threshold


def inspection_complete(
    *, principal: Principal, inspection_id: int, notes: str | None = None
) -> Inspection:
    """Compute the verdict; apply it, or wait for a second inspector's sign-off.

    Mandatory checks must all be observed (400 naming the ones that are not);
    optional checks not observed are marked not checked. Pass → ``passed``,
    fail → ``failed``, hold → ``held``; a fail, or a pass above the
    template's declared-value threshold, first waits for sign-off.
    """
    inspector_required(principal)
    with transaction.atomic():
        inspection = inspection_locked(principal, inspection_id)
        complete_locked(inspection=inspection, principal=principal, notes=notes)
    return inspection


def complete_locked(*, inspection: Inspection, principal: Principal, notes) -> None:
    require_judgeable(inspection, principal.user)
    if inspection.is_lot:
        verdict = lot_verdict(inspection)
    else:
        checks = list(inspection.checks.all())
        missing = [
            c.key
            for c in checks
            if c.verdict == CheckVerdict.PENDING and c.rule.get("mandatory")
        ]
        if missing:
            raise InvalidInput(
                _("Mandatory checks not observed yet: %(keys)s.")
                % {"keys": ", ".join(missing)},
                code="missing_observation",
                fields={
                    f"observed.{key}": [_("This check is mandatory.")]
                    for key in missing
                },
            )
        skipped = [c for c in checks if c.verdict == CheckVerdict.PENDING]
        for check in skipped:
            check.verdict = CheckVerdict.SKIPPED
        InspectionCheck.objects.bulk_update(skipped, ["verdict"])
        verdict = inspection_verdict(inspection)
    now = timezone.now()
    inspection.verdict = verdict
    inspection.completed_by = principal.user
    inspection.completed_at = now
    fields = ["verdict", "completed_by", "completed_at"]
    if notes is not None:
        inspection.notes = note_clean(notes)
        inspection.notes_lang = typed_language(inspection.notes)
        fields += ["notes", "notes_lang"]
    if signoff_needed(inspection, verdict):
        inspection.status = Inspection.Status.AWAITING_SIGNOFF
        inspection.save(update_fields=[*fields, "status"])
        lifecycle.item_event_record(
            item=inspection.item,
            actor=principal.user,
            station=station_of(principal),
            reason_code="inspection_awaiting_signoff",
            reason_params={"number": inspection.number, "verdict": verdict},
            payload={
                "inspection": inspection.pk,
                "verdict": verdict,
                "step": "awaiting_signoff",
            },
        )
        return
    inspection.save(update_fields=fields)
    _apply(inspection=inspection, verdict=verdict, principal=principal)


_MOVES = {
    Verdict.PASS: lifecycle.item_pass,
    Verdict.FAIL: lifecycle.item_fail,
    Verdict.HOLD: lifecycle.item_hold,
}


def _apply(*, inspection: Inspection, verdict: str, principal: Principal, reason=None):
    """Close the inspection and move the item to the verdict's state."""
    inspection.status = Inspection.Status.CLOSED
    inspection.closed_at = timezone.now()
    inspection.save(update_fields=["status", "closed_at"])
    failed = [
        c.key
        for c in inspection.checks.all()
        if c.verdict in (CheckVerdict.FAIL, CheckVerdict.HOLD)
    ]
    _MOVES[verdict](
        item=inspection.item,
        actor=principal.user,
        station=station_of(principal),
        **(
            reason
            or {
                "reason_code": "inspection_verdict",
                "reason_params": {"number": inspection.number, "verdict": verdict},
            }
        ),
        payload={
            "inspection": inspection.pk,
            "verdict": verdict,
            "checks_not_passed": failed,
            "completed_by": _username(inspection.completed_by),
            "signed_off_by": _username(inspection.signed_off_by),
        },
    )
    if verdict == Verdict.PASS:
        certificate_enqueue(inspection.item)


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def require_signer(principal: Principal, inspection: Inspection) -> None:
    """``principal`` may sign ``inspection`` off now: a person other than the one
    who completed it (nor one who judged what an appeal re-examines), while it
    awaits sign-off."""
    person_required(principal, "sign")
    if inspection.status != Inspection.Status.AWAITING_SIGNOFF:
        raise Conflict(
            _("Inspection #%(number)d is not awaiting sign-off.")
            % {"number": inspection.number},
            code="not_awaiting_signoff",
            fields={"status": inspection.status},
        )
    if principal.user.pk == inspection.completed_by_id:
        raise Forbidden(
            _("You completed this inspection; a second inspector must sign it off."),
            code="same_inspector",
        )
    not_a_previous_judge(inspection, principal.user)


def inspection_sign_off(
    *,
    principal: Principal,
    inspection_id: int,
    approve: bool = True,
    note: str = "",
) -> Inspection:
    """A second inspector confirms (or disputes) a verdict awaiting sign-off.

    The signer must be a person other than the one who completed the
    inspection. Approval applies the verdict; a dispute (with a note) puts the
    item on hold for a supervisor.
    """
    person_required(principal, "sign")
    note = note_clean(note, "note", required=not approve)
    with transaction.atomic():
        inspection = inspection_locked(principal, inspection_id)
        require_signer(principal, inspection)
        inspection.signed_off_by = principal.user
        inspection.signed_off_at = timezone.now()
        inspection.signoff_note = note
        inspection.signoff_note_lang = typed_language(note)
        inspection.signoff_approved = approve
        inspection.save(
            update_fields=[
                "signed_off_by",
                "signed_off_at",
                "signoff_note",
                "signoff_note_lang",
                "signoff_approved",
            ]
        )
        if approve:
            _apply(
                inspection=inspection, verdict=inspection.verdict, principal=principal
            )
        else:
            _apply(
                inspection=inspection,
                verdict=Verdict.HOLD,
                principal=principal,
                reason={
                    "reason_code": "signoff_disputed",
                    "reason_params": {
                        "number": inspection.number,
                        "verdict": inspection.verdict,
                        **typed_params("note", note),
                    },
                },
            )
    return inspection
