"""The station operator's pages: choose a station, scan at it (htmx or plain)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from fulfilment.models import Order, Shipment
from tests.conftest import api_client
from tests.fulfilment.conftest import certified, order_payload, run_jobs
from tests.inspection.factories import qc  # noqa: F401 - a fixture
from tests.warehouse import factories as f
from warehouse.common.pages import SESSION_STATION
from warehouse.models import ItemEvent, ItemState, ScanLog, Station

pytestmark = pytest.mark.django_db
HOME = "/station/"
CHOOSE = "/station/choose/"
SCAN = "/station/scan/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"
    with translation.override("en"):
        yield


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def operator(world):
    user = f.UserFactory(username="operator")
    f.StaffFactory(user=user, warehouse=world.gz, role="operator")
    return user


@pytest.fixture
def receiving(world) -> Station:
    return world.station.station


@pytest.fixture
def dock(world) -> Station:
    return f.StationFactory(
        code="GZ-DOCK-01", warehouse=world.gz, kind=Station.Kind.DOCK
    )


def at_station(user, station: Station) -> Client:
    client = client_for(user)
    assert client.post(CHOOSE, {"station": station.pk}).status_code == 302
    return client


@pytest.fixture
def item(world):
    """An announced jade bangle of merchant1, expected in Guangzhou."""
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    return f.ItemFactory(notice=notice, category=world.jade, line=0)


def scan(client, barcode, action, *, htmx=True, **extra):
    headers = HTMX if htmx else {}
    return client.post(SCAN, {"barcode": barcode, "action": action, **extra}, **headers)


# --- who may open the pages --------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(db):
    response = Client().get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/station/")
    assert Client().post(SCAN, {"barcode": "x"}).status_code == 302


@pytest.mark.parametrize("who", ["merchant_user", "inspector"])
def test_merchants_and_inspectors_may_not(world, who):
    client = client_for(getattr(world, who))
    assert client.get(HOME).status_code == 403
    assert client.post(SCAN, {"barcode": "x", "action": "lookup"}).status_code == 403
    assert ScanLog.objects.count() == 0


# --- choosing the station ------------------------------------------------------------


def test_without_a_station_the_operator_chooses_among_their_warehouses(
    world, operator, dock
):
    response = client_for(operator).get(HOME)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose your station" in page
    assert "GZ-RCV-01" in page and "GZ-DOCK-01" in page
    assert "SIH-RCV-01" not in page  # another warehouse's


def test_choosing_another_warehouses_station_is_404(world, operator):
    client = client_for(operator)
    response = client.post(CHOOSE, {"station": world.station_sih.station.pk})
    assert response.status_code == 404
    assert client.post(CHOOSE, {"station": "nope"}).status_code == 404
    assert SESSION_STATION not in client.session


def test_chosen_station_shows_its_scan_page(world, operator, receiving):
    client = client_for(operator)
    response = client.post(CHOOSE, {"station": receiving.pk}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"You are working at {receiving.name}." in page
    assert "data-scanbox" in page and "autofocus" in page
    assert 'hx-post="/station/scan/"' in page
    assert 'value="receive" checked' in page  # a receiving station's default
    assert 'value="pack"' not in page  # not offered at a receiving station
    assert "Change station" in page
    assert client.session[SESSION_STATION] == receiving.pk
    # "change station" lists the stations again, the current one marked
    again = client.get(HOME, {"change": "1"}).content.decode()
    assert "Choose your station" in again and "Back to scanning" in again


def test_scanning_without_a_station_is_refused(world, operator, item):
    client = client_for(operator)
    response = scan(client, item.code, "lookup")
    assert response.status_code == 409
    assert response["HX-Redirect"] == HOME
    plain = scan(client, item.code, "lookup", htmx=False)
    assert plain.status_code == 302 and plain["Location"] == HOME
    assert ScanLog.objects.count() == 0


# --- receive --------------------------------------------------------------------------


def test_receive_by_htmx_writes_one_event_and_one_scan_log(
    world, operator, receiving, item
):
    client = at_station(operator, receiving)
    response = scan(client, item.code, "receive")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-outcome="ok"' in page
    assert 'data-state="received"' in page
    assert item.title in page and world.merchant.name in page
    assert "Inspect →" in page  # the allowed next move
    assert "<html" not in page  # a fragment, swapped in
    item.refresh_from_db()
    assert item.state == ItemState.RECEIVED
    event = ItemEvent.objects.get(item=item)
    assert (event.to_state, event.station, event.actor) == (
        ItemState.RECEIVED,
        receiving,
        operator,
    )
    log = ScanLog.objects.get()
    assert (log.station, log.user, log.action, log.outcome, log.item) == (
        receiving,
        operator,
        "receive",
        ScanLog.Outcome.ACCEPTED,
        item,
    )
    assert page.count('data-testid="scan-row"') == 1  # the history, refreshed


def test_a_scan_reads_in_chinese(world, operator, receiving, item):
    """The verbs, the category and the next move in the operator's language."""
    world.jade.name_zh = "珠宝玉石"
    world.jade.save()
    client = at_station(operator, receiving)
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        page = scan(client, item.code, "receive", HTTP_ACCEPT_LANGUAGE="zh-hans")

    text = page.content.decode()
    assert "<dd>珠宝玉石</dd>" in text
    assert "质检 →" in text
    assert re.search(r"<td>\s*收货\s*</td>", text), text
    assert "<td>receive</td>" not in text


def test_receive_by_plain_post_redirects_with_a_message(
    world, operator, receiving, item
):
    client = at_station(operator, receiving)
    response = scan(client, item.code, "receive", htmx=False)

    assert response.status_code == 302 and response["Location"] == HOME
    page = client.get(HOME).content.decode()
    assert f"Receive: {item.code} is received." in page
    assert ItemEvent.objects.filter(item=item).count() == 1
    log = ScanLog.objects.get()
    assert (log.station, log.user, log.outcome) == (receiving, operator, "accepted")


def test_receiving_twice_is_refused_with_the_lifecycles_message(
    world, operator, receiving, item
):
    client = at_station(operator, receiving)
    assert scan(client, item.code, "receive").status_code == 200

    again = scan(client, item.code, "receive")
    assert again.status_code == 409
    page = again.content.decode()
    assert 'data-outcome="refused"' in page
    assert f"Item {item.code} is received and cannot become received" in page
    assert "invalid_transition" in page
    plain = scan(client, item.code, "receive", htmx=False)
    assert plain.status_code == 302
    assert "cannot become received" in client.get(HOME).content.decode()

    assert ItemEvent.objects.filter(item=item).count() == 1
    outcomes = list(ScanLog.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["accepted", "refused", "refused"]


def test_receive_with_tag_and_location(world, operator, receiving, item):
    location = f.LocationFactory(warehouse=world.gz)
    client = at_station(operator, receiving)
    response = scan(
        client, item.code, "receive", tag="TAG-77", location=location.barcode
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.location == location and item.tags.get().value == "TAG-77"
    assert location.barcode in response.content.decode()


def test_unknown_barcode_is_404_with_the_message(world, operator, receiving):
    client = at_station(operator, receiving)
    response = scan(client, "NOSUCHTHING", "lookup")
    assert response.status_code == 404
    page = response.content.decode()
    assert "No item for barcode NOSUCHTHING." in page
    assert "item_not_found" in page
    log = ScanLog.objects.get()
    assert (log.outcome, log.error_code, log.user) == (
        "refused",
        "item_not_found",
        operator,
    )


def test_an_unreadable_scan_is_400_and_logged(world, operator, receiving):
    client = at_station(operator, receiving)
    blank = scan(client, "   ", "lookup")
    assert blank.status_code == 400
    assert "The barcode is empty." in blank.content.decode()
    not_offered = scan(client, "X", "pack")  # a receiving station does not pack
    assert not_offered.status_code == 400
    assert "The scan was not understood" in not_offered.content.decode()
    assert list(ScanLog.objects.values_list("outcome", flat=True)) == [
        "refused",
        "refused",
    ]


def test_another_warehouses_item_is_unknown_here(world, operator, receiving):
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.sih)
    elsewhere = f.ItemFactory(notice=notice, category=world.jade, line=0)
    client = at_station(operator, receiving)
    assert scan(client, elsewhere.code, "receive").status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == ItemState.ANNOUNCED


# --- lookup, and the action kept between scans --------------------------------


def test_lookup_shows_the_item_and_keeps_the_action(world, operator, receiving, item):
    client = at_station(operator, receiving)
    response = scan(client, item.code, "lookup")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-state="announced"' in page and "Receive →" in page
    item.refresh_from_db()
    assert item.state == ItemState.ANNOUNCED
    assert ItemEvent.objects.count() == 0
    assert 'value="lookup" checked' in client.get(HOME).content.decode()


def test_a_supervisor_scans_as_the_chosen_station(world, receiving, item):
    client = at_station(world.supervisor, receiving)
    assert scan(client, item.code, "receive").status_code == 200
    log = ScanLog.objects.get()
    assert (log.station, log.user) == (receiving, world.supervisor)


# --- pack and release at the dock -------------------------------------------------


def allocated(world):
    """A certified jade item allocated to a fresh order (jobs run)."""
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    assert answer.status_code == 201, answer.content
    run_jobs()
    item.refresh_from_db()
    assert item.state == ItemState.ALLOCATED
    return item, Order.objects.get(external_id=payload["order_id"])


@pytest.mark.usefixtures("qc")
def test_pack_and_release_by_scan_at_the_dock(world, operator, dock):
    item, order = allocated(world)
    client = at_station(operator, dock)
    home = client.get(HOME).content.decode()
    assert 'value="pack" checked' in home and 'value="receive"' not in home

    packed = scan(client, item.code, "pack")
    assert packed.status_code == 200, packed.content
    assert 'data-state="packed"' in packed.content.decode()
    shipment = Shipment.objects.get(order=order)
    early = scan(client, item.code, "release")  # no label yet
    assert early.status_code == 409
    assert "has no carrier label yet" in early.content.decode()

    run_jobs()  # the label
    by_code = scan(client, item.code, "release")  # the label is not scanned
    assert by_code.status_code == 409
    assert "Scan the tracking barcode on the ZTO Express label" in (
        by_code.content.decode()
    )
    shipment.refresh_from_db()
    released = scan(client, shipment.tracking_number, "release")
    assert released.status_code == 200, released.content
    page = released.content.decode()
    assert 'data-state="released"' in page
    assert "Receive a buyer&#x27;s return" in page  # the only way back
    assert "marked printed now" in page  # it was never marked printed
    item.refresh_from_db()
    shipment.refresh_from_db()
    assert item.state == ItemState.RELEASED
    assert (shipment.status, shipment.station) == ("released", dock)
    event = ItemEvent.objects.get(item=item, to_state=ItemState.RELEASED)
    assert (event.station, event.actor) == (dock, operator)
    logs = list(
        ScanLog.objects.filter(station=dock)
        .order_by("id")
        .values_list("action", "outcome", "user")
    )
    assert logs == [
        ("pack", "accepted", operator.pk),
        ("release", "refused", operator.pk),
        ("release", "refused", operator.pk),
        ("release", "accepted", operator.pk),
    ]
    assert shipment.printed_at is not None

    again = scan(client, shipment.tracking_number, "release")
    assert again.status_code == 409
    assert "has already left" in again.content.decode()


# --- the scan history --------------------------------------------------------------


def test_history_lists_this_stations_last_20_scans_in_fixed_queries(
    world, operator, receiving, item
):
    client = at_station(operator, receiving)
    other = f.StationFactory(code="GZ-RCV-02", warehouse=world.gz)
    ScanLog.objects.create(station=other, barcode="ELSEWHERE", action="lookup")

    def queries(request) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert request().status_code == 200
        return len(captured)

    def home():
        return client.get(HOME)

    def lookup():
        return scan(client, item.code, "lookup")

    def log(numbers):
        ScanLog.objects.bulk_create(
            ScanLog(station=receiving, user=operator, item=item, barcode=f"B{n}")
            for n in numbers
        )

    lookup()  # the item's names are cached from the first scan on
    log(range(2))
    few_home, few_scan = queries(home), queries(lookup)
    log(range(2, 30))
    assert (queries(home), queries(lookup)) == (few_home, few_scan)
    assert few_home <= 8  # session, user and role (6), station, history
    assert few_scan <= 10  # … the item (names cached), the log row, history

    page = client.get(HOME).content.decode()
    assert page.count('data-testid="scan-row"') == 20
    assert "B29" in page and "B9<" not in page  # newest first, 20 of them
    assert "ELSEWHERE" not in page
