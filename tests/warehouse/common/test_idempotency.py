"""``Idempotency-Key`` on POST inbound notices and scans, and the purge of old keys."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse import services
from warehouse.common import idempotency
from warehouse.common.tasks import idempotency_keys_purge_task
from warehouse.models import (
    IdempotencyKey,
    InboundNotice,
    Item,
    ItemEvent,
    ItemState,
    ScanLog,
)

NOTICES = "/api/v1/inbound-notices/"
SCANS = "/api/v1/scans/"


def client_for(user=None):
    """An API client for ``user`` that asks for English messages."""
    client = api_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def post(user, url, body, key=None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client_for(user).post(url, body, format="json", headers=headers)


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def notice_body(reference="ASN-1", serial_prefix="SN"):
    return {
        "reference": reference,
        "warehouse": "GZ",
        "items": [
            {
                "sku": f"SKU-{n}",
                "title": "Nephrite bangle",
                "category": "jewellery-jade",
                "serial": f"{serial_prefix}-{n}",
                "claim": {"material": "nephrite jade", "weight_g": 50},
            }
            for n in range(2)
        ],
    }


def fingerprint(url, body):
    return idempotency.request_fingerprint(method="POST", path=url, data=body)


@pytest.fixture
def item(world):
    """An announced item of merchant1 in Guangzhou."""
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    return f.ItemFactory(notice=notice, category=world.jade, line=0, serial="S-1")


def receive(item):
    return {"barcode": item.code, "action": "receive"}


# --- Replays --------------------------------------------------------------------


def test_a_repeated_notice_is_answered_from_the_first_and_writes_nothing(world):
    """Same key, same body: the same 201 and body, marked replayed; one notice."""
    first = post(world.merchant_user, NOTICES, notice_body(), key="notice-1")
    again = post(world.merchant_user, NOTICES, notice_body(), key="notice-1")

    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert InboundNotice.objects.count() == 1
    assert Item.objects.count() == 2


def test_key_order_in_the_body_does_not_matter(world):
    """The body is compared as data, not as bytes."""
    body = notice_body()
    reordered = dict(reversed(list(body.items())))

    first = post(world.merchant_user, NOTICES, body, key="k")
    again = post(world.merchant_user, NOTICES, reordered, key="k")

    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_a_repeated_receive_scan_changes_nothing(world, item):
    """Same key, same scan: the same 200 answer, one event; the replay is logged."""
    first = post(world.station, SCANS, receive(item), key="scan-1")
    again = post(world.station, SCANS, receive(item), key="scan-1")

    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ItemEvent.objects.filter(item=item).count() == 1
    assert list(ScanLog.objects.order_by("id").values_list("outcome", flat=True)) == [
        "accepted",
        "replayed",
    ]


def test_an_error_answer_is_replayed_too(world, item):
    """A 409 (received twice) is stored and given again; nothing else happens."""
    assert post(world.station, SCANS, receive(item)).status_code == 200
    refused = post(world.station, SCANS, receive(item), key="twice")
    again = post(world.station, SCANS, receive(item), key="twice")

    assert refused.status_code == again.status_code == 409
    assert error_of(refused)["code"] == "invalid_transition"
    assert again.json() == refused.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert ItemEvent.objects.filter(item=item).count() == 1
    assert list(
        ScanLog.objects.order_by("id").values_list("outcome", "error_code")
    ) == [("accepted", ""), ("refused", "invalid_transition"), ("replayed", "")]


def test_a_refused_notice_is_replayed_and_needs_a_new_key_to_retry(world):
    """A 400 answer sticks to its key; the corrected body goes with a new key."""
    bad = notice_body()
    bad["items"][0]["claim"]["weight_g"] = "heavy"

    refused = post(world.merchant_user, NOTICES, bad, key="k1")
    again = post(world.merchant_user, NOTICES, bad, key="k1")
    fixed_same_key = post(world.merchant_user, NOTICES, notice_body(), key="k1")
    fixed_new_key = post(world.merchant_user, NOTICES, notice_body(), key="k2")

    assert refused.status_code == again.status_code == 400
    assert error_of(refused)["code"] == "invalid_items"
    assert again.json() == refused.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert fixed_same_key.status_code == 422
    assert fixed_new_key.status_code == 201
    assert InboundNotice.objects.count() == 1


# --- Refusals -------------------------------------------------------------------


def test_the_same_key_with_another_body_is_422(world, item):
    """A key names one request: another body under it is refused, unchanged."""
    other = f.ItemFactory(notice=item.notice, category=world.jade, line=1)
    assert post(world.station, SCANS, receive(item), key="k").status_code == 200

    response = post(world.station, SCANS, receive(other), key="k")

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was used for a different request.",
        "fields": {},
    }
    other.refresh_from_db()
    assert other.state == ItemState.ANNOUNCED


def test_the_same_notice_key_with_another_body_is_422(world):
    """Notices too: a different body under a used key writes nothing."""
    post(world.merchant_user, NOTICES, notice_body(), key="k")

    response = post(
        world.merchant_user, NOTICES, notice_body("ASN-2", "OTHER"), key="k"
    )

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert list(InboundNotice.objects.values_list("reference", flat=True)) == ["ASN-1"]


def test_a_key_still_in_progress_is_409(world, item):
    """The first request still holds the key: the repeat is told to wait."""
    IdempotencyKey.objects.create(
        user=world.station,
        key="busy",
        fingerprint=fingerprint(SCANS, receive(item)),
        locked_at=timezone.now(),
    )

    response = post(world.station, SCANS, receive(item), key="busy")

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "idempotency_in_progress",
        "message": "A request with this Idempotency-Key is still being processed.",
        "fields": {},
    }
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED


def test_a_stale_lock_lets_the_request_proceed(world, item, settings):
    """A key locked longer than IDEMPOTENCY_LOCK_SECONDS ago belonged to a dead
    request (its effect rolled back): the repeat runs and its answer is stored."""
    settings.IDEMPOTENCY_LOCK_SECONDS = 60
    IdempotencyKey.objects.create(
        user=world.station,
        key="stale",
        fingerprint=fingerprint(SCANS, receive(item)),
        locked_at=timezone.now() - dt.timedelta(seconds=61),
    )

    response = post(world.station, SCANS, receive(item), key="stale")
    again = post(world.station, SCANS, receive(item), key="stale")

    assert response.status_code == 200, response.content
    assert "Idempotent-Replayed" not in response.headers
    assert response.json()["item"]["state"] == "received"
    record = IdempotencyKey.objects.get(key="stale")
    assert record.response_status == 200
    assert record.locked_at is None
    assert again.headers["Idempotent-Replayed"] == "true"
    assert ItemEvent.objects.filter(item=item).count() == 1


def test_a_stale_lock_on_a_notice_lets_it_be_created(world, settings):
    """The same for notices: the notice is created once."""
    settings.IDEMPOTENCY_LOCK_SECONDS = 60
    IdempotencyKey.objects.create(
        user=world.merchant_user,
        key="stale",
        fingerprint=fingerprint(NOTICES, notice_body()),
        locked_at=timezone.now() - dt.timedelta(minutes=5),
    )

    response = post(world.merchant_user, NOTICES, notice_body(), key="stale")

    assert response.status_code == 201
    assert InboundNotice.objects.count() == 1


def test_keys_belong_to_their_caller(world):
    """Two merchants using one key each get their own notice."""
    mine = post(world.merchant_user, NOTICES, notice_body(), key="shared")
    theirs = post(world.merchant2_user, NOTICES, notice_body(), key="shared")

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["merchant"] == "GLOWLAB"
    assert InboundNotice.objects.count() == 2


def test_another_station_with_the_same_key_is_not_replayed(world, item):
    """A second station's scan runs for real: it gets its own 409, not a copy."""
    other_station = f.StationFactory(code="GZ-RCV-02", warehouse=world.gz).user

    first = post(world.station, SCANS, receive(item), key="k")
    second = post(other_station, SCANS, receive(item), key="k")

    assert first.status_code == 200
    assert second.status_code == 409
    assert "Idempotent-Replayed" not in second.headers
    assert error_of(second)["code"] == "invalid_transition"
    assert IdempotencyKey.objects.filter(key="k").count() == 2


@pytest.mark.parametrize("key", ["x" * 256, "clé-1", "", "tab\there", "\u4e2d\u6587"])
def test_an_invalid_key_is_400_and_nothing_happens(world, item, key):
    """Keys are 1 to 255 printable ASCII characters."""
    response = post(world.station, SCANS, receive(item), key=key)

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "idempotency_key_invalid",
        "message": "Idempotency-Key must be 1 to 255 printable ASCII characters.",
        "fields": {},
    }
    assert not IdempotencyKey.objects.exists()
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED


def test_a_255_character_key_is_accepted(world, item):
    """The longest allowed key works."""
    response = post(world.station, SCANS, receive(item), key="k" * 255)

    assert response.status_code == 200
    assert IdempotencyKey.objects.get().key == "k" * 255


@pytest.mark.parametrize("case", ["reused", "in_progress", "invalid"])
def test_a_scan_refused_for_its_key_is_logged(world, item, case):
    """Scans refused by the Idempotency-Key layer are scans too: one refused row."""
    key = "k"
    if case == "reused":
        IdempotencyKey.objects.create(
            user=world.station, key=key, fingerprint="0" * 64, locked_at=None
        )
    elif case == "in_progress":
        IdempotencyKey.objects.create(
            user=world.station,
            key=key,
            fingerprint=fingerprint(SCANS, receive(item)),
            locked_at=timezone.now(),
        )
    else:
        key = "x" * 300

    response = post(world.station, SCANS, receive(item), key=key)

    assert response.status_code in (400, 409, 422)
    log = ScanLog.objects.get()
    assert log.outcome == "refused"
    assert log.error_code == error_of(response)["code"]
    assert log.barcode == item.code


def test_a_server_error_frees_the_key_for_a_retry(world, item, monkeypatch):
    """A crash rolls the effect back and releases the key; the retry runs."""

    def crash(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "scan_process", crash)
    client = client_for(world.station)
    client.raise_request_exception = False

    crashed = client.post(
        SCANS, receive(item), format="json", headers={"Idempotency-Key": "k"}
    )
    monkeypatch.undo()
    retried = post(world.station, SCANS, receive(item), key="k")

    assert crashed.status_code == 500
    assert error_of(crashed)["code"] == "server_error"
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers
    assert ItemEvent.objects.filter(item=item).count() == 1


# --- Purge --------------------------------------------------------------------------


def make_keys(user, now, *, boundary=True):
    """Keys aged 48 h, 25 h, exactly 24 h (if ``boundary``), 23 h and fresh."""
    ages = {"48h": 48, "25h": 25, "24h": 24, "23h": 23, "new": 0}
    if not boundary:
        del ages["24h"]
    for name, hours in ages.items():
        IdempotencyKey.objects.create(
            user=user,
            key=name,
            fingerprint="f" * 64,
            locked_at=None,
            response_status=200,
            response_body={},
            created_at=now - dt.timedelta(hours=hours),
        )


def test_purge_deletes_only_expired_keys(world, settings):
    """Keys older than IDEMPOTENCY_KEY_TTL_HOURS go; the rest stay."""
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    now = timezone.now()
    make_keys(world.station, now)

    deleted = idempotency.idempotency_keys_purge(now=now)

    assert deleted == 2
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {
        "24h",
        "23h",
        "new",
    }


def test_purge_follows_the_ttl_setting(world, settings):
    """A shorter TTL purges more."""
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 1
    now = timezone.now()
    make_keys(world.station, now)

    assert idempotency.idempotency_keys_purge(now=now) == 4
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_purge_task_deletes_expired_keys_once(world, settings):
    """The beat task purges; run twice, the second run has nothing to do."""
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    make_keys(world.station, timezone.now(), boundary=False)

    first = idempotency_keys_purge_task.delay()
    second = idempotency_keys_purge_task.delay()

    assert first.get() == 2
    assert second.get() == 0
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"23h", "new"}


def test_a_replay_works_until_the_key_is_purged(world, item, settings):
    """After the purge the key is forgotten: the same request runs again."""
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    first = post(world.station, SCANS, receive(item), key="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    idempotency.idempotency_keys_purge()

    again = post(world.station, SCANS, receive(item), key="old")

    assert first.status_code == 200
    assert again.status_code == 409
    assert "Idempotent-Replayed" not in again.headers
