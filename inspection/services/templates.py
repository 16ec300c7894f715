"""Inspection templates: versions, the version in force, claim checks for notices."""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from warehouse.common.exceptions import Conflict, InvalidInput
from warehouse.models import Category

from .. import rules
from ..models import InspectionTemplate, TemplateCheck
from ..sampling import SUPPORTED_AQLS


def template_in_force(category: Category) -> InspectionTemplate | None:
    """The category's template version in force now: its highest version."""
    return (
        InspectionTemplate.objects.filter(category=category)
        .order_by("-version")
        .first()
    )


def templates_in_force(categories) -> dict[int, InspectionTemplate]:
    """The version in force of each of ``categories`` that has one, with checks.

    Two queries, whatever the number of categories.
    """
    ids = [c.pk for c in categories]
    latest = (
        InspectionTemplate.objects.filter(category_id__in=ids)
        .values("category_id")
        .annotate(v=Max("version"))
    )
    wanted = {(row["category_id"], row["v"]) for row in latest}
    if not wanted:
        return {}
    found = (
        InspectionTemplate.objects.filter(
            category_id__in=[c for c, _v in wanted],
            version__in=[v for _c, v in wanted],
        )
        .select_related("category")
        .prefetch_related("checks")
    )
    return {t.category_id: t for t in found if (t.category_id, t.version) in wanted}


def template_rules(template: InspectionTemplate) -> list[rules.Rule]:
    """The template's checks as rules, in their order."""
    return [check_rule(check) for check in template.checks.all()]


def check_rule(check: TemplateCheck) -> rules.Rule:
    return rules.rule_from_dict(
        {
            "key": check.key,
            "kind": check.kind,
            "mandatory": check.mandatory,
            "on_fail": check.on_fail,
            "params": check.params,
            "label": check.label,
            "label_zh": check.label_zh,
        }
    )


def _aql(value) -> Decimal:
    try:
        aql = Decimal(str(value))
    except (InvalidOperation, ValueError):
        aql = None
    if aql is None or aql not in SUPPORTED_AQLS:
        raise InvalidInput(
            _("Unsupported AQL %(aql)s; use one of %(list)s.")
            % {"aql": value, "list": ", ".join(str(a) for a in SUPPORTED_AQLS)},
            fields={"aql": [_("Unsupported AQL.")]},
        )
    return aql


def template_checks_validate(checks: list) -> list[dict]:
    """Each check as a normalised dict; InvalidInput naming ``checks[i].field``."""
    if not isinstance(checks, list) or not checks:
        raise InvalidInput(
            _("A template needs at least one check."),
            fields={"checks": [_("Add checks.")]},
        )
    cleaned, seen = [], set()
    for index, data in enumerate(checks):
        try:
            if not isinstance(data, dict):
                raise rules.RuleError("check", _("Each check must be an object."))
            rule = rules.rule_from_dict(data)
        except rules.RuleError as exc:
            raise InvalidInput(
                _("Check %(index)d, %(field)s: %(message)s")
                % {"index": index, "field": exc.field, "message": exc.message},
                fields={f"checks[{index}].{exc.field}": [exc.message]},
            ) from None
        if rule.key in seen:
            raise InvalidInput(
                _("Check key %(key)s is used twice.") % {"key": rule.key},
                fields={f"checks[{index}].key": [_("Already used in this template.")]},
            )
        seen.add(rule.key)
        if not rule.label:
            rule = rules.rule_from_dict(
                {**rules.rule_to_dict(rule), "label": rule.key.replace("_", " ")}
            )
        cleaned.append(rules.rule_to_dict(rule))
    return cleaned


def template_publish(
    *,
    category: Category,
    checks: list,
    aql="2.5",
    signoff_above_value=None,
    notes: str = "",
    actor=None,
) -> InspectionTemplate:
    """Put a new version of ``category``'s template in force.

    Inspections already opened keep the version they opened with; items
    inspected from now on use this one. ``checks`` are dicts of ``key``,
    ``kind``, ``mandatory``, ``on_fail``, ``params``, ``label``, ``label_zh``.
    """
    cleaned = template_checks_validate(checks)
    aql = _aql(aql)
    if signoff_above_value in ("", None):
        threshold = None
    else:
        try:
            threshold = Decimal(str(signoff_above_value))
        except (InvalidOperation, ValueError):
            threshold = None
        if threshold is None or not threshold.is_finite() or threshold < 0:
            raise InvalidInput(
                _("The sign-off threshold must be an amount of at least 0."),
                fields={"signoff_above_value": [_("Enter an amount.")]},
            )
    try:
        with transaction.atomic():
            # Lock the category so two editors publishing at once get
            # consecutive versions instead of a clash.
            Category.objects.select_for_update().get(pk=category.pk)
            current = (
                InspectionTemplate.objects.filter(category=category).aggregate(
                    v=Max("version")
                )["v"]
                or 0
            )
            template = InspectionTemplate.objects.create(
                category=category,
                version=current + 1,
                aql=aql,
                signoff_above_value=threshold,
                notes=notes,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            TemplateCheck.objects.bulk_create(
                TemplateCheck(
                    template=template,
                    position=position,
                    key=check["key"],
                    kind=check["kind"],
                    label=check["label"],
                    label_zh=check.get("label_zh", ""),
                    mandatory=check["mandatory"],
                    on_fail=check["on_fail"],
                    params=check["params"],
                )
                for position, check in enumerate(cleaned)
            )
    except IntegrityError:
        raise Conflict(
            _("Another version was published at the same time; try again.")
        ) from None
    return template


def template_in_use(template: InspectionTemplate) -> bool:
    """Whether any inspection was judged by this version (then it is frozen)."""
    return template.inspections.exists()


def claim_checkers(categories) -> dict:
    """For inbound notices: ``{category id: checker}`` for categories with a template.

    A checker takes ``(stored claim, item row)`` and names what is missing or
    wrong for the template's checks (see :func:`rules.claim_problems`).
    """
    checkers = {}
    for category_id, template in templates_in_force(categories).items():
        compiled = template_rules(template)
        # Sign-off by value needs the value: such a template requires it.
        wants_value = template.signoff_above_value is not None

        def checker(claim: dict, row: dict, compiled=compiled, wants_value=wants_value):
            serial = row.get("serial", "")
            problems = []
            for rule in compiled:
                problems.extend(rules.claim_problems(rule, claim, serial=serial))
            if wants_value and "declared_value" not in claim:
                problems.append(("declared_value", _("This claim is required.")))
            return problems

        checkers[category_id] = checker
    return checkers
