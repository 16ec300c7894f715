"""Material: the inspector's finding equals the claimed material or a synonym.

Parameters: ``vocabulary`` (each material and its accepted synonyms) and
``readings`` (per material, the instrument ranges of :data:`READINGS` that
agree with it; a reading outside them holds the item for a person).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .base import (
    FAIL,
    HOLD,
    PASS,
    CheckResult,
    Context,
    ObservationError,
    Rule,
    RuleError,
    check_result,
    clean_number,
    clean_text,
    norm,
    param_names,
    required,
)

READINGS = ("refractive_index", "specific_gravity")
READING_NAMES = {
    "refractive_index": gettext_noop("refractive index"),
    "specific_gravity": gettext_noop("specific gravity"),
}
"""Each instrument reading's name, translated when shown."""

MESSAGES = {
    "material_mismatch": gettext_noop("Found %(found)s, claimed %(claimed)s."),
    "material_reading_outside": gettext_noop(
        "%(name)s %(value)s is outside %(low)s to %(high)s for "
        "%(material)s: the instrument disagrees with the finding."
    ),
    "material_as_claimed": gettext_noop("%(material)s as claimed."),
}


def _reading_name(params: dict) -> dict:
    name = params["name"]
    return {**params, "name": _(READING_NAMES.get(name, name.replace("_", " ")))}


DISPLAY = {"material_reading_outside": _reading_name}


def _range(name: str, value) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise RuleError(name, _("Enter a range as [minimum, maximum]."))
    low, high = (clean_number(name, v, RuleError) for v in value)
    if low > high or low <= 0:
        raise RuleError(name, _("Enter a range as [minimum, maximum]."))
    return [str(low), str(high)]


def _canonical(rule: Rule, name: str) -> str | None:
    wanted = norm(name)
    for canonical, synonyms in rule.params.get("vocabulary", {}).items():
        if wanted == norm(canonical) or any(wanted == norm(s) for s in synonyms):
            return canonical
    return None


@dataclass(frozen=True)
class MaterialCheck:
    name: str = "material"
    needs_claim: bool = True

    def params(self, params: dict) -> dict:
        vocabulary = params.get("vocabulary", {})
        if not isinstance(vocabulary, dict):
            raise RuleError("vocabulary", _("Map each material to its synonyms."))
        clean: dict[str, list[str]] = {}
        seen: dict[str, str] = {}
        for canonical, synonyms in vocabulary.items():
            if not isinstance(canonical, str) or not canonical.strip():
                raise RuleError("vocabulary", _("Material names must be texts."))
            names = param_names({"vocabulary": synonyms}, "vocabulary")
            for name in [canonical, *names]:
                other = seen.setdefault(norm(name), canonical)
                if other != canonical:
                    raise RuleError(
                        "vocabulary",
                        _("%(name)s is listed under both %(a)s and %(b)s.")
                        % {"name": name, "a": other, "b": canonical},
                    )
            clean[canonical.strip()] = names
        readings = params.get("readings", {})
        if not isinstance(readings, dict):
            raise RuleError("readings", _("Map materials to instrument ranges."))
        clean_readings: dict[str, dict] = {}
        for material, ranges in readings.items():
            if material not in clean:
                raise RuleError(
                    "readings",
                    _("%(name)s is not in the vocabulary.") % {"name": material},
                )
            if not isinstance(ranges, dict) or set(ranges) - set(READINGS):
                raise RuleError(
                    "readings",
                    _("Ranges may be given for: %(list)s.")
                    % {"list": ", ".join(READINGS)},
                )
            clean_readings[material] = {
                name: _range("readings", value) for name, value in ranges.items()
            }
        return {"vocabulary": clean, "readings": clean_readings}

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        return claim.get("material")

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        value = self.claimed(rule, claim)
        if value is None:
            return required(rule, value, "material")
        if rule.params["vocabulary"] and _canonical(rule, value) is None:
            return [
                (
                    "material",
                    _("Unknown material %(value)s; use one of: %(list)s.")
                    % {"value": value, "list": ", ".join(rule.params["vocabulary"])},
                )
            ]
        return []

    def observation_keys(self, rule: Rule) -> tuple[str, ...]:
        return ("material",)

    def parse(self, rule: Rule, observed: dict) -> dict:
        value = observed["material"]
        readings = {}
        if isinstance(value, dict):
            unknown = set(value) - {"value", *READINGS}
            if unknown:
                raise ObservationError(
                    "material",
                    _("Unknown reading %(name)s; use: %(list)s.")
                    % {"name": sorted(unknown)[0], "list": ", ".join(READINGS)},
                )
            for name in READINGS:
                if value.get(name) is not None:
                    number = clean_number("material", value[name])
                    if number <= 0 or number > 100:
                        raise ObservationError(
                            "material", _("Readings must be positive numbers.")
                        )
                    readings[name] = str(number)
            value = value.get("value")
        return {"material": clean_text("material", value), **readings}

    def judge(
        self, rule: Rule, claimed, observation: dict, context: Context
    ) -> CheckResult:
        found = observation["material"]
        claimed_as = _canonical(rule, claimed) or norm(claimed)
        found_as = _canonical(rule, found) or norm(found)
        detail = {"claimed": claimed_as, "observed": found_as}
        if claimed_as != found_as:
            return check_result(
                FAIL,
                MESSAGES,
                "material_mismatch",
                {"found": found_as, "claimed": claimed_as},
                detail,
            )
        ranges = rule.params.get("readings", {}).get(claimed_as, {})
        for name, (low, high) in ranges.items():
            if name in observation and not (
                Decimal(low) <= Decimal(observation[name]) <= Decimal(high)
            ):
                detail[name] = observation[name]
                return check_result(
                    HOLD,
                    MESSAGES,
                    "material_reading_outside",
                    {
                        "name": name,
                        "value": observation[name],
                        "low": low,
                        "high": high,
                        "material": claimed_as,
                    },
                    detail,
                    DISPLAY,
                )
        return check_result(
            PASS, MESSAGES, "material_as_claimed", {"material": found_as}, detail
        )

    def describe(self, rule: Rule) -> str:
        return _("same material as claimed (accepted synonyms count)")


MATERIAL = MaterialCheck()
