"""Inbound notices (ASN): a merchant announces a shipment, all or nothing."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb
from stdnum import ean as stdnum_ean

from warehouse.common.exceptions import Conflict, InvalidInput

from ..claims import (
    ClaimError,
    claim_checkers_for,
    claim_missing,
    claim_normalise,
)
from ..codes import item_code_new
from ..models import (
    ITEM_GONE_STATES,
    Category,
    CategoryFlow,
    InboundNotice,
    Item,
    ItemState,
    Merchant,
    Warehouse,
)
from ..vocabularies import CARRIERS, UnknownTerm
from ..vocabularies import categories as categories_vocabulary

MAX_ROW_ERRORS = 200
MAX_LOT_QUANTITY = 1_000_000
ITEM_INPUT_FIELDS = frozenset(
    ("sku", "title", "category", "serial", "gtin", "order_ref", "quantity", "claim")
)
ITEM_TEXT_LIMITS = {"sku": 64, "title": 200, "serial": 64, "order_ref": 64, "gtin": 14}


@dataclass
class _RowErrors:
    fields: dict = field(default_factory=dict)
    first: str = ""

    def add(self, line: int, name: str, message: str) -> None:
        key = f"items[{line}].{name}"
        if len(self.fields) < MAX_ROW_ERRORS:
            self.fields.setdefault(key, []).append(str(message))
        if not self.first:
            self.first = _("Item %(line)d, %(field)s: %(message)s") % {
                "line": line,
                "field": name,
                "message": message,
            }


def _text_field(row: dict, name: str, errors: _RowErrors, line: int, *, required: bool):
    value = row.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(line, name, _("Enter a text."))
        return ""
    value = value.strip()
    if "\x00" in value:
        errors.add(line, name, _("Null characters are not allowed."))
    elif required and not value:
        errors.add(line, name, _("This field is required."))
    elif len(value) > ITEM_TEXT_LIMITS[name]:
        errors.add(
            line,
            name,
            _("At most %(max)d characters.") % {"max": ITEM_TEXT_LIMITS[name]},
        )
    return value


def _category_of(text, categories: dict[str, Category], errors: _RowErrors, line):
    """The active category ``text`` names (its code, either name or a trade
    synonym), or None with the row's error listing the categories by name."""
    if isinstance(text, str) and text in categories:
        return categories[text]
    try:
        code = categories_vocabulary().resolve(
            text, within=tuple(categories), field="category"
        )
    except UnknownTerm as exc:
        errors.add(line, "category", exc.message)
        return None
    return categories[code]


def _item_rows_validate(*, rows: list, categories: dict[str, Category]) -> list[dict]:
    """Check every row; return them cleaned, or raise one error naming every bad row."""
    errors = _RowErrors()
    checkers = claim_checkers_for(list(categories.values()))
    cleaned: list[dict] = []
    seen_serials: dict[str, int] = {}
    for line, row in enumerate(rows):
        if not isinstance(row, dict):
            errors.add(line, "item", _("Each item must be an object."))
            continue
        for name in sorted(set(row) - ITEM_INPUT_FIELDS):
            errors.add(line, name, _("Unknown field."))
        item = {
            name: _text_field(
                row, name, errors, line, required=name in ("sku", "title")
            )
            for name in ("sku", "title", "serial", "gtin", "order_ref")
        }
        category = _category_of(row.get("category"), categories, errors, line)
        quantity = row.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            errors.add(line, "quantity", _("Enter a whole number of at least 1."))
            quantity = 1
        elif quantity > MAX_LOT_QUANTITY:
            errors.add(
                line,
                "quantity",
                _("At most %(max)d units in one lot.") % {"max": MAX_LOT_QUANTITY},
            )
            quantity = 1
        elif quantity > 1 and category and category.flow == CategoryFlow.ORDER_FIRST:
            errors.add(
                line,
                "quantity",
                _("Category %(code)s ships one item per order; quantity must be 1.")
                % {"code": category.code},
            )
        elif quantity > 1 and item["serial"]:
            errors.add(
                line, "serial", _("A lot of several units cannot carry one serial.")
            )
        if item["gtin"] and not (
            len(item["gtin"]) in (8, 12, 13, 14) and stdnum_ean.is_valid(item["gtin"])
        ):
            errors.add(
                line, "gtin", _("Not a valid GTIN (8, 12, 13 or 14 digits with check).")
            )
        elif item["gtin"]:
            item["gtin"] = item["gtin"].zfill(14)  # stored as GTIN-14, as scanned
        try:
            claim = claim_normalise(row.get("claim", {}))
        except ClaimError as exc:
            name = "claim" if exc.field == "claim" else f"claim.{exc.field}"
            errors.add(line, name, exc.message)
            claim = {}
        else:
            if category is not None and category.pk in checkers:
                for name, message in checkers[category.pk](claim, item):
                    errors.add(line, f"claim.{name}", message)
            elif category is not None:
                for name in claim_missing(claim, category.required_claims):
                    errors.add(line, f"claim.{name}", _("This claim is required."))
        if item["serial"]:
            if item["serial"] in seen_serials:
                errors.add(
                    line,
                    "serial",
                    _("Serial %(serial)s is already on item %(other)d of this notice.")
                    % {"serial": item["serial"], "other": seen_serials[item["serial"]]},
                )
            seen_serials.setdefault(item["serial"], line)
        item.update(line=line, category=category, quantity=quantity, claim=claim)
        cleaned.append(item)
    # Serials already in our care are caught by the database's unique
    # constraint at insert time; inbound_notice_create then names the rows.
    # (Asking first would cost a query over every serial on every notice.)
    if errors.fields:
        raise InvalidInput(errors.first, code="invalid_items", fields=errors.fields)
    return cleaned


def _serials_taken_check(*, merchant: Merchant, serials: dict, errors: _RowErrors):
    """Add an error for each serial (-> its line) already announced and still here."""
    if not serials:
        return
    taken = set(
        Item.objects.filter(merchant=merchant, serial__in=list(serials))
        .exclude(state__in=ITEM_GONE_STATES)
        .values_list("serial", flat=True)
    )
    for serial in sorted(taken, key=serials.get):
        errors.add(
            serials[serial],
            "serial",
            _("Serial %(serial)s is already announced and still in our care.")
            % {"serial": serial},
        )


def _reference_taken_check(*, merchant: Merchant, reference: str) -> None:
    if InboundNotice.objects.filter(merchant=merchant, reference=reference).exists():
        raise Conflict(
            _("Notice %(reference)s already exists.") % {"reference": reference},
            code="duplicate_reference",
            fields={"reference": [_("Already used by another notice of yours.")]},
        )


def inbound_notice_create(
    *,
    merchant: Merchant,
    warehouse_code: str,
    reference: str,
    items: list,
    carrier: str = "",
    tracking_number: str = "",
    actor,
) -> InboundNotice:
    """Announce a shipment: a notice and an ``announced`` item per row, all or nothing.

    Every row is checked first; if any is bad, nothing is written and the error
    names each bad row and field (``items[3].claim.weight_g``). Items are
    written in one go (COPY on PostgreSQL, ``bulk_create`` elsewhere); each
    gets the warehouse's own code. The announcement itself is the notice (who,
    when); the item's event history starts with its first change of state.
    """
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput(
            _("A reference is required."),
            fields={"reference": [_("This field is required.")]},
        )
    warehouse = Warehouse.objects.filter(code=warehouse_code, is_active=True).first()
    if warehouse is None:
        raise InvalidInput(
            _("Unknown warehouse %(code)r.") % {"code": warehouse_code},
            fields={"warehouse": [_("Unknown warehouse.")]},
        )
    if carrier:
        carrier = CARRIERS.resolve(carrier, field="carrier")
    if not isinstance(items, list) or not items:
        raise InvalidInput(
            _("A notice needs at least one item."), fields={"items": [_("Add items.")]}
        )
    if len(items) > settings.INBOUND_NOTICE_MAX_ITEMS:
        raise InvalidInput(
            _("A notice holds at most %(max)d items; split the shipment.")
            % {"max": settings.INBOUND_NOTICE_MAX_ITEMS},
            fields={"items": [_("Too many items.")]},
        )
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    rows = _item_rows_validate(rows=items, categories=categories)
    _reference_taken_check(merchant=merchant, reference=reference)

    now = timezone.now()
    actor_user = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            notice = InboundNotice.objects.create(
                merchant=merchant,
                warehouse=warehouse,
                reference=reference,
                carrier=carrier,
                tracking_number=(tracking_number or "").strip(),
                item_count=len(rows),
                created_by=actor_user,
                created_at=now,
            )
            created = _items_bulk_create(notice=notice, rows=rows, now=now)
    except IntegrityError:
        # A serial still in our care, or a race with a notice announced at the
        # same moment: these checks name the clash.
        _reference_taken_check(merchant=merchant, reference=reference)
        errors = _RowErrors()
        _serials_taken_check(
            merchant=merchant,
            serials={row["serial"]: row["line"] for row in rows if row["serial"]},
            errors=errors,
        )
        if errors.fields:
            raise InvalidInput(
                errors.first, code="invalid_items", fields=errors.fields
            ) from None
        raise Conflict(
            _("The notice clashed with another sent at the same time; send it again."),
            code="conflict",
        ) from None
    notice.created_rows = created
    return notice


def _items_bulk_create(*, notice: InboundNotice, rows: list[dict], now) -> list[dict]:
    """Insert the notice's items in one go; return each as a plain row.

    A (vanishingly rare) clash of random codes retries with new codes.
    """
    common = {
        "merchant_id": notice.merchant_id,
        "warehouse_id": notice.warehouse_id,
        "notice_id": notice.pk,
        "state": ItemState.ANNOUNCED,
        "created_at": now,
        "state_changed_at": now,
    }
    for _attempt in range(3):
        values = []
        for row in rows:
            value = {**common, **row, "code": item_code_new()}
            value["category_id"] = value.pop("category").pk
            values.append(value)
        try:
            with transaction.atomic():
                _items_insert(values)
            return values
        except IntegrityError:
            codes = [value["code"] for value in values]
            if (
                len(set(codes)) == len(codes)
                and not Item.objects.filter(code__in=codes).exists()
            ):
                raise
    raise Conflict(_("Could not allocate item codes; try again."))


def _items_insert(values: list[dict]) -> None:
    """Write new items given as ``{attname: value}`` (other fields: defaults).

    On PostgreSQL the rows go through COPY: 10,000 items take about a third of
    a second, where ``bulk_create`` spends over a second preparing values in
    Python alone. Elsewhere (SQLite) ``bulk_create`` writes them.
    """
    if connection.vendor != "postgresql":
        Item.objects.bulk_create([Item(**value) for value in values], batch_size=2000)
        return
    fields = [f for f in Item._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    names = [f.attname for f in fields]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(Item._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    # The raw psycopg cursor's errors are turned into Django's (IntegrityError).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for value in values:
            row = defaults | value
            copy.write_row(
                [
                    Jsonb(row[name]) if name in json_fields else row[name]
                    for name in names
                ]
            )
