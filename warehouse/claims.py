"""What a merchant claims about an item, parsed and normalised.

A claim is a JSON object keyed by check (``material``, ``weight_g``,
``expiry_date`` …). :func:`claim_normalise` checks types and impossible values
and returns the stored form: weights become integer milligrams under
``weight_mg`` (1 g = 1000 mg, 1 ct = 200 mg), dates stay ISO strings, and a
material, a packaging type or a marking named in either language or a trade
spelling becomes its vocabulary code (:mod:`warehouse.vocabularies`; text no
term has is kept as written, for the category's template to judge). A
category lists which claims it requires (:class:`~warehouse.models.Category`
``claim_fields``); :func:`claim_missing` names the ones absent.

Plain functions over plain data: inbound notices of 100,000 items run them per
item, so they avoid serializer machinery.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import imei as stdnum_imei

from .vocabularies import MARKINGS, MATERIALS, PACKAGING_TYPES, Vocabulary

if TYPE_CHECKING:
    from .extensions import ClaimChecker, ClaimCheckerProvider

MG_PER_G = 1000
MG_PER_CT = 200
MAX_WEIGHT_MG = 1_000_000_000  # one tonne: anything above is a typing error
MAX_TEXT = 500
# Adjusted exponents accepted for numbers: 0.000001 … 999,999,999,999,999.
MIN_EXPONENT, MAX_EXPONENT = -6, 14
MAX_SHELF_LIFE_DAYS = 36_500


class ClaimError(ValueError):
    """A claim value that cannot be accepted; ``field`` names the claim key."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _decimal(field: str, value) -> Decimal:
    """A finite number of sane size: no claim needs more than 15 digits."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ClaimError(field, _("Enter a number."))
    text = str(value).strip()
    if len(text) > 40:
        raise ClaimError(field, _("Enter a number."))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ClaimError(field, _("Enter a number.")) from None
    if not number.is_finite():
        raise ClaimError(field, _("Enter a number."))
    if number and not MIN_EXPONENT <= number.adjusted() <= MAX_EXPONENT:
        raise ClaimError(field, _("The number is out of range."))
    return number


def _weight(factor: int) -> Callable:
    def parse(field: str, value) -> int:
        number = _decimal(field, value)
        if number <= 0:
            raise ClaimError(field, _("Weight must be greater than 0."))
        mg = number * factor
        if mg != mg.to_integral_value():
            raise ClaimError(field, _("Weight is finer than one milligram."))
        if mg > MAX_WEIGHT_MG:
            raise ClaimError(field, _("Weight is implausibly large."))
        return int(mg)

    return parse


def _date(field: str, value) -> str:
    if not isinstance(value, str):
        raise ClaimError(field, _("Enter a date as YYYY-MM-DD."))
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ClaimError(field, _("Enter a valid date as YYYY-MM-DD.")) from None


def _days(field: str, value) -> int:
    number = _decimal(field, value)
    if number != number.to_integral_value() or number <= 0:
        raise ClaimError(field, _("Enter a whole number greater than 0."))
    if number > MAX_SHELF_LIFE_DAYS:
        raise ClaimError(
            field, _("At most %(max)d days.") % {"max": MAX_SHELF_LIFE_DAYS}
        )
    return int(number)


def _money(field: str, value) -> str:
    number = _decimal(field, value)
    if number < 0:
        raise ClaimError(field, _("Amount cannot be negative."))
    return str(number.quantize(Decimal("0.01")))


def _text(field: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ClaimError(field, _("Enter a non-empty text."))
    if "\x00" in value:
        raise ClaimError(field, _("Null characters are not allowed."))
    if len(value) > MAX_TEXT:
        raise ClaimError(
            field, _("Text is longer than %(max)d characters.") % {"max": MAX_TEXT}
        )
    return value.strip()


def _term(vocabulary: Vocabulary) -> Callable:
    """A text naming a term of ``vocabulary``: its code, or the text as written."""

    def parse(field: str, value) -> str:
        text = _text(field, value)
        return vocabulary.find(text) or text

    return parse


def _labels(field: str, value) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ClaimError(field, _("Enter a list of markings."))
    return [_term(MARKINGS)(field, entry) for entry in value]


def _imei(field: str, value) -> str:
    text = _text(field, value)
    if len(stdnum_imei.compact(text)) != 15 or not stdnum_imei.is_valid(text):
        raise ClaimError(field, _("Not a valid IMEI (15 digits with a Luhn check)."))
    return stdnum_imei.compact(text)


def _free(field: str, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        _decimal(field, value)  # range check
        return value
    return _text(field, value)


# input key -> (stored key, parser)
PARSERS: dict[str, tuple[str, Callable]] = {
    "weight_g": ("weight_mg", _weight(MG_PER_G)),
    "weight_ct": ("weight_mg", _weight(MG_PER_CT)),
    "weight_mg": ("weight_mg", _weight(1)),
    "expiry_date": ("expiry_date", _date),
    "production_date": ("production_date", _date),
    "shelf_life_days": ("shelf_life_days", _days),
    "declared_value": ("declared_value", _money),
    "material": ("material", _term(MATERIALS)),
    "packaging": ("packaging", _term(PACKAGING_TYPES)),
    "labels": ("labels", _labels),
    "imei": ("imei", _imei),
}

# The stored keys as people read them on the pages (the API keeps the keys).
CLAIM_NAMES = {
    "material": gettext_lazy("Material"),
    "weight_mg": gettext_lazy("Weight"),
    "declared_value": gettext_lazy("Declared value (CNY)"),
    "packaging": gettext_lazy("Packaging"),
    "production_date": gettext_lazy("Production date"),
    "expiry_date": gettext_lazy("Expiry date"),
    "shelf_life_days": gettext_lazy("Shelf life (days)"),
    "labels": gettext_lazy("Labels and markings"),
    "imei": gettext_lazy("IMEI"),
    "model": gettext_lazy("Model"),
    "grade": gettext_lazy("Grade"),
}


def claim_name(key: str) -> str:
    """A stored claim key in the reader's language; a merchant's own key as
    written, underscores as spaces."""
    return str(CLAIM_NAMES.get(key) or key.replace("_", " "))


# A category's required claim -> the stored keys, any one set of which satisfies it.
REQUIREMENTS: dict[str, list[tuple[str, ...]]] = {
    "weight": [("weight_mg",)],
    "shelf_life": [("expiry_date",), ("production_date", "shelf_life_days")],
}


def claim_normalise(claim) -> dict:
    """The stored form of ``claim``; :class:`ClaimError` on the first bad value."""
    if not isinstance(claim, dict):
        raise ClaimError("claim", _("The claim must be an object keyed by check."))
    stored: dict = {}
    for key, value in claim.items():
        if not isinstance(key, str) or not key or len(key) > 64 or "\x00" in key:
            raise ClaimError("claim", _("Claim keys must be short texts."))
        if value is None:
            continue
        target, parse = PARSERS.get(key, (key, _free))
        if target in stored:
            raise ClaimError(
                key, _("The same claim is given twice in different units.")
            )
        stored[target] = parse(key, value)
    production, expiry = stored.get("production_date"), stored.get("expiry_date")
    if production and expiry and expiry < production:
        raise ClaimError("expiry_date", _("Expiry date is before production date."))
    return stored


# Apps that know more about a category than its ``claim_fields`` (the
# inspection templates) check claims through providers registered here
# (:class:`~warehouse.extensions.ClaimCheckerProvider`).
_checker_providers: list["ClaimCheckerProvider"] = []


def claim_checkers_register(provider: "ClaimCheckerProvider") -> None:
    """Add a provider: ``provider(categories)`` returns ``{category id: checker}``.

    A checker takes ``(stored claim, item row)`` and returns the problems as
    ``(claim field, message)`` pairs; for its categories it replaces the check
    of ``Category.claim_fields``. Providers run once per inbound notice,
    checkers once per item, so checkers must be cheap.
    """
    if provider not in _checker_providers:
        _checker_providers.append(provider)


def claim_checker_providers() -> tuple["ClaimCheckerProvider", ...]:
    """The registered providers, in the order they run."""
    return tuple(_checker_providers)


def claim_checkers_for(categories: list) -> dict[int, "ClaimChecker"]:
    """The registered checkers for ``categories``, by category id."""
    checkers: dict[int, ClaimChecker] = {}
    for provider in _checker_providers:
        checkers.update(provider(categories))
    return checkers


def claim_missing(stored: dict, required: list[str]) -> list[str]:
    """The required claims that ``stored`` does not satisfy."""
    missing = []
    for name in required:
        options = REQUIREMENTS.get(name, [(name,)])
        if not any(all(key in stored for key in option) for option in options):
            missing.append(name)
    return missing
