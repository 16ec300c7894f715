"""Inspection templates, inspections and their checks, photos, sign-off, appeals.

Fields, choices and constraints only; every write goes through
``inspection.services``. Inspections are append-only records: a correction is a
new inspection (an appeal or a supervisor's re-inspection), never an edit of a
closed one. Each check row keeps a copy of the rule it was judged by, so editing
a template never changes a past result.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import Category, Item, Station

from ..messages import check_reason


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


class CheckKind(models.TextChoices):
    MATERIAL = "material", _("material")
    WEIGHT = "weight", _("weight")
    SHELF_LIFE = "shelf_life", _("shelf life")
    PACKAGING = "packaging", _("packaging")
    LABELS = "labels", _("labels and markings")
    IDENTITY = "identity", _("identity")
    FREE = "free", _("free check")


class InspectionTemplate(models.Model):
    """One version of a category's inspection template.

    The version in force is the category's highest one. A version that any
    inspection used is never changed again: editing makes a new version
    (``inspection.services.template_publish``).
    """

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="inspection_templates"
    )
    version = models.PositiveIntegerField(_("version"))
    aql = models.DecimalField(
        _("AQL for lots"),
        max_digits=4,
        decimal_places=2,
        default="2.5",
        help_text=_("ISO 2859-1 acceptance quality limit for sampled lots."),
    )
    signoff_above_value = models.DecimalField(
        _("sign-off above declared value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Items whose declared value is above this need a second inspector's "
            "sign-off; empty: never for the value alone."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["category", "-version"]
        verbose_name = _("inspection template")
        verbose_name_plural = _("inspection templates")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "version"], name="template_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.category.code} v{self.version}"


class TemplateCheck(models.Model):
    """One check of a template version: its kind and the rule's parameters."""

    class OnFail(models.TextChoices):
        FAIL = "fail", _("fails the item")
        HOLD = "hold", _("holds the item")

    template = models.ForeignKey(
        InspectionTemplate, on_delete=models.CASCADE, related_name="checks"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    key = models.SlugField(
        _("key"),
        max_length=32,
        help_text=_("Unique in the template; also the key of its observation."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CheckKind.choices)
    label = models.CharField(_("label"), max_length=100)
    label_zh = models.CharField(_("Chinese label"), max_length=100, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    on_fail = models.CharField(
        _("when it fails"), max_length=8, choices=OnFail.choices, default=OnFail.FAIL
    )
    params = models.JSONField(_("rule parameters"), default=dict, blank=True)

    class Meta:
        ordering = ["template", "position", "id"]
        verbose_name = _("template check")
        verbose_name_plural = _("template checks")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "key"], name="template_check_key_unique"
            )
        ]

    def __str__(self):
        return f"{self.template} {self.key}"


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


class InspectionPhoto(models.Model):
    """Evidence: a photo of the item, attached to the inspection or one check."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="photos"
    )
    check_key = models.SlugField(_("check"), max_length=32, blank=True)
    image = models.FileField(_("image"), upload_to=photo_upload_to, max_length=200)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["inspection", "uploaded_at", "id"]
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")

    def __str__(self):
        return f"{self.inspection} photo {self.pk}"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
            self.content_type, "bin"
        )


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self):
        return f"appeal {self.item_id}"


class Certificate(models.Model):
    """One item, one certificate: what a buyer verifies.

    ``content`` is the certificate's canonical content (public facts only);
    ``signature`` is HMAC-SHA256 over it with the key named by ``key_id``, so
    keys can rotate while old certificates still verify. Each rendering of
    the PDF is a :class:`CertificateFile` whose SHA-256 identifies it.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("valid")
        REVOKED = "revoked", _("revoked")

    number = models.CharField(_("number"), max_length=40, unique=True)
    query_code = models.CharField(_("query code"), max_length=16)
    token = models.CharField(_("verification token"), max_length=64, unique=True)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="certificates"
    )
    inspection = models.OneToOneField(
        Inspection, on_delete=models.PROTECT, related_name="certificate"
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    content = models.JSONField(_("signed content"))
    signature = models.CharField(_("signature"), max_length=128)
    key_id = models.CharField(_("signing key"), max_length=32)
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/%m/", max_length=200)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.VALID
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [models.Index(fields=["item", "issued_at"])]

    def __str__(self):
        return self.number


class CertificateFile(models.Model):
    """One rendering of a certificate's PDF; any of them verifies by its hash."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="files"
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.PositiveIntegerField(_("bytes"))
    rendered_at = models.DateTimeField(_("rendered at"), default=timezone.now)

    class Meta:
        ordering = ["certificate", "rendered_at"]
        verbose_name = _("certificate file")
        verbose_name_plural = _("certificate files")

    def __str__(self):
        return f"{self.certificate} {self.sha256[:12]}"
