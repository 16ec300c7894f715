"""The fulfilment lists' FilterSets: parcels (the API's ``?pending_labels=1``
and ``?status=`` are the dock's two lists), orders and the dispatch figures."""

import re

import pytest

from fulfilment.filters import ShipmentFilter
from fulfilment.models import Order, Shipment
from tests.conftest import api_client

from .conftest import run_jobs
from .test_dock_pages import (  # noqa: F401 - fixtures
    at_dock,
    dock,
    operator,
    packed,
)

pytestmark = pytest.mark.django_db
SHIPMENTS = "/api/v1/shipments/"
ORDERS = "/api/v1/orders/"
FIGURES = "/api/v1/dispatch-figures/"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def rows(page: str, testid: str) -> list[str]:
    """The parcel references in the dock page's rows of ``testid``."""
    found = re.findall(rf'data-testid="{testid}">(.*?)</tr>', page, re.S)
    return [ref for row in found for ref in re.findall(r"\bS[0-9A-Z-]{4,}", row)]


@pytest.fixture
def parcels(world, qc):
    """Two parcels with their labels, booked in this order, and one still
    being booked."""
    first, second = packed(world), packed(world)
    return {"first": first, "second": second, "booking": packed(world, label=False)}


def test_the_dock_lists_what_the_api_filters(world, parcels, at_dock):  # noqa: F811
    """``?pending_labels=1`` is the labels to print, ``?status=booking`` the
    parcels waiting for their booking: the same parcels, in the same order,
    on the API and on the dock's page."""
    station = api_client(world.station)
    page = at_dock.get("/dock/labels/").content.decode()
    pending = references(station.get(SHIPMENTS, {"pending_labels": "1"}))
    booking = references(station.get(SHIPMENTS, {"status": "booking"}))

    assert pending == [parcels["first"].reference, parcels["second"].reference]
    assert booking == [parcels["booking"].reference]
    tracking = [Shipment.objects.get(reference=ref).tracking_number for ref in pending]
    assert [t for t in tracking if t in page] == tracking
    assert page.index(tracking[0]) < page.index(tracking[1])
    assert page.count('data-testid="label-row"') == len(pending)
    assert rows(page, "waiting-row") == booking


@pytest.mark.parametrize("value", ["0", "false", "yes", ""])
def test_pending_labels_is_on_only_for_1_or_true(world, parcels, value):
    every = set(references(api_client(world.station).get(SHIPMENTS)))

    answer = api_client(world.station).get(SHIPMENTS, {"pending_labels": value})

    assert set(references(answer)) == every
    assert len(every) == 3


def test_an_unknown_status_finds_nothing(world, parcels):
    """As before: an empty list, not an error."""
    answer = api_client(world.station).get(SHIPMENTS, {"status": "lost"})
    assert references(answer) == []
    answer = api_client(world.platform).get(ORDERS, {"status": "lost"})
    assert references_of_orders(answer) == []


def references_of_orders(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["order_id"] for row in response.json()["results"]]


def test_orders_filter_by_status_and_promise_state(world, parcels):
    platform = api_client(world.platform)
    every = set(references_of_orders(platform.get(ORDERS)))
    packed_ids = set(
        Order.objects.filter(status=Order.Status.PACKED).values_list(
            "external_id", flat=True
        )
    )

    assert len(every) == 3
    assert set(references_of_orders(platform.get(ORDERS, {"status": "packed"}))) == (
        packed_ids
    )
    on_track = platform.get(ORDERS, {"promise_state": "on_track", "status": "packed"})
    assert set(references_of_orders(on_track)) == packed_ids
    assert references_of_orders(platform.get(ORDERS, {"promise_state": "met"})) == []


def test_a_merchant_filtering_on_pending_labels_is_refused(world, parcels):
    """Only the dock prints labels: the service's 403 in the error shape."""
    answer = api_client(world.merchant_user).get(
        SHIPMENTS, {"pending_labels": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "2024-13-01"}, "from"), ({"to": "soon", "from": "x"}, "from")],
)
def test_dispatch_figures_refuse_a_bad_date_naming_it(world, params, field):
    answer = api_client(world.platform).get(FIGURES, params, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "invalid",
        "message": "Give dates as YYYY-MM-DD.",
        "fields": {field: ["YYYY-MM-DD"]},
    }


def test_dispatch_figures_count_the_orders_the_filters_keep(world, parcels):
    run_jobs()
    platform = api_client(world.platform)
    everything = platform.get(FIGURES).json()
    elsewhere = platform.get(FIGURES, {"warehouse": "SIH"}).json()
    long_ago = platform.get(FIGURES, {"from": "2001-01-01", "to": "2001-01-02"})

    counted = ("on_time", "late", "breached", "open")
    assert sum(row[name] for row in everything for name in counted) == 3
    assert elsewhere == [] and long_ago.json() == []


def test_the_shipment_filterset_documents_its_parameters():
    assert list(ShipmentFilter.base_filters) == ["pending_labels", "status"]
