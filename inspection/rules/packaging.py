"""Packaging: intact (or another accepted state) and of the claimed type.

Parameters: ``accepted_states`` (of :data:`PACKAGING_STATES`, ``intact`` by
default) and ``types`` (the packaging types a claim may name; any when
empty). States and types are codes of :mod:`warehouse.vocabularies`
(``PACKAGING_STATES``, ``PACKAGING_TYPES``), read from either language or a
trade spelling; a type no term has is compared as text.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warehouse import vocabularies
from warehouse.vocabularies import PACKAGING_TYPES, UnknownTerm

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
    norm,
    param_names,
    required,
)

STATES = vocabularies.PACKAGING_STATES
PACKAGING_STATES = STATES.codes()
"""The packaging states' codes (their names: :data:`STATES`)."""

MESSAGES = {
    "packaging_state_refused": gettext_noop("Packaging is %(state)s."),
    "packaging_type_mismatch": gettext_noop(
        "Packaging is %(found)s, claimed %(claimed)s."
    ),
    "packaging_accepted": gettext_noop("Packaging %(state)s."),
}


def _state_name(params: dict) -> dict:
    return {"state": STATES.name(params["state"])}


def _type_names(params: dict) -> dict:
    return {name: PACKAGING_TYPES.name(params[name]) for name in ("found", "claimed")}


def _type(text: str) -> str:
    """A packaging type's code, or its text as written when no term has it."""
    return PACKAGING_TYPES.find(text) or text


DISPLAY = {
    "packaging_state_refused": _state_name,
    "packaging_accepted": _state_name,
    "packaging_type_mismatch": _type_names,
}


@dataclass(frozen=True)
class PackagingCheck:
    name: str = "packaging"
    needs_claim: bool = False

    def params(self, params: dict) -> dict:
        try:
            states = [
                STATES.resolve(s, field="accepted_states")
                for s in param_names(params, "accepted_states") or ["intact"]
            ]
        except UnknownTerm as unknown:
            raise RuleError("accepted_states", unknown.message) from None
        types = [_type(t) for t in param_names(params, "types")]
        return {"types": types, "accepted_states": states}

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        return claim.get("packaging")

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        value = self.claimed(rule, claim)
        if value is None:
            return required(rule, value, "packaging")
        types = rule.params["types"]
        if types and norm(_type(value)) not in {norm(t) for t in types}:
            return [("packaging", UnknownTerm(PACKAGING_TYPES, value, types).message)]
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
        try:
            state = STATES.resolve(clean_text("packaging", value.get("state")))
        except UnknownTerm as unknown:
            raise ObservationError("packaging", unknown.message) from None
        parsed = {"state": state}
        if value.get("type") is not None:
            parsed["type"] = _type(clean_text("packaging", value["type"]))
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
            and norm(_type(observation["type"])) != norm(_type(claimed))
        ):
            return check_result(
                FAIL,
                MESSAGES,
                "packaging_type_mismatch",
                {"found": observation["type"], "claimed": claimed},
                detail,
                DISPLAY,
            )
        return check_result(
            PASS, MESSAGES, "packaging_accepted", {"state": state}, detail, DISPLAY
        )

    def describe(self, rule: Rule) -> str:
        return _("packaging %(states)s and of the claimed type") % {
            "states": "/".join(
                STATES.name(state) for state in rule.params["accepted_states"]
            )
        }


PACKAGING = PackagingCheck()
