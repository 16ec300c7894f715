"""Certificates of passed items and their rendered files."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import Item

from .inspections import Inspection


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
    # The anti-swap seal bound at packing (outside the signed content, which
    # was fixed at issue).
    seal = models.CharField(_("anti-swap seal"), max_length=128, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_reason_lang = models.CharField(
        _("language of the reason for revocation"), max_length=16, blank=True
    )
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
