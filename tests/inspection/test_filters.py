"""The inspector queue's FilterSet: the item list's filters (the API's),
narrowed to the items waiting for inspection; the queue page and
``GET /api/v1/items/`` find the same items with the same parameters."""

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse

from inspection.filters import QueueFilter
from tests.conftest import api_client
from tests.fulfilment.conftest import certified
from warehouse.filters import ItemFilter
from warehouse.models import Item

from .factories import announce, jade_row, lot_row, received

pytestmark = pytest.mark.django_db
API = "/api/v1/items/"
WAITING = ["received", "inspecting", "held"]


@pytest.fixture
def queue(world, qc):
    """Received jade and a received lot in Guangzhou, one of another merchant,
    one item still announced, and one waiting in Sihui."""
    made = {
        "jade": received(world, jade_row()),
        "lot": received(world, lot_row()),
        "glow": received(world, jade_row(), merchant=world.merchant2),
        "announced": announce(world, jade_row()),
        "sihui": received(world, jade_row(), warehouse="SIH"),
    }
    Item.objects.filter(pk=made["jade"].pk).update(
        received_at=made["jade"].received_at - dt.timedelta(hours=30)
    )
    return made


def api_codes(user, params) -> set[str]:
    response = api_client(user).get(API, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def page_codes(client, user, params, every) -> tuple[int, set[str]]:
    client.force_login(user)
    response = client.get(reverse("inspect:queue"), params, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    return response.status_code, {code for code in every if code in body}


def test_the_queue_filters_with_the_item_lists_filterset():
    assert issubclass(QueueFilter, ItemFilter)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"jade", "lot", "glow"}),
        ({"category": "cosmetics"}, {"lot"}),
        ({"merchant": "GLOWLAB"}, {"glow"}),
        ({"merchant": "JADEHOME", "category": "jewellery-jade"}, {"jade"}),
        ({"state": "received", "category": "cosmetics"}, {"lot"}),
        ({"state": "held"}, set()),
    ],
)
def test_api_and_queue_find_the_same_items(client, world, queue, params, expected):
    """The API is asked for the waiting states the queue shows by default."""
    every = {item.code for item in queue.values()}
    wanted = {queue[name].code for name in expected}
    api_params = {"state": WAITING, **params}

    assert api_codes(world.inspector, api_params) == wanted
    assert page_codes(client, world.inspector, params, every) == (200, wanted)


def test_waiting_at_least_narrows_the_queue(client, world, queue):
    every = {item.code for item in queue.values()}

    assert page_codes(client, world.inspector, {"age": "24"}, every) == (
        200,
        {queue["jade"].code},
    )
    assert page_codes(client, world.inspector, {"age": "72"}, every) == (200, set())


@pytest.mark.parametrize(
    "params",
    [
        {"state": "announced"},
        {"state": "lost", "age": "5"},
        {"age": "soon"},
        {"category": "no-such-category"},
    ],
)
def test_a_value_the_queue_does_not_know_is_left_out(client, world, queue, params):
    """An unknown state or age leaves the queue whole (status 200), as it
    always did; an unknown category finds nothing."""
    every = {item.code for item in queue.values()}
    status, codes = page_codes(client, world.inspector, params, every)

    assert status == 200
    if "category" in params:
        assert codes == set()
    else:
        assert codes == {queue[name].code for name in ("jade", "lot", "glow")}


def test_the_queue_form_keeps_its_names_and_selects(client, world, queue):
    """Bookmarks keep working: the selects are named as the query parameters,
    the chosen values stay selected, and htmx still swaps the table."""
    client.force_login(world.inspector)
    params = {"category": "cosmetics", "age": "24"}
    body = client.get(
        reverse("inspect:queue"), params, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    chinese = client.get(
        reverse("inspect:queue"), params, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert 'hx-get="/inspect/" hx-target="#queue" hx-trigger="change"' in body
    for name in ("state", "category", "merchant", "age"):
        assert f'name="{name}" id="f-{name}"' in body
    assert '<option value="cosmetics" selected>' in body
    assert '<option value="24" selected>24 hours</option>' in body
    assert '<option value="" selected>All waiting</option>' in body
    assert '<option value="24" selected>24 小时</option>' in chinese


# --- certificates: the ZIP download ---------------------------------------------------


def zip_codes(client, params) -> tuple[int, set[str]]:
    response = client.get(reverse("inspect:certificates-zip"), params)
    if response.status_code != 200:
        return response.status_code, set()
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    return 200, {name.split("-")[0] for name in names}


def test_certificates_of_a_shipment_are_the_portals_items_of_it(client, world, qc):
    """``?notice=<reference>`` names the same items on the portal's item list
    and on the certificates' ZIP (each of them certified)."""
    mine = [certified(world) for _ in range(2)]
    reference = mine[0].notice.reference
    client.force_login(world.merchant_user)
    listed = client.get("/portal/items/", {"notice": reference}).content.decode()
    on_list = {item.code for item in mine if item.code in listed}

    assert zip_codes(client, {"notice": reference}) == (200, on_list)
    assert on_list == {mine[0].code}
    assert zip_codes(client, {"code": [mine[1].code, ""]}) == (200, {mine[1].code})
    assert zip_codes(client, {"all": "1"}) == (200, {item.code for item in mine})


@pytest.mark.parametrize("params", [{}, {"code": ""}, {"all": "0"}, {"notice": ""}])
def test_a_zip_of_nothing_chosen_is_refused(client, world, qc, params):
    certified(world)
    client.force_login(world.merchant_user)

    response = client.get(
        reverse("inspect:certificates-zip"),
        params,
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.redirect_chain[0][1] == 302
    assert "Choose the items whose certificates you want." in response.content.decode()


def test_another_merchant_filtering_on_a_shipment_gets_nothing(client, world, qc):
    item = certified(world)
    client.force_login(world.merchant2_user)

    assert zip_codes(client, {"notice": item.notice.reference}) == (404, set())


# --- templates ------------------------------------------------------------------------


BOTH_COSMETICS = [("cosmetics", 2), ("cosmetics", 1)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [("cosmetics", 2), ("jewellery-jade", 1)]),
        ({"category": "cosmetics"}, [("cosmetics", 2)]),
        ({"category": "cosmetics", "all": "true"}, BOTH_COSMETICS),
        ({"category": "cosmetics", "all": "TRUE"}, BOTH_COSMETICS),
        ({"category": "cosmetics", "all": "1"}, BOTH_COSMETICS),
        ({"category": "cosmetics", "all": "yes"}, [("cosmetics", 2)]),
        ({"all": "0"}, [("cosmetics", 2), ("jewellery-jade", 1)]),
        ({"category": "no-such"}, []),
    ],
)
def test_templates_filter_by_category_and_versions(world, qc, params, expected):
    """In force by default (each category's newest version); ``all`` is on
    for 1 or true in any case, as before."""
    new = {
        "category": "cosmetics",
        "aql": "0.65",
        "checks": [{"key": "packaging", "kind": "packaging", "params": {}}],
    }
    published = api_client(world.supervisor).post(
        "/api/v1/inspection-templates/", new, format="json"
    )
    assert published.status_code == 201, published.content

    listed = api_client(qc.qc_station).get("/api/v1/inspection-templates/", params)

    assert listed.status_code == 200
    assert [(t["category"], t["version"]) for t in listed.json()] == expected
