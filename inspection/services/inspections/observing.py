"""Observing a single item: typed observations and a station's scale reading."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict, InvalidInput

from ... import rules
from ...models import Inspection, InspectionCheck
from .common import (
    inspection_active,
    inspection_locked,
    inspector_required,
    item_locked,
    json_plain,
    require_judgeable,
    require_open,
    rule_context,
)


def observations_parse(
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


def check_judge(
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
        result = check_judge(check, observation, context)
        check.observed = json_plain(observation)
        check.verdict = result.verdict
        check.code = result.code
        check.params = json_plain(result.params)
        check.detail = json_plain(result.detail)
        check.source = source
        check.observed_by = actor
        check.observed_at = now
        changed.append(check)
    InspectionCheck.objects.bulk_update(
        changed,
        [
            "observed",
            "verdict",
            "code",
            "params",
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
    inspector_required(principal)
    with transaction.atomic():
        inspection = inspection_locked(principal, inspection_id)
        observe_locked(
            inspection=inspection, principal=principal, observed=observed, source=source
        )
    return inspection


def observe_locked(*, inspection, principal, observed, source) -> None:
    require_judgeable(inspection, principal.user)
    if inspection.is_lot:
        raise Conflict(
            _(
                "Item %(code)s is a lot of %(n)d inspected by sample; record each "
                "sampled unit."
            )
            % {"code": inspection.item.code, "n": inspection.lot_size},
            code="lot_needs_units",
        )
    parsed = observations_parse(list(inspection.checks.all()), observed)
    _record(inspection=inspection, parsed=parsed, actor=principal.user, source=source)


def inspection_scale_reading(
    *, principal: Principal, code: str, reading: dict
) -> Inspection:
    """A station's scale posts a weight for the item's open inspection.

    ``reading`` holds one of ``weight_g``, ``weight_ct`` or ``weight_mg``;
    it becomes the observation of the template's weight check (source
    ``scale``).
    """
    inspector_required(principal)
    with transaction.atomic():
        item = item_locked(principal, code)
        inspection = inspection_active(item)
        if inspection is None:
            raise Conflict(
                _("Item %(code)s has no open inspection to weigh for.")
                % {"code": code},
                code="no_open_inspection",
            )
        inspection.item = item
        require_open(inspection)
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
        observe_locked(
            inspection=inspection,
            principal=principal,
            observed=reading,
            source="scale",
        )
    return inspection
