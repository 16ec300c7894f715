"""What every check kind shares: the rule, the result, the errors, the contract.

A check kind (material, weight, …) is one object implementing
:class:`CheckKind`; :mod:`inspection.rules.registry` names them all. The
helpers below read and normalise values the same way for every kind.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol, runtime_checkable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warehouse.claims import MAX_TEXT

PASS, FAIL, HOLD = "pass", "fail", "hold"
SKIPPED = "skipped"
KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")

MESSAGES = {"nothing_claimed": gettext_noop("Nothing was claimed for this check.")}


class RuleError(ValueError):
    """A template parameter that cannot be accepted; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class ObservationError(ValueError):
    """An observed value that cannot be accepted; ``field`` is its input key."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Rule:
    key: str
    kind: str
    mandatory: bool = True
    on_fail: str = FAIL
    params: dict = field(default_factory=dict, hash=False, compare=True)
    label: str = ""
    label_zh: str = ""


@dataclass(frozen=True)
class Context:
    """Dates in the warehouse's time zone: the caller converts them."""

    received_on: dt.date | None
    today: dt.date


@dataclass(frozen=True)
class CheckResult:
    """One check's judgement: its verdict, the sentence and the numbers behind it.

    ``code`` and ``params`` are what is stored: the message code (in
    :data:`inspection.rules.registry.MESSAGES`, every kind's ``MESSAGES``
    together) and its raw facts (numbers in mg, dates ISO, vocabulary codes).
    ``reason`` is them rendered in the active language, for the moment of
    judging; a reader's page renders the stored code again in its own
    language (:func:`inspection.messages.check_reason`). A note the inspector
    typed is code ``inspector_note`` with its text and language.
    """

    verdict: str
    reason: str
    detail: dict = field(default_factory=dict)
    code: str = ""
    params: dict = field(default_factory=dict)


def message_render(
    text: str, params: dict, display: Callable[[dict], dict] | None = None
) -> str:
    """``text`` (already translated) with ``params`` shaped by ``display``."""
    values = display(params) if display else params
    return text % values if values else text


def check_result(
    verdict: str,
    messages: dict[str, str],
    code: str,
    params: dict | None = None,
    detail: dict | None = None,
    display: dict[str, Callable[[dict], dict]] | None = None,
) -> CheckResult:
    """A result of ``code`` with its raw ``params``; its reason rendered now.

    ``display`` maps a code to the function that turns its raw params into
    the sentence's values (a weight in mg into "45 mg"); without one the
    params are the values.
    """
    params = params or {}
    text = message_render(_(messages[code]), params, (display or {}).get(code))
    return CheckResult(verdict, text, detail or {}, code, params)


@runtime_checkable
class CheckKind(Protocol):
    """One kind of check (DESIGN.md section 4): claimed against observed.

    ``name`` is the kind stored in a rule; ``needs_claim`` says the check
    holds, without being judged, when nothing was claimed for it.
    """

    name: str
    needs_claim: bool

    def params(self, params: dict) -> dict:
        """The normalised parameters of a rule of this kind; RuleError naming one."""

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        """The part of a stored claim this check compares; None when nothing was."""

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        """What is missing or impossible in a stored claim: ``(field, message)``."""

    def observation_keys(self, rule: Rule) -> tuple[str, ...]:
        """The keys of the ``observed`` payload this check reads."""

    def parse(self, rule: Rule, observed: dict) -> dict:
        """The observation from ``observed``, where one of its keys is given."""

    def judge(
        self, rule: Rule, claimed, observation: dict, context: Context
    ) -> CheckResult:
        """The verdict on an observation against what was claimed (not None)."""

    def describe(self, rule: Rule) -> str:
        """One short sentence of the rule, for certificates and pages."""


# --- normalising ----------------------------------------------------------------------


def norm(text: str) -> str:
    """Casefolded, NFKC-normalised, white space collapsed: for comparing names."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def marking(text: str) -> str:
    """A marking's name as a key: normalised, spaces and dashes as ``_``."""
    return re.sub(r"[\s\-]+", "_", norm(text))


def clean_text(field_name: str, value, error=ObservationError) -> str:
    if not isinstance(value, str) or not value.strip():
        raise error(field_name, _("Enter a non-empty text."))
    if "\x00" in value:
        raise error(field_name, _("Null characters are not allowed."))
    if len(value) > MAX_TEXT:
        raise error(
            field_name,
            _("Text is longer than %(max)d characters.") % {"max": MAX_TEXT},
        )
    return value.strip()


def clean_number(field_name: str, value, error=ObservationError) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise error(field_name, _("Enter a number."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise error(field_name, _("Enter a number.")) from None
    if not number.is_finite() or len(str(value)) > 40:
        raise error(field_name, _("Enter a number."))
    return number


def clean_date(field_name: str, value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ObservationError(field_name, _("Enter a date as YYYY-MM-DD."))
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ObservationError(
            field_name, _("Enter a valid date as YYYY-MM-DD.")
        ) from None


def claim_date(value) -> dt.date | None:
    """A date of a stored claim, or None when absent or unreadable."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def mg(value) -> str:
    """A weight in mg as text: ``1,045 mg``, ``52.5 mg``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,} mg"


def whole_or_float(value: float) -> int | float:
    """A number for storing as a fact: an int when it is whole."""
    value = float(value)
    return int(value) if value.is_integer() else value


def first_given(keys: tuple[str, ...], observed: dict) -> tuple[str, object]:
    """The first of ``keys`` given (not None) in ``observed``, and its value."""
    key = next(k for k in keys if observed.get(k) is not None)
    return key, observed[key]


def required(rule: Rule, value, field_name: str) -> list[tuple[str, str]]:
    """The claim problem of a mandatory check whose claim is missing."""
    if value is None and rule.mandatory:
        return [(field_name, _("This claim is required."))]
    return []


# --- parameters -----------------------------------------------------------------------


def param_whole(params: dict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    number = clean_number(name, value, RuleError)
    if number < 0 or number != number.to_integral_value():
        raise RuleError(name, _("Enter a whole number of at least 0."))
    return int(number)


def param_share(params: dict, name: str, upper: Decimal) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    number = clean_number(name, value, RuleError)
    if not 0 <= number <= upper:
        raise RuleError(name, _("Enter a number from 0 to %(max)s.") % {"max": upper})
    return str(number)


def param_names(params: dict, name: str, *, required: bool = False) -> list[str]:
    value = params.get(name, [])
    if not isinstance(value, list) or any(
        not isinstance(v, str) or not v.strip() for v in value
    ):
        raise RuleError(name, _("Enter a list of names."))
    if required and not value:
        raise RuleError(name, _("Name at least one."))
    return [v.strip() for v in value]
