"""The scan log: every scan a station sent, with what it was answered."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..common.messages import message_render
from .items import Item
from .tenancy import Station


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
