"""Labels: every required marking is present and legible.

Parameters: ``required`` (the markings the category requires); a claim may
name more (its ``labels``), which are then required too. A marking is a code
of :data:`warehouse.vocabularies.MARKINGS`, read from either language or a
trade spelling (净含量, "net content"); one no term has compares as a key
(see :func:`inspection.rules.base.marking`). Shown by name in the reader's
language.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warehouse.vocabularies import MARKINGS

from .base import (
    FAIL,
    PASS,
    CheckResult,
    Context,
    ObservationError,
    Rule,
    check_result,
    clean_text,
    marking,
    param_names,
)

MESSAGES = {
    "labels_missing": gettext_noop("Missing or illegible: %(list)s."),
    "labels_present": gettext_noop("All required markings present."),
}


def marking_code(text: str) -> str:
    """A marking's code, or (no term has it) its key."""
    return MARKINGS.find(text) or marking(text)


def _listed(params: dict) -> dict:
    return {"list": MARKINGS.names(params["missing"])}


DISPLAY = {"labels_missing": _listed}


@dataclass(frozen=True)
class LabelsCheck:
    name: str = "labels"
    needs_claim: bool = False

    def params(self, params: dict) -> dict:
        return {"required": [marking_code(m) for m in param_names(params, "required")]}

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        return claim.get("labels")

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        return []

    def observation_keys(self, rule: Rule) -> tuple[str, ...]:
        return ("labels",)

    def parse(self, rule: Rule, observed: dict) -> dict:
        value = observed["labels"]
        if isinstance(value, dict):
            if any(not isinstance(v, bool) for v in value.values()):
                raise ObservationError("labels", _("Mark each marking true or false."))
            value = [name for name, present in value.items() if present]
        if not isinstance(value, list):
            raise ObservationError(
                "labels", _("List the markings present, or map each to true/false.")
            )
        present = sorted({marking_code(clean_text("labels", name)) for name in value})
        return {"present": present}

    def judge(
        self, rule: Rule, claimed, observation: dict, context: Context
    ) -> CheckResult:
        wanted = list(rule.params["required"])
        for name in claimed or []:
            if marking_code(name) not in wanted:
                wanted.append(marking_code(name))
        missing = [name for name in wanted if name not in observation["present"]]
        detail = {"required": wanted, "missing": missing}
        if missing:
            return check_result(
                FAIL, MESSAGES, "labels_missing", {"missing": missing}, detail, DISPLAY
            )
        return check_result(PASS, MESSAGES, "labels_present", {}, detail)

    def describe(self, rule: Rule) -> str:
        return _("markings present: %(list)s") % {
            "list": MARKINGS.names(rule.params["required"])
        }


LABELS = LabelsCheck()
