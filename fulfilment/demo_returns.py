"""The living demo's buyers' returns, so their pages have something to show.

Run by :func:`fulfilment.demo.demo_fulfilment_seed` once the living warehouse
is dispatched: of its released items (the last ones, the first stays with
its buyer), each comes back as :data:`RETURNS` says, through the product's
own services: the platform's notice (``return_notice_create``), the return
desk's receive scan of the buyer's tracking number (``scan_process``), the
inspector's comparison with what was certified (``return_inspection_create``)
with photos taken now, and a second person's sign-off
(``return_inspection_sign_off``). Nothing sets a state. Each step runs at its
own moment of the week's last part (:class:`warehouse.demo.DemoWeek`), after
the releases.
"""

from django.utils import timezone

from inspection.demo import demo_photo
from inspection.services.returns import (
    return_certified_values,
    return_inspection_create,
    return_inspection_sign_off,
    return_photo_add,
)
from warehouse.demo import DemoWeek, demo_clock, demo_jobs_run
from warehouse.models import Item
from warehouse.services import scan_process

from .models import OrderLine
from .services.buyer_returns import return_notice_create

RETURN_PREFIX = "RT-LIVE-"
# How far each returned item goes: announced only; received; compared and
# matching (back to its merchant: order-first); compared 2 g lighter
# (awaiting a second inspector); its seal broken, the mismatch confirmed
# (disputed, for a supervisor). Reasons are codes of ReturnReason.
RETURNS = [
    ("announced", "no_reason"),
    ("received", "not_as_described"),
    ("matched", "no_reason"),
    ("lighter", "not_as_described"),
    ("seal_broken", "quality_complaint"),
]
LEAVE = ("inspection.certificate_issue",)


def demo_returns_seed(who, released: list[Item], *, start: float) -> None:
    """Bring the last of ``released`` back as :data:`RETURNS` says."""
    returned = released[-len(RETURNS) :] if len(released) > len(RETURNS) else []
    week = DemoWeek(steps=4 * len(returned) + 1, start=start)
    for n, ((goal, reason), item) in enumerate(zip(RETURNS, returned, strict=True)):
        tracking = f"SF{7300000000000 + n}"
        with demo_clock(week.next()):
            order = (
                OrderLine.objects.filter(item_code=item.code)
                .select_related("order")
                .get()
                .order
            )
            return_notice_create(
                principal=who["platform"],
                data={
                    "return_id": f"{RETURN_PREFIX}{n + 1:04d}",
                    "order": order.external_id,
                    "items": [{"item": item.code, "opened": False}],
                    "reason": reason,
                    "buyer_note": "",
                    "carrier": "sf",
                    "tracking_number": tracking,
                    "delivered_at": timezone.now(),
                },
            )
        if goal == "announced":
            continue
        with demo_clock(week.next()):
            scan_process(principal=who["GZ-RCV-01"], barcode=tracking, action="receive")
        if goal == "received":
            continue
        with demo_clock(week.next()):
            item.refresh_from_db()
            inspection = return_inspection_create(
                principal=who["inspector"],
                code=item.code,
                observed=demo_return_observed(item, goal),
            )
            # Taken now, shown beside the certified ones (before the report).
            for view in ("front", "back"):
                return_photo_add(
                    principal=who["inspector"],
                    inspection_id=inspection.pk,
                    data=demo_photo(view, item.pk + 3),
                )
            demo_jobs_run(leave=LEAVE)
        if goal == "seal_broken":
            with demo_clock(week.next()):
                return_inspection_sign_off(
                    principal=who["inspector2"],
                    inspection_id=inspection.pk,
                    approve=True,
                    note="The seal is broken: not as it left us.",
                )
                demo_jobs_run(leave=LEAVE)


def demo_return_observed(item: Item, goal: str) -> dict:
    """What the inspector finds: what was certified, but for the goal's
    difference."""
    certified = return_certified_values(item)
    observed: dict = {"condition": "as_certified"}
    if certified["seal"]:
        observed["seal"] = {
            "present": True,
            "intact": goal != "seal_broken",
            "number": certified["seal"],
        }
    if certified["weight_mg"] is not None:
        lighter = 2000 if goal == "lighter" else 0
        observed["weight_mg"] = certified["weight_mg"] - lighter
    if certified["material"]:
        observed["material"] = certified["material"]
    if certified["identity"]:
        observed["identity"] = dict(certified["identity"])
    if certified["packaging"]:
        observed["packaging"] = "unopened"
    return observed
