"""The platform hears of a buyer's returned item: ``return.received`` when
its parcel is in our hands, ``return.inspected`` when the comparison with its
certificate has decided where it goes (docs/WEBHOOKS.md); and an item sent
back to its merchant gets its return parcel (:mod:`.shipping`).

:func:`on_item_transition` is a lifecycle observer (``fulfilment.wiring``):
it runs after every item move, in the move's transaction, and reads nothing
for a move that is not one of these.
"""

from django.conf import settings

from fulfilment.services.notify import webhook_emit
from inspection.models import ReturnInspection
from warehouse.models import Item, ItemEvent, ItemState, ReturnNoticeItem

from .shipping import parcel_job_record

S = ItemState
INSPECTED_TO = (S.CERTIFIED, S.RETURNING, S.DISPUTED)
REPORT_PATH = "/api/v1/return-inspections/{id}/report.pdf"


def return_report_url(inspection_id: int) -> str:
    """Where a return inspection's signed report is downloaded: absolute with
    the site's public address (``PUBLIC_BASE_URL``) when one is set."""
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    return base + REPORT_PATH.format(id=inspection_id)


def return_line_of(item: Item) -> ReturnNoticeItem | None:
    """The item's latest line on a buyer's return, with its notice."""
    return (
        ReturnNoticeItem.objects.select_related("notice")
        .filter(item=item)
        .order_by("-id")
        .first()
    )


def on_item_transition(item: Item, event: ItemEvent) -> None:
    """Lifecycle observer: ``return.received`` on entering return_received,
    ``return.inspected`` on leaving return_inspecting for certified (back to
    stock), returning (to the merchant) or disputed."""
    if event.to_state == S.RETURN_RECEIVED:
        webhook_emit("return.received", _received(item, event))
    elif event.from_state == S.RETURN_INSPECTING and event.to_state in INSPECTED_TO:
        webhook_emit("return.inspected", _inspected(item, event))
    parcel_job_record(item, event)


def _notice_facts(item: Item, event: ItemEvent) -> dict:
    line = return_line_of(item)
    notice = line.notice if line else None
    return {
        "return_id": notice.return_id if notice else "",
        "order": (notice.order_ref if notice else "") or item.order_ref,
        "item": item.code,
        "unannounced": (
            notice.unannounced if notice else event.from_state == S.RELEASED
        ),
    }


def _received(item: Item, event: ItemEvent) -> dict:
    facts = _notice_facts(item, event)
    return {
        "return_id": facts["return_id"],
        "order": facts["order"],
        "item": facts["item"],
        "unannounced": facts["unannounced"],
        "at": event.at.isoformat(),
    }


def _inspected(item: Item, event: ItemEvent) -> dict:
    facts = _notice_facts(item, event)
    inspection = ReturnInspection.objects.filter(item=item).order_by("-number").first()
    data = {
        "return_id": facts["return_id"],
        "order": facts["order"],
        "item": facts["item"],
        "verdict": None,
        # Where the item went: the move says it (a disputed sign-off
        # disputes whatever the inspector proposed).
        "outcome": _outcome(event.to_state),
        "checks": [],
        "report_url": None,
        "at": event.at.isoformat(),
    }
    if inspection is not None:
        data.update(
            verdict=inspection.verdict,
            checks=[
                {
                    "check": point.get("check", ""),
                    "code": point.get("code", ""),
                    "params": point.get("params", {}),
                    "ok": point.get("ok"),
                    "severity": point.get("severity", ""),
                }
                for point in inspection.checks
            ],
            report_url=return_report_url(inspection.pk),
        )
    return data


def _outcome(to_state: str) -> str:
    """The outcome a move out of return_inspecting is (ReturnOutcome's codes)."""
    return {S.CERTIFIED: "restock", S.RETURNING: "to_merchant"}.get(
        to_state, "disputed"
    )
