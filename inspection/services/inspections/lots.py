"""Lots inspected by sample (ISO 2859-1): sampled units, their summary, the verdict."""

from django.db import transaction
from django.utils.translation import gettext as _

from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict, InvalidInput

from ... import rules, sampling
from ...messages import LOT_SUMMARY
from ...models import CheckVerdict, Inspection, InspectionCheck, SampleUnit, Verdict
from .common import (
    inspection_locked,
    inspector_required,
    json_plain,
    require_judgeable,
    rule_context,
)
from .observing import check_judge, observations_parse

MAX_UNITS_PER_REQUEST = 500


def inspection_units_record(
    *, principal: Principal, inspection_id: int, units: list
) -> Inspection:
    """Record sampled units of a lot: ``[{"unit": 1, "observed": {...}}, …]``.

    Every mandatory check must be observed on every unit; units are numbered
    1 … sample size and recorded once each. All or nothing.
    """
    inspector_required(principal)
    with transaction.atomic():
        inspection = inspection_locked(principal, inspection_id)
        units_locked(inspection=inspection, principal=principal, units=units)
    return inspection


def units_locked(*, inspection: Inspection, principal: Principal, units) -> None:
    require_judgeable(inspection, principal.user)
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
        parsed = observations_parse(
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
                result = check_judge(check, parsed[check.key], context)
                results[check.key] = {
                    "verdict": result.verdict,
                    "effect": rules.check_effect(rule, result),
                    "code": result.code,
                    "params": json_plain(result.params),
                    "detail": json_plain(result.detail),
                }
                outcomes.append((rule, result))
            else:
                outcomes.append((rule, None))
        rows.append(
            SampleUnit(
                inspection=inspection,
                number=number,
                observed=json_plain(parsed),
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
        check.code = LOT_SUMMARY
        check.params = {
            "bad": len(effects) - counts[Verdict.PASS],
            "units": len(effects),
        }
        changed.append(check)
    InspectionCheck.objects.bulk_update(
        changed, ["observed", "verdict", "code", "params"]
    )


def lot_verdict(inspection: Inspection) -> str:
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
