"""The inspection form of the pages, generated from the inspection's checks.

Each check of the category's template becomes one row of inputs, named
``<check key>-<input>`` so rows never collide. :func:`check_fields` says which
inputs a row has (by the check's kind and rule); :func:`observed_from_post`
turns the posted values of some rows into the ``observed`` payload the
services take (keyed like the claim, exactly as the REST API sends it), so
the pages and the API are judged by the same code. Empty inputs are left out:
a row that is not filled in yet records nothing.

Materials, packaging states and types and markings are offered from their
vocabularies (:mod:`warehouse.vocabularies`) by name in the reader's
language: a material or a packaging type is typed or picked from a list of
names (a ``<datalist>``, which the browser filters as one types), a state is
chosen, markings are ticked. The rules read a name in either language, so
what is posted is judged as the API's codes are.
"""

from dataclasses import dataclass, field

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from warehouse.claims import claim_name
from warehouse.vocabularies import (
    MARKINGS,
    MATERIALS,
    PACKAGING_STATES,
    PACKAGING_TYPES,
)

from . import rules
from .models import InspectionCheck
from .rules.labels import marking_code

READING_LABELS = {
    "refractive_index": _("Refractive index"),
    "specific_gravity": _("Specific gravity"),
}


@dataclass
class CheckRow:
    """One check of an inspection, as the form shows it."""

    check: InspectionCheck
    rule: rules.Rule
    label: str
    describe: str
    claimed: str
    observed: str
    prefix: str
    options: list = field(default_factory=list)  # (code, name): materials,
    # states or markings
    types: list = field(default_factory=list)  # (code, name): packaging types
    field_label: str = ""  # an identity's claim, by its name
    values: dict = field(default_factory=dict)  # what the inputs show now
    error: str = ""


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


def _label(rule: rules.Rule) -> str:
    if _chinese() and rule.label_zh:
        return rule.label_zh
    return rule.label or rule.key


def check_rows(checks, *, errors: dict | None = None) -> list[CheckRow]:
    """The form rows of ``checks``, with what each already observed."""
    from .services.certificates import claimed_text, value_text

    errors = errors or {}
    rows = []
    for check in checks:
        rule = rules.rule_from_dict(check.rule)
        row = CheckRow(
            check=check,
            rule=rule,
            label=_label(rule),
            describe=rules.rule_describe(rule),
            claimed=claimed_text(check),
            observed=value_text(check.observed) if check.observed else "",
            prefix=check.key,
            error=errors.get(check.key, ""),
        )
        params = rule.params
        if rule.kind == "material":
            row.options = MATERIALS.choices(params.get("vocabulary") or None)
        elif rule.kind == "packaging":
            row.options = PACKAGING_STATES.choices()
            row.types = PACKAGING_TYPES.choices(params.get("types") or None)
        elif rule.kind == "labels":
            markings = list(params.get("required", []))
            claimed = check.claimed if isinstance(check.claimed, list) else []
            for name in claimed:
                if marking_code(str(name)) not in markings:
                    markings.append(marking_code(str(name)))
            row.options = [(code, MARKINGS.name(code)) for code in markings]
        elif rule.kind == "identity":
            row.field_label = claim_name(params["field"])
        elif rule.kind == "free" and _chinese() and params.get("question_zh"):
            row.describe = params["question_zh"]
        row.values = _current_values(rule, check.observed or {})
        rows.append(row)
    return rows


def _current_values(rule: rules.Rule, observed: dict) -> dict:
    """The inputs' values from a stored observation (to show them again)."""
    kind = rule.kind
    if kind == "weight" and "weight_mg" in observed:
        return {"weight_g": f"{observed['weight_mg'] / 1000:.3f}"}
    if kind == "material":
        values = {name: observed.get(name, "") for name in rules.READINGS}
        material = observed.get("material")
        return {**values, "material": MATERIALS.name(material) if material else ""}
    if kind == "shelf_life":
        return {
            name: observed.get(name, "") for name in ("expiry_date", "production_date")
        }
    if kind == "packaging":
        kind_of = observed.get("type")
        return {
            "state": observed.get("state", ""),
            "type": PACKAGING_TYPES.name(kind_of) if kind_of else "",
        }
    if kind == "labels":
        return {"present": observed.get("present", [])}
    if kind == "identity":
        return {"value": observed.get("value", "")}
    if kind == "free" and "result" in observed:
        return {
            "result": "yes" if observed["result"] else "no",
            "note": observed["note"],
        }
    return {}


def _get(data, prefix: str, name: str) -> str:
    return (data.get(f"{prefix}-{name}") or "").strip()


def observed_from_post(checks, data) -> dict:
    """The ``observed`` payload of the rows of ``checks`` posted in ``data``."""
    observed: dict = {}
    for check in checks:
        rule = rules.rule_from_dict(check.rule)
        prefix, kind = check.key, rule.kind
        if kind == "weight":
            if value := _get(data, prefix, "weight_g"):
                observed["weight_g"] = value
        elif kind == "material":
            value = _get(data, prefix, "material")
            readings = {
                name: reading
                for name in rules.READINGS
                if (reading := _get(data, prefix, name))
            }
            if value or readings:
                observed["material"] = {"value": value or None, **readings}
        elif kind == "shelf_life":
            for name in ("expiry_date", "production_date", "gs1"):
                if value := _get(data, prefix, name):
                    observed[name] = value
        elif kind == "packaging":
            state = _get(data, prefix, "state")
            kind_of = _get(data, prefix, "type")
            if state or kind_of:
                observed["packaging"] = {"state": state or None}
                if kind_of:
                    observed["packaging"]["type"] = kind_of
        elif kind == "labels":
            # A submitted row always says which markings are present (maybe none).
            if f"{prefix}-labels-shown" in data:
                observed["labels"] = [
                    name for name in data.getlist(f"{prefix}-present") if name.strip()
                ]
        elif kind == "identity":
            if value := _get(data, prefix, "value"):
                observed[rule.params["field"]] = value
        else:  # free
            answer = _get(data, prefix, "result")
            if answer in ("yes", "no"):
                observed[rule.key] = {
                    "result": answer == "yes",
                    "note": _get(data, prefix, "note"),
                }
    return observed


def errors_by_check(checks, fields: dict) -> dict[str, str]:
    """A service's ``observed.<input>`` errors, keyed by the check they belong to."""
    owner = {}
    for check in checks:
        for name in rules.observation_keys(rules.rule_from_dict(check.rule)):
            owner[name] = check.key
    found: dict[str, str] = {}
    for name, messages in fields.items():
        key = name.rsplit(".", 1)[-1]
        check_key = owner.get(key)
        if check_key and messages:
            found.setdefault(check_key, str(messages[0]))
    return found
