"""Packaging: intact (or another accepted state) and of the claimed type.

Parameters: ``accepted_states`` (of :data:`PACKAGING_STATES`, ``intact`` by
default) and ``types`` (the packaging types a claim may name; any when empty).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .base import (
    FAIL,
    PASS,
    CheckResult,
    Context,
    ObservationError,
    Rule,
    RuleError,
    check_result,
    clean_text,
    marking,
    norm,
    param_names,
    required,
)

PACKAGING_STATES = ("intact", "damaged", "opened", "missing_seal")
STATE_NAMES = {
    "intact": gettext_noop("intact"),
    "damaged": gettext_noop("damaged"),
    "opened": gettext_noop("opened"),
    "missing_seal": gettext_noop("seal missing"),
}
"""Each packaging state's name, translated when shown."""

MESSAGES = {
    "packaging_state_refused": gettext_noop("Packaging is %(state)s."),
    "packaging_type_mismatch": gettext_noop(
        "Packaging is %(found)s, claimed %(claimed)s."
    ),
    "packaging_accepted": gettext_noop("Packaging %(state)s."),
}


def _state_name(params: dict) -> dict:
    state = params["state"]
    return {"state": _(STATE_NAMES[state]) if state in STATE_NAMES else state}


DISPLAY = {"packaging_state_refused": _state_name, "packaging_accepted": _state_name}


@dataclass(frozen=True)
class PackagingCheck:
    name: str = "packaging"
    needs_claim: bool = False

    def params(self, params: dict) -> dict:
        states = param_names(params, "accepted_states") or ["intact"]
        unknown = [s for s in states if s not in PACKAGING_STATES]
        if unknown:
            raise RuleError(
                "accepted_states",
                _("Unknown state %(state)s; use: %(list)s.")
                % {"state": unknown[0], "list": ", ".join(PACKAGING_STATES)},
            )
        return {"types": param_names(params, "types"), "accepted_states": states}

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        return claim.get("packaging")

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        value = self.claimed(rule, claim)
        if value is None:
            return required(rule, value, "packaging")
        if rule.params["types"] and norm(value) not in {
            norm(t) for t in rule.params["types"]
        }:
            return [
                (
                    "packaging",
                    _("Unknown packaging %(value)s; use one of: %(list)s.")
                    % {"value": value, "list": ", ".join(rule.params["types"])},
                )
            ]
        return []

    def observation_keys(self, rule: Rule) -> tuple[str, ...]:
        return ("packaging",)

    def parse(self, rule: Rule, observed: dict) -> dict:
        value = observed["packaging"]
        if isinstance(value, str):
            value = {"state": value}
        if not isinstance(value, dict) or set(value) - {"state", "type"}:
            raise ObservationError(
                "packaging", _("Give the state, or an object of state and type.")
            )
        state = marking(clean_text("packaging", value.get("state")))
        if state not in PACKAGING_STATES:
            raise ObservationError(
                "packaging",
                _("Unknown packaging state %(state)s; use: %(list)s.")
                % {"state": value.get("state"), "list": ", ".join(PACKAGING_STATES)},
            )
        parsed = {"state": state}
        if value.get("type") is not None:
            parsed["type"] = clean_text("packaging", value["type"])
        return parsed

    def judge(
        self, rule: Rule, claimed, observation: dict, context: Context
    ) -> CheckResult:
        state = observation["state"]
        detail = {"state": state, "type": observation.get("type")}
        if state not in rule.params["accepted_states"]:
            return check_result(
                FAIL,
                MESSAGES,
                "packaging_state_refused",
                {"state": state},
                detail,
                DISPLAY,
            )
        if (
            claimed
            and observation.get("type")
            and norm(observation["type"]) != norm(claimed)
        ):
            return check_result(
                FAIL,
                MESSAGES,
                "packaging_type_mismatch",
                {"found": observation["type"], "claimed": claimed},
                detail,
            )
        return check_result(
            PASS, MESSAGES, "packaging_accepted", {"state": state}, detail, DISPLAY
        )

    def describe(self, rule: Rule) -> str:
        return _("packaging %(states)s and of the claimed type") % {
            "states": "/".join(
                _(STATE_NAMES[state]) if state in STATE_NAMES else state
                for state in rule.params["accepted_states"]
            )
        }


PACKAGING = PackagingCheck()
