"""The living demo: a warehouse in full swing, seeded through the services.

Registered as a demo seeder (:func:`warehouse.demo.demo_seeder_register`), it
runs after the warehouse's demo world and the inspection templates. Every item
gets where it is the way a real one does, by the product's own services
(receipt scans, inspections, sign-offs, appeals, certificates, orders, packing,
release, returns), each step at its own moment of the last seven days
(:func:`warehouse.demo.demo_clock`), so that timelines and the dashboard's
charts have a week of history. The jobs those steps record (certificates,
allocation, labels) run in-process as they would in a worker
(:func:`warehouse.demo.demo_jobs_run`).

Idempotent: the world is built once; a second run finds it (its first notice)
and only reports it.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from inspection.models import Certificate
from inspection.services import (
    appeal_create,
    certificate_revoke,
    inspection_complete,
    inspection_open,
    inspection_sign_off,
    inspection_submit,
    inspection_units_record,
)
from inspection.services.certificates.content import verify_url
from warehouse.common.access import principal_of
from warehouse.demo import demo_clock, demo_jobs_run
from warehouse.models import (
    InboundNotice,
    Item,
    Merchant,
    PlatformAccount,
    Station,
)
from warehouse.services import inbound_notice_create, scan_process

from .models import Manifest, Order, Shipment, WebhookEndpoint, WebhookMessage
from .services import (
    manifest_close,
    order_create,
    order_pack,
    promises_sweep,
    return_create,
)
from .services.shipping import item_release, label_printed, tracking_release

# The first notice of the living warehouse: if it exists, the world does.
FIRST_NOTICE = "LIVE-GZ-001"
WEBHOOK_URL = "https://platform.example.com/qcw/webhooks"

# Where each order-first demo item ends, in the order they are announced.
# (sku suffix, final situation); the items are nephrite pendants and bangles.
PLAN = [
    *[("released", n) for n in range(6)],
    *[("returned", n) for n in range(1)],
    *[("returning", n) for n in range(2)],
    *[("packed", n) for n in range(3)],
    *[("allocated", n) for n in range(2)],
    *[("revoked", n) for n in range(1)],
    *[("certified", n) for n in range(3)],
    *[("passed", n) for n in range(1)],
    *[("failed", n) for n in range(3)],
    *[("appealed", n) for n in range(1)],
    *[("held", n) for n in range(2)],
    *[("inspecting", n) for n in range(2)],
    *[("received", n) for n in range(3)],
    *[("announced", n) for n in range(3)],
]

JADE_OK = {"material": "和田玉", "weight_g": "52.31", "appearance": True}
OBSERVED = {
    "held": {**JADE_OK, "packaging": "damaged"},
    "failed": {**JADE_OK, "appearance": False},
    "appealed": {**JADE_OK, "appearance": False},
    "returning": {**JADE_OK, "appearance": False},
    "returned": {**JADE_OK, "appearance": False},
}
BUYERS = [
    (
        "王小明",
        "13800138000",
        "广东省",
        "深圳市",
        "南山区科技园路 1 号 2 栋 301",
        "518000",
    ),
    ("李娜", "13900139000", "浙江省", "杭州市", "西湖区文三路 90 号 5 楼", "310000"),
    (
        "张伟",
        "13700137000",
        "北京市",
        "北京市",
        "朝阳区建国路 88 号 1 单元 1201",
        "100022",
    ),
]


class _Week:
    """The moments of the demo's last seven days, handed out in order.

    Step ``n`` of ``steps`` falls on day ``n * 7 // steps`` of the week, in
    working hours (08:00 to 20:00 in the warehouse's time zone, UTC+8), so
    every day has its share and no moment lies in the future.
    """

    def __init__(self, now: dt.datetime, steps: int):
        self.now, self.steps, self.n = now, steps, 0
        local = dt.timezone(dt.timedelta(hours=8))
        today = now.astimezone(local).replace(hour=0, minute=0, second=0, microsecond=0)
        self.first_day = today - dt.timedelta(days=6)

    def next(self) -> dt.datetime:
        share = self.n / self.steps
        self.n += 1
        day = int(share * 7)
        within = share * 7 - day
        at = self.first_day + dt.timedelta(days=day, hours=8 + 12 * within)
        return min(at, self.now - dt.timedelta(minutes=30)).astimezone(dt.UTC)


def demo_warehouse_seed(summary: dict) -> None:
    """Seed the living warehouse once; add what it shows to ``summary``."""
    if not InboundNotice.objects.filter(reference=FIRST_NOTICE).exists():
        _build()
    summary["living"] = _living_summary()


def _people() -> dict:
    users = get_user_model().objects
    who = {
        name: principal_of(users.get(username=name))
        for name in (
            "admin",
            "merchant",
            "merchant2",
            "inspector",
            "inspector2",
            "supervisor",
            "platform",
        )
    }
    for code in ("GZ-RCV-01", "GZ-DOCK-01", "SIH-RCV-01", "SIH-DOCK-01"):
        who[code] = principal_of(Station.objects.get(code=code).user)
    return who


def _build() -> None:
    now = timezone.now()
    who = _people()
    jade = Merchant.objects.get(code="JADEHOME")
    glow = Merchant.objects.get(code="GLOWLAB")
    # The platform's receiver: every state change from here on is recorded
    # for it as an outbox message (the demo sends nothing out, see the end).
    endpoint, _ = WebhookEndpoint.objects.get_or_create(
        platform=PlatformAccount.objects.get(user=who["platform"].user),
        url=WEBHOOK_URL,
        defaults={"secrets": ["whsec_ZGVtby1zZWNyZXQtbm90LWZvci1wcm9kdWN0aW9u"]},
    )
    if not endpoint.is_active:
        endpoint.is_active = True
        endpoint.save(update_fields=["is_active"])

    week = _Week(now, steps=len(PLAN) * 4 + 12)
    # Announced in notices of five, a notice every day or so.
    items: list[tuple[str, Item]] = []
    for start in range(0, len(PLAN), 5):
        batch = PLAN[start : start + 5]
        with demo_clock(week.next()):
            notice = inbound_notice_create(
                merchant=jade,
                warehouse_code="GZ",
                reference=f"LIVE-GZ-{start // 5 + 1:03d}",
                carrier="sf",
                tracking_number=f"SF{7100000000000 + start}",
                actor=who["admin"].user,
                items=[
                    {
                        "sku": f"JADE-LIVE-{start + k + 1:02d}",
                        "title": f"和田玉吊坠 Hetian nephrite pendant {start + k + 1}",
                        "category": "jewellery-jade",
                        "serial": f"HT-LIVE-{start + k + 1:04d}",
                        "claim": {
                            "material": "nephrite jade",
                            "weight_g": "52.31",
                            "declared_value": "880.00",
                            "packaging": "gift box",
                        },
                    }
                    for k in range(len(batch))
                ],
            )
        codes = list(notice.items.order_by("id").values_list("code", flat=True))
        items += [
            (goal, Item.objects.get(code=c))
            for (goal, _), c in zip(batch, codes, strict=True)
        ]

    # Received, then inspected: each item goes as far as its plan says.
    for goal, item in items:
        if goal == "announced":
            continue
        with demo_clock(week.next()):
            scan_process(
                principal=who["GZ-RCV-01"], barcode=item.code, action="receive"
            )
    for goal, item in items:
        if goal in ("announced", "received", "passed"):
            continue
        with demo_clock(week.next()):
            if goal == "inspecting":
                inspection_open(principal=who["inspector"], code=item.code)
                continue
            done, _ = inspection_submit(
                principal=who["inspector"],
                code=item.code,
                observed=OBSERVED.get(goal, JADE_OK),
            )
            if goal in ("failed", "appealed", "returning", "returned"):
                inspection_sign_off(principal=who["inspector2"], inspection_id=done.pk)
            demo_jobs_run()
    _lots(who, glow, week)

    # After the verdicts: appeals, returns, a revocation.
    by_goal: dict[str, list[Item]] = {}
    for goal, item in items:
        by_goal.setdefault(goal, []).append(item)
    with demo_clock(week.next()):
        appeal_create(
            principal=who["merchant"],
            code=by_goal["appealed"][0].code,
            reason="请复检此天然石纹 / Please re-inspect: the line is a natural vein",
        )
    for item in by_goal["returning"] + by_goal["returned"]:
        with demo_clock(week.next()):
            return_create(principal=who["merchant"], item=item)
            demo_jobs_run()
    with demo_clock(week.next()):
        certificate = Certificate.objects.get(
            item=by_goal["revoked"][0], status=Certificate.Status.VALID
        )
        certificate_revoke(
            principal=who["supervisor"],
            number=certificate.number,
            reason="仪器复核有误 / Instrument reading rechecked",
        )

    # Orders from the platform: one parcel each.
    dispatched = by_goal["released"] + by_goal["packed"] + by_goal["allocated"]
    for n, item in enumerate(dispatched):
        promise = "same_day" if n % 2 else "within_24h"
        at = week.next()
        if item in by_goal["allocated"]:
            # One at risk (its 24 hours end within the hour), one breached.
            first = item == by_goal["allocated"][0]
            promise = "within_24h" if first else "same_day"
            at = now - (dt.timedelta(hours=23) if first else dt.timedelta(days=2))
        with demo_clock(at):
            order, _ = _order(who, jade, f"LS-LIVE-{n + 1:04d}", promise, n, item=item)
            demo_jobs_run()
        if item in by_goal["allocated"]:
            continue
        with demo_clock(week.next()):
            shipment = order_pack(principal=who["GZ-DOCK-01"], order=order)
            demo_jobs_run()
        if item in by_goal["released"]:
            with demo_clock(week.next()):
                label_printed(principal=who["GZ-DOCK-01"], shipment=shipment)
                item_release(principal=who["GZ-DOCK-01"], code=item.code)
    for item in by_goal["returned"]:
        with demo_clock(week.next()):
            shipment = Shipment.objects.get(
                kind=Shipment.Kind.RETURN, contents__item=item
            )
            label_printed(principal=who["GZ-DOCK-01"], shipment=shipment)
            tracking_release(
                principal=who["GZ-DOCK-01"], tracking=shipment.tracking_number
            )
    # The day's pickups are signed for: their manifests close.
    with demo_clock(week.next()):
        for manifest in Manifest.objects.filter(status=Manifest.Status.OPEN):
            dock = who[f"{manifest.warehouse.code}-DOCK-01"]
            manifest_close(principal=dock, manifest=manifest)
    promises_sweep(now=now)
    # Passed last: its certificate is left to the worker (in-process, the
    # embedded default runs it as the seed commits).
    for item in by_goal["passed"]:
        with demo_clock(week.next()):
            inspection_submit(
                principal=who["inspector"], code=item.code, observed=JADE_OK
            )
    demo_jobs_run(leave=("inspection.certificate_issue",))
    # Nothing leaves this machine: the receiver is paused, its messages wait.
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])


def _order(who, merchant, order_id: str, promise: str, n: int, *, item=None, sku=""):
    name, phone, province, city, address, postcode = BUYERS[n % len(BUYERS)]
    line = {"item_code": item.code} if item else {"sku": sku, "quantity": 2}
    return order_create(
        principal=who["platform"],
        data={
            "order_id": order_id,
            "merchant": merchant.code,
            "warehouse": (item.warehouse.code if item else "SIH"),
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


def _lots(who, glow: Merchant, week: _Week) -> None:
    """Stock-first goods at Sihui: a lot certified by sample and sold from,
    and one whose sample is being inspected."""
    lots = []
    for ref, sku, title, category, quantity, labels in [
        (
            "LIVE-SIH-001",
            "SERUM-LIVE-50ML",
            "玻尿酸精华 50ml hyaluronic serum",
            "cosmetics",
            120,
            ["name", "net_content", "producer", "production_date", "licence_number"],
        ),
        (
            "LIVE-SIH-002",
            "TEA-LIVE-250G",
            "铁观音茶叶 250g Tieguanyin tea",
            "packaged-food",
            80,
            [
                "name",
                "ingredients",
                "net_content",
                "producer",
                "production_date",
                "shelf_life",
                "licence_number",
            ],
        ),
    ]:
        with demo_clock(week.next()):
            notice = inbound_notice_create(
                merchant=glow,
                warehouse_code="SIH",
                reference=ref,
                carrier="zto",
                tracking_number=f"7531{ref[-3:]}0000001",
                actor=who["admin"].user,
                items=[
                    {
                        "sku": sku,
                        "title": title,
                        "category": category,
                        "quantity": quantity,
                        "claim": {
                            "production_date": "2026-10-01",
                            "expiry_date": "2029-09-30",
                            "packaging": "sealed carton",
                            "labels": labels,
                        },
                    }
                ],
            )
            lot = notice.items.get()
            scan_process(
                principal=who["SIH-RCV-01"], barcode=lot.code, action="receive"
            )
        lots.append((lot, labels))
    for k, (lot, labels) in enumerate(lots):
        with demo_clock(week.next()):
            opened = inspection_open(principal=who["inspector"], code=lot.code)
            unit = {
                "expiry_date": "2029-09-30",
                "packaging": "intact",
                "labels": labels,
            }
            # The second lot is half-way through its sample.
            size = opened.sample_size if k == 0 else max(1, opened.sample_size // 2)
            inspection_units_record(
                principal=who["inspector"],
                inspection_id=opened.pk,
                units=[{"unit": n, "observed": unit} for n in range(1, size + 1)],
            )
            if k == 0:
                inspection_complete(principal=who["inspector"], inspection_id=opened.pk)
                demo_jobs_run()
    serum = lots[0][0]
    with demo_clock(week.next()):
        order, _ = _order(who, glow, "LS-LIVE-LOT-1", "within_24h", 1, sku=serum.sku)
        demo_jobs_run()
    with demo_clock(week.next()):
        shipment = order_pack(principal=who["SIH-DOCK-01"], order=order)
        demo_jobs_run()
    with demo_clock(week.next()):
        shipment.refresh_from_db()
        label_printed(principal=who["SIH-DOCK-01"], shipment=shipment)
        tracking_release(
            principal=who["SIH-DOCK-01"], tracking=shipment.tracking_number
        )


def _living_summary() -> dict:
    """What the living warehouse holds, as plain data (the same on every run)."""
    live = Item.objects.filter(notice__reference__startswith="LIVE-")
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
        live.filter(state="certified", certificates__status=Certificate.Status.VALID)
        .order_by("id")
        .first()
    )
    return {
        "states": dict(sorted(states.items())),
        "certificate": valid.number if valid else "",
        "verify_token": valid.token if valid else "",
        "verify_url": verify_url(valid.token) if valid else "",
        "certified_item": on_shelf.code if on_shelf else "",
        "revoked_certificates": list(revoked.values_list("number", flat=True)),
        "orders": {
            state: Order.objects.filter(
                external_id__startswith="LS-LIVE-", promise_state=state
            ).count()
            for state in ("at_risk", "breached")
        },
        "manifests_closed": Manifest.objects.filter(
            status=Manifest.Status.CLOSED
        ).count(),
        "webhook_messages": WebhookMessage.objects.filter(
            endpoint__url=WEBHOOK_URL
        ).count(),
    }
