"""Two requests on one thing at the same moment end with exactly one effect.

Real concurrency needs real row locks: PostgreSQL, committed data
(``transaction=True``), and one database connection per thread.
"""

import threading
from functools import partial

import pytest
from django.db import connection

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse.models import InboundNotice, Item, ItemEvent, ScanLog

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SCANS = "/api/v1/scans/"
NOTICES = "/api/v1/inbound-notices/"
ROUNDS = 5


def at_once(calls: list) -> list:
    """Run ``calls`` (no-argument callables) in threads started together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


@pytest.fixture
def stations(world):
    """Two receiving stations of the Guangzhou warehouse, as API clients."""
    second = f.StationFactory(code="GZ-RCV-02", warehouse=world.gz).user
    return api_client(world.station), api_client(second)


@pytest.fixture
def items(world):
    """ROUNDS announced items of one notice."""
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    return [
        f.ItemFactory(notice=notice, category=world.jade, line=n, serial=f"C-{n}")
        for n in range(ROUNDS)
    ]


def test_two_stations_receiving_one_item_at_once_receive_it_once(stations, items):
    """One 200, one 409 invalid_transition; one event; one accepted, one refused log."""
    for item in items:
        body = {"barcode": item.code, "action": "receive"}
        answers = at_once(
            [partial(client.post, SCANS, body, format="json") for client in stations]
        )

        assert sorted(r.status_code for r in answers) == [200, 409], [
            r.content for r in answers
        ]
        refused = next(r for r in answers if r.status_code == 409)
        assert refused.json()["error"]["code"] == "invalid_transition"
        assert refused.json()["error"]["fields"]["state"] == "received"
        assert ItemEvent.objects.filter(item=item, to_state="received").count() == 1
        logs = ScanLog.objects.filter(item=item)
        assert sorted(logs.values_list("outcome", "error_code")) == [
            ("accepted", ""),
            ("refused", "invalid_transition"),
        ]
        assert logs.values("station").distinct().count() == 2
        assert Item.objects.get(pk=item.pk).state == "received"


def test_one_idempotency_key_sent_twice_at_once_acts_once(world, items):
    """Same station, same key, same scan, twice at once: one effect.

    The loser is either told the first is still running (409) or gets its
    answer (a replay), never a second receive.
    """
    client = api_client(world.station)
    for n, item in enumerate(items):
        body = {"barcode": item.code, "action": "receive"}
        headers = {"Idempotency-Key": f"retry-{n}"}

        post = partial(client.post, SCANS, body, format="json", headers=headers)
        answers = at_once([post, post])

        statuses = sorted(r.status_code for r in answers)
        assert statuses in ([200, 200], [200, 409]), [r.content for r in answers]
        if statuses == [200, 409]:
            loser = next(r for r in answers if r.status_code == 409)
            assert loser.json()["error"]["code"] == "idempotency_in_progress"
        else:
            assert (
                sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers)
                == 1
            )
        assert ItemEvent.objects.filter(item=item, to_state="received").count() == 1
        assert ScanLog.objects.filter(item=item, outcome="accepted").count() == 1


def test_one_notice_sent_twice_at_once_with_one_key_is_created_once(world):
    """A merchant's retried announcement, racing the original: one notice."""
    client = api_client(world.merchant_user)
    body = {
        "reference": "RACE-1",
        "warehouse": "GZ",
        "items": [
            {
                "sku": f"S-{n}",
                "title": "Bangle",
                "category": "jewellery-jade",
                "claim": {"material": "nephrite jade", "weight_g": 10},
            }
            for n in range(50)
        ],
    }
    headers = {"Idempotency-Key": "race-1"}

    answers = at_once(
        [partial(client.post, NOTICES, body, format="json", headers=headers)] * 2
    )

    statuses = sorted(r.status_code for r in answers)
    assert statuses in ([201, 201], [201, 409]), [r.content for r in answers]
    assert InboundNotice.objects.filter(reference="RACE-1").count() == 1
    assert Item.objects.count() == 50


def test_one_reference_announced_twice_at_once_is_created_once(world):
    """No key, same reference, at once: one 201 and one 409, never two notices.

    The notices are big enough that both pass the early "reference already
    used?" check before either commits, so the loser meets the unique
    constraint: it must still get the stable ``duplicate_reference`` code and
    a readable message, not the database's error text.
    """
    client = api_client(world.merchant_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    row = {
        "sku": "S-1",
        "title": "Bangle",
        "category": "jewellery-jade",
        "claim": {"material": "nephrite jade", "weight_g": 10},
    }
    body = {"reference": "RACE-2", "warehouse": "GZ", "items": [row] * 1500}

    answers = at_once([partial(client.post, NOTICES, body, format="json")] * 2)

    assert sorted(r.status_code for r in answers) == [201, 409], [
        r.content[:300] for r in answers
    ]
    assert InboundNotice.objects.filter(reference="RACE-2").count() == 1
    assert Item.objects.count() == 1500
    error = next(r for r in answers if r.status_code == 409).json()["error"]
    assert error["code"] == "duplicate_reference", error
    assert error["message"] == "Notice RACE-2 already exists.", error
