"""Carrier adapters: the sandbox's numbers, configuration, refusals."""

import pytest

from fulfilment import carriers
from fulfilment.carriers import (
    CARRIERS,
    Address,
    CarrierRefused,
    SandboxAdapter,
    ShipmentRequest,
    carrier_adapter_get,
    tracking_number_valid,
)

BUYER = Address(
    name="王小明", phone="13800138000", lines="南山区科技园路 1 号", city="深圳"
)
SENDER = Address(name="GZ", phone="", lines="Guangzhou")


def request(carrier, reference="SABC", recipient=BUYER):
    return ShipmentRequest(
        reference=reference,
        carrier=carrier,
        sender=SENDER,
        recipient=recipient,
        weight_mg=52_310,
        item_code="Q1234567890X",
    )


@pytest.mark.parametrize(
    ("code", "example"),
    [
        ("zto", r"^75\d{10}$"),
        ("yto", r"^YT\d{13}$"),
        ("yunda", r"^43\d{11}$"),
        ("jt", r"^JT\d{13}$"),
        ("sf", r"^SF\d{13}$"),
    ],
)
def test_sandbox_numbers_have_each_carriers_format_and_are_repeatable(code, example):
    import re

    adapter = carrier_adapter_get(code)
    one = adapter.book(request(code))
    assert re.match(example, one.tracking_number)
    assert tracking_number_valid(code, one.tracking_number)
    assert adapter.book(request(code)).tracking_number == one.tracking_number
    others = {adapter.book(request(code, f"S{n}")).tracking_number for n in range(200)}
    assert len(others) == 200
    assert not tracking_number_valid(code, "123")


def test_a_privacy_waybill_is_booked_with_a_virtual_number():
    """Asked for a privacy waybill, the sandbox answers a virtual number (a
    170 line and an extension), the same for the same parcel; otherwise none."""
    import dataclasses
    import re

    adapter = carrier_adapter_get("zto")
    private = dataclasses.replace(request("zto"), privacy=True)
    one = adapter.book(private)
    assert re.fullmatch(r"170\d{8}-\d{4}", one.virtual_number)
    assert adapter.book(private).virtual_number == one.virtual_number
    other = dataclasses.replace(private, reference="SOTHER")
    assert adapter.book(other).virtual_number != one.virtual_number
    assert adapter.book(request("zto")).virtual_number == ""


def test_the_sandbox_refuses_a_parcel_without_address_or_phone():
    with pytest.raises(CarrierRefused):
        carrier_adapter_get("sf").book(
            request("sf", recipient=Address(name="x", phone="", lines="somewhere"))
        )


def test_unknown_carriers_are_refused():
    with pytest.raises(CarrierRefused):
        carrier_adapter_get("dhl")


class Recording(SandboxAdapter):
    booked: list = []

    def book(self, request):
        self.booked.append(request.reference)
        return super().book(request)


def test_a_configured_adapter_serves_its_carrier(settings):
    settings.FULFILMENT_CARRIER_ADAPTERS = {"sf": f"{__name__}.Recording"}
    adapter = carrier_adapter_get("sf")
    assert isinstance(adapter, Recording)
    adapter.book(request("sf", "S-REAL"))
    assert Recording.booked == ["S-REAL"]
    assert type(carrier_adapter_get("zto")) is SandboxAdapter
    assert set(CARRIERS) == {"zto", "yto", "yunda", "jt", "sf"}
    carriers._adapter.cache_clear()
