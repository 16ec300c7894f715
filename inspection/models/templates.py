"""Inspection templates: a category's versions and their checks."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import Category


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
    # A buyer's return is weighed against what we weighed at certification:
    # the difference the scale itself may show (its repeatability), not the
    # claim's tolerance.
    return_weight_tolerance_mg = models.PositiveIntegerField(
        _("return weight tolerance (mg)"),
        default=20,
        help_text=_(
            "A returned item weighs the same as at certification within this "
            "many milligrams (the scale's repeatability; 20 mg for jewellery)."
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
