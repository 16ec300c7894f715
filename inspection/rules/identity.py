"""Identity: the scanned or typed serial, IMEI or model equals the claim.

Parameters: ``field``, the claim compared (``serial`` falls back to the
item's serial). IMEIs compare without separators, other values as names.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum import imei as stdnum_imei

from warehouse.claims import claim_name

from .base import (
    FAIL,
    KEY_PATTERN,
    PASS,
    CheckResult,
    Context,
    Rule,
    RuleError,
    check_result,
    clean_text,
    first_given,
    norm,
    required,
)

MESSAGES = {
    "identity_mismatch": gettext_noop("%(field)s is %(found)s, claimed %(claimed)s."),
    "identity_matches": gettext_noop("%(field)s matches."),
}


def identity_norm(name: str, value) -> str:
    """An identity value as compared: an IMEI without separators, any other
    value as a name (casefolded, white space collapsed)."""
    if name == "imei":
        return stdnum_imei.compact(str(value))
    return norm(value)


_identity_norm = identity_norm  # the name it had before it was public


@dataclass(frozen=True)
class IdentityCheck:
    name: str = "identity"
    needs_claim: bool = True

    def params(self, params: dict) -> dict:
        name = params.get("field")
        if not isinstance(name, str) or not KEY_PATTERN.match(name):
            raise RuleError("field", _("Name the claim compared, e.g. imei or serial."))
        return {"field": name}

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        name = rule.params["field"]
        value = claim.get(name)
        if value is None and name == "serial":
            value = serial or None
        return value

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        value = self.claimed(rule, claim, serial=serial)
        return required(rule, value, rule.params.get("field"))

    def observation_keys(self, rule: Rule) -> tuple[str, ...]:
        return tuple(dict.fromkeys((rule.params["field"], rule.key)))

    def parse(self, rule: Rule, observed: dict) -> dict:
        key, value = first_given(self.observation_keys(rule), observed)
        if isinstance(value, int):
            value = str(value)
        return {"value": clean_text(key, value)}

    def judge(
        self, rule: Rule, claimed, observation: dict, context: Context
    ) -> CheckResult:
        name = rule.params["field"]
        found, said = (
            identity_norm(name, observation["value"]),
            identity_norm(name, claimed),
        )
        detail = {"claimed": said, "observed": found}
        if found != said:
            return check_result(
                FAIL,
                MESSAGES,
                "identity_mismatch",
                {"field": name, "found": found, "claimed": said},
                detail,
            )
        return check_result(PASS, MESSAGES, "identity_matches", {"field": name}, detail)

    def describe(self, rule: Rule) -> str:
        return _("%(field)s equals the claim") % {
            "field": claim_name(rule.params["field"])
        }


IDENTITY = IdentityCheck()
