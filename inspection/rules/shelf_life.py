"""Shelf life: the label's dates agree with the claim, and enough life is left.

The claim gives an expiry date, or a production date and shelf-life days;
the observation reads dates off the label (typed, or from a GS1 element
string, AI 17/11). Parameters: ``date_tolerance_days`` (how far label and
claim may disagree), ``min_remaining_days`` and ``min_remaining_share`` (of
the total shelf life), counted from the day of receipt.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from warehouse.barcodes import Kind, barcode_parse

from .base import (
    FAIL,
    HOLD,
    PASS,
    CheckResult,
    Context,
    ObservationError,
    Rule,
    check_result,
    claim_date,
    clean_date,
    param_share,
    param_whole,
)

CLAIM_KEYS = ("expiry_date", "production_date", "shelf_life_days")

MESSAGES = {
    "shelf_life_date_disagrees": gettext_noop(
        "The label says %(name)s %(seen)s, the claim %(said)s."
    ),
    "shelf_life_no_expiry": gettext_noop("No expiry date is known."),
    "shelf_life_expired": gettext_noop("Expired on %(date)s."),
    "shelf_life_days_short": gettext_noop(
        "%(left)d days of shelf life left at receipt; at least %(min)d needed."
    ),
    "shelf_life_no_production": gettext_noop(
        "Cannot compute the share of shelf life left: no production date."
    ),
    "shelf_life_share_short": gettext_noop(
        "%(left)s%% of shelf life left at receipt; at least %(min)s%% needed."
    ),
    "shelf_life_left": gettext_noop("%(left)d days of shelf life left at receipt."),
}

DATE_NAMES = {
    "expiry": gettext_noop("expiry"),
    "production": gettext_noop("production"),
}


def _date_names(params: dict) -> dict:
    return {**params, "name": _(DATE_NAMES[params["date"]])}


def _shares(params: dict) -> dict:
    return {
        "left": round(params["left_share"] * 100, 1),
        "min": Decimal(str(params["min_share"])) * 100,
    }


DISPLAY = {"shelf_life_date_disagrees": _date_names, "shelf_life_share_short": _shares}


def claim_expiry(claim: dict) -> dt.date | None:
    """The expiry date a stored claim states, or production date + shelf life."""
    expiry = claim_date(claim.get("expiry_date"))
    if expiry is None:
        production = claim_date(claim.get("production_date"))
        days = claim.get("shelf_life_days")
        if production and isinstance(days, int):
            expiry = production + dt.timedelta(days=days)
    return expiry


@dataclass(frozen=True)
class ShelfLifeCheck:
    name: str = "shelf_life"
    needs_claim: bool = False

    def params(self, params: dict) -> dict:
        return {
            "min_remaining_days": param_whole(params, "min_remaining_days"),
            "min_remaining_share": param_share(
                params, "min_remaining_share", Decimal(1)
            ),
            "date_tolerance_days": param_whole(params, "date_tolerance_days") or 0,
        }

    def claimed(self, rule: Rule, claim: dict, *, serial: str = ""):
        value = {name: claim[name] for name in CLAIM_KEYS if name in claim}
        return value or None

    def problems(
        self, rule: Rule, claim: dict, *, serial: str = ""
    ) -> list[tuple[str, str]]:
        if rule.mandatory and claim_expiry(claim) is None:
            return [("shelf_life", _("This claim is required."))]
        return []

    def observation_keys(self, rule: Rule) -> tuple[str, ...]:
        return ("expiry_date", "production_date", "gs1")

    def parse(self, rule: Rule, observed: dict) -> dict:
        found = {}
        if observed.get("gs1") is not None:
            raw = observed["gs1"]
            barcode = barcode_parse(raw) if isinstance(raw, str) else None
            if barcode is None or barcode.kind != Kind.GS1:
                raise ObservationError("gs1", _("Not a GS1 element string."))
            if barcode.expiry:
                found["expiry_date"] = barcode.expiry
            if barcode.production:
                found["production_date"] = barcode.production
            if not found:
                raise ObservationError(
                    "gs1",
                    _("The GS1 string carries no expiry (17) or production (11) date."),
                )
        for name in ("expiry_date", "production_date"):
            if observed.get(name) is not None:
                found[name] = clean_date(name, observed[name])
        production, expiry = found.get("production_date"), found.get("expiry_date")
        if production and expiry and expiry < production:
            raise ObservationError(
                "expiry_date", _("Expiry date is before production date.")
            )
        return found

    def judge(
        self, rule: Rule, claimed, observation: dict, context: Context
    ) -> CheckResult:
        claim = claimed or {}
        slack = dt.timedelta(days=rule.params.get("date_tolerance_days") or 0)
        claimed_expiry = claim_expiry(claim)
        claimed_production = claim_date(claim.get("production_date"))
        seen_production = observation.get("production_date")
        seen_expiry = observation.get("expiry_date")
        days = claim.get("shelf_life_days")
        if seen_expiry is None and seen_production and isinstance(days, int):
            seen_expiry = seen_production + dt.timedelta(days=days)
        production = seen_production or claimed_production
        expiry = seen_expiry or claimed_expiry
        detail = {
            "expiry": expiry.isoformat() if expiry else None,
            "production": production.isoformat() if production else None,
        }
        for name, seen, said in (
            ("expiry", seen_expiry, claimed_expiry),
            ("production", seen_production, claimed_production),
        ):
            if seen and said and abs(seen - said) > slack:
                return check_result(
                    FAIL,
                    MESSAGES,
                    "shelf_life_date_disagrees",
                    {
                        "date": name,
                        "seen": seen.isoformat(),
                        "said": said.isoformat(),
                    },
                    detail,
                    DISPLAY,
                )
        if expiry is None:
            return check_result(HOLD, MESSAGES, "shelf_life_no_expiry", {}, detail)
        start = context.received_on or context.today
        remaining = (expiry - start).days
        detail["remaining_days"] = remaining
        if remaining < 0:
            return check_result(
                FAIL,
                MESSAGES,
                "shelf_life_expired",
                {"date": expiry.isoformat()},
                detail,
            )
        minimum = rule.params.get("min_remaining_days")
        if minimum is not None and remaining < minimum:
            return check_result(
                FAIL,
                MESSAGES,
                "shelf_life_days_short",
                {"left": remaining, "min": minimum},
                detail,
            )
        share = rule.params.get("min_remaining_share")
        if share is not None:
            if production is None:
                return check_result(
                    HOLD, MESSAGES, "shelf_life_no_production", {}, detail
                )
            total = (expiry - production).days
            detail["total_days"] = total
            left = Fraction(remaining, total) if total > 0 else Fraction(0)
            detail["share"] = round(float(left), 4)
            if left < Fraction(share):
                return check_result(
                    FAIL,
                    MESSAGES,
                    "shelf_life_share_short",
                    {
                        "left_share": round(float(left), 4),
                        "min_share": float(Decimal(share)),
                    },
                    detail,
                    DISPLAY,
                )
        return check_result(
            PASS, MESSAGES, "shelf_life_left", {"left": remaining}, detail
        )

    def describe(self, rule: Rule) -> str:
        p = rule.params
        parts = [_("dates as claimed")]
        if p.get("min_remaining_days") is not None:
            parts.append(
                _("≥ %(days)d days left at receipt") % {"days": p["min_remaining_days"]}
            )
        if p.get("min_remaining_share") is not None:
            parts.append(
                _("≥ %(pct)s%% of shelf life left")
                % {"pct": Decimal(p["min_remaining_share"]) * 100}
            )
        return "; ".join(parts)


SHELF_LIFE = ShelfLifeCheck()
