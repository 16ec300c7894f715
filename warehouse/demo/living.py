"""The living warehouse: the plan of where each of its order-first items ends
(:data:`LIVING_PLAN`), its stock-first lots (:data:`LIVING_LOTS`), and their
announcement and receipt (:func:`demo_living_receive`); the inspection and
fulfilment apps' demo seeders take its items on from there."""

from typing import TYPE_CHECKING

from ..models import InboundNotice, Merchant
from ..services import inbound_notice_create
from .clock import DemoWeek, demo_clock
from .people import demo_people

if TYPE_CHECKING:
    from ..models import Item

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


def demo_living_items() -> list[tuple[str, "Item"]]:
    """(goal, item) of the living warehouse's order-first items, in the order
    they were announced."""
    from ..models import Item

    items = Item.objects.filter(
        notice__reference__startswith=f"{LIVING_PREFIX}GZ-"
    ).order_by("notice__reference", "id")
    return list(zip(LIVING_PLAN, items, strict=False))


def demo_living_lots() -> list["Item"]:
    """The living warehouse's stock-first lots, in the order of LIVING_LOTS."""
    from ..models import Item

    return [Item.objects.get(notice__reference=ref) for ref, *_ in LIVING_LOTS]


def demo_living_receive() -> bool:
    """Announce the living warehouse's notices and receive what its plan
    says, once; True when it did (False: they were there)."""
    if InboundNotice.objects.filter(reference=f"{LIVING_PREFIX}GZ-001").exists():
        return False
    from ..services import scan_process

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
