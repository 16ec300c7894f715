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
        "platform",
    }
    assert all(len(token) == 40 for token in data["tokens"].values())
    assert [w["code"] for w in data["warehouses"]] == ["GZ", "SIH"]
    assert {c["code"] for c in data["categories"]} == {
        "jewellery-jade",
        "cosmetics",
        "phones-used",
    }
    assert Station.objects.count() == 2  # one per warehouse
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
    station = Station.objects.get(warehouse=item.warehouse).user

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
