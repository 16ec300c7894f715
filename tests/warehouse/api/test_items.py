"""GET /api/v1/items/ and /api/v1/items/{code}; who sees what; the error shape."""

from types import SimpleNamespace

import pytest
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse import lifecycle

URL = "/api/v1/items/"


def client_for(user=None):
    """An API client for ``user`` that asks for English messages."""
    client = api_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


@pytest.fixture
def items(world):
    """Five items: two merchants, two warehouses, two categories, two states."""
    gz1 = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz, reference="N1")
    gz2 = f.NoticeFactory(merchant=world.merchant2, warehouse=world.gz, reference="N2")
    sih1 = f.NoticeFactory(merchant=world.merchant, warehouse=world.sih, reference="N3")
    sih2 = f.NoticeFactory(
        merchant=world.merchant2, warehouse=world.sih, reference="N4"
    )
    made = SimpleNamespace(
        jade=f.ItemFactory(notice=gz1, category=world.jade, line=0),
        lot=f.ItemFactory(
            notice=gz1,
            category=world.lots,
            line=1,
            quantity=12,
            claim={"expiry_date": "2027-01-01", "packaging": "box"},
        ),
        other_gz=f.ItemFactory(notice=gz2, category=world.jade, line=0),
        mine_sih=f.ItemFactory(notice=sih1, category=world.jade, line=0),
        other_sih=f.ItemFactory(notice=sih2, category=world.jade, line=0),
        notice=gz1,
    )
    lifecycle.item_receive(item=made.lot, actor=world.station)
    return made


# --- List -------------------------------------------------------------------------


def test_platform_and_admin_list_every_item(world, items):
    """Those who see all get every merchant's items in every warehouse."""
    every = {
        items.jade.code,
        items.lot.code,
        items.other_gz.code,
        items.mine_sih.code,
        items.other_sih.code,
    }

    for user in (world.platform, world.admin):
        response = client_for(user).get(URL)
        assert response.json()["count"] == 5
        assert codes(response) == every


def test_a_merchant_lists_only_its_own_items(world, items):
    """Merchant 1 sees its items in both warehouses and nothing of merchant 2."""
    client = client_for(world.merchant_user)

    assert codes(client.get(URL)) == {
        items.jade.code,
        items.lot.code,
        items.mine_sih.code,
    }
    assert codes(client.get(URL, {"merchant": "GLOWLAB"})) == set()
    assert codes(client.get(URL, {"notice": items.other_gz.notice_id})) == set()
    assert codes(client_for(world.merchant2_user).get(URL)) == {
        items.other_gz.code,
        items.other_sih.code,
    }


@pytest.mark.parametrize("who", ["station", "inspector", "supervisor"])
def test_warehouse_staff_list_only_their_warehouses_items(world, items, who):
    """A Guangzhou station, inspector or supervisor sees Guangzhou items only."""
    response = client_for(getattr(world, who)).get(URL)

    assert codes(response) == {items.jade.code, items.lot.code, items.other_gz.code}


def test_a_station_of_the_other_warehouse_lists_its_own(world, items):
    """The Sihui station sees the Sihui items."""
    response = client_for(world.station_sih).get(URL)

    assert codes(response) == {items.mine_sih.code, items.other_sih.code}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "received"}, {"lot"}),
        ({"state": ["received", "announced"]}, {"lot", "jade", "other_gz"}),
        ({"merchant": "GLOWLAB"}, {"other_gz"}),
        ({"warehouse": "GZ"}, {"jade", "lot", "other_gz"}),
        ({"warehouse": "SIH"}, set()),
        ({"category": "cosmetics"}, {"lot"}),
        ({"category": "jewellery-jade", "merchant": "JADEHOME"}, {"jade"}),
        ({"notice": "__notice__"}, {"jade", "lot"}),
        ({"state": "released"}, set()),
    ],
)
def test_item_list_filters(world, items, params, expected):
    """state (repeatable), merchant, warehouse, category and notice narrow the list."""
    params = {
        key: items.notice.pk if value == "__notice__" else value
        for key, value in params.items()
    }

    response = client_for(world.station).get(URL, params)

    assert codes(response) == {getattr(items, name).code for name in expected}


def test_item_list_rows_have_the_list_shape(world, items):
    """A row: code, state, merchant, warehouse, category, claim, allowed actions."""
    response = client_for(world.station).get(URL, {"category": "cosmetics"})

    (row,) = response.json()["results"]
    assert row["code"] == items.lot.code
    assert row["state"] == "received"
    assert row["merchant"] == {"code": "JADEHOME", "name": "Merchant JADEHOME"}
    assert row["warehouse"] == "GZ"
    assert row["category"] == {"code": "cosmetics", "name": "Cosmetics", "name_zh": ""}
    assert row["quantity"] == 12
    assert row["claim"] == {"expiry_date": "2027-01-01", "packaging": "box"}
    assert row["allowed_actions"] == ["inspect"]
    assert "events" not in row


def test_item_list_is_paginated(world, items):
    """page_size pages the list, with count, next and previous."""
    client = client_for(world.platform)

    first = client.get(URL, {"page_size": 2}).json()
    third = client.get(URL, {"page_size": 2, "page": 3}).json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert len(third["results"]) == 1
    assert third["next"] is None
    seen = {row["code"] for row in first["results"] + third["results"]}
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"notice": "abc"}, "notice"),
        ({"created_after": "yesterday"}, "created_after"),
    ],
)
def test_a_bad_filter_is_400_not_500(world, items, params, field):
    """Bad filter values answer 400 in the error shape, naming the filter."""
    response = client_for(world.platform).get(URL, params)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert error["message"] == error["fields"][field][0]


def test_an_out_of_range_notice_filter_is_not_a_500(world, items):
    """?notice= beyond any id: an empty list (or a 400), never a crash."""
    client = client_for(world.platform)
    client.raise_request_exception = False

    response = client.get(URL, {"notice": "99999999999999999999"})

    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert response.json()["count"] == 0
    else:
        assert error_of(response)["code"] == "invalid"


def test_a_page_past_the_end_is_404_in_the_error_shape(world, items):
    """?page=99 of a one-page list: 404 not_found."""
    response = client_for(world.platform).get(URL, {"page": 99})

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "Invalid page.",
        "fields": {},
    }


# --- Detail -----------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_item_detail_has_its_event_history(world, items, slash):
    """Detail (with or without the trailing slash): item, notice, tags, events."""
    item = items.jade
    lifecycle.item_receive(
        item=item, actor=world.station, station=world.station.station
    )
    lifecycle.item_inspection_start(item=item, actor=world.inspector)
    lifecycle.item_hold(item=item, actor=world.inspector, reason="lab test")
    lifecycle.item_inspection_start(item=item, actor=world.supervisor)

    response = client_for(world.merchant_user).get(f"{URL}{item.code}{slash}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == item.code
    assert body["state"] == "inspecting"
    assert body["allowed_actions"] == ["pass", "fail", "hold"]
    assert body["notice"] == {"id": items.notice.pk, "reference": "N1"}
    assert body["tags"] == []
    assert [(e["from_state"], e["to_state"]) for e in body["events"]] == [
        ("announced", "received"),
        ("received", "inspecting"),
        ("inspecting", "held"),
        ("held", "inspecting"),
    ]
    assert [e["actor"] for e in body["events"]] == [
        "station-gz-rcv-01",
        "inspector",
        "inspector",
        "supervisor",
    ]
    assert body["events"][0]["station"] == "GZ-RCV-01"
    assert body["events"][1]["station"] is None
    assert body["events"][2]["reason"] == "lab test"


def test_item_detail_lists_bound_tags(world, items):
    """Tags bound at receiving show on the detail."""
    response = client_for(world.station).post(
        "/api/v1/scans/",
        {"barcode": items.jade.code, "action": "receive", "tag": "TAG-9"},
        format="json",
    )
    assert response.status_code == 200

    detail = client_for(world.station).get(f"{URL}{items.jade.code}")

    assert detail.json()["tags"] == ["TAG-9"]


@pytest.mark.parametrize("who", ["platform", "admin", "station", "inspector"])
def test_detail_is_open_to_whoever_may_see_the_item(world, items, who):
    """Platform and admin see all; Guangzhou staff see Guangzhou items."""
    response = client_for(getattr(world, who)).get(f"{URL}{items.other_gz.code}")

    assert response.status_code == 200
    assert response.json()["merchant"]["code"] == "GLOWLAB"


@pytest.mark.parametrize(
    ("who", "which"),
    [
        ("merchant2_user", "jade"),
        ("merchant_user", "other_gz"),
        ("merchant_user", "other_sih"),
        ("station", "mine_sih"),
        ("station_sih", "jade"),
        ("inspector", "other_sih"),
    ],
)
@pytest.mark.parametrize("slash", ["", "/"])
def test_an_item_out_of_scope_is_404_like_an_unknown_one(
    world, items, who, which, slash
):
    """Out of scope answers exactly as a code that does not exist at all."""
    client = client_for(getattr(world, who))
    code = getattr(items, which).code
    unknown = "Q0000000000" + "X"

    hidden = client.get(f"{URL}{code}{slash}")
    missing = client.get(f"{URL}{unknown}{slash}")

    assert hidden.status_code == missing.status_code == 404
    assert error_of(hidden) == {
        "code": "item_not_found",
        "message": f"No item {code}.",
        "fields": {},
    }
    assert error_of(missing) == {
        "code": "item_not_found",
        "message": f"No item {unknown}.",
        "fields": {},
    }


@pytest.mark.parametrize("action", ["lookup", "receive"])
def test_merchants_cannot_scan_at_all(world, items, action):
    """A merchant's scan of its own, another's or no item gets the same 403."""
    client = client_for(world.merchant2_user)
    answers = [
        client.post(
            "/api/v1/scans/", {"barcode": barcode, "action": action}, format="json"
        )
        for barcode in (items.jade.code, items.other_gz.code, "NOTHING")
    ]

    assert {r.status_code for r in answers} == {403}
    assert {r.content for r in answers} == {answers[0].content}
    assert error_of(answers[0])["code"] == "permission_denied"


# --- The error shape everywhere ---------------------------------------------------


def test_a_bad_token_is_401_in_the_error_shape(world):
    """An unknown token: 401 authentication_failed with a Token challenge."""
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.get(URL)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert error_of(response) == {
        "code": "authentication_failed",
        "message": "Invalid token.",
        "fields": {},
    }


def test_no_token_is_401_in_the_error_shape(world):
    """No credentials: 401 not_authenticated."""
    response = client_for().get(f"{URL}QANYTHING123")

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_an_inactive_users_token_is_401(world):
    """A deactivated user's token no longer works."""
    world.station.is_active = False
    world.station.save(update_fields=["is_active"])

    response = client_for(world.station).get(URL)

    assert response.status_code == 401
    assert error_of(response) == {
        "code": "authentication_failed",
        "message": "User inactive or deleted.",
        "fields": {},
    }


def test_a_user_without_a_role_is_403(world, items):
    """Authenticated but neither merchant, staff, station nor platform: 403."""
    nobody = f.UserFactory(username="nobody")

    response = client_for(nobody).get(URL)

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [
        ("nobody", "get", URL),
        ("nobody", "get", "/api/v1/inbound-notices/"),
        ("merchant_user", "post", "/api/v1/scans/"),
        ("station", "post", "/api/v1/inbound-notices/"),
    ],
)
def test_a_refusal_speaks_the_callers_language(world, who, method, path):
    """The 403 message follows Accept-Language on every endpoint, whatever
    language the process happened to be in when it first loaded the views."""
    user = f.UserFactory(username="nobody") if who == "nobody" else getattr(world, who)
    client = api_client(user)

    english = getattr(client, method)(path, {}, HTTP_ACCEPT_LANGUAGE="en")
    chinese = getattr(client, method)(path, {}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 403
    assert error_of(english)["message"] == "Your role may not do this."
    assert error_of(chinese)["message"] != "Your role may not do this."
    assert english.headers["Content-Language"] == "en"


def test_a_deactivated_station_is_403(world, items):
    """A station switched off in the admin can no longer read or scan."""
    station = world.station.station
    station.is_active = False
    station.save(update_fields=["is_active"])
    client = client_for(world.station)

    listed = client.get(URL)
    scanned = client.post(
        "/api/v1/scans/",
        {"barcode": items.jade.code, "action": "receive"},
        format="json",
    )

    assert listed.status_code == scanned.status_code == 403
    assert error_of(scanned)["code"] == "permission_denied"
    items.jade.refresh_from_db()
    assert items.jade.state == "announced"


@pytest.mark.parametrize(
    "path", ["/api/v1/nowhere/", "/api/v1/items/a/b/c", "/api/v2/items/", "/api/"]
)
def test_an_unknown_api_url_is_404_in_the_error_shape(world, path):
    """Unknown paths under /api/ answer JSON, with or without a token."""
    for client in (client_for(), client_for(world.station)):
        response = client.get(path)

        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json"
        assert error_of(response)["code"] == "not_found"


def test_an_unknown_page_outside_the_api_is_not_json(db, client):
    """Outside /api/ a 404 is Django's page, not the API's JSON."""
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert not response.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("method", "path", "who"),
    [
        ("put", "/api/v1/scans/", "station"),
        ("get", "/api/v1/scans/", "station"),
        ("post", "/api/v1/items/", "platform"),
        ("delete", "/api/v1/items/QANYTHING123", "platform"),
        ("patch", "/api/v1/inbound-notices/", "merchant_user"),
    ],
)
def test_a_wrong_method_is_405_in_the_error_shape(world, method, path, who):
    """405 method_not_allowed, naming the method."""
    response = getattr(client_for(getattr(world, who)), method)(path)

    assert response.status_code == 405
    assert error_of(response) == {
        "code": "method_not_allowed",
        "message": f'Method "{method.upper()}" not allowed.',
        "fields": {},
    }


@pytest.fixture
def throttled(settings, monkeypatch):
    """Three requests a minute per user."""
    rates = {"user": "3/minute", "anon": "2/minute"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    api_settings.reload()
    # The throttle classes read the rates once, at import.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    yield rates
    api_settings.reload()


def test_too_many_requests_is_429_with_retry_after(world, items, throttled):
    """The fourth request in a minute: 429 throttled, Retry-After, per user."""
    client = client_for(world.station)

    answers = [client.get(URL) for _ in range(4)]
    other = client_for(world.platform).get(URL)

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    response = answers[-1]
    error = error_of(response)
    assert error["code"] == "throttled"
    assert (
        error["message"] == "Request was throttled. Expected available in 60 seconds."
    )
    assert error["fields"] == {"retry_after_seconds": 60}
    assert response.headers["Retry-After"] == "60"
    assert other.status_code == 200  # another user has their own allowance


def test_scans_are_throttled_too(world, items, throttled):
    """A flood of scans is cut off with the same 429 answer."""
    client = client_for(world.station)
    body = {"barcode": items.jade.code, "action": "lookup"}

    answers = [client.post("/api/v1/scans/", body, format="json") for _ in range(4)]

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert error_of(answers[-1])["code"] == "throttled"
    assert int(answers[-1].headers["Retry-After"]) > 0
