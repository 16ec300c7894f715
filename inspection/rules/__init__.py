"""The check rules: what was claimed against what was observed, judged.

Pure functions over plain data (no ORM), one set per check kind of DESIGN.md
section 4. A :class:`Rule` is one check of a template (its kind, whether it
is mandatory, what a failure does to the item, the kind's parameters).
For each rule:

* :func:`claimed_value` picks what the merchant claimed for it out of a
  stored claim (see :mod:`warehouse.claims`), and :func:`claim_problems`
  says what is missing or impossible in that claim;
* :func:`observation_parse` reads the inspector's (or a scale's) input from
  the keys :func:`observation_keys` names, normalising units;
* :func:`check_evaluate` judges one observation: ``pass``, ``fail`` or
  ``hold``, with a sentence and the numbers behind it;
* :func:`check_effect` and :func:`verdict_aggregate` turn check results into
  the item's verdict.

Boundaries are inclusive: a value exactly at a limit passes, one unit (1 mg,
one day) beyond it fails. Quantities keep their units: weights in integer
milligrams, dates as :class:`datetime.date`, compared exactly (no floats).
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.utils.translation import gettext as _
from stdnum import imei as stdnum_imei

from warehouse.barcodes import Kind, barcode_parse
from warehouse.claims import MAX_TEXT, PARSERS, ClaimError

PASS, FAIL, HOLD = "pass", "fail", "hold"
SKIPPED = "skipped"
CHECK_KINDS = (
    "material",
    "weight",
    "shelf_life",
    "packaging",
    "labels",
    "identity",
    "free",
)
PACKAGING_STATES = ("intact", "damaged", "opened", "missing_seal")
READINGS = ("refractive_index", "specific_gravity")
WEIGHT_KEYS = ("weight_g", "weight_ct", "weight_mg")
KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")


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
    verdict: str
    reason: str
    detail: dict = field(default_factory=dict)


# --- normalising ----------------------------------------------------------------------


def _norm(text: str) -> str:
    """Casefolded, NFKC-normalised, white space collapsed: for comparing names."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def _marking(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", _norm(text))


def _text(field_name: str, value, error=ObservationError) -> str:
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


def _number(field_name: str, value, error=ObservationError) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise error(field_name, _("Enter a number."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise error(field_name, _("Enter a number.")) from None
    if not number.is_finite() or len(str(value)) > 40:
        raise error(field_name, _("Enter a number."))
    return number


def _date(field_name: str, value) -> dt.date:
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


def _claim_date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _mg(value) -> str:
    return f"{value:,} mg"


# --- parameters -----------------------------------------------------------------------


def _non_negative_int(params: dict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    number = _number(name, value, RuleError)
    if number < 0 or number != number.to_integral_value():
        raise RuleError(name, _("Enter a whole number of at least 0."))
    return int(number)


def _share(params: dict, name: str, upper: Decimal) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    number = _number(name, value, RuleError)
    if not 0 <= number <= upper:
        raise RuleError(name, _("Enter a number from 0 to %(max)s.") % {"max": upper})
    return str(number)


def _names(params: dict, name: str, *, required: bool = False) -> list[str]:
    value = params.get(name, [])
    if not isinstance(value, list) or any(
        not isinstance(v, str) or not v.strip() for v in value
    ):
        raise RuleError(name, _("Enter a list of names."))
    if required and not value:
        raise RuleError(name, _("Name at least one."))
    return [v.strip() for v in value]


def _range(name: str, value) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise RuleError(name, _("Enter a range as [minimum, maximum]."))
    low, high = (_number(name, v, RuleError) for v in value)
    if low > high or low <= 0:
        raise RuleError(name, _("Enter a range as [minimum, maximum]."))
    return [str(low), str(high)]


def _material_params(params: dict) -> dict:
    vocabulary = params.get("vocabulary", {})
    if not isinstance(vocabulary, dict):
        raise RuleError("vocabulary", _("Map each material to its synonyms."))
    clean: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for canonical, synonyms in vocabulary.items():
        if not isinstance(canonical, str) or not canonical.strip():
            raise RuleError("vocabulary", _("Material names must be texts."))
        names = _names({"vocabulary": synonyms}, "vocabulary")
        for name in [canonical, *names]:
            other = seen.setdefault(_norm(name), canonical)
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
                _("Ranges may be given for: %(list)s.") % {"list": ", ".join(READINGS)},
            )
        clean_readings[material] = {
            name: _range("readings", value) for name, value in ranges.items()
        }
    return {"vocabulary": clean, "readings": clean_readings}


def _weight_params(params: dict) -> dict:
    absolute = _non_negative_int(params, "tolerance_mg")
    relative = _share(params, "tolerance_pct", Decimal(100))
    if absolute is None and relative is None:
        raise RuleError(
            "tolerance_mg", _("Give an absolute (mg) or relative (%) tolerance.")
        )
    combine = params.get("combine", "larger")
    if combine not in ("larger", "smaller"):
        raise RuleError("combine", _("Choose larger or smaller."))
    return {"tolerance_mg": absolute, "tolerance_pct": relative, "combine": combine}


def _shelf_life_params(params: dict) -> dict:
    return {
        "min_remaining_days": _non_negative_int(params, "min_remaining_days"),
        "min_remaining_share": _share(params, "min_remaining_share", Decimal(1)),
        "date_tolerance_days": _non_negative_int(params, "date_tolerance_days") or 0,
    }


def _packaging_params(params: dict) -> dict:
    states = _names(params, "accepted_states") or ["intact"]
    unknown = [s for s in states if s not in PACKAGING_STATES]
    if unknown:
        raise RuleError(
            "accepted_states",
            _("Unknown state %(state)s; use: %(list)s.")
            % {"state": unknown[0], "list": ", ".join(PACKAGING_STATES)},
        )
    return {"types": _names(params, "types"), "accepted_states": states}


def _labels_params(params: dict) -> dict:
    return {"required": [_marking(m) for m in _names(params, "required")]}


def _identity_params(params: dict) -> dict:
    name = params.get("field")
    if not isinstance(name, str) or not KEY_PATTERN.match(name):
        raise RuleError("field", _("Name the claim compared, e.g. imei or serial."))
    return {"field": name}


def _free_params(params: dict) -> dict:
    question = _text("question", params.get("question", ""), RuleError)
    clean = {"question": question}
    if params.get("question_zh"):
        clean["question_zh"] = _text("question_zh", params["question_zh"], RuleError)
    claim_key = params.get("claim_key")
    if claim_key:
        if not isinstance(claim_key, str) or not KEY_PATTERN.match(claim_key):
            raise RuleError("claim_key", _("Use a short key of a-z, 0-9 and _."))
        clean["claim_key"] = claim_key
    return clean


_PARAMS = {
    "material": _material_params,
    "weight": _weight_params,
    "shelf_life": _shelf_life_params,
    "packaging": _packaging_params,
    "labels": _labels_params,
    "identity": _identity_params,
    "free": _free_params,
}


def rule_params_validate(kind: str, params: dict) -> dict:
    """Normalised params for a check of ``kind``; RuleError naming the param."""
    if kind not in _PARAMS:
        raise RuleError(
            "kind",
            _("Unknown check kind %(kind)s; use: %(list)s.")
            % {"kind": kind, "list": ", ".join(CHECK_KINDS)},
        )
    if not isinstance(params, dict):
        raise RuleError("params", _("Parameters must be an object."))
    return _PARAMS[kind](params)


def rule_from_dict(data: dict) -> Rule:
    """A validated :class:`Rule` from its dict form (:func:`rule_to_dict`)."""
    key = data.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise RuleError("key", _("Use a short key of a-z, 0-9 and _."))
    kind = data.get("kind")
    params = rule_params_validate(kind, data.get("params") or {})
    on_fail = data.get("on_fail", FAIL)
    if on_fail not in (FAIL, HOLD):
        raise RuleError("on_fail", _("Choose fail or hold."))
    mandatory = data.get("mandatory", True)
    if not isinstance(mandatory, bool):
        raise RuleError("mandatory", _("Enter true or false."))
    labels = {}
    for name in ("label", "label_zh"):
        value = data.get(name) or ""
        if not isinstance(value, str) or len(value) > 100:
            raise RuleError(name, _("Enter a text of at most 100 characters."))
        labels[name] = value.strip()
    return Rule(
        key=key,
        kind=kind,
        mandatory=mandatory,
        on_fail=on_fail,
        params=params,
        **labels,
    )


def rule_to_dict(rule: Rule) -> dict:
    return {
        "key": rule.key,
        "kind": rule.kind,
        "mandatory": rule.mandatory,
        "on_fail": rule.on_fail,
        "params": rule.params,
        "label": rule.label,
        "label_zh": rule.label_zh,
    }


# --- claims ---------------------------------------------------------------------------


def _canonical_material(rule: Rule, name: str) -> str | None:
    wanted = _norm(name)
    for canonical, synonyms in rule.params.get("vocabulary", {}).items():
        if wanted == _norm(canonical) or any(wanted == _norm(s) for s in synonyms):
            return canonical
    return None


def _claimed_expiry(claim: dict) -> dt.date | None:
    expiry = _claim_date(claim.get("expiry_date"))
    if expiry is None:
        production = _claim_date(claim.get("production_date"))
        days = claim.get("shelf_life_days")
        if production and isinstance(days, int):
            expiry = production + dt.timedelta(days=days)
    return expiry


def claim_expiry(claim: dict) -> dt.date | None:
    """The expiry date a stored claim states, or production date + shelf life."""
    return _claimed_expiry(claim)


def claimed_value(rule: Rule, claim: dict, *, serial: str = ""):
    """The part of a stored claim this check compares; None when nothing was claimed."""
    kind = rule.kind
    if kind in ("material", "packaging"):
        return claim.get(kind)
    if kind == "weight":
        return claim.get("weight_mg")
    if kind == "shelf_life":
        value = {
            name: claim[name]
            for name in ("expiry_date", "production_date", "shelf_life_days")
            if name in claim
        }
        return value or None
    if kind == "labels":
        return claim.get("labels")
    if kind == "identity":
        name = rule.params["field"]
        value = claim.get(name)
        if value is None and name == "serial":
            value = serial or None
        return value
    claim_key = rule.params.get("claim_key")
    return claim.get(claim_key) if claim_key else None


def claim_problems(
    rule: Rule, claim: dict, *, serial: str = ""
) -> list[tuple[str, str]]:
    """What is wrong with a stored claim for this check: ``(claim field, message)``."""
    kind = rule.kind
    value = claimed_value(rule, claim, serial=serial)
    if kind == "labels":
        return []
    if kind == "shelf_life":
        if rule.mandatory and _claimed_expiry(claim) is None:
            return [("shelf_life", _("This claim is required."))]
        return []
    if value is None:
        if rule.mandatory and not (kind == "free" and "claim_key" not in rule.params):
            name = {
                "weight": "weight",
                "identity": rule.params.get("field"),
                "free": rule.params.get("claim_key"),
            }.get(kind, kind)
            return [(name, _("This claim is required."))]
        return []
    if kind == "material" and rule.params["vocabulary"]:  # noqa: SIM102
        if _canonical_material(rule, value) is None:
            return [
                (
                    "material",
                    _("Unknown material %(value)s; use one of: %(list)s.")
                    % {"value": value, "list": ", ".join(rule.params["vocabulary"])},
                )
            ]
    if kind == "packaging" and rule.params["types"]:  # noqa: SIM102
        if _norm(value) not in {_norm(t) for t in rule.params["types"]}:
            return [
                (
                    "packaging",
                    _("Unknown packaging %(value)s; use one of: %(list)s.")
                    % {"value": value, "list": ", ".join(rule.params["types"])},
                )
            ]
    return []


# --- observations ---------------------------------------------------------------------


def observation_keys(rule: Rule) -> tuple[str, ...]:
    """The keys of the ``observed`` payload this check reads."""
    kind = rule.kind
    if kind == "weight":
        return WEIGHT_KEYS
    if kind == "shelf_life":
        return ("expiry_date", "production_date", "gs1")
    if kind in ("material", "packaging", "labels"):
        return (kind,)
    if kind == "identity":
        return tuple(dict.fromkeys((rule.params["field"], rule.key)))
    return (rule.key,)


def _parse_weight(observed: dict) -> dict:
    given = [name for name in WEIGHT_KEYS if observed.get(name) is not None]
    if len(given) > 1:
        raise ObservationError(
            given[1], _("The weight is given twice in different units.")
        )
    name = given[0]
    _stored, parse = PARSERS[name]
    try:
        return {"weight_mg": parse(name, observed[name])}
    except ClaimError as exc:
        raise ObservationError(name, exc.message) from None


def _parse_material(value) -> dict:
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
                number = _number("material", value[name])
                if number <= 0 or number > 100:
                    raise ObservationError(
                        "material", _("Readings must be positive numbers.")
                    )
                readings[name] = str(number)
        value = value.get("value")
    return {"material": _text("material", value), **readings}


def _parse_shelf_life(observed: dict) -> dict:
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
            found[name] = _date(name, observed[name])
    production, expiry = found.get("production_date"), found.get("expiry_date")
    if production and expiry and expiry < production:
        raise ObservationError(
            "expiry_date", _("Expiry date is before production date.")
        )
    return found


def _parse_packaging(value) -> dict:
    if isinstance(value, str):
        value = {"state": value}
    if not isinstance(value, dict) or set(value) - {"state", "type"}:
        raise ObservationError(
            "packaging", _("Give the state, or an object of state and type.")
        )
    state = _marking(_text("packaging", value.get("state")))
    if state not in PACKAGING_STATES:
        raise ObservationError(
            "packaging",
            _("Unknown packaging state %(state)s; use: %(list)s.")
            % {"state": value.get("state"), "list": ", ".join(PACKAGING_STATES)},
        )
    parsed = {"state": state}
    if value.get("type") is not None:
        parsed["type"] = _text("packaging", value["type"])
    return parsed


def _parse_labels(value) -> dict:
    if isinstance(value, dict):
        if any(not isinstance(v, bool) for v in value.values()):
            raise ObservationError("labels", _("Mark each marking true or false."))
        value = [name for name, present in value.items() if present]
    if not isinstance(value, list):
        raise ObservationError(
            "labels", _("List the markings present, or map each to true/false.")
        )
    present = sorted({_marking(_text("labels", name)) for name in value})
    return {"present": present}


def _parse_free(key: str, value) -> dict:
    note = ""
    if isinstance(value, dict):
        note = value.get("note") or ""
        if note:
            note = _text(key, note)
        value = value.get("result")
    if not isinstance(value, bool):
        raise ObservationError(key, _("Answer true or false."))
    return {"result": value, "note": note}


def observation_parse(rule: Rule, observed: dict) -> dict | None:
    """This check's observation from its keys of ``observed``; None when absent."""
    keys = [k for k in observation_keys(rule) if observed.get(k) is not None]
    if not keys:
        return None
    kind = rule.kind
    if kind == "weight":
        return _parse_weight(observed)
    if kind == "shelf_life":
        return _parse_shelf_life(observed)
    value = observed[keys[0]]
    if kind == "material":
        return _parse_material(value)
    if kind == "packaging":
        return _parse_packaging(value)
    if kind == "labels":
        return _parse_labels(value)
    if kind == "identity":
        return {
            "value": _text(keys[0], value if not isinstance(value, int) else str(value))
        }
    return _parse_free(keys[0], value)


# --- judging --------------------------------------------------------------------------


def _judge_material(rule, claimed, observation, context) -> CheckResult:
    found = observation["material"]
    claimed_as = _canonical_material(rule, claimed) or _norm(claimed)
    found_as = _canonical_material(rule, found) or _norm(found)
    detail = {"claimed": claimed_as, "observed": found_as}
    if claimed_as != found_as:
        return CheckResult(
            FAIL,
            _("Found %(found)s, claimed %(claimed)s.")
            % {"found": found_as, "claimed": claimed_as},
            detail,
        )
    ranges = rule.params.get("readings", {}).get(claimed_as, {})
    for name, (low, high) in ranges.items():
        if name in observation and not (
            Decimal(low) <= Decimal(observation[name]) <= Decimal(high)
        ):
            detail[name] = observation[name]
            return CheckResult(
                HOLD,
                _(
                    "%(name)s %(value)s is outside %(low)s to %(high)s for "
                    "%(material)s: the instrument disagrees with the finding."
                )
                % {
                    "name": name.replace("_", " "),
                    "value": observation[name],
                    "low": low,
                    "high": high,
                    "material": claimed_as,
                },
                detail,
            )
    return CheckResult(
        PASS, _("%(material)s as claimed.") % {"material": found_as}, detail
    )


def _tolerance(rule: Rule, claimed_mg: int) -> Fraction:
    """The allowed deviation in mg, exact (a relative one may be fractional)."""
    options = []
    if rule.params.get("tolerance_mg") is not None:
        options.append(Fraction(rule.params["tolerance_mg"]))
    if rule.params.get("tolerance_pct") is not None:
        options.append(
            Fraction(claimed_mg) * Fraction(rule.params["tolerance_pct"]) / 100
        )
    return (
        max(options)
        if rule.params.get("combine", "larger") == "larger"
        else min(options)
    )


def _judge_weight(rule, claimed, observation, context) -> CheckResult:
    observed = observation["weight_mg"]
    deviation = observed - claimed
    tolerance = _tolerance(rule, claimed)
    detail = {
        "claimed_mg": claimed,
        "observed_mg": observed,
        "deviation_mg": deviation,
        "tolerance_mg": round(float(tolerance), 3),
    }
    values = {
        "deviation": _mg(abs(deviation)),
        "tolerance": f"{round(float(tolerance), 3):,g} mg",
    }
    if abs(deviation) <= tolerance:
        return CheckResult(
            PASS, _("Off by %(deviation)s; tolerance %(tolerance)s.") % values, detail
        )
    return CheckResult(
        FAIL,
        (
            _("%(deviation)s heavier than claimed; tolerance %(tolerance)s.")
            if deviation > 0
            else _("%(deviation)s lighter than claimed; tolerance %(tolerance)s.")
        )
        % values,
        detail,
    )


def _judge_shelf_life(rule, claimed, observation, context) -> CheckResult:
    claim = claimed or {}
    slack = dt.timedelta(days=rule.params.get("date_tolerance_days") or 0)
    claimed_expiry = _claimed_expiry(claim)
    claimed_production = _claim_date(claim.get("production_date"))
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
        (_("expiry"), seen_expiry, claimed_expiry),
        (_("production"), seen_production, claimed_production),
    ):
        if seen and said and abs(seen - said) > slack:
            return CheckResult(
                FAIL,
                _("The label says %(name)s %(seen)s, the claim %(said)s.")
                % {"name": name, "seen": seen, "said": said},
                detail,
            )
    if expiry is None:
        return CheckResult(HOLD, _("No expiry date is known."), detail)
    start = context.received_on or context.today
    remaining = (expiry - start).days
    detail["remaining_days"] = remaining
    if remaining < 0:
        return CheckResult(
            FAIL, _("Expired on %(date)s.") % {"date": expiry.isoformat()}, detail
        )
    minimum = rule.params.get("min_remaining_days")
    if minimum is not None and remaining < minimum:
        return CheckResult(
            FAIL,
            _("%(left)d days of shelf life left at receipt; at least %(min)d needed.")
            % {"left": remaining, "min": minimum},
            detail,
        )
    share = rule.params.get("min_remaining_share")
    if share is not None:
        if production is None:
            return CheckResult(
                HOLD,
                _("Cannot compute the share of shelf life left: no production date."),
                detail,
            )
        total = (expiry - production).days
        detail["total_days"] = total
        left = Fraction(remaining, total) if total > 0 else Fraction(0)
        detail["share"] = round(float(left), 4)
        if left < Fraction(share):
            return CheckResult(
                FAIL,
                _(
                    "%(left)s%% of shelf life left at receipt; at least %(min)s%% "
                    "needed."
                )
                % {"left": round(float(left) * 100, 1), "min": Decimal(share) * 100},
                detail,
            )
    return CheckResult(
        PASS,
        _("%(left)d days of shelf life left at receipt.") % {"left": remaining},
        detail,
    )


def _judge_packaging(rule, claimed, observation, context) -> CheckResult:
    state = observation["state"]
    detail = {"state": state, "type": observation.get("type")}
    if state not in rule.params["accepted_states"]:
        return CheckResult(
            FAIL, _("Packaging is %(state)s.") % {"state": state}, detail
        )
    if (
        claimed
        and observation.get("type")
        and _norm(observation["type"]) != _norm(claimed)
    ):
        return CheckResult(
            FAIL,
            _("Packaging is %(found)s, claimed %(claimed)s.")
            % {"found": observation["type"], "claimed": claimed},
            detail,
        )
    return CheckResult(PASS, _("Packaging %(state)s.") % {"state": state}, detail)


def _judge_labels(rule, claimed, observation, context) -> CheckResult:
    wanted = list(rule.params["required"])
    for name in claimed or []:
        if _marking(name) not in wanted:
            wanted.append(_marking(name))
    missing = [name for name in wanted if name not in observation["present"]]
    detail = {"required": wanted, "missing": missing}
    if missing:
        return CheckResult(
            FAIL,
            _("Missing or illegible: %(list)s.") % {"list": ", ".join(missing)},
            detail,
        )
    return CheckResult(PASS, _("All required markings present."), detail)


def _identity_norm(name: str, value) -> str:
    if name == "imei":
        return stdnum_imei.compact(str(value))
    return _norm(value)


def _judge_identity(rule, claimed, observation, context) -> CheckResult:
    name = rule.params["field"]
    found, said = (
        _identity_norm(name, observation["value"]),
        _identity_norm(name, claimed),
    )
    detail = {"claimed": said, "observed": found}
    if found != said:
        return CheckResult(
            FAIL,
            _("%(field)s is %(found)s, claimed %(claimed)s.")
            % {"field": name, "found": found, "claimed": said},
            detail,
        )
    return CheckResult(PASS, _("%(field)s matches.") % {"field": name}, detail)


def _judge_free(rule, claimed, observation, context) -> CheckResult:
    note = observation.get("note", "")
    if observation["result"]:
        return CheckResult(PASS, note or _("Confirmed by the inspector."), {})
    return CheckResult(FAIL, note or _("Not confirmed by the inspector."), {})


_JUDGES = {
    "material": _judge_material,
    "weight": _judge_weight,
    "shelf_life": _judge_shelf_life,
    "packaging": _judge_packaging,
    "labels": _judge_labels,
    "identity": _judge_identity,
    "free": _judge_free,
}


def check_evaluate(
    rule: Rule, claimed, observation: dict, *, context: Context
) -> CheckResult:
    """Judge one observation against the claim by the rule (before ``on_fail``).

    A material, weight or identity check holds when nothing was claimed:
    there is nothing to compare with, and a person must decide. Packaging
    without a claimed type is judged on its state alone.
    """
    if claimed is None and rule.kind in ("material", "weight", "identity"):
        return CheckResult(HOLD, _("Nothing was claimed for this check."), {})
    return _JUDGES[rule.kind](rule, claimed, observation, context)


def check_effect(rule: Rule, result: CheckResult) -> str:
    """What a result does to the item: a failure of an ``on_fail=hold`` rule holds."""
    if result.verdict == FAIL and rule.on_fail == HOLD:
        return HOLD
    return result.verdict


def verdict_aggregate(outcomes: list[tuple[Rule, CheckResult | None]]) -> str | None:
    """The item's verdict from its checks' results (None: mandatory ones pending).

    Fail if any check's effect fails the item; else hold if any holds it; else
    pass once every mandatory check has passed. Optional checks without a
    result do not block a pass.
    """
    effects = [check_effect(rule, result) for rule, result in outcomes if result]
    if FAIL in effects:
        return FAIL
    if HOLD in effects:
        return HOLD
    if any(rule.mandatory and result is None for rule, result in outcomes):
        return None
    return PASS


def rule_describe(rule: Rule) -> str:
    """One short sentence of the rule, for certificates and pages."""
    p = rule.params
    kind = rule.kind
    if kind == "material":
        return _("same material as claimed (accepted synonyms count)")
    if kind == "weight":
        parts = []
        if p.get("tolerance_mg") is not None:
            parts.append(f"±{p['tolerance_mg']:,} mg")
        if p.get("tolerance_pct") is not None:
            parts.append(f"±{p['tolerance_pct']} %")
        if len(parts) == 2:
            return (
                _("within %(a)s or %(b)s, whichever is larger")
                if p.get("combine", "larger") == "larger"
                else _("within %(a)s or %(b)s, whichever is smaller")
            ) % {"a": parts[0], "b": parts[1]}
        return _("within %(a)s") % {"a": parts[0]}
    if kind == "shelf_life":
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
    if kind == "packaging":
        return _("packaging %(states)s and of the claimed type") % {
            "states": "/".join(p["accepted_states"])
        }
    if kind == "labels":
        return _("markings present: %(list)s") % {"list": ", ".join(p["required"])}
    if kind == "identity":
        return _("%(field)s equals the claim") % {"field": p["field"]}
    return p.get("question", "")
