"""The inspection API: the whole path of an item through the API alone, tenant
scoping, photos, scale readings, templates, errors and query counts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse.models import Item

from .factories import GOOD_JADE, jade_row, received, weighing

pytestmark = pytest.mark.django_db

NOTICES = "/api/v1/inbound-notices/"
SCANS = "/api/v1/scans/"


def inspections_url(code: str) -> str:
    return f"/api/v1/items/{code}/inspections/"


def png(size=(64, 48), colour=(30, 140, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def announce_over_api(world, *, value="8800.00", reference="LIVE-1") -> str:
    response = api_client(world.merchant_user).post(
        NOTICES,
        {
            "reference": reference,
            "warehouse": "GZ",
            "items": [
                {
                    "sku": "BANGLE-56",
                    "title": "Hetian nephrite bangle",
                    "category": "jewellery-jade",
                    "serial": f"HT-{reference}",
                    "claim": {
                        "material": "nephrite jade",
                        "weight_g": "52.31",
                        "declared_value": value,
                    },
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["items"][0]["code"]


def test_announce_receive_inspect_sign_off_and_pass_through_the_api_alone(world, qc):
    code = announce_over_api(world)
    receive = api_client(world.station).post(
        SCANS, {"barcode": code, "action": "receive"}, format="json"
    )
    assert receive.status_code == 200

    inspected = api_client(world.inspector).post(
        inspections_url(code),
        {"observed": weighing(weight_g=52.33), "notes": "Clean."},
        format="json",
    )

    assert inspected.status_code == 201, inspected.json()
    body = inspected.json()
    assert body["verdict"] == "pass"
    assert body["status"] == "awaiting_signoff"  # declared 8,800 > 5,000
    weight = next(c for c in body["checks"] if c["check"] == "weight")
    assert (weight["claimed"], weight["observed"]["weight_mg"], weight["verdict"]) == (
        52310,
        52330,
        "pass",
    )
    assert weight["rule"]["params"]["tolerance_mg"] == 100
    assert weight["rule_text"]

    signed = api_client(qc.inspector2).post(
        f"/api/v1/inspections/{body['id']}/sign-off/", {"approve": True}, format="json"
    )
    assert signed.status_code == 200, signed.json()
    assert signed.json()["signoff"]["by"] == "inspector2"

    item = api_client(world.merchant_user).get(f"/api/v1/items/{code}").json()
    assert item["state"] == "passed"
    assert [(e["from_state"], e["to_state"]) for e in item["events"]] == [
        ("announced", "received"),
        ("received", "inspecting"),
        ("inspecting", "inspecting"),
        ("inspecting", "passed"),
    ]


def test_the_scan_answer_offers_inspect_once_received(world, qc):
    item = received(world, jade_row())
    answer = api_client(qc.qc_station).post(
        SCANS, {"barcode": item.code, "action": "lookup"}, format="json"
    )
    assert "inspect" in answer.json()["item"]["allowed_actions"]


def test_the_station_contract_posts_observations_and_gets_verdict_and_checks(world, qc):
    item = received(world, jade_row())

    response = api_client(qc.qc_station).post(
        inspections_url(item.code),
        {"observed": {**GOOD_JADE, "material": "glass"}},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["verdict"] == "fail"
    assert {c["check"]: c["verdict"] for c in body["checks"]} == {
        "material": "fail",
        "weight": "pass",
        "appearance": "pass",
        "packaging": "skipped",
    }
    assert body["station"] == "GZ-QC-01"


def test_an_open_inspection_continues_with_200(world, qc):
    item = received(world, jade_row())
    client = api_client(world.inspector)
    opened = client.post(inspections_url(item.code), {"complete": False}, format="json")
    assert opened.status_code == 201 and opened.json()["status"] == "open"

    done = client.post(
        inspections_url(item.code), {"observed": GOOD_JADE}, format="json"
    )

    assert done.status_code == 200
    assert done.json()["id"] == opened.json()["id"]
    assert done.json()["verdict"] == "pass"


def test_bad_observations_answer_400_naming_the_key(world, qc):
    item = received(world, jade_row())

    response = api_client(world.inspector).post(
        inspections_url(item.code),
        {"observed": weighing(weight_g="fifty")},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_observation"
    assert "observed.weight_g" in error["fields"]
    assert Item.objects.get(code=item.code).state == "received"


def test_wrong_state_answers_409_and_a_wrong_role_403(world, qc):
    announced = Item.objects.get(code=announce_over_api(world))
    refused = api_client(world.inspector).post(
        inspections_url(announced.code), {"observed": GOOD_JADE}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"

    item = received(world, jade_row())
    forbidden = api_client(world.station).post(
        inspections_url(item.code), {"observed": GOOD_JADE}, format="json"
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "wrong_station_kind"


def test_a_merchant_cannot_read_another_merchants_inspections(world, qc):
    item = received(world, jade_row())
    inspection = (
        api_client(world.inspector)
        .post(inspections_url(item.code), {"observed": GOOD_JADE}, format="json")
        .json()
    )
    own, other = api_client(world.merchant_user), api_client(world.merchant2_user)

    assert own.get(inspections_url(item.code)).status_code == 200
    assert own.get(f"/api/v1/inspections/{inspection['id']}/").status_code == 200
    for url in (
        inspections_url(item.code),
        f"/api/v1/inspections/{inspection['id']}/",
    ):
        response = other.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] in (
            "item_not_found",
            "inspection_not_found",
        )
    appeal = other.post(
        f"/api/v1/items/{item.code}/appeal/", {"reason": "mine?"}, format="json"
    )
    assert appeal.status_code == 404


def test_a_station_of_another_warehouse_sees_nothing(world, qc):
    item = received(world, jade_row())
    sih_qc = f.StationFactory(code="SIH-QC-01", warehouse=world.sih, kind="inspection")

    response = api_client(sih_qc.user).post(
        inspections_url(item.code), {"observed": GOOD_JADE}, format="json"
    )
    assert response.status_code == 404


def test_the_merchant_appeals_over_the_api(world, qc):
    item = received(world, jade_row())
    failed = (
        api_client(world.inspector)
        .post(
            inspections_url(item.code),
            {"observed": {**GOOD_JADE, "appearance": False}},
            format="json",
        )
        .json()
    )
    api_client(qc.inspector2).post(
        f"/api/v1/inspections/{failed['id']}/sign-off/", {}, format="json"
    )

    response = api_client(world.merchant_user).post(
        f"/api/v1/items/{item.code}/appeal/",
        {"reason": "The mark is a natural inclusion."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["appealed"] == failed["id"]
    assert body["reinspection"]["reason"] == "appeal"
    assert body["reinspection"]["status"] == "open"
    listed = api_client(world.merchant_user).get(inspections_url(item.code)).json()
    assert [(i["number"], i["verdict"]) for i in listed] == [(1, "fail"), (2, "")]


def test_a_supervisor_decides_a_hold_over_the_api(world, qc):
    item = received(world, jade_row())
    api_client(world.inspector).post(
        inspections_url(item.code),
        {"observed": {**GOOD_JADE, "packaging": {"state": "missing_seal"}}},
        format="json",
    )
    assert Item.objects.get(pk=item.pk).state == "held"

    inspector = api_client(world.inspector).post(
        f"/api/v1/items/{item.code}/hold-decision/",
        {"decision": "pass", "reason": "ok"},
        format="json",
    )
    assert inspector.status_code == 403
    decided = api_client(world.supervisor).post(
        f"/api/v1/items/{item.code}/hold-decision/",
        {"decision": "pass", "reason": "Seal replaced in transit."},
        format="json",
    )
    assert decided.status_code == 200
    assert decided.json()["hold_decision"]["decision"] == "pass"
    assert Item.objects.get(pk=item.pk).state == "passed"


def test_scale_readings_over_the_api(world, qc):
    item = received(world, jade_row())
    url = f"/api/v1/items/{item.code}/scale-readings/"
    station = api_client(qc.qc_station)
    assert station.post(url, {"weight_g": "52.3"}, format="json").status_code == 409

    station.post(inspections_url(item.code), {"complete": False}, format="json")
    bad = station.post(url, {"weight_g": "-1"}, format="json")
    assert bad.status_code == 400
    assert "observed.weight_g" in bad.json()["error"]["fields"]
    good = station.post(url, {"weight_ct": "261.55"}, format="json")
    assert good.status_code == 200
    weight = next(c for c in good.json()["checks"] if c["check"] == "weight")
    assert (weight["source"], weight["observed"]["weight_mg"]) == ("scale", 52310)


# --- photos ---------------------------------------------------------------------------


def open_inspection(world, qc) -> tuple[str, int]:
    item = received(world, jade_row())
    opened = api_client(world.inspector).post(
        inspections_url(item.code), {"complete": False}, format="json"
    )
    return item.code, opened.json()["id"]


def upload(user, inspection_id, data: bytes, name="photo.png", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api_client(user).post(
        f"/api/v1/inspections/{inspection_id}/photos/",
        {"image": SimpleUploadedFile(name, data), **extra},
        format="multipart",
    )


def test_a_photo_is_stored_checked_by_content_and_served_to_the_merchant(
    world, qc, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _code, inspection_id = open_inspection(world, qc)

    response = upload(world.inspector, inspection_id, png(), check="weight")

    assert response.status_code == 201, response.json()
    photo = response.json()
    assert (photo["content_type"], photo["width"], photo["height"]) == (
        "image/png",
        64,
        48,
    )
    served = api_client(world.merchant_user).get(photo["url"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == png()
    assert api_client(world.merchant2_user).get(photo["url"]).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 not an image",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # a PNG signature and nothing else
        b"GIF89a" + b"\x00" * 20,
    ],
)
def test_what_is_not_an_accepted_image_is_refused(world, qc, settings, tmp_path, data):
    settings.MEDIA_ROOT = tmp_path
    _code, inspection_id = open_inspection(world, qc)

    response = upload(world.inspector, inspection_id, data, name="evil.jpg")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["image"]
    assert not any(tmp_path.rglob("*.*"))


def test_a_photo_over_the_limit_answers_413(world, qc, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.INSPECTION_PHOTO_MAX_BYTES = 1000
    _code, inspection_id = open_inspection(world, qc)

    response = upload(
        world.inspector,
        inspection_id,
        png(size=(400, 400), colour=(1, 2, 3)) + b"\x00" * 2000,
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_photo_for_an_unknown_check_is_refused(world, qc, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _code, inspection_id = open_inspection(world, qc)

    response = upload(world.inspector, inspection_id, png(), check="colour")

    assert response.status_code == 400
    assert "check" in response.json()["error"]["fields"]


# --- templates ------------------------------------------------------------------------


def test_templates_are_readable_by_stations_and_published_by_supervisors(world, qc):
    listed = api_client(qc.qc_station).get("/api/v1/inspection-templates/")
    assert listed.status_code == 200
    assert {t["category"] for t in listed.json()} == {"jewellery-jade", "cosmetics"}
    jade = next(t for t in listed.json() if t["category"] == "jewellery-jade")
    assert "weight_g" in jade["observation_keys"]["weight"]

    new = {
        "category": "cosmetics",
        "aql": "0.65",
        "checks": [{"key": "packaging", "kind": "packaging", "params": {}}],
    }
    assert (
        api_client(world.inspector)
        .post("/api/v1/inspection-templates/", new, format="json")
        .status_code
        == 403
    )
    published = api_client(world.supervisor).post(
        "/api/v1/inspection-templates/", new, format="json"
    )
    assert published.status_code == 201, published.json()
    assert published.json()["version"] == 2
    versions = api_client(qc.qc_station).get(
        "/api/v1/inspection-templates/?category=cosmetics&all=true"
    )
    assert [t["version"] for t in versions.json()] == [2, 1]


def test_a_template_with_a_bad_rule_answers_400_naming_the_check(world, qc):
    response = api_client(world.supervisor).post(
        "/api/v1/inspection-templates/",
        {
            "category": "cosmetics",
            "checks": [{"key": "weight", "kind": "weight", "params": {}}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert any(k.startswith("checks[0]") for k in response.json()["error"]["fields"])


# --- query counts ---------------------------------------------------------------------


def test_inspection_detail_reads_a_fixed_number_of_queries(
    world, qc, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _code, inspection_id = open_inspection(world, qc)
    client = api_client(world.inspector)
    url = f"/api/v1/inspections/{inspection_id}/"
    client.get(url)  # warm the token and principal caches

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        upload(world.inspector, inspection_id, png())
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200

    assert len(more) == len(few)
