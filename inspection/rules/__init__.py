"""The check rules: what was claimed against what was observed, judged.

Pure functions over plain data (no ORM). Each check kind of DESIGN.md
section 4 is one object in its own module (:mod:`.material`, :mod:`.weight`,
:mod:`.shelf_life`, :mod:`.packaging`, :mod:`.labels`, :mod:`.identity`,
:mod:`.free`) implementing :class:`~.base.CheckKind`, all named in
:data:`.registry.KINDS`; the functions here dispatch to them. A
:class:`Rule` is one check of a template (its kind, whether it is mandatory,
what a failure does to the item, the kind's parameters).
For each rule:

* :func:`claimed_value` picks what the merchant claimed for it out of a
  stored claim (see :mod:`warehouse.claims`), and :func:`claim_problems`
  says what is missing or impossible in that claim;
* :func:`observation_parse` reads the inspector's (or a scale's) input from
  the keys :func:`observation_keys` names, normalising units;
* :func:`check_evaluate` judges one observation: ``pass``, ``fail`` or
  ``hold``, with a sentence and the numbers behind it;
* :func:`check_effect` and :func:`verdict_aggregate` turn check results into
  the item's verdict.

Boundaries are inclusive: a value exactly at a limit passes, one unit (1 mg,
one day) beyond it fails. Quantities keep their units: weights in integer
milligrams, dates as :class:`datetime.date`, compared exactly (no floats).
"""

from django.utils.translation import gettext as _

from .base import (
    FAIL,
    HOLD,
    KEY_PATTERN,
    PASS,
    SKIPPED,
    CheckKind,
    CheckResult,
    Context,
    ObservationError,
    Rule,
    RuleError,
    check_result,
)
from .material import READINGS
from .packaging import PACKAGING_STATES
from .registry import CHECK_KINDS, KINDS, MESSAGES
from .shelf_life import claim_expiry
from .weight import WEIGHT_KEYS

__all__ = [
    "CHECK_KINDS",
    "FAIL",
    "HOLD",
    "KEY_PATTERN",
    "KINDS",
    "MESSAGES",
    "PACKAGING_STATES",
    "PASS",
    "READINGS",
    "SKIPPED",
    "WEIGHT_KEYS",
    "CheckKind",
    "CheckResult",
    "Context",
    "ObservationError",
    "Rule",
    "RuleError",
    "check_effect",
    "check_evaluate",
    "claim_expiry",
    "claim_problems",
    "claimed_value",
    "observation_keys",
    "observation_parse",
    "rule_describe",
    "rule_from_dict",
    "rule_params_validate",
    "rule_to_dict",
    "verdict_aggregate",
]


def rule_params_validate(kind: str, params: dict) -> dict:
    """Normalised params for a check of ``kind``; RuleError naming the param."""
    if kind not in KINDS:
        raise RuleError(
            "kind",
            _("Unknown check kind %(kind)s; use: %(list)s.")
            % {"kind": kind, "list": ", ".join(CHECK_KINDS)},
        )
    if not isinstance(params, dict):
        raise RuleError("params", _("Parameters must be an object."))
    return KINDS[kind].params(params)


def rule_from_dict(data: dict) -> Rule:
    """A validated :class:`Rule` from its dict form (:func:`rule_to_dict`)."""
    key = data.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise RuleError("key", _("Use a short key of a-z, 0-9 and _."))
    kind = data.get("kind")
    params = rule_params_validate(kind, data.get("params") or {})
    on_fail = data.get("on_fail", FAIL)
    if on_fail not in (FAIL, HOLD):
        raise RuleError("on_fail", _("Choose fail or hold."))
    mandatory = data.get("mandatory", True)
    if not isinstance(mandatory, bool):
        raise RuleError("mandatory", _("Enter true or false."))
    labels = {}
    for name in ("label", "label_zh"):
        value = data.get(name) or ""
        if not isinstance(value, str) or len(value) > 100:
            raise RuleError(name, _("Enter a text of at most 100 characters."))
        labels[name] = value.strip()
    return Rule(
        key=key,
        kind=kind,
        mandatory=mandatory,
        on_fail=on_fail,
        params=params,
        **labels,
    )


def rule_to_dict(rule: Rule) -> dict:
    return {
        "key": rule.key,
        "kind": rule.kind,
        "mandatory": rule.mandatory,
        "on_fail": rule.on_fail,
        "params": rule.params,
        "label": rule.label,
        "label_zh": rule.label_zh,
    }


def claimed_value(rule: Rule, claim: dict, *, serial: str = ""):
    """The part of a stored claim this check compares; None when nothing was claimed."""
    return KINDS[rule.kind].claimed(rule, claim, serial=serial)


def claim_problems(
    rule: Rule, claim: dict, *, serial: str = ""
) -> list[tuple[str, str]]:
    """What is wrong with a stored claim for this check: ``(claim field, message)``."""
    return KINDS[rule.kind].problems(rule, claim, serial=serial)


def observation_keys(rule: Rule) -> tuple[str, ...]:
    """The keys of the ``observed`` payload this check reads."""
    return KINDS[rule.kind].observation_keys(rule)


def observation_parse(rule: Rule, observed: dict) -> dict | None:
    """This check's observation from its keys of ``observed``; None when absent."""
    kind = KINDS[rule.kind]
    if all(observed.get(key) is None for key in kind.observation_keys(rule)):
        return None
    return kind.parse(rule, observed)


def check_evaluate(
    rule: Rule, claimed, observation: dict, *, context: Context
) -> CheckResult:
    """Judge one observation against the claim by the rule (before ``on_fail``).

    A material, weight or identity check holds when nothing was claimed:
    there is nothing to compare with, and a person must decide. Packaging
    without a claimed type is judged on its state alone.
    """
    kind = KINDS[rule.kind]
    if claimed is None and kind.needs_claim:
        return check_result(HOLD, MESSAGES, "nothing_claimed")
    return kind.judge(rule, claimed, observation, context)


def check_effect(rule: Rule, result: CheckResult) -> str:
    """What a result does to the item: a failure of an ``on_fail=hold`` rule holds."""
    if result.verdict == FAIL and rule.on_fail == HOLD:
        return HOLD
    return result.verdict


def verdict_aggregate(outcomes: list[tuple[Rule, CheckResult | None]]) -> str | None:
    """The item's verdict from its checks' results (None: mandatory ones pending).

    Fail if any check's effect fails the item; else hold if any holds it; else
    pass once every mandatory check has passed. Optional checks without a
    result do not block a pass.
    """
    effects = [check_effect(rule, result) for rule, result in outcomes if result]
    if FAIL in effects:
        return FAIL
    if HOLD in effects:
        return HOLD
    if any(rule.mandatory and result is None for rule, result in outcomes):
        return None
    return PASS


def rule_describe(rule: Rule) -> str:
    """One short sentence of the rule, for certificates and pages."""
    return KINDS[rule.kind].describe(rule)
