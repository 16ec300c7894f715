"""Orders, allocations, shipments and labels, manifests, returns, notifications.

Fields, choices and constraints only; every write goes through
``fulfilment.services``, every change of an item's state through
``warehouse.lifecycle``, of an order's, a shipment's or a manifest's status
through ``fulfilment.lifecycle`` (which keeps its ``history``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import (
    Carrier,
    Item,
    Merchant,
    PlatformAccount,
    Station,
    Warehouse,
)


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


class WebhookEndpoint(models.Model):
    """Where the platform wants state changes sent, with its signing secrets.

    ``secrets`` lists the active secrets, newest first: during a rotation
    both sign every message (Standard Webhooks), then the old one is dropped.
    """

    platform = models.ForeignKey(
        PlatformAccount, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    secrets = models.JSONField(_("signing secrets"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url


class WebhookMessage(models.Model):
    """One event for one endpoint: the same id and body on every attempt."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="messages"
    )
    msg_id = models.CharField(_("message id"), max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=40)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        indexes = [
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_pending_idx",
            )
        ]

    def __str__(self):
        return self.msg_id


class WebhookAttempt(models.Model):
    """The delivery log: each try of a message and what the receiver said."""

    message = models.ForeignKey(
        WebhookMessage, on_delete=models.CASCADE, related_name="log"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["message", "at"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self):
        return f"{self.message} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code}"


class StockLot(models.Model):
    """Certified goods on the shelf that no order has claimed yet, by SKU.

    One per certified stock-first item (a lot of ``quantity`` units), or an
    order-first item its merchant kept as stock. ``sell_by`` is the last
    dispatch date on which the units still have the category's minimum
    remaining shelf life; allocation takes the earliest expiry first (FEFO).
    """

    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="stock")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(_("SKU"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    allocated = models.PositiveIntegerField(_("allocated"), default=0)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    sell_by = models.DateField(_("last dispatch date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stock lot")
        verbose_name_plural = _("stock lots")
        constraints = [
            models.CheckConstraint(
                condition=Q(allocated__lte=models.F("quantity")),
                name="stock_lot_not_over_allocated",
            )
        ]
        indexes = [
            models.Index(
                fields=["merchant", "warehouse", "sku", "expires_on"],
                condition=Q(is_active=True),
                name="stock_lot_fefo_idx",
            )
        ]

    def __str__(self):
        return f"{self.sku} {self.allocated}/{self.quantity}"
