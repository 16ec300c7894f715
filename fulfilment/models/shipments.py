"""Parcels (to a buyer or back to a merchant), their contents, and the carrier
manifests they are handed over on."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import Carrier, Item, Merchant, Station, Warehouse

from .orders import Order
from .waves import Wave


class Manifest(models.Model):
    """One carrier pickup at one warehouse: what was handed over to whom."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    number = models.CharField(_("number"), max_length=32, unique=True)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="manifests"
    )
    carrier = models.CharField(_("carrier"), max_length=8, choices=Carrier.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    # Every change of status, oldest first, written by fulfilment.lifecycle.
    history = models.JSONField(_("history"), default=list, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    pdf = models.FileField(_("PDF"), upload_to="manifests/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("carrier manifest")
        verbose_name_plural = _("carrier manifests")
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "carrier"],
                condition=Q(status="open"),
                name="manifest_one_open_per_carrier",
            )
        ]

    def __str__(self):
        return self.number


class Shipment(models.Model):
    """A parcel leaving the warehouse: to a buyer, or back to a merchant."""

    class Kind(models.TextChoices):
        ORDER = "order", _("to the buyer")
        RETURN = "return", _("return to merchant")

    class Status(models.TextChoices):
        BOOKING = "booking", _("awaiting label")
        LABELLED = "labelled", _("labelled")
        RELEASED = "released", _("released")
        CANCELLED = "cancelled", _("cancelled")

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="shipments"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="shipments"
    )
    carrier = models.CharField(_("carrier"), max_length=8, choices=Carrier.choices)
    recipient = models.JSONField(_("recipient"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BOOKING
    )
    # Every change of status, oldest first, written by fulfilment.lifecycle.
    history = models.JSONField(_("history"), default=list, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    sort_code = models.CharField(_("sort code"), max_length=40, blank=True)
    # The carrier's virtual number for the recipient (虚拟号), when its booking
    # gives one: the label prints it beside the masked phone.
    virtual_number = models.CharField(_("virtual number"), max_length=40, blank=True)
    label_pdf = models.FileField(
        _("label (PDF)"), upload_to="labels/%Y/%m/", blank=True
    )
    label_zpl = models.TextField(_("label (ZPL)"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)
    printed_at = models.DateTimeField(_("printed at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    manifest = models.ForeignKey(
        Manifest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
    )
    # The label wave that books it (a buyer's parcel; a return has none):
    # its station is the one that packed it.
    wave = models.ForeignKey(
        Wave,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipment_tracking_unique",
            )
        ]
        indexes = [models.Index(fields=["warehouse", "status"])]

    def __str__(self):
        return self.reference


class ShipmentItem(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="contents"
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="shipment_contents"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("shipment content")
        verbose_name_plural = _("shipment contents")
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "item"], name="shipment_item_unique"
            )
        ]

    def __str__(self):
        return f"{self.shipment} {self.item} x {self.quantity}"
