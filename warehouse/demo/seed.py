"""The demo world's seed (:func:`demo_seed`): warehouses, locations,
categories, merchants, staff, stations, tokens and the first inbound notices,
then the registered seeders. Idempotent: running it again changes nothing and
returns the same tokens."""

from django.conf import settings
from django.db import transaction
from rest_framework.authtoken.models import Token

from ..models import (
    Category,
    InboundNotice,
    Location,
    Merchant,
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    Station,
    Warehouse,
)
from ..services import inbound_notice_create
from .people import demo_user
from .seeders import demo_seeders
from .world import CATEGORIES, MERCHANTS, STATIONS, WAREHOUSES


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
        user = demo_user(username, email=email)
        MerchantMembership.objects.get_or_create(
            user=user,
            defaults={"merchant": merchant, "role": MerchantMembership.Role.OWNER},
        )
        merchants[username] = merchant
        tokens[username] = _token(user)

    inspector = demo_user("inspector", first_name="Li", last_name="Wen")
    inspector2 = demo_user("inspector2", first_name="Zhao", last_name="Min")
    supervisor = demo_user("supervisor", first_name="Chen", last_name="Hui")
    operator = demo_user("operator", first_name="Wang", last_name="Fang")
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
            user = demo_user(f"station-{station_code.lower()}")
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

    platform_user = demo_user("platform")
    PlatformAccount.objects.get_or_create(
        user=platform_user, defaults={"name": "Livestream platform"}
    )
    tokens["platform"] = _token(platform_user)

    admin = demo_user(
        "admin", is_staff=True, is_superuser=True, email="admin@example.com"
    )

    summary: dict = {}
    for seeder in demo_seeders():
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
