"""Weight: the scale reading is within the template's tolerance of the claim.

Parameters: ``tolerance_mg`` (absolute) and/or ``tolerance_pct`` (relative to
the claimed weight), and ``combine`` (``larger`` or ``smaller``) when both are
given. Weights are integer milligrams; the tolerance is exact (a fraction).
"""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warehouse.claims import PARSERS, ClaimError

from .base import (
    FAIL,
    PASS,
    CheckResult,
    Context,
    ObservationError,
    Rule,
    RuleError,
    check_result,
    mg,
    param_share,
    param_whole,
    required,
    whole_or_float,
)

WEIGHT_KEYS = ("weight_g", "weight_ct", "weight_mg")

MESSAGES = {
    "weight_within_tolerance": gettext_noop(
        "Off by %(deviation)s; tolerance %(tolerance)s."
    ),
    "weight_heavier": gettext_noop(
        "%(deviation)s heavier than claimed; tolerance %(tolerance)s."
    ),
    "weight_lighter": gettext_noop(
        "%(deviation)s lighter than claimed; tolerance %(tolerance)s."
    ),
}


def _display(params: dict) -> dict:
    return {
        "deviation": mg(params["deviation_mg"]),
        "tolerance": mg(params["tolerance_mg"]),
    }


DISPLAY = {code: _display for code in MESSAGES}


def _tolerance(rule: Rule, claimed_mg: int) -> Fraction:
    """The allowed deviation in mg, exact (a relative one may be fractional)."""
    options = []
    if rule.params.get("tolerance_mg") is not None:
        options.append(Fraction(rule.params["tolerance_mg"]))
    if rule.params.get("tolerance_pct") is not None:
        options.append(
            Fraction(claimed_mg) * Fraction(rule.params["tolerance_pct"]) / 100
        )
    return (
        max(options)
        if rule.params.get("combine", "larger") == "larger"
        else min(options)
    )


@dataclass(frozen=True)
class WeightCheck:
    name: str = "weight"
    needs_claim: bool = True

    def params(self, params: dict) -> dict:
        absolute = param_whole(params, "tolerance_mg")
        relative = param_share(params, "tolerance_pct", Decimal(100))
        if absolute is None and relative is None:
            raise RuleError(
                "tolerance_mg", _("Give an absolute (mg) or relative (%) tolerance.")
            )
        combine = params.get("combine", "larger")
        if combine not in ("larger", "smaller"):
            raise RuleError("combine", _("Choose larger or smaller."))
        return {
            "tolerance_mg": absolute,
            "tolerance_pct": relative,
            "combine": combine,
        }

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        return claim.get("weight_mg")

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        return required(rule, self.claimed(rule, claim), "weight")

    def observation_keys(self, rule: Rule) -> tuple[str, ...]:
        return WEIGHT_KEYS

    def parse(self, rule: Rule, observed: dict) -> dict:
        given = [name for name in WEIGHT_KEYS if observed.get(name) is not None]
        if len(given) > 1:
            raise ObservationError(
                given[1], _("The weight is given twice in different units.")
            )
        name = given[0]
        _stored, parse = PARSERS[name]
        try:
            return {"weight_mg": parse(name, observed[name])}
        except ClaimError as exc:
            raise ObservationError(name, exc.message) from None

    def judge(
        self, rule: Rule, claimed, observation: dict, context: Context
    ) -> CheckResult:
        observed = observation["weight_mg"]
        deviation = observed - claimed
        tolerance = _tolerance(rule, claimed)
        detail = {
            "claimed_mg": claimed,
            "observed_mg": observed,
            "deviation_mg": deviation,
            "tolerance_mg": round(float(tolerance), 3),
        }
        facts = {
            "deviation_mg": abs(deviation),
            "tolerance_mg": whole_or_float(round(float(tolerance), 3)),
        }
        if abs(deviation) <= tolerance:
            code = "weight_within_tolerance"
            return check_result(PASS, MESSAGES, code, facts, detail, DISPLAY)
        code = "weight_heavier" if deviation > 0 else "weight_lighter"
        return check_result(FAIL, MESSAGES, code, facts, detail, DISPLAY)

    def describe(self, rule: Rule) -> str:
        p = rule.params
        parts = []
        if p.get("tolerance_mg") is not None:
            parts.append(f"±{p['tolerance_mg']:,} mg")
        if p.get("tolerance_pct") is not None:
            parts.append(f"±{p['tolerance_pct']} %")
        if len(parts) == 2:
            return (
                _("within %(a)s or %(b)s, whichever is larger")
                if p.get("combine", "larger") == "larger"
                else _("within %(a)s or %(b)s, whichever is smaller")
            ) % {"a": parts[0], "b": parts[1]}
        return _("within %(a)s") % {"a": parts[0]}


WEIGHT = WeightCheck()
