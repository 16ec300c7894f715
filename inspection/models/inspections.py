"""Inspections and their checks, a lot's sampled units, photos, and what
follows a hold (the supervisor's decision) or a failure (the merchant's
appeal)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import Item, Station

from ..messages import check_reason
from .templates import CheckKind, InspectionTemplate


class Verdict(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
    HOLD = "hold", _("hold")


class CheckVerdict(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
    HOLD = "hold", _("hold")
    SKIPPED = "skipped", _("not checked")
    PENDING = "pending", _("not yet observed")


class Inspection(models.Model):
    """One inspection of an item (or a sampled lot) against one template version."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        AWAITING_SIGNOFF = "awaiting_signoff", _("awaiting sign-off")
        CLOSED = "closed", _("closed")

    class Reason(models.TextChoices):
        FIRST = "first", _("first inspection")
        APPEAL = "appeal", _("merchant appeal")
        REINSPECTION = "reinspection", _("supervisor re-inspection")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="inspections")
    number = models.PositiveSmallIntegerField(_("number"))
    template = models.ForeignKey(
        InspectionTemplate, on_delete=models.PROTECT, related_name="inspections"
    )
    reason = models.CharField(
        _("reason"), max_length=16, choices=Reason.choices, default=Reason.FIRST
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The inspection this one re-examines (appeal, re-inspection)."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    verdict = models.CharField(
        _("verdict"), max_length=8, choices=Verdict.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    # The language the notes were typed in (the typist's, at save time).
    notes_lang = models.CharField(_("notes language"), max_length=16, blank=True)
    # Lots: the ISO 2859-1 plan the sample follows (empty for single items).
    lot_size = models.PositiveIntegerField(_("lot size"), default=1)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    accept_number = models.PositiveIntegerField(_("Ac"), null=True, blank=True)
    reject_number = models.PositiveIntegerField(_("Re"), null=True, blank=True)
    code_letter = models.CharField(_("code letter"), max_length=1, blank=True)
    nonconforming = models.PositiveIntegerField(
        _("nonconforming units"), null=True, blank=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
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

    class Meta:
        ordering = ["item", "number"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "number"], name="inspection_number_unique"
            ),
            # At most one inspection in progress per item: two stations
            # opening at once get one inspection and one refusal.
            models.UniqueConstraint(
                fields=["item"],
                condition=~Q(status="closed"),
                name="inspection_one_active_per_item",
            ),
        ]
        indexes = [models.Index(fields=["status", "opened_at"])]

    def __str__(self):
        return f"{self.item_id}#{self.number}"

    @property
    def is_lot(self) -> bool:
        return self.sample_size is not None


class InspectionCheck(models.Model):
    """One check of an inspection: claimed, observed, the rule and its verdict.

    ``rule`` is the template check as it was when the inspection opened.
    For a lot, ``observed`` summarises the sampled units.
    """

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="checks"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    key = models.SlugField(_("key"), max_length=32)
    kind = models.CharField(_("kind"), max_length=16, choices=CheckKind.choices)
    rule = models.JSONField(_("rule"), default=dict)
    claimed = models.JSONField(_("claimed"), null=True, blank=True)
    observed = models.JSONField(_("observed"), null=True, blank=True)
    verdict = models.CharField(
        _("verdict"),
        max_length=8,
        choices=CheckVerdict.choices,
        default=CheckVerdict.PENDING,
    )
    code = models.CharField(
        _("result code"),
        max_length=40,
        blank=True,
        help_text=_("What the result says, as a code of inspection.messages."),
    )
    params = models.JSONField(
        _("result facts"),
        default=dict,
        blank=True,
        help_text=_("The code's facts: numbers in mg, dates ISO, codes."),
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    source = models.CharField(
        _("source"),
        max_length=16,
        blank=True,
        help_text=_("Where the observation came from: typed, or a station's scale."),
    )
    observed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    observed_at = models.DateTimeField(_("observed at"), null=True, blank=True)

    class Meta:
        ordering = ["inspection", "position", "id"]
        verbose_name = _("inspection check")
        verbose_name_plural = _("inspection checks")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "key"], name="inspection_check_key_unique"
            )
        ]

    def __str__(self):
        return f"{self.inspection} {self.key}: {self.verdict}"

    @property
    def reason(self) -> str:
        """The result's sentence in the active language (from code and params)."""
        return check_reason(self.code, self.params)


class SampleUnit(models.Model):
    """One sampled unit of a lot: what was observed on it and its verdict."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="units"
    )
    number = models.PositiveIntegerField(_("unit"), validators=[MinValueValidator(1)])
    observed = models.JSONField(_("observed"), default=dict)
    results = models.JSONField(
        _("check results"),
        default=dict,
        help_text=_("Per check key: verdict, effect, code, params, detail."),
    )
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["inspection", "number"]
        verbose_name = _("sampled unit")
        verbose_name_plural = _("sampled units")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "number"], name="sample_unit_unique"
            )
        ]

    def __str__(self):
        return f"{self.inspection} unit {self.number}: {self.verdict}"


def photo_upload_to(photo: "InspectionPhoto", filename: str) -> str:
    moment = timezone.now()
    return (
        f"inspections/{moment:%Y/%m}/{photo.inspection.item_id}/"
        f"{photo.sha256[:32]}.{photo.extension}"
    )


class PhotoFile(models.Model):
    """What every stored photo keeps beside its file: its checked content
    type, bytes, pixels and hash, and who took it when. A subclass names the
    ``inspection`` it belongs to (its ``photos``), and its photos come in the
    order they were taken (pages, PDFs and reports show them so)."""

    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["inspection", "uploaded_at", "id"]

    def __str__(self):
        return f"{self.inspection} photo {self.pk}"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
            self.content_type, "bin"
        )


class InspectionPhoto(PhotoFile):
    """Evidence: a photo of the item, attached to the inspection or one check."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="photos"
    )
    check_key = models.SlugField(_("check"), max_length=32, blank=True)
    image = models.FileField(_("image"), upload_to=photo_upload_to, max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta(PhotoFile.Meta):
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")


class HoldDecision(models.Model):
    """A supervisor's decision on a held item: pass, fail or re-inspect."""

    class Decision(models.TextChoices):
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")
        REINSPECT = "reinspect", _("re-inspect")

    inspection = models.OneToOneField(
        Inspection, on_delete=models.PROTECT, related_name="hold_decision"
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    reason_lang = models.CharField(_("reason language"), max_length=16, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("hold decision")
        verbose_name_plural = _("hold decisions")

    def __str__(self):
        return f"{self.inspection}: {self.decision}"


class Appeal(models.Model):
    """A merchant's appeal of a failed verdict: once per item."""

    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="appeal")
    appealed = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="appeals"
    )
    reinspection = models.OneToOneField(
        Inspection, on_delete=models.PROTECT, related_name="appeal_for"
    )
    reason = models.TextField(_("reason"))
    reason_lang = models.CharField(_("reason language"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self):
        return f"appeal {self.item_id}"
