"""Token authentication and its per-process cache of verified tokens."""

from rest_framework.authtoken.models import Token

from tests.conftest import api_client
from tests.warehouse import factories as f

ITEMS = "/api/v1/items/"


def test_a_revoked_token_is_refused_at_once(world):
    """Deleting a token evicts it from the cache: the next request is a 401."""
    client = api_client(world.station)
    assert client.get(ITEMS).status_code == 200

    Token.objects.filter(user=world.station).delete()

    response = client.get(ITEMS)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_deactivated_station_is_refused_at_once(world):
    """Saving the station evicts its token: a deactivated station may not scan."""
    item = f.ItemFactory(notice__merchant=world.merchant, notice__warehouse=world.gz)
    client = api_client(world.station)
    body = {"barcode": item.code, "action": "lookup"}
    assert client.post("/api/v1/scans/", body, format="json").status_code == 200

    station = world.station.station
    station.is_active = False
    station.save(update_fields=["is_active"])

    response = client.post("/api/v1/scans/", body, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_deactivated_user_is_refused_at_once(world):
    """Saving the user evicts their token: an inactive user gets a 401."""
    client = api_client(world.merchant_user)
    assert client.get(ITEMS).status_code == 200

    world.merchant_user.is_active = False
    world.merchant_user.save(update_fields=["is_active"])

    assert client.get(ITEMS).status_code == 401


def test_a_known_token_is_not_looked_up_again(world, django_assert_num_queries):
    """The second request of a station costs no token query (the list is empty:
    one count query is all)."""
    client = api_client(world.station)
    client.get(ITEMS)

    with django_assert_num_queries(1):
        client.get(ITEMS)


def test_the_cache_can_be_turned_off(world, settings, django_assert_num_queries):
    """With API_TOKEN_CACHE_SECONDS = 0 every request checks its token again."""
    settings.API_TOKEN_CACHE_SECONDS = 0
    client = api_client(world.station)
    client.get(ITEMS)

    with django_assert_num_queries(2):  # the token, then the count
        client.get(ITEMS)
