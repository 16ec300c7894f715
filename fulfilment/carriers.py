"""Carriers behind one adapter interface, and a deterministic sandbox.

Callers only see :class:`CarrierAdapter`: ``book(request) -> Booking``,
``cancel(tracking_number)`` and ``track(tracking_number) ->
list[TrackingEvent]``, through :func:`carrier_adapter_get`. Which class
serves a carrier is configuration: ``settings.FULFILMENT_CARRIER_ADAPTERS``
maps a carrier code to the dotted path of an adapter class (taking the code
as its only argument); carriers not listed use :class:`SandboxAdapter`. A real
adapter (ZTO's, SF's open platform …) is added by writing its class and
naming it there, without touching any caller.

The sandbox issues tracking numbers in each carrier's real public format,
derived from the shipment's reference, so the same parcel always gets the
same number (a job that runs twice books once) and tests and the demo are
repeatable.

A privacy waybill (隐私面单): a parcel to a buyer is booked with
``privacy=True``; the carrier gets the recipient whole (it delivers with it)
and may answer a virtual number (虚拟号) that relays a courier's call to the
buyer, which the label prints beside the buyer's masked number (the label
masks the name and the phone: :func:`fulfilment.masking.recipient_on_label`).
The sandbox answers one for every such booking, a function of the reference
too: a 170 number and a 4-digit extension, ``17012345678-1234``.
"""

import datetime as dt
import hashlib
import re
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


class CarrierError(Exception):
    """A transient failure (timeout, carrier down): try again later."""


class CarrierRefused(Exception):
    """A permanent refusal (bad address, unknown carrier): do not retry."""


@dataclass(frozen=True)
class Address:
    name: str
    phone: str
    lines: str
    city: str = ""
    province: str = ""
    postcode: str = ""
    country: str = "CN"


@dataclass(frozen=True)
class ShipmentRequest:
    reference: str  # our parcel reference: the carrier's idempotency key
    carrier: str
    sender: Address
    recipient: Address
    weight_mg: int
    item_code: str
    service: str = "standard"
    # A privacy waybill: ask the carrier for a virtual number for the recipient.
    privacy: bool = False


@dataclass(frozen=True)
class Booking:
    carrier: str
    tracking_number: str
    sort_code: str
    booked_at: dt.datetime
    # The carrier's virtual number for the recipient ("" none): printed on
    # the label beside the recipient's masked phone.
    virtual_number: str = ""


@dataclass(frozen=True)
class TrackingEvent:
    """One scan the carrier reports for a parcel: a code (``picked_up``,
    ``delivered`` …) and when; rendered by the reader's side, never prose."""

    code: str
    at: dt.datetime


@dataclass(frozen=True)
class CarrierInfo:
    code: str
    name: str
    name_zh: str
    prefix: str  # the sandbox's numbers: this prefix, then digits
    digits: int
    pattern: re.Pattern


CARRIERS: dict[str, CarrierInfo] = {
    c.code: c
    for c in (
        CarrierInfo("zto", "ZTO", "中通", "75", 10, re.compile(r"^7\d{11}$")),
        CarrierInfo("yto", "YTO", "圆通", "YT", 13, re.compile(r"^YT\d{13}$")),
        CarrierInfo("yunda", "Yunda", "韵达", "43", 11, re.compile(r"^4\d{12}$")),
        CarrierInfo("jt", "J&T", "极兔", "JT", 13, re.compile(r"^JT\d{13}$")),
        CarrierInfo("sf", "SF", "顺丰", "SF", 13, re.compile(r"^SF\d{13}$")),
    )
}


def tracking_number_valid(carrier: str, number: str) -> bool:
    """Whether ``number`` has the public format of ``carrier``'s numbers."""
    info = CARRIERS.get(carrier)
    return bool(info and info.pattern.match(number))


class CarrierAdapter:
    """The interface every carrier adapter implements."""

    def __init__(self, code: str):
        if code not in CARRIERS:
            raise CarrierRefused(_("Unknown carrier %(code)s.") % {"code": code})
        self.code = code
        self.info = CARRIERS[code]

    def book(self, request: ShipmentRequest) -> Booking:  # pragma: no cover
        raise NotImplementedError

    def cancel(self, tracking_number: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def track(self, tracking_number: str) -> list[TrackingEvent]:  # pragma: no cover
        """The parcel's events so far, oldest first."""
        raise NotImplementedError


class SandboxAdapter(CarrierAdapter):
    """Books instantly, offline: numbers are a function of the reference."""

    def book(self, request: ShipmentRequest) -> Booking:
        recipient = request.recipient
        if not recipient.lines.strip() or not recipient.phone.strip():
            raise CarrierRefused(
                _("The recipient needs an address and a phone number.")
            )
        delay = getattr(settings, "SANDBOX_CARRIER_DELAY_SECONDS", 0)
        if delay:  # a slow carrier, for fault drills
            time.sleep(delay)
        digest = hashlib.sha256(f"{self.code}:{request.reference}".encode()).digest()
        number = int.from_bytes(digest[:16], "big")
        digits = str(number % 10**self.info.digits).zfill(self.info.digits)
        # The sort code names the destination city, as carriers print it.
        city = (recipient.city or recipient.province or "000")[:20]
        sort_code = f"{digest[16] % 900 + 100}-{digest[17] % 90 + 10} {city}"
        virtual = ""
        if request.privacy:
            line = int.from_bytes(digest[18:26], "big") % 10**8
            extension = int.from_bytes(digest[26:28], "big") % 10**4
            virtual = f"170{line:08d}-{extension:04d}"
        return Booking(
            carrier=self.code,
            tracking_number=self.info.prefix + digits,
            sort_code=sort_code,
            booked_at=dt.datetime.now(dt.UTC),
            virtual_number=virtual,
        )

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        """A parcel handed over (released) is picked up, then delivered
        ``SANDBOX_DELIVERY_DELAY_SECONDS`` later (0: at once); one never
        released has no events. Deterministic: a function of the parcel."""
        from .models import Shipment

        shipment = (
            Shipment.objects.filter(carrier=self.code, tracking_number=tracking_number)
            .order_by("-id")
            .first()
        )
        if shipment is None or shipment.released_at is None:
            return []
        picked = shipment.released_at
        events = [TrackingEvent("picked_up", picked)]
        delay = dt.timedelta(
            seconds=getattr(settings, "SANDBOX_DELIVERY_DELAY_SECONDS", 0)
        )
        if picked + delay <= timezone.now():
            events.append(TrackingEvent("delivered", picked + delay))
        return events

    def cancel(self, tracking_number: str) -> None:
        if not tracking_number_valid(self.code, tracking_number):
            raise CarrierRefused(
                _("%(number)s is not a %(carrier)s tracking number.")
                % {"number": tracking_number, "carrier": self.info.name}
            )


@cache
def _adapter(code: str, path: str) -> CarrierAdapter:
    return import_string(path)(code)


def carrier_adapter_get(code: str) -> CarrierAdapter:
    """The configured adapter for ``code`` (the sandbox unless configured)."""
    if code not in CARRIERS:
        raise CarrierRefused(_("Unknown carrier %(code)s.") % {"code": code})
    configured = getattr(settings, "FULFILMENT_CARRIER_ADAPTERS", {}) or {}
    path = configured.get(code, "fulfilment.carriers.SandboxAdapter")
    return _adapter(code, path)
