"""The demo world: seed_demo is idempotent and its tokens work."""

import json
from io import StringIO

from django.core.management import call_command

from tests.conftest import api_client
from warehouse.models import InboundNotice, Item, Station, Warehouse


def seed() -> dict:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return json.loads(out.getvalue())


def test_seed_demo_prints_tokens_and_codes(db):
    """The JSON names every role's token, both warehouses and the categories."""
    data = seed()

    assert set(data["tokens"]) >= {
        "merchant",
        "merchant2",
        "inspector",
        "station",
        "station_qc",
        "inspector2",
        "platform",
    }
    assert all(len(token) == 40 for token in data["tokens"].values())
    assert [w["code"] for w in data["warehouses"]] == ["GZ", "SIH"]
    assert {c["code"] for c in data["categories"]} == {
        "jewellery-jade",
        "cosmetics",
        "packaged-food",
        "phones-used",
    }
    assert Station.objects.count() == 6  # receiving, inspection and dock, per warehouse
    assert sorted(data["inspection_templates"]) == sorted(
        c["code"] for c in data["categories"]
    )
    assert len(data["items"]) == Item.objects.count() > 0


def test_seed_demo_twice_changes_nothing(db):
    """A second run finds everything and prints the same tokens."""
    first = seed()
    counts = (
        Warehouse.objects.count(),
        InboundNotice.objects.count(),
        Item.objects.count(),
    )

    second = seed()

    assert second == first
    assert counts == (
        Warehouse.objects.count(),
        InboundNotice.objects.count(),
        Item.objects.count(),
    )


def test_the_demo_tokens_work_and_are_scoped(db):
    """The station scans a demo item; the other merchant cannot see it."""
    data = seed()
    code = data["items"][0]
    item = Item.objects.get(code=code)
    station = Station.objects.get(warehouse=item.warehouse, kind="receiving").user

    scan = api_client(station).post(
        "/api/v1/scans/", {"barcode": code, "action": "lookup"}, format="json"
    )
    assert scan.status_code == 200
    assert scan.json()["item"]["merchant"]["code"] == "JADEHOME"

    other = api_client()
    other.credentials(HTTP_AUTHORIZATION=f"Token {data['tokens']['merchant2']}")
    assert other.get(f"/api/v1/items/{code}").status_code == 404


def test_demo_sets_up_and_prints_the_url(db):
    """`manage.py demo --no-serve` migrates, seeds and prints where it runs."""
    out = StringIO()
    call_command("demo", "--no-serve", "--addr", "127.0.0.1:8765", stdout=out)

    assert "running at http://127.0.0.1:8765/" in out.getvalue()
    assert "/api/v1/scans/" in out.getvalue()


def test_a_demo_item_is_received_inspected_and_signed_off(db):
    """The demo's jade bangle (declared 3,880) passes after a second inspector signs."""
    data = seed()
    code = data["items"][0]

    def client(role):
        c = api_client()
        c.credentials(HTTP_AUTHORIZATION=f"Token {data['tokens'][role]}")
        return c

    client("station").post(
        "/api/v1/scans/", {"barcode": code, "action": "receive"}, format="json"
    )
    inspected = client("station_qc").post(
        f"/api/v1/items/{code}/inspections/",
        {
            "observed": {
                "material": {"value": "和田玉", "refractive_index": "1.61"},
                "weight_g": "52.35",
                "appearance": True,
                "packaging": "intact",
            }
        },
        format="json",
    )
    assert inspected.status_code == 201, inspected.json()
    assert inspected.json()["status"] == "awaiting_signoff"

    signed = client("inspector2").post(
        f"/api/v1/inspections/{inspected.json()['id']}/sign-off/", {}, format="json"
    )

    assert signed.status_code == 200, signed.json()
    assert Item.objects.get(code=code).state == "passed"
