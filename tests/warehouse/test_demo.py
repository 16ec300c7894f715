"""The demo world: seed_demo is idempotent and its tokens work; the demo
command's links and QR codes point at the address it serves."""

import json
import re
from io import StringIO

import httpx
import pypdfium2
import zxingcpp
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
    # The announced items to try a scan on (the living warehouse's are beside).
    announced = Item.objects.filter(notice__reference__startswith="DEMO-")
    assert len(data["items"]) == announced.count() > 0
    assert set(announced.values_list("state", flat=True)) == {"announced"}


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


def _qr_codes(pdf: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(pdf)[0]
    return [
        r.text
        for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())
        if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_the_printed_links_and_qr_codes_point_at_the_served_address(
    live_server, settings, monkeypatch, tmp_path
):
    """With --addr the live server's address (and no PUBLIC_BASE_URL), the
    printed verify URL answers there, and so do the certificate's and the
    label's QR codes; the printed curls are ready to paste."""
    from fulfilment.models import Shipment
    from inspection.models import Certificate
    from inspection.trust.seal import seal_decode_verify

    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    settings.MEDIA_ROOT = tmp_path  # the command changes settings: put back after
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    addr = live_server.url.split("//", 1)[1]
    out = StringIO()

    call_command("demo", "--no-serve", "--addr", addr, stdout=out)

    printed = out.getvalue()
    url = re.search(r"On a phone +(\S+)", printed).group(1)
    assert url.startswith(f"{live_server.url}/verify/")
    assert httpx.get(url).status_code == 200
    token = url.rsplit("/", 1)[1]
    certificate = Certificate.objects.get(token=token)
    label = Shipment.objects.filter(contents__item=certificate.item).get()
    for printed_code in (certificate.pdf.read(), label.label_pdf.read()):
        # Each QR code is the link with the certificate's seal after "#"
        # (signed at each rendering, so the two seals differ).
        [code] = _qr_codes(printed_code)
        link, seal = code.split("#", 1)
        assert link == url
        checked = seal_decode_verify(seal)
        assert checked.genuine, checked.reason
        assert certificate.number in checked.claims.values()
    assert "Idempotency-Key: demo-LS-TRY-" in printed
    assert f"{live_server.url}/api/v1/orders/" in printed
    for start in ("/portal/items/", "/inspect/", "/station/", "/dashboard/"):
        assert f"{live_server.url}{start}" in printed


def test_public_base_url_from_the_environment_wins(db, settings, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://qc.example.com")
    settings.PUBLIC_BASE_URL = "https://qc.example.com"
    out = StringIO()

    call_command("demo", "--no-serve", "--addr", "127.0.0.1:8765", stdout=out)

    assert settings.PUBLIC_BASE_URL == "https://qc.example.com"
    assert "On a phone   https://qc.example.com/verify/" in out.getvalue()
    assert "running at http://127.0.0.1:8765/" in out.getvalue()


def test_the_public_address_check_warns_outside_the_allowed_hosts(settings):
    from warehouse.checks import public_base_url_check

    settings.ALLOWED_HOSTS = ["qc.example.com"]
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    (warning,) = public_base_url_check(None)
    assert warning.id == "qcw.W001"
    assert "127.0.0.1" in warning.msg and "ALLOWED_HOSTS" in warning.hint

    settings.PUBLIC_BASE_URL = "https://qc.example.com/"
    assert public_base_url_check(None) == []
    settings.ALLOWED_HOSTS = [".example.com"]
    assert public_base_url_check(None) == []
    settings.PUBLIC_BASE_URL = "http://[::1]:8000"
    settings.ALLOWED_HOSTS = ["[::1]"]
    assert public_base_url_check(None) == []
