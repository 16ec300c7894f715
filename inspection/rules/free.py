"""Free check: a question the inspector answers yes or no, with a note.

Parameters: ``question`` (and ``question_zh``), and optionally ``claim_key``,
the claim shown beside the question (required when the check is mandatory).
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .base import (
    FAIL,
    KEY_PATTERN,
    PASS,
    CheckResult,
    Context,
    ObservationError,
    Rule,
    RuleError,
    check_result,
    clean_text,
    required,
)

NOTE = "inspector_note"
"""The code of a result that is a note the inspector typed (params: text, lang)."""

MESSAGES = {
    "free_confirmed": gettext_noop("Confirmed by the inspector."),
    "free_not_confirmed": gettext_noop("Not confirmed by the inspector."),
}


@dataclass(frozen=True)
class FreeCheck:
    name: str = "free"
    needs_claim: bool = False

    def params(self, params: dict) -> dict:
        question = clean_text("question", params.get("question", ""), RuleError)
        clean = {"question": question}
        if params.get("question_zh"):
            clean["question_zh"] = clean_text(
                "question_zh", params["question_zh"], RuleError
            )
        claim_key = params.get("claim_key")
        if claim_key:
            if not isinstance(claim_key, str) or not KEY_PATTERN.match(claim_key):
                raise RuleError("claim_key", _("Use a short key of a-z, 0-9 and _."))
            clean["claim_key"] = claim_key
        return clean

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        claim_key = rule.params.get("claim_key")
        return claim.get(claim_key) if claim_key else None

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        if "claim_key" not in rule.params:
            return []
        return required(rule, self.claimed(rule, claim), rule.params["claim_key"])

    def observation_keys(self, rule: Rule) -> tuple[str, ...]:
        return (rule.key,)

    def parse(self, rule: Rule, observed: dict) -> dict:
        key, value = rule.key, observed[rule.key]
        note = ""
        if isinstance(value, dict):
            note = value.get("note") or ""
            if note:
                note = clean_text(key, note)
            value = value.get("result")
        if not isinstance(value, bool):
            raise ObservationError(key, _("Answer true or false."))
        return {"result": value, "note": note}

    def judge(
        self, rule: Rule, claimed, observation: dict, context: Context
    ) -> CheckResult:
        verdict, code = (
            (PASS, "free_confirmed")
            if observation["result"]
            else (FAIL, "free_not_confirmed")
        )
        note = observation.get("note", "")
        if note:  # the inspector's words: text, with the language they wrote in
            return CheckResult(
                verdict,
                note,
                {},
                NOTE,
                {"text": note, "lang": translation.get_language() or ""},
            )
        return check_result(verdict, MESSAGES, code)

    def describe(self, rule: Rule) -> str:
        """The question, in Chinese when the reader reads Chinese and the
        template gives it."""
        language = translation.get_language() or ""
        if language.startswith("zh") and rule.params.get("question_zh"):
            return rule.params["question_zh"]
        return rule.params.get("question", "")


FREE = FreeCheck()
