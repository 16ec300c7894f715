"""The platform's notice of a buyer's return: accept it (idempotent on the
platform's return id), all of it or nothing.

Each item named must be on the order and with a buyer (``released``), within
its category's return window counted from delivery in the warehouse's time
zone, and, returned opened with no reason, of a category that takes opened
goods back. An accepted item moves ``released → return_expected``; an item
received already as an unannounced return (its parcel came first) is not
moved: the notice receiving made for it is taken over (the platform's id,
reason, carrier …).
"""

import datetime as dt
import hashlib
import json

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal, Role
from warehouse.common.exceptions import Conflict, Forbidden, InvalidInput
from warehouse.models import (
    Item,
    ItemEvent,
    ItemState,
    ReturnNotice,
    ReturnNoticeItem,
    ReturnReason,
)
from warehouse.services.return_receiving import return_serial_refusal
from warehouse.states import ITEM_BUYER_RETURN_STATES

from ...models import Allocation, Order, OrderLine

S = ItemState
RETURN_ROLES = (Role.PLATFORM, Role.ADMIN)


def return_sender_check(*, principal: Principal) -> None:
    """Refuse anyone but the platform (or an admin) announcing returns."""
    if principal.role not in RETURN_ROLES:
        raise Forbidden(
            _("Only the platform announces buyers' returns."),
            code="role_cannot_announce_return",
        )


def return_window_end(
    delivered_at: dt.datetime, days: int, tzinfo: dt.tzinfo
) -> tuple[dt.date, dt.date, dt.datetime]:
    """(delivered local date, last day, first refused moment) of a return window.

    The window is counted in calendar days of the warehouse's time zone: a
    return may be announced through 23:59:59 local time of the delivery's
    local date plus ``days``, and is refused from the next local midnight.
    """
    delivered = delivered_at.astimezone(tzinfo).date()
    last_day = delivered + dt.timedelta(days=days)
    closes = dt.datetime.combine(
        last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tzinfo
    )
    return delivered, last_day, closes


def _fingerprint(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _return_id_lock(return_id: str) -> None:
    """Serialise requests announcing one return id (PostgreSQL; SQLite has one
    writer at a time, and the unique constraint behind it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('buyer_return:' || %s))",
                [return_id],
            )


def return_notice_create(
    *, principal: Principal, data: dict
) -> tuple[ReturnNotice, bool]:
    """Accept the platform's notice of a buyer's return; (notice, created).

    ``data`` is the validated request (``ReturnNoticeInput``): ``return_id``,
    ``order``, ``items`` (``[{"item", "opened"}]``), ``reason`` and
    ``carrier`` (codes), ``buyer_note``, ``tracking_number``,
    ``delivered_at``. The same ``return_id`` with the same content answers
    the notice stored (a repeat); with other content it is a 409
    ``return_id_reused``. One item refused refuses the notice: nothing is
    written.
    """
    return_sender_check(principal=principal)
    try:
        return _create(principal, data)
    except IntegrityError:
        # The id stored meanwhile by another request (no advisory lock to
        # queue on: SQLite): judged again, a repeat or a conflict.
        return _create(principal, data)


def _create(principal: Principal, data: dict) -> tuple[ReturnNotice, bool]:
    fingerprint = _fingerprint(data)
    with transaction.atomic():
        _return_id_lock(data["return_id"])
        stored = ReturnNotice.objects.filter(return_id=data["return_id"]).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise Conflict(
                    _("Return %(return_id)s was already announced with other content.")
                    % {"return_id": stored.return_id},
                    code="return_id_reused",
                    fields={"return_id": [stored.return_id]},
                    params={"return_id": stored.return_id},
                )
            return stored, False
        now = timezone.now()
        if data["delivered_at"] > now:
            message = _("The delivery time is in the future.")
            raise InvalidInput(
                message,
                code="return_delivered_in_future",
                fields={"delivered_at": [message]},
            )
        order = (
            Order.objects.select_related("merchant", "warehouse")
            .filter(external_id=data["order"])
            .first()
        )
        if order is None:
            message = _("No order %(order)s.") % {"order": data["order"]}
            raise InvalidInput(
                message,
                code="return_order_unknown",
                fields={"order": [message]},
                params={"order": data["order"]},
            )
        judged = _Judge(order, data, now).items()
        return _write(principal, order, data, fingerprint, judged), True


class _Judge:
    """Each item of a notice, judged before anything is written: on the
    order, with a buyer, delivered after its release, within its window and
    the opened-goods rule. Raises the first refusal."""

    def __init__(self, order: Order, data: dict, now: dt.datetime):
        self.order, self.data, self.now = order, data, now
        lines = data["items"]
        codes = [line["item"] for line in lines]
        seen: set[str] = set()
        for index, code in enumerate(codes):
            if code in seen:
                self._invalid(
                    index,
                    _("Item %(item)s is named twice.") % {"item": code},
                    "return_item_twice",
                    {"item": code},
                )
            seen.add(code)
        on_order = set(
            OrderLine.objects.filter(order=order, item_code__in=codes).values_list(
                "item_code", flat=True
            )
        ) | set(
            Allocation.objects.filter(
                line__order=order, item__code__in=codes, cancelled_at=None
            ).values_list("item__code", flat=True)
        )
        # Locked, in pk order: two notices naming one item serialise here.
        self.found = {
            item.code: item
            for item in Item.objects.select_related("category")
            .select_for_update(of=("self",))
            .filter(code__in=on_order, merchant_id=order.merchant_id)
            .order_by("pk")
        }
        self.released_at = dict(
            ItemEvent.objects.filter(
                item__in=list(self.found.values()), to_state=S.RELEASED
            )
            .values("item_id")
            .annotate(at=Max("at"))
            .values_list("item_id", "at")
        )
        self.open_lines = {}
        returning = [
            i for i in self.found.values() if i.state in ITEM_BUYER_RETURN_STATES
        ]
        for line in (
            ReturnNoticeItem.objects.select_related("notice")
            .filter(item__in=returning)
            .order_by("item_id", "-id")
        ):
            self.open_lines.setdefault(line.item_id, line)

    def items(self) -> list[tuple[dict, Item, ReturnNoticeItem | None]]:
        """``(line, item, unannounced line to take over or None)`` per item."""
        return [
            self._judge(index, line) for index, line in enumerate(self.data["items"])
        ]

    def _invalid(self, index: int, message: str, code: str, params: dict):
        raise InvalidInput(
            message,
            code=code,
            fields={f"items[{index}].item": [message]},
            params=params,
        )

    def _conflict(self, index: int, message: str, code: str, params: dict):
        raise Conflict(
            message,
            code=code,
            fields={f"items[{index}].item": [message]},
            params=params,
        )

    def _judge(self, index: int, line: dict):
        code = line["item"]
        item = self.found.get(code)
        if item is None:
            self._invalid(
                index,
                _("Item %(item)s is not on order %(order)s.")
                % {"item": code, "order": self.order.external_id},
                "return_item_not_on_order",
                {"item": code, "order": self.order.external_id},
            )
        takeover = None
        if item.state in ITEM_BUYER_RETURN_STATES:
            open_line = self.open_lines.get(item.pk)
            notice = open_line.notice if open_line else None
            if (
                notice is None
                or notice.return_id
                or not notice.unannounced
                or item.state == S.RETURN_EXPECTED
            ):
                self._conflict(
                    index,
                    _("Item %(item)s is already on an open return %(return_id)s.")
                    % {"item": code, "return_id": notice.return_id if notice else ""},
                    "return_already_open",
                    {"item": code, "return_id": notice.return_id if notice else ""},
                )
            takeover = open_line
        elif item.quantity > 1:
            # Units leave a lot in parcels while the lot stays on the shelf:
            # no unit has a code or a state of its own to follow back.
            self._conflict(
                index,
                _(
                    "Item %(item)s is a lot of %(units)d units; a buyer's return is "
                    "taken for an item that left as itself, not for units taken "
                    "from a lot."
                )
                % {"item": code, "units": item.quantity},
                "return_lot_units",
                {"item": code, "units": item.quantity},
            )
        elif lifecycle.item_refusal(item, S.RETURN_EXPECTED) is not None:
            # The table's answer: only a released item may be expected back.
            self._conflict(
                index,
                _("Item %(item)s is not with a buyer: it is %(state)s.")
                % {"item": code, "state": item.get_state_display()},
                "return_item_not_released",
                {"item": code, "state": item.state},
            )
        if takeover is None and (refusal := return_serial_refusal(item)):
            self._conflict(index, refusal.message, refusal.code, refusal.params)
        self._delivery(index, item)
        self._opened(index, line, item)
        return line, item, takeover

    def _delivery(self, index: int, item: Item) -> None:
        delivered_at = self.data["delivered_at"]
        released_at = self.released_at.get(item.pk)
        if released_at is not None and delivered_at < released_at:
            message = _(
                "Item %(item)s was released on %(released)s, after the delivery time."
            ) % {"item": item.code, "released": released_at.isoformat()}
            raise InvalidInput(
                message,
                code="return_delivered_before_release",
                fields={"delivered_at": [message]},
                params={"item": item.code, "released": released_at.isoformat()},
            )
        days = item.category.return_window_days
        delivered, last_day, closes = return_window_end(
            delivered_at, days, self.order.warehouse.tzinfo
        )
        if self.now >= closes:
            params = {
                "item": item.code,
                "delivered": delivered.isoformat(),
                "days": days,
                "last_day": last_day.isoformat(),
            }
            self._conflict(
                index,
                _(
                    "Item %(item)s: the return window of %(days)s days after "
                    "delivery on %(delivered)s closed at the end of %(last_day)s."
                )
                % params,
                "return_window_closed",
                params,
            )

    def _opened(self, index: int, line: dict, item: Item) -> None:
        if (
            line.get("opened")
            and self.data["reason"] == ReturnReason.NO_REASON
            and not item.category.returns_opened_accepted
        ):
            params = {"item": item.code, "category": item.category.code}
            self._conflict(
                index,
                _(
                    "Item %(item)s: opened goods of category %(category)s are not "
                    "taken back without a reason."
                )
                % params,
                "return_opened_refused",
                params,
            )


def _write(
    principal: Principal,
    order: Order,
    data: dict,
    fingerprint: str,
    judged: list[tuple[dict, Item, ReturnNoticeItem | None]],
) -> ReturnNotice:
    fields = {
        "return_id": data["return_id"],
        "order_ref": order.external_id,
        "reason": data["reason"],
        "buyer_note": data.get("buyer_note", ""),
        "buyer_note_lang": (get_language() or "") if data.get("buyer_note") else "",
        "carrier": data["carrier"],
        "tracking_number": data["tracking_number"],
        "delivered_at": data["delivered_at"],
        "fingerprint": fingerprint,
    }
    taken = [line for _line, _item, line in judged if line is not None]
    if taken:
        # Received before it was announced: the platform's notice completes
        # the one receiving made (still marked unannounced: it was).
        notice = taken[0].notice
        for name, value in fields.items():
            setattr(notice, name, value)
        notice.save(update_fields=list(fields))
    else:
        notice = ReturnNotice.objects.create(
            merchant=order.merchant,
            warehouse=order.warehouse,
            created_by=principal.user if getattr(principal.user, "pk", None) else None,
            **fields,
        )
    facts = {
        "reason_code": "return_announced",
        "reason_params": {"return_id": notice.return_id, "reason": notice.reason},
    }
    new_lines = []
    for line, item, open_line in judged:
        if open_line is None:
            new_lines.append(
                ReturnNoticeItem(notice=notice, item=item, opened=line["opened"])
            )
            lifecycle.item_return_announce(item=item, actor=principal.user, **facts)
            continue
        open_line.notice = notice
        open_line.opened = line["opened"]
        open_line.save(update_fields=["notice", "opened"])
        lifecycle.item_event_record(item=item, actor=principal.user, **facts)
    ReturnNoticeItem.objects.bulk_create(new_lines)
    return notice
