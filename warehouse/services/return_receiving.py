"""Receiving a buyer's return at the receive scan (DESIGN.md section 5).

The receive scan takes a buyer's return parcel in by one of two barcodes:

- the tracking number of a return notice (``POST /api/v1/returns/``): every
  item of the notice still ``return_expected`` becomes ``return_received``
  (:func:`return_items_by_tracking`, then :func:`return_receive`);
- an item code: an item ``return_expected`` is received on its notice; a
  ``released`` item no notice announced is received as an unannounced
  return, with a notice of its own (``unannounced``, no return id) that a
  later notice from the platform takes over.

These run only when the ordinary receive found no announced item: the scan
of an announced item costs what it did (``tests/warehouse/test_query_counts.py``).
The items are read ``FOR UPDATE`` before anything is decided, so two
stations receiving one parcel at once make one move: the later one finds
the items received and is refused by the lifecycle's table, as a second
receive of an announced item is.
"""

from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict

from .. import lifecycle
from ..barcodes import Barcode
from ..fastpath.refs import item_attach_references
from ..fastpath.statements import items_in_scope
from ..models import Item, ItemState, ReturnNotice, ReturnNoticeItem
from ..states import ITEM_BUYER_RETURN_STATES, ITEM_GONE_STATES

S = ItemState

# The states a receive scan moves to ``return_received``.
RETURN_RECEIVABLE = (S.RETURN_EXPECTED, S.RELEASED)
# The states in which a receive scan takes the item for a buyer's return:
# those it receives, and those of a return already received (which the
# lifecycle's table refuses, naming the state).
RETURN_SCANNED = (*RETURN_RECEIVABLE, *ITEM_BUYER_RETURN_STATES[1:])


def return_items_by_tracking(*, principal: Principal, value: str) -> list[Item]:
    """The items, locked, of the buyer's returns whose tracking number is
    ``value``, among those ``principal`` may see; empty when there are none.

    The notices are found by the partial index on their tracking number
    (``buyer_return_tracking``), then their items read ``FOR UPDATE`` in
    id order (any state: a parcel received meanwhile is seen as received),
    with their reference rows as :func:`~warehouse.services.item_resolve`
    gives them.
    """
    notices = ReturnNotice.objects.filter(tracking_number=value).exclude(
        tracking_number=""
    )
    lines = ReturnNoticeItem.objects.filter(
        notice__in=Subquery(notices.values("pk"))
    ).values("item_id")
    items = items_in_scope(principal, lock=True).filter(pk__in=Subquery(lines))
    return [item_attach_references(item) for item in items.order_by("pk")]


def _open_lines(items: list[Item], tracking: str = "") -> dict[int, ReturnNoticeItem]:
    """Each item's line on its open (not yet received) return notice."""
    lines = (
        ReturnNoticeItem.objects.filter(
            item__in=[item.pk for item in items],
            received_at=None,
            notice__unannounced=False,
        )
        .select_related("notice")
        .order_by("item_id", "-notice__created_at", "-id")
    )
    if tracking:
        lines = lines.filter(notice__tracking_number=tracking)
    found: dict[int, ReturnNoticeItem] = {}
    for line in lines:
        found.setdefault(line.item_id, line)
    return found


def return_serial_refusal(item: Item) -> Conflict | None:
    """Why a sold ``item`` cannot come back, or None: its merchant's serial
    is on another item in the warehouse now (a serial is one item's while it
    is here), which the item's return would duplicate."""
    if not item.serial:
        return None
    other = (
        Item.objects.filter(merchant_id=item.merchant_id, serial=item.serial)
        .exclude(pk=item.pk)
        .exclude(state__in=ITEM_GONE_STATES)
        .values_list("code", flat=True)
        .first()
    )
    if other is None:
        return None
    params = {"item": item.code, "serial": item.serial, "other": other}
    return Conflict(
        _(
            "Item %(item)s cannot come back: its serial %(serial)s is on item "
            "%(other)s, in the warehouse now."
        )
        % params,
        code="return_serial_in_use",
        params=params,
    )


def return_receive(
    *,
    items: list[Item],
    principal: Principal,
    barcode: Barcode,
    tracking: str = "",
) -> list[Item]:
    """Receive a buyer's return: ``items`` (read ``FOR UPDATE`` by the caller,
    in its transaction) become ``return_received``; return those moved.

    An item ``return_expected`` is received on its open notice (the one
    with ``tracking`` when the parcel's tracking number was scanned): the
    line records when and at which station (reason ``return_received``). A
    ``released`` item is an unannounced return: a notice (``unannounced``,
    no return id) and its line are made for it (reason
    ``return_received_unannounced``). Items in other states are left alone;
    when none is receivable the lifecycle's refusal of the first is raised
    (a parcel already received: ``invalid_transition``, state
    ``return_received``).

    The first item moved carries ``buyer_return``, what the scan's answer
    says of the return: its return id (empty when unannounced), whether it
    came unannounced, the tracking number scanned and the items' codes.
    """
    receivable = [item for item in items if item.state in RETURN_RECEIVABLE]
    if not receivable:
        raise lifecycle.item_refusal(items[0], S.RETURN_RECEIVED)
    now = timezone.now()
    station = principal.station
    actor = principal.user if getattr(principal.user, "pk", None) else None
    payload = {"barcode": barcode.raw}
    expected = [item for item in receivable if item.state == S.RETURN_EXPECTED]
    lines = _open_lines(expected, tracking) if expected else {}
    if lines:
        ReturnNoticeItem.objects.filter(
            pk__in=[line.pk for line in lines.values()]
        ).update(received_at=now, received_station=station)
    summary = {"return_id": "", "unannounced": False, "tracking_number": tracking}
    for item in receivable:
        if item.state == S.RELEASED and (refusal := return_serial_refusal(item)):
            raise refusal
    for item in receivable:
        if item.state == S.RELEASED:
            notice = ReturnNotice.objects.create(
                unannounced=True,
                merchant_id=item.merchant_id,
                warehouse_id=item.warehouse_id,
                order_ref=item.order_ref,
                created_by=actor,
                created_at=now,
            )
            ReturnNoticeItem.objects.create(
                notice=notice, item=item, received_at=now, received_station=station
            )
            code, params = "return_received_unannounced", {}
            summary["unannounced"] = True
        else:
            line = lines.get(item.pk)
            return_id = line.notice.return_id if line else ""
            code, params = "return_received", {"return_id": return_id}
            summary["return_id"] = summary["return_id"] or return_id
        lifecycle.item_return_receive(
            item=item,
            actor=actor,
            station=station,
            reason_code=code,
            reason_params=params,
            payload=payload,
        )
    summary["items"] = [item.code for item in receivable]
    receivable[0].buyer_return = summary
    return receivable


__all__ = [
    "RETURN_RECEIVABLE",
    "RETURN_SCANNED",
    "return_items_by_tracking",
    "return_receive",
    "return_serial_refusal",
]
