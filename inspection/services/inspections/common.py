"""What every step of an inspection shares.

Who may act, the rows a step acts on (the item locked first, the inspection
second: always in that order, so two stations acting on one item queue
instead of deadlocking), a typed note's checks, values as JSON stores them
and the dates the rules need.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from warehouse.common.access import Principal, Role, tenant_scope
from warehouse.common.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from warehouse.models import Item, ItemState, Station

from ... import rules
from ...models import Inspection

INSPECTOR_ROLES = (Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN)
SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
MAX_NOTE = 2000

S = ItemState
ACTIVE = (Inspection.Status.OPEN, Inspection.Status.AWAITING_SIGNOFF)


# --- who may act ----------------------------------------------------------------------


def inspector_required(principal: Principal) -> None:
    """Inspectors, supervisors, admins and inspection stations inspect."""
    if principal.role in INSPECTOR_ROLES:
        return
    if principal.role == Role.STATION:
        if principal.station.kind == Station.Kind.INSPECTION:
            return
        raise Forbidden(
            _(
                "Station %(code)s is a %(kind)s station; inspections need an "
                "inspection station."
            )
            % {
                "code": principal.station.code,
                "kind": principal.station.get_kind_display(),
            },
            code="wrong_station_kind",
        )
    raise Forbidden(_("Your role may not inspect items."))


def person_required(principal: Principal, what: str) -> None:
    """Sign-off and hold decisions are made by people, not stations."""
    allowed = SUPERVISOR_ROLES if what == "decide" else INSPECTOR_ROLES
    if principal.role not in allowed:
        if what == "decide":
            raise Forbidden(_("Only a supervisor may decide on a held item."))
        raise Forbidden(_("Only an inspector or supervisor may sign off."))


def _judges_of(inspection: Inspection) -> set[int]:
    """Who judged the inspection an appeal re-examines: they may not judge again."""
    if inspection.reason != Inspection.Reason.APPEAL or inspection.previous is None:
        return set()
    previous = inspection.previous
    return {pk for pk in (previous.completed_by_id, previous.signed_off_by_id) if pk}


def not_a_previous_judge(inspection: Inspection, actor) -> None:
    if actor.pk in _judges_of(inspection):
        raise Forbidden(
            _(
                "You judged the inspection this appeal re-examines; a different "
                "inspector must do the re-inspection."
            ),
            code="appeal_needs_other_inspector",
        )


# --- reading and locking --------------------------------------------------------------


def item_locked(principal: Principal, code: str) -> Item:
    item = (
        tenant_scope(Item.objects.select_for_update(of=("self",)), principal)
        .select_related("warehouse", "category")
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound(_("No item %(code)s.") % {"code": code}, code="item_not_found")
    return item


def inspection_locked(principal: Principal, inspection_id: int) -> Inspection:
    """The inspection, its item locked first, then itself; 404 when not visible."""
    return row_locked_with_item(
        Inspection.objects.select_related("template", "previous"),
        principal,
        inspection_id,
        NotFound(
            _("No inspection %(id)s.") % {"id": inspection_id},
            code="inspection_not_found",
        ),
    )


def row_locked_with_item(queryset, principal: Principal, pk: int, missing):
    """The row ``pk`` of ``queryset`` (of a model with an ``item``): its item
    locked first, then the row, the order every writer of an item's records
    keeps; ``missing`` (a NotFound) raised when ``principal`` may not see it."""
    code = (
        tenant_scope(queryset.model.objects.all(), principal, via="item__")
        .filter(pk=pk)
        .values_list("item__code", flat=True)
        .first()
    )
    if code is None:
        raise missing
    item = item_locked(principal, code)
    row = queryset.select_for_update(of=("self",)).get(pk=pk)
    row.item = item
    return row


def inspection_active(item: Item) -> Inspection | None:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("template", "previous")
        .filter(item=item, status__in=ACTIVE)
        .first()
    )


def inspection_last_closed(item: Item) -> Inspection:
    """The item's last closed inspection, locked (a held or failed item has one)."""
    inspection = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("template")
        .filter(item=item, status=Inspection.Status.CLOSED)
        .order_by("-number")
        .first()
    )
    if inspection is None:  # pragma: no cover - the state says there is one
        raise Conflict(
            _("Item %(code)s has no closed inspection.") % {"code": item.code}
        )
    inspection.item = item
    return inspection


def require_open(inspection: Inspection) -> None:
    if inspection.status != Inspection.Status.OPEN:
        raise Conflict(
            _(
                "Inspection #%(number)d of %(code)s is %(status)s; it takes no more "
                "observations."
            )
            % {
                "number": inspection.number,
                "code": inspection.item.code,
                "status": inspection.get_status_display(),
            },
            code="inspection_not_open",
            fields={"status": inspection.status},
        )


def require_judgeable(inspection: Inspection, actor) -> None:
    """The inspection takes observations and a verdict, from this person."""
    require_open(inspection)
    not_a_previous_judge(inspection, actor)


def station_of(principal: Principal) -> Station | None:
    """The station acting, or None when a person acts."""
    return principal.station if principal.role == Role.STATION else None


# --- notes, values and rules ---------------------------------------------------------


def note_clean(value, field: str = "notes", *, required: bool = False) -> str:
    """A typed note, stripped; refused when not text, holding NUL or too long."""
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidInput(_("Enter a text."), fields={field: [_("Enter a text.")]})
    value = value.strip()
    if required and not value:
        raise InvalidInput(
            _("A reason is required."), fields={field: [_("This field is required.")]}
        )
    if len(value) > MAX_NOTE:
        raise InvalidInput(
            _("At most %(max)d characters.") % {"max": MAX_NOTE},
            fields={field: [_("Too long.")]},
        )
    return value


def typed_language(text: str) -> str:
    """The language ``text`` was typed in: the typist's (the request's active
    language at save time), stored beside the text so pages mark it with
    its ``lang``; empty for no text."""
    return (translation.get_language() or "") if text else ""


def typed_params(name: str, text: str) -> dict:
    """An event's typed parameter with its language (``{"reason": text,
    "lang": "zh-hans"}``; the ``event_reason`` tag marks the text with it)."""
    params = {name: text}
    if text:
        params["lang"] = typed_language(text)
    return params


def rule_context(item: Item) -> rules.Context:
    """Dates the rules need, in the item's warehouse's time zone."""
    zone = item.warehouse.tzinfo
    received = item.received_at.astimezone(zone).date() if item.received_at else None
    return rules.Context(
        received_on=received, today=timezone.now().astimezone(zone).date()
    )


def inspection_rules(inspection: Inspection) -> list[rules.Rule]:
    """The rules the inspection is judged by: the copies kept on its checks."""
    return [rules.rule_from_dict(check.rule) for check in inspection.checks.all()]


def json_plain(value):
    """A value as JSON stores it (dates become ISO strings)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: json_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_plain(v) for v in value]
    return value
