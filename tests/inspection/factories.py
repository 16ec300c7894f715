"""Templates, inspectors and received items for inspection tests."""

from dataclasses import dataclass

import pytest

from inspection import services
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.models import Item, Station
from warehouse.services import inbound_notice_create

JADE_CHECKS = [
    {
        "key": "material",
        "kind": "material",
        "label": "Material",
        "label_zh": "材质",
        "params": {
            "vocabulary": {
                "nephrite jade": ["和田玉", "hetian jade"],
                "jadeite A": ["翡翠A货"],
                "glass": ["玻璃"],
            }
        },
    },
    {
        "key": "weight",
        "kind": "weight",
        "label": "Weight",
        "label_zh": "克重",
        "params": {"tolerance_mg": 100},
    },
    {
        "key": "appearance",
        "kind": "free",
        "label": "No cracks",
        "params": {"question": "No cracks, chips or repairs."},
    },
    {
        "key": "packaging",
        "kind": "packaging",
        "label": "Packaging",
        "mandatory": False,
        "on_fail": "hold",
        "params": {"accepted_states": ["intact"]},
    },
]

LOT_CHECKS = [
    {
        "key": "shelf_life",
        "kind": "shelf_life",
        "label": "Shelf life",
        "params": {"min_remaining_days": 180},
    },
    {
        "key": "packaging",
        "kind": "packaging",
        "label": "Packaging",
        "params": {"accepted_states": ["intact"]},
    },
]

GOOD_JADE = {
    "material": "和田玉",
    "weight_g": "52.31",
    "appearance": True,
}


def weighing(**weight) -> dict:
    """Good jade observations with the weight given as ``weight`` instead."""
    observed = {k: v for k, v in GOOD_JADE.items() if k != "weight_g"}
    return {**observed, **weight}


GOOD_UNIT = {"expiry_date": "2029-06-30", "packaging": "intact"}


@dataclass
class QC:
    """The world's templates, a second inspector and an inspection station."""

    jade_template: object
    lot_template: object
    inspector2: object
    qc_station: object
    receiving_station: object


@pytest.fixture
def qc(world) -> QC:
    inspector2 = f.UserFactory(username="inspector2")
    f.StaffFactory(user=inspector2, warehouse=world.gz)
    station = f.StationFactory(
        code="GZ-QC-01", warehouse=world.gz, kind=Station.Kind.INSPECTION
    )
    return QC(
        jade_template=services.template_publish(
            category=world.jade,
            checks=JADE_CHECKS,
            signoff_above_value="5000",
            aql="2.5",
        ),
        lot_template=services.template_publish(
            category=world.lots, checks=LOT_CHECKS, aql="1.0"
        ),
        inspector2=inspector2,
        qc_station=station.user,
        receiving_station=world.station,
    )


_refs = iter(range(1, 10**9))


def announce(world, row: dict, *, merchant=None, user=None, warehouse="GZ") -> Item:
    """Announce one item (a notice of one row) and return it."""
    notice = inbound_notice_create(
        merchant=merchant or world.merchant,
        warehouse_code=warehouse,
        reference=f"T-{next(_refs)}",
        items=[row],
        actor=user or world.merchant_user,
    )
    return Item.objects.get(code=notice.created_rows[0]["code"])


def jade_row(**claim) -> dict:
    return {
        "sku": "BANGLE-1",
        "title": "Nephrite bangle",
        "category": "jewellery-jade",
        "claim": {
            "material": "nephrite jade",
            "weight_g": "52.31",
            "declared_value": "1200.00",
            **claim,
        },
    }


def lot_row(quantity: int = 200, **claim) -> dict:
    return {
        "sku": "SERUM-30",
        "title": "Serum 30 ml",
        "category": "cosmetics",
        "quantity": quantity,
        "claim": {
            "production_date": "2026-09-01",
            "expiry_date": "2029-06-30",
            "packaging": "sealed carton",
            **claim,
        },
    }


def received(world, row: dict, **kw) -> Item:
    """An announced and received item."""
    item = announce(world, row, **kw)
    return lifecycle.item_receive(item=item, actor=world.station)
