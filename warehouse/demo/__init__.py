"""Demo data: two warehouses, three categories, merchants, staff, stations, tokens,
and a living warehouse in full swing.

The living warehouse (:data:`LIVING_PLAN`, :data:`LIVING_LOTS`) is announced
and received here (:func:`demo_living_receive`); the inspection and
fulfilment apps' demo seeders take its items on through their own services,
each step at its own moment of the last seven days (:func:`demo_clock`,
:class:`DemoWeek`), running the jobs the steps record in-process
(:func:`demo_jobs_run`).

:func:`demo_seed` is idempotent: running it again changes nothing and returns
the same tokens.
"""

import contextlib
import datetime as dt
from typing import TYPE_CHECKING
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import (
    Category,
    CategoryFlow,
    InboundNotice,
    Location,
    Merchant,
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    Station,
    Warehouse,
)
from .services import inbound_notice_create

if TYPE_CHECKING:
    from .extensions import DemoSeeder
    from .models import Item

# Apps that build on the warehouse (inspection templates …) add their demo
# data through seeders registered here; each is idempotent and may add to the
# returned summary (:class:`~warehouse.extensions.DemoSeeder`).
_seeders: list["DemoSeeder"] = []


def demo_seeder_register(seeder: "DemoSeeder") -> None:
    """Run ``seeder(summary)`` after the warehouse's own demo data, in order."""
    if seeder not in _seeders:
        _seeders.append(seeder)


def demo_seeders() -> tuple["DemoSeeder", ...]:
    """The registered seeders, in the order they run."""
    return tuple(_seeders)


class _ClockMeta(type):
    # A real datetime is still a datetime while the clock is set.
    def __instancecheck__(cls, value):
        return isinstance(value, dt.datetime)


@contextlib.contextmanager
def demo_clock(at: dt.datetime):
    """Run the block as if it were ``at``: what the services stamp
    (``timezone.now()``, and the models' ``default=timezone.now``) is ``at``.

    For seeding a history through the services, which take no time of their
    own; the demo only. It sets the one clock Django's ``timezone.now`` reads.
    """

    class Clock(dt.datetime, metaclass=_ClockMeta):
        @classmethod
        def now(cls, tz=None):
            return at.astimezone(tz) if tz else at.replace(tzinfo=None)

    with mock.patch("django.utils.timezone.datetime", Clock):
        yield at


# --- the living warehouse -----------------------------------------------------
# Where each order-first demo item of the living warehouse ends, in the order
# they are announced (notices of five, at Guangzhou, for Jade Home): the
# inspection and fulfilment apps' demo seeders take each as far as this says.
LIVING_PLAN = [
    *["released"] * 6,
    "returned",
    *["returning"] * 2,
    *["packed"] * 3,
    *["allocated"] * 2,
    "revoked",
    *["certified"] * 3,
    "passed",
    *["failed"] * 3,
    "appealed",
    *["held"] * 2,
    *["inspecting"] * 2,
    *["received"] * 3,
    *["announced"] * 3,
]
LIVING_PREFIX = "LIVE-"
# The markings (codes of warehouse.vocabularies.MARKINGS) the law asks on the
# label of cosmetics and of packaged food: the demo's lots carry them, the
# demo's inspection templates (inspection.demo) require them.
COSMETIC_LABELS = [
    "name",
    "net_content",
    "producer",
    "production_date",
    "licence_number",
]
FOOD_LABELS = [
    "name",
    "ingredients",
    "net_content",
    "producer",
    "production_date",
    "shelf_life",
    "licence_number",
]
# Stock-first lots at Sihui for Glow Lab: (reference, sku, title, category,
# quantity, the label markings they carry).
LIVING_LOTS = [
    (
        "LIVE-SIH-001",
        "SERUM-LIVE-50ML",
        "玻尿酸精华 50ml hyaluronic serum",
        "cosmetics",
        120,
        COSMETIC_LABELS,
    ),
    (
        "LIVE-SIH-002",
        "TEA-LIVE-250G",
        "铁观音茶叶 250g Tieguanyin tea",
        "packaged-food",
        80,
        FOOD_LABELS,
    ),
]


class DemoWeek:
    """Moments of the last seven days, handed out in order.

    The seeders share the week: each takes the part ``[start, end)`` of it
    (receipts first, then inspections, then dispatch) and hands out ``steps``
    moments evenly over it, in working hours (08:00 to 20:00, UTC+8), none in
    the future.
    """

    def __init__(self, *, steps: int, start: float = 0.0, end: float = 1.0):
        from django.utils import timezone

        self.now = timezone.now()
        self.steps, self.n = max(steps, 1), 0
        self.start, self.end = start, end
        local = dt.timezone(dt.timedelta(hours=8))
        today = self.now.astimezone(local).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.first_day = today - dt.timedelta(days=6)

    def next(self) -> dt.datetime:
        share = self.start + (self.end - self.start) * self.n / self.steps
        self.n += 1
        day = int(share * 7)
        at = self.first_day + dt.timedelta(days=day, hours=8 + 12 * (share * 7 - day))
        return min(at, self.now - dt.timedelta(minutes=30)).astimezone(dt.UTC)


def demo_people() -> dict:
    """The demo's people and stations, as principals, by username or code."""
    from .common.access import principal_of

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
    for station in Station.objects.select_related("user"):
        who[station.code] = principal_of(station.user)
    return who


def demo_living_items() -> list[tuple[str, "Item"]]:
    """(goal, item) of the living warehouse's order-first items, in the order
    they were announced."""
    from .models import Item

    items = Item.objects.filter(
        notice__reference__startswith=f"{LIVING_PREFIX}GZ-"
    ).order_by("notice__reference", "id")
    return list(zip(LIVING_PLAN, items, strict=False))


def demo_living_lots() -> list["Item"]:
    """The living warehouse's stock-first lots, in the order of LIVING_LOTS."""
    from .models import Item

    return [Item.objects.get(notice__reference=ref) for ref, *_ in LIVING_LOTS]


def demo_living_receive() -> bool:
    """Announce the living warehouse's notices and receive what its plan
    says, once; True when it did (False: they were there)."""
    if InboundNotice.objects.filter(reference=f"{LIVING_PREFIX}GZ-001").exists():
        return False
    from .services import scan_process

    who = demo_people()
    jade = Merchant.objects.get(code="JADEHOME")
    glow = Merchant.objects.get(code="GLOWLAB")
    batches = [LIVING_PLAN[n : n + 5] for n in range(0, len(LIVING_PLAN), 5)]
    week = DemoWeek(steps=len(batches) + len(LIVING_PLAN) + 2, end=0.35)
    for b, batch in enumerate(batches):
        with demo_clock(week.next()):
            inbound_notice_create(
                merchant=jade,
                warehouse_code="GZ",
                reference=f"{LIVING_PREFIX}GZ-{b + 1:03d}",
                carrier="sf",
                tracking_number=f"SF{7100000000000 + b}",
                actor=who["admin"].user,
                items=[
                    {
                        "sku": f"JADE-LIVE-{b * 5 + k + 1:02d}",
                        "title": f"和田玉吊坠 Hetian nephrite pendant {b * 5 + k + 1}",
                        "category": "jewellery-jade",
                        "serial": f"HT-LIVE-{b * 5 + k + 1:04d}",
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
    for goal, item in demo_living_items():
        if goal != "announced":
            with demo_clock(week.next()):
                scan_process(
                    principal=who["GZ-RCV-01"], barcode=item.code, action="receive"
                )
    for ref, sku, title, category, quantity, labels in LIVING_LOTS:
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
            scan_process(
                principal=who["SIH-RCV-01"],
                barcode=notice.items.get().code,
                action="receive",
            )
    return True


# Jobs the demo leaves to a worker: the webhooks' drains would send them.
_JOBS_LEFT = ("fulfilment.webhooks_deliver",)


def demo_jobs_run(*, leave: tuple[str, ...] = (), limit: int = 500) -> int:
    """Run the pending jobs now, in this process, as a worker would; return
    how many ran. The seed's later steps need their effects (a certificate,
    an allocation, a label) before the seed's transaction commits. Jobs
    named in ``leave`` (and the webhooks' drains) are left pending."""
    from .common.jobs import job_run
    from .models import Job

    ran = 0
    while ran < limit:
        job = (
            Job.objects.filter(state=Job.State.PENDING)
            .exclude(name__in=(*_JOBS_LEFT, *leave))
            .order_by("id")
            .first()
        )
        if job is None:
            break
        job_run(job.pk)
        ran += 1
    return ran


WAREHOUSES = [
    {
        "code": "GZ",
        "name": "Guangzhou Inspection Warehouse",
        "name_zh": "广州质检仓",
        "city": "Guangzhou",
        "time_zone": "Asia/Shanghai",
        "address": "广州市白云区太和镇 88 号 / 88 Taihe, Baiyun, Guangzhou",
    },
    {
        "code": "SIH",
        "name": "Sihui Jade Inspection Warehouse",
        "name_zh": "四会玉器质检仓",
        "city": "Sihui",
        "time_zone": "Asia/Shanghai",
        "address": "四会市玉器街 12 号 / 12 Jade Street, Sihui, Zhaoqing",
    },
]

# What a merchant claims for stock-first goods with a shelf life.
SHELF_GOODS_CLAIMS = [
    {"key": "shelf_life", "required": True},
    {"key": "packaging", "required": True},
    {"key": "labels", "required": True},
    {"key": "weight", "required": False},
]

# The trade's other words for the demo categories, in both languages (the
# migration that added Category.synonyms gives existing rows the same).
CATEGORY_SYNONYMS = {
    "jewellery-jade": [
        "珠宝",
        "玉石",
        "珠宝首饰",
        "首饰",
        "玉器",
        "jewellery",
        "jewelry",
        "jade",
        "jewelry and jade",
    ],
    "cosmetics": [
        "护肤品",
        "美妆",
        "彩妆",
        "化妆品护肤品",
        "cosmetic",
        "skincare",
        "skin care",
        "beauty",
    ],
    "packaged-food": [
        "食品",
        "预包装",
        "包装食品",
        "零食",
        "food",
        "foods",
        "prepackaged food",
        "pre-packaged food",
    ],
    "phones-used": [
        "手机",
        "二手机",
        "旧手机",
        "used phone",
        "used phones",
        "second-hand phone",
        "secondhand phone",
        "used mobile phone",
        "phone",
    ],
}

CATEGORIES = [
    {
        "code": "jewellery-jade",
        "name": "Jewellery and jade",
        "name_zh": "珠宝玉石",
        "synonyms": CATEGORY_SYNONYMS["jewellery-jade"],
        "flow": CategoryFlow.ORDER_FIRST,
        "claim_fields": [
            {"key": "material", "required": True},
            {"key": "weight", "required": True},
            {"key": "declared_value", "required": True},
            {"key": "packaging", "required": False},
        ],
    },
    {
        "code": "cosmetics",
        "name": "Cosmetics",
        "name_zh": "化妆品",
        "synonyms": CATEGORY_SYNONYMS["cosmetics"],
        "flow": CategoryFlow.STOCK_FIRST,
        "claim_fields": SHELF_GOODS_CLAIMS,
    },
    {
        "code": "packaged-food",
        "name": "Packaged food",
        "name_zh": "预包装食品",
        "synonyms": CATEGORY_SYNONYMS["packaged-food"],
        "flow": CategoryFlow.STOCK_FIRST,
        "claim_fields": SHELF_GOODS_CLAIMS,
    },
    {
        "code": "phones-used",
        "name": "Second-hand phones",
        "name_zh": "二手手机",
        "synonyms": CATEGORY_SYNONYMS["phones-used"],
        "flow": CategoryFlow.ORDER_FIRST,
        "claim_fields": [
            {"key": "imei", "required": True},
            {"key": "model", "required": True},
            {"key": "grade", "required": False},
            {"key": "packaging", "required": False},
        ],
    },
]

# Each demo warehouse's stations: code suffix, kind, English and Chinese name.
STATIONS = [
    ("RCV", Station.Kind.RECEIVING, "receiving", "收货台"),
    ("QC", Station.Kind.INSPECTION, "inspection", "质检台"),
    ("DOCK", Station.Kind.DOCK, "dock", "发货台"),
]

MERCHANTS = [
    ("merchant", "JADEHOME", "翡翠之家 Jade Home", "jade@example.com"),
    ("merchant2", "GLOWLAB", "光彩实验室 Glow Lab", "glow@example.com"),
]


def _user(username: str, **extra):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults=extra
    )
    if created:
        # Outside debug without DEMO_PASSWORD: no password sign-in (the demo
        # admin must not have a published password); tokens still work.
        user.set_password(settings.DEMO_PASSWORD or None)
        user.save(update_fields=["password"])
    return user


def _token(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def demo_seed() -> dict:
    """Create (or find) the demo world; return tokens and codes as plain data.

    The demo's e-mails (to example.com buyers and merchants) are kept in
    memory, not printed: the seed's jobs, and those sent when its transaction
    commits, send them.
    """
    from django.test.utils import override_settings

    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        return _demo_seed()


@transaction.atomic
def _demo_seed() -> dict:
    warehouses = {}
    for data in WAREHOUSES:
        warehouses[data["code"]], _ = Warehouse.objects.get_or_create(
            code=data["code"], defaults=data
        )
    for code, warehouse in warehouses.items():
        for zone, shelf, bin_ in [
            ("RCV", "", ""),
            ("A", "01", "01"),
            ("A", "01", "02"),
            ("Q", "", ""),
        ]:
            barcode = "-".join(p for p in ("L", code, zone, shelf, bin_) if p)
            Location.objects.get_or_create(
                barcode=barcode,
                defaults={
                    "warehouse": warehouse,
                    "zone": zone,
                    "shelf": shelf,
                    "bin": bin_,
                },
            )
    for data in CATEGORIES:
        Category.objects.get_or_create(code=data["code"], defaults=data)

    tokens = {}
    merchants = {}
    for username, code, name, email in MERCHANTS:
        merchant, _ = Merchant.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "contact_email": email,
                "return_address": "广州市天河区体育西路 1 号 / 1 Tiyu West Rd",
            },
        )
        user = _user(username, email=email)
        MerchantMembership.objects.get_or_create(
            user=user,
            defaults={"merchant": merchant, "role": MerchantMembership.Role.OWNER},
        )
        merchants[username] = merchant
        tokens[username] = _token(user)

    inspector = _user("inspector", first_name="Li", last_name="Wen")
    inspector2 = _user("inspector2", first_name="Zhao", last_name="Min")
    supervisor = _user("supervisor", first_name="Chen", last_name="Hui")
    operator = _user("operator", first_name="Wang", last_name="Fang")
    for warehouse in warehouses.values():
        StaffAssignment.objects.get_or_create(
            user=operator,
            warehouse=warehouse,
            defaults={"role": StaffAssignment.Role.OPERATOR},
        )
        for user in (inspector, inspector2):
            StaffAssignment.objects.get_or_create(
                user=user,
                warehouse=warehouse,
                defaults={"role": StaffAssignment.Role.INSPECTOR},
            )
        StaffAssignment.objects.get_or_create(
            user=supervisor,
            warehouse=warehouse,
            defaults={"role": StaffAssignment.Role.SUPERVISOR},
        )
    tokens["inspector"] = _token(inspector)
    tokens["inspector2"] = _token(inspector2)
    tokens["supervisor"] = _token(supervisor)

    stations = {}
    for code, warehouse in warehouses.items():
        for suffix, kind, name, name_zh in STATIONS:
            station_code = f"{code}-{suffix}-01"
            user = _user(f"station-{station_code.lower()}")
            station, _ = Station.objects.get_or_create(
                code=station_code,
                defaults={
                    "name": f"{code} {name} 1",
                    "name_zh": f"{code} {name_zh} 1",
                    "warehouse": warehouse,
                    "kind": kind,
                    "user": user,
                },
            )
            stations[station_code] = _token(station.user)
    tokens["station"] = stations["GZ-RCV-01"]
    tokens["station_sih"] = stations["SIH-RCV-01"]
    tokens["station_qc"] = stations["GZ-QC-01"]

    platform_user = _user("platform")
    PlatformAccount.objects.get_or_create(
        user=platform_user, defaults={"name": "Livestream platform"}
    )
    tokens["platform"] = _token(platform_user)

    admin = _user("admin", is_staff=True, is_superuser=True, email="admin@example.com")

    summary: dict = {}
    for seeder in _seeders:
        seeder(summary)
    _demo_notices(merchants, admin)
    return {
        **summary,
        "tokens": tokens,
        "warehouses": [
            {
                "code": w.code,
                "name": w.name,
                "name_zh": w.name_zh,
                "city": w.city,
                "time_zone": w.time_zone,
            }
            for w in warehouses.values()
        ],
        "categories": [
            {
                "code": c["code"],
                "name": c["name"],
                "name_zh": c["name_zh"],
                "flow": c["flow"],
            }
            for c in CATEGORIES
        ],
        "stations": list(Station.objects.values_list("code", flat=True)),
        "users": {
            "password": settings.DEMO_PASSWORD or None,
            "names": [
                "admin",
                "merchant",
                "merchant2",
                "inspector",
                "inspector2",
                "supervisor",
                "operator",
            ],
        },
        "items": list(
            InboundNotice.objects.filter(reference__startswith="DEMO-")
            .values_list("items__code", flat=True)
            .order_by("items__id")
        ),
    }


def _demo_notices(merchants: dict, admin) -> None:
    jade = merchants["merchant"]
    if not InboundNotice.objects.filter(
        merchant=jade, reference="DEMO-JADE-001"
    ).exists():
        inbound_notice_create(
            merchant=jade,
            warehouse_code="GZ",
            reference="DEMO-JADE-001",
            carrier="sf",
            tracking_number="SF1234567890123",
            actor=admin,
            items=[
                {
                    "sku": "JADE-BANGLE-56",
                    "title": "和田玉手镯 56mm Hetian nephrite bangle",
                    "category": "jewellery-jade",
                    "serial": "HT-2026-0001",
                    "order_ref": "LS-900001",
                    "claim": {
                        "material": "nephrite jade",
                        "weight_g": "52.31",
                        "declared_value": "3880.00",
                        "packaging": "gift box",
                    },
                },
                {
                    "sku": "GOLD-RING-18K",
                    "title": "18K 金戒指 18K gold ring",
                    "category": "jewellery-jade",
                    "serial": "AU-2026-0042",
                    "order_ref": "LS-900002",
                    "claim": {
                        "material": "18K gold",
                        "weight_g": "3.25",
                        "declared_value": "2150",
                    },
                },
                {
                    "sku": "IP13-128-BLU",
                    "title": "iPhone 13 128GB 蓝色 blue",
                    "category": "phones-used",
                    "serial": "356938035643809",
                    "order_ref": "LS-900003",
                    "claim": {
                        "imei": "356938035643809",
                        "model": "iPhone 13 128GB",
                        "grade": "A",
                        "declared_value": "3299.00",
                    },
                },
            ],
        )
    glow = merchants["merchant2"]
    if not InboundNotice.objects.filter(
        merchant=glow, reference="DEMO-GLOW-001"
    ).exists():
        inbound_notice_create(
            merchant=glow,
            warehouse_code="SIH",
            reference="DEMO-GLOW-001",
            carrier="zto",
            tracking_number="75312345678901",
            actor=admin,
            items=[
                {
                    "sku": "SERUM-30ML",
                    "title": "玻尿酸精华 30ml hyaluronic serum",
                    "category": "cosmetics",
                    "gtin": "07032069804988",
                    "quantity": 200,
                    "claim": {
                        "production_date": "2026-09-01",
                        "expiry_date": "2029-08-31",
                        "packaging": "sealed carton",
                        "labels": ["name", "net content", "producer", "licence number"],
                    },
                }
            ],
        )
