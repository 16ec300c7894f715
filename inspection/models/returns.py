"""Return inspections: a buyer's returned item compared with what we certified.

Append-only, as inspections are: a second look is a new return inspection.
Each compared point is stored as a fact (a message code of
:mod:`inspection.messages` with raw params: milligrams, seal numbers,
vocabulary codes), rendered in the reader's language when read.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import Item, ReturnNotice, Station

from .certificates import Certificate
from .inspections import PhotoFile


class ReturnVerdict(models.TextChoices):
    MATCHES = "matches", _("matches the certified item")
    DAMAGED = "damaged", _("damaged")
    MISMATCH = "mismatch", _("not the certified item")


class ReturnOutcome(models.TextChoices):
    """Where the item went once the verdict held."""

    RESTOCK = "restock", _("back to stock")
    TO_MERCHANT = "to_merchant", _("back to the merchant")
    DISPUTED = "disputed", _("disputed, held by a supervisor")


class ReturnInspection(models.Model):
    """One comparison of a returned item with its certificate.

    ``observed`` holds what the inspector found, parsed (weights in mg,
    vocabulary codes, the seal's number and state, the packaging state);
    ``checks`` one fact per compared point: ``{"check", "code", "params",
    "ok"}``, in the template's order. ``certified`` copies the certificate's
    values it was compared with, so the record stands alone.
    """

    class Status(models.TextChoices):
        AWAITING_SIGNOFF = "awaiting_signoff", _("awaiting sign-off")
        CLOSED = "closed", _("closed")
        # A second inspector did not confirm the verdict: a supervisor decides.
        DISPUTED = "disputed", _("sign-off disputed")

    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="return_inspections"
    )
    notice = models.ForeignKey(
        ReturnNotice, on_delete=models.PROTECT, related_name="inspections"
    )
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="return_inspections"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    observed = models.JSONField(_("observed"), default=dict)
    certified = models.JSONField(_("certified values"), default=dict)
    checks = models.JSONField(_("compared points"), default=list)
    verdict = models.CharField(
        _("verdict"), max_length=16, choices=ReturnVerdict.choices
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ReturnOutcome.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CLOSED
    )
    notes = models.TextField(_("notes"), blank=True)
    notes_lang = models.CharField(_("notes language"), max_length=16, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    inspected_at = models.DateTimeField(_("inspected at"), default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signoff_approved = models.BooleanField(_("sign-off approved"), null=True)
    signoff_note = models.TextField(_("sign-off note"), blank=True)
    signoff_note_lang = models.CharField(
        _("sign-off note language"), max_length=16, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The signed return report (rendered by a job once the verdict holds).
    report = models.FileField(
        _("report PDF"), upload_to="returns/%Y/%m/", max_length=200, blank=True
    )
    report_content = models.JSONField(_("report content"), default=dict, blank=True)
    report_signature = models.CharField(
        _("report signature"), max_length=128, blank=True
    )
    report_key_id = models.CharField(_("report signing key"), max_length=32, blank=True)
    report_sha256 = models.CharField(
        _("SHA-256 of the report"), max_length=64, blank=True
    )

    class Meta:
        ordering = ["item", "number"]
        verbose_name = _("return inspection")
        verbose_name_plural = _("return inspections")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "number"], name="return_inspection_number_per_item"
            )
        ]
        indexes = [models.Index(fields=["status", "inspected_at"])]

    def __str__(self):
        return f"{self.item.code} return #{self.number}"


def return_photo_upload_to(photo: "ReturnPhoto", filename: str) -> str:
    moment = timezone.now()
    return (
        f"returns/{moment:%Y/%m}/{photo.inspection.item_id}/"
        f"{photo.sha256[:32]}.{photo.extension}"
    )


class ReturnPhoto(PhotoFile):
    """A photo taken at the return inspection, shown beside the certified ones."""

    inspection = models.ForeignKey(
        ReturnInspection, on_delete=models.PROTECT, related_name="photos"
    )
    image = models.FileField(
        _("image"), upload_to=return_photo_upload_to, max_length=200
    )

    class Meta(PhotoFile.Meta):
        verbose_name = _("return photo")
        verbose_name_plural = _("return photos")
