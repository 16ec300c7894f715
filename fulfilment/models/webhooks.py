"""The platform's webhook endpoints, the messages sent to them and each
delivery attempt."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import PlatformAccount


class WebhookEndpoint(models.Model):
    """Where the platform wants state changes sent, with its signing secrets.

    ``secrets`` lists the active secrets, newest first: during a rotation
    both sign every message (Standard Webhooks), then the old one is dropped.
    ``batched``: the receiver takes many events per request (a JSON array,
    signed as one body); by default each message is its own request.
    """

    platform = models.ForeignKey(
        PlatformAccount, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    secrets = models.JSONField(_("signing secrets"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    batched = models.BooleanField(
        _("batched delivery"),
        default=False,
        help_text=_("Send many events per request, as one signed JSON array."),
    )
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
