"""Two inspectors or stations acting on one item at once: exactly one effect.

Real row locks need PostgreSQL and committed data (``transaction=True``).
"""

from functools import partial

import pytest

from inspection.models import Appeal, Inspection
from tests.conftest import api_client
from tests.warehouse.test_concurrency import at_once
from warehouse.models import ItemEvent

from .factories import GOOD_JADE, jade_row, received

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def failing_inspection(world, item) -> dict:
    """Inspect ``item`` with a failing check: the fail awaits sign-off."""
    return (
        api_client(world.inspector)
        .post(
            f"/api/v1/items/{item.code}/inspections/",
            {"observed": {**GOOD_JADE, "appearance": False}},
            format="json",
        )
        .json()
    )


def test_two_stations_inspecting_one_item_at_once_make_one_inspection(world, qc):
    """One 201 with the verdict, one 409; one inspection, one verdict event."""
    second = api_client(world.inspector)
    first = api_client(qc.qc_station)
    for _ in range(ROUNDS):
        item = received(world, jade_row())
        url = f"/api/v1/items/{item.code}/inspections/"
        post = [
            partial(client.post, url, {"observed": GOOD_JADE}, format="json")
            for client in (first, second)
        ]

        answers = at_once(post)

        assert sorted(r.status_code for r in answers) == [201, 409], [
            r.content for r in answers
        ]
        assert Inspection.objects.filter(item=item).count() == 1
        assert ItemEvent.objects.filter(item=item, to_state="passed").count() == 1


def test_two_sign_offs_at_once_apply_the_verdict_once(world, qc):
    signers = [api_client(qc.inspector2), api_client(world.supervisor)]
    for _ in range(ROUNDS):
        item = received(world, jade_row())
        inspection = failing_inspection(world, item)
        url = f"/api/v1/inspections/{inspection['id']}/sign-off/"

        answers = at_once([partial(c.post, url, {}, format="json") for c in signers])

        assert sorted(r.status_code for r in answers) == [200, 409]
        assert ItemEvent.objects.filter(item=item, to_state="failed").count() == 1


def test_an_appeal_sent_twice_at_once_opens_one_reinspection(world, qc):
    merchant = api_client(world.merchant_user)
    item = received(world, jade_row())
    failed = failing_inspection(world, item)
    api_client(qc.inspector2).post(
        f"/api/v1/inspections/{failed['id']}/sign-off/", {}, format="json"
    )
    url = f"/api/v1/items/{item.code}/appeal/"

    answers = at_once(
        [partial(merchant.post, url, {"reason": "Please look again."}, format="json")]
        * 2
    )

    assert sorted(r.status_code for r in answers) == [201, 409]
    assert Appeal.objects.filter(item=item).count() == 1
    assert Inspection.objects.filter(item=item).count() == 2
