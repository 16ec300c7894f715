"""The client's address through the trusted proxies, and the scan log's record
of it. The throttles and the sign-in lock-out that use it are tested in
tests/security/test_throttling.py and tests/warehouse/test_accounts.py."""

import ipaddress

import pytest
from django.test import Client, RequestFactory, override_settings
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse.common.proxies import client_address
from warehouse.models import ScanLog

PROXY = "10.0.0.1"


def request(xff: str | None = None, remote: str = PROXY):
    headers = {"REMOTE_ADDR": remote}
    if xff is not None:
        headers["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("count", "xff", "remote", "client"),
    [
        (0, None, PROXY, PROXY),
        (0, "203.0.113.9", PROXY, PROXY),  # nobody trusted: the header is ignored
        (1, None, PROXY, PROXY),
        (1, "203.0.113.9", PROXY, "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", PROXY, "203.0.113.9"),  # spoofed left part
        (2, "6.6.6.6, 203.0.113.9, 192.0.2.1", PROXY, "203.0.113.9"),
        (2, "203.0.113.9", PROXY, "203.0.113.9"),  # shorter: the left-most
        (3, "203.0.113.9,192.0.2.1", PROXY, "203.0.113.9"),
        (1, "  203.0.113.9  ", PROXY, "203.0.113.9"),
        (1, "203.0.113.9:51234", PROXY, "203.0.113.9"),  # with a port
        (1, "[2001:db8::7]:443", PROXY, "2001:db8::7"),
        (1, "2001:DB8:0:0::7", PROXY, "2001:db8::7"),  # one spelling per address
        (1, "::ffff:203.0.113.9", PROXY, "203.0.113.9"),
        (1, "unknown", PROXY, PROXY),  # not an address: the peer
        (1, "203.0.113.9, ", PROXY, PROXY),
        (1, "", PROXY, PROXY),
        (0, None, "", None),  # a unix socket's peer has no address
        (1, "203.0.113.9", "", "203.0.113.9"),
    ],
)
def test_the_client_is_the_entry_the_outermost_trusted_proxy_appended(
    settings, count, xff, remote, client
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(request(xff, remote)) == client


ADDRESSES = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)
JUNK = st.lists(st.one_of(ADDRESSES, st.text(max_size=20)), max_size=5)


def normal(text: str) -> str:
    address = ipaddress.ip_address(text)
    return str(getattr(address, "ipv4_mapped", None) or address)


@given(junk=JUNK, remote=ADDRESSES)
def test_with_no_trusted_proxy_nothing_a_client_sends_changes_its_address(junk, remote):
    with override_settings(TRUSTED_PROXY_COUNT=0):
        assert client_address(request(",".join(junk), remote)) == normal(remote)


@given(
    junk=JUNK,
    client=ADDRESSES,
    proxies=st.lists(ADDRESSES, max_size=3),
)
def test_what_a_client_writes_before_the_proxies_entries_is_never_read(
    junk, client, proxies
):
    """The outermost proxy appends the client's address, each inner one its
    predecessor's, after whatever the client put in the header."""
    header = ", ".join([*junk, client, *proxies])
    with override_settings(TRUSTED_PROXY_COUNT=len(proxies) + 1):
        assert client_address(request(header)) == normal(client)


@pytest.fixture
def parcel_code(world) -> str:
    """An announced item of merchant 1, expected in Guangzhou."""
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    return f.ItemFactory(notice=notice, category=world.jade, line=0).code


@pytest.mark.django_db
def test_the_scan_log_records_the_client_address(world, settings, parcel_code):
    """Through one trusted proxy the scan log has the station's address; a
    spoofed header without a trusted proxy leaves the peer's."""
    station = api_client(world.station)
    settings.TRUSTED_PROXY_COUNT = 1
    station.post(
        "/api/v1/scans/",
        {"barcode": parcel_code, "action": "lookup"},
        format="json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    station.post(  # refused before the service: logged by the view
        "/api/v1/scans/",
        {"barcode": "", "action": "lookup"},
        format="json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    settings.TRUSTED_PROXY_COUNT = 0
    station.post(
        "/api/v1/scans/",
        {"barcode": parcel_code, "action": "lookup"},
        format="json",
        REMOTE_ADDR="198.51.100.9",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )

    logged = list(
        ScanLog.objects.order_by("id").values_list("outcome", "client_address")
    )
    assert logged == [
        ("accepted", "198.51.100.7"),
        ("refused", "198.51.100.8"),
        ("accepted", "198.51.100.9"),
    ]


@pytest.mark.django_db
def test_a_scan_from_the_station_page_records_the_client_address(
    world, settings, parcel_code
):
    settings.TRUSTED_PROXY_COUNT = 1
    user = f.UserFactory(username="op")
    f.StaffFactory(user=user, warehouse=world.gz, role="operator")
    client = Client(
        HTTP_ACCEPT_LANGUAGE="en",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    client.force_login(user)
    client.post("/station/choose/", {"station": world.station.station.pk})

    client.post("/station/scan/", {"barcode": parcel_code, "action": "lookup"})

    assert ScanLog.objects.get().client_address == "198.51.100.7"
