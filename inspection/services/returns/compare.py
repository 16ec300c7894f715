"""The judge of a buyer's return: the item now against what we certified.

Pure: it reads the item's current certificate (``content["checks"]``: what
was *observed* at certification, never the merchant's claim), the item's
anti-swap seal and the category's template (the return weight tolerance),
and writes nothing. Each compared point is a fact: ``{"check", "code",
"params", "ok", "severity"}``, its code one of :data:`POINT_CODES`
(catalogued in :mod:`inspection.messages`, rendered when read).

What is compared:

- the seal, when the item left under one (a seal tag, or the seal on the
  certificate record): absent, broken or another number is a mismatch;
- the weight, when it was certified with a weight check: the same within
  the template's ``return_weight_tolerance_mg`` (the scale's repeatability);
- the material, when certified: the same vocabulary code;
- each identity (IMEI, serial …) certified: the same, normalised as the
  identity check does;
- the packaging, for stock-first goods: unopened, opened (not a mismatch,
  but the goods cannot go back to stock) or damaged;
- the condition, when the inspector gives it: damaged is damage.

A point the certificate or the template asks for and the observations omit
is refused (400 ``missing_observation`` naming each field).
"""

from django.utils.translation import gettext as _

from warehouse.common.exceptions import Conflict, InvalidInput
from warehouse.models import CategoryFlow, Item, Tag
from warehouse.vocabularies import MATERIALS, PACKAGING_STATES, UnknownTerm

from ...models import Certificate, InspectionTemplate, ReturnOutcome, ReturnVerdict
from ...rules.base import ObservationError, clean_text, norm
from ...rules.identity import identity_norm
from ...rules.weight import WEIGHT, WEIGHT_KEYS
from ...selectors import certificate_current_for_item

OK, DAMAGED, MISMATCH = "ok", "damaged", "mismatch"
"""A point's severity: fine, damage, or not the certified item."""

DEFAULT_TOLERANCE_MG = 20
"""The return weight tolerance when no template says (the model's default)."""

PACKAGING_RETURN_STATES = ("unopened", "opened", "damaged")
CONDITIONS = ("as_certified", "damaged")
OBSERVATION_KEYS = frozenset(
    {"seal", *WEIGHT_KEYS, "material", "identity", "packaging", "condition", "notes"}
)
"""The keys an observation may have (``notes`` is read by the service)."""

POINT_CODES = (
    "return_seal_intact",
    "return_seal_missing",
    "return_seal_broken",
    "return_seal_number_differs",
    "return_weight_same",
    "return_weight_differs",
    "return_material_same",
    "return_material_differs",
    "return_identity_same",
    "return_identity_differs",
    "return_packaging_unopened",
    "return_packaging_opened",
    "return_packaging_damaged",
    "return_condition_as_certified",
    "return_condition_damaged",
)


# --- what we certified ----------------------------------------------------------------


def _seal_of(item: Item, certificate: Certificate | None) -> str:
    """The anti-swap seal the item left under: its seal tag, else the
    certificate record's; empty when it left without one."""
    tag = (
        Tag.objects.filter(item=item, purpose=Tag.Purpose.SEAL)
        .order_by("-bound_at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    if tag:
        return tag
    return certificate.seal if certificate is not None else ""


def _tolerance_mg(item: Item, certificate: Certificate | None) -> int:
    """The category's template's return weight tolerance: the version in
    force, else the one the certificate was judged by."""
    template = (
        InspectionTemplate.objects.filter(category_id=item.category_id)
        .order_by("-version")
        .only("return_weight_tolerance_mg")
        .first()
    )
    if template is None and certificate is not None:
        template = certificate.inspection.template
    if template is None:
        return DEFAULT_TOLERANCE_MG
    return template.return_weight_tolerance_mg


def return_certified_values(item: Item) -> dict:
    """What the comparison form shows beside each field, and what is compared.

    ``certificate`` (its number, None before the item's first), ``seal`` (the
    number it left under, or None), ``weight_mg``, ``material`` (a vocabulary
    code, or the text found when no term had it) and ``identity`` (``{field:
    value}``) as observed at certification (None/empty when not certified
    with such a check), ``packaging`` (whether the packaging state is asked:
    stock-first goods), ``tolerance_mg`` (the return weight tolerance) and
    ``keys`` (each point's check key on the certificate).
    """
    certificate = certificate_current_for_item(item)
    content = certificate.content if certificate is not None else {}
    values = {
        "certificate": certificate.number if certificate is not None else None,
        "seal": _seal_of(item, certificate) or None,
        "weight_mg": None,
        "material": None,
        "identity": {},
        "packaging": item.category.flow == CategoryFlow.STOCK_FIRST,
        "tolerance_mg": _tolerance_mg(item, certificate),
        "keys": {},
    }
    if not content.get("format"):  # texts written before facts: nothing to read
        return values
    for check in content.get("checks", []):
        kind, observed = check.get("kind"), check.get("observed")
        if not isinstance(observed, dict):
            continue
        if kind == "weight" and isinstance(observed.get("weight_mg"), int):
            if values["weight_mg"] is None:
                values["weight_mg"] = observed["weight_mg"]
                values["keys"]["weight"] = check["check"]
        elif kind == "material" and observed.get("material"):
            if values["material"] is None:
                values["material"] = observed["material"]
                values["keys"]["material"] = check["check"]
        elif kind == "identity" and observed.get("value") not in (None, ""):
            field = ((check.get("rule") or {}).get("params") or {}).get("field")
            if field and field not in values["identity"]:
                values["identity"][field] = str(observed["value"])
                values["keys"][f"identity.{field}"] = check["check"]
    return values


# --- the points -----------------------------------------------------------------------


def _point(check: str, code: str, params: dict, severity: str = OK) -> dict:
    return {
        "check": check,
        "code": code,
        "params": params,
        "ok": severity == OK,
        "severity": severity,
    }


class _Reader:
    """Reads the observations, gathering what is missing before refusing."""

    def __init__(self, observed: dict):
        self.observed = observed
        self.missing: dict[str, list[str]] = {}

    def lack(self, field: str, message: str) -> None:
        self.missing.setdefault(field, []).append(message)

    @staticmethod
    def invalid(field: str, message: str):
        return InvalidInput(
            _("%(field)s: %(message)s") % {"field": field, "message": message},
            code="invalid_observation",
            fields={field: [message]},
        )


def _flag(reader: _Reader, seal: dict, name: str) -> bool | None:
    value = seal.get(name)
    if value is None:
        reader.lack(
            f"seal.{name}", _("Say whether the seal is %(name)s.") % {"name": name}
        )
        return None
    if not isinstance(value, bool):
        raise reader.invalid(f"seal.{name}", _("Answer true or false."))
    return value


def _seal_number(value) -> str:
    return norm(value).replace(" ", "").upper()


def _seal_point(reader: _Reader, certified: str) -> dict | None:
    seal = reader.observed.get("seal")
    if seal is None:
        reader.lack("seal", _("The item left under a seal: say what it is now."))
        return None
    if not isinstance(seal, dict) or set(seal) - {"present", "intact", "number"}:
        raise reader.invalid(
            "seal", _("Give the seal as an object of present, intact and number.")
        )
    present = _flag(reader, seal, "present")
    if present is None:
        return None
    if not present:
        return _point("seal", "return_seal_missing", {"certified": certified}, MISMATCH)
    intact = _flag(reader, seal, "intact")
    number = seal.get("number")
    if number is not None:
        try:
            number = clean_text("seal.number", number)
        except ObservationError as error:
            raise reader.invalid(error.field, error.message) from None
    if intact is None:
        return None
    if not intact:
        params = {"number": number or "", "certified": certified}
        return _point("seal", "return_seal_broken", params, MISMATCH)
    if number is None:
        reader.lack("seal.number", _("Read the seal's number."))
        return None
    if _seal_number(number) != _seal_number(certified):
        params = {"found": number, "certified": certified}
        return _point("seal", "return_seal_number_differs", params, MISMATCH)
    return _point("seal", "return_seal_intact", {"number": certified})


def _weight_point(reader: _Reader, key: str, certified_mg: int, tolerance: int):
    if all(reader.observed.get(name) is None for name in WEIGHT_KEYS):
        reader.lack("weight_g", _("Weigh the item (weight_g, weight_mg or weight_ct)."))
        return None, None
    try:
        now_mg = WEIGHT.parse(None, reader.observed)["weight_mg"]
    except ObservationError as error:
        raise reader.invalid(error.field, error.message) from None
    difference = abs(now_mg - certified_mg)
    params = {
        "now_mg": now_mg,
        "certified_mg": certified_mg,
        "difference_mg": difference,
        "tolerance_mg": tolerance,
    }
    if difference <= tolerance:
        return _point(key, "return_weight_same", params), now_mg
    return _point(key, "return_weight_differs", params, MISMATCH), now_mg


def _material_code(value: str) -> str:
    """A stored material as compared: its code, or its text normalised."""
    return MATERIALS.find(value) or norm(value)


def _material_point(reader: _Reader, key: str, certified: str):
    value = reader.observed.get("material")
    if value is None:
        reader.lack("material", _("Name the material found."))
        return None, None
    if not isinstance(value, str) or not value.strip():
        raise reader.invalid("material", _("Name the material found."))
    found = MATERIALS.find(value)
    if found is None:
        raise UnknownTerm(MATERIALS, value, MATERIALS.codes(), "material")
    was = _material_code(certified)
    if found == was:
        return _point(key, "return_material_same", {"material": found}), found
    params = {"found": found, "certified": was}
    return _point(key, "return_material_differs", params, MISMATCH), found


def _identity_points(reader: _Reader, keys: dict, certified: dict):
    given = reader.observed.get("identity")
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise reader.invalid("identity", _("Give the identity as an object."))
    points, parsed = [], {}
    for field, was in certified.items():
        value = given.get(field)
        if value is None:
            reader.lack(f"identity.{field}", _("Scan or type it."))
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        try:
            value = clean_text(f"identity.{field}", value)
        except ObservationError as error:
            raise reader.invalid(error.field, error.message) from None
        found, said = identity_norm(field, value), identity_norm(field, was)
        parsed[field] = found
        key = keys.get(f"identity.{field}", field)
        if found == said:
            points.append(_point(key, "return_identity_same", {"field": field}))
        else:
            params = {"field": field, "found": found, "certified": said}
            points.append(_point(key, "return_identity_differs", params, MISMATCH))
    return points, parsed


def _packaging_state(reader: _Reader, value) -> str:
    if isinstance(value, str) and value.strip() in PACKAGING_RETURN_STATES:
        return value.strip()
    state = PACKAGING_STATES.find(value) if isinstance(value, str) else None
    mapped = {"intact": "unopened", "opened": "opened", "damaged": "damaged"}
    if state not in mapped:
        raise reader.invalid("packaging", _("Answer unopened, opened or damaged."))
    return mapped[state]


def _packaging_point(reader: _Reader):
    value = reader.observed.get("packaging")
    if value is None:
        reader.lack("packaging", _("Say whether the goods are unopened."))
        return None, None
    state = _packaging_state(reader, value)
    severity = DAMAGED if state == "damaged" else OK
    return _point("packaging", f"return_packaging_{state}", {}, severity), state


def _condition_point(reader: _Reader):
    value = reader.observed.get("condition")
    if value is None:
        return None, None
    if value not in CONDITIONS:
        raise reader.invalid("condition", _("Answer as_certified or damaged."))
    severity = DAMAGED if value == "damaged" else OK
    return _point("condition", f"return_condition_{value}", {}, severity), value


# --- the judge ------------------------------------------------------------------------


def return_verdict(checks: list[dict]) -> str:
    """Any mismatch point: mismatch; else any damaged point: damaged; else
    the item matches."""
    severities = {check["severity"] for check in checks}
    if MISMATCH in severities:
        return ReturnVerdict.MISMATCH
    if DAMAGED in severities:
        return ReturnVerdict.DAMAGED
    return ReturnVerdict.MATCHES


def return_outcome(verdict: str, *, stock_first: bool, packaging: str | None) -> str:
    """Where the item goes: back to stock only when it matches and is
    stock-first goods still unopened; a mismatch is disputed; else back to
    the merchant."""
    if verdict == ReturnVerdict.MISMATCH:
        return ReturnOutcome.DISPUTED
    if verdict == ReturnVerdict.MATCHES and stock_first and packaging == "unopened":
        return ReturnOutcome.RESTOCK
    return ReturnOutcome.TO_MERCHANT


def return_compare(*, item: Item, observed: dict) -> dict:
    """Judge a returned item against its certificate; write nothing.

    Answers ``{"verdict", "outcome", "checks", "certified", "observed"}``:
    the verdict (:func:`return_verdict`), where the item would go
    (:func:`return_outcome`), one point per compared thing, the certified
    values compared with (:func:`return_certified_values`) and the
    observations as parsed (weights in mg, codes). Refuses (400) an
    observation that cannot be read, or one a point needs and lacks
    (``missing_observation``, each field named); 409 ``not_certified`` for
    an item never certified.
    """
    if not isinstance(observed, dict):
        raise InvalidInput(
            _("Send the observations as an object."),
            code="invalid_observation",
            fields={"observed": [_("Send an object.")]},
        )
    unknown = sorted(set(observed) - OBSERVATION_KEYS)
    if unknown:
        raise InvalidInput(
            _("Unknown observation %(key)s.") % {"key": unknown[0]},
            code="invalid_observation",
            fields={key: [_("Unknown observation.")] for key in unknown},
        )
    certified = return_certified_values(item)
    if certified["certificate"] is None:
        raise Conflict(
            _("Item %(code)s was never certified; there is nothing to compare.")
            % {"code": item.code},
            code="not_certified",
        )
    reader = _Reader(observed)
    keys = certified["keys"]
    checks: list[dict] = []
    parsed: dict = {}
    if certified["seal"]:
        point = _seal_point(reader, certified["seal"])
        if point is not None:
            checks.append(point)
            parsed["seal"] = {
                k: observed["seal"].get(k) for k in ("present", "intact", "number")
            }
    if certified["weight_mg"] is not None:
        point, now_mg = _weight_point(
            reader,
            keys.get("weight", "weight"),
            certified["weight_mg"],
            certified["tolerance_mg"],
        )
        if point is not None:
            checks.append(point)
            parsed["weight_mg"] = now_mg
    if certified["material"] is not None:
        point, found = _material_point(
            reader, keys.get("material", "material"), certified["material"]
        )
        if point is not None:
            checks.append(point)
            parsed["material"] = found
    points, identity = _identity_points(reader, keys, certified["identity"])
    checks += points
    if identity:
        parsed["identity"] = identity
    packaging = None
    if certified["packaging"]:
        point, packaging = _packaging_point(reader)
        if point is not None:
            checks.append(point)
            parsed["packaging"] = packaging
    point, condition = _condition_point(reader)
    if point is not None:
        checks.append(point)
        parsed["condition"] = condition
    if reader.missing:
        raise InvalidInput(
            _("Observations missing: %(fields)s.")
            % {"fields": ", ".join(reader.missing)},
            code="missing_observation",
            fields=reader.missing,
        )
    verdict = return_verdict(checks)
    return {
        "verdict": verdict,
        "outcome": return_outcome(
            verdict, stock_first=certified["packaging"], packaging=packaging
        ),
        "checks": checks,
        "certified": certified,
        "observed": parsed,
    }
