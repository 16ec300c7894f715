"""The platform's return notices racing on PostgreSQL: one effect each.

Real row locks need PostgreSQL and committed data (``transaction=True``).
"""

from functools import partial

import pytest

from tests.conftest import api_client
from tests.warehouse.test_concurrency import at_once
from warehouse.models import ItemEvent, ItemState, ReturnNotice

from .test_buyer_returns import notice_body, released

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_return_posted_twice_at_once_is_made_once(world, without_app_guards):
    item = released(world)
    body = notice_body(item)
    client = api_client(world.platform)

    answers = at_once(
        [partial(client.post, "/api/v1/returns/", body, format="json")] * 2
    )

    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].json() == answers[1].json()
    assert ReturnNotice.objects.count() == 1
    assert (
        ItemEvent.objects.filter(item=item, to_state=ItemState.RETURN_EXPECTED).count()
        == 1
    )


def test_two_returns_naming_one_item_at_once_take_it_once(world, without_app_guards):
    item = released(world)
    client = api_client(world.platform)
    bodies = [notice_body(item) for _ in "ab"]

    answers = at_once(
        [partial(client.post, "/api/v1/returns/", b, format="json") for b in bodies]
    )

    assert sorted(a.status_code for a in answers) == [201, 409]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["error"]["code"] == "return_already_open"
    assert ReturnNotice.objects.count() == 1
