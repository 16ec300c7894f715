"""Return inspections written: create, a second inspector's sign-off, a
supervisor's decision on a disputed item, photos.

Every function owns its transaction, locks the item row first and the
return inspection second (as inspections do), and moves the item only
through :mod:`warehouse.lifecycle`:

- ``matches``: the verdict holds at once (status ``closed``): an unopened
  stock-first item goes back to stock (``return_inspecting → certified``,
  the stock observer puts it on the shelf), anything else back to its
  merchant (``→ returning``);
- ``damaged`` / ``mismatch``: the inspection awaits a second person's
  sign-off and the item stays ``return_inspecting``; approval applies the
  outcome (damaged → returning, mismatch → disputed), disagreement sends the
  item to ``disputed`` for a supervisor;
- a supervisor sends a disputed item back to its merchant or to a new
  return inspection.

When a verdict holds (closed, or disputed) the signed report's job is
recorded in the same transaction (:func:`.report.return_report_enqueue`).
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal
from warehouse.common.exceptions import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionRefused,
)
from warehouse.models import Item, ItemState, ReturnNoticeItem, Station

from ...models import ReturnInspection, ReturnOutcome, ReturnPhoto, ReturnVerdict
from ...selectors import certificate_current_for_item
from ..inspections.common import (
    INSPECTOR_ROLES,
    SUPERVISOR_ROLES,
    item_locked,
    note_clean,
    person_required,
    row_locked_with_item,
    station_of,
    typed_language,
    typed_params,
)
from ..photos import image_validate, photo_store
from .compare import return_compare, return_outcome

S = ItemState
DECISIONS = ("return_to_merchant", "reinspect")
"""A supervisor's decisions on a disputed item."""


# --- who may act ----------------------------------------------------------------------


def return_inspector_required(principal: Principal) -> None:
    """A person inspects a buyer's return: an inspector or supervisor."""
    if principal.role not in INSPECTOR_ROLES:
        raise Forbidden(_("Only an inspector or supervisor inspects a buyer's return."))


def return_supervisor_required(principal: Principal) -> None:
    if principal.role not in SUPERVISOR_ROLES:
        raise Forbidden(_("Only a supervisor decides on a disputed item."))


# --- rows -----------------------------------------------------------------------------


def _station(principal: Principal, item: Item, station) -> Station | None:
    """The station the inspection was made at: the one given (a station, or
    its code, of the item's warehouse), else the acting station, if any."""
    if station in (None, ""):
        return station_of(principal)
    if isinstance(station, Station):
        found = station if station.warehouse_id == item.warehouse_id else None
    elif isinstance(station, str):
        found = Station.objects.filter(
            code=station.strip(), warehouse_id=item.warehouse_id, is_active=True
        ).first()
    else:
        found = None
    if found is None:
        raise InvalidInput(
            _("No station %(code)s at the item's warehouse.") % {"code": station},
            fields={"station": [_("Unknown station.")]},
        )
    return found


def return_inspection_locked(
    principal: Principal, inspection_id: int
) -> ReturnInspection:
    """The return inspection, its item locked first, then itself; 404 when
    the principal may not see it."""
    return row_locked_with_item(
        ReturnInspection.objects.all(),
        principal,
        inspection_id,
        NotFound(
            _("No return inspection %(id)s.") % {"id": inspection_id},
            code="return_inspection_not_found",
        ),
    )


def _awaiting(item: Item) -> ReturnInspection | None:
    return ReturnInspection.objects.filter(
        item=item, status=ReturnInspection.Status.AWAITING_SIGNOFF
    ).first()


def return_inspect_refusal(item: Item) -> Exception | None:
    """Why a return inspection of ``item`` may not be made now, or None.

    A received return is inspected (and moves to ``return_inspecting``); one
    being inspected takes a new inspection unless one awaits sign-off; a
    disputed item waits for its supervisor; any other state is the item
    table's refusal.
    """
    if item.state == S.RETURN_INSPECTING:
        waiting = _awaiting(item)
        if waiting is None:
            return None
        return Conflict(
            _(
                "Return inspection #%(number)d of %(code)s awaits a second "
                "inspector's sign-off."
            )
            % {"number": waiting.number, "code": item.code},
            code="return_awaiting_signoff_exists",
            params={"number": waiting.number},
        )
    if item.state == S.DISPUTED:
        return TransitionRefused(
            _("Item %(code)s is disputed: a supervisor decides first.")
            % {"code": item.code},
            code="return_disputed",
            fields={"state": item.state},
        )
    return lifecycle.item_refusal(item, S.RETURN_INSPECTING)


def _notice_line(item: Item) -> ReturnNoticeItem:
    line = (
        ReturnNoticeItem.objects.select_related("notice")
        .filter(item=item)
        .order_by("-id")
        .first()
    )
    if line is None:  # pragma: no cover - a received return has its notice
        raise Conflict(
            _("Item %(code)s has no buyer's return.") % {"code": item.code},
            code="return_not_found",
        )
    return line


# --- applying an outcome --------------------------------------------------------------


def _apply(
    inspection: ReturnInspection,
    outcome: str,
    principal: Principal,
    reason: dict,
    station: Station | None = None,
) -> None:
    """Move the item where ``outcome`` sends it, in the caller's transaction."""
    move = {
        ReturnOutcome.RESTOCK: lifecycle.item_restock,
        ReturnOutcome.TO_MERCHANT: lifecycle.item_return_start,
        ReturnOutcome.DISPUTED: lifecycle.item_dispute,
    }[outcome]
    move(
        item=inspection.item,
        actor=principal.user,
        station=station,
        payload={
            "return_inspection": inspection.pk,
            "verdict": inspection.verdict,
            "outcome": outcome,
        },
        **reason,
    )


def _holds(inspection: ReturnInspection) -> None:
    """The verdict holds: the signed report is made after commit."""
    from .report import return_report_enqueue

    return_report_enqueue(inspection)


def _outcome_reason(inspection: ReturnInspection) -> dict:
    return {
        "reason_code": "return_inspected",
        "reason_params": {
            "number": inspection.number,
            "verdict": inspection.verdict,
        },
    }


# --- the services ---------------------------------------------------------------------


def return_inspection_create(
    *, principal: Principal, code: str, observed: dict, station=None
) -> ReturnInspection:
    """Compare the returned item with its certificate and record it.

    ``observed``: the inspector's observations (:func:`.compare.return_compare`;
    ``notes`` is typed text kept with its language). The item must be
    ``return_received`` (it moves to ``return_inspecting``) or
    ``return_inspecting`` with no inspection awaiting sign-off. ``matches``
    closes at once and applies its outcome; ``damaged`` and ``mismatch`` wait
    for a second person's sign-off.
    """
    return_inspector_required(principal)
    notes = note_clean(
        observed.get("notes") if isinstance(observed, dict) else None, "notes"
    )
    with transaction.atomic():
        item = item_locked(principal, code)
        refusal = return_inspect_refusal(item)
        if refusal is not None:
            raise refusal
        judged = return_compare(item=item, observed=observed)
        line = _notice_line(item)
        where = _station(principal, item, station)
        number = (
            ReturnInspection.objects.filter(item=item).aggregate(n=Max("number"))["n"]
            or 0
        ) + 1
        verdict = judged["verdict"]
        holds = verdict == ReturnVerdict.MATCHES
        now = timezone.now()
        inspection = ReturnInspection(
            item=item,
            notice=line.notice,
            certificate=certificate_current_for_item(item),
            number=number,
            observed=judged["observed"],
            certified=judged["certified"],
            checks=judged["checks"],
            verdict=verdict,
            outcome=judged["outcome"] if holds else "",
            status=(
                ReturnInspection.Status.CLOSED
                if holds
                else ReturnInspection.Status.AWAITING_SIGNOFF
            ),
            notes=notes,
            notes_lang=typed_language(notes),
            inspected_by=principal.user,
            station=where,
            inspected_at=now,
            closed_at=now if holds else None,
        )
        reason = {
            "reason_code": "return_inspected" if holds else "return_awaiting_signoff",
            "reason_params": {"number": number, "verdict": verdict},
        }
        payload = {"return_inspection": None, "verdict": verdict}
        if item.state == S.RETURN_RECEIVED:
            lifecycle.item_return_inspect(
                item=item, actor=principal.user, station=where, **reason
            )
            inspection.save()
        else:
            inspection.save()
            payload["return_inspection"] = inspection.pk
            lifecycle.item_event_record(
                item=item,
                actor=principal.user,
                station=where,
                payload=payload,
                **reason,
            )
        if holds:
            _apply(
                inspection,
                inspection.outcome,
                principal,
                _outcome_reason(inspection),
                where,
            )
            _holds(inspection)
    return inspection


def return_sign_off_refusal(
    principal: Principal, inspection: ReturnInspection
) -> Exception | None:
    """Why ``principal`` may not sign ``inspection`` off now, or None: only
    a person other than its inspector, while it awaits sign-off."""
    if principal.role not in INSPECTOR_ROLES:
        return Forbidden(_("Only an inspector or supervisor may sign off."))
    if inspection.status != ReturnInspection.Status.AWAITING_SIGNOFF:
        return Conflict(
            _("Return inspection #%(number)d is not awaiting sign-off.")
            % {"number": inspection.number},
            code="not_awaiting_signoff",
            fields={"status": inspection.status},
        )
    if principal.user.pk == inspection.inspected_by_id:
        return Forbidden(
            _("You made this return inspection; a second inspector must sign it off."),
            code="same_inspector",
        )
    return None


def return_inspection_sign_off(
    *, principal: Principal, inspection_id: int, approve: bool, note: str = ""
) -> ReturnInspection:
    """A second person confirms (or disputes) a damaged or mismatch verdict.

    Approval applies the outcome (damaged: back to the merchant; mismatch:
    disputed under a supervisor); disagreement (a note is required) marks the
    inspection ``disputed`` and the item ``disputed``.
    """
    person_required(principal, "sign")
    note = note_clean(note, "note", required=not approve)
    with transaction.atomic():
        inspection = return_inspection_locked(principal, inspection_id)
        refusal = return_sign_off_refusal(principal, inspection)
        if refusal is not None:
            raise refusal
        now = timezone.now()
        inspection.signed_off_by = principal.user
        inspection.signed_off_at = now
        inspection.signoff_approved = approve
        inspection.signoff_note = note
        inspection.signoff_note_lang = typed_language(note)
        if approve:
            inspection.status = ReturnInspection.Status.CLOSED
            inspection.outcome = return_outcome(
                inspection.verdict,
                stock_first=bool(inspection.certified.get("packaging")),
                packaging=inspection.observed.get("packaging"),
            )
            reason = _outcome_reason(inspection)
        else:
            inspection.status = ReturnInspection.Status.DISPUTED
            inspection.outcome = ReturnOutcome.DISPUTED
            reason = {
                "reason_code": "return_signoff_disputed",
                "reason_params": {
                    "number": inspection.number,
                    "verdict": inspection.verdict,
                    **typed_params("note", note),
                },
            }
        inspection.closed_at = now
        inspection.save(
            update_fields=[
                "signed_off_by",
                "signed_off_at",
                "signoff_approved",
                "signoff_note",
                "signoff_note_lang",
                "status",
                "outcome",
                "closed_at",
            ]
        )
        _apply(inspection, inspection.outcome, principal, reason)
        _holds(inspection)
    return inspection


def return_dispute_decide(
    *, principal: Principal, code: str, decision: str, reason: str
) -> Item:
    """A supervisor resolves a disputed item: ``return_to_merchant``
    (→ returning) or ``reinspect`` (→ return_inspecting, for a new return
    inspection). Returns the item."""
    return_supervisor_required(principal)
    if decision not in DECISIONS:
        raise InvalidInput(
            _("Decide return_to_merchant or reinspect."),
            fields={"decision": [_("Choose return_to_merchant or reinspect.")]},
        )
    reason = note_clean(reason, "reason", required=True)
    with transaction.atomic():
        item = item_locked(principal, code)
        if item.state != S.DISPUTED:
            raise TransitionRefused(
                _("Item %(code)s is %(state)s, not disputed.")
                % {"code": item.code, "state": item.get_state_display()},
                code="return_not_disputed",
                fields={"state": item.state},
            )
        move = (
            lifecycle.item_return_start
            if decision == "return_to_merchant"
            else lifecycle.item_return_inspect
        )
        move(
            item=item,
            actor=principal.user,
            reason_code="return_decided",
            reason_params={"decision": decision, **typed_params("reason", reason)},
            payload={"decision": decision},
        )
    return item


def return_photo_add(
    *, principal: Principal, inspection_id: int, data: bytes
) -> ReturnPhoto:
    """Attach a photo taken now to a return inspection, as inspection photos
    are (checked by content); refused once its signed report exists."""
    return_inspector_required(principal)
    content_type, width, height = image_validate(data)
    with transaction.atomic():
        inspection = return_inspection_locked(principal, inspection_id)
        if inspection.report:
            raise Conflict(
                _("Return inspection #%(number)d is reported; its evidence is final.")
                % {"number": inspection.number},
                code="inspection_closed",
            )
        return photo_store(
            ReturnPhoto(inspection=inspection, uploaded_by=principal.user),
            data,
            (content_type, width, height),
        )
