"""Orders and their lines, allocations, the dispatch promise, what a merchant
wants done when an order is cancelled, and the items held for that decision."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import Carrier, Item, Merchant, PlatformAccount, Warehouse


class Promise(models.TextChoices):
    SAME_DAY = "same_day", _("same-day dispatch")
    WITHIN_24H = "within_24h", _("dispatch within 24 h")


class PromiseState(models.TextChoices):
    ON_TRACK = "on_track", _("on track")
    AT_RISK = "at_risk", _("at risk")
    BREACHED = "breached", _("breached")
    MET = "met", _("met")
    LATE = "late", _("late")


class MerchantPolicy(models.Model):
    """What a merchant wants done with its items when their order is cancelled."""

    class OnCancel(models.TextChoices):
        REFUSE = "refuse", _("refuse the item at receiving")
        HOLD = "hold", _("inspect it and hold it for my decision")

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="fulfilment_policy"
    )
    on_cancel = models.CharField(
        _("when an order is cancelled"),
        max_length=8,
        choices=OnCancel.choices,
        default=OnCancel.REFUSE,
    )
    return_carrier = models.CharField(
        _("carrier for returns"), max_length=8, choices=Carrier.choices, default="sf"
    )
    # Where returns go, whole, as a carrier's label needs it: {"name", "phone",
    # "province", "city", "lines", "postcode"} (the policy API validates it);
    # empty: the merchant's return address text and contact phone.
    return_to = models.JSONField(
        _("return address (structured)"), default=dict, blank=True
    )

    class Meta:
        verbose_name = _("merchant fulfilment policy")
        verbose_name_plural = _("merchant fulfilment policies")

    def __str__(self):
        return str(self.merchant)


class Order(models.Model):
    """A platform's order: lines, buyer, dispatch promise."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ALLOCATED = "allocated", _("allocated")
        PACKED = "packed", _("packed")
        DISPATCHED = "dispatched", _("dispatched")
        CANCELLED = "cancelled", _("cancelled")

    external_id = models.CharField(_("platform order id"), max_length=64, unique=True)
    platform = models.ForeignKey(
        PlatformAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="orders"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="orders"
    )
    fingerprint = models.CharField(max_length=64)
    buyer_name = models.CharField(_("buyer name"), max_length=100)
    buyer_phone = models.CharField(_("buyer phone"), max_length=32)
    buyer_email = models.EmailField(_("buyer email"), blank=True)
    buyer_province = models.CharField(_("province"), max_length=50, blank=True)
    buyer_city = models.CharField(_("city"), max_length=50, blank=True)
    buyer_address = models.CharField(_("address"), max_length=300)
    buyer_postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    carrier = models.CharField(_("carrier"), max_length=8, choices=Carrier.choices)
    promise = models.CharField(_("promise"), max_length=12, choices=Promise.choices)
    ordered_at = models.DateTimeField(_("ordered at"))
    deadline = models.DateTimeField(_("dispatch deadline"))
    promise_state = models.CharField(
        _("promise"),
        max_length=10,
        choices=PromiseState.choices,
        default=PromiseState.ON_TRACK,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    # Every change of status, oldest first, written by fulfilment.lifecycle.
    history = models.JSONField(_("history"), default=list, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=Q(status__in=["open", "allocated", "packed"]),
                name="order_open_deadline_idx",
            ),
            models.Index(fields=["merchant", "created_at"]),
        ]

    def __str__(self):
        return self.external_id


class EarlyCancellation(models.Model):
    """The platform's cancellation of an order not received yet.

    Its pushes can overtake each other: when the order arrives, it is
    accepted already cancelled and nothing is allocated to it.
    """

    external_id = models.CharField(_("platform order id"), max_length=64)
    platform = models.ForeignKey(
        PlatformAccount,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="early_cancellations",
        help_text=_("Who cancelled: only that platform's order is affected."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"],
                name="early_cancellation_once",
            )
        ]
        verbose_name = _("cancellation ahead of its order")
        verbose_name_plural = _("cancellations ahead of their orders")

    def __str__(self):
        return self.external_id


class OrderLine(models.Model):
    """One line: a named item (order-first) or a quantity of a SKU (stock-first)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line = models.PositiveIntegerField(_("line"))
    item_code = models.CharField(
        _("item code"), max_length=16, blank=True, db_index=True
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    class Meta:
        ordering = ["order", "line"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "line"], name="order_line_unique")
        ]

    def __str__(self):
        return f"{self.order} #{self.line}"


class Allocation(models.Model):
    """Units of a certified item given to an order line.

    An order-first item is given whole (quantity 1); a stock-first lot gives
    units until its quantity is used up. Cancelled allocations stay, marked.
    """

    line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="allocations"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField(_("quantity"))
    created_at = models.DateTimeField(_("allocated at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [
            models.Index(
                fields=["item"],
                condition=Q(cancelled_at=None),
                name="allocation_active_idx",
            )
        ]

    def __str__(self):
        return f"{self.item} x {self.quantity} → {self.line}"


class HeldForMerchant(models.Model):
    """An item whose order was cancelled, waiting for its merchant's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("waiting for the merchant")
        RETURN = "return", _("return it to me")
        KEEP = "keep", _("keep it as stock")

    item = models.OneToOneField(
        Item, on_delete=models.PROTECT, related_name="held_for_merchant"
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(
        _("decision"),
        max_length=8,
        choices=Decision.choices,
        default=Decision.PENDING,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("item held for its merchant")
        verbose_name_plural = _("items held for their merchants")

    def __str__(self):
        return f"{self.item} ({self.decision})"
