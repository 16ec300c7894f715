"""The station printers in the admin: a font name or nothing, checked."""

import pytest

from fulfilment.models import StationPrinter

pytestmark = pytest.mark.django_db
ADD = "/admin/fulfilment/stationprinter/add/"


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def test_an_admin_names_a_stations_printer_font(admin_client, world):
    station = world.station.station
    assert admin_client.get(ADD).status_code == 200

    refused = admin_client.post(ADD, {"station": station.pk, "cjk_font": "E:X^XZ"})
    assert refused.status_code == 200  # the form again, with its error
    assert 'class="errorlist' in refused.content.decode()
    assert not StationPrinter.objects.exists()

    saved = admin_client.post(ADD, {"station": station.pk, "cjk_font": "E:SIMSUN.FNT"})
    assert saved.status_code == 302
    assert StationPrinter.objects.get(station=station).cjk_font == "E:SIMSUN.FNT"
    listed = admin_client.get("/admin/fulfilment/stationprinter/")
    assert "E:SIMSUN.FNT" in listed.content.decode()
