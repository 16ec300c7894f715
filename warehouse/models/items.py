"""Inbound notices, the Item with its history (events), and tags.

Every change of ``Item.state`` goes through ``warehouse.lifecycle``.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..messages import event_reason
from ..states import ITEM_GONE_STATES, ItemState
from .tenancy import Category, Location, Merchant, Station, Warehouse


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
    """A pre-printed number bound to one item, once: the receiving label (QR or
    Code128) bound at receiving, or the tamper-evident anti-swap seal (防调包扣)
    bound at packing. A value is used once, whatever its purpose."""

    class Symbology(models.TextChoices):
        QR = "qr", "QR"
        CODE128 = "code128", "Code128"

    class Purpose(models.TextChoices):
        RECEIVING = "receiving", _("receiving label")
        SEAL = "seal", _("anti-swap seal")

    value = models.CharField(_("value"), max_length=128, unique=True)
    purpose = models.CharField(
        _("purpose"),
        max_length=16,
        choices=Purpose.choices,
        default=Purpose.RECEIVING,
    )
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
