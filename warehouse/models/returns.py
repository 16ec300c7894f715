"""A buyer's return: the platform's notice of items coming back, and each item on it.

The notice is what the platform told us (or, for a parcel that came with no
notice, what receiving recorded); the item's way through receiving and the
comparison with its certificate is the item's lifecycle
(``released → return_expected → return_received → return_inspecting``) and the
inspection app's return inspections.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .items import Carrier, Item
from .tenancy import Merchant, Station, Warehouse


class ReturnReason(models.TextChoices):
    """The buyer's reason, as the platform's after-sale form records it."""

    NO_REASON = "no_reason", _("no reason (seven-day return)")
    NOT_AS_DESCRIBED = "not_as_described", _("not as described")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("damaged in transit")
    QUALITY_COMPLAINT = "quality_complaint", _("quality complaint")
    ALLERGIC_REACTION = "allergic_reaction", _("allergic reaction")
    WRONG_ITEM = "wrong_item", _("wrong item received")
    NOT_GENUINE = "not_genuine", _("suspected not genuine")


class ReturnNotice(models.Model):
    """One buyer's return parcel, as the platform announced it.

    ``return_id`` is the platform's own id, unique: the notice's idempotency
    key (a repeated POST answers the notice it made; the same id with other
    content is refused). A parcel received with no notice gets one with an
    empty ``return_id`` and ``unannounced`` set; a later notice for its item
    takes it over.
    """

    return_id = models.CharField(_("platform return id"), max_length=64, blank=True)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="buyer_returns"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="buyer_returns"
    )
    order_ref = models.CharField(_("platform order id"), max_length=64, blank=True)
    reason = models.CharField(
        _("buyer's reason"), max_length=24, choices=ReturnReason.choices, blank=True
    )
    # What the buyer wrote, if the platform passes it on: typed text, kept with
    # its language.
    buyer_note = models.TextField(_("buyer's note"), blank=True)
    buyer_note_lang = models.CharField(_("note language"), max_length=16, blank=True)
    carrier = models.CharField(
        _("buyer's carrier"), max_length=8, choices=Carrier.choices, blank=True
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    delivered_at = models.DateTimeField(_("delivered to the buyer at"), null=True)
    unannounced = models.BooleanField(_("received unannounced"), default=False)
    # SHA-256 of the notice as posted: the same return id with other content
    # is a conflict, not a repeat.
    fingerprint = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("announced at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("buyer's return")
        verbose_name_plural = _("buyers' returns")
        constraints = [
            models.UniqueConstraint(
                fields=["return_id"],
                condition=~Q(return_id=""),
                name="buyer_return_id_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["tracking_number"],
                condition=~Q(tracking_number=""),
                name="buyer_return_tracking",
            ),
            models.Index(fields=["merchant", "-created_at"]),
        ]

    def __str__(self):
        return self.return_id or f"unannounced #{self.pk}"


class ReturnNoticeItem(models.Model):
    """An item on a buyer's return, with what the buyer declared of it."""

    notice = models.ForeignKey(
        ReturnNotice, on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="buyer_return_lines"
    )
    # The buyer says the goods' own packaging was opened.
    opened = models.BooleanField(_("opened by the buyer"), default=False)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["notice", "id"]
        verbose_name = _("item on a buyer's return")
        verbose_name_plural = _("items on buyers' returns")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "item"], name="buyer_return_item_once"
            )
        ]

    def __str__(self):
        return f"{self.notice} {self.item}"
