"""The inspection app's catalogue of check-result message codes.

A check's result is stored as a code and its raw facts (``params``: numbers in
mg, dates ISO, vocabulary codes), never as a sentence; :func:`check_reason`
renders it in the reader's language when it is shown (pages, the API by
``Accept-Language``). Each code's English source string is its gettext msgid.

The codes are the check rules' (:data:`inspection.rules.registry.MESSAGES`,
every kind's ``MESSAGES``), a lot's summary, a note the inspector typed
(its text, with the language it was written in) and ``legacy_text``: a
sentence stored before results were facts that could not be read back.
"""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .rules.free import NOTE
from .rules.registry import MESSAGES as RULE_MESSAGES
from .rules.registry import reason_render

LOT_SUMMARY = "lot_units_not_passed"
LEGACY_TEXT = "legacy_text"

MESSAGES: dict[str, str] = {
    **RULE_MESSAGES,
    LOT_SUMMARY: gettext_noop("%(bad)d of %(units)d sampled units did not pass."),
}
"""Every code a check result may carry that renders a sentence."""

TEXT_CODES = (NOTE, LEGACY_TEXT)
"""Codes whose ``params["text"]`` is shown as it is (typed or legacy text)."""


def check_reason(code: str, params: dict | None, language: str | None = None) -> str:
    """The sentence of a check result, in ``language`` or the active one.

    An empty code (a check not judged yet) is an empty reason; a typed note
    or legacy text is its own text, in whatever language it was written.
    """
    params = params or {}
    if not code:
        return ""
    if code in TEXT_CODES:
        return params.get("text", "")
    if language is not None:
        with translation.override(language):
            return check_reason(code, params)
    if code == LOT_SUMMARY:
        return _(MESSAGES[code]) % params
    return reason_render(code, params)
