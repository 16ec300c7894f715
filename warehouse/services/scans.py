"""Station scans: resolve a barcode, receive an item (or a buyer's return:
:mod:`.return_receiving`), bind tags (:mod:`.tags`), log every scan
(:mod:`.scan_log`); the tags' and the log's services are re-exported here."""

import functools
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from warehouse.common.access import Principal, Role
from warehouse.common.exceptions import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
)

from .. import lifecycle
from ..barcodes import Barcode, Kind, barcode_parse
from ..fastpath.refs import item_attach_references
from ..fastpath.statements import (
    item_by_code,
    items_in_scope,
    notice_progress_run,
)
from ..models import (
    ITEM_GONE_STATES,
    Item,
    Location,
    ScanLog,
    Tag,
)
from .return_receiving import (
    RETURN_SCANNED,
    return_items_by_tracking,
    return_receive,
)
from .scan_log import scan_log_purge, scan_log_write
from .tags import seal_bind, tag_bind

if TYPE_CHECKING:
    from ..extensions import ScanActionHandler


def _single(queryset) -> Item | None:
    return next(iter(queryset[:1]), None)


def item_resolve(*, barcode: Barcode, principal: Principal, lock: bool = False) -> Item:
    """The item a scanned barcode names, among those ``principal`` may see.

    With ``lock`` (inside a transaction) the item's row is read
    ``FOR UPDATE``, ready for a lifecycle move. Raises :class:`NotFound` for
    unknown or out-of-scope items, :class:`Conflict` when a serial matches
    several items, and :class:`InvalidInput` for a mistyped item code.
    """
    items = items_in_scope(principal, lock) if barcode.kind != Kind.CODE else None
    if barcode.kind == Kind.CODE:
        item = item_by_code(principal, barcode.value, lock=lock)
    elif barcode.kind == Kind.GS1:
        item = _one(
            items.filter(serial=barcode.serial)
            if barcode.serial
            else items.filter(gtin=barcode.gtin),
            barcode,
        )
        if item and barcode.gtin and item.gtin and item.gtin != barcode.gtin:
            facts = {"scanned": barcode.gtin, "announced": item.gtin}
            raise Conflict(
                _(
                    "The barcode's GTIN %(scanned)s differs from the announced "
                    "%(announced)s."
                )
                % facts,
                code="gtin_mismatch",
                params=facts,
            )
    else:
        tag = (
            Tag.objects.filter(value=barcode.value)
            .values_list("item_id", flat=True)
            .first()
        )
        if tag is not None:
            item = _single(items.filter(pk=tag))
        else:
            item = _one(items.filter(serial=barcode.value), barcode)
        if item is None and barcode.code_check_failed:
            raise InvalidInput(
                _(
                    "%(code)s is not a valid item code: its check character is wrong. "
                    "Rescan or retype it."
                )
                % {"code": barcode.value},
                code="barcode_check_digit",
            )
    if item is None:
        raise NotFound(
            _("No item for barcode %(barcode)s.") % {"barcode": barcode.value},
            code="item_not_found",
        )
    return item_attach_references(item)


def _one(queryset, barcode: Barcode) -> Item | None:
    found = list(queryset.exclude(state__in=ITEM_GONE_STATES)[:2])
    if len(found) > 1:
        facts = {"serial": barcode.serial or barcode.value}
        raise Conflict(
            _("Serial %(serial)s matches several items; scan the item code instead.")
            % facts,
            code="ambiguous_barcode",
            params=facts,
        )
    return found[0] if found else None


def item_receive_scan(
    *,
    item: Item,
    principal: Principal,
    barcode: Barcode,
    tag: str = "",
    location_barcode: str = "",
    locked: bool = False,
    client_address: str | None = None,
) -> Item:
    """A receiving station takes an announced item in: announced → received.

    Optionally binds a pre-printed ``tag`` to it (single use) and records the
    ``location`` it was put in. The notice moves to ``receiving``, or to
    ``received`` once none of its items is still announced. The accepted scan
    is logged in the same transaction; all of it happens, or none. ``locked``:
    the caller read ``item`` with :func:`item_resolve` ``(lock=True)`` in its
    own transaction, which a refusal here leaves to the caller to roll back.
    """
    station = principal.station
    location = None
    if location_barcode:
        location = Location.objects.filter(
            barcode=location_barcode, warehouse_id=item.warehouse_id
        ).first()
        if location is None:
            raise NotFound(
                _("No location %(barcode)s in this warehouse.")
                % {"barcode": location_barcode},
                code="location_not_found",
            )
    payload = {"barcode": barcode.raw}
    if barcode.kind == Kind.GS1:
        payload["gs1"] = barcode.gs1_summary()
    # A caller holding the lock owns the transaction (and rolls it back on a
    # refusal): no savepoint of our own then.
    with transaction.atomic(savepoint=not locked):
        if tag:  # first: a refused tag leaves the caller's item untouched
            tag_bind(item=item, value=tag, principal=principal)
        item = lifecycle.item_receive(
            item=item,
            actor=principal.user,
            station=station,
            location=location,
            payload=payload,
            locked=locked,
        )
        _notice_progress(item.notice_id)
        scan_log_write(
            principal=principal,
            barcode=barcode.raw,
            action=SCAN_RECEIVE,
            outcome=ScanLog.Outcome.ACCEPTED,
            item=item,
            client_address=client_address,
        )
    return item


def return_receive_scan(
    *,
    items: list[Item],
    principal: Principal,
    barcode: Barcode,
    tracking: str = "",
    client_address: str | None = None,
) -> Item:
    """A receiving station takes a buyer's return in: its ``items`` (read
    ``FOR UPDATE`` in the caller's transaction, all of one parcel when its
    ``tracking`` number was scanned) become ``return_received``
    (:func:`~warehouse.services.return_receiving.return_receive`), and the
    accepted scan is logged; the first item moved is the answer, with what
    was received in its ``buyer_return``. A tag or location sent with the
    scan is not recorded: the item goes on to its return inspection.
    """
    received = return_receive(
        items=items, principal=principal, barcode=barcode, tracking=tracking
    )
    scan_log_write(
        principal=principal,
        barcode=barcode.raw,
        action=SCAN_RECEIVE,
        outcome=ScanLog.Outcome.ACCEPTED,
        item=received[0],
        client_address=client_address,
    )
    return received[0]


SCAN_LOOKUP = "lookup"
SCAN_RECEIVE = "receive"
SCAN_PACK = "pack"
SCAN_RELEASE = "release"
# The station contract's actions (DESIGN.md section 5); pack and release are
# carried out by the fulfilment app through :func:`scan_action_register`.
SCAN_ACTIONS = (SCAN_RECEIVE, SCAN_LOOKUP, SCAN_PACK, SCAN_RELEASE)
RECEIVE_ROLES = (Role.STATION, Role.SUPERVISOR, Role.ADMIN)
# The optional fields of a scan that an action's handler takes, as keywords.
SCAN_FIELDS = {SCAN_PACK: ("seal",)}


def _lookup(principal: Principal, barcode: Barcode) -> Item:
    return item_resolve(barcode=barcode, principal=principal)


# Every action but receive (which holds its own transaction and log).
_scan_handlers: dict[str, "ScanActionHandler"] = {SCAN_LOOKUP: _lookup}


def scan_action_register(action: str, handler: "ScanActionHandler") -> None:
    """Let another app carry out scans of ``action`` (one of SCAN_ACTIONS).

    ``handler(principal, barcode, **fields)`` does the work in its own
    transaction and returns the item, or raises a domain error; the scan is
    logged either way (:class:`~warehouse.extensions.ScanActionHandler`).
    ``fields`` are the scan's optional fields the action takes
    (:data:`SCAN_FIELDS`: a pack's ``seal``), those sent.
    """
    if action not in SCAN_ACTIONS or action in (SCAN_RECEIVE, SCAN_LOOKUP):
        raise ValueError(f"Cannot register scan action {action!r}.")
    _scan_handlers[action] = handler


def scan_action_handlers() -> dict[str, "ScanActionHandler"]:
    """The handler of each action but receive (lookup's is the warehouse's own)."""
    return dict(_scan_handlers)


def scan_process(
    *,
    principal: Principal,
    barcode: str,
    action: str,
    tag: str = "",
    location: str = "",
    seal: str = "",
    client_address: str | None = None,
) -> tuple[Item, Barcode]:
    """Carry out one station scan and log it, accepted or refused.

    ``lookup`` resolves the barcode to an item; ``receive`` also takes the
    item in (see :func:`item_receive_scan`), or a buyer's return (by its
    tracking number or an item code: :func:`return_receive_scan`); ``pack``
    takes the anti-swap ``seal`` bound to the item. A refusal is logged with
    its error code, then re-raised for the API to answer. ``client_address``
    (where the scan came from) goes to the log.
    """
    item = None
    try:
        parsed = barcode_parse(barcode)
        fields = {"seal": seal} if seal else {}
        if any(name not in SCAN_FIELDS.get(action, ()) for name in fields):
            raise InvalidInput(
                _("A seal is bound by a pack scan only."),
                code="invalid",
                fields={"seal": [_("Only with the pack action.")]},
            )
        if action == SCAN_RECEIVE:
            if principal.role not in RECEIVE_ROLES:
                item = item_resolve(barcode=parsed, principal=principal)  # for the log
                raise Forbidden(
                    _("Only a station or a supervisor receives items."),
                    code="role_cannot_receive",
                )
            with transaction.atomic():
                # Found and locked in one read; the lifecycle needs no second.
                try:
                    item = item_resolve(barcode=parsed, principal=principal, lock=True)
                except (NotFound, InvalidInput):
                    # No item by that name: a buyer's return's tracking number?
                    if parsed.kind != Kind.TEXT:
                        raise
                    items = return_items_by_tracking(
                        principal=principal, value=parsed.value
                    )
                    if not items:
                        raise
                    item = items[0]
                    item = return_receive_scan(
                        items=items,
                        principal=principal,
                        barcode=parsed,
                        tracking=parsed.value,
                        client_address=client_address,
                    )
                else:
                    if item.state in RETURN_SCANNED:  # a buyer's return
                        item = return_receive_scan(
                            items=[item],
                            principal=principal,
                            barcode=parsed,
                            client_address=client_address,
                        )
                    else:
                        item = item_receive_scan(
                            item=item,
                            principal=principal,
                            barcode=parsed,
                            tag=tag,
                            location_barcode=location,
                            locked=True,
                            client_address=client_address,
                        )
        elif action in _scan_handlers:
            item = _scan_handlers[action](principal, parsed, **fields)
            scan_log_write(
                principal=principal,
                barcode=barcode,
                action=action,
                outcome=ScanLog.Outcome.ACCEPTED,
                item=item,
                client_address=client_address,
            )
        else:
            raise InvalidInput(
                _("Unknown scan action %(action)r.") % {"action": action},
                code="invalid",
                fields={"action": [_("Choose one of: %s.") % ", ".join(SCAN_ACTIONS)]},
            )
    except DomainError as exc:
        scan_log_write(
            principal=principal,
            barcode=barcode,
            action=action,
            outcome=ScanLog.Outcome.REFUSED,
            item=item,
            error_code=exc.code,
            error_params=exc.params,
            message=exc.message,
            client_address=client_address,
        )
        raise
    return item, parsed


def _notice_progress(notice_id: int) -> None:
    """Move the notice to ``receiving``/``received``, in one statement.

    The row is written only when its status changes (first receipt, last
    receipt), so stations receiving one shipment do not queue on it (a count
    of items left on the notice would make them all queue on its row). "Is
    any item still announced?" reads the notice's first announced line from
    the partial index ``item_notice_announced_line_idx``, whatever the size of
    the notice. Plain SQL (:func:`~warehouse.fastpath.statements.notice_progress_run`):
    it runs on every receive, and compiling the equivalent ORM update cost
    more than running it.

    Stations receiving a notice's last items at the same moment each see the
    others' items still announced (not yet committed), so none of them would
    complete the notice. The same statement runs again once this transaction
    has committed: the last of them to commit then sees every item received.
    """
    notice_progress_run(notice_id)
    transaction.on_commit(
        functools.partial(notice_progress_run, notice_id), robust=True
    )


__all__ = [
    "RECEIVE_ROLES",
    "SCAN_ACTIONS",
    "SCAN_FIELDS",
    "SCAN_LOOKUP",
    "SCAN_PACK",
    "SCAN_RECEIVE",
    "SCAN_RELEASE",
    "item_receive_scan",
    "item_resolve",
    "return_receive_scan",
    "scan_action_handlers",
    "scan_action_register",
    "scan_log_purge",
    "scan_log_write",
    "scan_process",
    "seal_bind",
    "tag_bind",
]
