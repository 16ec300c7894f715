"""The living demo's dispatch: orders, parcels, returns and webhooks.

Registered as a demo seeder (:func:`warehouse.demo.demo_seeder_register`), it
runs after the inspection app's, which announced, received and inspected the
living warehouse (:data:`warehouse.demo.LIVING_PLAN`). Through the product's
own services it takes each certified item as far as the plan says: ordered by
the platform (both promises; one at risk, one breached), packed with its label
to print, or released on a manifest that is then closed; failed items go back
to their merchant (one handed to the carrier); a lot is sold from stock;
buyers send some released items back (:mod:`fulfilment.demo_returns`). Each
step runs at its own moment of the week's last part
(:class:`warehouse.demo.DemoWeek`), and the jobs it records (allocation,
labels, e-mails) run in-process (:func:`warehouse.demo.demo_jobs_run`).

The platform's webhook endpoint records a message for every event (the outbox
rows); it is paused at the end, so that the demo sends nothing out.

Idempotent: done once, when none of its orders exists; every run reports
what the living warehouse holds in ``summary["living"]``.
"""

import datetime as dt

from django.utils import timezone

from inspection.models import Certificate
from inspection.services.certificates.content import verify_url
from warehouse.demo import (
    LIVING_PREFIX,
    DemoWeek,
    demo_clock,
    demo_jobs_run,
    demo_living_items,
    demo_living_lots,
    demo_people,
)
from warehouse.models import Item, PlatformAccount

from .demo_returns import demo_returns_seed
from .models import (
    Manifest,
    MerchantPolicy,
    Order,
    Shipment,
    WebhookEndpoint,
    WebhookMessage,
)
from .services import (
    label_printed,
    manifest_close,
    order_create,
    order_pack,
    promises_sweep,
    return_create,
    returns_tracking_sweep,
    tracking_release,
)
from .services.shipping.packing import Seals

ORDER_PREFIX = "LS-LIVE-"
WEBHOOK_URL = "https://platform.example.com/qcw/webhooks"
# The inspection seeder leaves the passed item's certificate to the worker.
LEAVE = ("inspection.certificate_issue",)
# Where the demo merchants' returns go (their return policy's address).
RETURNS_DESK = {
    "phone": "020-38881234",
    "province": "广东省",
    "city": "广州市",
    "lines": "天河区体育西路 1 号",
    "postcode": "510620",
}
BUYERS = [
    ("王小明", "13800138000", "广东省", "深圳市", "南山区科技园路 1 号", "518000"),
    ("李娜", "13900139000", "浙江省", "杭州市", "西湖区文三路 90 号", "310000"),
    ("张伟", "13700137000", "北京市", "北京市", "朝阳区建国路 88 号", "100022"),
]


def demo_fulfilment_seed(summary: dict) -> None:
    """Dispatch the living warehouse once; add what it holds to ``summary``."""
    fresh = not Order.objects.filter(external_id__startswith=ORDER_PREFIX).exists()
    if fresh and demo_living_items():
        _dispatch()
    summary["living"] = _living_summary()


def _dispatch() -> None:
    now = timezone.now()
    who = demo_people()
    dock = who["GZ-DOCK-01"]
    # The platform's receiver: every event from here on is recorded for it.
    endpoint, _ = WebhookEndpoint.objects.get_or_create(
        platform=PlatformAccount.objects.get(user=who["platform"].user),
        url=WEBHOOK_URL,
        defaults={"secrets": ["whsec_ZGVtby1zZWNyZXQtbm90LWZvci1wcm9kdWN0aW9u"]},
    )
    endpoint.is_active = True
    endpoint.save(update_fields=["is_active"])

    by_goal: dict[str, list[Item]] = {}
    for goal, item in demo_living_items():
        by_goal.setdefault(goal, []).append(item)
    sent = by_goal["released"] + by_goal["packed"] + by_goal["allocated"]
    back = by_goal["returning"] + by_goal["returned"]
    # The week's last part is the buyers' returns' (fulfilment.demo_returns).
    week = DemoWeek(steps=3 * len(sent) + 2 * len(back) + 8, start=0.7, end=0.92)

    for merchant in {item.merchant for item in back}:
        _return_address(merchant)
    for item in back:
        with demo_clock(week.next()):
            return_create(principal=who["merchant"], item=item)
            demo_jobs_run(leave=LEAVE)
    for n, item in enumerate(sent):
        promise, at = ("same_day" if n % 2 else "within_24h"), week.next()
        if item in by_goal["allocated"]:
            # One at risk (its 24 hours end within the hour), one breached.
            first = item == by_goal["allocated"][0]
            promise = "within_24h" if first else "same_day"
            at = now - (dt.timedelta(hours=23) if first else dt.timedelta(days=2))
        with demo_clock(at):
            order, _ = _order(who, f"{ORDER_PREFIX}{n + 1:04d}", promise, n, item=item)
            demo_jobs_run(leave=LEAVE)
        if item in by_goal["allocated"]:
            continue
        with demo_clock(week.next()):
            # Jade leaves under an anti-swap seal (防调包扣) of its own.
            seals = Seals(one=f"S{70000000 + n + 1:08d}")
            shipment = order_pack(principal=dock, order=order, seals=seals)
            demo_jobs_run(leave=LEAVE)
        if item in by_goal["released"]:
            with demo_clock(week.next()):
                label_printed(principal=dock, shipment=shipment)
                tracking_release(principal=dock, tracking=shipment.tracking_number)
    for item in by_goal["returned"]:
        with demo_clock(week.next()):
            shipment = Shipment.objects.get(
                kind=Shipment.Kind.RETURN, contents__item=item
            )
            label_printed(principal=dock, shipment=shipment)
            tracking_release(principal=dock, tracking=shipment.tracking_number)
    # The carrier reports the return parcels delivered: back with the merchant.
    with demo_clock(week.next()):
        returns_tracking_sweep()
        demo_jobs_run(leave=LEAVE)
    _lot_sold(who, week)
    # The pickups are signed for: their manifests close.
    with demo_clock(week.next()):
        for manifest in Manifest.objects.filter(status=Manifest.Status.OPEN):
            manifest_close(
                principal=who[f"{manifest.warehouse.code}-DOCK-01"], manifest=manifest
            )
    promises_sweep(now=now)
    demo_jobs_run(leave=LEAVE)
    # Buyers send some of the released items back (told to the platform too).
    demo_returns_seed(who, by_goal["released"], start=0.92)
    # Nothing leaves this machine: the receiver is paused, its messages wait.
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])


def _return_address(merchant) -> None:
    """The demo merchant's returns desk, whole, as its return policy says."""
    policy, _ = MerchantPolicy.objects.get_or_create(merchant=merchant)
    if not policy.return_to:
        policy.return_to = {**RETURNS_DESK, "name": f"{merchant.name} 退货组"}
        policy.save(update_fields=["return_to"])


def _lot_sold(who, week: DemoWeek) -> None:
    """An order by SKU from the certified lot: packed and released at Sihui."""
    lot = demo_living_lots()[0]
    dock = who["SIH-DOCK-01"]
    with demo_clock(week.next()):
        order, _ = _order(who, f"{ORDER_PREFIX}LOT-1", "within_24h", 1, lot=lot)
        demo_jobs_run(leave=LEAVE)
    with demo_clock(week.next()):
        shipment = order_pack(principal=dock, order=order)
        demo_jobs_run(leave=LEAVE)
    with demo_clock(week.next()):
        shipment.refresh_from_db()
        label_printed(principal=dock, shipment=shipment)
        tracking_release(principal=dock, tracking=shipment.tracking_number)


def _order(who, order_id: str, promise: str, n: int, *, item=None, lot=None):
    name, phone, province, city, address, postcode = BUYERS[n % len(BUYERS)]
    goods = item or lot
    line = {"item_code": item.code} if item else {"sku": lot.sku, "quantity": 2}
    return order_create(
        principal=who["platform"],
        data={
            "order_id": order_id,
            "merchant": goods.merchant.code,
            "warehouse": goods.warehouse.code,
            "carrier": "zto",
            "promise": promise,
            "ordered_at": timezone.now(),
            "buyer": {
                "name": name,
                "phone": phone,
                "email": "buyer@example.com",
                "province": province,
                "city": city,
                "address": address,
                "postcode": postcode,
            },
            "lines": [line],
        },
    )


def _living_summary() -> dict:
    """What the living warehouse holds, as plain data (the same on every run
    until its jobs or people move it on)."""
    live = Item.objects.filter(notice__reference__startswith=LIVING_PREFIX)
    states: dict[str, int] = {}
    for state in live.values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    valid = (
        Certificate.objects.filter(
            item__in=live, status=Certificate.Status.VALID, item__state="released"
        )
        .order_by("id")
        .first()
    )
    revoked = Certificate.objects.filter(
        item__in=live, status=Certificate.Status.REVOKED
    ).order_by("id")
    # A certified item on the shelf, for an order the newcomer sends.
    on_shelf = (
        live.filter(
            state="certified",
            quantity=1,
            certificates__status=Certificate.Status.VALID,
        )
        .order_by("id")
        .first()
    )
    orders = Order.objects.filter(external_id__startswith=ORDER_PREFIX)
    return {
        "states": dict(sorted(states.items())),
        "certificate": valid.number if valid else "",
        "verify_token": valid.token if valid else "",
        "verify_url": verify_url(valid.token) if valid else "",
        "certified_item": on_shelf.code if on_shelf else "",
        "revoked_certificates": list(revoked.values_list("number", flat=True)),
        "orders": {
            state: orders.filter(promise_state=state).count()
            for state in ("at_risk", "breached")
        },
        "manifests_closed": Manifest.objects.filter(
            status=Manifest.Status.CLOSED
        ).count(),
        "webhook_messages": WebhookMessage.objects.filter(
            endpoint__url=WEBHOOK_URL
        ).count(),
    }
