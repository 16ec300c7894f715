"""Inspections: open, observe, complete, sign off, decide holds, appeal.

Every function here owns its transaction, locks the item row first and the
inspection row second (always in that order, so two stations acting on one
item queue instead of deadlocking), and changes the item's state only through
``warehouse.lifecycle``. Refusals are domain errors with stable codes.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.access import Principal, Role, tenant_scope
from warehouse.exceptions import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionRefused,
)
from warehouse.models import Item, ItemState, Station

from ... import rules, sampling
from ...models import (
    Appeal,
    CheckVerdict,
    HoldDecision,
    Inspection,
    InspectionCheck,
    SampleUnit,
    Verdict,
)
from ..certificates import certificate_enqueue
from ..templates import check_rule, template_in_force

INSPECTOR_ROLES = (Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN)
SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
MAX_NOTE = 2000
MAX_UNITS_PER_REQUEST = 500

S = ItemState
ACTIVE = (Inspection.Status.OPEN, Inspection.Status.AWAITING_SIGNOFF)


# --- who may act ----------------------------------------------------------------------


def _may_inspect(principal: Principal) -> None:
    """Inspectors, supervisors, admins and inspection stations inspect."""
    if principal.role in INSPECTOR_ROLES:
        return
    if principal.role == Role.STATION:
        if principal.station.kind == Station.Kind.INSPECTION:
            return
        raise Forbidden(
            _(
                "Station %(code)s is a %(kind)s station; inspections need an "
                "inspection station."
            )
            % {
                "code": principal.station.code,
                "kind": principal.station.get_kind_display(),
            },
            code="wrong_station_kind",
        )
    raise Forbidden(_("Your role may not inspect items."))


def _person(principal: Principal, what: str) -> None:
    """Sign-off and hold decisions are made by people, not stations."""
    allowed = SUPERVISOR_ROLES if what == "decide" else INSPECTOR_ROLES
    if principal.role not in allowed:
        if what == "decide":
            raise Forbidden(_("Only a supervisor may decide on a held item."))
        raise Forbidden(_("Only an inspector or supervisor may sign off."))


def _judges_of(inspection: Inspection) -> set[int]:
    """Who judged the inspection an appeal re-examines: they may not judge again."""
    if inspection.reason != Inspection.Reason.APPEAL or inspection.previous is None:
        return set()
    previous = inspection.previous
    return {pk for pk in (previous.completed_by_id, previous.signed_off_by_id) if pk}


def _not_a_previous_judge(inspection: Inspection, actor) -> None:
    if actor.pk in _judges_of(inspection):
        raise Forbidden(
            _(
                "You judged the inspection this appeal re-examines; a different "
                "inspector must do the re-inspection."
            ),
            code="appeal_needs_other_inspector",
        )


# --- reading and locking --------------------------------------------------------------


def _item_locked(principal: Principal, code: str) -> Item:
    item = (
        tenant_scope(Item.objects.select_for_update(of=("self",)), principal)
        .select_related("warehouse", "category")
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound(_("No item %(code)s.") % {"code": code}, code="item_not_found")
    return item


def _inspection_locked(principal: Principal, inspection_id: int) -> Inspection:
    """The inspection, its item locked first, then itself; 404 when not visible."""
    found = (
        tenant_scope(Inspection.objects.all(), principal, via="item__")
        .filter(pk=inspection_id)
        .values_list("item__code", flat=True)
        .first()
    )
    if found is None:
        raise NotFound(
            _("No inspection %(id)s.") % {"id": inspection_id},
            code="inspection_not_found",
        )
    item = _item_locked(principal, found)
    inspection = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("template", "previous")
        .get(pk=inspection_id)
    )
    inspection.item = item
    return inspection


def _active(item: Item) -> Inspection | None:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("template", "previous")
        .filter(item=item, status__in=ACTIVE)
        .first()
    )


def _require_open(inspection: Inspection) -> None:
    if inspection.status != Inspection.Status.OPEN:
        raise Conflict(
            _(
                "Inspection #%(number)d of %(code)s is %(status)s; it takes no more "
                "observations."
            )
            % {
                "number": inspection.number,
                "code": inspection.item.code,
                "status": inspection.get_status_display(),
            },
            code="inspection_not_open",
            fields={"status": inspection.status},
        )


def _require_judgeable(inspection: Inspection, actor) -> None:
    """The inspection takes observations and a verdict, from this person."""
    _require_open(inspection)
    _not_a_previous_judge(inspection, actor)


def _station(principal: Principal) -> Station | None:
    return principal.station if principal.role == Role.STATION else None


def _note(value, field: str = "notes", *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidInput(_("Enter a text."), fields={field: [_("Enter a text.")]})
    value = value.strip()
    if required and not value:
        raise InvalidInput(
            _("A reason is required."), fields={field: [_("This field is required.")]}
        )
    if len(value) > MAX_NOTE:
        raise InvalidInput(
            _("At most %(max)d characters.") % {"max": MAX_NOTE},
            fields={field: [_("Too long.")]},
        )
    return value


def rule_context(item: Item) -> rules.Context:
    """Dates the rules need, in the item's warehouse's time zone."""
    zone = item.warehouse.tzinfo
    received = item.received_at.astimezone(zone).date() if item.received_at else None
    return rules.Context(
        received_on=received, today=timezone.now().astimezone(zone).date()
    )


def inspection_rules(inspection: Inspection) -> list[rules.Rule]:
    """The rules the inspection is judged by: the copies kept on its checks."""
    return [rules.rule_from_dict(check.rule) for check in inspection.checks.all()]


# --- opening --------------------------------------------------------------------------


def _inspection_create(
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
        lot_size=item.quantity,
        sample_size=plan.sample_size if plan else None,
        accept_number=plan.accept if plan else None,
        reject_number=plan.reject if plan else None,
        code_letter=plan.code_letter if plan else "",
        nonconforming=0 if plan else None,
        opened_by=principal.user,
        station=_station(principal),
    )
    claim = item.claim or {}
    InspectionCheck.objects.bulk_create(
        InspectionCheck(
            inspection=inspection,
            position=position,
            key=check.key,
            kind=check.kind,
            rule=rules.rule_to_dict(rule),
            claimed=_plain(rules.claimed_value(rule, claim, serial=item.serial)),
            verdict=CheckVerdict.PENDING,
        )
        for position, (check, rule) in enumerate(
            (check, check_rule(check)) for check in template.checks.all()
        )
    )
    inspection.template = template
    return inspection


def _plain(value):
    """A value as JSON stores it (dates become ISO strings)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def inspection_open(*, principal: Principal, code: str, notes: str = "") -> Inspection:
    """Open the first inspection of a received item: ``received → inspecting``.

    A held or failed item is reopened only by a supervisor's decision
    (:func:`hold_decide`) or a merchant's appeal (:func:`appeal_create`).
    """
    _may_inspect(principal)
    notes = _note(notes)
    with transaction.atomic():
        item = _item_locked(principal, code)
        return _open_locked(item=item, principal=principal, notes=notes)


def _open_locked(*, item: Item, principal: Principal, notes: str) -> Inspection:
    if item.state != S.RECEIVED:
        active = _active(item) if item.state == S.INSPECTING else None
        if active is not None:
            raise Conflict(
                _("Item %(code)s already has inspection #%(number)d in progress.")
                % {"code": item.code, "number": active.number},
                code="inspection_in_progress",
                fields={"inspection": active.pk},
            )
        raise TransitionRefused(
            _("Item %(code)s is %(state)s; only a received item can be inspected.")
            % {"code": item.code, "state": item.state},
            fields={"state": item.state, "target": S.INSPECTING},
        )
    inspection = _inspection_create(
        item=item, principal=principal, reason=Inspection.Reason.FIRST, notes=notes
    )
    lifecycle.item_inspection_start(
        item=item,
        actor=principal.user,
        station=_station(principal),
        reason=_("Inspection #%(number)d opened.") % {"number": inspection.number},
        payload={"inspection": inspection.pk, "template": str(inspection.template)},
    )
    return inspection


# --- observing ------------------------------------------------------------------------


def _observations_parse(
    checks: list[InspectionCheck], observed, *, prefix: str = "observed"
) -> dict[str, dict]:
    """``{check key: observation}`` from an ``observed`` payload, all or nothing."""
    if not isinstance(observed, dict):
        raise InvalidInput(
            _("Observations must be an object keyed like the claim."),
            fields={prefix: [_("Enter an object.")]},
        )
    by_input: dict[str, InspectionCheck] = {}
    for check in checks:
        for name in rules.observation_keys(rules.rule_from_dict(check.rule)):
            by_input[name] = check
    errors: dict[str, list[str]] = {}
    for name in observed:
        if name not in by_input:
            errors[f"{prefix}.{name}"] = [
                _("Not an observation of this template; expected one of: %(keys)s.")
                % {"keys": ", ".join(sorted(by_input))}
            ]
    parsed: dict[str, dict] = {}
    for check in checks:
        rule = rules.rule_from_dict(check.rule)
        try:
            observation = rules.observation_parse(rule, observed)
        except rules.ObservationError as exc:
            errors.setdefault(f"{prefix}.{exc.field}", []).append(exc.message)
            continue
        if observation is not None:
            parsed[check.key] = observation
    if errors:
        first_field, messages = next(iter(errors.items()))
        raise InvalidInput(
            _("%(field)s: %(message)s")
            % {"field": first_field, "message": messages[0]},
            code="invalid_observation",
            fields=errors,
        )
    return parsed


def _judge(
    check: InspectionCheck, observation: dict, context: rules.Context
) -> rules.CheckResult:
    return rules.check_evaluate(
        rules.rule_from_dict(check.rule),
        check.claimed,
        observation,
        context=context,
    )


def _record(
    *,
    inspection: Inspection,
    parsed: dict[str, dict],
    actor,
    source: str,
) -> None:
    context = rule_context(inspection.item)
    now = timezone.now()
    checks = {check.key: check for check in inspection.checks.all()}
    changed = []
    for key, observation in parsed.items():
        check = checks[key]
        result = _judge(check, observation, context)
        check.observed = _plain(observation)
        check.verdict = result.verdict
        check.reason = str(result.reason)[:300]
        check.detail = _plain(result.detail)
        check.source = source
        check.observed_by = actor
        check.observed_at = now
        changed.append(check)
    InspectionCheck.objects.bulk_update(
        changed,
        [
            "observed",
            "verdict",
            "reason",
            "detail",
            "source",
            "observed_by",
            "observed_at",
        ],
    )


def inspection_observe(
    *,
    principal: Principal,
    inspection_id: int,
    observed: dict,
    source: str = "typed",
) -> Inspection:
    """Record observations on an open single-item inspection; each check is judged.

    A new observation of a check replaces its earlier one. Nothing is written
    when any value is bad; the error names each bad ``observed.<key>``.
    """
    _may_inspect(principal)
    with transaction.atomic():
        inspection = _inspection_locked(principal, inspection_id)
        _observe_locked(
            inspection=inspection, principal=principal, observed=observed, source=source
        )
    return inspection


def _observe_locked(*, inspection, principal, observed, source) -> None:
    _require_judgeable(inspection, principal.user)
    if inspection.is_lot:
        raise Conflict(
            _(
                "Item %(code)s is a lot of %(n)d inspected by sample; record each "
                "sampled unit."
            )
            % {"code": inspection.item.code, "n": inspection.lot_size},
            code="lot_needs_units",
        )
    parsed = _observations_parse(list(inspection.checks.all()), observed)
    _record(inspection=inspection, parsed=parsed, actor=principal.user, source=source)


def inspection_scale_reading(
    *, principal: Principal, code: str, reading: dict
) -> Inspection:
    """A station's scale posts a weight for the item's open inspection.

    ``reading`` holds one of ``weight_g``, ``weight_ct`` or ``weight_mg``;
    it becomes the observation of the template's weight check (source
    ``scale``).
    """
    _may_inspect(principal)
    with transaction.atomic():
        item = _item_locked(principal, code)
        inspection = _active(item)
        if inspection is None:
            raise Conflict(
                _("Item %(code)s has no open inspection to weigh for.")
                % {"code": code},
                code="no_open_inspection",
            )
        inspection.item = item
        _require_open(inspection)
        weight = [c for c in inspection.checks.all() if c.kind == "weight"]
        if not weight:
            raise Conflict(
                _("The template of %(category)s has no weight check.")
                % {"category": item.category.code},
                code="no_weight_check",
            )
        if not isinstance(reading, dict) or not reading:
            raise InvalidInput(
                _("Send the weight as weight_g, weight_ct or weight_mg."),
                fields={"weight_g": [_("This field is required.")]},
            )
        _observe_locked(
            inspection=inspection,
            principal=principal,
            observed=reading,
            source="scale",
        )
    return inspection


# --- lots -----------------------------------------------------------------------------


def inspection_units_record(
    *, principal: Principal, inspection_id: int, units: list
) -> Inspection:
    """Record sampled units of a lot: ``[{"unit": 1, "observed": {...}}, …]``.

    Every mandatory check must be observed on every unit; units are numbered
    1 … sample size and recorded once each. All or nothing.
    """
    _may_inspect(principal)
    with transaction.atomic():
        inspection = _inspection_locked(principal, inspection_id)
        _units_locked(inspection=inspection, principal=principal, units=units)
    return inspection


def _units_locked(*, inspection: Inspection, principal: Principal, units) -> None:
    _require_judgeable(inspection, principal.user)
    if not inspection.is_lot:
        raise Conflict(
            _("Item %(code)s is a single item; record observations, not units.")
            % {"code": inspection.item.code},
            code="not_a_lot",
        )
    if not isinstance(units, list) or not units:
        raise InvalidInput(
            _("Send a list of sampled units."), fields={"units": [_("Add units.")]}
        )
    if len(units) > MAX_UNITS_PER_REQUEST:
        raise InvalidInput(
            _("At most %(max)d units in one request.") % {"max": MAX_UNITS_PER_REQUEST},
            fields={"units": [_("Too many units.")]},
        )
    checks = list(inspection.checks.all())
    context = rule_context(inspection.item)
    taken = set(inspection.units.values_list("number", flat=True))
    rows = []
    for index, unit in enumerate(units):
        where = f"units[{index}]"
        number = unit.get("unit") if isinstance(unit, dict) else None
        if (
            isinstance(number, bool)
            or not isinstance(number, int)
            or not 1 <= number <= inspection.sample_size
        ):
            raise InvalidInput(
                _("%(where)s: the unit number must be from 1 to %(n)d.")
                % {"where": where, "n": inspection.sample_size},
                fields={f"{where}.unit": [_("Out of range.")]},
            )
        if number in taken:
            raise Conflict(
                _("Unit %(number)d of this sample is already recorded.")
                % {"number": number},
                code="unit_recorded",
                fields={f"{where}.unit": [_("Already recorded.")]},
            )
        taken.add(number)
        parsed = _observations_parse(
            checks, unit.get("observed"), prefix=f"{where}.observed"
        )
        missing = [
            c.key for c in checks if c.rule.get("mandatory") and c.key not in parsed
        ]
        if missing:
            raise InvalidInput(
                _("%(where)s: mandatory checks not observed: %(keys)s.")
                % {"where": where, "keys": ", ".join(missing)},
                code="missing_observation",
                fields={
                    f"{where}.observed.{key}": [_("This check is mandatory.")]
                    for key in missing
                },
            )
        results, outcomes = {}, []
        for check in checks:
            rule = rules.rule_from_dict(check.rule)
            if check.key in parsed:
                result = _judge(check, parsed[check.key], context)
                results[check.key] = {
                    "verdict": result.verdict,
                    "effect": rules.check_effect(rule, result),
                    "reason": str(result.reason),
                    "detail": _plain(result.detail),
                }
                outcomes.append((rule, result))
            else:
                outcomes.append((rule, None))
        rows.append(
            SampleUnit(
                inspection=inspection,
                number=number,
                observed=_plain(parsed),
                results=results,
                verdict=rules.verdict_aggregate(outcomes),
                recorded_by=principal.user,
            )
        )
    SampleUnit.objects.bulk_create(rows)
    _lot_summarise(inspection)


def _lot_summarise(inspection: Inspection) -> None:
    """Each check's row summarises the units; the inspection counts nonconforming."""
    units = list(inspection.units.all())
    inspection.nonconforming = sum(1 for u in units if u.verdict != Verdict.PASS)
    inspection.save(update_fields=["nonconforming"])
    changed = []
    for check in inspection.checks.all():
        effects = [
            u.results[check.key]["effect"] for u in units if check.key in u.results
        ]
        counts = {
            v: effects.count(v) for v in (Verdict.PASS, Verdict.FAIL, Verdict.HOLD)
        }
        check.observed = {"units": len(effects), **counts}
        if not effects:
            check.verdict = CheckVerdict.PENDING
        elif counts[Verdict.FAIL]:
            check.verdict = CheckVerdict.FAIL
        elif counts[Verdict.HOLD]:
            check.verdict = CheckVerdict.HOLD
        else:
            check.verdict = CheckVerdict.PASS
        check.reason = _("%(bad)d of %(units)d sampled units did not pass.") % {
            "bad": len(effects) - counts[Verdict.PASS],
            "units": len(effects),
        }
        changed.append(check)
    InspectionCheck.objects.bulk_update(changed, ["observed", "verdict", "reason"])


def _lot_verdict(inspection: Inspection) -> str:
    recorded = inspection.units.count()
    if inspection.nonconforming >= inspection.reject_number:
        return Verdict.FAIL  # rejected: the rest of the sample cannot save it
    if recorded < inspection.sample_size:
        raise InvalidInput(
            _("Record all %(n)d sampled units first (%(done)d so far).")
            % {"n": inspection.sample_size, "done": recorded},
            code="sample_incomplete",
            fields={"units": [_("Sample incomplete.")]},
        )
    plan = sampling.SamplingPlan(
        inspection.code_letter,
        inspection.sample_size,
        inspection.accept_number,
        inspection.reject_number,
        inspection.template.aql,
    )
    accepted = sampling.lot_verdict(plan, inspection.nonconforming) == "accept"
    return Verdict.PASS if accepted else Verdict.FAIL


# --- completing and applying ----------------------------------------------------------


def inspection_verdict(inspection: Inspection) -> str | None:
    """The verdict the checks give now (None while a mandatory check is pending)."""
    outcomes = []
    for check in inspection.checks.all():
        rule = rules.rule_from_dict(check.rule)
        if check.verdict in (CheckVerdict.PENDING, CheckVerdict.SKIPPED):
            outcomes.append((rule, None))
        else:
            outcomes.append(
                (rule, rules.CheckResult(check.verdict, check.reason, check.detail))
            )
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
    _may_inspect(principal)
    with transaction.atomic():
        inspection = _inspection_locked(principal, inspection_id)
        _complete_locked(inspection=inspection, principal=principal, notes=notes)
    return inspection


def _complete_locked(*, inspection: Inspection, principal: Principal, notes) -> None:
    _require_judgeable(inspection, principal.user)
    if inspection.is_lot:
        verdict = _lot_verdict(inspection)
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
        inspection.notes = _note(notes)
        fields.append("notes")
    if signoff_needed(inspection, verdict):
        inspection.status = Inspection.Status.AWAITING_SIGNOFF
        inspection.save(update_fields=[*fields, "status"])
        lifecycle.item_event_record(
            item=inspection.item,
            actor=principal.user,
            station=_station(principal),
            reason=_(
                "Inspection #%(number)d: verdict %(verdict)s, awaiting a second "
                "inspector's sign-off."
            )
            % {"number": inspection.number, "verdict": Verdict(verdict).label},
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


def _apply(*, inspection: Inspection, verdict: str, principal: Principal, reason=""):
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
        station=_station(principal),
        reason=reason
        or _("Inspection #%(number)d: %(verdict)s.")
        % {"number": inspection.number, "verdict": Verdict(verdict).label},
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
    _person(principal, "sign")
    note = _note(note, "note", required=not approve)
    with transaction.atomic():
        inspection = _inspection_locked(principal, inspection_id)
        if inspection.status != Inspection.Status.AWAITING_SIGNOFF:
            raise Conflict(
                _("Inspection #%(number)d is not awaiting sign-off.")
                % {"number": inspection.number},
                code="not_awaiting_signoff",
                fields={"status": inspection.status},
            )
        if principal.user.pk == inspection.completed_by_id:
            raise Forbidden(
                _(
                    "You completed this inspection; a second inspector must sign "
                    "it off."
                ),
                code="same_inspector",
            )
        _not_a_previous_judge(inspection, principal.user)
        inspection.signed_off_by = principal.user
        inspection.signed_off_at = timezone.now()
        inspection.signoff_note = note
        inspection.signoff_approved = approve
        inspection.save(
            update_fields=[
                "signed_off_by",
                "signed_off_at",
                "signoff_note",
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
                reason=_(
                    "Inspection #%(number)d: sign-off disputed the %(verdict)s "
                    "verdict: %(note)s"
                )
                % {
                    "number": inspection.number,
                    "verdict": Verdict(inspection.verdict).label,
                    "note": note,
                },
            )
    return inspection


# --- the one-shot submission (DESIGN.md section 5) ------------------------------------


def inspection_submit(
    *,
    principal: Principal,
    code: str,
    observed: dict | None = None,
    units: list | None = None,
    notes: str = "",
    complete: bool = True,
) -> tuple[Inspection, bool]:
    """Open (or continue) the item's inspection, record, and complete it.

    A received item gets a new inspection; an item with an open one (opened
    earlier, weighed by a scale, or re-opened by an appeal) continues it.
    ``observed`` records single-item observations, ``units`` sampled units
    of a lot. With ``complete`` the verdict is computed as
    :func:`inspection_complete` does. One transaction: nothing is written
    when any step is refused. Returns the inspection and whether it is new.
    """
    _may_inspect(principal)
    notes = _note(notes)
    with transaction.atomic():
        item = _item_locked(principal, code)
        inspection = _active(item) if item.state == S.INSPECTING else None
        created = inspection is None
        if created:
            inspection = _open_locked(item=item, principal=principal, notes=notes)
        inspection.item = item
        if observed:
            _observe_locked(
                inspection=inspection,
                principal=principal,
                observed=observed,
                source="typed",
            )
        if units:
            _units_locked(inspection=inspection, principal=principal, units=units)
        if complete:
            _complete_locked(
                inspection=inspection,
                principal=principal,
                notes=None if created else notes or None,
            )
    return inspection, created


# --- holds and appeals ----------------------------------------------------------------


def _last_closed(item: Item) -> Inspection:
    inspection = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("template")
        .filter(item=item, status=Inspection.Status.CLOSED)
        .order_by("-number")
        .first()
    )
    if inspection is None:  # pragma: no cover - the state says there is one
        raise Conflict(
            _("Item %(code)s has no closed inspection.") % {"code": item.code}
        )
    inspection.item = item
    return inspection


def hold_decide(
    *, principal: Principal, code: str, decision: str, reason: str
) -> Inspection:
    """A supervisor resolves a held item: ``pass``, ``fail`` or ``reinspect``.

    The decision is recorded beside the inspection that held the item (which
    stays as it was); ``reinspect`` opens a new inspection against the
    template in force. Returns the held inspection, or the new one.
    """
    _person(principal, "decide")
    if decision not in HoldDecision.Decision.values:
        raise InvalidInput(
            _("Decide pass, fail or reinspect."),
            fields={"decision": [_("Choose pass, fail or reinspect.")]},
        )
    reason = _note(reason, "reason", required=True)
    with transaction.atomic():
        item = _item_locked(principal, code)
        if item.state != S.HELD:
            raise TransitionRefused(
                _("Item %(code)s is %(state)s, not held.")
                % {"code": item.code, "state": item.state},
                fields={"state": item.state},
            )
        held = _last_closed(item)
        HoldDecision.objects.create(
            inspection=held,
            decision=decision,
            reason=reason,
            decided_by=principal.user,
        )
        label = _("Supervisor decided %(decision)s: %(reason)s") % {
            "decision": decision,
            "reason": reason,
        }
        payload = {"inspection": held.pk, "decision": decision}
        if decision == HoldDecision.Decision.REINSPECT:
            new = _inspection_create(
                item=item,
                principal=principal,
                reason=Inspection.Reason.REINSPECTION,
                previous=held,
            )
            lifecycle.item_inspection_start(
                item=item,
                actor=principal.user,
                reason=label,
                payload={**payload, "new_inspection": new.pk},
            )
            return new
        move = lifecycle.item_pass if decision == "pass" else lifecycle.item_fail
        move(item=item, actor=principal.user, reason=label, payload=payload)
        if decision == HoldDecision.Decision.PASS:
            certificate_enqueue(item)
    return held


def appeal_create(*, principal: Principal, code: str, reason: str) -> Appeal:
    """A merchant appeals its item's failed verdict, once per item.

    A new inspection opens (``failed → inspecting``) for a different
    inspector than those who judged the failed one; the failed inspection
    stays as it was.
    """
    if principal.role != Role.MERCHANT:
        raise Forbidden(_("Only the item's merchant may appeal."))
    reason = _note(reason, "reason", required=True)
    with transaction.atomic():
        item = _item_locked(principal, code)
        if Appeal.objects.filter(item=item).exists():
            raise Conflict(
                _("Item %(code)s was already appealed; a verdict is appealed once.")
                % {"code": item.code},
                code="already_appealed",
            )
        if item.state != S.FAILED:
            raise TransitionRefused(
                _("Item %(code)s is %(state)s; only a failed verdict can be appealed.")
                % {"code": item.code, "state": item.state},
                fields={"state": item.state},
            )
        failed = _last_closed(item)
        new = _inspection_create(
            item=item,
            principal=principal,
            reason=Inspection.Reason.APPEAL,
            previous=failed,
        )
        appeal = Appeal.objects.create(
            item=item,
            appealed=failed,
            reinspection=new,
            reason=reason,
            created_by=principal.user,
        )
        lifecycle.item_inspection_start(
            item=item,
            actor=principal.user,
            reason=_("Merchant appealed: %(reason)s") % {"reason": reason},
            payload={"appealed": failed.pk, "new_inspection": new.pk},
        )
    return appeal
