"""Material: the inspector's finding equals the claimed material or a synonym.

Parameters: ``vocabulary`` (the materials the category accepts, as codes of
:data:`warehouse.vocabularies.MATERIALS`; empty: any) and ``readings`` (per
material, the instrument ranges of :data:`READINGS` that agree with it; a
reading outside them holds the item for a person). A template stored before
materials were codes maps each material to its synonyms: each material is
read as the code it names, and the vocabulary's own synonyms count.

A claim or a finding is read as the material it names in either language
or a trade spelling (和田玉, "Nephrite", 软玉 …), if the template accepts
it; anything else is compared as text. Results store codes, and name them
in the reader's language when shown.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warehouse.vocabularies import MATERIALS, UnknownTerm

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


def _material(value: str) -> str:
    """A stored material: a code by its name, text (no term the template
    accepts) as it was found."""
    return MATERIALS.name(value) if value in MATERIALS else value


def _reading_name(params: dict) -> dict:
    name = params["name"]
    return {
        **params,
        "name": _(READING_NAMES.get(name, name.replace("_", " "))),
        "material": _material(params["material"]),
    }


def _material_names(*names: str):
    def display(params: dict) -> dict:
        return {**params, **{n: _material(params[n]) for n in names}}

    return display


DISPLAY = {
    "material_reading_outside": _reading_name,
    "material_mismatch": _material_names("found", "claimed"),
    "material_as_claimed": _material_names("material"),
}


def _range(name: str, value) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise RuleError(name, _("Enter a range as [minimum, maximum]."))
    low, high = (clean_number(name, v, RuleError) for v in value)
    if low > high or low <= 0:
        raise RuleError(name, _("Enter a range as [minimum, maximum]."))
    return [str(low), str(high)]


def _canonical(rule: Rule, name: str) -> str | None:
    """The code of the material ``name`` names, if the rule accepts it."""
    code = MATERIALS.find(name)
    accepted = rule.params.get("vocabulary")
    if code is None or (accepted and code not in accepted):
        return None
    return code


def _codes(vocabulary) -> list[str]:
    """The vocabulary's codes: a list of names, or (a template stored before
    codes) a mapping of each name to synonyms, which must not name two."""
    if isinstance(vocabulary, dict):
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
        vocabulary = list(vocabulary)
    codes: list[str] = []
    for name in param_names({"vocabulary": vocabulary}, "vocabulary"):
        try:
            code = MATERIALS.resolve(name, field="vocabulary")
        except UnknownTerm as unknown:
            raise RuleError("vocabulary", unknown.message) from None
        if code not in codes:
            codes.append(code)
    return codes


@dataclass(frozen=True)
class MaterialCheck:
    name: str = "material"
    needs_claim: bool = True

    def params(self, params: dict) -> dict:
        clean = _codes(params.get("vocabulary") or [])
        readings = params.get("readings", {})
        if not isinstance(readings, dict):
            raise RuleError("readings", _("Map materials to instrument ranges."))
        clean_readings: dict[str, dict] = {}
        for given, ranges in readings.items():
            material = MATERIALS.find(given)
            if material not in clean:
                raise RuleError(
                    "readings",
                    _("%(name)s is not in the vocabulary.") % {"name": given},
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
        accepted = rule.params["vocabulary"]
        if accepted and _canonical(rule, value) is None:
            return [("material", UnknownTerm(MATERIALS, value, accepted).message)]
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
        text = clean_text("material", value)
        return {"material": _canonical(rule, text) or text, **readings}

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
                DISPLAY,
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
            PASS,
            MESSAGES,
            "material_as_claimed",
            {"material": found_as},
            detail,
            DISPLAY,
        )

    def describe(self, rule: Rule) -> str:
        return _("same material as claimed (accepted synonyms count)")


MATERIAL = MaterialCheck()
