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

import re
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


# --- a lot's sample as a table ------------------------------------------------------

# One request records at most this many units (the service's own limit).
MAX_TABLE_ROWS = 500

YES = {"yes", "y", "true", "1", "ok", "pass", "✓", "✔", "是", "合格", "通过", "对"}
NO = {"no", "n", "false", "0", "fail", "✗", "✘", "x", "否", "不合格", "不通过", "错"}
NONE_MARKED = {"-", "—", "none", "无"}
_LIST_SEPARATORS = re.compile(r"[,;、，；|/]")  # noqa: RUF001 - Chinese commas
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass
class SampleColumn:
    """One check of the template, as a column of the sample table."""

    key: str
    kind: str
    label: str
    hint: str
    mandatory: bool
    options: list = field(default_factory=list)  # names a cell may hold
    field_name: str = ""  # an identity check's claim key


@dataclass
class SampleCell:
    column: SampleColumn
    name: str
    value: str = ""
    error: str = ""


@dataclass
class SampleRow:
    unit: int
    cells: list

    @property
    def has_error(self) -> bool:
        return any(cell.error for cell in self.cells)


@dataclass
class SampleTable:
    """Rows of not-yet-recorded units by columns of checks, with their values
    and each bad cell's error (named by unit and column in ``errors``)."""

    columns: list
    rows: list
    errors: list = field(default_factory=list)  # (unit, column label, message)


def _column(row: CheckRow) -> SampleColumn:
    kind = row.rule.kind
    hints = {
        "weight": _("grams"),
        "shelf_life": _("expiry date, YYYY-MM-DD"),
        "packaging": _("state"),
        "labels": _("markings present, separated by commas"),
        "free": _("yes / no"),
    }
    options = []
    if kind in ("material", "packaging", "labels"):
        options = [name for _code, name in row.options]
    return SampleColumn(
        key=row.prefix,
        kind=kind,
        label=row.label,
        hint=str(hints.get(kind, "")),
        mandatory=bool(row.rule.mandatory),
        options=options,
        field_name=row.rule.params.get("field", "") if kind == "identity" else "",
    )


def sample_table(rows: list[CheckRow], units: list[int], data=None) -> SampleTable:
    """The sample table of ``units`` (one row each) by the checks' ``rows``,
    with the values posted in ``data`` (cells named ``u<unit>-<check key>``)."""
    columns = [_column(row) for row in rows]
    table_rows = []
    for unit in units:
        cells = []
        for column in columns:
            name = f"u{unit}-{column.key}"
            value = (data.get(name) or "").strip() if data is not None else ""
            cells.append(SampleCell(column=column, name=name, value=value))
        table_rows.append(SampleRow(unit=unit, cells=cells))
    return SampleTable(columns=columns, rows=table_rows)


def _date_text(text: str) -> str | None:
    """A date as a spreadsheet writes it (2029-06-30, 2029/6/30, 2029.06.30,
    2029年6月30日, 20290630) in ISO form, or None when it is not one."""
    found = _DATE.match(text) or _DATE_COMPACT.match(text)
    if not found:
        return None
    year, month, day = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _cell_observed(column: SampleColumn, text: str) -> dict:
    """The ``observed`` fragment of one cell, as the service's payload has it;
    ValueError with the sentence to show when the cell cannot be read."""
    kind = column.kind
    if kind == "weight":
        return {"weight_g": text}
    if kind == "material":
        return {"material": {"value": text}}
    if kind == "shelf_life":
        iso = _date_text(text)
        if iso is None and (text[:1] in "(]" or (text.isdigit() and len(text) > 8)):
            return {"gs1": text}  # a GS1 barcode scanned into the cell
        return {"expiry_date": iso or text}
    if kind == "packaging":
        return {"packaging": {"state": text}}
    if kind == "labels":
        if text.lower() in NONE_MARKED:
            return {"labels": []}
        names = [name.strip() for name in _LIST_SEPARATORS.split(text)]
        return {"labels": [name for name in names if name]}
    if kind == "identity":
        return {column.field_name: text}
    answer = text.lower()
    if answer not in YES | NO:
        raise ValueError(_("Enter yes or no."))
    return {column.key: {"result": answer in YES, "note": ""}}


def sample_units(table: SampleTable, checks, parse) -> list[dict]:
    """The filled rows of ``table`` as the service's ``units`` payload.

    A row left empty is skipped; every other row must have each mandatory
    check's cell, and every cell must read as its check's observation
    (``parse`` is the service's own parser of one ``observed`` payload). The
    bad cells get their error and are listed in ``table.errors``; the
    payload is returned only when there are none.
    """
    from warehouse.common.exceptions import InvalidInput

    owner = {}
    for check in checks:
        for name in rules.observation_keys(rules.rule_from_dict(check.rule)):
            owner[name] = check.key
    units = []
    for row in table.rows:
        if not any(cell.value for cell in row.cells):
            continue
        observed: dict = {}
        by_key = {cell.column.key: cell for cell in row.cells}
        for cell in row.cells:
            if not cell.value:
                if cell.column.mandatory:
                    cell.error = str(_("This check is mandatory."))
                continue
            try:
                observed.update(_cell_observed(cell.column, cell.value))
            except ValueError as exc:
                cell.error = str(exc)
        try:  # the cells read so far, so every bad cell of the row is named
            parse(checks, observed)
        except InvalidInput as exc:
            for name, messages in exc.fields.items():
                cell = by_key.get(owner.get(name.rsplit(".", 1)[-1]))
                if cell is not None and messages and not cell.error:
                    cell.error = str(messages[0])
            if not row.has_error:  # pragma: no cover - every field is a cell
                row.cells[0].error = exc.message
        if row.has_error:
            table.errors.extend(
                (row.unit, cell.column.label, cell.error)
                for cell in row.cells
                if cell.error
            )
        else:
            units.append({"unit": row.unit, "observed": observed})
    return [] if table.errors else units
