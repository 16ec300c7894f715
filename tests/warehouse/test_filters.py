"""The item list's FilterSet: the API and the merchant portal's item list
filter with the same parameters and find the same items."""

import re

import pytest

from tests.conftest import api_client
from tests.warehouse.api.test_items import items  # noqa: F401 - a fixture
from warehouse.filters import ItemFilter, PortalItemFilter

pytestmark = pytest.mark.django_db

API = "/api/v1/items/"
PAGE = "/portal/items/"
CODE = re.compile(r"\bQ[0-9A-Z]{6,}\b")


def api_codes(user, params) -> set[str]:
    client = api_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def page_codes(client, user, params, every) -> set[str]:
    client.force_login(user)
    response = client.get(PAGE, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    body = response.content.decode()
    return {code for code in every if code in body}


def test_the_portal_filters_items_with_the_apis_filterset():
    """The page's FilterSet is the API's, shown as a search box and selects."""
    assert issubclass(PortalItemFilter, ItemFilter)
    assert set(ItemFilter.base_filters) < set(PortalItemFilter.base_filters)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"jade", "lot", "mine_sih"}),
        ({"state": "received"}, {"lot"}),
        ({"state": "announced", "warehouse": "GZ"}, {"jade"}),
        ({"category": "cosmetics"}, {"lot"}),
        ({"warehouse": "SIH"}, {"mine_sih"}),
        ({"category": "jewellery-jade", "warehouse": "GZ"}, {"jade"}),
        # A filter never widens what a merchant may see.
        ({"merchant": "GLOWLAB"}, set()),
        ({"merchant": "JADEHOME", "state": "received"}, {"lot"}),
    ],
)
def test_api_and_portal_find_the_same_items(client, world, items, params, expected):  # noqa: F811
    every = {
        getattr(items, name).code
        for name in ("jade", "lot", "other_gz", "mine_sih", "other_sih")
    }
    wanted = {getattr(items, name).code for name in expected}

    assert api_codes(world.merchant_user, params) == wanted
    assert page_codes(client, world.merchant_user, params, every) == wanted


def test_an_unknown_state_is_refused_by_both(client, world, items):  # noqa: F811
    """The API answers 400 in the error shape; the page shows the form's error."""
    response = api_client(world.merchant_user).get(
        API, {"state": "lost"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == ["state"]

    client.force_login(world.merchant_user)
    page = client.get(PAGE, {"state": "lost"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "Select a valid choice" in page.content.decode()


def test_the_portal_form_shows_its_filters_by_their_query_names(client, world, items):  # noqa: F811
    """Bookmarks keep working: the inputs are named as the query parameters."""
    client.force_login(world.merchant_user)
    body = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    start = body.index('<form class="filters')
    form = body[start : body.index("</form>", start)]

    assert re.findall(r'name="([a-z_]+)"', form) == [
        "q",
        "state",
        "category",
        "warehouse",
        "notice",
    ]
