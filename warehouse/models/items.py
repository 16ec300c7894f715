"""Warehouses, merchants, stations, inbound notices, and the Item with its history.

Fields, choices and constraints only. Every write goes through
``warehouse.services``; every change of ``Item.state`` through
``warehouse.lifecycle``.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ..common.messages import message_render
from ..messages import event_reason

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{0,15}$", _("Use capital letters, digits and dashes.")
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone %(zone)s."), params={"zone": value})


class Warehouse(models.Model):
    code = models.CharField(
        _("code"), max_length=16, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Shanghai",
        validators=[validate_time_zone],
    )
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Location(models.Model):
    """A place in a warehouse: a zone, optionally a shelf in it and a bin on that."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="locations"
    )
    zone = models.CharField(_("zone"), max_length=32)
    shelf = models.CharField(_("shelf"), max_length=32, blank=True)
    bin = models.CharField(_("bin"), max_length=32, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, unique=True)

    class Meta:
        ordering = ["warehouse", "zone", "shelf", "bin"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "zone", "shelf", "bin"],
                name="location_unique_place",
            )
        ]

    def __str__(self):
        return "-".join(part for part in (self.zone, self.shelf, self.bin) if part)


class CategoryFlow(models.TextChoices):
    ORDER_FIRST = "order_first", _("order-first (one item per order)")
    STOCK_FIRST = "stock_first", _("stock-first (lots from stock)")


class Category(models.Model):
    """A kind of goods we accept, and which claims a merchant must make for it.

    ``claim_fields`` is a list of ``{"key": ..., "required": bool}``; keys are
    the claim names of :mod:`warehouse.claims` (``material``, ``weight``,
    ``shelf_life``, ``packaging``, ``labels``, ``imei`` …). Inspection
    templates (the ``inspection`` app) hang off this catalogue entry; once a
    category has a template, the template's checks say which claims are
    required and ``claim_fields`` is no longer consulted.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    flow = models.CharField(
        _("flow"),
        max_length=16,
        choices=CategoryFlow.choices,
        default=CategoryFlow.ORDER_FIRST,
    )
    claim_fields = models.JSONField(_("claim fields"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        """The name in the reader's language (Chinese where it is set)."""
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name

    @property
    def required_claims(self) -> list[str]:
        return [field["key"] for field in self.claim_fields if field.get("required")]


class Merchant(models.Model):
    code = models.CharField(
        _("code"), max_length=16, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    return_address = models.TextField(_("return address"), blank=True)
    # The language the merchant's e-mails are written in.
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self):
        return f"{self.code} {self.name}"


class MerchantMembership(models.Model):
    """A user who acts for a merchant in the portal and over the API."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        STAFF = "staff", _("staff")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="merchant_membership",
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.STAFF
    )

    class Meta:
        verbose_name = _("merchant membership")
        verbose_name_plural = _("merchant memberships")

    def __str__(self):
        return f"{self.user} @ {self.merchant.code}"


class StaffAssignment(models.Model):
    """An inspector, supervisor or station operator working at a warehouse.

    An operator signs in to the pages and works at one of the warehouse's
    stations at a time (chosen on the station page); scans made there are
    recorded under the station and the operator.
    """

    class Role(models.TextChoices):
        INSPECTOR = "inspector", _("inspector")
        SUPERVISOR = "supervisor", _("supervisor")
        OPERATOR = "operator", _("station operator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_assignments",
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "warehouse"], name="staff_unique_per_warehouse"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.role} @ {self.warehouse.code}"


class PlatformAccount(models.Model):
    """The sales platform's service account: sends orders, reads item states."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="platform_account",
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("platform account")
        verbose_name_plural = _("platform accounts")

    def __str__(self):
        return self.name


class Station(models.Model):
    """A barcode-scanner station at a warehouse.

    It authenticates with the token of its own service user, so each station
    has its own key and the scan log names the station.
    """

    class Kind(models.TextChoices):
        RECEIVING = "receiving", pgettext_lazy("station kind", "receiving")
        INSPECTION = "inspection", pgettext_lazy("station kind", "inspection")
        DOCK = "dock", pgettext_lazy("station kind", "dock")

    code = models.CharField(
        _("code"), max_length=32, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stations"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.RECEIVING
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="station"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self):
        return f"{self.code} ({self.warehouse.code})"


class Carrier(models.TextChoices):
    ZTO = "zto", _("ZTO Express")
    YTO = "yto", _("YTO Express")
    YUNDA = "yunda", _("Yunda Express")
    JT = "jt", _("J&T Express")
    SF = "sf", _("SF Express")
    OTHER = "other", _("other")


class InboundNotice(models.Model):
    """An advance shipping notice: what a merchant is sending to a warehouse."""

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("announced")
        RECEIVING = "receiving", _("receiving")
        RECEIVED = "received", _("received")
        CANCELLED = "cancelled", _("cancelled")

    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="notices"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="notices"
    )
    reference = models.CharField(_("reference"), max_length=64)
    carrier = models.CharField(
        _("carrier"), max_length=16, choices=Carrier.choices, blank=True
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ANNOUNCED
    )
    item_count = models.PositiveIntegerField(_("items"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inbound notice")
        verbose_name_plural = _("inbound notices")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "reference"],
                name="notice_reference_unique_per_merchant",
            )
        ]
        indexes = [models.Index(fields=["warehouse", "status"])]

    def __str__(self):
        return f"{self.merchant.code}/{self.reference}"


class ItemState(models.TextChoices):
    """The lifecycle states. Stored and sent to stations: never rename one."""

    ANNOUNCED = "announced", _("announced")
    RECEIVED = "received", _("received")
    INSPECTING = "inspecting", _("inspecting")
    HELD = "held", _("held")
    PASSED = "passed", _("passed")
    FAILED = "failed", _("failed")
    CERTIFIED = "certified", _("certified")
    ALLOCATED = "allocated", _("allocated")
    PACKED = "packed", _("packed")
    RELEASED = "released", _("released")
    RETURNING = "returning", _("returning")
    RETURNED_TO_MERCHANT = "returned_to_merchant", _("returned to merchant")


# States an item has left the warehouse in; its serial may be announced again.
ITEM_GONE_STATES = (ItemState.RELEASED, ItemState.RETURNED_TO_MERCHANT)


class Item(models.Model):
    """One unit (or one stock-first lot) under the warehouse's care."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    # These three lead the composite indexes below; single-column indexes on
    # them would only slow down 100,000-item notices.
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="items", db_index=False
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="items", db_index=False
    )
    notice = models.ForeignKey(
        InboundNotice, on_delete=models.PROTECT, related_name="items", db_index=False
    )
    line = models.PositiveIntegerField(_("line on notice"))
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="items"
    )
    serial = models.CharField(_("merchant serial"), max_length=64, blank=True)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    order_ref = models.CharField(_("order reference"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    claim = models.JSONField(_("claim"), default=dict, blank=True)
    state = models.CharField(
        _("state"),
        max_length=24,
        choices=ItemState.choices,
        default=ItemState.ANNOUNCED,
    )
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    created_at = models.DateTimeField(_("announced at"), default=timezone.now)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="item_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["notice", "line"], name="item_line_unique_per_notice"
            ),
            models.UniqueConstraint(
                fields=["merchant", "serial"],
                condition=~Q(serial="") & ~Q(state__in=ITEM_GONE_STATES),
                name="item_serial_unique_while_here",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "state", "created_at"]),
            models.Index(fields=["merchant", "state", "created_at"]),
            models.Index(
                fields=["serial"], condition=~Q(serial=""), name="item_serial_idx"
            ),
            models.Index(fields=["merchant", "sku"]),
            # "Is any item of this notice still announced?": the first line
            # left, read from this index alone (warehouse/services/scans.py).
            models.Index(
                fields=["notice", "line"],
                condition=Q(state="announced"),
                name="item_notice_announced_line_idx",
            ),
            models.Index(
                fields=["order_ref"],
                condition=~Q(order_ref=""),
                name="item_order_ref_idx",
            ),
        ]

    def __str__(self):
        return self.code


class ItemEvent(models.Model):
    """One change in an item's life: append-only, written by the lifecycle."""

    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="events", db_index=False
    )  # indexed by (item, at) below
    from_state = models.CharField(
        _("from"), max_length=24, choices=ItemState.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=24, choices=ItemState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    # Why, as a fact: a code of warehouse.messages and its parameters,
    # rendered in the reader's language (reason_text).
    reason_code = models.CharField(_("reason code"), max_length=64, blank=True)
    reason_params = models.JSONField(_("reason parameters"), default=dict, blank=True)
    # Text a person typed (with its language), or a row from before reasons
    # were codes that could not be read back into one.
    reason = models.TextField(_("reason"), blank=True)
    reason_lang = models.CharField(_("reason language"), max_length=16, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("item event")
        verbose_name_plural = _("item events")
        indexes = [models.Index(fields=["item", "at"])]

    def __str__(self):
        return f"{self.item_id}: {self.from_state or '-'} → {self.to_state}"

    @property
    def reason_text(self) -> str:
        """The reason in the active language (its code rendered), or its text."""
        return event_reason(self.reason_code, self.reason_params, self.reason)


class Tag(models.Model):
    """A pre-printed label (QR or Code128) bound to an item at receiving; single use."""

    class Symbology(models.TextChoices):
        QR = "qr", "QR"
        CODE128 = "code128", "Code128"

    value = models.CharField(_("value"), max_length=128, unique=True)
    symbology = models.CharField(
        _("symbology"),
        max_length=16,
        choices=Symbology.choices,
        default=Symbology.CODE128,
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="tags")
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, related_name="+"
    )
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    bound_at = models.DateTimeField(_("bound at"), default=timezone.now)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.value


class ScanLog(models.Model):
    """Every scan a station sends, accepted or refused: what stations debug with."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")
        REPLAYED = "replayed", _("replayed (repeated Idempotency-Key)")

    station = models.ForeignKey(
        Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="scans"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    barcode = models.CharField(_("barcode"), max_length=256)
    action = models.CharField(_("action"), max_length=16)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    # The refusal's facts, which its code's words name (DomainError.params).
    error_params = models.JSONField(_("error parameters"), default=dict, blank=True)
    # What the station was answered, in the language it asked in.
    message = models.CharField(_("message"), max_length=300, blank=True)
    item = models.ForeignKey(
        Item, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    # Where the scan came from (warehouse.common.proxies.client_address).
    client_address = models.GenericIPAddressField(
        _("client address"), null=True, blank=True
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("scan")
        verbose_name_plural = _("scan log")
        indexes = [models.Index(fields=["station", "at"])]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.barcode} {self.outcome}"
        )

    @property
    def message_text(self) -> str:
        """A refusal in the active language: its error code's words from the
        catalogues, with its params; the stored message (as the station was
        answered) for a code no catalogue has, or a row whose params do not
        hold what the code's words name (logged before params were)."""
        if self.error_code:
            words = message_render(self.error_code, self.error_params, strict=True)
            if words is not None:
                return words
        return self.message


# Cross-cutting models live in warehouse.common; importing them here registers
# them with this app (their tables and migrations stay the warehouse's).
from ..common.models import IdempotencyKey, Job  # noqa: E402, F401
