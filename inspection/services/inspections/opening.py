"""Opening an inspection: a received item's first, or a new one for a re-inspection."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict, TransitionRefused
from warehouse.models import Item

from ... import rules, sampling
from ...models import CheckVerdict, Inspection, InspectionCheck
from ..templates import check_rule, template_in_force
from .common import (
    S,
    inspection_active,
    inspector_required,
    item_locked,
    json_plain,
    note_clean,
    station_of,
    typed_language,
)


def inspection_create(
    *,
    item: Item,
    principal: Principal,
    reason: str,
    previous: Inspection | None = None,
    notes: str = "",
) -> Inspection:
    """A new open inspection of ``item`` against the template in force now."""
    template = template_in_force(item.category)
    if template is None:
        raise Conflict(
            _(
                "Category %(category)s has no inspection template yet; a supervisor "
                "must publish one first."
            )
            % {"category": item.category.code},
            code="no_template",
        )
    number = (
        Inspection.objects.filter(item=item).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    plan = None
    if item.quantity > 1:
        plan = sampling.plan_for(item.quantity, template.aql)
    inspection = Inspection.objects.create(
        item=item,
        number=number,
        template=template,
        reason=reason,
        previous=previous,
        notes=notes,
        notes_lang=typed_language(notes),
        lot_size=item.quantity,
        sample_size=plan.sample_size if plan else None,
        accept_number=plan.accept if plan else None,
        reject_number=plan.reject if plan else None,
        code_letter=plan.code_letter if plan else "",
        nonconforming=0 if plan else None,
        opened_by=principal.user,
        station=station_of(principal),
    )
    claim = item.claim or {}
    InspectionCheck.objects.bulk_create(
        InspectionCheck(
            inspection=inspection,
            position=position,
            key=check.key,
            kind=check.kind,
            rule=rules.rule_to_dict(rule),
            claimed=json_plain(rules.claimed_value(rule, claim, serial=item.serial)),
            verdict=CheckVerdict.PENDING,
        )
        for position, (check, rule) in enumerate(
            (check, check_rule(check)) for check in template.checks.all()
        )
    )
    inspection.template = template
    return inspection


def inspection_open(*, principal: Principal, code: str, notes: str = "") -> Inspection:
    """Open the first inspection of a received item: ``received → inspecting``.

    A held or failed item is reopened only by a supervisor's decision
    (:func:`hold_decide`) or a merchant's appeal (:func:`appeal_create`).
    """
    inspector_required(principal)
    notes = note_clean(notes)
    with transaction.atomic():
        item = item_locked(principal, code)
        return open_locked(item=item, principal=principal, notes=notes)


def require_openable(item: Item) -> None:
    """Only a received item gets its first inspection opened."""
    if item.state != S.RECEIVED:
        raise TransitionRefused(
            _("Item %(code)s is %(state)s; only a received item can be inspected.")
            % {"code": item.code, "state": item.get_state_display()},
            fields={"state": item.state, "target": S.INSPECTING},
        )


def open_locked(*, item: Item, principal: Principal, notes: str) -> Inspection:
    if item.state != S.RECEIVED:
        active = inspection_active(item) if item.state == S.INSPECTING else None
        if active is not None:
            raise Conflict(
                _("Item %(code)s already has inspection #%(number)d in progress.")
                % {"code": item.code, "number": active.number},
                code="inspection_in_progress",
                fields={"inspection": active.pk},
            )
    require_openable(item)
    inspection = inspection_create(
        item=item, principal=principal, reason=Inspection.Reason.FIRST, notes=notes
    )
    lifecycle.item_inspection_start(
        item=item,
        actor=principal.user,
        station=station_of(principal),
        reason_code="inspection_opened",
        reason_params={"number": inspection.number},
        payload={"inspection": inspection.pk, "template": str(inspection.template)},
    )
    return inspection
